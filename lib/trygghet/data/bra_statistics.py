"""Brå's statistics database export (*Databasfil*) read as a public source for benchmarks.

Brå's interactive database ("Gör din egen sökning") exports a long table, one row per region ×
offence × period::

    Region;Brott;År;Period;Antal;/100 000 inv
    Luleå kommun;0950 - Befogenhetsbedrägeri, bedrägeri genom social manipulation, …;2025;Helår;12;15,2
    Luleå kommun;Våldsbrott;2026 prel.;Jan;..;..

The file is ``;``-separated, UTF-8 with a BOM or Windows-1252/Latin-1 (as the database writes it),
with ``&nbsp;`` or spaces as thousands separators, decimal commas, ``..`` where a value does not
apply, and preliminary years marked ``prel.``. :func:`read_export` returns a tidy frame; nothing in it
is about persons (counts per municipality and year are public statistics).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from trygghet.data.errors import DataError
from trygghet.data.ingest.reading import decode

__all__ = ["COLUMNS", "read_export", "parse_export"]

#: the tidy frame's columns
COLUMNS = ["region", "offence", "offence_code", "year", "preliminary", "period", "count", "per_100k"]

_HEADERS = {"region": "region", "brott": "offence", "ar": "year", "år": "year", "period": "period",
            "antal": "count", "/100 000 inv": "per_100k", "/100000 inv": "per_100k"}
_CODE = re.compile(r"^\s*(\d{3,4})\s+-\s+(.*)$")


def read_export(path: str | Path) -> pd.DataFrame:
    """Read an export file of Brå's statistics database; see :func:`parse_export` for the columns."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(str(path), f"cannot be read ({exc.strerror})", "check the path") from None
    text, _ = decode(path.name, data)  # the workbook's one rule: the BOM decides, else UTF-8, else Windows-1252
    return parse_export(text, path.name)


def parse_export(text: str, name: str = "export") -> pd.DataFrame:
    """Tidy rows of an export's text.

    Columns: ``region`` (as written), ``offence`` (the label without its code), ``offence_code``
    (4 digits when the row is one offence code, else ``<NA>``), ``year`` (Int64), ``preliminary``
    (bool: the year is marked ``prel.``), ``period`` (``Helår``, a month or a quarter, as written),
    ``count`` and ``per_100k`` (float, ``NaN`` for ``..``)."""
    text = text.replace("&nbsp;", "\u00a0")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise DataError(name, "is empty", "export the table again from Brå's statistics database")
    header = [h.strip().lower() for h in lines[0].split(";")]
    keys = [_HEADERS.get(h) for h in header]
    missing = {"region", "offence", "year", "count"} - set(keys)
    if missing:
        raise DataError(name, f"lacks the column(s) {', '.join(sorted(missing))}; found {', '.join(header)}",
                        "export the result as 'Databasfil' (Region;Brott;År;Period;Antal;/100 000 inv)")
    rows = [ln.split(";") for ln in lines[1:]]
    bad = [i + 2 for i, r in enumerate(rows) if len(r) != len(header)]
    if bad:
        raise DataError(name, f"line {bad[0]} has {len(rows[bad[0] - 2])} fields instead of {len(header)}",
                        "export the result again without editing it")
    frame = pd.DataFrame(rows, columns=[k or f"_{i}" for i, k in enumerate(keys)], dtype=object)
    for col in frame.columns:
        frame[col] = frame[col].str.strip()
    code = frame["offence"].str.extract(_CODE)
    year_text = frame["year"]
    year = pd.to_numeric(year_text.str.extract(r"(\d{4})")[0], errors="coerce").astype("Int64")
    if year.isna().any():
        first = int(np.flatnonzero(year.isna().to_numpy())[0])
        raise DataError(name, f"line {first + 2}: '{year_text.iloc[first]}' is not a year",
                        "export the result again without editing it")
    out = pd.DataFrame({
        "region": frame["region"].astype("string"),
        "offence": code[1].fillna(frame["offence"]).astype("string"),
        "offence_code": code[0].str.zfill(4).astype("string"),
        "year": year,
        "preliminary": year_text.str.contains("prel", case=False).to_numpy(dtype=bool),
        "period": (frame["period"] if "period" in frame else pd.Series("Helår", index=frame.index)).astype("string"),
        "count": _number(frame["count"]),
        "per_100k": _number(frame["per_100k"]) if "per_100k" in frame else np.nan,
    })
    return out[COLUMNS]


def _number(s: pd.Series) -> pd.Series:
    text = s.str.replace(r"[\s\u00a0\u202f]", "", regex=True).str.replace(",", ".", regex=False)
    return pd.to_numeric(text.where(~text.isin(["..", "-", "", "."])), errors="coerce").astype(float)

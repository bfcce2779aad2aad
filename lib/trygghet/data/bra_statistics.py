"""Brå's statistics database export (*Databasfil*) read as a public source for benchmarks.

Brå's interactive database SOL ("Gör din egen sökning", statistik.bra.se/solwebb) exports a search as a
long ``;``-separated table, one row per region × offence × period. Two real exports (recorded by
overjoyde/bra-kriminalstatistik, ``tests/fixtures/sol_dbfil_ar.txt`` and ``sol_dbfil_manad.txt``)::

    Region;Brott;År;Period;Antal;/100 000 inv
    Hela landet;Befogenhetsbedrägeri;År;2025;14278;135;
    Hela landet;0950 - Befogenhetsbedrägeri, bedrägeri genom social manipulation, …;2026 prel.;Aug;498;5;

Data rows end with a ``;`` the header lacks. The yearly menus write the literal ``År`` in the År column and
the year in Period; the monthly and quarterly menus write the year (``2026 prel.`` when preliminary) in
År and the month or quarter in Period. The parents of a selected offence are echoed with ``..`` (no value),
and a row can repeat. SOL serves ISO-8859-1; a saved file may be UTF-8 with a BOM. Thousands may be
separated by ``&nbsp;`` or spaces and decimals by a comma. A brottskod search labels a row
``"0950 - <label>"``; a brottstyp search by the type's name (``Totalt antal brott`` for all offences).
:func:`read_export` returns a tidy frame; nothing in it is about persons (counts per municipality and year
are public statistics).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from trygghet.data.errors import DataError
from trygghet.data.ingest.reading import decode

__all__ = ["ALL_OFFENCES", "COLUMNS", "all_offences", "parse_export", "read_export"]

#: the tidy frame's columns
COLUMNS = ["region", "offence", "offence_code", "year", "preliminary", "period", "count", "per_100k"]

_HEADERS = {"region": "region", "brott": "offence", "ar": "year", "år": "year", "period": "period",
            "antal": "count", "/100 000 inv": "per_100k", "/100000 inv": "per_100k"}
_CODE = re.compile(r"^\s*(\d{3,4})\s+-\s+(.*)$")
#: how an export names all offences: SOL's brottstyp "Totalt antal brott" (reference/brottstyper_sol.csv of
#: overjoyde/bra-kriminalstatistik) and Brå's published tables' "Samtliga brott" (compared case-blind)
ALL_OFFENCES = ("totalt antal brott", "samtliga brott")


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
    (bool: the year is marked ``prel.``), ``period`` (``År`` from a yearly search, a month or a quarter as
    written, ``Helår`` when the export has no Period column),
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
    rows = [r[:-1] if len(r) == len(header) + 1 and not r[-1].strip() else r for r in rows]  # SOL's trailing ';'
    bad = [i + 2 for i, r in enumerate(rows) if len(r) != len(header)]
    if bad:
        raise DataError(name, f"line {bad[0]} has {len(rows[bad[0] - 2])} fields instead of {len(header)}",
                        "export the result again without editing it")
    frame = pd.DataFrame(rows, columns=[k or f"_{i}" for i, k in enumerate(keys)], dtype=object)
    for col in frame.columns:
        frame[col] = frame[col].str.strip()
    code = frame["offence"].str.extract(_CODE)
    period = frame["period"] if "period" in frame else pd.Series("Helår", index=frame.index, dtype=object)
    yearly = ~frame["year"].str.contains(r"\d", regex=True) & period.str.fullmatch(r"\d{4}(\s*prel\.?)?")
    year_text = frame["year"].where(~yearly, period)  # yearly menus: "År" in År, the year in Period
    period = period.where(~yearly, frame["year"])
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
        "period": period.astype("string"),
        "count": _number(frame["count"]),
        "per_100k": _number(frame["per_100k"]) if "per_100k" in frame else np.nan,
    })
    return out[COLUMNS].drop_duplicates(ignore_index=True)  # SOL repeats a row two selections share


def all_offences(table: pd.DataFrame) -> pd.Series:
    """Rows of an export that count all offences (:data:`ALL_OFFENCES`)."""
    return table["offence"].str.strip().str.lower().isin(ALL_OFFENCES) & table["offence_code"].isna()


def _number(s: pd.Series) -> pd.Series:
    text = s.str.replace(r"[\s\u00a0\u202f]", "", regex=True).str.replace(",", ".", regex=False)
    return pd.to_numeric(text.where(~text.isin(["..", "-", "", "."])), errors="coerce").astype(float)

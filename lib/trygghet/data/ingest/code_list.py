"""The offence code list: the one shipped in the package, or ``brottskoder.csv`` in the raw-data folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from trygghet.data import schemas as sch
from trygghet.data.config import resource_path
from trygghet.data.errors import DataError
from trygghet.data.ingest.reading import Context, Spec, decode, finish_raw, parse_csv_text
from trygghet.data.ingest.report import FileReport

__all__ = ["CODE_LIST_FILE", "read_code_list", "load_code_list", "parse_code_list"]

#: the editable code list shipped in the package; a file of the same name in RAW_DIR replaces it
CODE_LIST_FILE = "brottskoder.csv"

def read_code_list(path: str | Path | None = None) -> pd.DataFrame:
    """The offence code list: ``offence_code``, ``offence_label_list``, ``category``, ``violent``,
    ``volume_crime``, ``public_place``. Default: the list shipped in the package (``brottskoder.csv``)."""
    ctx = Context(raw=Path("."))
    target = Path(path) if path is not None else resource_path(CODE_LIST_FILE)
    return parse_code_list(target, ctx)



def load_code_list(found: dict, ctx: Context) -> pd.DataFrame:
    override = found.get("code_list", [])
    if override:
        path = override[0][0]
        ctx.warnings.append(f"the code list {path.name} in the raw-data folder replaces the one in the package")
    else:
        path = resource_path(CODE_LIST_FILE)
    return parse_code_list(path, ctx)


_CODE_SPEC = Spec(
    kind="code_list",
    table="code_list",
    required={"brottskod": "brottskod", "rubricering": "rubricering", "kategori": "kategori",
              "valdsbrott": "valdsbrott", "mangdbrott": "mangdbrott", "offentlig_plats": "offentlig_plats"},
    # Brå's list's own fields (docs/brottskoder.md): kept in the file for analysts, not needed to map codes
    optional={k: k for k in ("delkategori", "upphord", "kodgrupp", "offer_kon", "offer_alder")},
)


def parse_code_list(path: Path, ctx: Context) -> pd.DataFrame:
    data = path.read_bytes()
    text, _ = decode(path.name, data)
    frame, bad_fields = parse_csv_text(text, ";")
    raw = finish_raw(path.name, frame, bad_fields, FileReport(path.name, "code_list"), _CODE_SPEC, False)
    f = raw.frame
    problems = []
    codes = f["brottskod"]
    if bad_fields.any():
        problems.append(f"line {raw.lines[bad_fields][0]} has the wrong number of fields")
    bad_code = ~codes.str.fullmatch(r"\d{4}").to_numpy(dtype=bool)
    if bad_code.any():
        problems.append(f"line {raw.lines[bad_code][0]}: brottskod '{codes[bad_code].iloc[0]}' is not 4 digits")
    dup = codes.duplicated().to_numpy(dtype=bool)
    if dup.any():
        problems.append(f"line {raw.lines[dup][0]}: brottskod {codes[dup].iloc[0]} is listed twice")
    cat = f["kategori"].str.lower()
    bad_cat = ~cat.isin(sch.CATEGORIES).to_numpy(dtype=bool)
    if bad_cat.any():
        problems.append(f"line {raw.lines[bad_cat][0]}: kategori '{f['kategori'][bad_cat].iloc[0]}' is not one of "
                        + ", ".join(sch.CATEGORIES))
    flags = {}
    for col in ("valdsbrott", "mangdbrott", "offentlig_plats"):
        value = f[col].str.lower()
        bad = ~value.isin(["ja", "nej"]).to_numpy(dtype=bool)
        if bad.any():
            problems.append(f"line {raw.lines[bad][0]}: {col} '{f[col][bad].iloc[0]}' is not ja or nej")
        flags[col] = (value == "ja").to_numpy(dtype=bool)
    if problems:
        raise DataError(str(path), "the offence code list is invalid: " + "; ".join(problems[:3]),
                        "correct the code list (columns brottskod;rubricering;kategori;valdsbrott;mangdbrott;offentlig_plats)")
    return pd.DataFrame({
        "offence_code": codes.astype(sch._STR).to_numpy(),
        "offence_label_list": f["rubricering"].astype(sch._STR).to_numpy(),
        "category": cat.astype(sch._STR).to_numpy(),
        "violent": flags["valdsbrott"],
        "volume_crime": flags["mangdbrott"],
        "public_place": flags["offentlig_plats"],
    })

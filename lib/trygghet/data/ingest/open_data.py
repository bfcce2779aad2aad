"""Public statistics downloaded by ``trygghet fetch`` (``RAW/open/``) read into the store.

SCB's population by DeSO/RegSO (``scb_befolkning_<code>.json``) is the denominator where the municipality's
``befolkning.csv`` lacks an area's population: an area whose ``områdeskod`` is a DeSO or RegSO code
(``2580A0010`` or ``2580A0010_DeSO2025``) gets SCB's women and men of that year (:func:`fill_population`).

The Kolada files of the store's municipality (``kolada_<code>_{data,regions,group,kpi}.json``) become the
table ``kolada`` (one row per key figure × region × year × gender, Kolada's ``status`` flag kept); every
download's provenance (url, time, licence, checksum, the source's update date) and Kolada's own metadata of
each key figure go to ``open_sources.json``, so a report can say where each benchmark came from. A file whose
checksum no longer matches its provenance, or that cannot be read, is left out with a warning in the
ingest report: public benchmarks never stop the ingest of the municipality's own data.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from trygghet.data import schemas as sch
from trygghet.data.errors import DataError
from trygghet.data.ingest.reading import Context
from trygghet.data.open.files import PROVENANCE_SUFFIX, read_provenance
from trygghet.data.open.http import FetchError
from trygghet.data.open.kolada import group_members, kolada_frame
from trygghet.data.open.scb import jsonstat_frame

__all__ = ["ingest_open", "scb_population", "fill_population"]


def ingest_open(raw: Path, ctx: Context, municipality: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The ``kolada`` table and the ``open_sources.json`` document of the store (both empty without
    ``RAW/open/``)."""
    folder = Path(raw) / "open"
    code = str(municipality["code"].iloc[0]) if len(municipality) else None
    sources: dict = {"municipality": code, "files": {}, "kpis": {}, "group": None}
    empty = sch.empty_table("kolada")
    if code is None or not folder.is_dir():
        return empty, sources
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.name.endswith(PROVENANCE_SUFFIX) and not path.name.startswith("."):
            try:
                sources["files"][path.name] = read_provenance(path)
            except DataError as exc:
                ctx.warnings.append(f"open/{path.name} left out: {exc}")
    docs = {}
    for part in ("data", "regions", "group", "kpi"):
        name = f"kolada_{code}_{part}.json"
        if name in sources["files"]:
            try:
                docs[part] = json.loads((folder / name).read_text(encoding="utf-8"))
            except ValueError as exc:
                ctx.warnings.append(f"open/{name} left out: not valid JSON ({exc})")
    if "data" not in docs or "regions" not in docs:
        if any(n.startswith(f"kolada_{code}_") for n in sources["files"]):
            ctx.warnings.append(f"open/: the Kolada download of {code} is incomplete; run `trygghet fetch` again")
        others = sorted({n.split("_")[1] for n in sources["files"] if n.startswith("kolada_") and n.count("_") >= 2})
        if others:
            ctx.warnings.append(f"open/ holds Kolada files of {', '.join(others)}, but the areas belong to municipality "
                                f"{code}; run `trygghet fetch --municipality {code}`")
        return empty, sources
    group = (docs.get("group") or {}).get("values", [None])[0] if docs.get("group") else None
    try:
        frame = kolada_frame(docs["data"], docs["regions"], group, code)
    except FetchError as exc:
        ctx.warnings.append(f"open/kolada_{code}_data.json left out: {exc}")
        return empty, sources
    for meta in (docs.get("kpi") or {}).get("values", []):
        sources["kpis"][str(meta.get("id"))] = {k: meta.get(k) for k in
                                               ("title", "description", "publication_date", "is_divided_by_gender")}
    if group:
        sources["group"] = {"id": str(group.get("id")), "title": group.get("title"),
                            "members": [name for _, name in group_members(group)]}
    return frame, sources


_SEX = {"1": "man", "2": "kvinna"}


def scb_population(raw: Path, code: str, ctx: Context) -> pd.DataFrame:
    """SCB's population of the municipality's regions: ``region`` (the code without its ``_DeSO2025``-style
    suffix), ``year``, ``sex`` (kvinna, man), ``population`` (summed over the age bands). Empty without a
    download or when the file cannot be used (a warning says why)."""
    path = Path(raw) / "open" / f"scb_befolkning_{code}.json"
    empty = pd.DataFrame({"region": pd.Series(dtype="string"), "year": pd.Series(dtype="int64"),
                          "sex": pd.Series(dtype="string"), "population": pd.Series(dtype="int64")})
    if not path.is_file():
        return empty
    try:
        read_provenance(path)
        frame = jsonstat_frame(path.read_bytes())
    except (DataError, FetchError, ValueError) as exc:
        ctx.warnings.append(f"open/{path.name} left out: {exc}")
        return empty
    if not {"Region", "Kon", "Tid"} <= set(frame.columns):
        ctx.warnings.append(f"open/{path.name} left out: it has no Region, Kon and Tid")
        return empty
    frame = frame.loc[frame["Kon"].isin(_SEX) & frame["value"].notna()]
    out = frame.assign(region=frame["Region"].str.replace(r"_(DeSO|RegSO)\d*$", "", regex=True),
                       year=pd.to_numeric(frame["Tid"], errors="coerce"), sex=frame["Kon"].map(_SEX))
    out = out.dropna(subset=["year"]).groupby(["region", "year", "sex"], as_index=False)["value"].sum()
    return out.rename(columns={"value": "population"}).astype({"region": "string", "year": "int64", "sex": "string",
                                                                "population": "int64"})


def fill_population(population: pd.DataFrame, areas: pd.DataFrame, municipality: pd.DataFrame, raw: Path,
                    ctx: Context) -> pd.DataFrame:
    """``population`` plus SCB's women and men (age group ``alla``) for every area whose code is a DeSO or
    RegSO code and every year SCB has that the municipality's file lacks for that area."""
    if not len(municipality) or not len(areas):
        return population
    scb = scb_population(raw, str(municipality["code"].iloc[0]), ctx)
    if scb.empty:
        return population
    codes = areas["area_code"].astype("string").str.replace(r"_(DeSO|RegSO)\d*$", "", regex=True)
    by_code = dict(zip(codes, areas["area"].astype(str)))
    scb = scb.loc[scb["region"].isin(by_code)].assign(area=lambda t: t["region"].map(by_code))
    have = set(zip(population["year"].astype(int), population["area"].astype(str)))
    add = scb.loc[[(int(y), a) not in have for y, a in zip(scb["year"], scb["area"])]]
    if add.empty:
        return population
    rows = pd.DataFrame({"year": add["year"].astype("int16"), "area": add["area"].astype("string"),
                         "sex": add["sex"].astype("string"), "age_group": pd.array(["alla"] * len(add), dtype="string"),
                         "population": add["population"].astype("int64")})
    n_areas, years = add["area"].nunique(), sorted(int(y) for y in add["year"].unique())
    ctx.warnings.append(f"the population of {n_areas} area(s) in {', '.join(map(str, years))} is SCB's (DeSO/RegSO, "
                        "open/scb_befolkning): befolkning.csv lacks it")
    out = pd.concat([population, rows], ignore_index=True)
    return out.sort_values(["year", "area", "sex", "age_group"], kind="stable").reset_index(drop=True)

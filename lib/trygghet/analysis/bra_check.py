"""Brå's official count of reported offences beside the police extract's own count (store tables
``bra_offences`` and ``offences``).

Frames in, frames out, no prose. Two measures are compared per year:

- ``alla``: all offences — Brå's row "Totalt antal brott" (or "Samtliga brott") of the municipality;
- ``vald``: violent offences by Brå's definition — the sum of the export's offence-code rows whose code is
  violent in the code list (``violent``, docs/brottskoder.md), beside the extract's offences with those
  same codes, so that an export of some of the codes compares like with like. Only when the export is a
  search by offence code.

Brå counts an offence in the year it was *reported* and in the municipality where it was committed; the
extract's count here therefore uses the year of the report (``reported``, else the start when the report
date is missing). Only yearly figures are compared (a yearly search: period ``År``; ``Helår``).

A difference is flagged beyond :data:`TOLERANCE` of Brå's count (at least :data:`MIN_DIFFERENCE`
offences): Brå's preliminary and final figures have differed by less than 0.5 % (Brå, the database's
help text), so a larger gap says that the extract lacks offences, holds duplicates, or counts by another
date or place.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from trygghet.data.bra_statistics import all_offences
from trygghet.data.errors import DataError
from trygghet.data.ingest import read_code_list
from trygghet.data.store import municipality, read_json, read_table

__all__ = ["MEASURES", "MIN_DIFFERENCE", "TOLERANCE", "bra_source", "bra_values", "bra_yearly", "local_vs_bra"]

#: relative difference (of Brå's count) beyond which the local count is flagged
TOLERANCE = 0.02
#: ... but never a difference of this many offences or fewer
MIN_DIFFERENCE = 5
#: the compared measures, in display order
MEASURES = ("alla", "vald")
_YEARLY = ("år", "helår")
_COLUMNS = ["measure", "year", "preliminary", "bra", "bra_per_100k", "local", "difference", "relative",
            "within_tolerance"]


def bra_values(store: str | Path | None) -> pd.DataFrame:
    """The store's Brå rows; empty when it has none (no export, or a store ingested before the table)."""
    try:
        return read_table(store, "bra_offences")
    except DataError:
        return pd.DataFrame(columns=["region", "offence", "offence_code", "year", "preliminary", "period", "count",
                                     "per_100k"])


def _own_region(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """The municipality's rows: region ``name`` or ``name kommun`` (case-blind); an export of one region only
    is taken as the municipality's (it was taken in for it)."""
    wanted = {name.strip().lower(), f"{name.strip().lower()} kommun"}
    own = table.loc[table["region"].str.strip().str.lower().isin(wanted)]
    if own.empty and table["region"].nunique() == 1:
        return table
    return own


def bra_yearly(store: str | Path | None) -> pd.DataFrame:
    """Brå's yearly counts of the municipality: ``measure``, ``year``, ``preliminary``, ``bra``,
    ``bra_per_100k`` (NaN for the sum of codes), ``codes`` (the violent codes summed; empty for ``alla``)."""
    t = bra_values(store)
    out = pd.DataFrame(columns=["measure", "year", "preliminary", "bra", "bra_per_100k", "codes"])
    if t.empty:
        return out
    t = _own_region(t, municipality(store)["name"])
    t = t.loc[t["period"].str.strip().str.lower().isin(_YEARLY)]
    rows = []
    total = t.loc[all_offences(t) & t["count"].notna()]
    for _, r in total.drop_duplicates("year").iterrows():
        rows.append({"measure": "alla", "year": int(r["year"]), "preliminary": bool(r["preliminary"]),
                     "bra": float(r["count"]), "bra_per_100k": r["per_100k"], "codes": ()})
    violent = _violent_codes(store)
    coded = t.loc[t["offence_code"].isin(violent) & t["count"].notna()]
    for year, g in coded.groupby("year"):
        rows.append({"measure": "vald", "year": int(year), "preliminary": bool(g["preliminary"].any()),
                     "bra": float(g["count"].sum()), "bra_per_100k": np.nan,
                     "codes": tuple(sorted(g["offence_code"].astype(str)))})
    return pd.DataFrame(rows, columns=out.columns) if rows else out


def local_vs_bra(store: str | Path | None, years: list[int] | None = None) -> pd.DataFrame:
    """Brå's count beside the extract's, for the years both have (within ``years`` when given).

    Columns ``measure`` (``alla``, ``vald``), ``year``, ``preliminary`` (Brå's figure is preliminary),
    ``bra``, ``bra_per_100k``, ``local`` (offences of the extract reported that year), ``difference`` =
    local − bra, ``relative`` = difference / bra, ``within_tolerance``."""
    bra = bra_yearly(store)
    if bra.empty:
        return pd.DataFrame(columns=_COLUMNS)
    try:
        offences = read_table(store, "offences")
    except DataError:
        return pd.DataFrame(columns=_COLUMNS)
    reported = pd.to_datetime(offences["reported"], errors="coerce").dt.year
    report_year = reported.fillna(offences["year"]).astype(int)
    have = {int(y) for y in offences["year"].unique()}
    rows = []
    for _, r in bra.iterrows():
        year = int(r["year"])
        if year not in have or (years is not None and year not in {int(y) for y in years}):
            continue
        mask = report_year == year
        if r["measure"] == "vald":
            mask &= offences["offence_code"].astype(str).isin(set(r["codes"])) & offences["violent"]
        local = int(mask.sum())
        diff = local - r["bra"]
        rows.append({"measure": r["measure"], "year": year, "preliminary": bool(r["preliminary"]), "bra": r["bra"],
                     "bra_per_100k": r["bra_per_100k"], "local": local, "difference": diff,
                     "relative": diff / r["bra"] if r["bra"] else np.nan,
                     "within_tolerance": bool(abs(diff) <= max(TOLERANCE * r["bra"], MIN_DIFFERENCE))})
    out = pd.DataFrame(rows, columns=_COLUMNS)
    order = {m: i for i, m in enumerate(MEASURES)}
    return out.sort_values(["measure", "year"], key=lambda s: s.map(order) if s.name == "measure" else s,
                           kind="stable").reset_index(drop=True)


def bra_source(store: str | Path | None) -> list[dict]:
    """The provenance of every Brå export of the store (file name, url, fetched_at, licence, source_updated,
    demo), from ``open_sources.json``."""
    try:
        doc = read_json(store, "open_sources.json")
    except DataError:
        return []
    code = doc.get("municipality")
    out = []
    for name, prov in sorted((doc.get("files") or {}).items()):
        if name.startswith(f"bra_{code}") and name.endswith(".csv"):
            out.append({"file": name, "url": prov.get("url"), "fetched_at": prov.get("fetched_at"),
                        "licence": prov.get("licence"), "source_updated": prov.get("source_updated"),
                        "demo": bool((prov.get("details") or {}).get("demo"))})
    return out


def _violent_codes(store: str | Path | None) -> set[str]:
    """Codes violent by Brå's definition: the project's code list, with the store's own classification of
    the codes its offences carry (an edited code list) taking precedence."""
    codes = read_code_list()
    flag = dict(zip(codes["offence_code"].astype(str), codes["violent"].astype(bool)))
    try:
        own = read_table(store, "offences")[["offence_code", "violent"]].drop_duplicates("offence_code")
        flag.update(zip(own["offence_code"].astype(str), own["violent"].astype(bool)))
    except DataError:
        pass
    return {c for c, v in flag.items() if v}

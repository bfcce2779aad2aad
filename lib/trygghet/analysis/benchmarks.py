"""Benchmarks from public statistics: the municipality beside its county, similar municipalities and the
country for the same years (Kolada, store table ``kolada``), and the workbook's own indicators beside the same
key figure in Kolada.

Frames in, frames out. Kolada's values are public aggregates (not about persons); the workbook's own values
come from :func:`trygghet.analysis.indicators.compute`, so they have passed its disclosure control.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from trygghet.analysis import indicators
from trygghet.data.errors import DataError
from trygghet.data.store import read_json, read_table

__all__ = ["REGION_ORDER", "kolada_values", "benchmark", "benchmark_kpis", "kpi_source", "local_vs_kolada"]

#: the order regions are shown in
REGION_ORDER = ("kommun", "län", "liknande", "riket")
_BENCH_COLUMNS = ["kpi", "year", "region_kind", "region_name", "value", "status"]
_CHECK_COLUMNS = ["indicator", "kpi", "year", "scale", "local", "kolada", "difference", "relative", "within_rounding"]


def kolada_values(store: str | Path | None, gender: str = "T") -> pd.DataFrame:
    """Kolada's values of the store for one gender (T total, K women, M men); empty when the store has none
    (no ``trygghet fetch`` and no demo, or a store ingested before the table existed)."""
    try:
        table = read_table(store, "kolada")
    except DataError:
        return pd.DataFrame(columns=["kpi", "region", "region_kind", "region_name", "year", "gender", "value",
                                     "status", "count"])
    return table.loc[table["gender"] == gender].reset_index(drop=True)


def benchmark_kpis(store: str | Path | None) -> list[str]:
    """The key figures with at least one value for the municipality, in the order of ``kolada_values``."""
    t = kolada_values(store)
    own = t.loc[(t["region_kind"] == "kommun") & t["value"].notna(), "kpi"]
    return list(dict.fromkeys(own.astype(str)))


def benchmark(store: str | Path | None, kpi: str, years: list[int] | None = None) -> pd.DataFrame:
    """The municipality and each reference region for the **same years**: the years the municipality has a
    value (within ``years`` when given). Columns ``kpi, year, region_kind, region_name, value, status``;
    a reference without a value that year has ``value`` NaN (shown as a gap, never as another year's)."""
    t = kolada_values(store)
    t = t.loc[t["kpi"] == kpi]
    own_years = sorted(int(y) for y in t.loc[(t["region_kind"] == "kommun") & t["value"].notna(), "year"].unique())
    if years is not None:
        own_years = [y for y in own_years if y in set(int(x) for x in years)]
    if not own_years:
        return pd.DataFrame(columns=_BENCH_COLUMNS)
    kinds = [k for k in REGION_ORDER if k in set(t["region_kind"])]
    names = t.drop_duplicates("region_kind").set_index("region_kind")["region_name"]
    grid = pd.MultiIndex.from_product([kinds, own_years], names=["region_kind", "year"]).to_frame(index=False)
    out = grid.merge(t[["region_kind", "year", "value", "status"]], on=["region_kind", "year"], how="left")
    out["kpi"] = kpi
    out["region_name"] = out["region_kind"].map(names)
    out["status"] = out["status"].fillna("")
    return out[_BENCH_COLUMNS].reset_index(drop=True)


def kpi_source(store: str | Path | None, kpi: str) -> dict:
    """Where a key figure came from: ``title``, ``description``, ``source_updated`` (Kolada's publication
    date of the figure), ``fetched_at``, ``url``, ``licence``, ``demo`` (True for the demo's files), and the
    similar-municipalities ``group`` (id, title, members). Empty dict when the store has no download."""
    try:
        doc = read_json(store, "open_sources.json")
    except DataError:
        return {}
    code = doc.get("municipality")
    prov = (doc.get("files") or {}).get(f"kolada_{code}_data.json")
    if not prov:
        return {}
    meta = (doc.get("kpis") or {}).get(kpi, {})
    return {"title": meta.get("title"), "description": meta.get("description"),
            "source_updated": meta.get("publication_date") or prov.get("source_updated"),
            "fetched_at": prov.get("fetched_at"), "url": prov.get("url"), "licence": prov.get("licence"),
            "demo": bool((prov.get("details") or {}).get("demo")), "group": doc.get("group")}


def local_vs_kolada(store: str | Path | None, years: list[int] | None = None) -> pd.DataFrame:
    """Every indicator with a Kolada id (``kolada_id`` in indicators.yaml) beside Kolada's value for the
    municipality, for the years both have. ``local`` is the workbook's value on Kolada's scale (per 1 000
    or per 100 000 inhabitants), ``difference`` = local − kolada, ``relative`` = difference / kolada, and
    ``within_rounding`` is True when the difference is no larger than half a unit of Kolada's last shown
    digit (whole numbers above 100, else one decimal): a False row is a difference beyond rounding."""
    t = kolada_values(store)
    own = t.loc[(t["region_kind"] == "kommun") & t["value"].notna()]
    rows = []
    for d in indicators.definitions().to_dict("records"):
        kpi = d.get("kolada_id") if isinstance(d.get("kolada_id"), str) else None
        mine = own.loc[own["kpi"] == kpi] if kpi else own.iloc[0:0]
        if mine.empty or d.get("kind") != "rate_per_1000":
            continue
        wanted = sorted(int(y) for y in mine["year"] if years is None or int(y) in set(int(x) for x in years))
        if not wanted:
            continue
        try:
            local = indicators.compute(store, d["id"], wanted)
        except DataError:
            continue
        scale = float(d["kolada_scale"])
        for _, r in local.iterrows():
            if pd.isna(r["value"]):
                continue
            kolada = float(mine.loc[mine["year"] == int(r["year"]), "value"].iloc[0])
            value = float(r["value"]) * scale / 1000.0
            half = 0.5 if abs(kolada) >= 100 else 0.05
            rows.append({"indicator": d["id"], "kpi": kpi, "year": int(r["year"]), "scale": int(scale),
                         "local": value, "kolada": kolada, "difference": value - kolada,
                         "relative": (value - kolada) / kolada if kolada else np.nan,
                         "within_rounding": bool(abs(value - kolada) <= half + 1e-9)})
    return pd.DataFrame(rows, columns=_CHECK_COLUMNS)

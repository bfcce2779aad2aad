"""The activity plan (*verksamhetsplan*): its measures by prevention level, horizon and responsible
party, and the gaps an analyst looks for — a level or horizon without measures, a hot spot without a
situational measure, a level with measures but no indicator that moved.

Measures are decisions of the steering group, not personal data; their names may be published.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from trygghet.store import read_table

__all__ = [
    "LEVELS",
    "HORIZONS",
    "RESPONSIBLE",
    "STATUSES",
    "measures",
    "level_horizon_counts",
    "portfolio_summary",
    "level_gaps",
    "area_measures",
]

LEVELS = ["universell", "selektiv", "indikerad", "situationell"]
HORIZONS = ["kort", "lång"]
RESPONSIBLE = ["kommun", "polis", "gemensam"]
STATUSES = ["planerad", "pågående", "genomförd", "avbruten"]
#: the definite form used in sentences ("den indikerade nivån")
_DEFINITE = {"universell": "universella", "selektiv": "selektiva", "indikerad": "indikerade", "situationell": "situationella"}


def measures(store: str | Path | None, year: int | None = None, *, active_only: bool = False) -> pd.DataFrame:
    """The activity plan's measures, ordered by level, horizon and name.

    With ``year``, only measures that had started by the end of that year; with ``active_only``, also
    only those not cancelled and not ended before the year began. Columns as ``measures.parquet``
    (docs/store.md)."""
    table = read_table(store, "measures")
    if year is not None:
        table = table[table["start"].isna() | (table["start"].dt.year <= year)]
        if active_only:
            ended = table["end"].notna() & (table["end"].dt.year < year)
            table = table[(table["status"] != "avbruten") & ~ended]
    order = {level: i for i, level in enumerate(LEVELS)}
    return (
        table.assign(_o=table["level"].map(order), _h=table["horizon"].map({h: i for i, h in enumerate(HORIZONS)}))
        .sort_values(["_o", "_h", "name"])
        .drop(columns=["_o", "_h"])
        .reset_index(drop=True)
    )


def level_horizon_counts(store: str | Path | None, year: int | None = None) -> pd.DataFrame:
    """Measures per prevention level × horizon (every combination, zeros included), not counting
    cancelled ones. Columns: ``level``, ``horizon``, ``n``, ``cost_sek``."""
    table = measures(store, year)
    table = table[table["status"] != "avbruten"]
    grouped = table.groupby(["level", "horizon"]).agg(n=("measure_id", "size"), cost_sek=("cost_sek", "sum"))
    full = pd.MultiIndex.from_product([LEVELS, HORIZONS], names=["level", "horizon"])
    return grouped.reindex(full, fill_value=0).reset_index().astype({"n": int})


def portfolio_summary(store: str | Path | None, year: int | None = None) -> pd.DataFrame:
    """One row per prevention level: number of measures by responsible party and status, and the cost.

    Columns: ``level``, ``n``, ``kommun``, ``polis``, ``gemensam``, ``planerad``, ``pågående``,
    ``genomförd``, ``avbruten``, ``cost_sek``."""
    table = measures(store, year)
    by_party = pd.crosstab(table["level"], table["responsible"]).reindex(index=LEVELS, columns=RESPONSIBLE, fill_value=0)
    by_status = pd.crosstab(table["level"], table["status"]).reindex(index=LEVELS, columns=STATUSES, fill_value=0)
    cost = table.groupby("level")["cost_sek"].sum(min_count=1).reindex(LEVELS)
    out = pd.concat([by_party.sum(axis=1).rename("n"), by_party, by_status, cost.rename("cost_sek")], axis=1)
    return out.rename_axis("level").reset_index()


def level_gaps(store: str | Path | None, year: int | None = None) -> pd.DataFrame:
    """Levels and horizons without a (non-cancelled) measure: the agreement asks for every level,
    short- and long-term, every year. Columns: ``level``, ``horizon``, ``gap`` (Swedish sentence)."""
    counts = level_horizon_counts(store, year)
    missing = counts[counts["n"] == 0]
    rows = []
    for level in LEVELS:
        part = missing[missing["level"] == level]
        if len(part) == len(HORIZONS):
            rows.append({"level": level, "horizon": "", "gap": f"Inga åtgärder på den {_DEFINITE[level]} nivån."})
        elif len(part) == 1:
            horizon = part["horizon"].iloc[0]
            rows.append({"level": level, "horizon": horizon, "gap": f"Inga åtgärder på {horizon} sikt på den {_DEFINITE[level]} nivån."})
    return pd.DataFrame(rows, columns=["level", "horizon", "gap"])


def area_measures(store: str | Path | None, area: str, year: int | None = None) -> pd.DataFrame:
    """The measures that apply to ``area``: those naming it and those for the whole municipality.

    Columns as :func:`measures` plus ``scope`` (``området`` or ``hela kommunen``)."""
    links = read_table(store, "measure_areas")
    own = set(links.loc[links["area"] == area, "measure_id"])
    everywhere = set(links.loc[links["area"] == "hela kommunen", "measure_id"])
    table = measures(store, year)
    table = table[table["measure_id"].isin(own | everywhere)].copy()
    table["scope"] = table["measure_id"].map(lambda m: "området" if m in own else "hela kommunen")
    return table.reset_index(drop=True)

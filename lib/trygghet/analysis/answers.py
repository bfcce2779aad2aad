"""The steering group's three questions, answered from the data: are we safer? where? is the plan aimed
at the right places and people? Frames in, frames out — the follow-up report words them
(:mod:`trygghet.reports.uppfoljning`), and its record carries the words to the email.

Every figure is read from the function that already publishes it elsewhere (one figure, one truth):

- :func:`safer` — the key indicators' tested change since the previous measurement, from
  :func:`trygghet.analysis.panels.panel` (the situation picture's key-figure table).
- :func:`worsened_areas` — the areas among the year's main changes that worsened, from
  :func:`trygghet.analysis.indicators.main_changes` (the follow-up's own list, Benjamini–Hochberg).
- :func:`hotspot_coverage` — the year's hot-spot cells and those without a situational measure, from
  :func:`trygghet.analysis.coverage.for_store` and :func:`~trygghet.analysis.coverage.uncovered_by_area`
  (the hot-spot report's rule and figure).
- :func:`worsening_hotspots` — the cells whose emerging-hot-spot category says they got worse over the
  years (new, consecutive, intensifying), from :func:`trygghet.analysis.hotspots.emerging_for_store`
  (the hot-spot report's table of categories).
- :func:`uncovered_goals` — sub-goals whose indicator no active measure of the plan names.
- :func:`excess_events` — the year's events with certainly more offences per day than the same
  weekdays around them (:func:`trygghet.analysis.events.event_effect`), with the plan's measures for
  the event (named after it) and whether any is active this year.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from trygghet.analysis import activity_plan, coverage, events, hotspots, indicators, panels
from trygghet.data.store import read_table
from trygghet.data.vocabulary import WHOLE_MUNICIPALITY

__all__ = [
    "SAFER_INDICATORS",
    "SAFER_COLUMNS",
    "EVENT_COLUMNS",
    "safer",
    "worsened_areas",
    "hotspot_coverage",
    "WORSENING",
    "worsening_hotspots",
    "uncovered_goals",
    "excess_events",
]

#: the agreement's two aims in four indicators: reported offences and violence (crime should fall),
#: feeling unsafe out alone late in the evening and the problem index (perceived safety should rise);
#: all four are key figures of the situation picture
SAFER_INDICATORS = ("brott_totalt", "vald", "otrygg_kvall", "problemindex")
SAFER_COLUMNS = ["indicator", "name", "year", "previous_year", "reading", "assessment"]
#: the emerging-hot-spot categories of a hot spot that got worse over the years
WORSENING = ("new_hotspot", "consecutive_hotspot", "intensifying_hotspot")
EVENT_COLUMNS = ["name", "area", "ratio", "lower", "upper", "measures", "measures_active"]


def safer(store: str | Path | None, year: int, *, ids: tuple[str, ...] | list[str] = SAFER_INDICATORS,
          alpha: float = 0.05) -> pd.DataFrame:
    """The indicators ``ids`` (municipality-wide) with their tested change since the previous
    measurement: columns :data:`SAFER_COLUMNS`; ``reading`` and ``assessment`` are the panel's codes
    (``improved``, ``worsened``, ``no_certain_change``, ``not_measurable`` …)."""
    p = panels.panel(store, list(ids), int(year), alpha=alpha)
    return pd.DataFrame({
        "indicator": p["indicator"].astype(str), "name": p["name"].astype(str),
        "year": p["year"], "previous_year": p["previous_year"],
        "reading": p["change_previous"].astype(str), "assessment": p["assessment_previous"].astype(str),
    }).reset_index(drop=True)


def worsened_areas(store: str | Path | None, year: int, *, alpha: float = 0.05, max_items: int = 8) -> pd.DataFrame:
    """The year's main changes (same ``alpha`` and ``max_items`` as the follow-up's list) that are an
    area's, not the whole municipality's, and worsened. Columns of
    :data:`trygghet.analysis.indicators.main_changes.MAIN_CHANGE_COLUMNS`."""
    changes = indicators.main_changes(store, int(year), alpha=alpha, max_items=max_items)
    keep = (changes["assessment"] == "worsened") & (changes["area"] != WHOLE_MUNICIPALITY)
    return changes.loc[keep].reset_index(drop=True)


def hotspot_coverage(store: str | Path | None, year: int, group: str = coverage.DEFAULT_GROUP, *,
                     cell_size: float = coverage.DEFAULT_CELL_SIZE,
                     distance: float = coverage.DEFAULT_DISTANCE) -> pd.DataFrame:
    """Per area, the year's flagged hot-spot cells of ``group`` and those no situational measure covers
    (:func:`trygghet.analysis.coverage.uncovered_by_area` of :func:`~trygghet.analysis.coverage.for_store`,
    the hot-spot report's figure): columns ``area``, ``cells``, ``uncovered``, ``farthest_nearest_m``;
    the totals are the column sums."""
    cov = coverage.for_store(store, int(year), group, cell_size=cell_size, distance=distance)
    return coverage.uncovered_by_area(cov)


def worsening_hotspots(store: str | Path | None, group: str = coverage.DEFAULT_GROUP, *,
                       cell_size: float = coverage.DEFAULT_CELL_SIZE) -> pd.DataFrame:
    """Per :data:`WORSENING` category and area, how many cells of the store's emerging hot-spot analysis
    (every year of ``group``, as the hot-spot report) fall in it: columns ``category``, ``area``
    (``None`` outside every area), ``cells``; categories in :data:`WORSENING` order."""
    with warnings.catch_warnings():  # points outside the study area: the hot-spot report says how many
        warnings.simplefilter("ignore", UserWarning)
        trend = hotspots.emerging_for_store(store, None, group, cell_size=cell_size)
    table = pd.DataFrame(trend.drop(columns="geometry"))
    table = table[table["category"].isin(WORSENING)]
    out = (table.assign(area=table["area"].astype("object")).groupby(["category", "area"], dropna=False).size()
           .rename("cells").reset_index())
    out["_order"] = out["category"].map({c: i for i, c in enumerate(WORSENING)})
    return out.sort_values(["_order", "cells"], ascending=[True, False]).drop(columns="_order").reset_index(drop=True)


def uncovered_goals(follow: pd.DataFrame, store: str | Path | None, year: int) -> pd.DataFrame:
    """The rows of ``follow`` (:func:`trygghet.analysis.indicators.follow_up`) whose indicator no measure
    active in ``year`` names (the same rule as the follow-up's column of measures)."""
    plan = activity_plan.measures(store, int(year), active_only=True)
    named = {i.strip() for ids in plan["indicators"].fillna("") for i in str(ids).split(",") if i.strip()}
    return follow.loc[~follow["indicator"].astype(str).isin(named)].reset_index(drop=True)


def excess_events(store: str | Path | None, year: int, group: str = "vald", *, alpha: float = 0.05) -> pd.DataFrame:
    """The year's planned events with certainly more offences of ``group`` per day than the same
    weekdays around them (rate ratio's interval above 1; hidden rows left out), each with the plan's
    measures named after the event (``measures``: their ids, comma-separated) and how many of them are
    active in ``year`` (``measures_active``). Columns :data:`EVENT_COLUMNS`, highest ratio first."""
    effects = events.event_effect(store, int(year), group, alpha=alpha)
    if effects.empty:
        return pd.DataFrame(columns=EVENT_COLUMNS)
    shown = effects.loc[~effects["suppressed"].astype(bool) & effects["significant"].astype(bool)
                        & (effects["lower"] > 1)]
    plan = read_table(store, "measures")
    active = coverage.active_in_year(plan, int(year)) if len(plan) else pd.Series(dtype=bool)
    rows = []
    for ev in shown.sort_values("ratio", ascending=False).itertuples(index=False):
        named = plan["name"].astype(str).str.contains(str(ev.name), case=False, regex=False) if len(plan) else active
        rows.append({"name": str(ev.name), "area": str(ev.area), "ratio": float(ev.ratio), "lower": float(ev.lower),
                     "upper": float(ev.upper), "measures": ",".join(plan.loc[named, "measure_id"].astype(str)),
                     "measures_active": int((named & active).sum())})
    return pd.DataFrame(rows, columns=EVENT_COLUMNS)

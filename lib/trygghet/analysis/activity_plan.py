"""The activity plan (*verksamhetsplan*) as frames: its measures by prevention level, horizon and
responsible party, and what an analyst looks for beside them — a level or horizon without measures,
an indicator that worsened with no measure aiming at it, and the indicators that speak to each level.
Hot spots without a situational measure are :mod:`trygghet.analysis.coverage`'s one rule.

Frames in, frames out; no Swedish sentences (the report :mod:`trygghet.reports.preventionsnivaer`
words them). Measures are decisions of the steering group, not personal data; their names may be
published.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from trygghet.analysis import indicators
from trygghet.analysis.panels import panel
from trygghet.data.store import read_table
from trygghet.data.vocabulary import HORIZONS, MEASURE_STATUSES, PREVENTION_LEVELS, RESPONSIBLE, WHOLE_MUNICIPALITY

__all__ = [
    "LEVELS",
    "HORIZONS",
    "RESPONSIBLE",
    "STATUSES",
    "SCOPES",
    "measures",
    "level_horizon_counts",
    "portfolio_summary",
    "commitments",
    "level_gaps",
    "indicator_evidence",
    "level_evidence",
    "worsened_without_measure",
    "area_measures",
]

LEVELS = list(PREVENTION_LEVELS)
STATUSES = list(MEASURE_STATUSES)
#: :func:`area_measures`' ``scope``: the measure names the area, or it is for the whole municipality
SCOPES = ("area", "whole_municipality")
_COUNT_OF_MEASURES = "atgarder_per_niva"  # the indicator that counts the plan itself


def measures(store: str | Path | None, year: int | None = None, *, active_only: bool = False) -> pd.DataFrame:
    """The activity plan's measures, ordered by level, horizon and name.

    With ``year``, only measures that had started by the end of that year; with ``active_only``, also
    only those not cancelled and not ended before the year began (the plan's portfolio of the year;
    whether a measure *covers a hot spot* is :func:`trygghet.analysis.coverage.covering_measures`).
    Columns as ``measures.parquet`` (docs/store.md)."""
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
    cancelled ones nor, with ``year``, those that ended before the year.
    Columns: ``level``, ``horizon``, ``n``, ``cost_sek``."""
    table = measures(store, year, active_only=year is not None)
    table = table[table["status"] != "avbruten"]
    grouped = table.groupby(["level", "horizon"]).agg(n=("measure_id", "size"), cost_sek=("cost_sek", "sum"))
    full = pd.MultiIndex.from_product([LEVELS, list(HORIZONS)], names=["level", "horizon"])
    return grouped.reindex(full, fill_value=0).reset_index().astype({"n": int})


def portfolio_summary(store: str | Path | None, year: int | None = None) -> pd.DataFrame:
    """One row per prevention level: number of measures by responsible party and status, and the cost.

    Columns: ``level``, ``n``, ``kommun``, ``polis``, ``gemensam``, ``planerad``, ``pågående``,
    ``genomförd``, ``avbruten``, ``cost_sek``."""
    table = measures(store, year, active_only=year is not None)
    by_party = pd.crosstab(table["level"], table["responsible"]).reindex(index=LEVELS, columns=list(RESPONSIBLE), fill_value=0)
    by_status = pd.crosstab(table["level"], table["status"]).reindex(index=LEVELS, columns=STATUSES, fill_value=0)
    cost = table.groupby("level")["cost_sek"].sum(min_count=1).reindex(LEVELS)
    out = pd.concat([by_party.sum(axis=1).rename("n"), by_party, by_status, cost.rename("cost_sek")], axis=1)
    return out.rename_axis("level").reset_index()


def commitments(store: str | Path | None, year: int | None = None) -> pd.DataFrame:
    """Each party's commitments in the activity plan: measures by status and their cost.
    Columns: ``responsible``, ``n``, ``planerad``, ``pågående``, ``genomförd``, ``avbruten``, ``cost_sek``."""
    table = measures(store, year, active_only=year is not None)
    by_status = pd.crosstab(table["responsible"], table["status"]).reindex(index=list(RESPONSIBLE), columns=STATUSES,
                                                                          fill_value=0)
    cost = table.groupby("responsible")["cost_sek"].sum(min_count=1).reindex(list(RESPONSIBLE))
    out = pd.concat([by_status.sum(axis=1).rename("n"), by_status, cost.rename("cost_sek")], axis=1)
    return out.rename_axis("responsible").reset_index()


def level_gaps(store: str | Path | None, year: int | None = None) -> pd.DataFrame:
    """Levels and horizons without a (non-cancelled) measure: the agreement asks for every level,
    short- and long-term, every year. Columns: ``level``, ``horizon`` (``<NA>`` when the whole level
    has no measure)."""
    counts = level_horizon_counts(store, year)
    missing = counts[counts["n"] == 0]
    rows = []
    for level in LEVELS:
        part = missing[missing["level"] == level]
        if len(part) == len(HORIZONS):
            rows.append({"level": level, "horizon": pd.NA})
        else:
            rows.extend({"level": level, "horizon": h} for h in part["horizon"])
    return pd.DataFrame(rows, columns=["level", "horizon"]).astype({"horizon": "string"})


def indicator_evidence(store: str | Path | None, year: int) -> pd.DataFrame:
    """Every indicator (but the count of measures) with its latest value and tested change since the
    previous measurement (:func:`trygghet.analysis.panels.panel`), the change's ``assessment``
    through the indicator's direction (:data:`trygghet.analysis.indicators.ASSESSMENTS`: ``improved``,
    ``worsened``, ``no_certain_change``, ``not_measurable``) and ``has_measure``: whether an active
    measure of the plan names the indicator in its ``indicators`` field."""
    ids = [i for i in indicators.definitions()["id"] if i != _COUNT_OF_MEASURES]
    table = panel(store, ids, year).copy()
    # the panel's change since the previous measurement is the one change function's between the same
    # two years (municipality-wide, the same alpha): its assessment is read, not tested again
    table["assessment"] = [_assessment(a, p, y) for a, p, y in
                           zip(table["assessment_previous"], table["previous_year"], table["year"])]
    named = set()
    for text in measures(store, year, active_only=True)["indicators"].dropna():
        named.update(t.strip() for t in str(text).split(",") if t.strip())
    table["has_measure"] = table["indicator"].isin(named)
    return table


def level_evidence(store: str | Path | None, year: int) -> pd.DataFrame:
    """Per prevention level: the measures aimed at it beside the indicators that speak to it.

    Columns: ``level``, ``n`` (measures, not cancelled), ``indicators`` (with a shown value),
    ``improved``, ``worsened``, ``unchanged`` (no certain change or not measurable),
    ``measures_without_evidence`` (measures but no indicator), ``evidence_without_measures``
    (indicators but no measure), ``worsened_names`` (list of the worsened indicators' names)."""
    counts = level_horizon_counts(store, year).groupby("level")["n"].sum().reindex(LEVELS, fill_value=0)
    evidence = indicator_evidence(store, year)
    rows = []
    for level in LEVELS:
        part = evidence[evidence["levels"].str.contains(level) & ~evidence["suppressed"].astype(bool)]
        improved = int((part["assessment"] == "improved").sum())
        worsened = part.loc[part["assessment"] == "worsened", "name"].tolist()
        rows.append({"level": level, "n": int(counts[level]), "indicators": len(part), "improved": improved,
                     "worsened": len(worsened), "unchanged": len(part) - improved - len(worsened),
                     "measures_without_evidence": bool(counts[level] > 0 and part.empty),
                     "evidence_without_measures": bool(counts[level] == 0 and len(part)),
                     "worsened_names": worsened})
    return pd.DataFrame(rows)


def worsened_without_measure(store: str | Path | None, year: int) -> pd.DataFrame:
    """Indicators that worsened since their previous measurement and that no active measure names.
    Columns: ``indicator``, ``name``, ``year``, ``previous_year``."""
    evidence = indicator_evidence(store, year)
    unmet = evidence[(evidence["assessment"] == "worsened") & ~evidence["has_measure"]]
    return unmet[["indicator", "name", "year", "previous_year"]].reset_index(drop=True)


def area_measures(store: str | Path | None, area: str, year: int | None = None) -> pd.DataFrame:
    """The measures that apply to ``area``: those naming it and those for the whole municipality.

    Columns as :func:`measures` plus ``scope`` (:data:`SCOPES`: ``area`` or ``whole_municipality``)."""
    links = read_table(store, "measure_areas")
    own = set(links.loc[links["area"] == area, "measure_id"])
    everywhere = set(links.loc[links["area"] == WHOLE_MUNICIPALITY, "measure_id"])
    table = measures(store, year)
    table = table[table["measure_id"].isin(own | everywhere)].copy()
    table["scope"] = table["measure_id"].map(lambda m: SCOPES[0] if m in own else SCOPES[1])
    return table.reset_index(drop=True)


def _assessment(assessment, previous_year, year) -> str:
    """The panel's tested change between its two years, as an assessment code."""
    if previous_year is None or pd.isna(previous_year) or year is None or pd.isna(year):
        return "not_measurable"
    return str(assessment)

"""Indicators side by side: the panel (each indicator's latest value with its tested changes), the
areas compared, an area against the whole municipality, and Luleå against Sweden.

Frames in, frames out, no words: changes are the codes of :func:`trygghet.analysis.indicators.change`
(its ``reading``: ``increased``, ``decreased``, ``no_certain_change``, ``not_measurable``; and its
``assessment`` through the indicator's direction: ``improved``, ``worsened`` ...); comparisons are
:data:`COMPARISONS` codes. The
reports word them (:mod:`trygghet.reports.common`, :mod:`trygghet.reports.wording`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from trygghet.analysis import coverage, hotspots, indicators
from trygghet.analysis.indicators.change import compare
from trygghet.analysis.indicators.compute import compute_full
from trygghet.data.config import resource_path
from trygghet.data.errors import DataError, ParameterError
from trygghet.data.store import area_names, disk_memo

__all__ = [
    "BASELINE_YEAR",
    "PANEL_COLUMNS",
    "NOT_MEASURABLE",
    "COMPARISONS",
    "panel",
    "warm_cache",
    "area_profile_ids",
    "area_comparison",
    "area_profile",
    "disorder_ranking",
    "national_reference",
    "national_comparison",
    "municipal_incident_trend",
]

#: the agreement's baseline: the first combined situation picture (2020) was built on 2019's data
BASELINE_YEAR = 2019
#: the reading code of a change that cannot be tested (a year missing or hidden)
NOT_MEASURABLE = "not_measurable"
#: an area against the municipality: certainly better, certainly worse (intervals do not overlap),
#: no certain difference, or not compared (hidden, another year, or a count)
COMPARISONS = ("better", "worse", "no_certain_difference", "not_compared")
PANEL_COLUMNS = ["indicator", "name", "kind", "unit", "direction", "levels", "factor", "year", "value", "lower",
                 "upper", "n", "suppressed", "previous_year", "previous_value", "change_previous",
                 "assessment_previous", "baseline_year", "baseline_value", "change_baseline", "assessment_baseline"]


def panel(
    store: str | Path | None,
    ids: list[str],
    year: int,
    *,
    area: str | None = None,
    baseline_year: int = BASELINE_YEAR,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Indicators side by side: each one's latest value up to ``year`` with its interval, and the
    tested change since the previous measurement and since the baseline.

    ``area`` restricts to one area; indicators without area data then show no value. Columns
    (:data:`PANEL_COLUMNS`): ``indicator``, ``name``, ``kind``, ``unit``, ``direction``, ``levels``,
    ``factor``, ``year``, ``value``, ``lower``, ``upper``, ``n``, ``suppressed``, ``previous_year``,
    ``previous_value``, ``change_previous`` (the ``reading`` code of
    :func:`trygghet.analysis.indicators.change`), ``assessment_previous`` (its ``assessment`` code),
    ``baseline_year``, ``baseline_value``, ``change_baseline``, ``assessment_baseline``. Cached in the store."""
    key = (tuple(ids), int(year), area, int(baseline_year), float(alpha))
    return disk_memo(store, "panel", key, lambda: _panel(store, ids, int(year), area, int(baseline_year), alpha))


def warm_cache(store: str | Path | None, year: int) -> None:
    """Compute what several reports of a year share — every indicator per year and area, the
    municipality's and each area's panel of the area profiles, the main changes, the year's hot spots
    of all offences (the situation picture's, the area profiles' and the plan's gaps) — once, into the
    store's cache, before the run starts the report notebooks in parallel."""
    indicators.warm_cache(store)
    ids = area_profile_ids(store)
    panel(store, ids, year)
    _warm_area_panels(store, ids, year, area_names(store))  # each area profile's own panel
    indicators.main_changes(store, year)
    try:
        hotspots.for_store(store, year, coverage.DEFAULT_GROUP, cell_size=coverage.DEFAULT_CELL_SIZE)
    except DataError:
        pass  # no offence with a place this year: the reports say so themselves


def area_profile_ids(store: str | Path | None = None) -> list[str]:
    """The indicators an area profile shows: those with area data (not the count of measures)."""
    defs = indicators.definitions()
    return [i for i, g in zip(defs["id"], defs["groupings"]) if "area" in g and i != "atgarder_per_niva"]


def area_comparison(store: str | Path | None, indicator: str, year: int) -> tuple[pd.DataFrame, float]:
    """The indicator per area in ``year`` (or the latest year with data before it), and the
    municipality's value for reference (for offence rates: of the offences with a place, since an
    area's rate cannot hold those without one). Returns ``(table, municipality_value)``; the table has
    :func:`trygghet.analysis.indicators.compute`'s columns with ``area``."""
    by_area = indicators.compute(store, indicator, by="area")
    shown_years = by_area.loc[by_area["year"] <= year, "year"]
    if shown_years.empty:
        return by_area.iloc[0:0], float("nan")
    latest = int(shown_years.max())
    placed = _placed_reference(store, [indicator], [latest])
    if indicator in placed:
        value = placed[indicator]["value"]
    else:
        whole = indicators.compute(store, indicator, years=latest)
        value = float(whole["value"].iloc[0]) if len(whole) and not whole["suppressed"].iloc[0] else float("nan")
    return by_area[by_area["year"] == latest].reset_index(drop=True), value


def area_profile(store: str | Path | None, area: str, year: int, ids: list[str] | None = None) -> pd.DataFrame:
    """The area against the municipality on every indicator that has area data: the panel of the area
    with the municipality's value beside it and whether the area is certainly better or worse (the
    intervals do not overlap, same year). Columns: :data:`PANEL_COLUMNS` plus ``municipality_value``,
    ``municipality_lower``, ``municipality_upper`` and ``comparison`` (a :data:`COMPARISONS` code)."""
    if ids is None:
        ids = area_profile_ids(store)
    own = panel(store, ids, year, area=area)
    whole = panel(store, ids, year)
    placed = _placed_reference(store, ids, own["year"])
    for col in ("value", "lower", "upper"):
        whole[col] = [placed[i][col] if i in placed else v for i, v in zip(whole["indicator"], whole[col])]
    whole["year"] = [placed[i]["year"] if i in placed else y for i, y in zip(whole["indicator"], whole["year"])]
    same_year = (own["year"].astype("Float64") == whole["year"].astype("Float64")).fillna(False).to_numpy(dtype=bool)
    own["municipality_value"] = np.where(same_year, whole["value"].to_numpy(dtype=float), np.nan)
    own["municipality_lower"] = np.where(same_year, whole["lower"].to_numpy(dtype=float), np.nan)
    own["municipality_upper"] = np.where(same_year, whole["upper"].to_numpy(dtype=float), np.nan)
    own["comparison"] = [_compare(r) for r in own.itertuples(index=False)]
    return own


def disorder_ranking(store: str | Path | None, year: int) -> pd.DataFrame:
    """The disorder items of the survey (``problem_*``) municipality-wide in the latest round up to
    ``year``, ranked, hidden ones left out. Columns: ``indicator``, ``name`` (the definition's
    ``name_sv``), ``year``, ``value``, ``lower``, ``upper``, ``suppressed``."""
    ids = [i for i in indicators.definitions()["id"] if i.startswith("problem_")]
    table = panel(store, ids, year)
    table = table[~table["suppressed"].astype(bool)]
    cols = ["indicator", "name", "year", "value", "lower", "upper", "suppressed"]
    return table[cols].astype({"value": float, "lower": float, "upper": float}).sort_values("value", ascending=False)


def national_reference() -> pd.DataFrame:
    """National reference values shipped with the package (``resources/national.csv``):
    ``indicator``, ``year``, ``value``, ``unit``, ``source``."""
    table = pd.read_csv(resource_path("national.csv"), sep=";", encoding="utf-8")
    return table.rename(columns={"indikator": "indicator", "ar": "year", "varde": "value", "enhet": "unit", "kalla": "source"})


def national_comparison(store: str | Path | None, year: int) -> pd.DataFrame:
    """Luleå's panel row beside each national reference value. Columns: :data:`PANEL_COLUMNS` plus
    ``national_year``, ``national_value``, ``source``."""
    reference = national_reference()
    own = panel(store, list(reference["indicator"]), year).reset_index(drop=True)
    own["national_year"] = reference["year"].to_numpy()
    own["national_value"] = reference["value"].to_numpy(dtype=float)
    own["source"] = reference["source"].to_numpy()
    return own


def municipal_incident_trend(store: str | Path | None, until: int | None = None) -> pd.DataFrame:
    """Municipal vandalism and fire incidents per year up to ``until``: ``indicator``, ``name``,
    ``year``, ``value``, ``suppressed``."""
    parts = [indicators.compute(store, i).assign(name=indicators.definition(i)["name_sv"])
             for i in ("kommunala_skadegorelse", "kommunala_brand")]
    table = pd.concat(parts, ignore_index=True)[["indicator", "name", "year", "value", "suppressed"]]
    return table if until is None else table[table["year"] <= int(until)].reset_index(drop=True)


# --- helpers -------------------------------------------------------------------------------------


def _warm_area_panels(store, ids: list[str], year: int, areas: list[str], baseline_year: int = BASELINE_YEAR,
                      alpha: float = 0.05) -> None:
    """``panel(store, ids, year, area=a)`` for every area into the store's cache, each indicator's table
    of all areas read once and split (the same rows :func:`compute_full` cuts for one area)."""
    by_area: dict[str, dict[str, pd.DataFrame]] = {a: {} for a in areas}
    for i in ids:
        try:
            full = compute_full(store, i, by="area", alpha=alpha)
        except ParameterError:
            continue  # not available per area: the rows say so
        for a, part in full.groupby("area", sort=False, observed=True):
            if a in by_area:
                by_area[a][i] = part.reset_index(drop=True)
        for a in areas:
            by_area[a].setdefault(i, full.iloc[0:0].reset_index(drop=True))
    for a in areas:
        key = (tuple(ids), int(year), a, int(baseline_year), float(alpha))
        disk_memo(store, "panel", key, lambda a=a: _panel(store, ids, int(year), a, int(baseline_year), alpha,
                                                         series=by_area[a]))


def _panel(store, ids: list[str], year: int, area: str | None, baseline_year: int, alpha: float,
           series: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    rows = [_panel_row(store, i, year, area, baseline_year, alpha,
                       None if series is None else series.get(i, _UNAVAILABLE)) for i in ids]
    table = pd.DataFrame(rows, columns=PANEL_COLUMNS)
    for c in ("year", "previous_year", "baseline_year"):
        table[c] = pd.array(table[c], dtype="Int64")
    for c in ("value", "lower", "upper", "n", "previous_value", "baseline_value"):
        table[c] = pd.to_numeric(table[c], errors="coerce").astype("float64")
    table["suppressed"] = table["suppressed"].astype(bool)
    return table


_UNAVAILABLE = pd.DataFrame()  # marks an indicator without data for the area (compute_full refused it)


def _panel_row(store, indicator: str, year: int, area: str | None, baseline_year: int, alpha: float,
               series: pd.DataFrame | None = None) -> dict:
    d = indicators.definition(indicator)
    row = {c: None for c in PANEL_COLUMNS}
    row.update(indicator=indicator, name=d["name_sv"], kind=d["kind"], unit=d["unit"], direction=d["direction"],
               levels=", ".join(d["levels"]), factor=d.get("factor") or "", suppressed=True,
               change_previous=NOT_MEASURABLE, change_baseline=NOT_MEASURABLE,
               assessment_previous=NOT_MEASURABLE, assessment_baseline=NOT_MEASURABLE)
    if series is _UNAVAILABLE:
        return row
    if series is None:
        try:
            series = compute_full(store, indicator, area=area, alpha=alpha)  # with ``se``: compare() reads it
        except ParameterError:
            return row  # not available for this area
    series = series[series["year"] <= year]
    shown = series[~series["suppressed"].astype(bool) & series["value"].notna()]
    if len(series) and (shown.empty or int(series["year"].max()) > int(shown["year"].max())):
        row["year"] = int(series["year"].max())  # the latest year, hidden (1-4 or too few answers)
        return row
    if shown.empty:
        return row
    latest = shown.iloc[-1]
    row.update(year=int(latest["year"]), value=latest["value"], lower=latest["lower"], upper=latest["upper"],
               n=latest["n"], suppressed=False)
    earlier = shown[shown["year"] < latest["year"]]
    if len(earlier):
        prev = earlier.iloc[-1]
        reading, assessment = _change(store, d, prev, latest, area, alpha)
        row.update(previous_year=int(prev["year"]), previous_value=prev["value"],
                   change_previous=reading, assessment_previous=assessment)
    base = shown[shown["year"] >= baseline_year]
    if len(base) and int(base.iloc[0]["year"]) < int(latest["year"]):
        first = base.iloc[0]
        reading, assessment = _change(store, d, first, latest, area, alpha)
        row.update(baseline_year=int(first["year"]), baseline_value=first["value"],
                   change_baseline=reading, assessment_baseline=assessment)
    return row


def _change(store, d: dict, row_from, row_to, area: str | None, alpha: float) -> tuple[str, str]:
    """The change between two shown rows of the indicator's series. :func:`indicators.change` between
    their years reads the same two rows of the same memoised table and tests them with the same
    :func:`~trygghet.analysis.indicators.change.compare`, so they are compared directly — except for an
    indicator always split (the measures by level), whose series has several rows a year: there the
    change of its first group is read, as ``indicators.change`` gives it."""
    if d.get("always_by"):
        table = indicators.change(store, d["id"], int(row_from["year"]), int(row_to["year"]), alpha=alpha, area=area)
        if not len(table):
            return NOT_MEASURABLE, NOT_MEASURABLE
        return str(table["reading"].iloc[0]), str(table["assessment"].iloc[0])
    res = compare(d, row_from, row_to, alpha)
    return str(res["reading"]), str(res["assessment"])


def _compare(r) -> str:
    if r.suppressed or r.value is None or pd.isna(r.value) or pd.isna(r.municipality_value):
        return "not_compared"
    if r.kind in ("count", "sum"):
        return "not_compared"  # an area's count is a part of the municipality's, not comparable with it
    if pd.isna(r.lower) or pd.isna(r.municipality_lower):
        return "no_certain_difference"
    better_low = r.direction == "lower_is_better"
    if r.upper < r.municipality_lower:
        return "better" if better_low else "worse"
    if r.lower > r.municipality_upper:
        return "worse" if better_low else "better"
    return "no_certain_difference"


def _placed_reference(store, ids: list[str], years) -> dict[str, dict]:
    """For offence rates: the municipality's rate counting only offences with a place in an area (the
    sum over the areas), the fair reference for one area; an area's rate cannot hold offences without
    a place. Hidden area counts (1–4) add nothing, a bias of a few offences at most."""
    out = {}
    for i, y in zip(ids, years):
        d = indicators.definition(i)
        if d["kind"] != "rate_per_1000" or d["table"] != "offences" or y is None or pd.isna(y):
            continue
        t = indicators.compute(store, i, years=int(y), by="area")
        k = float(np.nansum(t["numerator"].to_numpy(dtype=float)))
        pop = float(t["denominator"].sum())
        if pop <= 0:
            continue
        lo = stats.chi2.ppf(0.025, 2 * k) / 2 if k > 0 else 0.0
        hi = stats.chi2.ppf(0.975, 2 * k + 2) / 2
        out[i] = {"value": 1000 * k / pop, "lower": 1000 * lo / pop, "upper": 1000 * hi / pop, "year": int(y)}
    return out

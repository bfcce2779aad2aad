"""The follow-up of the steering group's goals (``goals.parquet``): each sub-goal's latest value
against the straight path from its baseline to its target, with a status code and the trend.

Frames in, frames out: the codes are worded by :mod:`trygghet.reports.wording` (``status_word``,
``status_reason``, ``change_word``).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from trygghet.analysis.indicators.change import year_changes
from trygghet.analysis.indicators.compute import compute_full
from trygghet.analysis.indicators.definitions import definition
from trygghet.data.errors import ParameterError
from trygghet.data.store import read_table
from trygghet.data.vocabulary import WHOLE_MUNICIPALITY

__all__ = ["STATUSES", "STATUS_REASONS", "FOLLOW_UP_COLUMNS", "follow_up", "goal_status"]

#: a sub-goal's status: the whole interval on the right side of the path, the interval holding the
#: path, the whole interval on the wrong side, or no value to judge by
STATUSES = ("on_track", "at_risk", "off_track", "not_measurable")
#: why a sub-goal is not measurable ("" when it is measured)
STATUS_REASONS = ("", "unknown_indicator", "not_for_area", "unknown_target_type", "hidden", "no_data", "no_target")
FOLLOW_UP_COLUMNS = [
    "goal_id", "goal_text", "subgoal_id", "subgoal_text", "indicator", "indicator_name", "area",
    "baseline_year", "baseline_value", "latest_year", "value", "lower", "upper", "unit", "target_value",
    "target_year", "target_type", "path_value", "trend_from", "trend", "status", "status_reason",
]


def follow_up(store: str | Path | None, year: int, *, alpha: float = 0.05) -> pd.DataFrame:
    """Every sub-goal of ``goals.parquet`` with its latest value, trend and status.

    Columns :data:`FOLLOW_UP_COLUMNS`. ``latest_year`` is the latest year ≤ ``year`` with a shown
    value. ``path_value`` is the straight line from the baseline value (baseline year) to the target
    (target year), read at ``latest_year`` (the target itself after the target year); see
    :func:`goal_status` for ``status`` (:data:`STATUSES`). ``status_reason`` (:data:`STATUS_REASONS`)
    says why a sub-goal is not measurable.

    ``trend`` is the reading code of :func:`~trygghet.analysis.indicators.change.year_changes` for the
    sub-goal's indicator and area — the latest measurement against the one before it (``trend_from``),
    the same row the year's main changes are chosen from, so the two never disagree; ``not_measurable``
    with fewer than two shown years.
    """
    goals = read_table(store, "goals")
    changes = year_changes(store, int(year), alpha=alpha).set_index(["indicator", "area"])
    cache: dict[tuple[str, str | None], pd.DataFrame | None] = {}
    rows = [_follow_one(store, g._asdict(), int(year), alpha, cache, changes) for g in goals.itertuples(index=False)]
    out = pd.DataFrame(rows, columns=FOLLOW_UP_COLUMNS)
    for c in ("baseline_year", "latest_year", "target_year", "trend_from"):
        out[c] = pd.array(out[c], dtype="Int64")
    for c in ("baseline_value", "value", "lower", "upper", "target_value", "path_value"):
        out[c] = out[c].astype("float64")
    return out


def goal_status(value: float, lower: float, upper: float, path: float, target_type: str) -> str:
    """The status of a value with its interval against the path value.

    For a ceiling (``tak``) the right side is at or below the path, for a floor (``golv``) at or above:
    ``on_track`` — the whole interval lies on the right side (``upper ≤ path`` for a ceiling);
    ``off_track`` — the whole interval lies on the wrong side (``lower > path``); ``at_risk`` — the
    interval holds the path. A census (no interval) compares the value itself."""
    lo, hi = (value, value) if math.isnan(lower) or math.isnan(upper) else (lower, upper)
    ceiling = target_type == "tak"
    if (hi <= path) if ceiling else (lo >= path):
        return "on_track"
    if (lo > path) if ceiling else (hi < path):
        return "off_track"
    return "at_risk"


def _series(store, indicator: str, area: str | None, alpha: float, cache: dict):
    key = (indicator, area)
    if key not in cache:
        try:
            cache[key] = compute_full(store, indicator, None, None, area, alpha=alpha)
        except ParameterError:  # not available for the area
            cache[key] = None
    return cache[key]


def _follow_one(store, g: dict, year: int, alpha: float, cache: dict, changes: pd.DataFrame) -> dict:
    area = g.get("area") if isinstance(g.get("area"), str) and g.get("area") else WHOLE_MUNICIPALITY
    base = {k: g.get(k) for k in ("goal_id", "goal_text", "subgoal_id", "subgoal_text", "indicator",
                                  "baseline_year", "baseline_value", "target_value", "target_year", "target_type")}
    base.update(area=area, latest_year=None, value=math.nan, lower=math.nan, upper=math.nan, path_value=math.nan,
                trend_from=None, trend="not_measurable", unit=None, indicator_name=None, status_reason="")
    for k in ("baseline_value", "target_value"):
        base[k] = float(base[k]) if base[k] is not None and not pd.isna(base[k]) else math.nan
    try:
        d = definition(str(g.get("indicator")))
    except ParameterError:
        return {**base, "status": "not_measurable", "status_reason": "unknown_indicator"}
    base.update(unit=d["unit"], indicator_name=d["name_sv"])
    series = _series(store, d["id"], None if area == WHOLE_MUNICIPALITY else area, alpha, cache)
    if series is None:
        return {**base, "status": "not_measurable", "status_reason": "not_for_area"}
    if base["target_type"] not in ("tak", "golv"):
        return {**base, "status": "not_measurable", "status_reason": "unknown_target_type"}
    shown = series.loc[(series["year"] <= year) & ~series["suppressed"] & series["value"].notna()]
    if shown.empty:
        hidden = series.loc[(series["year"] <= year) & series["suppressed"]]
        return {**base, "status": "not_measurable", "status_reason": "hidden" if len(hidden) else "no_data"}
    last = shown.iloc[-1]
    latest = int(last["year"])
    base.update(latest_year=latest, value=float(last["value"]), lower=float(last["lower"]), upper=float(last["upper"]))
    if math.isnan(base["baseline_value"]) and _present(base["baseline_year"]):
        at_base = shown.loc[shown["year"] == int(base["baseline_year"]), "value"]
        if len(at_base):
            base["baseline_value"] = float(at_base.iloc[0])
    if (d["id"], area) in changes.index:
        ch = changes.loc[(d["id"], area)]
        base["trend"] = str(ch["reading"])
        base["trend_from"] = None if pd.isna(ch["year_from"]) else int(ch["year_from"])
    target, tyear = base["target_value"], base["target_year"]
    if math.isnan(target) or not _present(tyear):
        return {**base, "status": "not_measurable", "status_reason": "no_target"}
    b_val, b_year = base["baseline_value"], base["baseline_year"]
    if math.isnan(b_val) or not _present(b_year) or int(tyear) <= int(b_year):
        path = target
    else:
        frac = min(1.0, max(0.0, (latest - int(b_year)) / (int(tyear) - int(b_year))))
        path = b_val + (target - b_val) * frac
    base["path_value"] = path
    return {**base, "status": goal_status(base["value"], base["lower"], base["upper"], path, base["target_type"])}


def _present(x) -> bool:
    return x is not None and not pd.isna(x)

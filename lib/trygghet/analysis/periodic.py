"""The frames of the continuous work: the quarterly (or monthly) picture for the preparation group and the
weekly EST digest (``reports/kvartal.py``, ``reports/vecka.py``).

- :func:`period_table` — per source × area × category: the period's count, the same period last year
  (the change test of the yearly reports: :func:`trygghet.analysis.indicators.change.compare`, counts
  with the conditional binomial test, Benjamini–Hochberg over the table's tests), and the expected level
  with its upper limit from :mod:`.alarms` (the period's months as the window, Bonferroni over series);
- :func:`digest` — the week's alarms and what is new (:mod:`.alarms`);
- :func:`measures_aimed` — the measures of the year's plan already aimed at an area or a problem, so an
  alarm can ask "intensify?".

Frames in, frames out; the Swedish words are the reports'.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from trygghet.analysis import activity_plan, alarms
from trygghet.analysis.indicators.change import compare
from trygghet.data import periods as periods_mod
from trygghet.data.store import read_table
from trygghet.data.vocabulary import WHOLE_MUNICIPALITY

__all__ = ["RELATED_CATEGORIES", "resolve_period", "window_settings", "source_series", "period_table", "period_totals", "digest",
           "measures_aimed", "Digest"]

#: EST and municipal types -> the offence categories (and register tokens) that speak of the same problem
RELATED_CATEGORIES = {
    "skadegörelse": ("skadegorelse",), "klotter": ("skadegorelse", "klotter"), "brand": ("brand", "skadegorelse"),
    "nedskräpning": ("nedskrapning",), "otrygg plats": ("otrygg", "belysning"),
    "samling av ungdomar": ("ungdom",), "hot mot personal": ("hot_ofredande", "hot"),
    "hot/våld mot personal": ("hot_ofredande", "hot", "misshandel"), "inbrott i kommunal lokal": ("inbrott",),
}
_COUNT = {"kind": "count", "table": "offences", "direction": "lower_is_better"}


def resolve_period(store, kind: str, period: str, year: int) -> periods_mod.Period:
    """The report's period: ``period`` as given, or the latest complete one of ``kind`` in ``year``."""
    if period:
        p = periods_mod.parse_period(period)
        periods_mod.check_period(store, p, where="period")
        return p
    return periods_mod.latest_period(store, kind, year=year)


def source_series(store, freq: str, sources=alarms.SOURCES) -> pd.DataFrame:
    """Every source's count series (:func:`trygghet.analysis.alarms.count_series`) in one frame."""
    return pd.concat([alarms.count_series(store, s, freq) for s in sources], ignore_index=True)


def window_settings(p: periods_mod.Period, settings: alarms.Settings) -> tuple[str, alarms.Settings, pd.Timestamp]:
    """The series' frequency, the settings and the tested period of ``p``: a week is tested as the
    digest tests it; a quarter or a month as the window of its months (3 or 1) of the monthly series,
    the history ending where the period begins."""
    if p.kind == "week":
        return "week", settings, p.start
    months = 3 if p.kind == "quarter" else 1
    s = alarms.Settings(alpha=settings.alpha, correction=settings.correction, window=months, guard=0,
                        trend_p=settings.trend_p, reweight_at=settings.reweight_at,
                        min_history_count=settings.min_history_count)
    return "month", s, p.end.to_period("M").to_timestamp()


def period_table(store, p: periods_mod.Period, *, settings: alarms.Settings | None = None,
                 alpha: float = 0.05) -> pd.DataFrame:
    """One row per source × area × category with data in the period or the same period last year.

    Columns: ``source, area, category, n, n_last_year, reading`` (of the change against last year,
    one of the change test's readings after Benjamini–Hochberg at ``alpha``; ``not_measurable`` where
    ``has_last_year`` is false: the source's data begin after the same period last year), ``p_adjusted``,
    ``expected``, ``limit`` (the period's upper limit; NaN without an expected level), ``above``
    (the period's count is above the limit: an alarm). A quarter's expected level is the monthly
    model's sum over its three months (the history ends before the quarter)."""
    freq, s, target = window_settings(p, settings or alarms.Settings())
    series = source_series(store, freq)
    last = p.same_last_year()
    step_days = {"week": 7, "month": 31}[freq]

    def total(a: pd.Timestamp, b: pd.Timestamp) -> pd.Series:
        inside = (series["period"] >= alarms.period_start([a], freq)[0]) & (series["period"] <= b)
        return series.loc[inside].groupby(["source", "area", "category"])["count"].sum()

    now = total(p.start, p.end)
    before = total(last.start, last.end)
    frame = pd.concat([now.rename("n"), before.rename("n_last_year")], axis=1).fillna(0).astype("int64")
    frame = frame.loc[(frame["n"] > 0) | (frame["n_last_year"] > 0)].reset_index()
    tests = [compare(_COUNT, {"value": b, "numerator": b, "suppressed": False},
                     {"value": a, "numerator": a, "suppressed": False}, alpha)
             for a, b in zip(frame["n"], frame["n_last_year"])]
    pv = np.array([t["p_value"] for t in tests], dtype=float)
    adjusted = multipletests(pv, method="fdr_bh")[1] if len(pv) else pv
    frame["p_adjusted"] = adjusted
    diff = frame["n"] - frame["n_last_year"]
    frame["reading"] = np.where(adjusted < alpha, np.where(diff > 0, "increased", "decreased"), "no_certain_change")
    tested = alarms.alarm_table(series.loc[series["period"] <= target + pd.Timedelta(days=step_days - 1)],
                                target, freq, s)
    key = ["source", "area", "category"]
    if len(tested):
        t = tested.set_index(key)
        frame = frame.join(t[["expected_window", "limit_window", "alarm_window"]], on=key)
    else:
        frame[["expected_window", "limit_window", "alarm_window"]] = np.nan
    frame = frame.rename(columns={"expected_window": "expected", "limit_window": "limit", "alarm_window": "above"})
    frame["above"] = frame["above"].fillna(False).astype(bool)
    frame["n_tests"] = int(tested["n_tests"].iloc[0]) if len(tested) else 0
    # a source whose data begin after the same period last year has nothing to compare with
    begins = series.loc[series["count"] > 0].groupby("source")["period"].min()
    first = alarms.period_start([last.start], freq)[0]
    frame["has_last_year"] = frame["source"].map(lambda src: bool(src in begins.index and begins[src] <= first))
    frame.loc[~frame["has_last_year"], "reading"] = "not_measurable"
    return frame.sort_values(["source", "area", "category"], kind="stable").reset_index(drop=True)


def period_totals(table: pd.DataFrame, by: str, *, alpha: float = 0.05) -> pd.DataFrame:
    """The period table summed per ``source`` and ``by`` (``area`` or ``category``), with the change
    test against last year (Benjamini–Hochberg over the rows). Columns: ``source, <by>, n, n_last_year,
    reading``."""
    g = table.groupby(["source", by], sort=True)[["n", "n_last_year"]].sum().reset_index()
    tests = [compare(_COUNT, {"value": b, "numerator": b, "suppressed": False},
                     {"value": a, "numerator": a, "suppressed": False}, alpha)
             for a, b in zip(g["n"], g["n_last_year"])]
    pv = np.array([t["p_value"] for t in tests], dtype=float)
    adjusted = multipletests(pv, method="fdr_bh")[1] if len(pv) else pv
    diff = g["n"] - g["n_last_year"]
    g["reading"] = np.where(adjusted < alpha, np.where(diff > 0, "increased", "decreased"), "no_certain_change")
    return g


@dataclass
class Digest:
    """The week's digest: the period, its alarms (one row per series that alarmed, with the window
    test's numbers), what is new, the number of tests and the counts of the week per source and area."""

    period: periods_mod.Period
    alarms: pd.DataFrame
    new: pd.DataFrame
    n_tests: int
    counts: pd.DataFrame  # source, area, n (the week), mean_before (mean of the 8 weeks before)


def digest(store, p: periods_mod.Period, *, settings: alarms.Settings | None = None,
           quiet: int = 8) -> Digest:
    """The weekly digest's frames for the ISO week ``p`` (``settings``: default :class:`alarms.Settings`)."""
    settings = settings or alarms.Settings()
    series = source_series(store, "week")
    series = series.loc[series["period"] <= p.start]
    table = alarms.alarm_table(series, p.start, "week", settings)
    n_tests = int(table["n_tests"].iloc[0]) if len(table) else 0
    fired = table.loc[table["alarm"].astype(bool)].reset_index(drop=True) if len(table) else table
    new = alarms.new_series(series, p.start, "week", quiet=quiet)
    week = series.loc[series["period"] == p.start].groupby(["source", "area"])["count"].sum().rename("n")
    start = p.start - pd.Timedelta(weeks=quiet)
    prior = series.loc[(series["period"] >= start) & (series["period"] < p.start)]
    mean_before = prior.groupby(["source", "area"])["count"].sum().div(quiet).rename("mean_before")
    counts = pd.concat([week, mean_before], axis=1).fillna(0.0).reset_index()
    counts["n"] = counts["n"].astype("int64")
    return Digest(period=p, alarms=fired, new=new, n_tests=n_tests, counts=counts)


def measures_aimed(store: str | Path | None, year: int, area: str, category: str) -> pd.DataFrame:
    """The measures of ``year``'s plan (active, :func:`activity_plan.measures`) already aimed at ``area``
    or at a problem of the register about ``category`` there.

    Columns ``measure_id, name, level, status, why`` — ``why`` is ``problem`` (the measure answers a
    problem of the register whose indicators name ``category`` or a related category and whose areas
    include ``area`` — or, when no such problem names the area, the whole municipality) or ``area`` (the measure is placed in ``area`` itself)."""
    plan = activity_plan.measures(store, year, active_only=True)
    cols = ["measure_id", "name", "level", "status", "why"]
    if plan.empty:
        return pd.DataFrame(columns=cols)
    placed = read_table(store, "measure_areas")
    in_area = set(placed.loc[placed["area"] == area, "measure_id"])
    problem_ids = set(_problems_about(store, year, area, category))
    rows = []
    for m in plan.itertuples(index=False):
        answers = {x.strip() for x in str(m.problems or "").replace(";", ",").split(",") if x.strip()} \
            if "problems" in plan.columns and not pd.isna(m.problems) else set()
        why = "problem" if answers & problem_ids else ("area" if m.measure_id in in_area else None)
        if why:
            rows.append((m.measure_id, m.name, m.level, m.status, why))
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["why", "measure_id"], key=lambda c: c.map({"problem": 0, "area": 1}) if c.name == "why"
                           else c, kind="stable").reset_index(drop=True)


def _problems_about(store, year: int, area: str, category: str) -> list[str]:
    try:
        reg = read_table(store, "problems")
    except Exception:  # noqa: BLE001 - a store without a problem register
        return []
    reg = reg.loc[reg["decided"].dt.year <= int(year)]
    tokens = {_fold(category)} | set(RELATED_CATEGORIES.get(category, ()))
    here, everywhere = [], []
    for r in reg.itertuples(index=False):
        areas = {a.strip() for a in str(r.areas).split(",")}
        names = [_fold(x) for x in str(r.indicators).replace(";", ",").split(",") if x.strip()]
        if not any(t == n or n.endswith("_" + t) or n.startswith(t) for t in tokens for n in names):
            continue
        if area in areas:
            here.append(r.problem_id)
        elif WHOLE_MUNICIPALITY in areas:
            everywhere.append(r.problem_id)
    return here or everywhere  # the problems of the area itself; else the whole municipality's


def _fold(text: str) -> str:
    return str(text).strip().casefold().translate(str.maketrans({"å": "a", "ä": "a", "ö": "o", " ": "_", "/": "_"}))

"""The årshjul (the year's wheel): when in the year, the week and the day each offence category
happens, beside the year's planned events, so that the preparation group can plan before the peaks.

- :func:`month_index` — offences per category and month over several years, against what an even
  spread over the days would give (``index`` 1 = an ordinary month; months differ in length, so the
  expectation is proportional to the days of the month in the years counted), with a chi-square test
  of "no seasonal pattern" per category, adjusted over the categories (Benjamini–Hochberg by
  default). A month is only called high or low for a category whose pattern is certain.
- :func:`week_peaks` — per category, the hours of the week (a window of ``window`` consecutive hours,
  running over midnight and from Sunday into Monday) that hold the most offences with a known start
  time, its share and how many times an even spread that is.
- :func:`planned_events` — the year's planned events by month.

Frames in, frames out, raw counts: a report publishes the counts (and the indices, which give the
counts back with the total) through :mod:`trygghet.analysis.disclosure`.
"""

from __future__ import annotations

import calendar
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from trygghet.analysis import events
from trygghet.data.errors import ParameterError
from trygghet.data.schemas import EST_TYPES
from trygghet.data.store import read_table
from trygghet.data.vocabulary import CATEGORIES

__all__ = [
    "DEFAULT_YEARS",
    "DEFAULT_WINDOW",
    "MONTH_COLUMNS",
    "PATTERN_COLUMNS",
    "PEAK_COLUMNS",
    "years_before",
    "month_index",
    "seasonal_patterns",
    "week_peaks",
    "planned_events",
    "est_quarters",
]

#: how many years (the report year and those before it) the pattern pools by default
DEFAULT_YEARS = 3
#: the length in hours of the busiest window of the week
DEFAULT_WINDOW = 4
MONTH_COLUMNS = ["category", "month", "n", "days", "expected", "index"]
PATTERN_COLUMNS = ["category", "n", "chi2", "p_value", "p_adjusted", "seasonal", "high_months", "low_months"]
PEAK_COLUMNS = ["category", "n_timed", "weekday", "hour", "window", "n_window", "share", "ratio", "busiest_weekday"]


def years_before(store: str | Path | None, year: int, n_years: int = DEFAULT_YEARS) -> list[int]:
    """The ``n_years`` years up to ``year`` that the store has offences for (ascending)."""
    if int(n_years) < 1:
        raise ParameterError(f"n_years must be at least 1, got {n_years!r}")
    have = set(int(y) for y in read_table(store, "offences")["year"].unique())
    return [y for y in range(int(year) - int(n_years) + 1, int(year) + 1) if y in have]


def month_index(store: str | Path | None, years: list[int], categories: list[str] | None = None) -> pd.DataFrame:
    """Offences per category and month, pooled over ``years``, against an even spread over the days:
    ``expected`` = the category's offences × the month's days / the years' days, ``index`` = ``n`` /
    ``expected``. Columns :data:`MONTH_COLUMNS` (every category × month, zeros included)."""
    cats = list(categories) if categories is not None else list(CATEGORIES)
    offences = events.select_offences(store, list(years))
    counts = offences.groupby(["category", "month"]).size()
    full = pd.MultiIndex.from_product([cats, range(1, 13)], names=["category", "month"])
    table = counts.reindex(full, fill_value=0).rename("n").reset_index()
    days = {m: sum(calendar.monthrange(int(y), m)[1] for y in years) for m in range(1, 13)}
    total_days = sum(days.values())
    table["days"] = table["month"].map(days).astype(int)
    per_cat = table.groupby("category")["n"].transform("sum")
    table["expected"] = per_cat * table["days"] / total_days
    table["index"] = np.where(table["expected"] > 0, table["n"] / table["expected"].where(table["expected"] > 0), np.nan)
    return table.astype({"category": "string", "month": int, "n": int})[MONTH_COLUMNS]


def seasonal_patterns(months: pd.DataFrame, *, alpha: float = 0.05, correction: str = "fdr_bh",
                      high: float = 1.2, low: float = 0.8) -> pd.DataFrame:
    """Per category of :func:`month_index`: the chi-square goodness-of-fit test of the month counts
    against the even spread (Pearson's statistic, 11 degrees of freedom, as ``scipy.stats.chisquare``), p adjusted over the categories by ``correction``
    (a statsmodels ``multipletests`` method, or ``"none"``), ``seasonal`` when the adjusted p is below
    ``alpha``, and — for seasonal categories only — the months with ``index`` ≥ ``high`` and ≤ ``low``.
    Categories with no offences get no test (p NA, not seasonal). Columns :data:`PATTERN_COLUMNS`."""
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be between 0 and 1, got {alpha!r}")
    if not low < 1 < high:
        raise ParameterError(f"low must be below 1 and high above 1, got low={low!r}, high={high!r}")
    cats = list(dict.fromkeys(months["category"]))
    n = months.pivot(index="category", columns="month", values="n").reindex(index=cats, columns=range(1, 13))
    expected = months.pivot(index="category", columns="month", values="expected").reindex(index=cats, columns=range(1, 13))
    index = months.pivot(index="category", columns="month", values="index").reindex(index=cats, columns=range(1, 13))
    n_arr, e_arr = n.to_numpy(float), expected.to_numpy(float)
    totals = n_arr.sum(axis=1)
    tested = totals > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = np.where(tested, np.nansum((n_arr - e_arr) ** 2 / e_arr, axis=1), np.nan)
    out = pd.DataFrame({"category": cats, "n": totals.astype(int), "chi2": chi2,
                        "p_value": np.where(tested, stats.chi2.sf(chi2, 11), np.nan)})
    out["p_adjusted"] = np.nan
    if tested.any():
        pvals = out.loc[tested, "p_value"].to_numpy(float)
        if correction == "none":
            adjusted = pvals
        else:
            try:
                adjusted = multipletests(pvals, alpha=alpha, method=correction)[1]
            except ValueError:
                raise ParameterError(f"correction '{correction}' is unknown; use a statsmodels multipletests method "
                                     "such as 'fdr_bh', 'bonferroni', 'holm', or 'none'") from None
        out.loc[tested, "p_adjusted"] = adjusted
    out["seasonal"] = (out["p_adjusted"] < alpha).fillna(False).astype(bool)
    idx = index.to_numpy(float)
    out["high_months"] = [[m + 1 for m in np.flatnonzero(row >= high)] if s else []
                          for row, s in zip(idx, out["seasonal"])]
    out["low_months"] = [[m + 1 for m in np.flatnonzero(row <= low)] if s else []
                         for row, s in zip(idx, out["seasonal"])]
    return out[PATTERN_COLUMNS]


def week_peaks(store: str | Path | None, years: list[int], categories: list[str] | None = None, *,
               window: int = DEFAULT_WINDOW) -> pd.DataFrame:
    """Per category: the ``window`` consecutive hours of the week with the most offences whose start
    time is known (the week is a circle: Sunday 22–02 runs into Monday), starting on ``weekday`` (0 =
    Monday) at ``hour``; ``n_window`` offences, ``share`` of the timed ones, ``ratio`` = share /
    (window / 168), and ``busiest_weekday``. Ties go to the earliest start. Columns :data:`PEAK_COLUMNS`."""
    if not 1 <= int(window) <= 24:
        raise ParameterError(f"window must be 1–24 hours, got {window!r}")
    w = int(window)
    rows = []
    for cat in (list(categories) if categories is not None else list(CATEGORIES)):
        profile = events.time_profile(store, list(years), cat)
        hours = profile.sort_values(["weekday", "hour"])["n"].to_numpy(int)  # 168 hours, Monday 00 first
        total = int(hours.sum())
        if total == 0:
            rows.append({"category": cat, "n_timed": 0, "window": w})
            continue
        sums = np.array([hours.take(range(s, s + w), mode="wrap").sum() for s in range(168)])
        start = int(np.argmax(sums))
        by_day = hours.reshape(7, 24).sum(axis=1)
        share = sums[start] / total
        rows.append({"category": cat, "n_timed": total, "weekday": start // 24, "hour": start % 24, "window": w,
                     "n_window": int(sums[start]), "share": float(share), "ratio": float(share / (w / 168)),
                     "busiest_weekday": int(np.argmax(by_day))})
    out = pd.DataFrame(rows, columns=PEAK_COLUMNS)
    for c in ("weekday", "hour", "n_window", "busiest_weekday"):
        out[c] = pd.array(out[c], dtype="Int64")
    return out


def planned_events(store: str | Path | None, year: int) -> pd.DataFrame:
    """The planned events of ``year`` (``events.parquet``) by the month they start in.
    Columns: ``name``, ``start``, ``end``, ``area``, ``month``."""
    table = read_table(store, "events")
    table = table[table["year"] == int(year)].sort_values(["start", "name"], kind="stable")
    return table.assign(month=table["start"].dt.month.astype(int))[["name", "start", "end", "area", "month"]] \
        .reset_index(drop=True)


def est_quarters(store: str | Path | None, year: int) -> pd.DataFrame:
    """EST observations of ``year`` (``est_reports.parquet``, their ``count``) per type and quarter.
    Columns: ``type``, ``quarter`` (1–4), ``n`` (every type of the checklist × quarter, zeros included)."""
    table = read_table(store, "est_reports")
    table = table[table["year"] == int(year)]
    counts = table.groupby([table["type"].astype(str), table["date"].dt.quarter.rename("quarter")])["count"].sum()
    full = pd.MultiIndex.from_product([list(EST_TYPES), [1, 2, 3, 4]], names=["type", "quarter"])
    return counts.reindex(full, fill_value=0).rename("n").reset_index().astype({"type": str, "quarter": int, "n": int})

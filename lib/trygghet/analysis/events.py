"""Offences as events in time: which offences a report counts (by year and offence group), when they
happen (weekday × hour, month), what planned events do to them, and the count per category.

Frames in, frames out: every function returns a tidy, aggregated table (no offence rows); counts are
numbers, and a report publishes them through :mod:`trygghet.analysis.disclosure`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from trygghet.analysis import indicators
from trygghet.analysis.disclosure import suppress_value
from trygghet.data.store import read_table
from trygghet.data.vocabulary import CATEGORIES, CATEGORY_UNKNOWN, WHOLE_MUNICIPALITY, offence_group_mask

__all__ = [
    "ALL_OFFENCES",
    "select_offences",
    "time_profile",
    "month_profile",
    "event_effect",
    "category_counts",
    "category_trends",
]

#: the ``category`` value of the total rows of :func:`category_counts`
ALL_OFFENCES = "alla"
_EVENT_COLUMNS = ["name", "start", "end", "area", "event_days", "n_event", "reference_days", "n_reference",
                  "per_day_event", "per_day_reference", "ratio", "lower", "upper", "significant", "suppressed"]


def select_offences(store: str | Path | None, year: int | list[int] | None = None, group: str = "alla") -> pd.DataFrame:
    """Offences of the store in ``year`` (one, a list, or ``None`` for all) that belong to ``group``
    (``alla``, ``vald``, ``mangdbrott`` or a category such as ``misshandel``; the one definition is
    :func:`trygghet.data.vocabulary.offence_group_mask`). Rows of the store: for analysis, not for publishing."""
    offences = read_table(store, "offences")
    if year is not None:
        wanted = [int(year)] if isinstance(year, (int, np.integer)) else [int(y) for y in year]
        offences = offences[offences["year"].isin(wanted)]
    return offences[offence_group_mask(offences, group).to_numpy(dtype=bool)]


def time_profile(store: str | Path | None, year: int | list[int], group: str = "alla") -> pd.DataFrame:
    """Offences by weekday (0 = Monday) and hour of start, for offences whose start time is known.

    Columns: ``weekday``, ``hour``, ``n`` (all 7 × 24 cells, zeros included)."""
    offences = select_offences(store, year, group)
    timed = offences[offences["start_time_known"].fillna(False).astype(bool) & offences["hour"].notna()]
    counts = timed.groupby(["weekday", "hour"]).size()
    full = pd.MultiIndex.from_product([range(7), range(24)], names=["weekday", "hour"])
    return counts.reindex(full, fill_value=0).rename("n").reset_index().astype({"weekday": int, "hour": int, "n": int})


def month_profile(store: str | Path | None, years: list[int], group: str = "alla") -> pd.DataFrame:
    """Offences per month and year. Columns: ``year``, ``month``, ``n`` (zeros included)."""
    offences = select_offences(store, years, group)
    counts = offences.groupby(["year", "month"]).size()
    full = pd.MultiIndex.from_product([sorted(int(y) for y in years), range(1, 13)], names=["year", "month"])
    return counts.reindex(full, fill_value=0).rename("n").reset_index().astype({"year": int, "month": int, "n": int})


def event_effect(
    store: str | Path | None,
    year: int,
    group: str = "alla",
    *,
    weeks_around: int = 4,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Offences during each planned event of the year against the same weekdays in the
    ``weeks_around`` weeks before and after (other events' days left out, and days outside the
    delivered data), in the event's area (the whole municipality when the event has none).

    The rate ratio's interval is exact, conditional on the total (the binomial method for two Poisson
    counts with different exposures). A count of 1–4 on either side could be read back from a rate
    per day or the ratio: such rows have ``suppressed`` true and no rates or ratio. Columns:
    ``name``, ``start``, ``end``, ``area`` (:data:`~trygghet.data.vocabulary.WHOLE_MUNICIPALITY` when
    none), ``event_days``, ``n_event``, ``reference_days``, ``n_reference``, ``per_day_event``,
    ``per_day_reference``, ``ratio``, ``lower``, ``upper``, ``significant``, ``suppressed``.
    """
    events = read_table(store, "events")
    events = events[events["year"] == year]
    if events.empty:
        return pd.DataFrame(columns=_EVENT_COLUMNS)
    offences = select_offences(store, None, group)
    offences = offences.assign(day=offences["start"].dt.normalize())
    all_event_days = set()
    for start, end in zip(events["start"], events["end"]):
        all_event_days.update(pd.date_range(start.normalize(), end.normalize(), freq="D"))
    rows = [_one_event(ev, offences, all_event_days, weeks_around, alpha) for ev in events.itertuples(index=False)]
    return pd.DataFrame(rows, columns=_EVENT_COLUMNS)


def category_counts(store: str | Path | None, years: list[int] | None = None, *, until: int | None = None) -> pd.DataFrame:
    """Offences per analysis category and year — every category of the code list and the offences
    with an unknown code (:data:`~trygghet.data.vocabulary.CATEGORY_UNKNOWN`), so that the parts add up
    to the total — plus one total row per year (``category`` = :data:`ALL_OFFENCES`).

    ``years`` picks years (default: every year with offences), ``until`` drops later years (a report
    for an earlier year shows none). Columns: ``category``, ``year``, ``n`` (zeros included); the
    categories in the code list's order, unknown last, then the total. Raw counts: publish through
    :func:`trygghet.analysis.disclosure.suppress_counts` with ``by=["category", "year"]`` and
    ``total=ALL_OFFENCES``."""
    offences = read_table(store, "offences")
    all_years = sorted(int(y) for y in pd.to_numeric(offences["year"]).dropna().unique())
    wanted = all_years if years is None else sorted(int(y) for y in years)
    if until is not None:
        wanted = [y for y in wanted if y <= int(until)]
    part = offences[offences["year"].isin(wanted)]
    cats = list(CATEGORIES) + [CATEGORY_UNKNOWN]
    category = part["category"].astype("string").fillna(CATEGORY_UNKNOWN)
    category = category.where(category.isin(cats), CATEGORY_UNKNOWN)
    counts = pd.DataFrame({"category": category.to_numpy(), "year": part["year"].astype(int).to_numpy()}) \
        .groupby(["category", "year"]).size()
    full = pd.MultiIndex.from_product([cats, wanted], names=["category", "year"])
    table = counts.reindex(full, fill_value=0).rename("n").reset_index()
    totals = table.groupby("year", sort=True)["n"].sum().reset_index().assign(category=ALL_OFFENCES)
    out = pd.concat([table, totals[["category", "year", "n"]]], ignore_index=True)
    return out.astype({"category": "string", "year": int, "n": int})


def category_trends(store: str | Path | None, years: list[int] | None = None, *, until: int | None = None) -> pd.DataFrame:
    """Offences per analysis category and year per 1 000 inhabitants with intervals, from the
    indicators ``brott_<category>``. Columns: ``category``, ``name``, ``year``, ``n``, ``value`` (per
    1 000), ``lower``, ``upper``, ``suppressed``."""
    ids = [i for i in indicators.definitions()["id"] if i.startswith("brott_") and i != "brott_totalt"]
    parts = []
    for i in ids:
        t = indicators.compute(store, i, years=years)
        parts.append(t.assign(category=i.removeprefix("brott_"), name=indicators.definition(i)["name_sv"]))
    table = pd.concat(parts, ignore_index=True)
    if until is not None:  # a report for an earlier year shows no later years
        table = table[table["year"] <= int(until)]
    return table[["category", "name", "year", "n", "value", "lower", "upper", "suppressed"]].reset_index(drop=True)


# --- helpers -------------------------------------------------------------------------------------


def _one_event(event, offences: pd.DataFrame, all_event_days: set, weeks_around: int, alpha: float) -> dict:
    days = pd.date_range(event.start.normalize(), event.end.normalize(), freq="D")
    weekdays = set(days.day_of_week)
    window = pd.date_range(days[0] - pd.Timedelta(weeks=weeks_around), days[-1] + pd.Timedelta(weeks=weeks_around), freq="D")
    first, last = offences["day"].min(), offences["day"].max()  # days without delivered data are not zeros
    reference = [d for d in window if d.weekday() in weekdays and d not in all_event_days and first <= d <= last]
    has_area = isinstance(event.area, str) and bool(event.area) and event.area != WHOLE_MUNICIPALITY
    local = offences[offences["area"] == event.area] if has_area else offences
    per_day = local.groupby("day").size()
    n_event = int(per_day.reindex(days, fill_value=0).sum())
    n_ref = int(per_day.reindex(pd.DatetimeIndex(reference), fill_value=0).sum())
    ratio, lower, upper = _rate_ratio(n_event, len(days), n_ref, len(reference), alpha)
    hidden = suppress_value(n_event) or suppress_value(n_ref)
    if hidden:
        ratio = lower = upper = np.nan
    return {
        "name": event.name,
        "start": event.start,
        "end": event.end,
        "area": event.area if has_area else WHOLE_MUNICIPALITY,
        "event_days": len(days),
        "n_event": n_event,
        "reference_days": len(reference),
        "n_reference": n_ref,
        "per_day_event": np.nan if hidden else n_event / len(days),
        "per_day_reference": np.nan if hidden or not reference else n_ref / len(reference),
        "ratio": ratio,
        "lower": lower,
        "upper": upper,
        "significant": bool(lower > 1 or upper < 1) if not np.isnan(lower) else False,
        "suppressed": hidden,
    }


def _rate_ratio(a: int, t1: float, b: int, t2: float, alpha: float) -> tuple[float, float, float]:
    """Rate ratio (a/t1)/(b/t2) with the exact conditional (Clopper–Pearson) interval."""
    if t1 <= 0 or t2 <= 0 or a + b == 0:
        return (np.nan, np.nan, np.nan)
    ratio = (a / t1) / (b / t2) if b > 0 else np.inf
    ci = stats.binomtest(a, a + b).proportion_ci(confidence_level=1 - alpha, method="exact")

    def to_ratio(p: float) -> float:
        return np.inf if p >= 1 else (p / (1 - p)) * (t2 / t1)

    return (ratio, to_ratio(ci.low), to_ratio(ci.high))

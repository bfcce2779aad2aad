"""The combined situation picture (*samlad lägesbild*): the aggregations its report shows beside the
indicators — when offences happen, what planned events do, and how Luleå compares with Sweden.

Every function returns a tidy, aggregated table (no offence rows); counts are left as numbers and
suppressed for publishing by :mod:`trygghet.disclosure` / :mod:`trygghet.format`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from trygghet.config import resource_path
from trygghet.errors import ParameterError
from trygghet.store import read_table

__all__ = [
    "CATEGORY_GROUPS",
    "select_offences",
    "time_profile",
    "month_profile",
    "event_effect",
    "national_reference",
]

#: category groups a report may ask for, besides a single category name
CATEGORY_GROUPS = {"alla": "Alla brott", "vald": "Våldsbrott", "mangdbrott": "Mängdbrott"}


def select_offences(store: str | Path | None, year: int | list[int] | None = None, group: str = "alla") -> pd.DataFrame:
    """Offences of the store filtered by year(s) and category group (``alla``, ``vald``,
    ``mangdbrott`` or a category such as ``misshandel``)."""
    offences = read_table(store, "offences")
    if year is not None:
        wanted = [year] if isinstance(year, int) else list(year)
        offences = offences[offences["year"].isin(wanted)]
    if group == "alla":
        return offences
    if group == "vald":
        return offences[offences["violent"]]
    if group == "mangdbrott":
        return offences[offences["volume_crime"]]
    known = set(read_table(store, "offences")["category"].dropna().unique())
    if group not in known:
        raise ParameterError(
            f"category group '{group}' is unknown; use alla, vald, mangdbrott or a category: " + ", ".join(sorted(known))
        )
    return offences[offences["category"] == group]


def time_profile(store: str | Path | None, year: int, group: str = "alla") -> pd.DataFrame:
    """Offences by weekday (0 = Monday) and hour of start, for offences whose start time is known.

    Columns: ``weekday``, ``hour``, ``n`` (all 7 × 24 cells, zeros included)."""
    offences = select_offences(store, year, group)
    timed = offences[offences["start_time_known"] & offences["hour"].notna()]
    counts = timed.groupby(["weekday", "hour"]).size()
    full = pd.MultiIndex.from_product([range(7), range(24)], names=["weekday", "hour"])
    return counts.reindex(full, fill_value=0).rename("n").reset_index().astype({"weekday": int, "hour": int, "n": int})


def month_profile(store: str | Path | None, years: list[int], group: str = "alla") -> pd.DataFrame:
    """Offences per month and year. Columns: ``year``, ``month``, ``n`` (zeros included)."""
    offences = select_offences(store, years, group)
    counts = offences.groupby(["year", "month"]).size()
    full = pd.MultiIndex.from_product([sorted(years), range(1, 13)], names=["year", "month"])
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
    ``weeks_around`` weeks before and after (other events' days left out), in the event's area
    (the whole municipality when the event has none).

    The rate ratio's interval is exact, conditional on the total (the binomial method for two Poisson
    counts with different exposures). Columns: ``name``, ``start``, ``end``, ``area``, ``event_days``,
    ``n_event``, ``reference_days``, ``n_reference``, ``per_day_event``, ``per_day_reference``,
    ``ratio``, ``lower``, ``upper``, ``significant``.
    """
    events = read_table(store, "events")
    events = events[events["year"] == year]
    columns = ["name", "start", "end", "area", "event_days", "n_event", "reference_days", "n_reference",
               "per_day_event", "per_day_reference", "ratio", "lower", "upper", "significant"]
    if events.empty:
        return pd.DataFrame(columns=columns)
    offences = select_offences(store, None, group)
    offences = offences.assign(day=offences["start"].dt.normalize())
    all_event_days = set()
    for start, end in zip(events["start"], events["end"]):
        all_event_days.update(pd.date_range(start.normalize(), end.normalize(), freq="D"))
    rows = [_one_event(ev, offences, all_event_days, weeks_around, alpha) for ev in events.itertuples(index=False)]
    return pd.DataFrame(rows, columns=columns)


def national_reference() -> pd.DataFrame:
    """National reference values shipped with the package (``resources/national.csv``):
    ``indicator``, ``year``, ``value``, ``unit``, ``source``."""
    table = pd.read_csv(resource_path("national.csv"), sep=";", encoding="utf-8")
    return table.rename(columns={"indikator": "indicator", "ar": "year", "varde": "value", "enhet": "unit", "kalla": "source"})


# --- helpers -------------------------------------------------------------------------------------


def _one_event(event, offences: pd.DataFrame, all_event_days: set, weeks_around: int, alpha: float) -> dict:
    days = pd.date_range(event.start.normalize(), event.end.normalize(), freq="D")
    weekdays = set(days.weekday)
    window = pd.date_range(days[0] - pd.Timedelta(weeks=weeks_around), days[-1] + pd.Timedelta(weeks=weeks_around), freq="D")
    reference = [d for d in window if d.weekday() in weekdays and d not in all_event_days]
    local = offences if pd.isna(event.area) or not event.area else offences[offences["area"] == event.area]
    per_day = local.groupby("day").size()
    n_event = int(per_day.reindex(days, fill_value=0).sum())
    n_ref = int(per_day.reindex(pd.DatetimeIndex(reference), fill_value=0).sum())
    ratio, lower, upper = _rate_ratio(n_event, len(days), n_ref, len(reference), alpha)
    return {
        "name": event.name,
        "start": event.start,
        "end": event.end,
        "area": event.area if isinstance(event.area, str) and event.area else "hela kommunen",
        "event_days": len(days),
        "n_event": n_event,
        "reference_days": len(reference),
        "n_reference": n_ref,
        "per_day_event": n_event / len(days),
        "per_day_reference": n_ref / len(reference) if reference else np.nan,
        "ratio": ratio,
        "lower": lower,
        "upper": upper,
        "significant": bool(lower > 1 or upper < 1) if not np.isnan(lower) else False,
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

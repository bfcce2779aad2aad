"""Report periods shorter than a year: a quarter (``2025-Q3``), a month (``2025-09``) or an ISO week
(``2025-W36``), for ``trygghet run --period`` and the timers.

A timer cannot name the period, so ``last-week``, ``last-month`` and ``last-quarter`` mean the last
complete period before today. The run plan's ``cadence`` says which reports run for which kind of period.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from trygghet.data import store as store_mod
from trygghet.data.errors import DataError, ParameterError

__all__ = ["KINDS", "CADENCES", "Period", "parse_period", "period_of", "latest_period", "check_period", "data_end",
           "plan_arguments"]

KINDS = ("quarter", "month", "week")
#: the run plan's cadences: the year's run and the three kinds of period
CADENCES = ("year",) + KINDS
_FORMS = "a quarter (2025-Q3), a month (2025-09), an ISO week (2025-W36) or last-week, last-month, last-quarter"


@dataclass(frozen=True)
class Period:
    """One report period: ``label`` as written (``2025-Q3``), ``kind``, first and last day, the year it
    belongs to (a week's ISO year)."""

    label: str
    kind: str
    start: pd.Timestamp
    end: pd.Timestamp
    year: int

    def same_last_year(self) -> Period:
        """The same quarter, month or ISO week one year earlier."""
        if self.kind == "week":
            week = int(self.label[-2:])
            last = dt.date(self.year - 1, 12, 28).isocalendar()[1]
            return _week(self.year - 1, min(week, last))
        if self.kind == "month":
            return _month(self.year - 1, self.start.month)
        return _quarter(self.year - 1, (self.start.month - 1) // 3 + 1)

    def previous(self) -> Period:
        """The period just before."""
        return period_of(self.start - pd.Timedelta(days=1), self.kind)


def _quarter(year: int, q: int) -> Period:
    start = pd.Timestamp(year, 3 * q - 2, 1)
    return Period(f"{year}-Q{q}", "quarter", start, start + pd.offsets.QuarterEnd(0), year)


def _month(year: int, m: int) -> Period:
    start = pd.Timestamp(year, m, 1)
    return Period(f"{year}-{m:02d}", "month", start, start + pd.offsets.MonthEnd(0), year)


def _week(year: int, w: int) -> Period:
    start = pd.Timestamp(dt.date.fromisocalendar(year, w, 1))
    return Period(f"{year}-W{w:02d}", "week", start, start + pd.Timedelta(days=6), year)


def period_of(day, kind: str) -> Period:
    """The period of ``kind`` that holds ``day``."""
    d = pd.Timestamp(day)
    if kind == "week":
        iso = d.isocalendar()
        return _week(iso[0], iso[1])
    if kind == "month":
        return _month(d.year, d.month)
    return _quarter(d.year, (d.month - 1) // 3 + 1)


def parse_period(text: str, today: dt.date | None = None) -> Period:
    """``2025-Q3``, ``2025-09``, ``2025-W36`` (or ``last-week`` … relative to ``today``) as a Period."""
    t = str(text).strip().upper()
    relative = re.fullmatch(r"LAST-(WEEK|MONTH|QUARTER)", t)
    if relative:
        kind = relative.group(1).lower()
        return period_of(pd.Timestamp(today or dt.date.today()), kind).previous()
    m = re.fullmatch(r"(\d{4})-Q([1-4])", t)
    if m:
        return _quarter(int(m.group(1)), int(m.group(2)))
    m = re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", t)
    if m:
        return _month(int(m.group(1)), int(m.group(2)))
    m = re.fullmatch(r"(\d{4})-W(\d{2})", t)
    if m:
        year, week = int(m.group(1)), int(m.group(2))
        if 1 <= week <= dt.date(year, 12, 28).isocalendar()[1]:
            return _week(year, week)
        raise ParameterError(f"--period {text}: {year} has no ISO week {week}; give a week between 01 and "
                             f"{dt.date(year, 12, 28).isocalendar()[1]}")
    raise ParameterError(f"--period {text}: not a period; give {_FORMS}")


def data_end(store) -> pd.Timestamp | None:
    """The last day of the store's offences, municipal incidents and EST observations (the latest of the
    three), or None when all are empty."""
    ends = []
    for table, column in (("offences", "start"), ("municipal_incidents", "date"), ("est_reports", "date")):
        try:
            values = store_mod.read_table(store, table)[column]
        except DataError:  # a store from before the table existed
            continue
        if len(values):
            ends.append(pd.Timestamp(values.max()).normalize())
    return max(ends) if ends else None


def latest_period(store, kind: str, year: int | None = None) -> Period:
    """The latest complete period of ``kind`` in the store's data (within ``year`` when given)."""
    if kind not in KINDS:
        raise ParameterError(f"period kind must be one of {', '.join(KINDS)}, got {kind!r}")
    end = data_end(store)
    if end is None:
        raise ParameterError("the store holds no dated data (offences, incidents, EST); run `trygghet ingest`")
    p = period_of(end, kind)
    if p.end > end:
        p = p.previous()
    while year is not None and p.year > int(year):
        p = p.previous()
    return p


def check_period(store, period: Period, where: str = "--period") -> None:
    """Raise ParameterError when the store's data do not cover the whole period."""
    end = data_end(store)
    if end is None or period.end > end:
        latest = latest_period(store, period.kind).label if end is not None else "none"
        shown = f"{end:%Y-%m-%d}" if end is not None else "nothing"
        raise ParameterError(f"{where} {period.label}: the store's data end on {shown}, before the period "
                             f"ends; choose a period up to {latest}")


def plan_arguments(period: Period | None) -> dict[str, str]:
    """The run plan's selection for a run: the year's jobs, or the jobs of the period's cadence."""
    if period is None:
        return {"cadence": "year", "period": ""}
    return {"cadence": period.kind, "period": period.label}

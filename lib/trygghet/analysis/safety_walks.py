"""Safety walks (*trygghetsvandringar*): the one rule "a finding is fixed".

A finding (a deficiency noted on a walk) is **fixed** when it was fixed within
:data:`FIX_WINDOW_DAYS` (180) days of the walk. A finding whose window has not closed by the end of
the data (31 December of the latest year with offences in the store) is **not yet measurable**: it
counts in neither the fixed nor the measured findings (the report says "mäts nästa år"), so a late
walk never reads as a low share. Every other finding is measured and **not fixed**.

The area profile's table (:func:`fixed_by_year`) and the indicator ``trygghetsvandring_atgardade``
(:mod:`trygghet.analysis.indicators`) both call :func:`finding_status`; they cannot disagree.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from trygghet.analysis import survey as _survey
from trygghet.data.errors import ParameterError
from trygghet.data.store import read_table

__all__ = [
    "FIX_WINDOW_DAYS",
    "FIXED",
    "NOT_FIXED",
    "NOT_YET_MEASURABLE",
    "data_end",
    "finding_status",
    "fixed_by_year",
]

#: days after the walk within which a finding must be fixed to count as fixed
FIX_WINDOW_DAYS = 180
FIXED = "fixed"
NOT_FIXED = "not_fixed"
NOT_YET_MEASURABLE = "not_yet_measurable"


def data_end(store: str | Path | None) -> pd.Timestamp:
    """The end of the data: 31 December of the latest year with offences in the store (``NaT`` when
    the store has no offences; then every finding is measurable)."""
    latest = pd.to_numeric(read_table(store, "offences")["year"]).max()
    return pd.Timestamp(year=int(latest), month=12, day=31) if pd.notna(latest) else pd.NaT


def finding_status(walks: pd.DataFrame, end: pd.Timestamp, *, window_days: int = FIX_WINDOW_DAYS) -> pd.Series:
    """Each finding's status under the rule: :data:`FIXED` (fixed within ``window_days`` of the walk),
    :data:`NOT_YET_MEASURABLE` (the walk's date plus ``window_days`` lies after ``end``, the end of the
    data — see :func:`data_end`) or :data:`NOT_FIXED`.

    ``walks`` needs the store's ``date``, ``fixed`` and ``fixed_date`` columns. A finding marked fixed
    without a date, or fixed after the window, is not fixed. A finding fixed within the window is fixed
    even when its window is still open (it cannot become unfixed); the share, however, counts only
    findings whose window has closed, so that a walk is measured once, with all its findings."""
    if int(window_days) < 1:
        raise ParameterError(f"window_days must be at least 1 day, got {window_days}")
    missing = {"date", "fixed", "fixed_date"} - set(walks.columns)
    if missing:
        raise ParameterError("finding_status() needs the safety walks' columns date, fixed, fixed_date; missing: "
                             + ", ".join(sorted(missing)))
    days = (walks["fixed_date"] - walks["date"]).dt.days
    fixed = walks["fixed"].fillna(False).astype(bool) & (days <= int(window_days)).fillna(False).astype(bool)
    if pd.notna(end):
        open_window = (walks["date"] + pd.Timedelta(days=int(window_days)) > end).fillna(False).astype(bool)
    else:
        open_window = pd.Series(False, index=walks.index)
    status = np.where(open_window.to_numpy(), NOT_YET_MEASURABLE, np.where(fixed.to_numpy(), FIXED, NOT_FIXED))
    return pd.Series(status, index=walks.index, dtype="string", name="status")


def fixed_by_year(
    store: str | Path | None,
    area: str | None = None,
    *,
    window_days: int = FIX_WINDOW_DAYS,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Findings per walk year (of one area, or all) under :func:`finding_status`.

    Columns: ``year``, ``findings`` (all noted), ``measured`` (window closed), ``fixed``,
    ``not_yet_measurable``, ``value`` (``fixed / measured``; NaN when nothing is measured yet),
    ``lower``, ``upper`` (Wilson's interval on ``measured`` at level ``1 - alpha``, as the indicator),
    ``deficiencies`` (the kinds found, most frequent first, as a list of the store's values)."""
    walks = read_table(store, "safety_walks")
    if area is not None:
        walks = walks[walks["area"] == area]
    columns = ["year", "findings", "measured", "fixed", "not_yet_measurable", "value", "lower", "upper", "deficiencies"]
    if walks.empty:
        return pd.DataFrame(columns=columns)
    walks = walks.assign(status=finding_status(walks, data_end(store), window_days=window_days),
                         year=pd.to_numeric(walks["year"]).astype(int))
    rows = []
    for year, part in walks.groupby("year", sort=True):
        n_fixed = int((part["status"] == FIXED).sum())
        measured = int((part["status"] != NOT_YET_MEASURABLE).sum())
        value = n_fixed / measured if measured else np.nan
        lo, hi = _survey.proportion_interval(value, measured, alpha, "wilson") if measured else (np.nan, np.nan)
        rows.append({"year": int(year), "findings": len(part), "measured": measured, "fixed": n_fixed,
                     "not_yet_measurable": len(part) - measured, "value": value, "lower": lo, "upper": hi,
                     "deficiencies": list(part["deficiency"].value_counts().index)})
    return pd.DataFrame(rows, columns=columns)

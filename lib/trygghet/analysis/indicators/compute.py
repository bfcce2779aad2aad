"""Computing an indicator: by year (and area, sex, age group, grade or level) with its interval and
disclosure control.

Methods (defaults; each is a parameter):

- Rates per 1 000 and counts: the exact Poisson (Garwood) interval on the count,
  ``[χ²(α/2; 2k)/2, χ²(1−α/2; 2k+2)/2]``, divided by the population of the same year (and area).
- Survey shares and means: see :mod:`trygghet.analysis.survey` (Wilson on Kish's effective size by default;
  linearised standard error for the problem index).
- Non-survey shares (safety-walk findings fixed, suspects previously suspected): Wilson on the count.
- Sums (cost) and the number of measures are censuses: no interval.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from trygghet.analysis import disclosure as _disc
from trygghet.analysis import survey as _survey
from trygghet.analysis.indicators.definitions import GROUPING_ORDER, definition, definitions
from trygghet.analysis.indicators.kinds import KIND_FUNCS, area_list
from trygghet.data.config import SUPPRESS_BELOW, SURVEY_MIN_RESPONDENTS
from trygghet.data.errors import ParameterError
from trygghet.data.store import TABLES, disk_memo, store_dir
from trygghet.data.vocabulary import PREVENTION_LEVELS, WHOLE_MUNICIPALITY, sort_key_sv

__all__ = ["COLUMNS", "compute", "compute_full", "warm_cache", "check_alpha", "area_list"]

#: the columns of :func:`compute`'s result, grouping columns inserted after ``year``
COLUMNS = ["indicator", "year", "value", "lower", "upper", "numerator", "denominator", "n", "n_eff",
           "suppressed", "suppression", "unit"]


def compute(
    store: str | Path | None,
    indicator: str,
    years: int | Iterable[int] | None = None,
    by: str | Sequence[str] | None = None,
    area: str | None = None,
    *,
    alpha: float = 0.05,
    interval: str = _survey.DEFAULT_INTERVAL,
    threshold: int = SUPPRESS_BELOW,
    min_respondents: int = SURVEY_MIN_RESPONDENTS,
) -> pd.DataFrame:
    """One indicator by year (and grouping) with its ``1 − alpha`` interval and disclosure flags.

    ``years``: one year, several, or None for every year the source has data. ``by``: any of the
    indicator's ``groupings`` (``area``, ``sex``, ``age_group``, ``grade``, ``level``). ``area``: restrict
    to one area (or ``"hela kommunen"``); the result then has an ``area`` column. ``interval``: the
    survey share interval, ``"wilson"`` (default) or ``"korn_graubard"``.

    Columns: ``indicator, year, <grouping columns>, value, lower, upper, numerator, denominator, n,
    n_eff, suppressed, suppression, unit``. ``n`` is the count of events, persons or findings, or the
    number of respondents with a valid answer; ``n_eff`` is Kish's effective sample size (surveys only).
    Survey ``numerator``/``denominator`` are weighted (Σw·y, Σw). Suppressed rows have ``value``,
    ``lower``, ``upper``, ``numerator`` and ``n`` missing; ``suppression`` says why (``primary``,
    ``secondary``, ``few_respondents``, ``source``), ``exempt`` for indicators not about persons.
    """
    res = compute_full(store, indicator, years, by, area, alpha=alpha, interval=interval, threshold=threshold,
                        min_respondents=min_respondents)
    return res.drop(columns=["se"])


def compute_full(store, indicator, years=None, by=None, area=None, *, alpha=0.05,
                  interval=_survey.DEFAULT_INTERVAL, threshold=SUPPRESS_BELOW,
                  min_respondents=SURVEY_MIN_RESPONDENTS) -> pd.DataFrame:
    """compute() with the ``se`` column, memoised per store version (the store files' modification
    times), so that follow_up, main_changes and a notebook asking twice compute once."""
    folder = store_dir(store).resolve()
    d = definition(indicator)
    files = [folder / "store.json", folder / TABLES[d["table"]], folder / TABLES["population"]]
    stamp = tuple(f.stat().st_mtime_ns if f.exists() else 0 for f in files)
    by_key = None if by is None else ((by,) if isinstance(by, str) else tuple(by))
    if isinstance(years, str):
        raise ParameterError(f"years must be a year or a list of years (whole numbers), got {years!r}")
    checked = _check_years(years)
    years_key = None if checked is None else tuple(checked)
    if area is not None and area != WHOLE_MUNICIPALITY and area not in area_list(store):
        raise ParameterError(f"area {area!r} is not an area of the store; use one of {', '.join(area_list(store))} "
                             f"or '{WHOLE_MUNICIPALITY}'")
    args = (float(alpha), interval, int(threshold), int(min_respondents))
    # Every year and every area is computed once and cut afterwards: disclosure control works within a
    # year and one area is cut from the table of all areas anyway (see _compute_uncached), so the cut is
    # the same table — and a notebook's many calls (panels, changes, follow-up) share one computation.
    area_name = _check_area(d, area)
    if area_name is not None and "area" not in (by_key or ()):
        full_by = ("area",) + (by_key or ())
        res = _compute_memo(str(folder), stamp, indicator, None, _ordered(full_by), None, *args)
        res = res.loc[res["area"] == area_name]
    else:
        res = _compute_memo(str(folder), stamp, indicator, None, _ordered(by_key) if by_key else None, area, *args)
        if area is not None and "area" not in res.columns:
            res = res.copy()
            res.insert(2, "area", WHOLE_MUNICIPALITY)
    if years_key is not None:
        missing = set(int(y) for y in years_key) - set(res["year"].astype(int))
        if missing:  # a year the source lacks: computed on its own so the row shows as missing
            return _compute_memo(str(folder), stamp, indicator, years_key, by_key, area, *args).copy()
        res = res.loc[res["year"].isin([int(y) for y in years_key])]
    return res.reset_index(drop=True).copy()


def _ordered(by: tuple[str, ...]) -> tuple[str, ...]:
    """Groupings in the canonical order, so equal requests share one memo entry."""
    return tuple(g for g in GROUPING_ORDER if g in by) + tuple(g for g in by if g not in GROUPING_ORDER)


@lru_cache(maxsize=512)
def _compute_memo(folder, stamp, indicator, years, by, area, alpha, interval, threshold, min_respondents):
    """In this process (lru_cache) and across processes (the store's on-disk cache, see
    :func:`trygghet.data.store.disk_memo`, keyed by the store's and the definitions' versions)."""
    key = (indicator, years, by, area, alpha, interval, threshold, min_respondents, stamp)
    return disk_memo(folder, "indicator-" + indicator, key, lambda: _compute_uncached(
        folder, indicator, list(years) if years is not None else None, list(by) if by is not None else None,
        area, alpha=alpha, interval=interval, threshold=threshold, min_respondents=min_respondents))


def warm_cache(store: str | Path | None, indicators: Iterable[str] | None = None) -> int:
    """Compute every indicator (or the given ones) for every year, municipality-wide and per area, so
    that the store's indicator cache (``STORE/.cache/``) serves the report notebooks. The run pipeline
    calls it once before it starts the notebooks in parallel; returns how many tables were computed."""
    done = 0
    for i in (indicators if indicators is not None else definitions()["id"]):
        d = definition(i)
        compute(store, i)
        done += 1
        if "area" in (d.get("groupings") or []):
            compute(store, i, by="area")
            done += 1
    return done


def _compute_uncached(store, indicator, years=None, by=None, area=None, *, alpha=0.05,
                      interval=_survey.DEFAULT_INTERVAL, threshold=SUPPRESS_BELOW,
                      min_respondents=SURVEY_MIN_RESPONDENTS) -> pd.DataFrame:
    d = definition(indicator)
    check_alpha(alpha)
    if interval not in _survey.INTERVAL_METHODS:
        raise ParameterError(f"interval '{interval}' is unknown; use one of {', '.join(_survey.INTERVAL_METHODS)}")
    by_list = _check_by(d, by)
    year_list = _check_years(years)
    area_name = _check_area(d, area)
    groups = [g for g in GROUPING_ORDER if g in by_list]
    # One area is cut from the table of all areas, so that it is hidden exactly when it is hidden there
    # (a second cell hidden in the all-areas table must not be shown by asking for the area alone).
    calc_groups = groups if area_name is None or "area" in groups else ["area"] + groups
    raw = KIND_FUNCS[d["kind"]](store, d, calc_groups, None if calc_groups != groups else area_name, alpha, interval)
    if year_list is not None:
        raw = raw.loc[raw["year"].isin(year_list)]
    raw = _sort_rows(raw, calc_groups)
    raw = _apply_disclosure(raw, d, calc_groups, threshold, min_respondents)
    if area_name is not None:
        raw = raw.loc[raw["area"] == area_name].reset_index(drop=True)
    if area is not None and "area" not in groups:
        if "area" not in raw:
            raw.insert(0, "area", area_name or WHOLE_MUNICIPALITY)
        groups = ["area"] + groups
    raw["indicator"] = indicator
    raw["unit"] = d["unit"]
    cols = ["indicator", "year"] + groups + COLUMNS[2:-1] + ["unit", "se"]
    out = raw.loc[:, cols].copy()
    out["year"] = out["year"].astype("int64")
    for c in ("n",):
        out[c] = pd.array(out[c], dtype="Int64")
    for c in ("value", "lower", "upper", "numerator", "denominator", "n_eff", "se"):
        out[c] = out[c].astype("float64")
    out["suppressed"] = out["suppressed"].astype(bool)
    out["suppression"] = out["suppression"].astype("string")
    for g in groups:
        out[g] = out[g].astype("string")
    return out


def _sort_rows(raw: pd.DataFrame, groups: list[str]) -> pd.DataFrame:
    """Year, then each grouping in reading order: areas the Swedish way (Å Ä Ö last), age groups by their
    first age (<15 first), prevention levels universal → situational."""
    def key(col: pd.Series) -> pd.Series:
        if col.name == "year":
            return col.astype(int)
        if col.name == "age_group":
            return col.map(lambda a: -1 if str(a).startswith("<") else int(re.match(r"\d*", str(a)).group() or 999))
        if col.name == "level":
            return col.map(lambda v: PREVENTION_LEVELS.index(v) if v in PREVENTION_LEVELS else len(PREVENTION_LEVELS))
        return col.map(lambda v: sort_key_sv(v))
    return raw.sort_values(["year"] + groups, key=key, kind="stable").reset_index(drop=True)


def _check_by(d: dict, by) -> list[str]:
    by_list = [] if by is None else ([by] if isinstance(by, str) else list(by))
    allowed = d.get("groupings") or []
    for g in by_list:
        if g not in allowed:
            raise ParameterError(f"indicator '{d['id']}' cannot be grouped by '{g}'; "
                                 f"it can be grouped by {', '.join(allowed) or 'nothing'}")
    for g in d.get("always_by") or []:
        if g not in by_list:
            by_list.append(g)
    return by_list


def _check_years(years) -> list[int] | None:
    if years is None:
        return None
    if isinstance(years, (int, np.integer)):
        return [int(years)]
    try:
        out = [int(y) for y in years]
    except (TypeError, ValueError):
        raise ParameterError(f"years must be a year or a list of years, got {years!r}") from None
    return out


def _check_area(d: dict, area: str | None) -> str | None:
    if area is None or area == WHOLE_MUNICIPALITY:
        return None
    if "area" not in (d.get("groupings") or []):
        raise ParameterError(f"indicator '{d['id']}' is not available per area (the source '{d['table']}' "
                             f"has no area); use area=None or '{WHOLE_MUNICIPALITY}'")
    return str(area)


def check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must lie between 0 and 1 (0.05 gives 95 % intervals), got {alpha}")


def _apply_disclosure(raw: pd.DataFrame, d: dict, groups: list[str], threshold: int, min_n: int) -> pd.DataFrame:
    raw = raw.copy()
    unknown = raw["unknown"].fillna(False).astype(bool).to_numpy() if "unknown" in raw else np.zeros(len(raw), bool)
    rule = d["disclosure"]
    if len(raw) == 0 or rule == "none":
        raw["suppressed"] = False
        raw["suppression"] = _disc.EXEMPT if rule == "none" else ""
        return raw
    if rule == "survey":
        n = raw["n"].to_numpy(dtype=float)
        primary = n < min_n
        bounds = (1.0, float(min_n - 1))
        count_col = "n"
    else:
        count_col = "n"
        n = raw["n"].to_numpy(dtype=float)
        primary = (n >= 1) & (n < threshold)
        if d["kind"] == "share":
            x = raw["numerator"].to_numpy(dtype=float)
            primary |= ((x >= 1) & (x < threshold)) | ((n - x >= 1) & (n - x < threshold))
        bounds = (1.0, float(threshold - 1))
    primary &= ~unknown
    codes = _disc.protect(raw, count_col, primary | unknown, by=groups, within=["year"], primary_bounds=bounds,
                          unknown=unknown) if groups else np.where(primary | unknown, 1, 0)
    reason = np.where(codes == 2, _disc.SECONDARY,
                      np.where(unknown, _disc.SOURCE,
                               np.where(codes == 1, _disc.FEW_RESPONDENTS if rule == "survey" else _disc.PRIMARY, "")))
    hidden = codes > 0
    raw["suppressed"] = hidden
    raw["suppression"] = reason
    hide = ["value", "lower", "upper", "numerator", "n", "n_eff", "se"]
    if d["kind"] in ("share", "survey_share", "survey_index", "survey_mean"):
        hide.append("denominator")
    for c in hide:
        raw[c] = raw[c].astype(float)
        raw.loc[hidden, c] = np.nan
    return raw

"""The one check of a report's parameters — year, area, group, lang — used by every entry point: the
report modules' start (:func:`trygghet.reports.common.start_report`), the run's job validation before
any kernel starts, and the command line.

Each parameter has one message, saying what is wrong, where (the entry point that got it) and the fix::

    year=2031 in lagesbild: the store /data/store has no offences for that year; use one of 2019–2025,
    or ingest that year's offence file first
"""

from __future__ import annotations

from pathlib import Path

from trygghet.data.errors import ParameterError
from trygghet.data.store import area_names, store_dir
from trygghet.data.store import years as store_years
from trygghet.data.vocabulary import (
    CATEGORIES,
    CATEGORY_UNKNOWN,
    MUNICIPAL_GROUP,
    MUNICIPAL_TYPES,
    OFFENCE_GROUPS,
)

__all__ = ["LANGS", "check_parameters", "check_year", "check_area", "check_group", "check_lang"]

#: report languages: Swedish; "en" adds English names in the indicator appendix
LANGS = ("sv", "en")


def check_parameters(
    store: str | Path | None,
    *,
    year: object = None,
    area: object = None,
    group: object = None,
    lang: object = None,
    municipal: bool = False,
    where: str = "the report's parameters",
) -> None:
    """Check the parameters that are given (``None`` = not a parameter of this entry point) against
    the store; the first wrong one raises a :class:`ParameterError` with its one message.

    ``year`` must be a whole number with offences in the store; ``area`` one of the store's areas;
    ``group`` an offence group (``alla``, ``vald``, ``mangdbrott``), a category of the code list or,
    with ``municipal``, a municipal incident group (``kommunala``, ``kommunala_<type>``); ``lang`` one
    of :data:`LANGS`. ``where`` names the entry point in the message (a notebook, a run job, a command
    option)."""
    if lang is not None:
        check_lang(lang, where=where)
    if group is not None:
        check_group(group, municipal=municipal, where=where)
    if year is not None:
        check_year(store, year, where=where)
    if area is not None:
        check_area(store, area, where=where)


def check_year(store: str | Path | None, year: object, *, where: str = "the report's parameters") -> int:
    """``year`` as an int if the store has offences for it; else the one message for a wrong year."""
    if isinstance(year, bool) or not isinstance(year, int):
        raise ParameterError(f"year={year!r} in {where} is not a whole number; give a year such as 2025")
    folder = store_dir(store)
    known = store_years(store, "offences")
    if year not in known:
        have = _span(known) if known else "none"
        raise ParameterError(f"year={year} in {where}: the store {folder} has no offences for that year "
                             f"(years in the store: {have}); use one of them, or ingest that year's offence file first")
    return year


def check_area(store: str | Path | None, area: object, *, where: str = "the report's parameters") -> str:
    """``area`` if it is one of the store's areas; else the one message for a wrong area."""
    known = area_names(store)
    if not isinstance(area, str) or area not in known:
        raise ParameterError(f"area={area!r} in {where} is not an area of the store {store_dir(store)}; "
                             "use one of " + ", ".join(known) + " (spelled as in the areas file)")
    return area


def check_group(group: object, *, municipal: bool = False, where: str = "the report's parameters") -> str:
    """``group`` if it is an offence group or category (or, with ``municipal``, a municipal incident
    group); else the one message for a wrong group."""
    choices = list(OFFENCE_GROUPS) + list(CATEGORIES) + [CATEGORY_UNKNOWN]
    if municipal:
        choices += [MUNICIPAL_GROUP] + [f"{MUNICIPAL_GROUP}_{k}" for k in MUNICIPAL_TYPES]
    if not isinstance(group, str) or group not in choices:
        raise ParameterError(f"group={group!r} in {where} is not an offence group"
                             + (" or municipal incident group" if municipal else "")
                             + "; use one of " + ", ".join(choices))
    return group


def check_lang(lang: object, *, where: str = "the report's parameters") -> str:
    """``lang`` if it is a report language; else the one message for a wrong language."""
    if lang not in LANGS:
        raise ParameterError(f"lang={lang!r} in {where} is not a report language; use one of " + ", ".join(LANGS))
    return str(lang)


def _span(years: list[int]) -> str:
    """"2019–2025" for consecutive years, else the list."""
    ys = sorted(years)
    if len(ys) > 2 and ys == list(range(ys[0], ys[-1] + 1)):
        return f"{ys[0]}–{ys[-1]}"
    return ", ".join(map(str, ys))

"""Swedish presentation of numbers, shares, dates and tables (locale ``sv_SE``, through Babel).

Everything a report reader sees goes through here: thousands are separated by a non-breaking space,
the decimal mark is a comma, shares read "12 %", dates "26 november 2026". No number is formatted by
hand-made string code; Babel's CLDR data for Swedish does it. Rounding is half away from zero (what a
reader expects: 2,25 -> 2,3), not Python's banker's rounding.

Missing values (``None``, ``NaN``, ``<NA>``) are shown as an en dash "–".

Nothing here decides what is too small to publish: :func:`table` passes every table through the privacy
gate :func:`trygghet.analysis.disclosure.publishable` and :func:`count` through
:func:`trygghet.analysis.disclosure.shown_count`; this module only formats what the gate marked.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import html
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from babel.dates import format_date, get_day_names, get_month_names
from babel.numbers import format_decimal, format_percent

from trygghet.analysis import disclosure
from trygghet.data.config import SUPPRESS_BELOW
from trygghet.data.vocabulary import sort_key_sv

__all__ = [
    "LOCALE",
    "MISSING",
    "is_missing",
    "SUPPRESSED",
    "HEADERS_SV",
    "number",
    "percent",
    "date",
    "month_name",
    "weekday_name",
    "count",
    "interval",
    "p_value",
    "sort_key_sv",
    "table",
]

LOCALE = "sv_SE"
#: shown for a missing or hidden value
MISSING = "–"
#: shown for a count of 1 .. threshold-1 (the gate's mark)
SUPPRESSED = f"<{SUPPRESS_BELOW}"

#: Swedish column headers for the library's standard columns (used by :func:`table`)
HEADERS_SV: dict[str, str] = {
    "indicator": "Indikator",
    "name": "Indikator",
    "year": "År",
    "area": "Område",
    "sex": "Kön",
    "age_group": "Åldersgrupp",
    "grade": "Årskurs",
    "level": "Preventionsnivå",
    "value": "Värde",
    "lower": "Nedre gräns",
    "upper": "Övre gräns",
    "numerator": "Täljare",
    "denominator": "Nämnare",
    "n": "Antal",
    "n_eff": "Effektivt antal svarande",
    "suppressed": "Dold",
    "unit": "Enhet",
    "value_from": "Från",
    "value_to": "Till",
    "year_from": "Från år",
    "year_to": "Till år",
    "difference": "Skillnad",
    "p_value": "p-värde",
    "verdict": "Bedömning",
    "test": "Test",
    "goal_id": "Mål",
    "goal_text": "Mål",
    "subgoal_id": "Delmål",
    "subgoal_text": "Delmål",
    "baseline_year": "Utgångsår",
    "baseline_value": "Utgångsvärde",
    "latest_year": "Senaste år",
    "target_value": "Målvärde",
    "target_year": "Målår",
    "target_type": "Måltyp",
    "trend": "Utveckling",
    "status": "Status",
    "status_reason": "Motivering",
    "text": "Förändring",
    "comparison": "Jämförelse",
    "p_adjusted": "Justerat p-värde",
    "assessment": "Bedömning",
    "path_value": "Väg mot målet",
    "indicator_name": "Indikator",
}

_ROUNDING = decimal.ROUND_HALF_UP


def number(x: Any, decimals: int = 1, *, locale: str = LOCALE) -> str:
    """``12345.6`` -> ``"12 345,6"`` (non-breaking space between thousands, decimal comma)."""
    if is_missing(x):
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    with decimal.localcontext() as ctx:
        ctx.rounding = _ROUNDING
        return _no_negative_zero(format_decimal(_to_decimal(x), format=pattern, locale=locale,
                                                decimal_quantization=True))


def percent(x: Any, decimals: int = 0, *, locale: str = LOCALE) -> str:
    """A share given as a fraction: ``0.123`` -> ``"12 %"`` (``decimals=1``: ``"12,3 %"``)."""
    if is_missing(x):
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "") + "\u00a0%"
    with decimal.localcontext() as ctx:
        ctx.rounding = _ROUNDING
        return _no_negative_zero(format_percent(_to_decimal(x), format=pattern, locale=locale,
                                                decimal_quantization=True))


def _no_negative_zero(text: str) -> str:
    """``"−0,0 %"`` -> ``"0,0 %"``: a value that rounds to zero has no sign."""
    if text[:1] in ("-", "\u2212") and not any(c in "123456789" for c in text):
        return text[1:]
    return text


def date(d: Any, *, locale: str = LOCALE) -> str:
    """``2026-11-26`` -> ``"26 november 2026"``; accepts date, datetime, Timestamp or ISO text."""
    if is_missing(d):
        return MISSING
    if isinstance(d, str):
        d = pd.Timestamp(d)
    if isinstance(d, pd.Timestamp):
        d = d.date()
    if isinstance(d, _dt.datetime):
        d = d.date()
    if not isinstance(d, _dt.date):
        raise TypeError(f"date(): expected a date, datetime, Timestamp or ISO text, got {type(d).__name__}")
    return format_date(d, format="d MMMM y", locale=locale)


def month_name(m: int, *, locale: str = LOCALE) -> str:
    """Month 1–12 -> ``"januari"`` …"""
    m = int(m)
    if not 1 <= m <= 12:
        raise ValueError(f"month_name(): month must be 1–12, got {m}")
    return str(get_month_names("wide", locale=locale)[m])


def weekday_name(d: Any, *, locale: str = LOCALE) -> str:
    """Weekday 0 = Monday … 6 = Sunday (the store's ``weekday``), or a date -> ``"måndag"`` …"""
    if isinstance(d, (_dt.date, pd.Timestamp)):
        d = d.weekday()
    d = int(d)
    if not 0 <= d <= 6:
        raise ValueError(f"weekday_name(): weekday must be 0 (Monday) – 6 (Sunday), got {d}")
    return str(get_day_names("wide", locale=locale)[d])


def count(n: Any, threshold: int = SUPPRESS_BELOW, *, locale: str = LOCALE) -> str:
    """A published count as the gate shows it (:func:`trygghet.analysis.disclosure.shown_count`):
    1 .. threshold-1 -> ``"<5"``; 0 and larger counts as integers ("12 345"); text passes unchanged.

    For a single count in a sentence; a count that is part of a published total and its parts goes
    through :func:`trygghet.analysis.disclosure.protect_page` first and is formatted from its result.
    """
    if isinstance(n, str):
        return n
    if is_missing(n):
        return MISSING
    shown = disclosure.shown_count(n, threshold)
    return shown if isinstance(shown, str) else number(shown, 0, locale=locale)


def interval(lo: Any, hi: Any, decimals: int | None = None, *, as_percent: bool = False,
             locale: str = LOCALE) -> str:
    """A confidence interval ``"12,3–14,5"`` (or ``"12–15 %"`` with ``as_percent``).

    ``decimals`` defaults to 1 for numbers and 0 for percentages.
    """
    if is_missing(lo) or is_missing(hi):
        return MISSING
    if decimals is None:
        decimals = 0 if as_percent else 1
    if as_percent:
        a = percent(lo, decimals, locale=locale).replace("\u00a0%", "")
        return f"{a}–{percent(hi, decimals, locale=locale)}"
    return f"{number(lo, decimals, locale=locale)}–{number(hi, decimals, locale=locale)}"


def p_value(p: Any, *, locale: str = LOCALE) -> str:
    """``"p = 0,01"``, or ``"p < 0,001"`` for very small p."""
    if is_missing(p):
        return MISSING
    if float(p) < 0.001:
        return f"p < {number(0.001, 3, locale=locale)}"
    decimals = 2 if float(p) >= 0.01 else 3
    return f"p = {number(p, decimals, locale=locale)}"


def table(
    df: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    headers: Mapping[str, str] | None = None,
    decimals: int | Mapping[str, int] = 1,
    percent_cols: Iterable[str] = (),
    percent_decimals: int = 0,
    count_cols: Iterable[str] = (),
    by: str | Sequence[str] | None = None,
    total: str | None = None,
    within: str | Sequence[str] | None = None,
    secondary: bool = True,
    integer_cols: Iterable[str] = ("year", "n", "latest_year", "baseline_year", "target_year", "year_from", "year_to"),
    threshold: int = SUPPRESS_BELOW,
    caption: str | None = None,
    locale: str = LOCALE,
):
    """A pandas Styler for reading: Swedish headers, numbers formatted the Swedish way, no index.

    Every table goes through the privacy gate first: ``disclosure.publishable(df, count_cols=count_cols,
    by=by, total=total, within=within, secondary=secondary)`` drops private columns, renders the flags
    of :func:`trygghet.analysis.indicators.compute` and suppresses the declared ``count_cols`` (counts of
    persons or offences: 1–4 as "<5", and partners as "–" so no line total gives them away; ``by``/
    ``total``/``within`` say which cells add up, see :func:`trygghet.analysis.disclosure.suppress_counts`;
    ``secondary=False`` for rows that add up to nothing published). Counts of things that are not about
    persons (measures, goals) are simply not declared. Tables already protected as a page
    (:func:`trygghet.analysis.disclosure.protect_page`) pass unchanged.

    ``columns`` picks and orders the columns; ``headers`` overrides :data:`HEADERS_SV`;
    ``percent_cols`` are fractions shown as "12 %" (``percent_decimals``); ``decimals`` is one number of
    decimals for all other numbers or a mapping column -> decimals; ``integer_cols`` are shown without
    decimals (years without a thousands separator). Text cells (the gate's "<5" or "–") pass through
    unchanged. Cell text is HTML-escaped (the notebooks render the Styler as HTML).
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"table(): expected a DataFrame, got {type(df).__name__}")
    shown = disclosure.publishable(df, count_cols=list(count_cols), by=by, total=total, within=within,
                                   secondary=secondary, threshold=threshold)
    if columns is not None:
        hidden = [c for c in columns if c not in shown.columns]
        if hidden:
            raise KeyError(f"table(): column(s) {', '.join(map(str, hidden))} may not be published (private or a "
                           f"disclosure flag) or are not in the table; it has {', '.join(map(str, shown.columns))}")
        shown = shown.loc[:, list(columns)]
    data = shown.reset_index(drop=True)
    percent_set, int_set = set(percent_cols), set(integer_cols) | set(count_cols)  # counts are whole numbers
    names = {**HEADERS_SV, **(dict(headers) if headers else {})}
    formatters = {}
    for col in data.columns:
        if isinstance(decimals, Mapping):
            dec = decimals.get(col, percent_decimals if col in percent_set else 1)
        else:
            dec = percent_decimals if col in percent_set else decimals
        formatters[col] = _cell_formatter(col, dec, col in percent_set, col in int_set, locale)
    styler = data.style.format(formatters).hide(axis="index")
    text_cols = [c for c in data.columns if _is_text_column(data[c])]
    if text_cols:  # words read from the left; numbers stay right-aligned
        styler = styler.set_properties(subset=text_cols, **{"text-align": "left"})
        styler = styler.set_table_styles({c: [{"selector": "th", "props": "text-align: left;"}] for c in text_cols},
                                         overwrite=False)
    styler = styler.relabel_index([names.get(c, c) for c in data.columns], axis="columns")
    if caption:
        styler = styler.set_caption(caption)
    return styler


def _is_text_column(col: pd.Series) -> bool:
    """A column of words (names, sentences), as opposed to numbers or numbers already formatted."""
    if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        return False
    values = col.dropna().astype(str)
    if values.empty:
        return False
    wordy = values.str.contains(r"[A-Za-zÅÄÖåäöÉé]{3,}", regex=True)
    return bool(wordy.mean() >= 0.5)


def _cell_formatter(col, dec, is_percent, is_int, locale):
    def fmt(v):
        return html.escape(_format_cell(v), quote=False)

    def _format_cell(v):
        if isinstance(v, str):
            return v
        if is_missing(v):
            return MISSING
        if isinstance(v, (bool, np.bool_)):
            return "ja" if v else "nej"
        if isinstance(v, (_dt.date, pd.Timestamp)):
            return date(v, locale=locale)
        if not isinstance(v, (int, float, np.integer, np.floating, decimal.Decimal)):
            return str(v)
        if is_percent:
            return percent(v, 0 if dec is None else dec, locale=locale)
        if is_int:
            return str(int(v)) if col.endswith("year") else number(v, 0, locale=locale)
        if isinstance(v, (int, np.integer)):
            return number(v, 0, locale=locale)
        return number(v, dec, locale=locale)

    return fmt


def _to_decimal(x: Any) -> decimal.Decimal:
    if isinstance(x, decimal.Decimal):
        return x
    if isinstance(x, (int, np.integer)):
        return decimal.Decimal(int(x))
    # repr gives the shortest text that round-trips, so 2.25 stays 2.25 (not 2.2499999…)
    return decimal.Decimal(repr(float(x)))


def is_missing(x: Any) -> bool:
    """True for None, NA, NaT and NaN (the reports' one test of a missing value; text and lists are values)."""
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    if isinstance(x, (float, np.floating)):
        return math.isnan(x)
    try:
        return bool(pd.isna(x)) if not isinstance(x, (str, bytes, Sequence)) else False
    except (TypeError, ValueError):
        return False

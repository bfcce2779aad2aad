"""Swedish presentation through Babel."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from trygghet.reports import format as fmt

NB = "\u00a0"


def test_numbers_use_space_thousands_and_decimal_comma():
    assert fmt.number(12345.6) == f"12{NB}345,6"
    assert fmt.number(1234567, 0) == f"1{NB}234{NB}567"
    assert fmt.number(2.25) == "2,3" and fmt.number(0.125, 2) == "0,13"  # half away from zero
    assert fmt.number(1.4, 2) == "1,40"
    assert fmt.number(np.nan) == "–" and fmt.number(None) == "–" and fmt.number(pd.NA) == "–"


def test_percent_interval_and_p_values():
    assert fmt.percent(0.12) == f"12{NB}%"
    assert fmt.percent(0.1235, 1) == f"12,4{NB}%"
    assert fmt.interval(1.234, 2.5) == "1,2–2,5"
    assert fmt.interval(0.12, 0.155, as_percent=True) == f"12–16{NB}%"
    assert fmt.interval(np.nan, 1) == "–"
    assert fmt.p_value(0.0123) == "p = 0,01" and fmt.p_value(0.004) == "p = 0,004" and fmt.p_value(1e-6) == "p < 0,001"


def test_dates_months_weekdays():
    assert fmt.date(dt.date(2026, 11, 26)) == "26 november 2026"
    assert fmt.date(pd.Timestamp("2026-01-05 13:00")) == "5 januari 2026"
    assert fmt.date("2026-03-01") == "1 mars 2026"
    assert [fmt.month_name(m) for m in (1, 6, 12)] == ["januari", "juni", "december"]
    assert fmt.weekday_name(0) == "måndag" and fmt.weekday_name(dt.date(2026, 11, 29)) == "söndag"
    with pytest.raises(ValueError):
        fmt.month_name(13)


def test_counts_hide_1_to_4():
    assert [fmt.count(n) for n in (0, 1, 4, 5, 12345)] == ["0", "<5", "<5", "5", f"12{NB}345"]
    assert fmt.count(2, threshold=3) == "<3" and fmt.count(3, threshold=3) == "3"


def test_swedish_collation_puts_a_ring_a_umlaut_o_umlaut_last():
    names = ["Örnäset", "Bergnäset", "Ängesbyn", "Åberget", "Centrum", "Råneå", "Rosvik", "zeta", "Västra", "Wikman"]
    assert sorted(names, key=fmt.sort_key_sv) == ["Bergnäset", "Centrum", "Rosvik", "Råneå", "Västra", "Wikman",
                                                  "zeta", "Åberget", "Ängesbyn", "Örnäset"]


def test_table_is_a_styler_with_swedish_headers_and_numbers():
    df = pd.DataFrame({"year": [2024, 2025], "area": ["Alfa", "Östra"], "value": [1234.56, 0.5],
                       "n": [3, 40], "share": [0.21, 0.3]})
    styler = fmt.table(df, count_cols=["n"], percent_cols=["share"], headers={"share": "Andel"})
    html = styler.to_html()
    for text in ("År", "Område", "Värde", "Antal", "Andel", f"1{NB}234,6", "0,5", "&lt;5", f"21{NB}%", ">2024<"):
        assert text in html, text
    assert "2\u00a0024" not in html  # years without a thousands separator
    assert 'class="row_heading' not in html  # no index


def test_table_passes_the_privacy_gate():
    df = pd.DataFrame({"area": ["A", "B", "C", "D"], "n": [3, 12, 7, 40], "case_number": ["k1", "k2", "k3", "k4"]})
    html = fmt.table(df, count_cols=["n"]).to_html()
    assert "&lt;5" in html and ">–<" in html.replace(" ", "") and ">7<" not in html  # 7 is the secondary partner
    assert "k1" not in html  # private columns never reach the page
    with pytest.raises(KeyError, match="may not be published"):
        fmt.table(df, columns=["area", "case_number"])
    # counts of measures are not declared and are shown as they are
    assert ">3<" in fmt.table(pd.DataFrame({"level": ["a", "b"], "n": [3, 40]})).to_html()


def test_count_is_the_gates_single_count():
    assert [fmt.count(n) for n in ("<5", np.nan, 2.0, 7865)] == ["<5", "–", "<5", f"7{NB}865"]


def test_a_value_that_rounds_to_zero_has_no_minus_sign():
    assert fmt.percent(-0.0004, 1) == "0,0\u00a0%"
    assert fmt.number(-0.04, 1) == "0,0"
    assert fmt.number(-0.4, 0) == "0"
    assert fmt.number(-0.05, 1) == "-0,1"  # rounds away from zero: the sign stays
    assert fmt.percent(-0.021, 1) == "-2,1\u00a0%"

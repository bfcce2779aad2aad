"""The public rule of the residents' summary: counts under 10 hidden through the one gate
(:mod:`trygghet.analysis.disclosure`, ``threshold=PUBLIC_THRESHOLD``), with secondary suppression so
that a hidden count cannot be worked out from a total — checked by hand-computed cases and by the
library's integer-programming attack with the public rule's bounds (1–9)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from trygghet.analysis import disclosure, indicators
from trygghet.reports import format as fmt

T = disclosure.PUBLIC_THRESHOLD


def test_the_public_rule_is_ten_and_every_single_count_gate_takes_it():
    assert T == 10
    assert [disclosure.shown_count(n, T) for n in (0, 1, 9, 10, 11)] == [0, "<10", "<10", 10, 11]
    assert [fmt.count(n, T) for n in (0, 7, 10, 1234)] == ["0", "<10", "10", "1\u00a0234"]
    assert disclosure.suppress_value(9, T) and not disclosure.suppress_value(10, T) and not disclosure.suppress_value(0, T)
    assert "<10" in disclosure.HIDDEN_MARKS


def test_a_line_with_one_small_count_gets_a_partner_that_keeps_it_unknown():
    """Areas 7, 12, 15, 40 with their total published: 7 is hidden ("<10") and the next-smallest
    non-zero cell, 12, too ("–"). The attacker knows x + y = 19 with x in 1..9 and y = 0 or ≥ 10:
    x can be anything in 1..9, so it is not recovered."""
    table = pd.DataFrame({"area": ["A", "B", "C", "D"], "n": [7, 12, 15, 40]})
    shown = disclosure.publishable(table, count_cols=["n"], threshold=T)
    assert list(shown["n"]) == ["<10", "–", 15, 40]
    codes = np.array([1, 2, 0, 0])
    lines = [[(0, 1.0), (1, 1.0), (2, 1.0), (3, 1.0), (4, -1.0)]]
    values = np.array([np.nan, np.nan, 15.0, 40.0, 74.0])
    assert disclosure.recoverable(values, np.append(codes, 0), lines, primary_bounds=(1.0, float(T - 1))) == []
    # the default rule shows all four: nothing is below 5
    assert list(disclosure.publishable(table, count_cols=["n"])["n"]) == [7, 12, 15, 40]


def test_without_the_partner_the_attack_recovers_the_small_count():
    """The check has teeth: hiding 7 alone, the total gives it back."""
    values = np.array([np.nan, 12.0, 15.0, 40.0, 74.0])
    lines = [[(0, 1.0), (1, 1.0), (2, 1.0), (3, 1.0), (4, -1.0)]]
    assert disclosure.recoverable(values, np.array([1, 0, 0, 0, 0]), lines, primary_bounds=(1.0, 9.0)) == [0]


def test_a_cell_already_shown_as_under_ten_counts_as_hidden():
    """A "<10" written earlier is hidden to the gate: its line gets a partner."""
    table = pd.DataFrame({"area": ["A", "B", "C"], "n": ["<10", 25, 31]})
    assert list(disclosure.publishable(table, count_cols=["n"], threshold=T)["n"]) == ["<10", "–", 31]


def test_area_rates_under_the_public_rule_hide_every_area_with_fewer_than_ten_offences(demo_store):
    """indicators.compute(threshold=10) by area: a rate is shown only for 10 offences or more, the
    offences counted again here from the store's rows, and no year has a single hidden area."""
    offences = pd.read_parquet(demo_store / "offences.parquet", columns=["year", "area", "violent"])
    more_hidden = 0
    for ind, rows in (("brott_totalt", offences), ("vald", offences[offences["violent"].fillna(False)])):
        public = indicators.compute(demo_store, ind, by="area", threshold=T)
        default = indicators.compute(demo_store, ind, by="area")
        truth = rows.groupby(["year", "area"]).size()
        more_hidden += int(public["suppressed"].sum() - default["suppressed"].sum())
        for r in public.itertuples(index=False):
            n = int(truth.get((r.year, r.area), 0))
            if 1 <= n < T:
                assert r.suppressed, f"{ind} {r.year} {r.area}: {n} offences shown"
            if not r.suppressed:
                assert n == 0 or n >= T
                same = default[(default["year"] == r.year) & (default["area"] == r.area)]
                assert float(same["value"].iloc[0]) == float(r.value), "a shown rate is the other reports' rate"
        per_year = public.groupby("year")["suppressed"].sum()
        assert (per_year != 1).all(), f"{ind}: a year with one hidden area (the total gives it back)"
    assert more_hidden > 0, "the public rule hides areas the default rule shows"

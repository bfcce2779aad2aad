"""Weighted survey estimation against statsmodels and hand formulas, and the interval's coverage."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from trygghet.analysis import survey
from trygghet.data.errors import DataError, ParameterError


def test_kish_effective_size():
    assert survey.kish_n_eff([1, 1, 1, 1]) == 4
    assert survey.kish_n_eff([1, 3]) == pytest.approx(16 / 10)


@pytest.mark.parametrize("p,n", [(0.2, 50), (0.0, 30), (1.0, 30), (0.5, 12.7), (0.03, 400.4)])
def test_intervals_match_statsmodels(p, n):
    lo, hi = survey.proportion_interval(p, n, 0.05, "wilson")
    assert (lo, hi) == pytest.approx(proportion_confint(p * n, n, alpha=0.05, method="wilson"), abs=1e-12)
    lo, hi = survey.proportion_interval(p, n, 0.10, "korn_graubard")
    assert (lo, hi) == pytest.approx(proportion_confint(p * n, n, alpha=0.10, method="beta"), abs=1e-12)


def test_weighted_share_and_mean_by_hand():
    y = [1, 0, 1, np.nan, 0]
    w = [2.0, 1.0, 1.0, 5.0, 2.0]
    est = survey.weighted_share(y, w)
    assert est["value"] == pytest.approx(3 / 6) and est["n"] == 4 and est["n_eff"] == pytest.approx(36 / 10)
    x = np.array([0.0, 2.0, 4.0, 6.0, 3.0])
    wx = np.array([1.0, 2.0, 1.0, 0.5, 1.5])
    m = (wx * x).sum() / wx.sum()
    se = math.sqrt(5 / 4 * ((wx * (x - m)) ** 2).sum() / wx.sum() ** 2)
    est = survey.weighted_mean(x, wx, 0.05, bounds=(0, 6))
    t = stats.t.ppf(0.975, 4)
    assert est["value"] == pytest.approx(m) and est["se"] == pytest.approx(se)
    assert (est["lower"], est["upper"]) == pytest.approx((max(0, m - t * se), min(6, m + t * se)))


def test_answers_vet_ej_and_any():
    frame = pd.DataFrame({"q_a": pd.array([1, 2, 9, None, 2], dtype="Int64"),
                          "q_b": pd.array([2, 1, 9, None, 9], dtype="Int64")})
    out = survey.answer_any(frame, ["q_a", "q_b"], [1], {"q_a": [9], "q_b": [9]})
    assert out.tolist()[:2] == [1.0, 1.0] and math.isnan(out[2]) and math.isnan(out[3]) and out[4] == 0.0
    score = survey.answer_score(frame, ["q_a", "q_b"], {1: 0, 2: 2, 3: 4, 4: 6}, {"q_a": [9], "q_b": [9]})
    assert score.tolist()[:2] == [1.0, 1.0] and math.isnan(score[2]) and score[4] == 2.0


def test_codebook_errors_and_bad_parameters():
    with pytest.raises(DataError, match="fragor"):
        survey.questions({"enkat": "x"})
    with pytest.raises(DataError, match="poang"):
        survey.score_map({"fragor": []})
    with pytest.raises(ParameterError, match="interval method"):
        survey.proportion_interval(0.2, 10, 0.05, "wald")
    with pytest.raises(ParameterError, match="alpha"):
        survey.proportion_interval(0.2, 10, 0, "wilson")


def test_weighted_interval_covers_the_true_share_about_95_percent():
    """A stratified design like the safety survey's: small areas over-sampled, so weights differ, and the
    share differs between strata. 2 000 seeded draws; the nominal 95 % Wilson interval on Kish's n_eff."""
    rng = np.random.default_rng(20251126)
    sizes = np.array([20000, 5000, 2000])  # population per stratum
    shares = np.array([0.18, 0.25, 0.30])
    sample = np.array([150, 120, 100])  # respondents per stratum
    true = float((sizes * shares).sum() / sizes.sum())
    weights = np.repeat(sizes / sample, sample)
    hits = 0
    draws = 2000
    for _ in range(draws):
        y = np.concatenate([rng.random(n) < p for n, p in zip(sample, shares)]).astype(float)
        est = survey.weighted_share(y, weights, 0.05, "wilson")
        hits += est["lower"] <= true <= est["upper"]
    coverage = hits / draws
    assert 0.93 <= coverage <= 0.97, coverage

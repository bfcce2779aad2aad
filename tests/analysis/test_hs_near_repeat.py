"""The Knox test of repeat and near-repeat victimisation against a hand-computed fixture (observed
pairs, the exact expected pairs and p-values by enumerating every permutation), its seed, and
simulations: planted near-repeats are found, events without them do not make a finding."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from trygghet.analysis.hotspots import near_repeat as nr
from trygghet.data.errors import DataError, ParameterError

# A (0, 0) day 0; B (50, 0) day 3; C (0, 150) day 10; D far away, day 1
X = np.array([0.0, 50.0, 0.0, 1000.0])
Y = np.array([0.0, 0.0, 150.0, 1000.0])
DAYS = np.array([0.0, 3.0, 10.0, 1.0])
BANDS = {"distance_bands": (0, 100, 200), "time_bands": (0, 7, 14)}


def _cell(result, d_from, t_from):
    return result[(result["distance_from"] == d_from) & (result["days_from"] == t_from)].iloc[0]


def _exact(x, y, days, metric="manhattan"):
    """Every permutation of the days: the mean table and P(table >= observed), by brute force."""
    def table(t):
        out = np.zeros((2, 2))
        for i, j in itertools.combinations(range(len(x)), 2):
            d = abs(x[i] - x[j]) + abs(y[i] - y[j]) if metric == "manhattan" else np.hypot(x[i] - x[j], y[i] - y[j])
            dt = abs(t[i] - t[j])
            if d < 200 and dt < 14:
                out[int(d >= 100), int(dt >= 7)] += 1
        return out
    observed = table(days)
    sims = [table(np.array(p)) for p in itertools.permutations(days)]
    return observed, np.mean(sims, axis=0), np.mean([s >= observed for s in sims], axis=0)


def test_knox_matches_the_hand_computed_fixture():
    # pairs within 200 m (Manhattan): A–B 50 m, 3 days; A–C 150 m, 10 days (B–C is 200 m: in no band)
    result = nr.knox(X, Y, DAYS, permutations=1999, seed=7, correction="none", **BANDS)
    assert result["observed"].tolist() == [1, 0, 0, 1]
    # the days {0, 1, 3, 10} give six differences 1, 3, 10, 2, 9, 7: half under 7 days
    observed, expected, p_exact = _exact(X, Y, DAYS)
    assert observed.ravel().tolist() == [1, 0, 0, 1] and expected.ravel() == pytest.approx([0.5] * 4)
    assert result["expected"].to_numpy() == pytest.approx(expected.ravel(), abs=0.04)
    assert _cell(result, 0, 0)["ratio"] == pytest.approx(2.0, abs=0.2)
    # Monte Carlo p = (1 + #sims >= observed) / (R + 1) approaches the exact permutation p
    assert result["pvalue"].to_numpy() == pytest.approx(p_exact.ravel(), abs=0.04)
    assert result.attrs["pairs"] == 2 and result.attrs["events"] == 4


def test_euclidean_metric_and_band_edges():
    # Euclidean: B–C is 158 m and 7 days apart: in [100, 200) m and [7, 14) days (left-closed bands)
    result = nr.knox(X, Y, DAYS, permutations=99, metric="euclidean", **BANDS)
    assert result["observed"].tolist() == [1, 0, 0, 2]
    observed, _, _ = _exact(X, Y, DAYS, metric="euclidean")
    assert observed.ravel().tolist() == [1, 0, 0, 2]


def test_same_seed_same_pvalues_and_dates_are_days():
    dates = pd.Series(pd.to_datetime("2025-03-01") + pd.to_timedelta(DAYS, unit="D"))
    a = nr.knox(X, Y, dates, permutations=199, seed=11, **BANDS)
    b = nr.knox(X, Y, DAYS, permutations=199, seed=11, **BANDS)
    pd.testing.assert_frame_equal(a, b)
    c = nr.knox(X, Y, DAYS, permutations=199, seed=12, **BANDS)
    assert not np.array_equal(a["pvalue"].to_numpy(), c["pvalue"].to_numpy())


def _events(rng, n=300, near=0):
    x, y = rng.uniform(0, 4000, n), rng.uniform(0, 4000, n)
    t = rng.uniform(0, 365, n)
    if near:  # each planted follower within 60 m and 5 days of a random earlier event
        src = rng.integers(0, n, near)
        x = np.concatenate([x, x[src] + rng.uniform(-30, 30, near)])
        y = np.concatenate([y, y[src] + rng.uniform(-30, 30, near)])
        t = np.concatenate([t, t[src] + rng.uniform(0, 5, near)])
    return x, y, np.floor(t)


def test_planted_near_repeats_are_found_and_random_events_make_no_finding():
    rng = np.random.default_rng([2580, 1106])
    findings = 0
    for i in range(20):  # the family-wise rate is about 3 % (measured on 60 sets): more than 3 of 20 is a fault
        x, y, t = _events(rng)
        findings += nr.elevated_risk(nr.knox(x, y, t, permutations=999, seed=i)) is not None
    assert findings <= 3
    x, y, t = _events(rng, near=60)
    result = nr.knox(x, y, t, permutations=999, seed=1)  # BH over 30 cells needs p < 0.05/30
    found = nr.elevated_risk(result)
    assert found is not None and found["distance_to"] <= 200 and found["days_to"] <= 14
    assert _cell(result, 1, 0)["ratio"] > 3


def test_bad_input_says_what_to_do():
    with pytest.raises(ParameterError, match="increasing"):
        nr.knox(X, Y, DAYS, distance_bands=(100, 0))
    with pytest.raises(ParameterError, match="metric"):
        nr.knox(X, Y, DAYS, metric="network")
    with pytest.raises(DataError, match="at least 2"):
        nr.knox(X[:1], Y[:1], DAYS[:1])

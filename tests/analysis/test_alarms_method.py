"""The alarms (trygghet.analysis.alarms): the limit against scipy's quantiles, the expected level against a
hand-known mean, and small simulations of what the method's name promises (the full version is
benchmarks/bench_alarms.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from trygghet.analysis import alarms
from trygghet.data.errors import ParameterError


@pytest.mark.parametrize("mu,phi,level", [(10.0, 1.0, 0.05), (3.2, 1.0, 0.001), (10.0, 2.0, 0.01), (40.0, 1.5, 0.0005)])
def test_limit_is_the_quantile_of_scipy(mu, phi, level):
    """Without uncertainty in mu and phi, the limit is the smallest k with P(X > k) <= level."""
    if phi == 1.0:
        expected = stats.poisson.ppf(1 - level, mu)
        tail = stats.poisson.sf(expected - 1, mu)
    else:
        expected = stats.nbinom.ppf(1 - level, mu / (phi - 1), 1 / phi)
        tail = stats.nbinom.sf(expected - 1, mu / (phi - 1), 1 / phi)
    assert alarms._limit(mu, 0.0, np.array([phi]), level) == int(expected)
    assert alarms._tail(expected, mu, 0.0, np.array([phi])) == pytest.approx(tail, rel=1e-9)


def test_uncertainty_raises_the_limit():
    assert alarms._limit(10.0, 0.3, np.array([1.0]), 0.01) > alarms._limit(10.0, 0.0, np.array([1.0]), 0.01)
    assert alarms._limit(10.0, 0.0, np.array([1.0, 2.0]), 0.01) > alarms._limit(10.0, 0.0, np.array([1.0]), 0.01)


def test_expected_level_of_a_flat_series_is_its_mean():
    """A flat series: the fitted level is the history's mean (the Poisson GLM's intercept is log of it)."""
    y = np.array([4, 6, 5, 5, 3, 7, 5, 5] * 10)
    fitted = alarms.fit_expected(y, "week", alarms.Settings().resolved("week"), horizon=4)
    assert fitted["mu"] == pytest.approx(np.full(4, 5.0), rel=0.02)
    assert fitted["phi"] >= 1.0


def test_too_little_history_gives_no_expected_level():
    s = alarms.Settings().resolved("week")
    assert alarms.fit_expected(np.zeros(100), "week", s, horizon=4) is None
    assert alarms.fit_expected(np.array([1, 0, 0, 1, 0, 0, 1, 0, 1]), "week", s, horizon=4) is None


def test_in_control_series_alarm_at_most_at_the_nominal_rate():
    """300 simulated in-control series (trend, season, overdispersion), each tested once with its two
    tests at alpha/2: the share with an alarm stays near or below alpha (5 %; allowance for 300 draws)."""
    rng = np.random.default_rng(7)
    s = alarms.Settings(alpha=0.05).resolved("week")
    fired = 0
    for _ in range(300):
        y = alarms.simulate_counts(rng, 156, rng.uniform(2, 15), phi=rng.uniform(1.0, 1.5),
                                   trend=rng.uniform(-0.1, 0.1), season=0.3)
        res = alarms.test_series(y[:156 - s.window - s.guard], y[156 - s.window:], "week", s, n_tests=2)
        fired += bool(res and res["alarm"])
    assert fired / 300 <= 0.05 + 2.5 * np.sqrt(0.05 * 0.95 / 300)


def test_a_doubling_is_found_within_four_weeks():
    """A sustained +100 % step at 15 a week, tested as one of 40 series (Bonferroni over 80 tests):
    found within four weeks in most of 40 simulated series (the benchmark's target is 80 %)."""
    rng = np.random.default_rng(11)
    s = alarms.Settings().resolved("week")
    found = 0
    for _ in range(40):
        y = alarms.simulate_counts(rng, 156, 15.0, phi=1.2, trend=0.0, season=0.3, step_at=152, step_factor=2.0)
        for week in range(152, 156):
            res = alarms.test_series(y[:week - s.window + 1 - s.guard], y[week - s.window + 1: week + 1], "week", s,
                                     n_tests=80)
            if res and res["alarm"]:
                found += 1
                break
    assert found / 40 >= 0.75


def _frame(series: dict[tuple[str, str], np.ndarray], start="2023-01-02") -> pd.DataFrame:
    periods = pd.date_range(start, periods=len(next(iter(series.values()))), freq="W-MON")
    rows = [pd.DataFrame({"source": "est", "area": a, "category": c, "period": periods, "count": v})
            for (a, c), v in series.items()]
    return pd.concat(rows, ignore_index=True)


def test_alarm_table_bonferroni_over_the_tested_series():
    rng = np.random.default_rng(3)
    quiet = {("A", f"typ{i}"): rng.poisson(6.0, 130) for i in range(5)}
    spike = rng.poisson(6.0, 130)
    spike[-1] = 40
    sparse = np.zeros(130, dtype=int)
    sparse[[5, 60]] = 1
    frame = _frame({**quiet, ("B", "klotter"): spike, ("C", "brand"): sparse})
    table = alarms.alarm_table(frame, frame["period"].max(), "week")
    assert len(table) == 6  # the sparse series has no expected level and is not tested
    assert (table["n_tests"] == 12).all()
    assert table["level"].iloc[0] == pytest.approx(0.05 / 12)
    assert list(table.loc[table["alarm"], ["area", "category"]].itertuples(index=False, name=None)) == [("B", "klotter")]
    assert table.iloc[0]["observed"] == 40 and bool(table.iloc[0]["alarm_period"])


def test_new_series_are_reports_where_none_were():
    y = np.zeros(30, dtype=int)
    y[[2, 5]] = 1
    y[-1] = 2
    steady = np.ones(30, dtype=int)
    frame = _frame({("A", "brand"): y, ("B", "klotter"): steady})
    new = alarms.new_series(frame, frame["period"].max(), "week", quiet=8)
    assert list(new[["area", "category", "observed"]].itertuples(index=False, name=None)) == [("A", "brand", 2)]


def test_settings_are_checked():
    with pytest.raises(ParameterError, match="alpha"):
        alarms.Settings(alpha=1.5).resolved("week")
    with pytest.raises(ParameterError, match="correction"):
        alarms.Settings(correction="holm").resolved("week")
    with pytest.raises(ParameterError, match="frequency"):
        alarms.Settings().resolved("day")

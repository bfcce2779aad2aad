"""Alarms with a controlled false-alarm rate: is a count of this week (or month) above what is expected?

Count series per area × category, weekly (ISO weeks, Monday first) or monthly, for three sources:
offences (``brott``, by analysis category), municipal incident reports (``kommunala``, by type) and EST
observations (``est``, by type). For each series and tested period the expected count comes from a
regression in the style of the improved Farrington method used in public-health surveillance
(Farrington et al. 1996; Noufaily et al. 2013):

- a quasi-Poisson GLM (statsmodels, Pearson dispersion ``phi`` ≥ 1) on the series' history, with a
  seasonal term (one pair of annual Fourier terms when the history spans a year) and a linear trend
  (when the history spans a year) dropped when its p-value is ``trend_p`` or more (default 1.0: kept,
  because dropping an undetected trend of a short history raised the false alarms of the 4-week sum to
  twice the nominal rate in simulation) or when it predicts beyond the history's maximum;
- the tested window and the ``guard`` periods before it left out of the history (8 weeks / 3 months;
  the improved method uses 26 weeks, but a short history extrapolated over half a year gave limits so
  wide that a doubling went unseen), so a rise that has begun does not raise its own expected level;
- past outbreaks down-weighted: observations with an Anscombe residual above 2.58 get the weight
  ``γ·r⁻²`` and the model is refitted once (the dispersion is the larger of the two fits': the weights
  alone would shrink it and raise the false alarms);
- the upper limit is the ``1 − level`` quantile of a negative binomial with mean ``μ`` and variance
  ``φ·μ``, mixed over the uncertainty of the fitted ``μ`` (log-normal, Gauss–Hermite nodes) and of
  ``φ`` (Pearson's estimate taken as ``φ·χ²(df)/df``, its degrees of freedom lowered by the Pearson
  residuals' excess kurtosis: five equal-weight quantile nodes).

Two counts are tested per series: the period's own and the sum of the last ``window`` periods (4 weeks or
3 months), which catches a sustained rise of counts too small for one week to stand out. **Multiplicity**:
with ``correction="bonferroni"`` (default) every test of a period uses ``level = alpha / n_tests``,
``n_tests`` being the number of tests made that period over all series (two per series with an expected
level), so the probability that a period shows at least one false alarm is at most ``alpha``
(``benchmarks/bench_alarms.py`` measures it). ``correction="none"`` tests each series at ``alpha``.

A series whose history holds fewer than ``min_history_count`` events has no expected level: it is not
tested (and not counted in ``n_tests``); :func:`new_series` lists what appears where nothing was before.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from trygghet.data import store as store_mod
from trygghet.data.errors import ParameterError

__all__ = ["SOURCES", "FREQUENCIES", "Settings", "period_start", "count_series", "fit_expected",
           "test_series", "alarm_table", "new_series", "simulate_counts"]

SOURCES = ("brott", "kommunala", "est")
FREQUENCIES = ("week", "month")
_PERIODS_PER_YEAR = {"week": 365.25 / 7.0, "month": 12.0}
_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite_e.hermegauss(9)
_GH_WEIGHTS = _GH_WEIGHTS / _GH_WEIGHTS.sum()
#: a prediction whose log has a standard error above this (a factor of 2.7) gives no expected level
_MAX_SE_LOG = 1.0
_PHI_NODES = 5


@dataclass(frozen=True)
class Settings:
    """The method's parameters (defaults documented in ``docs/alarms.md``)."""

    alpha: float = 0.05            # family-wise false-alarm rate per tested period
    correction: str = "bonferroni"  # or "none"
    window: int | None = None      # periods summed in the second test (default 4 weeks / 3 months)
    guard: int | None = None       # periods left out between history and tested window (default 8 weeks / 3 months)
    trend_p: float = 1.0           # a trend is kept when its p-value is below this (1.0: always, see docs)
    reweight_at: float = 2.58      # Anscombe residual above which an observation is down-weighted
    min_history_count: int = 5     # fewer events in the history: no expected level

    def resolved(self, freq: str) -> Settings:
        if freq not in FREQUENCIES:
            raise ParameterError(f"frequency must be one of {', '.join(FREQUENCIES)}, got {freq!r}")
        if not 0.0 < self.alpha < 1.0:
            raise ParameterError(f"alpha must be between 0 and 1, got {self.alpha!r}")
        if self.correction not in ("bonferroni", "none"):
            raise ParameterError(f"correction must be 'bonferroni' or 'none', got {self.correction!r}")
        window = self.window if self.window is not None else (4 if freq == "week" else 3)
        guard = self.guard if self.guard is not None else (8 if freq == "week" else 3)
        return Settings(self.alpha, self.correction, int(window), int(guard), self.trend_p, self.reweight_at,
                        self.min_history_count)


def period_start(dates, freq: str) -> pd.DatetimeIndex:
    """The first day of each date's ISO week (Monday) or month."""
    d = pd.DatetimeIndex(pd.to_datetime(dates)).normalize()
    if freq == "week":
        return d - pd.to_timedelta(d.day_of_week, unit="D")
    return d.to_period("M").to_timestamp()


def count_series(store, source: str, freq: str) -> pd.DataFrame:
    """Counts per ``area``, ``category`` and ``period`` (start date) of one source, zeros included.

    Columns: ``source, area, category, period, count``; periods run from the first to the last period
    the source's data touches (the last one may be partly covered: :func:`alarm_table` tests only
    periods the data covers). Offences without an area and with an unknown code are left out.
    """
    if source == "brott":
        t = store_mod.read_table(store, "offences")
        t = t.loc[t["area"].notna() & (t["category"] != "okand")]
        frame = pd.DataFrame({"date": t["start"], "area": t["area"], "category": t["category"], "n": 1})
    elif source == "kommunala":
        t = store_mod.read_table(store, "municipal_incidents")
        t = t.loc[t["area"].notna()]
        frame = pd.DataFrame({"date": t["date"], "area": t["area"], "category": t["type"], "n": 1})
    elif source == "est":
        t = store_mod.read_table(store, "est_reports")
        frame = pd.DataFrame({"date": t["date"], "area": t["area"], "category": t["type"], "n": t["count"]})
    else:
        raise ParameterError(f"source must be one of {', '.join(SOURCES)}, got {source!r}")
    cols = ["source", "area", "category", "period", "count"]
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols}).astype({"count": "int64"})
    frame["period"] = period_start(frame["date"], freq)
    counts = frame.groupby(["area", "category", "period"], observed=True)["n"].sum()
    periods = pd.date_range(frame["period"].min(), frame["period"].max(),
                            freq="W-MON" if freq == "week" else "MS")
    keys = counts.reset_index()[["area", "category"]].drop_duplicates()
    full = pd.MultiIndex.from_arrays([np.repeat(keys["area"].to_numpy(), len(periods)),
                                      np.repeat(keys["category"].to_numpy(), len(periods)),
                                      np.tile(periods.to_numpy(), len(keys))], names=["area", "category", "period"])
    out = counts.reindex(full, fill_value=0).rename("count").reset_index()
    out.insert(0, "source", source)
    out["area"] = out["area"].astype(str)
    out["category"] = out["category"].astype(str)
    return out[cols].astype({"count": "int64"})


def fit_expected(y: np.ndarray, freq: str, settings: Settings, horizon: int) -> dict | None:
    """Fit the model to the history ``y`` (one count per period, oldest first) and predict the next
    ``guard`` + ``horizon`` periods; returns the ``horizon`` predictions after the guard.

    Returns ``None`` when the history is too short or too sparse, else a dict with ``mu`` (array of
    ``horizon`` expected counts), ``cov_log`` (covariance of their logs), ``phi`` (dispersion ≥ 1),
    ``trend`` (whether a trend was kept) and ``n_history``.
    """
    s = settings
    y = np.asarray(y, dtype=float)
    n = y.size
    per_year = _PERIODS_PER_YEAR[freq]
    if n < max(8, s.window) or y.sum() < s.min_history_count:
        return None
    t_hist = np.arange(n, dtype=float)
    t_pred = n + s.guard + np.arange(horizon, dtype=float)
    seasonal = n >= per_year

    def design(t: np.ndarray, trend: bool) -> np.ndarray:
        cols = [np.ones_like(t)]
        if trend:
            cols.append(t / per_year)
        if seasonal:
            cols += [np.sin(2 * np.pi * t / per_year), np.cos(2 * np.pi * t / per_year)]
        return np.column_stack(cols)

    def fit(trend: bool, weights: np.ndarray | None):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = sm.GLM(y, design(t_hist, trend), family=sm.families.Poisson(), var_weights=weights)
            return model.fit(scale="X2")

    trend = n >= per_year
    res = fit(trend, None)
    phi_all = float(res.scale)  # dispersion of the whole history (the weights would shrink it)
    weights = _farrington_weights(y, res.fittedvalues, max(phi_all, 1.0), s.reweight_at)
    res = fit(trend, weights)
    if trend:
        x_new = design(t_pred, True)
        mu_try = np.exp(x_new @ res.params)
        if res.pvalues[1] >= s.trend_p or mu_try.max() > y.max():
            trend = False
            res = fit(False, weights)
    x_new = design(t_pred, trend)
    phi = max(float(res.scale), phi_all, 1.0)
    cov = np.asarray(res.cov_params()) * (phi / res.scale if res.scale > 0 else 1.0)
    if not np.isfinite(cov).all() or np.sqrt(np.diag(x_new @ cov @ x_new.T)).max() > _MAX_SE_LOG:
        if not trend:
            return None  # the history does not pin the level down: no expected level
        res = fit(False, weights)
        x_new, trend = design(t_pred, False), False
        phi = max(float(res.scale), phi_all, 1.0)
        cov = np.asarray(res.cov_params()) * (phi / res.scale if res.scale > 0 else 1.0)
        if not np.isfinite(cov).all() or np.sqrt(np.diag(x_new @ cov @ x_new.T)).max() > _MAX_SE_LOG:
            return None
    # the dispersion's own uncertainty: Pearson's estimate is phi · chi²(df)/df, so the limit mixes over
    # the phi that could have given it (equal-weight quantile nodes), never below 1 (Poisson)
    # (with Pearson residuals' excess kurtosis k, Var(phi_hat) = phi²·(2/df + k/n): fewer effective df)
    raw, df = max(float(res.scale), phi_all), max(float(res.df_resid), 1.0)
    r = np.asarray(res.resid_pearson, dtype=float)
    kurt = float(np.mean(r ** 4) / max(np.mean(r ** 2), 1e-12) ** 2 - 3.0) if r.size else 0.0
    df = max(2.0 / (2.0 / df + max(kurt, 0.0) / n), 1.0)
    phis = np.maximum(raw * df / stats.chi2.ppf((np.arange(_PHI_NODES) + 0.5) / _PHI_NODES, df), 1.0)
    return {"mu": np.exp(x_new @ res.params), "cov_log": x_new @ cov @ x_new.T, "phi": phi, "phis": phis,
            "trend": trend,
            "n_history": n}


def _farrington_weights(y: np.ndarray, mu: np.ndarray, phi: float, cut: float) -> np.ndarray:
    r = 1.5 * (y ** (2 / 3) - mu ** (2 / 3)) / (np.maximum(mu, 1e-9) ** (1 / 6) * np.sqrt(phi))
    w = np.where(r > cut, 1.0 / np.maximum(r, 1e-9) ** 2, 1.0)
    return w * (y.size / w.sum())


def _tail(x: float, mu: float, se_log: float, phis: np.ndarray) -> float:
    """P(X >= x) for X negative binomial (mean mu, variance phi*mu) mixed over log-normal mu and the
    dispersions ``phis`` (equal weights)."""
    return float(_tails(np.array([x], dtype=float), mu, se_log, phis)[0])


def _tails(xs: np.ndarray, mu: float, se_log: float, phis: np.ndarray) -> np.ndarray:
    """:func:`_tail` for every value of ``xs`` at once (one scipy call per kind of distribution)."""
    mus = mu * np.exp(se_log * _GH_NODES)
    phis = np.atleast_1d(np.asarray(phis, dtype=float))
    k = xs[:, None] - 1.0
    total = np.zeros(xs.size)
    poisson = phis <= 1.0 + 1e-9
    if poisson.any():
        total += poisson.sum() * (stats.poisson.sf(k, mus[None, :]) @ _GH_WEIGHTS)
    nb = phis[~poisson]
    if nb.size:
        m = np.repeat(mus, nb.size)  # mu-major grid of (mu, phi)
        ph = np.tile(nb, mus.size)
        w = np.repeat(_GH_WEIGHTS, nb.size)
        total += stats.nbinom.sf(k, (m / (ph - 1.0))[None, :], (1.0 / ph)[None, :]) @ w
    return total / phis.size


def _limit(mu: float, se_log: float, phis: np.ndarray, level: float) -> int:
    """The upper limit: the smallest k with P(X > k) <= level (P(X > k) = P(X >= k + 1))."""
    lo, hi = -1, max(int(np.ceil(mu)), 1)
    while _tail(hi + 1, mu, se_log, phis) > level:  # P(X > lo) > level >= P(X > hi) after this loop
        lo, hi = hi, hi * 2
    ks = np.arange(lo + 1, hi + 1)
    ok = np.flatnonzero(_tails(ks + 1.0, mu, se_log, phis) <= level)
    return int(ks[ok[0]]) if ok.size else int(hi)


def test_series(history: np.ndarray, recent: np.ndarray, freq: str, settings: Settings = Settings(),
                n_tests: int = 2) -> dict | None:
    """Test one series: the last value of ``recent`` and the sum of its last ``window`` values.

    ``history`` is what the model sees (it ends ``guard`` periods before ``recent`` begins), ``recent``
    the periods up to and including the tested one. ``n_tests`` is the number of tests made in the
    period over all series (for the correction). Returns observed, expected, limit, p-value and alarm
    for the period and the window, or ``None`` when the history gives no expected level.
    """
    s = settings.resolved(freq)
    fitted = fit_expected(history, freq, s, horizon=len(recent))
    return None if fitted is None else _evaluate(fitted, np.asarray(recent, dtype=float), s, n_tests)


def _evaluate(fitted: dict, recent: np.ndarray, s: Settings, n_tests: int) -> dict:
    level = s.alpha / n_tests if s.correction == "bonferroni" else s.alpha
    mu, cov, phi = fitted["mu"], fitted["cov_log"], fitted["phis"]
    obs = float(recent[-1])
    se1 = float(np.sqrt(max(cov[-1, -1], 0.0)))
    w = min(s.window, len(recent))
    mu_w = mu[-w:]
    g = mu_w / mu_w.sum()
    se_w = float(np.sqrt(max(g @ cov[-w:, -w:] @ g, 0.0)))
    obs_w = float(np.sum(recent[-w:]))
    lim1 = _limit(mu[-1], se1, phi, level)
    limw = _limit(mu_w.sum(), se_w, phi, level)
    return {"observed": obs, "expected": float(mu[-1]), "limit": lim1, "p_value": _tail(obs, mu[-1], se1, phi),
            "observed_window": obs_w, "expected_window": float(mu_w.sum()), "limit_window": limw,
            "p_value_window": _tail(obs_w, mu_w.sum(), se_w, phi), "phi": fitted["phi"], "trend": fitted["trend"],
            "level": level, "alarm_period": obs > lim1, "alarm_window": obs_w > limw,
            "alarm": bool(obs > lim1 or obs_w > limw)}


def alarm_table(series: pd.DataFrame, period, freq: str, settings: Settings = Settings()) -> pd.DataFrame:
    """Test every series of ``series`` (from :func:`count_series`, one or several sources) at ``period``.

    One row per series with an expected level and an event in the window: ``source, area, category,
    period, observed, expected, limit, observed_window, expected_window, limit_window, p_value,
    p_value_window, phi, trend, n_tests, level, alarm_period, alarm_window, alarm`` — sorted with the
    alarms first, by p-value. The model sees the periods before ``period − guard − (window − 1)``;
    ``n_tests`` (2 per tested series) sets the Bonferroni level. A series with enough history but no
    event in the window cannot alarm: it counts among the tests (so the level is the same as if it had
    been fitted, or stricter) but is not fitted, which halves the work of a week.
    """
    s = settings.resolved(freq)
    target = period_start([period], freq)[0]
    step = pd.DateOffset(weeks=1) if freq == "week" else pd.DateOffset(months=1)
    first_recent = target - step * (s.window - 1)
    end_history = first_recent - step * s.guard
    fits, quiet = [], 0
    ordered = series.sort_values(["source", "area", "category", "period"], kind="stable")
    t64, h64, r64 = (np.datetime64(x, "ns") for x in (target, end_history, first_recent))
    for key, g in ordered.groupby(["source", "area", "category"], sort=True):
        when = g["period"].to_numpy(dtype="datetime64[ns]")
        if not (when == t64).any():
            continue
        counts = g["count"].to_numpy()
        hist = counts[when < h64]
        recent = counts[(when >= r64) & (when <= t64)]
        if len(hist) < max(8, s.window) or hist.sum() < s.min_history_count:
            continue  # no expected level (fit_expected's own rule): not tested
        if recent.sum() == 0:
            quiet += 1  # nothing in the window cannot alarm: counted among the tests, not fitted
            continue
        fitted = fit_expected(hist, freq, s, horizon=len(recent))
        if fitted is not None:
            fits.append((key, fitted, recent.astype(float)))
    n_tests = 2 * (len(fits) + quiet)
    rows = [{"source": source, "area": area, "category": category, "period": target,
             **_evaluate(fitted, recent, s, n_tests), "n_tests": n_tests}
            for (source, area, category), fitted, recent in fits]
    cols = ["source", "area", "category", "period", "observed", "expected", "limit", "observed_window",
            "expected_window", "limit_window", "p_value", "p_value_window", "phi", "trend", "n_tests", "level",
            "alarm_period", "alarm_window", "alarm"]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    out = pd.DataFrame(rows)[cols]
    out["_p"] = np.minimum(out["p_value"], out["p_value_window"])
    return out.sort_values(["alarm", "_p", "source", "area", "category"], ascending=[False, True, True, True, True],
                           kind="stable").drop(columns="_p").reset_index(drop=True)


def new_series(series: pd.DataFrame, period, freq: str, quiet: int = 8) -> pd.DataFrame:
    """Series with events in ``period`` and none in the ``quiet`` periods before it (what is new).

    Columns ``source, area, category, period, observed``."""
    target = period_start([period], freq)[0]
    step = pd.DateOffset(weeks=1) if freq == "week" else pd.DateOffset(months=1)
    start = target - step * quiet
    now = series.loc[series["period"] == target]
    before = series.loc[(series["period"] >= start) & (series["period"] < target)]
    had = before.groupby(["source", "area", "category"])["count"].sum()
    keyed = now.set_index(["source", "area", "category"])
    prior = had.reindex(keyed.index).fillna(0).to_numpy()
    has_history = had.reindex(keyed.index).notna().to_numpy()
    mask = (keyed["count"].to_numpy() > 0) & (prior == 0) & has_history
    out = keyed.loc[mask].reset_index()
    return out.rename(columns={"count": "observed"})[["source", "area", "category", "period", "observed"]]


def simulate_counts(rng: np.random.Generator, n: int, mean: float, *, phi: float = 1.0, trend: float = 0.0,
                    season: float = 0.0, freq: str = "week", step_at: int | None = None,
                    step_factor: float = 1.0) -> np.ndarray:
    """A simulated count series for tests and the benchmark: negative binomial (variance ``phi``·mean)
    around ``mean`` × yearly ``trend`` (relative, e.g. 0.05) × a seasonal wave of relative amplitude
    ``season``; from index ``step_at`` on, the mean is multiplied by ``step_factor``."""
    per_year = _PERIODS_PER_YEAR[freq]
    t = np.arange(n, dtype=float)
    mu = mean * (1.0 + trend) ** (t / per_year) * (1.0 + season * np.sin(2 * np.pi * t / per_year))
    if step_at is not None:
        mu[step_at:] *= step_factor
    if phi <= 1.0:
        return rng.poisson(mu)
    return rng.negative_binomial(mu / (phi - 1.0), 1.0 / phi)

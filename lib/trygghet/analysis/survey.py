"""Weighted estimation for the safety survey and the youth survey.

Methods (the indicator page and the reports cite these):

- **Weights**: the design weight ``weight`` of the store (1.0 when missing). A weighted share is
  ``p = Σ w·y / Σ w`` over the respondents who answered (codes listed as ``vet_ej`` in the codebook and
  missing answers are left out).
- **Effective sample size** (Kish 1965): ``n_eff = (Σ w)² / Σ w²``. Unequal weights make the sample worth
  fewer respondents than it has; ``n_eff`` is the size a simple random sample with the same precision
  would have.
- **Interval for a share** (parameter ``method``): ``"wilson"`` (default) — Wilson's score interval with
  ``n_eff`` in place of n and ``p·n_eff`` as the count; it stays inside 0–1 and keeps close to nominal
  coverage for shares near 0 or 1. ``"korn_graubard"`` — Korn & Graubard (1998): the Clopper–Pearson
  (beta) interval on ``n_eff`` and ``p·n_eff``; conservative (coverage at or above nominal).
- **Mean (problem index)**: the weighted mean ``m = Σ w·x / Σ w`` with the Taylor-linearised standard
  error of a ratio estimator under with-replacement sampling,
  ``se² = n/(n−1) · Σ (w_i (x_i − m))² / (Σ w)²``, and the interval ``m ± t_{n−1, 1−α/2} · se``,
  clipped to the scale (0–6 for the problem index).
- **Problem index** of a respondent: the mean of the scored answers (codebook ``problemindex.poang``:
  1 → 0, 2 → 2, 3 → 4, 4 → 6) over the items the respondent answered; a respondent who answered none is
  left out. An area's index is the weighted mean of its respondents' indices.
- **"Any of several questions"** (exposed to any crime, any own offending): yes when any answered item is
  yes, no when at least one item is answered and none is yes, left out when none is answered.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from trygghet.data.errors import DataError, ParameterError

__all__ = [
    "INTERVAL_METHODS",
    "DEFAULT_INTERVAL",
    "kish_n_eff",
    "proportion_interval",
    "weighted_share",
    "weighted_mean",
    "questions",
    "score_map",
    "answer_any",
    "answer_score",
    "estimate_groups",
]

INTERVAL_METHODS = ("wilson", "korn_graubard")
DEFAULT_INTERVAL = "wilson"


def kish_n_eff(weights: Iterable[float]) -> float:
    """Kish's effective sample size ``(Σ w)² / Σ w²`` (0 for no weights)."""
    w = np.asarray(list(weights) if not isinstance(weights, (np.ndarray, pd.Series)) else weights, dtype=float)
    w = w[~np.isnan(w)]
    s2 = float(np.sum(w * w))
    return float(np.sum(w)) ** 2 / s2 if s2 > 0 else 0.0


def proportion_interval(p: float, n_eff: float, alpha: float = 0.05, method: str = DEFAULT_INTERVAL
                        ) -> tuple[float, float]:
    """Two-sided ``1 − alpha`` interval for a share ``p`` estimated with effective size ``n_eff``."""
    _check_alpha(alpha)
    if method not in INTERVAL_METHODS:
        raise ParameterError(f"interval method '{method}' is unknown; use one of {', '.join(INTERVAL_METHODS)}")
    if not n_eff > 0 or p is None or math.isnan(p):
        return (math.nan, math.nan)
    if method == "wilson":
        z = stats.norm.ppf(1 - alpha / 2)
        z2n = z * z / n_eff
        centre = (p + z2n / 2) / (1 + z2n)
        half = z / (1 + z2n) * math.sqrt(p * (1 - p) / n_eff + z * z / (4 * n_eff * n_eff))
        return (max(0.0, centre - half), min(1.0, centre + half))
    x = p * n_eff
    lo = 0.0 if x <= 0 else float(stats.beta.ppf(alpha / 2, x, n_eff - x + 1))
    hi = 1.0 if x >= n_eff else float(stats.beta.ppf(1 - alpha / 2, x + 1, n_eff - x))
    return (lo, hi)


def weighted_share(y: Sequence[float], w: Sequence[float], alpha: float = 0.05,
                   method: str = DEFAULT_INTERVAL) -> dict:
    """Weighted share of ``y == 1`` among non-missing ``y``.

    Returns ``value, lower, upper, numerator (Σ w·y), denominator (Σ w), n (respondents), n_eff, se``.
    """
    y_arr, w_arr, n, sw = _answered(y, w)
    if n == 0 or sw <= 0:
        return _empty(n)
    num = float(np.sum(w_arr * y_arr))
    p = num / sw
    n_eff = kish_n_eff(w_arr)
    lo, hi = proportion_interval(p, n_eff, alpha, method)
    se = math.sqrt(p * (1 - p) / n_eff) if n_eff > 0 else math.nan
    return {"value": p, "lower": lo, "upper": hi, "numerator": num, "denominator": sw, "n": n,
            "n_eff": n_eff, "se": se}


def weighted_mean(x: Sequence[float], w: Sequence[float], alpha: float = 0.05,
                  bounds: tuple[float, float] | None = None) -> dict:
    """Weighted mean with a linearised standard error and a t interval (see the module's notes)."""
    _check_alpha(alpha)
    x_arr, w_arr, n, sw = _answered(x, w)
    if n == 0 or sw <= 0:
        return _empty(n)
    m = float(np.sum(w_arr * x_arr) / sw)
    n_eff = kish_n_eff(w_arr)
    if n > 1:
        resid = w_arr * (x_arr - m)
        se = math.sqrt(n / (n - 1) * float(np.sum(resid * resid)) / (sw * sw))
        t = stats.t.ppf(1 - alpha / 2, n - 1)
        lo, hi = m - t * se, m + t * se
    else:
        se, lo, hi = math.nan, math.nan, math.nan
    if bounds is not None and not math.isnan(lo):
        lo, hi = max(bounds[0], lo), min(bounds[1], hi)
    return {"value": m, "lower": lo, "upper": hi, "numerator": float(np.sum(w_arr * x_arr)), "denominator": sw,
            "n": n, "n_eff": n_eff, "se": se}


def questions(codebook: Mapping, source: str = "codebook") -> dict[str, dict]:
    """The codebook's questions by id, with answer codes as ints (JSON turns them into text)."""
    items = codebook.get("fragor") if isinstance(codebook, Mapping) else None
    if not isinstance(items, list):
        raise DataError(source, "the codebook has no list 'fragor'", "check the survey's *_kodbok.yaml and re-run ingest")
    out = {}
    for q in items:
        qid = q.get("id")
        svar = {int(k): v for k, v in (q.get("svar") or {}).items()}
        out[qid] = {**q, "svar": svar, "vet_ej": [int(c) for c in (q.get("vet_ej") or [])]}
    return out


def score_map(codebook: Mapping, source: str = "codebook") -> dict[int, float]:
    """The problem index's scoring ``{answer code: points}`` from ``problemindex.poang``."""
    scoring = (codebook.get("problemindex") or {}).get("poang") if isinstance(codebook, Mapping) else None
    if not scoring:
        raise DataError(source, "the codebook has no problem-index scoring (problemindex.poang)",
                        "add problemindex: {poang: {1: 0, 2: 2, 3: 4, 4: 6}} to the codebook")
    return {int(k): float(v) for k, v in scoring.items()}


def answer_any(frame: pd.DataFrame, qids: Sequence[str], yes: Iterable[int],
               vet_ej: Mapping[str, Iterable[int]]) -> pd.Series:
    """Per respondent: 1.0 when any answered item is in ``yes``, 0.0 when answered but none is, NaN else."""
    yes_set = {int(c) for c in yes}
    answered = pd.DataFrame(index=frame.index)
    hit = pd.DataFrame(index=frame.index)
    for q in qids:
        codes = pd.to_numeric(frame[q], errors="coerce").astype("float64")
        valid = codes.notna() & ~codes.isin([float(c) for c in vet_ej.get(q, [])])
        answered[q] = valid
        hit[q] = valid & codes.isin([float(c) for c in yes_set])
    out = hit.any(axis=1).astype("float64")
    out[~answered.any(axis=1)] = np.nan
    return out


def answer_score(frame: pd.DataFrame, qids: Sequence[str], scoring: Mapping[int, float],
                 vet_ej: Mapping[str, Iterable[int]]) -> pd.Series:
    """Per respondent: the mean score over the answered items (NaN when none is answered)."""
    scores = pd.DataFrame(index=frame.index)
    mapping = {float(k): float(v) for k, v in scoring.items()}
    for q in qids:
        codes = pd.to_numeric(frame[q], errors="coerce").astype("float64")
        codes = codes.where(~codes.isin([float(c) for c in vet_ej.get(q, [])]))
        scores[q] = codes.map(mapping)  # codes outside the scoring become NaN
    return scores.mean(axis=1, skipna=True)


def estimate_groups(frame: pd.DataFrame, value: str, by: Sequence[str], *, statistic: str,
                    alpha: float = 0.05, method: str = DEFAULT_INTERVAL,
                    bounds: tuple[float, float] | None = None, weight: str = "weight") -> pd.DataFrame:
    """One estimate per group of ``by`` (``statistic``: ``"share"`` or ``"mean"``); tidy rows.

    Columns: the ``by`` columns, ``value, lower, upper, numerator, denominator, n, n_eff, se``.
    Groups without a usable answer are left out.
    """
    if statistic not in ("share", "mean"):
        raise ParameterError(f"statistic '{statistic}' is unknown; use 'share' or 'mean'")
    data = frame.loc[frame[value].notna()]
    rows = []
    groups = data.groupby(list(by), dropna=True, sort=True, observed=True) if by else [((), data)]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        if statistic == "share":
            est = weighted_share(g[value], g[weight], alpha, method)
        else:
            est = weighted_mean(g[value], g[weight], alpha, bounds)
        if est["n"] == 0:
            continue
        rows.append({**dict(zip(by, key)), **est})
    cols = list(by) + ["value", "lower", "upper", "numerator", "denominator", "n", "n_eff", "se"]
    return pd.DataFrame(rows, columns=cols)


def _answered(values, w) -> tuple[np.ndarray, np.ndarray, int, float]:
    """The answers and weights of the respondents who answered (NaN answers or weights left out),
    their number and the sum of their weights."""
    v_arr = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    w_arr = np.asarray(w, dtype=float)
    ok = ~np.isnan(v_arr) & ~np.isnan(w_arr)
    return v_arr[ok], w_arr[ok], int(ok.sum()), float(w_arr[ok].sum())


def _empty(n: int) -> dict:
    return {"value": math.nan, "lower": math.nan, "upper": math.nan, "numerator": math.nan,
            "denominator": math.nan, "n": n, "n_eff": math.nan, "se": math.nan}


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must lie between 0 and 1 (e.g. 0.05 for 95 % intervals), got {alpha}")

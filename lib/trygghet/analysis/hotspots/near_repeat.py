"""Repeat and near-repeat victimisation: the Knox test over distance × time bands.

As the Near Repeat Calculator (Ratcliffe 2009) and the R package NearRepeat (Steenbeek): every pair of
events is put in a distance band and a time band; the observed pairs per band cell are compared with
those of ``permutations`` Monte Carlo replications in which the dates are shuffled among the events
(places kept), which breaks any link between space and time. For each band cell: the observed pairs,
the expected pairs (mean of the replications), the Knox ratio observed/expected and the Monte Carlo
p-value ``(1 + #{replications ≥ observed}) / (permutations + 1)``, and that p-value adjusted over the
band cells (Benjamini–Hochberg by default, so a table of 30 cells does not find one by chance).

Bands are intervals closed on the left, open on the right, as NearRepeat's defaults
(``right=False, include.lowest=False``): breaks ``(0, 1, 100, 200)`` give [0, 1), [1, 100), [100, 200)
metres; a pair at 200 m or more is in no band. Distances are Manhattan by default (NearRepeat's
default, a fair stand-in for the street network) or Euclidean. Only pairs closer than the largest
distance break are needed, so the test stays fast for thousands of events.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import spatial

from trygghet.analysis.hotspots.statistics import CORRECTIONS, _adjust
from trygghet.analysis.places import PLACED, place_status
from trygghet.data import store as tstore
from trygghet.data.errors import DataError, ParameterError
from trygghet.data.vocabulary import offence_group_mask

__all__ = [
    "DEFAULT_DISTANCE_BANDS",
    "DEFAULT_PERMUTATIONS",
    "DEFAULT_SEED",
    "DEFAULT_TIME_BANDS",
    "NEAR_REPEAT_GROUPS",
    "elevated_risk",
    "knox",
    "knox_for_store",
]

#: distance breaks in metres: same place (under 1 m), then 100 m bands to 500 m
DEFAULT_DISTANCE_BANDS = (0.0, 1.0, 100.0, 200.0, 300.0, 400.0, 500.0)
#: time breaks in days: weeks, to four weeks
DEFAULT_TIME_BANDS = (0.0, 7.0, 14.0, 21.0, 28.0)
DEFAULT_PERMUTATIONS = 999
DEFAULT_SEED = 2580
#: the offence categories the reports test for repeat and near-repeat victimisation
NEAR_REPEAT_GROUPS = ("bostadsinbrott", "skadegorelse")


def _breaks(name: str, values: Sequence[float]) -> np.ndarray:
    breaks = np.asarray(values, dtype=float)
    if breaks.ndim != 1 or len(breaks) < 2 or not np.all(np.diff(breaks) > 0) or breaks[0] < 0:
        raise ParameterError(f"{name}={tuple(values)!r} must be at least two increasing breaks from 0 or more, "
                             "e.g. (0, 1, 100, 200)")
    return breaks


def knox(x, y, days, *, distance_bands: Sequence[float] = DEFAULT_DISTANCE_BANDS,
         time_bands: Sequence[float] = DEFAULT_TIME_BANDS, permutations: int = DEFAULT_PERMUTATIONS,
         seed: int = DEFAULT_SEED, metric: str = "manhattan", correction: str = "fdr_bh") -> pd.DataFrame:
    """The Knox test of events at (``x``, ``y``) (metres, SWEREF 99 TM) on ``days`` (numbers of days, or
    dates: converted to days).

    Returns one row per band cell (distance band × time band, distance first): ``distance_from``,
    ``distance_to``, ``days_from``, ``days_to``, ``observed`` (pairs), ``expected`` (mean over the
    replications), ``ratio`` (observed/expected, NaN when expected is 0), ``pvalue`` (Monte Carlo,
    one-sided: more pairs than chance), ``pvalue_adj`` (``correction`` over the band cells: ``"fdr_bh"``,
    ``"bonferroni"`` or ``"none"``). ``attrs``: ``events``, ``pairs`` (pairs within the largest
    distance), ``permutations``, ``seed``, ``metric``, ``correction``. Random numbers come from
    ``numpy.random.default_rng(seed)``: the same seed gives the same p-values.
    """
    if metric not in ("manhattan", "euclidean"):
        raise ParameterError(f"metric={metric!r} is unknown; use 'manhattan' or 'euclidean'")
    if correction not in CORRECTIONS:
        raise ParameterError(f"correction={correction!r} is unknown; use one of {', '.join(map(repr, CORRECTIONS))}")
    if int(permutations) < 2:
        raise ParameterError(f"permutations={permutations!r} is too few; use at least 2 (e.g. 999)")
    d_breaks, t_breaks = _breaks("distance_bands", distance_bands), _breaks("time_bands", time_bands)
    xs, ys, ts = _events(x, y, days)
    if len(xs) < 2:
        raise DataError("events", f"{len(xs)} event(s) with place and date; the Knox test needs at least 2",
                        "choose a longer period or another offence category")
    pi, pj, dist = _close_pairs(xs, ys, d_breaks[-1], metric)
    d_bin = np.searchsorted(d_breaks, dist, side="right") - 1  # [a, b): index of the band a belongs to
    keep = (d_bin >= 0) & (d_bin < len(d_breaks) - 1)
    pi, pj, d_bin = pi[keep], pj[keep], d_bin[keep]
    nd, nt = len(d_breaks) - 1, len(t_breaks) - 1

    base = (d_bin * (nt + 1)).astype(np.intp)  # column nt of each distance row collects "in no time band"
    whole = bool(np.all(ts == np.round(ts))) and np.ptp(ts) < 1e6 if len(ts) else False
    if whole:  # whole days: a lookup table from the day difference to its band is much faster
        lut = np.searchsorted(t_breaks, np.arange(int(np.ptp(ts)) + 1), side="right") - 1
        lut = np.where((lut >= 0) & (lut < nt), lut, nt).astype(np.intp)
        ts = ts.astype(np.int64)
        pi, pj = pi.astype(np.intp), pj.astype(np.intp)

    def table(t: np.ndarray) -> np.ndarray:
        dt = np.abs(t[pi] - t[pj])
        if whole:
            t_bin = lut[dt]
        else:
            t_bin = np.searchsorted(t_breaks, dt, side="right") - 1
            t_bin = np.where((t_bin >= 0) & (t_bin < nt), t_bin, nt)
        counts = np.bincount(base + t_bin, minlength=nd * (nt + 1)).reshape(nd, nt + 1)
        return counts[:, :nt].ravel()

    observed = table(ts)
    rng = np.random.default_rng(int(seed))
    at_least = np.zeros(nd * nt, dtype=np.int64)
    total = np.zeros(nd * nt, dtype=np.float64)
    for _ in range(int(permutations)):
        sim = table(rng.permutation(ts))
        at_least += sim >= observed
        total += sim
    expected = total / int(permutations)
    p = (1.0 + at_least) / (int(permutations) + 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, observed / np.where(expected > 0, expected, 1.0), np.nan)
    di, ti = np.divmod(np.arange(nd * nt), nt)
    out = pd.DataFrame({"distance_from": d_breaks[di], "distance_to": d_breaks[di + 1], "days_from": t_breaks[ti],
                        "days_to": t_breaks[ti + 1], "observed": observed.astype(np.int64), "expected": expected,
                        "ratio": ratio, "pvalue": p, "pvalue_adj": _adjust(p, correction)})
    out.attrs.update(events=len(xs), pairs=len(pi), permutations=int(permutations), seed=int(seed), metric=metric,
                     correction=correction)
    return out


def knox_for_store(store, category: str, years, **kwargs) -> pd.DataFrame:
    """:func:`knox` of the store's offences of ``category`` (e.g. ``"bostadsinbrott"``) in ``years``
    that have a place in the municipality (:func:`trygghet.analysis.places.place_status`), dated by
    their earliest date (``datum_från``: burglaries and vandalism are often found later; the earliest
    date is the one the police record as the start). Other keyword arguments go to :func:`knox`.
    ``attrs`` also hold ``category`` and ``years``."""
    years = sorted(int(y) for y in years)

    def compute() -> pd.DataFrame:
        offences = tstore.read_table(store, "offences")
        offences = offences[offences["year"].isin(years)]
        offences = offences[offence_group_mask(offences, category).to_numpy()]
        placed = offences[(place_status(offences) == PLACED).to_numpy()]
        result = knox(placed["x"], placed["y"], placed["start"], **kwargs)
        result.attrs.update(category=category, years=years)
        return result

    # the same test for every page and run of the store: computed once into the store's cache
    key = (category, tuple(years), tuple(sorted((k, repr(v)) for k, v in kwargs.items())))
    return tstore.disk_memo(store, "knox", key, compute)  # parquet keeps the frame's attrs


def elevated_risk(result: pd.DataFrame, alpha: float = 0.05) -> dict | None:
    """Where the Knox test says risk is raised after an event: the band cells with ``pvalue_adj ≤ alpha``
    and ratio > 1. ``None`` when there is none; else ``{"distance_to": the largest upper distance
    break, "days_to": the largest upper time break, "cells": how many band cells, "max_ratio": the
    largest Knox ratio among them, "same_place": whether the same-place band ([0, 1) m) is among them}``."""
    sig = result[(result["pvalue_adj"] <= float(alpha)) & (result["ratio"] > 1)]
    if sig.empty:
        return None
    return {"distance_to": float(sig["distance_to"].max()), "days_to": float(sig["days_to"].max()),
            "cells": len(sig), "max_ratio": float(sig["ratio"].max()),
            "same_place": bool((sig["distance_to"] <= 1.0).any())}


def _events(x, y, days) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    t = pd.Series(days)
    if pd.api.types.is_datetime64_any_dtype(t):
        ts = ((t - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)).to_numpy(dtype=float, na_value=np.nan)
    else:
        ts = pd.to_numeric(t, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if not (len(xs) == len(ys) == len(ts)):
        raise ParameterError("x, y and days must have the same length")
    ok = np.isfinite(xs) & np.isfinite(ys) & np.isfinite(ts)
    return xs[ok], ys[ok], ts[ok]


def _close_pairs(xs, ys, max_distance: float, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair i < j closer than ``max_distance`` (all pairs when it is infinite), and its distance."""
    if math.isinf(max_distance):
        pi, pj = np.triu_indices(len(xs), k=1)
    else:
        tree = spatial.cKDTree(np.column_stack([xs, ys]))
        pairs = tree.query_pairs(max_distance, p=1 if metric == "manhattan" else 2, output_type="ndarray")
        pi, pj = pairs[:, 0], pairs[:, 1]
    dx, dy = np.abs(xs[pi] - xs[pj]), np.abs(ys[pi] - ys[pj])
    dist = dx + dy if metric == "manhattan" else np.hypot(dx, dy)
    return pi, pj, dist

"""The statistics on the raster: Getis–Ord Gi* with binary weights, the quartic KDE by FFT
convolution, multiple-testing corrections (Benjamini–Hochberg FDR, Bonferroni), ArcGIS's confidence
bins, sfhotspot's bandwidth rule and the Mann–Kendall trend test. Arrays in, arrays out.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import signal, stats

from trygghet.analysis.hotspots.grid import _Spec

__all__ = ["CORRECTIONS", "auto_bandwidth", "mann_kendall"]

#: multiple-testing corrections :func:`~trygghet.analysis.hotspots.analyse` knows
CORRECTIONS = ("fdr_bh", "bonferroni", "none")


def auto_bandwidth(x, y) -> float:
    """sfhotspot's KDE bandwidth: the mean over x and y of ``MASS::bandwidth.nrd``.

    ``bandwidth.nrd(v) = 4 · 1.06 · min(sd(v), IQR(v)/1.34) · n^(−1/5)`` (Venables & Ripley's rule of
    thumb, sd with divisor n − 1; quantiles as R's default type 7 = numpy's linear). sfhotspot documents
    the mean of the two axes (its code ``mean(a, b)`` in fact returns the x value); this uses the mean as
    documented. Returns 0 for fewer than 2 points or no spread; :func:`analyse` then uses one cell.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 2:
        return 0.0
    return float((_nrd(x) + _nrd(y)) / 2.0)


def mann_kendall(series, *, continuity: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Mann–Kendall trend test of each row of a (cells × T) array, vectorised: (z, two-sided p).

    ``S = Σ_{i<j} sign(x_j − x_i)``; ``Var(S) = [T(T−1)(2T+5) − Σ_g t_g(t_g−1)(2t_g+5)]/18`` with the
    tie groups ``t_g`` (Kendall 1975; Hirsch, Slack & Smith 1982); ``z = (S − sign(S))/√Var(S)`` with the
    continuity correction (``continuity=False``: ``S/√Var(S)``, which equals
    ``scipy.stats.kendalltau(time, x, method="asymptotic")``'s z); ``p = 2(1 − Φ(|z|))``. A row without
    variation has z = 0, p = 1.
    """
    x = np.atleast_2d(np.asarray(series, dtype=float))
    t = x.shape[1]
    s = np.zeros(x.shape[0])
    ties = np.zeros(x.shape[0])
    for i in range(t):
        s += np.sign(x[:, i + 1 :] - x[:, i : i + 1]).sum(axis=1)
        tie_size = (x == x[:, i : i + 1]).sum(axis=1)  # size of the tie group x_i belongs to
        ties += tie_size * (tie_size - 1) * (2 * tie_size + 5) / tie_size
    var = (t * (t - 1) * (2 * t + 5) - ties) / 18.0
    num = s - np.sign(s) if continuity else s
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(var > 0, num / np.sqrt(np.where(var > 0, var, 1.0)), 0.0)
    return z, 2.0 * stats.norm.sf(np.abs(z))


def _nrd(v: np.ndarray) -> float:
    q75, q25 = np.percentile(v, [75, 25])
    spread = min(float(np.std(v, ddof=1)), (q75 - q25) / 1.34)
    if spread <= 0:
        spread = float(np.std(v, ddof=1))
    return 4.0 * 1.06 * spread * len(v) ** (-0.2)


def _neighbour_sum(spec: _Spec, a: np.ndarray) -> np.ndarray:
    """Sum over each cell and its queen neighbours (square) or its 6 neighbours (hexagon), zero outside."""
    p = np.pad(a, 1)
    ny, nx = a.shape
    if spec.shape == "square":
        total = np.zeros_like(a)
        for dr in (0, 1, 2):
            for dc in (0, 1, 2):
                total += p[dr : dr + ny, dc : dc + nx]
        return total
    total = a + p[1 : 1 + ny, 0:nx] + p[1 : 1 + ny, 2 : 2 + nx]
    odd = (np.arange(ny) % 2 == 1)[:, None]
    for dr in (0, 2):  # the rows below and above
        band = p[dr : dr + ny]
        even_sum = band[:, 0:nx] + band[:, 1 : 1 + nx]  # columns c-1 and c
        odd_sum = band[:, 1 : 1 + nx] + band[:, 2 : 2 + nx]  # columns c and c+1
        total += np.where(odd, odd_sum, even_sum)
    return total


def _gistar(spec: _Spec, counts: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """Ord & Getis (1995) Gi* z with binary weights on the lattice (NaN outside the mask)."""
    inside = np.ones_like(counts, dtype=bool) if mask is None else mask
    y = np.where(inside, counts, 0.0)
    w = inside.astype(np.float64)
    n = float(inside.sum())
    ybar = y.sum() / n
    s = math.sqrt(max((y**2).sum() / n - ybar**2, 0.0))
    lag = _neighbour_sum(spec, y)
    k = _neighbour_sum(spec, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = s * np.sqrt((n * k - k**2) / (n - 1.0))
        z = np.where(denom > 0, (lag - ybar * k) / np.where(denom > 0, denom, 1.0), np.nan)
    if s == 0:
        warnings.warn("every cell has the same count, so Gi* is undefined (z = NaN)", stacklevel=3)
    elif np.isnan(z[inside]).any():
        warnings.warn(
            "Gi* is undefined (z = NaN) where a cell's neighbourhood covers the whole grid; the grid is too "
            "small: use smaller cells or more points",
            stacklevel=3,
        )
    return np.where(inside, z, np.nan)


def _kde(spec: _Spec, counts: np.ndarray, h: float) -> np.ndarray:
    """Expected points per cell: the counts convolved with a quartic kernel normalised on the lattice."""
    if h < spec.cell_size:
        return counts.copy()
    if spec.shape == "square":
        return _convolve(counts, _quartic(spec, h, 0))
    odd = (np.arange(spec.ny) % 2 == 1)[:, None]
    total = _convolve(np.where(odd, 0.0, counts), _quartic(spec, h, 0))
    total += _convolve(np.where(odd, counts, 0.0), _quartic(spec, h, 1))
    return total


def _quartic(spec: _Spec, h: float, parity: int) -> np.ndarray:
    s = spec.cell_size
    kr = math.ceil(h / spec.dy)
    kc = math.ceil(h / s) + 1
    dr, dc = np.mgrid[-kr : kr + 1, -kc : kc + 1].astype(float)
    if spec.shape == "square":
        dx, dyy = dc * s, dr * s
    else:  # target minus source centre, for a source row of the given parity
        shift = (np.abs(dr) % 2) * s / 2.0
        dx = dc * s + (shift if parity == 0 else -shift)
        dyy = dr * spec.dy
    u2 = (dx**2 + dyy**2) / h**2
    kernel = np.where(u2 < 1.0, (1.0 - u2) ** 2, 0.0)
    return kernel / kernel.sum()


def _convolve(a: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    out = signal.fftconvolve(a, kernel, mode="same")
    out[np.abs(out) < 1e-9 * max(a.sum(), 1.0)] = 0.0  # FFT round-off, not density
    return out


def _adjust(p: np.ndarray, correction: str) -> np.ndarray:
    if correction == "none":
        return p.copy()
    ok = np.isfinite(p)
    adj = np.full_like(p, np.nan)
    if correction == "bonferroni":
        adj[ok] = np.minimum(p[ok] * ok.sum(), 1.0)
    else:  # Benjamini & Hochberg (1995), scipy's implementation
        adj[ok] = stats.false_discovery_control(p[ok], method="bh")
    return adj


def _gi_bins(z: np.ndarray, p_adj: np.ndarray) -> np.ndarray:
    level = np.where(p_adj <= 0.01, 3, np.where(p_adj <= 0.05, 2, np.where(p_adj <= 0.10, 1, 0)))
    level = np.where(np.isfinite(p_adj), level, 0)
    return (np.sign(np.nan_to_num(z)) * level).astype(np.int8)

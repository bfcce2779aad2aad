"""Permutation inference for Gi* on the raster: conditional randomisation as PySAL esda's ``crand``.

For each cell i the cell's own count stays where it is and its ``k_i − 1`` neighbours' counts are
replaced by ``k_i − 1`` counts drawn without replacement from the *other* N − 1 cells of the study area;
the Gi* statistic (with binary weights, the neighbourhood's sum over the study area's total, which the
randomisation does not change) is recomputed ``permutations`` times, and the pseudo p-value is esda's
*folded*: ``p_sim = (min(#(simulated ≥ observed), #(simulated ≤ observed)) + 1) / (permutations + 1)``,
the tail the observation lies in (at most ≈ 0.5). Without ties this is exactly esda's
``alternative="directed"`` (its default for ``G_Local``: ``larger = #(simulated ≥ observed)``, folded to
``permutations − larger`` when that is smaller). With ties — common with sparse counts — esda's lower
tail leaves the ties out, so a cell whose whole neighbourhood is empty, exactly as every permutation,
gets esda's smallest p-value and is a "cold spot"; here ties count in both tails, so such a cell has
p = 1 (no evidence either way). The upper tail (hot spots) is esda's either way.

As in esda, one set of random draws (``permutations × max k``, indices into the other cells) is shared by
every cell. On a regular grid only two things vary between cells: the cell's own count (an integer; few
distinct values) and its number of neighbours (≤ 9). The simulated sums are therefore computed once per
distinct own count — the draws index the other cells with that count's cell removed — and their sorted
values serve every cell with that count and neighbourhood size, so 9 999 permutations on 50 000 cells take
well under a second instead of esda's minutes (``benchmarks/bench_hotspots.py``). The p-values agree with
esda's ``p_sim`` in distribution (``tests/analysis/test_hotspot_permutation.py``).

The reports' default inference is the normal one: on the demo's populated land, permutations with the
FDR over ~15 000 cells found no planted cluster (``benchmarks/bench_calibration.py``): the smallest
possible p-value, 1/(permutations + 1), is too large for Benjamini–Hochberg over that many cells.
"""

from __future__ import annotations

import numpy as np

from trygghet.analysis.hotspots.grid import _Spec
from trygghet.analysis.hotspots.statistics import _neighbour_sum
from trygghet.data.errors import ParameterError

__all__ = ["INFERENCES", "DEFAULT_PERMUTATIONS", "DEFAULT_SEED", "crand_gistar"]

#: how :func:`~trygghet.analysis.hotspots.analyse` turns Gi* into p-values
INFERENCES = ("permutation", "normal")
#: permutations by default: with the FDR over thousands of cells the smallest possible p-value,
#: 1/(permutations + 1), must be far below alpha / cells
DEFAULT_PERMUTATIONS = 9999
#: the random stream of the permutations (a fixed seed: the same data give the same map)
DEFAULT_SEED = 2580


def check_permutations(permutations, seed) -> tuple[int, int]:
    """The permutation settings as integers, or a :class:`ParameterError` saying what to pass."""
    try:
        r = int(permutations)
    except (TypeError, ValueError):
        raise ParameterError(f"permutations={permutations!r} must be a whole number (e.g. 9999)") from None
    if r < 99 or r != permutations:
        raise ParameterError(f"permutations={permutations!r} must be a whole number of at least 99 (e.g. 9999)")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ParameterError(f"seed={seed!r} must be a non-negative whole number")
    return r, int(seed)


def crand_gistar(spec: _Spec, counts: np.ndarray, mask: np.ndarray | None, *, permutations: int = DEFAULT_PERMUTATIONS,
                 seed: int = DEFAULT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Folded pseudo p-values (esda's ``p_sim``) of Gi* with binary weights and the direction of each
    cell's departure, on the raster ``counts`` (NaN/0 outside ``mask``).

    Returns two arrays of the raster's shape: ``p_sim`` (NaN outside the mask) and ``direction``
    (+1 where the observed neighbourhood sum lies in the upper tail of its randomisation distribution,
    −1 in the lower; 0 outside the mask).
    """
    permutations, seed = check_permutations(permutations, seed)
    inside = np.ones_like(counts, dtype=bool) if mask is None else mask
    y_raster = np.where(inside, counts, 0.0)
    lag = _neighbour_sum(spec, y_raster)[inside]
    card = np.rint(_neighbour_sum(spec, inside.astype(np.float64))[inside]).astype(np.int64) - 1  # others
    y = y_raster[inside]
    n = len(y)
    p_sim = np.full(n, np.nan)
    direction = np.zeros(n, dtype=np.int8)
    m = int(min(card.max(initial=0), n - 1))
    if n < 3 or m < 1:
        return _to_raster(inside, p_sim, np.nan), _to_raster(inside, direction, 0)
    ids = _draws(np.random.default_rng(seed), n - 1, m, permutations)
    integral = bool(np.all(y == np.round(y)))
    values, first = np.unique(y, return_index=True)
    which = np.searchsorted(values, y)
    for v_index, (v, pos) in enumerate(zip(values, first)):
        cells = np.flatnonzero(which == v_index)
        others = y[ids + (ids >= pos)]  # the draws index y without this value's first cell, as esda's z_no_i
        sums = np.cumsum(others, axis=1)
        for c in np.unique(card[cells]):
            group = cells[card[cells] == c]
            sims = v + sums[:, c - 1] if c > 0 else np.full(permutations, v, dtype=float)
            at_least, at_most = _tails(sims, lag[group], integral)
            low = at_most < at_least  # the observation lies in the lower tail
            direction[group] = np.where(low, -1, 1)
            p_sim[group] = (np.minimum(at_least, at_most) + 1.0) / (permutations + 1.0)
    return _to_raster(inside, p_sim, np.nan), _to_raster(inside, direction, 0)


def _tails(sims: np.ndarray, observed: np.ndarray, integral: bool) -> tuple[np.ndarray, np.ndarray]:
    """How many simulated values are ≥ and ≤ each observed value (by a histogram for whole counts)."""
    if integral:
        base = int(sims.min())
        hist = np.bincount((sims - base).astype(np.int64))
        below_or_at = np.concatenate([[0], np.cumsum(hist)])  # below_or_at[j] = #(sims < base + j)
        j = np.clip(np.rint(observed - base).astype(np.int64), 0, len(hist))
        j_up = np.clip(np.rint(observed - base).astype(np.int64) + 1, 0, len(hist))
        return len(sims) - below_or_at[j], below_or_at[j_up]
    ordered = np.sort(sims)
    return (len(sims) - np.searchsorted(ordered, observed - 1e-9, side="left"),
            np.searchsorted(ordered, observed + 1e-9, side="right"))


def _draws(rng: np.random.Generator, pool: int, m: int, permutations: int) -> np.ndarray:
    """``permutations × m`` indices into ``range(pool)``, without replacement within a row: random keys
    sorted for a small pool, else draws with the rows that repeat an index drawn again."""
    if pool <= 64:
        return np.argsort(rng.random((permutations, pool)), axis=1)[:, :m]
    ids = rng.integers(0, pool, size=(permutations, m))
    while True:
        ordered = np.sort(ids, axis=1)
        repeated = (ordered[:, 1:] == ordered[:, :-1]).any(axis=1)
        if not repeated.any():
            return ids
        ids[repeated] = rng.integers(0, pool, size=(int(repeated.sum()), m))


def _to_raster(inside: np.ndarray, values: np.ndarray, fill) -> np.ndarray:
    out = np.full(inside.shape, fill, dtype=np.asarray(values).dtype)
    out[inside] = values
    return out

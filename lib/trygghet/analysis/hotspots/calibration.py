"""Does a hot spot mean what it says? Simulations on a study area's grid with known truth.

Three worlds on the cells of an :func:`~trygghet.analysis.hotspots.analyse` result (the study area):

* ``uniform`` — every cell equally risky: ``n_points`` offences placed uniformly over the study area.
  No cell should be a hot spot; the share flagged is the method's false-alarm rate (target ≤ 5 %).
* ``population`` — offences in proportion to the people living in each cell, with no local excess of
  risk. Gi* on counts flags where many people (and so many offences) are: "many offences", not "high
  risk" (the risk view is :mod:`trygghet.analysis.hotspots.risk`).
* ``clusters_<m>x`` — a uniform background of ``local_intensity`` offences per cell (the density where
  offences happen) with ``n_clusters`` planted clusters of 4–9 connected cells at ``m`` times it, placed
  where people live. Recall: the share of planted cells flagged hot; precision: the share of flagged
  cells that were planted (Gi* also flags a cluster's neighbours, whose neighbourhood holds it).

Points lie uniformly inside their cells; counts are Poisson (clusters) or multinomial (fixed total).
:func:`calibrate` runs the worlds ``reps`` times with one seeded generator and returns one row per
world. ``benchmarks/bench_calibration.py`` runs it on the demo's populated land; the tests run small
versions. Frames in, frames out.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from trygghet.analysis.hotspots.core import analyse
from trygghet.analysis.hotspots.grid import cell_centres
from trygghet.data.errors import ParameterError

__all__ = ["calibrate", "plant_clusters", "points_in_cells"]


def points_in_cells(rng: np.random.Generator, grid: gpd.GeoDataFrame, counts) -> pd.DataFrame:
    """``counts[i]`` points placed uniformly inside cell i of ``grid`` (square cells), as ``x``/``y``."""
    counts = np.asarray(counts, dtype=np.int64)
    centres = cell_centres(grid)
    idx = np.repeat(np.arange(len(grid)), counts)
    half = float(grid.attrs["cell_size"]) / 2.0 * (1 - 1e-6)
    return pd.DataFrame({"x": centres["x"].to_numpy()[idx] + rng.uniform(-half, half, len(idx)),
                         "y": centres["y"].to_numpy()[idx] + rng.uniform(-half, half, len(idx))})


def plant_clusters(rng: np.random.Generator, grid: gpd.GeoDataFrame, n_clusters: int = 3, sizes: tuple[int, int] = (4, 9),
                   weights=None) -> list[np.ndarray]:
    """``n_clusters`` clusters of ``sizes[0]``–``sizes[1]`` queen-connected cells of ``grid`` (positions),
    grown from a seed cell drawn with ``weights`` (e.g. population; default uniform), not overlapping."""
    rows, cols = grid["row"].to_numpy(), grid["col"].to_numpy()
    where = {(r, c): i for i, (r, c) in enumerate(zip(rows, cols))}
    p = None if weights is None else np.asarray(weights, float) / np.sum(weights)
    taken: set[int] = set()
    clusters = []
    for _ in range(1000):
        if len(clusters) == n_clusters:
            return clusters
        size = int(rng.integers(sizes[0], sizes[1] + 1))
        cells = [int(rng.choice(len(grid), p=p))]
        if cells[0] in taken:
            continue
        while len(cells) < size:
            frontier = sorted({where.get((rows[c] + dr, cols[c] + dc)) for c in cells for dr in (-1, 0, 1)
                               for dc in (-1, 0, 1)} - {None} - set(cells) - taken)
            if not frontier:
                break
            cells.append(int(rng.choice(frontier)))
        if len(cells) == size:
            clusters.append(np.array(cells))
            taken |= set(cells)
    raise ParameterError("could not plant the clusters; the study area is too small or too fragmented")


def calibrate(grid: gpd.GeoDataFrame, *, n_points: int, local_intensity: float, population=None, reps: int = 20,
              multipliers=(2.0, 3.0), n_clusters: int = 3, seed: int = 2580, **options) -> pd.DataFrame:
    """The worlds of this module on ``grid``'s cells, ``reps`` times each, analysed by
    :func:`~trygghet.analysis.hotspots.analyse` with ``options`` (``inference``, ``permutations``,
    ``correction``, ``alpha`` …) on the same grid.

    ``population``: people per cell (aligned with ``grid``; the ``population`` world and where clusters
    are planted; without it both are uniform). Returns one row per world: ``world``, ``reps``,
    ``flagged_share`` (hot cells / cells, pooled over the runs), ``recall`` and ``precision`` (cluster
    worlds; NaN elsewhere), ``flagged_cells_per_run``.
    """
    if int(reps) < 1 or int(n_points) < 1 or not local_intensity > 0:
        raise ParameterError("reps, n_points and local_intensity must be positive")
    rng = np.random.default_rng(seed)
    cells = len(grid)
    weights = np.full(cells, 1.0 / cells) if population is None else np.asarray(population, float) / np.sum(population)
    options = {"bandwidth": 2 * float(grid.attrs["cell_size"]), **options}
    worlds = [("uniform", None), ("population", None)] + [(f"clusters_{m:g}x", float(m)) for m in multipliers]
    rows = []
    for world, mult in worlds:
        flagged = planted_total = planted_hit = 0
        for _ in range(int(reps)):
            if world == "uniform":
                counts, planted = rng.multinomial(int(n_points), np.full(cells, 1.0 / cells)), None
            elif world == "population":
                counts, planted = rng.multinomial(int(n_points), weights), None
            else:
                lam = np.full(cells, float(local_intensity))
                planted = np.concatenate(plant_clusters(rng, grid, n_clusters, weights=weights))
                lam[planted] *= mult
                counts = rng.poisson(lam)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                hot = analyse(points_in_cells(rng, grid, counts), grid=grid, **options)["hotspot"].to_numpy()
            flagged += int(hot.sum())
            if planted is not None:
                planted_total += len(planted)
                planted_hit += int(hot[planted].sum())
        cluster = planted_total > 0
        rows.append({
            "world": world,
            "reps": int(reps),
            "flagged_share": flagged / (cells * int(reps)),
            "recall": planted_hit / planted_total if cluster else np.nan,
            "precision": (planted_hit / flagged if flagged else np.nan) if cluster else np.nan,
            "flagged_cells_per_run": flagged / int(reps),
        })
    out = pd.DataFrame(rows)
    out.attrs.update(n_points=int(n_points), local_intensity=float(local_intensity), cells=cells, seed=int(seed),
                     options={k: v for k, v in options.items()})
    return out

"""Emerging hot spots: Gi* per year on one grid, a Mann–Kendall trend per cell, and ArcGIS Pro's
pattern categories ("How Emerging Hot Spot Analysis works",
https://pro.arcgis.com/en/pro-app/latest/tool-reference/space-time-pattern-mining/learnmoreemerging.htm).

Categories are English keys (:data:`EMERGING_KEYS`); the reports word them.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from trygghet.analysis.hotspots.core import _grid_statistics, analyse
from trygghet.analysis.hotspots.grid import _NO_POINTS_FIX, DEFAULT_MAX_CELLS, _as_frame, _check_choice
from trygghet.analysis.hotspots.statistics import CORRECTIONS, mann_kendall
from trygghet.data.errors import DataError, ParameterError

__all__ = ["EMERGING_KEYS", "emerging", "classify_emerging"]

#: ArcGIS's emerging-hot-spot categories, hot spots first, then cold spots, then no pattern
EMERGING_KEYS = tuple(
    f"{kind}_{side}"
    for side in ("hotspot", "coldspot")
    for kind in ("new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic", "oscillating",
                 "historical")
) + ("no_pattern",)


def emerging(
    points,
    years=None,
    *,
    year_column: str = "year",
    cell_size: float | None = None,
    shape: str | None = None,
    correction: str = "fdr_bh",
    alpha: float = 0.05,
    areas: gpd.GeoDataFrame | None = None,
    study_area=None,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> gpd.GeoDataFrame:
    """Emerging hot spots: Gi* per year on a common grid, a Mann–Kendall trend per cell, ArcGIS's categories.

    ``points`` as for :func:`analyse`, with a ``year_column``; ``years`` (default: every year present,
    gaps included as empty years) are the time steps, oldest first, at least 2. One grid is built from
    all years' points; each year's Gi* is computed on it with ``correction`` (ArcGIS's Emerging Hot Spot
    Analysis applies FDR per bin); a cell-year is a significant hot (cold) spot when ``pvalue_adj ≤
    alpha`` and z > 0 (z < 0). The trend is Mann–Kendall's test on the cell's series of Gi* z
    (:func:`mann_kendall`, two-sided, the same ``alpha``). Categories: :func:`classify_emerging`.

    As in ArcGIS, the cells analysed are those with at least one point in at least one year. Returns a
    GeoDataFrame with ``cell_id``, ``row``, ``col``, ``area``, ``n`` (points over all years),
    ``n_hot_years``, ``n_cold_years``, ``gistar_last`` (z of the final year), ``trend_z``, ``trend_p``,
    ``category`` (one of :data:`EMERGING_KEYS`), ``geometry``; ``attrs`` hold ``years`` and
    the grid's settings.
    """
    _check_choice("correction", correction, CORRECTIONS)
    frame = _as_frame(points)
    if year_column not in frame.columns:
        raise DataError("points", f"there is no column '{year_column}'", "pass year_column= naming the year column")
    all_years = pd.to_numeric(frame[year_column], errors="coerce")
    if years is None:
        present = all_years.dropna().astype(int)
        if present.empty:
            raise DataError("points", "there are no points with a year", _NO_POINTS_FIX)
        years = list(range(int(present.min()), int(present.max()) + 1))
    years = sorted(int(v) for v in years)
    if len(years) < 2:
        raise ParameterError(f"emerging hot spots need at least 2 years, got {years}; pass more years")
    selected = frame[all_years.isin(years).to_numpy()]
    base = analyse(
        selected,
        cell_size=cell_size,
        shape=shape,
        correction=correction,
        alpha=alpha,
        areas=areas,
        study_area=study_area,
        max_cells=max_cells,
    )
    sel_years = pd.to_numeric(selected[year_column]).to_numpy()
    z = np.full((len(base), len(years)), np.nan)
    p_adj = np.ones_like(z)
    counts = np.zeros_like(z)
    for t, year in enumerate(years):
        part = selected[sel_years == year]
        if len(part) == 0:
            z[:, t], p_adj[:, t] = 0.0, 1.0
            continue
        with warnings.catch_warnings():  # the year's Gi* on the common grid, as analyse(part, grid=base) gives it
            warnings.simplefilter("ignore")
            n_year, z[:, t], p_adj[:, t] = _grid_statistics(part, base, correction)
        counts[:, t] = n_year
    keep = counts.sum(axis=1) > 0
    labels = classify_emerging(z[keep], p_adj[keep], alpha=alpha)
    out = base.loc[keep, ["cell_id", "row", "col", "area", "geometry"]].reset_index(drop=True)
    out.insert(4, "n", counts[keep].sum(axis=1).astype(np.int64))
    for column in ("n_hot_years", "n_cold_years", "gistar_last", "trend_z", "trend_p", "category"):
        out.insert(len(out.columns) - 1, column, labels[column].to_numpy())
    out.attrs.update(base.attrs, years=years)
    return out


def classify_emerging(gistar, pvalue_adj, *, alpha: float = 0.05) -> pd.DataFrame:
    """ArcGIS's emerging-hot-spot category of each row of a cells × time-steps series of Gi* z and p.

    ``gistar`` and ``pvalue_adj`` are arrays of shape (cells, T), oldest step first. A step is a
    significant hot (cold) spot when ``pvalue_adj ≤ alpha`` and z > 0 (< 0); the trend is
    :func:`mann_kendall` on the z series, significant when its p ≤ ``alpha``. "90 % of the time steps"
    is read as ``count ≥ 0.9 T`` (so with fewer than 10 steps it means all of them, and *historical*
    needs at least 10). The definitions, from ArcGIS Pro's "How Emerging Hot Spot Analysis works"
    (cold spots mirror them):

    * **new**: hot in the final step and never significant (hot or cold) before;
    * **consecutive**: a single uninterrupted run of at least two hot steps at the end, never hot before
      the run, and fewer than 90 % of the steps hot;
    * **intensifying**: hot in at least 90 % of the steps including the final one, with a significant
      upward trend of z (downward for cold spots);
    * **persistent**: hot in at least 90 % of the steps including the final one, with no significant trend;
    * **diminishing**: hot in at least 90 % of the steps including the final one, with a significant
      downward trend of z (upward for cold spots);
    * **sporadic**: hot in the final step, an on-and-off history of hot steps, fewer than 90 % hot,
      never a cold spot;
    * **oscillating**: hot in the final step, a cold spot in some earlier step, fewer than 90 % hot;
    * **historical**: not hot in the final step, but hot in at least 90 % of the steps;
    * **no pattern**: none of the above.

    Where ArcGIS's wording overlaps, the precedence is: the final step's state first (a cell cold in the
    final step after 90 % hot steps is an *oscillating cold spot*, not a *historical hot spot*); a
    history of the opposite kind makes a cell *oscillating* (not *new*/*consecutive*); a cell that is hot in the final step with hot history that
    is not one final run is *sporadic*. Returns a DataFrame (one row per cell) with ``n_hot_years``,
    ``n_cold_years``, ``gistar_last``, ``trend_z``, ``trend_p``, ``category`` (a key of :data:`EMERGING_KEYS`).
    """
    z = np.atleast_2d(np.asarray(gistar, dtype=float))
    p = np.atleast_2d(np.asarray(pvalue_adj, dtype=float))
    if z.shape != p.shape:
        raise ParameterError(f"gistar {z.shape} and pvalue_adj {p.shape} must have the same shape")
    if z.shape[1] < 2:
        raise ParameterError("the series need at least 2 time steps")
    sig = np.nan_to_num(p, nan=1.0) <= alpha
    z0 = np.nan_to_num(z, nan=0.0)
    hot, cold = sig & (z0 > 0), sig & (z0 < 0)
    trend_z, trend_p = mann_kendall(z0)
    up = (trend_p <= alpha) & (trend_z > 0)
    down = (trend_p <= alpha) & (trend_z < 0)
    category = np.full(z.shape[0], "no_pattern", dtype=object)
    # the final step's state first (a cell cannot be both hot and cold in it), then the historical ones
    _label_side(category, cold, hot, rising=down, falling=up, suffix="coldspot")
    _label_side(category, hot, cold, rising=up, falling=down, suffix="hotspot")
    for same, suffix in ((hot, "hotspot"), (cold, "coldspot")):
        historical = (category == "no_pattern") & ~same[:, -1] & (same.sum(axis=1) >= 0.9 * same.shape[1])
        category[historical] = f"historical_{suffix}"
    return pd.DataFrame(
        {
            "n_hot_years": hot.sum(axis=1),
            "n_cold_years": cold.sum(axis=1),
            "gistar_last": z[:, -1],
            "trend_z": trend_z,
            "trend_p": trend_p,
            "category": category.astype(str),
        }
    )


def _label_side(category, same, other, *, rising, falling, suffix) -> None:
    """Label the cells that are significant of one kind (``same``) in ArcGIS's categories."""
    t = same.shape[1]
    count = same.sum(axis=1)
    mostly = count >= 0.9 * t
    last = same[:, -1]
    before = same[:, :-1]
    ever_other = other.any(axis=1)
    # length of the final uninterrupted run of `same`
    run = np.zeros(same.shape[0], dtype=np.int64)
    alive = np.ones(same.shape[0], dtype=bool)
    for j in range(t - 1, -1, -1):
        alive &= same[:, j]
        run += alive
    one_final_run = last & (run == count)
    rules = [
        ("intensifying", last & mostly & rising),
        ("diminishing", last & mostly & falling),
        ("persistent", last & mostly & ~rising & ~falling),
        ("oscillating", last & ~mostly & ever_other),
        ("new", last & ~before.any(axis=1) & ~ever_other),
        ("consecutive", one_final_run & (run >= 2) & ~mostly & ~ever_other),
        ("sporadic", last & ~mostly & ~ever_other & before.any(axis=1) & ~one_final_run),
    ]
    free = category == "no_pattern"
    for name, rule in rules:
        hit = free & rule
        category[hit] = f"{name}_{suffix}"
        free &= ~hit

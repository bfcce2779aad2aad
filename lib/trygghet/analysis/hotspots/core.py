"""Hot-spot analysis of points on a regular grid: counts, quartic KDE and Getis–Ord Gi* with a
multiple-testing correction, one row per cell (:func:`analyse`).

Everything is computed in SWEREF 99 TM (EPSG:3006) metres; input in lat/lon is transformed first, never
computed in degrees. Neighbour sums, the KDE and the Gi* statistic are computed on the whole raster at
once (array shifts and FFT convolution), never by loops over points or cells, so a million offences on a
million cells take about a second (``benchmarks/bench_hotspots.py``).

The field's references, whose definitions this package follows and cites:

* **sfhotspot** (R, Ashby): the automatic cell size (shorter side of the points' bounding box / 50,
  rounded down to 100 m) and the KDE bandwidth rule (``MASS::bandwidth.nrd``), see
  https://search.r-project.org/CRAN/refmans/sfhotspot/html/hotspot_gistar.html and the package's
  ``R/set_cell_size.R`` and ``R/bandwidth_nrd.R``.
* **PySAL esda** ``G_Local(y, w, star=True, transform="B")``: the analytic z of Gi* with binary weights
  (Getis & Ord 1992; Ord & Getis 1995). :func:`analyse` gives the same ``Zs`` on the same lattice (tested
  against esda with ``libpysal.weights.lat2W(rook=False)`` plus self-weights).
* **ArcGIS Pro** Hot Spot Analysis (confidence bins ±3/±2/±1 = 99/95/90 %).

Privacy: the outputs hold counts per cell, never an offence's own point; what may be published is
decided by :mod:`trygghet.analysis.disclosure` (see :func:`trygghet.analysis.hotspots.cell_counts`).
"""

from __future__ import annotations

import warnings
from dataclasses import asdict

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import stats

from trygghet.analysis.hotspots.grid import (
    _NO_POINTS_FIX,
    _SHAPES,
    DEFAULT_MAX_CELLS,
    _area_of_centres,
    _bincount_into,
    _cell_geometries,
    _cell_ids,
    _cell_km2,
    _check_cells,
    _check_choice,
    _coordinates,
    _drop_outside_sweden,
    _locate,
    _make_spec,
    _positive,
    _spec_from_result,
    _study_geometry,
    _study_mask,
    auto_cell_size,
)
from trygghet.analysis.hotspots.permutation import (
    DEFAULT_PERMUTATIONS,
    DEFAULT_SEED,
    INFERENCES,
    check_permutations,
    crand_gistar,
)
from trygghet.analysis.hotspots.statistics import CORRECTIONS, _adjust, _gi_bins, _gistar, _kde, auto_bandwidth
from trygghet.data.config import CRS_SWEREF
from trygghet.data.errors import DataError, ParameterError

__all__ = ["analyse"]

_MIN_POINTS_RELIABLE = 30


def analyse(
    points,
    *,
    cell_size: float | None = None,
    shape: str | None = None,
    bandwidth: float | None = None,
    bandwidth_adjust: float = 1.0,
    correction: str = "fdr_bh",
    alpha: float = 0.05,
    areas: gpd.GeoDataFrame | None = None,
    study_area=None,
    grid: gpd.GeoDataFrame | None = None,
    max_cells: int = DEFAULT_MAX_CELLS,
    inference: str = "normal",
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
) -> gpd.GeoDataFrame:
    """Counts, KDE and Gi* hot spots of points on a regular grid, one row per cell.

    ``points``: a GeoDataFrame/GeoSeries of points in any CRS (transformed to SWEREF 99 TM; lat/lon in
    EPSG:4326 is fine, a missing CRS is an error), a DataFrame with ``x``/``y`` in SWEREF 99 TM (the
    store's offences) or with ``lon``/``lat`` in WGS 84. Rows without coordinates are dropped with a
    warning; points outside Sweden's SWEREF extent, outside ``study_area`` or outside a given ``grid`` are
    dropped with a warning (counted in ``attrs``).

    **Grid.** Square cells of ``cell_size`` metres, or pointy-top hexagons whose flat-to-flat width is
    ``cell_size`` (as sfhotspot's ``grid_type="hex"``). Default size (:func:`auto_cell_size`):
    sfhotspot's rule, the shorter side of the points' bounding box / 50 rounded down to a multiple of
    100 m, never below :data:`MIN_CELL_SIZE`. Cells lie on a lattice anchored at multiples of the cell
    size, so grids of different years or groups line up and ``cell_id`` is stable
    (``"100mN7326100E801500"``: size, south-west corner's northing and easting).

    **Study area.** With ``study_area=`` (polygons, e.g. the municipality) the grid is the study area's
    cells: the lattice over its bounding box, keeping the cells whose centre lies inside. It does not
    depend on the points, so every analysis on the same study area and cell size (every offence group,
    every year) has the same cells and the same area ``A`` = ``attrs["study_km2"]`` (the PAI's
    denominator). Without a study area the grid covers the points' bounding box padded by the KDE
    bandwidth (at least one cell). ``grid=`` reuses the grid of an earlier result (for comparisons
    between periods). A grid with more than ``max_cells`` cells raises a :class:`ParameterError`.

    **KDE** (``kde``, offences per km²): a quartic (biweight) kernel
    ``K(d) = 3/(π h²) (1 − d²/h²)²`` for ``d < h`` (Silverman 1986, eq. 4.5; as ArcGIS's Kernel Density
    and sfhotspot), applied to the cell counts by FFT convolution with the kernel sampled at the cell
    centres and normalised to sum to one, so ``(kde * cell_km2).sum()`` equals the number of points.
    Default bandwidth ``h``: :func:`auto_bandwidth` (sfhotspot's rule); a warning when ``h`` is smaller
    than a cell (the KDE is then just the counts).

    **Gi\\*** (``gistar``): Getis–Ord Gi* with binary weights over the cell and its 8 queen neighbours
    (6 for hexagons), the analytic z of Ord & Getis (1995):
    ``z_i = (Σ_j w_ij y_j − ȳ k_i) / (s √((N k_i − k_i²)/(N − 1)))`` with ``k_i`` the number of cells in
    the neighbourhood (fewer at the grid's edge, as esda's queen lattice), ``N`` the cells of the grid,
    ``ȳ`` and ``s`` their mean and standard deviation (divisor N). It equals esda's
    ``G_Local(y, w, star=True, transform="B").Zs``. ``pvalue`` is two-sided (esda's ``p_norm`` is
    one-sided: ``pvalue = 2 p_norm``); ``pvalue_adj`` applies ``correction`` over all cells: ``"fdr_bh"``
    (Benjamini–Hochberg, default, as ArcGIS's FDR option), ``"bonferroni"`` or ``"none"``. ``gi_bin`` is
    ArcGIS's confidence bin: ±3 when ``pvalue_adj ≤ 0.01``, ±2 when ``≤ 0.05``, ±1 when ``≤ 0.10``, signed
    by z. ``hotspot``/``coldspot``: ``pvalue_adj ≤ alpha`` with z > 0 / z < 0.

    **Inference.** ``inference="normal"`` (default here) takes ``pvalue`` from the normal distribution
    of z as above. ``inference="permutation"`` uses conditional randomisation as esda's ``crand``
    (:func:`~trygghet.analysis.hotspots.permutation.crand_gistar`: ``permutations`` draws, the
    random stream ``seed``; esda's folded ``p_sim``), better for sparse, skewed counts; then
    ``pvalue = min(1, 2 p_sim)`` (two-sided, like the normal one), the direction (hot or cold) is the
    tail the observation lies in, and the correction, bins and flags follow as above. The store's
    reports use :func:`for_store`'s default, chosen from ``benchmarks/bench_calibration.py``.

    **Rank** (``hotspot_rank``): the hot-spot cells that hold points themselves (``hotspot`` and
    ``n > 0``; a cell can be significant through its neighbours alone) numbered 1, 2, … by Gi* z,
    strongest first (ties: more points first, then ``cell_id``); ``<NA>`` for every other cell.

    Returns a GeoDataFrame (EPSG:3006) with columns ``cell_id``, ``row``, ``col``, ``area`` (the area of
    ``areas`` the cell centre falls in, ``<NA>`` elsewhere or without ``areas``), ``n``, ``kde``,
    ``gistar``, ``pvalue``, ``pvalue_adj``, ``gi_bin``, ``hotspot``, ``coldspot``, ``hotspot_rank``,
    ``geometry``, and
    ``attrs``: ``cell_size``, ``shape``, ``cell_km2``, ``study_km2``, ``bandwidth``, ``bandwidth_rule``,
    ``kde_unit``, ``correction``, ``alpha``, ``n_points``, ``n_dropped_nan``, ``n_outside``, ``grid``,
    ``study_area`` (``"given"`` with a study area, ``"points"`` without; :func:`for_store` names it),
    ``inference`` and, for permutations, ``permutations`` and ``seed``.
    """
    _check_choice("inference", inference, INFERENCES)
    if inference == "permutation":
        permutations, seed = check_permutations(permutations, seed)
    if shape is not None:
        _check_choice("shape", shape, _SHAPES)
    _check_choice("correction", correction, CORRECTIONS)
    if not (0 < float(alpha) < 1):
        raise ParameterError(f"alpha={alpha!r} must lie between 0 and 1 (e.g. 0.05)")
    x, y, n_nan = _coordinates(points)
    area_geom = _study_geometry(study_area)
    if grid is not None:
        spec = _spec_from_result(grid)
        if shape not in (None, spec.shape) or (cell_size is not None and float(cell_size) != spec.cell_size):
            raise ParameterError("grid= fixes the cell size and shape; leave cell_size and shape out")
    x, y, n_outside_sweden = _drop_outside_sweden(x, y)
    if len(x) == 0:
        raise DataError("points", "there are no points with coordinates to analyse", _NO_POINTS_FIX)
    if bandwidth is None:
        h, rule = auto_bandwidth(x, y) * _positive("bandwidth_adjust", bandwidth_adjust), "auto"
    else:
        h, rule = _positive("bandwidth", bandwidth), "given"
    if grid is None:
        size = auto_cell_size(x, y) if cell_size is None else _positive("cell_size", cell_size)
        if area_geom is not None:  # the study area fixes the lattice: the same cells for every group and year
            bx0, by0, bx1, by1 = shapely.bounds(area_geom)
            spec = _make_spec([bx0, bx1], [by0, by1], size, shape or "square", pad=max(h, size),
                              max_cells=max_cells)
        else:
            spec = _make_spec(x, y, size, shape or "square", pad=max(h, size), max_cells=max_cells)
    else:
        _check_cells(spec.nx, spec.ny, spec.cell_size, max_cells)
    if h <= 0 or not np.isfinite(h):
        h, rule = spec.cell_size, "one cell (the points have no spread)"
        warnings.warn("the points have no spread, so the KDE bandwidth was set to one cell", stacklevel=2)
    mask = _study_mask(spec, area_geom)
    if grid is not None and len(grid) < spec.nx * spec.ny:  # the earlier grid was clipped to a study area
        kept = np.zeros((spec.ny, spec.nx), dtype=bool)
        kept[grid["row"].to_numpy(), grid["col"].to_numpy()] = True
        mask = kept if mask is None else mask & kept
    rows, cols, inside = _locate(spec, x, y, mask)
    n_outside = int(n_outside_sweden + (~inside).sum())
    if n_outside:
        warnings.warn(
            f"{n_outside} of {len(x) + n_outside_sweden} points lie outside the grid or study area "
            "and were left out",
            stacklevel=2,
        )
    if not inside.any():
        raise DataError("points", "no point lies inside the grid/study area", "check the study area and the grid")
    counts = np.zeros((spec.ny, spec.nx), dtype=np.float64)
    _bincount_into(counts, rows[inside], cols[inside])
    n_points = int(inside.sum())
    _warn_small(n_points, counts)
    if h < spec.cell_size:
        warnings.warn(
            f"the KDE bandwidth ({h:.0f} m) is smaller than the cell size ({spec.cell_size:.0f} m); "
            "the KDE then equals the cell counts: use a larger bandwidth or smaller cells",
            stacklevel=2,
        )
    kde = _kde(spec, counts, h) / _cell_km2(spec)
    z = _gistar(spec, counts, mask)
    simulated = crand_gistar(spec, counts, mask, permutations=permutations, seed=seed) if inference == "permutation" else None
    result = _assemble(spec, counts, kde, z, mask, correction, float(alpha), areas, simulated)
    result.attrs.update(
        cell_size=spec.cell_size,
        shape=spec.shape,
        cell_km2=_cell_km2(spec),
        study_km2=_cell_km2(spec) * len(result),
        bandwidth=float(h),
        bandwidth_rule=rule,
        kde_unit="offences per km²",
        correction=correction,
        alpha=float(alpha),
        n_points=n_points,
        n_dropped_nan=int(n_nan),
        n_outside=n_outside,
        grid=asdict(spec),
        study_area="given" if area_geom is not None else "points",
        inference=inference,
    )
    if inference == "permutation":
        result.attrs.update(permutations=int(permutations), seed=int(seed))
    if grid is not None:  # the earlier result's study area (and its name, see for_store) carries over
        result.attrs.update({k: grid.attrs[k] for k in ("study_area", "study_area_name", "study_area_source",
                                                         "study_area_year", "study_area_buffer") if k in grid.attrs})
    return result


def _grid_statistics(points, grid: gpd.GeoDataFrame, correction: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The columns ``n``, ``gistar`` and ``pvalue_adj`` of ``analyse(points, grid=grid,
    correction=correction)`` as arrays in its row order, without building the frame (the emerging hot
    spots need only these, once per year); the same errors for points that cannot be analysed."""
    x, y, _ = _coordinates(points)
    spec = _spec_from_result(grid)
    x, y, _ = _drop_outside_sweden(x, y)
    if len(x) == 0:
        raise DataError("points", "there are no points with coordinates to analyse", _NO_POINTS_FIX)
    _check_cells(spec.nx, spec.ny, spec.cell_size, DEFAULT_MAX_CELLS)
    mask = None
    if len(grid) < spec.nx * spec.ny:
        mask = np.zeros((spec.ny, spec.nx), dtype=bool)
        mask[grid["row"].to_numpy(), grid["col"].to_numpy()] = True
    rows, cols, inside = _locate(spec, x, y, mask)
    if not inside.any():
        raise DataError("points", "no point lies inside the grid/study area", "check the study area and the grid")
    counts = np.zeros((spec.ny, spec.nx), dtype=np.float64)
    _bincount_into(counts, rows[inside], cols[inside])
    z = _gistar(spec, counts, mask)
    keep = slice(None) if mask is None else mask.ravel()
    zf = z.ravel()[keep]
    p_adj = _adjust(2.0 * stats.norm.sf(np.abs(zf)), correction)
    return counts.ravel()[keep].astype(np.int64), zf, p_adj


def _assemble(spec, counts, kde, z, mask, correction, alpha, areas, simulated=None) -> gpd.GeoDataFrame:
    rows, cols = np.indices((spec.ny, spec.nx))
    rows, cols = rows.ravel(), cols.ravel()
    keep = np.ones(rows.shape, dtype=bool) if mask is None else mask.ravel()
    rows, cols = rows[keep], cols[keep]
    zf = z.ravel()[keep]
    if simulated is None:
        p = 2.0 * stats.norm.sf(np.abs(zf))
        sign = np.sign(np.nan_to_num(zf))
    else:  # permutation p-values: esda's folded p_sim, doubled to be two-sided like the normal ones
        p = np.minimum(1.0, 2.0 * simulated[0].ravel()[keep])
        sign = simulated[1].ravel()[keep].astype(np.float64)
    p_adj = _adjust(p, correction)
    significant = np.nan_to_num(p_adj, nan=1.0) <= alpha
    geometry = _cell_geometries(spec, rows, cols)
    frame = pd.DataFrame(
        {
            "cell_id": _cell_ids(spec, rows, cols).array,
            "row": rows.astype(np.int32),
            "col": cols.astype(np.int32),
            "area": pd.Series(pd.NA, index=range(len(rows)), dtype="string").array,
            "n": counts.ravel()[keep].astype(np.int64),
            "kde": kde.ravel()[keep],
            "gistar": zf,
            "pvalue": p,
            "pvalue_adj": p_adj,
            "gi_bin": _gi_bins(sign, p_adj),
            "hotspot": significant & (sign > 0),
            "coldspot": significant & (sign < 0),
            "hotspot_rank": pd.array([pd.NA] * len(rows), dtype="Int64"),
            "geometry": geometry,
        },
        copy=False,
    )
    result = gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS_SWEREF, copy=False)
    if areas is not None and len(areas):
        result["area"] = _area_of_centres(spec, rows, cols, areas)
    result["hotspot_rank"] = _hotspot_rank(result)
    return result


def _hotspot_rank(cells: pd.DataFrame) -> pd.Series:
    """1, 2, … for the hot-spot cells with points of their own, strongest Gi* first; ``<NA>`` elsewhere."""
    ranked = cells[cells["hotspot"].to_numpy() & (cells["n"] > 0).to_numpy()]
    order = ranked.sort_values(["gistar", "n", "cell_id"], ascending=[False, False, True]).index
    rank = pd.Series(pd.NA, index=cells.index, dtype="Int64")
    rank.loc[order] = np.arange(1, len(order) + 1)
    return rank


def _warn_small(n_points: int, counts: np.ndarray) -> None:
    if n_points < _MIN_POINTS_RELIABLE:
        warnings.warn(
            f"only {n_points} points: hot spots from fewer than {_MIN_POINTS_RELIABLE} are unreliable",
            stacklevel=3,
        )
    if n_points > 1 and int((counts > 0).sum()) == 1:
        warnings.warn(
            "all points fall in one cell: the map cannot show a pattern; use a smaller cell_size",
            stacklevel=3,
        )

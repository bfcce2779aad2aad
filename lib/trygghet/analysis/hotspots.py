"""Hot-spot analysis on a regular grid: counts, quartic KDE, Getis–Ord Gi* with multiple-testing
correction, emerging hot spots, PAI/RRI evaluation and the link to the activity plan.

Everything is computed in SWEREF 99 TM (EPSG:3006) metres on a raster of square cells (default) or
pointy-top hexagons; input in lat/lon is transformed first, never computed in degrees. Neighbour sums,
the KDE and the Gi* statistic are computed on the whole raster at once (array shifts and FFT
convolution), never by loops over points or cells, so a million offences on a million cells take about a
second (``benchmarks/bench_hotspots.py``).

The field's references, whose definitions this module follows and cites:

* **sfhotspot** (R, Ashby): the automatic cell size (shorter side of the points' bounding box / 50,
  rounded down to 100 m) and the KDE bandwidth rule (``MASS::bandwidth.nrd``), see
  https://search.r-project.org/CRAN/refmans/sfhotspot/html/hotspot_gistar.html and the package's
  ``R/set_cell_size.R`` and ``R/bandwidth_nrd.R``.
* **PySAL esda** ``G_Local(y, w, star=True, transform="B")``: the analytic z of Gi* with binary weights
  (Getis & Ord 1992; Ord & Getis 1995). :func:`analyse` gives the same ``Zs`` on the same lattice (tested
  against esda with ``libpysal.weights.lat2W(rook=False)`` plus self-weights).
* **ArcGIS Pro** Hot Spot Analysis (confidence bins ±3/±2/±1 = 99/95/90 %) and Emerging Hot Spot
  Analysis (Gi* per time step, Mann–Kendall trend on the z series, the pattern categories of "How
  Emerging Hot Spot Analysis works",
  https://pro.arcgis.com/en/pro-app/latest/tool-reference/space-time-pattern-mining/learnmoreemerging.htm).
* **Evaluation**: PAI (Chainey, Tompson & Uhlig 2008) and RRI (Levine 2008).

Privacy: the outputs hold counts per cell, never an offence's own point. Published maps and tables
show counts of 1–4 as "<5" (see :mod:`trygghet.reports.maps`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import signal, stats

from trygghet.data.config import CRS_SWEREF
from trygghet.data.errors import DataError, ParameterError
from trygghet.data.vocabulary import MUNICIPAL_TYPES, offence_group_mask

__all__ = [
    "DEFAULT_MAX_CELLS",
    "MIN_CELL_SIZE",
    "CORRECTIONS",
    "GROUPS",
    "MUNICIPAL_TYPES",
    "EMERGING_CATEGORIES",
    "GI_BIN_LABELS",
    "analyse",
    "for_store",
    "emerging",
    "emerging_for_store",
    "classify_emerging",
    "evaluate",
    "measure_coverage",
    "top_hotspots",
    "hotspots_by_area",
    "emerging_summary",
    "count_points",
    "auto_cell_size",
    "auto_bandwidth",
    "mann_kendall",
]

#: the largest grid :func:`analyse` builds unless told otherwise (about 1.5 GB at most in memory)
DEFAULT_MAX_CELLS = 2_000_000
#: the automatic cell size never goes below this (metres); an explicit ``cell_size`` may
MIN_CELL_SIZE = 50.0
#: multiple-testing corrections :func:`analyse` knows
CORRECTIONS = ("fdr_bh", "bonferroni", "none")
#: groups :func:`for_store` accepts besides a category name
GROUPS = ("alla", "vald", "mangdbrott", "kommunala")
#: Swedish labels of ArcGIS's confidence bins
GI_BIN_LABELS = {
    3: "Hot spot, 99 % konfidens",
    2: "Hot spot, 95 % konfidens",
    1: "Hot spot, 90 % konfidens",
    0: "Inte signifikant",
    -1: "Cold spot, 90 % konfidens",
    -2: "Cold spot, 95 % konfidens",
    -3: "Cold spot, 99 % konfidens",
}
#: English key -> Swedish display label of ArcGIS's emerging-hot-spot categories
EMERGING_CATEGORIES = {
    "new_hotspot": "Ny hot spot",
    "consecutive_hotspot": "Sammanhängande hot spot",
    "intensifying_hotspot": "Tilltagande hot spot",
    "persistent_hotspot": "Bestående hot spot",
    "diminishing_hotspot": "Avtagande hot spot",
    "sporadic_hotspot": "Sporadisk hot spot",
    "oscillating_hotspot": "Växlande hot spot",
    "historical_hotspot": "Tidigare hot spot",
    "new_coldspot": "Ny cold spot",
    "consecutive_coldspot": "Sammanhängande cold spot",
    "intensifying_coldspot": "Tilltagande cold spot",
    "persistent_coldspot": "Bestående cold spot",
    "diminishing_coldspot": "Avtagande cold spot",
    "sporadic_coldspot": "Sporadisk cold spot",
    "oscillating_coldspot": "Växlande cold spot",
    "historical_coldspot": "Tidigare cold spot",
    "no_pattern": "Inget mönster",
}

_SHAPES = ("square", "hexagon")
_MIN_POINTS_RELIABLE = 30
# SWEREF 99 TM covers Sweden within roughly these bounds (with a margin); points outside are errors
_SWEREF_BOUNDS = (180_000.0, 6_050_000.0, 1_000_000.0, 7_750_000.0)
_SQRT3 = math.sqrt(3.0)

_PAI_DEFINITION = (
    "PAI = (n/N)/(a/A): the share of the period's offences that fell in the flagged cells (n of N) "
    "divided by the flagged cells' share of the study area (a of A km²) (Chainey, Tompson & Uhlig 2008). "
    "RRI = PAI(t2)/PAI(t1) for the same flagged cells = (n2/n1)/(N2/N1) (Levine 2008)."
)
_PAI_DEFINITION_SV = (
    "PAI = (n/N)/(a/A): andelen av periodens brott som skedde i de utpekade rutorna (n av N) "
    "delat med rutornas andel av analysområdets yta (a av A km²) (Chainey, Tompson & Uhlig 2008). "
    "RRI = PAI(t2)/PAI(t1) för samma rutor (Levine 2008): över 1 betyder att brotten koncentrerats "
    "mer till rutorna, under 1 att koncentrationen minskat."
)


# --------------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------------


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
    100 m, never below :data:`MIN_CELL_SIZE`. The grid covers the bounding box of the points padded by
    the KDE bandwidth (at least one cell) so that the KDE's mass stays inside; cells lie on a lattice
    anchored at multiples of the cell size, so grids of different years or groups line up and
    ``cell_id`` is stable (``"100mN7326100E801500"``: size, south-west corner's northing and easting).
    ``grid=`` reuses the grid of an earlier result (for comparisons between periods); ``study_area=``
    (polygons, e.g. the municipality) keeps only cells whose centre lies inside it. A grid with more
    than ``max_cells`` cells raises a :class:`ParameterError`.

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

    Returns a GeoDataFrame (EPSG:3006) with columns ``cell_id``, ``row``, ``col``, ``area`` (the area of
    ``areas`` the cell centre falls in, ``<NA>`` elsewhere or without ``areas``), ``n``, ``kde``,
    ``gistar``, ``pvalue``, ``pvalue_adj``, ``gi_bin``, ``hotspot``, ``coldspot``, ``geometry``, and
    ``attrs``: ``cell_size``, ``shape``, ``cell_km2``, ``study_km2``, ``bandwidth``, ``bandwidth_rule``,
    ``kde_unit``, ``correction``, ``alpha``, ``n_points``, ``n_dropped_nan``, ``n_outside``, ``grid``.
    """
    if shape is not None:
        _check_choice("shape", shape, _SHAPES)
    _check_choice("correction", correction, CORRECTIONS)
    if not (0 < float(alpha) < 1):
        raise ParameterError(f"alpha={alpha!r} must lie between 0 and 1 (e.g. 0.05)")
    x, y, n_nan = _coordinates(points)
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
        spec = _make_spec(x, y, size, shape or "square", pad=max(h, size), max_cells=max_cells)
    else:
        _check_cells(spec.nx, spec.ny, spec.cell_size, max_cells)
    if h <= 0 or not np.isfinite(h):
        h, rule = spec.cell_size, "one cell (the points have no spread)"
        warnings.warn("the points have no spread, so the KDE bandwidth was set to one cell", stacklevel=2)
    mask = _study_mask(spec, study_area)
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
    result = _assemble(spec, counts, kde, z, mask, correction, float(alpha), areas)
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
    )
    return result


def for_store(
    store,
    year: int,
    category_group: str = "alla",
    *,
    study_area: bool = True,
    **kwargs,
) -> gpd.GeoDataFrame:
    """:func:`analyse` of one year's offences (or municipal incidents) of the store.

    ``category_group``: ``"alla"`` (every offence), ``"vald"`` (BRÅ's violent offences), ``"mangdbrott"``
    (volume crime), a category of the code list (``"bostadsinbrott"`` ...), or ``"kommunala"`` for the
    municipality's own incident reports (``"kommunala_<type>"`` for one type, see
    :data:`MUNICIPAL_TYPES`). Offences without a usable place or outside the municipality cannot be put
    on the grid; they are left out and counted in ``attrs["n_without_place"]`` and
    ``attrs["n_outside_municipality"]`` (reports should state them). With ``study_area=True`` the grid
    is clipped to the municipality's polygon (cells whose centre lies inside) when the store has it. The
    store's areas label the cells (``area``). Other keyword arguments go to :func:`analyse`. ``attrs``
    also hold ``year``, ``category_group`` and ``n_selected`` (rows of the group and year before
    dropping).
    """
    from trygghet.data import store as tstore

    points, info = _store_points(tstore, store, category_group, [int(year)])
    areas = tstore.read_table(store, "areas")
    kwargs.setdefault("areas", areas if len(areas) else None)
    if study_area and "study_area" not in kwargs:
        municipality = tstore.read_table(store, "municipality")
        kwargs["study_area"] = municipality if len(municipality) else None
    if len(points) == 0:
        raise DataError(
            str(tstore.store_dir(store)),
            f"no {_group_text(category_group)} with a place in {year}",
            "choose another year or group (the store's years: "
            + ", ".join(map(str, tstore.years(store, info["table"])))
            + ")",
        )
    result = analyse(points, **kwargs)
    result.attrs.update(info, year=int(year), category_group=category_group)
    return result


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
    ``category`` (English key), ``kategori`` (Swedish label), ``geometry``; ``attrs`` hold ``years`` and
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
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = analyse(part, grid=base, correction=correction, alpha=alpha, bandwidth=base.attrs["bandwidth"])
        z[:, t] = res["gistar"].to_numpy()
        p_adj[:, t] = res["pvalue_adj"].to_numpy()
        counts[:, t] = res["n"].to_numpy()
    keep = counts.sum(axis=1) > 0
    labels = classify_emerging(z[keep], p_adj[keep], alpha=alpha)
    out = base.loc[keep, ["cell_id", "row", "col", "area", "geometry"]].reset_index(drop=True)
    out.insert(4, "n", counts[keep].sum(axis=1).astype(np.int64))
    for column in ("n_hot_years", "n_cold_years", "gistar_last", "trend_z", "trend_p", "category", "kategori"):
        out.insert(len(out.columns) - 1, column, labels[column].to_numpy())
    out.attrs.update(base.attrs, years=years)
    return out


def emerging_for_store(store, years=None, category_group: str = "alla", *, study_area: bool = True, **kwargs):
    """:func:`emerging` of the store's offences (or municipal incidents) of ``category_group``.

    ``years`` default: every year of the table. Offences without a place are left out and counted in
    ``attrs["n_without_place"]`` as in :func:`for_store`.
    """
    from trygghet.data import store as tstore

    table = "municipal_incidents" if category_group.startswith("kommunala") else "offences"
    years = tstore.years(store, table) if years is None else [int(v) for v in years]
    points, info = _store_points(tstore, store, category_group, years)
    areas = tstore.read_table(store, "areas")
    kwargs.setdefault("areas", areas if len(areas) else None)
    if study_area and "study_area" not in kwargs:
        municipality = tstore.read_table(store, "municipality")
        kwargs["study_area"] = municipality if len(municipality) else None
    result = emerging(points, years, **kwargs)
    result.attrs.update(info, category_group=category_group)
    return result


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
    ``n_cold_years``, ``gistar_last``, ``trend_z``, ``trend_p``, ``category``, ``kategori``.
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
            "kategori": [EMERGING_CATEGORIES[c] for c in category],
        }
    )


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


def evaluate(
    flagged: gpd.GeoDataFrame,
    current,
    *,
    flag: str = "hotspot",
    study_km2: float | None = None,
) -> pd.DataFrame:
    """PAI and RRI of the cells flagged in one period against the offences of a later period.

    ``flagged``: an :func:`analyse` result of period t1 whose boolean column ``flag`` (default
    ``"hotspot"``) marks the cells. ``current``: the offences of period t2 (points, put on the same grid)
    or an :func:`analyse` result made with ``grid=flagged``. ``study_km2`` (A) defaults to the grid's
    area (``attrs["study_km2"]``); pass the municipality's area to compare with reports that use it.

    PAI = (n/N)/(a/A), the share of the period's offences caught by the flagged cells over their share
    of the area (Chainey, Tompson & Uhlig 2008); RRI = PAI(t2)/PAI(t1) for the same cells, which equals
    (n2/n1)/(N2/N1) (Levine 2008). Returns two rows, ``period`` ``t1`` (the flagging period: how well the
    map describes it) and ``t2`` (how well it predicts the next), with ``offences_flagged`` (n),
    ``offences_total`` (N), ``hit_rate`` (n/N), ``flagged_cells``, ``flagged_km2`` (a), ``study_km2``
    (A), ``area_share`` (a/A), ``pai`` and ``rri`` (on the t2 row). ``attrs["definition"]`` and
    ``attrs["definition_sv"]`` state the definitions for the report.
    """
    if flag not in flagged.columns:
        raise ParameterError(f"flagged has no column '{flag}'; use a column of booleans such as 'hotspot'")
    if isinstance(current, gpd.GeoDataFrame) and "cell_id" in current.columns and "n" in current.columns:
        later = current
        if not later["cell_id"].equals(flagged["cell_id"]):
            raise ParameterError("the two results lie on different grids; make the later one with grid=flagged")
    else:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*bandwidth.*")
            later = analyse(current, grid=flagged, bandwidth=flagged.attrs.get("bandwidth"))
    mark = flagged[flag].fillna(False).to_numpy(dtype=bool)
    cell_km2 = float(flagged.attrs.get("cell_km2", flagged.geometry.iloc[0].area / 1e6))
    a = cell_km2 * mark.sum()
    area_total = float(study_km2) if study_km2 is not None else cell_km2 * len(flagged)
    rows = []
    for period, frame in (("t1", flagged), ("t2", later)):
        counts = frame["n"].to_numpy()
        n, total = int(counts[mark].sum()), int(counts.sum())
        hit = n / total if total else np.nan
        share = a / area_total if area_total else np.nan
        rows.append(
            {
                "period": period,
                "offences_flagged": n,
                "offences_total": total,
                "hit_rate": hit,
                "flagged_cells": int(mark.sum()),
                "flagged_km2": a,
                "study_km2": area_total,
                "area_share": share,
                "pai": hit / share if share else np.nan,
            }
        )
    out = pd.DataFrame(rows)
    out["rri"] = [np.nan, out["pai"].iloc[1] / out["pai"].iloc[0] if out["pai"].iloc[0] else np.nan]
    out.attrs.update(definition=_PAI_DEFINITION, definition_sv=_PAI_DEFINITION_SV, flag=flag)
    return out


def measure_coverage(
    cells: gpd.GeoDataFrame,
    measures: pd.DataFrame | None,
    safety_walks: pd.DataFrame | None,
    *,
    distance: float = 300.0,
    flag: str = "hotspot",
    exclude_status: tuple[str, ...] = ("avbruten",),
) -> pd.DataFrame:
    """Which hot-spot cells have a situational measure nearby, and the safety-walk findings around them.

    For every cell with ``flag`` true (default: significant hot spots of :func:`analyse`): the
    situational measures of the activity plan (``level == "situationell"`` with ``x``/``y``, status not
    in ``exclude_status``) and the safety-walk findings whose point lies within ``distance`` metres of
    the cell (its polygon; 0 inside). Returns one row per flagged cell, sorted by ``gistar`` descending:
    ``cell_id``, ``area``, ``n``, ``gistar``, ``gi_bin``, ``measures`` (count), ``measure_ids``
    (comma-separated), ``nearest_measure_m``, ``has_measure`` (bool), ``findings``, ``findings_fixed``,
    ``findings_not_fixed``; ``attrs["distance"]`` holds the distance.
    """
    distance = _positive("distance", distance)
    if flag not in cells.columns:
        raise ParameterError(f"cells has no column '{flag}'; pass an analyse() result")
    hot = cells[cells[flag].fillna(False).to_numpy(dtype=bool)]
    hot = hot.sort_values("gistar", ascending=False).reset_index(drop=True)
    geoms = hot.geometry.to_crs(CRS_SWEREF).to_numpy() if hot.crs is not None else hot.geometry.to_numpy()
    out = hot[["cell_id", "area", "n", "gistar", "gi_bin"]].copy()
    sit = _situational(measures, exclude_status)
    d_measure = _distances(geoms, sit)
    within = d_measure <= distance
    ids = sit["measure_id"].astype(str).to_numpy() if len(sit) else np.array([], dtype=object)
    out["measures"] = within.sum(axis=1).astype(np.int64)
    out["measure_ids"] = [", ".join(ids[row]) for row in within] if len(out) else []
    out["nearest_measure_m"] = d_measure.min(axis=1) if d_measure.shape[1] else np.full(len(out), np.nan)
    out["has_measure"] = out["measures"] > 0
    walks = _with_xy(safety_walks, "safety_walks")
    d_walk = _distances(geoms, walks)
    near = d_walk <= distance
    fixed = walks["fixed"].fillna(False).to_numpy(dtype=bool) if len(walks) else np.zeros(0, dtype=bool)
    out["findings"] = near.sum(axis=1).astype(np.int64)
    out["findings_fixed"] = (near & fixed).sum(axis=1).astype(np.int64)
    out["findings_not_fixed"] = (near & ~fixed).sum(axis=1).astype(np.int64)
    out.attrs["distance"] = distance
    return out


def count_points(cells: gpd.GeoDataFrame, points) -> pd.Series:
    """Points per cell of an :func:`analyse` result (e.g. municipal incidents on the offences' grid).

    Points off the grid or without coordinates are not counted. Returns an int64 Series aligned with
    ``cells`` (same index), named ``n``.
    """
    spec = _spec_from_result(cells)
    x, y, _ = _coordinates(points)
    rows, cols, inside = _locate(spec, x, y, None)
    counts = np.zeros((spec.ny, spec.nx), dtype=np.int64)
    np.add.at(counts, (rows[inside], cols[inside]), 1)
    values = counts[cells["row"].to_numpy(), cells["col"].to_numpy()]
    return pd.Series(values, index=cells.index, name="n", dtype=np.int64)


def auto_cell_size(x, y) -> float:
    """sfhotspot's automatic cell size: the shorter side of the bounding box / 50, rounded down.

    Rounded down to a multiple of 100 m (sfhotspot, ``R/set_cell_size.R``); when that would be 0 m
    (a side under 5 km) the unrounded value is used, and the result is never below
    :data:`MIN_CELL_SIZE` (so a single point or points in one place do not give a zero-size grid).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    side = min(np.nanmax(x) - np.nanmin(x), np.nanmax(y) - np.nanmin(y)) if len(x) else 0.0
    raw = side / 50.0
    size = math.floor(raw / 100.0) * 100.0 if raw >= 100.0 else math.floor(raw)
    return float(max(size, MIN_CELL_SIZE))


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


# --------------------------------------------------------------------------------------------------
# grid
# --------------------------------------------------------------------------------------------------

_NO_POINTS_FIX = "check the year and group, or that the offences have places (x, y)"


@dataclass(frozen=True)
class _Spec:
    """The lattice: cell (row, col)'s south-west corner (square) or centre offset (hexagon)."""

    shape: str
    cell_size: float
    x0: float
    y0: float
    nx: int
    ny: int

    @property
    def dy(self) -> float:
        return self.cell_size if self.shape == "square" else self.cell_size * _SQRT3 / 2.0


def _make_spec(x, y, size: float, shape: str, *, pad: float, max_cells: int) -> _Spec:
    xmin, xmax, ymin, ymax = float(np.min(x)), float(np.max(x)), float(np.min(y)), float(np.max(y))
    dy = size if shape == "square" else size * _SQRT3 / 2.0
    pad_x = max(1, math.ceil(pad / size))
    pad_y = max(1, math.ceil(pad / dy))
    c0, c1 = math.floor(xmin / size) - pad_x, math.floor(xmax / size) + pad_x
    r0, r1 = math.floor(ymin / dy) - pad_y, math.floor(ymax / dy) + pad_y
    if shape == "hexagon":
        r0 -= r0 % 2  # row 0 is an even row of the global lattice, so local and global parity agree
    nx, ny = c1 - c0 + 1, r1 - r0 + 1
    _check_cells(nx, ny, size, max_cells)
    return _Spec(shape, float(size), c0 * size, r0 * dy, int(nx), int(ny))


def _check_cells(nx: int, ny: int, size: float, max_cells: int) -> None:
    if int(max_cells) < 9:
        raise ParameterError(f"max_cells={max_cells} is too small; allow at least 9 cells")
    cells = nx * ny
    if cells > max_cells:
        suggest = math.ceil(size * math.sqrt(cells / max_cells) / 50.0) * 50
        raise ParameterError(
            f"the grid would have {cells:,} cells ({nx} × {ny} of {size:g} m), more than max_cells={max_cells:,}; "
            f"use cell_size={suggest} or larger, or raise max_cells (check also for stray points far away)"
        )


def _spec_from_result(result: gpd.GeoDataFrame) -> _Spec:
    spec = getattr(result, "attrs", {}).get("grid")
    if not isinstance(spec, dict):
        raise ParameterError("grid= needs a result of hotspots.analyse() (its attrs['grid'] is missing)")
    return _Spec(**spec)


def _cell_km2(spec: _Spec) -> float:
    if spec.shape == "square":
        return spec.cell_size**2 / 1e6
    return _SQRT3 / 2.0 * spec.cell_size**2 / 1e6


def _global_rc(spec: _Spec) -> tuple[int, int]:
    return round(spec.y0 / spec.dy), round(spec.x0 / spec.cell_size)


def _centres(spec: _Spec, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = spec.cell_size
    if spec.shape == "square":
        return spec.x0 + (cols + 0.5) * s, spec.y0 + (rows + 0.5) * s
    return spec.x0 + cols * s + (rows % 2) * s / 2.0, spec.y0 + rows * spec.dy


def _locate(spec: _Spec, x, y, mask) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row and column of the cell each point falls in, and whether it is on the grid (and in the mask)."""
    s = spec.cell_size
    if spec.shape == "square":
        cols = np.floor((x - spec.x0) / s).astype(np.int64)
        rows = np.floor((y - spec.y0) / s).astype(np.int64)
    else:  # nearest centre among the two candidate rows (a hexagon is its centre's Voronoi cell)
        r_low = np.floor((y - spec.y0) / spec.dy).astype(np.int64)
        best_d = np.full(len(x), np.inf)
        rows = np.zeros(len(x), dtype=np.int64)
        cols = np.zeros(len(x), dtype=np.int64)
        for r in (r_low, r_low + 1):
            c = np.rint((x - spec.x0 - (r % 2) * s / 2.0) / s).astype(np.int64)
            cx, cy = _centres(spec, r, c)
            d = (x - cx) ** 2 + (y - cy) ** 2
            better = d < best_d
            rows, cols, best_d = np.where(better, r, rows), np.where(better, c, cols), np.minimum(d, best_d)
    inside = (rows >= 0) & (rows < spec.ny) & (cols >= 0) & (cols < spec.nx)
    if mask is not None:
        ok = inside.copy()
        ok[inside] = mask[rows[inside], cols[inside]]
        inside = ok
    return rows, cols, inside


def _study_mask(spec: _Spec, study_area) -> np.ndarray | None:
    if study_area is None:
        return None
    if isinstance(study_area, (gpd.GeoDataFrame, gpd.GeoSeries)):
        if study_area.crs is None:
            raise ParameterError("study_area has no CRS; set it (e.g. EPSG:3006)")
        geom = shapely.union_all(study_area.to_crs(CRS_SWEREF).geometry.to_numpy())
    else:
        geom = study_area
    rows, cols = np.indices((spec.ny, spec.nx))
    cx, cy = _centres(spec, rows.ravel(), cols.ravel())
    shapely.prepare(geom)
    mask = shapely.contains_xy(geom, cx, cy).reshape(spec.ny, spec.nx)
    if not mask.any():
        raise DataError("study_area", "no cell of the grid lies inside the study area", "check the study area's CRS")
    return mask


def _cell_geometries(spec: _Spec, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    if spec.shape == "square" and len(rows) == spec.nx * spec.ny:  # the whole lattice, row-major
        return _lattice_squares(spec)
    cx, cy = _centres(spec, rows, cols)
    if spec.shape == "square":
        h = spec.cell_size / 2.0
        offsets = np.array([[-h, -h], [h, -h], [h, h], [-h, h], [-h, -h]])
    else:
        radius = spec.cell_size / _SQRT3
        angles = np.radians([30, 90, 150, 210, 270, 330, 30])
        offsets = np.column_stack([radius * np.cos(angles), radius * np.sin(angles)])
    k = len(offsets)
    coords = np.empty((len(cx), k, 2))
    coords[:, :, 0] = cx[:, None] + offsets[None, :, 0]
    coords[:, :, 1] = cy[:, None] + offsets[None, :, 1]
    if spec.shape == "hexagon":  # neighbours then share vertices exactly (no slivers between cells)
        coords = np.round(coords, 3)
    ring_offsets = np.arange(0, k * len(cx) + 1, k)
    geom_offsets = np.arange(len(cx) + 1)
    return shapely.from_ragged_array(
        shapely.GeometryType.POLYGON, coords.reshape(-1, 2), (ring_offsets, geom_offsets)
    )


def _lattice_squares(spec: _Spec) -> np.ndarray:
    """Square cells of the whole lattice in row-major order, built from the row and column edges."""
    s = spec.cell_size
    xs = spec.x0 + np.arange(spec.nx + 1) * s
    ys = spec.y0 + np.arange(spec.ny + 1) * s
    coords = np.empty((spec.ny, spec.nx, 5, 2))
    for v, (dc, dr) in enumerate([(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]):
        coords[:, :, v, 0] = xs[None, dc : dc + spec.nx]
        coords[:, :, v, 1] = ys[dr : dr + spec.ny, None]
    n = spec.nx * spec.ny
    return shapely.from_ragged_array(
        shapely.GeometryType.POLYGON, coords.reshape(-1, 2), (np.arange(0, 5 * n + 1, 5), np.arange(n + 1))
    )


def _cell_ids(spec: _Spec, rows: np.ndarray, cols: np.ndarray) -> pd.Series:
    size = f"{spec.cell_size:g}m"
    if spec.shape == "square":
        east = pd.Series(np.rint(spec.x0 + cols * spec.cell_size).astype(np.int64)).astype(str)
        north = pd.Series(np.rint(spec.y0 + rows * spec.cell_size).astype(np.int64)).astype(str)
        return (size + "N" + north + "E" + east).astype("string")
    g_row, g_col = _global_rc(spec)
    r = pd.Series(rows + g_row).astype(str)
    c = pd.Series(cols + g_col).astype(str)
    return ("hex" + size + "R" + r + "C" + c).astype("string")


# --------------------------------------------------------------------------------------------------
# statistics on the raster
# --------------------------------------------------------------------------------------------------


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


def _assemble(spec, counts, kde, z, mask, correction, alpha, areas) -> gpd.GeoDataFrame:
    rows, cols = np.indices((spec.ny, spec.nx))
    rows, cols = rows.ravel(), cols.ravel()
    keep = np.ones(rows.shape, dtype=bool) if mask is None else mask.ravel()
    rows, cols = rows[keep], cols[keep]
    zf = z.ravel()[keep]
    p = 2.0 * stats.norm.sf(np.abs(zf))
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
            "gi_bin": _gi_bins(zf, p_adj),
            "hotspot": significant & (np.nan_to_num(zf) > 0),
            "coldspot": significant & (np.nan_to_num(zf) < 0),
            "geometry": geometry,
        },
        copy=False,
    )
    result = gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS_SWEREF, copy=False)
    if areas is not None and len(areas):
        result["area"] = _area_of_centres(spec, rows, cols, areas)
    return result


def _area_of_centres(spec, rows, cols, areas: gpd.GeoDataFrame) -> pd.arrays.StringArray:
    if "area" not in areas.columns or areas.crs is None:
        raise ParameterError("areas must be a GeoDataFrame with a CRS and a column 'area' (the store's areas table)")
    polys = areas.to_crs(CRS_SWEREF)
    cx, cy = _centres(spec, rows, cols)
    labels = np.full(len(cx), None, dtype=object)
    xmin, ymin, xmax, ymax = polys.total_bounds
    near = (cx >= xmin) & (cx <= xmax) & (cy >= ymin) & (cy <= ymax)
    idx = np.flatnonzero(near)
    if len(idx):
        pts = shapely.points(cx[idx], cy[idx])
        hit_pt, hit_poly = polys.sindex.query(pts, predicate="within")
        names = polys["area"].astype(str).to_numpy()
        labels[idx[hit_pt[::-1]]] = names[hit_poly[::-1]]  # the first area wins where areas overlap
    return pd.array(labels, dtype="string")


# --------------------------------------------------------------------------------------------------
# input
# --------------------------------------------------------------------------------------------------


def _as_frame(points) -> pd.DataFrame:
    if isinstance(points, gpd.GeoSeries):
        return gpd.GeoDataFrame(geometry=points)
    if isinstance(points, pd.DataFrame):
        return points
    raise TypeError(
        f"points must be a GeoDataFrame, a GeoSeries or a DataFrame with x/y (SWEREF 99 TM) or lon/lat, "
        f"not {type(points).__name__}"
    )


def _coordinates(points) -> tuple[np.ndarray, np.ndarray, int]:
    """x, y in SWEREF 99 TM of the points with coordinates, and how many had none."""
    frame = _as_frame(points)
    if isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame.columns:
        geo = frame.geometry
        if geo.crs is None:
            raise ParameterError(
                "the points have no CRS; set it (gdf.set_crs('EPSG:4326') for lat/lon, 'EPSG:3006' for SWEREF 99 TM)"
            )
        geo = geo.to_crs(CRS_SWEREF)
        present = geo.notna().to_numpy() & ~geo.is_empty.to_numpy()
        kinds = shapely.get_type_id(geo.to_numpy()[present])
        if len(kinds) and (kinds != 0).any():
            raise DataError("points", "the geometries must be points", "pass the offences' points, not polygons or lines")
        x = np.full(len(geo), np.nan)
        y = np.full(len(geo), np.nan)
        x[present], y[present] = shapely.get_x(geo.to_numpy()[present]), shapely.get_y(geo.to_numpy()[present])
    elif {"x", "y"} <= set(frame.columns):
        x = pd.to_numeric(frame["x"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        y = pd.to_numeric(frame["y"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    elif {"lon", "lat"} <= set(frame.columns):
        lon = pd.to_numeric(frame["lon"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        geo = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(CRS_SWEREF)
        x, y = np.asarray(geo.x, dtype=float), np.asarray(geo.y, dtype=float)
    else:
        raise DataError(
            "points",
            "there are no coordinates (columns x/y in SWEREF 99 TM, lon/lat, or a point geometry)",
            "pass the store's offences or a GeoDataFrame of points",
        )
    ok = np.isfinite(x) & np.isfinite(y)
    dropped = int((~ok).sum())
    if dropped:
        warnings.warn(f"{dropped} of {len(x)} points have no coordinates (NaN) and were left out", stacklevel=3)
    return x[ok], y[ok], dropped


def _drop_outside_sweden(x, y) -> tuple[np.ndarray, np.ndarray, int]:
    xmin, ymin, xmax, ymax = _SWEREF_BOUNDS
    ok = (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)
    bad = int((~ok).sum())
    if bad and not ok.any():
        raise DataError(
            "points",
            f"none of the {bad} points lies in Sweden in SWEREF 99 TM (e.g. x={x[0]:.6g}, y={y[0]:.6g})",
            "are they lat/lon? pass a GeoDataFrame with crs='EPSG:4326' or columns lon/lat",
        )
    if bad:
        warnings.warn(f"{bad} points lie outside Sweden in SWEREF 99 TM and were left out", stacklevel=3)
    return x[ok], y[ok], bad


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


def _bincount_into(counts: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> None:
    flat = np.bincount(rows * counts.shape[1] + cols, minlength=counts.size)
    counts += flat.reshape(counts.shape)


def _nrd(v: np.ndarray) -> float:
    q75, q25 = np.percentile(v, [75, 25])
    spread = min(float(np.std(v, ddof=1)), (q75 - q25) / 1.34)
    if spread <= 0:
        spread = float(np.std(v, ddof=1))
    return 4.0 * 1.06 * spread * len(v) ** (-0.2)


def _positive(name: str, value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name}={value!r} must be a positive number of metres") from None
    if not (number > 0 and math.isfinite(number)):
        raise ParameterError(f"{name}={value!r} must be a positive number")
    return number


def _check_choice(name: str, value, choices) -> None:
    if value not in choices:
        raise ParameterError(f"{name}={value!r} is unknown; use one of {', '.join(map(repr, choices))}")


# --------------------------------------------------------------------------------------------------
# the store
# --------------------------------------------------------------------------------------------------


def _group_text(group: str) -> str:
    return "municipal incidents" if group.startswith("kommunala") else f"offences of group '{group}'"


def _store_points(tstore, store, group: str, years: list[int]) -> tuple[pd.DataFrame, dict]:
    """The store's rows of the group and years, with a place; and counts of what was left out."""
    if group.startswith("kommunala"):
        table = tstore.read_table(store, "municipal_incidents")
        key = group[len("kommunala") :].lstrip("_")
        if key:
            if key not in MUNICIPAL_TYPES:
                raise ParameterError(
                    f"category_group='{group}' is unknown; use 'kommunala' or one of "
                    + ", ".join("kommunala_" + k for k in MUNICIPAL_TYPES)
                )
            table = table[table["type"].isin(MUNICIPAL_TYPES[key])]
        table = table[table["year"].isin(years)]
        placed = table["x"].notna() & table["y"].notna()
        info = {"table": "municipal_incidents", "n_selected": len(table), "n_without_place": int((~placed).sum()),
                "n_outside_municipality": 0}
        return table.loc[placed, ["x", "y", "year"]].reset_index(drop=True), info
    offences = tstore.read_table(store, "offences")
    offences = offences[offences["year"].isin(years)]
    offences = offences[offence_group_mask(offences, group)]
    placed = offences["has_place"].fillna(False).astype(bool) & offences["x"].notna() & offences["y"].notna()
    inside = offences["in_municipality"].fillna(False).astype(bool)
    info = {
        "table": "offences",
        "n_selected": len(offences),
        "n_without_place": int((~placed).sum()),
        "n_outside_municipality": int((placed & ~inside).sum()),
    }
    return offences.loc[placed & inside, ["x", "y", "year"]].reset_index(drop=True), info


# --------------------------------------------------------------------------------------------------
# emerging hot spots and the activity plan
# --------------------------------------------------------------------------------------------------


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


def _situational(measures: pd.DataFrame | None, exclude_status) -> pd.DataFrame:
    frame = _with_xy(measures, "measures")
    if not len(frame):
        return frame
    if "level" not in frame.columns or "measure_id" not in frame.columns:
        raise DataError("measures", "the columns 'measure_id' and 'level' are missing", "pass the store's measures table")
    keep = frame["level"] == "situationell"
    if "status" in frame.columns:
        keep &= ~frame["status"].isin(list(exclude_status))
    return frame[keep.fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)


def _with_xy(frame: pd.DataFrame | None, name: str) -> pd.DataFrame:
    if frame is None or len(frame) == 0:
        return pd.DataFrame({"x": [], "y": [], "measure_id": [], "fixed": []})
    if not {"x", "y"} <= set(frame.columns):
        raise DataError(name, "the columns x and y (SWEREF 99 TM) are missing", f"pass the store's {name} table")
    return frame[frame["x"].notna() & frame["y"].notna()].reset_index(drop=True)


def _distances(geoms: np.ndarray, points: pd.DataFrame) -> np.ndarray:
    if len(points) == 0 or len(geoms) == 0:
        return np.zeros((len(geoms), len(points)))
    pts = shapely.points(points["x"].to_numpy(dtype=float), points["y"].to_numpy(dtype=float))
    return shapely.distance(geoms[:, None], pts[None, :])


# --- tables for the reports ---------------------------------------------------------------------------


def top_hotspots(cells: gpd.GeoDataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` strongest significant hot-spot cells that hold offences themselves (a cell can be
    significant through its neighbours alone), as a reading table with counts of 1–4 as "<5".

    Columns: ``Rang``, ``Område``, ``Antal brott`` (``Antal händelser`` for municipal incidents),
    ``Gi* (z)``, ``Konfidens``. The cell's own coordinates are not shown: the area and the map place it."""
    from trygghet.reports import format as fmt

    noun = "händelser" if str(cells.attrs.get("category_group", "")).startswith("kommunala") else "brott"
    hot = cells[cells["hotspot"].fillna(False).to_numpy(dtype=bool) & (cells["n"] > 0).to_numpy()]
    hot = hot.sort_values("gistar", ascending=False).head(int(n))
    return pd.DataFrame({
        "Rang": range(1, len(hot) + 1),
        "Område": hot["area"].fillna("utanför områdena").astype(str).to_numpy(),
        f"Antal {noun}": [fmt.count(v) for v in hot["n"]],
        "Gi* (z)": [fmt.number(v, 1) for v in hot["gistar"]],
        "Konfidens": [GI_BIN_LABELS[int(b)] for b in hot["gi_bin"]],
    })


def hotspots_by_area(cells: gpd.GeoDataFrame, coverage: pd.DataFrame | None = None) -> pd.DataFrame:
    """Hot-spot cells per area, the offences in them, and (with :func:`measure_coverage`'s result) how
    many lack a situational measure nearby.

    Columns: ``area``, ``hot_cells``, ``n``, ``without_measure``, ``nearest_measure_m`` (the largest
    distance from an uncovered hot cell to its nearest measure); sorted by ``n``."""
    hot = cells[cells["hotspot"].fillna(False).to_numpy(dtype=bool)]
    grouped = pd.DataFrame(hot.drop(columns="geometry")).assign(area=hot["area"].fillna("utanför områdena"))
    table = grouped.groupby("area").agg(hot_cells=("cell_id", "size"), n=("n", "sum"))
    if coverage is not None and len(coverage):
        uncovered = coverage[~coverage["has_measure"]].assign(area=lambda t: t["area"].fillna("utanför områdena"))
        table["without_measure"] = uncovered.groupby("area").size().reindex(table.index, fill_value=0)
        table["nearest_measure_m"] = uncovered.groupby("area")["nearest_measure_m"].max().reindex(table.index)
    else:
        table["without_measure"] = 0
        table["nearest_measure_m"] = np.nan
    out = table.reset_index().sort_values("n", ascending=False).reset_index(drop=True)
    return out.astype({"hot_cells": int, "n": int, "without_measure": int})


def emerging_summary(result: gpd.GeoDataFrame) -> pd.DataFrame:
    """How many cells fall in each emerging-hot-spot category (Swedish labels), the categories with a
    pattern first. Columns: ``kategori``, ``cells``, ``areas`` (the areas they lie in)."""
    table = pd.DataFrame(result.drop(columns="geometry"))
    table = table[table["category"] != "no_pattern"]
    if table.empty:
        return pd.DataFrame(columns=["kategori", "cells", "areas"])
    order = {k: i for i, k in enumerate(EMERGING_CATEGORIES)}
    grouped = table.groupby("category").agg(
        cells=("cell_id", "size"),
        areas=("area", lambda s: ", ".join(sorted(set(s.dropna().astype(str))))),
    ).reset_index()
    grouped["kategori"] = grouped["category"].map(EMERGING_CATEGORIES)
    grouped = grouped.sort_values("category", key=lambda s: s.map(order))
    return grouped[["kategori", "cells", "areas"]].reset_index(drop=True)

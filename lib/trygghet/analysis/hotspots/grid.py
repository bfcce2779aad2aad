"""The hot-spot lattice in SWEREF 99 TM: cells, their ids and geometries, which cell a point falls in,
the study-area mask, and reading points from the caller's frames.

Square cells of ``cell_size`` metres or pointy-top hexagons whose flat-to-flat width is ``cell_size``
(as sfhotspot's ``grid_type="hex"``). Cells lie on a lattice anchored at multiples of the cell size, so
grids of different years or groups line up and ``cell_id`` is stable.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from trygghet.data.config import CRS_SWEREF
from trygghet.data.errors import DataError, ParameterError

__all__ = ["DEFAULT_MAX_CELLS", "MIN_CELL_SIZE", "auto_cell_size", "count_points", "cell_centres"]

#: the largest grid :func:`~trygghet.analysis.hotspots.analyse` builds unless told otherwise (about 1.5 GB at most)
DEFAULT_MAX_CELLS = 2_000_000
#: the automatic cell size never goes below this (metres); an explicit ``cell_size`` may
MIN_CELL_SIZE = 50.0

_SHAPES = ("square", "hexagon")
# SWEREF 99 TM covers Sweden within roughly these bounds (with a margin); points outside are errors
_SWEREF_BOUNDS = (180_000.0, 6_050_000.0, 1_000_000.0, 7_750_000.0)
_SQRT3 = math.sqrt(3.0)
_NO_POINTS_FIX = "check the year and group, or that the offences have places (x, y)"


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


# --- the lattice --------------------------------------------------------------------------------


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


def _study_geometry(study_area):
    """The study area as one shapely geometry in SWEREF 99 TM (``None`` stays ``None``)."""
    if study_area is None:
        return None
    if isinstance(study_area, (gpd.GeoDataFrame, gpd.GeoSeries)):
        if study_area.crs is None:
            raise ParameterError("study_area has no CRS; set it (e.g. EPSG:3006)")
        return shapely.union_all(study_area.to_crs(CRS_SWEREF).geometry.to_numpy())
    return study_area


def _study_mask(spec: _Spec, geom) -> np.ndarray | None:
    """Which lattice cells have their centre inside the study area ``geom`` (``None``: no mask)."""
    if geom is None:
        return None
    shapely.prepare(geom)
    mask = _blockwise_contains(spec, geom)
    if not mask.any():
        raise DataError("study_area", "no cell of the grid lies inside the study area", "check the study area's CRS")
    return mask


def _blockwise_contains(spec: _Spec, geom, block: int = 16) -> np.ndarray:
    """``shapely.contains_xy(geom, centres)`` for every lattice cell, block by block: a block of
    ``block × block`` cells whose centres' bounding box lies in the interior of ``geom`` is inside, one
    disjoint from it is outside, and only the cells of blocks on the border are tested one by one (the
    same answer as testing every centre, a few times faster on a large lattice; a box larger than the
    centres' bounding box only sends more cells to the one-by-one test)."""
    nby, nbx = -(-spec.ny // block), -(-spec.nx // block)
    br, bc = np.indices((nby, nbx))
    r0, c0 = (br * block).ravel(), (bc * block).ravel()
    r1, c1 = np.minimum(r0 + block, spec.ny) - 1, np.minimum(c0 + block, spec.nx) - 1
    x_lo, y_lo = _centres(spec, r0, c0)
    x_hi, y_hi = _centres(spec, r1, c1)
    if spec.shape == "hexagon":  # odd rows are shifted half a cell east: a box around both parities
        x_lo = spec.x0 + c0 * spec.cell_size
        x_hi = spec.x0 + c1 * spec.cell_size + spec.cell_size / 2.0
    eps = 1e-6
    boxes = shapely.box(x_lo - eps, y_lo - eps, x_hi + eps, y_hi + eps)
    inside = shapely.contains_properly(geom, boxes)
    outside = shapely.disjoint(geom, boxes)
    mask = np.zeros((spec.ny, spec.nx), dtype=bool)
    for i in np.flatnonzero(inside):
        mask[r0[i]:r1[i] + 1, c0[i]:c1[i] + 1] = True
    border = np.flatnonzero(~inside & ~outside)
    if len(border):
        parts = [np.indices((r1[i] - r0[i] + 1, c1[i] - c0[i] + 1)).reshape(2, -1) + [[r0[i]], [c0[i]]] for i in border]
        rows, cols = np.concatenate(parts, axis=1)
        cx, cy = _centres(spec, rows, cols)
        mask[rows, cols] = shapely.contains_xy(geom, cx, cy)
    return mask


# The cells' geometries, ids and areas depend only on the lattice, the cells kept and the areas: an
# analysis repeated on the same grid (every year of the emerging hot spots, last year's hot spots on this
# year's grid) reuses them. Copies are handed out, so a caller changing its frame changes no other.
_LATTICE_MEMO: dict[tuple, object] = {}
_LATTICE_MEMO_SIZE = 12


def _lattice_key(kind: str, spec: _Spec, rows: np.ndarray, cols: np.ndarray, extra: bytes = b"") -> tuple:
    digest = hashlib.blake2b(np.ascontiguousarray(rows, dtype=np.int64).tobytes(), digest_size=16)
    digest.update(np.ascontiguousarray(cols, dtype=np.int64).tobytes())
    digest.update(extra)
    return (kind, spec, len(rows), digest.hexdigest())


def _memo_lattice(key: tuple, compute):
    if key not in _LATTICE_MEMO:
        if len(_LATTICE_MEMO) >= _LATTICE_MEMO_SIZE:
            _LATTICE_MEMO.pop(next(iter(_LATTICE_MEMO)))
        _LATTICE_MEMO[key] = compute()
    return _LATTICE_MEMO[key].copy()


def _cell_geometries(spec: _Spec, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The cells' polygons (a fresh array of shared immutable shapely geometries)."""
    return _memo_lattice(_lattice_key("geometry", spec, rows, cols), lambda: _build_geometries(spec, rows, cols))


def _build_geometries(spec: _Spec, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
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
    return _memo_lattice(_lattice_key("id", spec, rows, cols), lambda: _build_ids(spec, rows, cols))


def _build_ids(spec: _Spec, rows: np.ndarray, cols: np.ndarray) -> pd.Series:
    size = f"{spec.cell_size:g}m"
    if spec.shape == "square":
        east = pd.Series(np.rint(spec.x0 + cols * spec.cell_size).astype(np.int64)).astype(str)
        north = pd.Series(np.rint(spec.y0 + rows * spec.cell_size).astype(np.int64)).astype(str)
        return (size + "N" + north + "E" + east).astype("string")
    g_row, g_col = _global_rc(spec)
    r = pd.Series(rows + g_row).astype(str)
    c = pd.Series(cols + g_col).astype(str)
    return ("hex" + size + "R" + r + "C" + c).astype("string")


def _area_of_centres(spec, rows, cols, areas: gpd.GeoDataFrame) -> pd.arrays.StringArray:
    if "area" not in areas.columns or areas.crs is None:
        raise ParameterError("areas must be a GeoDataFrame with a CRS and a column 'area' (the store's areas table)")
    shapes = b"".join(w or b"" for w in shapely.to_wkb(areas.geometry.to_numpy(), hex=False).tolist())
    extra = repr((areas.crs.to_string(), areas["area"].astype(str).tolist())).encode("utf-8") + shapes
    return _memo_lattice(_lattice_key("area", spec, rows, cols, extra),
                         lambda: _build_area_labels(spec, rows, cols, areas))


def _build_area_labels(spec, rows, cols, areas: gpd.GeoDataFrame) -> pd.arrays.StringArray:
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


# --- input --------------------------------------------------------------------------------


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


def _bincount_into(counts: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> None:
    flat = np.bincount(rows * counts.shape[1] + cols, minlength=counts.size)
    counts += flat.reshape(counts.shape)


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


def cell_centres(cells: gpd.GeoDataFrame) -> pd.DataFrame:
    """The centre of each cell of an :func:`~trygghet.analysis.hotspots.analyse` result in SWEREF 99 TM
    metres, computed from the lattice (not from the polygons). Columns ``x`` (easting), ``y``
    (northing), aligned with ``cells``' index."""
    spec = _spec_from_result(cells)
    cx, cy = _centres(spec, cells["row"].to_numpy(), cells["col"].to_numpy())
    return pd.DataFrame({"x": cx, "y": cy}, index=cells.index)

"""The hot-spot study area of populated land, and the population living in each grid cell.

Offences happen where people live, work and travel; a grid over the whole municipality is mostly forest,
bog and sea, and Gi* then compares the town with the empty land around it and finds the whole town hot
(issue 11: 81 % of a uniformly-at-random town's cells flagged). The study area is therefore *populated
land* by default: the squares of SCB's population grid (``befolkning_rutor.csv``, store table
``population_grid``) that have inhabitants in the grid's latest year, widened by ``buffer`` metres
(roads, shops and parks at the edge of a housing area) and clipped to the municipality; where the store
has no population grid, SCB's built-up areas (*tätorter*, store table ``built_up_areas``) widened the
same way. Without either, the municipality is the study area, as before.

One study area per store (the grid's latest year), so every offence group, year and report has the same
cells and the same ``A`` of PAI and RRI. Frames in, frames out; the reports word it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from trygghet.analysis.hotspots.grid import _centres, _spec_from_result
from trygghet.data import store as tstore
from trygghet.data.config import CRS_SWEREF
from trygghet.data.errors import DataError, ParameterError

__all__ = ["DEFAULT_BUFFER", "STUDY_AREAS", "has_population_grid", "populated_land", "populated_geometry",
           "population_per_cell"]

#: metres added around the populated squares (or built-up areas): a 250 m cell next to a housing
#: area (its road, its shop, its park) belongs to the study area
DEFAULT_BUFFER = 250.0
#: the study areas :func:`trygghet.analysis.hotspots.for_store` knows
STUDY_AREAS = ("populated", "municipality")
_GRID_COLUMNS = ("x", "y", "size", "year", "population")


def has_population_grid(store_or_frame) -> bool:
    """Whether the store (or the frame) holds a population grid with at least one populated square."""
    try:
        grid = _grid_table(store_or_frame)
    except DataError:
        return False
    return bool(len(grid) and (grid["population"] > 0).any())


def populated_land(store, *, buffer: float = DEFAULT_BUFFER) -> gpd.GeoDataFrame | None:
    """The store's populated land as a one-row GeoDataFrame (EPSG:3006), or ``None`` when the store has
    neither a population grid nor built-up areas.

    Columns ``study_area`` (``"populated"``), ``name`` (the municipality's), ``source``
    (``"befolkning_rutor"`` or ``"tatorter"``), ``year`` (of the grid or the built-up areas, ``<NA>`` if
    unknown), ``buffer`` (metres) and ``geometry``: the populated squares of the grid's latest year (or
    the built-up areas) widened by ``buffer`` and clipped to the municipality's outline.
    """
    buffer = _buffer(buffer)
    folder = tstore.store_dir(store).resolve()
    stamp = (folder / "store.json").stat().st_mtime_ns
    row = _populated_cached(str(folder), stamp, buffer)
    if row is None:
        return None
    return gpd.GeoDataFrame({k: [v] for k, v in row[0].items()}, geometry=[row[1]], crs=CRS_SWEREF)


def population_per_cell(store_or_frame, grid: gpd.GeoDataFrame, year: int | None = None) -> pd.Series:
    """The population living in each cell of ``grid`` (an :func:`~trygghet.analysis.hotspots.analyse`
    or ``for_store`` result): float64, aligned with ``grid``'s index, named ``population``.

    Each square of the population grid spreads its people evenly over its area, so a cell gets the
    people of the parts of squares it covers (a 1 km square gives 1/16 of its people to each 250 m cell
    of a lattice that lines up with it; other lattices by sample points, see :func:`_spread`).
    ``store_or_frame``: a store folder or a frame shaped like the store table
    ``population_grid`` (``x``, ``y`` = south-west corner in SWEREF 99 TM, ``size`` in metres, ``year``,
    ``population``). ``year``: default ``grid.attrs["year"]``, else the table's latest; the table's
    latest year up to ``year`` is used (its earliest when all are later). Cells with nobody: 0.
    """
    table = _grid_table(store_or_frame)
    if not len(table):
        raise DataError("population_grid", "the store has no population grid",
                        "put SCB's befolkning_rutor.csv in data/raw and run `trygghet ingest` again")
    years = np.sort(table["year"].unique())
    wanted = year if year is not None else grid.attrs.get("year", years[-1])
    earlier = years[years <= int(wanted)]
    chosen = int(earlier[-1]) if len(earlier) else int(years[0])
    squares = table[table["year"] == chosen]
    spec = _spec_from_result(grid)
    sums = np.zeros((spec.ny, spec.nx))
    for size, part in squares.groupby("size"):
        _spread(spec, part["x"].to_numpy(float), part["y"].to_numpy(float), float(size),
                part["population"].to_numpy(float), sums)
    values = sums[grid["row"].to_numpy(), grid["col"].to_numpy()]
    out = pd.Series(values, index=grid.index, name="population", dtype="float64")
    out.attrs.update(year=chosen, source="befolkning_rutor")
    return out


# --- internals -------------------------------------------------------------------------------


def _buffer(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"buffer={value!r} must be a number of metres (e.g. 250)") from None
    if not (0 <= number <= 5000):
        raise ParameterError(f"buffer={value!r} must lie between 0 and 5000 metres (default {DEFAULT_BUFFER:g})")
    return number


def _grid_table(store_or_frame) -> pd.DataFrame:
    if isinstance(store_or_frame, pd.DataFrame):
        missing = [c for c in _GRID_COLUMNS if c not in store_or_frame.columns]
        if missing:
            raise ParameterError("the population grid frame lacks the column(s) " + ", ".join(missing)
                                 + " (use the store table population_grid)")
        return store_or_frame
    folder = tstore.store_dir(store_or_frame)
    if not (folder / tstore.TABLES["population_grid"]).is_file():  # a store ingested before the grid existed
        raise DataError(str(folder), "the store has no population grid table",
                        "run `trygghet ingest` again with this version")
    return tstore.read_table(store_or_frame, "population_grid")


@lru_cache(maxsize=8)
def _populated_cached(folder: str, stamp: int, buffer: float):
    """(attributes, geometry) of the store's populated land, or None (cached per store version)."""
    del stamp  # part of the key only
    outline = None
    name = ""
    municipality = tstore.read_table(folder, "municipality")
    if len(municipality):
        outline = shapely.union_all(municipality.to_crs(CRS_SWEREF).geometry.to_numpy())
        name = str(municipality["name"].iloc[0]) if "name" in municipality.columns else ""
    geom, source, year = None, None, pd.NA
    if has_population_grid(folder):
        table = _grid_table(folder)
        year = int(table["year"].max())
        squares = table[(table["year"] == year) & (table["population"] > 0)]
        geom = _squares_union(squares)
        source = "befolkning_rutor"
    elif (Path(folder) / tstore.TABLES["built_up_areas"]).is_file():
        built = tstore.read_table(folder, "built_up_areas")
        if len(built):
            geom = shapely.union_all(built.to_crs(CRS_SWEREF).geometry.to_numpy())
            known = built["year"].dropna()
            year = int(known.max()) if len(known) else pd.NA
            source = "tatorter"
    if geom is None:
        return None
    geom = _widen(geom, buffer, outline)
    attrs = {"study_area": "populated", "name": name, "source": source, "year": year, "buffer": buffer}
    return attrs, geom


def _squares_union(squares: pd.DataFrame):
    x, y, s = (squares[c].to_numpy(float) for c in ("x", "y", "size"))
    return shapely.union_all(shapely.box(x, y, x + s, y + s))


def populated_geometry(squares: pd.DataFrame, *, buffer: float = DEFAULT_BUFFER, outline=None):
    """Populated land from a frame of populated squares (``x``, ``y`` = south-west corner, ``size``; the
    rows with ``population`` > 0 when that column is there) as one shapely geometry in SWEREF 99 TM:
    the squares' union widened by ``buffer`` metres and clipped to ``outline`` (e.g. the
    municipality). :func:`populated_land` builds the store's study area with it."""
    if "population" in squares.columns:
        squares = squares[squares["population"] > 0]
    if not len(squares):
        raise DataError("population grid", "no square has inhabitants", "check befolkning_rutor.csv")
    return _widen(_squares_union(squares), _buffer(buffer), outline)


def _widen(geom, buffer: float, outline):
    if buffer > 0:
        geom = shapely.buffer(geom, buffer, quad_segs=4)
    if outline is not None:
        geom = shapely.intersection(geom, outline)
    return geom


def _spread(spec, x0, y0, size, people, out) -> None:
    """Add each square's people to the cells of ``spec`` by ``k × k`` sample points per square,
    ``k = 4 · ⌈size / cell⌉``: exact where the squares line up with the lattice (a 1 km square gives
    1/16 to each 250 m cell), within a sample point's share elsewhere."""
    cell = spec.cell_size
    k = 4 * int(np.ceil(size / cell - 1e-9))
    offsets = (np.arange(k) + 0.5) / k * size
    px = np.broadcast_to(x0[:, None, None] + offsets[None, None, :], (len(x0), k, k)).ravel()
    py = np.broadcast_to(y0[:, None, None] + offsets[None, :, None], (len(y0), k, k)).ravel()
    share = np.repeat(people / (k * k), k * k)
    if spec.shape == "square":
        cols = np.floor((px - spec.x0) / cell).astype(np.int64)
        rows = np.floor((py - spec.y0) / cell).astype(np.int64)
    else:  # nearest centre among the candidates (as the lattice locates points)
        rows, cols = _hex_locate(spec, px, py)
    ok = (rows >= 0) & (rows < spec.ny) & (cols >= 0) & (cols < spec.nx)
    flat = np.bincount(rows[ok] * spec.nx + cols[ok], weights=share[ok], minlength=spec.ny * spec.nx)
    out += flat.reshape(out.shape)


def _hex_locate(spec, x, y):
    r_low = np.floor((y - spec.y0) / spec.dy).astype(np.int64)
    best = np.full(len(x), np.inf)
    rows = np.zeros(len(x), dtype=np.int64)
    cols = np.zeros(len(x), dtype=np.int64)
    for r in (r_low, r_low + 1):
        c = np.rint((x - spec.x0 - (r % 2) * spec.cell_size / 2.0) / spec.cell_size).astype(np.int64)
        cx, cy = _centres(spec, r, c)
        d = (x - cx) ** 2 + (y - cy) ** 2
        better = d < best
        rows, cols, best = np.where(better, r, rows), np.where(better, c, cols), np.minimum(d, best)
    return rows, cols

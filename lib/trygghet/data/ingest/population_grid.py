"""Populated land: SCB's population grid (``befolkning_rutor.csv``, population per 1 km or 250 m square)
and SCB's built-up areas (``tatorter.gpkg``, *tätorter*), the two sources of the hot-spot study area of
populated land (:mod:`trygghet.analysis.hotspots.study_area`).

``befolkning_rutor.csv``: ``ruta;x_sweref99tm;y_sweref99tm;storlek;år;befolkning`` — one row per
populated square: SCB's square id, the south-west corner in SWEREF 99 TM, the side in metres, the year
and the total population (SCB adjusts small values; a square missing from the file has nobody).
Corners must lie on SCB's lattice (multiples of the side). ``tatorter.gpkg``: polygons with
``tätortskod``, ``namn``, ``befolkning``, ``år`` in any CRS with a definition.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from trygghet.data import schemas as sch
from trygghet.data.config import CRS_SWEREF
from trygghet.data.errors import DataError
from trygghet.data.ingest.reading import Checker, Context, Raw, Spec, col, read_csv, read_geofile, start_checker
from trygghet.data.ingest.report import FileReport
from trygghet.data.ingest.values import fold_header, parse_int, parse_number, to_string

__all__ = ["GRID_SIZES", "POPULATION_GRID", "ingest_population_grid", "ingest_built_up_areas"]

#: square sides (metres) the grid may use: SCB publishes 1 km everywhere and 250 m in built-up areas
GRID_SIZES = (100, 250, 500, 1000)
# SWEREF 99 TM within Sweden (with a margin), as the hot-spot lattice checks points
_X_RANGE = (180_000.0, 1_000_000.0)
_Y_RANGE = (6_050_000.0, 7_750_000.0)

POPULATION_GRID = Spec(
    kind="population_grid", table="population_grid",
    required={"x_sweref99tm": "x_sweref99tm", "y_sweref99tm": "y_sweref99tm", "storlek": "storlek", "ar": "år",
              "befolkning": "befolkning"},
    optional={"ruta": "ruta"},
)


def ingest_population_grid(files: list, ctx: Context) -> pd.DataFrame:
    """``befolkning_rutor.csv`` → the store table ``population_grid`` (``square``, ``x``, ``y`` = the
    south-west corner, ``size``, ``year``, ``population``); bad rows go to the rejects."""
    if not files:
        return sch.empty_table("population_grid")
    raw = read_csv(files[0][0], ctx, POPULATION_GRID)
    ctx.reports.append(raw.report)
    checker = start_checker(raw, ctx)
    f = raw.frame
    x, bad_x = parse_number(f["x_sweref99tm"])
    y, bad_y = parse_number(f["y_sweref99tm"])
    size, bad_size = parse_int(f["storlek"])
    year, bad_year = parse_int(f["ar"])
    people, bad_people = parse_int(f["befolkning"])
    for key, bad, what in (("x_sweref99tm", bad_x, "not a number (SWEREF 99 TM easting in metres)"),
                           ("y_sweref99tm", bad_y, "not a number (SWEREF 99 TM northing in metres)")):
        checker.reject(bad | (f[key] == "").to_numpy(dtype=bool), key, f[key], what)
    outside = ~((x >= _X_RANGE[0]) & (x <= _X_RANGE[1]) & (y >= _Y_RANGE[0]) & (y <= _Y_RANGE[1]))
    checker.reject(outside, "x_sweref99tm", f["x_sweref99tm"] + " " + f["y_sweref99tm"],
                   "the corner does not lie in Sweden in SWEREF 99 TM (x 180 000–1 000 000, y 6 050 000–7 750 000)")
    checker.reject(bad_size | ~np.isin(size, GRID_SIZES), "storlek", f["storlek"],
                   "storlek is not a square side SCB uses (" + ", ".join(map(str, GRID_SIZES)) + " m)")
    side = np.where(np.isfinite(size) & (size > 0), size, 1.0)
    off_lattice = (np.abs(np.mod(x, side)) > 0.5) | (np.abs(np.mod(y, side)) > 0.5)
    checker.reject(off_lattice, "x_sweref99tm", f["x_sweref99tm"] + " " + f["y_sweref99tm"],
                   "the corner is not on SCB's grid (x and y must be multiples of storlek: the south-west corner, "
                   "not the centre)")
    checker.reject(bad_year | (f["ar"] == "").to_numpy(dtype=bool) | (year < 1900) | (year > 2100), "ar", f["ar"],
                   "år is not a year")
    checker.reject(bad_people | (f["befolkning"] == "").to_numpy(dtype=bool) | (people < 0), "befolkning",
                   f["befolkning"], "befolkning is not a whole number of people")
    key = pd.DataFrame({"x": x, "y": y, "s": size, "a": year})
    checker.reject(key.duplicated(keep="first").to_numpy(dtype=bool), "x_sweref99tm", f["x_sweref99tm"],
                   "the same square and year appear twice")
    keep = checker.finish()
    ids = col(raw, "ruta").to_numpy(dtype=object)[keep]
    xs, ys, sizes = x[keep], y[keep], size[keep].astype(np.int64)
    derived = np.array([f"{int(s)}mN{int(b)}E{int(a)}" for a, b, s in zip(xs, ys, sizes)], dtype=object)
    ids = np.where(ids == "", derived, ids)
    frame = pd.DataFrame({
        "square": to_string(ids),
        "x": xs.astype("float64"),
        "y": ys.astype("float64"),
        "size": sizes.astype("int32"),
        "year": year[keep].astype("int16"),
        "population": people[keep].astype("int64"),
    })
    return frame.sort_values(["year", "y", "x", "size"], kind="stable").reset_index(drop=True)


def ingest_built_up_areas(files: list, ctx: Context) -> gpd.GeoDataFrame:
    """``tatorter.gpkg`` → the store table ``built_up_areas`` (``code``, ``name``, ``population``,
    ``year``, polygons in SWEREF 99 TM); features without a polygon go to the rejects."""
    if not files:
        return sch.empty_table("built_up_areas")
    path = files[0][0]
    gdf = read_geofile(path, ctx, "download SCB's tätorter again as GeoPackage")
    if gdf.crs is None:
        raise DataError(path.name, "the file has no coordinate reference system",
                        "save it with its CRS (SCB publishes tätorter in EPSG:3006)")
    headers = {fold_header(c): c for c in gdf.columns if c != gdf.geometry.name}
    if "namn" not in headers and "tatort" in headers:
        headers["namn"] = headers["tatort"]
    report = FileReport(file=path.name, table="built_up_areas")
    frame = pd.DataFrame({key: gdf[c].astype(object).where(gdf[c].notna(), "").astype(str).str.strip()
                          for key, c in headers.items()})
    raw = Raw(name=path.name, frame=frame, lines=np.arange(len(frame), dtype=np.int64) + 1, headers=headers,
              report=report, bad_fields=np.zeros(len(frame), dtype=bool))
    report.checks["line_is_feature_number"] = True
    checker = Checker(raw, ctx)
    geom = gdf.geometry.to_crs(CRS_SWEREF)
    name = col(raw, "namn")
    checker.reject(geom.isna().to_numpy() | geom.is_empty.to_numpy(), "namn", name, "the feature has no geometry")
    poly = geom.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy(dtype=bool)
    checker.reject(~poly, "namn", name, "the geometry is not a polygon")
    people, bad_people = parse_int(col(raw, "befolkning"))
    checker.reject(bad_people | (people < 0), "befolkning", col(raw, "befolkning"),
                   "befolkning is not a whole number of people")
    year, bad_year = parse_int(col(raw, "ar"))
    checker.reject(bad_year | (year < 1900) | (year > 2100), "ar", col(raw, "ar"), "år is not a year")
    keep = checker.finish()
    ctx.reports.append(report)
    geom = geom[keep]
    if (~geom.is_valid.to_numpy(dtype=bool)).any():
        geom = geom.make_valid()
    return gpd.GeoDataFrame({
        "code": to_string(col(raw, "tatortskod").to_numpy(dtype=object)[keep]),
        "name": to_string(name.to_numpy(dtype=object)[keep]),
        "population": pd.array(np.where(np.isfinite(people[keep]), people[keep], np.nan), dtype="Float64").astype("Int64"),
        "year": pd.array(np.where(np.isfinite(year[keep]), year[keep], np.nan), dtype="Float64").astype("Int16"),
    }, geometry=gpd.GeoSeries(geom.to_numpy(), crs=CRS_SWEREF), crs=CRS_SWEREF)

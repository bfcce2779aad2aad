"""Places in the ingest: coordinates (SWEREF 99 TM or WGS 84, swapped pairs put right), the areas file,
area names, and the point-in-area join that gives every offence its area and ``in_municipality``.

What the store's place columns mean for a report (placed / outside the municipality / no place) is
decided once, by :func:`trygghet.analysis.places.place_status`.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from trygghet.data import schemas as sch
from trygghet.data.config import CRS_SWEREF, CRS_WGS84, MUNICIPALITY_CODE, MUNICIPALITY_NAME
from trygghet.data.errors import DataError
from trygghet.data.ingest.open_geo import scb_areas
from trygghet.data.ingest.reading import Checker, Context, Raw, col, read_geofile
from trygghet.data.ingest.report import FileReport
from trygghet.data.ingest.values import fold, fold_header, parse_number, to_string, unique_map

__all__ = [
    "MUNICIPALITY_NAME", "resolve_areas", "unknown_area_reason", "read_place", "locate_codes", "locate",
    "place_checks", "area_from_place", "ingest_areas",
]

# Luleå in WGS 84 lies near lat 65-66, lon 21-23; anything in Sweden has lat 55-70, lon 10-25.
_LAT_RANGE = (54.0, 70.0)
_LON_RANGE = (10.0, 25.0)
# SWEREF 99 TM in Sweden: easting 200 000 - 1 000 000 m, northing 6 100 000 - 7 700 000 m.
_NORTHING_MIN = 5_000_000.0
_EASTING_MAX = 2_000_000.0


def resolve_areas(s: pd.Series, ctx: Context, whole: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Area names as written -> (canonical name or '', bad mask, reasons)."""
    lookup = dict(ctx.area_lookup)
    if whole:
        lookup[fold(sch.WHOLE_MUNICIPALITY)] = sch.WHOLE_MUNICIPALITY

    def one(u: pd.Series) -> np.ndarray:
        if not ctx.area_lookup:
            return np.array([v for v in u], dtype=object)
        return np.array([lookup.get(fold(v), None) if v != "" else "" for v in u], dtype=object)

    values = unique_map(s, one)
    bad = pd.isna(values)
    values = np.where(bad, "", values)
    return values, bad


def unknown_area_reason(ctx: Context, whole: bool = False) -> str:
    names = sorted(set(ctx.area_lookup.values()))
    extra = f", or '{sch.WHOLE_MUNICIPALITY}'" if whole else ""
    return "unknown area; the areas are " + ", ".join(names) + extra


def read_place(raw: Raw, checker: Checker, report: FileReport) -> tuple[np.ndarray, np.ndarray]:
    """SWEREF 99 TM x/y (or WGS 84 lat/lon) -> x, y in EPSG:3006; NaN without a place."""
    n = len(raw.frame)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    if "x_sweref99tm" in raw.frame.columns or "y_sweref99tm" in raw.frame.columns:
        x, y = _coordinate_pair(raw, checker, ("x_sweref99tm", "x", "SWEREF 99 TM easting in metres"),
                                ("y_sweref99tm", "y", "SWEREF 99 TM northing in metres"))
        swapped = np.isfinite(x) & (x > _NORTHING_MIN) & (y < _EASTING_MAX)
        if swapped.any():
            x, y = np.where(swapped, y, x), np.where(swapped, x, y)
            report.checks["swapped_xy"] = int(swapped.sum())
            report.warnings.append(f"{int(swapped.sum())} rows had x and y swapped (x looked like a northing); swapped back")
    if "lat" in raw.frame.columns or "lon" in raw.frame.columns:
        lat, lon = _coordinate_pair(raw, checker, ("lat", "lat", "WGS 84 latitude in degrees"),
                                    ("lon", "lon", "WGS 84 longitude in degrees"))
        use = np.isfinite(lat) & np.isfinite(lon) & ~np.isfinite(x)
        swapped = use & (lat >= _LON_RANGE[0]) & (lat <= _LON_RANGE[1]) & (lon >= _LAT_RANGE[0]) & (lon <= _LAT_RANGE[1])
        if swapped.any():
            lat, lon = np.where(swapped, lon, lat), np.where(swapped, lat, lon)
            report.checks["swapped_latlon"] = int(swapped.sum())
            report.warnings.append(
                f"{int(swapped.sum())} rows had lat and lon in swapped order (lat {_LON_RANGE[0]:.0f}-{_LON_RANGE[1]:.0f}, "
                f"lon {_LAT_RANGE[0]:.0f}-{_LAT_RANGE[1]:.0f}); swapped back")
        impossible = use & ((np.abs(lat) > 90) | (np.abs(lon) > 180))
        checker.reject(impossible, "lat", col(raw, "lat"), "not a WGS 84 position (latitude beyond ±90 or longitude beyond ±180)")
        use &= ~impossible
        if use.any():

            tx, ty = Transformer.from_crs(CRS_WGS84, CRS_SWEREF, always_xy=True).transform(lon[use], lat[use])
            x[use] = tx
            y[use] = ty
    return x, y


def _coordinate_pair(raw: Raw, checker: Checker, first: tuple[str, str, str],
                     second: tuple[str, str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Two coordinate columns parsed as numbers; a value that is no number, or one given without its
    partner, goes to the rejects. ``first``/``second``: (column, short name, what the number is)."""
    (col_a, name_a, what_a), (col_b, name_b, what_b) = first, second
    a, bad_a = parse_number(col(raw, col_a))
    b, bad_b = parse_number(col(raw, col_b))
    checker.reject(bad_a, col_a, col(raw, col_a), f"not a number ({what_a})")
    checker.reject(bad_b, col_b, col(raw, col_b), f"not a number ({what_b})")
    half = np.isfinite(a) != np.isfinite(b)
    checker.reject(half & ~np.isfinite(b), col_b, col(raw, col_b), f"{name_a} is given without {name_b}")
    checker.reject(half & ~np.isfinite(a), col_a, col(raw, col_a), f"{name_b} is given without {name_a}")
    return a, b


def locate_codes(x: np.ndarray, y: np.ndarray, ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """Point-in-polygon join of places to the areas: (index into ctx.areas or -1, inside the municipality).

    Vectorised with shapely's ``intersects_xy`` on prepared polygons (the same result as a geopandas
    ``sjoin(predicate="intersects")`` without building a point object per offence); a point on the border
    of two areas goes to the first area in name order.
    """

    n = len(x)
    has = np.isfinite(x) & np.isfinite(y)
    codes = np.full(n, -1, dtype=np.int64)
    if ctx.areas.empty:
        return codes, has.copy()
    idx = np.flatnonzero(has)
    px, py = x[idx], y[idx]
    found = np.full(len(idx), -1, dtype=np.int64)
    for i, polygon in enumerate(ctx.areas.geometry.to_numpy()):
        todo = found < 0
        if not todo.any():
            break
        shapely.prepare(polygon)
        hit = shapely.intersects_xy(polygon, px[todo], py[todo])
        sub = np.flatnonzero(todo)[hit]
        found[sub] = i
    codes[idx] = found
    return codes, codes >= 0


def locate(x: np.ndarray, y: np.ndarray, ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`locate_codes`, with area names ('' outside or without a place)."""
    codes, inside = locate_codes(x, y, ctx)
    names = np.array(list(ctx.areas["area"]) + [""], dtype=object)
    return names[codes], inside


def place_checks(report: FileReport, has_place: np.ndarray, inside: np.ndarray, ctx: Context, what: str) -> None:
    n = len(has_place)
    without = int((~has_place).sum())
    outside = int((has_place & ~inside).sum())
    report.checks["without_place"] = without
    report.checks["outside_municipality"] = outside if not ctx.areas.empty else 0
    if without:
        report.warnings.append(f"{without} of {n} {what} ({100 * without / max(n, 1):.1f} %) have no place; "
                               "they count in every total and are left out of maps only")
    if outside and not ctx.areas.empty:
        report.warnings.append(f"{outside} {what} have a place outside the municipality; kept, without an area")
    if ctx.areas.empty and has_place.any():
        report.warnings.append("no areas file (omraden.geojson): places were not checked against the municipality")



def area_from_place(area: np.ndarray, x: np.ndarray, y: np.ndarray, ctx: Context, report: FileReport,
                     what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fill an empty area from the place (spatial join); report places outside the municipality."""
    has = np.isfinite(x) & np.isfinite(y)
    located, inside = locate(x, y, ctx)
    fill = (area == "") & has & (located != "")
    area = np.where(fill, located, area)
    outside = has & ~inside
    if outside.any() and not ctx.areas.empty:
        report.checks["outside_municipality"] = int(outside.sum())
        report.warnings.append(f"{int(outside.sum())} {what} have a place outside the municipality; kept")
    differs = has & inside & (area != "") & (located != area)
    if differs.any():
        report.checks["area_differs_from_place"] = int(differs.sum())
        report.warnings.append(f"{int(differs.sum())} {what} name an area other than the one their place lies in; "
                               "the named area is kept")
    return area, x, y



def ingest_areas(files: list, ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame]:

    if not files:
        scb = scb_areas(ctx)  # SCB's DeSO/RegSO from `trygghet fetch`, when the municipality has no areas file
        if scb is not None:
            return _area_tables(scb.names, scb.codes, scb.geometry, scb.report, ctx, scb.name, scb.code)
        ctx.warnings.append("no areas file (omraden.geojson or omraden.gpkg): areas are empty and places "
                            "are not joined to areas")
        return sch.empty_table("areas"), sch.empty_table("municipality")
    path = files[0][0]
    gdf = read_geofile(path, ctx, "export the areas again as GeoJSON or GeoPackage")
    report = FileReport(file=path.name, table="areas")
    headers = {fold_header(c): c for c in gdf.columns if c != gdf.geometry.name}
    for key, name in (("omrade", "område"), ("omradeskod", "områdeskod")):
        if key not in headers:
            found = ", ".join(f"'{c}'" for c in headers.values()) or "none"
            raise DataError(path.name, f"column '{name}' is missing; the columns found are {found}",
                            f"add the property '{name}' to every area")
    if gdf.crs is None:
        raise DataError(path.name, "the file has no coordinate reference system",
                        "save it with its CRS (for instance EPSG:3006 or EPSG:4326)")
    frame = pd.DataFrame({key: gdf[col].astype(object).where(gdf[col].notna(), "").astype(str).str.strip()
                          for key, col in headers.items()})
    raw = Raw(name=path.name, frame=frame, lines=np.arange(len(frame), dtype=np.int64) + 1,
               headers=headers, report=report, bad_fields=np.zeros(len(frame), dtype=bool))
    report.checks["line_is_feature_number"] = True
    checker = Checker(raw, ctx)
    geom = gdf.geometry.to_crs(CRS_SWEREF)
    names = frame["omrade"]
    checker.reject((names == "").to_numpy(dtype=bool), "omrade", names, "the area has no name")
    checker.reject(geom.isna().to_numpy() | geom.is_empty.to_numpy(), "omrade", names, "the area has no geometry")
    poly = geom.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy(dtype=bool)
    checker.reject(~poly, "omrade", names, "the geometry is not a polygon")
    keys = names.map(fold)
    checker.reject(keys.duplicated().to_numpy(dtype=bool), "omrade", names, "the area is listed twice")
    keep = checker.finish()
    name = _first_value(frame, ("kommun", "kommunnamn"), MUNICIPALITY_NAME)
    code = _first_value(frame, ("kommunkod",), MUNICIPALITY_CODE)
    return _area_tables(names[keep].to_numpy(), frame["omradeskod"][keep].to_numpy(), geom[keep], report, ctx,
                        name, code)


def _area_tables(names: np.ndarray, codes: np.ndarray, geom: gpd.GeoSeries, report: FileReport, ctx: Context,
                 name: str, code: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The store's ``areas`` (sorted by name; invalid polygons repaired and said so in ``report``) and
    ``municipality`` (their union, with ``name`` and ``code``) from checked areas in SWEREF 99 TM; sets the
    context's areas and name lookup for the tables read after them."""
    invalid = ~geom.is_valid.to_numpy(dtype=bool)
    if invalid.any():
        geom = geom.make_valid()
        report.warnings.append(f"{int(invalid.sum())} area geometries were invalid and were repaired")
    areas = gpd.GeoDataFrame({
        "area": to_string(names),
        "area_code": to_string(codes),
        "area_km2": geom.area.to_numpy() / 1e6,
    }, geometry=gpd.GeoSeries(geom.to_numpy(), crs=CRS_SWEREF), crs=CRS_SWEREF)
    areas = areas.sort_values("area", kind="stable").reset_index(drop=True)
    ctx.areas = areas
    ctx.area_lookup = {fold(a): a for a in areas["area"]}
    ctx.area_lookup.update({fold(c): a for c, a in zip(areas["area_code"], areas["area"]) if isinstance(c, str)})
    ctx.reports.append(report)
    union = areas.geometry.union_all() if len(areas) else None
    if union is None:
        return areas, sch.empty_table("municipality")
    municipality = gpd.GeoDataFrame({
        "name": to_string([name]),
        "code": to_string([code]),
        "area_km2": [union.area / 1e6],
    }, geometry=gpd.GeoSeries([union], crs=CRS_SWEREF), crs=CRS_SWEREF)
    return areas, municipality


def _first_value(frame: pd.DataFrame, keys: tuple[str, ...], default: str) -> str:
    for key in keys:
        if key in frame.columns:
            values = frame[key][frame[key] != ""]
            if len(values):
                return str(values.iloc[0])
    return default

"""Locators: where a listed cell is, in terms a working group can find on the ground.

For each cell: its id, its area, and its place relative to an anchor — the nearest named place of a
names layer (e.g. SCB's built-up areas, *tätorter*) when one is given, otherwise the centre of the
cell's area (of the nearest area for cells outside every area). Direction (eight compass points) and
distance are measured from the anchor to the cell's centre, so only the cell, never an offence's own
point, is located. Frames in, frames out: the direction is a key (``"N"``, ``"NE"`` …); the reports
word it in Swedish.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from trygghet.analysis.hotspots.grid import cell_centres
from trygghet.data.config import CRS_SWEREF
from trygghet.data.errors import ParameterError

__all__ = ["DIRECTIONS", "anchors", "direction", "locate"]

#: compass points clockwise from north, each covering 45°
DIRECTIONS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def direction(dx, dy) -> np.ndarray:
    """The compass point (of :data:`DIRECTIONS`) of the vector (dx east, dy north)."""
    bearing = np.degrees(np.arctan2(np.asarray(dx, dtype=float), np.asarray(dy, dtype=float))) % 360.0
    return np.asarray(DIRECTIONS, dtype=object)[np.floor((bearing + 22.5) / 45.0).astype(int) % 8]


def anchors(areas: gpd.GeoDataFrame | None = None, names: gpd.GeoDataFrame | None = None,
            weights: pd.DataFrame | None = None) -> pd.DataFrame:
    """The anchors cells are located from: the named places of ``names`` (a column ``name`` or
    ``namn``; the anchor is the polygon's representative point, a point for point layers), else the
    centre of each area of ``areas``: with ``weights`` (columns ``area``, ``x``, ``y``, ``weight``, e.g.
    the cells' centres and their population) the weighted mean of the area's points — the centre of
    where its people live, which is what "the middle of Hertsön" means to a reader — else the area's
    centroid when it lies inside the area, else a point surely inside. Columns ``anchor``, ``kind``
    (``"place"`` or ``"area_centre"``), ``x``, ``y`` (SWEREF 99 TM)."""
    if names is not None and len(names):
        col = "name" if "name" in names.columns else "namn" if "namn" in names.columns else None
        if col is None or names.crs is None:
            raise ParameterError("names must be a GeoDataFrame with a CRS and a column 'name' (or 'namn')")
        geo = names.to_crs(CRS_SWEREF)
        points = geo.geometry.representative_point()
        return pd.DataFrame({"anchor": geo[col].astype(str).to_numpy(), "kind": "place",
                             "x": points.x.to_numpy(), "y": points.y.to_numpy()})
    if areas is None or not len(areas):
        raise ParameterError("locators need the areas (the store's areas table) or a names layer (e.g. tätorter)")
    if "area" not in areas.columns or areas.crs is None:
        raise ParameterError("areas must be a GeoDataFrame with a CRS and a column 'area'")
    geo = areas.to_crs(CRS_SWEREF)
    centroid = geo.geometry.centroid
    inside = shapely.contains(geo.geometry.to_numpy(), centroid.to_numpy())
    centre = np.where(inside, centroid.to_numpy(), geo.geometry.representative_point().to_numpy())
    x, y = shapely.get_x(centre), shapely.get_y(centre)
    if weights is not None and len(weights):
        w = weights[weights["weight"] > 0]
        sums = w.assign(wx=w["x"] * w["weight"], wy=w["y"] * w["weight"]).groupby("area")[["wx", "wy", "weight"]].sum()
        names_ = geo["area"].astype(str)
        has = names_.isin(sums.index).to_numpy()
        x = np.where(has, (sums["wx"] / sums["weight"]).reindex(names_).to_numpy(), x)
        y = np.where(has, (sums["wy"] / sums["weight"]).reindex(names_).to_numpy(), y)
    return pd.DataFrame({"anchor": geo["area"].astype(str).to_numpy(), "kind": "area_centre", "x": x, "y": y})


def locate(cells: gpd.GeoDataFrame, areas: gpd.GeoDataFrame | None = None,
           names: gpd.GeoDataFrame | None = None, weights: pd.DataFrame | None = None) -> pd.DataFrame:
    """Locators of ``cells`` (an :func:`~trygghet.analysis.hotspots.analyse` result or a subset).

    A cell in one of ``areas`` (its column ``area``) is placed from the centre of its area (``weights``
    as :func:`anchors`: the population-weighted centre). A cell outside every area is placed from the
    nearest named place of ``names`` when given (a village, a built-up area), else from the nearest
    area centre. Named places are coarse (a built-up area can be a whole town), so inside the areas the
    area's centre says more. Without ``areas``, every cell is placed from the nearest named place.
    Returns a frame
    aligned with ``cells``: ``cell_id``, ``area``, ``anchor``, ``kind`` (``"place"`` or
    ``"area_centre"``), ``distance_m`` (anchor to the cell's centre, metres), ``direction`` (of
    :data:`DIRECTIONS`, from the anchor to the cell)."""
    has_areas = areas is not None and len(areas) > 0
    centres_ = anchors(areas, None, weights) if has_areas else None
    places = anchors(None, names) if names is not None and len(names) else None
    table = pd.concat([t for t in (centres_, places) if t is not None], ignore_index=True)
    centres = cell_centres(cells)
    cx, cy = centres["x"].to_numpy(), centres["y"].to_numpy()
    ax, ay = table["x"].to_numpy(), table["y"].to_numpy()
    fallback = (table["kind"] == ("place" if places is not None else "area_centre")).to_numpy()
    d2 = (cx[:, None] - ax[None, :]) ** 2 + (cy[:, None] - ay[None, :]) ** 2
    nearest = np.argmin(np.where(fallback[None, :], d2, np.inf), axis=1) if len(cx) else np.zeros(0, dtype=int)
    pick = nearest.copy()
    if has_areas and "area" in cells.columns:
        position = {a: i for i, a in enumerate(centres_["anchor"])}
        own = cells["area"].astype(object).map(lambda a: position.get(a, -1) if isinstance(a, str) else -1).to_numpy()
        pick = np.where(own >= 0, own, nearest).astype(int)
    dx, dy = cx - ax[pick], cy - ay[pick]
    return pd.DataFrame({"cell_id": cells["cell_id"].to_numpy(),
                         "area": cells["area"].to_numpy() if "area" in cells.columns else pd.NA,
                         "anchor": table["anchor"].to_numpy()[pick], "kind": table["kind"].to_numpy()[pick],
                         "distance_m": np.hypot(dx, dy), "direction": direction(dx, dy)}, index=cells.index)

"""Locators: direction and distance from the area's centre (or the nearest named place) to the cell's
centre, by hand."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box
from trygghet.analysis import hotspots
from trygghet.analysis.hotspots import locators

pytestmark = [pytest.mark.filterwarnings("ignore:only .* points"), pytest.mark.filterwarnings("ignore:Gi. is undefined")]

X0, Y0 = 800_000.0, 7_300_000.0
AREAS = gpd.GeoDataFrame({"area": ["Väst", "Öst"]},
                         geometry=[box(X0, Y0, X0 + 2000, Y0 + 2000), box(X0 + 3000, Y0, X0 + 5000, Y0 + 2000)],
                         crs="EPSG:3006")


def _cells(points):
    pts = pd.DataFrame({"x": [p[0] for p in points], "y": [p[1] for p in points]})
    cells = hotspots.analyse(pts, cell_size=100, bandwidth=100, areas=AREAS)
    return cells[cells["n"] > 0]


def test_direction_covers_the_compass():
    dx = np.array([0, 1, 1, 1, 0, -1, -1, -1, np.tan(np.radians(22.4))])
    dy = np.array([1, 1, 0, -1, -1, -1, 0, 1, 1])
    assert locators.direction(dx, dy).tolist() == ["N", "NE", "E", "SE", "S", "SW", "W", "NW", "N"]


def test_cells_are_located_from_their_own_area_centre():
    # centre of Väst (1000, 1000); a cell centred 350 m east and 350 m north of it; one in Öst due south
    cells = _cells([(X0 + 1300 + 50, Y0 + 1300 + 50), (X0 + 4000 + 50, Y0 + 200 + 50), (X0 + 2300 + 50, Y0 + 1000 + 50)])
    out = locators.locate(cells, AREAS).set_index("cell_id")
    west = out.loc["100mN7301300E801300"]
    assert (west["area"], west["anchor"], west["kind"], west["direction"]) == ("Väst", "Väst", "area_centre", "NE")
    assert west["distance_m"] == pytest.approx(np.hypot(350, 350))
    east = out.loc["100mN7300200E804000"]
    assert (east["anchor"], east["direction"]) == ("Öst", "S") and east["distance_m"] == pytest.approx(np.hypot(50, 750))
    # between the areas (outside both): the nearest area centre, Väst at 1 350 m east of it
    between = out.loc["100mN7301000E802300"]
    assert pd.isna(between["area"]) and between["anchor"] == "Väst" and between["direction"] == "E"
    assert between["distance_m"] == pytest.approx(np.hypot(1350, 50))


def test_a_names_layer_places_cells_outside_the_areas():
    names = gpd.GeoDataFrame({"namn": ["Byn", "Staden"]}, geometry=[Point(X0 + 2500, Y0 + 3000), Point(X0 + 500, Y0 + 500)],
                             crs="EPSG:3006")
    cells = _cells([(X0 + 4000 + 50, Y0 + 200 + 50), (X0 + 2300 + 50, Y0 + 2600 + 50)])
    out = locators.locate(cells, AREAS, names=names).set_index("cell_id")
    inside = out.loc["100mN7300200E804000"]  # in Öst: placed from its area's centre
    assert (inside["anchor"], inside["kind"]) == ("Öst", "area_centre")
    outside = out.loc["100mN7302600E802300"]  # outside both areas: the nearest named place, Byn (150 m S, 350 m W)
    assert (outside["anchor"], outside["kind"], outside["direction"]) == ("Byn", "place", "SW")
    assert outside["distance_m"] == pytest.approx(np.hypot(150, 350))
    only_names = locators.locate(cells, None, names=names).set_index("cell_id")
    assert only_names.loc["100mN7300200E804000", "anchor"] == "Byn"  # bearing from Byn: 1 550 m E, 2 750 m S


def test_population_weights_move_the_area_centre_to_where_people_live():
    weights = pd.DataFrame({"area": ["Väst", "Väst", "Öst"], "x": [X0 + 200, X0 + 400, X0 + 4000],
                            "y": [Y0 + 1800, Y0 + 1800, Y0 + 100], "weight": [30.0, 10.0, 0.0]})
    table = locators.anchors(AREAS, weights=weights).set_index("anchor")
    assert (table.loc["Väst", "x"], table.loc["Väst", "y"]) == pytest.approx((X0 + 250, Y0 + 1800))
    assert (table.loc["Öst", "x"], table.loc["Öst", "y"]) == pytest.approx((X0 + 4000, Y0 + 1000))  # no weight

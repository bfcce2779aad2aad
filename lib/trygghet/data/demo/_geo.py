"""The demo's geography: the 12 survey areas as Voronoi cells, the hot places, and point sampling.

Everything is computed in SWEREF 99 TM (EPSG:3006) from the two reference files in ``data/reference/``
(Luleå's), or from a folder derived for another municipality by :mod:`trygghet.data.demo._kommun`
(``kommun.geojson`` with ``kommunkod``, ``kommun`` and ``befolkning``, and ``omraden_demo.csv``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import mapping, shape

from trygghet.data.config import CRS_SWEREF, CRS_WGS84, MUNICIPALITY_CODE, paths
from trygghet.data.demo._population import TOTALS
from trygghet.data.errors import DataError

__all__ = ["Geography", "Place", "load_geography", "area_features", "to_wgs84"]

OUTLINE_FILE = "lulea_kommun.geojson"
CENTRES_FILE = "lulea_omraden_demo.csv"
#: the files of a reference folder derived for another municipality (read first when present)
DERIVED_OUTLINE_FILE = "kommun.geojson"
DERIVED_CENTRES_FILE = "omraden_demo.csv"

#: how far (standard deviation, metres) ordinary offences scatter around an area's centre
AREA_SPREAD_M = {
    "Centrum": 380, "Örnäset": 450, "Notviken": 450, "Porsön": 420, "Björkskatan": 450, "Hertsön": 500,
    "Bergnäset": 700, "Gammelstad": 900, "Sunderbyn": 1100, "Råneå": 3500, "Norrbyarna": 4500,
    "Sörbyarna": 5000,
}
RURAL = ("Råneå", "Norrbyarna", "Sörbyarna")

# name, area, kinds, offset east and north of the area's centre (metres), scatter (metres)
_PLACES = [
    ("Storgatan/Skomakargatan", "Centrum", "nightlife", -150, 40, 25),
    ("Kungsgatan vid krogarna", "Centrum", "nightlife", 230, -130, 25),
    ("Smedjegatan, busstorget", "Centrum", "transit drugs", 10, 210, 30),
    ("Galleria Shopping, Storgatan", "Centrum", "shopping", 300, 140, 25),
    ("Södra hamnen", "Centrum", "harbour park", -330, -300, 45),
    ("Luleå resecentrum", "Centrum", "transit bike", 420, 380, 35),
    ("Stadsparken", "Centrum", "park", -320, 230, 40),
    ("Centrumskolan", "Centrum", "school", 360, -330, 30),
    ("Kulturens hus", "Centrum", "leisure", 80, 330, 25),
    ("Örnässkolan", "Örnäset", "school", 150, -100, 30),
    ("Notviksskolan", "Notviken", "school", -100, 120, 30),
    ("Storheden handelsområde", "Notviken", "shopping", -420, 180, 40),
    ("Arcushallen", "Notviken", "leisure", 220, -180, 30),
    ("Luleå tekniska universitet", "Porsön", "university bike", 260, 180, 45),
    ("Porsö centrum", "Porsön", "shopping drugs", -90, -70, 30),
    ("Porsöskolan", "Porsön", "school", -260, 160, 30),
    ("Gångtunneln vid Porsövägen", "Porsön", "park", 20, -360, 35),
    ("Björkskatans centrum", "Björkskatan", "shopping", -50, -100, 30),
    ("Björkskataskolan", "Björkskatan", "school", 220, 160, 30),
    ("Fritidsgården Björkskatan", "Björkskatan", "leisure", 120, -330, 25),
    ("Hertsöns centrum", "Hertsön", "shopping drugs centre", 0, 0, 30),
    ("Hertsöskolan", "Hertsön", "school", 300, 260, 30),
    ("Fritidsgården Hertsön", "Hertsön", "leisure", -240, 180, 25),
    ("Bergnäsets centrum", "Bergnäset", "shopping", 100, 50, 30),
    ("Bergnässkolan", "Bergnäset", "school", -160, 220, 30),
    ("Tunaskolan", "Gammelstad", "school", 220, -160, 30),
    ("Gammelstads kyrkstad", "Gammelstad", "tourism", -150, 120, 50),
    ("Sunderby skola", "Sunderbyn", "school", -200, 150, 30),
    ("Sunderby sjukhus", "Sunderbyn", "hospital", 350, -50, 40),
    ("Råneå skola", "Råneå", "school", 120, 80, 30),
    ("Råneå centrum", "Råneå", "shopping", -80, -40, 40),
    ("Persöskolan", "Norrbyarna", "school", 200, -150, 30),
    ("Ersnässkolan", "Sörbyarna", "school", -150, 200, 30),
]


@dataclass(frozen=True)
class Place:
    """A named place where offences or incidents gather."""

    name: str
    area: str
    kinds: tuple[str, ...]
    x: float
    y: float
    spread: float


@dataclass
class Geography:
    """Areas (SWEREF 99 TM polygons), their centres and population shares, the outline and places."""

    areas: pd.DataFrame  # area, code, x, y, share, character, geometry (shapely, EPSG:3006)
    outline: shapely.Geometry
    places: list[Place]
    #: ``{"kommun": name, "kommunkod": code}`` for a derived municipality (written into the areas file), else None
    municipality: dict | None = None

    def polygon(self, area: str) -> shapely.Geometry:
        return self.areas.loc[self.areas["area"] == area, "geometry"].iloc[0]

    def places_of(self, kind: str) -> list[Place]:
        return [p for p in self.places if kind in p.kinds]

    def place(self, name: str) -> Place:
        for p in self.places:
            if p.name == name:
                return p
        raise KeyError(name)

    def sample_in_area(self, rng: np.random.Generator, area: str, n: int, spread: float | None = None):
        """``n`` points scattered normally around ``area``'s centre, kept inside the area's cell."""
        row = self.areas.loc[self.areas["area"] == area].iloc[0]
        sd = AREA_SPREAD_M[area] if spread is None else spread
        poly = row["geometry"]
        xs = np.empty(n)
        ys = np.empty(n)
        todo = np.arange(n)
        for _ in range(30):
            if todo.size == 0:
                break
            cx = row["x"] + rng.normal(0.0, sd, todo.size)
            cy = row["y"] + rng.normal(0.0, sd, todo.size)
            ok = shapely.contains_xy(poly, cx, cy)
            xs[todo[ok]] = cx[ok]
            ys[todo[ok]] = cy[ok]
            todo = todo[~ok]
        xs[todo] = row["x"]
        ys[todo] = row["y"]
        return xs, ys

    def sample_at_place(self, rng: np.random.Generator, place: Place, n: int):
        """``n`` points a few tens of metres around ``place``."""
        return place.x + rng.normal(0.0, place.spread, n), place.y + rng.normal(0.0, place.spread, n)


def load_geography(reference: Path | None = None) -> Geography:
    """Read the outline and the area centres from ``reference`` (default ``data/reference/``)."""
    ref = Path(reference) if reference is not None else paths().reference
    derived = (ref / DERIVED_OUTLINE_FILE).is_file()
    outline_path = ref / (DERIVED_OUTLINE_FILE if derived else OUTLINE_FILE)
    outline = _read_outline(outline_path)
    props = _outline_properties(outline_path)
    centres = _read_centres(ref / (DERIVED_CENTRES_FILE if derived else CENTRES_FILE))
    prefix = str(props.get("kommunkod") or MUNICIPALITY_CODE)
    to_sweref = Transformer.from_crs(CRS_WGS84, CRS_SWEREF, always_xy=True)
    x, y = to_sweref.transform(centres["lon"].to_numpy(), centres["lat"].to_numpy())
    outline_s = shapely.transform(outline, lambda c: np.column_stack(to_sweref.transform(c[:, 0], c[:, 1])))
    seeds = shapely.MultiPoint(np.column_stack([x, y]))
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=outline_s))
    geoms = []
    for px, py in zip(x, y):
        cell = next(c for c in cells if shapely.contains_xy(c, px, py))
        geoms.append(shapely.intersection(cell, outline_s).normalize())
    areas = pd.DataFrame(
        {
            "area": centres["omrade"].to_numpy(),
            "code": [f"{prefix}-{i:02d}" for i in range(1, len(centres) + 1)],
            "x": x,
            "y": y,
            "share": centres["andel_befolkning"].to_numpy(dtype=float),
            "character": centres["karaktar"].to_numpy(),
            "geometry": geoms,
        }
    )
    municipality = None
    if derived:
        municipality = {"kommun": str(props.get("kommun", "")), "kommunkod": prefix}
        if props.get("befolkning"):  # the generator's yearly totals scaled to this municipality's population
            factor = float(props["befolkning"]) / TOTALS[max(TOTALS)]
            areas.attrs["population_totals"] = {y: round(t * factor) for y, t in TOTALS.items()}
    by_area = dict(zip(areas["area"], zip(areas["x"], areas["y"])))
    places = [
        Place(name, area, tuple(kinds.split()), by_area[area][0] + dx, by_area[area][1] + dy, float(sd))
        for name, area, kinds, dx, dy, sd in _PLACES
        if area in by_area
    ]
    return Geography(areas=areas, outline=outline_s, places=places, municipality=municipality)


def to_wgs84(x, y):
    """SWEREF 99 TM easting/northing to (lon, lat)."""
    tr = Transformer.from_crs(CRS_SWEREF, CRS_WGS84, always_xy=True)
    return tr.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))


def area_features(geo: Geography) -> list[dict]:
    """GeoJSON features of the areas in WGS 84, coordinates rounded to 6 decimals (about 0.1 m)."""
    tr = Transformer.from_crs(CRS_SWEREF, CRS_WGS84, always_xy=True)
    features = []
    for row in geo.areas.itertuples():
        g = shapely.transform(row.geometry, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))
        g = shapely.set_precision(g, 1e-6)
        features.append(
            {
                "type": "Feature",
                "properties": {"område": row.area, "områdeskod": row.code, **(geo.municipality or {})},
                "geometry": json.loads(json.dumps(mapping(g))),
            }
        )
    return features


def _read_outline(path: Path) -> shapely.Geometry:
    if not path.is_file():
        raise DataError(str(path), "the municipality outline is missing", "restore data/reference/ from the repository")
    doc = json.loads(path.read_text(encoding="utf-8"))
    geoms = [shape(f["geometry"]) for f in doc.get("features", [])]
    if not geoms:
        raise DataError(str(path), "holds no polygon", "restore data/reference/ from the repository")
    return shapely.union_all(geoms)


def _outline_properties(path: Path) -> dict:
    """The first feature's properties of an outline file (``kommunkod``, ``kommun``, optional ``befolkning``)."""
    features = json.loads(path.read_text(encoding="utf-8")).get("features", [])
    return dict(features[0].get("properties") or {}) if features else {}


def _read_centres(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(str(path), "the area centres are missing", "restore data/reference/ from the repository")
    frame = pd.read_csv(path, sep=";", encoding="utf-8")
    needed = {"omrade", "lat", "lon", "andel_befolkning"}
    missing = needed - set(frame.columns)
    if missing:
        raise DataError(str(path), f"lacks the column(s) {', '.join(sorted(missing))}", "restore it from the repository")
    if "karaktar" not in frame.columns:
        frame["karaktar"] = ""
    return frame

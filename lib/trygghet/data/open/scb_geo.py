"""SCB's open geodata (GeoServer WFS ``https://geodata.scb.se/geoserver/stat/wfs``): DeSO/RegSO boundaries as a
municipality's areas, and the population per 1 km square in the ``befolkning_rutor.csv`` form.

Requests are WFS 1.1.0 ``GetFeature`` with ``outputFormat=application/json`` and ``srsName=EPSG:3006`` (SWEREF 99
TM, coordinates ``[E, N]``). What the service answers (recorded by deno-li/fuzzy-MCP ``docs/KALLKONTROLL.md`` and
``tests/fixtures/scb_geodata_*.json``, 2026-10-10):

- layers ``stat:DeSO_2025`` (6 160 areas) and ``stat:RegSO_2025`` (3 363), default SRS EPSG:3006, geometry
  ``sp_geometry``; DeSO attributes ``objectid, objektidentitet, objekttyp ('deso'), desokod, regsokod, lanskod,
  kommunkod, version ('2025_v2'), ansvarig_organisation, referensdatum ('20250101')``; RegSO has ``regsokod`` and
  ``regsonamn`` instead of ``desokod``. ``CQL_FILTER=kommunkod='0180'`` selects one municipality.
- an answer is ``{type: FeatureCollection, features, totalFeatures, numberMatched, numberReturned, timeStamp,
  crs}``; paging with ``maxFeatures`` + ``startIndex`` + ``sortBy``; ``propertyName`` without the geometry gives
  features with ``geometry: null``.
- ``stat:befolkning_1km_2025``: one feature per populated 1 km square with ``rutid_inspire``
  (``SE_CRS3006RES1000mN6133000E394000``), ``rutid_scb`` (``3940006133000``), ``rutstorl`` (1000), ``beftotalt``,
  ``man``, ``kvinna``, ``referenstid`` (``20251231``) and five-year age bands; SCB adjusts small values, so
  ``beftotalt`` is used, never a sum of parts. SCB publishes only the 1 km grid openly (250 m squares are ordered
  from SCB); a square missing from the layer has nobody.

:func:`fetch_geo` downloads the municipality's DeSO (or RegSO) polygons as ``scb_omraden_<code>.geojson`` (the
answer as SCB sent it; several pages are merged into one collection), for DeSO the RegSO names as
``scb_regso_<code>.json`` (DeSO have no names: an area is called "<RegSO name> (<DeSO code>)"), and the squares
whose centre lies in the municipality as ``scb_befolkning_rutor_<code>.csv`` (the data contract's
``ruta;x_sweref99tm;y_sweref99tm;storlek;år;befolkning``, the south-west corner taken from each square's polygon).
Everything is checked before anything is written; a changed shape is refused with the reason.
"""

from __future__ import annotations

import io
import json
import math
from urllib.parse import quote, urlencode

import pandas as pd
import shapely
from shapely.geometry import shape

from trygghet.data.open.http import FetchError, Http
from trygghet.data.open.kolada import Download

__all__ = ["LEVELS", "GRID_COLUMNS", "fetch_geo", "wfs_url", "check_areas", "area_frame", "grid_csv", "read_json"]

#: the area levels: (WFS layer key in the settings, the code attribute)
LEVELS = {"deso": "desokod", "regso": "regsokod"}
GRID_COLUMNS = ["ruta", "x_sweref99tm", "y_sweref99tm", "storlek", "år", "befolkning"]
PAGE = 5000
# SWEREF 99 TM within Sweden (with a margin): a coordinate outside is an axis swap or another CRS
_X = (180_000.0, 1_000_000.0)
_Y = (6_050_000.0, 7_750_000.0)


def wfs_url(base: str, layer: str, **params: str) -> str:
    """A WFS 1.1.0 GetFeature request of ``stat:<layer>`` as JSON in SWEREF 99 TM, plus ``params``."""
    query = {"service": "WFS", "version": "1.1.0", "request": "GetFeature", "typeName": f"stat:{layer}",
             "outputFormat": "application/json", **params}
    return f"{base.rstrip('/')}?{urlencode(query, quote_via=quote, safe=':,/')}"


def fetch_geo(http: Http, base: str, municipality: str, *, level: str, layers: dict) -> list[Download]:
    """The municipality's areas (``level`` deso or regso), the RegSO names (deso only) and its 1 km population
    grid, checked; nothing is written here."""
    if level not in LEVELS:
        raise FetchError(f"unknown area level {level!r}; use deso or regso")
    layer = layers[level]
    url = wfs_url(base, layer, srsName="EPSG:3006", CQL_FILTER=f"kommunkod='{municipality}'")
    doc, body = _features(http, url, LEVELS[level])
    check_areas(doc, url, municipality, LEVELS[level])
    first = doc["features"][0]["properties"]
    version = f"{first.get('version')}, referensdatum {first.get('referensdatum')}"
    downloads = [Download(name=f"scb_omraden_{municipality}.geojson", data=body, url=url, source_updated=version,
                          details={"layer": layer, "level": level, "areas": len(doc["features"]),
                                   "crs": "EPSG:3006"})]
    if level == "deso":
        names_url = wfs_url(base, layers["regso"], propertyName="regsokod,regsonamn,kommunkod",
                            CQL_FILTER=f"kommunkod='{municipality}'")
        names, names_body = _features(http, names_url, "regsokod")
        check_areas(names, names_url, municipality, "regsokod", geometry=False)
        downloads.append(Download(name=f"scb_regso_{municipality}.json", data=names_body, url=names_url,
                                  source_updated=version,
                                  details={"layer": layers["regso"], "names": len(names["features"])}))
    outline = shapely.union_all([shape(f["geometry"]) for f in doc["features"]])
    minx, miny, maxx, maxy = (math.floor(outline.bounds[0] / 1000) * 1000, math.floor(outline.bounds[1] / 1000) * 1000,
                              math.ceil(outline.bounds[2] / 1000) * 1000, math.ceil(outline.bounds[3] / 1000) * 1000)
    grid_url = wfs_url(base, layers["grid"], srsName="EPSG:3006", bbox=f"{minx},{miny},{maxx},{maxy},EPSG:3006")
    grid, _ = _features(http, grid_url, "rutid_scb")
    table = grid_csv(grid, grid_url, outline)
    years = sorted(table["år"].unique())
    downloads.append(Download(
        name=f"scb_befolkning_rutor_{municipality}.csv",
        data=table.to_csv(sep=";", index=False, lineterminator="\n").encode("utf-8"), url=grid_url,
        source_updated=str((grid["features"][0]["properties"] or {}).get("referenstid")),
        details={"layer": layers["grid"], "squares": len(table), "population": int(table["befolkning"].sum()),
                 "years": [int(y) for y in years],
                 "converted": "SCB's squares whose centre lies in the municipality's areas; ruta = rutid_scb, the "
                              "south-west corner from the square's polygon, storlek = rutstorl, år from referenstid, "
                              "befolkning = beftotalt"}))
    return downloads


def _features(http: Http, url: str, sort_key: str) -> tuple[dict, bytes]:
    """One GetFeature answer, or all its pages (``sortBy`` + ``startIndex`` + ``maxFeatures``) merged when the
    server returned fewer features than matched."""
    answer = http.get(url)
    doc = _collection(answer.json(), url)
    matched = doc.get("numberMatched", doc.get("totalFeatures"))
    if not isinstance(matched, int) or matched <= len(doc["features"]):
        return doc, answer.body
    features: list = []
    while len(features) < matched:
        page_url = f"{url}&sortBy={sort_key}&startIndex={len(features)}&maxFeatures={PAGE}"
        page = _collection(http.get(page_url).json(), page_url)
        if not page["features"]:
            raise FetchError(f"{page_url}: the page is empty after {len(features)} of {matched} features; SCB's "
                             "answer changed while it was read — try again later")
        features.extend(page["features"])
    merged = {**doc, "features": features, "numberReturned": len(features)}
    return merged, json.dumps(merged, ensure_ascii=False).encode("utf-8")


def _collection(doc: object, url: str) -> dict:
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise FetchError(f"{url}: not a GeoJSON FeatureCollection; SCB's WFS may have changed "
                         "(the last download stays in use)")
    return doc


def check_areas(doc: dict, url: str, municipality: str, key: str, *, geometry: bool = True) -> None:
    """Refuse an areas answer that is empty, names another municipality, lacks its code attribute or (with
    ``geometry``) has no polygons in SWEREF 99 TM."""
    def bad(what: str) -> FetchError:
        return FetchError(f"{url}: {what}; SCB's answer is not the expected DeSO/RegSO layer "
                          "(the last download stays in use)")

    features = doc.get("features") or []
    if not features:
        raise bad(f"no area has kommunkod {municipality} (check the municipality code)")
    for f in features:
        p = f.get("properties") if isinstance(f, dict) else None
        if not isinstance(p, dict) or not str(p.get(key) or "").strip():
            raise bad(f"a feature lacks the attribute {key}")
        if str(p.get("kommunkod")) != municipality:
            raise bad(f"area {p.get(key)} has kommunkod {p.get('kommunkod')}, not {municipality}")
        if geometry:
            g = f.get("geometry")
            if not isinstance(g, dict) or g.get("type") not in ("Polygon", "MultiPolygon"):
                raise bad(f"area {p.get(key)} has no polygon")
    if geometry:
        crs = str(((doc.get("crs") or {}).get("properties") or {}).get("name", ""))
        if not crs.endswith("3006"):
            raise bad(f"the coordinates are in {crs or 'no stated CRS'}, not EPSG:3006 as asked")
        x0, y0, x1, y1 = shapely.union_all([shape(f["geometry"]) for f in features]).bounds
        if not (_X[0] <= x0 <= x1 <= _X[1] and _Y[0] <= y0 <= y1 <= _Y[1]):
            raise bad("the coordinates do not lie in Sweden in SWEREF 99 TM (axes swapped?)")


def grid_csv(doc: dict, url: str, outline: shapely.Geometry) -> pd.DataFrame:
    """SCB's population squares as the rows of ``befolkning_rutor.csv``: the squares whose centre lies in
    ``outline``; a square that is not an axis-parallel square of side ``rutstorl`` on SCB's lattice is refused."""
    rows = []
    for f in doc.get("features") or []:
        p = (f.get("properties") if isinstance(f, dict) else None) or {}
        missing = [k for k in ("rutid_scb", "rutstorl", "beftotalt", "referenstid") if p.get(k) in (None, "")]
        if missing or not isinstance(f.get("geometry"), dict):
            raise FetchError(f"{url}: a square lacks {', '.join(missing) or 'its polygon'}; SCB's population grid "
                             "has changed its attributes (the last download stays in use)")
        try:
            size, year, people = int(p["rutstorl"]), int(str(p["referenstid"])[:4]), int(p["beftotalt"])
            x0, y0, x1, y1 = shape(f["geometry"]).bounds
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise FetchError(f"{url}: square {p['rutid_scb']} cannot be read ({exc.__class__.__name__}: {exc}); SCB's "
                             "population grid has changed (the last download stays in use)") from None
        corner = (round(x0), round(y0))
        if abs(x1 - x0 - size) > 1 or abs(y1 - y0 - size) > 1 or corner[0] % size or corner[1] % size:
            raise FetchError(f"{url}: square {p['rutid_scb']} is not a {size} m square on SCB's grid in SWEREF 99 TM "
                             "(the last download stays in use)")
        if not outline.intersects(shapely.Point(corner[0] + size / 2, corner[1] + size / 2)):
            continue
        rows.append((str(p["rutid_scb"]), corner[0], corner[1], size, year, people))
    table = pd.DataFrame(rows, columns=GRID_COLUMNS).sort_values(["år", "y_sweref99tm", "x_sweref99tm"],
                                                                 ignore_index=True)
    if table.empty:
        raise FetchError(f"{url}: no populated square lies in the municipality; SCB's grid answer does not cover "
                         "its areas (the last download stays in use)")
    return table


def area_frame(areas: dict, names: dict | None = None) -> pd.DataFrame:
    """The features of an areas answer as rows ``område``, ``områdeskod``, ``kommunkod``, ``geometry`` (shapely):
    a RegSO is called by ``regsonamn``; a DeSO by its RegSO's name and its code, "Porsön (2580C1010)" (the bare
    code without ``names``). A name shared by two areas gets the code added."""
    lookup = {}
    for f in (names or {}).get("features") or []:
        p = f.get("properties") or {}
        if p.get("regsokod") and p.get("regsonamn"):
            lookup[str(p["regsokod"])] = str(p["regsonamn"]).strip()
    rows = []
    for f in areas.get("features") or []:
        p = f["properties"]
        if p.get("desokod"):
            code = str(p["desokod"])
            region = lookup.get(str(p.get("regsokod")))
            name = f"{region} ({code})" if region else code
        else:
            code = str(p["regsokod"])
            name = str(p.get("regsonamn") or code).strip()
        rows.append({"område": name, "områdeskod": code, "kommunkod": str(p.get("kommunkod")),
                     "geometry": shape(f["geometry"])})
    frame = pd.DataFrame(rows, columns=["område", "områdeskod", "kommunkod", "geometry"])
    twice = frame["område"].duplicated(keep=False)
    frame.loc[twice, "område"] = frame.loc[twice, "område"] + " (" + frame.loc[twice, "områdeskod"] + ")"
    return frame.sort_values("områdeskod", ignore_index=True)


def read_json(data: bytes, where: str) -> dict:
    """A saved answer as a dict (a FetchError naming ``where`` when it is not JSON)."""
    try:
        return json.load(io.BytesIO(data))
    except ValueError as exc:
        raise FetchError(f"{where}: not valid JSON ({exc})") from None

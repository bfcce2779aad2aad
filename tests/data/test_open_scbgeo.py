"""SCB's open geodata (WFS) in `trygghet fetch` and the ingest: DeSO/RegSO as the areas of a municipality without
an areas file, and the 1 km population grid as `befolkning_rutor.csv`, against a real loopback HTTP server.

The answers are written here with geopandas in the shape the real service answers (SCB's GeoServer WFS 1.1.0,
`outputFormat=application/json`, recorded by deno-li/fuzzy-MCP, see tests/fixtures/open/README.md "scbgeo"):
the envelope `{type, features, totalFeatures, numberMatched, numberReturned, timeStamp, crs}`, feature ids
`DeSO_2025.<n>`, geometry `sp_geometry` in EPSG:3006, the layers' own attribute names and value forms.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import geopandas as gpd
import pytest
from shapely.geometry import box

from trygghet.data.errors import ParameterError
from trygghet.data.ingest import ingest
from trygghet.data.open import fetch_open
from trygghet.data.open.files import read_provenance
from trygghet.data.open.http import Http
from trygghet.data.store import read_table

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
WFS = "/geoserver/stat/wfs"
_HEAD = "service=WFS&version=1.1.0&request=GetFeature&typeName=stat:"
_IN_2580 = "CQL_FILTER=kommunkod%3D%272580%27"
DESO_Q = f"{WFS}?{_HEAD}DeSO_2025&outputFormat=application/json&srsName=EPSG:3006&{_IN_2580}"
REGSO_Q = f"{WFS}?{_HEAD}RegSO_2025&outputFormat=application/json&srsName=EPSG:3006&{_IN_2580}"
NAMES_Q = f"{WFS}?{_HEAD}RegSO_2025&outputFormat=application/json&propertyName=regsokod,regsonamn,kommunkod&{_IN_2580}"
GRID_Q = (f"{WFS}?{_HEAD}befolkning_1km_2025&outputFormat=application/json&srsName=EPSG:3006"
          "&bbox=830000,7290000,839000,7292000,EPSG:3006")
CRS_3006 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}}

# three DeSO in two RegSO; codes in SCB's pattern (kommunkod + A/B/C + 4 digits; kommunkod + R + 3 digits)
DESO = [("2580C1010", "2580R001", box(830000, 7290000, 833000, 7292000)),
        ("2580C1020", "2580R001", box(833000, 7290000, 836000, 7292000)),
        ("2580C1030", "2580R002", box(836000, 7290000, 839000, 7292000))]
REGSO = [("2580R001", "Norra", box(830000, 7290000, 836000, 7292000)),
         ("2580R002", "Södra", box(836000, 7290000, 839000, 7292000))]
# 1 km squares (south-west corner, total, men, women): the last one's centre lies outside the municipality
SQUARES = [(830000, 7290000, 7, 4, 4), (831000, 7291000, 1210, 600, 610), (838000, 7291000, 22, 11, 11),
           (839000, 7291000, 5, 3, 3)]


def answer(layer, frame, *, geometry=True, matched=None, properties=None):
    """A WFS GetFeature JSON answer for ``frame`` (a GeoDataFrame in EPSG:3006) as SCB's GeoServer writes it."""
    doc = json.loads(frame.to_json(drop_id=True))
    features = []
    for i, f in enumerate(doc["features"], start=1):
        props = f["properties"] if properties is None else {k: f["properties"][k] for k in properties}
        feature = {"type": "Feature", "id": f"{layer}.{i}", "geometry": f["geometry"] if geometry else None}
        if geometry:
            feature["geometry_name"] = "sp_geometry"
        feature["properties"] = props
        features.append(feature)
    n = len(features) if matched is None else matched
    return json.dumps({"type": "FeatureCollection", "features": features, "totalFeatures": n, "numberMatched": n,
                       "numberReturned": len(features), "timeStamp": "2026-03-01T08:00:00.000Z",
                       "crs": CRS_3006 if geometry else None}, ensure_ascii=False)


def deso_frame(rows=DESO):
    return gpd.GeoDataFrame([
        {"objectid": 4000 + i, "objektidentitet": f"00000000-0000-4000-8000-00000000000{i}", "objekttyp": "deso",
         "desokod": d, "regsokod": r, "lanskod": "25", "kommunkod": "2580", "version": "2025_v2",
         "ansvarig_organisation": "Statistiska centralbyrån", "referensdatum": "20250101"}
        for i, (d, r, _) in enumerate(rows)], geometry=[g for *_, g in rows], crs="EPSG:3006")


def regso_frame():
    return gpd.GeoDataFrame([
        {"objectid": 2000 + i, "objektidentitet": f"00000000-0000-4000-9000-00000000000{i}", "objekttyp": "regso",
         "regsokod": r, "regsonamn": name, "lanskod": "25", "kommunkod": "2580", "version": "2025_v2",
         "ansvarig_organisation": "Statistiska centralbyrån", "referensdatum": "20250101"}
        for i, (r, name, _) in enumerate(REGSO)], geometry=[g for *_, g in REGSO], crs="EPSG:3006")


def grid_frame(squares=SQUARES, size=1000):
    return gpd.GeoDataFrame([
        {"rutid_inspire": f"SE_CRS3006RES{size}mN{y}E{x}", "rutid_scb": f"{x}{y}", "rutstorl": size, "beftotalt": t,
         "man": m, "kvinna": k, "referenstid": "20251231"} for x, y, t, m, k in squares],
        geometry=[box(x, y, x + size, y + size) for x, y, *_ in squares], crs="EPSG:3006")


def scb_routes(server, *, deso=None, grid=None):
    server.route(DESO_Q, *(deso or [{"body": answer("DeSO_2025", deso_frame())}]))
    server.route(REGSO_Q, {"body": answer("RegSO_2025", regso_frame())})
    server.route(NAMES_Q, {"body": answer("RegSO_2025", regso_frame(), geometry=False,
                                          properties=["regsokod", "regsonamn", "kommunkod"])})
    server.route(GRID_Q, *(grid or [{"body": answer("befolkning_1km_2025", grid_frame())}]))


def fetch(raw, server, **kw):
    http = Http(timeout=5, retries=1, backoff=0.01, sleep=lambda s: None)
    return fetch_open(raw, "2580", sources=("scbgeo",), scb_geo_url=server.base + WFS, http=http, now=NOW, **kw)


def snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_deso_areas_their_names_and_the_grid_are_written_with_provenance(tmp_path, open_server):
    scb_routes(open_server)
    report = fetch(tmp_path, open_server)
    assert report.ok, report.lines
    assert report.lines[0].startswith("SCB geodata: 3 file(s) in")
    folder = tmp_path / "open"
    areas = folder / "scb_omraden_2580.geojson"
    assert areas.read_text(encoding="utf-8") == answer("DeSO_2025", deso_frame())  # saved as SCB sent it
    prov = read_provenance(areas)
    assert prov["url"].endswith(DESO_Q) and prov["source_updated"] == "2025_v2, referensdatum 20250101"
    assert prov["details"]["layer"] == "DeSO_2025" and prov["details"]["areas"] == 3 and "CC0" in prov["licence"]
    assert read_provenance(folder / "scb_regso_2580.json")["details"]["names"] == 2
    grid = folder / "scb_befolkning_rutor_2580.csv"
    assert grid.read_text(encoding="utf-8").splitlines() == [
        "ruta;x_sweref99tm;y_sweref99tm;storlek;år;befolkning",
        "8300007290000;830000;7290000;1000;2025;7",
        "8310007291000;831000;7291000;1000;2025;1210",
        "8380007291000;838000;7291000;1000;2025;22",
    ]  # the fourth square's centre lies east of the municipality; beftotalt, never man + kvinna
    gprov = read_provenance(grid)
    assert gprov["source_updated"] == "20251231" and gprov["details"]["population"] == 1239
    asked = [parse_qs(urlsplit(path).query) for _, path, _ in open_server.requests]
    assert [q["typeName"][0] for q in asked] == ["stat:DeSO_2025", "stat:RegSO_2025", "stat:befolkning_1km_2025"]
    assert asked[0]["CQL_FILTER"] == ["kommunkod='2580'"] and asked[0]["srsName"] == ["EPSG:3006"]
    assert asked[2]["bbox"] == ["830000,7290000,839000,7292000,EPSG:3006"]  # the areas' bounds on the 1 km lattice


def test_a_second_fetch_changes_nothing(tmp_path, open_server):
    scb_routes(open_server)
    assert fetch(tmp_path, open_server).ok
    before = snapshot(tmp_path / "open")
    again = fetch(tmp_path, open_server)
    assert again.ok and "unchanged since the last download" in again.lines[0]
    assert snapshot(tmp_path / "open") == before


def _shifted():
    frame = grid_frame()
    return frame.set_geometry(frame.translate(xoff=500))


def _swapped():
    frame = deso_frame()
    frame.geometry = frame.geometry.map(lambda g: box(g.bounds[1], g.bounds[0], g.bounds[3], g.bounds[2]))
    return answer("DeSO_2025", frame)


@pytest.mark.parametrize("broken, why", [
    ({"deso": [{"body": answer("DeSO_2025", deso_frame([]))}]}, "no area has kommunkod 2580"),
    ({"deso": [{"body": answer("DeSO_2025", deso_frame().assign(kommunkod="2581"))}]}, "has kommunkod 2581"),
    ({"deso": [{"body": answer("DeSO_2025", deso_frame().drop(columns="desokod"))}]}, "lacks the attribute desokod"),
    ({"deso": [{"body": _swapped()}]}, "axes swapped"),
    ({"deso": [{"body": "<ows:ExceptionReport/>"}]}, "not JSON"),
    ({"grid": [{"body": answer("befolkning_1km_2025", grid_frame().drop(columns="beftotalt"))}]}, "lacks beftotalt"),
    ({"grid": [{"body": answer("befolkning_1km_2025", _shifted())}]}, "not a 1000 m square"),
    ({"grid": [{"body": answer("befolkning_1km_2025", grid_frame(SQUARES[3:]))}]}, "no populated square"),
    ({"grid": [{"body": answer("befolkning_1km_2025", grid_frame().assign(beftotalt="..")).replace('".."', '"x"')}]},
     "cannot be read"),
])
def test_a_broken_answer_is_refused_and_the_good_files_stay(tmp_path, open_server, broken, why):
    scb_routes(open_server)
    assert fetch(tmp_path, open_server).ok
    before = snapshot(tmp_path / "open")
    scb_routes(open_server, **broken)
    report = fetch(tmp_path, open_server)
    assert not report.ok and report.lines[0].startswith("SCB geodata: refused —") and why in report.lines[0]
    assert snapshot(tmp_path / "open") == before


def test_offline_is_one_line_and_the_last_download_stays(tmp_path, open_server):
    scb_routes(open_server)
    assert fetch(tmp_path, open_server).ok
    before = snapshot(tmp_path / "open")
    http = Http(timeout=5, retries=1, backoff=0.01, sleep=lambda s: None)
    report = fetch_open(tmp_path, "2580", sources=("scbgeo",), scb_geo_url="http://127.0.0.1:9/geoserver/stat/wfs",
                        http=http, now=NOW)
    assert report.lines == [("SCB geodata: offline — 127.0.0.1:9 cannot be reached (Connection refused); the "
                             "download of 2026-03-01 stays in use")]
    assert snapshot(tmp_path / "open") == before


def test_pages_are_asked_for_when_the_server_returns_fewer_than_matched(tmp_path, open_server):
    first = answer("DeSO_2025", deso_frame(DESO[:2]), matched=3)
    scb_routes(open_server, deso=[{"body": first}])
    page = DESO_Q + "&sortBy=desokod&startIndex={}&maxFeatures=5000"
    open_server.route(page.format(0), {"body": answer("DeSO_2025", deso_frame(DESO[:2]), matched=3)})
    open_server.route(page.format(2), {"body": answer("DeSO_2025", deso_frame(DESO[2:]), matched=3)})
    assert fetch(tmp_path, open_server).ok
    saved = json.loads((tmp_path / "open/scb_omraden_2580.geojson").read_text(encoding="utf-8"))
    assert [f["properties"]["desokod"] for f in saved["features"]] == [d for d, *_ in DESO]
    assert saved["numberReturned"] == 3


def test_regso_areas_and_an_unknown_level(tmp_path, open_server):
    scb_routes(open_server)
    assert fetch(tmp_path, open_server, areas="regso").ok
    assert read_provenance(tmp_path / "open/scb_omraden_2580.geojson")["details"]["level"] == "regso"
    assert not (tmp_path / "open/scb_regso_2580.json").exists()
    with pytest.raises(ParameterError, match="areas must be deso or regso"):
        fetch(tmp_path, open_server, areas="sams")


def _raw_without_areas(raw):
    raw.mkdir()
    # one offence in DeSO 2580C1020 (Norra), one outside the municipality
    (raw / "anmalda_brott.csv").write_text(
        "brott_id;brottskod;datum_från;tid_från;x_sweref99tm;y_sweref99tm\n"
        "1;9301;2025-03-01;12:00;834500;7291000\n2;9301;2025-03-02;13:00;850000;7291000\n", encoding="utf-8")
    return raw


@pytest.mark.parametrize("level, names", [
    ("deso", ["Norra (2580C1010)", "Norra (2580C1020)", "Södra (2580C1030)"]),
    ("regso", ["Norra", "Södra"]),
])
def test_without_an_areas_file_the_store_areas_are_scbs(tmp_path, open_server, level, names):
    raw = _raw_without_areas(tmp_path / "raw")
    scb_routes(open_server)
    assert fetch(raw, open_server, areas=level).ok
    report = ingest(raw, tmp_path / "store")
    areas = read_table(tmp_path / "store", "areas")
    assert sorted(areas["area"]) == names
    assert list(areas.sort_values("area")["area_km2"].round(1)) == ([6.0, 6.0, 6.0] if level == "deso" else [12.0, 6.0])
    assert set(areas["area_code"]) == ({d for d, *_ in DESO} if level == "deso" else {r for r, *_ in REGSO})
    municipality = read_table(tmp_path / "store", "municipality")
    assert list(municipality["code"]) == ["2580"] and round(float(municipality["area_km2"].iloc[0]), 1) == 18.0
    offences = read_table(tmp_path / "store", "offences").sort_values("x")
    assert list(offences["area"].fillna("")) == [names[1] if level == "deso" else "Norra", ""]
    assert list(offences["in_municipality"]) == [True, False]
    grid = read_table(tmp_path / "store", "population_grid")
    assert list(grid["population"]) == [7, 1210, 22] and set(grid["size"]) == {1000}
    assert any("SCB's " + ("DeSO" if level == "deso" else "RegSO") in w for w in report.warnings)


def test_an_areas_file_wins_and_an_edited_download_is_left_out(tmp_path, open_server):
    raw = _raw_without_areas(tmp_path / "raw")
    scb_routes(open_server)
    assert fetch(raw, open_server).ok
    gpd.GeoDataFrame({"område": ["Hela"], "områdeskod": ["1"]}, geometry=[box(830000, 7290000, 840000, 7292000)],
                     crs="EPSG:3006").to_file(raw / "omraden.geojson", driver="GeoJSON")
    ingest(raw, tmp_path / "store")
    assert list(read_table(tmp_path / "store", "areas")["area"]) == ["Hela"]
    (raw / "omraden.geojson").unlink()
    edited = raw / "open/scb_omraden_2580.geojson"
    edited.write_text(edited.read_text(encoding="utf-8").replace("2580C1010", "2580C1099"), encoding="utf-8")
    report = ingest(raw, tmp_path / "store2")
    assert read_table(tmp_path / "store2", "areas").empty
    assert any("scb_omraden_2580.geojson left out" in w and "checksum" in w for w in report.warnings)


def test_the_command_takes_the_area_level_and_refuses_an_unknown_one_in_one_line(tmp_path, open_server, cli):
    scb_routes(open_server)
    ok = cli("fetch", str(tmp_path), "--municipality", "2580", "--source", "scbgeo", "--areas", "regso",
             "--scb-geo-url", open_server.base + WFS)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip().startswith("SCB geodata: 2 file(s) in")
    assert sorted(p.name for p in (tmp_path / "open").iterdir() if not p.name.endswith(".provenance.json")) == [
        "scb_befolkning_rutor_2580.csv", "scb_omraden_2580.geojson"]
    bad = cli("fetch", str(tmp_path), "--municipality", "2580", "--source", "scbgeo", "--areas", "sams")
    assert bad.returncode == 2 and "areas must be deso or regso" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr

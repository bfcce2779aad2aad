"""Tests of trygghet.reports.maps: offline HTML, privacy of counts, layers, the notebook wrapper, the static PNG."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from trygghet.analysis import hotspots as hs
from trygghet.reports import maps
from trygghet.data.errors import ParameterError

X0, Y0 = 804_000.0, 7_283_000.0


@pytest.fixture(scope="module")
def scene():
    rng = np.random.default_rng(3)
    pts = pd.DataFrame({
        "x": np.r_[rng.uniform(X0, X0 + 6000, 1500), rng.normal(X0 + 2500, 120, 400), X0 + 5850, X0 + 5850],
        "y": np.r_[rng.uniform(Y0, Y0 + 5000, 1500), rng.normal(Y0 + 2500, 120, 400), Y0 + 4850, Y0 + 4850],
    })  # fmt: skip
    areas = gpd.GeoDataFrame({"area": ["Centrum", "Östra"]}, crs=3006, geometry=[
        shapely.box(X0, Y0, X0 + 3000, Y0 + 5000), shapely.box(X0 + 3000, Y0, X0 + 6000, Y0 + 5000)])  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cells = hs.analyse(pts, cell_size=200, areas=areas, correction="none", alpha=0.10)
    cells.attrs["year"] = 2025
    measures = pd.DataFrame({"measure_id": ["A1", "A2", "U1", "G1", "G0"],
                             "name": ["Belysning Storgatan", "Kamera", "Föräldravandring", "Röjning parken", "Gammal röjning"],
                             "level": ["situationell", "situationell", "universell", "situationell", "situationell"],
                             "status": ["pågående", "planerad", "pågående", "genomförd", "genomförd"],
                             "start": pd.to_datetime(["2024-01-01", "2026-01-01", "2020-01-01", "2025-03-01", "2021-03-01"]),
                             "end": pd.to_datetime([None, None, None, "2025-05-31", "2021-05-31"]),
                             "x": [X0 + 2500, X0 + 5000, X0 + 100, X0 + 2700, X0 + 2800],
                             "y": [Y0 + 2500, Y0 + 4000, Y0 + 100, Y0 + 2600, Y0 + 2700]})  # fmt: skip
    walks = pd.DataFrame({"x": [X0 + 2400, X0 + 4300], "y": [Y0 + 2600, Y0 + 1300], "deficiency": ["belysning", "klotter"],
                          "fixed": [True, False]})  # fmt: skip
    incidents = pd.DataFrame({"x": [X0 + 2510, X0 + 2520, X0 + 2530, X0 + 4100], "y": [Y0 + 2510, Y0 + 2520, Y0 + 2530, Y0 + 1300]})
    return cells, areas, measures, walks, incidents, pts


def _page(scene, **kwargs):
    cells, areas, measures, walks, incidents, _ = scene
    fmap = maps.hotspot_map(cells, areas=areas, measures=measures, safety_walks=walks, incidents=incidents,
                            title="Brott 2025", **kwargs)  # fmt: skip
    return _text(maps.to_html(fmap))


def _text(page: str) -> str:
    """The page with JavaScript's \\uXXXX escapes decoded (folium escapes non-ASCII names)."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)


def _features(page: str) -> list[dict]:
    """Every GeoJSON feature embedded in the page."""
    found = []
    for match in re.finditer(r"geo_json_\w+_add\((\{.*\})\);", page):
        found.extend(json.loads(match.group(1))["features"])
    return found


def test_page_is_self_contained(scene):
    page = _page(scene)
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=\"https?://", page)
    for cdn in ("cdn.jsdelivr", "code.jquery", "bootstrapcdn", "cdnjs.cloudflare", "fontawesome"):
        assert cdn not in page
    assert "L.map(" in page and "window.L" in page  # Leaflet itself is in the page
    assert "url(images/" not in page and "data:image/png;base64," in page  # layer-control icon inlined
    # the OpenStreetMap layer is there but off by default
    assert "tile.openstreetmap.org" in page
    assert "Bakgrundskarta (OpenStreetMap, kräver internet)" in page


def test_no_offence_point_and_small_counts_suppressed(scene):
    cells, *_, pts = scene
    page = _page(scene)
    features = _features(page)
    assert features, "the map has no cell layers"
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features)
    counts = [f["properties"]["antal"] for f in features if "antal" in f["properties"]]
    assert counts, "no count tooltips"
    for text in counts:
        assert text == "<5" or text == "0" or int(text.replace("\u00a0", "").replace(" ", "")) >= 5
    # the 3 incidents in one cell are shown as <5, never as 3
    incident_counts = [f["properties"]["antal"] for f in features if set(f["properties"]) == {"level", "antal"}]
    assert "<5" in incident_counts and "3" not in incident_counts
    # the two offences placed at one spot are not drawn as a point anywhere
    lon_lat = gpd.GeoSeries(gpd.points_from_xy([X0 + 5850], [Y0 + 4850]), crs=3006).to_crs(4326).iloc[0]
    assert f"{lon_lat.x:.5f}" not in page


def test_layers_and_swedish_labels(scene):
    page = _page(scene, emerging=None)
    for name in ("Hot spots och cold spots (Gi*)", "Täthet (KDE, brott per km²)", "Kommunala händelser (antal per ruta)",
                 "Områden", "Situationella åtgärder", "Trygghetsvandringar (brister)"):  # fmt: skip
        assert name in page
    for label in ("Hot spot, 99 % konfidens", "Cold spot, 90 % konfidens", "Gi*-klass", "Antal brott", "Område"):
        assert label in page
    assert "Belysning Storgatan" in page and "Föräldravandring" not in page  # situational measures only
    # the one coverage rule: planned and completed-in-an-earlier-year measures are not drawn
    assert "Röjning parken" in page and "Kamera" not in page and "Gammal röjning" not in page
    assert "Ej åtgärdad" in page and "Åtgärdad" in page


def test_emerging_layer(scene):
    cells = scene[0]
    emerging = cells[["cell_id", "geometry"]].head(6).copy()
    emerging["category"] = ["new_hotspot", "new_hotspot", "persistent_hotspot", "no_pattern", "sporadic_coldspot", "no_pattern"]
    page = _text(maps.to_html(maps.hotspot_map(cells, emerging=emerging)))
    assert "Trender (framväxande hot spots)" in page
    assert "Ny hot spot" in page and "Bestående hot spot" in page and "Sporadisk cold spot" in page
    assert "Inget mönster" not in page


def test_offline_wrapper_is_an_iframe_with_srcdoc(scene, tmp_path):
    cells = scene[0]
    shown = maps.offline(maps.hotspot_map(cells), height=500)
    out = shown._repr_html_()
    assert out.startswith("<iframe srcdoc=") and "height:500px" in out
    assert "Make this Notebook Trusted" not in out and "<script src" not in out
    assert html.unescape(re.search(r'srcdoc="([^"]*)"', out).group(1)) == shown.html
    path = shown.save(tmp_path / "karta.html")
    assert path.read_text(encoding="utf-8") == shown.html
    with pytest.raises(ParameterError):
        maps.OfflineMap("<html></html>", height=0)


def test_bad_input(scene):
    with pytest.raises(ParameterError, match="analyse"):
        maps.hotspot_map(pd.DataFrame({"x": [1]}))
    with pytest.raises(ParameterError, match="empty"):
        maps.hotspot_map(scene[0].iloc[0:0])


def test_many_cells_are_dissolved_with_a_warning(scene):
    cells = scene[0]
    with pytest.warns(UserWarning, match="dissolved"):
        page = _text(maps.to_html(maps.hotspot_map(cells, max_cells=3)))
    assert "Klass" in page


def test_static_png(scene, tmp_path):
    cells, areas, measures, *_ = scene
    path = tmp_path / "karta.png"
    fig = maps.static_map(cells, areas=areas, measures=measures, title="Brott 2025", path=path)
    assert path.stat().st_size > 10_000 and path.read_bytes()[:4] == b"\x89PNG"
    texts = " ".join(t.get_text() for t in fig.texts) + fig._suptitle.get_text()
    assert "Brott 2025" in texts and "Källa" in texts and "<5" in texts
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "Hot spot, 99 % konfidens" in legend
    assert maps.STATUS_LABELS["pågående"] in legend and maps.STATUS_LABELS["genomförd"] in legend


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs headless Chromium")
def test_renders_in_headless_chromium_without_network(scene, tmp_path):
    page = tmp_path / "karta.html"
    page.write_text(_page(scene), encoding="utf-8")
    shot = tmp_path / "karta.png"
    subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--proxy-server=127.0.0.1:9", "--virtual-time-budget=5000", f"--screenshot={shot}", "--window-size=1000,700", page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    from PIL import Image

    image = np.asarray(Image.open(shot).convert("RGB"))
    hot = np.array([0xD6, 0x2F, 0x27])  # the 99 % hot-spot red, drawn with fill opacity 0.8
    reddish = (image[:, :, 0] > 200) & (image[:, :, 1] < 110) & (image[:, :, 2] < 100)
    assert reddish.sum() > 200, f"no hot-spot cells were drawn (looked for colours near {hot})"


def test_legend_gives_each_status_its_colour(scene):
    page = _page(scene)
    colours = {}
    for status, colour in maps.STATUS_COLOURS.items():
        assert f'data-status="{status}"><i style="background:{colour}"></i>{maps.STATUS_LABELS[status]}' in page
        colours[status] = colour
    assert colours["pågående"] != colours["genomförd"]
    # each drawn measure is filled with its status's colour
    assert f'"fillColor": "{colours["genomförd"]}"' in page and f'"fillColor": "{colours["pågående"]}"' in page


def test_tooltips_name_rank_and_cell_like_the_report(scene):
    cells = scene[0]
    features = [f["properties"] for f in _features(_page(scene)) if "rang" in f["properties"]]
    ranked = cells[cells["hotspot_rank"].notna()]
    refs = maps.cell_reference(ranked)
    shown = {p["ruta"]: p["rang"] for p in features}
    for rank, ref in zip(ranked["hotspot_rank"], refs):
        assert shown[ref] == str(int(rank))
    assert len(set(maps.cell_reference(cells))) == len(cells)  # a reference finds one cell


def test_study_area_is_stated_with_its_km2(scene):
    cells = scene[0]
    text = maps.study_area_text(cells)
    assert "km²" in text and "Analysområdet" in text
    note = maps.map_note(cells).data
    assert text in note

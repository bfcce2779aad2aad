"""Charts for every reader (issue 12, item 4): each chart of trygghet.reports.plots (and the static map)
carries a Swedish alt text with its key numbers and its numbers as a collapsed table, and every text
drawn on it reaches 4.5:1 contrast against what is actually drawn behind it (measured on the rendered
picture, not taken from the code's colours)."""

from __future__ import annotations

import html
import json
import re
import warnings
from collections import Counter

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.text import Text

from trygghet.reports import maps, plots
from trygghet.reports.chart import TABLE_SUMMARY, Chart, contrast, text_colour_on

DEFAULT_ALT = "No description has been provided for this image"


def test_contrast_is_wcag_21s_ratio():
    # hand-computed: #E69F00 -> R 230/255 = 0.902 -> 0.791, G 159/255 = 0.624 -> 0.347, B 0
    # L = 0.2126 * 0.791 + 0.7152 * 0.347 = 0.4163; white: (1.05) / (0.4663) = 2.25 (the 2.25:1)
    assert contrast("#ffffff", "#E69F00") == pytest.approx(2.25, abs=0.01)
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic just-too-light grey
    assert text_colour_on("#E69F00") == "#000000" and text_colour_on("#0072B2") == "#ffffff"
    assert contrast(plots.REFERENCE_TEXT_COLOUR, "#ffffff") >= 4.5


@pytest.fixture(scope="module")
def charts():
    rng = np.random.default_rng(12)
    trend = pd.DataFrame({"year": list(range(2019, 2026)) * 2, "name": ["Våldsbrott"] * 7 + ["Stölder"] * 7,
                          "value": [5.0, 6.0, 7.0, 6.5, 7.5, 8.0, 9.25] + [20.0, 19.0, 18.0, 17.0, 16.0, 15.0, 14.5]})
    trend = trend.assign(lower=trend["value"] - 1, upper=trend["value"] + 1)
    areas = pd.DataFrame({"area": ["Centrum", "Hertsön", "Örnäset", "Råneå"], "value": [0.31, 0.22, 0.12, np.nan],
                          "lower": [0.25, 0.17, 0.08, np.nan], "upper": [0.37, 0.28, 0.17, np.nan],
                          "suppressed": [False, False, False, True]})
    ranked = pd.DataFrame({"name": ["Nedskräpning", "Klotter", "Buskörning", "Droger", "Bråk"],
                           "value": [2.4, 1.9, 1.1, 0.7, 0.4]})
    hours = pd.DataFrame([(d, h, int(rng.poisson(35 if h >= 21 else 9))) for d in range(7) for h in range(24)],
                         columns=["weekday", "hour", "n"])
    hours.loc[(hours["weekday"] == 4) & (hours["hour"] == 22), "n"] = 77
    months = pd.DataFrame([(y, m, 20 + m + (y - 2024) * 5) for y in (2024, 2025) for m in range(1, 13)],
                          columns=["year", "month", "n"])
    statuses = pd.DataFrame({"status": ["på väg", "risk", "risk", "risk", "ej på väg", "ej mätbart"], "latest_year": 2025})
    levels = pd.DataFrame({"level": ["universell", "selektiv", "situationell", "situationell"],
                           "horizon": ["kort", "lång", "kort", "lång"], "n": [4, 2, 6, 1]})
    return {
        "trend": plots.trend_chart(trend, hue="name", title="Brott per 1 000 invånare", ylabel="per 1 000 invånare",
                                   source="Polisen"),
        "small": plots.small_multiples(trend, facet="name", title="Brott per kategori", ylabel="per 1 000 invånare",
                                       source="Polisen"),
        "interval": plots.interval_chart(areas, title="Otrygga en sen kväll", xlabel="andel", source="Enkäten",
                                         reference=0.2, percent=True),
        "ranked": plots.ranked_bar_chart(ranked, label="name", title="Problem i området", xlabel="genomsnitt 0–6",
                                         source="Enkäten"),
        "heat": plots.weekday_hour_heatmap(hours, title="Våldsbrott per veckodag och timme", source="Polisen"),
        "month": plots.month_chart(months, hue="year", title="Brott per månad", source="Polisen"),
        "follow": plots.follow_up_chart(statuses),
        "level": plots.level_chart(levels, title="Åtgärder per nivå", source="Handlingsplanen"),
    }


# key numbers each alt text must state (as the reader reads them, Swedish formats)
KEY_NUMBERS = {
    "trend": ["Våldsbrott: 5,0 år 2019 och 9,3 år 2025", "Stölder: 20,0 år 2019 och 14,5 år 2025"],
    "small": ["år 2025", "Stölder 14,5", "Våldsbrott 9,3"],
    "interval": ["högst Centrum 31 % (25–37 %)", "lägst Örnäset 12 % (8–17 %)", "hela kommunen 20 %",
                 "1 saknar värde"],
    "ranked": ["Nedskräpning 2,4", "Klotter 1,9", "minst: Bråk 0,4"],
    "heat": ["fredag klockan 22–23 (77 brott)"],
    "month": ["2024: flest i december (32), färst i januari (21)", "2025: flest i december (37), färst i januari (26)"],
    "follow": ["Av 6 delmål är 1 på väg, 3 risk, 1 ej på väg och 1 ej mätbart"],
    "level": ["universell 4 (4 på kort och 0 på lång sikt)", "situationell 7 (6 på kort och 1 på lång sikt)",
              "indikerad 0"],
}


@pytest.mark.parametrize("name", list(KEY_NUMBERS))
def test_every_chart_has_a_swedish_alt_text_with_its_key_numbers(charts, name):
    chart = charts[name]
    assert isinstance(chart, Chart)
    for said in KEY_NUMBERS[name]:
        assert said in chart.alt.replace("\xa0", " "), f"{name}: {said!r} not in the alt text {chart.alt!r}"
    assert DEFAULT_ALT not in chart.alt and re.search(r"[åäö]|diagram|karta|stapel", chart.alt, re.I)


def test_every_chart_has_its_numbers_as_a_collapsed_table(charts):
    for name, chart in charts.items():
        page = chart._repr_mimebundle_()["text/html"]
        img = re.search(r'<img src="data:image/png;base64,[^"]+" alt="([^"]+)">', page)
        assert img and html.unescape(img.group(1)) == chart.alt, name
        assert '<details class="tr-chart-data"><summary>' + TABLE_SUMMARY in page, f"{name}: no collapsed table"
        assert "<details open" not in page and "<thead>" in page and "<td>" in page
    heat = charts["heat"].table
    assert list(heat.columns[:2]) == ["Timme", "Måndag"] and len(heat) == 24
    assert heat.loc[22, "Fredag"] == "77"
    interval = charts["interval"].table.set_index("Område").replace("\xa0", " ", regex=True)
    assert interval.loc["Råneå", "Andel"] == "för få" and interval.loc["Centrum", "95 % KI"] == "25–37 %"
    assert charts["follow"].table.set_index("Status").loc["risk", "Delmål"] == "3"
    assert charts["trend"].table.set_index("År").loc["2025", "Våldsbrott (95 % KI)"] == "9,3 (8,3–10,3)"


def test_a_chart_still_works_as_its_figure(charts, tmp_path):
    chart = charts["follow"]
    chart.savefig(tmp_path / "x.png")
    assert (tmp_path / "x.png").read_bytes()[:4] == b"\x89PNG" and chart.axes and chart.png()[:4] == b"\x89PNG"


def rendered_text_contrasts(fig) -> list[tuple[str, float]]:
    """Each visible text of ``fig`` with its contrast against the colour most often drawn behind it
    (the figure rendered again with every text transparent, so the layout stays the same)."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    boxes = [t.get_window_extent(renderer) for t in texts]
    alphas = [t.get_alpha() for t in texts]
    for t in texts:
        t.set_alpha(0)
    canvas.draw()
    behind = np.asarray(canvas.buffer_rgba())[..., :3]
    for t, a in zip(texts, alphas):
        t.set_alpha(a)
    height, width = behind.shape[:2]
    found = []
    for t, box in zip(texts, boxes):
        x0, x1 = int(max(box.x0, 0)), int(min(box.x1, width))
        y0, y1 = int(max(height - box.y1, 0)), int(min(height - box.y0, height))
        if x1 <= x0 or y1 <= y0:  # outside the canvas (the source line under the chart): on the page's white
            colour = to_rgb(fig.get_facecolor())
        else:
            pixels = behind[y0:y1, x0:x1].reshape(-1, 3)
            colour = tuple(v / 255 for v in Counter(map(tuple, pixels)).most_common(1)[0][0])
        found.append((t.get_text(), contrast(t.get_color(), colour)))
    return found


def test_every_text_on_every_chart_reaches_4_5_to_1(charts):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constrained layout on tiny test charts
        for name, chart in charts.items():
            found = rendered_text_contrasts(chart.figure)
            assert len(found) >= 5, f"{name}: too few texts measured"
            low = [(text, round(ratio, 2)) for text, ratio in found if ratio < 4.5]
            assert not low, f"{name}: text below 4.5:1 contrast: {low[:8]}"


def test_the_measure_finds_white_on_orange(charts):
    """The measurement itself fails a chart whose labels are white on #E69F00 (the issue's finding)."""
    fig = charts["follow"].figure
    label = next(t for t in fig.findobj(Text) if t.get_text().startswith("risk"))
    label.set_color("white")
    try:
        assert min(r for text, r in rendered_text_contrasts(fig) if text.startswith("risk")) < 3
    finally:
        label.set_color(text_colour_on(plots.STATUS_COLOURS["risk"]))


@pytest.fixture(scope="module")
def hot_scene():
    x0, y0 = 804_000.0, 7_283_000.0
    rng = np.random.default_rng(5)
    pts = pd.DataFrame({"x": np.r_[rng.uniform(x0, x0 + 6000, 1200), rng.normal(x0 + 2500, 120, 400)],
                        "y": np.r_[rng.uniform(y0, y0 + 5000, 1200), rng.normal(y0 + 2500, 120, 400)]})
    areas = gpd.GeoDataFrame({"area": ["Centrum", "Östra"]}, crs=3006, geometry=[
        shapely.box(x0, y0, x0 + 3000, y0 + 5000), shapely.box(x0 + 3000, y0, x0 + 6000, y0 + 5000)])
    from trygghet.analysis import hotspots

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cells = hotspots.analyse(pts, cell_size=200, areas=areas, correction="none", alpha=0.10)
    cells.attrs["year"] = 2025
    return cells, areas


def test_static_map_has_alt_table_and_readable_text(hot_scene):
    cells, areas = hot_scene
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chart = maps.static_map(cells, areas=areas, title="Brott 2025")
        found = rendered_text_contrasts(chart.figure)
    hot = int((cells["gi_bin"] > 0).sum())
    assert hot > 0 and f"{hot} rutor är hot spots" in chart.alt and chart.alt.startswith("Karta: Brott 2025.")
    table = chart.table.set_index("Gi*-klass")
    assert sum(int(v) for k, v in table["Antal rutor"].items() if k.startswith("Hot")) == hot
    assert not [(t, r) for t, r in found if r < 4.5]


def test_interactive_map_is_swedish_zoomable_labelled_and_has_a_table(hot_scene):
    cells, areas = hot_scene
    walks = pd.DataFrame({"x": [805_000.0, 806_000.0], "y": [7_285_000.0, 7_286_000.0], "fixed": [True, False]})
    shown = maps.offline(maps.hotspot_map(cells, areas=areas, safety_walks=walks, title="Brott 2025, Centrum"))
    page = shown.html
    assert '<html lang="sv">' in page and "<title>Karta: Brott 2025, Centrum</title>" in page
    assert "user-scalable=no" not in page and "maximum-scale" not in page  # a phone may zoom
    assert re.search(r'"collapsed": true', page), "the layer control does not start collapsed"
    assert "Zooma in" in page and "Välj kartlager" in page
    assert '<details class="tr-legend" open><summary>Teckenförklaring</summary>' in page
    labels = re.findall(r'L\.divIcon\(\{\s*"html": "(.*?)",.*?"className": "tr-area-label"', page, re.S)
    names = {json.loads(f'"{label}"') for label in labels}
    assert names == {"<span>Centrum</span>", "<span>Östra</span>"}, names  # on the map itself, not only on hover
    assert '"interactive": false' in page and '"keyboard": false' in page  # labels are not tab stops
    block = shown._repr_html_()
    assert 'title="Karta: Brott 2025, Centrum"' in block
    details = re.search(r'<details class="tr-map-data"><summary>Visa kartans innehåll som tabell</summary>(.*)</details>',
                        block, re.S)
    assert details, "no table alternative under the map"
    rows = {re.sub(r"<[^>]+>", "|", r).strip("|").split("|")[0]: r for r in re.findall(r"<tr>(.*?)</tr>", details.group(1))}
    sig_areas = set(cells.loc[cells["gi_bin"] != 0, "area"].dropna())
    assert sig_areas and sig_areas <= set(rows), rows.keys()
    hot_centrum = int((cells["hotspot"] & (cells["area"] == "Centrum")).sum())
    assert f"<td>Centrum</td><td>{hot_centrum}</td>" in details.group(1)
    assert "Brister från trygghetsvandringar: &lt;5 ej åtgärdade och &lt;5 åtgärdade." in details.group(1)

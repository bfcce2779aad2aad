"""The hot-spot page's second views in Swedish: "many offences" told apart from "high risk" with the
analysis's own figures, the concentration sentence and table, locators in plain Swedish, and the
near-repeat sentence written only where the Knox test is significant."""

from __future__ import annotations

import re
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from trygghet.analysis.hotspots import near_repeat as nr
from trygghet.reports import brottskoncentrationer as bk
from trygghet.reports import hotspot_views as hv

YEAR = 2025
PLACE = r"(vid mitten av .+|ca [\d\u00a0]+(,\d)? (m|km) (norr|nordost|öster|sydost|söder|sydväst|väster|nordväst) om .+)"


@pytest.fixture(scope="module")
def page(demo_store):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bk.analyse(demo_store, YEAR, "alla")


def _numbers(text: str) -> list[int]:
    return [int(v.replace("\u00a0", "")) for v in re.findall(r"\d[\d\u00a0]*", text)]


def test_many_offences_and_high_risk_are_told_apart_with_the_analysis_figures(page):
    text = bk.risk_text(page).data
    assert text.startswith("## Många brott eller hög risk?")
    assert "**Många brott**" in text and "**Hög risk**" in text
    m = re.search(r"I år är (\d+) rutor både hot spots och har förhöjd risk, (\d+) hot spot-rutor har många brott men "
                  r"inte förhöjd risk per invånare, och (\d+) rutor har förhöjd risk utan att vara hot spots", text)
    assert m, text
    both, only_hot, only_risk = map(int, m.groups())
    hot = page.cells["hotspot"].to_numpy(dtype=bool)
    high = page.views.risk["high_risk"].to_numpy(dtype=bool)
    assert both + only_hot == hot.sum() and both + only_risk == high.sum()
    assert page.views.risk.attrs["tested"] > 0


def test_risk_table_lists_distinct_high_risk_places_without_counts(page):
    table = bk.risk_table(page).data
    assert len(table) and not any(c.startswith("Antal") for c in table.columns)
    assert set(table["Risk jämfört med genomsnittet"]) <= {w for _, w in hv.RISK_CLASSES}
    assert all(re.fullmatch(PLACE, p) for p in table["Läge"]), table["Läge"].tolist()
    cells = page.cells.set_index("cell_id").loc[table["Ruta-id"]]
    rows, cols = cells["row"].to_numpy(), cells["col"].to_numpy()
    for i in range(len(rows)):
        for j in range(i):
            assert abs(rows[i] - rows[j]) > 1 or abs(cols[i] - cols[j]) > 1, "two listed neighbourhoods touch"
    risk = page.views.risk.set_index("cell_id").loc[table["Ruta-id"]]
    assert risk["high_risk"].all()


def test_concentration_sentence_and_table_agree_with_the_analysis(page):
    a = page.views.concentration.attrs
    text = bk.concentration_text(page).data
    half = re.search(r"Hälften av brotten skedde i ([\d\u00a0]+) av de ([\d\u00a0]+) rutorna i det befolkade området "
                     r"\(([\d,]+)\u00a0%\)", text)
    assert half, text
    assert _numbers(half.group(1)) == [round(a["cells_for_half"] * a["n_cells"])] and _numbers(half.group(2)) == [a["n_cells"]]
    assert float(half.group(3).replace(",", ".")) == pytest.approx(100 * a["cells_for_half"], abs=0.051)
    assert f"Gini-koefficienten är {str(round(a['gini'], 2)).replace('.', ',')}" in text
    table = bk.concentration_table(page).data
    shares = [float(v.replace("\u00a0%", "").replace(",", ".")) for v in table.iloc[:-1, -1]]
    assert shares == sorted(shares) and shares[-1] <= 100
    stab = bk.stability_table(page).data
    assert stab["Från år"].tolist()[-1] == str(YEAR - 1) and stab["Till år"].tolist()[-1] == str(YEAR)


def test_top_table_has_cell_ids_and_places(page):
    table = bk.top_table(page).data
    top = page.cells[page.cells["hotspot_rank"].notna().to_numpy()].sort_values("hotspot_rank").head(len(table))
    assert table["Ruta-id"].tolist() == top["cell_id"].astype(str).tolist()
    assert all(re.fullmatch(PLACE, p) for p in table["Läge"])


def test_place_text_in_plain_swedish():
    assert hv.place_text("Hertsön", "area_centre", 612.0, "NE", 250) == "ca 600 m nordost om mitten av Hertsön"
    assert hv.place_text("Gammelstad", "place", 1234.0, "S", 250) == "ca 1,2 km söder om Gammelstad"
    assert hv.place_text("Centrum", "area_centre", 90.0, "W", 250) == "vid mitten av Centrum"


def _near_repeat_page(result):
    views = SimpleNamespace(near_repeat={"bostadsinbrott": result}, near_repeat_years=[2023, 2024, 2025])
    return SimpleNamespace(views=views, group="alla", year=YEAR)


def test_near_repeat_sentence_only_where_significant():
    rng = np.random.default_rng([2580, 1107])
    x, y, t = rng.uniform(0, 4000, 300), rng.uniform(0, 4000, 300), np.floor(rng.uniform(0, 365, 300))
    calm = nr.knox(x, y, t, seed=3)
    assert nr.elevated_risk(calm) is None
    text = hv.near_repeat_text(_near_repeat_page(calm)).data
    assert "risken förhöjd" not in text and "inget säkert mönster" in text
    src = rng.integers(0, 300, 80)  # followers within 60 m and 5 days
    x2 = np.concatenate([x, x[src] + rng.uniform(-30, 30, 80)])
    y2 = np.concatenate([y, y[src] + rng.uniform(-30, 30, 80)])
    t2 = np.concatenate([t, t[src] + np.floor(rng.uniform(0, 5, 80))])
    planted = nr.knox(x2, y2, t2, seed=3)
    found = nr.elevated_risk(planted)
    assert found is not None
    text = hv.near_repeat_text(_near_repeat_page(planted)).data
    sentence = re.search(r"efter ett bostadsinbrott är risken förhöjd inom ([\d\u00a0]+) m under (\d+) dagar", text)
    assert sentence, text
    assert _numbers(sentence.group(1)) == [int(found["distance_to"])] and int(sentence.group(2)) == found["days_to"]
    table = hv.near_repeat_table(_near_repeat_page(planted), "bostadsinbrott").data
    assert any(str(v).endswith(" *") for v in table.iloc[:, 1:].to_numpy().ravel())


def test_other_groups_point_to_the_all_offences_page(demo_store):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vald = bk.analyse(demo_store, YEAR, "vald")
    assert not vald.views.near_repeat
    assert "redovisas i rapporten för alla brott" in bk.near_repeat_text(vald).data


def test_charts_carry_a_swedish_alt_text_with_their_numbers(page):
    curve = bk.concentration_chart(page)
    a = page.views.concentration.attrs
    assert curve.alt.startswith("Linjediagram: koncentrationskurva 2025") and f"Gini {fmt_number(a['gini'])}" in curve.alt
    risk_map = bk.risk_map(page)
    assert risk_map.alt.startswith("Karta: Risk per invånare 2025")
    # (the alt text's spaces are plain: Chart collapses white space, the thousands' no-break space too)
    counts = [int(re.sub(r"\s", "", n)) for n in re.findall(r"(\d{1,3}(?:\s\d{3})*) rutor", risk_map.alt)]
    assert sum(counts) == len(page.cells)  # every cell is in a class or too thinly populated
    assert "<img" in risk_map.to_html() and 'alt="Karta: Risk per invånare' in risk_map.to_html()


def fmt_number(v: float) -> str:
    return f"{v:.2f}".replace(".", ",")


def test_near_repeat_runs_on_the_placed_burglaries_and_vandalism_of_the_years(page, demo_store):
    from trygghet.data import store as tstore

    offences = tstore.read_table(demo_store, "offences")
    assert page.views.near_repeat_years == [YEAR - 2, YEAR - 1, YEAR]
    for category, result in page.views.near_repeat.items():
        rows = offences[(offences["category"] == category) & offences["year"].isin(page.views.near_repeat_years)
                        & offences["has_place"] & offences["in_municipality"]]
        assert result.attrs["events"] == len(rows) and result.attrs["category"] == category
        assert result.attrs["permutations"] == 999 and result.attrs["seed"] == nr.DEFAULT_SEED
    assert set(page.views.near_repeat) == set(nr.NEAR_REPEAT_GROUPS)


def test_without_a_population_grid_the_page_says_so():
    views = SimpleNamespace(risk=None, dual=None)
    page = SimpleNamespace(views=views, group="alla", year=YEAR)
    assert "Risken per invånare kan inte beräknas" in bk.risk_text(page).data
    assert bk.risk_table(page).data == "" and bk.risk_map(page).data == ""

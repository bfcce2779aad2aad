"""The hot-spot report and the activity plan's gaps on the demo store: one coverage rule, one study area,
findable cells, municipal wording, and counts that are never a false 0."""

from __future__ import annotations

import re
import warnings

import pytest

from trygghet.analysis import coverage, disclosure
from trygghet.reports import brottskoncentrationer as bk
from trygghet.reports import preventionsnivaer as pn

YEAR = 2025


@pytest.fixture(scope="module")
def pages(demo_store):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {g: bk.analyse(demo_store, YEAR, g) for g in ("alla", "vald", "kommunala")}


def test_gaps_equal_the_hot_spot_table_per_area(demo_store, pages):
    table = bk.area_display(pages["alla"])
    uncovered_col = [c for c in table.columns if c.startswith("Rutor utan situationell åtgärd")][0]
    from_report = dict(zip(table["Område"], table[uncovered_col]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gaps = pn.gaps(demo_store, YEAR)
    lines = gaps.loc[gaps["Typ"] == "Hot spot utan situationell åtgärd", "Lucka"]
    from_gaps = {}
    for line in lines:
        m = re.fullmatch(r"(.+): (\d+) av (\d+) hot spot-rutor utan situationell åtgärd inom 300 m\.", line)
        assert m, line
        from_gaps[m.group(1)] = int(m.group(2))
        assert int(m.group(3)) == int(table.loc[table["Område"] == m.group(1), "Hot spot-rutor"].iloc[0])
    assert from_gaps, "the demo year has hot spots without a measure"
    assert from_gaps == {a: n for a, n in from_report.items() if n > 0}
    # and the sentence under the map says the same total
    total = sum(from_gaps.values())
    assert f"**{total} av {len(pages['alla'].coverage)} hot spot-rutor" in bk.coverage_text(pages["alla"]).data


def test_one_study_area_for_every_group(pages):
    km2 = {g: p.cells.attrs["study_km2"] for g, p in pages.items()}
    assert len(set(km2.values())) == 1, km2
    for g, p in pages.items():
        assert p.cells.attrs["study_area"] == "populated"  # populated land by default (issue 11)
        if p.evaluation is not None:
            assert p.evaluation["study_km2"].tolist() == pytest.approx([km2["alla"]] * 2)
        stated = bk.definition_note(p).data
        assert re.search(r"Analysområdet är .+ kommun, [\d\u00a0 ]+ km²", stated)
    sentence = bk.map_note(pages["vald"]).data
    assert "km²" in sentence and bk.map_note(pages["kommunala"]).data.count("km²") == 1


def test_top_table_cells_are_findable_and_distinct(pages):
    for g, page in pages.items():
        top = bk.top_display(page.cells, 10, page.counts)
        ref = "Ruta (mittpunkt, SWEREF 99 TM)"
        assert len(top) and top["Rang"].tolist() == list(range(1, len(top) + 1))
        assert top[ref].is_unique, f"{g}: two rows name the same cell"
        assert all(re.fullmatch(r"N [\d\u00a0]+, E [\d\u00a0]+", r) for r in top[ref])


def test_area_counts_are_gated_not_rounded_to_zero(pages):
    for page in pages.values():
        table = bk.area_display(page)
        col = [c for c in table.columns if c.startswith("Antal")][0]
        hot = page.cells[page.cells["hotspot"]]
        for area, shown in zip(table["Område"], table[col]):
            true = int(hot.loc[hot["area"].fillna("utanför områdena") == area, "n"].sum())
            if shown in disclosure.HIDDEN_MARKS:
                continue
            assert int(shown.replace("\u00a0", "").replace(" ", "")) == true
            assert not (shown == "0" and true > 0)


def test_municipal_page_speaks_of_incidents(pages):
    page = pages["kommunala"]
    assert bk.title("kommunala", YEAR) == f"Koncentrationer av kommunala händelser {YEAR}"
    texts = [bk.heading("kommunala", YEAR).data, bk.map_note(page).data, bk.coverage_text(page).data,
             bk.definition_note(page).data, " ".join(bk.top_display(page.cells, 10, page.counts).columns),
             " ".join(bk.area_display(page).columns), " ".join(bk.evaluation_display(page.evaluation, "kommunala").columns)]
    for text in texts:
        assert "Brottskoncentration" not in text and not re.search(r"\bbrott\b", text), text
    assert "händelser" in " ".join(texts)


def test_coverage_in_report_is_the_one_rule(demo_store, pages):
    page = pages["alla"]
    again = coverage.for_store(demo_store, YEAR, "alla", cell_size=250, distance=300)
    assert again["covered"].tolist() == page.coverage["covered"].tolist()

"""The reports name the store's municipality, never Luleå by hand (issue 13, item 3): the residents' summary,
its accessibility statement, the situation picture's national comparison and municipal chart, and the hot
spots' map source, rendered for another municipality's store (Piteå, 2581) hold no "Luleå"; Luleå's own
store keeps its published wording."""

from __future__ import annotations

import warnings

from trygghet.analysis import coverage, hotspots
from trygghet.reports import brottskoncentrationer as bk
from trygghet.reports import common, lagesbild, maps, tillganglighet, tryggare

YEAR = 2025


def _text(shown) -> str:
    """What a display object puts on the page: HTML/Markdown text, a styled table's HTML, a chart's words."""
    if hasattr(shown, "figure"):  # a Chart: its alt text, table and every text drawn on the figure
        fig = shown.figure
        drawn = [t.get_text() for t in fig.texts]
        for ax in fig.axes:
            drawn += [t.get_text() for t in ax.texts] + [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        return shown.to_html() + "\n" + "\n".join(drawn)
    if hasattr(shown, "to_html"):
        return shown.to_html()
    return shown.data if hasattr(shown, "data") else str(shown)


def test_reports_name_another_municipality_and_never_lulea(other_municipality_store):
    store = other_municipality_store
    assert common.municipality_name(store) == "Piteå" and common.police_area(store) == ""
    assert common.parties(store) == "Piteå kommun och polisen"
    s = tryggare.summary(store, YEAR)
    shown = {
        "title": tryggare.title(s), "safety_heading": tryggare.safety_heading(s), "intro": tryggare.intro(s),
        "in_short": tryggare.in_short(s), "safety_text": tryggare.safety_text(s),
        "safety_table": tryggare.safety_table(s, "otrygg_kvall"), "crime_text": tryggare.crime_text(s),
        "crime_table": tryggare.crime_table(s), "trend_table": tryggare.trend_table(s),
        "crime_area_table": tryggare.crime_area_table(s), "work_text": tryggare.work_text(s),
        "promises_text": tryggare.promises_text(s), "about_text": tryggare.about_text(s),
        "tillganglighet": tillganglighet.intro(store),
        # no contact address in the run plan for Piteå: the statement names Piteå's contact centre, no address
        "contact": tillganglighet.contact_text("", store), "report": tillganglighet.report_text("", store),
        "national_table": lagesbild.national_table(store, YEAR),
        "municipal_trend_chart": lagesbild.municipal_trend_chart(store, YEAR),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cells = hotspots.for_store(store, YEAR, "kommunala", cell_size=coverage.DEFAULT_CELL_SIZE)
        page = bk.HotspotPage(store, YEAR, "kommunala", cells, coverage.for_store(store, YEAR, "kommunala", cells=cells),
                              maps.published_counts(cells))
        shown["static_map"] = bk.static_map(page)
    texts = {k: _text(v) for k, v in shown.items()}
    assert {k for k, t in texts.items() if "Luleå" in t or "Lulea" in t} == set()
    assert texts["title"] == "# Tryggare Piteå"
    assert "skriva till Piteå kommuns kontaktcenter." in texts["contact"] and "mailto:" not in texts["contact"]
    assert "skriv till Piteå kommuns kontaktcenter så" in texts["report"]
    assert texts["safety_heading"] == "## Hur trygga känner sig Piteåborna?"
    assert "Polisen och Piteå kommun arbetar tillsammans för att Piteå ska vara en trygg kommun" in texts["intro"]
    assert "brott anmäldes i Piteå kommun under 2025" in texts["in_short"]
    assert "slumpvis urval av dem som bor i Piteå." in texts["safety_text"]
    assert "som har skett i Piteå kommun." in texts["crime_text"]
    assert "lovar dem som bor i Piteå," in texts["promises_text"]
    assert ("Piteå kommun och Polisen står bakom sidorna <a href=\"index.html\">Tryggare Piteå</a>."
            in texts["tillganglighet"])
    assert ">Piteå</th>" in texts["national_table"]
    assert "Piteå kommun, händelserapporter; räddningstjänsten" in texts["municipal_trend_chart"]
    assert "Piteå kommun, händelserapporter 2025" in texts["static_map"]


def test_lulea_keeps_its_published_words(demo_store):
    assert common.parties(demo_store) == "Luleå kommun och lokalpolisområde Luleå-Boden"
    s = {"year": YEAR, "municipality": common.municipality_name(demo_store), "crime": []}
    assert tryggare.title(s).data == "# Tryggare Luleå"
    assert tryggare.safety_heading(s).data == "## Hur trygga känner sig Luleåborna?"
    assert tryggare.intro(s).data.startswith("<p>Polisen och Luleå kommun arbetar tillsammans för att Luleå ska vara "
                                             "en trygg kommun och för att brotten ska bli färre.")
    assert "som har skett i Luleå kommun. Alla brott anmäls inte" in tryggare.crime_text(s).data
    assert tillganglighet.intro(demo_store).data.startswith(
        "<p>Luleå kommun och Polisen (lokalpolisområde Luleå-Boden) står bakom sidorna "
        "<a href=\"index.html\">Tryggare Luleå</a>. Vi vill att")
    assert ">Luleå</th>" in lagesbild.national_table(demo_store, YEAR).to_html()


def test_residents_word_follows_the_name():
    assert [tryggare.residents(n) for n in ("Luleå", "Piteå", "Kiruna", "Boden", "Västerås")] == [
        "Luleåborna", "Piteåborna", "Kirunaborna", "invånarna i Boden", "invånarna i Västerås"]

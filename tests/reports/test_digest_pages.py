"""The weekly EST digest and the quarterly picture as the demo year publishes them (the session's
`published_year`: the year's run shows its latest complete week and quarter)."""

from __future__ import annotations

import re


def _number(text: str) -> int:
    return int(text.replace(" ", ""))


def test_the_year_index_links_the_latest_week_and_quarter(published_year):
    index = (published_year.dir / "index.html").read_text(encoding="utf-8")
    assert 'href="vecka.html"' in index and 'href="kvartal.html"' in index
    assert "Veckobild – EST och händelser" in index and "Kvartalsbild" in index


def test_the_digest_says_what_is_unusual_and_asks_whether_to_intensify(page):
    p = page("vecka")
    assert p.sentence(r"^Vecka 52 2025 \(22–28 december\)\.$")
    alarms = p.section_items("Ovanligt många")
    hertson = [a for a in alarms if a.startswith("Hertsön – klotter (EST-rapporter)")]
    assert len(hertson) == 1, alarms  # the demo's wave of graffiti from week 45
    item = hertson[0]
    assert re.search(r"de senaste fyra veckorna \d+, fler än väntat \(omkring \d+,\d, övre gräns \d+\)", item)
    assert "S07 Snabb klottersanering" in item and item.endswith("Intensifiera?")
    n_alarms = int(p.sentence(r"^(\d+) larm: ").group(1))
    assert n_alarms == len(alarms)


def test_the_digest_sentences_and_table_show_the_same_totals(page):
    p = page("vecka")
    table = p.tables_with("Område", "EST-rapporter", "Kommunala händelser", "Anmälda brott")[0]
    total = table.records()[-1]
    assert total["Område"] == "Hela kommunen"
    for header, label in (("EST-rapporter", "EST-rapporter"), ("Anmälda brott", "Anmälda brott")):
        said = p.sentence(rf"^{label}: ([\d ]+|<5|–) under veckan")
        assert said and said.group(1) == total[header]
    types = p.tables_with("Typ", "Under veckan")[0].records()
    assert types[-1]["Typ"] == "Totalt" and types[-1]["Under veckan"] == total["EST-rapporter"]


def test_the_quarter_compares_with_last_year_and_the_expected_level(page):
    p = page("kvartal")
    assert p.sentence(r"^Fjärde kvartalet 2025 \(oktober–december\) ?, jämfört med fjärde kvartalet 2024")
    above = p.section_items("Över det förväntade")
    centrum = [a for a in above if a.startswith("Centrum – samling av ungdomar (EST-rapporter)")]
    assert len(centrum) == 1, above
    m = re.search(r": (\d+) under perioden, väntat omkring (\d+),\d, övre gräns (\d+); samma period i fjol (\d+) "
                  r"\((ökat|minskat|ingen säker förändring)\)", centrum[0])
    assert m and int(m.group(1)) > int(m.group(3)) >= int(m.group(2))
    assert centrum[0].endswith("Intensifiera?")
    # each source: the area table's total, the category table's total and the summary say the same
    for label, source in (("EST-rapporter", "EST-rapporter"), ("Anmälda brott", "Anmälda brott")):
        by_area = p.tables_with("Område", "Samma period i fjol")
        by_cat = p.tables_with("Samma period i fjol")
        area_total = next(t.records()[-1] for t in by_area if t.caption.startswith(source))
        cat_total = next(t.records()[-1] for t in by_cat if t.caption.startswith(source) and "kategori" in t.caption)
        assert area_total["Område"] == "Hela kommunen" and next(iter(cat_total.values())) == "Totalt"
        now = "Fjärde kvartalet 2025"
        assert area_total[now] == cat_total[now] and area_total["Samma period i fjol"] == cat_total["Samma period i fjol"]
        said = p.sentence(rf"^{label}: ([\d ]+|<5|–) mot ([\d ]+|<5|–) — ")
        assert said.group(1) == area_total[now] and said.group(2) == area_total["Samma period i fjol"]
        assert _number(area_total[now]) > 0

"""The law's frame on the pages: the problem register's flags in words, the årshjul's privacy gate, the
EST table, the sources section, and the published situation picture and prevention-level report."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from trygghet.analysis import seasonal
from trygghet.reports import arshjul, kallor, lagesbild, problemregister

REGISTER = """\
problem:
  - id: P-2025-01
    rubrik: Våld nattetid i Centrum
    område: Centrum
    indikatorer: [vald_offentlig_natt]
    underlag: Krogstråket.
    beslutad_av: styrgruppen
    datum: 2025-02-10
  - id: P-2025-02
    rubrik: Olaga hot ökar
    område: hela kommunen
    kategorier: [hot_ofredande]
    datum: 2025-09-01
"""
MEASURES = [
    "S1;Kameror i Centrum;situationell;lång;polis;Centrum;2024-01-01;;pågående;vald_offentlig_natt;P-2025-01",
    "U1;Föräldrastöd;universell;lång;kommun;hela kommunen;2020-01-01;;pågående;ung_vuxen;",
    "I1;SSPF;indikerad;lång;gemensam;hela kommunen;2021-01-01;;pågående;misstankta_unga;P-1999-01",
]


@pytest.fixture(scope="module")
def small_store(lawframe_store):
    return lawframe_store(measures=MEASURES, problems_yaml=REGISTER)[0]


def test_flags_say_which_problem_lacks_a_measure_and_which_measures_lack_a_problem(small_store):
    flags = problemregister.flags_display(small_store, 2025)
    by_type = flags.groupby("Typ")["Vad"].apply(list).to_dict()
    assert by_type["Problem utan åtgärd"] == [
        "Olaga hot ökar (P-2025-02, beslutat 1 september 2025): ingen åtgärd i 2025 års plan svarar mot problemet."]
    assert sorted(by_type["Åtgärd utan problem"]) == [
        "Föräldrastöd (U1, universell nivå) anger inget problem.",
        "SSPF (I1, indikerad nivå) anger P-1999-01, som inte finns i problemregistret.",
    ]
    levels = problemregister.level_display(small_store, 2025).set_index("Problem")
    assert levels.loc["Våld nattetid i Centrum (P-2025-01)", "Situationell"] == "Kameror i Centrum (S1)"
    assert levels.loc["Olaga hot ökar (P-2025-02)", "Att uppmärksamma"] == "saknar åtgärd"
    assert problemregister.summary_text(small_store, 2025) == (
        "Problemregistret har 2 problem beslutade till och med 2025. Ett av dem saknar åtgärd i årets plan, "
        "och 2 åtgärder svarar inte mot något problem i registret.")


def test_register_and_follow_up_say_when_there_is_no_register(lawframe_store):
    store, _ = lawframe_store(measures=MEASURES[:1])
    for display in (problemregister.register_display, problemregister.level_display, problemregister.follow_up_display):
        shown = display(store, 2025)
        assert len(shown) == 1 and "Problemregistret (problem.yaml) saknas" in shown.iloc[0, 0]


def test_sources_say_what_was_not_delivered(small_store):
    table = kallor.sources_display(small_store).set_index("Källa")
    assert table.loc["Polisens anmälda brott", "I underlaget"] == "Levererades inte; ingår inte i lägesbilden."
    assert table.loc["Problemregistret", "I underlaget"] == "2 rader"
    assert table.loc["Verksamhetsplanens åtgärder", "I underlaget"] == "3 rader"
    assert all(isinstance(t, str) and len(t) > 20 for t in table["Begränsningar"])


def test_est_table_says_when_no_reports_were_delivered(small_store):
    shown = lagesbild.est_display(small_store, 2025)
    assert shown.to_dict("list") == {"Iakttagelse": ["Inga EST-rapporter levererades för 2025."]}


def test_arshjul_hides_the_index_of_every_hidden_count(demo_store):
    """An index gives its count back (with the category's total), so it is hidden with the count: every
    count of 1–4 (and its partners) has no index in the chart, its table or the month table."""
    gated, patterns, years = arshjul.wheel_data(demo_store, 2025)
    raw = seasonal.month_index(demo_store, years).set_index(["category", "month"])["n"]
    small = [(c, m) for (c, m), n in raw.items() if 1 <= n <= 4]
    assert small, "the test needs a small count in the demo (rare categories at a fifth of the size)"
    g = gated.set_index(["category", "month"])
    for key in small:
        assert g.loc[key, "hidden"] and np.isnan(g.loc[key, "index"]) and g.loc[key, "mark"] == "<5"
    chart = arshjul.wheel_chart(demo_store, 2025)
    assert "No description" not in chart.alt and chart.alt.startswith("Värmekarta: Årshjulet")
    names = {arshjul._name(c): c for c in raw.index.get_level_values(0).unique()}
    for _, row in chart.table.iterrows():
        cat = names[row["Brottskategori"].removesuffix(" *")]
        for m in range(1, 13):
            cell = row.iloc[m]
            if g.loc[(cat, m), "hidden"]:
                assert cell in ("<5", "–")
            else:
                assert cell == f"{g.loc[(cat, m), 'index']:.1f}".replace(".", ",")
    months = arshjul.month_display(demo_store, 2025)
    certain = {arshjul._name(c) for c in patterns.loc[patterns["seasonal"], "category"]}
    for col in ("Fler brott än vanligt", "Färre brott än vanligt"):
        for cell in months[col].dropna():
            assert {re.sub(r" \(\d+,\d\)$", "", part) for part in cell.split(", ")} <= certain


def test_est_table_parts_add_up_and_small_counts_are_hidden(demo_store):
    shown = lagesbild.est_display(demo_store, 2025)
    counts = seasonal.est_quarters(demo_store, 2025)
    assert list(shown["Iakttagelse"].str.lower()[:-1]) == list(counts["type"].drop_duplicates())
    assert shown.iloc[-1]["Iakttagelse"] == "Totalt"

    def num(v):
        return None if v in ("<5", "–") else int(v.replace("\u00a0", "").replace(" ", ""))

    quarters = ["Kvartal 1", "Kvartal 2", "Kvartal 3", "Kvartal 4"]
    for _, row in shown.iterrows():
        cells = [num(row[q]) for q in quarters]
        if None not in cells and num(row["Totalt"]) is not None:
            assert sum(cells) == num(row["Totalt"])
    wide = counts.pivot(index="type", columns="quarter", values="n")
    for _, row in shown.iloc[:-1].iterrows():
        for q, col in enumerate(quarters, start=1):
            n = int(wide.loc[row["Iakttagelse"].lower(), q])
            assert (row[col] == "<5") == (1 <= n <= 4)
            if num(row[col]) is not None:
                assert num(row[col]) == n


def test_published_situation_picture_follows_the_law_and_the_plan_flags_the_new_problem(page):
    """lagesbild.html: the four parts the law asks for, in order, with the årshjul, EST, the problem
    register and the sources; preventionsnivaer.html flags the demo's problem without a measure."""
    text = page("lagesbild").text
    heads = ["Kartläggning: brottsligheten, dess omfattning och konsekvenser", "Årshjulet",
             "Annan relevant information", "EST: vad personal ser varje vecka",
             "Analys: problemen, risk- och skyddsfaktorer och vad utvecklingen betyder", "Problemen i lägesbilden",
             "Vad utvecklingen betyder för problemen", "Källor och deras begränsningar"]
    positions = [text.find(h) for h in heads]
    assert all(p >= 0 for p in positions), dict(zip(heads, positions))
    assert positions == sorted(positions)
    soup = page("lagesbild").soup
    wheel = [img for img in soup.find_all("img") if (img.get("alt") or "").startswith("Värmekarta: Årshjulet")]
    assert len(wheel) == 1 and "Säkert säsongsmönster" in wheel[0]["alt"]
    prev = page("preventionsnivaer").text
    assert "Olaga hot och ofredanden ökar (P-2025-02, beslutat 18 september 2025): ingen åtgärd" in prev
    assert "Åtgärd utan problem" not in prev

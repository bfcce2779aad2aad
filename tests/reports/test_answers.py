"""The answer first (issue 12, item 1): three Swedish sentences — safer? where? aimed right? — made from
the data, opening the follow-up report before its goal table and the email, each linking to its evidence.

Hand-made frames check the words; the published demo year (``published_year``) checks that the answers
stand first on the page, that their links lead to existing headings, and that every number they state
equals the one the evidence page shows (the situation picture's key figures and event table, the hot-spot
report's coverage sentence, the follow-up's goal table) — and the email's first lines are the same.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

import pandas as pd
from bs4 import BeautifulSoup

from trygghet.analysis import answers as frames
from trygghet.analysis.indicators import definition
from trygghet.reports import answers as words
from trygghet.reports import lagesbild


def safer_frame(*assessments: str) -> pd.DataFrame:
    names = ["Anmälda brott totalt", "Våldsbrott", "Otrygga ute sent en kväll", "Problemindex"]
    return pd.DataFrame({"name": names[:len(assessments)], "assessment": list(assessments)})


def test_safer_verdicts_and_counts():
    both = words.safer(safer_frame("improved", "worsened", "no_certain_change", "not_measurable"))
    assert both["text"] == ("Delvis: av 4 nyckeltal för brott och trygghet har 1 blivit bättre (anmälda brott totalt) "
                            "och 1 blivit sämre (våldsbrott) sedan föregående mätning; 1 visar ingen säker förändring "
                            "och 1 kan inte jämföras (nyckeltalen i lägesbilden).")
    assert both["numbers"] == {"indicators": 4, "improved": 1, "worsened": 1, "no_certain_change": 1, "not_measurable": 1}
    assert words.safer(safer_frame("improved", "no_certain_change"))["text"].startswith("Ja: av 2 nyckeltal")
    assert words.safer(safer_frame("worsened", "worsened"))["text"].startswith(
        "Nej: av 2 nyckeltal för brott och trygghet har 2 blivit sämre (anmälda brott totalt och våldsbrott)")
    none = words.safer(safer_frame("no_certain_change", "no_certain_change"))
    assert none["text"].startswith("Ingen säker förändring: inget av de 2 nyckeltalen")
    assert none["parts"][1] == ["nyckeltalen i lägesbilden", "lagesbild.html#Sammanfattning"]
    assert none["text"] == "".join(t for t, _ in none["parts"])


def test_where_and_aimed_from_frames():
    hot = pd.DataFrame({"area": ["Porsön", "Centrum", "outside_areas"], "cells": [34, 44, 3], "uncovered": [34, 27, 3],
                        "farthest_nearest_m": [3000.0, 800.0, 9000.0]})
    worse = pd.DataFrame({"indicator": ["vald", "otrygg_kvall"], "area": ["Centrum", "Centrum"]})
    w = words.where(worse, hot)
    assert w["text"].startswith("Sämre i år: Centrum (våldsbrott och otrygga ute sent en kväll) (årets säkra förändringar).")
    assert "81 hot spot-rutor, flest i Centrum (44), Porsön (34) och områden utanför (3)" in w["text"]
    assert w["numbers"] == {"areas_worsened": 1, "worsened_changes": 2, "hotspot_cells": 81, "hotspot_cells_worsening": 0}
    rising = pd.DataFrame({"category": ["new_hotspot", "intensifying_hotspot", "intensifying_hotspot"],
                           "area": ["Porsön", "Centrum", None], "cells": [2, 3, 1]})
    w = words.where(worse, hot, rising)
    assert w["text"].endswith("Över åren har 6 rutor blivit sämre: ny hot spot (Porsön: 2) och tilltagande hot spot "
                              "(Centrum: 3, områden utanför: 1) (utvecklingen över åren).")
    assert w["numbers"]["hotspot_cells_worsening"] == 6
    assert w["parts"][-2][1] == "brottskoncentrationer-alla.html#Utvecklingen-%C3%B6ver-%C3%A5ren-(framv%C3%A4xande-hot-spots)"
    assert words.where(worse.iloc[:0], None)["text"].startswith("Inget område har blivit säkert sämre i år")
    assert words.NO_HOTSPOT_DATA in words.where(worse.iloc[:0], None)["text"]

    goals = pd.DataFrame({"subgoal_id": ["M1.2", "M2.1"]})
    events = pd.DataFrame({"name": ["Hamnfestivalen"], "area": ["Centrum"], "ratio": [5.0], "lower": [2.5],
                           "upper": [9.8], "measures": ["S03"], "measures_active": [0]})
    a = words.aimed(hot, goals, 11, events, 2025)
    assert a["text"] == (
        "64 av 81 hot spot-rutor saknar en situationell åtgärd inom 300 m, flest i Porsön (34) (hot spot-rapporten); "
        "2 av 11 delmål har ingen åtgärd i planen som siktar på indikatorn (M1.2, M2.1; delmålen); under "
        "Hamnfestivalen var våldsbrotten per dag 5,0 gånger fler (95 % KI 2,5–9,8) än samma veckodagar runt omkring "
        "och planens åtgärd för evenemanget (S03) är inte aktiv 2025 (evenemangen).")
    assert a["numbers"]["hotspot_cells_uncovered"] == 64 and a["numbers"]["events_with_excess"] == 1
    none = words.aimed(None, goals.iloc[:0], 3, events.iloc[:0], 2025)
    assert none["text"] == "Alla 3 delmål har en åtgärd i planen (delmålen)."


def test_links_are_nbconvert_heading_ids():
    assert words.anchor("main_changes") == "#%C3%85rets-viktigaste-f%C3%B6r%C3%A4ndringar"
    assert words.absolute("#Delm%C3%A5len", "https://x.example/trygghet/2025/") == \
        "https://x.example/trygghet/2025/uppfoljning.html#Delm%C3%A5len"
    assert words.absolute("lagesbild.html#Sammanfattning", None) is None
    md = words.markdown([words.safer(safer_frame("no_certain_change"))])
    assert md.startswith("**Tryggare?** Ingen säker förändring") and "](lagesbild.html#Sammanfattning)" in md
    # the safer answer's indicators are key figures of the situation picture, the page it links to
    assert set(frames.SAFER_INDICATORS) <= set(lagesbild.KEY_INDICATORS)


# ---------------------------------------------------------------------------------------------- the demo year


def test_answers_open_the_follow_up_and_link_to_their_evidence(published_year, page):
    rec = json.loads((published_year.dir / "records" / "uppfoljning.json").read_text(encoding="utf-8"))
    answers = rec["answers"]
    assert [a["question"] for a in answers] == ["Tryggare?", "Var?", "Rätt riktat?"]
    follow = page("uppfoljning")
    text = _bare(follow.text)  # without whitespace: the page's text has spaces around its links
    starts = [text.index(_bare(f"{a['question']} {a['text']}")) for a in answers]
    assert starts == sorted(starts)
    # first on the page: before the status, the decisions and the goal table
    assert starts[-1] < text.index(_bare(rec["status_sentence"])) < text.index("DelmålOmråde")
    # every link leads to a heading that exists on its page
    soup = BeautifulSoup(follow.html, "html.parser")
    hrefs = [a["href"] for p in soup.find_all("p") for a in p.find_all("a", href=True)
             if p.get_text(" ", strip=True).startswith(("Tryggare?", "Var?", "Rätt riktat?"))]
    assert sorted(set(hrefs)) == sorted({h for a in answers for _, h in a["parts"] if h})
    for href in hrefs:
        target, _, frag = href.partition("#")
        target_html = (published_year.dir / (target or "uppfoljning.html")).read_text(encoding="utf-8")
        assert f'id="{frag}"' in target_html or f'id="{unquote(frag)}"' in target_html, f"{href}: no such heading"


def test_answer_numbers_equal_the_evidence_pages(published_year, page):
    rec = json.loads((published_year.dir / "records" / "uppfoljning.json").read_text(encoding="utf-8"))
    safer, where, aimed = rec["answers"]
    # safer: the key-figure table of the situation picture says the same for the same indicators
    key = page("lagesbild").tables_with("Indikator", "Sedan föregående mätning")[0]
    names = [frames_name(i) for i in frames.SAFER_INDICATORS]
    shown = {r["Indikator"]: r["Sedan föregående mätning"] for r in key.records() if r["Indikator"] in names}
    assert len(shown) == len(names) == safer["numbers"]["indicators"]
    moved = sum(1 for v in shown.values() if v.startswith(("ökat", "minskat")))
    assert moved == safer["numbers"]["improved"] + safer["numbers"]["worsened"]
    assert sum(1 for v in shown.values() if v.startswith("ingen säker")) == safer["numbers"]["no_certain_change"]
    # where / aimed: the hot-spot report's own sentence "X av Y hot spot-rutor saknar …"
    m = page("brottskoncentrationer-alla").sentence(r"(\d+) av (\d+) hot spot-rutor saknar")
    assert m, "the hot-spot report states its uncovered cells"
    assert (int(m.group(1)), int(m.group(2))) == (aimed["numbers"]["hotspot_cells_uncovered"],
                                                  aimed["numbers"]["hotspot_cells"])
    assert where["numbers"]["hotspot_cells"] == aimed["numbers"]["hotspot_cells"]
    assert f"{m.group(1)} av {m.group(2)} hot spot-rutor saknar" in aimed["text"]
    # where: the cells that got worse over the years, as the hot-spot report's table of categories
    trend = page("brottskoncentrationer-alla").tables_with("Kategori", "Antal rutor")[0].records()
    labels = {"Ny hot spot", "Sammanhängande hot spot", "Tilltagande hot spot"}
    assert where["numbers"]["hotspot_cells_worsening"] == sum(int(r["Antal rutor"]) for r in trend if r["Kategori"] in labels)
    # aimed: the goals without a measure are the goal table's rows whose measures read "inga"
    none = [g["subgoal_id"] for g in rec["goals"] if g["measures"] == "inga"]
    assert aimed["numbers"]["goals_without_measure"] == len(none) and aimed["numbers"]["goals"] == len(rec["goals"])
    if none:
        assert f"{len(none)} av {len(rec['goals'])} delmål har ingen åtgärd" in aimed["text"]
        assert ", ".join(none) in aimed["text"]
    # aimed: each event with excess offences, its ratio and interval as the situation picture's event table
    events = page("lagesbild").tables_with("Evenemang", "Kvot (95 % KI)")[0].records()
    certain = [r for r in events if r["Säker skillnad"] == "ja"]
    assert aimed["numbers"]["events_with_excess"] == sum(1 for r in certain if _ratio(r["Kvot (95 % KI)"])[1] > 1)
    for r in certain:
        ratio, lower, upper = r["Kvot (95 % KI)"].replace("(", "").replace(")", "").replace("–", " ").split()
        if _ratio(r["Kvot (95 % KI)"])[1] > 1:
            assert f"under {r['Evenemang']} var våldsbrotten per dag {ratio} gånger fler (95 % KI {lower}–{upper})" \
                in aimed["text"]
    # and the demo year has something to say in each: an event with excess violence and uncovered hot spots
    assert aimed["numbers"]["events_with_excess"] >= 1 and aimed["numbers"]["hotspot_cells_uncovered"] > 0


def test_the_email_opens_with_the_same_answers(published_year, published_mail):
    rec = json.loads((published_year.dir / "records" / "uppfoljning.json").read_text(encoding="utf-8"))
    for body in (published_mail.text, published_mail.html_text):
        starts = [body.index(_norm(a["question"])) for a in rec["answers"]]
        assert starts == sorted(starts) and starts[0] < 200, "the answers are the email's first lines"
        assert starts[-1] < body.index(_norm(rec["status_sentence"]))
    html = _bare(published_mail.html_text)
    for a in rec["answers"]:
        assert _bare(f"{a['question']} {a['text']}") in html
        # the plain body shows each link's address after its words; the words are the same
        assert _norm(f"{a['question']} {a['parts'][0][0]}") in published_mail.text
    assert re.search(r"Trygghetsrapporter 2025: \d+ av \d+ delmål på väg", published_mail.subject)


def frames_name(indicator: str) -> str:
    return definition(indicator)["name_sv"]


def _ratio(cell: str) -> tuple[float, float]:
    nums = [float(x.replace(",", ".")) for x in re.findall(r"\d+,\d+|\d+", cell)]
    return (nums[0], nums[1]) if len(nums) >= 2 else (float("nan"), float("nan"))


def _bare(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()

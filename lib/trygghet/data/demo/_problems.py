"""The demo's problem register (``problem.yaml``) and which problems each measure of the plan answers.

The register is written by hand, as a steering group would decide it: each problem names the areas,
the indicators or offence categories that show it and the evidence in words. Every measure of the demo
plan names at least one problem (:data:`MEASURE_PROBLEMS`); one problem, decided in 2025, has no
measure yet, so that the prevention-level report has a problem to flag. Nothing here is random (the
part's generator, ``default_rng([seed, 15])``, is not needed).
"""

from __future__ import annotations

import yaml

__all__ = ["PROBLEMS", "MEASURE_PROBLEMS", "problems_yaml"]

# id, heading, areas, indicators, categories, evidence, decided by, date
PROBLEMS = [
    ("P-2024-01", "Våld på allmän plats nattetid i Centrum", "Centrum", ["vald_offentlig_natt"], ["misshandel"],
     "Våldet på allmän plats nattetid är koncentrerat till krogstråket i Centrum fredag och lördag natt; "
     "brottskoncentrationerna visar samma kvarter år efter år.", "styrgruppen", "2024-03-14"),
    ("P-2024-02", "Otrygghet kvällstid längs mörka gångstråk", "hela kommunen", ["otrygg_kvall", "problem_belysning"],
     [], "Många svarande känner sig otrygga ute sent en kväll; trygghetsvandringarna hittar brister i "
     "belysning och vegetation, mest i Porsön, Hertsön och Björkskatan.", "styrgruppen", "2024-03-14"),
    ("P-2024-03", "Skadegörelse och anlagda bränder vid skolor och fritidsgårdar", "Hertsön, Björkskatan",
     ["kommunala_skadegorelse", "kommunala_brand"], ["skadegorelse"],
     "Kommunens händelserapporter visar flest skadegörelser och bränder vid Hertsöskolan och "
     "Björkskataskolan, oftast kvällar och helger.", "styrgruppen", "2024-03-14"),
    ("P-2024-04", "Öppen narkotikahandel vid busstorget", "Centrum", ["problem_narkotika"], ["narkotika"],
     "Polisens iakttagelser och trygghetsmätningen pekar ut busstorget; narkotikabrotten speglar också "
     "polisens egna insatser.", "styrgruppen", "2024-03-14"),
    ("P-2024-05", "Bostadsinbrott i villaområdena", "Bergnäset, Sunderbyn, Gammelstad, Sörbyarna",
     ["utsatt_inbrott", "problem_inbrott"], ["bostadsinbrott"],
     "Bostadsinbrotten är flest i villaområdena, ofta i serier under några veckor på hösten.",
     "styrgruppen", "2024-03-14"),
    ("P-2024-06", "Cykelstölder vid resecentrum", "Centrum", [], ["cykelstold"],
     "Cykelstölderna är koncentrerade till resecentrum och universitetet, mest från maj till oktober.",
     "beredningsgruppen", "2024-03-14"),
    ("P-2024-07", "Unga med riskbeteenden: alkohol, skolk och svag anknytning", "hela kommunen",
     ["ung_alkohol", "ung_intensivkonsumtion", "ung_skolk", "ung_vuxen", "ung_fritid"], [],
     "Ungdomsenkäten visar att många unga dricker alkohol och skolkar och att en del saknar en vuxen att prata med.",
     "styrgruppen", "2024-03-14"),
    ("P-2024-08", "Unga som misstänks för brott, flera av dem upprepat", "hela kommunen",
     ["misstankta_unga", "misstankta_unga_tidigare", "ung_egen_brottslighet"], [],
     "Polisens sammanställning visar att en stor del av de misstänkta unga har misstänkts tidigare.",
     "styrgruppen", "2024-03-14"),
    ("P-2024-09", "Våld och mobbning bland unga i skolan", "hela kommunen",
     ["ung_utsatt_vald", "ung_mobbad", "ung_trygg_skolan"], [],
     "Ungdomsenkäten visar unga som utsatts för våld eller hot och som inte känner sig trygga i skolan.",
     "styrgruppen", "2024-03-14"),
    ("P-2024-10", "Lågt förtroende för polis och kommun i Hertsön och Porsön", "Hertsön, Porsön",
     ["fortroende_polis", "fortroende_kommun"], [],
     "Trygghetsmätningen visar lägst förtroende och högst problemindex i Hertsön och Porsön.",
     "styrgruppen", "2024-03-14"),
    ("P-2025-01", "Bedrägerier mot äldre", "hela kommunen", ["utsatt_bedrageri"], ["bedrageri"],
     "Bedrägerierna har ökat, främst telefon- och kortbedrägerier mot äldre.", "styrgruppen", "2025-01-20"),
    ("P-2025-02", "Olaga hot och ofredanden ökar", "hela kommunen", ["utsatt_hot", "utsatt_trakasserier"],
     ["hot_ofredande"], "Anmälda olaga hot och ofredanden har ökat, också på nätet; ingen åtgärd är beslutad ännu.",
     "styrgruppen", "2025-09-18"),
]

#: measure id -> the problems it answers (every measure of the demo plan names at least one)
MEASURE_PROBLEMS = {
    "S01": "P-2024-01", "S02": "P-2024-02", "S03": "P-2024-01", "S04": "P-2024-02", "S05": "P-2024-01",
    "S06": "P-2024-04", "S07": "P-2024-03", "S08": "P-2024-03", "S09": "P-2024-06", "S10": "P-2024-02",
    "S11": "P-2024-05", "S12": "P-2024-02; P-2024-10",
    "U01": "P-2024-07", "U02": "P-2024-09", "U03": "P-2024-07", "U04": "P-2024-07", "U05": "P-2024-10",
    "U06": "P-2025-01",
    "E01": "P-2024-07; P-2024-08", "E02": "P-2024-03; P-2024-07", "E03": "P-2024-07", "E04": "P-2024-07",
    "E05": "P-2024-02",
    "I01": "P-2024-08", "I02": "P-2024-08", "I03": "P-2024-08", "I04": "P-2024-08", "I05": "P-2024-08",
}


def problems_yaml() -> str:
    """``problem.yaml``: the demo's problem register, in the contract's Swedish keys."""
    items = []
    for pid, title, areas, inds, cats, evidence, decided_by, day in PROBLEMS:
        item = {"id": pid, "rubrik": title, "område": areas}
        if inds:
            item["indikatorer"] = inds
        if cats:
            item["kategorier"] = cats
        item.update({"underlag": evidence, "beslutad_av": decided_by, "datum": day})
        items.append(item)
    header = ("# Problemregister i lägesbilden enligt lag (2023:196) (DEMO).\n"
              "# Syntetiska uppgifter: varje åtgärd i atgarder.xlsx anger i kolumnen problem vilka problem den svarar mot.\n")
    return header + yaml.safe_dump({"problem": items}, allow_unicode=True, sort_keys=False, width=110)

"""The steering group's side of the demo: measures, goals, safety walks and planned events."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import yaml

from trygghet.data.demo._geo import Geography
from trygghet.data.demo._offences import festival_dates
from trygghet.data.demo._population import YEARS
from trygghet.data.demo._problems import MEASURE_PROBLEMS

__all__ = ["measures", "goals_yaml", "safety_walks", "events", "UNCOVERED_HOT_PLACES"]

#: hot places deliberately left without a situational measure within 300 m
UNCOVERED_HOT_PLACES = ("Hertsöns centrum", "Kungsgatan vid krogarna")

# id, name, level, horizon, responsible, working group, areas, start, end, status, cost, indicators, place
_MEASURES = [
    ("S01", "Kamerabevakning Storgatan/Skomakargatan", "situationell", "lång", "polis", "Trygg stadskärna",
     "Centrum", "2021-03-01", None, "pågående", 450000, "vald_offentlig_natt,brott_misshandel",
     "Storgatan/Skomakargatan"),
    ("S02", "Förstärkt belysning i gångtunneln vid Porsövägen", "situationell", "kort", "kommun",
     "Trygg stadsmiljö", "Porsön", "2020-08-15", "2020-11-30", "genomförd", 380000,
     "problem_belysning,otrygg_kvall", "Gångtunneln vid Porsövägen"),
    ("S03", "Ordningsvakter och polisnärvaro under Hamnfestivalen", "situationell", "kort", "gemensam",
     "Evenemang", "Centrum", "2022-06-01", "2022-07-10", "genomförd", 220000, "vald,vald_offentlig_natt",
     "Södra hamnen"),
    ("S04", "Röjning av vegetation längs gångstråk i Björkskatan", "situationell", "kort", "kommun",
     "Trygg stadsmiljö", "Björkskatan", "2022-05-01", "2022-09-30", "genomförd", 95000,
     "otrygg_kvall,problem_belysning", "Fritidsgården Björkskatan"),
    ("S05", "Ansvarsfull alkoholservering: utbildning av krogpersonal", "situationell", "lång", "gemensam",
     "Trygg stadskärna", "Centrum", "2020-01-15", None, "pågående", 60000, "vald_offentlig_natt", None),
    ("S06", "Platssamverkan mot narkotikahandel vid busstorget", "situationell", "lång", "polis",
     "Narkotika", "Centrum", "2023-02-01", None, "pågående", None, "brott_narkotika,problem_narkotika",
     "Smedjegatan, busstorget"),
    ("S07", "Snabb klottersanering och klotterplank vid Hertsöskolan", "situationell", "kort", "kommun",
     "Skola och fritid", "Hertsön", "2024-08-15", "2025-06-15", "pågående", 70000,
     "kommunala_skadegorelse,kommunala_kostnad", "Hertsöskolan"),
    ("S08", "Kamerabevakning av Björkskataskolans skolgård kvällstid", "situationell", "lång", "kommun",
     "Skola och fritid", "Björkskatan", "2021-01-10", None, "pågående", 240000,
     "kommunala_skadegorelse,kommunala_brand", "Björkskataskolan"),
    ("S09", "Låst cykelgarage med kortläsare vid resecentrum", "situationell", "lång", "kommun",
     "Trygg stadsmiljö", "Centrum", "2024-04-01", None, "pågående", 1200000, "brott_cykelstold",
     "Luleå resecentrum"),
    ("S10", "Ny belysning och gallring i Stadsparken", "situationell", "kort", "kommun", "Trygg stadsmiljö",
     "Centrum", "2022-09-01", "2022-12-15", "genomförd", 310000, "otrygg_kvall,problem_belysning", "Stadsparken"),
    ("S11", "Grannsamverkan mot inbrott i villaområden", "situationell", "lång", "polis", "Inbrott",
     "Bergnäset, Sunderbyn, Gammelstad, Sörbyarna", "2019-09-01", None, "pågående", 40000,
     "brott_bostadsinbrott,utsatt_inbrott", None),
    ("S12", "Årliga trygghetsvandringar med boende och fastighetsägare", "situationell", "lång", "gemensam",
     "Trygg stadsmiljö", "hela kommunen", "2019-09-01", None, "pågående", 30000,
     "trygghetsvandring_atgardade,otrygg_kvall", None),
    ("U01", "Föräldraskapsstöd (ABC) för föräldrar i alla kommundelar", "universell", "lång", "kommun",
     "Föräldrastöd", "hela kommunen", "2020-02-01", None, "pågående", 350000, "ung_vuxen,ung_alkohol", None),
    ("U02", "Våldsprevention (MVP) på alla högstadieskolor", "universell", "lång", "kommun", "Skola och fritid",
     "hela kommunen", "2021-08-15", None, "pågående", 280000, "ung_utsatt_vald,ung_trygg_skolan,ung_mobbad", None),
    ("U03", "ANDT-undervisning i årskurs 7–9", "universell", "lång", "kommun", "Skola och fritid",
     "hela kommunen", "2019-08-15", None, "pågående", 120000, "ung_alkohol,ung_narkotika,ung_tobak", None),
    ("U04", "Sommarlovsaktiviteter för alla unga", "universell", "kort", "kommun", "Skola och fritid",
     "hela kommunen", "2024-06-10", "2024-08-16", "genomförd", 900000, "ung_fritid", None),
    ("U05", "Medborgarlöften och dialogmöten", "universell", "kort", "polis", "Medborgardialog",
     "Hertsön, Porsön", "2023-03-01", "2023-12-31", "genomförd", None, "fortroende_polis,fortroende_kommun", None),
    ("U06", "Informationskampanj mot bedrägerier mot äldre", "universell", "kort", "gemensam", "Bedrägerier",
     "hela kommunen", "2025-02-01", "2025-05-31", "genomförd", 45000, "brott_bedrageri,utsatt_bedrageri", None),
    ("E01", "Fältgruppens uppsökande arbete kvällar och helger", "selektiv", "lång", "kommun",
     "Skola och fritid", "Hertsön, Björkskatan", "2019-01-01", None, "pågående", 1600000,
     "ung_intensivkonsumtion,ung_trygg_omrade,misstankta_unga", None),
    ("E02", "Förlängda öppettider på Fritidsgården Hertsön", "selektiv", "kort", "kommun", "Skola och fritid",
     "Hertsön", "2025-01-15", "2025-12-20", "pågående", 420000, "ung_fritid,kommunala_skadegorelse", None),
    ("E03", "Läxhjälp och föreningsaktiviteter i Porsön", "selektiv", "lång", "gemensam", "Civilsamhälle",
     "Porsön", "2022-09-01", None, "pågående", 150000, "ung_fritid,ung_skolk", None),
    ("E04", "Familjestöd för familjer med barn i riskzon", "selektiv", "lång", "kommun", "Föräldrastöd",
     "hela kommunen", "2020-09-01", None, "pågående", 800000, "ung_vuxen,ung_skolk", None),
    ("E05", "Kampanj Trygg hemväg för studenter", "selektiv", "kort", "gemensam", "Trygg stadsmiljö", "Porsön",
     "2023-09-01", "2023-12-31", "avbruten", 25000, "otrygg_kvall", None),
    ("I01", "SSPF – skola, socialtjänst, polis och fritid kring enskilda unga", "indikerad", "lång",
     "gemensam", "SSPF", "hela kommunen", "2019-03-01", None, "pågående", 500000,
     "misstankta_unga,ung_egen_brottslighet", None),
    ("I02", "Avhopparverksamhet för unga i kriminella miljöer", "indikerad", "lång", "gemensam", "SSPF",
     "hela kommunen", "2024-01-01", None, "pågående", 650000, "misstankta_unga_tidigare", None),
    ("I03", "Sociala insatsgrupper", "indikerad", "lång", "gemensam", "SSPF", "hela kommunen", "2021-05-01",
     None, "pågående", 300000, "misstankta_unga,misstankta_unga_tidigare", None),
    ("I04", "Ungdomstjänst och medling efter brott", "indikerad", "kort", "kommun", "SSPF", "hela kommunen",
     "2022-01-01", "2022-12-31", "genomförd", 180000, "misstankta_unga_tidigare", None),
    ("I05", "Snabbare insats efter första misstanke", "indikerad", "kort", "gemensam", "SSPF", "hela kommunen",
     "2026-01-15", "2026-12-31", "planerad", 250000, "misstankta_unga", None),
]
_COLUMNS = ["id", "åtgärd", "preventionsnivå", "tidsperspektiv", "ansvarig", "arbetsgrupp", "område", "start",
            "slut", "status", "kostnad_kr", "indikatorer", "x_sweref99tm", "y_sweref99tm"]

# safety walks: area, the places walked past, findings per walk
_WALK_AREAS = {
    "Centrum": ("Stadsparken", "Södra hamnen", "Storgatan/Skomakargatan"),
    "Hertsön": ("Hertsöns centrum", "Fritidsgården Hertsön", "Hertsöskolan"),
    "Porsön": ("Gångtunneln vid Porsövägen", "Porsö centrum", "Luleå tekniska universitet"),
    "Björkskatan": ("Björkskatans centrum", "Fritidsgården Björkskatan"),
    "Gammelstad": ("Tunaskolan", "Gammelstads kyrkstad"),
}
_DEFICIENCIES = (("belysning", 0.32), ("vegetation", 0.2), ("skymd sikt", 0.12), ("klotter", 0.14),
                 ("nedskräpning", 0.14), ("övrigt", 0.08))


def measures(geo: Geography) -> pd.DataFrame:
    """The activity plan in the contract's columns (dates as ``datetime.date``, cost as float)."""
    rows = []
    for (mid, name, level, horizon, resp, group, areas, start, end, status, cost, indicators,
         place) in _MEASURES:
        x = y = None
        if place is not None:
            p = geo.place(place)
            x, y = round(p.x + 15.0, 1), round(p.y - 10.0, 1)
        rows.append((mid, name, level, horizon, resp, group, areas, date.fromisoformat(start),
                     date.fromisoformat(end) if end else None, status, float(cost) if cost else None, indicators,
                     x, y))
    table = pd.DataFrame(rows, columns=_COLUMNS)
    table["problem"] = table["id"].map(MEASURE_PROBLEMS)  # the problems of problem.yaml each measure answers
    return table.astype(object)


def goals_yaml(baselines: dict[str, float]) -> str:
    """``mal.yaml``: four goals with sub-goals whose 2019 baselines come from the generated data."""
    b = baselines

    def sub(sid, text, ind, area, base, target, typ, resp, year=2025):
        return {"id": sid, "text": text, "indikator": ind, "omrade": area, "utgangsar": 2019,
                "utgangsvarde": round(float(base), 3), "malvarde": round(float(target), 3), "malar": year,
                "typ": typ, "ansvarig": resp}

    doc = {"mal": [
        {"id": "M1", "text": "Öka den upplevda tryggheten bland Luleborna", "ansvarig": "gemensam", "delmal": [
            sub("M1.1", "Andelen som känner sig otrygga ute ensamma sent en kväll ska minska", "otrygg_kvall",
                "hela kommunen", b["otrygg_kvall"], b["otrygg_kvall"] - 0.04, "tak", "gemensam"),
            sub("M1.2", "Problemindex i Hertsön ska sjunka", "problemindex", "Hertsön", b["problemindex_Hertsön"],
                b["problemindex_Hertsön"] - 0.4, "tak", "gemensam"),
            sub("M1.3", "Problemindex i Porsön ska sjunka", "problemindex", "Porsön", b["problemindex_Porsön"],
                b["problemindex_Porsön"] - 0.4, "tak", "gemensam"),
            sub("M1.4", "Förtroendet för polisens arbete i området ska öka", "fortroende_polis", "hela kommunen",
                b["fortroende_polis"], min(b["fortroende_polis"] + 0.05, 1.0), "golv", "polis"),
        ]},
        {"id": "M2", "text": "Minska brottsligheten", "ansvarig": "gemensam", "delmal": [
            sub("M2.1", "Våldsbrotten per 1 000 invånare ska minska", "vald", "hela kommunen", b["vald"],
                b["vald"] * 0.9, "tak", "polis"),
            sub("M2.2", "Bostadsinbrotten per 1 000 invånare ska minska", "brott_bostadsinbrott", "hela kommunen",
                b["brott_bostadsinbrott"], b["brott_bostadsinbrott"] * 0.7, "tak", "polis"),
            sub("M2.3", "Våldet på allmän plats nattetid i Centrum ska minska", "vald_offentlig_natt", "Centrum",
                b["vald_offentlig_natt_Centrum"], b["vald_offentlig_natt_Centrum"] * 0.8, "tak", "gemensam"),
        ]},
        {"id": "M3", "text": "Förebygga brott och riskbeteenden bland barn och unga", "ansvarig": "kommun",
         "delmal": [
            sub("M3.1", "Andelen unga som druckit alkohol det senaste året ska minska", "ung_alkohol",
                "hela kommunen", b["ung_alkohol"], b["ung_alkohol"] - 0.05, "tak", "kommun"),
            sub("M3.2", "Andelen unga med en vuxen att prata med ska öka", "ung_vuxen", "hela kommunen",
                b["ung_vuxen"], min(b["ung_vuxen"] + 0.03, 1.0), "golv", "kommun"),
            sub("M3.3", "Misstänkta unga per 1 000 i åldersgruppen ska minska", "misstankta_unga",
                "hela kommunen", b["misstankta_unga"], b["misstankta_unga"] * 0.85, "tak", "gemensam"),
        ]},
        {"id": "M4", "text": "Ett kunskapsbaserat arbete där brister som upptäcks åtgärdas", "ansvarig": "gemensam",
         "delmal": [
            sub("M4.1", "Andelen brister från trygghetsvandringar som åtgärdas ska öka",
                "trygghetsvandring_atgardade", "hela kommunen", b["trygghetsvandring_atgardade"], 0.8, "golv",
                "kommun"),
        ]},
    ]}
    header = ("# Mål och delmål för samverkan mellan Luleå kommun och lokalpolisområde Luleå-Boden (DEMO).\n"
              "# Syntetiska uppgifter: utgångsvärdena 2019 är beräknade ur demodata.\n")
    return header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=110)


def safety_walks(rng: np.random.Generator, geo: Geography) -> pd.DataFrame:
    """Findings ``datum, område, x, y, brist, åtgärdad, åtgärdad_datum`` (dates as text, coordinates as float)."""
    kinds = np.array([k for k, _ in _DEFICIENCIES], dtype=object)
    p = np.array([w for _, w in _DEFICIENCIES])
    rows = []
    for year in YEARS:
        for k, (area, places) in enumerate(_WALK_AREAS.items()):
            if area == "Gammelstad" and year % 2 == 0:
                continue  # every other year
            walk = date(year, 9, 1) + pd.Timedelta(days=int(7 * k + rng.integers(0, 20)))
            n = int(rng.integers(5, 11))
            for _ in range(n):
                pl = geo.place(places[int(rng.integers(0, len(places)))])
                x = round(pl.x + rng.normal(0, 80.0), 1)
                y = round(pl.y + rng.normal(0, 80.0), 1)
                kind = kinds[rng.choice(len(kinds), p=p)]
                fix_p = 0.45 + 0.05 * (year - 2019) - 0.3 * (year >= 2025)
                fixed = rng.random() < fix_p
                fixed_on = walk + pd.Timedelta(days=int(rng.integers(14, 200))) if fixed else None
                if fixed_on is not None and fixed_on > date(2025, 12, 31):
                    fixed, fixed_on = False, None
                rows.append((walk.isoformat(), area, x, y, kind, "ja" if fixed else "nej",
                             fixed_on.isoformat() if fixed_on else ""))
    return pd.DataFrame(rows, columns=["datum", "område", "x", "y", "brist", "åtgärdad", "åtgärdad_datum"])


def events() -> pd.DataFrame:
    """Planned events ``namn, start, slut, område``: the summer festival every year and a few others."""
    rows = []
    for year in YEARS:
        fri, sat = festival_dates(year)
        rows.append(("Hamnfestivalen", fri.isoformat(), sat.isoformat(), "Centrum"))
        autumn = date(year, 9, 1) + pd.Timedelta(days=(5 - date(year, 9, 1).weekday()) % 7 + 14)
        rows.append(("Kulturnatta", autumn.isoformat(), autumn.isoformat(), "Centrum"))
        if year in (2022, 2024):
            rows.append(("Vinterfestival på isen", f"{year}-03-11", f"{year}-03-13", "Centrum"))
    rows.append(("Studentfirande Porsön", "2025-06-05", "2025-06-06", "Porsön"))
    return pd.DataFrame(rows, columns=["namn", "start", "slut", "område"])

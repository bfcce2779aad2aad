"""Synthetic youth-survey rounds (``ungdomsenkat_<år>.csv``): pupils in årskurs 9 and gymnasiet år 2.

Pupils per area follow the area's 15–17-year-olds and a participation rate (lower in upper secondary and
in the rural north, so one or two small area × grade cells fall under 30). Year-9 pupils attend their
area's school, year-2 pupils one of the town's upper-secondary schools; ``område`` is where the pupil
lives. Answers are drawn from logistic models: a base level per grade from regional youth surveys, the
area's risk (its offence rate and known problems), a pupil factor shared by the risk questions, sex and a
trend over the rounds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from trygghet.data.demo._geo import Geography
from trygghet.data.demo._population import TOTALS

__all__ = ["YOUTH_YEARS", "generate_youth"]

YOUTH_YEARS = (2019, 2021, 2023, 2025)
_PARTICIPATION = {"åk9": 0.93, "gy2": 0.88}
_LOW_GY2 = {"Råneå": 0.5, "Norrbyarna": 0.5}  # long travel to town: fewer answer in upper secondary
_GYMNASIER = (("Luleå gymnasieskola", 0.72), ("Bryggans gymnasium", 0.28))
#: area risk beyond what the offence rates say (latent units)
_AREA_RISK = {"Hertsön": 0.75, "Porsön": 0.45, "Björkskatan": 0.5, "Centrum": 0.2, "Råneå": 0.1,
              "Sunderbyn": -0.4, "Bergnäset": -0.35, "Gammelstad": -0.3, "Norrbyarna": -0.1, "Sörbyarna": -0.15,
              "Örnäset": -0.1, "Notviken": -0.1}
# question: (base share åk9, base share gy2, area risk effect, yearly trend in logits, effect of being a boy)
_YES_NO = {
    "q_alkohol": (0.38, 0.68, 0.25, -0.06, 0.0),
    "q_intensivkonsumtion": (0.10, 0.28, 0.35, -0.05, 0.15),
    "q_narkotika": (0.05, 0.13, 0.6, 0.02, 0.3),
    "q_tobak": (0.17, 0.30, 0.35, 0.03, 0.1),
    "q_skolk": (0.22, 0.30, 0.35, 0.03, 0.0),
    "q_mobbad": (0.09, 0.05, 0.2, 0.0, -0.1),
    "q_utsatt_vald": (0.16, 0.12, 0.45, 0.01, 0.35),
    "q_brott_skadegorelse": (0.10, 0.06, 0.65, -0.02, 0.6),
    "q_brott_stold": (0.12, 0.09, 0.55, -0.02, 0.3),
    "q_brott_vald": (0.06, 0.04, 0.65, 0.0, 0.8),
    "q_vuxen": (0.88, 0.86, -0.35, 0.0, -0.2),
    "q_fritid": (0.62, 0.45, -0.4, -0.02, 0.1),
}
_RISK_QUESTIONS = {"q_alkohol", "q_intensivkonsumtion", "q_narkotika", "q_tobak", "q_skolk", "q_utsatt_vald",
                   "q_brott_skadegorelse", "q_brott_stold", "q_brott_vald"}
# ordinal questions: cumulative shares of codes 1..3 (1 = best), area effect
_ORDINAL = {
    "q_trygg_skolan": ([0.45, 0.89, 0.97], 0.3),
    "q_trygg_omrade_kvall": ([0.38, 0.80, 0.94], 0.6),
    "q_fortroende_polis": ([0.18, 0.63, 0.88], 0.35),
}


def generate_youth(rng: np.random.Generator, year: int, pop: pd.DataFrame, zs: pd.DataFrame, geo: Geography,
                   codebook: dict, scale: float) -> pd.DataFrame:
    """One round: ``respondent_id, år, skola, område, årskurs, kön, vikt`` and one Int64 column per question."""
    pupils = _pupils(rng, year, pop, geo, scale)
    n = len(pupils)
    area = pupils["område"].to_numpy()
    risk = np.array([_AREA_RISK.get(a, 0.0) for a in area]) + 0.2 * zs.loc[area, "alla"].to_numpy()
    gy2 = (pupils["årskurs"] == "gy2").to_numpy()
    boy = (pupils["kön"] == "man").to_numpy()
    person = rng.normal(0.0, 0.8, n)
    answers: dict[str, np.ndarray] = {}
    for qid, (b9, b2, area_eff, trend, boy_eff) in _YES_NO.items():
        base = logit(np.where(gy2, b2, b9))
        shared = person if qid in _RISK_QUESTIONS else -0.5 * person
        p = expit(base + area_eff * risk + trend * (year - 2019) + boy_eff * boy + shared)
        answers[qid] = np.where(rng.random(n) < p, 1, 2)
    for qid, (cum, area_eff) in _ORDINAL.items():
        girl = (pupils["kön"] == "kvinna").to_numpy()
        latent = area_eff * risk + 0.3 * person + (0.35 * girl if qid == "q_trygg_omrade_kvall" else 0.0)
        latent = latent + rng.normal(0.0, 1.0, n) + 0.02 * (year - 2019)
        cuts = np.quantile(latent, cum)
        answers[qid] = 1 + np.searchsorted(cuts, latent, side="right")
    out = pupils.copy()
    for q in codebook["fragor"]:
        qid = q["id"]
        if qid not in answers:
            raise KeyError(f"the demo does not know how to answer question {qid} of the youth codebook")
        r = rng.random(n)
        codes = np.where(r < 0.02, 9, answers[qid])
        values = pd.array(codes, dtype="Int64")
        values[(r >= 0.02) & (r < 0.03)] = pd.NA
        out[qid] = values
    return out


def _pupils(rng, year: int, pop: pd.DataFrame, geo: Geography, scale: float) -> pd.DataFrame:
    teens = pop.loc[(pop["år"] == year) & (pop["åldersgrupp"] == "15-17")].groupby("område")["antal"].sum()
    # `scale` already carries another municipality's population factor (write_municipality_demo) and `pop` is
    # that municipality's: count pupils on the calibration's scale (the factor is exactly 1 for Luleå)
    scale = scale / (pop.loc[pop["år"] == year, "antal"].sum() / TOTALS[year])
    schools = {p.area: p.name for p in geo.places if "school" in p.kinds}
    rows = []
    weights = []
    for area in geo.areas["area"]:
        cohort = teens.get(area, 0) / 3.0  # one year of age out of three
        for grade in ("åk9", "gy2"):
            rate = _PARTICIPATION[grade] * (_LOW_GY2.get(area, 1.0) if grade == "gy2" else 1.0)
            k = int(rng.binomial(max(int(round(cohort * scale)), 0), rate))
            if k == 0:
                continue
            if grade == "åk9":
                school = np.full(k, schools.get(area, f"{area} skola"), dtype=object)
            else:
                names = np.array([s for s, _ in _GYMNASIER], dtype=object)
                p = np.array([w for _, w in _GYMNASIER])
                school = names[rng.choice(len(names), size=k, p=p)]
            for s in school:
                rows.append((s, area, grade))
            weights.extend([cohort * scale / k] * k)
    frame = pd.DataFrame(rows, columns=["skola", "område", "årskurs"])
    w = np.array(weights)
    frame["vikt"] = np.round(w / w.mean(), 3) if len(w) else w
    frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    r = rng.random(len(frame))
    frame["kön"] = np.where(r < 0.49, "kvinna", np.where(r < 0.98, "man", np.where(r < 0.99, "annat", "")))
    frame.insert(0, "respondent_id", [f"U{year % 100:02d}-{i:05d}" for i in range(1, len(frame) + 1)])
    frame.insert(1, "år", year)
    return frame[["respondent_id", "år", "skola", "område", "årskurs", "kön", "vikt"]]

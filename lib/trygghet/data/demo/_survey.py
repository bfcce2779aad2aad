"""Synthetic safety-survey rounds (``trygghetsmatning_<år>.csv``) calibrated to Luleå's published figures.

A stratified sample of 3 600 (more in small areas) with response rates by age and sex (61 % overall) gives
about 2 200 respondents and design weights ``N_h / r_h * n / N`` (mean about 1.6, sum = the sample).
Answers come from latent scores: the area's level (with Porsön and Hertsön the weakest), the area's
offence rates (so answers follow the offences), sex and age, a respondent factor shared across questions,
and noise. The municipality's problem index, unsafe-at-night share and exposure share are hit exactly by
shifting the latent scores (bisection on the same random draws), so the calibration is deterministic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import yaml
from scipy.special import expit

from trygghet.data.config import resource_path
from trygghet.data.demo._population import largest_remainder

__all__ = ["SURVEY_YEARS", "TARGETS", "SURVEY_AGES", "generate_survey", "load_codebook", "problem_index",
           "area_offence_z"]

SURVEY_YEARS = (2019, 2023, 2025)
SURVEY_AGES = ("16-24", "25-44", "45-64", "65-84")
#: municipality-level targets: problem index (published 1.40 in 2019, 1.38 in 2023; 2025 *demo*),
#: unsafe out alone late at night (NTU level about 20 %), exposure to any crime (about 15 %)
TARGETS = {
    2019: {"problemindex": 1.40, "otrygg_kvall": 0.21, "utsatt": 0.155},
    2023: {"problemindex": 1.38, "otrygg_kvall": 0.20, "utsatt": 0.150},
    2025: {"problemindex": 1.35, "otrygg_kvall": 0.19, "utsatt": 0.145},
}
SAMPLE_SIZE = 3600
_RESPONSE = {"16-24": 0.45, "25-44": 0.55, "45-64": 0.66, "65-84": 0.75}

#: the area's general level of disorder in residents' eyes (latent units)
_AREA_PROBLEM = {"Porsön": 0.75, "Hertsön": 0.8, "Centrum": 0.2, "Björkskatan": 0.35, "Örnäset": -0.1,
                 "Notviken": -0.05, "Bergnäset": -0.2, "Gammelstad": -0.25, "Sunderbyn": -0.4, "Råneå": -0.2,
                 "Norrbyarna": -0.45, "Sörbyarna": -0.4}
_AREA_UNSAFE = {"Porsön": 0.6, "Hertsön": 0.6, "Centrum": 0.0, "Björkskatan": 0.1, "Örnäset": -0.1,
                "Notviken": -0.1, "Bergnäset": -0.15, "Gammelstad": -0.2, "Sunderbyn": -0.3, "Råneå": -0.15,
                "Norrbyarna": -0.35, "Sörbyarna": -0.3}
#: which offence category drives each disorder item, and extra bumps by area
_ITEM_CATEGORY = {"q_problem_nedskrapning": "skadegorelse", "q_problem_skadegorelse": "skadegorelse",
                  "q_problem_ungdomar": "hot_ofredande", "q_problem_narkotika": "narkotika",
                  "q_problem_trafik": "trafik", "q_problem_belysning": None, "q_problem_inbrott": "bostadsinbrott",
                  "q_problem_misshandel": "misshandel"}
_ITEM_LEVEL = {"q_problem_nedskrapning": 0.35, "q_problem_skadegorelse": 0.1, "q_problem_ungdomar": -0.05,
               "q_problem_narkotika": -0.2, "q_problem_trafik": 0.45, "q_problem_belysning": 0.05,
               "q_problem_inbrott": -0.1, "q_problem_misshandel": -0.45}
_ITEM_BUMP = {
    "q_problem_belysning": {"Porsön": 0.5, "Råneå": 0.3, "Norrbyarna": 0.35, "Sörbyarna": 0.35, "Hertsön": 0.2},
    "q_problem_trafik": {"Sunderbyn": 0.3, "Bergnäset": 0.25, "Råneå": 0.3, "Sörbyarna": 0.3},
    "q_problem_ungdomar": {"Hertsön": 0.35, "Björkskatan": 0.25},
    "q_problem_narkotika": {"Hertsön": 0.3, "Porsön": 0.25},
}
_VET_EJ = {"q_problem_narkotika": 0.14, "q_problem_inbrott": 0.07, "q_problem_misshandel": 0.09,
           "q_fortroende_polis": 0.07, "q_fortroende_kommun": 0.10}
_EXPOSURE_TYPES = {"q_utsatt_bedrageri": 0.30, "q_utsatt_stold": 0.34, "q_utsatt_skadegorelse": 0.24,
                   "q_utsatt_hot": 0.18, "q_utsatt_trakasserier": 0.22, "q_utsatt_misshandel": 0.08,
                   "q_utsatt_inbrott": 0.07, "q_utsatt_sexualbrott": 0.06, "q_utsatt_ran": 0.02}
_THRESHOLDS = np.array([0.6, 1.9, 3.0])  # disorder items: latent cut-offs between the four answers


def load_codebook(name: str) -> dict:
    """A codebook shipped in ``resources/demo/`` (parsed YAML)."""
    return yaml.safe_load(resource_path(f"demo/{name}").read_text(encoding="utf-8"))


def area_offence_z(offences: pd.DataFrame, pop: pd.DataFrame, year: int, category_of: dict) -> pd.DataFrame:
    """z-scores (over areas) of the log rate per inhabitant of each category, from the generated offences."""
    rows = offences.loc[(offences["year"] == year) & offences["area"].notna()]
    cats = rows["code"].map(category_of).fillna("okand")
    counts = pd.crosstab(rows["area"], cats)
    people = pop.loc[pop["år"] == year].groupby("område")["antal"].sum()
    counts = counts.reindex(people.index, fill_value=0)
    rate = np.log((counts.to_numpy() + 1.0) / people.to_numpy()[:, None])
    z = (rate - rate.mean(axis=0)) / np.where(rate.std(axis=0) > 0, rate.std(axis=0), 1.0)
    frame = pd.DataFrame(z, index=people.index, columns=counts.columns)
    frame["alla"] = _zscore(np.log(counts.sum(axis=1).to_numpy() + 1.0) - np.log(people.to_numpy()))
    return frame


def generate_survey(rng: np.random.Generator, year: int, pop: pd.DataFrame, zs: pd.DataFrame, codebook: dict,
                    scale: float) -> pd.DataFrame:
    """One round: ``respondent_id, år, område, kön, åldersgrupp, vikt`` (float) and one Int64 column per question."""
    resp = _respondents(rng, year, pop, scale)
    n = len(resp)
    area = resp["område"].to_numpy()
    person = rng.normal(0.0, 1.0, n)
    women = (resp["kön"] == "kvinna").to_numpy()
    age = resp["åldersgrupp"].to_numpy()
    w = resp["vikt"].to_numpy()
    target = TARGETS.get(year, TARGETS[max(TARGETS)])
    answers: dict[str, np.ndarray] = {}

    # perceived unsafety out alone late at night
    u_base = (np.array([_AREA_UNSAFE.get(a, 0.0) for a in area]) + 0.15 * zs.loc[area, "alla"].to_numpy()
              + 0.6 * women + 0.15 * (age == "16-24") + 0.3 * (age == "65-84") + 0.45 * person
              + rng.normal(0.0, 1.0, n))
    shift = _solve(lambda s: _wshare(u_base + s > 0.0, w), target["otrygg_kvall"])
    u = u_base + shift
    answers["q_otrygg_kvall"] = np.select([u < -1.35, u < 0.0, u < 0.85, u < 1.5], [1, 2, 3, 4], 5)
    uc = u - np.average(u, weights=w)
    answers["q_avstatt"] = _ordinal(0.7 * uc + rng.normal(0, 0.8, n), [0.84, 0.97], [3, 2, 1])
    answers["q_oro_brott"] = _ordinal(0.5 * uc + 0.3 * person + rng.normal(0, 1, n), [0.28, 0.73, 0.93],
                                      [4, 3, 2, 1])

    # exposure to crime in the last twelve months
    e_base = (0.35 * zs.loc[area, "alla"].to_numpy() + 0.5 * (age == "16-24") - 0.5 * (age == "65-84")
              + 0.2 * person)
    draw = rng.random(n)
    s_exp = _solve(lambda s: _wshare(draw < expit(s + e_base), w), target["utsatt"])
    exposed = draw < expit(s_exp + e_base)
    answers.update(_exposure_types(rng, exposed))

    # confidence
    distrust = 0.25 * np.array([_AREA_UNSAFE.get(a, 0.0) for a in area]) + 0.3 * person + rng.normal(0, 1, n)
    answers["q_fortroende_polis"] = _ordinal(distrust, [0.16, 0.64, 0.91], [1, 2, 3, 4])
    answers["q_fortroende_kommun"] = _ordinal(distrust + rng.normal(0, 0.7, n), [0.09, 0.52, 0.88], [1, 2, 3, 4])

    # disorder items of the problem index
    items = [q["id"] for q in codebook["fragor"] if q.get("problemindex")]
    latent = {}
    for item in items:
        cat = _ITEM_CATEGORY.get(item)
        z_item = zs.loc[area, cat].to_numpy() if cat in zs.columns else np.zeros(n)
        bump = np.array([_ITEM_BUMP.get(item, {}).get(a, 0.0) for a in area])
        latent[item] = (np.array([_AREA_PROBLEM.get(a, 0.0) for a in area]) + _ITEM_LEVEL.get(item, 0.0)
                        + 0.3 * np.clip(z_item, -2, 2) + bump + 0.55 * person + rng.normal(0.0, 0.9, n))
    missing = {item: _missing_mask(rng, n, _VET_EJ.get(item, 0.03)) for item in items}
    scoring = {int(k): float(v) for k, v in codebook["problemindex"]["poang"].items()}

    def index_at(s: float) -> float:
        coded = {i: _cut(latent[i] + s) for i in items}
        for i in items:
            coded[i] = np.where(missing[i] > 0, 0, coded[i])
        return problem_index(coded, scoring, w)

    s_pi = _solve(index_at, target["problemindex"])
    for item in items:
        codes = _cut(latent[item] + s_pi)
        answers[item] = np.where(missing[item] == 1, 9, np.where(missing[item] == 2, 0, codes))

    # vet ej and empty answers on the other questions
    for qid, codes in list(answers.items()):
        if qid in items:
            continue
        m = _missing_mask(rng, n, _VET_EJ.get(qid, 0.025))
        answers[qid] = np.where(m == 1, 9, np.where(m == 2, 0, codes))

    out = resp.copy()
    for q in codebook["fragor"]:
        qid = q["id"]
        if qid not in answers:
            raise KeyError(f"the demo does not know how to answer question {qid} of the survey codebook")
        out[qid] = pd.array(np.where(answers[qid] == 0, -1, answers[qid]), dtype="Int64")
        out.loc[out[qid] == -1, qid] = pd.NA
    return out


def problem_index(coded: dict[str, np.ndarray], scoring: dict[int, float], weights: np.ndarray) -> float:
    """Weighted mean over respondents of each respondent's mean score over answered items (0 = not answered)."""
    scores = np.column_stack([_score(v, scoring) for v in coded.values()])
    answered = ~np.isnan(scores)
    has = answered.any(axis=1)
    resp_mean = np.nansum(scores, axis=1)[has] / answered.sum(axis=1)[has]
    return float(np.average(resp_mean, weights=weights[has]))


def _score(codes: np.ndarray, scoring: dict[int, float]) -> np.ndarray:
    lut = np.full(10, np.nan)
    for k, v in scoring.items():
        lut[k] = v
    return lut[np.asarray(codes, dtype=int)]


def _cut(latent: np.ndarray) -> np.ndarray:
    return 1 + (latent[:, None] > _THRESHOLDS[None, :]).sum(axis=1)


def _solve(func, target: float, lo: float = -6.0, hi: float = 6.0, steps: int = 50) -> float:
    """The shift s at which the increasing function ``func(s)`` reaches ``target`` (bisection)."""
    for _ in range(steps):
        mid = (lo + hi) / 2
        if func(mid) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _wshare(mask: np.ndarray, w: np.ndarray) -> float:
    return float(np.sum(w * mask) / np.sum(w))


def _ordinal(latent: np.ndarray, cum_shares: list[float], codes: list[int]) -> np.ndarray:
    """Cut ``latent`` at its quantiles: the lowest ``cum_shares[0]`` get ``codes[0]`` and so on."""
    cuts = np.quantile(latent, cum_shares)
    return np.asarray(codes)[np.searchsorted(cuts, latent, side="right")]


def _missing_mask(rng, n: int, p_vet_ej: float, p_empty: float = 0.015) -> np.ndarray:
    """0 = answered, 1 = vet ej (9), 2 = left empty."""
    r = rng.random(n)
    return np.where(r < p_vet_ej, 1, np.where(r < p_vet_ej + p_empty, 2, 0))


def _exposure_types(rng, exposed: np.ndarray) -> dict[str, np.ndarray]:
    names = list(_EXPOSURE_TYPES)
    p = np.array(list(_EXPOSURE_TYPES.values()))
    n = len(exposed)
    yes = rng.random((n, len(names))) < p[None, :]
    none = exposed & ~yes.any(axis=1)
    forced = rng.choice(len(names), size=n, p=p / p.sum())
    yes[np.flatnonzero(none), forced[none]] = True
    yes &= exposed[:, None]
    return {name: np.where(yes[:, j], 1, 2) for j, name in enumerate(names)}


def _respondents(rng, year: int, pop: pd.DataFrame, scale: float) -> pd.DataFrame:
    people = pop.loc[pop["år"] == year].copy()
    band_to_group = {"15-17": "16-24", "18-20": "16-24", "21-24": "16-24", "25-44": "25-44", "45-64": "45-64",
                     "65-84": "65-84"}
    people["grupp"] = people["åldersgrupp"].map(band_to_group)
    people = people.dropna(subset=["grupp"])
    people["antal"] = np.where(people["åldersgrupp"] == "15-17", people["antal"] * 2 / 3, people["antal"])
    strata = people.groupby(["område", "grupp", "kön"], sort=True)["antal"].sum().reset_index()
    areas = strata.groupby("område")["antal"].sum()
    sample = max(int(round(SAMPLE_SIZE * scale)), 40)
    per_area = largest_remainder(np.sqrt(areas.to_numpy()), sample)
    sampled = np.zeros(len(strata), dtype=int)
    for area, n_area in zip(areas.index, per_area):
        idx = np.flatnonzero(strata["område"].to_numpy() == area)
        sampled[idx] = largest_remainder(strata["antal"].to_numpy()[idx].astype(float), int(n_area))
    p = strata["grupp"].map(_RESPONSE).to_numpy() + 0.04 * (strata["kön"] == "kvinna").to_numpy()
    p = p - 0.05 * strata["område"].isin(["Porsön", "Hertsön"]).to_numpy()
    responded = rng.binomial(sampled, p)
    total_pop = strata["antal"].sum()
    weight = np.where(responded > 0, strata["antal"] / np.maximum(responded, 1) * sample / total_pop, 0.0)
    rows = strata.loc[strata.index.repeat(responded)].reset_index(drop=True)
    rows["vikt"] = np.repeat(weight, responded).round(3)
    order = rng.permutation(len(rows))
    rows = rows.iloc[order].reset_index(drop=True)
    sex = rows["kön"].to_numpy(dtype=object).copy()
    r = rng.random(len(rows))
    sex[r < 0.006] = "annat"
    sex[(r >= 0.006) & (r < 0.018)] = ""
    return pd.DataFrame({
        "respondent_id": [f"T{year % 100:02d}-{i:05d}" for i in range(1, len(rows) + 1)],
        "år": year,
        "område": rows["område"].to_numpy(),
        "kön": sex,
        "åldersgrupp": rows["grupp"].to_numpy(),
        "vikt": rows["vikt"].to_numpy(),
    })


def _zscore(v: np.ndarray) -> np.ndarray:
    sd = v.std()
    return (v - v.mean()) / (sd if sd > 0 else 1.0)

"""Indicator definitions and compute(): every kind against hand-computed values or an independent library.

The fixture writes a tiny store (store.json + the tables of docs/store.md) so that each figure can be
worked out by hand below.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import optimize, stats
from shapely.geometry import box
from statsmodels.stats.proportion import proportion_confint

from trygghet.analysis import disclosure as disc
from trygghet.analysis import indicators as ind
from trygghet.data.config import resource_path
from trygghet.data.errors import ParameterError

AREAS = ["Alfa", "Beta", "Östra"]
BANDS = {"10-14": 100, "15-17": 60, "18-20": 50, "21-24": 80, "25-44": 710}  # per sex, area Alfa 2024
SCALE = {"Alfa": 1.0, "Beta": 0.5, "Östra": 1.5}
# offences: (year, area, category, violent, volume, public, hour, n)
OFFENCES = [
    (2024, "Alfa", "misshandel", True, True, True, 23, 3),
    (2024, "Alfa", "misshandel", True, True, False, 12, 10),
    (2024, "Beta", "misshandel", True, True, True, 2, 2),
    (2024, "Östra", "misshandel", True, True, False, None, 20),
    (2024, "Alfa", "skadegorelse", False, True, False, 14, 6),
    (2024, None, "bedrageri", False, False, False, None, 5),
    (2025, "Alfa", "misshandel", True, True, True, 23, 8),
    (2025, "Alfa", "misshandel", True, True, False, 12, 12),
    (2025, "Beta", "misshandel", True, True, True, 4, 7),
    (2025, "Östra", "misshandel", True, True, False, None, 60),
    (2025, "Östra", "ran", True, True, True, 22, 1),
    (2025, None, "bedrageri", False, False, False, None, 4),
    (2025, "Alfa", "misshandel", True, True, True, 5, 2),
]
# young suspects: (year, age_group, sex, persons, offences, previously)
YOUNG = [
    (2024, "<15", "kvinna", None, None, None), (2024, "<15", "man", 6, 9, None), (2024, "<15", "alla", 8, 12, 2),
    (2024, "15-17", "kvinna", 5, 7, None), (2024, "15-17", "man", 12, 30, 6), (2024, "15-17", "alla", 17, 37, 8),
    (2024, "18-20", "kvinna", 7, 9, None), (2024, "18-20", "man", 15, 40, 9), (2024, "18-20", "alla", 22, 49, 11),
    (2024, "21-24", "kvinna", 6, 8, None), (2024, "21-24", "man", 14, 33, 8), (2024, "21-24", "alla", 20, 41, 10),
    (2025, "<15", "kvinna", 5, 6, None), (2025, "<15", "man", 9, 15, None), (2025, "<15", "alla", 14, 21, 5),
    (2025, "15-17", "kvinna", 6, 8, None), (2025, "15-17", "man", 20, 45, 10), (2025, "15-17", "alla", 26, 53, 12),
    (2025, "18-20", "kvinna", 8, 10, None), (2025, "18-20", "man", 16, 38, 9), (2025, "18-20", "alla", 24, 48, 12),
    (2025, "21-24", "kvinna", 5, 5, None), (2025, "21-24", "man", 13, 30, 7), (2025, "21-24", "alla", 18, 35, 9),
]
SURVEY_N = {"Alfa": 80, "Beta": 45, "Östra": 20}  # Östra is under 30 respondents


def population_frame() -> pd.DataFrame:
    rows = []
    for year in (2024, 2025):
        for area in AREAS:
            for sex in ("kvinna", "man"):
                for band, n in BANDS.items():
                    extra = 100 if (year == 2025 and area == "Alfa" and band == "25-44") else 0
                    rows.append((year, area, sex, band, int(n * SCALE[area]) + extra))
    return pd.DataFrame(rows, columns=["year", "area", "sex", "age_group", "population"]).astype(
        {"year": "int16", "area": "string", "sex": "string", "age_group": "string", "population": "int64"})


def offences_frame() -> pd.DataFrame:
    rows = []
    i = 0
    for year, area, cat, violent, volume, public, hour, n in OFFENCES:
        for _ in range(n):
            i += 1
            start = pd.Timestamp(year=year, month=6, day=1, hour=hour or 0)
            rows.append({"offence_id": f"B{i}", "case_number": f"K{i}", "offence_code": "0375",
                         "offence_label": "Misshandel", "category": cat, "violent": violent, "volume_crime": volume,
                         "public_place": public, "start": start, "start_time_known": hour is not None,
                         "end": pd.NaT, "reported": pd.NaT, "year": year, "month": 6, "weekday": start.weekday(),
                         "hour": hour, "x": np.nan if area is None else 1.0, "y": np.nan if area is None else 1.0,
                         "has_place": area is not None, "in_municipality": area is not None, "area": area,
                         "place_text": "x", "source_file": "anmalda_brott.csv", "source_line": i + 1})
    df = pd.DataFrame(rows)
    return df.astype({"offence_id": "string", "case_number": "string", "offence_code": "string",
                      "offence_label": "string", "category": "string", "year": "int16", "month": "int8",
                      "weekday": "int8", "hour": "Int8", "area": "string", "place_text": "string",
                      "source_file": "string", "source_line": "int32"})


def survey_frame(codebook: dict, seed: int, years=(2019, 2023), youth: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    qids = [q["id"] for q in codebook["fragor"]]
    for year in years:
        for area, n in SURVEY_N.items():
            for i in range(n):
                rec = {"respondent_id": f"{year}-{area}-{i}", "year": year, "area": area,
                       "sex": ["kvinna", "man", None][i % 3], "weight": float(rng.choice([0.5, 1.0, 2.0, 3.0]))}
                if youth:
                    rec["school"] = f"Skola {area}"
                    rec["grade"] = ["åk9", "gy2"][i % 2]
                else:
                    rec["age_group"] = ["16-24", "25-44", "45-64", "65-84"][i % 4]
                for q in codebook["fragor"]:
                    codes = sorted(int(c) for c in q["svar"])
                    r = rng.random()
                    rec[q["id"]] = None if r < 0.05 else int(rng.choice(codes))
                rows.append(rec)
    df = pd.DataFrame(rows)
    types = {"respondent_id": "string", "year": "int16", "area": "string", "sex": "string", "weight": "float64"}
    types.update({q: "Int64" for q in qids})
    types.update({"school": "string", "grade": "string"} if youth else {"age_group": "string"})
    return df.astype(types)


def codebook(name: str) -> dict:
    raw = yaml.safe_load(resource_path(f"demo/{name}").read_text(encoding="utf-8"))
    return json.loads(json.dumps(raw))  # as ingest writes it: answer codes become text keys


def write_store(root: Path) -> Path:
    """A tiny complete store with the columns of docs/store.md."""
    store = root / "store"
    store.mkdir(parents=True)
    cb_s, cb_y = codebook("trygghetsmatning_kodbok.yaml"), codebook("ungdomsenkat_kodbok.yaml")
    (store / "survey_codebook.json").write_text(json.dumps(cb_s, ensure_ascii=False), encoding="utf-8")
    (store / "youth_codebook.json").write_text(json.dumps(cb_y, ensure_ascii=False), encoding="utf-8")
    areas = gpd.GeoDataFrame({"area": pd.array(AREAS, dtype="string"), "area_code": pd.array(["01", "02", "03"], dtype="string"),
                              "area_km2": [1.0, 1.0, 1.0]},
                             geometry=[box(i * 1000, 0, i * 1000 + 1000, 1000) for i in range(3)], crs="EPSG:3006")
    areas.to_parquet(store / "areas.parquet")
    population_frame().to_parquet(store / "population.parquet")
    offences_frame().to_parquet(store / "offences.parquet")
    survey_frame(cb_s, 1).to_parquet(store / "survey.parquet")
    survey_frame(cb_y, 2, years=(2023, 2025), youth=True).to_parquet(store / "youth_survey.parquet")
    young = pd.DataFrame(YOUNG, columns=["year", "age_group", "sex", "persons", "offences",
                                         "persons_previously_suspected"])
    young.astype({"year": "int16", "age_group": "string", "sex": "string", "persons": "Int64", "offences": "Int64",
                  "persons_previously_suspected": "Int64"}).to_parquet(store / "young_suspects.parquet")
    incidents = pd.DataFrame({
        "incident_id": pd.array([f"H{i}" for i in range(12)], dtype="string"),
        "date": pd.to_datetime(["2024-03-01"] * 6 + ["2025-03-01"] * 6),
        "year": pd.array([2024] * 6 + [2025] * 6, dtype="int16"),
        "type": pd.array(["skadegörelse", "klotter", "brand", "skadegörelse", "skadegörelse", "klotter",
                          "skadegörelse", "brand", "brand", "klotter", "skadegörelse", "skadegörelse"], dtype="string"),
        "area": pd.array(["Alfa", "Alfa", "Beta", "Beta", "Alfa", "Östra",
                          "Alfa", "Alfa", "Beta", "Östra", "Östra", "Alfa"], dtype="string"),
        "x": 1.0, "y": 1.0,
        "cost_sek": [1000.0, 500.0, 20000.0, 1500.0, 300.0, 800.0, 2000.0, 15000.0, 25000.0, np.nan, 700.0, 900.0],
    })
    incidents.to_parquet(store / "municipal_incidents.parquet")
    walks = pd.DataFrame({
        "date": pd.to_datetime(["2024-06-01"] * 10 + ["2025-06-01"] * 12),
        "year": pd.array([2024] * 10 + [2025] * 12, dtype="int16"),
        "area": pd.array(["Alfa"] * 6 + ["Beta"] * 4 + ["Alfa"] * 7 + ["Beta"] * 5, dtype="string"),
        "x": 1.0, "y": 1.0, "deficiency": pd.array(["belysning"] * 22, dtype="string"),
        "fixed": [True, True, True, False, False, False, True, False, False, False]
                 + [True] * 6 + [False] + [True] * 4 + [False],
    })
    # fixed a month after the walk, within the indicator's 180-day window
    walks["fixed_date"] = (walks["date"] + pd.Timedelta(days=30)).where(walks["fixed"])
    walks.to_parquet(store / "safety_walks.parquet")
    measures = pd.DataFrame({
        "measure_id": pd.array(["A1", "A2", "A3", "A4", "A5"], dtype="string"),
        "name": pd.array(["Föräldrastöd", "Fältarbete", "SSPF", "Belysning", "Kameror"], dtype="string"),
        "level": pd.array(["universell", "selektiv", "indikerad", "situationell", "situationell"], dtype="string"),
        "horizon": pd.array(["lång", "lång", "lång", "kort", "kort"], dtype="string"),
        "responsible": pd.array(["kommun"] * 5, dtype="string"), "working_group": pd.array([None] * 5, dtype="string"),
        "areas": pd.array(["hela kommunen", "Beta", "hela kommunen", "Alfa, Beta", "Alfa"], dtype="string"),
        "start": pd.to_datetime(["2023-01-01", "2024-03-01", "2025-01-01", "2024-05-01", "2024-01-01"]),
        "end": pd.to_datetime([None, "2024-12-31", None, "2024-06-30", None]),
        "status": pd.array(["pågående", "genomförd", "pågående", "genomförd", "avbruten"], dtype="string"),
        "cost_sek": 0.0, "indicators": pd.array(["vald"] * 5, dtype="string"), "x": np.nan, "y": np.nan,
    })
    measures.to_parquet(store / "measures.parquet")
    pd.DataFrame({"measure_id": pd.array(["A1", "A2", "A3", "A4", "A4", "A5"], dtype="string"),
                  "area": pd.array(["hela kommunen", "Beta", "hela kommunen", "Alfa", "Beta", "Alfa"], dtype="string")}
                 ).to_parquet(store / "measure_areas.parquet")
    goals = pd.DataFrame([
        ("M1", "Öka tryggheten", "gemensam", "M1.1", "Otryggheten ska minska", "otrygg_kvall", "hela kommunen",
         2019, np.nan, 0.20, 2025, "tak", "gemensam"),
        ("M1", "Öka tryggheten", "gemensam", "M1.2", "Förtroendet ska öka", "fortroende_polis", "Alfa",
         2019, 0.40, 0.50, 2027, "golv", "polis"),
        ("M2", "Minska brottsligheten", "gemensam", "M2.1", "Våldet ska minska", "vald", "hela kommunen",
         2024, 5.0, 4.0, 2027, "tak", "polis"),
        ("M2", "Minska brottsligheten", "gemensam", "M2.2", "Våldet i Beta ska minska", "vald", "Beta",
         2024, 2.0, 1.0, 2026, "tak", "polis"),
        ("M3", "Unga", "kommun", "M3.1", "Färre unga misstänkta i Alfa", "misstankta_unga", "Alfa",
         2024, 10.0, 8.0, 2027, "tak", "kommun"),
        ("M3", "Unga", "kommun", "M3.2", "Okänt mått", "okand_indikator", "hela kommunen",
         2024, 1.0, 0.5, 2027, "tak", "kommun"),
    ], columns=["goal_id", "goal_text", "goal_responsible", "subgoal_id", "subgoal_text", "indicator", "area",
                "baseline_year", "baseline_value", "target_value", "target_year", "target_type", "responsible"])
    goals = goals.astype({c: "string" for c in ("goal_id", "goal_text", "goal_responsible", "subgoal_id",
                                                "subgoal_text", "indicator", "area", "target_type", "responsible")})
    goals = goals.astype({"baseline_year": "Int16", "target_year": "Int16"})
    goals.to_parquet(store / "goals.parquet")
    pd.DataFrame({"name": pd.array([], dtype="string"), "start": pd.to_datetime([]), "end": pd.to_datetime([]),
                  "area": pd.array([], dtype="string"), "year": pd.array([], dtype="int16")}).to_parquet(store / "events.parquet")
    info = {"fingerprint": "test", "trygghet_version": "0.1.0",
            "years": {"offences": [2024, 2025], "survey": [2019, 2023], "youth_survey": [2023, 2025],
                      "population": [2024, 2025], "young_suspects": [2024, 2025],
                      "municipal_incidents": [2024, 2025], "safety_walks": [2024, 2025]},
            "tables": ["offences", "areas", "population", "survey", "youth_survey", "young_suspects",
                       "municipal_incidents", "safety_walks", "measures", "measure_areas", "goals", "events"]}
    (store / "store.json").write_text(json.dumps(info), encoding="utf-8")
    return store


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    return write_store(tmp_path_factory.mktemp("ind"))


def pop_total(year: int, area: str | None = None) -> float:
    p = population_frame()
    p = p.loc[p["year"] == year]
    if area:
        p = p.loc[p["area"] == area]
    return float(p["population"].sum())


def poisson_exact(k: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact Poisson limits by root-finding on the Poisson tails (independent of the chi-square formula)."""
    lo = 0.0 if k == 0 else optimize.brentq(lambda m: stats.poisson.sf(k - 1, m) - alpha / 2, 1e-9, 10 * k + 50)
    hi = optimize.brentq(lambda m: stats.poisson.cdf(k, m) - alpha / 2, 1e-9, 10 * k + 50)
    return lo, hi


# --- definitions -----------------------------------------------------------------------------------------

PREAMBLE_IDS = (
    ["brott_totalt", "vald", "mangdbrott"]
    + [f"brott_{c}" for c in ("misshandel", "hot_ofredande", "ran", "sexualbrott", "bostadsinbrott", "fordon",
                              "cykelstold", "butiksstold", "ovrig_stold", "skadegorelse", "narkotika", "bedrageri",
                              "trafik", "vapen", "ovrigt")]
    + ["vald_offentlig_natt", "otrygg_kvall", "avstatt", "oro_brott", "utsatt_brott"]
    + [f"utsatt_{t}" for t in ("misshandel", "hot", "sexualbrott", "ran", "bedrageri", "trakasserier", "inbrott",
                               "stold", "skadegorelse")]
    + ["fortroende_polis", "fortroende_kommun", "problemindex"]
    + [f"problem_{p}" for p in ("nedskrapning", "skadegorelse", "ungdomar", "narkotika", "trafik", "belysning",
                                "inbrott", "misshandel")]
    + ["trygghetsvandring_atgardade", "atgarder_per_niva", "ung_alkohol", "ung_intensivkonsumtion", "ung_narkotika",
       "ung_tobak", "ung_skolk", "ung_mobbad", "ung_utsatt_vald", "ung_egen_brottslighet", "ung_trygg_skolan",
       "ung_trygg_omrade", "ung_vuxen", "ung_fritid", "ung_fortroende_polis", "misstankta_unga",
       "misstankta_unga_tidigare", "kommunala_skadegorelse", "kommunala_brand", "kommunala_kostnad"]
)


def test_definitions_cover_every_indicator_of_the_team():
    defs = ind.definitions()
    assert sorted(defs["id"]) == sorted(PREAMBLE_IDS)
    assert defs["id"].is_unique
    for col in ("name_sv", "name_en", "description_sv", "description_en", "kind", "unit", "direction", "source",
                "levels", "disclosure"):
        assert defs[col].notna().all(), col
    assert set(defs["kind"]) == set(ind.KINDS)
    assert ind.definition("vald")["kolada_id"] == "N07403" and ind.definition("vald")["kolada_scale"] == 100000


def test_youth_definitions_agree_with_the_codebook():
    cb = {q["id"]: q for q in codebook("ungdomsenkat_kodbok.yaml")["fragor"]}
    defs = ind.definitions()
    youth = defs.loc[defs["table"] == "youth_survey"]
    assert len(youth) == 13
    for e in youth.itertuples():
        for q in e.questions:
            assert q in cb, (e.id, q)
            assert cb[q]["faktor"] == e.factor, e.id
            assert cb[q]["niva"] in e.levels, e.id
        assert e.direction == ("lower_is_better" if e.factor == "risk" else "higher_is_better")


def test_every_survey_question_exists_in_its_codebook():
    cbs = {"survey": codebook("trygghetsmatning_kodbok.yaml"), "youth_survey": codebook("ungdomsenkat_kodbok.yaml")}
    for e in ind.definitions().itertuples():
        if str(e.kind).startswith("survey_") and e.questions != "problemindex":
            ids = {q["id"] for q in cbs[e.table]["fragor"]}
            assert set(e.questions) <= ids, e.id


def _write_defs(tmp_path: Path, change: dict, drop: str | None = None) -> Path:
    raw = yaml.load(resource_path("indicators.yaml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    entry = next(e for e in raw["indicators"] if e["id"] == "otrygg_kvall")
    entry.update(change)
    if drop:
        entry.pop(drop)
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("change,drop,field", [
    ({"kind": "survey_avg"}, None, "kind"),
    ({"direction": "up"}, None, "direction"),
    ({"levels": ["universell", "generell"]}, None, "levels"),
    ({"yes_codes": []}, None, "yes_codes"),
    ({"groupings": ["area", "grade"]}, None, "groupings"),
    ({"filter": {"types": ["brand"]}}, None, "filter"),
    ({"colour": "red"}, None, "colour"),
    ({}, "unit", "unit"),
    ({"kolada_id": "N07403"}, None, "kolada_scale"),
    ({"factor": "skyddande"}, None, "factor"),
])
def test_a_wrong_entry_names_the_indicator_and_field(tmp_path, change, drop, field):
    path = _write_defs(tmp_path, change, drop)
    with pytest.raises(ParameterError) as err:
        ind.load_definitions(path)
    assert "otrygg_kvall" in str(err.value) and f"field '{field}'" in str(err.value)


def test_a_duplicate_id_is_refused(tmp_path):
    raw = yaml.load(resource_path("indicators.yaml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    raw["indicators"].append(dict(raw["indicators"][0]))
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParameterError, match="brott_totalt.*field 'id'.*twice"):
        ind.load_definitions(path)


def test_unknown_indicator_and_grouping_are_parameter_errors(store):
    with pytest.raises(ParameterError, match="'valdet' is not defined"):
        ind.compute(store, "valdet")
    with pytest.raises(ParameterError, match="cannot be grouped by 'sex'"):
        ind.compute(store, "vald", by="sex")
    with pytest.raises(ParameterError, match="not available per area"):
        ind.compute(store, "misstankta_unga", area="Alfa")
    with pytest.raises(ParameterError, match="alpha"):
        ind.compute(store, "vald", alpha=1.5)


# --- rates -------------------------------------------------------------------------------------------------


def test_violent_offences_per_1000_match_hand_and_exact_poisson(store):
    res = ind.compute(store, "vald")
    assert list(res.columns) == ["indicator", "year", "value", "lower", "upper", "numerator", "denominator", "n",
                                 "n_eff", "suppressed", "suppression", "unit"]
    for year, k in ((2024, 3 + 10 + 2 + 20), (2025, 8 + 12 + 7 + 60 + 1 + 2)):
        row = res.loc[res["year"] == year].iloc[0]
        pop = pop_total(year)
        assert row["numerator"] == k and row["denominator"] == pop and row["n"] == k
        assert row["value"] == pytest.approx(k / pop * 1000, rel=1e-12)
        lo, hi = poisson_exact(k)
        assert row["lower"] == pytest.approx(lo / pop * 1000, rel=1e-6)
        assert row["upper"] == pytest.approx(hi / pop * 1000, rel=1e-6)
        assert not row["suppressed"] and row["unit"] == "per 1 000 invånare"


def test_rates_per_area_fill_zero_areas_and_suppress_small_counts(store):
    res = ind.compute(store, "brott_skadegorelse", years=2024, by="area")
    assert list(res["area"]) == ["Alfa", "Beta", "Östra"]  # Swedish order, zero areas present
    assert list(res["numerator"].fillna(-1)) == [6, 0, 0]
    assert res.loc[res["area"] == "Beta", "value"].iloc[0] == 0
    # zero has the exact upper limit -ln(0.025)
    assert res.loc[res["area"] == "Beta", "upper"].iloc[0] == pytest.approx(-math.log(0.025) / pop_total(2024, "Beta") * 1000)
    vald = ind.compute(store, "vald", years=2024, by="area")
    beta = vald.loc[vald["area"] == "Beta"].iloc[0]
    assert beta["suppressed"] and beta["suppression"] == "primary" and pd.isna(beta["value"]) and pd.isna(beta["n"])
    # a single hidden area could be recovered from the municipal total: a second one is hidden (the smaller)
    alfa, ostra = (vald.loc[vald["area"] == a].iloc[0] for a in ("Alfa", "Östra"))
    assert alfa["suppressed"] and alfa["suppression"] == "secondary" and not ostra["suppressed"]
    assert beta["denominator"] == pop_total(2024, "Beta")  # the population stays visible


def test_public_violence_at_night_counts_hours_22_to_04_only(store):
    res = ind.compute(store, "vald_offentlig_natt", years=[2025])
    # 2025: Alfa 8 at 23h, Beta 7 at 4h, Östra robbery at 22h; the 2 at 05h and indoor/unknown-hour ones are out
    assert res["numerator"].iloc[0] == 16
    res24 = ind.compute(store, "vald_offentlig_natt", years=2024, area="Alfa")
    assert res24["area"].iloc[0] == "Alfa" and res24["numerator"].iloc[0] == 0 or res24["suppressed"].iloc[0]


def test_area_rate_uses_the_area_population(store):
    res = ind.compute(store, "vald", years=2025, area="Östra")
    assert res["numerator"].iloc[0] == 61
    assert res["value"].iloc[0] == pytest.approx(61 / pop_total(2025, "Östra") * 1000)
    whole = ind.compute(store, "brott_totalt", years=2025, area="hela kommunen")
    assert whole["area"].iloc[0] == "hela kommunen" and whole["numerator"].iloc[0] == 94


# --- surveys -----------------------------------------------------------------------------------------------


def _survey(store) -> pd.DataFrame:
    return pd.read_parquet(store / "survey.parquet")


def test_unsafety_share_is_the_weighted_share_with_wilson_on_kish_n(store):
    s = _survey(store)
    res = ind.compute(store, "otrygg_kvall", by="area")
    for area in ("Alfa",):
        sub = s.loc[(s["year"] == 2023) & (s["area"] == area)]
        code = sub["q_otrygg_kvall"]
        valid = code.notna() & (code != 9)
        y = code[valid].isin([3, 4, 5]).astype(float).to_numpy()
        w = sub.loc[valid, "weight"].to_numpy()
        p = (w * y).sum() / w.sum()
        n_eff = w.sum() ** 2 / (w ** 2).sum()
        row = res.loc[(res["year"] == 2023) & (res["area"] == area)].iloc[0]
        assert row["n"] == valid.sum() and row["n_eff"] == pytest.approx(n_eff)
        assert row["value"] == pytest.approx(p)
        lo, hi = proportion_confint(p * n_eff, n_eff, alpha=0.05, method="wilson")
        assert (row["lower"], row["upper"]) == pytest.approx((lo, hi), rel=1e-9)
        assert row["numerator"] == pytest.approx((w * y).sum()) and row["denominator"] == pytest.approx(w.sum())
    kg = ind.compute(store, "otrygg_kvall", years=2023, area="Alfa", interval="korn_graubard").iloc[0]
    lo, hi = proportion_confint(kg["value"] * kg["n_eff"], kg["n_eff"], method="beta")
    assert (kg["lower"], kg["upper"]) == pytest.approx((lo, hi), rel=1e-9)


def test_survey_cells_under_30_respondents_are_hidden_with_a_second_cell(store):
    res = ind.compute(store, "otrygg_kvall", years=2023, by="area")
    ostra = res.loc[res["area"] == "Östra"].iloc[0]
    assert ostra["suppressed"] and ostra["suppression"] == "few_respondents"
    assert pd.isna(ostra["value"]) and pd.isna(ostra["n"]) and pd.isna(ostra["denominator"])
    beta = res.loc[res["area"] == "Beta"].iloc[0]  # the smallest other cell, so Östra's n is not total − rest
    assert beta["suppressed"] and beta["suppression"] == "secondary"
    assert not res.loc[res["area"] == "Alfa", "suppressed"].iloc[0]
    # asking for Beta alone hides it too: otherwise Beta + the total would give Östra away
    alone = ind.compute(store, "otrygg_kvall", years=2023, area="Beta").iloc[0]
    assert alone["suppressed"] and alone["area"] == "Beta"


def test_exposed_to_any_crime_combines_the_questions(store):
    s = _survey(store)
    qs = [f"q_utsatt_{t}" for t in ("misshandel", "hot", "sexualbrott", "ran", "bedrageri", "trakasserier",
                                    "inbrott", "stold", "skadegorelse")]
    sub = s.loc[s["year"] == 2019]
    codes = sub[qs].astype("float64")
    answered = (codes.notna() & (codes != 9)).any(axis=1)
    yes = (codes == 1).any(axis=1)
    w = sub["weight"]
    p = (w[answered] * yes[answered]).sum() / w[answered].sum()
    row = ind.compute(store, "utsatt_brott", years=2019).iloc[0]
    assert row["n"] == answered.sum() and row["value"] == pytest.approx(p)


def test_problem_index_is_the_weighted_mean_of_respondent_means(store):
    s = _survey(store)
    items = [f"q_problem_{p}" for p in ("nedskrapning", "skadegorelse", "ungdomar", "narkotika", "trafik",
                                        "belysning", "inbrott", "misshandel")]
    sub = s.loc[(s["year"] == 2023) & (s["area"] == "Alfa")]
    scores = sub[items].astype("float64").replace({1: 0.0, 2: 2.0, 3: 4.0, 4: 6.0, 9: np.nan})
    x = scores.mean(axis=1)
    ok = x.notna()
    x, w = x[ok].to_numpy(), sub.loc[ok, "weight"].to_numpy()
    m = (w * x).sum() / w.sum()
    n = len(x)
    se = math.sqrt(n / (n - 1) * ((w * (x - m)) ** 2).sum() / w.sum() ** 2)
    t = stats.t.ppf(0.975, n - 1)
    row = ind.compute(store, "problemindex", years=2023, area="Alfa").iloc[0]
    assert row["value"] == pytest.approx(m) and row["n"] == n
    assert (row["lower"], row["upper"]) == pytest.approx((m - t * se, m + t * se))
    assert 0 <= row["lower"] <= row["value"] <= row["upper"] <= 6
    item = ind.compute(store, "problem_belysning", years=2023, area="Alfa").iloc[0]
    xi = sub["q_problem_belysning"].astype("float64").replace({1: 0.0, 2: 2.0, 3: 4.0, 4: 6.0, 9: np.nan})
    oki = xi.notna()
    assert item["value"] == pytest.approx((sub.loc[oki, "weight"] * xi[oki]).sum() / sub.loc[oki, "weight"].sum())


def test_survey_groupings_sex_and_age(store):
    res = ind.compute(store, "oro_brott", years=2019, by=["sex", "age_group"])
    assert {"sex", "age_group"} <= set(res.columns)
    assert set(res["sex"].dropna()) == {"kvinna", "man"}  # missing sex is left out of the groups
    shown = res.loc[~res["suppressed"]]
    assert (shown["n"] >= 30).all()


def test_youth_indicators_by_grade(store):
    y = pd.read_parquet(store / "youth_survey.parquet")
    res = ind.compute(store, "ung_trygg_skolan", years=2025, by="grade")
    assert list(res["grade"]) == ["gy2", "åk9"]
    sub = y.loc[(y["year"] == 2025) & (y["grade"] == "åk9")]
    c = sub["q_trygg_skolan"]
    ok = c.notna() & (c != 9)
    p = (sub.loc[ok, "weight"] * c[ok].isin([1, 2])).sum() / sub.loc[ok, "weight"].sum()
    assert res.loc[res["grade"] == "åk9", "value"].iloc[0] == pytest.approx(p)
    own = ind.compute(store, "ung_egen_brottslighet", years=2023).iloc[0]
    assert 0 <= own["value"] <= 1 and own["n"] > 100


# --- young suspects, municipal incidents, safety walks, measures ------------------------------------------


def test_young_suspects_per_1000_of_the_age_band(store):
    res = ind.compute(store, "misstankta_unga", by="age_group")
    pop = population_frame()
    band = pop.loc[(pop["year"] == 2025) & (pop["age_group"] == "10-14"), "population"].sum()
    under15 = res.loc[(res["year"] == 2025) & (res["age_group"] == "<15")].iloc[0]
    assert under15["denominator"] == band and under15["value"] == pytest.approx(14 / band * 1000)
    total = ind.compute(store, "misstankta_unga", years=2025).iloc[0]
    pop_y = pop.loc[(pop["year"] == 2025) & pop["age_group"].isin(["10-14", "15-17", "18-20", "21-24"]), "population"].sum()
    assert total["numerator"] == 14 + 26 + 24 + 18 and total["value"] == pytest.approx(82 / pop_y * 1000)
    by_sex = ind.compute(store, "misstankta_unga", years=2024, by=["sex", "age_group"])
    girls = by_sex.loc[(by_sex["sex"] == "kvinna") & (by_sex["age_group"] == "<15")].iloc[0]
    assert girls["suppressed"] and girls["suppression"] == "source"  # the police left it empty
    shown = by_sex.loc[~by_sex["suppressed"], "n"]
    assert not ((shown >= 1) & (shown <= 4)).any()
    # the sum of 2024 by sex is unknown for girls: their row is hidden, the total uses the 'alla' rows
    assert ind.compute(store, "misstankta_unga", years=2024).iloc[0]["numerator"] == 8 + 17 + 22 + 20


def test_share_previously_suspected(store):
    res = ind.compute(store, "misstankta_unga_tidigare", years=2025).iloc[0]
    assert res["numerator"] == 5 + 12 + 12 + 9 and res["n"] == 82
    lo, hi = proportion_confint(38, 82, method="wilson")
    assert (res["value"], res["lower"], res["upper"]) == pytest.approx((38 / 82, lo, hi))
    by_age = ind.compute(store, "misstankta_unga_tidigare", years=2024, by="age_group")
    u15 = by_age.loc[by_age["age_group"] == "<15"].iloc[0]
    assert u15["suppressed"]  # 2 of 8: a count under 5


def test_municipal_incidents_count_and_cost(store):
    res = ind.compute(store, "kommunala_skadegorelse", by="area")
    a24 = res.loc[(res["year"] == 2024) & (res["area"] == "Alfa")].iloc[0]
    assert a24["suppressed"] and a24["suppression"] == "primary"  # 3 incidents
    total = ind.compute(store, "kommunala_skadegorelse", years=2024).iloc[0]
    assert total["value"] == 5 and (total["lower"], total["upper"]) == pytest.approx(poisson_exact(5), rel=1e-6)
    assert ind.compute(store, "kommunala_skadegorelse", years=2025).iloc[0]["suppressed"]  # 4 incidents
    fires = ind.compute(store, "kommunala_brand", years=2025).iloc[0]
    assert fires["suppressed"] and pd.isna(fires["value"])
    cost = ind.compute(store, "kommunala_kostnad", years=2025).iloc[0]
    assert cost["value"] == 2000 + 15000 + 25000 + 700 + 900 and cost["n"] == 6 and pd.isna(cost["lower"])


def test_safety_walk_findings_fixed(store):
    res = ind.compute(store, "trygghetsvandring_atgardade", by="area")
    row = res.loc[(res["year"] == 2025) & (res["area"] == "Alfa")].iloc[0]
    lo, hi = proportion_confint(6, 7, method="wilson")
    assert (row["value"], row["lower"], row["upper"]) == pytest.approx((6 / 7, lo, hi))
    assert not row["suppressed"] and row["suppression"] == "exempt"


def test_measures_per_level_count_running_measures(store):
    res = ind.compute(store, "atgarder_per_niva", years=[2024, 2025])
    got = {(r.year, r.level): r.value for r in res.itertuples()}
    assert got[(2024, "universell")] == 1 and got[(2024, "selektiv")] == 1 and got[(2024, "situationell")] == 1
    assert got[(2025, "selektiv")] == 0 and got[(2025, "indikerad")] == 1 and got[(2025, "situationell")] == 0
    alfa = ind.compute(store, "atgarder_per_niva", years=2024, area="Alfa")
    assert dict(zip(alfa["level"], alfa["value"]))["situationell"] == 1  # A4 (A5 cancelled)
    by_area = ind.compute(store, "atgarder_per_niva", years=2024, by="area")
    assert by_area.loc[(by_area["area"] == "Beta") & (by_area["level"] == "situationell"), "value"].iloc[0] == 1


def test_every_indicator_computes_on_the_small_store(store):
    for e in ind.definitions().itertuples():
        res = ind.compute(store, e.id)
        assert len(res) > 0, e.id
        shown = res.loc[~res["suppressed"]]
        assert shown["value"].notna().all() or e.kind == "share", e.id
        if e.disclosure == "count":
            assert not ((shown["n"] >= 1) & (shown["n"] <= 4)).any(), e.id
        if e.disclosure == "survey":
            assert (shown["n"] >= 30).all(), e.id
        for by in (e.groupings or []):
            grouped = ind.compute(store, e.id, by=by)
            published = disc.publishable(grouped)
            assert not set(published.columns) & {"suppressed", "suppression"}
            if e.disclosure == "none":
                continue
            for col in ("numerator", "n"):
                numbers = pd.to_numeric(published[col].map(lambda v: np.nan if isinstance(v, str) else v))
                assert not ((numbers >= 1) & (numbers <= 4)).any(), (e.id, by, col)


def test_safety_walk_fix_window_and_findings_not_yet_measurable(store, tmp_path):
    """Fixed within 180 days counts; fixed later does not; a finding whose 180 days run past the end
    of the data (31 December of the latest offence year, 2025 here) counts in neither part."""
    import shutil

    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    walks = pd.DataFrame({
        "date": pd.to_datetime(["2024-03-01"] * 4 + ["2025-10-01"] * 3),
        "year": pd.array([2024] * 4 + [2025] * 3, dtype="int16"),
        "area": pd.array(["Alfa"] * 7, dtype="string"),
        "x": 1.0, "y": 1.0, "deficiency": pd.array(["belysning"] * 7, dtype="string"),
        "fixed": [True, True, True, False, True, True, True],
        "fixed_date": pd.to_datetime(["2024-04-01", "2024-08-01", "2024-12-01", None,
                                      "2025-10-15", "2025-10-20", "2025-11-01"]),
    })
    walks.to_parquet(copy / "safety_walks.parquet")
    res = ind.compute(copy, "trygghetsvandring_atgardade")
    assert list(res["year"]) == [2024]  # the 2025 walk's window is still open
    # 2024: fixed after 31, 153 and 275 days (the last too late) and one not fixed -> 2 of 4
    assert res.iloc[0]["value"] == pytest.approx(2 / 4) and res.iloc[0]["n"] == 4

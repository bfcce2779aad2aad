"""Indicator definitions and compute(): every kind against hand-computed values or an independent library.

The store is conftest's ``indicator_store``: a tiny store (store.json + the tables of docs/store.md) whose
every figure can be worked out by hand below.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import optimize, stats
from statsmodels.stats.proportion import proportion_confint

from trygghet.analysis import disclosure as disc
from trygghet.analysis import indicators as ind
from trygghet.data.config import resource_path
from trygghet.data.errors import ParameterError


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


def test_youth_definitions_agree_with_the_codebook(demo_codebook):
    cb = {q["id"]: q for q in demo_codebook("ungdomsenkat_kodbok.yaml")["fragor"]}
    defs = ind.definitions()
    youth = defs.loc[defs["table"] == "youth_survey"]
    assert len(youth) == 13
    for e in youth.itertuples():
        for q in e.questions:
            assert q in cb, (e.id, q)
            assert cb[q]["faktor"] == e.factor, e.id
            assert cb[q]["niva"] in e.levels, e.id
        assert e.direction == ("lower_is_better" if e.factor == "risk" else "higher_is_better")


def test_every_survey_question_exists_in_its_codebook(demo_codebook):
    cbs = {"survey": demo_codebook("trygghetsmatning_kodbok.yaml"), "youth_survey": demo_codebook("ungdomsenkat_kodbok.yaml")}
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


def test_unknown_indicator_and_grouping_are_parameter_errors(indicator_store):
    with pytest.raises(ParameterError, match="'valdet' is not defined"):
        ind.compute(indicator_store, "valdet")
    with pytest.raises(ParameterError, match="cannot be grouped by 'sex'"):
        ind.compute(indicator_store, "vald", by="sex")
    with pytest.raises(ParameterError, match="not available per area"):
        ind.compute(indicator_store, "misstankta_unga", area="Alfa")
    with pytest.raises(ParameterError, match="alpha"):
        ind.compute(indicator_store, "vald", alpha=1.5)


# --- rates -------------------------------------------------------------------------------------------------


def test_violent_offences_per_1000_match_hand_and_exact_poisson(indicator_store, pop_total):
    res = ind.compute(indicator_store, "vald")
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


def test_rates_per_area_fill_zero_areas_and_suppress_small_counts(indicator_store, pop_total):
    res = ind.compute(indicator_store, "brott_skadegorelse", years=2024, by="area")
    assert list(res["area"]) == ["Alfa", "Beta", "Östra"]  # Swedish order, zero areas present
    assert list(res["numerator"].fillna(-1)) == [6, 0, 0]
    assert res.loc[res["area"] == "Beta", "value"].iloc[0] == 0
    # zero has the exact upper limit -ln(0.025)
    assert res.loc[res["area"] == "Beta", "upper"].iloc[0] == pytest.approx(-math.log(0.025) / pop_total(2024, "Beta") * 1000)
    vald = ind.compute(indicator_store, "vald", years=2024, by="area")
    beta = vald.loc[vald["area"] == "Beta"].iloc[0]
    assert beta["suppressed"] and beta["suppression"] == "primary" and pd.isna(beta["value"]) and pd.isna(beta["n"])
    # a single hidden area could be recovered from the municipal total: a second one is hidden (the smaller)
    alfa, ostra = (vald.loc[vald["area"] == a].iloc[0] for a in ("Alfa", "Östra"))
    assert alfa["suppressed"] and alfa["suppression"] == "secondary" and not ostra["suppressed"]
    assert beta["denominator"] == pop_total(2024, "Beta")  # the population stays visible


def test_public_violence_at_night_counts_hours_22_to_04_only(indicator_store):
    res = ind.compute(indicator_store, "vald_offentlig_natt", years=[2025])
    # 2025: Alfa 8 at 23h, Beta 7 at 4h, Östra robbery at 22h; the 2 at 05h and indoor/unknown-hour ones are out
    assert res["numerator"].iloc[0] == 16
    res24 = ind.compute(indicator_store, "vald_offentlig_natt", years=2024, area="Alfa")
    assert res24["area"].iloc[0] == "Alfa" and res24["numerator"].iloc[0] == 0 or res24["suppressed"].iloc[0]


def test_area_rate_uses_the_area_population(indicator_store, pop_total):
    res = ind.compute(indicator_store, "vald", years=2025, area="Östra")
    assert res["numerator"].iloc[0] == 61
    assert res["value"].iloc[0] == pytest.approx(61 / pop_total(2025, "Östra") * 1000)
    whole = ind.compute(indicator_store, "brott_totalt", years=2025, area="hela kommunen")
    assert whole["area"].iloc[0] == "hela kommunen" and whole["numerator"].iloc[0] == 94


# --- surveys -----------------------------------------------------------------------------------------------


def _survey(indicator_store) -> pd.DataFrame:
    return pd.read_parquet(indicator_store / "survey.parquet")


def test_unsafety_share_is_the_weighted_share_with_wilson_on_kish_n(indicator_store):
    s = _survey(indicator_store)
    res = ind.compute(indicator_store, "otrygg_kvall", by="area")
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
    kg = ind.compute(indicator_store, "otrygg_kvall", years=2023, area="Alfa", interval="korn_graubard").iloc[0]
    lo, hi = proportion_confint(kg["value"] * kg["n_eff"], kg["n_eff"], method="beta")
    assert (kg["lower"], kg["upper"]) == pytest.approx((lo, hi), rel=1e-9)


def test_survey_cells_under_30_respondents_are_hidden_with_a_second_cell(indicator_store):
    res = ind.compute(indicator_store, "otrygg_kvall", years=2023, by="area")
    ostra = res.loc[res["area"] == "Östra"].iloc[0]
    assert ostra["suppressed"] and ostra["suppression"] == "few_respondents"
    assert pd.isna(ostra["value"]) and pd.isna(ostra["n"]) and pd.isna(ostra["denominator"])
    beta = res.loc[res["area"] == "Beta"].iloc[0]  # the smallest other cell, so Östra's n is not total − rest
    assert beta["suppressed"] and beta["suppression"] == "secondary"
    assert not res.loc[res["area"] == "Alfa", "suppressed"].iloc[0]
    # asking for Beta alone hides it too: otherwise Beta + the total would give Östra away
    alone = ind.compute(indicator_store, "otrygg_kvall", years=2023, area="Beta").iloc[0]
    assert alone["suppressed"] and alone["area"] == "Beta"


def test_exposed_to_any_crime_combines_the_questions(indicator_store):
    s = _survey(indicator_store)
    qs = [f"q_utsatt_{t}" for t in ("misshandel", "hot", "sexualbrott", "ran", "bedrageri", "trakasserier",
                                    "inbrott", "stold", "skadegorelse")]
    sub = s.loc[s["year"] == 2019]
    codes = sub[qs].astype("float64")
    answered = (codes.notna() & (codes != 9)).any(axis=1)
    yes = (codes == 1).any(axis=1)
    w = sub["weight"]
    p = (w[answered] * yes[answered]).sum() / w[answered].sum()
    row = ind.compute(indicator_store, "utsatt_brott", years=2019).iloc[0]
    assert row["n"] == answered.sum() and row["value"] == pytest.approx(p)


def test_problem_index_is_the_weighted_mean_of_respondent_means(indicator_store):
    s = _survey(indicator_store)
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
    row = ind.compute(indicator_store, "problemindex", years=2023, area="Alfa").iloc[0]
    assert row["value"] == pytest.approx(m) and row["n"] == n
    assert (row["lower"], row["upper"]) == pytest.approx((m - t * se, m + t * se))
    assert 0 <= row["lower"] <= row["value"] <= row["upper"] <= 6
    item = ind.compute(indicator_store, "problem_belysning", years=2023, area="Alfa").iloc[0]
    xi = sub["q_problem_belysning"].astype("float64").replace({1: 0.0, 2: 2.0, 3: 4.0, 4: 6.0, 9: np.nan})
    oki = xi.notna()
    assert item["value"] == pytest.approx((sub.loc[oki, "weight"] * xi[oki]).sum() / sub.loc[oki, "weight"].sum())


def test_survey_groupings_sex_and_age(indicator_store):
    res = ind.compute(indicator_store, "oro_brott", years=2019, by=["sex", "age_group"])
    assert {"sex", "age_group"} <= set(res.columns)
    assert set(res["sex"].dropna()) == {"kvinna", "man"}  # missing sex is left out of the groups
    shown = res.loc[~res["suppressed"]]
    assert (shown["n"] >= 30).all()


def test_youth_indicators_by_grade(indicator_store):
    y = pd.read_parquet(indicator_store / "youth_survey.parquet")
    res = ind.compute(indicator_store, "ung_trygg_skolan", years=2025, by="grade")
    assert list(res["grade"]) == ["gy2", "åk9"]
    sub = y.loc[(y["year"] == 2025) & (y["grade"] == "åk9")]
    c = sub["q_trygg_skolan"]
    ok = c.notna() & (c != 9)
    p = (sub.loc[ok, "weight"] * c[ok].isin([1, 2])).sum() / sub.loc[ok, "weight"].sum()
    assert res.loc[res["grade"] == "åk9", "value"].iloc[0] == pytest.approx(p)
    own = ind.compute(indicator_store, "ung_egen_brottslighet", years=2023).iloc[0]
    assert 0 <= own["value"] <= 1 and own["n"] > 100


# --- young suspects, municipal incidents, safety walks, measures ------------------------------------------


def test_young_suspects_per_1000_of_the_age_band(indicator_store, indicator_population):
    res = ind.compute(indicator_store, "misstankta_unga", by="age_group")
    pop = indicator_population
    band = pop.loc[(pop["year"] == 2025) & (pop["age_group"] == "10-14"), "population"].sum()
    under15 = res.loc[(res["year"] == 2025) & (res["age_group"] == "<15")].iloc[0]
    assert under15["denominator"] == band and under15["value"] == pytest.approx(14 / band * 1000)
    total = ind.compute(indicator_store, "misstankta_unga", years=2025).iloc[0]
    pop_y = pop.loc[(pop["year"] == 2025) & pop["age_group"].isin(["10-14", "15-17", "18-20", "21-24"]), "population"].sum()
    assert total["numerator"] == 14 + 26 + 24 + 18 and total["value"] == pytest.approx(82 / pop_y * 1000)
    by_sex = ind.compute(indicator_store, "misstankta_unga", years=2024, by=["sex", "age_group"])
    girls = by_sex.loc[(by_sex["sex"] == "kvinna") & (by_sex["age_group"] == "<15")].iloc[0]
    assert girls["suppressed"] and girls["suppression"] == "source"  # the police left it empty
    shown = by_sex.loc[~by_sex["suppressed"], "n"]
    assert not ((shown >= 1) & (shown <= 4)).any()
    # the sum of 2024 by sex is unknown for girls: their row is hidden, the total uses the 'alla' rows
    assert ind.compute(indicator_store, "misstankta_unga", years=2024).iloc[0]["numerator"] == 8 + 17 + 22 + 20


def test_share_previously_suspected(indicator_store):
    res = ind.compute(indicator_store, "misstankta_unga_tidigare", years=2025).iloc[0]
    assert res["numerator"] == 5 + 12 + 12 + 9 and res["n"] == 82
    lo, hi = proportion_confint(38, 82, method="wilson")
    assert (res["value"], res["lower"], res["upper"]) == pytest.approx((38 / 82, lo, hi))
    by_age = ind.compute(indicator_store, "misstankta_unga_tidigare", years=2024, by="age_group")
    u15 = by_age.loc[by_age["age_group"] == "<15"].iloc[0]
    assert u15["suppressed"]  # 2 of 8: a count under 5


def test_municipal_incidents_count_and_cost(indicator_store):
    res = ind.compute(indicator_store, "kommunala_skadegorelse", by="area")
    a24 = res.loc[(res["year"] == 2024) & (res["area"] == "Alfa")].iloc[0]
    assert a24["suppressed"] and a24["suppression"] == "primary"  # 3 incidents
    total = ind.compute(indicator_store, "kommunala_skadegorelse", years=2024).iloc[0]
    assert total["value"] == 5 and (total["lower"], total["upper"]) == pytest.approx(poisson_exact(5), rel=1e-6)
    assert ind.compute(indicator_store, "kommunala_skadegorelse", years=2025).iloc[0]["suppressed"]  # 4 incidents
    fires = ind.compute(indicator_store, "kommunala_brand", years=2025).iloc[0]
    assert fires["suppressed"] and pd.isna(fires["value"])
    cost = ind.compute(indicator_store, "kommunala_kostnad", years=2025).iloc[0]
    assert cost["value"] == 2000 + 15000 + 25000 + 700 + 900 and cost["n"] == 6 and pd.isna(cost["lower"])


def test_safety_walk_findings_fixed(indicator_store):
    res = ind.compute(indicator_store, "trygghetsvandring_atgardade", by="area")
    row = res.loc[(res["year"] == 2025) & (res["area"] == "Alfa")].iloc[0]
    lo, hi = proportion_confint(6, 7, method="wilson")
    assert (row["value"], row["lower"], row["upper"]) == pytest.approx((6 / 7, lo, hi))
    assert not row["suppressed"] and row["suppression"] == "exempt"


def test_measures_per_level_count_running_measures(indicator_store):
    res = ind.compute(indicator_store, "atgarder_per_niva", years=[2024, 2025])
    got = {(r.year, r.level): r.value for r in res.itertuples()}
    assert got[(2024, "universell")] == 1 and got[(2024, "selektiv")] == 1 and got[(2024, "situationell")] == 1
    assert got[(2025, "selektiv")] == 0 and got[(2025, "indikerad")] == 1 and got[(2025, "situationell")] == 0
    alfa = ind.compute(indicator_store, "atgarder_per_niva", years=2024, area="Alfa")
    assert dict(zip(alfa["level"], alfa["value"]))["situationell"] == 1  # A4 (A5 cancelled)
    by_area = ind.compute(indicator_store, "atgarder_per_niva", years=2024, by="area")
    assert by_area.loc[(by_area["area"] == "Beta") & (by_area["level"] == "situationell"), "value"].iloc[0] == 1


def test_every_indicator_computes_on_the_small_store(indicator_store):
    for e in ind.definitions().itertuples():
        res = ind.compute(indicator_store, e.id)
        assert len(res) > 0, e.id
        shown = res.loc[~res["suppressed"]]
        assert shown["value"].notna().all() or e.kind == "share", e.id
        if e.disclosure == "count":
            assert not ((shown["n"] >= 1) & (shown["n"] <= 4)).any(), e.id
        if e.disclosure == "survey":
            assert (shown["n"] >= 30).all(), e.id
        for by in (e.groupings or []):
            grouped = ind.compute(indicator_store, e.id, by=by)
            published = disc.publishable(grouped)
            assert not set(published.columns) & {"suppressed", "suppression"}
            if e.disclosure == "none":
                continue
            for col in ("numerator", "n"):
                numbers = pd.to_numeric(published[col].map(lambda v: np.nan if isinstance(v, str) else v))
                assert not ((numbers >= 1) & (numbers <= 4)).any(), (e.id, by, col)


def test_safety_walk_fix_window_and_findings_not_yet_measurable(indicator_store, tmp_path):
    """Fixed within 180 days counts; fixed later does not; a finding whose 180 days run past the end
    of the data (31 December of the latest offence year, 2025 here) counts in neither part."""
    import shutil

    copy = tmp_path / "store"
    shutil.copytree(indicator_store, copy)
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

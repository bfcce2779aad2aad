"""change(), follow_up(), main_changes() and the definitions page, on the tiny store of test_indicators."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

from test_indicators import pop_total, write_store
from trygghet.analysis import indicators as ind
from trygghet.data.config import paths
from trygghet.data.errors import ParameterError


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    return write_store(tmp_path_factory.mktemp("followup"))


def test_change_of_a_rate_uses_the_conditional_binomial_test(store):
    res = ind.change(store, "vald", 2024, 2025)
    row = res.iloc[0]
    p24, p25 = pop_total(2024), pop_total(2025)
    expected = stats.binomtest(90, 125, p25 / (p24 + p25)).pvalue
    assert row["p_value"] == pytest.approx(expected)
    assert row["value_from"] == pytest.approx(35 / p24 * 1000) and row["value_to"] == pytest.approx(90 / p25 * 1000)
    assert row["difference"] == pytest.approx(row["value_to"] - row["value_from"])
    assert row["verdict"] == "ökat" and row["assessment"] == "försämring" and row["reading"] == "worsened"
    assert "binomialtest" in row["test"]


def test_change_verdicts_per_area_and_hidden_years(store):
    res = ind.change(store, "vald", 2024, 2025, by="area").set_index("area")
    assert res.loc["Beta", "verdict"] == "ej mätbart" and res.loc["Beta", "suppressed"]  # 2024 Beta is hidden
    assert pd.isna(res.loc["Beta", "value_from"])
    p = stats.binomtest(61, 81, pop_total(2025, "Östra") / (pop_total(2024, "Östra") + pop_total(2025, "Östra"))).pvalue
    assert res.loc["Östra", "p_value"] == pytest.approx(p)
    assert res.loc["Östra", "verdict"] == ("ökat" if p < 0.05 else "ingen säker förändring")
    with pytest.raises(ParameterError, match="two different years"):
        ind.change(store, "vald", 2025, 2025)


def test_change_of_a_survey_share_is_a_z_test_on_effective_sizes(store):
    a = ind.compute(store, "otrygg_kvall", years=2019).iloc[0]
    b = ind.compute(store, "otrygg_kvall", years=2023).iloc[0]
    pooled = (a["value"] * a["n_eff"] + b["value"] * b["n_eff"]) / (a["n_eff"] + b["n_eff"])
    z = (b["value"] - a["value"]) / math.sqrt(pooled * (1 - pooled) * (1 / a["n_eff"] + 1 / b["n_eff"]))
    res = ind.change(store, "otrygg_kvall", 2019, 2023).iloc[0]
    assert res["p_value"] == pytest.approx(2 * stats.norm.sf(abs(z)))
    assert res["verdict"] in ("ökat", "minskat", "ingen säker förändring")
    assert (res["verdict"] == "ingen säker förändring") == (res["p_value"] >= 0.05)


def test_change_of_the_problem_index_and_a_share(store):
    a = ind._compute_full(store, "problemindex", years=2019).iloc[0]
    b = ind._compute_full(store, "problemindex", years=2023).iloc[0]
    z = (b["value"] - a["value"]) / math.hypot(a["se"], b["se"])
    assert ind.change(store, "problemindex", 2019, 2023).iloc[0]["p_value"] == pytest.approx(2 * stats.norm.sf(abs(z)))
    walks = ind.change(store, "trygghetsvandring_atgardade", 2024, 2025).iloc[0]
    assert walks["p_value"] == pytest.approx(stats.fisher_exact([[4, 6], [10, 2]]).pvalue)
    assert walks["verdict"] == ("ökat" if walks["p_value"] < 0.05 else "ingen säker förändring")


def test_follow_up_status_rule(store):
    fu = ind.follow_up(store, 2025).set_index("subgoal_id")
    assert list(fu.columns[:6]) == ["goal_id", "goal_text", "subgoal_text", "indicator", "indicator_name", "area"]
    m21 = fu.loc["M2.1"]
    assert m21["latest_year"] == 2025 and m21["path_value"] == pytest.approx(5 + (4 - 5) / 3)
    assert m21["lower"] > m21["path_value"] and m21["status"] == "ej på väg" and m21["trend"] == "försämras"
    assert "ligger säkert över" in m21["status_reason"]
    m22 = fu.loc["M2.2"]  # Beta 2024 is hidden: one shown year, trend unknown
    assert m22["latest_year"] == 2025 and m22["trend"] == "okänd" and m22["status"] == "ej på väg"
    assert fu.loc["M3.1", "status"] == "ej mätbart" and "Alfa" in fu.loc["M3.1", "status_reason"]
    assert fu.loc["M3.2", "status"] == "ej mätbart" and "okand_indikator" in fu.loc["M3.2", "status_reason"]
    m11 = fu.loc["M1.1"]  # baseline value missing in the goal: taken from the 2019 survey
    base = ind.compute(store, "otrygg_kvall", years=2019).iloc[0]["value"]
    assert m11["latest_year"] == 2023 and m11["baseline_value"] == pytest.approx(base)
    assert m11["path_value"] == pytest.approx(base + (0.20 - base) * 4 / 6)
    for sid, r in fu.iterrows():
        if r["status"] == "ej mätbart":
            continue
        ceiling = r["target_type"] == "tak"
        ok = r["upper"] <= r["path_value"] if ceiling else r["lower"] >= r["path_value"]
        bad = r["lower"] > r["path_value"] if ceiling else r["upper"] < r["path_value"]
        expected = "på väg" if ok else ("ej på väg" if bad else "risk")
        assert r["status"] == expected, sid
    # the follow-up of an earlier year uses only data up to that year
    assert ind.follow_up(store, 2024).set_index("subgoal_id").loc["M2.1", "latest_year"] == 2024


def test_main_changes_are_certain_after_benjamini_hochberg(store):
    mc = ind.main_changes(store, 2025)
    assert list(mc.columns) == ["indicator", "area", "comparison", "year_from", "year_to", "value_from", "value_to",
                                "difference", "p_value", "p_adjusted", "verdict", "assessment", "text"]
    assert len(mc) <= 8 and (mc["p_adjusted"] < 0.05).all() and (mc["p_adjusted"] >= mc["p_value"] - 1e-12).all()
    vald = mc.loc[(mc["indicator"] == "vald") & (mc["area"] == "hela kommunen")].iloc[0]
    assert vald["text"].startswith("Våldsbrotten ökade från 5,8 till 14,5 per 1 000 invånare mellan 2024 och 2025 "
                                   "(säker förändring, p ")
    assert vald["verdict"] == "ökat" and vald["assessment"] == "försämring"
    raw = ind.main_changes(store, 2025, correction="none", max_items=100)
    bonf = ind.main_changes(store, 2025, correction="bonferroni", max_items=100)
    assert len(bonf) <= len(ind.main_changes(store, 2025, max_items=100)) <= len(raw)
    assert ind.main_changes(store, 2025, max_items=2).shape[0] == 2
    with pytest.raises(ParameterError, match="correction"):
        ind.main_changes(store, 2025, correction="magic")


def test_definitions_table_in_swedish_and_english():
    sv = ind.definitions_table()
    assert list(sv.columns[:3]) == ["Id", "Indikator", "Beskrivning"] and len(sv) == len(ind.definitions())
    assert sv.set_index("Id").loc["vald", "Jämförelse"].startswith("Kolada N07403 (per 100\u00a0000)")
    en = ind.definitions_table(lang="en")
    assert en.set_index("Id").loc["ung_vuxen", "Factor"] == "protective factor"
    with pytest.raises(ParameterError):
        ind.definitions_table(lang="fi")


def test_the_committed_definitions_page_is_up_to_date(tmp_path):
    out = ind.write_definitions_page(tmp_path / "indicators.md")
    text = out.read_text(encoding="utf-8")
    for i in ind.definitions()["id"]:
        assert f"`{i}`" in text
    committed = paths().docs / "indicators.md"
    assert committed.read_text(encoding="utf-8") == text, "run `trygghet docs` and commit docs/indicators.md"

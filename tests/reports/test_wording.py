"""reports.wording: the one place that words the library's codes — the change verdict, a goal's status
and the numbers shown beside it, the main-change sentences."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from trygghet.analysis import indicators as ind
from trygghet.reports import format as fmt
from trygghet.reports import wording

ROOT = Path(__file__).resolve().parents[2]
LIB = ROOT / "lib" / "trygghet"
#: words that once worded a change and must never again (the agreed words are wording.CHANGE_WORDS)
RETIRED = ("oförändrad", "förbättras", "försämras")


def _reader_strings(path: Path) -> list[tuple[int, str]]:
    """The string constants of a module a reader may see: every string except docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]


def test_change_words_are_exactly_the_agreed_four():
    assert {c: wording.change_word(c) for c in ind.READINGS} == {
        "increased": "ökat", "decreased": "minskat", "no_certain_change": "ingen säker förändring",
        "not_measurable": "ej mätbart"}
    assert wording.change_word(None) == wording.change_word(float("nan")) == "ej mätbart"
    with pytest.raises(ValueError, match="increased"):
        wording.change_word("improved")
    assert wording.trend_text("decreased", 2024) == "minskat (jfr 2024)"
    assert wording.trend_text("no_certain_change", pd.NA) == "ej mätbart"
    assert wording.change_verb("increased") == "ökade" and wording.change_verb("decreased") == "minskade"
    with pytest.raises(ValueError):
        wording.change_verb("no_certain_change")


def test_no_other_change_words_anywhere_in_the_library_or_notebook_code():
    offenders = []
    # "ej mätbart" is a goal's status word too (plots colours it); the three verdicts are wording's alone
    agreed = set(wording.CHANGE_WORDS.values()) - {wording.STATUS_WORDS["not_measurable"]}
    for path in sorted(LIB.rglob("*.py")):
        for line, text in _reader_strings(path):
            low = text.lower()
            if any(word in low for word in RETIRED):
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {text[:60]!r}")
            if text.strip() in agreed and path.name != "wording.py":
                offenders.append(f"{path.relative_to(ROOT)}:{line}: the change word {text!r} outside wording.py")
    for nb_path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(nb_path.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"]).lower()
            if cell["cell_type"] == "code" and any(word in source for word in RETIRED):
                offenders.append(f"{nb_path.name}: {source[:60]!r}")
    assert not offenders, "a change is worded only by reports.wording.change_word: " + "; ".join(offenders)


def test_status_words_and_sentences():
    assert [wording.status_word(s) for s in ind.STATUSES] == ["på väg", "risk", "ej på väg", "ej mätbart"]
    statuses = ["on_track"] + ["at_risk"] * 4 + ["off_track"] * 6
    assert wording.status_sentence(statuses) == "Av 11 delmål är 1 på väg, 4 osäkra (risk) och 6 inte på väg."
    assert wording.subject_status(statuses) == "1 av 11 delmål på väg"
    assert wording.subject_status(["off_track", "not_measurable"]) == "0 av 2 delmål på väg"
    with pytest.raises(ValueError):
        wording.status_word("ej på väg")


# --- the numbers shown beside a status support it ------------------------------------------------------


def _number(text: str) -> float:
    """A shown Swedish number back as a float ("16,9 %" -> 16.9, "1,951" -> 1.951)."""
    return float(text.replace("\u00a0", "").replace("%", "").replace(",", ".").strip())


def _shown(row: dict) -> tuple[float, float, float]:
    """The lower bound, upper bound and path as the reason sentence shows them."""
    extra = wording.status_precision(row)
    lo, hi = wording.format_interval(row["indicator"], row["lower"], row["upper"], extra=extra).split("–")
    return _number(lo), _number(hi), _number(wording.format_value(row["indicator"], row["path_value"], extra=extra))


@pytest.mark.parametrize("indicator,lower,upper,path,target_type", [
    ("otrygg_kvall", 0.171897, 0.206652, 0.169, "tak"),   # "17–21 %" beside "säkert över målet 17 %"
    ("problemindex", 1.951221, 2.232581, 1.948, "tak"),   # "1,95–2,23" beside "säkert över målet 1,95"
    ("fortroende_polis", 0.612457, 0.683979, 0.684, "golv"),
    ("vald", 7.4449, 9.29, 7.444, "tak"),
    ("ung_alkohol", 0.435226, 0.486302, 0.469, "tak"),
    ("otrygg_kvall", 0.15, 0.16904, 0.169, "tak"),
])
def test_the_shown_interval_supports_the_status(indicator, lower, upper, path, target_type):
    from trygghet.analysis.indicators.follow_up import goal_status

    status = goal_status((lower + upper) / 2, lower, upper, path, target_type)
    row = {"indicator": indicator, "value": (lower + upper) / 2, "lower": lower, "upper": upper, "path_value": path,
           "target_value": path, "target_type": target_type, "target_year": 2025, "latest_year": 2025,
           "status": status, "status_reason": ""}
    lo, hi, p = _shown(row)
    # the displayed numbers lead to the same status as the unrounded ones
    ceiling = target_type == "tak"
    if status == "off_track":
        assert (lo > p) if ceiling else (hi < p)
    elif status == "on_track":
        assert (hi <= p) if ceiling else (lo >= p)
    else:
        assert (lo <= p <= hi) and (hi > p if ceiling else lo < p)
    reason = wording.status_reason(row)
    interval = wording.format_interval(indicator, lower, upper, extra=wording.status_precision(row))
    assert interval in reason and wording.format_value(indicator, path, extra=wording.status_precision(row)) in reason


def test_precision_examples_of_issue_10():
    row = {"indicator": "otrygg_kvall", "value": 0.188661, "lower": 0.171897, "upper": 0.206652, "path_value": 0.169,
           "target_value": 0.169, "target_type": "tak", "target_year": 2025, "latest_year": 2025,
           "status": "off_track", "status_reason": ""}
    assert wording.status_precision(row) == 1
    assert wording.status_reason(row) == ("Värdet 2025 är 18,9\u00a0% (95 % konfidensintervall 17,2–20,7\u00a0%) och "
                                          "ligger säkert över målet 16,9\u00a0% för 2025.")
    index = {**row, "indicator": "problemindex", "value": 2.091901, "lower": 1.951221, "upper": 2.232581,
             "path_value": 1.948, "target_value": 1.948}
    assert wording.format_interval("problemindex", 1.951221, 2.232581, extra=wording.status_precision(index)) \
        == "1,951–2,233"
    assert "målet 1,948 för 2025" in wording.status_reason(index)
    # nothing to separate: the reports' usual decimals
    clear = {**row, "lower": 0.18, "upper": 0.2, "path_value": 0.1}
    assert wording.status_precision(clear) == 0


def test_follow_up_rows_of_the_tiny_store_are_worded_from_their_codes(indicator_store):
    follow = ind.follow_up(indicator_store, 2025)
    for r in follow.to_dict("records"):
        reason = wording.status_reason(r, 2025)
        if r["status"] == "not_measurable":
            assert reason and not reason.startswith("Värdet")
            continue
        extra = wording.status_precision(r)
        assert f"Värdet {int(r['latest_year'])} är {wording.format_value(r['indicator'], r['value'], extra=extra)}" in reason
        lo, hi, p = _shown(r) if not pd.isna(r["lower"]) else (None, None, None)
        if lo is not None and r["lower"] != r["path_value"]:
            assert lo != p and hi != p
    m32 = follow.set_index("subgoal_id").loc["M3.2"].to_dict()
    assert wording.status_reason(m32) == "Indikatorn 'okand_indikator' finns inte bland definitionerna."
    m31 = follow.set_index("subgoal_id").loc["M3.1"].to_dict()
    assert wording.status_reason(m31) == "Indikatorn redovisas inte för Alfa."


# --- values and sentences ------------------------------------------------------------------------------


def test_format_value_by_kind():
    assert wording.format_value("otrygg_kvall", 0.2149) == "21\u00a0%"
    assert wording.format_value("otrygg_kvall", 0.2149, extra=1) == "21,5\u00a0%"
    assert wording.format_value("problemindex", 1.375) == "1,38"
    assert wording.format_value("vald", 8.26) == "8,3"
    assert wording.format_value("kommunala_skadegorelse", 3) == fmt.SUPPRESSED
    assert wording.format_value("kommunala_kostnad", 12345) == "12\u00a0345\u00a0kr"
    assert wording.format_value("vald", float("nan")) == wording.format_value("vald", 3.0, hidden=True) == fmt.MISSING
    assert wording.format_interval("otrygg_kvall", 0.17, 0.21) == "17–21\u00a0%"
    assert wording.format_interval("kommunala_kostnad", float("nan"), float("nan")) == fmt.MISSING
    assert wording.test_name("poisson_rate").startswith("exakt villkorligt binomialtest")


def test_main_change_sentences_use_the_agreed_words(indicator_store):
    mc = ind.main_changes(indicator_store, 2025)
    row = mc.loc[(mc["indicator"] == "vald") & (mc["area"] == "hela kommunen")].iloc[0].to_dict()
    text = wording.main_change_sentence(row)
    assert re.fullmatch(r"Våldsbrotten ökade från 5,8 till 14,5 per 1 000 invånare mellan 2024 och 2025 "
                        r"\(säker förändring, p [<=] [0-9,]+\)\.", text.replace("\u00a0", " ")), text
    for r in mc.to_dict("records"):
        assert f" {wording.change_verb(r['reading'])} från " in wording.main_change_sentence(r)

"""The situation picture's report module (trygghet.reports.lagesbild) on the demo store."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from trygghet.analysis import indicators
from trygghet.data.errors import ParameterError
from trygghet.data.vocabulary import CATEGORIES
from trygghet.reports import lagesbild


def _number(text: str) -> int:
    return int(re.sub(r"\s", "", text))


@pytest.fixture(scope="module")
def category(demo_store):
    return lagesbild.category_display(demo_store, 2025)


def test_category_table_parts_sum_to_the_total(category, demo_store):
    offences = pd.read_parquet(demo_store / "offences.parquet")
    names = {indicators.definition(f"brott_{c}")["name_sv"]: c for c in CATEGORIES if c != "ovrigt"}
    names["Övriga brott och okända brottskoder"] = "ovrigt"
    assert category["Brottskategori"].iloc[-1] == "Totalt"
    assert set(category["Brottskategori"].iloc[:-1]) == set(names)  # unknown codes counted with 'övriga'
    folded = offences["category"].replace({"okand": "ovrigt"})
    for year in range(2019, 2026):
        col = category[str(year)]
        total = _number(col.iloc[-1])
        assert total == int((offences["year"] == year).sum())  # the total counts every offence, unknown codes too
        parts = col.iloc[:-1]
        hidden = parts.isin(["<5", "–"]).to_numpy()
        assert hidden.sum() != 1, year  # a single hidden cell would be total minus the others
        true = [int(((offences["year"] == year) & (folded == names[n])).sum()) for n in category["Brottskategori"].iloc[:-1]]
        for shown, value, want in zip(hidden, parts, true):
            if not shown:
                assert _number(value) == want, (year, value, want)
        assert sum(w for w, h in zip(true, hidden) if h) == total - sum(_number(v) for v, h in zip(parts, hidden) if not h)


def test_category_table_hides_small_counts(category):
    for year in range(2019, 2026):
        for v in category[str(year)]:
            assert not re.fullmatch(r"[1-4]", v), (year, v)


def test_category_table_rows_are_the_code_list(category):
    assert len(category) == len(CATEGORIES) + 1  # every category and the total


def test_start_checks_parameters_with_the_one_message(demo_store):
    with pytest.raises(ParameterError, match=r"year=2031 in lagesbild.ipynb: the store .* has no offences"):
        lagesbild.start(demo_store, 2031)
    with pytest.raises(ParameterError, match=r"lang='fr' in lagesbild.ipynb is not a report language"):
        lagesbild.start(demo_store, 2025, "fr")


def test_panel_table_words_changes_with_the_agreed_words(demo_store):
    styler = lagesbild.indicator_table(demo_store, 2025, "nyckeltal")
    shown = styler.data
    words = set()
    for col in ("Sedan föregående mätning", "Sedan utgångsåret"):
        words |= {re.sub(r" \(jfr \d{4}\)$", "", v) for v in shown[col]}
    assert words <= {"ökat", "minskat", "ingen säker förändring", "–"}
    with pytest.raises(ValueError, match="nyckeltal"):
        lagesbild.indicator_table(demo_store, 2025, "alla")

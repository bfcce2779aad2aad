"""The situation picture's report module (trygghet.reports.lagesbild) on the demo store."""

from __future__ import annotations

import re

import pandas as pd
import pytest

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
    assert category["Brottskategori"].iloc[-2:].tolist() == ["Okänd brottskod", "Totalt"]
    for year in range(2019, 2026):
        col = category[str(year)]
        total = _number(col.iloc[-1])
        assert total == int((offences["year"] == year).sum())  # the total counts every offence, unknown codes too
        parts = col.iloc[:-1]
        hidden = parts.isin(["<5", "–"])
        if not hidden.any():
            assert sum(_number(v) for v in parts) == total, year
        else:
            # the hidden cells hold exactly the rest of the total, and never fewer than two of them
            assert hidden.sum() >= 2, year
            rest = total - sum(_number(v) for v in parts[~hidden])
            unknown = int(((offences["year"] == year) & (offences["category"] == "okand")).sum())
            assert rest >= unknown


def test_category_table_hides_small_counts(category):
    for year in range(2019, 2026):
        for v in category[str(year)]:
            assert not re.fullmatch(r"[1-4]", v), (year, v)


def test_category_table_rows_are_the_code_list(category):
    assert len(category) == len(CATEGORIES) + 2


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

"""The area profile's report module (trygghet.reports.omradesprofil): its heading names the area, and
its safety-walk table shows the same share as the indicator row on the same page (one rule)."""

from __future__ import annotations

import pandas as pd
import pytest

from trygghet.analysis import indicators
from trygghet.data.errors import ParameterError
from trygghet.reports import omradesprofil, wording

INDICATOR = "trygghetsvandring_atgardade"


def _areas(store) -> list[str]:
    return sorted(pd.read_parquet(store / "safety_walks.parquet")["area"].dropna().unique())


def test_title_names_the_area_and_year(demo_store):
    text = omradesprofil.title(demo_store, "Porsön", 2025).data
    assert text.startswith("**Porsön 2025:** Porsön har ") and "#" not in text  # the page's one h1 is its title
    assert omradesprofil.title(demo_store, "Hertsön", 2025).data.startswith("**Hertsön 2025:** Hertsön har ")
    with pytest.raises(ParameterError, match=r"area='Porson' in omradesprofil.ipynb is not an area"):
        omradesprofil.title(demo_store, "Porson", 2025)


def test_safety_walk_table_equals_the_indicator(demo_store):
    """Every year of every area: the table's share is the indicator's value as the page words it, and
    a year the indicator cannot measure yet says "mäts nästa år" instead of a share."""
    checked = 0
    for area in _areas(demo_store):
        table = omradesprofil.safety_walk_display(demo_store, area).set_index("År")
        ind = indicators.compute(demo_store, INDICATOR, area=area).set_index("year")
        column = [c for c in table.columns if c.startswith("Åtgärdade")][0]
        for year, shown in table[column].items():
            year = int(year)
            if year not in ind.index or ind.loc[year, "n"] == 0:
                assert shown == omradesprofil.NOT_YET_MEASURED, (area, year, shown)
                continue
            share = shown.split(" (")[0]
            if ind.loc[year, "n"] < 5:
                assert share == "–"
                continue
            assert share == wording.format_value(INDICATOR, ind.loc[year, "value"]), (area, year)
            checked += 1
    assert checked > 20


def test_profile_row_equals_the_table_on_the_same_page(demo_store):
    """The indicator row of the profile (its latest measured year) and the table's row of that year."""
    for area in ("Porsön", "Björkskatan", "Gammelstad"):
        profile = omradesprofil.profile(demo_store, area, 2025)
        row = omradesprofil.section_display(profile, "Trygghet").set_index("Indikator")
        name = indicators.definition(INDICATOR)["name_sv"]
        year, value = row.loc[name, "År"], row.loc[name, "Området"]
        table = omradesprofil.safety_walk_display(demo_store, area).set_index("År")
        column = [c for c in table.columns if c.startswith("Åtgärdade")][0]
        assert table.loc[year, column].split(" (")[0] == value, (area, year)


def test_this_years_autumn_walks_read_as_not_yet_measured(demo_store):
    walks = pd.read_parquet(demo_store / "safety_walks.parquet")
    assert (walks.loc[walks["year"] == 2025, "date"] > pd.Timestamp("2025-07-04")).all()  # all after mid-year
    for area in _areas(demo_store):
        table = omradesprofil.safety_walk_display(demo_store, area).set_index("År")
        if "2025" in table.index:
            assert table.loc["2025", "Åtgärdade inom 180 dagar"] == omradesprofil.NOT_YET_MEASURED, area


def test_comparisons_and_changes_are_worded_once(demo_store):
    profile = omradesprofil.profile(demo_store, "Centrum", 2025)
    shown = pd.concat([omradesprofil.section_display(profile, s) for s in omradesprofil.SECTIONS])
    assert set(shown["Jämfört med kommunen"]) <= {"bättre", "sämre", "ingen säker skillnad", "–"}
    assert {"sämre"} <= set(shown["Jämfört med kommunen"])  # Centrum's offence rates
    words = {v.split(" (jfr")[0] for v in shown["Sedan föregående mätning"]}
    assert words <= {"ökat", "minskat", "ingen säker förändring", "–"}

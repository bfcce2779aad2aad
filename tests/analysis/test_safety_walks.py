"""The one rule "a safety-walk finding is fixed" (trygghet.analysis.safety_walks), checked by hand, and
the indicator trygghetsvandring_atgardade computed under it."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from trygghet.analysis import indicators, safety_walks
from trygghet.data.errors import ParameterError

END = pd.Timestamp("2025-12-31")  # the demo store's latest offence year is 2025

# walk date, fixed, fixed date, expected status (worked out by hand with a calendar)
CASES = [
    ("2024-03-01", True, "2024-04-01", "fixed"),            # 31 days
    ("2024-03-01", True, "2024-08-28", "fixed"),            # exactly 180 days (30+30+31+30+31+28)
    ("2024-03-01", True, "2024-08-29", "not_fixed"),        # 181 days: too late
    ("2024-03-01", True, None, "not_fixed"),                # marked fixed without a date
    ("2024-03-01", False, None, "not_fixed"),
    ("2025-07-04", False, None, "not_fixed"),               # 4 Jul + 180 days = 31 Dec 2025: window closed
    ("2025-07-05", True, "2025-07-10", "not_yet_measurable"),  # window ends 1 Jan 2026, after the data
]


def _walks(cases=CASES) -> pd.DataFrame:
    dates = pd.to_datetime([c[0] for c in cases])
    return pd.DataFrame({
        "date": dates,
        "year": pd.array(dates.year, dtype="int16"),
        "area": pd.array(["Centrum"] * len(cases), dtype="string"),
        "x": 830000.0, "y": 7290000.0,
        "deficiency": pd.array(["belysning", "klotter", "belysning", "vegetation", "belysning", "klotter", "övrigt"][:len(cases)],
                               dtype="string"),
        "fixed": [c[1] for c in cases],
        "fixed_date": pd.to_datetime([c[2] for c in cases]),
    })


@pytest.fixture(scope="module")
def walk_store(demo_store, tmp_path_factory):
    """The demo store with the hand-made safety walks above."""
    copy = tmp_path_factory.mktemp("walks") / "store"
    shutil.copytree(demo_store, copy, ignore=shutil.ignore_patterns(".cache"))
    _walks().to_parquet(copy / "safety_walks.parquet")
    return copy


def test_finding_status_by_hand():
    status = safety_walks.finding_status(_walks(), END)
    assert list(status) == [c[3] for c in CASES]


def test_window_is_a_parameter():
    status = safety_walks.finding_status(_walks(), END, window_days=30)
    assert list(status[:3]) == ["not_fixed", "not_fixed", "not_fixed"]  # 31 days is past a 30-day window
    with pytest.raises(ParameterError, match="window_days"):
        safety_walks.finding_status(_walks(), END, window_days=0)


def test_without_an_end_every_finding_is_measurable():
    status = safety_walks.finding_status(_walks(), pd.NaT)
    assert "not_yet_measurable" not in set(status) and status.iloc[-1] == "fixed"


def test_data_end_is_31_december_of_the_latest_offence_year(demo_store):
    latest = int(pd.read_parquet(demo_store / "offences.parquet")["year"].max())
    assert safety_walks.data_end(demo_store) == pd.Timestamp(latest, 12, 31)


def test_fixed_by_year_by_hand(walk_store):
    table = safety_walks.fixed_by_year(walk_store, "Centrum").set_index("year")
    # 2024: 5 findings, all measured, 2 fixed in time; 2025: 2 findings, 1 measured (not fixed), 1 open
    assert table.loc[2024, ["findings", "measured", "fixed", "not_yet_measurable"]].tolist() == [5, 5, 2, 0]
    assert table.loc[2025, ["findings", "measured", "fixed", "not_yet_measurable"]].tolist() == [2, 1, 0, 1]
    assert table.loc[2024, "value"] == pytest.approx(2 / 5)
    lo, hi = proportion_confint(2, 5, alpha=0.05, method="wilson")
    assert (table.loc[2024, "lower"], table.loc[2024, "upper"]) == (pytest.approx(lo), pytest.approx(hi))
    assert table.loc[2024, "deficiencies"][0] == "belysning"  # most frequent first (3 of 5)
    assert safety_walks.fixed_by_year(walk_store, "Porsön").empty  # no walks there


def test_the_indicator_follows_the_rule(walk_store):
    res = indicators.compute(walk_store, "trygghetsvandring_atgardade").set_index("year")
    assert res.loc[2024, "value"] == pytest.approx(2 / 5) and res.loc[2024, "n"] == 5
    assert res.loc[2025, "value"] == pytest.approx(0.0) and res.loc[2025, "n"] == 1  # the open finding is left out


def test_table_equals_indicator_on_the_demo_store(demo_store):
    """For every area and year the table's counts give the indicator's value, interval and n."""
    areas = sorted(pd.read_parquet(demo_store / "safety_walks.parquet")["area"].dropna().unique())
    for area in areas:
        table = safety_walks.fixed_by_year(demo_store, area).set_index("year")
        ind = indicators.compute(demo_store, "trygghetsvandring_atgardade", area=area).set_index("year")
        measured = table[table["measured"] > 0]
        assert set(measured.index) == set(ind.index[ind["n"] > 0]), area
        for year, row in measured.iterrows():
            assert row["value"] == pytest.approx(ind.loc[year, "value"]), (area, year)
            assert row["measured"] == ind.loc[year, "n"], (area, year)
            assert row["lower"] == pytest.approx(ind.loc[year, "lower"]), (area, year)

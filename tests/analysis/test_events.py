"""Offences as events in time (trygghet.analysis.events) against counts made independently from the
store's rows."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from trygghet.analysis import disclosure, events, indicators
from trygghet.data.errors import ParameterError


@pytest.fixture(scope="module")
def offences(demo_store):
    return pd.read_parquet(demo_store / "offences.parquet")


def test_select_offences_by_year_and_group(demo_store, offences):
    got = events.select_offences(demo_store, 2025, "vald")
    want = offences[(offences["year"] == 2025) & offences["violent"].fillna(False).astype(bool)]
    assert sorted(got["offence_id"]) == sorted(want["offence_id"])
    both = events.select_offences(demo_store, [2024, 2025], "misshandel")
    assert len(both) == int(((offences["year"].isin([2024, 2025])) & (offences["category"] == "misshandel")).sum())
    with pytest.raises(ParameterError, match="unknown"):
        events.select_offences(demo_store, 2025, "valdsbrott")


def test_time_profile_counts_from_the_start_time(demo_store, offences):
    table = events.time_profile(demo_store, [2024, 2025], "alla")
    assert len(table) == 7 * 24 and list(table.columns) == ["weekday", "hour", "n"]
    timed = offences[offences["year"].isin([2024, 2025]) & offences["start_time_known"].astype(bool)]
    # independent: weekday and hour from the start timestamp, not from the store's derived columns
    want = timed.groupby([timed["start"].dt.day_of_week.rename("weekday"), timed["start"].dt.hour.rename("hour")]).size()
    got = table.set_index(["weekday", "hour"])["n"]
    assert got.sum() == len(timed)
    for key, n in want.items():
        assert got.loc[key] == n


def test_month_profile_has_every_month_and_sums_to_the_year(demo_store, offences):
    table = events.month_profile(demo_store, [2024, 2025], "vald")
    assert len(table) == 24
    for year in (2024, 2025):
        part = offences[(offences["year"] == year) & offences["violent"].astype(bool)]
        assert table.loc[table["year"] == year, "n"].tolist() == [int((part["start"].dt.month == m).sum()) for m in range(1, 13)]


def test_event_effect_against_an_independent_count(demo_store, offences):
    effect = events.event_effect(demo_store, 2025, "alla")
    store_events = pd.read_parquet(demo_store / "events.parquet")
    assert len(effect) == int((store_events["year"] == 2025).sum())
    row = effect[~effect["suppressed"]].iloc[0]
    days = pd.date_range(row["start"].normalize(), row["end"].normalize(), freq="D")
    local = offences if row["area"] == "hela kommunen" else offences[offences["area"] == row["area"]]
    n_event = int(local["start"].dt.normalize().isin(days).sum())
    assert row["n_event"] == n_event and row["event_days"] == len(days)
    assert row["per_day_event"] == pytest.approx(n_event / len(days))
    # the exact interval of the rate ratio from Clopper–Pearson via beta quantiles
    a, b, t1, t2 = n_event, int(row["n_reference"]), len(days), int(row["reference_days"])
    p_lo = stats.beta.ppf(0.025, a, b + 1) if a > 0 else 0.0
    p_hi = stats.beta.ppf(0.975, a + 1, b) if b > 0 else 1.0
    assert row["lower"] == pytest.approx(p_lo / (1 - p_lo) * t2 / t1, rel=1e-6)
    assert row["upper"] == pytest.approx(p_hi / (1 - p_hi) * t2 / t1, rel=1e-6)
    assert row["significant"] == bool(row["lower"] > 1 or row["upper"] < 1)


def test_events_with_small_counts_show_no_rates(demo_store):
    effect = events.event_effect(demo_store, 2025, "ran")  # robbery: few per day
    hidden = effect[effect["suppressed"]]
    assert hidden["ratio"].isna().all() and hidden["per_day_event"].isna().all()
    small = effect[(effect["n_event"].between(1, 4)) | (effect["n_reference"].between(1, 4))]
    assert small["suppressed"].all()


def test_category_counts_add_up_to_the_total(demo_store, offences):
    table = events.category_counts(demo_store, until=2025)
    for year, part in table.groupby("year"):
        total = part.loc[part["category"] == events.ALL_OFFENCES, "n"].iloc[0]
        assert total == int((offences["year"] == year).sum())
        assert part.loc[part["category"] != events.ALL_OFFENCES, "n"].sum() == total
    unknown = table[table["category"] == "okand"].set_index("year")["n"]
    want = offences[offences["category"] == "okand"].groupby("year").size()
    assert unknown.sum() == want.sum() > 0  # the demo has offences with unknown codes


def test_category_counts_equal_the_category_indicators(demo_store):
    table = events.category_counts(demo_store).set_index(["category", "year"])["n"]
    for cat in ("misshandel", "bostadsinbrott", "vapen"):
        ind = indicators.compute(demo_store, f"brott_{cat}", threshold=1)
        for r in ind.itertuples(index=False):
            assert table.loc[(cat, int(r.year))] == r.numerator, (cat, r.year)


def test_category_counts_through_the_gate_reveal_no_small_count(demo_store):
    table = events.category_counts(demo_store)
    protected = disclosure.suppress_counts(table, "n", by=["category", "year"], total=events.ALL_OFFENCES)
    small = table["n"].between(1, 4)
    assert protected.loc[small, "n"].isna().all()
    for year, part in protected.groupby("year"):
        hidden = int(part["n"].isna().sum())
        assert hidden == 0 or hidden >= 2, year  # never one hidden cell beside its total

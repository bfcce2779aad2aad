"""The one rule "a situational measure covers a cell" (trygghet.analysis.coverage), on hand-computed cases."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from trygghet.analysis import coverage, hotspots
from trygghet.data.errors import DataError, ParameterError

X0, Y0 = 800_000.0, 7_300_000.0
HOT = f"100mN{int(Y0 + 1000)}E{int(X0 + 1000)}"  # the cell [X0+1000, X0+1100] × [Y0+1000, Y0+1100]


@pytest.fixture(scope="module")
def cells():
    pts = pd.DataFrame({"x": np.r_[np.full(60, X0 + 1050.0), np.linspace(X0, X0 + 2000, 40)],
                        "y": np.r_[np.full(60, Y0 + 1050.0), np.linspace(Y0, Y0 + 2000, 40)]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = hotspots.analyse(pts, cell_size=100, bandwidth=100, correction="none")
    res["hotspot"] = res["cell_id"] == HOT  # one flagged cell, so the distances below are easy to check
    return res


def _measure(mid, x, y, status="pågående", start="2024-01-01", end=None, level="situationell"):
    return {"measure_id": mid, "name": mid, "level": level, "status": status, "start": pd.Timestamp(start),
            "end": pd.NaT if end is None else pd.Timestamp(end), "x": x, "y": y}


def test_status_and_dates_by_hand():
    m = pd.DataFrame([
        _measure("running", 0, 0, "pågående", "2020-01-01"),
        _measure("done_in_year", 0, 0, "genomförd", "2025-03-01", "2025-05-31"),
        _measure("done_before", 0, 0, "genomförd", "2022-06-01", "2022-07-10"),
        _measure("ended_1_jan", 0, 0, "pågående", "2024-08-15", "2025-01-01"),
        _measure("starts_next_year", 0, 0, "pågående", "2026-01-15"),
        _measure("planned", 0, 0, "planerad", "2025-01-01"),
        _measure("cancelled", 0, 0, "avbruten", "2025-01-01", "2025-12-31"),
        {**_measure("no_dates", 0, 0, "pågående"), "start": pd.NaT},
    ])
    active = coverage.active_in_year(m, 2025)
    assert m.loc[active, "measure_id"].tolist() == ["running", "done_in_year", "ended_1_jan", "no_dates"]
    # 2022: the one completed that year counts, the measure planned for 2025 and the later ones do not
    assert m.loc[coverage.active_in_year(m, 2022), "measure_id"].tolist() == ["running", "done_before", "no_dates"]


def test_distance_to_the_cell_polygon_by_hand(cells):
    m = pd.DataFrame([
        _measure("A_inside", X0 + 1050, Y0 + 1050),          # inside the cell: 0 m
        _measure("B_300m_east", X0 + 1400, Y0 + 1050),       # 1400 − 1100 = 300 m: covers (≤ 300)
        _measure("C_corner", X0 + 1100 + 240, Y0 + 1100 + 180),  # √(240² + 180²) = 300 m from the corner
        _measure("D_301m", X0 + 1050, Y0 + 1000 - 301),      # 301 m south: does not cover
        _measure("E_planned", X0 + 1050, Y0 + 1050, "planerad"),
        _measure("F_done_2022", X0 + 1050, Y0 + 1050, "genomförd", "2022-01-01", "2022-12-31"),
        _measure("G_universal", X0 + 1050, Y0 + 1050, level="universell"),
        _measure("H_no_place", np.nan, np.nan),
    ])
    out = coverage.covers_cells(cells, m, 2025, distance=300)
    assert len(out) == 1
    row = out.iloc[0]
    assert row["cell_id"] == HOT and bool(row["covered"])
    assert row["measure_ids"] == "A_inside, B_300m_east, C_corner" and row["measures"] == 3
    assert row["nearest_measure_m"] == 0.0
    # without the three covering ones, the nearest eligible measure is 301 m away: not covered
    rest = m[~m["measure_id"].isin(["A_inside", "B_300m_east", "C_corner"])]
    out = coverage.covers_cells(cells, rest, 2025, distance=300)
    assert not out["covered"].iloc[0] and out["measure_ids"].iloc[0] == ""
    assert out["nearest_measure_m"].iloc[0] == pytest.approx(301.0)
    # the completed 2022 measure covers the cell in 2022 only
    assert coverage.covers_cells(cells, rest, 2022, distance=300)["measure_ids"].iloc[0] == "F_done_2022"
    assert coverage.covers_cells(cells, m, 2025, distance=299.5)["measure_ids"].iloc[0] == "A_inside"


def test_findings_and_empty_inputs(cells):
    walks = pd.DataFrame({"x": [X0 + 1050, X0 + 1150, X0 + 3000], "y": [Y0 + 1050, Y0 + 1150, Y0],
                          "fixed": [True, False, False]})
    out = coverage.covers_cells(cells, None, 2025, safety_walks=walks)
    assert out[["findings", "findings_fixed", "findings_not_fixed"]].iloc[0].tolist() == [2, 1, 1]
    assert out["measures"].tolist() == [0] and not out["covered"].iloc[0]
    assert out.attrs["year"] == 2025 and out.attrs["distance"] == 300.0
    with pytest.raises(ParameterError, match="distance"):
        coverage.covers_cells(cells, None, 2025, distance=-1)
    with pytest.raises(ParameterError, match="year"):
        coverage.covers_cells(cells, None, "2025")
    with pytest.raises(DataError, match="status"):
        coverage.covering_measures(pd.DataFrame({"measure_id": ["a"], "level": ["situationell"], "x": [1.0], "y": [1.0]}), 2025)


def test_uncovered_by_area_counts_per_area():
    cov = pd.DataFrame({"cell_id": list("abcdef"), "area": pd.array(["Centrum", "Centrum", "Porsön", None, "Porsön", "Porsön"],
                                                                   dtype="string"),
                        "covered": [True, False, False, False, False, True],
                        "nearest_measure_m": [0.0, 420.0, 800.0, np.nan, 350.0, 10.0]})
    out = coverage.uncovered_by_area(cov)
    assert out["area"].tolist() == ["Porsön", "Centrum", coverage.OUTSIDE_AREAS]
    assert out["cells"].tolist() == [3, 2, 1] and out["uncovered"].tolist() == [2, 1, 1]
    assert out["farthest_nearest_m"].iloc[:2].tolist() == [800.0, 420.0] and np.isnan(out["farthest_nearest_m"].iloc[2])


def test_for_store_uses_the_store_rule_and_checks_the_cells(demo_store):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cells = hotspots.for_store(demo_store, 2025, "alla", cell_size=250)
        cov = coverage.for_store(demo_store, 2025, cells=cells)
        again = coverage.for_store(demo_store, 2025)
    pd.testing.assert_frame_equal(cov, again)
    measures = pd.read_parquet(demo_store / "measures.parquet")
    eligible = coverage.covering_measures(measures, 2025)
    assert set(eligible["status"]) <= {"pågående", "genomförd"} and (eligible["level"] == "situationell").all()
    used = {m for ids in cov["measure_ids"] for m in ids.split(", ") if m}
    assert used <= set(eligible["measure_id"])
    with pytest.raises(ParameterError, match="same year"):
        coverage.for_store(demo_store, 2024, cells=cells)

"""Concentration: the 80-20 table, the Gini and the stability of the top cells against hand-computed
values (and scipy's Spearman)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from trygghet.analysis.hotspots import concentration as con
from trygghet.data.errors import ParameterError

COUNTS = [0, 3, 0, 10, 1, 0, 5, 0, 1, 0]  # n = 10 cells, N = 20 offences


def test_eighty_twenty_table_by_hand():
    table = con.concentration_table(COUNTS, shares=(0.1, 0.2, 0.3, 0.5))
    # sorted: 10, 5, 3, 1, 1, 0 ...: top 1 cell 10/20, top 2 15/20, top 3 18/20, top 5 20/20
    assert table["cells"].tolist() == [1, 2, 3, 5, 5]
    assert table["offences"].tolist() == [10, 15, 18, 20, 20]
    assert table["offence_share"].tolist() == pytest.approx([0.5, 0.75, 0.9, 1.0, 1.0])
    assert table["cell_share"].iloc[-1] == pytest.approx(0.5)  # the last row: cells with any offence
    assert table.attrs["cells_with_offences"] == 5 and table.attrs["n_offences"] == 20
    assert table.attrs["cells_for_half"] == pytest.approx(0.1)  # the top cell holds exactly half
    assert table.attrs["cells_for_80"] == pytest.approx(0.3)  # 15 < 16 <= 18


def test_gini_by_hand_and_by_mean_difference():
    # ascending 0,0,0,0,0,1,1,3,5,10: 2·Σ i·x_i / (n·N) − (n+1)/n = 2·182/200 − 1.1 = 0.72
    assert con.gini(COUNTS) == pytest.approx(0.72)
    x = np.array(COUNTS, dtype=float)
    assert con.gini(COUNTS) == pytest.approx(np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean()))
    assert con.gini([4, 4, 4]) == pytest.approx(0.0)
    assert con.gini([0, 0, 0, 7]) == pytest.approx(0.75)  # (n − 1)/n
    assert np.isnan(con.gini([0, 0]))


def test_curve_runs_from_zero_to_one():
    curve = con.concentration_curve(COUNTS)
    assert curve["cell_share"].iloc[0] == 0 and curve["offence_share"].iloc[0] == 0
    assert curve["cell_share"].iloc[-1] == 1 and curve["offence_share"].iloc[-1] == pytest.approx(1)
    assert (np.diff(curve["offence_share"]) >= 0).all()
    # 1 − 2 × area under the ascending Lorenz curve is the Gini; the descending curve mirrors it
    lorenz = np.concatenate([[0], np.cumsum(np.sort(COUNTS)) / 20])
    area = np.sum((lorenz[1:] + lorenz[:-1]) / 2) / len(COUNTS)
    assert 1 - 2 * area == pytest.approx(con.gini(COUNTS))


def test_top_cells_hold_the_share_with_ties_kept():
    counts = pd.Series([9, 7, 7, 2, 0], index=list("abcde"))  # N = 25: half is 12.5 -> 9 + 7 (tie at 7 kept)
    assert list(con.top_cells(counts)) == ["a", "b", "c"]
    assert list(con.top_cells(counts, 0.3)) == ["a"]  # 9 >= 7.5
    assert list(con.top_cells(pd.Series([0, 0], index=["a", "b"]))) == []


def test_stability_of_top_cells_by_hand():
    cells = [f"c{i}" for i in range(20)]
    a = pd.Series(0, index=cells)
    b = pd.Series(0, index=cells)
    a[["c0", "c1", "c2", "c5"]] = [9, 7, 7, 2]  # half of 25: c0 and c1 reach 16; c2 ties with c1: 3 top cells
    b[["c0", "c2", "c3", "c5"]] = [8, 1, 8, 3]  # half of 20: c0 (8) and c3 (8, tie) reach 16
    by_year = pd.DataFrame({2024: a, 2025: b})
    out = con.stability(by_year).iloc[0]
    assert (out["year_from"], out["year_to"], out["top_cells"], out["kept"]) == (2024, 2025, 3, 1)
    assert out["kept_share"] == pytest.approx(1 / 3)
    assert out["next_year_share"] == pytest.approx((8 + 0 + 1) / 20)
    assert out["cell_share"] == pytest.approx(3 / 20)
    assert out["spearman"] == pytest.approx(stats.spearmanr(a, b).statistic)


def test_bad_shares_are_refused():
    with pytest.raises(ParameterError, match="share"):
        con.concentration_table(COUNTS, shares=(0, 0.5))
    with pytest.raises(ParameterError, match="offence_share"):
        con.top_cells(pd.Series([1, 2]), offence_share=1.5)
    with pytest.raises(ParameterError, match="negative"):
        con.gini([1, -1])

"""Risk relative to population: the exact local Poisson test and the dual KDE against hand-computed
values, and simulations showing that uniform risk gives ratios near 1 and almost nothing flagged while
a planted excess is found."""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box
from trygghet.analysis import hotspots
from trygghet.analysis.hotspots import risk
from trygghet.data.errors import ParameterError

X0, Y0, SIZE = 800_000.0, 7_300_000.0, 100.0


def _grid(counts: np.ndarray, bandwidth: float = 150.0) -> gpd.GeoDataFrame:
    """An analyse() result on a ny × nx block of 100 m cells whose counts are ``counts`` (row 0 south)."""
    ny, nx = counts.shape
    rows, cols = np.nonzero(counts)
    reps = counts[rows, cols].astype(int)
    pts = pd.DataFrame({"x": np.repeat(X0 + (cols + 0.5) * SIZE, reps), "y": np.repeat(Y0 + (rows + 0.5) * SIZE, reps)})
    area = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + nx * SIZE, Y0 + ny * SIZE)], crs="EPSG:3006")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hotspots.analyse(pts, cell_size=SIZE, bandwidth=bandwidth, study_area=area)


def _by_position(cells: gpd.GeoDataFrame, values: np.ndarray) -> pd.Series:
    centres = hotspots.cell_centres(cells)
    c = np.floor((centres["x"] - X0) / SIZE).astype(int).to_numpy()
    r = np.floor((centres["y"] - Y0) / SIZE).astype(int).to_numpy()
    return pd.Series(values[r, c].astype(float), index=cells.index)


def _cell(cells, r, c):
    centres = hotspots.cell_centres(cells)
    hit = (np.isclose(centres["x"], X0 + (c + 0.5) * SIZE)) & (np.isclose(centres["y"], Y0 + (r + 0.5) * SIZE))
    return cells.index[np.asarray(hit)][0]


def test_local_rate_test_equals_hand_computed_poisson_tail():
    counts = np.zeros((5, 5))
    counts[2, 2], counts[2, 3], counts[1, 1], counts[4, 4], counts[0, 4] = 6, 2, 1, 3, 2  # N = 14
    pop = np.full((5, 5), 10.0)
    pop[2, 2] = 40.0  # P = 24·10 + 40 = 280
    cells = _grid(counts)
    result = risk.local_rate_test(cells, _by_position(cells, pop), min_population=1, correction="none")
    i = _cell(cells, 2, 2)
    # neighbourhood of (2, 2): rows 1..3, cols 1..3 -> counts 6 + 2 + 1 = 9, population 8·10 + 40 = 120
    observed, expected = 9, 14 * 120 / 280
    tail = 1.0 - sum(math.exp(-expected) * expected**k / math.factorial(k) for k in range(observed))
    row = result.loc[i]
    assert row["observed"] == observed and row["nb_population"] == 120
    assert row["expected"] == pytest.approx(expected) and row["ratio"] == pytest.approx(observed / expected)
    assert row["pvalue"] == pytest.approx(tail, rel=1e-9)
    assert row["rate_per_1000"] == pytest.approx(1000 * 9 / 120)
    # a corner: (4, 4) has neighbours (3, 3), (3, 4), (4, 3) only -> 3 offences, 40 inhabitants
    corner = result.loc[_cell(cells, 4, 4)]
    assert corner["observed"] == 3 and corner["nb_population"] == 40
    e = 14 * 40 / 280
    assert corner["pvalue"] == pytest.approx(1.0 - sum(math.exp(-e) * e**k / math.factorial(k) for k in range(3)))


def test_min_population_leaves_empty_neighbourhoods_untested_and_fdr_adjusts():
    counts = np.zeros((6, 6))
    counts[0, 0] = 5
    pop = np.full((6, 6), 30.0)
    pop[:2, :2] = 0.0  # nobody lives around (0, 0)
    cells = _grid(counts)
    result = risk.local_rate_test(cells, _by_position(cells, pop), min_population=50)
    assert np.isnan(result.loc[_cell(cells, 0, 0), "pvalue"])  # 0 inhabitants in its neighbourhood
    tested = result["pvalue"].notna()
    assert result.attrs["tested"] == int(tested.sum()) < len(cells)
    p = result.loc[tested, "pvalue"].to_numpy()
    order = np.argsort(p)
    bh = np.minimum.accumulate((p[order] * len(p) / np.arange(1, len(p) + 1))[::-1])[::-1]
    assert result.loc[tested, "pvalue_adj"].to_numpy()[order] == pytest.approx(np.minimum(bh, 1.0))


def test_dual_kde_equals_hand_computed_ratio():
    counts = np.zeros((5, 5))
    counts[2, 2], counts[2, 3], counts[3, 3] = 4, 2, 1
    pop = np.zeros((5, 5))
    pop[2, 2], pop[1, 2], pop[3, 3] = 90.0, 60.0, 30.0
    cells = _grid(counts, bandwidth=150.0)
    out = risk.dual_kde(cells, _by_position(cells, pop), min_population=0)
    # quartic weights (1 - d²/h²)² at d = 0, 100 and 141.4 m with h = 150 m: 1, 25/81, 1/81 (sum 185/81)
    w0, w1, w2, norm = 1.0, 25 / 81, 1 / 81, 185 / 81
    km2 = 0.01
    kde_off = (w0 * 4 + w1 * 2 + w2 * 1) / norm / km2  # at (2, 2): itself, rook (2, 3), diagonal (3, 3)
    kde_pop = (w0 * 90 + w1 * 60 + w2 * 30) / norm / km2
    row = out.loc[_cell(cells, 2, 2)]
    assert row["kde_offences"] == pytest.approx(kde_off, rel=1e-6)
    assert row["kde_population"] == pytest.approx(kde_pop, rel=1e-6)
    assert row["ratio"] == pytest.approx(kde_off / kde_pop, rel=1e-6)
    assert row["relative_risk"] == pytest.approx((kde_off / kde_pop) / (7 / 180), rel=1e-6)
    far = out.loc[_cell(cells, 0, 4)]  # nobody within the bandwidth: no ratio
    assert far["kde_population"] == 0 and np.isnan(far["ratio"])


def _simulate(rng, pop: np.ndarray, risk_factor: np.ndarray, n: int) -> np.ndarray:
    weights = (pop * risk_factor).ravel()
    return rng.multinomial(n, weights / weights.sum()).reshape(pop.shape).astype(float)


def test_uniform_risk_gives_ratios_near_one_and_few_flags_and_an_excess_is_found():
    rng = np.random.default_rng([2580, 1104])
    ny = nx = 30
    yy, xx = np.mgrid[0:ny, 0:nx]
    pop = np.rint(400 * np.exp(-((xx - 12) ** 2 + (yy - 15) ** 2) / 120.0) + rng.integers(0, 30, (ny, nx)))
    flagged, medians = [], []
    for _ in range(20):
        counts = _simulate(rng, pop, np.ones_like(pop), 3000)
        cells = _grid(counts, bandwidth=250.0)
        people = _by_position(cells, pop)
        test = risk.local_rate_test(cells, people)
        flagged.append(test["high_risk"].mean())
        kde = risk.dual_kde(cells, people, bandwidth=250.0, min_population=200)
        medians.append(np.nanmedian(kde["relative_risk"]))
    assert max(flagged) <= 0.05 and np.mean(flagged) <= 0.01
    assert np.mean(medians) == pytest.approx(1.0, abs=0.05)
    # three times the risk in a 3 × 3 block of populated cells: the test finds it
    factor = np.ones_like(pop)
    factor[14:17, 10:13] = 3.0
    counts = _simulate(rng, pop, factor, 3000)
    cells = _grid(counts, bandwidth=250.0)
    test = risk.local_rate_test(cells, _by_position(cells, pop))
    assert test.loc[_cell(cells, 15, 11), "high_risk"]
    assert test["high_risk"].mean() < 0.1


def test_population_must_align_with_the_cells():
    cells = _grid(np.ones((3, 3)))
    with pytest.raises(ParameterError, match="aligned"):
        risk.local_rate_test(cells, pd.Series([1.0, 2.0]))
    with pytest.raises(ParameterError, match="correction"):
        risk.local_rate_test(cells, pd.Series(1.0, index=cells.index), correction="holm")

"""Small versions of benchmarks/bench_calibration.py (issue 11, item 2): on a town of populated land,
Gi* with the FDR flags hardly any cell when every place is equally risky, finds planted clusters at 3× the
local intensity, and flags where people are when risk follows the population ("many offences")."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from trygghet.analysis import hotspots as hs
from trygghet.analysis.hotspots import calibration
from trygghet.analysis.hotspots import study_area as sa
from trygghet.data.errors import ParameterError

X0, Y0 = 800_000.0, 7_300_000.0


@pytest.fixture(scope="module")
def town():
    """An 8 × 8 km town of 1 km squares, dense in the middle; its populated land on 250 m cells."""
    i = np.arange(64)
    x, y = X0 + 1000.0 * (i % 8), Y0 + 1000.0 * (i // 8)
    d2 = ((x + 500 - (X0 + 4000)) ** 2 + (y + 500 - (Y0 + 4000)) ** 2) / 2500.0**2
    squares = pd.DataFrame({"x": x, "y": y, "size": 1000, "year": 2025,
                            "population": np.rint(2000 * np.exp(-d2 / 2)).astype(int) + 5})
    land = sa.populated_geometry(squares, buffer=0)
    seed_points = pd.DataFrame({"x": [X0 + 100, X0 + 7900], "y": [Y0 + 100, Y0 + 7900]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grid = hs.analyse(seed_points, cell_size=250, study_area=land, bandwidth=500)
    return grid, sa.population_per_cell(squares, grid, year=2025)


def test_calibration_on_a_small_town(town):
    grid, people = town
    table = calibration.calibrate(grid, n_points=3000, local_intensity=12.0, population=people, reps=10,
                                  multipliers=(3.0,), seed=11).set_index("world")
    assert len(grid) == 1024
    assert table.loc["uniform", "flagged_share"] <= 0.05  # the target: ≤ 5 % under uniform risk
    assert table.loc["clusters_3x", "recall"] >= 0.8  # the target: ≥ 80 % at 3×
    assert table.loc["clusters_3x", "precision"] > 0.2
    # risk in proportion to the people: Gi* on counts flags where many people are ("many offences")
    assert table.loc["population", "flagged_share"] > 5 * table.loc["uniform", "flagged_share"]
    assert np.isnan(table.loc["uniform", "recall"])


def test_planted_clusters_are_connected_and_apart(town):
    grid, people = town
    rng = np.random.default_rng(3)
    clusters = calibration.plant_clusters(rng, grid, 3, weights=people)
    seen = set()
    rows, cols = grid["row"].to_numpy(), grid["col"].to_numpy()
    for cells in clusters:
        assert 4 <= len(cells) <= 9 and not seen & set(cells)
        seen |= set(cells)
        for c in cells[1:]:  # every cell touches another cell of its cluster (queen)
            assert any(abs(rows[c] - rows[o]) <= 1 and abs(cols[c] - cols[o]) <= 1 for o in cells if o != c)
    with pytest.raises(ParameterError):
        calibration.calibrate(grid, n_points=0, local_intensity=1.0)

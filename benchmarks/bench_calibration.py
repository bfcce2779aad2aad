"""Calibration of the hot-spot classes on the demo's populated land (issue 11, item 2).

Builds the demo's study area exactly as a report does (populated squares of the demo's 2025 population
grid, widened by the default buffer, clipped to the municipality; 250 m cells) and the demo's 2025
offences (scale 1), then runs :func:`trygghet.analysis.hotspots.calibration.calibrate`:

* (a) ``uniform`` — the demo's number of offences placed uniformly over the study area (no place riskier
  than another): share of cells flagged hot; target ≤ 5 %;
* (b) ``population`` — the same number in proportion to the people in each cell (no local excess of
  risk): share flagged (these are "many offences", not "high risk");
* (c) 3 planted clusters of 4–9 cells at 2× and 3× the local intensity, on a uniform background at the
  local intensity where the demo's offences would happen if risk followed the population (the
  offence-weighted median of the expected offences per cell; lower than the demo's observed one, whose
  hot places make it higher), planted where people live: recall (planted cells flagged) and precision; target recall ≥ 80 %
  at 3×.

For the default settings (``hotspots.for_store``'s: Gi*, Benjamini–Hochberg FDR at 5 %, normal
inference) and, for comparison, permutation inference (esda's crand, 9 999 permutations). The default
was chosen from these figures (docs/hotspots-study-area.md). The last line is exactly
``calibration: null_flagged=<percent> recall=<percent>`` (default settings, recall at 3×).

Run: ``.venv/bin/python benchmarks/bench_calibration.py [--reps N]`` (about half a minute).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from trygghet.analysis import hotspots
from trygghet.analysis.hotspots import calibration
from trygghet.analysis.hotspots import study_area as sa
from trygghet.data.demo import _geo, _grid, _offences, _population
from trygghet.data.ingest import read_code_list

DEFAULTS = {"inference": "normal", "correction": "fdr_bh", "alpha": 0.05}
COMPARE = {"inference": "permutation", "permutations": 9999, "correction": "fdr_bh", "alpha": 0.05}


def demo_world(seed: int = 2580):
    """The demo's 2025 offences (placed) and its populated land on 250 m cells: (result, population)."""
    geo = _geo.load_geography()
    pop = _population.population(geo.areas)
    grid = _grid.population_grid(np.random.default_rng([seed, _grid.K_GRID]), geo, pop)
    squares = pd.DataFrame({"x": grid["x_sweref99tm"].astype(float), "y": grid["y_sweref99tm"].astype(float),
                            "size": grid["storlek"].astype(int), "year": grid["år"].astype(int),
                            "population": grid["befolkning"].astype(int)})
    squares = squares[squares["year"] == 2025]
    offences = _offences.generate_offences(np.random.default_rng(seed).spawn(7)[0], geo, pop, read_code_list(), 1.0)
    placed = offences[(offences["year"] == 2025) & offences["x"].notna()]
    land = sa.populated_geometry(squares, buffer=sa.DEFAULT_BUFFER, outline=geo.outline)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = hotspots.analyse(placed[["x", "y"]], cell_size=250, study_area=land, **DEFAULTS)
    result.attrs["year"] = 2025
    return result, sa.population_per_cell(squares, result), len(placed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20, help="runs of each world (default settings)")
    parser.add_argument("--compare-reps", type=int, default=5, help="runs of each world with permutations")
    args = parser.parse_args()
    start = time.perf_counter()
    demo, population, placed = demo_world()
    n = demo["n"].to_numpy()
    observed = float(np.median(np.repeat(n, n)))  # the count of the cell an offence happened in, its median
    expected = demo.attrs["n_points"] * population.to_numpy() / population.sum()  # risk ∝ population
    order = np.argsort(expected)
    weight = np.cumsum(expected[order]) / expected.sum()
    local = float(expected[order][np.searchsorted(weight, 0.5)])  # offence-weighted median of it (lower)
    a = demo.attrs
    print(f"study area: populated land (buffer {sa.DEFAULT_BUFFER:g} m), {len(demo):,} cells of 250 m, "
          f"{a['study_km2']:,.0f} km²; demo 2025: {placed:,} placed offences, {a['n_points']:,} inside, "
          f"{a['n_outside']:,} outside the study area")
    print(f"local intensity where offences happen, offence-weighted median per cell: {local:.1f} if risk followed "
          f"the population (used for the clusters), {observed:g} in the demo's offences (hot places included); "
          f"demo hot spots: {int(demo['hotspot'].sum()):,} cells")
    rows = {}
    for label, options, reps in (("default", DEFAULTS, args.reps), ("permutation", COMPARE, args.compare_reps)):
        t0 = time.perf_counter()
        table = calibration.calibrate(demo, n_points=a["n_points"], local_intensity=local, population=population,
                                      reps=reps, **options)
        rows[label] = table
        print(f"\n{label}: {options} ({reps} runs per world, {time.perf_counter() - t0:.1f} s)")
        for r in table.itertuples():
            extra = "" if np.isnan(r.recall) else f"  recall {100 * r.recall:5.1f} %  precision {100 * r.precision:5.1f} %"
            print(f"  {r.world:<14} flagged {100 * r.flagged_share:6.2f} % of cells ({r.flagged_cells_per_run:7.1f} per run){extra}")
    table = rows["default"].set_index("world")
    null_flagged = 100 * table.loc["uniform", "flagged_share"]
    recall = 100 * table.loc["clusters_3x", "recall"]
    ok = null_flagged <= 5.0 and recall >= 80.0
    print(f"\ntargets (null flagged ≤ 5 %, recall ≥ 80 % at 3×): {'met' if ok else 'NOT met'}; "
          f"total {time.perf_counter() - start:.1f} s")
    print(f"calibration: null_flagged={null_flagged:.1f}% recall={recall:.1f}%")


if __name__ == "__main__":
    main()

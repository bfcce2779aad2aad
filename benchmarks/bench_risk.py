"""Calibration of the risk views (issue 11, item 4) on the demo's own population grid.

Builds a small demo store, takes the 2025 hot-spot grid of all offences (populated land, 250 m cells)
and the population per cell, then simulates ``--runs`` years of offences whose risk per inhabitant is
the same everywhere (each offence in a cell drawn with probability proportional to its population,
as many offences as the demo year has) and runs the exact local Poisson test (FDR) and the dual KDE on
each. Printed: the share of tested neighbourhoods flagged as high risk (target ≤ 5 %), the median and
the 10th–90th percentiles of the dual KDE's relative risk where it is defined (target ≈ 1), and — for a
planted excess of 3× (and 2×) the risk in the 3 × 3 cells around the most populated cell — how often the test
flags that cell (recall; the last line gives 3×). Also the time of one Knox test of 2 000 events with 999 permutations.

Run: ``.venv/bin/python benchmarks/bench_risk.py [--runs 20] [--seed 2580]``. The last line is
``risk: null_flagged=<percent> median_ratio=<ratio> recall=<percent>``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from trygghet.analysis import hotspots
from trygghet.analysis.hotspots import near_repeat, risk
from trygghet.analysis.hotspots import study_area as sa
from trygghet.data.demo import write_demo
from trygghet.data.ingest import ingest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2580)
    args = parser.parse_args()
    rng = np.random.default_rng([args.seed, 1108])
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_demo(Path(tmp) / "raw", seed=args.seed, scale=0.2)
        ingest(Path(tmp) / "raw", Path(tmp) / "store")
        cells = hotspots.for_store(Path(tmp) / "store", 2025, "alla", cell_size=250)
        population = sa.population_per_cell(Path(tmp) / "store", cells)
    n_offences = int(cells["n"].sum())
    pop = population.to_numpy()
    print(f"grid: {len(cells):,} cells of 250 m, {pop.sum():,.0f} inhabitants, {n_offences:,} offences a year")
    flagged, ratios = [], []
    for _ in range(args.runs):
        sim = cells.assign(n=rng.multinomial(n_offences, pop / pop.sum()))
        test = risk.local_rate_test(sim, population)
        flagged.append(test["high_risk"].sum() / max(test.attrs["tested"], 1))
        ratios.append(risk.dual_kde(sim, population)["relative_risk"].dropna().to_numpy())
    allr = np.concatenate(ratios)
    top = int(np.argmax(pop))
    r0, c0 = int(cells["row"].iloc[top]), int(cells["col"].iloc[top])
    block = ((cells["row"] - r0).abs() <= 1).to_numpy() & ((cells["col"] - c0).abs() <= 1).to_numpy()
    recall = {}
    for factor in (3.0, 2.0):
        weights = pop * np.where(block, factor, 1.0)
        hits = 0
        for _ in range(args.runs):
            sim = cells.assign(n=rng.multinomial(n_offences, weights / weights.sum()))
            hits += bool(risk.local_rate_test(sim, population)["high_risk"].iloc[top])
        recall[factor] = hits / args.runs
    print(f"uniform risk: {100 * np.mean(flagged):.2f} % of tested neighbourhoods flagged on average "
          f"(max {100 * np.max(flagged):.2f} %) over {args.runs} runs")
    print(f"dual KDE relative risk under uniform risk: median {np.median(allr):.3f}, "
          f"10-90 % {np.percentile(allr, 10):.3f}-{np.percentile(allr, 90):.3f}")
    for factor, share in recall.items():
        print(f"planted {factor:g}x risk in the 3 x 3 cells around the most populated cell: flagged in "
              f"{100 * share:.0f} % of {args.runs} runs")
    x, y = rng.uniform(0, 6000, 2000), rng.uniform(0, 6000, 2000)
    t = np.floor(rng.uniform(0, 3 * 365, 2000))
    start = time.perf_counter()
    result = near_repeat.knox(x, y, t)
    print(f"knox: 2 000 events, {result.attrs['pairs']:,} pairs within 500 m, 999 permutations: "
          f"{time.perf_counter() - start:.2f} s")
    print(f"risk: null_flagged={100 * np.mean(flagged):.1f}% median_ratio={np.median(allr):.2f} "
          f"recall={100 * recall[3.0]:.1f}%")


if __name__ == "__main__":
    main()

"""Benchmark of the alarms (``trygghet.analysis.alarms``): false-alarm rate and detection, by simulation.

In control: ``--families`` simulated weeks, each testing a family of ``--series`` weekly series at once
(three years of history; a mean drawn between 1 and 15 a week, dispersion 1–1.6, a yearly trend between
−10 % and +10 %, a seasonal wave of ±30 %), with the Bonferroni level the digest uses for a week of that
many series (alpha / (2 × series): the week's count and the 4-week sum). The false-alarm rate is the
share of weeks with at least one alarm (what a reader of the digest would see); nominal is ``alpha``.

Detection: ``--steps`` series of the same kind whose mean doubles (+100 %) from a week on and stays
doubled; detected when the week's count or the 4-week sum alarms in one of the first 4 weeks, tested at
the same level as in the family. The reference scenario draws the mean before the step between 10 and
20 a week (an area's busiest categories, or a category in the whole municipality); the detection at
fixed means is printed above it: at 5 a week about 60 % are found, at 2 a week rarely (monthly series
are the tool there).

Run: ``.venv/bin/python benchmarks/bench_alarms.py [--families 300] [--series 40] [--steps 200]``
(a few minutes of CPU).
Targets (issue 14): false_alarm_rate ≤ nominal, detected_within_4_weeks ≥ 80 %.
The last line is ``alarms: false_alarm_rate=<percent> nominal=<percent> detected_within_4_weeks=<percent>``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from trygghet.analysis import alarms

HISTORY = 156  # weeks (three years)


def draw(rng: np.random.Generator, n: int, mean: float | None = None, step_at: int | None = None) -> np.ndarray:
    mean = rng.uniform(1.0, 15.0) if mean is None else mean
    return alarms.simulate_counts(rng, n, mean, phi=rng.uniform(1.0, 1.6), trend=rng.uniform(-0.1, 0.1),
                                  season=0.3, freq="week", step_at=step_at, step_factor=2.0 if step_at else 1.0)


def tested(y: np.ndarray, week: int, s: alarms.Settings, n_tests: int) -> bool:
    """Does the method alarm at index ``week`` (0-based) of ``y``, seeing only what came before?"""
    recent = y[week - s.window + 1: week + 1]
    history = y[: week - s.window + 1 - s.guard]
    res = alarms.test_series(history, recent, "week", s, n_tests=n_tests)
    return bool(res and res["alarm"])


def in_control(rng, families: int, series: int, s: alarms.Settings) -> float:
    weeks_with_alarm = 0
    for _ in range(families):
        weeks_with_alarm += any(tested(draw(rng, HISTORY), HISTORY - 1, s, 2 * series) for _ in range(series))
    return weeks_with_alarm / families


def detection(rng, steps: int, series: int, s: alarms.Settings, mean: float | None = None,
              low: float = 10.0, high: float = 20.0) -> float:
    found = 0
    for _ in range(steps):
        start = HISTORY - 4
        y = draw(rng, HISTORY, rng.uniform(low, high) if mean is None else mean, step_at=start)
        found += any(tested(y, start + k, s, 2 * series) for k in range(4))
    return found / steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--families", type=int, default=300, help="simulated weeks in control (default 300)")
    ap.add_argument("--series", type=int, default=40, help="series tested together each week (default 40)")
    ap.add_argument("--steps", type=int, default=200, help="simulated series with a +100 %% step (default 200)")
    ap.add_argument("--alpha", type=float, default=0.05, help="nominal false-alarm rate per week (default 0.05)")
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    s = alarms.Settings(alpha=args.alpha).resolved("week")
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    rate = in_control(rng, args.families, args.series, s)
    se = (rate * (1 - rate) / args.families) ** 0.5
    print(f"in control: {args.families} weeks × {args.series} series, level per test "
          f"{args.alpha / (2 * args.series):.5f}: {rate:.1%} of weeks with an alarm (± {se:.1%}) "
          f"[{time.perf_counter() - t0:.0f} s]")
    for mean in (2.0, 5.0, 10.0, 20.0):
        d = detection(rng, max(args.steps // 4, 10), args.series, s, mean=mean)
        print(f"+100 % step at a mean of {mean:g} a week: detected within 4 weeks in {d:.0%}")
    det = detection(rng, args.steps, args.series, s)
    print(f"reference: mean 10–20 a week, {args.steps} series [{time.perf_counter() - t0:.0f} s]")
    print(f"alarms: false_alarm_rate={100 * rate:.1f}% nominal={100 * args.alpha:.1f}% "
          f"detected_within_4_weeks={100 * det:.1f}%")


if __name__ == "__main__":
    main()

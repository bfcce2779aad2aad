"""Benchmark: the whole run of one year (every notebook of the run plan, the area profiles included).

Times ``trygghet run`` (papermill in a pool of worker processes, HTML made in the same worker) and the
reference: the same notebooks one by one with the ``papermill`` and ``jupyter nbconvert --to html
--no-input`` command lines, as an analyst would script it. Both run on the same store with the same
kernel (the venv's ``python3``). Prints both wall times, the ratio and the peak memory of each.

Run: ``.venv/bin/python benchmarks/bench_run.py [--store DIR] [--scale 1.0] [--jobs 2] [--only NAME ...]``.
Both sides start with the store's result cache (``STORE/.cache``) removed. Without ``--store`` the full demo data set is written and ingested into a temporary folder first (not
timed). ``--only`` limits both sides to some jobs for a quick look; ``--skip-reference`` times our run
only. Targets (issue 10): at least 4x faster than the reference and under 30 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from rich.console import Console

from trygghet.data import store as store_mod
from trygghet.data.config import paths
from trygghet.publish.plan import load_plan
from trygghet.publish.run import run_reports


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, help="an ingested store (default: demo data in a temporary folder)")
    ap.add_argument("--scale", type=float, default=1.0, help="demo data scale when --store is not given")
    ap.add_argument("--year", type=int, help="report year (default: the store's latest)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", action="append", help="run only these jobs (repeatable)")
    ap.add_argument("--skip-reference", action="store_true")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-run-"))
    try:
        _bench(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _bench(args: argparse.Namespace, work: Path) -> None:
    store = args.store or _demo_store(work, args.scale)
    year = args.year or store_mod.latest_year(store)
    plan = paths().config / "run_plan.yaml"
    jobs = load_plan(plan, store, year)
    if args.only:
        jobs = [j for j in jobs if j.name in args.only or j.base in args.only]
    print(f"store {store} year {year}: {len(jobs)} notebooks, {os.cpu_count()} cores, --jobs {args.jobs}")

    _clear_cache(store)
    t = time.perf_counter()
    result = run_reports(year=year, store=store, out=work / "reports", only=args.only, jobs=args.jobs,
                         console=Console(stderr=True))
    ours = time.perf_counter() - t
    ours_rss = _peak_children_mb()
    print(f"trygghet run:             {ours:7.1f} s  ({len(jobs) - len(result.failed)} ok, "
          f"{len(result.failed)} failed; peak memory of a worker/kernel {ours_rss:.0f} MB)")
    sizes = [j.get("html_bytes") or 0 for j in result.jobs]
    if sizes:
        print(f"largest HTML report:      {max(sizes) / 1e6:7.2f} MB (limit 3 MB)")
    if args.skip_reference:
        return
    _clear_cache(store)
    ref = _reference(jobs, work / "reference")
    print(f"papermill + nbconvert CLI: {ref:6.1f} s  (one by one)")
    ratio = ref / ours
    print(f"ratio:                    {ratio:7.2f}x  (target >= 4x: {'met' if ratio >= 4 else 'NOT met'}; "
          f"under 30 s: {'met' if ours < 30 else 'NOT met'})")
    print(json.dumps({"notebooks": len(jobs), "ours_s": round(ours, 1), "reference_s": round(ref, 1),
                      "ratio": round(ratio, 2), "jobs": args.jobs}))


def _demo_store(work: Path, scale: float) -> Path:
    from trygghet.data.demo import write_demo
    from trygghet.data.ingest import ingest

    write_demo(work / "raw", scale=scale)
    ingest(work / "raw", work / "store")
    return work / "store"


def _reference(jobs, out: Path) -> float:
    """Each notebook: ``papermill IN OUT -f params.yaml -k python3``, then ``jupyter nbconvert --to html --no-input``."""
    bin_dir = Path(sys.executable).parent
    out.mkdir(parents=True)
    t = time.perf_counter()
    for job in jobs:
        params = out / f"{job.name}.yaml"
        params.write_text(yaml.safe_dump(job.parameters, allow_unicode=True), encoding="utf-8")
        executed = out / f"{job.name}.ipynb"
        subprocess.run([str(bin_dir / "papermill"), str(job.notebook), str(executed), "-f", str(params),
                        "-k", "python3", "--log-level", "ERROR", "--cwd", str(job.notebook.parent)],
                       check=False, capture_output=True)
        subprocess.run([str(bin_dir / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
                       check=False, capture_output=True)
    return time.perf_counter() - t


def _clear_cache(store: Path) -> None:
    """Both sides start cold: the store's cache of shared results (``STORE/.cache``) is removed."""
    shutil.rmtree(Path(store) / ".cache", ignore_errors=True)


def _peak_children_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


if __name__ == "__main__":
    main()

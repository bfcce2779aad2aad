"""Benchmark: many small municipalities' report sets on dask.distributed, one worker against two.

Writes N small demo municipalities (``write_demo`` with seeds 1..N at ``--scale``; Luleå's demo with a
different seed each, so they differ in every count) and ingests them (not timed), then times
``trygghet run --stores`` (:func:`trygghet.publish.distributed.run_many`, a LocalCluster of single-threaded
worker processes, the regional picture left out) with one worker and with two, each side starting with
the stores' result caches removed. Prints each side's wall time, throughput (reports per minute) and
peak memory per worker (the worker process with its kernel zygote and kernels), and as its last line
``dask: workers=2 speedup=<ratio>`` (the one-worker time over the two-worker time; target ≥ 1.8 on an
idle 2-core machine).

Run: ``.venv/bin/python benchmarks/bench_dask.py [--municipalities 20] [--scale 0.05] [--only NAME ...]``
(default jobs: ``datakvalitet`` and ``uppfoljning``; ``--only`` as ``trygghet run --only``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import psutil
from rich.console import Console

from trygghet.data.demo import write_demo
from trygghet.data.ingest import ingest
from trygghet.publish.distributed import run_many


class PeakMemory:
    """Peak resident memory of each worker tree (a child process of this one with its descendants)."""

    def __init__(self):
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(0.5):
            for child in me.children():
                try:
                    tree = [child, *child.children(recursive=True)]
                    rss = sum(p.memory_info().rss for p in tree)
                except psutil.Error:
                    continue
                self.peaks[child.pid] = max(self.peaks.get(child.pid, 0), rss)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--municipalities", type=int, default=20, help="how many demo municipalities (default 20)")
    ap.add_argument("--scale", type=float, default=0.05, help="demo data scale of each (default 0.05)")
    ap.add_argument("--only", action="append", help="jobs of the run plan (default datakvalitet, uppfoljning)")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (default a temporary folder)")
    args = ap.parse_args()
    only = args.only or ["datakvalitet", "uppfoljning"]
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench-dask-"))
    stores = base / "stores"
    t = time.perf_counter()
    for i in range(1, args.municipalities + 1):
        if not (stores / f"k{i:02d}" / "store.json").is_file():
            write_demo(base / "raw" / f"k{i:02d}", seed=i, scale=args.scale)
            ingest(base / "raw" / f"k{i:02d}", stores / f"k{i:02d}")
    print(f"{args.municipalities} demo municipalities (scale {args.scale}) ready in {time.perf_counter() - t:.0f} s "
          f"(not timed); jobs: {', '.join(only)}; {os.cpu_count()} cores")
    sink = open(os.devnull, "w")  # noqa: SIM115 - the runs' console, open for the whole benchmark
    quiet = Console(file=sink)
    times = {}
    for workers in (1, 2):
        for cache in stores.glob("*/.cache"):
            shutil.rmtree(cache, ignore_errors=True)
        out = base / f"out-{workers}"
        shutil.rmtree(out, ignore_errors=True)
        with PeakMemory() as mem:
            t = time.perf_counter()
            result = run_many(stores, out=out, only=only, workers=workers, console=quiet, regional=False)
            times[workers] = time.perf_counter() - t
        failed = result.failed
        per_worker = sorted(mem.peaks.values(), reverse=True)[:workers]
        print(f"workers={workers}: {times[workers]:.1f} s, {result.tasks_done} reports, "
              f"{result.tasks_done / times[workers] * 60:.1f} reports per minute, peak memory per worker "
              + ", ".join(f"{b / 2**20:.0f} MiB" for b in per_worker)
              + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    print(f"dask: workers=2 speedup={times[1] / times[2]:.2f}")


if __name__ == "__main__":
    main()

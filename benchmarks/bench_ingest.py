"""Benchmark: ingest 1 000 000 police-reported offences in the contract format.

Writes a raw folder with one ``anmalda_brott_bench.csv`` (``;``, UTF-8, decimal commas, about one
offence in five without a place, a few lat/lon rows) and a 12-area ``omraden.geojson`` over Luleå, then
runs, each in a fresh Python process so that peak memory is its own:

* the reference: a plain ``pandas.read_csv(file, sep=";")`` of the same file;
* ``trygghet.data.ingest.ingest(raw, store)``.

Prints wall time, peak resident memory (``ru_maxrss``) and the ratio to the reference. Target on a
2-core machine: under 20 s and under 3 GB.

    python benchmarks/bench_ingest.py [--rows 1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="offence rows to generate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="folder to keep the raw files and the store in")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    raw = base / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    path = _write_offences(raw, args.rows, args.seed)
    _write_areas(raw)
    size_mb = path.stat().st_size / 1e6
    print(f"generated {args.rows:,} offence rows ({size_mb:.0f} MB) in {time.perf_counter() - started:.1f} s")
    reference = _run("reference", base)
    result = _run("ingest", base)
    print(f"reference  pandas.read_csv: {reference['seconds']:6.2f} s, peak {reference['peak_mb']:6.0f} MB")
    print(f"ingest     trygghet.data.ingest: {result['seconds']:6.2f} s, peak {result['peak_mb']:6.0f} MB, "
          f"{result['rows']:,} offences in the store")
    print(f"ratio to reference: time {result['seconds'] / reference['seconds']:.1f}x, "
          f"memory {result['peak_mb'] / reference['peak_mb']:.1f}x")
    ok = result["seconds"] < 20 and result["peak_mb"] < 3000
    print("target (< 20 s, < 3 GB): " + ("met" if ok else "NOT met"))
    if not args.keep:
        import shutil

        shutil.rmtree(base, ignore_errors=True)


def _run(mode: str, base: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(base)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _child(mode: str, base: str) -> None:
    base_path = Path(base)
    raw = base_path / "raw"
    started = time.perf_counter()
    if mode == "reference":
        import pandas as pd

        started = time.perf_counter()
        rows = len(pd.read_csv(raw / "anmalda_brott_bench.csv", sep=";"))
    else:
        from trygghet.data.ingest import ingest

        started = time.perf_counter()
        report = ingest(raw, base_path / "store")
        rows = report.tables["offences"]
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "rows": rows}))


def _write_offences(raw: Path, rows: int, seed: int) -> Path:
    import numpy as np
    import pandas as pd

    from trygghet.data.ingest import read_code_list

    rng = np.random.default_rng(seed)
    codes = read_code_list()
    pick = rng.integers(0, len(codes), rows)
    start = np.datetime64("2019-01-01") + rng.integers(0, 7 * 365, rows).astype("timedelta64[D]")
    minutes = rng.integers(0, 24 * 60, rows)
    known_time = rng.random(rows) < 0.8
    times = pd.Series(minutes // 60).astype(str).str.zfill(2) + ":" + pd.Series(minutes % 60).astype(str).str.zfill(2)
    has_place = rng.random(rows) < 0.8
    x = rng.normal(829_500, 3_000, rows)
    y = rng.normal(7_293_000, 3_000, rows)
    x_text = pd.Series(np.round(x, 1)).astype(str).str.replace(".", ",", regex=False)
    y_text = pd.Series(np.round(y, 1)).astype(str).str.replace(".", ",", regex=False)
    day = pd.Series(start.astype(str))
    frame = pd.DataFrame({
        "brott_id": pd.Series(np.arange(rows)).astype(str).radd("B"),
        "ärendenummer": pd.Series(rng.integers(0, 900_000, rows)).astype(str).radd("5000-K"),
        "brottskod": codes["offence_code"].to_numpy(dtype=object)[pick],
        "brottsrubricering": codes["offence_label_list"].to_numpy(dtype=object)[pick],
        "datum_från": day,
        "tid_från": times.where(known_time, ""),
        "datum_till": "",
        "tid_till": "",
        "anmäld_datum": day,
        "x_sweref99tm": x_text.where(has_place, ""),
        "y_sweref99tm": y_text.where(has_place, ""),
        "plats": pd.Series(rng.integers(1, 80, rows)).astype(str).radd("Storgatan ").where(has_place, ""),
    })
    path = raw / "anmalda_brott_bench.csv"
    frame.to_csv(path, sep=";", index=False, encoding="utf-8")
    return path


def _write_areas(raw: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import box

    cells, names = [], []
    for i in range(4):
        for j in range(3):
            x0 = 817_000 + i * 6_250
            y0 = 7_281_000 + j * 8_000
            cells.append(box(x0, y0, x0 + 6_250, y0 + 8_000))
            names.append(f"Område {i * 3 + j + 1}")
    gdf = gpd.GeoDataFrame({"område": names, "områdeskod": [f"{k:02d}" for k in range(1, 13)]},
                           geometry=cells, crs="EPSG:3006")
    gdf.to_file(raw / "omraden.geojson", driver="GeoJSON")


if __name__ == "__main__":
    main()

"""Support for the pipeline, mail and browser tests (no tests here): a tiny store and run plans on fixture notebooks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
ROOT = Path(__file__).resolve().parents[1]
AREAS = ["Centrum", "Örnäset", "Björkskatan"]


def make_store(path: Path, years=(2023, 2024), fingerprint: str = "ab" * 32) -> Path:
    """A store with just what the pipeline reads: store.json (fingerprint, years) and the areas."""
    import geopandas as gpd
    from shapely.geometry import box

    path.mkdir(parents=True, exist_ok=True)
    (path / "store.json").write_text(json.dumps({"fingerprint": fingerprint, "trygghet_version": "0.1.0",
                                                 "years": {"offences": list(years)}}), encoding="utf-8")
    gpd.GeoDataFrame({"area": AREAS, "area_code": ["1", "2", "3"], "area_km2": [1.0, 1.0, 1.0]},
                     geometry=[box(i, 0, i + 1, 1) for i in range(len(AREAS))],
                     crs="EPSG:3006").to_parquet(path / "areas.parquet")
    return path


def write_plan(path: Path, jobs: list[dict]) -> Path:
    import yaml

    path.write_text(yaml.safe_dump({"notebooks": str(FIXTURES), "jobs": jobs}, allow_unicode=True), encoding="utf-8")
    return path


def cli(*args: str, timeout: float = 180, **kw) -> subprocess.CompletedProcess:
    """``python -m trygghet ARGS`` in a subprocess, as a user or the timer would run it."""
    env = dict(os.environ, COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "trygghet", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=kw.pop("cwd", ROOT), **kw)

"""`trygghet run --stores`: many municipalities' reports as tasks on a real dask.distributed LocalCluster
(two worker processes): each municipality published in its own folder, one municipality's failure
never stops the others, a worker killed mid-run is replaced and the run completes, and the reports are
the same as the single-machine run's."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time

import psutil
import pytest
import yaml
from rich.console import Console
from trygghet.data.errors import ParameterError
from trygghet.publish.distributed import read_stores, run_many


def _quiet():
    return Console(file=open(os.devnull, "w"), width=200)


def test_dask_stores_folder_and_yaml(tmp_path, make_tiny_store):
    folder = tmp_path / "stores"
    make_tiny_store(folder / "a")
    make_tiny_store(folder / "b")
    (folder / "not-a-store").mkdir()
    found = read_stores(folder)
    # two tiny stores name no municipality: both are Luleå's default code, so their folders name them
    assert [m.key for m in found] == ["a", "b"]
    listing = tmp_path / "kommuner.yaml"
    listing.write_text('"2581": stores/b\n"2580": stores/a\n', encoding="utf-8")
    assert [(m.key, m.store) for m in read_stores(listing)] == [("2581", (folder / "b").resolve()),
                                                                 ("2580", (folder / "a").resolve())]
    with pytest.raises(ParameterError, match="no store in it"):
        read_stores(folder / "not-a-store")
    with pytest.raises(ParameterError, match="no such folder"):
        read_stores(tmp_path / "missing")


def test_dask_killed_worker_is_replaced_and_bad_store_does_not_stop_others(tmp_path, make_tiny_store, write_plan):
    stores = tmp_path / "stores"
    make_tiny_store(stores / "a")
    make_tiny_store(stores / "b")
    make_tiny_store(stores / "c", years=(2023,))  # no 2024: this municipality fails before any task
    pidfile = tmp_path / "kernel.pid"
    plan = write_plan(tmp_path / "plan.yaml", [
        {"name": "rapport", "notebook": "rapport.ipynb", "title": "Rapport"},
        {"name": "sover", "notebook": "sover.ipynb", "title": "Sover",
         "parameters": {"seconds": 6.0, "pidfile": str(pidfile)}},
    ])
    out = tmp_path / "out"
    killed: list[int] = []

    def kill_a_worker():  # the worker process running a kernel of "sover" (a child of this process)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            if pidfile.is_file() and pidfile.read_text().strip():
                with contextlib.suppress(psutil.Error, ValueError, OSError):  # the kernel may be gone already
                    kernel = psutil.Process(int(pidfile.read_text()))
                    for proc in kernel.parents():
                        if proc.ppid() == os.getpid():
                            os.kill(proc.pid, signal.SIGKILL)
                            killed.append(proc.pid)
                            break
            time.sleep(0.2)

    killer = threading.Thread(target=kill_a_worker, daemon=True)
    killer.start()
    result = run_many(stores, out=out, year=2024, plan=plan, workers=2, console=_quiet(), regional=False)
    killer.join(5)
    assert killed, "no worker was killed: the test did not test the replacement"
    by_key = {m["key"]: m for m in result.municipalities}
    assert by_key["a"]["status"] == by_key["b"]["status"] == "ok"
    assert by_key["c"]["status"] == "failed" and "2024" in by_key["c"]["error"]
    assert result.tasks_total == result.tasks_done == 4
    for key in ("a", "b"):
        manifest = json.loads((out / key / "2024" / "manifest.json").read_text(encoding="utf-8"))
        assert [(j["name"], j["status"]) for j in manifest["jobs"]] == [("rapport", "ok"), ("sover", "ok")]
        assert (out / key / "2024" / "sover.html").is_file()
        assert not list((out / key).glob(".staging-*"))
    assert not (out / "c").exists()
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert [m["key"] for m in run["municipalities"]] == ["a", "b", "c"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="a/2024/index.html"' in index and 'href="b/2024/index.html"' in index
    assert "inga rapporter" in index  # c: said, not hidden


def _comparable(manifest: dict) -> list[dict]:
    """A manifest's jobs without what differs between two runs of the same reports (times, sizes)."""
    drop = {"started", "duration_s", "html_bytes"}
    return [{k: v for k, v in j.items() if k not in drop} for j in manifest["jobs"]]


def test_dask_reports_equal_single_machine_run(tmp_path_factory, repo_root):
    """Two small demo municipalities (Luleå and Piteå) on two worker processes: every report and record
    the same as `trygghet run`'s on one machine."""
    from trygghet.data.demo import write_demo
    from trygghet.data.demo._kommun import write_municipality_demo
    from trygghet.data.ingest import ingest
    from trygghet.publish.run import run_reports

    base = tmp_path_factory.mktemp("dask-demo")
    write_demo(base / "raw-2580", seed=7, scale=0.05)
    write_municipality_demo(base / "raw-2581", "2581", 42800, seed=8, scale=0.05)
    for code in ("2580", "2581"):
        ingest(base / f"raw-{code}", base / "stores" / code)
    only = ["uppfoljning"]
    plan = yaml.safe_load((repo_root / "config" / "run_plan.yaml").read_text(encoding="utf-8"))
    plan.update(notebooks=str(repo_root / "notebooks"), pdf=False)  # PDFs: the single run's only extra
    plan_path = base / "plan.yaml"
    plan_path.write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    result = run_many(base / "stores", out=base / "dask", only=only, plan=plan_path, workers=2, console=_quiet())
    assert [(m["key"], m["status"], m["reports"]) for m in result.municipalities] == \
        [("2580", "ok", 1), ("2581", "ok", 1)]
    # the regional picture: both municipalities side by side, linked from the run's index page
    region = (base / "dask" / "region" / "regionbild.html").read_text(encoding="utf-8")
    assert "Kommunerna sida vid sida" in region and "Luleå" in region and "Piteå" in region
    assert "Delmålens status per kommun" in region and str(base) not in region  # no server paths
    assert 'href="region/regionbild.html"' in (base / "dask" / "index.html").read_text(encoding="utf-8")
    for code, name in (("2580", "Luleå"), ("2581", "Piteå")):
        single = run_reports(store=base / "stores" / code, out=base / "single" / code, only=only, jobs=2,
                             plan=plan_path, console=_quiet())
        year = single.year
        dask_dir, single_dir = base / "dask" / code / str(year), base / "single" / code / str(year)
        dask_manifest = json.loads((dask_dir / "manifest.json").read_text(encoding="utf-8"))
        single_manifest = json.loads((single_dir / "manifest.json").read_text(encoding="utf-8"))
        assert dask_manifest["municipality"] == {"code": code, "name": name}
        assert dask_manifest["data_fingerprint"] == single_manifest["data_fingerprint"]
        assert _comparable(dask_manifest) == _comparable(single_manifest)
        records = sorted(p.name for p in (single_dir / "records").glob("*.json"))
        assert records == ["uppfoljning.json"]
        for rec in records:
            assert (json.loads((dask_dir / "records" / rec).read_text(encoding="utf-8"))
                    == json.loads((single_dir / "records" / rec).read_text(encoding="utf-8"))), (code, rec)


def test_dask_cli_bad_stores_is_one_line(tmp_path, cli):
    proc = cli("run", "--stores", str(tmp_path / "saknas"), "--out", str(tmp_path / "out"), timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("trygghet: error: --stores") and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1

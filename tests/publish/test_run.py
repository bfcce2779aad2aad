"""trygghet run: validation before kernels, parallel papermill runs, published HTML, records, failure,
kill, lock."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from rich.console import Console

from trygghet.data.errors import ParameterError
from trygghet.publish.html import notebook_to_html
from trygghet.publish.lock import RunLockedError, run_lock
from trygghet.publish.plan import load_plan, validate_jobs
from trygghet.publish.run import run_reports

QUIET = Console(quiet=True)

PLAN = [
    {"name": "rapport", "notebook": "rapport.ipynb", "title": "Testrapport"},
    {"name": "fel", "notebook": "fel.ipynb", "title": "Felande rapport"},
    {"name": "profil", "notebook": "rapport.ipynb", "title": "Områdesprofil", "foreach": "area",
     "group": "Områdesprofiler"},
]


@pytest.fixture(scope="module")
def store(tmp_path_factory, make_tiny_store):
    return make_tiny_store(tmp_path_factory.mktemp("store"))


@pytest.fixture(scope="module")
def published(tmp_path_factory, store, write_plan, cli):
    """One real run through the command line: 5 jobs, one failing on purpose, 2 workers."""
    base = tmp_path_factory.mktemp("run")
    plan = write_plan(base / "plan.yaml", PLAN)
    out = base / "reports"
    proc = cli("run", "--year", "2024", "--store", str(store), "--out", str(out), "--plan", str(plan), "--jobs", "2")
    return {"proc": proc, "out": out, "plan": plan, "year_dir": out / "2024"}


# ---------------------------------------------------------------------------------------------- plan


def test_plan_expands_areas_and_fills_common_parameters(tmp_path, store, write_plan, tiny_store_areas):
    jobs = load_plan(write_plan(tmp_path / "p.yaml", PLAN), store, 2024)
    names = [j.name for j in jobs]
    assert names == ["rapport", "fel", "profil-centrum", "profil-ornaset", "profil-bjorkskatan"] or \
        sorted(names) == sorted(["rapport", "fel", "profil-centrum", "profil-ornaset", "profil-bjorkskatan"])
    prof = {j.parameters["area"]: j for j in jobs if j.base == "profil"}
    assert set(prof) == set(tiny_store_areas)
    assert prof["Örnäset"].parameters["year"] == 2024
    assert prof["Örnäset"].parameters["store"] == str(store.resolve())
    assert prof["Örnäset"].title == "Områdesprofil – Örnäset" and prof["Örnäset"].group == "Områdesprofiler"
    assert "area" not in jobs[1].parameters  # fel.ipynb declares no area


#: the residents' summary and its accessibility statement (docs/tryggare.md)
RESIDENTS_NOTEBOOKS = {"tryggare.ipynb", "tillganglighet.ipynb"}
#: the quarterly picture and the weekly digest (docs/continuous.md)
PERIOD_NOTEBOOKS = {"kvartal.ipynb", "vecka.ipynb"}


def test_real_run_plan_lists_every_report(repo_root):
    import yaml

    doc = yaml.safe_load((repo_root / "config" / "run_plan.yaml").read_text(encoding="utf-8"))
    by_name = {j["name"]: j for j in doc["jobs"]}
    assert {j["notebook"] for j in doc["jobs"]} == {
        "datakvalitet.ipynb", "lagesbild.ipynb", "brottskoncentrationer.ipynb", "preventionsnivaer.ipynb",
        "uppfoljning.ipynb", "omradesprofil.ipynb"} | RESIDENTS_NOTEBOOKS | PERIOD_NOTEBOOKS
    assert {by_name["brottskoncentrationer-alla"]["parameters"]["category_group"],
            by_name["brottskoncentrationer-vald"]["parameters"]["category_group"]} == {"alla", "vald"}
    assert by_name["omradesprofil"]["foreach"] == "area"


@pytest.mark.parametrize("jobs, message", [
    ([{"name": "x", "notebook": "rapport.ipynb", "parameters": {"colour": "blå"}}], "no parameter 'colour'"),
    ([{"name": "x", "notebook": "rapport.ipynb", "parameters": {"area": 3}}], "must be str, got 3"),
    ([{"name": "x", "notebook": "sover.ipynb", "parameters": {"seconds": "lång"}}], "must be float"),
    ([{"name": "x", "notebook": "rapport.ipynb", "parameters": {"area": "Atlantis"}}],
     "area='Atlantis' in job 'x' of the run plan is not an area of the store"),
    ([{"name": "x", "notebook": "saknas.ipynb"}], "does not exist"),
    ([{"name": "x", "notebook": "rapport.ipynb", "foreach": "skola"}], "foreach 'skola'"),
    ([{"name": "x", "notebook": "rapport.ipynb"}, {"name": "x", "notebook": "fel.ipynb"}], "unique"),
    ([{"name": "x", "notebook": "rapport.ipynb", "shared": "ja"}], "'shared' must be true or false"),
])
def test_bad_plan_or_parameters_say_what_is_wrong(tmp_path, store, jobs, message, write_plan):
    with pytest.raises(ParameterError, match=re.escape(message)):
        validate_jobs(load_plan(write_plan(tmp_path / "p.yaml", jobs), store, 2024), store, 2024)


def test_year_without_data_is_refused(tmp_path, store, write_plan):
    jobs = load_plan(write_plan(tmp_path / "p.yaml", PLAN[:1]), store, 2031)
    with pytest.raises(ParameterError, match=r"year=2031 in trygghet run --year: .* no offences .*2023, 2024"):
        validate_jobs(jobs, store, 2031)


def test_notebook_without_parameters_cell_is_refused(tmp_path, store, fixture_notebooks):
    nb = nbformat.read(fixture_notebooks / "rapport.ipynb", as_version=4)
    nb.cells[0].metadata["tags"] = []
    nbformat.write(nb, tmp_path / "utan.ipynb")
    plan = tmp_path / "p.yaml"
    plan.write_text(f"notebooks: {tmp_path}\njobs:\n  - name: x\n    notebook: utan.ipynb\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="no cell is tagged 'parameters'"):
        load_plan(plan, store, 2024)


def test_cli_validation_fails_fast_with_one_line_and_exit_2(tmp_path, store, write_plan, cli):
    plan = write_plan(tmp_path / "p.yaml", [{"name": "x", "notebook": "rapport.ipynb",
                                             "parameters": {"area": "Atlantis"}}])
    t = time.perf_counter()
    proc = cli("run", "--year", "2024", "--store", str(store), "--out", str(tmp_path / "r"), "--plan", str(plan))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "area='Atlantis' in job 'x'" in proc.stderr
    assert not (tmp_path / "r" / "2024").exists()
    assert time.perf_counter() - t < 30  # no kernel was started
    with pytest.raises(ParameterError, match="--only: no job named 'nope' in the run plan; known: x"):
        run_reports(year=2024, store=store, out=tmp_path / "r", only=["nope"], plan=plan, console=QUIET)


# ---------------------------------------------------------------------------------------------- run


@pytest.mark.slow
def test_failing_notebook_does_not_stop_the_others(published):
    proc, year_dir = published["proc"], published["year_dir"]
    assert proc.returncode == 1, proc.stderr
    assert "failed reports: fel" in proc.stderr
    assert proc.stdout.strip().splitlines()[-1].endswith(str(Path("2024") / "index.html"))
    manifest = json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))
    status = {j["name"]: j["status"] for j in manifest["jobs"]}
    assert status == {"rapport": "ok", "fel": "failed", "profil-centrum": "ok", "profil-ornaset": "ok",
                      "profil-bjorkskatan": "ok"}
    fel = next(j for j in manifest["jobs"] if j["name"] == "fel")
    assert fel["error"] == "ValueError: avsiktligt fel i testnotebooken (cell 3)"
    assert fel["outputs"]["html"] is None and (year_dir / fel["outputs"]["notebook"]).is_file()
    assert manifest["status"] == "failed" and manifest["year"] == 2024
    assert manifest["data_fingerprint"] == "ab" * 32
    assert manifest["code_version"].startswith("0.1.0")
    ok = next(j for j in manifest["jobs"] if j["name"] == "profil-ornaset")
    assert ok["parameters"]["area"] == "Örnäset" and ok["duration_s"] > 0
    assert set(ok) >= {"name", "notebook", "parameters", "status", "duration_s", "outputs", "error"}
    index = (year_dir / "index.html").read_text(encoding="utf-8")
    assert "Rapporter som inte kunde skapas" in index and "avsiktligt fel i testnotebooken" in index
    for j in manifest["jobs"]:
        if j["status"] == "ok":
            assert f'href="{j["outputs"]["html"]}"' in index
    assert index.index("Områdesprofiler") < index.index("profil-bjorkskatan.html") < index.index("profil-ornaset.html")
    overview = (published["out"] / "index.html").read_text(encoding="utf-8")
    assert 'href="2024/index.html"' in overview and "1 av 5 rapporter kunde inte skapas" in overview
    assert not list(published["out"].glob(".staging-*"))


@pytest.mark.slow
def test_published_html_is_clean_and_self_contained(published):
    year_dir = published["year_dir"]
    page = (year_dir / "profil-ornaset.html").read_text(encoding="utf-8")
    executed = nbformat.read(year_dir / "notebooks" / "profil-ornaset.ipynb", as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells)
    injected = next(c.source for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert 'area = "\\xd6rn\\xe4set"' in injected  # papermill writes a Python literal
    assert "PARAMS year=2024 area=Örnäset lang=sv" in page  # the parameters reached the kernel
    assert "import warnings" not in page and "# Parameters" not in page  # no code, no parameter cells
    assert "STDERR-VARNING" not in page
    assert not re.search(r"<div[^>]+class=\"[^\"]*jp-(InputPrompt|OutputPrompt)", page) and "In&nbsp;[" not in page
    assert re.search(r'<img [^>]*src="data:image/png;base64,', page)
    assert "<table" in page and "antal brott" in page
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', page)  # nothing from a CDN
    assert '<html lang="sv">' in page
    toc = re.search(r'<nav class="trygghet-toc".*?</nav>', page, re.S).group(0)
    assert "Tabell över brott" in toc and "Diagram" in toc and "Karta" in toc
    for anchor in re.findall(r'href="#([^"]+)"', toc):
        assert f'id="{anchor}"' in page
    footer = re.search(r'<footer class="trygghet-footer".*?</footer>', page, re.S).group(0)
    assert "ab" * 32 in footer and "0.1.0" in footer and "område: Örnäset" in footer and "Körd" in footer
    assert len(page.encode()) < 3_000_000


@pytest.mark.slow
def test_records_are_collected_listed_and_never_shown(published):
    year_dir = published["year_dir"]
    manifest = json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))
    by_name = {j["name"]: j for j in manifest["jobs"]}
    assert by_name["rapport"]["outputs"]["record"] == "records/rapport.json"
    assert by_name["fel"]["outputs"]["record"] is None  # a failed notebook publishes no record
    for name, area in (("rapport", "hela kommunen"), ("profil-ornaset", "Örnäset")):
        record = json.loads((year_dir / by_name[name]["outputs"]["record"]).read_text(encoding="utf-8"))
        assert record == {"antal_brott": {"område": area, "antal": 123}, "mening": "HEMLIG-POST i posten"}
        page = (year_dir / by_name[name]["outputs"]["html"]).read_text(encoding="utf-8")
        assert "HEMLIG-POST" not in page and "vnd.trygghet.record" not in page and "antal_brott" not in page
        executed = nbformat.read(year_dir / by_name[name]["outputs"]["notebook"], as_version=4)
        assert any("application/vnd.trygghet.record+json" in o.get("data", {})
                   for c in executed.cells for o in c.get("outputs", []))  # the executed notebook keeps them
    assert sorted(p.name for p in (year_dir / "records").iterdir()) == sorted(
        f"{n}.json" for n, j in by_name.items() if j["status"] == "ok")


@pytest.mark.slow
def test_manifest_holds_relative_paths_only(published, store):
    year_dir = published["year_dir"]
    text = (year_dir / "manifest.json").read_text(encoding="utf-8")
    assert str(store) not in text and str(store.resolve()) not in text and str(published["out"]) not in text

    def strings(value):
        if isinstance(value, dict):
            for v in value.values():
                yield from strings(v)
        elif isinstance(value, list):
            for v in value:
                yield from strings(v)
        elif isinstance(value, str):
            yield value

    for s in strings(json.loads(text)):
        assert not s.startswith(("/", "~")) and not re.match(r"^[A-Za-z]:\\", s), f"absolute path published: {s}"
    for job in json.loads(text)["jobs"]:
        for rel in filter(None, job["outputs"].values()):
            assert (year_dir / rel).is_file()  # relative to the year's folder
        assert job["notebook"] in {"rapport.ipynb", "fel.ipynb"} and "store" not in job["parameters"]


@pytest.mark.slow
def test_each_job_has_its_own_title_and_first_heading(published):
    year_dir = published["year_dir"]
    titles, headings = set(), set()
    for name, area in (("profil-ornaset", "Örnäset"), ("profil-centrum", "Centrum")):
        page = (year_dir / f"{name}.html").read_text(encoding="utf-8")
        title = re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip()
        h1 = re.sub(r"<[^>]+>|¶", "", re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)).strip()
        assert title == h1 == f"Områdesprofil – {area}"
        titles.add(title)
        headings.add(h1)
    assert len(titles) == len(headings) == 2


def test_notebook_to_html_inlines_images_without_running(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# T\n\n## Första\n\n## Andra"),
        nbformat.v4.new_code_cell("x = 1", outputs=[nbformat.v4.new_output(
            "display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})]),
    ])
    page = notebook_to_html(nb, {"title": "T", "year": 2024, "notebook": "t.ipynb", "parameters_text": "år = 2024",
                                 "fingerprint": "f", "code_version": "v", "run_at": "nu", "duration": "1 s",
                                 "run_id": "r"})
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in page and "x = 1" not in page
    assert re.search(r'<li class="toc-2"><a href="#F%C3%B6rsta">Första</a>', page)


@pytest.mark.slow
def test_only_reruns_one_job_and_keeps_the_rest(tmp_path, store, published):
    out = tmp_path / "reports"
    shutil.copytree(published["out"], out)
    before = (out / "2024" / "profil-centrum.html").read_bytes()
    result = run_reports(year=2024, store=store, out=out, only=["rapport"], plan=published["plan"], console=QUIET)
    assert result.failed == []  # the failing job was not part of this run
    manifest = json.loads((out / "2024" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["only"] == ["rapport"]
    by_name = {j["name"]: j for j in manifest["jobs"]}
    assert len(by_name) == 5 and by_name["fel"]["status"] == "failed"
    assert (out / "2024" / "profil-centrum.html").read_bytes() == before
    assert manifest["run_id"] in (out / "2024" / "rapport.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_shared_results_are_computed_once_beside_the_other_jobs(tmp_path, store, write_plan):
    """A plan with a ``shared`` job computes the shared results first (best effort: the tiny store has
    no offences, so they fail and the job computes its own) and still runs every job."""
    from io import StringIO

    plan = write_plan(tmp_path / "p.yaml", [
        {"name": "delad", "notebook": "rapport.ipynb", "title": "Delad", "shared": True},
        {"name": "egen", "notebook": "rapport.ipynb", "title": "Egen"}])
    text = StringIO()
    result = run_reports(year=2024, store=store, out=tmp_path / "r", plan=plan,
                         console=Console(file=text, width=200))
    assert result.failed == []
    assert "shared results not computed" in text.getvalue()
    plain = write_plan(tmp_path / "q.yaml", [{"name": "egen", "notebook": "rapport.ipynb", "title": "Egen"}])
    text = StringIO()
    assert run_reports(year=2024, store=store, out=tmp_path / "s", plan=plain,
                       console=Console(file=text, width=200)).failed == []
    assert "shared results" not in text.getvalue()  # no job reads them: not computed at all


# ---------------------------------------------------------------------------------------------- safety


@pytest.mark.slow
def test_killed_run_leaves_previous_reports_intact(tmp_path, store, write_plan, repo_root):
    out = tmp_path / "reports"
    quick = write_plan(tmp_path / "quick.yaml", [{"name": "rapport", "notebook": "rapport.ipynb", "title": "T"}])
    assert run_reports(year=2024, store=store, out=out, plan=quick, console=QUIET).failed == []
    snapshot = {p.relative_to(out): p.read_bytes() for p in (out / "2024").rglob("*") if p.is_file()}

    slow = write_plan(tmp_path / "slow.yaml", [
        {"name": "rapport", "notebook": "rapport.ipynb", "title": "T"},
        {"name": "sover", "notebook": "sover.ipynb", "title": "Sover",
         "parameters": {"seconds": 120.0, "pidfile": str(tmp_path / "kernel.pid")}}])
    proc = subprocess.Popen([sys.executable, "-m", "trygghet", "run", "--year", "2024", "--store", str(store),
                             "--out", str(out), "--plan", str(slow), "--jobs", "2"], cwd=repo_root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        staging = None
        while time.monotonic() < deadline:  # midway: the quick report is done, the sleeper still runs
            found = list(out.glob(f".staging-2024-{proc.pid}/rapport.html"))
            if found and (tmp_path / "kernel.pid").is_file():
                staging = found[0].parent
                break
            time.sleep(0.3)
        assert staging is not None and proc.poll() is None, "the run did not get midway"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        assert {p.relative_to(out): p.read_bytes() for p in (out / "2024").rglob("*") if p.is_file()} == snapshot
        deadline = time.monotonic() + 15  # the workers die with the run (PR_SET_PDEATHSIG)
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.3)
        else:
            pytest.fail("worker processes outlived the killed run")
        kernel = int((tmp_path / "kernel.pid").read_text())
        deadline = time.monotonic() + 15  # and the sleeping notebook's kernel with them
        while time.monotonic() < deadline and Path(f"/proc/{kernel}").exists() and \
                "Z" not in Path(f"/proc/{kernel}/stat").read_text().split(")")[-1][:3]:
            time.sleep(0.3)
        assert not Path(f"/proc/{kernel}").exists() or \
            "Z" in Path(f"/proc/{kernel}/stat").read_text().split(")")[-1][:3], "the kernel outlived the run"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert run_reports(year=2024, store=store, out=out, plan=quick, console=QUIET).failed == []
    assert not list(out.glob(".staging-*"))


def test_second_run_is_refused_while_the_lock_is_held(tmp_path, store, write_plan, cli):
    out = tmp_path / "reports"
    plan = write_plan(tmp_path / "p.yaml", [{"name": "rapport", "notebook": "rapport.ipynb", "title": "T"}])
    with run_lock(out, "test"):
        proc = cli("run", "--year", "2024", "--store", str(store), "--out", str(out), "--plan", str(plan))
        with run_lock(out, "re-entrant in the same process"):
            pass
    assert proc.returncode == 2
    assert "being written by another trygghet run" in proc.stderr and f"pid {os.getpid()}" in proc.stderr
    assert not (out / "2024").exists()
    other = subprocess.run([sys.executable, "-c", "import sys; from trygghet.publish.lock import run_lock\n"
                            f"with run_lock({str(out)!r}, 'x'): print('got it')"], capture_output=True, text=True)
    assert other.stdout.strip() == "got it"  # released


def test_lock_error_names_the_holder(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", "import time; from trygghet.publish.lock import run_lock\n"
                               f"with run_lock({str(tmp_path)!r}, 'holder'):\n print('held', flush=True); time.sleep(30)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RunLockedError, match=f"pid {holder.pid}, holder"):
            with run_lock(tmp_path, "me"):
                pass
    finally:
        holder.kill()
        holder.wait()


# ---------------------------------------------------------------------------------------------- real notebooks


@pytest.mark.slow
def test_smoke_datakvalitet_on_demo_store(tmp_path, repo_root, cli):
    if not (repo_root / "notebooks" / "datakvalitet.ipynb").is_file():
        pytest.skip("notebooks/datakvalitet.ipynb is not written yet")
    demo = pytest.importorskip("trygghet.data.demo")
    ingest = pytest.importorskip("trygghet.data.ingest")
    demo.write_demo(tmp_path / "raw", scale=0.1)
    ingest.ingest(tmp_path / "raw", tmp_path / "store")
    proc = cli("run", "--store", str(tmp_path / "store"), "--out", str(tmp_path / "reports"), "--only", "datakvalitet",
               timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    year_dirs = [p for p in (tmp_path / "reports").iterdir() if p.name.isdigit()]
    assert len(year_dirs) == 1
    page = (year_dirs[0] / "datakvalitet.html").read_text(encoding="utf-8")
    assert "<table" in page and len(page.encode()) < 3_000_000
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', page)


@pytest.mark.slow
def test_published_notebooks_hold_no_server_paths(published, store):
    year_dir = published["year_dir"]
    notebooks = sorted((year_dir / "notebooks").glob("*.ipynb"))
    assert notebooks
    for nb in notebooks:
        text = nb.read_text(encoding="utf-8")
        for path in {str(store), str(store.resolve()), str(published["out"]), str(published["out"].resolve())}:
            assert path not in text, f"{nb.name} publishes the server path {path}"
        meta = json.loads(text)["metadata"]["papermill"]
        assert meta["parameters"]["store"] == store.name and not meta["input_path"].startswith("/")

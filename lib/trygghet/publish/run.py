"""The parallel run: execute the plan's notebooks with papermill in a pool of workers and publish a year.

``run_reports`` validates every job before any kernel starts, runs the notebooks in a pool of worker
processes (forked from the run where the OS allows; each worker executes a notebook in a kernel forked
from the run's zygote, :mod:`.kernels`, and
exports it to HTML in-process, :mod:`.html`, so neither papermill nor nbconvert is started twice),
collects each notebook's records (:mod:`.records`), builds the year in ``OUT/.staging-YEAR-PID/`` and
swaps it in as ``OUT/YEAR/`` only when the run has finished. A lock on ``OUT/.lock`` (:mod:`.lock`)
keeps two runs apart.

Published per year: ``YEAR/<job>.html``, ``YEAR/notebooks/<job>.ipynb`` (the executed notebooks),
``YEAR/records/<job>.json`` (what the notebook recorded), ``YEAR/manifest.json`` (relative paths only)
and ``YEAR/index.html``; across years ``OUT/index.html``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import multiprocessing
import os
import re
import shutil
import subprocess
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from traitlets.config import Config

import trygghet
from trygghet.analysis import panels
from trygghet.data import periods
from trygghet.data import store as store_mod
from trygghet.data.config import paths
from trygghet.data.errors import ParameterError
from trygghet.publish import kernels, records
from trygghet.publish import pdf
from trygghet.publish.html import (
    format_time,
    html_exporter,
    notebook_to_html,
    parameters_text,
    without_server_paths,
    write_overview_index,
    write_year_index,
)
from trygghet.publish.lock import atomic_write, now, run_lock
from trygghet.publish.plan import Job, load_plan, longest_first, select_jobs, validate_jobs
from trygghet.publish.plan import html_path

__all__ = ["RunResult", "MAX_REPORT_BYTES", "run_reports", "code_version"]
__all__ += ["publish_jobs"]

#: a published HTML report larger than this is flagged in the manifest and on the console
MAX_REPORT_BYTES = 3_000_000


@dataclass
class RunResult:
    """What a run published: ``failed`` holds the names of the jobs that failed."""

    year: int
    index_path: Path
    manifest_path: Path
    failed: list[str]
    jobs: list[dict] = field(default_factory=list)
    published: bool = True
    duration_s: float = 0.0


def run_reports(
    year: int | None = None,
    store: str | Path | None = None,
    out: str | Path | None = None,
    only: list[str] | None = None,
    jobs: int = 2,
    plan: str | Path | None = None,
    console: Console | None = None,
    period: str | None = None,
) -> RunResult:
    """Run the plan's notebooks for ``year`` and publish them to ``out/<year>/``.

    With ``period`` (``2025-Q3``, ``2025-09``, ``2025-W36``, ``last-week`` …; :mod:`trygghet.data.periods`)
    the plan's jobs of that cadence run for the period instead and publish to ``out/<period>/``.

    Raises ``ParameterError`` (before any kernel starts) for an unknown job, parameter, area or a year
    without data, and ``RunLockedError`` when another run writes to ``out``. Failed notebooks do not stop
    the others: they are listed in the result's ``failed``, the manifest and the index page.
    """
    console = console or Console(stderr=True)
    if jobs < 1:
        raise ParameterError(f"--jobs must be at least 1, got {jobs}")
    store_path = store_mod.store_dir(store).resolve()
    year = int(year) if year is not None else store_mod.latest_year(store_path)
    out_path = Path(out) if out is not None else paths().reports
    plan_path = Path(plan) if plan is not None else paths().config / "run_plan.yaml"
    the_period = periods.parse_period(period) if period else None
    if the_period is not None:
        periods.check_period(store_path, the_period)
        year = the_period.year
    all_jobs = load_plan(plan_path, store_path, year, **periods.plan_arguments(the_period))
    selected = select_jobs(all_jobs, only)
    validate_jobs(selected, store_path, year)

    out_path.mkdir(parents=True, exist_ok=True)
    with run_lock(out_path, f"run {the_period.label if the_period else year}"):
        result = _run_locked(year, store_path, out_path.resolve(), selected, all_jobs, jobs, console,
                             folder=the_period.label if the_period else None)
        pdf.after_run(result, plan_path, console)  # the PDFs for the diary, when the plan says `pdf: true`
        return result


def publish_jobs(year: int, store: Path, out: Path, selected: list[Job], all_jobs: list[Job], workers: int,
                 console: Console, execute) -> RunResult:
    """Publish validated jobs of one store to ``out/<year>/`` (staging, manifest, index, atomic swap, under
    ``out``'s lock) like :func:`run_reports`, but running the job specs with ``execute(specs, workers, out,
    console, shared=)`` → results in spec order, each from :func:`_run_job` (the distributed run's hook,
    :mod:`.distributed`). No PDFs."""
    out.mkdir(parents=True, exist_ok=True)
    with run_lock(out, f"run {year}"):
        return _run_locked(year, store, out.resolve(), selected, all_jobs, workers, console, execute=execute)


def code_version() -> str:
    """``trygghet.__version__`` plus the git commit of the clone when there is one (``0.1.0+g1a2b3c4``)."""
    commit = _git_commit()
    return f"{trygghet.__version__}+g{commit}" if commit else trygghet.__version__


# --------------------------------------------------------------------------------------------------
# orchestration (the run's own process)
# --------------------------------------------------------------------------------------------------


def _run_locked(year: int, store: Path, out: Path, selected: list[Job], all_jobs: list[Job],
                workers: int, console: Console, folder: str | None = None, execute=None) -> RunResult:
    started_wall = now()
    t0 = time.perf_counter()
    folder = folder or str(year)  # a period run publishes to OUT/<period>/
    _recover_and_clean(out, folder)
    final = out / folder
    staging = out / f".staging-{folder}-{os.getpid()}"
    previous = _read_manifest(final)
    partial = len(selected) < len(all_jobs)
    if partial and final.is_dir():
        shutil.copytree(final, staging, symlinks=True)
    else:
        staging.mkdir(parents=True)
    (staging / "notebooks").mkdir(exist_ok=True)
    published = False
    try:
        run_id = f"{folder}-{started_wall.astimezone(dt.timezone.utc):%Y%m%dT%H%M%SZ}-{os.getpid()}"
        fingerprint = str(store_mod.store_info(store).get("fingerprint", "okänt"))
        context = {"run_id": run_id, "fingerprint": fingerprint, "code_version": code_version(),
                   "year": year, "run_at": format_time(started_wall.isoformat())}
        specs = [_job_spec(job, staging, context) for job in longest_first(selected, previous)]
        for spec in specs:  # a job run now replaces its old outputs, whatever the outcome
            for rel in spec["outputs"].values():
                with contextlib.suppress(FileNotFoundError):
                    (staging / rel).unlink()
        shared = (str(store), year) if any(s["shared"] for s in specs) else None
        results = (execute or _execute)(specs, workers, out, console, shared=shared)
        entries = _manifest_entries(all_jobs, selected, results, previous, staging)
        failed = [r["name"] for r in results if r["status"] != "ok"]
        manifest = {
            "run_id": run_id,
            "year": year,
            **({"period": folder} if folder != str(year) else {}),
            "status": "failed" if any(e["status"] != "ok" for e in entries) else "ok",
            "started": started_wall.isoformat(timespec="seconds"),
            "finished": now().isoformat(timespec="seconds"),
            "duration_s": round(time.perf_counter() - t0, 2),
            "data_fingerprint": fingerprint,
            "municipality": store_mod.municipality(store),  # {"code", "name"}: the index pages name it
            "code_version": context["code_version"],
            "trygghet_version": trygghet.__version__,
            "git_commit": _git_commit(),
            "workers": workers,
            "only": sorted({j.name for j in selected}) if partial else None,
            "jobs": entries,
        }
        atomic_write(staging / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        write_year_index(staging, manifest)
        if len(failed) == len(results) and final.is_dir():
            console.print(f"[red]no report of {folder} succeeded; the published reports in {final} are kept[/red]")
        else:
            _swap_in(staging, final, out)
            published = True
            write_overview_index(out)
    finally:
        if not published:
            shutil.rmtree(staging, ignore_errors=True)
    index = final / "index.html"
    ok = sum(1 for r in results if r["status"] == "ok")
    console.print(f"{ok} of {len(results)} reports ok" + ("" if published else " — nothing published"),
                  highlight=False)
    return RunResult(year=year, index_path=index, manifest_path=final / "manifest.json", failed=failed,
                     jobs=entries, published=published, duration_s=round(time.perf_counter() - t0, 2))


def _job_spec(job: Job, staging: Path, context: dict) -> dict:
    """What a worker needs to run one job (plain data: it crosses a process boundary)."""
    shown = {k: v for k, v in job.parameters.items() if k != "store"}
    return {
        "name": job.name,
        "title": job.title,
        "shared": job.shared,
        "notebook": str(job.notebook),
        "parameters": job.parameters,
        "staging": str(staging),
        "outputs": {"html": html_path(job), "notebook": f"notebooks/{job.name}.ipynb",
                    "record": records.record_path(job.name)},
        "provenance": {
            "title": job.title,
            "year": context["year"],
            "notebook": job.notebook.name,
            "parameters_text": parameters_text(shown),
            "fingerprint": context["fingerprint"],
            "code_version": context["code_version"],
            "run_at": context["run_at"],
            "run_id": context["run_id"],
            **_home_link(job),
        },
    }


def _home_link(job: Job) -> dict:
    """A page in a folder of its own (the plan's ``html``, e.g. the residents' pages) links its header to
    the folder's first page, not to the year's internal index: ``home_text`` and ``home_href`` for the
    page template."""
    folder, _, _ = html_path(job).rpartition("/")
    return {"home_text": "Till första sidan", "home_href": "index.html"} if folder else {}


def _execute(specs: list[dict], workers: int, out: Path, console: Console,
             shared: tuple[str, int] | None = None) -> list[dict]:
    """Run the job specs in a pool of ``workers`` processes with a progress bar; results in spec order.

    With ``shared`` (store, year) the results several reports share are computed once, first, as the
    pool's first task (:func:`_compute_shared`); the jobs that do not read them run beside it, the
    ``shared`` jobs are queued when it is done. Within each kind the specs' order is kept.
    """
    kernel_path = kernels.write_kernelspec(out)
    (out / ".worker.log").write_text("", encoding="utf-8")  # the kernels' stderr of this run only
    results: dict[str, dict] = {}
    progress = Progress(SpinnerColumn(), TextColumn("[bold]rapporter"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TextColumn("{task.description}"), console=console, transient=False)
    n_workers = min(workers, len(specs)) or 1
    preload = kernels.preload_modules([s["notebook"] for s in specs])
    waiting = [s for s in specs if s["shared"]] if shared else []
    # Where kernels can be forked (and this process has no other thread), the workers and their one
    # shared zygote are forks of this process, which has imported the library already (before any
    # thread starts: the progress bar comes later). Elsewhere: fresh workers, each with its own zygote.
    forked = kernels.can_fork_run()
    zygote = kernels.fork_zygote(preload, os.getpid(), str(out / ".worker.log")) if forked else None
    ctx = multiprocessing.get_context("fork" if forked else "spawn")
    pool = ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx, initializer=_worker_init,
                               initargs=(str(kernel_path), str(out / ".worker.log"), preload, zygote is None))
    try:
        pending: dict = {}
        # the first submit forks the workers: before the progress bar starts its thread
        warm = pool.submit(_compute_shared, *shared) if shared else None
        if warm is not None:
            pending[warm] = None
        for spec in specs:
            if spec not in waiting:
                pending[pool.submit(_run_job, spec)] = spec
        with progress:
            task = progress.add_task("", total=len(specs))
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    spec = pending.pop(fut)
                    if spec is None:  # the shared results: now the jobs that read them
                        _report_shared(fut, console)
                        for s in waiting:
                            try:
                                pending[pool.submit(_run_job, s)] = s
                            except BrokenProcessPool as exc:
                                results[s["name"]] = _failed(s, f"the worker process died ({exc}); "
                                                                "see .worker.log in the reports folder")
                                progress.update(task, advance=1, description=s["name"])
                        continue
                    res = _future_result(fut, spec)
                    results[spec["name"]] = res
                    mark = "[green]✓[/green]" if res["status"] == "ok" else "[red]✗[/red]"
                    progress.console.print(f"{mark} {spec['name']} ({res['duration_s']:.1f} s)"
                                           + ("" if res["status"] == "ok" else f": {res['error']}"),
                                           markup=True, highlight=False)
                    progress.update(task, advance=1, description=spec["name"])
    except BaseException:
        for proc in list(getattr(pool, "_processes", {}).values()):
            with contextlib.suppress(Exception):
                proc.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        if zygote is not None:
            kernels.stop_zygote(zygote)
    pool.shutdown(wait=True)
    kernels.clean_sockets(lambda pid: pid == os.getpid())
    return [results[s["name"]] for s in specs]


def _compute_shared(store: str, year: int) -> tuple[float, str | None]:
    """In a worker: compute once, into the store's cache, what several reports share (every indicator
    per year and area, the area profiles' panel, the main changes); returns the seconds it took and
    the error's first line when it failed (as text: not every exception crosses a process boundary).

    Best effort: when it fails, the notebooks compute what they need themselves (and report real errors)."""
    t = time.perf_counter()
    try:
        panels.warm_cache(store, year)
    except Exception as exc:  # noqa: BLE001
        return time.perf_counter() - t, f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
    return time.perf_counter() - t, None


def _report_shared(fut, console: Console) -> None:
    try:
        seconds, error = fut.result()
    except Exception as exc:  # noqa: BLE001 - the worker died: the jobs still run
        seconds, error = 0.0, f"{type(exc).__name__}: {exc}"
    if error:
        console.print(f"[yellow]shared results not computed ({error}); the reports compute their own[/yellow]")
    else:
        console.print(f"shared results computed in {seconds:.1f} s", highlight=False)


def _future_result(fut, spec: dict) -> dict:
    try:
        return fut.result()
    except BrokenProcessPool as exc:
        return _failed(spec, f"the worker process died ({exc}); see .worker.log in the reports folder")
    except Exception as exc:  # a bug outside the notebook: report it as this job's failure
        return _failed(spec, f"{type(exc).__name__}: {exc}")


def _failed(spec: dict, message: str, duration: float = 0.0, started: str | None = None) -> dict:
    return {"name": spec["name"], "status": "failed", "duration_s": round(duration, 2), "error": message,
            "html_bytes": None, "started": started, "record": None}


def _manifest_entries(all_jobs: list[Job], selected: list[Job], results: list[dict], previous: dict | None,
                      staging: Path) -> list[dict]:
    """The manifest's jobs in plan order: this run's results, and for --only runs the previous ones.

    Paths are relative (to the year folder, or the notebook's name): the manifest is published and
    must not tell the server's folders."""
    by_name = {r["name"]: r for r in results}
    old = {j["name"]: j for j in (previous or {}).get("jobs", [])}
    keep_names = {j.name for j in all_jobs}
    entries = []
    for job in all_jobs:
        if job.name in by_name:
            res = by_name[job.name]
            ok = res["status"] == "ok"
            notebook_rel = f"notebooks/{job.name}.ipynb"
            entries.append({
                "name": job.name, "title": job.title, "group": job.group, "label": job.label, "mail": job.mail,
                "notebook": job.notebook.name,
                "parameters": {k: v for k, v in job.parameters.items() if k != "store"},
                "status": res["status"], "started": res.get("started"), "duration_s": res["duration_s"],
                "outputs": {"html": html_path(job) if ok else None,
                            "notebook": notebook_rel if (staging / notebook_rel).is_file() else None,
                            "record": res.get("record") if ok else None},
                "html_bytes": res.get("html_bytes"), "error": res.get("error"),
            })
        elif job.name in old:
            entries.append(old[job.name])
    for stale in set(old) - keep_names:  # jobs no longer in the plan: their files go too
        for rel in (old[stale].get("outputs") or {}).values():
            if rel:
                with contextlib.suppress(FileNotFoundError):
                    (staging / rel).unlink()
    return entries


def _recover_and_clean(out: Path, year: int | str) -> None:
    """Under the lock: undo a swap cut short, drop staging folders that killed runs left behind."""
    final = out / str(year)
    olds = sorted(out.glob(f".old-{year}-*"))
    if not final.exists() and olds:
        os.rename(olds[-1], final)
    for leftover in list(out.glob(".staging-*")) + list(out.glob(".old-*")):
        shutil.rmtree(leftover, ignore_errors=True)
    kernels.clean_sockets(kernels.pid_gone)  # socket folders of killed runs


def _swap_in(staging: Path, final: Path, out: Path) -> None:
    old = out / f".old-{final.name}-{os.getpid()}"
    if final.exists():
        os.rename(final, old)
    os.rename(staging, final)
    shutil.rmtree(old, ignore_errors=True)


def _read_manifest(year_dir: Path) -> dict | None:
    try:
        return json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def _git_commit() -> str | None:
    root = paths().root
    if not (root / ".git").exists():
        return None
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=10", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head or None


# --------------------------------------------------------------------------------------------------
# worker side: runs in the pool's processes
# --------------------------------------------------------------------------------------------------


def _worker_init(jupyter_path: str, log_file: str, preload: tuple[str, ...] = (), own_zygote: bool = True) -> None:
    """Pool initializer: die with the parent, use the private kernelspec, keep stderr out of the console;
    with ``own_zygote`` start this worker's zygote (else the run's shared one serves it)."""
    kernels.die_with_parent()  # Linux: a killed run takes its workers (and their kernels) along
    asyncio.set_event_loop_policy(None)  # a forked worker must not share the run's event loop (papermill's)
    os.environ["JUPYTER_PATH"] = os.pathsep.join([jupyter_path, os.environ.get("JUPYTER_PATH", "")]).rstrip(os.pathsep)
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    with contextlib.suppress(OSError):
        fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(fd, 2)
        os.close(fd)
    for name in ("papermill", "nbclient", "traitlets", "nbconvert"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if own_zygote and kernels.fork_supported():
        kernels.start_zygote(preload, wait=False)  # a kernel started before it is ready waits for it
    html_exporter()  # build it while the parent is still submitting


def _run_job(spec: dict) -> dict:
    """Execute one notebook with papermill, publish it as HTML and write its record; never raises for
    notebook errors (the job is then ``failed`` with the error's first line)."""
    staging = Path(spec["staging"])
    nb_out = staging / spec["outputs"]["notebook"]
    html_out = staging / spec["outputs"]["html"]
    started = now().isoformat(timespec="seconds")
    t0 = time.perf_counter()
    # Unix sockets in a private folder instead of TCP ports: parallel kernels cannot race for a port,
    # and no other local user can connect to them
    sockets = kernels.socket_folder("kernel")
    config = Config({"KernelManager": {"transport": "ipc", "ip": os.path.join(sockets, "k")}})
    try:
        for attempt in (1, 2):
            try:
                nb = papermill.execute_notebook(
                    spec["notebook"], str(nb_out), parameters=spec["parameters"], kernel_name="python3",
                    progress_bar=False, log_output=False, request_save_on_cell_execute=False,
                    cwd=str(Path(spec["notebook"]).parent), start_timeout=120, config=config)
                break
            except Exception as exc:
                if attempt == 1 and _kernel_start_failed(exc):
                    continue  # a kernel that died while starting gets one more try; a notebook error does not
                if nb_out.is_file():  # papermill saved the notebook up to the failing cell
                    with contextlib.suppress(Exception):
                        _publish_notebook(nbformat.read(str(nb_out), as_version=4), spec, nb_out)
                return _failed(spec, _error_message(exc), time.perf_counter() - t0, started)
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    duration = time.perf_counter() - t0
    node = nbformat.from_dict(nb)
    try:
        found = records.collect(node)
        record = records.write(staging, spec["name"], found) if found else None
    except ValueError as exc:
        return _failed(spec, f"records: {exc}", time.perf_counter() - t0, started)
    _publish_notebook(node, spec, nb_out)
    provenance = dict(spec["provenance"], duration=f"{duration:.1f} s".replace(".", ","))
    try:
        html_out.parent.mkdir(parents=True, exist_ok=True)  # a page in a folder of its own (the plan's html)
        atomic_write(html_out, notebook_to_html(node, provenance))
    except Exception as exc:
        return _failed(spec, "HTML: " + _error_message(exc), time.perf_counter() - t0, started)
    size = html_out.stat().st_size
    return {"name": spec["name"], "status": "ok", "duration_s": round(time.perf_counter() - t0, 2),
            "error": None if size <= MAX_REPORT_BYTES else f"warning: the HTML is {size} bytes (> 3 MB)",
            "html_bytes": size, "started": started, "record": record}


def _publish_notebook(node, spec: dict, nb_out: Path) -> None:
    """The executed notebook as published: no server paths (the store shows as its folder's name, the
    notebook and its copy by their names in the year's folder)."""
    hide = {str(Path(spec["notebook"]).resolve()): Path(spec["notebook"]).name,
            str(nb_out.resolve()): spec["outputs"]["notebook"], str(nb_out): spec["outputs"]["notebook"]}
    store = spec["parameters"].get("store")
    if store:
        hide[str(Path(store).resolve())] = Path(store).name
        hide[str(store)] = Path(store).name
    if without_server_paths(node, hide):
        nbformat.write(node, str(nb_out))


def _kernel_start_failed(exc: BaseException) -> bool:
    return not isinstance(exc, PapermillExecutionError) and "before replying to kernel_info" in str(exc)


def _error_message(exc: BaseException) -> str:
    if isinstance(exc, PapermillExecutionError):
        text = f"{exc.ename}: {exc.evalue} (cell {exc.exec_count})"
    else:
        text = f"{type(exc).__name__}: {exc}"
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # ANSI colours from tracebacks
    first = " ".join(text.split())
    return first[:600]

"""Run, publish and schedule the reports: papermill runs in parallel, self-contained HTML, index pages.

``run_reports`` reads the run plan (``config/run_plan.yaml``), validates every job's parameters against
its notebook's ``parameters`` cell before any kernel starts, runs the notebooks with papermill in a pool
of worker processes (each worker executes a notebook and converts it to HTML in-process, so neither
papermill nor nbconvert is started twice), builds the year in ``OUT/.staging-YEAR-PID/`` and swaps it
in as ``OUT/YEAR/`` only when the run has finished. A lock on ``OUT/.lock`` keeps two runs apart.

Published per year: ``YEAR/<job>.html`` (no code, no prompts, no injected parameters, images inline, a
table of contents and a provenance footer), ``YEAR/notebooks/<job>.ipynb`` (the executed notebooks),
``YEAR/manifest.json`` and ``YEAR/index.html``; across years ``OUT/index.html``.

``cycle`` is the timer's job: ingest, run, publish and mail with exit codes for monitoring.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import fcntl
import json
import logging
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from zoneinfo import ZoneInfo

from rich.console import Console

import trygghet
from trygghet.data.config import load_yaml, paths
from trygghet.data.errors import ParameterError, TrygghetError

__all__ = [
    "Job",
    "RunResult",
    "RunLockedError",
    "EXIT_OK",
    "EXIT_REPORTS_FAILED",
    "EXIT_BAD_INPUT",
    "EXIT_MAIL_FAILED",
    "MAX_REPORT_BYTES",
    "run_reports",
    "cycle",
    "load_plan",
    "validate_jobs",
    "notebook_to_html",
    "write_overview_index",
    "code_version",
    "run_lock",
]

EXIT_OK = 0
EXIT_REPORTS_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_MAIL_FAILED = 3
#: a published HTML report larger than this is flagged in the manifest and on the console
MAX_REPORT_BYTES = 3_000_000
#: parameters every notebook may declare; the pipeline fills them in for each job
COMMON_PARAMETERS = ("year", "store", "lang")
#: cell tags removed from the published HTML (besides papermill's parameter cells)
REMOVE_CELL_TAGS = ("parameters", "injected-parameters", "remove-cell", "remove_cell", "hide")
TIMEZONE = ZoneInfo("Europe/Stockholm")
PARAMETER_LABELS_SV = {"year": "år", "area": "område", "category_group": "brottsgrupp", "lang": "språk"}

_log = logging.getLogger("trygghet.publish.pipeline")


class RunLockedError(TrygghetError):
    """Another run holds the lock on the reports folder."""


@dataclass(frozen=True)
class Job:
    """One notebook run of the plan: ``name`` is unique and names the published files."""

    name: str
    notebook: Path
    title: str
    parameters: dict[str, Any]
    base: str
    group: str | None = None
    label: str | None = None
    mail: bool = True  # attached to the steering group's email (the analysts' reports are not)


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


# --------------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------------


def run_reports(
    year: int | None = None,
    store: str | Path | None = None,
    out: str | Path | None = None,
    only: list[str] | None = None,
    jobs: int = 2,
    plan: str | Path | None = None,
    console: Console | None = None,
) -> RunResult:
    """Run the plan's notebooks for ``year`` and publish them to ``out/<year>/``.

    Raises ``ParameterError`` (before any kernel starts) for an unknown job, parameter, area or a year
    without data, and ``RunLockedError`` when another run writes to ``out``. Failed notebooks do not stop
    the others: they are listed in the result's ``failed``, the manifest and the index page.
    """
    from trygghet.data import store as store_mod

    console = console or Console(stderr=True)
    if jobs < 1:
        raise ParameterError(f"--jobs must be at least 1, got {jobs}")
    store_path = store_mod.store_dir(store).resolve()
    year = int(year) if year is not None else store_mod.latest_year(store_path)
    out_path = Path(out) if out is not None else paths().reports
    plan_path = Path(plan) if plan is not None else paths().config / "run_plan.yaml"
    all_jobs = load_plan(plan_path, store_path, year)
    selected = _select(all_jobs, only)
    validate_jobs(selected, store_path, year)

    out_path.mkdir(parents=True, exist_ok=True)
    with run_lock(out_path, f"run {year}"):
        return _run_locked(year, store_path, out_path.resolve(), selected, all_jobs, jobs, console)


def cycle(
    raw: str | Path | None = None,
    store: str | Path | None = None,
    out: str | Path | None = None,
    year: int | None = None,
    jobs: int = 2,
    log: str | Path | None = None,
    mail: bool = True,
    console: Console | None = None,
    plan: str | Path | None = None,
    mail_config: str | Path | None = None,
) -> int:
    """The timer's job: ingest -> run -> publish -> mail; returns the exit code for monitoring.

    0 everything done, 1 some reports failed, 2 bad input (ingest, parameters, lock), 3 the mail was not
    delivered (it stays in the outbox and the next cycle sends it). When reports and mail both failed
    the higher code, 3, wins. One log line per step with its duration goes to ``log``
    (default ``out/cycle.log``). ``plan`` and ``mail_config`` default to ``config/run_plan.yaml`` and
    ``config/mail.yaml``.
    """
    console = console or Console(stderr=True)
    p = paths()
    raw_path = Path(raw) if raw is not None else p.raw
    store_path = Path(store) if store is not None else p.store
    out_path = Path(out) if out is not None else p.reports
    out_path.mkdir(parents=True, exist_ok=True)
    log_path = Path(log) if log is not None else out_path / "cycle.log"
    logger, handler = _cycle_logger(log_path)
    started = time.perf_counter()
    code = EXIT_OK
    logger.info("cycle start: raw=%s store=%s out=%s year=%s jobs=%d mail=%s",
                raw_path, store_path, out_path, year or "senaste", jobs, mail)
    try:
        with run_lock(out_path, "cycle"):
            code = _cycle_steps(raw_path, store_path, out_path, year, jobs, mail, console, logger, plan, mail_config)
    except TrygghetError as exc:
        logger.error("cycle stopped: bad input: %s", exc)
        console.print(f"trygghet cycle: {exc}", markup=False)
        code = EXIT_BAD_INPUT
    except Exception:  # the timer must see a code and the log the traceback
        logger.exception("cycle crashed")
        code = EXIT_REPORTS_FAILED
    finally:
        logger.info("cycle end: exit %d (%.1f s)", code, time.perf_counter() - started)
        logger.removeHandler(handler)
        handler.close()
    return code


def load_plan(plan: str | Path, store: str | Path, year: int) -> list[Job]:
    """The run plan's jobs for ``year``; ``foreach: area`` entries expand to one job per store area.

    Plan format (YAML): ``notebooks`` (folder, relative to the plan file), optional ``lang`` and a
    list ``jobs`` of ``{name, notebook, title, parameters?, foreach?, group?}``. Every job gets the
    common parameters its notebook declares: ``year``, ``store`` (absolute path) and ``lang``.
    """
    from trygghet.data import store as store_mod

    plan_path = Path(plan)
    doc = load_yaml(plan_path, "the run plan does not exist; pass --plan or restore config/run_plan.yaml")
    entries = doc.get("jobs")
    if not isinstance(entries, list) or not entries:
        raise ParameterError(f"{plan_path}: needs a non-empty list 'jobs'")
    nb_dir = (plan_path.parent / str(doc.get("notebooks", "."))).resolve()
    lang = str(doc.get("lang", "sv"))
    common = {"year": int(year), "store": str(Path(store).resolve()), "lang": lang}
    result: list[Job] = []
    for i, entry in enumerate(entries, 1):
        result.extend(_expand_entry(plan_path, i, entry, nb_dir, common, store, store_mod))
    names = [j.name for j in result]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ParameterError(f"{plan_path}: job names must be unique; repeated: {', '.join(dupes)}")
    return result


def validate_jobs(jobs: list[Job], store: str | Path, year: int) -> None:
    """Check every job's parameters against its notebook's ``parameters`` cell and the store.

    Raises ``ParameterError`` with one line for the first problem: a notebook without a parameters cell,
    an unknown parameter name, a value of the wrong type, an unknown area or a year without data.
    """
    from trygghet.data import store as store_mod

    have_years = store_mod.years(store)
    if int(year) not in have_years:
        span = f"{have_years[0]}–{have_years[-1]}" if have_years else "none"
        raise ParameterError(f"year {year} has no offences in the store {store} (years with data: {span}); "
                             "pick one of those years with --year")
    areas: list[str] | None = None
    declared_cache: dict[Path, dict[str, dict]] = {}
    for job in jobs:
        if job.notebook not in declared_cache:
            declared_cache[job.notebook] = _declared_parameters(job.notebook)
        declared = declared_cache[job.notebook]
        for name, value in job.parameters.items():
            if name not in declared:
                raise ParameterError(
                    f"job '{job.name}': notebook {job.notebook.name} has no parameter '{name}' "
                    f"(it declares: {', '.join(declared) or 'none'}); fix the run plan or the notebook")
            _check_type(job, name, value, declared[name])
        if "area" in job.parameters:
            areas = areas if areas is not None else store_mod.area_names(store)
            if job.parameters["area"] not in areas:
                raise ParameterError(f"job '{job.name}': unknown area '{job.parameters['area']}'; "
                                     f"the store's areas are: {', '.join(areas)}")


def notebook_to_html(nb, provenance: dict | None = None) -> str:
    """An executed notebook as a self-contained HTML page (str) the steering group can read.

    No code, no prompts, no parameter cells, no stderr output; images stay inline (base64); a table of
    contents from the headings and, with ``provenance`` (keys ``title``, ``year``, ``notebook``,
    ``parameters_text``, ``fingerprint``, ``code_version``, ``run_at``, ``duration``, ``run_id``), a
    header and a provenance footer. Nothing is fetched from the web when the page opens.
    """
    import copy

    exporter = _html_exporter()
    resources = {"trygghet": provenance or {}}
    if provenance and provenance.get("title"):  # the browser tab's and the attachment's <title>
        resources["metadata"] = {"name": str(provenance["title"])}
    body, _ = exporter.from_notebook_node(copy.deepcopy(nb), resources=resources)
    return _insert_toc(body)


def write_overview_index(out: str | Path) -> Path:
    """Write ``out/index.html`` listing every published year (from each year's manifest)."""
    out_path = Path(out)
    years = []
    for manifest in sorted(out_path.glob("[0-9][0-9][0-9][0-9]/manifest.json"), reverse=True):
        try:
            m = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        jobs = m.get("jobs", [])
        years.append({
            "year": m.get("year", manifest.parent.name),
            "total": len(jobs),
            "failed": sum(1 for j in jobs if j.get("status") != "ok"),
            "run_at": _format_time(m.get("finished") or m.get("started")),
        })
    html = _render_template("index_all.html.j2", years=years)
    target = out_path / "index.html"
    _atomic_write(target, html)
    return target


def code_version() -> str:
    """``trygghet.__version__`` plus the git commit of the clone when there is one (``0.1.0+g1a2b3c4``)."""
    commit = _git_commit()
    return f"{trygghet.__version__}+g{commit}" if commit else trygghet.__version__


@contextlib.contextmanager
def run_lock(out: str | Path, what: str) -> Iterator[None]:
    """Hold ``out/.lock`` (fcntl.flock) for the block; re-entrant within one process.

    Raises ``RunLockedError`` naming the holder's pid when another process has it.
    """
    out_path = Path(out).resolve()
    key = str(out_path)
    if key in _HELD_LOCKS:
        _HELD_LOCKS[key][1] += 1
        try:
            yield
        finally:
            _HELD_LOCKS[key][1] -= 1
        return
    out_path.mkdir(parents=True, exist_ok=True)
    lock_file = out_path / ".lock"
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 300, 0).decode("utf-8", "replace").strip() or "unknown process"
        os.close(fd)
        raise RunLockedError(
            f"{out_path} is being written by another trygghet run ({holder}); "
            "wait until it finishes, then run again") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"pid {os.getpid()}, {what}, since {_now().isoformat(timespec='seconds')}\n".encode(), 0)
    _HELD_LOCKS[key] = [fd, 1]
    try:
        yield
    finally:
        del _HELD_LOCKS[key]
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing releases the flock


# --------------------------------------------------------------------------------------------------
# run: orchestration
# --------------------------------------------------------------------------------------------------

_HELD_LOCKS: dict[str, list] = {}


def _run_locked(year: int, store: Path, out: Path, selected: list[Job], all_jobs: list[Job],
                workers: int, console: Console) -> RunResult:
    from trygghet.data import store as store_mod

    started_wall = _now()
    t0 = time.perf_counter()
    _recover_and_clean(out, year)
    final = out / str(year)
    staging = out / f".staging-{year}-{os.getpid()}"
    previous = _read_manifest(final)
    partial = len(selected) < len(all_jobs)
    if partial and final.is_dir():
        shutil.copytree(final, staging, symlinks=True)
    else:
        staging.mkdir(parents=True)
    (staging / "notebooks").mkdir(exist_ok=True)
    published = False
    try:
        run_id = f"{year}-{started_wall.astimezone(dt.timezone.utc):%Y%m%dT%H%M%SZ}-{os.getpid()}"
        fingerprint = str(store_mod.store_info(store).get("fingerprint", "okänt"))
        context = {"run_id": run_id, "fingerprint": fingerprint, "code_version": code_version(),
                   "year": year, "run_at": _format_time(started_wall.isoformat())}
        specs = [_job_spec(job, staging, context) for job in _order(selected, previous)]
        for spec in specs:  # a job run now replaces its old outputs, whatever the outcome
            for key in ("html", "notebook"):
                with contextlib.suppress(FileNotFoundError):
                    (staging / spec["outputs"][key]).unlink()
        results = _execute(specs, workers, out, console, before=lambda: _warm_cache(store, year, console))
        records = _merge_records(all_jobs, selected, results, previous, staging)
        failed = [r["name"] for r in results if r["status"] != "ok"]
        manifest = {
            "run_id": run_id,
            "year": year,
            "status": "failed" if any(r["status"] != "ok" for r in records) else "ok",
            "started": started_wall.isoformat(timespec="seconds"),
            "finished": _now().isoformat(timespec="seconds"),
            "duration_s": round(time.perf_counter() - t0, 2),
            "store": str(store),
            "data_fingerprint": fingerprint,
            "code_version": context["code_version"],
            "trygghet_version": trygghet.__version__,
            "git_commit": _git_commit(),
            "workers": workers,
            "only": sorted({j.name for j in selected}) if partial else None,
            "jobs": records,
        }
        _atomic_write(staging / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        _write_year_index(staging, manifest)
        if len(failed) == len(results) and final.is_dir():
            console.print(f"[red]no report of {year} succeeded; the published reports in {final} are kept[/red]")
        else:
            _swap_in(staging, final, out)
            published = True
            write_overview_index(out)
    finally:
        if not published:
            shutil.rmtree(staging, ignore_errors=True)
    index = final / "index.html"
    _summary(console, results, index, published)
    return RunResult(year=year, index_path=index, manifest_path=final / "manifest.json", failed=failed,
                     jobs=records, published=published, duration_s=round(time.perf_counter() - t0, 2))


def _execute(specs: list[dict], workers: int, out: Path, console: Console, before=None) -> list[dict]:
    """Run the job specs in a pool of ``workers`` processes with a progress bar; results in spec order.

    ``before()`` runs in this process while the workers start (imports, kernel zygotes), before any job.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    kernel_path = _write_kernelspec(out)
    (out / ".worker.log").write_text("", encoding="utf-8")  # the kernels' stderr of this run only
    results: dict[str, dict] = {}
    ctx = multiprocessing.get_context("spawn")
    progress = Progress(SpinnerColumn(), TextColumn("[bold]rapporter"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TextColumn("{task.description}"), console=console, transient=False)
    with progress:
        task = progress.add_task("", total=len(specs))
        pool = ProcessPoolExecutor(max_workers=min(workers, len(specs)) or 1, mp_context=ctx,
                                   initializer=_worker_init,
                                   initargs=(str(kernel_path), str(out / ".worker.log"), _preload_modules(specs)))
        try:
            for _ in range(min(workers, len(specs))):
                pool.submit(os.getpid)  # start the workers now, so they get ready while before() runs
            if before is not None:
                before()
            pending = {pool.submit(_run_job, spec): spec for spec in specs}
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    spec = pending.pop(fut)
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
        pool.shutdown(wait=True)
    _clean_sockets(lambda pid: pid == os.getpid())
    return [results[s["name"]] for s in specs]


def _clean_sockets(remove) -> None:
    """Remove the temp folders of kernel sockets whose run pid ``remove(pid)`` says are done."""
    import glob
    import tempfile

    for folder in glob.glob(os.path.join(tempfile.gettempdir(), "trygghet-[kz]*-[0-9]*-*")):
        m = re.search(r"trygghet-(?:kernel|zygote)-(\d+)-", folder)
        if m and remove(int(m.group(1))):
            shutil.rmtree(folder, ignore_errors=True)


def _pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _warm_cache(store: Path, year: int, console: Console) -> None:
    """Compute once, into the store's cache, what many reports share (indicators, panels, changes).

    Best effort: when it fails the notebooks compute what they need themselves (and report real errors).
    """
    from trygghet.reports import situation_picture

    t = time.perf_counter()
    try:
        situation_picture.warm_cache(store, year)
    except Exception as exc:
        console.print(f"[yellow]cache not warmed ({type(exc).__name__}: {exc}); the reports compute their own[/yellow]")
        return
    console.print(f"shared results computed in {time.perf_counter() - t:.1f} s", highlight=False)


def _future_result(fut, spec: dict) -> dict:
    try:
        return fut.result()
    except BrokenProcessPool as exc:
        return _failed(spec, f"the worker process died ({exc}); see .worker.log in the reports folder")
    except Exception as exc:  # a bug outside the notebook: report it as this job's failure
        return _failed(spec, f"{type(exc).__name__}: {exc}")


def _failed(spec: dict, message: str) -> dict:
    return {"name": spec["name"], "status": "failed", "duration_s": 0.0, "error": message,
            "html_bytes": None, "started": None}


def _cycle_steps(raw: Path, store: Path, out: Path, year: int | None, jobs: int, mail: bool,
                 console: Console, logger: logging.Logger, plan, mail_config) -> int:
    from trygghet.data.ingest import ingest, print_summary

    t = time.perf_counter()
    report = ingest(raw, store)
    logger.info("ingest ok: %s -> %s, %d files, %d rows rejected, fingerprint %s (%.1f s)", raw, store,
                len(report.files), report.rows_rejected, str(report.fingerprint)[:12], time.perf_counter() - t)
    print_summary(report, console)

    t = time.perf_counter()
    result = run_reports(year=year, store=store, out=out, jobs=jobs, plan=plan, console=console)
    ok_count = len(result.jobs) - len([j for j in result.jobs if j.get("status") != "ok"])
    if result.failed:
        logger.error("run %d: %d failed (%s); %s (%.1f s)", result.year, len(result.failed),
                     ", ".join(result.failed), "published" if result.published else "NOT published",
                     time.perf_counter() - t)
    else:
        logger.info("run %d ok: %d reports published to %s (%.1f s)", result.year, ok_count,
                    result.index_path, time.perf_counter() - t)
    code = EXIT_REPORTS_FAILED if result.failed else EXIT_OK
    if not mail:
        logger.info("mail skipped (--no-mail)")
        return code
    if not result.published:
        logger.error("mail skipped: nothing was published for %d", result.year)
        return code
    from trygghet.publish.mail import send_reports

    t = time.perf_counter()
    sent = send_reports(year=result.year, reports=out, config=mail_config, dry_run=False, console=console)
    if sent.ok:
        logger.info("mail ok: %s (%.1f s)", sent.summary, time.perf_counter() - t)
    else:
        logger.error("mail failed: %s (%.1f s)", sent.summary, time.perf_counter() - t)
        code = max(code, EXIT_MAIL_FAILED)
    return code


def _cycle_logger(log_path: Path) -> tuple[logging.Logger, logging.Handler]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger("trygghet.cycle")
    logger.setLevel(logging.INFO)
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s pid=%(process)d %(message)s"))
    logger.addHandler(handler)
    return logger, handler


# --------------------------------------------------------------------------------------------------
# plan and validation helpers
# --------------------------------------------------------------------------------------------------


def _expand_entry(plan_path: Path, i: int, entry: Any, nb_dir: Path, common: dict, store, store_mod) -> list[Job]:
    where = f"{plan_path}: job {i}"
    if not isinstance(entry, dict) or "name" not in entry or "notebook" not in entry:
        raise ParameterError(f"{where}: each job needs 'name' and 'notebook'")
    unknown = set(entry) - {"name", "notebook", "title", "parameters", "foreach", "group", "mail"}
    if unknown:
        raise ParameterError(f"{where} ('{entry['name']}'): unknown key(s) {', '.join(sorted(unknown))}; "
                             "allowed: name, notebook, title, parameters, foreach, group, mail")
    mail = entry.get("mail", True)
    if not isinstance(mail, bool):
        raise ParameterError(f"{where} ('{entry['name']}'): 'mail' must be true or false, got {mail!r}")
    name = str(entry["name"])
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise ParameterError(f"{where}: job name '{name}' must be lower-case letters, digits, '-' or '_'")
    notebook = (nb_dir / str(entry["notebook"])).resolve()
    if not notebook.is_file():
        raise ParameterError(f"{where} ('{name}'): notebook {notebook} does not exist")
    params = entry.get("parameters") or {}
    if not isinstance(params, dict):
        raise ParameterError(f"{where} ('{name}'): 'parameters' must be a mapping of name: value")
    declared = _declared_parameters(notebook)
    base = {k: v for k, v in common.items() if k in declared}
    title = str(entry.get("title") or name)
    foreach = entry.get("foreach")
    if foreach is None:
        return [Job(name=name, notebook=notebook, title=title, parameters={**base, **params}, base=name,
                    group=entry.get("group"), mail=mail)]
    if foreach != "area":
        raise ParameterError(f"{where} ('{name}'): foreach '{foreach}' is not supported; use 'foreach: area'")
    group = str(entry.get("group") or title)
    return [Job(name=f"{name}-{_slug(area)}", notebook=notebook, title=f"{title} – {area}",
                parameters={**base, **params, "area": area}, base=name, group=group, label=area, mail=mail)
            for area in store_mod.area_names(store)]


def _select(all_jobs: list[Job], only: list[str] | None) -> list[Job]:
    if not only:
        return list(all_jobs)
    wanted = [o.strip() for item in only for o in str(item).split(",") if o.strip()]
    unknown = [w for w in wanted if not any(w in (j.name, j.base) for j in all_jobs)]
    if unknown:
        names = sorted({j.base for j in all_jobs} | {j.name for j in all_jobs})
        raise ParameterError(f"--only: no job named {', '.join(repr(u) for u in unknown)} in the run plan; "
                             f"known: {', '.join(names)}")
    return [j for j in all_jobs if j.name in wanted or j.base in wanted]


def _declared_parameters(notebook: Path) -> dict[str, dict]:
    import nbformat
    import papermill

    nb = nbformat.read(notebook, as_version=4)
    if not any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb.cells):
        raise ParameterError(f"{notebook}: no cell is tagged 'parameters'; tag the cell that sets the defaults")
    try:
        return dict(papermill.inspect_notebook(str(notebook)))
    except ValueError as exc:
        raise ParameterError(f"{notebook}: cannot read its parameters ({exc}); save it with the Python 3 kernel") from exc


_TYPES = {"int": int, "str": str, "float": float, "bool": bool, "list": list, "dict": dict}


def _check_type(job: Job, name: str, value: Any, declared: dict) -> None:
    expected = _TYPES.get(str(declared.get("inferred_type_name")))
    if expected is None:
        with contextlib.suppress(ValueError, SyntaxError, TypeError):
            default = ast.literal_eval(str(declared.get("default")))
            expected = type(default) if default is not None and type(default) in _TYPES.values() else None
    if expected is None:
        return
    ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        ok = True
    if not ok:
        raise ParameterError(f"job '{job.name}': parameter '{name}' of {job.notebook.name} must be "
                             f"{expected.__name__}, got {value!r} ({type(value).__name__})")


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "omrade"


def _order(jobs: list[Job], previous: dict | None) -> list[Job]:
    """Longest jobs first (by the previous run's durations), so the pool finishes together."""
    if not previous:
        return list(jobs)
    durations = {j["name"]: j.get("duration_s") or 0 for j in previous.get("jobs", [])}
    return sorted(jobs, key=lambda j: -durations.get(j.name, 0))


def _job_spec(job: Job, staging: Path, context: dict) -> dict:
    shown = {k: v for k, v in job.parameters.items() if k != "store"}
    return {
        "name": job.name,
        "title": job.title,
        "notebook": str(job.notebook),
        "parameters": job.parameters,
        "staging": str(staging),
        "outputs": {"html": f"{job.name}.html", "notebook": f"notebooks/{job.name}.ipynb"},
        "provenance": {
            "title": job.title,
            "year": context["year"],
            "notebook": job.notebook.name,
            "parameters_text": _params_text(shown),
            "fingerprint": context["fingerprint"],
            "code_version": context["code_version"],
            "run_at": context["run_at"],
            "run_id": context["run_id"],
        },
    }


def _params_text(params: dict) -> str:
    return ", ".join(f"{PARAMETER_LABELS_SV.get(k, k)} = {v}" for k, v in params.items()) or "inga"


def _merge_records(all_jobs: list[Job], selected: list[Job], results: list[dict], previous: dict | None,
                   staging: Path) -> list[dict]:
    """Manifest records in plan order: this run's results, and for --only runs the previous ones."""
    by_name = {r["name"]: r for r in results}
    old = {j["name"]: j for j in (previous or {}).get("jobs", [])}
    keep_names = {j.name for j in all_jobs}
    records = []
    for job in all_jobs:
        if job.name in by_name:
            res = by_name[job.name]
            records.append({
                "name": job.name, "title": job.title, "group": job.group, "label": job.label, "mail": job.mail,
                "notebook": str(job.notebook), "parameters": job.parameters, "status": res["status"],
                "started": res.get("started"), "duration_s": res["duration_s"],
                "outputs": {"html": f"{job.name}.html" if res["status"] == "ok" else None,
                            "notebook": f"notebooks/{job.name}.ipynb"
                            if (staging / "notebooks" / f"{job.name}.ipynb").is_file() else None},
                "html_bytes": res.get("html_bytes"), "error": res.get("error"),
            })
        elif job.name in old:
            records.append(old[job.name])
    for stale in set(old) - keep_names:  # jobs no longer in the plan: their files go too
        for rel in (old[stale].get("outputs") or {}).values():
            if rel:
                with contextlib.suppress(FileNotFoundError):
                    (staging / rel).unlink()
    return records


# --------------------------------------------------------------------------------------------------
# publishing helpers
# --------------------------------------------------------------------------------------------------


def _recover_and_clean(out: Path, year: int) -> None:
    """Under the lock: undo a swap cut short, drop staging folders that killed runs left behind."""
    final = out / str(year)
    olds = sorted(out.glob(f".old-{year}-*"))
    if not final.exists() and olds:
        os.rename(olds[-1], final)
    for leftover in list(out.glob(".staging-*")) + list(out.glob(".old-*")):
        shutil.rmtree(leftover, ignore_errors=True)
    _clean_sockets(_pid_gone)  # socket folders of killed runs


def _swap_in(staging: Path, final: Path, out: Path) -> None:
    old = out / f".old-{final.name}-{os.getpid()}"
    if final.exists():
        os.rename(final, old)
    os.rename(staging, final)
    shutil.rmtree(old, ignore_errors=True)


def _read_manifest(year_dir: Path) -> dict | None:
    path = year_dir / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def _write_year_index(year_dir: Path, manifest: dict) -> Path:
    ok = [j for j in manifest["jobs"] if j.get("status") == "ok"]
    failed = [j for j in manifest["jobs"] if j.get("status") != "ok"]
    for j in ok:  # shown beside each link; the manifest itself is already written
        shown = {k: v for k, v in (j.get("parameters") or {}).items() if k not in ("store", "year", "lang")}
        j["params_text"] = _params_text(shown) if shown else ""
    reports = [j for j in ok if not j.get("group")]
    groups: dict[str, list] = {}
    for j in ok:
        if j.get("group"):
            groups.setdefault(j["group"], []).append(j)
    html = _render_template("index_year.html.j2", m=manifest, reports=reports, groups=list(groups.items()),
                            failed=failed, run_at=_format_time(manifest.get("finished")),
                            code_version=manifest.get("code_version", ""))
    target = year_dir / "index.html"
    _atomic_write(target, html)
    return target


def _render_template(name: str, **context) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(_templates_dir())),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=True,
                             lstrip_blocks=True)
    return env.get_template(name).render(**context)


def _templates_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "templates"


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _summary(console: Console, results: list[dict], index: Path, published: bool) -> None:
    ok = sum(1 for r in results if r["status"] == "ok")
    console.print(f"{ok} of {len(results)} reports ok" + ("" if published else " — nothing published"),
                  highlight=False)


def _now() -> dt.datetime:
    return dt.datetime.now(TIMEZONE)


def _format_time(iso: str | None) -> str:
    if not iso:
        return "okänd tid"
    from babel.dates import format_datetime

    when = dt.datetime.fromisoformat(iso)
    if when.tzinfo is None:
        when = when.replace(tzinfo=TIMEZONE)
    return format_datetime(when.astimezone(TIMEZONE), "d MMMM y 'kl.' HH:mm", locale="sv_SE")


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

_EXPORTER = None


def _write_kernelspec(out: Path) -> Path:
    """A private Jupyter path whose ``python3`` kernel is this interpreter (the venv's python).

    A user-level ``python3`` kernelspec pointing at another Python must not take over the runs.
    """
    base = out / ".jupyter"
    spec_dir = base / "kernels" / "python3"
    spec_dir.mkdir(parents=True, exist_ok=True)
    launcher = ["-m", "trygghet.publish.pipeline", "--kernel-client"] if _fork_supported() else ["-m", "ipykernel_launcher"]
    spec = {
        "argv": [sys.executable, *launcher, "-f", "{connection_file}"],
        "display_name": "Python 3 (trygghet)",
        "language": "python",
        "env": {"PYDEVD_DISABLE_FILE_VALIDATION": "1"},
        "metadata": {"debugger": False},
    }
    _atomic_write(spec_dir / "kernel.json", json.dumps(spec, indent=1))
    return base


def _worker_init(jupyter_path: str, log_file: str, preload: tuple[str, ...] = ()) -> None:
    """Pool initializer: die with the parent, use the private kernelspec, keep stderr out of the console."""
    _die_with_parent()  # Linux: a killed run takes its workers (and their kernels) along
    os.environ["JUPYTER_PATH"] = os.pathsep.join([jupyter_path, os.environ.get("JUPYTER_PATH", "")]).rstrip(os.pathsep)
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    with contextlib.suppress(OSError):
        fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(fd, 2)
        os.close(fd)
    for name in ("papermill", "nbclient", "traitlets", "nbconvert"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if _fork_supported():
        _start_zygote(preload)
    _html_exporter()  # build it while the parent is still submitting


def _run_job(spec: dict) -> dict:
    """Execute one notebook with papermill and publish it as HTML; never raises for notebook errors."""
    import tempfile

    import nbformat
    import papermill
    from traitlets.config import Config

    staging = Path(spec["staging"])
    nb_out = staging / spec["outputs"]["notebook"]
    html_out = staging / spec["outputs"]["html"]
    started = _now().isoformat(timespec="seconds")
    t0 = time.perf_counter()
    # Unix sockets in a private folder instead of TCP ports: parallel kernels cannot race for a port,
    # and no other local user can connect to them
    sockets = tempfile.mkdtemp(prefix=f"trygghet-kernel-{os.getppid()}-")
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
                return {"name": spec["name"], "status": "failed", "duration_s": round(time.perf_counter() - t0, 2),
                        "error": _error_message(exc), "html_bytes": None, "started": started}
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    duration = time.perf_counter() - t0
    provenance = dict(spec["provenance"], duration=f"{duration:.1f} s".replace(".", ","))
    try:
        html = notebook_to_html(nbformat.from_dict(nb), provenance)
        _atomic_write(html_out, html)
    except Exception as exc:
        return {"name": spec["name"], "status": "failed", "duration_s": round(time.perf_counter() - t0, 2),
                "error": "HTML: " + _error_message(exc), "html_bytes": None, "started": started}
    size = html_out.stat().st_size
    return {"name": spec["name"], "status": "ok", "duration_s": round(time.perf_counter() - t0, 2),
            "error": None if size <= MAX_REPORT_BYTES else f"warning: the HTML is {size} bytes (> 3 MB)",
            "html_bytes": size, "started": started}


def _kernel_start_failed(exc: BaseException) -> bool:
    from papermill.exceptions import PapermillExecutionError

    return not isinstance(exc, PapermillExecutionError) and "before replying to kernel_info" in str(exc)


def _error_message(exc: BaseException) -> str:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        text = f"{exc.ename}: {exc.evalue} (cell {exc.exec_count})"
    else:
        text = f"{type(exc).__name__}: {exc}"
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # ANSI colours from tracebacks
    first = " ".join(text.split())
    return first[:600]


def _html_exporter():
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter
        from nbconvert.preprocessors import TagRemovePreprocessor

        exporter = HTMLExporter(
            template_name="trygghet",
            extra_template_basedirs=[str(_templates_dir() / "nbconvert")],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            embed_images=True,
            language_code="sv",
            theme="light",
        )
        exporter.register_preprocessor(
            TagRemovePreprocessor(remove_cell_tags=REMOVE_CELL_TAGS, remove_input_tags=("remove-input",),
                                  remove_all_outputs_tags=("remove-output",)), enabled=True)
        exporter.register_preprocessor(_publish_filter, enabled=True)
        _EXPORTER = exporter
    return _EXPORTER


def _publish_filter(nb, resources):
    """Drop what a reader must not see: stderr streams, papermill's error banner, empty code cells."""
    cells = []
    for cell in nb.cells:
        if "papermill-error-cell-tag" in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
            if not cell.outputs:
                continue
        cells.append(cell)
    nb.cells = cells
    return nb, resources


_HEADING = re.compile(r'<h([1-3]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)


def _insert_toc(body: str) -> str:
    """Replace the template's ``<!--trygghet-toc-->`` with a list of the h2/h3 headings (h1 if none)."""
    import html as html_mod

    found = [(int(level), anchor, html_mod.unescape(re.sub(r"<[^>]+>", "", text)).replace("¶", "").strip())
             for level, anchor, text in _HEADING.findall(body)]
    entries = [f for f in found if f[0] >= 2] or found
    if len(entries) < 2:
        return body.replace("<!--trygghet-toc-->", "", 1)
    items = "\n".join(f'<li class="toc-{level}"><a href="#{anchor}">{html_mod.escape(text)}</a></li>'
                      for level, anchor, text in entries)
    nav = f'<nav class="trygghet-toc" aria-label="Innehåll"><h2>Innehåll</h2><ol>\n{items}\n</ol></nav>'
    return body.replace("<!--trygghet-toc-->", nav, 1)


# --------------------------------------------------------------------------------------------------
# fast kernels: a pre-imported "zygote" per worker forks a fresh kernel for each notebook
# --------------------------------------------------------------------------------------------------
#
# Starting a kernel costs a Python start plus the imports of the report libraries (pandas, geopandas,
# matplotlib, trygghet ...), about 3 s of CPU per notebook. Each worker starts one zygote process that
# imports ipykernel and the modules the plan's notebooks import, once. The kernelspec's command is a tiny
# client (``python -m trygghet.publish.pipeline --kernel-client -f CONNECTION_FILE``) that asks the zygote to
# fork: the child takes the client's stdin/stdout/stderr, working folder and environment and becomes an
# ordinary IPython kernel — a fresh process with nothing of the other notebooks in it. The client stays
# as the kernel's stand-in for jupyter_client: it relays signals (interrupt, terminate) and exits when the
# kernel exits; the kernel exits when the client is killed. Without the zygote (another OS, an error)
# the client execs the normal ``ipykernel_launcher``.

_ZYGOTE_ENV = "TRYGGHET_KERNEL_ZYGOTE"


def _fork_supported() -> bool:
    import socket

    return sys.platform.startswith("linux") and hasattr(os, "pidfd_open") and hasattr(socket, "send_fds")


def _preload_modules(specs: list[dict]) -> tuple[str, ...]:
    """The modules the plan's notebooks import (from their code cells), for the zygote to import once."""
    import nbformat

    found: set[str] = set()
    for path in {s["notebook"] for s in specs}:
        with contextlib.suppress(Exception):
            for cell in nbformat.read(path, as_version=4).cells:
                if cell.cell_type != "code":
                    continue
                try:
                    tree = ast.parse("\n".join(line for line in cell.source.splitlines()
                                               if not line.lstrip().startswith(("%", "!"))))
                except SyntaxError:
                    continue
                for node in ast.walk(tree):
                    if isinstance(node, ast.Import):
                        found.update(a.name for a in node.names)
                    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                        found.add(node.module)
                        found.update(f"{node.module}.{a.name}" for a in node.names)
    return tuple(sorted(found))


def _start_zygote(preload: tuple[str, ...]) -> subprocess.Popen:
    """Start this worker's zygote (it dies with the worker); its socket lives in a private temp folder
    named after the run's pid, which the run removes when it ends."""
    import tempfile

    folder = tempfile.mkdtemp(prefix=f"trygghet-zygote-{os.getppid()}-")
    path = os.path.join(folder, "s")
    proc = subprocess.Popen([sys.executable, "-m", "trygghet.publish.pipeline", "--kernel-zygote", path, *preload],
                            stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not os.path.exists(path) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if os.path.exists(path):
        os.environ[_ZYGOTE_ENV] = path  # the kernel clients this worker starts inherit it
    return proc


def _zygote_main(path: str, preload: list[str]) -> None:
    """Import once, then fork one kernel per request on the Unix socket ``path``."""
    import importlib
    import json as json_mod
    import signal
    import socket

    _die_with_parent()
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    import ipykernel.kernelapp  # noqa: F401  (the expensive part of every kernel)

    for name in preload:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forked kernels are reaped by the system
    server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    server.bind(path + ".tmp")
    server.listen(8)
    os.rename(path + ".tmp", path)  # ready
    while True:
        conn, _ = server.accept()
        try:
            data, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
            request = json_mod.loads(data)
        except (OSError, ValueError):
            conn.close()
            continue
        if os.fork() == 0:
            server.close()
            _kernel_child(conn, fds, request)  # never returns
        for fd in fds:
            os.close(fd)
        conn.close()


def _kernel_child(conn, fds: list[int], request: dict) -> None:
    import signal
    import threading

    try:
        os.setsid()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        client = int(request["client_pid"])
        conn.send(json.dumps({"pid": os.getpid()}).encode())
        conn.close()

        def watch() -> None:  # the client is jupyter_client's handle on us: when it dies, so do we
            import select

            try:
                fd = os.pidfd_open(client)
            except ProcessLookupError:
                os._exit(1)
            select.select([fd], [], [])
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
        from ipykernel.kernelapp import IPKernelApp

        # parent_handle as a normal launch has it (from JPY_PARENT_PID): no connection banner on stdout
        argv = ["-f", request["connection_file"], f"--IPKernelApp.parent_handle={client}"]
        sys.argv = ["ipykernel_launcher", *argv]
        IPKernelApp.launch_instance(argv=argv)
    except BaseException:  # noqa: BLE001 - a forked child must never return into the zygote's loop
        import traceback

        with contextlib.suppress(Exception):
            traceback.print_exc()
        os._exit(1)
    os._exit(0)


def _kernel_client_main(connection_file: str) -> None:
    """The kernelspec's command: get a kernel forked by the worker's zygote and stand in for it."""
    import select
    import signal
    import socket

    path = os.environ.get(_ZYGOTE_ENV)
    pid = None
    if path:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
                s.connect(path)
                request = {"connection_file": os.path.abspath(connection_file), "cwd": os.getcwd(),
                           "env": dict(os.environ), "client_pid": os.getpid()}
                socket.send_fds(s, [json.dumps(request).encode()], [0, 1, 2])
                pid = int(json.loads(s.recv(4096))["pid"])
        except (OSError, ValueError, KeyError):
            pid = None
    if pid is None:  # no zygote: an ordinary kernel
        os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file])
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, lambda signum, _frame: os.kill(pid, signum))
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    parent = os.getppid()
    while True:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            return
        if os.getppid() != parent:  # the worker is gone (a killed run): take the kernel along
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            return


def _die_with_parent() -> None:
    with contextlib.suppress(Exception):  # Linux only; elsewhere the process simply outlives a killed run
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


if __name__ == "__main__":
    if sys.argv[1:2] == ["--kernel-zygote"]:
        _zygote_main(sys.argv[2], sys.argv[3:])
    elif sys.argv[1:2] == ["--kernel-client"] and sys.argv[2:3] == ["-f"]:
        _kernel_client_main(sys.argv[3])
    else:
        sys.exit("usage: python -m trygghet.publish.pipeline --kernel-zygote SOCKET [MODULE ...] | --kernel-client -f FILE")

"""Many municipalities at once: every job (municipality × report) a task on dask.distributed.

``run_many`` reads a list of municipality stores (a folder of stores, or a YAML file ``code: store``),
plans and validates each one's run plan in this process (a municipality whose plan or store is bad is
reported and skipped; the others run), then publishes every municipality like ``trygghet run`` does —
staging folder, manifest, index page, atomic swap, :func:`trygghet.publish.run.publish_jobs` — into its
own folder ``OUT/<key>/<year>/``, with the notebooks run as tasks on a Dask cluster: a ``LocalCluster`` of
``workers`` single-threaded worker processes by default, or the scheduler at ``scheduler``
(``tcp://host:8786``: a cluster started with ``dask scheduler``/``dask worker``, dask-jobqueue or
Kubernetes, whose workers have this library installed and see ``OUT`` and the stores at the same paths).

A task is :func:`trygghet.publish.run._run_job` — the single-machine run's own job — so a report is the
same whichever path ran it. The results several reports of a store share are one task, which that store's
``shared`` jobs depend on. A worker that dies is replaced by its nanny and its tasks are rescheduled by
Dask (``retries`` more attempts of a task that failed on a lost worker); a notebook's own error is a
failed job, never a retry. One municipality's failure never stops the others. Afterwards the run's
``OUT/index.html`` links every municipality, ``OUT/run.json`` lists them, and with ``regional`` the
regional picture (``OUT/region/``) sets them side by side.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from distributed import Client, LocalCluster, WorkerPlugin, as_completed
from rich.console import Console

from trygghet.data import store as store_mod
from trygghet.data.config import load_yaml, paths
from trygghet.data.errors import ParameterError, TrygghetError
from trygghet.publish import kernels
from trygghet.publish import run as run_mod
from trygghet.publish.html import format_time, html_exporter, templates_dir
from trygghet.publish.lock import atomic_write, now
from trygghet.publish.plan import Job, load_plan, select_jobs, validate_jobs

__all__ = ["KernelSetup", "ManyResult", "Municipality", "read_stores", "run_many"]


@dataclass(frozen=True)
class Municipality:
    """One store of the run: ``key`` names its folder under OUT (its code, or the name the list gives)."""

    key: str
    store: Path


@dataclass
class ManyResult:
    """What a run over many stores published: one entry per municipality (key, code, name, status,
    index, reports, failed, error) and the tasks run."""

    index_path: Path
    municipalities: list[dict] = field(default_factory=list)
    tasks_total: int = 0
    tasks_done: int = 0
    duration_s: float = 0.0
    regional: Path | None = None

    @property
    def failed(self) -> list[str]:
        """Keys of the municipalities with a failed report or no reports at all."""
        return [m["key"] for m in self.municipalities if m["status"] != "ok"]


def read_stores(stores: str | Path) -> list[Municipality]:
    """The municipalities of a run: a folder whose sub-folders are stores (key: the store's municipality
    code, or the folder's name when two stores share a code), or a YAML file mapping a key (the code) to
    a store folder (relative paths from the file's folder)."""
    path = Path(stores)
    if path.is_file():
        doc = load_yaml(path, "pass --stores a folder of stores or a YAML file `code: store folder`")
        if not isinstance(doc, dict) or not doc:
            raise ParameterError(f"{path}: needs a mapping `code: store folder`, e.g. `\"2581\": stores/pitea`")
        found = [Municipality(str(k).strip(), (path.parent / str(v)).resolve()) for k, v in doc.items()]
    elif path.is_dir():
        folders = sorted(p for p in path.iterdir() if (p / "store.json").is_file())
        if not folders:
            raise ParameterError(f"{path}: no store in it (a store is a folder with store.json, written by "
                                 "`trygghet ingest RAW --out FOLDER`); pass a folder of stores or a YAML list")
        codes = [_code(p) for p in folders]
        found = [Municipality(code if codes.count(code) == 1 else p.name, p.resolve())
                 for p, code in zip(folders, codes)]
    else:
        raise ParameterError(f"--stores {path}: no such folder or file; pass a folder of stores or a YAML file "
                             "`code: store folder`")
    for m in found:
        if not m.key or "/" in m.key or m.key.startswith("."):
            raise ParameterError(f"{path}: {m.key!r} cannot name a folder; use the municipality code")
    return found


def _code(store: Path) -> str:
    with contextlib.suppress(Exception):
        return store_mod.municipality(store)["code"]
    return store.name


class KernelSetup(WorkerPlugin):
    """Dask worker plugin: each worker gets a private kernelspec of its own Python (launched through its
    own zygote where kernels can be forked, :mod:`.kernels`) and sends its stderr to ``log_file``."""

    name = "trygghet-kernels"

    def __init__(self, log_file: str, preload: tuple[str, ...]):
        self.log_file = log_file
        self.preload = tuple(preload)
        self._zygote = None

    def setup(self, worker=None) -> None:
        base = kernels.write_kernelspec(Path(tempfile.mkdtemp(prefix="trygghet-jupyter-")))
        os.environ["JUPYTER_PATH"] = os.pathsep.join([str(base), os.environ.get("JUPYTER_PATH", "")]).rstrip(os.pathsep)
        os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
        with contextlib.suppress(OSError):
            fd = os.open(self.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            os.dup2(fd, 2)
            os.close(fd)
        for name in ("papermill", "nbclient", "traitlets", "nbconvert"):
            logging.getLogger(name).setLevel(logging.ERROR)
        if kernels.fork_supported():
            self._zygote = kernels.start_zygote(self.preload, wait=False)
        html_exporter()

    def teardown(self, worker=None) -> None:
        if self._zygote is not None:
            kernels.stop_zygote(self._zygote)


def _shared_task(store: str, year: int) -> tuple[float, str | None]:
    return run_mod._compute_shared(store, year)


def _job_task(spec: dict, *after) -> dict:
    """One report on a worker: the single-machine run's own job (``after``: the shared results' task)."""
    return run_mod._run_job(spec)


class _Progress:
    """Tasks done of total, one line per finished task (safe across the municipalities' threads)."""

    def __init__(self, total: int, console: Console):
        self.total, self.done, self.console = total, 0, console
        self._lock = threading.Lock()

    def finished(self, key: str, res: dict) -> None:
        with self._lock:
            self.done += 1
            ok = res["status"] == "ok"
            self.console.print(f"[{self.done}/{self.total}] {'✓' if ok else '✗'} {key} {res['name']} "
                               f"({res['duration_s']:.1f} s)" + ("" if ok else f": {res['error']}"),
                               markup=False, highlight=False)


def _executor(client, key: str, progress: _Progress, retries: int):
    """The ``execute`` hook of :func:`trygghet.publish.run.publish_jobs` for one municipality: its specs as
    Dask tasks; results in spec order."""
    def execute(specs: list[dict], workers: int, out: Path, console: Console, shared=None) -> list[dict]:
        token = uuid.uuid4().hex[:8]
        warm = (client.submit(_shared_task, *shared, key=f"trygghet-shared-{key}-{token}", retries=retries)
                if shared else None)
        futures = {}
        for spec in specs:
            after = (warm,) if warm is not None and spec["shared"] else ()
            fut = client.submit(_job_task, spec, *after, key=f"trygghet-{key}-{spec['name']}-{token}",
                                retries=retries)
            futures[fut] = spec
        results: dict[str, dict] = {}
        for fut in as_completed(list(futures)):
            spec = futures[fut]
            try:
                res = fut.result()
            except Exception as exc:  # noqa: BLE001 - lost workers beyond the retries, a bug outside the notebook
                res = run_mod._failed(spec, f"{type(exc).__name__}: {' '.join(str(exc).split())[:500]}")
            results[spec["name"]] = res
            progress.finished(key, res)
        if warm is not None:
            warm.release()
        return [results[s["name"]] for s in specs]

    return execute


def run_many(
    stores: str | Path,
    out: str | Path | None = None,
    year: int | None = None,
    only: list[str] | None = None,
    plan: str | Path | None = None,
    scheduler: str | None = None,
    workers: int = 2,
    retries: int = 2,
    console: Console | None = None,
    regional: bool = True,
) -> ManyResult:
    """Run the plan for every store of ``stores`` on Dask and publish each to ``out/<key>/<year>/``.

    ``year`` defaults to each store's latest year; ``only`` picks jobs as ``trygghet run --only`` does.
    Raises ``ParameterError`` for a bad list of stores or workers; a bad plan or store of one municipality
    only marks that municipality failed."""
    console = console or Console(stderr=True)
    if workers < 1:
        raise ParameterError(f"--workers must be at least 1, got {workers}")
    t0 = time.perf_counter()
    started = now()
    munis = read_stores(stores)
    out_path = (Path(out) if out is not None else paths().reports).resolve()
    out_path.mkdir(parents=True, exist_ok=True)
    plan_path = Path(plan) if plan is not None else paths().config / "run_plan.yaml"
    entries: list[dict] = []
    planned: list[tuple[dict, Municipality, int, list[Job], list[Job]]] = []
    for m in munis:  # plan and validate here: a bad store is reported before any task starts
        entry = {"key": m.key, "code": m.key, "name": m.key, "status": "failed", "index": None,
                 "year": year, "reports": 0, "failed": [], "error": None}
        entries.append(entry)
        try:
            entry.update(store_mod.municipality(m.store))
            y = int(year) if year is not None else store_mod.latest_year(m.store)
            entry["year"] = y
            all_jobs = load_plan(plan_path, m.store, y)
            selected = select_jobs(all_jobs, only)
            validate_jobs(selected, m.store, y)
        except (TrygghetError, OSError, ValueError) as exc:
            entry["error"] = " ".join(str(exc).split())[:500]
            console.print(f"✗ {m.key}: {entry['error']}", markup=False, highlight=False)
            continue
        planned.append((entry, m, y, selected, all_jobs))
    progress = _Progress(sum(len(p[3]) for p in planned), console)
    console.print(f"{len(munis)} municipalities, {progress.total} reports", highlight=False)
    log_file = str(out_path / ".worker.log")
    Path(log_file).write_text("", encoding="utf-8")
    preload = kernels.preload_modules(sorted({str(j.notebook) for p in planned for j in p[3]}))
    cluster, regional_page = None, None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                               silence_logs=logging.ERROR)
    try:
        with _connect(scheduler or cluster, scheduler) as client:
            client.register_plugin(KernelSetup(log_file, preload))
            n_workers = len(client.scheduler_info(n_workers=-1)["workers"]) if scheduler else workers
            quiet = Console(file=io.StringIO())

            def one(item) -> None:
                entry, m, y, selected, all_jobs = item
                try:
                    res = run_mod.publish_jobs(y, m.store, out_path / m.key, selected, all_jobs, n_workers, quiet,
                                               _executor(client, m.key, progress, retries))
                except Exception as exc:  # noqa: BLE001 - one municipality never stops the others
                    entry["error"] = f"{type(exc).__name__}: {' '.join(str(exc).split())[:500]}"
                    return
                entry["failed"] = res.failed
                entry["reports"] = sum(1 for j in res.jobs if j.get("status") == "ok")
                entry["status"] = "ok" if res.published and not res.failed else "failed"
                if res.published:
                    entry["index"] = f"{m.key}/{y}/index.html"

            with ThreadPoolExecutor(max_workers=max(1, min(len(planned), 32))) as pool:
                list(pool.map(one, planned))
            regional_page = _regional(client, out_path, planned, plan_path, retries, console) if regional else None
    finally:
        if cluster is not None:  # a slow shutdown of a busy machine's workers does not undo what was published
            with contextlib.suppress(Exception):
                cluster.close(timeout=60)
    result = ManyResult(index_path=out_path / "index.html", municipalities=entries, tasks_total=progress.total,
                        tasks_done=progress.done, duration_s=round(time.perf_counter() - t0, 2), regional=regional_page)
    _write_run_files(out_path, result, started, workers if scheduler is None else None, scheduler)
    ok = sum(1 for e in entries if e["status"] == "ok")
    console.print(f"{ok} of {len(entries)} municipalities ok, {progress.done} of {progress.total} tasks done "
                  f"in {result.duration_s:.0f} s", highlight=False)
    return result


def _connect(target, scheduler: str | None) -> Client:
    try:
        return Client(target, timeout="30s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ParameterError(f"--scheduler {scheduler}: cannot connect ({' '.join(str(exc).split())[:200]}); start "
                             "the scheduler, check the address (tcp://host:8786), or leave --scheduler out for a "
                             "local cluster") from None


def _regional(client, out: Path, planned: list, plan_path: Path, retries: int, console: Console) -> Path | None:
    """The regional picture (``regionbild.ipynb`` beside the plan's notebooks) of the municipalities published
    for the run's most common year: one more task, published atomically to ``OUT/region/regionbild.html``.
    Returns the page, or None when no municipality was published or the page failed (said on the console)."""
    done = [(e, m, y) for e, m, y, _, _ in planned if e["index"]]
    notebook = load_yaml(plan_path, "pass --plan").get("notebooks") or "."
    notebook = (plan_path.parent / str(notebook)).resolve() / "regionbild.ipynb"
    if not done or not notebook.is_file():
        return None
    year = max({y for _, _, y in done}, key=lambda y: (sum(1 for _, _, yy in done if yy == y), y))
    stores = {m.key: str(m.store) for e, m, y in done if y == year}
    job = Job(name="regionbild", notebook=notebook, title="Kommunerna sida vid sida", base="regionbild",
              parameters={"year": year, "store": json.dumps(stores), "lang": "sv"})
    started = now()
    context = {"run_id": f"region-{started:%Y%m%dT%H%M%S}-{os.getpid()}", "fingerprint": f"{len(stores)} kommuner",
               "code_version": run_mod.code_version(), "year": year, "run_at": format_time(started.isoformat())}
    staging = out / f".staging-region-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "notebooks").mkdir(parents=True)
    spec = run_mod._job_spec(job, staging, context)
    spec["provenance"].update(home_text="Alla kommuner", home_href="../index.html")  # the run's index page
    try:
        res = client.submit(_job_task, spec, key=f"trygghet-region-{uuid.uuid4().hex[:8]}", retries=retries).result()
    except Exception as exc:  # noqa: BLE001
        res = run_mod._failed(spec, f"{type(exc).__name__}: {exc}")
    if res["status"] != "ok":
        console.print(f"✗ the regional picture failed: {res['error']}", markup=False, highlight=False)
        shutil.rmtree(staging, ignore_errors=True)
        return None
    shutil.rmtree(staging / "notebooks")  # the executed notebook names the stores' server folders
    final, old = out / "region", out / f".old-region-{os.getpid()}"
    if final.exists():
        os.rename(final, old)
    os.rename(staging, final)
    shutil.rmtree(old, ignore_errors=True)
    console.print(f"✓ the regional picture of {len(stores)} municipalities ({res['duration_s']:.1f} s)", highlight=False)
    return final / "regionbild.html"


_INDEX = """{%- extends "_page.html.j2" -%}
{%- block title %}Rapporter för flera kommuner{% endblock -%}
{%- block content %}
<header>
  <h1>Rapporter för {{ rows|length }} kommuner</h1>
  <p>Körd {{ run_at }}. Varje kommuns rapporter ligger i en egen mapp.</p>
</header>
{% if regional %}<p><a href="{{ regional }}">Kommunerna sida vid sida</a></p>{% endif %}
<ul class="reports">
{% for m in rows %}
  <li>{% if m.index %}<a href="{{ m.index }}">{{ m.name }}</a>{% else %}{{ m.name }}{% endif %}
    <span class="meta">{{ m.code }}, {{ m.year }}</span>
    {% if m.status == "ok" %}<span class="status status-ok">{{ m.reports }} {{ "rapport" if m.reports == 1 else "rapporter" }}</span>
    {% elif m.index %}<span class="status status-failed">{{ m.failed|length }} av {{ m.reports + m.failed|length }} rapporter kunde inte skapas</span>
    {% else %}<span class="status status-failed">inga rapporter: {{ m.error or "körningen misslyckades" }}</span>{% endif %}
  </li>
{% endfor %}
</ul>
{% endblock -%}
"""


def _write_run_files(out: Path, result: ManyResult, started, workers: int | None, scheduler: str | None) -> None:
    """``OUT/run.json`` (the municipalities, their status and the tasks) and ``OUT/index.html``."""
    doc = {"started": started.isoformat(timespec="seconds"), "finished": now().isoformat(timespec="seconds"),
           "duration_s": result.duration_s, "workers": workers, "scheduler": "external" if scheduler else "local",
           "tasks_total": result.tasks_total, "tasks_done": result.tasks_done,
           "regional": str(result.regional.relative_to(out)) if result.regional else None,
           "municipalities": result.municipalities}
    atomic_write(out / "run.json", json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    env = jinja2.Environment(loader=jinja2.ChoiceLoader([jinja2.DictLoader({"run_index.html.j2": _INDEX}),
                                                         jinja2.FileSystemLoader(str(templates_dir()))]),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True)
    html = env.get_template("run_index.html.j2").render(rows=result.municipalities, run_at=format_time(doc["finished"]),
                                                        regional=doc["regional"])
    atomic_write(out / "index.html", html)

"""The run plan (``config/run_plan.yaml``): which notebooks a run executes, with which parameters.

``load_plan`` reads the plan and expands ``foreach: area`` entries into one job per store area;
``validate_jobs`` checks every job's parameters against its notebook's ``parameters`` cell and the store
before any kernel starts; ``select_jobs`` picks the jobs of ``--only``.
"""

from __future__ import annotations

import ast
import contextlib
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import nbformat
import papermill

from trygghet.data import store as store_mod
from trygghet.data.config import load_yaml
from trygghet.data.errors import ParameterError
from trygghet.data.parameters import check_parameters, check_year
from trygghet.data.periods import CADENCES

__all__ = ["Job", "COMMON_PARAMETERS", "load_plan", "validate_jobs", "select_jobs", "declared_parameters",
           "longest_first", "html_path"]

#: parameters every notebook may declare; the run fills them in for each job
COMMON_PARAMETERS = ("year", "store", "lang")
COMMON_PARAMETERS += ("period",)  # a period run's period (2025-Q3, 2025-09, 2025-W36); not set in the year's run
COMMON_PARAMETERS += ("municipality",)  # the store's municipality code (4 digits; the plan's `municipality` checks it)
_ENTRY_KEYS = ("name", "notebook", "title", "parameters", "foreach", "group", "mail", "shared")
_ENTRY_KEYS += ("html",)  # where the page is published under the year folder (e.g. the residents' folder)
_ENTRY_KEYS += ("cadence",)  # which runs hold the job: year (default), quarter, month, week (data/periods.py)


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
    shared: bool = False  # reads the shared results the run computes once first (runs after them)
    html: str | None = None  # the page's path under the year folder (None: <name>.html); see html_path()
    cadence: tuple[str, ...] = ("year",)  # the runs that hold the job: "year" and/or a period kind


def load_plan(plan: str | Path, store: str | Path, year: int, cadence: str = "year", period: str = "") -> list[Job]:
    """The run plan's jobs for ``year``; ``foreach: area`` entries expand to one job per store area.

    Plan format (YAML): ``notebooks`` (folder, relative to the plan file), optional ``lang`` and a
    list ``jobs`` of ``{name, notebook, title, parameters?, foreach?, group?, mail?, shared?}``. Every job
    gets the common parameters its notebook declares: ``year``, ``store`` (absolute path) and ``lang``.
    ``shared: true`` marks a notebook that reads the results several reports share (indicators,
    panels, main changes): the run computes them once, beside the other jobs, and starts it after.
    ``cadence`` (an entry's list among year, quarter, month, week; default year) picks the entries of
    the year's run (``cadence="year"``) or of a period run (the period's kind, ``period`` its label).
    """
    plan_path = Path(plan)
    doc = load_yaml(plan_path, "the run plan does not exist; pass --plan or restore config/run_plan.yaml")
    entries = doc.get("jobs")
    if not isinstance(entries, list) or not entries:
        raise ParameterError(f"{plan_path}: needs a non-empty list 'jobs'")
    nb_dir = (plan_path.parent / str(doc.get("notebooks", "."))).resolve()
    lang = str(doc.get("lang", "sv"))
    common = {"year": int(year), "store": str(Path(store).resolve()), "lang": lang}
    if period:  # a period run; in the year's run the notebook's default (its latest period) applies
        common["period"] = str(period)
    common.update(_municipality(plan_path, doc, store))  # municipality (code) and kommun (name, for titles)
    local = _local_parameters(plan_path, doc, common["municipality"])
    declared: dict[Path, dict[str, dict]] = {}
    result: list[Job] = []
    for i, entry in enumerate(entries, 1):
        cadences = _cadence_entry(f"{plan_path}: job {i}", entry)
        if cadence in cadences:
            result.extend(replace(job, cadence=cadences)
                          for job in _expand_entry(plan_path, i, entry, nb_dir, common, store, declared, local))
    names = [j.name for j in result]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ParameterError(f"{plan_path}: job names must be unique; repeated: {', '.join(dupes)}")
    return result


def validate_jobs(jobs: list[Job], store: str | Path, year: int) -> None:
    """Check every job's parameters against its notebook's ``parameters`` cell and the store.

    Raises ``ParameterError`` with one line for the first problem: a notebook without a parameters cell,
    an unknown parameter name, a value of the wrong type, or — through the one parameter check of
    :mod:`trygghet.data.parameters` — a year without data, an unknown area, group or language.
    """
    check_year(store, year, where="trygghet run --year")
    declared_cache: dict[Path, dict[str, dict]] = {}
    for job in jobs:
        if job.notebook not in declared_cache:
            declared_cache[job.notebook] = declared_parameters(job.notebook)
        declared = declared_cache[job.notebook]
        for name, value in job.parameters.items():
            if name not in declared:
                raise ParameterError(
                    f"job '{job.name}': notebook {job.notebook.name} has no parameter '{name}' "
                    f"(it declares: {', '.join(declared) or 'none'}); fix the run plan or the notebook")
            _check_type(job, name, value, declared[name])
        p = job.parameters
        check_parameters(store, area=p.get("area"), group=p.get("category_group"), lang=p.get("lang"),
                         municipal=True, where=f"job '{job.name}' of the run plan")


def select_jobs(all_jobs: list[Job], only: list[str] | None) -> list[Job]:
    """The jobs ``--only`` names (a job's name, or the name of a ``foreach`` entry for all its jobs)."""
    if not only:
        return list(all_jobs)
    wanted = [o.strip() for item in only for o in str(item).split(",") if o.strip()]
    unknown = [w for w in wanted if not any(w in (j.name, j.base) for j in all_jobs)]
    if unknown:
        names = sorted({j.base for j in all_jobs} | {j.name for j in all_jobs})
        raise ParameterError(f"--only: no job named {', '.join(repr(u) for u in unknown)} in the run plan; "
                             f"known: {', '.join(names)}")
    return [j for j in all_jobs if j.name in wanted or j.base in wanted]


def declared_parameters(notebook: Path) -> dict[str, dict]:
    """The parameters a notebook's ``parameters`` cell declares (papermill's inspection)."""
    nb = nbformat.read(notebook, as_version=4)
    if not any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb.cells):
        raise ParameterError(f"{notebook}: no cell is tagged 'parameters'; tag the cell that sets the defaults")
    try:
        return dict(papermill.inspect_notebook(str(notebook)))
    except ValueError as exc:
        raise ParameterError(f"{notebook}: cannot read its parameters ({exc}); save it with the Python 3 kernel") from exc


def longest_first(jobs: list[Job], previous: dict | None) -> list[Job]:
    """Longest jobs first (by the previous run's durations, ``previous`` being its manifest), so the
    pool's workers finish together; without a previous run, the plan's order."""
    if not previous:
        return list(jobs)
    durations = {j["name"]: j.get("duration_s") or 0 for j in previous.get("jobs", [])}
    return sorted(jobs, key=lambda j: -durations.get(j.name, 0))


def _expand_entry(plan_path: Path, i: int, entry: Any, nb_dir: Path, common: dict, store,
                  declared_cache: dict[Path, dict[str, dict]], local: dict | None = None) -> list[Job]:
    where = f"{plan_path}: job {i}"
    if not isinstance(entry, dict) or "name" not in entry or "notebook" not in entry:
        raise ParameterError(f"{where}: each job needs 'name' and 'notebook'")
    slug = _slug(str(common.get("kommun", "")))  # `{kommun_slug}` in a name or html: "lulea", "pitea"
    entry = {**entry, **{k: entry[k].replace("{kommun_slug}", slug) for k in ("name", "html")
                         if isinstance(entry.get(k), str)}}
    unknown = set(entry) - set(_ENTRY_KEYS)
    if unknown:
        raise ParameterError(f"{where} ('{entry['name']}'): unknown key(s) {', '.join(sorted(unknown))}; "
                             f"allowed: {', '.join(_ENTRY_KEYS)}")
    mail, shared = entry.get("mail", True), entry.get("shared", False)
    for key, value in (("mail", mail), ("shared", shared)):
        if not isinstance(value, bool):
            raise ParameterError(f"{where} ('{entry['name']}'): '{key}' must be true or false, got {value!r}")
    name = str(entry["name"])
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise ParameterError(f"{where}: job name '{name}' must be lower-case letters, digits, '-' or '_'")
    notebook = (nb_dir / str(entry["notebook"])).resolve()
    if not notebook.is_file():
        raise ParameterError(f"{where} ('{name}'): notebook {notebook} does not exist")
    params = entry.get("parameters") or {}
    if not isinstance(params, dict):
        raise ParameterError(f"{where} ('{name}'): 'parameters' must be a mapping of name: value")
    if notebook not in declared_cache:
        declared_cache[notebook] = declared_parameters(notebook)
    base = {k: v for k, v in common.items() if k in declared_cache[notebook]}
    # the store's municipality's own values (the plan's `municipalities`) win over the entry's
    params = {**params, **{k: v for k, v in (local or {}).items() if k in declared_cache[notebook]}}
    title = str(entry.get("title") or name).replace("{kommun}", str(common.get("kommun", "")))
    foreach = entry.get("foreach")
    if foreach is None:
        return [Job(name=name, notebook=notebook, title=title, parameters={**base, **params}, base=name,
                    group=entry.get("group"), mail=mail, shared=shared, html=_html_entry(where, name, entry))]
    if entry.get("html") is not None:
        raise ParameterError(f"{where} ('{name}'): 'html' names one page; a 'foreach' entry publishes several")
    if foreach != "area":
        raise ParameterError(f"{where} ('{name}'): foreach '{foreach}' is not supported; use 'foreach: area'")
    group = str(entry.get("group") or title)
    return [Job(name=f"{name}-{_slug(area)}", notebook=notebook, title=f"{title} – {area}",
                parameters={**base, **params, "area": area}, base=name, group=group, label=area, mail=mail,
                shared=shared)
            for area in store_mod.area_names(store)]


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


def html_path(job: Job) -> str:
    """Where a job's page is published, relative to the year folder: the plan's ``html`` (a page in a
    folder of its own, e.g. ``tryggare-lulea/index.html`` for the residents' summary) or ``<name>.html``."""
    return job.html or f"{job.name}.html"


def _html_entry(where: str, name: str, entry: dict) -> str | None:
    """The plan's ``html`` of an entry, checked: a relative path of ``.html`` pages, at most one folder
    deep, lower-case letters, digits, '-' or '_' (it becomes a web address)."""
    value = entry.get("html")
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"([a-z0-9][a-z0-9_-]*/)?[a-z0-9][a-z0-9_-]*\.html", value):
        raise ParameterError(f"{where} ('{name}'): html '{value}' must be a page name like 'folder/page.html' "
                             "(lower-case letters, digits, '-' or '_', at most one folder)")
    if value == "index.html" or value.split("/")[0] in ("notebooks", "records"):
        raise ParameterError(f"{where} ('{name}'): html '{value}' would replace the year's own files; "
                             "choose another name or folder")
    return value


def _local_parameters(plan_path: Path, doc: dict, code: str) -> dict:
    """The plan's parameters for one municipality: ``municipalities: {"2580": {contact: ...}}`` gives, by
    municipality code, values that differ between municipalities (the residents' contact address); every job
    whose notebook declares such a parameter gets the store's municipality's value. ``{}`` when none."""
    table = doc.get("municipalities") or {}
    if not isinstance(table, dict) or not all(isinstance(v, dict) for v in table.values()):
        raise ParameterError(f"{plan_path}: 'municipalities' must map a municipality code to its parameters, "
                             "e.g. municipalities: {\"2580\": {contact: kommunen@lulea.se}}")
    bad = [str(k) for k in table if not re.fullmatch(r"\d{4}", str(k))]
    if bad:
        raise ParameterError(f"{plan_path}: 'municipalities' has {', '.join(bad)}, not a 4-digit municipality code; "
                             "write codes in quotes, e.g. \"0180\"")
    return dict({str(k): v for k, v in table.items()}.get(str(code)) or {})


def _municipality(plan_path: Path, doc: dict, store) -> dict[str, str]:
    """The store's municipality ``{"municipality": code, "kommun": name}``; the plan's optional top-level
    ``municipality`` (a 4-digit code, e.g. "2580") must name the same one, so a plan is never run on another
    municipality's store by mistake. Titles may say ``{kommun}``, replaced by the name."""
    found = store_mod.municipality(store)
    wanted = doc.get("municipality")
    if wanted is not None and str(wanted).strip() != found["code"]:
        raise ParameterError(f"{plan_path}: the plan is for municipality {str(wanted).strip()}, but the store "
                             f"{store} holds {found['name']} ({found['code']}); run the plan of that municipality "
                             f"or set `municipality: \"{found['code']}\"` in the plan")
    return {"municipality": found["code"], "kommun": found["name"]}


def _cadence_entry(where: str, entry: Any) -> tuple[str, ...]:
    """The plan's ``cadence`` of an entry (one name or a list), checked; default ``("year",)``."""
    value = entry.get("cadence", "year") if isinstance(entry, dict) else "year"
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or any(v not in CADENCES for v in values):
        raise ParameterError(f"{where}: cadence {value!r} must be one or a list of {', '.join(CADENCES)}")
    return tuple(values)

"""The problem register (``problems.parquet``) beside the activity plan: which measures answer which
problem on which prevention level, the problems no measure answers and the measures that answer no
problem of the register, and whether each problem's indicators moved.

Lag (2023:196) asks for an action plan built on the situation picture, and Brå notes that municipal
measures are often not linked to the problems found and rarely followed up: these frames make both
visible. Frames in, frames out; no Swedish sentences (:mod:`trygghet.reports.problemregister` words them).

Rules (each one function):

- a measure *answers* a problem when its ``problems`` field names the problem's id;
- the plan of a year is :func:`trygghet.analysis.activity_plan.measures` with ``active_only`` (started by
  the end of the year, not cancelled, not ended before the year) — the same measures the level chart
  counts; a problem whose only measures start later is still *without a measure* that year (its
  ``later_measures`` says which are planned);
- a problem's indicators *moved* as :func:`trygghet.analysis.indicators.year_changes` says (the latest
  measurement up to the year against the previous one, per area where the problem names areas and the
  indicator has area values, else for the whole municipality) — the follow-up's one change test.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from trygghet.analysis import activity_plan, indicators
from trygghet.data.store import read_table
from trygghet.data.vocabulary import PREVENTION_LEVELS, WHOLE_MUNICIPALITY

__all__ = [
    "MOVEMENTS",
    "LEVEL_MATRIX_COLUMNS",
    "MOVEMENT_COLUMNS",
    "register",
    "split_ids",
    "problem_measures",
    "level_matrix",
    "problems_without_measure",
    "measures_without_problem",
    "indicator_movement",
    "problem_movement",
]

#: a problem's movement over its indicators: ``improved`` (some improved, none worsened), ``worsened``
#: (some worsened, none improved), ``mixed`` (both), ``no_certain_change`` (measurable, no certain
#: change), ``not_measurable`` (no indicator with two measurements)
MOVEMENTS = ("improved", "worsened", "mixed", "no_certain_change", "not_measurable")
#: :func:`level_matrix`' columns (one list column of measure ids per prevention level)
LEVEL_MATRIX_COLUMNS = ["problem_id", "title", "areas", "decided", *PREVENTION_LEVELS, "n_measures",
                        "without_measure", "later_measures"]
#: :func:`indicator_movement`'s columns
MOVEMENT_COLUMNS = ["problem_id", "indicator", "name", "area", "year_from", "year_to", "value_from", "value_to",
                    "reading", "assessment"]


def split_ids(text) -> list[str]:
    """The ids of a comma-separated store field (``"P-2024-01,P-2024-02"``), blanks dropped."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return []
    return [p.strip() for p in str(text).split(",") if p.strip()]


def register(store: str | Path | None, year: int | None = None) -> pd.DataFrame:
    """The problem register; with ``year``, the problems decided by the end of that year. Columns as
    ``problems.parquet`` (``problem_id``, ``title``, ``areas``, ``indicators``, ``evidence``,
    ``decided_by``, ``decided``), ordered by id."""
    table = read_table(store, "problems")
    if year is not None:
        table = table[table["decided"].dt.year <= int(year)]
    return table.sort_values("problem_id", kind="stable").reset_index(drop=True)


def problem_measures(store: str | Path | None, year: int) -> pd.DataFrame:
    """One row per problem of the register × measure of the year's plan that names it.
    Columns: ``problem_id``, ``measure_id``, ``name``, ``level``, ``horizon``, ``status``."""
    plan = activity_plan.measures(store, year, active_only=True)
    known = set(register(store, year)["problem_id"])
    rows = [(p, m.measure_id, m.name, m.level, m.horizon, m.status)
            for m in plan.itertuples(index=False) for p in split_ids(m.problems) if p in known]
    return pd.DataFrame(rows, columns=["problem_id", "measure_id", "name", "level", "horizon", "status"])


def level_matrix(store: str | Path | None, year: int) -> pd.DataFrame:
    """Each problem of the register (decided by the end of ``year``) with the ids of the year's
    measures answering it on each prevention level (a list per level column), ``n_measures``,
    ``without_measure`` (no measure in the year's plan) and ``later_measures`` (ids of measures of the
    plan that name the problem and start after ``year``). Columns :data:`LEVEL_MATRIX_COLUMNS`."""
    problems = register(store, year)
    links = problem_measures(store, year)
    every = activity_plan.measures(store)
    later = every[every["start"].notna() & (every["start"].dt.year > int(year)) & (every["status"] != "avbruten")]
    rows = []
    for p in problems.itertuples(index=False):
        mine = links[links["problem_id"] == p.problem_id]
        row = {"problem_id": p.problem_id, "title": p.title, "areas": p.areas, "decided": p.decided}
        for level in PREVENTION_LEVELS:
            row[level] = sorted(mine.loc[mine["level"] == level, "measure_id"])
        row["n_measures"] = int(mine["measure_id"].nunique())
        row["without_measure"] = row["n_measures"] == 0
        row["later_measures"] = sorted(m for m, t in zip(later["measure_id"], later["problems"]) if p.problem_id in split_ids(t))
        rows.append(row)
    return pd.DataFrame(rows, columns=LEVEL_MATRIX_COLUMNS)


def problems_without_measure(store: str | Path | None, year: int) -> pd.DataFrame:
    """The problems no measure of the year's plan answers (the rows of :func:`level_matrix` flagged)."""
    matrix = level_matrix(store, year)
    return matrix[matrix["without_measure"]].reset_index(drop=True)


def measures_without_problem(store: str | Path | None, year: int) -> pd.DataFrame:
    """The year's measures that answer no problem of the register: ``reason`` is ``none`` (the
    measure names no problem) or ``unknown`` (it names only ids the register lacks, listed in
    ``unknown_ids``). Columns: ``measure_id``, ``name``, ``level``, ``reason``, ``unknown_ids``."""
    plan = activity_plan.measures(store, year, active_only=True)
    known = set(register(store, year)["problem_id"])
    rows = []
    for m in plan.itertuples(index=False):
        named = split_ids(m.problems)
        if any(p in known for p in named):
            continue
        rows.append({"measure_id": m.measure_id, "name": m.name, "level": m.level,
                     "reason": "unknown" if named else "none", "unknown_ids": [p for p in named if p not in known]})
    return pd.DataFrame(rows, columns=["measure_id", "name", "level", "reason", "unknown_ids"])


def indicator_movement(store: str | Path | None, year: int, *, alpha: float = 0.05) -> pd.DataFrame:
    """Each problem's indicators with the follow-up's change (:func:`trygghet.analysis.indicators.year_changes`):
    per area the problem names where the indicator's change is measurable there, else (no area named,
    no values per area, or none measurable) for the whole municipality. Columns :data:`MOVEMENT_COLUMNS`; ``reading`` and ``assessment`` are the change's
    codes (:data:`trygghet.analysis.indicators.READINGS`, :data:`~trygghet.analysis.indicators.ASSESSMENTS`);
    an indicator id that is not defined gets ``not_measurable`` and no name."""
    register_ = register(store, year)
    if register_.empty:  # nothing to follow up: no indicator is computed
        return pd.DataFrame(columns=MOVEMENT_COLUMNS)
    changes = indicators.year_changes(store, int(year), alpha=alpha)
    defined = set(indicators.definitions()["id"])
    by_key = {(i, a): r for i, a, r in zip(changes["indicator"], changes["area"], changes.itertuples(index=False))}
    rows = []
    for p in register_.itertuples(index=False):
        areas = [a.strip() for a in str(p.areas).split(",") if a.strip()]
        for ind in split_ids(p.indicators):
            name = indicators.definition(ind)["name_sv"] if ind in defined else pd.NA
            scopes = [a for a in areas if a != WHOLE_MUNICIPALITY and (ind, a) in by_key
                      and by_key[(ind, a)].reading != "not_measurable"] or [WHOLE_MUNICIPALITY]
            for area in scopes:
                r = by_key.get((ind, area))
                rows.append({"problem_id": p.problem_id, "indicator": ind, "name": name, "area": area,
                             "year_from": r.year_from if r is not None else pd.NA,
                             "year_to": r.year_to if r is not None else pd.NA,
                             "value_from": r.value_from if r is not None else float("nan"),
                             "value_to": r.value_to if r is not None else float("nan"),
                             "reading": r.reading if r is not None else "not_measurable",
                             "assessment": r.assessment if r is not None else "not_measurable"})
    out = pd.DataFrame(rows, columns=MOVEMENT_COLUMNS)
    for c in ("year_from", "year_to"):
        out[c] = pd.array(out[c], dtype="Int64")
    return out


def problem_movement(store: str | Path | None, year: int, *, alpha: float = 0.05) -> pd.DataFrame:
    """Per problem: how many of its indicator rows (:func:`indicator_movement`) improved, worsened,
    showed no certain change or could not be measured, and the problem's ``movement``
    (:data:`MOVEMENTS`). Columns: ``problem_id``, ``title``, ``n``, ``improved``, ``worsened``,
    ``unchanged``, ``not_measurable``, ``movement``."""
    moves = indicator_movement(store, year, alpha=alpha)
    rows = []
    for p in register(store, year).itertuples(index=False):
        part = moves[moves["problem_id"] == p.problem_id]["assessment"]
        improved, worsened = int((part == "improved").sum()), int((part == "worsened").sum())
        unmeasured = int((part == "not_measurable").sum())
        rows.append({"problem_id": p.problem_id, "title": p.title, "n": len(part), "improved": improved,
                     "worsened": worsened, "unchanged": len(part) - improved - worsened - unmeasured,
                     "not_measurable": unmeasured, "movement": _movement(improved, worsened, len(part) - unmeasured)})
    return pd.DataFrame(rows, columns=["problem_id", "title", "n", "improved", "worsened", "unchanged",
                                       "not_measurable", "movement"])


def _movement(improved: int, worsened: int, measurable: int) -> str:
    if improved and worsened:
        return "mixed"
    if improved:
        return "improved"
    if worsened:
        return "worsened"
    return "no_certain_change" if measurable else "not_measurable"

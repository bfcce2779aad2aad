"""The activity plan: measures (``atgarder.xlsx``/``.csv``) and goals (``mal.yaml``)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import yaml

from trygghet.data import schemas as sch
from trygghet.data.config import resource_path
from trygghet.data.errors import DataError
from trygghet.data.ingest.places import read_place, resolve_areas, unknown_area_reason
from trygghet.data.ingest.reading import (Checker, Context, Raw, Spec, col, read_csv, read_excel,
                                          read_yaml_with_lines, start_checker)
from trygghet.data.ingest.report import FileReport
from trygghet.data.ingest.values import (choices, fold, parse_choice, parse_datetime, parse_int, parse_number,
                                         to_string)

__all__ = ["ingest_measures", "ingest_goals"]

_MEASURE_SPEC = Spec(
    kind="measures",
    table="measures",
    required={"id": "id", "atgard": "åtgärd", "preventionsniva": "preventionsnivå", "tidsperspektiv": "tidsperspektiv",
              "ansvarig": "ansvarig", "omrade": "område", "start": "start", "status": "status"},
    optional={"arbetsgrupp": "arbetsgrupp", "slut": "slut", "kostnad_kr": "kostnad_kr", "indikatorer": "indikatorer",
              "x_sweref99tm": "x_sweref99tm", "y_sweref99tm": "y_sweref99tm", "problem": "problem"},
)
_LEVELS = choices(*sch.PREVENTION_LEVELS)
_HORIZONS = choices("kort", "lång", kortsiktig="kort", långsiktig="lång")
_RESPONSIBLE = choices("kommun", "polis", "gemensam", kommunen="kommun", polisen="polis")
_STATUS = choices(*sch.MEASURE_STATUSES)


def ingest_measures(files: list, ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    if not files:
        return sch.empty_table("measures"), sch.empty_table("measure_areas")
    path = files[0][0]
    raw = read_excel(path, ctx, _MEASURE_SPEC) if path.suffix.lower() == ".xlsx" else read_csv(path, ctx, _MEASURE_SPEC)
    ctx.reports.append(raw.report)
    checker = start_checker(raw, ctx)
    f = raw.frame
    ids = f["id"]
    checker.reject((ids == "").to_numpy(dtype=bool), "id", ids, "id is empty")
    checker.reject((f["atgard"] == "").to_numpy(dtype=bool), "atgard", f["atgard"], "åtgärd is empty")
    parsed = {}
    for key, choices, label in (("preventionsniva", _LEVELS, "preventionsnivå"), ("tidsperspektiv", _HORIZONS, "tidsperspektiv"),
                                ("ansvarig", _RESPONSIBLE, "ansvarig"), ("status", _STATUS, "status")):
        values, bad = parse_choice(f[key], choices)
        allowed = ", ".join(sorted(set(choices.values())))
        checker.reject(bad | (f[key] == "").to_numpy(dtype=bool), key, f[key], f"{label} is not one of {allowed}")
        parsed[key] = values
    lists, bad_areas = _area_lists(f["omrade"], ctx)
    checker.reject((f["omrade"] == "").to_numpy(dtype=bool), "omrade", f["omrade"], "område is empty")
    checker.reject(bad_areas, "omrade", f["omrade"], unknown_area_reason(ctx, whole=True))
    start, _, bad_start, _ = parse_datetime(f["start"])
    checker.reject(bad_start | (f["start"] == "").to_numpy(dtype=bool), "start", f["start"], "start is not a date (YYYY-MM-DD)")
    end, _, bad_end, _ = parse_datetime(col(raw, "slut"))
    checker.reject(bad_end, "slut", col(raw, "slut"), "slut is not a date (YYYY-MM-DD)")
    cost, bad_cost = parse_number(col(raw, "kostnad_kr"))
    checker.reject(bad_cost, "kostnad_kr", col(raw, "kostnad_kr"), "kostnad_kr is not a number")
    x, y = read_place(raw, checker, raw.report)
    checker.reject(ids.duplicated(keep="first").to_numpy(dtype=bool) & (ids != "").to_numpy(dtype=bool), "id", ids,
                   "the id appears twice")
    keep = checker.finish()
    indicators = col(raw, "indikatorer").map(lambda v: ",".join(p.strip() for p in v.split(",") if p.strip()))
    _warn_unknown_indicators(raw.report, [i for v in indicators[keep] for i in v.split(",") if i])
    measures = pd.DataFrame({
        "measure_id": to_string(ids[keep].to_numpy()),
        "name": to_string(f["atgard"][keep].to_numpy()),
        "level": to_string(parsed["preventionsniva"][keep]),
        "horizon": to_string(parsed["tidsperspektiv"][keep]),
        "responsible": to_string(parsed["ansvarig"][keep]),
        "working_group": to_string(col(raw, "arbetsgrupp")[keep].to_numpy()),
        "areas": to_string([", ".join(a) for a in lists[keep]]),
        "start": start[keep],
        "end": end[keep],
        "status": to_string(parsed["status"][keep]),
        "cost_sek": cost[keep],
        "indicators": to_string(indicators[keep].to_numpy()),
        "x": x[keep],
        "y": y[keep],
        "problems": to_string(col(raw, "problem")[keep].map(lambda v: ",".join(_problem_ids(v))).to_numpy()),
    }).sort_values("measure_id", kind="stable").reset_index(drop=True)
    pairs = [(m, a) for m, names in zip(ids[keep], lists[keep]) for a in names]
    measure_areas = pd.DataFrame({
        "measure_id": to_string([m for m, _ in pairs]),
        "area": to_string([a for _, a in pairs]),
    }).sort_values(["measure_id", "area"], kind="stable").reset_index(drop=True)
    return measures, measure_areas


def _problem_ids(value: str) -> list[str]:
    """The problem ids of the optional ``problem`` column (``;`` or ``,`` between them)."""
    return list(dict.fromkeys(p.strip() for p in re.split(r"[;,]", str(value)) if p.strip()))


def _area_lists(s: pd.Series, ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    lists = np.empty(len(s), dtype=object)
    bad = np.zeros(len(s), dtype=bool)
    codes, uniques = pd.factorize(s, use_na_sentinel=False)
    resolved = []
    for text in uniques:
        parts = [p.strip() for p in str(text).split(",") if p.strip()]
        names, ok = [], True
        for p in parts:
            key = fold(p)
            if key == fold(sch.WHOLE_MUNICIPALITY):
                names.append(sch.WHOLE_MUNICIPALITY)
            elif not ctx.area_lookup:
                names.append(p)
            elif key in ctx.area_lookup:
                names.append(ctx.area_lookup[key])
            else:
                ok = False
        resolved.append((list(dict.fromkeys(names)), not ok))
    for i, code in enumerate(codes):
        lists[i], bad[i] = resolved[code]
    return lists, bad


def _warn_unknown_indicators(report: FileReport, ids: list[str]) -> None:
    try:
        path = resource_path("indicators.yaml")
    except FileNotFoundError:
        return
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return
    known = _indicator_ids(data)
    if not known:
        return
    unknown = sorted(set(ids) - known)
    if unknown:
        report.warnings.append("indicator ids not in indicators.yaml: " + ", ".join(unknown))


def _indicator_ids(data) -> set[str]:
    if isinstance(data, dict):
        items = data.get("indicators", data)
        if isinstance(items, dict):
            return {str(k) for k in items}
        if isinstance(items, list):
            return {str(i.get("id")) for i in items if isinstance(i, dict) and i.get("id")}
    if isinstance(data, list):
        return {str(i.get("id")) for i in data if isinstance(i, dict) and i.get("id")}
    return set()


# --------------------------------------------------------------------------------------------------
# Goals (mal.yaml)



_TARGET_TYPES = choices("tak", "golv")


def ingest_goals(files: list, ctx: Context) -> pd.DataFrame:
    if not files:
        return sch.empty_table("goals")
    path = files[0][0]
    data = read_yaml_with_lines(path, ctx)
    goals = data.get("mal") if isinstance(data, dict) else None
    if not isinstance(goals, list):
        raise DataError(path.name, "the file has no list 'mal'", "see the mal.yaml format in docs/data-model.md")
    rows, lines = [], []
    report = FileReport(file=path.name, table="goals")
    for goal in goals:
        if not isinstance(goal, dict):
            continue
        subgoals = goal.get("delmal") or []
        if not subgoals:
            report.warnings.append(f"goal {goal.get('id')} (line {goal.get('__line__')}) has no sub-goals")
        for sub in subgoals:
            if not isinstance(sub, dict):
                continue
            rows.append({
                "mal_id": goal.get("id"), "mal_text": goal.get("text"), "mal_ansvarig": goal.get("ansvarig"),
                "id": sub.get("id"), "text": sub.get("text"), "indikator": sub.get("indikator"),
                "omrade": sub.get("omrade"), "utgangsar": sub.get("utgangsar"), "utgangsvarde": sub.get("utgangsvarde"),
                "malvarde": sub.get("malvarde"), "malar": sub.get("malar"), "typ": sub.get("typ"),
                "ansvarig": sub.get("ansvarig", goal.get("ansvarig")),
            })
            lines.append(sub.get("__line__", goal.get("__line__", 1)))
    cols = ["mal_id", "mal_text", "mal_ansvarig", "id", "text", "indikator", "omrade", "utgangsar", "utgangsvarde",
            "malvarde", "malar", "typ", "ansvarig"]
    frame = pd.DataFrame(rows, columns=cols).map(lambda v: "" if v is None else str(v).strip())
    raw = Raw(name=path.name, frame=frame, lines=np.asarray(lines, dtype=np.int64), headers={c: c for c in cols},
               report=report, bad_fields=np.zeros(len(frame), dtype=bool))
    ctx.reports.append(report)
    checker = Checker(raw, ctx)
    for key in ("mal_id", "id", "indikator", "omrade", "typ"):
        checker.reject((frame[key] == "").to_numpy(dtype=bool), key, frame[key], f"'{key}' is missing")
    area, bad_area = resolve_areas(frame["omrade"], ctx, whole=True)
    checker.reject(bad_area, "omrade", frame["omrade"], unknown_area_reason(ctx, whole=True))
    numbers = {}
    for key in ("utgangsar", "malar"):
        values, bad = parse_int(frame[key])
        checker.reject(bad | (np.isfinite(values) & ((values < 1990) | (values > 2100))), key, frame[key], f"'{key}' is not a year")
        numbers[key] = values
    for key in ("utgangsvarde", "malvarde"):
        values, bad = parse_number(frame[key])
        checker.reject(bad, key, frame[key], f"'{key}' is not a number")
        numbers[key] = values
    kind, bad_kind = parse_choice(frame["typ"], _TARGET_TYPES)
    checker.reject(bad_kind, "typ", frame["typ"], "typ is not tak (at most) or golv (at least)")
    checker.reject(frame["id"].duplicated(keep="first").to_numpy(dtype=bool) & (frame["id"] != "").to_numpy(dtype=bool),
                   "id", frame["id"], "the sub-goal id appears twice")
    keep = checker.finish()
    _warn_unknown_indicators(report, list(frame["indikator"][keep]))
    out = pd.DataFrame({
        "goal_id": to_string(frame["mal_id"][keep].to_numpy()),
        "goal_text": to_string(frame["mal_text"][keep].to_numpy()),
        "goal_responsible": to_string(frame["mal_ansvarig"][keep].to_numpy()),
        "subgoal_id": to_string(frame["id"][keep].to_numpy()),
        "subgoal_text": to_string(frame["text"][keep].to_numpy()),
        "indicator": to_string(frame["indikator"][keep].to_numpy()),
        "area": to_string(area[keep]),
        "baseline_year": pd.array(numbers["utgangsar"][keep], dtype="Float64").astype("Int16"),
        "baseline_value": numbers["utgangsvarde"][keep],
        "target_value": numbers["malvarde"][keep],
        "target_year": pd.array(numbers["malar"][keep], dtype="Float64").astype("Int16"),
        "target_type": to_string(kind[keep]),
        "responsible": to_string(frame["ansvarig"][keep].to_numpy()),
    })
    return out.sort_values(["goal_id", "subgoal_id"], kind="stable").reset_index(drop=True)

"""The indicator definitions (``resources/indicators.yaml``): read, validated and cached.

Every indicator has one definition that every report, map and email uses. :func:`definitions` gives
them all as a table, :func:`definition` one as a dict, :func:`load_definitions` reads and checks a
file (a :class:`~trygghet.data.errors.ParameterError` names the file, the indicator and the field).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from trygghet.data.config import resource_path
from trygghet.data.errors import DataError, ParameterError
from trygghet.data.vocabulary import CATEGORIES, CATEGORY_UNKNOWN, PREVENTION_LEVELS

__all__ = [
    "KINDS",
    "SOURCES",
    "DIRECTIONS",
    "DISCLOSURE_RULES",
    "DENOMINATORS",
    "KIND_TABLES",
    "TABLE_GROUPINGS",
    "GROUPING_ORDER",
    "definitions",
    "definition",
    "load_definitions",
    "definition_entries",
]

KINDS = ("count", "sum", "rate_per_1000", "survey_share", "survey_index", "survey_mean", "share")
SOURCES = ("polis", "kommun", "trygghetsmätning", "ungdomsenkät", "SCB", "Kolada")
DIRECTIONS = ("lower_is_better", "higher_is_better")
DISCLOSURE_RULES = ("count", "survey", "none")
DENOMINATORS = ("befolkning", "befolkning_aldersgrupp", "svarande", "fynd", "misstankta", "ingen")
#: the order of grouping columns in every result
GROUPING_ORDER = ("area", "level", "sex", "age_group", "grade")

#: what each kind may read, and the groupings each table supports
KIND_TABLES = {
    "rate_per_1000": ("offences", "municipal_incidents", "young_suspects"),
    "count": ("offences", "municipal_incidents", "measures"),
    "sum": ("municipal_incidents",),
    "survey_share": ("survey", "youth_survey"),
    "survey_index": ("survey", "youth_survey"),
    "survey_mean": ("survey", "youth_survey"),
    "share": ("safety_walks", "young_suspects"),
}
TABLE_GROUPINGS = {
    "offences": ("area",),
    "municipal_incidents": ("area",),
    "young_suspects": ("sex", "age_group"),
    "survey": ("area", "sex", "age_group"),
    "youth_survey": ("area", "sex", "grade"),
    "safety_walks": ("area",),
    "measures": ("level", "area"),
}
_FILTER_KEYS = {
    "offences": {"categories", "violent", "volume_crime", "public_place", "hours"},
    "municipal_incidents": {"types"},
    "young_suspects": {"age_groups"},
    "measures": {"exclude_status"},
    "survey": set(),
    "youth_survey": set(),
    "safety_walks": set(),
}
_CATEGORIES = tuple(CATEGORIES) + (CATEGORY_UNKNOWN,)
_REQUIRED = ("id", "name_sv", "name_en", "description_sv", "description_en", "phrase_sv", "kind", "source", "table",
             "denominator", "unit", "direction", "levels", "disclosure", "groupings")
_OPTIONAL = ("filter", "questions", "yes_codes", "combine", "value_column", "numerator_column", "factor",
             "kolada_id", "kolada_scale", "kolada_note", "ntu", "always_by", "fix_window_days")


def definitions(path: str | Path | None = None) -> pd.DataFrame:
    """All indicator definitions as a DataFrame, one row per indicator (columns: the YAML fields)."""
    entries = definition_entries(path)
    cols = list(_REQUIRED) + list(_OPTIONAL)
    return pd.DataFrame([{c: e.get(c) for c in cols} for e in entries], columns=cols)


def definition(indicator: str, path: str | Path | None = None) -> dict:
    """One indicator's definition (a dict copy); ParameterError naming the known ids when unknown."""
    entries = definition_entries(path)
    for e in entries:
        if e["id"] == indicator:
            return dict(e)
    raise ParameterError(f"indicator '{indicator}' is not defined in indicators.yaml; "
                         f"use one of: {', '.join(e['id'] for e in entries)}")


def load_definitions(path: str | Path) -> list[dict]:
    """Read and validate a definitions file; ParameterError ``"<file>: indicator '<id>', field '<f>': ..."``."""
    path = Path(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except FileNotFoundError:
        raise DataError(str(path), "the indicator definitions file is missing", "reinstall the package") from None
    except yaml.YAMLError as exc:
        raise ParameterError(f"{path.name}: not valid YAML ({exc}); fix the syntax") from None
    if not isinstance(raw, Mapping) or not isinstance(raw.get("indicators"), list):
        raise ParameterError(f"{path.name}: the file must hold a mapping with a list 'indicators'")
    seen: set[str] = set()
    out = []
    for pos, entry in enumerate(raw["indicators"], start=1):
        out.append(_validate_entry(entry, pos, seen, path.name))
    return out


@lru_cache(maxsize=8)
def _cached_definitions(path: str, mtime_ns: int) -> tuple[dict, ...]:
    return tuple(load_definitions(path))


def definition_entries(path: str | Path | None = None) -> tuple[dict, ...]:
    """The definitions file's entries, re-read when the file changes (an analyst editing it in a
    running kernel gets the new definitions, and the caches are keyed by the same version)."""
    p = Path(path) if path else resource_path("indicators.yaml")
    return _cached_definitions(str(p), p.stat().st_mtime_ns if p.exists() else 0)


def _validate_entry(entry: Any, pos: int, seen: set[str], fname: str) -> dict:
    ident = entry.get("id") if isinstance(entry, Mapping) else None
    label = f"indicator '{ident}'" if ident else f"entry {pos}"

    def bad(field: str, problem: str) -> ParameterError:
        return ParameterError(f"{fname}: {label}, field '{field}': {problem}")

    if not isinstance(entry, Mapping):
        raise bad("-", "an entry must be a mapping of fields")
    for f in _REQUIRED:
        if entry.get(f) in (None, "", []):
            raise bad(f, "is required and missing or empty")
    unknown = set(entry) - set(_REQUIRED) - set(_OPTIONAL)
    if unknown:
        raise bad(sorted(unknown)[0], f"unknown field; allowed: {', '.join(_REQUIRED + _OPTIONAL)}")
    e = dict(entry)
    if not re.fullmatch(r"[a-z][a-z0-9_]*", str(e["id"])):
        raise bad("id", "use lower-case letters, digits and '_' only")
    if e["id"] in seen:
        raise bad("id", "is defined twice")
    seen.add(e["id"])
    for f in ("name_sv", "name_en", "description_sv", "description_en", "phrase_sv", "unit"):
        if not isinstance(e[f], str):
            raise bad(f, "must be text")

    def one_of(field: str, allowed: Sequence[str]) -> None:
        if e.get(field) not in allowed:
            raise bad(field, f"'{e.get(field)}' is not one of {', '.join(allowed)}")

    one_of("kind", KINDS)
    one_of("source", SOURCES)
    one_of("direction", DIRECTIONS)
    one_of("disclosure", DISCLOSURE_RULES)
    one_of("denominator", DENOMINATORS)
    one_of("table", KIND_TABLES[e["kind"]])
    if e.get("factor") is not None:
        one_of("factor", ("risk", "skydd"))
    levels = e["levels"]
    if not isinstance(levels, list) or any(lv not in PREVENTION_LEVELS for lv in levels):
        raise bad("levels", f"must be a list of {', '.join(PREVENTION_LEVELS)}")
    allowed_groups = TABLE_GROUPINGS[e["table"]]
    for f in ("groupings", "always_by"):
        g = e.get(f)
        if g is not None and (not isinstance(g, list) or any(x not in allowed_groups for x in g)):
            raise bad(f, f"table '{e['table']}' can be grouped by {', '.join(allowed_groups)} only")
    filt = e.get("filter") or {}
    if not isinstance(filt, Mapping):
        raise bad("filter", "must be a mapping")
    for key, val in filt.items():
        if key not in _FILTER_KEYS[e["table"]]:
            raise bad("filter", f"key '{key}' does not apply to table '{e['table']}'")
        if key == "categories" and (not isinstance(val, list) or any(c not in _CATEGORIES for c in val)):
            raise bad("filter", f"categories must be a list of {', '.join(_CATEGORIES)}")
        if key == "hours" and (not isinstance(val, list) or any(not isinstance(h, int) or not 0 <= h <= 23 for h in val)):
            raise bad("filter", "hours must be a list of whole hours 0–23")
        if key in ("violent", "volume_crime", "public_place") and not isinstance(val, bool):
            raise bad("filter", f"{key} must be true or false")
        if key in ("types", "age_groups", "exclude_status") and not isinstance(val, list):
            raise bad("filter", f"{key} must be a list")
    e["filter"] = dict(filt)
    if e["kind"].startswith("survey_"):
        q = e.get("questions")
        if q != "problemindex" and (not isinstance(q, list) or not q or
                                    any(not (isinstance(x, str) and x.startswith("q_")) for x in q)):
            raise bad("questions", "must be a list of question ids (q_...) or 'problemindex'")
        if e["kind"] == "survey_share":
            codes = e.get("yes_codes")
            if not isinstance(codes, list) or not codes or any(not isinstance(c, int) for c in codes):
                raise bad("yes_codes", "a survey share needs the answer codes counted as yes (whole numbers)")
            if len(q) > 1 and e.get("combine") != "any":
                raise bad("combine", "several questions need combine: any")
        if e["kind"] == "survey_mean" and (not isinstance(q, list) or len(q) != 1):
            raise bad("questions", "a survey mean takes exactly one question")
        if e["disclosure"] != "survey":
            raise bad("disclosure", "survey indicators use the rule 'survey'")
    if e.get("combine") not in (None, "any"):
        raise bad("combine", "the only combination is 'any'")
    if e["kind"] == "share" and not e.get("numerator_column"):
        raise bad("numerator_column", "a share needs the column counted as the numerator")
    window = e.get("fix_window_days")
    if window is not None and (not isinstance(window, int) or isinstance(window, bool) or window <= 0):
        raise bad("fix_window_days", f"must be a positive whole number of days, got {window!r}")
    if e["kind"] == "sum" and not e.get("value_column"):
        raise bad("value_column", "a sum needs the column summed")
    if e.get("kolada_id") is not None:
        if not re.fullmatch(r"[NU]\d{5}", str(e["kolada_id"])):
            raise bad("kolada_id", "a Kolada key figure looks like N07403 or U07452")
        if e.get("kolada_scale") not in (1000, 100000):
            raise bad("kolada_scale", "state whether Kolada reports per 1000 or per 100000 inhabitants")
    if e["kind"] == "rate_per_1000" and e["denominator"] not in ("befolkning", "befolkning_aldersgrupp"):
        raise bad("denominator", "a rate per 1 000 needs befolkning or befolkning_aldersgrupp")
    return e

"""The indicators: one definition each (``resources/indicators.yaml``), computed with uncertainty and
disclosure control, compared between years and followed up against the steering group's goals.

Public API (all return tidy DataFrames):

- :func:`definitions` / :func:`definition` — the validated definitions.
- :func:`compute` — an indicator by year (and area, sex, age group or grade) with its interval.
- :func:`change` — the change between two years with a test and a Swedish verdict.
- :func:`follow_up` — the goals of ``goals.parquet`` with status and trend.
- :func:`main_changes` — the year's statistically certain changes as Swedish sentences.
- :func:`definitions_table` / :func:`write_definitions_page` — the reports' appendix and docs/indicators.md.

Methods (defaults; each is a parameter):

- Rates per 1 000 and counts: the exact Poisson (Garwood) interval on the count,
  ``[χ²(α/2; 2k)/2, χ²(1−α/2; 2k+2)/2]``, divided by the population of the same year (and area).
- Survey shares and means: see :mod:`trygghet.analysis.survey` (Wilson on Kish's effective size by default;
  linearised standard error for the problem index).
- Non-survey shares (safety-walk findings fixed, suspects previously suspected): Wilson on the count.
- Sums (cost) and the number of measures are censuses: no interval.
- Change between two years: rates and counts — the exact conditional binomial test for two Poisson
  counts (given k₁ + k₂, k₂ ~ Bin(k₁ + k₂, P₂/(P₁ + P₂)) under equal rates, P the populations; P₁ = P₂ for
  counts); survey shares — a two-sample z test with the pooled share on the effective sizes; survey means —
  a z test on the linearised standard errors; other shares — Fisher's exact test; censuses — the sign of
  the difference. ``p < alpha`` is a certain change.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from trygghet.analysis import disclosure as _disc
from trygghet.reports import format as fmt
from trygghet.analysis import survey as _survey
from trygghet.data.config import SUPPRESS_BELOW, SURVEY_MIN_RESPONDENTS, resource_path
from trygghet.data.errors import DataError, ParameterError
from trygghet.data.store import TABLES, disk_memo, read_json, read_table, store_dir

__all__ = [
    "KINDS",
    "LEVELS",
    "WHOLE_MUNICIPALITY",
    "COLUMNS",
    "definitions",
    "definition",
    "load_definitions",
    "compute",
    "warm_cache",
    "change",
    "format_value",
    "follow_up",
    "main_changes",
    "definitions_table",
    "write_definitions_page",
]

KINDS = ("count", "sum", "rate_per_1000", "survey_share", "survey_index", "survey_mean", "share")
LEVELS = ("universell", "selektiv", "indikerad", "situationell")
SOURCES = ("polis", "kommun", "trygghetsmätning", "ungdomsenkät", "SCB", "Kolada")
DIRECTIONS = ("lower_is_better", "higher_is_better")
DISCLOSURE_RULES = ("count", "survey", "none")
DENOMINATORS = ("befolkning", "befolkning_aldersgrupp", "svarande", "fynd", "misstankta", "ingen")
WHOLE_MUNICIPALITY = "hela kommunen"
#: the columns of :func:`compute`'s result, grouping columns inserted after ``year``
COLUMNS = ["indicator", "year", "value", "lower", "upper", "numerator", "denominator", "n", "n_eff",
           "suppressed", "suppression", "unit"]
GROUPING_ORDER = ("area", "level", "sex", "age_group", "grade")

# what each kind may read, and the groupings each table supports
_KIND_TABLES = {
    "rate_per_1000": ("offences", "municipal_incidents", "young_suspects"),
    "count": ("offences", "municipal_incidents", "measures"),
    "sum": ("municipal_incidents",),
    "survey_share": ("survey", "youth_survey"),
    "survey_index": ("survey", "youth_survey"),
    "survey_mean": ("survey", "youth_survey"),
    "share": ("safety_walks", "young_suspects"),
}
_TABLE_GROUPINGS = {
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
_CATEGORIES = ("misshandel", "hot_ofredande", "ran", "sexualbrott", "bostadsinbrott", "fordon", "cykelstold",
               "butiksstold", "ovrig_stold", "skadegorelse", "narkotika", "bedrageri", "trafik", "vapen", "ovrigt",
               "okand")
_REQUIRED = ("id", "name_sv", "name_en", "description_sv", "description_en", "phrase_sv", "kind", "source", "table",
             "denominator", "unit", "direction", "levels", "disclosure", "groupings")
_OPTIONAL = ("filter", "questions", "yes_codes", "combine", "value_column", "numerator_column", "factor",
             "kolada_id", "kolada_scale", "kolada_note", "ntu", "always_by", "fix_window_days")
_YOUNG_BAND = {"<15": "10-14"}  # young suspects' age group -> population band used as denominator
_CODEBOOKS = {"survey": "survey_codebook.json", "youth_survey": "youth_codebook.json"}

VERDICT_UP, VERDICT_DOWN, VERDICT_NONE, VERDICT_NA = "ökat", "minskat", "ingen säker förändring", "ej mätbart"


# --- definitions ---------------------------------------------------------------------------------------


def definitions(path: str | Path | None = None) -> pd.DataFrame:
    """All indicator definitions as a DataFrame, one row per indicator (columns: the YAML fields)."""
    entries = _definitions_of(path)
    cols = list(_REQUIRED) + list(_OPTIONAL)
    return pd.DataFrame([{c: e.get(c) for c in cols} for e in entries], columns=cols)


def definition(indicator: str, path: str | Path | None = None) -> dict:
    """One indicator's definition (a dict copy); ParameterError naming the known ids when unknown."""
    entries = _definitions_of(path)
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


def _definitions_of(path: str | Path | None) -> tuple[dict, ...]:
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
    one_of("table", _KIND_TABLES[e["kind"]])
    if e.get("factor") is not None:
        one_of("factor", ("risk", "skydd"))
    levels = e["levels"]
    if not isinstance(levels, list) or any(lv not in LEVELS for lv in levels):
        raise bad("levels", f"must be a list of {', '.join(LEVELS)}")
    allowed_groups = _TABLE_GROUPINGS[e["table"]]
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


# --- compute -------------------------------------------------------------------------------------------


def compute(
    store: str | Path | None,
    indicator: str,
    years: int | Iterable[int] | None = None,
    by: str | Sequence[str] | None = None,
    area: str | None = None,
    *,
    alpha: float = 0.05,
    interval: str = _survey.DEFAULT_INTERVAL,
    threshold: int = SUPPRESS_BELOW,
    min_respondents: int = SURVEY_MIN_RESPONDENTS,
) -> pd.DataFrame:
    """One indicator by year (and grouping) with its ``1 − alpha`` interval and disclosure flags.

    ``years``: one year, several, or None for every year the source has data. ``by``: any of the
    indicator's ``groupings`` (``area``, ``sex``, ``age_group``, ``grade``, ``level``). ``area``: restrict
    to one area (or ``"hela kommunen"``); the result then has an ``area`` column. ``interval``: the
    survey share interval, ``"wilson"`` (default) or ``"korn_graubard"``.

    Columns: ``indicator, year, <grouping columns>, value, lower, upper, numerator, denominator, n,
    n_eff, suppressed, suppression, unit``. ``n`` is the count of events, persons or findings, or the
    number of respondents with a valid answer; ``n_eff`` is Kish's effective sample size (surveys only).
    Survey ``numerator``/``denominator`` are weighted (Σw·y, Σw). Suppressed rows have ``value``,
    ``lower``, ``upper``, ``numerator`` and ``n`` missing; ``suppression`` says why (``primary``,
    ``secondary``, ``few_respondents``, ``source``), ``exempt`` for indicators not about persons.
    """
    res = _compute_full(store, indicator, years, by, area, alpha=alpha, interval=interval, threshold=threshold,
                        min_respondents=min_respondents)
    return res.drop(columns=["se"])


def _compute_full(store, indicator, years=None, by=None, area=None, *, alpha=0.05,
                  interval=_survey.DEFAULT_INTERVAL, threshold=SUPPRESS_BELOW,
                  min_respondents=SURVEY_MIN_RESPONDENTS) -> pd.DataFrame:
    """compute() with the ``se`` column, memoised per store version (the store files' modification
    times), so that follow_up, main_changes and a notebook asking twice compute once."""
    folder = store_dir(store).resolve()
    d = definition(indicator)
    files = [folder / "store.json", folder / TABLES[d["table"]], folder / TABLES["population"]]
    stamp = tuple(f.stat().st_mtime_ns if f.exists() else 0 for f in files)
    by_key = None if by is None else ((by,) if isinstance(by, str) else tuple(by))
    if isinstance(years, str):
        raise ParameterError(f"years must be a year or a list of years (whole numbers), got {years!r}")
    checked = _check_years(years)
    years_key = None if checked is None else tuple(checked)
    if area is not None and area != WHOLE_MUNICIPALITY and area not in _area_list(store):
        raise ParameterError(f"area {area!r} is not an area of the store; use one of {', '.join(_area_list(store))} "
                             f"or '{WHOLE_MUNICIPALITY}'")
    args = (float(alpha), interval, int(threshold), int(min_respondents))
    # Every year and every area is computed once and cut afterwards: disclosure control works within a
    # year and one area is cut from the table of all areas anyway (see _compute_uncached), so the cut is
    # the same table — and a notebook's many calls (panels, changes, follow-up) share one computation.
    area_name = _check_area(d, area)
    if area_name is not None and "area" not in (by_key or ()):
        full_by = ("area",) + (by_key or ())
        res = _compute_memo(str(folder), stamp, indicator, None, _ordered(full_by), None, *args)
        res = res.loc[res["area"] == area_name]
    else:
        res = _compute_memo(str(folder), stamp, indicator, None, _ordered(by_key) if by_key else None, area, *args)
        if area is not None and "area" not in res.columns:
            res = res.copy()
            res.insert(2, "area", WHOLE_MUNICIPALITY)
    if years_key is not None:
        missing = set(int(y) for y in years_key) - set(res["year"].astype(int))
        if missing:  # a year the source lacks: computed on its own so the row shows as missing
            return _compute_memo(str(folder), stamp, indicator, years_key, by_key, area, *args).copy()
        res = res.loc[res["year"].isin([int(y) for y in years_key])]
    return res.reset_index(drop=True).copy()


def _ordered(by: tuple[str, ...]) -> tuple[str, ...]:
    """Groupings in the canonical order, so equal requests share one memo entry."""
    return tuple(g for g in GROUPING_ORDER if g in by) + tuple(g for g in by if g not in GROUPING_ORDER)


@lru_cache(maxsize=512)
def _compute_memo(folder, stamp, indicator, years, by, area, alpha, interval, threshold, min_respondents):
    """In this process (lru_cache) and across processes (the store's on-disk cache, see
    :func:`trygghet.data.store.disk_memo`, keyed by the store's and the definitions' versions)."""
    key = (indicator, years, by, area, alpha, interval, threshold, min_respondents, stamp)
    return disk_memo(folder, "indicator-" + indicator, key, lambda: _compute_uncached(
        folder, indicator, list(years) if years is not None else None, list(by) if by is not None else None,
        area, alpha=alpha, interval=interval, threshold=threshold, min_respondents=min_respondents))


def warm_cache(store: str | Path | None, indicators: Iterable[str] | None = None) -> int:
    """Compute every indicator (or the given ones) for every year, municipality-wide and per area, so
    that the store's indicator cache (``STORE/.cache/``) serves the report notebooks. The run pipeline
    calls it once before it starts the notebooks in parallel; returns how many tables were computed."""
    done = 0
    for i in (indicators if indicators is not None else definitions()["id"]):
        d = definition(i)
        compute(store, i)
        done += 1
        if "area" in (d.get("groupings") or []):
            compute(store, i, by="area")
            done += 1
    return done


def _compute_uncached(store, indicator, years=None, by=None, area=None, *, alpha=0.05,
                      interval=_survey.DEFAULT_INTERVAL, threshold=SUPPRESS_BELOW,
                      min_respondents=SURVEY_MIN_RESPONDENTS) -> pd.DataFrame:
    d = definition(indicator)
    _check_alpha(alpha)
    if interval not in _survey.INTERVAL_METHODS:
        raise ParameterError(f"interval '{interval}' is unknown; use one of {', '.join(_survey.INTERVAL_METHODS)}")
    by_list = _check_by(d, by)
    year_list = _check_years(years)
    area_name = _check_area(d, area)
    groups = [g for g in GROUPING_ORDER if g in by_list]
    # One area is cut from the table of all areas, so that it is hidden exactly when it is hidden there
    # (a second cell hidden in the all-areas table must not be shown by asking for the area alone).
    calc_groups = groups if area_name is None or "area" in groups else ["area"] + groups
    raw = _KIND_FUNCS[d["kind"]](store, d, calc_groups, None if calc_groups != groups else area_name, alpha, interval)
    if year_list is not None:
        raw = raw.loc[raw["year"].isin(year_list)]
    raw = _sort_rows(raw, calc_groups)
    raw = _apply_disclosure(raw, d, calc_groups, threshold, min_respondents)
    if area_name is not None:
        raw = raw.loc[raw["area"] == area_name].reset_index(drop=True)
    if area is not None and "area" not in groups:
        if "area" not in raw:
            raw.insert(0, "area", area_name or WHOLE_MUNICIPALITY)
        groups = ["area"] + groups
    raw["indicator"] = indicator
    raw["unit"] = d["unit"]
    cols = ["indicator", "year"] + groups + COLUMNS[2:-1] + ["unit", "se"]
    out = raw.loc[:, cols].copy()
    out["year"] = out["year"].astype("int64")
    for c in ("n",):
        out[c] = pd.array(out[c], dtype="Int64")
    for c in ("value", "lower", "upper", "numerator", "denominator", "n_eff", "se"):
        out[c] = out[c].astype("float64")
    out["suppressed"] = out["suppressed"].astype(bool)
    out["suppression"] = out["suppression"].astype("string")
    for g in groups:
        out[g] = out[g].astype("string")
    return out


def _sort_rows(raw: pd.DataFrame, groups: list[str]) -> pd.DataFrame:
    """Year, then each grouping in reading order: areas the Swedish way (Å Ä Ö last), age groups by their
    first age (<15 first), prevention levels universal → situational."""
    def key(col: pd.Series) -> pd.Series:
        if col.name == "year":
            return col.astype(int)
        if col.name == "age_group":
            return col.map(lambda a: -1 if str(a).startswith("<") else int(re.match(r"\d*", str(a)).group() or 999))
        if col.name == "level":
            return col.map(lambda v: LEVELS.index(v) if v in LEVELS else len(LEVELS))
        return col.map(lambda v: fmt.sort_key_sv(v))
    return raw.sort_values(["year"] + groups, key=key, kind="stable").reset_index(drop=True)


def _check_by(d: dict, by) -> list[str]:
    by_list = [] if by is None else ([by] if isinstance(by, str) else list(by))
    allowed = d.get("groupings") or []
    for g in by_list:
        if g not in allowed:
            raise ParameterError(f"indicator '{d['id']}' cannot be grouped by '{g}'; "
                                 f"it can be grouped by {', '.join(allowed) or 'nothing'}")
    for g in d.get("always_by") or []:
        if g not in by_list:
            by_list.append(g)
    return by_list


def _check_years(years) -> list[int] | None:
    if years is None:
        return None
    if isinstance(years, (int, np.integer)):
        return [int(years)]
    try:
        out = [int(y) for y in years]
    except (TypeError, ValueError):
        raise ParameterError(f"years must be a year or a list of years, got {years!r}") from None
    return out


def _check_area(d: dict, area: str | None) -> str | None:
    if area is None or area == WHOLE_MUNICIPALITY:
        return None
    if "area" not in (d.get("groupings") or []):
        raise ParameterError(f"indicator '{d['id']}' is not available per area (the source '{d['table']}' "
                             f"has no area); use area=None or '{WHOLE_MUNICIPALITY}'")
    return str(area)


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must lie between 0 and 1 (0.05 gives 95 % intervals), got {alpha}")


# per kind: a frame with year, groups, value, lower, upper, numerator, denominator, n, n_eff, se, unknown


def _rate(store, d, groups, area, alpha, interval):
    counts = _event_counts(store, d, groups, area)
    if d["denominator"] == "befolkning_aldersgrupp":
        pop = _population_bands(store, d, groups)
    else:
        pop = _population(store, groups, area)
    out = counts.merge(pop, on=["year"] + groups, how="left")
    k = out["count"].to_numpy(dtype=float)
    p = out["population"].to_numpy(dtype=float)
    lo, hi = _garwood(k, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(p > 0, 1000.0 / p, np.nan)
    out["value"], out["lower"], out["upper"] = k * scale, lo * scale, hi * scale
    out["numerator"], out["denominator"], out["n"] = k, p, k
    out["n_eff"], out["se"] = np.nan, np.sqrt(k) * scale
    return out


def _count(store, d, groups, area, alpha, interval):
    counts = _event_counts(store, d, groups, area)
    k = counts["count"].to_numpy(dtype=float)
    census = d["table"] == "measures"
    lo, hi = (np.full(len(k), np.nan), np.full(len(k), np.nan)) if census else _garwood(k, alpha)
    out = counts
    out["value"], out["lower"], out["upper"] = k, lo, hi
    out["numerator"], out["denominator"], out["n"] = k, np.nan, k
    out["n_eff"], out["se"] = np.nan, (np.nan if census else np.sqrt(k))
    return out


def _sum(store, d, groups, area, alpha, interval):
    counts = _event_counts(store, d, groups, area, value_column=d["value_column"])
    out = counts
    out["value"] = out["total"].astype(float)
    out["lower"] = out["upper"] = np.nan
    out["numerator"], out["denominator"], out["n"] = out["value"], np.nan, out["count"].astype(float)
    out["n_eff"], out["se"] = np.nan, np.nan
    return out


def _share(store, d, groups, area, alpha, interval):
    if d["table"] == "safety_walks":
        t = read_table(store, "safety_walks")
        if area is not None:
            t = t.loc[t["area"] == area]
        years = sorted(pd.to_numeric(read_table(store, "safety_walks")["year"]).dropna().astype(int).unique())
        fixed = t[d["numerator_column"]].fillna(False).astype(bool)
        window = d.get("fix_window_days")
        if window:
            # fixed within the window after the walk; a finding whose window has not closed by the end
            # of the data (31 December of the latest year with offences) is not yet measurable and
            # counts in neither part
            latest = pd.to_numeric(read_table(store, "offences")["year"]).max()
            data_end = pd.Timestamp(year=int(latest), month=12, day=31) if pd.notna(latest) else pd.NaT
            days = (t["fixed_date"] - t["date"]).dt.days
            fixed = fixed & (days <= window).fillna(False)
            if pd.notna(data_end):
                measurable = t["date"] + pd.Timedelta(days=window) <= data_end
            else:  # no offences to date the data by: every finding counts
                measurable = pd.Series(True, index=t.index)
            t, fixed = t.loc[measurable.to_numpy(dtype=bool)], fixed.loc[measurable.to_numpy(dtype=bool)]
        t = t.assign(_num=fixed.astype(float), _den=1.0, _unknown=False)
    else:
        t = _young_rows(store, d, groups)
        num = pd.to_numeric(t[d["numerator_column"]], errors="coerce")
        den = pd.to_numeric(t["persons"], errors="coerce")
        # a cell the police left empty (under 5) is left out of both numerator and denominator; a group
        # with no reported cell at all is unknown
        known = num.notna() & den.notna()
        t = t.assign(_num=num.where(known, 0).astype(float), _den=den.where(known, 0).astype(float),
                     _unknown=~known)
        years = sorted(t["year"].astype(int).unique())
    keys = ["year"] + groups
    t = t.assign(year=pd.to_numeric(t["year"]).astype(int))
    agg = t.groupby(keys, dropna=True, observed=True).agg(numerator=("_num", "sum"), denominator=("_den", "sum"),
                                                           unknown=("_unknown", "all")).reset_index()
    agg = _complete(agg, store, d, groups, area, years, fill={"numerator": 0.0, "denominator": 0.0, "unknown": False})
    agg = agg.loc[(agg["denominator"] > 0) | agg["unknown"]].reset_index(drop=True)
    x, n = agg["numerator"].to_numpy(float), agg["denominator"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        bounds = [_survey.proportion_interval(xi / ni, ni, alpha, "wilson") if ni > 0 else (np.nan, np.nan)
                  for xi, ni in zip(x, n)]
        agg["value"] = x / n
    agg["lower"] = [b[0] for b in bounds]
    agg["upper"] = [b[1] for b in bounds]
    agg["n"], agg["n_eff"] = n, np.nan
    agg["se"] = np.sqrt(agg["value"] * (1 - agg["value"]) / n)
    agg.loc[agg["unknown"], ["value", "lower", "upper", "numerator", "se"]] = np.nan
    return agg


def _survey_estimate(store, d, groups, area, alpha, interval):
    t = read_table(store, d["table"])
    codebook = read_json(store, _CODEBOOKS[d["table"]])
    source = f"{d['table']} codebook ({_CODEBOOKS[d['table']]})"
    qbook = _survey.questions(codebook, source)
    qids = [q for q, spec in qbook.items() if spec.get("problemindex")] if d["questions"] == "problemindex" \
        else list(d["questions"])
    for q in qids:
        if q not in qbook:
            raise DataError(source, f"indicator '{d['id']}' uses question '{q}', which the codebook lacks",
                            "add the question to the codebook or fix indicators.yaml")
        if q not in t.columns:
            raise DataError(d["table"], f"indicator '{d['id']}' needs the column '{q}', which the survey lacks",
                            "check the survey extract's header and the codebook")
    if area is not None:
        t = t.loc[t["area"] == area]
    vet_ej = {q: qbook[q]["vet_ej"] for q in qids}
    weights = pd.to_numeric(t["weight"], errors="coerce").fillna(1.0)
    frame = t.loc[:, ["year"] + groups].assign(weight=weights.to_numpy())
    frame["year"] = pd.to_numeric(frame["year"]).astype(int)
    if d["kind"] == "survey_share":
        frame["_y"] = _survey.answer_any(t, qids, d["yes_codes"], vet_ej)
        est = _survey.estimate_groups(frame, "_y", ["year"] + groups, statistic="share", alpha=alpha, method=interval)
    else:
        scoring = _survey.score_map(codebook, source)
        frame["_y"] = _survey.answer_score(t, qids, scoring, vet_ej)
        lo_b, hi_b = min(scoring.values()), max(scoring.values())
        est = _survey.estimate_groups(frame, "_y", ["year"] + groups, statistic="mean", alpha=alpha,
                                      bounds=(lo_b, hi_b))
    est["unknown"] = False
    return est


_KIND_FUNCS = {
    "rate_per_1000": _rate,
    "count": _count,
    "sum": _sum,
    "share": _share,
    "survey_share": _survey_estimate,
    "survey_index": _survey_estimate,
    "survey_mean": _survey_estimate,
}


def _event_counts(store, d, groups, area, value_column=None) -> pd.DataFrame:
    """Counts (and sums) per year × groups, with zero rows for groups without events."""
    table = d["table"]
    filt = d.get("filter") or {}
    if table == "young_suspects":
        t = _young_rows(store, d, groups)
        vals = pd.to_numeric(t[d.get("value_column") or "persons"], errors="coerce")
        t = t.assign(_k=vals.fillna(0).astype(float), _unknown=vals.isna(), year=t["year"].astype(int))
        agg = t.groupby(["year"] + groups, observed=True).agg(count=("_k", "sum"), unknown=("_unknown", "any"))
        agg = agg.reset_index()
        years = sorted(t["year"].unique())
        return _complete(agg, store, d, groups, area, years, fill={"count": 0.0, "unknown": False})
    if table == "measures":
        t = _measure_years(store, filt, area if "area" not in groups else None, "area" in groups)
        years = sorted(t["year"].unique())
    else:
        full = read_table(store, table)
        years = sorted(pd.to_numeric(full["year"]).dropna().astype(int).unique())
        t = full.loc[_filter_mask(full, table, filt)]
        if area is not None:
            t = t.loc[t["area"] == area]
        t = t.assign(year=pd.to_numeric(t["year"]).astype(int))
    if "area" in groups:
        t = t.loc[t["area"].notna()]
    keys = ["year"] + groups
    spec = {"count": ("year", "size")}
    if value_column:
        t = t.assign(_v=pd.to_numeric(t[value_column], errors="coerce").fillna(0.0))
        spec["total"] = ("_v", "sum")
    agg = t.groupby(keys, observed=True).agg(**spec).reset_index() if len(t) else pd.DataFrame(columns=keys + list(spec))
    agg["unknown"] = False
    fill = {"count": 0.0, "unknown": False, **({"total": 0.0} if value_column else {})}
    return _complete(agg, store, d, groups, area, years, fill=fill)


def _filter_mask(t: pd.DataFrame, table: str, filt: Mapping) -> pd.Series:
    mask = pd.Series(True, index=t.index)
    if table == "offences":
        if "categories" in filt:
            mask &= t["category"].isin(filt["categories"]).fillna(False).astype(bool)
        for flag in ("violent", "volume_crime", "public_place"):
            if flag in filt:
                mask &= (t[flag].fillna(False).astype(bool) == bool(filt[flag]))
        if "hours" in filt:
            hour = pd.to_numeric(t["hour"], errors="coerce")
            mask &= hour.isin(filt["hours"]).fillna(False).astype(bool)
    elif table == "municipal_incidents" and "types" in filt:
        mask &= t["type"].isin(filt["types"]).fillna(False).astype(bool)
    return mask


def _measure_years(store, filt: Mapping, area: str | None, need_area: bool) -> pd.DataFrame:
    """One row per measure × year it runs (× area when asked)."""
    m = read_table(store, "measures")
    m = m.loc[~m["status"].isin(filt.get("exclude_status", [])).fillna(False).astype(bool)]
    m = m.loc[m["start"].notna()]
    rows = []
    for rec in m.itertuples(index=False):
        y0 = int(pd.Timestamp(rec.start).year)
        y1 = int(pd.Timestamp(rec.end).year) if pd.notna(rec.end) else None
        rows.append((rec.measure_id, rec.level, y0, y1))
    if not rows:
        return pd.DataFrame({"measure_id": [], "level": [], "year": [], "area": []})
    last = max(max(r[2] for r in rows), max((r[3] for r in rows if r[3] is not None), default=0))
    expanded = [(mid, lvl, y) for mid, lvl, y0, y1 in rows for y in range(y0, (y1 if y1 is not None else last) + 1)]
    out = pd.DataFrame(expanded, columns=["measure_id", "level", "year"])
    if area is not None or need_area:
        ma = read_table(store, "measure_areas").loc[:, ["measure_id", "area"]]
        out = out.merge(ma, on="measure_id", how="inner")
        if area is not None:
            out = out.loc[out["area"].isin([area, WHOLE_MUNICIPALITY])]
            out = out.drop_duplicates(["measure_id", "year"])
    return out


def _young_rows(store, d, groups) -> pd.DataFrame:
    """Young-suspect rows for the grouping: by sex the kvinna/man rows, else the 'alla' rows when the
    year has them and the sum of kvinna and man otherwise."""
    t = read_table(store, "young_suspects")
    ages = (d.get("filter") or {}).get("age_groups")
    if ages:
        t = t.loc[t["age_group"].isin(ages)]
    t = t.assign(year=pd.to_numeric(t["year"]).astype(int))
    if "sex" in groups:
        return t.loc[t["sex"].isin(["kvinna", "man"])]
    has_all = t.loc[t["sex"] == "alla"].groupby("year").size()
    use_all = t["year"].isin(has_all.index)
    return t.loc[(use_all & (t["sex"] == "alla")) | (~use_all & t["sex"].isin(["kvinna", "man"]))]


def _population(store, groups, area) -> pd.DataFrame:
    pop = read_table(store, "population")
    if area is not None:
        pop = pop.loc[pop["area"] == area]
    pop = pop.assign(year=pd.to_numeric(pop["year"]).astype(int))
    keys = ["year"] + [g for g in groups if g == "area"]
    return pop.groupby(keys, observed=True)["population"].sum().astype(float).reset_index()


def _population_bands(store, d, groups) -> pd.DataFrame:
    pop = read_table(store, "population")
    pop = pop.assign(year=pd.to_numeric(pop["year"]).astype(int))
    ages = (d.get("filter") or {}).get("age_groups") or []
    bands = {a: _YOUNG_BAND.get(a, a) for a in ages}
    if not set(bands.values()) & set(pop["age_group"].astype(str)):
        raise DataError("population.parquet", f"indicator '{d['id']}' needs the population by age group "
                        f"({', '.join(sorted(set(bands.values())))}), but the population is not split by age",
                        "deliver befolkning.csv with the column åldersgrupp")
    if "sex" in groups and not pop["sex"].isin(["kvinna", "man"]).any():
        raise DataError("population.parquet", "the population is not split by sex",
                        "deliver befolkning.csv with the column kön, or compute without by='sex'")
    rows = []
    for a, band in bands.items():
        sub = pop.loc[pop["age_group"] == band]
        keys = ["year"] + (["sex"] if "sex" in groups else [])
        s = sub.groupby(keys, observed=True)["population"].sum().reset_index().assign(age_group=a)
        rows.append(s)
    allp = pd.concat(rows, ignore_index=True)
    keys = ["year"] + [g for g in groups if g in ("sex", "age_group")]
    return allp.groupby(keys, observed=True)["population"].sum().astype(float).reset_index()


def _complete(agg: pd.DataFrame, store, d, groups, area, years, fill: Mapping) -> pd.DataFrame:
    """Add the rows with no events (zero counts) for every covered year × group value."""
    levels = [list(map(int, years))]
    for g in groups:
        levels.append(_group_values(store, d, g, agg, area))
    if not levels[0]:
        return agg.iloc[0:0].assign(**{k: pd.Series(dtype=float) for k in fill if k not in agg})
    grid = pd.MultiIndex.from_product(levels, names=["year"] + groups).to_frame(index=False)
    agg = agg.assign(year=agg["year"].astype(int)) if len(agg) else agg.astype({"year": int})
    for g in groups:
        grid[g] = grid[g].astype(object)
        agg[g] = agg[g].astype(object)
    out = grid.merge(agg, on=["year"] + groups, how="left")
    for k, v in fill.items():
        if k not in out:
            out[k] = v
        out[k] = out[k].astype(object).where(out[k].notna(), v).infer_objects()
    return out


def _group_values(store, d, g, agg, area) -> list:
    if g == "area":
        if area is not None:
            return [area]
        names = _area_list(store)
        extra = [a for a in agg["area"].dropna().unique() if a not in names] if "area" in agg else []
        return names + sorted(extra, key=fmt.sort_key_sv)
    if g == "level":
        return list(LEVELS)
    if g == "sex":
        return ["kvinna", "man"]
    if g == "age_group":
        return list((d.get("filter") or {}).get("age_groups") or sorted(agg[g].dropna().unique()))
    return sorted(agg[g].dropna().unique(), key=fmt.sort_key_sv)


def _area_list(store) -> list[str]:
    try:
        names = read_table(store, "areas")["area"].dropna().astype(str).tolist()
    except DataError:
        names = []
    if not names:
        names = read_table(store, "population")["area"].dropna().astype(str).unique().tolist()
    names = [n for n in dict.fromkeys(names) if n != WHOLE_MUNICIPALITY]
    return sorted(names, key=fmt.sort_key_sv)


def _garwood(k: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson interval for counts ``k`` (Garwood 1936)."""
    k = np.asarray(k, dtype=float)
    with np.errstate(invalid="ignore"):
        lo = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0)
        hi = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    lo = np.where(np.isnan(k), np.nan, lo)
    return lo, hi


def _apply_disclosure(raw: pd.DataFrame, d: dict, groups: list[str], threshold: int, min_n: int) -> pd.DataFrame:
    raw = raw.copy()
    unknown = raw["unknown"].fillna(False).astype(bool).to_numpy() if "unknown" in raw else np.zeros(len(raw), bool)
    rule = d["disclosure"]
    if len(raw) == 0 or rule == "none":
        raw["suppressed"] = False
        raw["suppression"] = _disc.EXEMPT if rule == "none" else ""
        return raw
    if rule == "survey":
        n = raw["n"].to_numpy(dtype=float)
        primary = n < min_n
        bounds = (1.0, float(min_n - 1))
        count_col = "n"
    else:
        count_col = "n"
        n = raw["n"].to_numpy(dtype=float)
        primary = (n >= 1) & (n < threshold)
        if d["kind"] == "share":
            x = raw["numerator"].to_numpy(dtype=float)
            primary |= ((x >= 1) & (x < threshold)) | ((n - x >= 1) & (n - x < threshold))
        bounds = (1.0, float(threshold - 1))
    primary &= ~unknown
    codes = _disc.protect(raw, count_col, primary | unknown, by=groups, within=["year"], primary_bounds=bounds,
                          unknown=unknown) if groups else np.where(primary | unknown, 1, 0)
    reason = np.where(codes == 2, _disc.SECONDARY,
                      np.where(unknown, _disc.SOURCE,
                               np.where(codes == 1, _disc.FEW_RESPONDENTS if rule == "survey" else _disc.PRIMARY, "")))
    hidden = codes > 0
    raw["suppressed"] = hidden
    raw["suppression"] = reason
    hide = ["value", "lower", "upper", "numerator", "n", "n_eff", "se"]
    if d["kind"] in ("share", "survey_share", "survey_index", "survey_mean"):
        hide.append("denominator")
    for c in hide:
        raw[c] = raw[c].astype(float)
        raw.loc[hidden, c] = np.nan
    return raw


# --- change ----------------------------------------------------------------------------------------------


def change(
    store: str | Path | None,
    indicator: str,
    year_from: int,
    year_to: int,
    by: str | Sequence[str] | None = None,
    alpha: float = 0.05,
    *,
    area: str | None = None,
    interval: str = _survey.DEFAULT_INTERVAL,
) -> pd.DataFrame:
    """The change of an indicator between two years, tested, with a Swedish verdict.

    Columns: ``indicator, <grouping columns>, year_from, year_to, value_from, value_to, difference,
    p_value, test, verdict`` (``ökat``, ``minskat``, ``ingen säker förändring``, or ``ej mätbart`` when a
    year is missing or hidden), ``assessment`` (``förbättring``, ``försämring``, ``ingen säker
    förändring``, ``ej mätbart`` — the verdict read through the indicator's direction), ``reading``
    (``improved``, ``worsened``, ``no_certain_change``, ``not_measurable``), ``suppressed``, ``unit``.
    The tests are listed in the module's notes; ``p_value < alpha`` counts as a certain change.
    """
    d = definition(indicator)
    _check_alpha(alpha)
    y0, y1 = int(year_from), int(year_to)
    if y0 == y1:
        raise ParameterError(f"year_from and year_to are both {y0}; compare two different years")
    full = _compute_full(store, indicator, [y0, y1], by, area, alpha=alpha, interval=interval)
    groups = [c for c in full.columns if c in GROUPING_ORDER]
    return _change_table(d, full, groups, y0, y1, alpha)


def _change_table(d: dict, full: pd.DataFrame, groups: list[str], y0: int, y1: int, alpha: float) -> pd.DataFrame:
    a = full.loc[full["year"] == y0].set_index(groups) if groups else full.loc[full["year"] == y0]
    b = full.loc[full["year"] == y1].set_index(groups) if groups else full.loc[full["year"] == y1]
    if groups:
        keys = list(dict.fromkeys(list(a.index) + list(b.index)))
    else:
        keys = [()]
    rows = []
    for key in keys:
        ra = _row_at(a, key, groups)
        rb = _row_at(b, key, groups)
        rows.append({**_key_dict(groups, key), **_compare(d, ra, rb, alpha), "year_from": y0, "year_to": y1})
    cols = ["indicator"] + groups + ["year_from", "year_to", "value_from", "value_to", "difference", "p_value",
                                     "test", "verdict", "assessment", "reading", "suppressed", "unit"]
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame(columns=cols)
    out["indicator"] = d["id"]
    out["unit"] = d["unit"]
    return out.loc[:, cols]


def _row_at(frame, key, groups):
    if not groups:
        return frame.iloc[0] if len(frame) else None
    k = key if len(groups) > 1 else (key[0] if isinstance(key, tuple) else key)
    if k in frame.index:
        r = frame.loc[k]
        return r.iloc[0] if isinstance(r, pd.DataFrame) else r
    return None


def _key_dict(groups, key):
    if not groups:
        return {}
    key = key if isinstance(key, tuple) else (key,)
    return dict(zip(groups, key))


def _compare(d: dict, ra, rb, alpha: float) -> dict:
    """Test one pair of rows; returns the change columns."""
    na = {"value_from": math.nan, "value_to": math.nan, "difference": math.nan, "p_value": math.nan,
          "test": _test_name(d), "verdict": VERDICT_NA, "assessment": "ej mätbart", "reading": "not_measurable",
          "suppressed": False}
    if ra is None or rb is None:
        return na
    if bool(ra["suppressed"]) or bool(rb["suppressed"]):
        return {**na, "suppressed": True}
    v0, v1 = float(ra["value"]), float(rb["value"])
    if math.isnan(v0) or math.isnan(v1):
        return na
    p = _p_value(d, ra, rb)
    diff = v1 - v0
    if math.isnan(p):  # a census: the difference is exact
        certain = diff != 0
    else:
        certain = p < alpha
    verdict = VERDICT_NONE if not certain else (VERDICT_UP if diff > 0 else VERDICT_DOWN)
    if verdict == VERDICT_NONE:
        assessment, reading = "ingen säker förändring", "no_certain_change"
    else:
        better = (diff < 0) == (d["direction"] == "lower_is_better")
        assessment, reading = ("förbättring", "improved") if better else ("försämring", "worsened")
    return {"value_from": v0, "value_to": v1, "difference": diff, "p_value": p, "test": _test_name(d),
            "verdict": verdict, "assessment": assessment, "reading": reading, "suppressed": False}


def _test_name(d: dict) -> str:
    kind = d["kind"]
    if kind in ("rate_per_1000",):
        return "exakt villkorligt binomialtest för två Poissonantal (justerat för befolkningen)"
    if kind == "count" and d["table"] != "measures":
        return "exakt villkorligt binomialtest för två Poissonantal"
    if kind == "survey_share":
        return "z-test för två andelar på effektiva urvalsstorlekar (Kish)"
    if kind in ("survey_index", "survey_mean"):
        return "z-test för två viktade medelvärden (linjäriserade standardfel)"
    if kind == "share":
        return "Fishers exakta test"
    return "totalräkning utan slumposäkerhet (tecknet på skillnaden)"


def _p_value(d: dict, ra, rb) -> float:
    kind = d["kind"]
    if kind == "rate_per_1000" or (kind == "count" and d["table"] != "measures"):
        k0, k1 = int(round(ra["numerator"])), int(round(rb["numerator"]))
        if k0 + k1 == 0:
            return 1.0
        if kind == "rate_per_1000":
            p0, p1 = float(ra["denominator"]), float(rb["denominator"])
            if not (p0 > 0 and p1 > 0):
                return math.nan
            share = p1 / (p0 + p1)
        else:
            share = 0.5
        return float(stats.binomtest(k1, k0 + k1, share).pvalue)
    if kind == "survey_share":
        p0, p1, n0, n1 = float(ra["value"]), float(rb["value"]), float(ra["n_eff"]), float(rb["n_eff"])
        pooled = (p0 * n0 + p1 * n1) / (n0 + n1)
        se = math.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
        if se == 0:
            return 1.0 if p0 == p1 else 0.0
        return float(2 * stats.norm.sf(abs(p1 - p0) / se))
    if kind in ("survey_index", "survey_mean"):
        se = math.sqrt(float(ra["se"]) ** 2 + float(rb["se"]) ** 2)
        if not se > 0:
            return math.nan if math.isnan(se) else (1.0 if ra["value"] == rb["value"] else 0.0)
        return float(2 * stats.norm.sf(abs(float(rb["value"]) - float(ra["value"])) / se))
    if kind == "share":
        x0, n0 = int(round(ra["numerator"])), int(round(ra["n"]))
        x1, n1 = int(round(rb["numerator"])), int(round(rb["n"]))
        return float(stats.fisher_exact([[x0, n0 - x0], [x1, n1 - x1]]).pvalue)
    return math.nan


# --- follow-up -----------------------------------------------------------------------------------------


def follow_up(store: str | Path | None, year: int, *, alpha: float = 0.05) -> pd.DataFrame:
    """Every sub-goal of ``goals.parquet`` with its latest value, trend and status.

    Columns: ``goal_id, goal_text, subgoal_id, subgoal_text, indicator, indicator_name, area,
    baseline_year, baseline_value, latest_year, value, lower, upper, unit, target_value, target_year,
    target_type, path_value, trend, status, status_reason``.

    ``latest_year`` is the latest year ≤ ``year`` with a shown value. ``path_value`` is the straight line
    from the baseline value (baseline year) to the target (target year), read at ``latest_year`` (the
    target itself after the target year). For a ceiling (``tak``) the right side is at or below the path,
    for a floor (``golv``) at or above. Status: ``på väg`` — the whole interval lies on the right side;
    ``risk`` — the interval contains the path value (on track cannot be told from off track);
    ``ej på väg`` — the whole interval lies on the wrong side; ``ej mätbart`` — no value (no data, hidden,
    unknown indicator or not available for the area). Censuses (no interval) compare the value itself.
    ``trend`` compares the latest year with the previous year with data (:func:`change`, ``alpha``):
    ``förbättras``, ``försämras``, ``oförändrad`` (no certain change) or ``okänd`` (fewer than two years).
    """
    goals = read_table(store, "goals")
    cache: dict[tuple[str, str | None], pd.DataFrame | str] = {}
    rows = []
    for g in goals.itertuples(index=False):
        rows.append(_follow_one(store, g._asdict(), int(year), alpha, cache))
    cols = ["goal_id", "goal_text", "subgoal_id", "subgoal_text", "indicator", "indicator_name", "area",
            "baseline_year", "baseline_value", "latest_year", "value", "lower", "upper", "unit", "target_value",
            "target_year", "target_type", "path_value", "trend", "status", "status_reason"]
    out = pd.DataFrame(rows, columns=cols)
    for c in ("baseline_year", "latest_year", "target_year"):
        out[c] = pd.array(out[c], dtype="Int64")
    return out


def _series(store, indicator: str, area: str | None, alpha: float, cache: dict):
    key = (indicator, area)
    if key not in cache:
        try:
            cache[key] = _compute_full(store, indicator, None, None, area, alpha=alpha)
        except ParameterError as exc:
            cache[key] = str(exc)
    return cache[key]


def _follow_one(store, g: dict, year: int, alpha: float, cache: dict) -> dict:
    area = g.get("area") if isinstance(g.get("area"), str) and g.get("area") else WHOLE_MUNICIPALITY
    base = {k: g.get(k) for k in ("goal_id", "goal_text", "subgoal_id", "subgoal_text", "indicator",
                                  "baseline_year", "baseline_value", "target_value", "target_year", "target_type")}
    base["area"] = area
    base.update(latest_year=None, value=math.nan, lower=math.nan, upper=math.nan, path_value=math.nan,
                trend="okänd", unit=None, indicator_name=None)
    for k in ("baseline_value", "target_value"):
        base[k] = float(base[k]) if base[k] is not None and not pd.isna(base[k]) else math.nan
    try:
        d = definition(str(g.get("indicator")))
    except ParameterError:
        return {**base, "status": "ej mätbart",
                "status_reason": f"Indikatorn '{g.get('indicator')}' finns inte bland definitionerna."}
    base.update(unit=d["unit"], indicator_name=d["name_sv"])
    series = _series(store, d["id"], None if area == WHOLE_MUNICIPALITY else area, alpha, cache)
    if isinstance(series, str):
        return {**base, "status": "ej mätbart", "status_reason": f"Indikatorn redovisas inte för {area}."}
    shown = series.loc[(series["year"] <= year) & ~series["suppressed"] & series["value"].notna()]
    if base["target_type"] not in ("tak", "golv"):
        return {**base, "status": "ej mätbart",
                "status_reason": f"Måltypen '{base['target_type']}' är okänd (ska vara tak eller golv)."}
    if shown.empty:
        hidden = series.loc[(series["year"] <= year) & series["suppressed"]]
        why = ("Värdet döljs eftersom underlaget är för litet." if len(hidden)
               else f"Det finns inga uppgifter till och med {year}.")
        return {**base, "status": "ej mätbart", "status_reason": why}
    last = shown.iloc[-1]
    latest = int(last["year"])
    base.update(latest_year=latest, value=float(last["value"]), lower=float(last["lower"]), upper=float(last["upper"]))
    if math.isnan(base["baseline_value"]) and base["baseline_year"] is not None and not pd.isna(base["baseline_year"]):
        at_base = shown.loc[shown["year"] == int(base["baseline_year"]), "value"]
        if len(at_base):
            base["baseline_value"] = float(at_base.iloc[0])
    if len(shown) >= 2:
        prev = shown.iloc[-2]
        ch = _compare(d, prev, last, alpha)
        base["trend"] = {"improved": "förbättras", "worsened": "försämras"}.get(ch["reading"], "oförändrad")
    status, reason = _status(d, base, latest)
    return {**base, "status": status, "status_reason": reason}


def _status(d: dict, g: dict, latest: int) -> tuple[str, str]:
    target, tyear = g["target_value"], g["target_year"]
    if math.isnan(target) or tyear is None or pd.isna(tyear):
        return "ej mätbart", "Delmålet saknar målvärde eller målår."
    b_val, b_year = g["baseline_value"], g["baseline_year"]
    if math.isnan(b_val) or b_year is None or pd.isna(b_year) or int(tyear) <= int(b_year):
        path = target
    else:
        frac = min(1.0, max(0.0, (latest - int(b_year)) / (int(tyear) - int(b_year))))
        path = b_val + (target - b_val) * frac
    g["path_value"] = path
    value, lo, hi = g["value"], g["lower"], g["upper"]
    if math.isnan(lo) or math.isnan(hi):
        lo = hi = value
    ceiling = g["target_type"] == "tak"
    v_txt, p_txt, t_txt = _fmt_value(d, value), _fmt_value(d, path), _fmt_value(d, target)
    ci = "" if lo == hi else f" (95 % konfidensintervall {_fmt_interval(d, lo, hi)})"
    side_ok, side_bad = ("under", "över") if ceiling else ("över", "under")
    if latest >= int(tyear):
        where = f"målet {t_txt} för {int(tyear)}"
    else:
        where = f"vägen mot målet {t_txt} år {int(tyear)} ({p_txt} år {latest})"
    if (hi <= path) if ceiling else (lo >= path):
        return "på väg", f"Värdet {latest} är {v_txt}{ci} och ligger {side_ok} {where}."
    if (lo > path) if ceiling else (hi < path):
        return "ej på väg", f"Värdet {latest} är {v_txt}{ci} och ligger säkert {side_bad} {where}."
    return "risk", (f"Värdet {latest} är {v_txt}{ci}; intervallet omfattar {where}, så det går inte att säga "
                    f"säkert att målet nås.")


# --- main changes ----------------------------------------------------------------------------------------


def main_changes(
    store: str | Path | None,
    year: int,
    *,
    alpha: float = 0.05,
    max_items: int = 8,
    correction: str = "fdr_bh",
    indicators: Iterable[str] | None = None,
    per_area: bool = True,
) -> pd.DataFrame:
    """The year's statistically certain changes, as sentences an analyst would write.

    For every indicator with a value in ``year`` (municipality-wide and, with ``per_area``, per area),
    two comparisons: with the previous year that has data, and with the baseline (the goal's baseline
    year for that indicator and area, else the first year with data). All p-values are adjusted together
    by ``correction`` (statsmodels ``multipletests`` method; default Benjamini–Hochberg ``"fdr_bh"``,
    ``"none"`` for no adjustment); changes with adjusted p < ``alpha`` are kept, the smallest adjusted p
    first, at most ``max_items``. Censuses (cost, number of measures) have no test and are left out.

    Columns: ``indicator, area, comparison`` (``föregående mätning`` or ``utgångsår``), ``year_from,
    year_to, value_from, value_to, difference, p_value, p_adjusted, verdict, assessment, text`` (the sentence).
    """
    ids = tuple(indicators) if indicators is not None else None
    key = (int(year), float(alpha), int(max_items), correction, ids, bool(per_area))
    return disk_memo(store_dir(store).resolve(), "main_changes", key, lambda: _main_changes(
        store, year, alpha=alpha, max_items=max_items, correction=correction, indicators=ids, per_area=per_area))


def _main_changes(store, year: int, *, alpha: float, max_items: int, correction: str,
                  indicators: Iterable[str] | None, per_area: bool) -> pd.DataFrame:
    """:func:`main_changes` without the store's cache."""
    from statsmodels.stats.multitest import multipletests

    _check_alpha(alpha)
    year = int(year)
    ids = list(indicators) if indicators is not None else definitions()["id"].tolist()
    baselines = _goal_baselines(store)
    cands = []
    for ind in ids:
        d = definition(ind)
        if d["kind"] == "sum" or d["table"] == "measures":
            continue
        scopes = [(None, [])]
        if per_area and "area" in (d.get("groupings") or []):
            scopes.append(("area", ["area"]))
        for by_name, by in scopes:
            full = _compute_full(store, ind, None, by or None, None, alpha=alpha)
            units = [(WHOLE_MUNICIPALITY, full)] if not by else list(full.groupby("area", sort=False))
            for area_name, s in units:
                s = s.loc[~s["suppressed"] & s["value"].notna()]
                if year not in set(s["year"]):
                    continue
                earlier = sorted(int(y) for y in s["year"] if y < year)
                if not earlier:
                    continue
                b_year = baselines.get((ind, area_name), earlier[0])
                pairs = [("föregående mätning", earlier[-1])]
                if b_year in earlier and b_year != earlier[-1]:
                    pairs.append(("utgångsår", b_year))
                for label, y0 in pairs:
                    ra = s.loc[s["year"] == y0].iloc[0]
                    rb = s.loc[s["year"] == year].iloc[0]
                    res = _compare(d, ra, rb, alpha)
                    if math.isnan(res["p_value"]):
                        continue
                    cands.append({"indicator": ind, "area": area_name, "comparison": label, "year_from": y0,
                                  "year_to": year, **{k: res[k] for k in ("value_from", "value_to", "difference",
                                                                            "p_value")}})
    cols = ["indicator", "area", "comparison", "year_from", "year_to", "value_from", "value_to", "difference",
            "p_value", "p_adjusted", "verdict", "assessment", "text"]
    if not cands:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(cands)
    pvals = out["p_value"].to_numpy(float)
    if correction == "none":
        out["p_adjusted"] = pvals
    else:
        try:
            out["p_adjusted"] = multipletests(pvals, alpha=alpha, method=correction)[1]
        except ValueError:
            raise ParameterError(f"correction '{correction}' is unknown; use a statsmodels multipletests method "
                                 "such as 'fdr_bh', 'bonferroni', 'holm', or 'none'") from None
    out = out.loc[out["p_adjusted"] < alpha].copy()
    if out.empty:
        return pd.DataFrame(columns=cols)
    out["_rel"] = (out["difference"].abs() / out["value_from"].abs().replace(0, np.nan)).fillna(np.inf)
    out = out.sort_values(["p_adjusted", "_rel"], ascending=[True, False], kind="stable").head(int(max_items))
    verdicts, assessments, sentences = [], [], []
    for r in out.itertuples(index=False):
        d = definition(r.indicator)
        up = r.difference > 0
        verdicts.append(VERDICT_UP if up else VERDICT_DOWN)
        better = (not up) == (d["direction"] == "lower_is_better")
        assessments.append("förbättring" if better else "försämring")
        sentences.append(_sentence(d, r.area, r.value_from, r.value_to, r.year_from, r.year_to, r.p_adjusted))
    out["verdict"], out["assessment"], out["text"] = verdicts, assessments, sentences
    return out.loc[:, cols].reset_index(drop=True)


def _goal_baselines(store) -> dict:
    try:
        goals = read_table(store, "goals")
    except DataError:
        return {}
    out = {}
    for g in goals.itertuples(index=False):
        if pd.notna(g.baseline_year):
            area = g.area if isinstance(g.area, str) and g.area else WHOLE_MUNICIPALITY
            out.setdefault((g.indicator, area), int(g.baseline_year))
    return out


def _sentence(d: dict, area: str, v0: float, v1: float, y0: int, y1: int, p: float) -> str:
    verb = "ökade" if v1 > v0 else "minskade"
    where = "" if area == WHOLE_MUNICIPALITY else f" i {area}"
    a, b = _fmt_value(d, v0), _fmt_value(d, v1)
    if a == b:  # rounding hides the change: show one more decimal
        a, b = _fmt_value(d, v0, extra=1), _fmt_value(d, v1, extra=1)
    unit = _unit_phrase(d)
    return (f"{d['phrase_sv']}{where} {verb} från {a} till {b}{unit} mellan {y0} och {y1} "
            f"(säker förändring, {fmt.p_value(p)}).")


def format_value(indicator: str, value: float, *, hidden: bool = False) -> str:
    """One indicator value in Swedish, by the indicator's kind: shares "21 %", indices "1,38", rates
    "8,3", counts "1 234" (1–4 as "<5"), sums in kronor "12 345 kr"; "–" when hidden or missing.
    The one formatter of indicator values: reports, follow-up tables and the email use it."""
    if hidden or value is None or pd.isna(value):
        return fmt.MISSING
    d = definition(indicator)
    if d["kind"] == "count":
        return fmt.count(value)
    return _fmt_value(d, value)


def _fmt_value(d: dict, v: float, extra: int = 0) -> str:
    kind = d["kind"]
    if kind in ("survey_share", "share"):
        return fmt.percent(v, extra)
    if kind in ("survey_index", "survey_mean"):
        return fmt.number(v, 2 + extra)
    if kind in ("count", "sum"):
        return fmt.number(v, 0 + extra) + ("\u00a0kr" if d["unit"] == "kronor" else "")
    return fmt.number(v, 1 + extra)


def _fmt_interval(d: dict, lo: float, hi: float) -> str:
    if d["kind"] in ("survey_share", "share"):
        return fmt.interval(lo, hi, as_percent=True)
    return f"{_fmt_value(d, lo)}–{_fmt_value(d, hi)}"


def _unit_phrase(d: dict) -> str:
    if d["kind"] == "rate_per_1000":
        return " " + d["unit"]
    if d["kind"] in ("survey_index", "survey_mean"):
        return " på skalan 0–6"
    if d["kind"] == "count":
        return " " + d["unit"].replace("antal ", "")
    return ""


# --- documentation -------------------------------------------------------------------------------------

_KIND_SV = {"count": "antal", "sum": "summa", "rate_per_1000": "per 1 000 invånare", "survey_share": "andel (enkät, viktad)",
            "survey_index": "index (enkät, viktat medelvärde)", "survey_mean": "medelvärde (enkät, viktat)",
            "share": "andel"}
_KIND_EN = {"count": "count", "sum": "sum", "rate_per_1000": "rate per 1,000", "survey_share": "survey share (weighted)",
            "survey_index": "survey index (weighted mean)", "survey_mean": "survey mean (weighted)", "share": "share"}
_DIRECTION_SV = {"lower_is_better": "lägre är bättre", "higher_is_better": "högre är bättre"}
_DIRECTION_EN = {"lower_is_better": "lower is better", "higher_is_better": "higher is better"}
_DISCLOSURE_SV = {"count": "antal 1–4 visas som <5, sekundär röjandekontroll",
                  "survey": "färre än 30 svarande visas inte", "none": "avser inte personer"}
_DISCLOSURE_EN = {"count": "counts of 1–4 shown as <5, secondary suppression",
                  "survey": "fewer than 30 respondents not shown", "none": "not about persons"}
_FACTOR_SV = {"risk": "riskfaktor", "skydd": "skyddsfaktor"}
_FACTOR_EN = {"risk": "risk factor", "skydd": "protective factor"}
_SECTIONS = [
    ("Polisanmälda brott", "Police-reported offences", lambda e: e["table"] == "offences"),
    ("Trygghetsmätningen", "The safety survey", lambda e: e["table"] == "survey"),
    ("Ungdomsenkäten", "The youth survey", lambda e: e["table"] == "youth_survey"),
    ("Misstänkta unga", "Young suspects", lambda e: e["table"] == "young_suspects"),
    ("Kommunens händelser, trygghetsvandringar och åtgärder", "Municipal incidents, safety walks and measures",
     lambda e: e["table"] in ("municipal_incidents", "safety_walks", "measures")),
]


def definitions_table(lang: str = "sv") -> pd.DataFrame:
    """The definitions for readers (the reports' appendix): one row per indicator, headers in ``lang``.

    Swedish columns: ``Id, Indikator, Beskrivning, Typ, Enhet, Riktning, Källa, Preventionsnivå, Faktor,
    Jämförelse, Röjandekontroll``; ``lang="en"`` gives the English names, descriptions and headers.
    """
    if lang not in ("sv", "en"):
        raise ParameterError(f"lang must be 'sv' or 'en', got '{lang}'")
    sv = lang == "sv"
    rows = []
    for e in _definitions_of(None):
        comp = []
        if e.get("kolada_id"):
            comp.append(f"Kolada {e['kolada_id']} (per {fmt.number(e['kolada_scale'], 0)})")
        if e.get("ntu"):
            comp.append(e["ntu"])
        rows.append({
            "Id": e["id"],
            ("Indikator" if sv else "Indicator"): e["name_sv"] if sv else e["name_en"],
            ("Beskrivning" if sv else "Description"): e["description_sv"] if sv else e["description_en"],
            ("Typ" if sv else "Kind"): (_KIND_SV if sv else _KIND_EN)[e["kind"]],
            ("Enhet" if sv else "Unit"): e["unit"],
            ("Riktning" if sv else "Direction"): (_DIRECTION_SV if sv else _DIRECTION_EN)[e["direction"]],
            ("Källa" if sv else "Source"): e["source"],
            ("Preventionsnivå" if sv else "Prevention level"): ", ".join(e["levels"]),
            ("Faktor" if sv else "Factor"): (_FACTOR_SV if sv else _FACTOR_EN).get(e.get("factor"), ""),
            ("Jämförelse" if sv else "Comparable with"): "; ".join(comp),
            ("Röjandekontroll" if sv else "Disclosure rule"): (_DISCLOSURE_SV if sv else _DISCLOSURE_EN)[e["disclosure"]],
        })
    return pd.DataFrame(rows)


def write_definitions_page(out_path: str | Path) -> Path:
    """Write the Markdown page listing every indicator (``docs/indicators.md``); returns its path."""
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    entries = list(_definitions_of(None))
    lines = [
        "# Indicators",
        "",
        "<!-- Generated by `trygghet docs` from lib/trygghet/resources/indicators.yaml; do not edit by hand. -->",
        "",
        f"{len(entries)} indicators, each with one definition that every notebook, report and email uses "
        "(`trygghet.analysis.indicators.compute`). Swedish names are what readers see; the English ones are for the code "
        "and this page. Shares are fractions (0.21 = 21 %).",
        "",
        "## Methods",
        "",
        "- **Rates per 1 000 inhabitants**: the count of the year divided by the population of the same year "
        "(and area) from `population.parquet`, times 1 000. Interval: the exact Poisson (Garwood) interval on the "
        "count, `[χ²(α/2; 2k)/2, χ²(1−α/2; 2k+2)/2]`, divided by the population. Offences without a place count "
        "in the municipal total but in no area, so the areas do not add up to the municipality. Kolada reports "
        "most crime key figures per 100 000: divide Kolada's figure by 100 to compare.",
        "- **Young suspects per 1 000** of the age group: the under-15 group is set against the population aged "
        "10–14. Cells the police left empty (under 5) make a sum unknown; it is not shown.",
        "- **Survey shares**: weighted with the design weight, `p = Σw·y / Σw` over respondents with a valid "
        "answer (codes listed as *vet ej* and missing answers are left out). Interval: Wilson's score interval on "
        "Kish's effective sample size `n_eff = (Σw)² / Σw²` (default; `interval=\"korn_graubard\"` gives the "
        "Clopper–Pearson interval on `n_eff`, Korn & Graubard 1998). Several questions combined with *any*: yes "
        "when any answered item is yes, left out when none is answered.",
        "- **Problem index (0–6)**: each disorder item scores 1 → 0 (no problem), 2 → 2 (small), 3 → 4 (fairly "
        "big), 4 → 6 (very big problem) (the codebook's `problemindex.poang`); a respondent's index is the mean "
        "over the items answered; an area's index the weighted mean. Standard error: Taylor linearisation of the "
        "ratio estimator, `se² = n/(n−1) · Σ(w_i(x_i − m))² / (Σw)²`; interval `m ± t(n−1) · se`, clipped to 0–6. "
        "The single items (`problem_*`) use the same scoring.",
        "- **Other shares** (safety-walk findings fixed, suspects previously suspected): Wilson's interval on "
        "the count. **Sums** (cost) and **the number of measures** are censuses without an interval.",
        "- **Change between two years** (`change`): rates and counts — the exact conditional binomial test for "
        "two Poisson counts adjusting for the population; survey shares — a two-sample z test with the pooled "
        "share on the effective sizes; survey means — a z test on the linearised standard errors; other "
        "shares — Fisher's exact test; censuses — the sign of the difference. Verdict: *ökat* / *minskat* when "
        "p < α (0.05), else *ingen säker förändring*; *ej mätbart* when a year is missing or hidden.",
        "- **Main changes** (`main_changes`): last measurement and baseline against this year, municipality-wide "
        "and per area; p-values adjusted together with Benjamini–Hochberg (a parameter).",
        "- **Follow-up** (`follow_up`): the path is the straight line from the baseline value to the target value; "
        "*på väg* when the whole interval is on the right side of the path (below it for a ceiling, *tak*; above "
        "for a floor, *golv*), *risk* when the interval contains the path, *ej på väg* when the whole interval is "
        "on the wrong side, *ej mätbart* without a shown value. Trend: latest against the previous measurement.",
        "",
        "## Disclosure control",
        "",
        "Counts of 1–4 are shown as \"<5\" (zero is shown); survey cells with fewer than 30 respondents are not "
        "shown. Secondary suppression hides a second cell in any line (the areas of a year, the sexes, the age "
        "groups) with a single hidden cell, and a linear-programming audit checks that no hidden count can be "
        "recovered from the totals (`trygghet.analysis.disclosure`). `publishable()` drops the private columns and "
        "writes \"<5\" / \"–\" in a display copy.",
        "",
    ]
    for title_sv, title_en, pick in _SECTIONS:
        chosen = [e for e in entries if pick(e)]
        if not chosen:
            continue
        lines += [f"## {title_en} ({title_sv})", "",
                  "| id | name (sv / en) | what is counted | kind, unit | direction | level | compare with | disclosure |",
                  "|---|---|---|---|---|---|---|---|"]
        for e in chosen:
            comp = []
            if e.get("kolada_id"):
                comp.append(f"Kolada {e['kolada_id']} (per {fmt.number(e['kolada_scale'], 0)}): "
                            + (e.get("kolada_note") or ""))
            if e.get("ntu"):
                comp.append(e["ntu"])
            what = e["description_en"]
            if e.get("questions"):
                q = e["questions"] if isinstance(e["questions"], str) else ", ".join(f"`{x}`" for x in e["questions"])
                codes = f"; yes = codes {', '.join(map(str, e['yes_codes']))}" if e.get("yes_codes") else ""
                what += f" Questions: {q}{codes}."
            if e.get("filter"):
                what += " Filter: " + ", ".join(f"{k} = {v}" for k, v in e["filter"].items()) + "."
            level = ", ".join(e["levels"]) + (f" ({_FACTOR_EN[e['factor']]})" if e.get("factor") else "")
            cells = [f"`{e['id']}`", f"{e['name_sv']} / {e['name_en']}", what, f"{_KIND_EN[e['kind']]}; {e['unit']}",
                     _DIRECTION_EN[e["direction"]], level, "; ".join(comp) or "–", _DISCLOSURE_EN[e["disclosure"]]]
            lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
        lines.append("")
    out.write_text("\n".join(lines), encoding="utf-8")
    return out

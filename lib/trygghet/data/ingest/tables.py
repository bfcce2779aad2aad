"""The other tables, one file each: population, safety walks, municipal incidents, young suspects,
events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from trygghet.data import schemas as sch
from trygghet.data.ingest.places import area_from_place, read_place, resolve_areas, unknown_area_reason
from trygghet.data.ingest.reading import Checker, Context, Raw, Spec, col, read_csv, start_checker
from trygghet.data.ingest.values import choices, fold, parse_bool, parse_choice, parse_datetime, parse_int, parse_number, to_string

__all__ = ["POPULATION", "SAFETY_WALKS", "INCIDENTS", "SUSPECTS", "EVENTS", "ingest_simple"]

@dataclass
class _Simple:
    spec: Spec
    build: Callable[[Raw, Checker, Context], pd.DataFrame]
    sort: list[str]


def ingest_simple(files: list, ctx: Context, simple: _Simple) -> pd.DataFrame:
    if not files:
        return sch.empty_table(simple.spec.table)
    raw = read_csv(files[0][0], ctx, simple.spec)
    ctx.reports.append(raw.report)
    checker = start_checker(raw, ctx)
    frame = simple.build(raw, checker, ctx)
    return frame.sort_values(simple.sort, kind="stable", key=_sort_key).reset_index(drop=True)[
        sch.columns(simple.spec.table)]


def _sort_key(column: pd.Series) -> pd.Series:
    if column.name == "age_group":
        order = {g: i for i, g in enumerate(sch.SUSPECT_AGE_GROUPS)}
        return column.astype(object).map(lambda g: order.get(g, len(order)))
    return column


def _required_text(raw: Raw, checker: Checker, key: str, label: str) -> pd.Series:
    s = raw.frame[key]
    checker.reject((s == "").to_numpy(dtype=bool), key, s, f"{label} is empty")
    return s


def _year_of(raw: Raw, checker: Checker, key: str = "ar") -> np.ndarray:
    s = raw.frame[key]
    values, bad = parse_int(s)
    checker.reject(bad | (s == "").to_numpy(dtype=bool) | (np.isfinite(values) & ((values < 1900) | (values > 2100))),
                   key, s, "år is not a year")
    return values


def _area_column(raw: Raw, checker: Checker, ctx: Context, required: bool, whole: bool = False) -> np.ndarray:
    s = col(raw, "omrade")
    if required:
        checker.reject((s == "").to_numpy(dtype=bool), "omrade", s, "område is empty")
    area, bad = resolve_areas(s, ctx, whole=whole)
    checker.reject(bad, "omrade", s, unknown_area_reason(ctx, whole=whole))
    return area


def _age_text(s: pd.Series) -> pd.Series:
    return s.str.replace(r"\s+", "", regex=True).str.replace(r"[–—]", "-", regex=True)


_SEX_POP = choices("kvinna", "man", "alla", kvinnor="kvinna", k="kvinna", m="man", totalt="alla", total="alla",
                    samtliga="alla", t="alla")
_SEX_POP[fold("män")] = "man"


def _build_population(raw: Raw, checker: Checker, ctx: Context) -> pd.DataFrame:
    f = raw.frame
    year = _year_of(raw, checker)
    area = _area_column(raw, checker, ctx, required=True)
    count, bad = parse_int(f["antal"])
    checker.reject(bad | (f["antal"] == "").to_numpy(dtype=bool) | (count < 0), "antal", f["antal"],
                   "antal is not a whole number of people")
    sex, bad_sex = parse_choice(col(raw, "kon"), _SEX_POP)
    checker.reject(bad_sex, "kon", col(raw, "kon"), "kön is not kvinna, man or alla")
    sex = np.where(sex == "", "alla", sex)
    age = _age_text(col(raw, "aldersgrupp")).to_numpy(dtype=object)
    age = np.where(age == "", "alla", age)
    key = pd.DataFrame({"y": year, "a": area, "s": sex, "g": age})
    dup = key.duplicated(keep="first").to_numpy(dtype=bool)
    checker.reject(dup, "antal", f["antal"], "the same year, area, sex and age group appear twice")
    keep = checker.finish()
    return pd.DataFrame({
        "year": year[keep].astype("int16"),
        "area": to_string(area[keep]),
        "sex": to_string(sex[keep]),
        "age_group": to_string(age[keep]),
        "population": count[keep].astype("int64"),
    })


_DEFICIENCY = choices(*sch.DEFICIENCIES, **{"skymd_sikt": "skymd sikt", "nedskrapning": "nedskräpning"})


def _build_safety_walks(raw: Raw, checker: Checker, ctx: Context) -> pd.DataFrame:
    f = raw.frame
    date, _, bad_date, _ = parse_datetime(f["datum"])
    checker.reject(bad_date | (f["datum"] == "").to_numpy(dtype=bool), "datum", f["datum"], "datum is not a date (YYYY-MM-DD)")
    area = _area_column(raw, checker, ctx, required=False)
    deficiency, bad_def = parse_choice(f["brist"], _DEFICIENCY)
    checker.reject(bad_def | (f["brist"] == "").to_numpy(dtype=bool), "brist", f["brist"],
                   "brist is not one of " + ", ".join(sch.DEFICIENCIES))
    fixed, bad_fixed = parse_bool(col(raw, "atgardad"))
    checker.reject(bad_fixed, "atgardad", col(raw, "atgardad"), "åtgärdad is not ja or nej")
    fixed_date, _, bad_fd, _ = parse_datetime(col(raw, "atgardad_datum"))
    checker.reject(bad_fd, "atgardad_datum", col(raw, "atgardad_datum"), "åtgärdad_datum is not a date (YYYY-MM-DD)")
    x, y = read_place(raw, checker, raw.report)
    keep = checker.finish()
    area, x, y = area_from_place(area[keep], x[keep], y[keep], ctx, raw.report, "findings")
    fixed_k = fixed[keep] | ~np.isnat(fixed_date[keep])
    return pd.DataFrame({
        "date": date[keep],
        "year": pd.DatetimeIndex(date[keep]).year.to_numpy().astype("int16"),
        "area": to_string(area),
        "x": x,
        "y": y,
        "deficiency": to_string(deficiency[keep]),
        "fixed": fixed_k,
        "fixed_date": fixed_date[keep],
    })



_INCIDENT_TYPE = choices(*sch.INCIDENT_TYPES, **{"hot/vald": "hot/våld mot personal", "hot och våld mot personal":
                                                  "hot/våld mot personal", "inbrott": "inbrott i kommunal lokal"})


def _build_incidents(raw: Raw, checker: Checker, ctx: Context) -> pd.DataFrame:
    f = raw.frame
    ids = _required_text(raw, checker, "handelse_id", "händelse_id")
    date, _, bad_date, bad_time = parse_datetime(f["datum"], col(raw, "tid"))
    checker.reject(bad_date | (f["datum"] == "").to_numpy(dtype=bool), "datum", f["datum"], "datum is not a date (YYYY-MM-DD)")
    checker.reject(bad_time, "tid", col(raw, "tid"), "tid is not a time (HH:MM)")
    kind, bad_kind = parse_choice(f["typ"], _INCIDENT_TYPE)
    checker.reject(bad_kind | (f["typ"] == "").to_numpy(dtype=bool), "typ", f["typ"],
                   "typ is not one of " + ", ".join(sch.INCIDENT_TYPES))
    area = _area_column(raw, checker, ctx, required=False)
    cost, bad_cost = parse_number(col(raw, "kostnad_kr"))
    checker.reject(bad_cost, "kostnad_kr", col(raw, "kostnad_kr"), "kostnad_kr is not a number")
    x, y = read_place(raw, checker, raw.report)
    checker.reject(ids.duplicated(keep="first").to_numpy(dtype=bool) & (ids != "").to_numpy(dtype=bool),
                   "handelse_id", ids, "händelse_id appears twice")
    keep = checker.finish()
    area, x, y = area_from_place(area[keep], x[keep], y[keep], ctx, raw.report, "incidents")
    return pd.DataFrame({
        "incident_id": to_string(ids[keep].to_numpy()),
        "date": date[keep],
        "year": pd.DatetimeIndex(date[keep]).year.to_numpy().astype("int16"),
        "type": to_string(kind[keep]),
        "area": to_string(area),
        "x": x,
        "y": y,
        "cost_sek": cost[keep],
    })


_SUSPECT_AGE = {"<15": "<15", "15-17": "15-17", "18-20": "18-20", "21-24": "21-24", "0-14": "<15", "-14": "<15"}
_SUPPRESSED = {"", "<5", "..", ".", "-", "x"}


def _build_suspects(raw: Raw, checker: Checker, ctx: Context) -> pd.DataFrame:
    f = raw.frame
    year = _year_of(raw, checker)
    age, bad_age = parse_choice(_age_text(f["aldersgrupp"]), _SUSPECT_AGE)
    checker.reject(bad_age | (f["aldersgrupp"] == "").to_numpy(dtype=bool), "aldersgrupp", f["aldersgrupp"],
                   "åldersgrupp is not one of " + ", ".join(sch.SUSPECT_AGE_GROUPS))
    sex, bad_sex = parse_choice(col(raw, "kon"), _SEX_POP)
    checker.reject(bad_sex, "kon", col(raw, "kon"), "kön is not kvinna, man or alla")
    sex = np.where(sex == "", "alla", sex)
    counts = {}
    suppressed = 0
    for key in ("personer", "brott", "personer_med_tidigare_misstanke"):
        s = f[key]
        blank = s.str.replace(" ", "", regex=False).isin(list(_SUPPRESSED)).to_numpy(dtype=bool)
        values, bad = parse_int(s.where(~blank, ""))
        checker.reject(bad | (values < 0), key, s, f"{key} is not a whole number (leave a suppressed cell empty)")
        counts[key] = values
        suppressed += int((blank & (s != "").to_numpy(dtype=bool)).sum())
    key = pd.DataFrame({"y": year, "a": age, "s": sex})
    checker.reject(key.duplicated(keep="first").to_numpy(dtype=bool), "aldersgrupp", f["aldersgrupp"],
                   "the same year, age group and sex appear twice")
    keep = checker.finish()
    if suppressed:
        raw.report.warnings.append(f"{suppressed} cells marked as suppressed ('<5', '..') read as empty")
    empty_cells = sum(int(np.isnan(v[keep]).sum()) for v in counts.values())
    raw.report.checks["empty_cells"] = empty_cells
    return pd.DataFrame({
        "year": year[keep].astype("int16"),
        "age_group": to_string(age[keep]),
        "sex": to_string(sex[keep]),
        "persons": pd.array(counts["personer"][keep], dtype="Float64").astype("Int64"),
        "offences": pd.array(counts["brott"][keep], dtype="Float64").astype("Int64"),
        "persons_previously_suspected": pd.array(counts["personer_med_tidigare_misstanke"][keep], dtype="Float64").astype("Int64"),
    })


def _build_events(raw: Raw, checker: Checker, ctx: Context) -> pd.DataFrame:
    f = raw.frame
    names = _required_text(raw, checker, "namn", "namn")
    start, _, bad_start, _ = parse_datetime(f["start"])
    checker.reject(bad_start | (f["start"] == "").to_numpy(dtype=bool), "start", f["start"], "start is not a date (YYYY-MM-DD)")
    end, _, bad_end, _ = parse_datetime(col(raw, "slut"))
    checker.reject(bad_end, "slut", col(raw, "slut"), "slut is not a date (YYYY-MM-DD)")
    checker.reject(~np.isnat(end) & ~np.isnat(start) & (end < start), "slut", col(raw, "slut"), "slut is before start")
    area = _area_column(raw, checker, ctx, required=False, whole=True)
    keep = checker.finish()
    return pd.DataFrame({
        "name": to_string(names[keep].to_numpy()),
        "start": start[keep],
        "end": end[keep],
        "area": to_string(area[keep]),
        "year": pd.DatetimeIndex(start[keep]).year.to_numpy().astype("int16"),
    })


POPULATION = _Simple(
    spec=Spec(kind="population", table="population",
               required={"ar": "år", "omrade": "område", "antal": "antal"},
               optional={"kon": "kön", "aldersgrupp": "åldersgrupp"}),
    build=_build_population,
    sort=["year", "area", "sex", "age_group"],
)
SAFETY_WALKS = _Simple(
    spec=Spec(kind="safety_walks", table="safety_walks",
               required={"datum": "datum", "omrade": "område", "brist": "brist"},
               optional={"x_sweref99tm": "x_sweref99tm", "y_sweref99tm": "y_sweref99tm", "lat": "lat", "lon": "lon",
                         "atgardad": "åtgärdad", "atgardad_datum": "åtgärdad_datum"}),
    build=_build_safety_walks,
    sort=["date", "area", "deficiency", "x", "y"],
)
INCIDENTS = _Simple(
    spec=Spec(kind="municipal_incidents", table="municipal_incidents",
               required={"handelse_id": "händelse_id", "datum": "datum", "typ": "typ"},
               optional={"tid": "tid", "omrade": "område", "x_sweref99tm": "x_sweref99tm", "y_sweref99tm": "y_sweref99tm",
                         "lat": "lat", "lon": "lon", "kostnad_kr": "kostnad_kr"}),
    build=_build_incidents,
    sort=["date", "incident_id"],
)
SUSPECTS = _Simple(
    spec=Spec(kind="young_suspects", table="young_suspects",
               required={"ar": "år", "aldersgrupp": "åldersgrupp", "personer": "personer", "brott": "brott",
                         "personer_med_tidigare_misstanke": "personer_med_tidigare_misstanke"},
               optional={"kon": "kön"}),
    build=_build_suspects,
    sort=["year", "age_group", "sex"],
)
EVENTS = _Simple(
    spec=Spec(kind="events", table="events", required={"namn": "namn", "start": "start"},
               optional={"slut": "slut", "omrade": "område"}),
    build=_build_events,
    sort=["start", "name"],
)

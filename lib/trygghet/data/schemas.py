"""Declared schemas of the typed store (``docs/store.md``): one pandera schema per table.

``trygghet ingest`` validates every table against these before it writes the store, and anyone can use
them to check a store or a table they built (``validate_table("offences", df)``). The column order of a
schema is the column order of the store file.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pandera.pandas as pa
from pandera.engines.geopandas_engine import Geometry

from trygghet.data.config import CRS_SWEREF
from trygghet.data.errors import DataError
from trygghet.data.store import TABLES, read_table
from trygghet.data.vocabulary import (
    CATEGORIES,
    CATEGORY_UNKNOWN,
    HORIZONS,
    MEASURE_STATUSES,
    PREVENTION_LEVELS,
    RESPONSIBLE,
    WHOLE_MUNICIPALITY,
)
from trygghet.data.vocabulary import PROMISE_PARTIES, PROMISE_STATUSES

__all__ = [
    "CATEGORIES",
    "CATEGORY_UNKNOWN",
    "PREVENTION_LEVELS",
    "MEASURE_STATUSES",
    "DEFICIENCIES",
    "INCIDENT_TYPES",
    "EST_TYPES",
    "SUSPECT_AGE_GROUPS",
    "SURVEY_AGE_GROUPS",
    "WHOLE_MUNICIPALITY",
    "SCHEMAS",
    "schema",
    "columns",
    "empty_table",
    "validate_table",
    "validate_store",
]

DEFICIENCIES = ("belysning", "vegetation", "skymd sikt", "klotter", "nedskräpning", "övrigt")
INCIDENT_TYPES = ("skadegörelse", "klotter", "brand", "hot/våld mot personal", "inbrott i kommunal lokal", "övrigt")
#: the EST checklist's observation types (est_rapporter.csv)
EST_TYPES = ("skadegörelse", "klotter", "nedskräpning", "otrygg plats", "samling av ungdomar", "hot mot personal",
             "brand", "övrigt")
SUSPECT_AGE_GROUPS = ("<15", "15-17", "18-20", "21-24")
SURVEY_AGE_GROUPS = ("16-24", "25-44", "45-64", "65-84")
SEXES_SURVEY = ("kvinna", "man", "annat")
GRADES = ("åk9", "gy2")
TARGET_TYPES = ("tak", "golv")
#: the area name that means "the whole municipality" in measures, goals and events

_STR = pd.StringDtype()
_TIME = "datetime64[ns]"


def _text(nullable: bool = True, isin: tuple[str, ...] | None = None, unique: bool = False) -> pa.Column:
    checks = [pa.Check.isin(list(isin))] if isin else []
    return pa.Column(_STR, checks=checks, nullable=nullable, unique=unique)


def _num(dtype: str, nullable: bool = False, ge: float | None = None, le: float | None = None) -> pa.Column:
    checks = []
    if ge is not None:
        checks.append(pa.Check.ge(ge))
    if le is not None:
        checks.append(pa.Check.le(le))
    return pa.Column(dtype, checks=checks, nullable=nullable)


def _time(nullable: bool = True) -> pa.Column:
    return pa.Column(_TIME, nullable=nullable)


def _frame(name: str, cols: dict[str, pa.Column], strict: bool | str = True) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(cols, name=name, strict=strict, ordered=False, coerce=False)


_OFFENCES = _frame(
    "offences",
    {
        "offence_id": _text(nullable=False, unique=True),
        "case_number": _text(),
        "offence_code": pa.Column(_STR, checks=pa.Check.str_matches(r"^\d{4}$"), nullable=False),
        "offence_label": _text(),
        "category": _text(nullable=False, isin=CATEGORIES + (CATEGORY_UNKNOWN,)),
        "violent": _num("bool"),
        "volume_crime": _num("bool"),
        "public_place": _num("bool"),
        "start": _time(nullable=False),
        "start_time_known": _num("bool"),
        "end": _time(),
        "reported": _time(),
        "year": _num("int16"),
        "month": _num("int8", ge=1, le=12),
        "weekday": _num("int8", ge=0, le=6),
        "hour": _num("Int8", nullable=True, ge=0, le=23),
        "x": _num("float64", nullable=True),
        "y": _num("float64", nullable=True),
        "has_place": _num("bool"),
        "in_municipality": _num("bool"),
        "area": _text(),
        "place_text": _text(),
        "source_file": _text(nullable=False),
        "source_line": _num("int32", ge=2),
    },
)

_AREAS = _frame(
    "areas",
    {
        "area": _text(nullable=False, unique=True),
        "area_code": _text(),
        "area_km2": _num("float64", ge=0),
        "geometry": pa.Column(Geometry(crs=CRS_SWEREF), nullable=False),
    },
)

_MUNICIPALITY = _frame(
    "municipality",
    {
        "name": _text(nullable=False),
        "code": _text(nullable=False),
        "area_km2": _num("float64", ge=0),
        "geometry": pa.Column(Geometry(crs=CRS_SWEREF), nullable=False),
    },
)

_POPULATION = _frame(
    "population",
    {
        "year": _num("int16"),
        "area": _text(nullable=False),
        "sex": _text(nullable=False, isin=("kvinna", "man", "alla")),
        "age_group": _text(nullable=False),
        "population": _num("int64", ge=0),
    },
)

_SURVEY_BASE = {
    "respondent_id": _text(nullable=False),
    "year": _num("int16"),
    "area": _text(nullable=False),
    "sex": _text(isin=SEXES_SURVEY),
}
_QUESTIONS = {"q_.+": pa.Column("Int64", regex=True, nullable=True, required=False)}

_SURVEY = _frame(
    "survey",
    {
        **_SURVEY_BASE,
        "age_group": _text(isin=SURVEY_AGE_GROUPS),
        "weight": _num("float64", ge=0),
        **_QUESTIONS,
    },
)

_YOUTH_SURVEY = _frame(
    "youth_survey",
    {
        **_SURVEY_BASE,
        "school": _text(),
        "grade": _text(nullable=False, isin=GRADES),
        "weight": _num("float64", ge=0),
        **_QUESTIONS,
    },
)

_MEASURES = _frame(
    "measures",
    {
        "measure_id": _text(nullable=False, unique=True),
        "name": _text(nullable=False),
        "level": _text(nullable=False, isin=PREVENTION_LEVELS),
        "horizon": _text(nullable=False, isin=HORIZONS),
        "responsible": _text(nullable=False, isin=RESPONSIBLE),
        "working_group": _text(),
        "areas": _text(nullable=False),
        "start": _time(nullable=False),
        "end": _time(),
        "status": _text(nullable=False, isin=MEASURE_STATUSES),
        "cost_sek": _num("float64", nullable=True),
        "indicators": _text(),
        "x": _num("float64", nullable=True),
        "y": _num("float64", nullable=True),
        "problems": _text(),
    },
)

_MEASURE_AREAS = _frame(
    "measure_areas",
    {"measure_id": _text(nullable=False), "area": _text(nullable=False)},
)

_GOALS = _frame(
    "goals",
    {
        "goal_id": _text(nullable=False),
        "goal_text": _text(),
        "goal_responsible": _text(),
        "subgoal_id": _text(nullable=False, unique=True),
        "subgoal_text": _text(),
        "indicator": _text(nullable=False),
        "area": _text(nullable=False),
        "baseline_year": _num("Int16", nullable=True),
        "baseline_value": _num("float64", nullable=True),
        "target_value": _num("float64", nullable=True),
        "target_year": _num("Int16", nullable=True),
        "target_type": _text(nullable=False, isin=TARGET_TYPES),
        "responsible": _text(),
    },
)

_SAFETY_WALKS = _frame(
    "safety_walks",
    {
        "date": _time(nullable=False),
        "year": _num("int16"),
        "area": _text(),
        "x": _num("float64", nullable=True),
        "y": _num("float64", nullable=True),
        "deficiency": _text(nullable=False, isin=DEFICIENCIES),
        "fixed": _num("bool"),
        "fixed_date": _time(),
    },
)

_MUNICIPAL_INCIDENTS = _frame(
    "municipal_incidents",
    {
        "incident_id": _text(nullable=False, unique=True),
        "date": _time(nullable=False),
        "year": _num("int16"),
        "type": _text(nullable=False, isin=INCIDENT_TYPES),
        "area": _text(),
        "x": _num("float64", nullable=True),
        "y": _num("float64", nullable=True),
        "cost_sek": _num("float64", nullable=True),
    },
)

_YOUNG_SUSPECTS = _frame(
    "young_suspects",
    {
        "year": _num("int16"),
        "age_group": _text(nullable=False, isin=SUSPECT_AGE_GROUPS),
        "sex": _text(nullable=False, isin=("kvinna", "man", "alla")),
        "persons": _num("Int64", nullable=True, ge=0),
        "offences": _num("Int64", nullable=True, ge=0),
        "persons_previously_suspected": _num("Int64", nullable=True, ge=0),
    },
)

_EVENTS = _frame(
    "events",
    {
        "name": _text(nullable=False),
        "start": _time(nullable=False),
        "end": _time(),
        "area": _text(),
        "year": _num("int16"),
    },
)

_EST_REPORTS = _frame(
    "est_reports",
    {
        "report_id": _text(nullable=False, unique=True),
        "date": _time(nullable=False),
        "year": _num("int16"),
        "area": _text(nullable=False),
        "place": _text(),
        "type": _text(nullable=False, isin=EST_TYPES),
        "organisation": _text(),
        "count": _num("int64", ge=1),
    },
)

_PROBLEMS = _frame(
    "problems",
    {
        "problem_id": _text(nullable=False, unique=True),
        "title": _text(nullable=False),
        "areas": _text(nullable=False),
        "indicators": _text(nullable=False),
        "evidence": _text(),
        "decided_by": _text(),
        "decided": _time(nullable=False),
    },
)

#: table name -> pandera schema (the tables of ``trygghet.store.TABLES``)
SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "offences": _OFFENCES,
    "areas": _AREAS,
    "municipality": _MUNICIPALITY,
    "population": _POPULATION,
    "survey": _SURVEY,
    "measures": _MEASURES,
    "measure_areas": _MEASURE_AREAS,
    "goals": _GOALS,
    "safety_walks": _SAFETY_WALKS,
    "youth_survey": _YOUTH_SURVEY,
    "municipal_incidents": _MUNICIPAL_INCIDENTS,
    "young_suspects": _YOUNG_SUSPECTS,
    "events": _EVENTS,
    "problems": _PROBLEMS,
    "est_reports": _EST_REPORTS,
}
#: citizens' promises (medborgarloften.yaml): one row per promise and year
_PROMISES = _frame(
    "promises",
    {
        "year": _num("int16"),
        "promise": _text(nullable=False),
        "party": _text(nullable=False, isin=PROMISE_PARTIES),
        "activity": _text(),
        "target": _num("float64", nullable=True, ge=0),
        "unit": _text(),
        "done": _num("float64", nullable=True, ge=0),
        "status": _text(nullable=False, isin=PROMISE_STATUSES),
        "comment": _text(),
    },
)
SCHEMAS["promises"] = _PROMISES
#: populated land (befolkning_rutor.csv, tatorter.gpkg): the hot-spot study area and the population per cell
_POPULATION_GRID = _frame(
    "population_grid",
    {
        "square": _text(nullable=False),
        "x": _num("float64"),
        "y": _num("float64"),
        "size": _num("int32", ge=1),
        "year": _num("int16"),
        "population": _num("int64", ge=0),
    },
)
_BUILT_UP_AREAS = _frame(
    "built_up_areas",
    {
        "code": _text(),
        "name": _text(),
        "population": _num("Int64", nullable=True, ge=0),
        "year": _num("Int16", nullable=True),
        "geometry": pa.Column(Geometry(crs=CRS_SWEREF), nullable=False),
    },
)
SCHEMAS["population_grid"] = _POPULATION_GRID
SCHEMAS["built_up_areas"] = _BUILT_UP_AREAS
#: Kolada's key figures for the municipality, its county, the country and similar municipalities (RAW/open/)
_KOLADA = _frame(
    "kolada",
    {
        "kpi": _text(nullable=False),
        "region": _text(nullable=False),
        "region_kind": _text(nullable=False, isin=("kommun", "län", "liknande", "riket", "annan")),
        "region_name": _text(),
        "year": _num("int64"),
        "gender": _text(nullable=False, isin=("T", "K", "M")),
        "value": _num("float64", nullable=True),
        "status": _text(),
        "count": _num("Int64", nullable=True),
    },
)
SCHEMAS["kolada"] = _KOLADA
#: Brå's reported offences as exported from its statistics database (RAW/open/bra_<code>*.csv)
_BRA_OFFENCES = _frame(
    "bra_offences",
    {
        "region": _text(nullable=False),
        "offence": _text(nullable=False),
        "offence_code": pa.Column(_STR, checks=pa.Check.str_matches(r"^\d{4}$"), nullable=True),
        "year": _num("int64"),
        "preliminary": _num("bool"),
        "period": _text(),
        "count": _num("float64", nullable=True, ge=0),
        "per_100k": _num("float64", nullable=True, ge=0),
    },
)
SCHEMAS["bra_offences"] = _BRA_OFFENCES
_GEO = frozenset({"areas", "municipality", "built_up_areas"})


def schema(table: str) -> pa.DataFrameSchema:
    """The pandera schema of a store table."""
    try:
        return SCHEMAS[table]
    except KeyError:
        raise DataError(table, "unknown table", "use one of " + ", ".join(sorted(SCHEMAS))) from None


def columns(table: str) -> list[str]:
    """The table's fixed columns in store order (survey tables add their ``q_...`` columns after these)."""
    return [name for name, col in schema(table).columns.items() if not col.regex]


def empty_table(table: str) -> pd.DataFrame:
    """An empty table with the store's columns and dtypes (written when the extract is absent)."""
    cols = {}
    for name, col in schema(table).columns.items():
        if col.regex or name == "geometry":
            continue
        cols[name] = pd.Series([], dtype=_pandas_dtype(col))
    frame = pd.DataFrame(cols)
    if table in _GEO:
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=CRS_SWEREF), crs=CRS_SWEREF)
    return frame


def validate_table(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Check a table against its schema; raises DataError naming the table, column and first failures."""
    try:
        return schema(table).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        first = cases.head(5)
        detail = "; ".join(
            f"{row.column}: {row.check} (e.g. {row.failure_case!r})" for row in first.itertuples(index=False)
        )
        raise DataError(
            f"{table} table",
            f"does not match the store schema: {detail}",
            "re-run `trygghet ingest` with this version of trygghet",
        ) from None


def validate_store(store: str | Path | None = None) -> dict[str, int]:
    """Validate every table of an ingested store; returns rows per table."""
    return {table: len(validate_table(table, read_table(store, table))) for table in TABLES}


def _pandas_dtype(col: pa.Column):
    if str(col.dtype).startswith("str"):
        return _STR
    return col.dtype.type

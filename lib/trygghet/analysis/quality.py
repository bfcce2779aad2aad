"""Data quality (*datakvalitet*) as tables: what the ingest read, accepted and rejected and why; offences
by place status; coordinates put right; unknown offence codes; survey response per area; population
coverage.

Frames in, frames out: no wording and no formatting here (the report ``trygghet.reports.datakvalitet``
words and protects them). Only counts and reason codes leave this module — never a rejected row's value,
a place or a case number.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from trygghet.analysis.places import place_counts
from trygghet.data.errors import ParameterError
from trygghet.data.ingest.reasons import reason_codes
from trygghet.data.store import read_json, read_table, store_dir
from trygghet.data.vocabulary import CATEGORY_UNKNOWN

__all__ = [
    "PLACE_TABLES",
    "ingest_overview",
    "ingest_warnings",
    "reject_reasons",
    "coordinate_fixes",
    "place_coverage",
    "unknown_codes",
    "survey_response",
    "population_coverage",
]

#: the store tables whose extracts carry coordinates (the ingest checks and puts right their order)
PLACE_TABLES = ("offences", "municipal_incidents", "safety_walks", "measures")


def ingest_overview(store: str | Path | None) -> pd.DataFrame:
    """One row per raw file, in the ingest's order: ``file``, ``table`` (the store table it fed),
    ``rows_read`` (data rows in the file: not its header row, not blank lines), ``rows_accepted`` (rows
    written to the store), ``rows_rejected`` (rows in ``rejects.csv``), ``n_warnings``, ``reconciles``
    (read = accepted + rejected)."""
    files = _report_files(store)
    table = pd.DataFrame(
        [
            {
                "file": f["file"],
                "table": f["table"],
                "rows_read": int(f["rows_read"]),
                "rows_accepted": int(f["rows_accepted"]),
                "rows_rejected": int(f["rows_rejected"]),
                "n_warnings": len(f.get("warnings") or []),
            }
            for f in files
        ],
        columns=["file", "table", "rows_read", "rows_accepted", "rows_rejected", "n_warnings"],
    )
    table["reconciles"] = table["rows_read"] == table["rows_accepted"] + table["rows_rejected"]
    return table


def ingest_warnings(store: str | Path | None) -> pd.DataFrame:
    """The ingest's warnings per file: ``file``, ``warning`` (text as the ingest wrote it, for analysts)."""
    rows = [{"file": f["file"], "warning": str(w)} for f in _report_files(store) for w in (f.get("warnings") or [])]
    return pd.DataFrame(rows, columns=["file", "warning"])


def reject_reasons(store: str | Path | None) -> pd.DataFrame:
    """Rejected rows counted by file, column and reason code (the values themselves stay private).

    Columns: ``file``, ``table``, ``column`` (as written in the file; empty for a whole line),
    ``reason_code`` (:data:`trygghet.data.ingest.reasons.REASON_CODES`), ``n``. Sorted by file, then
    most frequent first."""
    path = store_dir(store) / "rejects.csv"
    rejects = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8")
    cols = ["file", "table", "column", "reason_code", "n"]
    if rejects.empty:
        return pd.DataFrame(columns=cols).astype({"n": "int64"})
    rejects["reason_code"] = reason_codes(rejects["reason"])
    tables = {f["file"]: f["table"] for f in _report_files(store)}
    out = rejects.groupby(["file", "column", "reason_code"]).size().rename("n").reset_index()
    out["table"] = out["file"].map(tables).fillna("")
    return (out[cols].sort_values(["file", "n", "column", "reason_code"], ascending=[True, False, True, True])
            .reset_index(drop=True))


def coordinate_fixes(store: str | Path | None) -> pd.DataFrame:
    """Rows whose coordinates came in the wrong order and were put right by the ingest, per file with
    coordinates. Columns: ``file``, ``table``, ``swapped_xy`` (SWEREF 99 TM x and y swapped),
    ``swapped_latlon`` (WGS 84 latitude and longitude swapped), ``swapped`` (both kinds)."""
    rows = []
    for f in _report_files(store):
        if f["table"] not in PLACE_TABLES:
            continue
        checks = f.get("checks") or {}
        xy, latlon = int(checks.get("swapped_xy", 0)), int(checks.get("swapped_latlon", 0))
        rows.append({"file": f["file"], "table": f["table"], "swapped_xy": xy, "swapped_latlon": latlon,
                     "swapped": xy + latlon})
    return pd.DataFrame(rows, columns=["file", "table", "swapped_xy", "swapped_latlon", "swapped"])


def place_coverage(store: str | Path | None) -> pd.DataFrame:
    """Offences per year by place status (:func:`trygghet.analysis.places.place_counts`): ``year``,
    ``n``, ``placed``, ``outside_municipality``, ``no_place``, ``not_placed``, ``share_placed``."""
    offences = read_table(store, "offences")
    out = place_counts(offences, by="year")
    return out.astype({"year": int})


def unknown_codes(store: str | Path | None) -> pd.DataFrame:
    """Offence codes not in the code list (category ``okand``) with how many offences carry them, per
    year. Columns: ``offence_code``, ``year``, ``n``. Add the codes to
    ``lib/trygghet/resources/brottskoder.csv`` to classify them."""
    offences = read_table(store, "offences")
    unknown = offences[offences["category"] == CATEGORY_UNKNOWN]
    out = (unknown.groupby(["offence_code", "year"]).size().rename("n").reset_index()
           .sort_values(["year", "offence_code"]).reset_index(drop=True))
    return out.astype({"offence_code": str, "year": int, "n": "int64"})


def survey_response(store: str | Path | None, table: str = "survey") -> pd.DataFrame:
    """Respondents per survey round and area (unweighted) and their weighted share of the round.
    Columns: ``year``, ``area``, ``n``, ``weight_sum``, ``weighted_share``."""
    if table not in ("survey", "youth_survey"):
        raise ParameterError(f"table must be 'survey' or 'youth_survey', got {table!r}")
    survey = read_table(store, table)
    grouped = survey.groupby(["year", "area"]).agg(n=("respondent_id", "size"), weight_sum=("weight", "sum")).reset_index()
    grouped["weighted_share"] = grouped["weight_sum"] / grouped.groupby("year")["weight_sum"].transform("sum")
    return grouped.astype({"year": int, "n": int})


def population_coverage(store: str | Path | None) -> pd.DataFrame:
    """For each year with offences: the population used as denominator and whether every area has
    one. Columns: ``year``, ``population``, ``areas_with_population``, ``areas``, ``complete``."""
    offences_years = sorted(read_table(store, "offences")["year"].dropna().astype(int).unique())
    population = read_table(store, "population")
    areas = read_table(store, "areas")["area"].nunique()
    per_year = population.groupby("year").agg(population=("population", "sum"), areas_with_population=("area", "nunique"))
    out = per_year.reindex(offences_years).rename_axis("year").reset_index()
    out["areas"] = areas
    out["population"] = out["population"].fillna(0).astype(int)
    out["areas_with_population"] = out["areas_with_population"].fillna(0).astype(int)
    out["complete"] = out["areas_with_population"] == areas
    return out


def _report_files(store: str | Path | None) -> list[dict]:
    report = read_json(store, "ingest_report.json")
    return report["files"] if isinstance(report, dict) else list(report)

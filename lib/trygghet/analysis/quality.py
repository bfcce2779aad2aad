"""Data quality (*datakvalitet*): what the ingest read, accepted and rejected and why; offences
without a place or outside the municipality; unknown offence codes; survey response per area;
population coverage.

Only counts and reasons leave this module — never a rejected row's value, a place or a case number.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from trygghet.reports import format as fmt
from trygghet.data.config import SUPPRESS_BELOW
from trygghet.data.errors import ParameterError
from trygghet.data.store import read_json, read_table, store_dir

__all__ = [
    "HEADERS_SV",
    "response_table",
    "ingest_overview",
    "ingest_overview_display",
    "place_coverage_display",
    "ingest_warnings",
    "reject_reasons",
    "place_coverage",
    "unknown_codes",
    "survey_response",
    "population_coverage",
]


#: Swedish headers of this module's tables
HEADERS_SV = {
    "file": "Fil",
    "table": "Tabell",
    "rows_read": "Lästa rader",
    "rows_accepted": "Godkända",
    "rows_rejected": "Avvisade",
    "n_warnings": "Varningar",
    "reconciles": "Stämmer",
    "column": "Kolumn",
    "reason": "Skäl",
    "n": "Antal",
    "year": "År",
    "in_municipality": "Med plats i kommunen",
    "no_place": "Utan plats",
    "outside": "Utanför kommunen",
    "share_mapped": "Andel på kartan",
    "offence_code": "Brottskod",
    "population": "Befolkning",
    "areas_with_population": "Områden med befolkning",
    "areas": "Områden",
    "complete": "Komplett",
}


def response_table(store: str | Path | None, table: str = "survey") -> pd.DataFrame:
    """Respondents per area (rows) and survey round (columns), as a reading table; cells under the
    survey threshold (30) are marked "(för få)" since their results are not shown."""
    from trygghet.data.config import SURVEY_MIN_RESPONDENTS

    counts = survey_response(store, table)
    if counts.empty:
        return pd.DataFrame({"Område": ["Ingen enkät inläst."]})
    wide = counts.pivot_table(index="area", columns="year", values="n", aggfunc="sum", fill_value=0)
    shown = wide.apply(lambda col: col.map(lambda n: f"{fmt.count(n)} (för få)" if 0 < n < SURVEY_MIN_RESPONDENTS else fmt.count(n)))
    shown.columns = [str(int(c)) for c in shown.columns]
    totals = wide.sum().map(str)
    totals.index = shown.columns
    shown.loc["Hela kommunen"] = totals
    return shown.rename_axis("Område").reset_index()


def ingest_overview(store: str | Path | None) -> pd.DataFrame:
    """One row per input file: ``file``, ``table``, ``rows_read``, ``rows_accepted``,
    ``rows_rejected``, ``n_warnings``, ``reconciles`` (read = accepted + rejected)."""
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


def ingest_overview_display(store: str | Path | None) -> pd.DataFrame:
    """:func:`ingest_overview` for publishing: a rejected count of 1–4 shows "<5", and then the accepted
    count "–", since read − accepted would give it back."""
    table = ingest_overview(store)
    small = (table["rows_rejected"] > 0) & (table["rows_rejected"] < SUPPRESS_BELOW)
    out = table.astype({"rows_accepted": object, "rows_rejected": object})
    out.loc[small, "rows_rejected"] = fmt.SUPPRESSED
    out.loc[small, "rows_accepted"] = fmt.MISSING
    out["reconciles"] = table["reconciles"].map({True: "ja", False: "NEJ"})
    return out


def place_coverage_display(store: str | Path | None) -> pd.DataFrame:
    """:func:`place_coverage` for publishing: counts of 1–4 show "<5" and, so the hidden count cannot
    be worked back from the year's total, the other part of the same total shows "–"."""
    table = place_coverage(store)
    out = table.astype({"no_place": object, "outside": object, "in_municipality": object})
    for hidden, partner in (("outside", "no_place"), ("no_place", "outside")):
        small = (table[hidden] > 0) & (table[hidden] < SUPPRESS_BELOW)
        out.loc[small, hidden] = fmt.SUPPRESSED
        partner_small = (table[partner] > 0) & (table[partner] < SUPPRESS_BELOW)
        out.loc[small & ~partner_small, partner] = fmt.MISSING
    return out


def ingest_warnings(store: str | Path | None) -> pd.DataFrame:
    """The ingest's warnings per file: ``file``, ``warning`` (text as the ingest wrote it)."""
    rows = [{"file": f["file"], "warning": str(w)} for f in _report_files(store) for w in (f.get("warnings") or [])]
    return pd.DataFrame(rows, columns=["file", "warning"])


def reject_reasons(store: str | Path | None) -> pd.DataFrame:
    """Rejected rows counted by file, column and reason (the values themselves stay private).
    Columns: ``file``, ``column``, ``reason``, ``n``."""
    path = store_dir(store) / "rejects.csv"
    rejects = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8")
    if rejects.empty:
        return pd.DataFrame(columns=["file", "column", "reason", "n"])
    return (
        rejects.groupby(["file", "column", "reason"]).size().rename("n").reset_index()
        .sort_values(["file", "n"], ascending=[True, False]).reset_index(drop=True)
    )


def place_coverage(store: str | Path | None) -> pd.DataFrame:
    """Per year: offences in all, with a place inside the municipality, without a place, with a
    place outside the municipality, and the share that can be mapped.
    Columns: ``year``, ``n``, ``in_municipality``, ``no_place``, ``outside``, ``share_mapped``."""
    offences = read_table(store, "offences")
    grouped = offences.groupby("year").agg(
        n=("offence_id", "size"),
        in_municipality=("in_municipality", "sum"),
        no_place=("has_place", lambda s: int((~s.astype(bool)).sum())),
    )
    grouped["outside"] = grouped["n"] - grouped["in_municipality"] - grouped["no_place"]
    grouped["share_mapped"] = grouped["in_municipality"] / grouped["n"]
    return grouped.reset_index().astype({"year": int, "n": int, "in_municipality": int, "no_place": int, "outside": int})


def unknown_codes(store: str | Path | None) -> pd.DataFrame:
    """Offence codes not in the code list (category ``okand``) with how many offences carry them, per
    year. Columns: ``offence_code``, ``year``, ``n``. Add the codes to
    ``lib/trygghet/resources/brottskoder.csv`` to classify them."""
    offences = read_table(store, "offences")
    unknown = offences[offences["category"] == "okand"]
    return (
        unknown.groupby(["offence_code", "year"]).size().rename("n").reset_index()
        .sort_values(["year", "offence_code"]).reset_index(drop=True)
    )


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

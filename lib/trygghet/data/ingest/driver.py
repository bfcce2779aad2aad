"""The ingest's driver: read every raw extract, validate it and write the typed store.

``ingest(RAW_DIR, STORE_DIR)`` discovers the extracts (:mod:`.files`), reads the areas first (places are
joined to them, :mod:`.places`), then the offences through the code list (:mod:`.offences`,
:mod:`.code_list`), the surveys (:mod:`.surveys`), the activity plan (:mod:`.plan`) and the other
tables (:mod:`.tables`); every table is validated against its schema and the store is swapped in at
the end.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from trygghet import __version__
from trygghet.data import schemas as sch
from trygghet.data.ingest.bra import ingest_bra
from trygghet.data.ingest.code_list import load_code_list
from trygghet.data.ingest.est import ingest_est
from trygghet.data.ingest.files import check_folders, collect_rejects, discover, write_store, years_of
from trygghet.data.ingest.offences import ingest_offences
from trygghet.data.ingest.open_data import fill_population, ingest_open
from trygghet.data.ingest.open_geo import scb_grid_files
from trygghet.data.ingest.places import ingest_areas
from trygghet.data.ingest.population_grid import ingest_built_up_areas, ingest_population_grid
from trygghet.data.ingest.plan import ingest_goals, ingest_measures
from trygghet.data.ingest.problems import ingest_problems
from trygghet.data.ingest.promises import ingest_promises
from trygghet.data.ingest.reading import Context
from trygghet.data.ingest.report import IngestReport
from trygghet.data.ingest.surveys import SAFETY_SURVEY, YOUTH_SURVEY, ingest_survey
from trygghet.data.ingest.tables import EVENTS, INCIDENTS, POPULATION, SAFETY_WALKS, SUSPECTS, ingest_simple
from trygghet.data.store import TABLES

__all__ = ["ingest"]

YEAR_TABLES = (
    "offences",
    "population",
    "population_grid",
    "survey",
    "youth_survey",
    "safety_walks",
    "municipal_incidents",
    "young_suspects",
    "events",
    "est_reports",
    "kolada",
    "bra_offences",
)


def ingest(raw_dir: str | Path, store_dir: str | Path) -> IngestReport:
    """Read every extract in ``raw_dir``, validate it and write the typed store to ``store_dir``.

    Returns the :class:`IngestReport` (also written as ``ingest_report.json``). Raises
    :class:`~trygghet.data.errors.DataError` when a file cannot be read or lacks a required column; the
    previous store is then left untouched.
    """
    raw = Path(raw_dir)
    store = Path(store_dir)
    check_folders(raw, store)
    found = discover(raw)
    ctx = Context(raw=raw)
    ctx.code_list = load_code_list(found, ctx)

    tables: dict[str, pd.DataFrame] = {}
    jsons: dict[str, object] = {}
    tables["areas"], tables["municipality"] = ingest_areas(found.get("areas", []), ctx)
    tables["offences"] = ingest_offences(found.get("offences", []), ctx)
    tables["kolada"], jsons["open_sources.json"] = ingest_open(raw, ctx, tables["municipality"])
    tables["bra_offences"] = ingest_bra(raw, ctx, tables["municipality"])
    tables["population"] = ingest_simple(found.get("population", []), ctx, POPULATION)
    tables["population"] = fill_population(tables["population"], tables["areas"], tables["municipality"], raw, ctx)
    if not found.get("population_grid"):  # SCB's 1 km grid from `trygghet fetch` (open/scb_befolkning_rutor_<code>.csv)
        found["population_grid"] = scb_grid_files(raw, tables["municipality"], ctx)
    tables["population_grid"] = ingest_population_grid(found.get("population_grid", []), ctx)
    tables["built_up_areas"] = ingest_built_up_areas(found.get("built_up_areas", []), ctx)
    tables["survey"], jsons["survey_codebook.json"] = ingest_survey(
        found.get("survey", []), found.get("survey_codebook", []), ctx, SAFETY_SURVEY
    )
    tables["youth_survey"], jsons["youth_codebook.json"] = ingest_survey(
        found.get("youth_survey", []), found.get("youth_codebook", []), ctx, YOUTH_SURVEY
    )
    tables["measures"], tables["measure_areas"] = ingest_measures(found.get("measures", []), ctx)
    tables["goals"] = ingest_goals(found.get("goals", []), ctx)
    tables["problems"] = ingest_problems(found.get("problems", []), ctx, tables["measures"])
    tables["safety_walks"] = ingest_simple(found.get("safety_walks", []), ctx, SAFETY_WALKS)
    tables["municipal_incidents"] = ingest_simple(found.get("municipal_incidents", []), ctx, INCIDENTS)
    tables["young_suspects"] = ingest_simple(found.get("young_suspects", []), ctx, SUSPECTS)
    tables["events"] = ingest_simple(found.get("events", []), ctx, EVENTS)
    tables["promises"] = ingest_promises(found.get("promises", []), ctx)
    tables["est_reports"] = ingest_est(found.get("est_reports", []), ctx)

    for name in TABLES:
        tables[name] = sch.validate_table(name, tables[name])

    rejects = collect_rejects(ctx)
    report = IngestReport(
        raw_dir=raw,
        store_dir=store,
        files=ctx.reports,
        tables={name: len(tables[name]) for name in TABLES},
        rejects=rejects,
        ignored=found.get("ignored", []),
        warnings=ctx.warnings,
        fingerprint=ctx.fingerprint(),
    )
    info = {
        "fingerprint": report.fingerprint,
        "trygghet_version": __version__,
        "years": {name: years_of(tables[name]) for name in YEAR_TABLES},
        "tables": {name: {"file": TABLES[name], "rows": len(tables[name])} for name in TABLES},
    }
    write_store(store, tables, jsons, rejects, report.as_dict(), info)
    return report

"""Ingest of the synthetic demo raw data (trygghet.data.demo.write_demo): every file is read, nothing is lost."""

from __future__ import annotations

import pandas as pd
import pytest

from trygghet.data import schemas
from trygghet.data.ingest import ingest


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    from trygghet.data.demo import write_demo

    base = tmp_path_factory.mktemp("demo")
    written = write_demo(base / "raw", seed=2580, scale=0.1)
    report = ingest(base / "raw", base / "store")
    return base, written, report


def test_every_demo_file_is_ingested_and_reconciles(demo_store):
    base, written, report = demo_store
    names = {p.name for p in written}
    assert {f.file for f in report.files} == names
    assert report.ignored == []
    for f in report.files:
        assert f.rows_read == f.rows_accepted + f.rows_rejected, f.file
        assert f.rows_read > 0, f.file
    rejects = pd.read_csv(base / "store" / "rejects.csv", sep=";", dtype=str, keep_default_na=False)
    assert len(rejects) == report.rows_rejected
    assert (rejects["reason"] != "").all()


def test_demo_store_is_complete_and_valid(demo_store):
    base, _, report = demo_store
    counts = schemas.validate_store(base / "store")
    for table in ("offences", "areas", "municipality", "population", "survey", "measures", "measure_areas", "goals",
                  "safety_walks", "youth_survey", "municipal_incidents", "young_suspects", "events"):
        assert counts[table] > 0, table
    offences = pd.read_parquet(base / "store" / "offences.parquet")
    rows_in_files = sum(f.rows_accepted for f in report.files if f.table == "offences")
    assert len(offences) == rows_in_files
    assert offences["area"].notna().sum() > 0.7 * len(offences)
    assert set(pd.read_parquet(base / "store" / "areas.parquet")["area"]) >= {"Centrum", "Porsön", "Örnäset"}

"""EST observations (est_rapporter.csv): read with the same rejects and reconciliation as every extract;
the demo writes a plausible three years of them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
from trygghet.data.ingest import ingest
from trygghet.data.store import read_table

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "raw"

ROWS = [
    "rapport_id;Datum;Område;ruta;typ;organisation;antal",
    "E1;2025-03-03;Örnäset;250m_E827500N7293000;klotter;Fastighetsbolag;",  # antal empty: 1
    "E2;2025-03-04;ornaset;Örnäset 3:12;Nedskrapning;skola;3",  # area and type without å/ä/ö
    "E3;2025-03-04;Porsön;Porsövägen 12;skadegörelse;kommun;1",  # an address: rejected
    "E4;2025-03-05;Porsön;;brandlarm;kommun;1",  # unknown type
    "E5;2025-03-05;Gammelstad;;klotter;kommun;1",  # unknown area
    "E2;2025-03-06;Centrum;;klotter;polis;1",  # the id again
    "E7;2025-03-06;Centrum;;otrygg plats;polis;0",  # antal 0
    "E8;2025-13-01;Centrum;;otrygg plats;polis;1",  # not a date
    "E9;2025-03-07;Centrum;;samling av ungdomar;fritid;2",
]


def _raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(FIXTURES / "omraden.geojson", raw)
    (raw / "est_rapporter.csv").write_bytes(("\r\n".join(ROWS) + "\r\n").encode("cp1252"))
    return raw


def test_est_rows_are_read_or_rejected_with_a_reason(tmp_path):
    report = ingest(_raw(tmp_path), tmp_path / "store")
    est = read_table(tmp_path / "store", "est_reports")
    assert list(est["report_id"]) == ["E1", "E2", "E9"]
    assert list(est["area"]) == ["Örnäset", "Örnäset", "Centrum"]
    assert list(est["type"]) == ["klotter", "nedskräpning", "samling av ungdomar"]
    assert list(est["count"]) == [1, 3, 2]
    assert list(est["organisation"]) == ["fastighetsbolag", "skola", "fritid"]
    assert est.loc[0, "place"] == "250m_E827500N7293000" and pd.isna(est.loc[2, "place"])

    file = next(f for f in report.files if f.file == "est_rapporter.csv")
    assert file.rows_read == file.rows_accepted + file.rows_rejected == 9
    assert file.rows_rejected == 6
    rejects = pd.read_csv(tmp_path / "store" / "rejects.csv", sep=";", dtype=str)
    mine = rejects.loc[rejects["file"] == "est_rapporter.csv"].set_index("line")
    assert "street address" in mine.loc["4", "reason"] and mine.loc["4", "column"] == "ruta"
    assert "typ is not one of" in mine.loc["5", "reason"]
    assert "unknown area" in mine.loc["6", "reason"]
    assert "appears twice" in mine.loc["7", "reason"]
    assert "antal" in mine.loc["8", "reason"]
    assert "not a date" in mine.loc["9", "reason"]


def test_without_the_file_the_table_is_empty(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(FIXTURES / "omraden.geojson", raw)
    ingest(raw, tmp_path / "store")
    assert read_table(tmp_path / "store", "est_reports").empty


def test_the_demo_writes_three_years_of_est_reports(demo_store):
    est = read_table(demo_store, "est_reports")
    per_year = est.groupby("year")["count"].sum()
    assert list(per_year.index) == [2023, 2024, 2025]
    assert (per_year.diff().dropna() > 0).all()  # reporting grows as more staff take part
    assert set(est["type"]) == {"skadegörelse", "klotter", "nedskräpning", "otrygg plats", "samling av ungdomar",
                                "hot mot personal", "brand", "övrigt"}
    assert est["place"].notna().all() and not est["place"].str.contains(r"gatan \d", regex=True).any()
    # the demo's signal: graffiti at Hertsön in the last weeks of 2025 far above the same weeks of 2024
    late = est.loc[(est["area"] == "Hertsön") & (est["type"] == "klotter") & (est["date"].dt.month >= 11)]
    by_year = late.groupby("year")["count"].sum()
    assert by_year[2025] > 3 * by_year[2024]

"""The real police extract layouts ingest like the contract's file: right categories, places, counts,
and rows_read == rows_accepted + rows_rejected (issue: the real offence codes and extract layouts)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from trygghet.data.ingest import ingest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _ingest(tmp_path, layout: str):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(FIXTURES / "raw" / "omraden.geojson", raw / "omraden.geojson")
    shutil.copy(FIXTURES / "layouts" / f"{layout}.csv", raw / "anmalda_brott_2025.csv")
    report = ingest(raw, tmp_path / "store")
    offences = pd.read_parquet(tmp_path / "store" / "offences.parquet")
    (file_report,) = [f for f in report.files if f.table == "offences"]
    assert file_report.rows_read == file_report.rows_accepted + file_report.rows_rejected
    rejects = pd.read_csv(tmp_path / "store" / "rejects.csv", sep=";", dtype=str, keep_default_na=False)
    return offences, file_report, rejects


def test_deso_layout(tmp_path):
    off, rep, rejects = _ingest(tmp_path, "deso")
    assert rep.checks["layout"] == "deso"
    assert (rep.rows_read, rep.rows_accepted, rep.rows_rejected) == (4, 3, 1)
    assert rejects["column"].tolist() == ["Antal"] and rejects["line"].tolist() == ["5"]
    assert rep.checks["offences_accepted"] == 6 == len(off)  # Antal 1 + 2 + 3
    by_code = off.groupby("offence_code")
    assert by_code.size().to_dict() == {"0355": 1, "0825": 3, "9801": 2}
    assert by_code["category"].first().to_dict() == {"0355": "misshandel", "0825": "ovrig_stold",
                                                     "9801": "bostadsinbrott"}
    assert by_code["violent"].first().to_dict() == {"0355": True, "0825": False, "9801": False}
    assert by_code["area"].first().to_dict() == {"0355": "Centrum", "0825": None, "9801": "Örnäset"}
    assert not off["has_place"].any()  # an area is no point on a map
    assert rep.checks["area_not_matched"] == 1 and any("2580C1010" in w for w in rep.warnings)
    assert off["offence_id"].is_unique and set(off["offence_id"]) >= {"1002", "1002#2", "1003#3"}
    assert off.loc[off.offence_code == "0355", "reported"].iloc[0] == pd.Timestamp("2025-03-02")


def test_rar_layout_excel_dates_hhmm_times_and_base_areas(tmp_path):
    off, rep, rejects = _ingest(tmp_path, "rar")
    assert rep.checks["layout"] == "rar"
    assert (rep.rows_read, rep.rows_accepted, rep.rows_rejected) == (4, 3, 1)
    assert rejects.loc[0, "line"] == "5" and rejects.loc[0, "value"] == "25xx"
    assert len(off) == rep.checks["offences_accepted"] == 4
    bike = off[off.offence_code == "9830"].iloc[0]
    assert bike["category"] == "cykelstold" and bike["area"] == "Porsön"
    assert bike["start"] == pd.Timestamp("2025-01-01 21:30") and bike["end"] == pd.Timestamp("2025-01-02 08:15")
    assert bike["reported"] == pd.Timestamp("2025-01-03") and bike["offence_id"] == "anmalda_brott_2025.csv:2"
    assert bike["place_text"] == "Porsögatan"  # the street: private, for analysts only
    fire = off[off.offence_code == "1211"].iloc[0]
    assert fire["category"] == "skadegorelse" and pd.isna(fire["area"])  # Näpo 'Luleå' is no area
    assert (off.offence_code == "4023").sum() == 2 and (off.category[off.offence_code == "4023"] == "vapen").all()


def test_wgs84_layout(tmp_path):
    off, rep, _ = _ingest(tmp_path, "wgs84")
    assert rep.checks["layout"] == "wgs84"
    assert (rep.rows_read, rep.rows_accepted, rep.rows_rejected) == (3, 3, 0)
    off = off.set_index("offence_id")
    assert off.loc["W1", ["category", "violent", "area"]].tolist() == ["ran", True, "Centrum"]
    assert off.loc["W1", "start"] == pd.Timestamp("2025-06-01 23:40") and off.loc["W1", "start_time_known"]
    assert off.loc["W1", "place_text"] == "Storgatan 12"
    assert off.loc["W2", ["category", "area"]].tolist() == ["cykelstold", "Porsön"]
    assert not off.loc["W3", "has_place"] and off.loc["W3", "category"] == "misshandel"  # grov kvinnofridskränkning
    assert off.loc["W3", "violent"]


@pytest.mark.parametrize("layout", ["deso", "rar", "wgs84"])
def test_street_names_never_reach_a_public_column(tmp_path, layout):
    from trygghet.data.store import PRIVATE_COLUMNS

    off, _, _ = _ingest(tmp_path, layout)
    assert "place_text" in PRIVATE_COLUMNS

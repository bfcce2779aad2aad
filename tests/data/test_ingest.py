"""Ingest of the raw extracts (docs/data-model.md) into the typed store (docs/store.md).

The hand-made extracts in tests/fixtures/raw hold one example of every contract rule; the expected
values below are read off those files by hand.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trygghet.data import schemas
from trygghet.data.errors import DataError
from trygghet.data.ingest import files, ingest, print_summary, read_code_list
from trygghet.data.ingest.places import locate_codes
from trygghet.data.ingest.reading import Context

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "raw"
TABLE_FILES = [
    "offences.parquet", "areas.parquet", "municipality.parquet", "population.parquet", "survey.parquet",
    "measures.parquet", "measure_areas.parquet", "goals.parquet", "safety_walks.parquet", "youth_survey.parquet",
    "municipal_incidents.parquet", "young_suspects.parquet", "events.parquet",
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    out = tmp_path_factory.mktemp("ingest") / "store"
    report = ingest(FIXTURES, out)
    return out, report


def _table(out: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(out / f"{name}.parquet")


def _rejects(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "rejects.csv", sep=";", dtype=str, keep_default_na=False)


def _files(report) -> dict:
    return {f.file: f for f in report.files}


# --- every file type, counts that reconcile -------------------------------------------------------


def test_every_file_type_is_read_and_counts_reconcile(store):
    out, report = store
    files = _files(report)
    expected = {
        "omraden.geojson": "areas", "anmalda_brott_2024.csv": "offences", "anmalda_brott_2025.csv": "offences",
        "befolkning.csv": "population", "trygghetsmatning_kodbok.yaml": "survey_codebook",
        "trygghetsmatning_2023.csv": "survey", "ungdomsenkat_kodbok.yaml": "youth_survey_codebook",
        "ungdomsenkat_2023.csv": "youth_survey", "atgarder.csv": "measures", "mal.yaml": "goals",
        "trygghetsvandringar.csv": "safety_walks", "kommunala_handelser.csv": "municipal_incidents",
        "misstankta_unga.csv": "young_suspects", "evenemang.csv": "events",
    }
    assert {name: f.table for name, f in files.items()} == expected
    for f in report.files:
        assert f.rows_read == f.rows_accepted + f.rows_rejected, f.file
    on_disk = json.loads((out / "ingest_report.json").read_text(encoding="utf-8"))
    for entry in on_disk["files"]:
        assert entry["rows_read"] == entry["rows_accepted"] + entry["rows_rejected"]
        assert set(entry) >= {"file", "table", "rows_read", "rows_accepted", "rows_rejected", "warnings"}
    rejects = _rejects(out)
    per_file = rejects.groupby("file").size().to_dict()
    for f in report.files:
        assert per_file.get(f.file, 0) == f.rows_rejected, f.file
    for name in TABLE_FILES + ["store.json", "ingest_report.json", "rejects.csv", "survey_codebook.json",
                               "youth_codebook.json"]:
        assert (out / name).is_file(), name


def test_store_tables_match_the_schemas_and_the_store_reader(store):
    out, _ = store
    counts = schemas.validate_store(out)
    assert counts["offences"] == 12
    from trygghet.data.store import read_table, store_info

    assert len(read_table(out, "offences")) == 12
    info = store_info(out)
    assert info["years"]["offences"] == [2024, 2025]
    assert info["tables"]["offences"]["rows"] == 12
    assert len(info["fingerprint"]) == 64


# --- offences ------------------------------------------------------------------------------------


def test_offence_rejects_name_file_line_column_value_and_reason(store):
    out, report = store
    rejects = _rejects(out)
    got = rejects[rejects["file"] == "anmalda_brott_2024.csv"][["line", "column", "value"]]
    # line 7 is blank; B12 spans lines 15-16 because its place holds a line break
    assert got.values.tolist() == [
        ["8", "datum_från", "2024-13-01"],
        ["9", "brottskod", ""],
        ["10", "tid_från", "25:00"],
        ["11", "x_sweref99tm", "abc"],
        ["12", "brott_id", "B2"],
        ["17", "brott_id", ""],
    ]
    reasons = rejects.set_index(["file", "line"])["reason"]
    assert "not a date" in reasons[("anmalda_brott_2024.csv", "8")]
    assert reasons[("anmalda_brott_2024.csv", "12")] == "duplicate brott_id, first seen in anmalda_brott_2024.csv line 3"
    assert reasons[("anmalda_brott_2025.csv", "5")] == "duplicate brott_id, first seen in anmalda_brott_2024.csv line 2"
    f = _files(report)["anmalda_brott_2024.csv"]
    assert (f.rows_read, f.rows_accepted, f.rows_rejected) == (15, 9, 6)
    assert f.checks["blank_lines_skipped"] == 1


def test_offence_values_decimal_comma_thousands_and_line_numbers(store):
    out, _ = store
    off = _table(out, "offences").set_index("offence_id")
    assert off.loc["B1", "x"] == pytest.approx(829440.5)
    assert off.loc["B1", "y"] == pytest.approx(7292327.25)
    assert off.loc["B1", "start"] == pd.Timestamp("2024-03-02 23:15")
    assert off.loc["B1", "reported"] == pd.Timestamp("2024-03-03")
    assert off.loc["B4", "end"] == pd.Timestamp("2024-02-12 18:30")
    assert off.loc["B14", "start"] == pd.Timestamp("2024-08-03 09:05")  # H:MM accepted
    assert off.loc["B12", "place_text"] == "Storgatan 1\nvid kiosken"
    assert off.loc["B14", "source_line"] == 18
    assert off.loc["B12", "source_line"] == 15
    assert off.loc["C1", "source_file"] == "anmalda_brott_2025.csv"
    assert off.loc["B1", "case_number"] == "5000-K1-24"
    assert off["start"].is_monotonic_increasing
    assert str(off["start"].dtype) == "datetime64[ns]"
    assert off["area"].dtype == pd.StringDtype()


def test_time_unknown_gives_midnight_and_na_hour(store):
    out, _ = store
    off = _table(out, "offences").set_index("offence_id")
    assert off.loc["B3", "start"] == pd.Timestamp("2024-04-01 00:00")
    assert not off.loc["B3", "start_time_known"]
    assert pd.isna(off.loc["B3", "hour"])
    assert off.loc["B11", "start_time_known"] and off.loc["B11", "hour"] == 2  # time inside datum_från
    assert (off.loc["B1", "year"], off.loc["B1", "month"], off.loc["B1", "weekday"], off.loc["B1", "hour"]) == (2024, 3, 5, 23)


def test_codes_are_mapped_through_the_code_list_and_unknown_codes_kept_as_okand(store):
    out, report = store
    off = _table(out, "offences").set_index("offence_id")
    assert off.loc["B1", ["category", "violent", "volume_crime", "public_place"]].tolist() == ["misshandel", True, True, True]
    assert off.loc["B2", ["category", "violent", "volume_crime"]].tolist() == ["butiksstold", False, True]
    assert off.loc["B3", ["category", "volume_crime"]].tolist() == ["bedrageri", False]
    assert off.loc["B5", "category"] == "okand"
    assert off.loc["B5", "offence_code"] == "1234"
    assert not off.loc["B5", "violent"]
    f = _files(report)["anmalda_brott_2024.csv"]
    assert f.checks["unknown_codes"] == {"1234": 1}
    assert any("1234 (1)" in w and "okand" in w for w in f.warnings)


def test_code_with_dropped_leading_zero_is_padded(store):
    out, report = store
    off = _table(out, "offences").set_index("offence_id")
    assert off.loc["B11", "offence_code"] == "0375"
    assert off.loc["B11", "category"] == "misshandel"
    assert _files(report)["anmalda_brott_2024.csv"].checks["codes_zero_padded"] == 1


def test_offences_without_a_place_are_kept_and_counted(store):
    out, report = store
    off = _table(out, "offences").set_index("offence_id")
    assert not off.loc["B3", "has_place"]
    assert np.isnan(off.loc["B3", "x"]) and pd.isna(off.loc["B3", "area"])
    assert not off.loc["B3", "in_municipality"]
    assert _files(report)["anmalda_brott_2024.csv"].checks["without_place"] == 1
    assert _files(report)["anmalda_brott_2025.csv"].checks["without_place"] == 0


def test_places_are_joined_to_areas(store):
    out, _ = store
    off = _table(out, "offences").set_index("offence_id")
    assert off.loc["B1", "area"] == "Centrum"
    assert off.loc["B2", "area"] == "Örnäset"
    assert off.loc["B4", "area"] == "Porsön"
    assert off.loc["C1", "area"] == "Centrum"  # from WGS 84 lat/lon
    assert off.loc["C1", "x"] == pytest.approx(829440, abs=2)
    assert off.loc["C1", "y"] == pytest.approx(7292327, abs=2)


def test_swapped_lat_lon_is_fixed_and_reported(store):
    out, report = store
    off = _table(out, "offences").set_index("offence_id")
    assert off.loc["C2", "area"] == "Centrum"
    assert off.loc["C2", "x"] == pytest.approx(off.loc["C1", "x"])
    f = _files(report)["anmalda_brott_2025.csv"]
    assert f.checks["swapped_latlon"] == 1
    assert any("swapped" in w for w in f.warnings)


def test_place_outside_the_municipality_is_kept_and_reported(store):
    out, report = store
    off = _table(out, "offences").set_index("offence_id")
    for oid in ("B10", "C3"):
        assert off.loc[oid, "has_place"]
        assert not off.loc[oid, "in_municipality"]
        assert pd.isna(off.loc[oid, "area"])
    assert _files(report)["anmalda_brott_2024.csv"].checks["outside_municipality"] == 1
    assert _files(report)["anmalda_brott_2025.csv"].checks["outside_municipality"] == 1


def test_windows_1252_and_header_variants(store):
    out, report = store
    f = _files(report)["anmalda_brott_2025.csv"]
    assert f.encoding == "cp1252"
    assert _files(report)["anmalda_brott_2024.csv"].encoding == "utf-8"
    off = _table(out, "offences").set_index("offence_id")
    assert off.loc["C1", "place_text"] == "Skeppsbrogatan, Örnäset"
    survey = _table(out, "survey").set_index("respondent_id")
    assert survey.loc["R2", "area"] == "Örnäset"  # 'örnäset' in a Windows-1252 file


def test_point_in_area_join_equals_geopandas_sjoin(store):
    import geopandas as gpd


    out, _ = store
    areas = gpd.read_parquet(out / "areas.parquet")
    ctx = Context(raw=FIXTURES)
    ctx.areas = areas
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.uniform(825_000, 832_000, 2000), [828_800.0, 826_000.0]])
    y = np.concatenate([rng.uniform(7_289_000, 7_298_000, 2000), [7_291_000.0, 7_294_500.0]])
    codes, inside = locate_codes(x, y, ctx)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=areas.crs)
    joined = gpd.sjoin(points, areas[["area", "geometry"]], how="left", predicate="intersects")
    first = joined.reset_index().sort_values(["index", "index_right"]).drop_duplicates("index")
    expected = first["index_right"].fillna(-1).astype(int).to_numpy()
    assert (codes == expected).all()
    assert (inside == (expected >= 0)).all()


# --- the other extracts --------------------------------------------------------------------------


def test_survey_rows_codebook_and_rejects(store):
    out, report = store
    survey = _table(out, "survey").set_index("respondent_id")
    assert list(survey.index) == ["R1", "R2", "R3"]
    assert survey.loc["R1", "weight"] == 1.25
    assert survey.loc["R3", "weight"] == 1.0  # missing weight
    assert survey.loc["R3", "age_group"] == "65-84"  # en dash in the file
    assert pd.isna(survey.loc["R3", "sex"])
    assert pd.isna(survey.loc["R2", "q_problem_nedskrapning"])
    assert str(survey["q_otrygg_kvall"].dtype) == "Int64"
    rejects = _rejects(out)
    got = rejects[rejects["file"] == "trygghetsmatning_2023.csv"][["line", "column", "value"]].values.tolist()
    assert got == [["5", "område", "Gammelstad"], ["6", "q_otrygg_kvall", "7"], ["7", "år", "2022"],
                   ["8", "respondent_id", "R1"]]
    book = json.loads((out / "survey_codebook.json").read_text(encoding="utf-8"))
    assert [q["id"] for q in book["fragor"]] == ["q_otrygg_kvall", "q_problem_nedskrapning"]
    assert book["problemindex"]["poang"] == {"1": 0, "2": 2, "3": 4, "4": 6}


def test_youth_survey(store):
    out, _ = store
    youth = _table(out, "youth_survey").set_index("respondent_id")
    assert list(youth.index) == ["U1", "U2", "U4"]
    assert youth.loc["U1", ["sex", "grade", "school", "area"]].tolist() == ["kvinna", "åk9", "Örnässkolan", "Örnäset"]
    assert youth.loc["U2", ["sex", "grade"]].tolist() == ["man", "gy2"]
    assert youth.loc["U4", "grade"] == "åk9" and youth.loc["U4", "weight"] == 1.5  # "1,5" quoted in a ,-file
    assert pd.isna(youth.loc["U2", "q_vuxen"])
    assert "age_group" not in youth.columns
    rejects = _rejects(out)
    assert rejects[rejects["file"] == "ungdomsenkat_2023.csv"][["line", "column"]].values.tolist() == [["4", "årskurs"]]
    book = json.loads((out / "youth_codebook.json").read_text(encoding="utf-8"))
    assert book["fragor"][1]["faktor"] == "skydd"


def test_municipal_incidents(store):
    out, report = store
    inc = _table(out, "municipal_incidents").set_index("incident_id")
    assert list(inc.index) == ["K1", "K2", "K3"]
    assert inc.loc["K1", "date"] == pd.Timestamp("2024-05-03 22:40")
    assert inc.loc["K1", "cost_sek"] == 12500.0
    assert inc.loc["K2", "cost_sek"] == 3500.5
    assert inc.loc["K2", "area"] == "Centrum"  # empty område, taken from the place
    assert inc.loc["K1", "type"] == "skadegörelse"  # Windows-1252 file
    assert np.isnan(inc.loc["K3", "cost_sek"])
    rejects = _rejects(out)
    assert rejects[rejects["file"] == "kommunala_handelser.csv"]["value"].tolist() == ["explosion"]


def test_young_suspects_empty_cells_are_na(store):
    out, _ = store
    ys = _table(out, "young_suspects")
    assert ys[["age_group", "sex"]].values.tolist() == [["<15", "kvinna"], ["<15", "man"], ["15-17", "kvinna"],
                                                        ["15-17", "man"], ["18-20", "alla"]]
    first = ys.iloc[0]
    assert pd.isna(first["persons"]) and pd.isna(first["offences"]) and pd.isna(first["persons_previously_suspected"])
    assert ys.iloc[3]["persons_previously_suspected"] == 22
    assert str(ys["persons"].dtype) == "Int64"
    rejects = _rejects(out)
    assert rejects[rejects["file"] == "misstankta_unga.csv"]["value"].tolist() == ["25-29"]


def test_measures_and_measure_areas(store):
    out, _ = store
    m = _table(out, "measures").set_index("measure_id")
    assert list(m.index) == ["A1", "A2", "A3"]
    assert m.loc["A1", "cost_sek"] == 125000.0
    assert m.loc["A3", "cost_sek"] == 250000.5
    assert m.loc["A3", "status"] == "pågående"  # written 'Pagaende'
    assert m.loc["A1", "indicators"] == "problem_belysning,otrygg_kvall"
    assert m.loc["A3", "areas"] == "Centrum, Örnäset"
    assert m.loc["A1", "end"] == pd.Timestamp("2024-06-30")
    ma = _table(out, "measure_areas")
    assert ma.values.tolist() == [["A1", "Porsön"], ["A2", "hela kommunen"], ["A3", "Centrum"], ["A3", "Örnäset"]]
    rejects = _rejects(out)
    assert rejects[rejects["file"] == "atgarder.csv"][["line", "column"]].values.tolist() == [
        ["5", "preventionsnivå"], ["6", "område"]]


def test_measures_from_excel(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    import datetime as dt

    raw = tmp_path / "raw"
    raw.mkdir()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ID", "Åtgärd", "Preventionsnivå", "Tidsperspektiv", "Ansvarig", "Område", "Start", "Slut",
                  "Status", "Kostnad_kr"])
    sheet.append(["M1", "Kameror i Centrum", "situationell", "kort", "polis", "Centrum", dt.datetime(2024, 2, 1),
                  None, "genomförd", 45000])
    sheet.append([])
    sheet.append(["M2", "Läxhjälp", "selektiv", "lång", "kommun", "hela kommunen", "2023-09-01", "2024-06-15",
                  "avbruten", 1234.5])
    sheet.append(["M3", "Fel", "selektiv", "lång", "kommun", "Centrum", "första maj", None, "planerad", None])
    book.save(raw / "atgarder.xlsx")
    report = ingest(raw, tmp_path / "store")
    m = _table(tmp_path / "store", "measures").set_index("measure_id")
    assert m.loc["M1", "start"] == pd.Timestamp("2024-02-01") and m.loc["M1", "cost_sek"] == 45000.0
    assert m.loc["M2", "end"] == pd.Timestamp("2024-06-15") and m.loc["M2", "cost_sek"] == 1234.5
    rejects = _rejects(tmp_path / "store")
    assert rejects[["line", "column"]].values.tolist() == [["5", "Start"]]
    f = _files(report)["atgarder.xlsx"]
    assert (f.rows_read, f.rows_accepted, f.rows_rejected) == (3, 2, 1)


def test_goals_from_yaml_with_line_numbers(store):
    out, _ = store
    goals = _table(out, "goals")
    assert goals["subgoal_id"].tolist() == ["M1.1", "M1.2"]
    first = goals.iloc[0]
    assert first[["goal_id", "indicator", "area", "target_type", "responsible"]].tolist() == [
        "M1", "otrygg_kvall", "hela kommunen", "tak", "gemensam"]
    assert (first["baseline_year"], first["baseline_value"], first["target_value"], first["target_year"]) == (
        2019, 0.21, 0.17, 2025)
    second = goals.iloc[1]
    assert second["area"] == "Porsön" and second["baseline_value"] == 1.9  # "1,9"
    assert second["responsible"] == "gemensam"  # inherited from the goal
    rejects = _rejects(out)
    assert rejects[rejects["file"] == "mal.yaml"][["line", "column", "value"]].values.tolist() == [
        ["29", "omrade", "Gammelstad"], ["38", "typ", "max"]]


def test_population(store):
    out, _ = store
    pop = _table(out, "population")
    assert pop.values.tolist() == [[2024, "Centrum", "kvinna", "25-44", 2537], [2024, "Centrum", "man", "25-44", 2610],
                                   [2024, "Örnäset", "kvinna", "25-44", 1200], [2024, "Örnäset", "man", "25-44", 1180]]
    assert str(pop["population"].dtype) == "int64"
    rejects = _rejects(out)
    assert rejects[rejects["file"] == "befolkning.csv"]["line"].tolist() == ["6", "7"]


def test_population_without_split_gets_alla(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "befolkning.csv").write_text("ÅR;OMRÅDE;ANTAL\n2023;Centrum;9 100\n2024;Centrum;9 200\n", encoding="utf-8")
    ingest(raw, tmp_path / "store")
    pop = _table(tmp_path / "store", "population")
    assert pop[["sex", "age_group", "population"]].values.tolist() == [["alla", "alla", 9100], ["alla", "alla", 9200]]


def test_safety_walks_and_events(store):
    out, _ = store
    walks = _table(out, "safety_walks")
    assert len(walks) == 3
    porson = walks[walks["area"] == "Porsön"].iloc[0]
    assert porson["fixed"] and porson["fixed_date"] == pd.Timestamp("2024-11-01")
    assert "nedskräpning" in set(walks["deficiency"])  # written 'Nedskrapning'
    assert set(walks["area"]) == {"Centrum", "Porsön"}  # the empty area taken from the place
    events = _table(out, "events")
    assert events["name"].tolist() == ["Luleå sommarfestival", "Musikfest"]
    assert events.iloc[0]["end"] == pd.Timestamp("2024-07-07") and pd.isna(events.iloc[1]["end"])
    assert events.iloc[1]["area"] == "hela kommunen"


def test_areas_and_municipality(store):
    import geopandas as gpd

    out, _ = store
    areas = gpd.read_parquet(out / "areas.parquet")
    assert areas["area"].tolist() == ["Centrum", "Porsön", "Örnäset"]
    assert areas.crs.to_epsg() == 3006
    assert areas.set_index("area").loc["Centrum", "area_km2"] == pytest.approx(2.2 * 4.5)
    muni = gpd.read_parquet(out / "municipality.parquet")
    assert muni[["name", "code"]].values.tolist() == [["Luleå", "2580"]]
    assert muni["area_km2"].iloc[0] == pytest.approx(5 * 7)


def test_absent_extracts_give_empty_tables_with_their_columns(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(FIXTURES / "evenemang.csv", raw)
    report = ingest(raw, tmp_path / "store")
    assert report.tables["offences"] == 0
    for name in schemas.SCHEMAS:
        frame = pd.read_parquet(tmp_path / "store" / f"{name}.parquet")
        assert list(frame.columns)[: len(schemas.columns(name))] == schemas.columns(name), name
    assert any("omraden" in w for w in report.warnings)
    assert _table(tmp_path / "store", "events")["area"].tolist() == ["Centrum", "hela kommunen"]  # not checked


# --- encodings and separators ------------------------------------------------------------------------

_OFFENCES_POINT = """brott_id,brottskod,datum_från,tid_från,x_sweref99tm,y_sweref99tm,plats
A1,9357,2024-03-02,23:15,829440.5,7292327.25,Storgatan vid Örnäset
A2,0853,2024-03-05,14:02,827500,7293000,Köpcentrum
A3,0902,2024-04-01,,,,
"""
_SURVEY_POINT = """respondent_id,år,område,kön,åldersgrupp,vikt,q_otrygg_kvall,q_problem_nedskrapning
R1,2023,Örnäset,kvinna,16-24,1.25,2,3
R2,2023,Centrum,man,25-44,2537.5,4,
"""


def _excel_style(text: str) -> str:
    """The same extract as Swedish Excel saves it: ';' and decimal commas (thousands with a space)."""
    lines = []
    for line in text.strip("\n").split("\n"):
        fields = line.split(",")
        fields = [f.replace(".", ",") if f.replace(".", "").isdigit() else f for f in fields]
        fields = [("2 537,5" if f == "2537,5" else f) for f in fields]
        lines.append(";".join(fields))
    return "\r\n".join(lines) + "\r\n"


def _write_pair(tmp_path: Path) -> tuple[Path, Path]:
    utf8 = tmp_path / "utf8"
    cp = tmp_path / "cp1252"
    for folder in (utf8, cp):
        folder.mkdir()
        shutil.copy(FIXTURES / "omraden.geojson", folder)
        shutil.copy(FIXTURES / "trygghetsmatning_kodbok.yaml", folder)
    (utf8 / "anmalda_brott_2024.csv").write_text(_OFFENCES_POINT, encoding="utf-8")
    (utf8 / "trygghetsmatning_2023.csv").write_text(_SURVEY_POINT, encoding="utf-8")
    (cp / "anmalda_brott_2024.csv").write_bytes(_excel_style(_OFFENCES_POINT).encode("cp1252"))
    (cp / "trygghetsmatning_2023.csv").write_bytes(_excel_style(_SURVEY_POINT).encode("cp1252"))
    return utf8, cp


def test_cp1252_semicolon_decimal_comma_gives_the_same_store_as_utf8(tmp_path):
    utf8, cp = _write_pair(tmp_path)
    assert b";" in (cp / "anmalda_brott_2024.csv").read_bytes() and b"829440,5" in (cp / "anmalda_brott_2024.csv").read_bytes()
    ra = ingest(utf8, tmp_path / "store_a")
    rb = ingest(cp, tmp_path / "store_b")
    assert {f.file: f.encoding for f in rb.files}["anmalda_brott_2024.csv"] == "cp1252"
    assert {f.file: f.separator for f in ra.files}["anmalda_brott_2024.csv"] == ","
    for name in TABLE_FILES + ["rejects.csv", "ingest_report.json", "survey_codebook.json", "youth_codebook.json"]:
        assert (tmp_path / "store_a" / name).read_bytes() == (tmp_path / "store_b" / name).read_bytes(), name
    info_a = json.loads((tmp_path / "store_a" / "store.json").read_text(encoding="utf-8"))
    info_b = json.loads((tmp_path / "store_b" / "store.json").read_text(encoding="utf-8"))
    assert info_a["fingerprint"] != info_b["fingerprint"]  # the raw bytes differ
    info_a.pop("fingerprint"), info_b.pop("fingerprint")
    assert info_a == info_b
    off = _table(tmp_path / "store_b", "offences").set_index("offence_id")
    assert off.loc["A1", "place_text"] == "Storgatan vid Örnäset"
    assert off.loc["A1", "x"] == 829440.5
    assert _table(tmp_path / "store_b", "survey").set_index("respondent_id").loc["R2", "weight"] == 2537.5


def test_rerun_gives_byte_identical_store(tmp_path):
    ingest(FIXTURES, tmp_path / "a")
    ingest(FIXTURES, tmp_path / "b")
    first = {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    ingest(FIXTURES, tmp_path / "a")  # replaces the store in place
    again = {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    other = {p.name: p.read_bytes() for p in (tmp_path / "b").iterdir()}
    assert first == again == other
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]  # no temporary folders left


def test_bytes_that_fit_neither_encoding_stop_with_a_clear_message(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "anmalda_brott_2024.csv").write_bytes(b"brott_id;brottskod;datum_fr\x81n\nB1;0853;2024-01-01\n")
    with pytest.raises(DataError) as err:
        ingest(raw, tmp_path / "store")
    assert str(err.value).startswith("anmalda_brott_2024.csv: the file is neither UTF-8 nor Windows-1252")
    (raw / "anmalda_brott_2024.csv").write_bytes("brott_id;brottskod\n".encode("utf-16"))
    with pytest.raises(DataError, match="UTF-16"):
        ingest(raw, tmp_path / "store")
    assert not (tmp_path / "store").exists()


def test_row_with_wrong_number_of_fields_is_rejected_not_lost(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "anmalda_brott_2024.csv").write_text(
        "brott_id;brottskod;datum_från;plats\nB1;0853;2024-01-01;Torget\nB2;0853;2024-01-02;Torget; hörnet\n"
        "B3;0853;2024-01-03;Torget\n", encoding="utf-8")
    report = ingest(raw, tmp_path / "store")
    f = report.files[0]
    assert (f.rows_read, f.rows_accepted, f.rows_rejected) == (3, 2, 1)
    rejects = _rejects(tmp_path / "store")
    assert rejects["line"].tolist() == ["3"]
    assert rejects["reason"].iloc[0].startswith("wrong number of fields: 5 instead of 4")


# --- files that cannot be read: exit 2, one line ------------------------------------------------------


def test_missing_required_column_exits_2_with_one_line_through_the_cli(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(FIXTURES / "evenemang.csv", raw)
    ingest(raw, tmp_path / "store")
    before = {p.name: p.read_bytes() for p in (tmp_path / "store").iterdir()}
    (raw / "anmalda_brott_2024.csv").write_text("brott_id;Brottskod_X;datum_från\nB1;0853;2024-01-01\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "trygghet", "ingest", str(raw), "--out", str(tmp_path / "store")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "anmalda_brott_2024.csv: column 'brottskod' is missing; the columns found are 'brott_id', " in lines[0]
    assert "Traceback" not in proc.stderr
    after = {p.name: p.read_bytes() for p in (tmp_path / "store").iterdir()}
    assert before == after


def test_missing_codebook_and_bad_yaml_are_file_errors(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(FIXTURES / "trygghetsmatning_2023.csv", raw)
    with pytest.raises(DataError, match="trygghetsmatning_kodbok.yaml is missing"):
        ingest(raw, tmp_path / "store")
    (raw / "trygghetsmatning_2023.csv").unlink()
    (raw / "mal.yaml").write_text("mal:\n  - id: M1\n   text: fel indrag\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"^mal.yaml: the file is not valid YAML at line 3"):
        ingest(raw, tmp_path / "store")


def test_refuses_to_replace_a_folder_that_is_not_a_store(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "important.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(DataError, match="not a trygghet store"):
        ingest(FIXTURES, tmp_path / "notes")
    assert (tmp_path / "notes" / "important.txt").read_text(encoding="utf-8") == "keep me"


def test_crash_while_writing_leaves_the_previous_store_intact(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(FIXTURES / "evenemang.csv", raw)
    ingest(raw, tmp_path / "store")
    before = {p.name: p.read_bytes() for p in (tmp_path / "store").iterdir()}
    shutil.copy(FIXTURES / "befolkning.csv", raw)
    calls = {"n": 0}
    real = files._write_table

    def failing(frame, path, geo):
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError("disk full")
        real(frame, path, geo)

    monkeypatch.setattr(files, "_write_table", failing)
    with pytest.raises(OSError, match="disk full"):
        ingest(raw, tmp_path / "store")
    after = {p.name: p.read_bytes() for p in (tmp_path / "store").iterdir()}
    assert before == after
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw", "store"]


# --- code list, summary --------------------------------------------------------------------------------


def test_shipped_code_list_covers_every_category():
    codes = read_code_list()
    assert set(codes["category"]) == set(schemas.CATEGORIES)
    assert codes["offence_code"].str.fullmatch(r"\d{4}").all() and codes["offence_code"].is_unique
    assert len(codes) >= 1300  # Brå's whole list, discontinued codes included (docs/brottskoder.md)
    violent = set(codes.loc[codes["violent"], "category"])
    assert violent <= {"misshandel", "ran", "sexualbrott"}
    assert codes.loc[codes["category"].isin(["butiksstold", "ran"]), "volume_crime"].all()
    assert not codes.loc[codes["category"].isin(["narkotika", "bedrageri", "trafik"]), "volume_crime"].any()
    assert codes.set_index("offence_code").loc["9357", "public_place"]  # "... utomhus"


def test_code_list_in_the_raw_folder_replaces_the_shipped_one(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(FIXTURES / "anmalda_brott_2024.csv", raw)
    (raw / "brottskoder.csv").write_text(
        "brottskod;rubricering;kategori;valdsbrott;mangdbrott;offentlig_plats\n1234;Lokal kod;ovrigt;nej;nej;nej\n",
        encoding="utf-8")
    report = ingest(raw, tmp_path / "store")
    off = _table(tmp_path / "store", "offences").set_index("offence_id")
    assert off.loc["B5", "category"] == "ovrigt"
    assert off.loc["B1", "category"] == "okand"
    assert any("brottskoder.csv" in w for w in report.warnings)
    (raw / "brottskoder.csv").write_text("brottskod;rubricering;kategori;valdsbrott;mangdbrott;offentlig_plats\n"
                                         "12;Fel;ovrigt;nej;nej;nej\n", encoding="utf-8")
    with pytest.raises(DataError, match="brottskod '12' is not 4 digits"):
        ingest(raw, tmp_path / "store")


def test_print_summary_shows_counts_warnings_and_reject_reasons(store):
    from rich.console import Console

    _, report = store
    console = Console(record=True, width=200)
    print_summary(report, console)
    text = console.export_text()
    assert "anmalda_brott_2024.csv" in text and "rows rejected" in text
    assert "duplicate brott_id" in text
    assert "swapped" in text


def test_header_only_file_missing_folder_and_unknown_indicators(tmp_path):
    raw = tmp_path / "raw"
    with pytest.raises(DataError, match="the raw-data folder does not exist"):
        ingest(raw, tmp_path / "store")
    raw.mkdir()
    with pytest.raises(DataError, match="no extract of the data model was found"):
        ingest(raw, tmp_path / "store")
    (raw / "anmalda_brott_2024.csv").write_text("brott_id;brottskod;datum_från\n", encoding="utf-8")
    (raw / "atgarder.csv").write_text(
        "id;åtgärd;preventionsnivå;tidsperspektiv;ansvarig;område;start;status;indikatorer\n"
        "A1;Belysning;situationell;kort;kommun;hela kommunen;2024-01-01;planerad;otrygg_kvall,inte_en_indikator\n",
        encoding="utf-8")
    report = ingest(raw, tmp_path / "store")
    files = _files(report)
    assert (files["anmalda_brott_2024.csv"].rows_read, report.tables["offences"]) == (0, 0)
    assert any("inte_en_indikator" in w and "otrygg_kvall" not in w for w in files["atgarder.csv"].warnings)

"""Downloaded public statistics read by the ingest like any extract (trygghet.data.ingest.open_data), and the
demo's recorded-format copy (trygghet.data.demo._open)."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from trygghet.data.demo import DEMO_OPEN_FILES
from trygghet.data.demo._open import write_open
from trygghet.data.ingest import ingest
from trygghet.data.open import fetch_open, store_municipality
from trygghet.data.open.http import Http
from trygghet.data.store import read_json, read_table


def tiny_raw(path, code="2580"):
    path.mkdir(parents=True)
    gpd.GeoDataFrame({"område": ["Centrum"], "områdeskod": ["1"], "kommunkod": [code]},
                     geometry=[box(830000, 7290000, 835000, 7295000)], crs="EPSG:3006").to_file(
        path / "omraden.geojson", driver="GeoJSON")
    (path / "befolkning.csv").write_text("år;område;antal\n2022;Centrum;79244\n", encoding="utf-8")
    return path


def fetch_fixtures(raw, server):
    server.route("/municipality/2580,0025,0000", {"file": "kolada/municipality.json"})
    server.route("/kpi/N07403,N07540", {"file": "kolada/kpi.json"})
    server.route("/municipality_groups", {"file": "kolada/groups.json"})
    server.route("/data/kpi/N07403,N07540/municipality/2580,0025,0000,G176325/year/2019,2020,2021,2022",
                 {"file": "kolada/data-page1.json"}, {"file": "kolada/data-page2.json"})
    report = fetch_open(raw, "2580", [2019, 2020, 2021, 2022], sources=("kolada",), kpis=["N07403", "N07540"],
                        kolada_url=server.base, http=Http(retries=0))
    assert report.ok, report.lines


def test_fetched_kolada_files_become_the_kolada_table(tmp_path, open_server):
    raw = tiny_raw(tmp_path / "raw")
    fetch_fixtures(raw, open_server)
    report = ingest(raw, tmp_path / "store")
    assert not report.ignored  # open/ is not an unknown extract
    table = read_table(tmp_path / "store", "kolada")
    own = table.loc[table["region_kind"] == "kommun"].sort_values("year")
    assert list(own["year"]) == [2019, 2020, 2021, 2022] and list(own["value"]) == [827.0, 780.0, 855.0, 827.0]
    riket = table.loc[table["region_kind"] == "riket"]
    assert list(riket["value"]) == [964.0] and riket["region_name"].iloc[0] == "Riket"
    group = table.loc[table["region_kind"] == "liknande"]
    assert len(group) == 1 and group["value"].isna().all()  # a missing value stays missing
    assert set(table["status"]) == {""} and set(table["gender"]) == {"T"}
    sources = read_json(tmp_path / "store", "open_sources.json")
    assert sources["municipality"] == "2580"
    assert sources["kpis"]["N07403"]["title"] == "Anmälda våldsbrott, antal/100 000 inv"
    assert sources["files"]["kolada_2580_data.json"]["source_updated"] == "2026-03-31"
    assert sources["group"]["title"] == "Liknande kommuner socioekonomi, Luleå, 2024"
    assert sources["group"]["members"] == ["Karlskrona", "Ängelholm", "Varberg", "Skövde", "Karlstad", "Falun",
                                           "Sundsvall"]


def test_a_file_changed_by_hand_is_left_out_with_a_warning(tmp_path, open_server):
    raw = tiny_raw(tmp_path / "raw")
    fetch_fixtures(raw, open_server)
    data = raw / "open" / "kolada_2580_data.json"
    data.write_text(data.read_text(encoding="utf-8").replace("827.0", "27.0"), encoding="utf-8")
    report = ingest(raw, tmp_path / "store")
    assert any("kolada_2580_data.json left out" in w and "checksum" in w for w in report.warnings)
    assert read_table(tmp_path / "store", "kolada").empty  # the municipality's own data are still ingested
    assert len(read_table(tmp_path / "store", "population")) == 1


def test_without_open_data_the_table_is_empty_and_fetch_uses_the_stores_code(tmp_path):
    raw = tiny_raw(tmp_path / "raw", code="2582")
    ingest(raw, tmp_path / "store")
    assert read_table(tmp_path / "store", "kolada").empty
    assert read_json(tmp_path / "store", "open_sources.json") == {"municipality": "2582", "files": {}, "kpis": {},
                                                                    "group": None}
    assert store_municipality(tmp_path / "store") == "2582"
    assert store_municipality(tmp_path / "no-store") == "2580"


def test_demo_open_files_are_reproducible_and_keep_the_published_values(tmp_path):
    a = write_open(np.random.default_rng([2580, 13]), tmp_path / "a")
    write_open(np.random.default_rng([2580, 13]), tmp_path / "b")
    assert sorted(str(p.relative_to(tmp_path / "a")) for p in a) == sorted(DEMO_OPEN_FILES)
    for p in a:
        assert p.read_bytes() == (tmp_path / "b" / p.relative_to(tmp_path / "a")).read_bytes(), p.name
    other = write_open(np.random.default_rng([7, 13]), tmp_path / "c")
    assert other[-2].read_bytes() != a[-2].read_bytes()
    values = json.loads((tmp_path / "a/open/kolada_2580_data.json").read_text(encoding="utf-8"))["values"]
    violent = {(v["municipality"], v["period"]): v["values"][0]["value"] for v in values if v["kpi"] == "N07403"}
    assert [violent[("2580", y)] for y in (2019, 2020, 2021, 2022)] == [827.0, 780.0, 855.0, 827.0]
    assert violent[("0000", 2022)] == 964.0
    prov = json.loads((tmp_path / "a/open/kolada_2580_data.json.provenance.json").read_text(encoding="utf-8"))
    assert prov["details"]["demo"] is True


@pytest.mark.parametrize("code", ["258", "25800", "Luleå"])
def test_a_bad_municipality_code_is_a_parameter_error(tmp_path, code):
    from trygghet.data.errors import ParameterError

    with pytest.raises(ParameterError, match="four-digit municipality code"):
        fetch_open(tmp_path, code, sources=())


def deso_answer(fixtures, regions, years, values):
    """SCB's recorded TAB638 answer with its Region, Kon and Tid categories set to ``regions`` × (1, 2) ×
    ``years`` (the structure as SCB sends it; only the categories and values differ)."""
    doc = json.loads((fixtures / "scb/TAB638-data.json").read_text(encoding="utf-8"))
    dims = doc["dimension"]
    dims["Region"]["category"] = {"index": {r: i for i, r in enumerate(regions)}, "label": {r: r for r in regions}}
    dims["Kon"]["category"] = {"index": {"1": 0, "2": 1}, "label": {"1": "män", "2": "kvinnor"}}
    dims["Tid"]["category"] = {"index": {str(y): i for i, y in enumerate(years)}, "label": {str(y): str(y) for y in years}}
    doc["size"] = [len(regions), 1, 1, 2, 1, len(years)]
    doc["value"] = values
    return json.dumps(doc, ensure_ascii=False)


def test_scb_deso_population_fills_an_area_the_municipality_lacks(tmp_path, open_server):
    raw = tmp_path / "raw"
    raw.mkdir()
    gpd.GeoDataFrame({"område": ["Centrum", "Hertsön"], "områdeskod": ["2580A0010", "2580C1020_DeSO2025"],
                      "kommunkod": ["2580", "2580"]},
                     geometry=[box(830000, 7290000, 831000, 7291000), box(831000, 7290000, 832000, 7291000)],
                     crs="EPSG:3006").to_file(raw / "omraden.geojson", driver="GeoJSON")
    (raw / "befolkning.csv").write_text("år;område;antal\n2024;Centrum;1500\n", encoding="utf-8")
    regions = ["2580", "2580A0010_DeSO2025", "2580C1020_DeSO2025"]
    # row-major: Region, (Civilstand, Alder), Kon, (ContentsCode), Tid -> region × sex × year
    values = [40000, 40100, 39000, 39100, 700, 710, 800, 810, 1200, 1210, 1300, 1310]
    open_server.route("/config", {"file": "scb/config.json"})
    open_server.route("/tables/TAB6574/data", {"body": deso_answer(open_server.FIXTURES, regions, [2024, 2025], values)})
    assert fetch_open(raw, "2580", [2024, 2025], sources=("scb",), scb_url=open_server.base, http=Http(retries=0)).ok
    report = ingest(raw, tmp_path / "store")
    pop = read_table(tmp_path / "store", "population")
    total = pop.groupby(["year", "area"])["population"].sum()
    assert total[(2024, "Centrum")] == 1500  # the municipality's own figure is kept
    assert total[(2025, "Centrum")] == 710 + 810  # SCB where the file lacks the year
    assert total[(2024, "Hertsön")] == 1200 + 1300 and total[(2025, "Hertsön")] == 1210 + 1310
    hertson = pop.loc[(pop["area"] == "Hertsön") & (pop["year"] == 2024)].set_index("sex")["population"]
    assert hertson["man"] == 1200 and hertson["kvinna"] == 1300
    assert any("is SCB's (DeSO/RegSO" in w for w in report.warnings)


def test_open_files_of_another_municipality_are_named_in_a_warning(tmp_path, open_server):
    raw = tiny_raw(tmp_path / "raw", code="2582")
    fetch_fixtures(raw, open_server)  # Luleå's files
    report = ingest(raw, tmp_path / "store")
    assert read_table(tmp_path / "store", "kolada").empty
    assert any("Kolada files of 2580" in w and "--municipality 2582" in w for w in report.warnings)

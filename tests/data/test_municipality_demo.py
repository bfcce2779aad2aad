"""Any municipality (issue 13, item 3): the shipped boundaries, the demo for another municipality (Piteå,
2581) through ingest, run plan and reports, and Luleå's own demo unchanged."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
import yaml

from trygghet.data import store as store_mod
from trygghet.data.config import paths
from trygghet.data.demo._kommun import (
    RENAME,
    municipalities,
    municipality_outline,
    write_municipality_demo,
)
from trygghet.data.errors import ParameterError
from trygghet.data.ingest import ingest
from trygghet.publish.plan import load_plan
from trygghet.publish.run import run_reports
from trygghet.reports.common import genitive, municipality_name

PITEA, PITEA_POP = "2581", 42_800

#: Luleå's demo files that depend on the outline, the area centres and the population (seed 2580, scale 0.2 —
#: the ``demo_store`` fixture), as the generator wrote them before any other municipality was possible
LULEA_BYTES = {
    "omraden.geojson": "9403582cc1078c971f18d8997d7afb61145eb1a19c207c404bba21e365a2fd0a",
    "befolkning.csv": "b82c23085017233a474e460c651da674eb7612560ab26e0eed3d0921f5bc2301",
    "anmalda_brott_2019.csv": "9a65d6aeea11138e3a4ccf88656dda374a351e49da6b005cc0e8ec601566b305",
    "anmalda_brott_2025.csv": "958072f292cd653bbc1f800ddf39d2322aa8eee0f56ab7303b4ad96c79add927",
    "trygghetsmatning_2025.csv": "fad5ec7e77fbd8e95aa072a577c6199e9696889feeeb695ff9179926a5a4a0a0",
    "kommunala_handelser.csv": "f3dda59d0fadfb8f624a8b9b8f86810f1d26dd09ad12efddb500f385adff10bb",
}


@pytest.fixture(scope="module")
def pitea(tmp_path_factory):
    base = tmp_path_factory.mktemp("pitea")
    written = write_municipality_demo(base / "raw", PITEA, PITEA_POP, seed=2580, scale=0.1)
    ingest(base / "raw", base / "store")
    return base, written


def test_shipped_boundaries_hold_all_290_municipalities_with_their_source():
    table = municipalities()
    assert len(table) == 290 and table["code"].is_unique
    assert table["code"].str.fullmatch(r"\d{4}").all()
    assert table.set_index("code").loc["2580", "name"] == "Luleå"
    assert table.set_index("code").loc["0180", "name"] == "Stockholm"  # leading zero kept
    props, outline = municipality_outline("2581")
    assert props == {"kommunkod": "2581", "kommun": "Piteå", "lanskod": "25"}
    assert outline.contains(shapely.Point(21.3, 65.4))  # inland of Piteå town, WGS 84 lon/lat
    readme = (paths().reference / "README.md").read_text(encoding="utf-8")
    assert "sverige_kommuner.geojson" in readme and "okfse/sweden-geojson" in readme


def test_lulea_demo_is_byte_identical(demo_store):
    raw = Path(demo_store).parent / "raw"
    got = {n: hashlib.sha256((raw / n).read_bytes()).hexdigest() for n in LULEA_BYTES}
    assert got == LULEA_BYTES
    assert store_mod.municipality(demo_store) == {"code": "2580", "name": "Luleå"}


def test_other_municipality_demo_has_its_outline_population_and_no_lulea_names(pitea):
    base, written = pitea
    raw = base / "raw"
    areas = gpd.read_file(raw / "omraden.geojson")
    assert set(areas["kommun"]) == {"Piteå"} and set(areas["kommunkod"]) == {PITEA}
    assert areas["områdeskod"].str.fullmatch(r"2581-\d\d").all() and len(areas) == 12
    outline = shapely.make_valid(shapely.set_precision(municipality_outline(PITEA)[1], 1e-6))
    union = areas.geometry.union_all()
    assert abs(union.area - outline.area) / outline.area < 0.01  # the areas tile Piteå's outline
    pop = pd.read_csv(raw / "befolkning.csv", sep=";")
    assert pop.groupby("år")["antal"].sum().loc[2025] == PITEA_POP
    luleaish = re.compile("|".join(re.escape(k) for k in [*RENAME, "Luleå", "Lule", "lulea"]))
    for path in written:
        text = path.read_bytes().decode("utf-8", errors="replace") if path.suffix != ".xlsx" else ""
        if path.suffix == ".csv" and "\ufffd" in text:
            text = path.read_bytes().decode("cp1252")
        assert not luleaish.search(text), (path.name, luleaish.search(text).group(0))
    measures = pd.read_excel(raw / "atgarder.xlsx")
    assert not measures.astype(str).apply(lambda c: c.str.contains(luleaish)).any().any()
    assert not (raw / "open").exists()  # Luleå's public statistics are not another municipality's


@pytest.mark.slow
def test_other_municipality_store_plan_and_reports(pitea, tmp_path, demo_store):
    base, _ = pitea
    store = base / "store"
    assert store_mod.municipality(store) == {"code": PITEA, "name": "Piteå"}
    assert set(store_mod.area_names(store)) >= {"Centrum", "Campus", "Östermalm", "Nyby"}
    plan_doc = yaml.safe_load((paths().config / "run_plan.yaml").read_text(encoding="utf-8"))
    plan_doc["notebooks"] = str((paths().config / plan_doc["notebooks"]).resolve())
    plan_doc["pdf"] = False
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump(plan_doc, allow_unicode=True), encoding="utf-8")
    jobs = {j.name: j for j in load_plan(plan, store, 2025)}
    titles = {name: j.title for name, j in jobs.items()}
    assert "Tryggare Piteå" in titles.values() and not any("Luleå" in t for t in titles.values())
    # the residents' folder is named for the store's municipality, and Luleå's contact address stays Luleå's
    assert jobs["tryggare-pitea"].html == "tryggare-pitea/index.html"
    assert jobs["tryggare-tillganglighet"].html == "tryggare-pitea/tillganglighetsredogorelse.html"
    assert "contact" not in jobs["tryggare-tillganglighet"].parameters
    assert not any("lulea" in str(v).lower() for j in jobs.values() for v in j.parameters.values())
    lulea = {j.name: j for j in load_plan(plan, demo_store, 2025)}
    assert lulea["tryggare-lulea"].html == "tryggare-lulea/index.html"
    assert lulea["tryggare-tillganglighet"].parameters["contact"] == "kommunen@lulea.se"
    own = tmp_path / "own.yaml"
    own.write_text(yaml.safe_dump({**plan_doc, "municipalities": {PITEA: {"contact": "kommun@example.se"}}},
                                  allow_unicode=True), encoding="utf-8")
    assert {j.name: j for j in load_plan(own, store, 2025)}["tryggare-tillganglighet"].parameters["contact"] \
        == "kommun@example.se"
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(yaml.safe_dump({**plan_doc, "municipalities": {"Piteå": {"contact": "x@example.se"}}},
                                    allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParameterError, match="not a 4-digit municipality code"):
        load_plan(wrong, store, 2025)
    pinned = tmp_path / "pinned.yaml"
    pinned.write_text(yaml.safe_dump({**plan_doc, "municipality": "2580"}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParameterError, match="2580.*Piteå \\(2581\\)"):
        load_plan(pinned, store, 2025)
    result = run_reports(store=store, out=tmp_path / "out", only=["datakvalitet", "preventionsnivaer"], jobs=2,
                         plan=plan)
    assert result.failed == []
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    assert {j["name"] for j in manifest["jobs"]} == {"datakvalitet", "preventionsnivaer"}
    assert (result.index_path.parent / "preventionsnivaer.html").stat().st_size > 10_000


def test_municipality_demo_refuses_bad_input(tmp_path):
    with pytest.raises(ParameterError, match="four digits"):
        write_municipality_demo(tmp_path, "258", PITEA_POP)
    with pytest.raises(ParameterError, match="not among Sweden's 290"):
        write_municipality_demo(tmp_path, "2599", PITEA_POP)
    with pytest.raises(ParameterError, match="between 0.01 and 10"):
        write_municipality_demo(tmp_path, "0180", 990_000, scale=1.0)
    assert not any(tmp_path.iterdir())  # nothing written


def test_reports_name_the_stores_municipality(pitea, demo_store):
    assert municipality_name(pitea[0] / "store") == "Piteå" and municipality_name(demo_store) == "Luleå"
    assert [genitive(n) for n in ("Piteå", "Västerås", "Luleå", "Haparanda")] == [
        "Piteås", "Västerås", "Luleås", "Haparandas"]

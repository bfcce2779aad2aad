"""The hot-spot study area of populated land (issue 11, item 1): SCB's population grid and tätorter in
the ingest, the population per cell, populated land as the default study area of every report, the whole
municipality as an option, offences outside it counted, and the issue's uniform-town measurement."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from trygghet.analysis import hotspots as hs
from trygghet.analysis.hotspots import study_area as sa
from trygghet.data import store as tstore
from trygghet.data.errors import DataError, ParameterError
from trygghet.data.ingest import ingest
from trygghet.reports import wording

X0, Y0 = 800_000.0, 7_300_000.0


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


# ------------------------------------------------------------------------------------------ ingest


def test_ingest_reads_the_grid_and_tatorter_and_rejects_bad_rows(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "befolkning_rutor.csv").write_text(
        "Ruta;X_SWEREF99TM;Y_SWEREF99TM;Storlek;År;Befolkning\n"
        "A1;800000;7300000;1000;2024;160\n"
        ";801000;7300250;250;2024;7\n"
        "A3;800125;7300000;250;2024;3\n"  # a centre, not the south-west corner
        "A4;800000;7300000;300;2024;3\n"  # not a side SCB uses
        "A1;800000;7300000;1000;2024;5\n"  # twice
        "A6;800000;7300000;1000;20x4;5\n"
        "A7;800000;7300000;1000;2025;-2\n",
        encoding="utf-8",
    )
    gpd.GeoDataFrame({"tätortskod": ["T1", "T2"], "namn": ["Luleå", "Ingen"], "befolkning": [48000, 0],
                      "år": [2020, 2020]},
                     geometry=[shapely.box(21.9, 65.5, 22.3, 65.7), shapely.Point(22, 65.6)], crs=4326).to_file(
        raw / "tatorter.gpkg")
    report = ingest(raw, tmp_path / "store")
    grid = tstore.read_table(tmp_path / "store", "population_grid")
    assert grid["square"].tolist() == ["A1", "250mN7300250E801000"]  # SCB's id kept, else derived
    assert grid["population"].tolist() == [160, 7] and grid["size"].tolist() == [1000, 250]
    rejects = pd.read_csv(tmp_path / "store" / "rejects.csv", sep=";", dtype=str, keep_default_na=False)
    reasons = " | ".join(rejects["reason"])
    for expected in ("not on SCB's grid", "not a square side", "appear twice", "not a year", "whole number of people"):
        assert expected in reasons
    files = {f.file: f for f in report.files}
    assert files["befolkning_rutor.csv"].rows_read == 7 == files["befolkning_rutor.csv"].rows_accepted + 5
    built = tstore.read_table(tmp_path / "store", "built_up_areas")
    assert built["name"].tolist() == ["Luleå"] and built.crs.to_epsg() == 3006  # the point was rejected
    land = sa.populated_land(tmp_path / "store", buffer=0)
    assert land["source"].iloc[0] == "befolkning_rutor" and land["year"].iloc[0] == 2024
    assert land.geometry.iloc[0].area == pytest.approx(1000**2 + 250**2)  # the grid's latest year wins
    # without a grid, the built-up areas (widened by the buffer) are the populated land
    (raw / "befolkning_rutor.csv").unlink()
    ingest(raw, tmp_path / "store2")
    land = sa.populated_land(tmp_path / "store2", buffer=100)
    assert land["source"].iloc[0] == "tatorter" and land["year"].iloc[0] == 2020
    assert land.geometry.iloc[0].area == pytest.approx(shapely.buffer(built.geometry.iloc[0], 100, quad_segs=4).area)


# ------------------------------------------------------------------------------- population per cell


def _grid_for(cell_size: float, shape: str = "square"):
    pts = pd.DataFrame({"x": [X0 + 10, X0 + 1490], "y": [Y0 + 10, Y0 + 1490]})
    return _quiet(hs.analyse, pts, cell_size=cell_size, shape=shape, bandwidth=cell_size * 2)


SQUARES = pd.DataFrame({"x": [X0, X0 + 1000, X0], "y": [Y0, Y0 + 250, Y0], "size": [1000, 250, 1000],
                        "year": [2025, 2025, 2019], "population": [160, 7, 999]})


def test_population_per_cell_is_hand_computed():
    g250 = _grid_for(250)
    pop = sa.population_per_cell(SQUARES, g250, year=2025)
    by_id = dict(zip(g250["cell_id"], pop))
    # the 1 km square gives 160 / 16 = 10 to each of its 250 m cells; the 250 m square its 7 to its own cell
    assert by_id["250mN7300000E800000"] == pytest.approx(10.0)
    assert by_id["250mN7300750E800750"] == pytest.approx(10.0)
    assert by_id["250mN7300250E801000"] == pytest.approx(7.0)
    assert pop.sum() == pytest.approx(167.0) and pop.index.equals(g250.index)
    g500 = _grid_for(500)
    assert sorted(sa.population_per_cell(SQUARES, g500, year=2025)[lambda s: s > 0]) == pytest.approx([7, 40, 40, 40, 40])
    # the year: the latest up to the one asked; the earliest when all are later
    assert sa.population_per_cell(SQUARES, g250, year=2020).sum() == pytest.approx(999.0)
    assert sa.population_per_cell(SQUARES, g250, year=2000).sum() == pytest.approx(999.0)
    hexes = _grid_for(200, "hexagon")
    assert sa.population_per_cell(SQUARES, hexes, year=2025).sum() == pytest.approx(167.0)


def test_population_grid_errors_say_what_to_do(tmp_path):
    with pytest.raises(ParameterError, match="population"):
        sa.population_per_cell(SQUARES.drop(columns="population"), _grid_for(250))
    with pytest.raises(DataError, match="befolkning_rutor.csv"):
        sa.population_per_cell(SQUARES.iloc[0:0], _grid_for(250))
    with pytest.raises(ParameterError, match="buffer"):
        sa.populated_geometry(SQUARES, buffer=-5)
    assert not sa.has_population_grid(tmp_path)  # not a store at all


# ------------------------------------------------------------------------- the measurement


def test_uniform_town_is_no_hot_spot_on_populated_land_but_is_on_the_municipality():
    """6 000 offences uniformly at random inside a 6 × 6 km town: on populated land (the town) hardly a
    cell is flagged; on a 40 × 40 km municipality of forest around it, most of the town is "hot"."""
    rng = np.random.default_rng(11)
    town = pd.DataFrame({"x": rng.uniform(X0, X0 + 6000, 6000), "y": rng.uniform(Y0, Y0 + 6000, 6000)})
    squares = pd.DataFrame({"x": X0 + 1000.0 * (np.arange(36) % 6), "y": Y0 + 1000.0 * (np.arange(36) // 6),
                            "size": 1000, "population": 100})
    land = sa.populated_geometry(squares, buffer=0)
    municipality = shapely.box(X0 - 17_000, Y0 - 17_000, X0 + 23_000, Y0 + 23_000)
    on_land = _quiet(hs.analyse, town, cell_size=250, study_area=land, bandwidth=500)
    on_muni = _quiet(hs.analyse, town, cell_size=250, study_area=municipality, bandwidth=500)
    with_offences = on_muni[on_muni["n"] > 0]
    assert on_land["hotspot"].mean() <= 0.05
    assert with_offences["hotspot"].mean() >= 0.5
    assert on_land.attrs["study_km2"] == pytest.approx(36.0)


# ------------------------------------------------------------------------------- the demo store


@pytest.fixture(scope="module")
def results(demo_store):
    return {(g, kind): _quiet(hs.for_store, demo_store, 2025, g, cell_size=250, study_area=kind)
            for g in ("alla", "vald") for kind in ("populated", "municipality")}


def test_demo_reports_run_on_populated_land_by_default(demo_store, results):
    default = _quiet(hs.for_store, demo_store, 2025, "alla", cell_size=250)
    assert default.attrs["study_area"] == "populated" and default.attrs["study_area_source"] == "befolkning_rutor"
    assert default.attrs["study_area_buffer"] == sa.DEFAULT_BUFFER
    assert default["cell_id"].equals(results[("alla", "populated")]["cell_id"])
    # one A for every group (PAI), smaller than the municipality
    assert results[("alla", "populated")].attrs["study_km2"] == results[("vald", "populated")].attrs["study_km2"]
    assert results[("alla", "populated")].attrs["study_km2"] < 0.5 * results[("alla", "municipality")].attrs["study_km2"]
    assert results[("alla", "municipality")].attrs["study_area"] == "municipality"
    # every populated square's people are in the study area's cells
    people = sa.population_per_cell(demo_store, default)
    grid = tstore.read_table(demo_store, "population_grid")
    assert people.sum() == pytest.approx(grid.loc[grid["year"] == 2025, "population"].sum(), rel=1e-3)


def test_offences_outside_the_study_area_are_counted_and_said(results):
    for group in ("alla", "vald"):
        a = results[(group, "populated")].attrs
        parts = a["n_points"] + a["n_outside_study_area"] + a["n_without_place"] + a["n_outside_municipality"]
        assert parts == a["n_selected"]
        assert a["n_points"] == results[(group, "populated")]["n"].sum()
        m = results[(group, "municipality")].attrs
        assert a["n_points"] + a["n_outside_study_area"] == m["n_points"] + m["n_outside"]
    a = results[("alla", "populated")].attrs
    assert a["n_outside_study_area"] > 0
    sentence = wording.map_counts_sentence({**a, "n_outside_study_area": 40})
    assert "40 ligger utanför analysområdet" in sentence
    stated = wording.study_area_sentence(a)
    assert "bebodd mark" in stated and "befolkningsrutor 2025" in stated and "250 m runt dem" in stated


def test_last_years_result_on_this_years_grid_keeps_the_study_area(demo_store, results):
    cells = results[("alla", "populated")]
    previous = _quiet(hs.for_store, demo_store, 2024, "alla", grid=cells)
    assert previous["cell_id"].equals(cells["cell_id"])
    assert previous.attrs["study_area"] == "populated" and previous.attrs["study_km2"] == cells.attrs["study_km2"]
    with pytest.raises(ParameterError, match="study_area"):
        hs.for_store(demo_store, 2025, "alla", study_area="forest")


def test_demo_grid_matches_the_areas_populations(demo_store):
    grid = tstore.read_table(demo_store, "population_grid")
    people = tstore.read_table(demo_store, "population")
    totals = people[people["sex"] != "alla"].groupby("year")["population"].sum()
    assert grid.groupby("year")["population"].sum().to_dict() == totals.to_dict()  # every year, exactly
    assert set(grid["size"]) == {250, 1000}  # 250 m squares in town, 1 km in the rural areas
    # each area's people live in squares whose centre lies in the area (up to squares on a border)
    areas = tstore.read_table(demo_store, "areas")
    g25 = grid[grid["year"] == 2025]
    centres = gpd.GeoDataFrame(g25, geometry=gpd.points_from_xy(g25["x"] + g25["size"] / 2, g25["y"] + g25["size"] / 2),
                               crs=3006)
    joined = gpd.sjoin(centres, areas[["area", "geometry"]], predicate="within")
    by_area = joined.groupby("area")["population"].sum()
    expected = people[(people["year"] == 2025) & (people["sex"] != "alla")].groupby("area")["population"].sum()
    assert (by_area.reindex(expected.index).fillna(0) - expected).abs().max() <= 0.15 * expected.max()


@pytest.mark.parametrize("shape", ["square", "hexagon"])
def test_blockwise_mask_equals_testing_every_centre(shape):
    from trygghet.analysis.hotspots.grid import _blockwise_contains, _centres, _make_spec

    ring = shapely.Point(X0 + 5000, Y0 + 5000).buffer(4000).difference(shapely.Point(X0 + 5000, Y0 + 5000).buffer(1500))
    land = shapely.union_all([ring, shapely.box(X0 + 9000, Y0, X0 + 9400, Y0 + 300)])
    spec = _make_spec([X0 - 500, X0 + 10_500], [Y0 - 500, Y0 + 10_500], 100.0, shape, pad=100, max_cells=100_000)
    rows, cols = np.indices((spec.ny, spec.nx))
    cx, cy = _centres(spec, rows.ravel(), cols.ravel())
    expected = shapely.contains_xy(land, cx, cy).reshape(spec.ny, spec.nx)
    assert (_blockwise_contains(spec, land, block=16) == expected).all()
    assert (_blockwise_contains(spec, land, block=3) == expected).all()

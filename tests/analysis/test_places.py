"""The one place rule (trygghet.analysis.places): placed / outside the municipality / no place."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from trygghet.analysis.places import NO_PLACE, OUTSIDE, PLACE_STATUSES, PLACED, place_counts, place_status
from trygghet.data.errors import ParameterError

NAN = np.nan


def _offences() -> pd.DataFrame:
    # the store's columns as the ingest writes them: x/y NaN without a place, in_municipality from the join
    return pd.DataFrame({
        "year": [2024, 2024, 2024, 2025, 2025, 2025, 2025],
        "x": [827_500.0, 900_000.0, NAN, 827_600.0, NAN, 827_700.0, 827_800.0],
        "y": [7_293_000.0, 7_100_000.0, NAN, 7_293_100.0, 7_293_000.0, 7_293_200.0, 7_293_300.0],
        "has_place": [True, True, False, True, False, True, True],
        "in_municipality": [True, False, False, True, False, True, False],
    }, index=[10, 11, 12, 13, 14, 15, 16])


def test_place_status_by_coordinates_and_the_outline():
    status = place_status(_offences())
    assert status.name == "place_status"
    assert list(status.index) == [10, 11, 12, 13, 14, 15, 16]  # the caller's index is kept
    assert status.tolist() == [PLACED, OUTSIDE, NO_PLACE, PLACED, NO_PLACE, PLACED, OUTSIDE]
    assert set(status) <= set(PLACE_STATUSES)


def test_a_single_coordinate_is_no_place():
    frame = _offences()
    frame.loc[14, "x"] = NAN  # y given, x missing: not usable
    frame.loc[15, "has_place"] = False  # the ingest says the pair is not usable
    assert place_status(frame).loc[[14, 15]].tolist() == [NO_PLACE, NO_PLACE]


def test_without_in_municipality_the_outline_decides():
    frame = _offences().drop(columns=["in_municipality", "has_place"])
    outline = gpd.GeoDataFrame({"name": ["Luleå"]}, geometry=[box(820_000, 7_280_000, 840_000, 7_300_000)],
                               crs="EPSG:3006")
    assert place_status(frame, outline).tolist() == [PLACED, OUTSIDE, NO_PLACE, PLACED, NO_PLACE, PLACED, PLACED]
    # without an outline every point with coordinates counts as inside (the municipality's own records)
    assert place_status(frame).tolist() == [PLACED, PLACED, NO_PLACE, PLACED, NO_PLACE, PLACED, PLACED]


def test_place_counts_per_year_add_up():
    counts = place_counts(_offences(), by="year").set_index("year")
    assert counts.loc[2024, ["n", PLACED, OUTSIDE, NO_PLACE, "not_placed"]].tolist() == [3, 1, 1, 1, 2]
    assert counts.loc[2025, ["n", PLACED, OUTSIDE, NO_PLACE, "not_placed"]].tolist() == [4, 2, 1, 1, 2]
    assert counts.loc[2025, "share_placed"] == pytest.approx(2 / 4)
    whole = place_counts(_offences())
    assert whole[["n", PLACED, OUTSIDE, NO_PLACE, "not_placed"]].iloc[0].tolist() == [7, 3, 2, 2, 4]


def test_place_counts_of_an_empty_table_and_errors():
    empty = _offences().iloc[:0]
    assert place_counts(empty, by="year").empty
    row = place_counts(empty).iloc[0]
    assert row["n"] == 0 and np.isnan(row["share_placed"])
    with pytest.raises(ParameterError, match="no column area"):
        place_counts(_offences(), by="area")
    with pytest.raises(ParameterError, match="no column x"):
        place_status(pd.DataFrame({"y": [1.0]}))


def test_place_status_on_an_ingested_store_matches_the_ingest(tmp_path):
    from pathlib import Path

    from trygghet.data.ingest import ingest

    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "raw"
    ingest(fixtures, tmp_path / "store")
    offences = pd.read_parquet(tmp_path / "store" / "offences.parquet")
    status = place_status(offences)
    # independent: the ingest's own columns say the same
    expected_placed = offences["x"].notna() & offences["in_municipality"]
    assert ((status == PLACED) == expected_placed).all()
    assert ((status == NO_PLACE) == offences["x"].isna()).all()
    assert (offences.loc[status != PLACED, "area"].isna()).all()

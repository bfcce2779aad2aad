"""One rule: *a situational measure covers a hot-spot cell*.

A measure of the activity plan covers a cell of a year's hot-spot grid when all of these hold
(:func:`covers_cells` applies it; :func:`active_in_year` is its status-and-dates half):

1. it is **situational** (``level == "situationell"``) and has a place (``x``/``y`` in SWEREF 99 TM);
2. it was **active in the report year**: status ``"pågående"`` or ``"genomförd"``
   (:data:`trygghet.data.vocabulary.ACTIVE_STATUSES`) **and** its dates overlap the year — it started
   on or before 31 December (a missing start counts as started) and it had not ended before 1 January
   (a missing end counts as not ended). A planned (``"planerad"``) or cancelled (``"avbruten"``)
   measure never covers a cell; a completed one only in a year it was carried out;
3. it lies **within** ``distance`` metres (default :data:`DEFAULT_DISTANCE`, 300 m) of the cell's
   polygon (0 m inside the cell).

Every report, map and e-mail that says whether a hot spot has a measure calls this module with the
same cells (same year, offence group, cell size and study area): the activity plan's "Luckor", the
hot-spot report's table per area and its map all agree by construction. :func:`for_store` gives the
coverage of the store's hot spots with the reports' defaults.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from trygghet.analysis import hotspots
from trygghet.data import store as tstore
from trygghet.data.config import CRS_SWEREF
from trygghet.data.errors import DataError, ParameterError
from trygghet.data.vocabulary import ACTIVE_STATUSES

__all__ = [
    "DEFAULT_DISTANCE",
    "DEFAULT_CELL_SIZE",
    "DEFAULT_GROUP",
    "OUTSIDE_AREAS",
    "active_in_year",
    "covering_measures",
    "covers_cells",
    "for_store",
    "uncovered_by_area",
]

#: metres within which a situational measure covers a cell
DEFAULT_DISTANCE = 300.0
#: the hot-spot grid of the reports that speak of coverage (metres)
DEFAULT_CELL_SIZE = 250.0
#: the offence group of those reports' hot spots
DEFAULT_GROUP = "alla"
#: the ``area`` key of cells that lie in none of the store's areas
OUTSIDE_AREAS = "outside_areas"
_LEVEL = "situationell"


def active_in_year(measures: pd.DataFrame, year: int) -> pd.Series:
    """Whether each measure was active in ``year``: status in
    :data:`~trygghet.data.vocabulary.ACTIVE_STATUSES` (``pågående``, ``genomförd``) and dates that
    overlap the year (``start`` ≤ 31 December, missing = started; ``end`` ≥ 1 January, missing = not
    ended). A boolean Series aligned with ``measures``."""
    _need(measures, ["status", "start", "end"])
    year = _year(year)
    start = pd.to_datetime(measures["start"])
    end = pd.to_datetime(measures["end"])
    started = start.isna() | (start <= pd.Timestamp(year, 12, 31, 23, 59, 59))
    not_ended = end.isna() | (end >= pd.Timestamp(year, 1, 1))
    status = measures["status"].isin(list(ACTIVE_STATUSES)).fillna(False).astype(bool)
    return (status & started & not_ended).astype(bool)


def covering_measures(measures: pd.DataFrame | None, year: int) -> pd.DataFrame:
    """The measures that can cover a cell in ``year``: situational, with a place, active in the year
    (:func:`active_in_year`). Rows of ``measures`` (the store's ``measures`` table), index reset."""
    if measures is None or len(measures) == 0:
        return pd.DataFrame({"measure_id": pd.Series(dtype="string"), "level": [], "status": [], "start": [],
                             "end": [], "x": [], "y": []})
    _need(measures, ["measure_id", "level", "x", "y"])
    keep = (measures["level"] == _LEVEL).fillna(False).astype(bool)
    keep &= measures["x"].notna() & measures["y"].notna()
    keep &= active_in_year(measures, year)
    return measures[keep.to_numpy(dtype=bool)].reset_index(drop=True)


def covers_cells(
    cells: gpd.GeoDataFrame,
    measures: pd.DataFrame | None,
    year: int,
    *,
    distance: float = DEFAULT_DISTANCE,
    flag: str = "hotspot",
    safety_walks: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The rule applied: which cells flagged in ``cells`` (default: the significant hot spots of an
    :func:`~trygghet.analysis.hotspots.analyse` result) a situational measure covers in ``year``.

    ``measures`` is the store's whole ``measures`` table; the rule (module docstring) picks the
    covering ones. With ``safety_walks`` (the store's table), the findings within ``distance`` of each
    cell are counted too. Returns one row per flagged cell, strongest Gi* first: ``cell_id``,
    ``area``, ``n``, ``gistar``, ``gi_bin``, ``hotspot_rank``, ``measures`` (covering measures),
    ``measure_ids`` (comma-separated), ``nearest_measure_m`` (to the nearest covering-eligible
    measure, NaN without any), ``covered`` (bool), ``findings``, ``findings_fixed``,
    ``findings_not_fixed``. ``attrs``: ``year``, ``distance``, ``flag`` and the cells' ``category_group``,
    ``cell_size``, ``study_km2``.
    """
    distance = _distance(distance)
    if not isinstance(cells, gpd.GeoDataFrame) or flag not in cells.columns:
        raise ParameterError(f"cells must be a hotspots.analyse() result with a column '{flag}'")
    hot = cells[cells[flag].fillna(False).to_numpy(dtype=bool)]
    hot = hot.sort_values(["gistar", "cell_id"], ascending=[False, True]).reset_index(drop=True)
    geoms = hot.geometry.to_crs(CRS_SWEREF).to_numpy() if hot.crs is not None else hot.geometry.to_numpy()
    columns = [c for c in ("cell_id", "area", "n", "gistar", "gi_bin", "hotspot_rank") if c in hot.columns]
    out = pd.DataFrame(hot[columns]).copy()
    eligible = covering_measures(measures, year)
    d_measure = _distances(geoms, eligible)
    within = d_measure <= distance
    ids = eligible["measure_id"].astype(str).to_numpy()
    out["measures"] = within.sum(axis=1).astype(np.int64)
    out["measure_ids"] = [", ".join(ids[row]) for row in within] if len(out) else pd.Series(dtype=object)
    out["nearest_measure_m"] = d_measure.min(axis=1) if d_measure.shape[1] else np.full(len(out), np.nan)
    out["covered"] = out["measures"] > 0
    walks = _placed(safety_walks, "safety_walks")
    near = _distances(geoms, walks) <= distance
    fixed = walks["fixed"].fillna(False).to_numpy(dtype=bool) if len(walks) else np.zeros(0, dtype=bool)
    out["findings"] = near.sum(axis=1).astype(np.int64)
    out["findings_fixed"] = (near & fixed).sum(axis=1).astype(np.int64)
    out["findings_not_fixed"] = (near & ~fixed).sum(axis=1).astype(np.int64)
    out.attrs.update({k: cells.attrs[k] for k in ("category_group", "cell_size", "study_km2", "study_area",
                                                   "study_area_name") if k in cells.attrs})
    out.attrs.update(year=_year(year), distance=distance, flag=flag)
    return out


def for_store(
    store,
    year: int,
    category_group: str = DEFAULT_GROUP,
    *,
    cell_size: float = DEFAULT_CELL_SIZE,
    distance: float = DEFAULT_DISTANCE,
    cells: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """:func:`covers_cells` for the store's hot spots of ``year`` and ``category_group`` on a
    ``cell_size`` grid of the store's study area (:func:`trygghet.analysis.hotspots.for_store`), with the
    store's measures and safety walks. Pass ``cells`` (a ``hotspots.for_store`` result) to reuse a grid
    already computed; it must be of the same year, group and cell size."""
    if cells is None:
        cells = hotspots.for_store(store, year, category_group, cell_size=cell_size)
    else:
        _check_same(cells, year, category_group, cell_size)
    return covers_cells(cells, tstore.read_table(store, "measures"), year, distance=distance,
                        safety_walks=tstore.read_table(store, "safety_walks"))


def uncovered_by_area(coverage: pd.DataFrame) -> pd.DataFrame:
    """Per area, the flagged cells and those no measure covers (:func:`covers_cells`' result).

    Columns: ``area`` (:data:`OUTSIDE_AREAS` for cells outside every area), ``cells``, ``uncovered``,
    ``farthest_nearest_m`` (the largest distance from an uncovered cell to its nearest active
    situational measure), sorted by ``uncovered`` then ``cells`` (descending) then ``area``. Every area
    with a flagged cell has a row (``uncovered`` may be 0)."""
    columns = ["area", "cells", "uncovered", "farthest_nearest_m"]
    if coverage.empty:
        return pd.DataFrame({c: pd.Series(dtype="object" if c == "area" else "int64") for c in columns})
    frame = coverage.assign(area=coverage["area"].astype("object").where(coverage["area"].notna(), OUTSIDE_AREAS))
    grouped = frame.groupby("area")
    out = pd.DataFrame({"cells": grouped.size(), "uncovered": grouped["covered"].apply(lambda s: int((~s).sum()))})
    far = frame[~frame["covered"]].groupby("area")["nearest_measure_m"].max()
    out["farthest_nearest_m"] = far.reindex(out.index)
    out = out.reset_index().sort_values(["uncovered", "cells", "area"], ascending=[False, False, True])
    return out.astype({"cells": "int64", "uncovered": "int64"}).reset_index(drop=True)[columns]


# --- helpers -------------------------------------------------------------------------------------------


def _need(frame: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError("measures", f"the columns {', '.join(missing)} are missing", "pass the store's measures table")


def _year(year) -> int:
    if isinstance(year, bool) or not isinstance(year, (int, np.integer)):
        raise ParameterError(f"year must be a whole number such as 2025, got {year!r}")
    return int(year)


def _distance(distance) -> float:
    try:
        value = float(distance)
    except (TypeError, ValueError):
        raise ParameterError(f"distance={distance!r} must be a number of metres (e.g. 300)") from None
    if not (value >= 0 and np.isfinite(value)):
        raise ParameterError(f"distance={distance!r} must be zero or a positive number of metres")
    return value


def _placed(frame: pd.DataFrame | None, name: str) -> pd.DataFrame:
    if frame is None or len(frame) == 0:
        return pd.DataFrame({"x": [], "y": [], "fixed": []})
    if not {"x", "y"} <= set(frame.columns):
        raise DataError(name, "the columns x and y (SWEREF 99 TM) are missing", f"pass the store's {name} table")
    return frame[frame["x"].notna() & frame["y"].notna()].reset_index(drop=True)


def _distances(geoms: np.ndarray, points: pd.DataFrame) -> np.ndarray:
    if len(points) == 0 or len(geoms) == 0:
        return np.zeros((len(geoms), len(points)))
    pts = shapely.points(points["x"].to_numpy(dtype=float), points["y"].to_numpy(dtype=float))
    return shapely.distance(geoms[:, None], pts[None, :])


def _check_same(cells: gpd.GeoDataFrame, year: int, group: str, cell_size: float) -> None:
    a = cells.attrs
    if a.get("year") != int(year) or a.get("category_group") != group or float(a.get("cell_size", -1)) != float(cell_size):
        raise ParameterError(
            f"cells are of year {a.get('year')}, group {a.get('category_group')!r}, cell size {a.get('cell_size')}; "
            f"coverage was asked for {year}, {group!r}, {cell_size}: pass cells of the same year, group and cell size"
        )

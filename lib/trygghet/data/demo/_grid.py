"""The demo's population grid (``befolkning_rutor.csv``) in SCB's open format, consistent with the areas'
populations: people live around each area's centre with the same spread the offences scatter with
(:data:`~trygghet.data.demo._geo.AREA_SPREAD_M`), lumpy from block to block, and nobody lives in the
forest, bog or sea beyond.

Squares of 250 m where the 1 km square's centre lies in a town area, 1 km squares in the rural areas
(SCB publishes 1 km squares everywhere and 250 m squares in built-up areas); the south-west corner in
SWEREF 99 TM on SCB's lattice. Each year's squares sum exactly to the year's population of
:func:`~trygghet.data.demo._population.population`, area by area.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from trygghet.data.demo._geo import AREA_SPREAD_M, RURAL, Geography

__all__ = ["K_GRID", "GRID_FILE", "population_grid"]

#: this part's own random stream: ``np.random.default_rng([seed, K_GRID])`` (docs/demo.md)
K_GRID = 11
GRID_FILE = "befolkning_rutor.csv"
_FINE = 250.0  # the side of the squares in town
_COARSE = 1000.0  # the side of the squares in the rural areas
_CUT = 2.6  # nobody lives more than this many spreads from an area's centre (the forest begins)


def population_grid(rng: np.random.Generator, geo: Geography, pop: pd.DataFrame) -> pd.DataFrame:
    """Rows ``ruta, x_sweref99tm, y_sweref99tm, storlek, år, befolkning`` (text cells), populated squares
    only, for every year of ``pop`` (the demo's ``befolkning.csv`` frame)."""
    xmin, ymin, xmax, ymax = shapely.bounds(geo.outline)
    cols = np.arange(np.floor(xmin / _COARSE) * _COARSE, xmax, _FINE)
    rows = np.arange(np.floor(ymin / _COARSE) * _COARSE, ymax, _FINE)
    gx, gy = np.meshgrid(cols, rows)
    cx, cy = gx.ravel() + _FINE / 2, gy.ravel() + _FINE / 2
    lumps = rng.gamma(2.0, 0.5, cx.size)  # blocks of flats and open spaces: fixed over the years
    area_of = np.full(cx.size, -1)
    weight = np.zeros(cx.size)
    for i, row in enumerate(geo.areas.itertuples()):
        sd = AREA_SPREAD_M[row.area]
        d2 = ((cx - row.x) ** 2 + (cy - row.y) ** 2) / sd**2
        near = np.flatnonzero(d2 < _CUT**2)
        inside = near[shapely.contains_xy(row.geometry, cx[near], cy[near])]
        area_of[inside] = i
        weight[inside] = np.exp(-d2[inside] / 2.0) * lumps[inside]
    # the 1 km square each fine square lies in, and whether that square's centre is rural
    kx = np.floor(gx.ravel() / _COARSE) * _COARSE
    ky = np.floor(gy.ravel() / _COARSE) * _COARSE
    rural_ids = [i for i, a in enumerate(geo.areas["area"]) if a in RURAL]
    coarse_rural = _coarse_is_rural(geo, kx, ky, rural_ids)
    out = []
    for year in sorted(pop["år"].unique()):
        totals = pop.loc[pop["år"] == year].groupby("område")["antal"].sum()
        expected = np.zeros(cx.size)
        for i, area in enumerate(geo.areas["area"]):
            mine = area_of == i
            if mine.any() and weight[mine].sum() > 0:
                expected[mine] = totals.get(area, 0) * weight[mine] / weight[mine].sum()
        squares = pd.DataFrame({
            "x": np.where(coarse_rural, kx, gx.ravel()),
            "y": np.where(coarse_rural, ky, gy.ravel()),
            "size": np.where(coarse_rural, _COARSE, _FINE),
            "expected": expected,
        })
        squares = squares.groupby(["y", "x", "size"], as_index=False, sort=True)["expected"].sum()
        squares["people"] = _round_to_total(squares["expected"].to_numpy(), int(totals.sum()))
        squares = squares[squares["people"] > 0]
        out.append(pd.DataFrame({
            "ruta": [f"{int(s)}mN{int(y)}E{int(x)}" for x, y, s in zip(squares["x"], squares["y"], squares["size"])],
            "x_sweref99tm": squares["x"].astype(np.int64).astype(str).to_numpy(),
            "y_sweref99tm": squares["y"].astype(np.int64).astype(str).to_numpy(),
            "storlek": squares["size"].astype(np.int64).astype(str).to_numpy(),
            "år": str(int(year)),
            "befolkning": squares["people"].astype(str).to_numpy(),
        }))
    return pd.concat(out, ignore_index=True)


def _coarse_is_rural(geo: Geography, kx: np.ndarray, ky: np.ndarray, rural_ids: list[int]) -> np.ndarray:
    """Whether the centre of each fine square's 1 km square lies in a rural area."""
    centres_x, centres_y = kx + _COARSE / 2, ky + _COARSE / 2
    rural = np.zeros(kx.size, dtype=bool)
    for i in rural_ids:
        poly = geo.areas["geometry"].iloc[i]
        shapely.prepare(poly)
        rural |= shapely.contains_xy(poly, centres_x, centres_y)
    return rural


def _round_to_total(expected: np.ndarray, total: int) -> np.ndarray:
    """Whole people per square summing to ``total`` (largest remainder, ties by position)."""
    if expected.sum() <= 0:
        return np.zeros(expected.size, dtype=np.int64)
    scaled = expected * (total / expected.sum())
    floor = np.floor(scaled).astype(np.int64)
    order = np.argsort(-(scaled - floor), kind="stable")
    floor[order[: int(total - floor.sum())]] += 1
    return floor

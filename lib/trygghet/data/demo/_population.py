"""Population by year, area, sex and age band, summing exactly to Luleå's yearly totals."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["YEARS", "TOTALS", "AGE_BANDS", "SEXES", "population", "largest_remainder"]

YEARS = tuple(range(2019, 2026))
#: Luleå's population: SCB for 2019–2023 (domain brief); 2021 interpolated, 2024–2025 *demo* projections
TOTALS = {2019: 78105, 2020: 78549, 2021: 78900, 2022: 79244, 2023: 79409, 2024: 79600, 2025: 79800}
AGE_BANDS = ("0-9", "10-14", "15-17", "18-20", "21-24", "25-44", "45-64", "65-84", "85+")
SEXES = ("kvinna", "man")

# an age profile for a Swedish town (shares of the bands above), and how each area departs from it
_BASE_AGE = np.array([0.110, 0.057, 0.034, 0.036, 0.055, 0.262, 0.240, 0.182, 0.024])
_AGE_TILT = {
    "Centrum": [0.6, 0.5, 0.6, 1.4, 1.9, 1.4, 0.8, 0.9, 1.8],
    "Örnäset": [1.0, 0.9, 0.9, 1.0, 1.1, 1.0, 1.0, 1.1, 1.3],
    "Notviken": [1.1, 1.1, 1.1, 1.0, 1.1, 1.0, 1.0, 0.9, 0.9],
    "Porsön": [0.5, 0.4, 0.5, 3.6, 4.6, 1.2, 0.5, 0.4, 0.3],
    "Björkskatan": [1.1, 1.0, 1.0, 1.1, 1.2, 1.1, 0.9, 0.9, 0.8],
    "Hertsön": [1.3, 1.2, 1.2, 1.1, 1.1, 1.1, 0.9, 0.8, 0.7],
    "Bergnäset": [1.2, 1.2, 1.2, 0.8, 0.7, 0.9, 1.1, 1.0, 0.8],
    "Gammelstad": [1.1, 1.1, 1.1, 0.8, 0.7, 0.9, 1.1, 1.1, 0.9],
    "Sunderbyn": [1.3, 1.3, 1.2, 0.8, 0.6, 1.0, 1.1, 0.9, 0.6],
    "Råneå": [0.9, 1.0, 1.0, 0.7, 0.6, 0.8, 1.2, 1.3, 1.2],
    "Norrbyarna": [1.0, 1.1, 1.1, 0.7, 0.6, 0.9, 1.3, 1.1, 0.7],
    "Sörbyarna": [1.0, 1.1, 1.1, 0.7, 0.6, 0.9, 1.3, 1.1, 0.7],
}
#: share of men per band (students at the technical university make Porsön's young adults mostly men)
_MEN = np.array([0.513, 0.513, 0.515, 0.53, 0.54, 0.52, 0.51, 0.48, 0.36])
#: yearly drift of an area's population share (Porsön and Centrum grow, the rural areas shrink)
_DRIFT = {"Porsön": 0.012, "Centrum": 0.008, "Björkskatan": 0.004, "Råneå": -0.010, "Norrbyarna": -0.006,
          "Sörbyarna": -0.004}


def population(areas: pd.DataFrame) -> pd.DataFrame:
    """Rows ``år, område, kön, åldersgrupp, antal`` (int) for every year, area, sex and band.

    Shares from the reference file are normalised; each year's cells are rounded by largest remainder
    so that the year sums exactly to :data:`TOTALS`.
    """
    names = areas["area"].tolist()
    totals = areas.attrs.get("population_totals", TOTALS)  # another municipality's (see _geo.load_geography)
    shares = areas["share"].to_numpy(dtype=float)
    rows = []
    for year in YEARS:
        drift = np.array([1.0 + _DRIFT.get(n, 0.0) * (year - 2019) for n in names])
        s = shares * drift
        s = s / s.sum()
        expected = []
        keys = []
        for ai, name in enumerate(names):
            age = _BASE_AGE * np.array(_AGE_TILT.get(name, [1.0] * len(AGE_BANDS)))
            age = age / age.sum()
            men = _MEN * (1.06 if name == "Porsön" else 1.0)
            for bi, band in enumerate(AGE_BANDS):
                for sex, frac in (("kvinna", 1.0 - men[bi]), ("man", men[bi])):
                    expected.append(totals[year] * s[ai] * age[bi] * frac)
                    keys.append((year, name, sex, band))
        counts = largest_remainder(np.array(expected), totals[year])
        rows.extend((*k, int(c)) for k, c in zip(keys, counts))
    return pd.DataFrame(rows, columns=["år", "område", "kön", "åldersgrupp", "antal"])


def largest_remainder(expected: np.ndarray, total: int) -> np.ndarray:
    """Integers close to ``expected`` that sum exactly to ``total`` (Hamilton's method, ties by position)."""
    scaled = expected * (total / expected.sum())
    floor = np.floor(scaled).astype(np.int64)
    short = int(total - floor.sum())
    order = np.argsort(-(scaled - floor), kind="stable")
    floor[order[:short]] += 1
    return floor

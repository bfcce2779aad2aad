"""EST observations (``est_rapporter.csv``): three years of weekly reports from the municipality's and the
housing companies' staff, since Luleå introduced EST in 2023.

Synthetic. Each reporting party walks its rounds on weekdays and ticks the checklist; the number of
observations follows the area's size and character, the type's season (littering after the snow melts,
gatherings of youths in the light summer evenings, fires around Valborg and New Year) and a slow growth
of reporting as more staff take part. Two *demo* signals start late in 2025 so the weekly digest has
something to say: a wave of graffiti at Hertsön (six times the usual from week 45) and gatherings of
youths in Centrum (five times the usual from week 48).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trygghet.data.demo._geo import Geography

__all__ = ["EST_YEARS", "generate_est", "K_EST"]

#: the demo generator's own stream: ``np.random.default_rng([seed, K_EST])``
K_EST = 14
EST_YEARS = (2023, 2024, 2025)
#: observations per week in the whole municipality in 2023 (reporting grows 8 % a year)
_PER_WEEK = 40.0
_GROWTH = 1.08
#: relative weight of each area (size, housing companies' stock, character)
_AREAS = {
    "Centrum": 3.0, "Hertsön": 2.4, "Porsön": 2.0, "Björkskatan": 1.9, "Örnäset": 1.0, "Notviken": 1.1,
    "Bergnäset": 0.8, "Gammelstad": 0.6, "Sunderbyn": 0.6, "Råneå": 0.4, "Norrbyarna": 0.2, "Sörbyarna": 0.2,
}
# type: share, monthly profile (Jan..Dec)
_TYPES = {
    "skadegörelse": (0.20, [0.8, 0.8, 0.9, 1.0, 1.1, 1.1, 1.0, 1.1, 1.2, 1.1, 1.0, 0.9]),
    "klotter": (0.18, [0.6, 0.6, 0.8, 1.0, 1.2, 1.3, 1.1, 1.3, 1.3, 1.1, 0.9, 0.7]),
    "nedskräpning": (0.22, [0.5, 0.5, 0.7, 1.4, 1.6, 1.4, 1.2, 1.2, 1.1, 0.9, 0.7, 0.6]),
    "otrygg plats": (0.12, [1.4, 1.2, 1.0, 0.8, 0.7, 0.6, 0.6, 0.8, 1.0, 1.2, 1.4, 1.5]),
    "samling av ungdomar": (0.12, [0.6, 0.6, 0.8, 1.0, 1.3, 1.6, 1.5, 1.4, 1.0, 0.9, 0.7, 0.8]),
    "hot mot personal": (0.04, [1.0] * 12),
    "brand": (0.04, [1.6, 0.8, 0.8, 1.6, 1.0, 0.9, 0.8, 0.8, 0.8, 0.9, 1.0, 1.8]),
    "övrigt": (0.08, [1.0] * 12),
}
#: reporting party: share, the types it reports most (weight x3)
_ORGS = {
    "fastighetsbolag": (0.38, ("nedskräpning", "skadegörelse", "klotter")),
    "fritid": (0.18, ("samling av ungdomar", "hot mot personal")),
    "skola": (0.16, ("skadegörelse", "klotter", "brand")),
    "kommun": (0.18, ("nedskräpning", "otrygg plats")),
    "polis": (0.10, ("samling av ungdomar", "otrygg plats")),
}
#: the demo signals: (area, type, first ISO week of 2025, factor)
SIGNALS = (("Hertsön", "klotter", 45, 6.0), ("Centrum", "samling av ungdomar", 48, 5.0))
_DAY_WEIGHTS = np.array([1.2, 1.1, 1.1, 1.0, 1.0, 0.25, 0.15])  # Monday .. Sunday


def generate_est(rng: np.random.Generator, geo: Geography) -> pd.DataFrame:
    """Rows ``rapport_id, datum, område, ruta, typ, organisation, antal`` as text."""
    areas = [a for a in _AREAS if a in set(geo.areas["area"])]
    aw = np.array([_AREAS[a] for a in areas])
    aw = aw / aw.sum()
    types = list(_TYPES)
    tshare = np.array([_TYPES[t][0] for t in types])
    season = np.array([_TYPES[t][1] for t in types])  # type x month
    orgs = list(_ORGS)
    oshare = np.array([_ORGS[o][0] for o in orgs])
    o_by_type = np.array([[oshare[j] * (3.0 if t in _ORGS[o][1] else 1.0) for j, o in enumerate(orgs)] for t in types])
    o_by_type = o_by_type / o_by_type.sum(axis=1, keepdims=True)
    squares = {a: _squares(rng, geo, a) for a in areas}

    days = pd.date_range(f"{EST_YEARS[0]}-01-01", f"{EST_YEARS[-1]}-12-31", freq="D")
    iso = days.isocalendar()
    years_in = (days.year - EST_YEARS[0]).to_numpy()
    day_scale = _PER_WEEK / 7.0 * _GROWTH ** years_in * _DAY_WEIGHTS[days.day_of_week] / _DAY_WEIGHTS.mean()
    # expected observations: day x area x type
    mean = (day_scale[:, None, None] * aw[None, :, None] * tshare[None, None, :]
            * season[:, days.month - 1].T[:, None, :])
    for area, kind, week, factor in SIGNALS:
        if area in areas:
            hit = ((iso["year"] == 2025) & (iso["week"] >= week)).to_numpy() & (days.year == 2025)
            mean[hit, areas.index(area), types.index(kind)] *= factor
    counts = rng.poisson(mean)
    d_idx, a_idx, t_idx = np.nonzero(counts)
    reps = counts[d_idx, a_idx, t_idx]
    d_idx, a_idx, t_idx = (np.repeat(v, reps) for v in (d_idx, a_idx, t_idx))
    n = d_idx.size
    org = np.array([rng.choice(len(orgs), p=o_by_type[t]) for t in t_idx])
    place = np.array([squares[areas[a]][rng.integers(len(squares[areas[a]]))] for a in a_idx], dtype=object)
    # a housing company names its property, the others the grid square
    prop = np.array([f"{areas[a]} {1 + int(rng.integers(12))}:{1 + int(rng.integers(30))}" for a in a_idx], dtype=object)
    place = np.where(np.array(orgs)[org] == "fastighetsbolag", prop, place)
    amount = 1 + rng.binomial(2, 0.08, n)
    frame = pd.DataFrame({
        "datum": days[d_idx].strftime("%Y-%m-%d"),
        "område": [areas[a] for a in a_idx],
        "ruta": place,
        "typ": [types[t] for t in t_idx],
        "organisation": np.array(orgs)[org],
        "antal": amount.astype(str),
    })
    frame = frame.sort_values(["datum", "område", "typ"], kind="stable").reset_index(drop=True)
    year = frame["datum"].str[:4]
    seq = frame.groupby(year).cumcount() + 1
    frame.insert(0, "rapport_id", [f"EST-{y}-{i:05d}" for y, i in zip(year, seq)])
    frame.loc[frame["antal"] == "1", "antal"] = ""  # antal defaults to 1: most rows leave it empty
    return frame


def _squares(rng: np.random.Generator, geo: Geography, area: str) -> list[str]:
    """A handful of 250 m grid squares of the area (SCB-style id: south-west corner, easting then northing)."""
    x, y = geo.sample_in_area(rng, area, 8)
    return sorted({f"250m_E{int(xi // 250 * 250)}N{int(yi // 250 * 250)}" for xi, yi in zip(x, y)})

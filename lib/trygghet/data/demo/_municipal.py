"""The municipality's own extracts: incident reports on its properties and the police's young suspects."""

from __future__ import annotations

import numpy as np
import pandas as pd

from trygghet.data.demo._geo import Geography
from trygghet.data.demo._population import YEARS

__all__ = ["generate_incidents", "generate_young_suspects"]

#: where incidents gather, with a relative weight and a yearly trend (a problem growing at Hertsöskolan
#: after 2022, one shrinking at Björkskataskolan after cameras came up in 2021)
_PROPERTIES = {
    "Hertsöskolan": (3.0, 1.12), "Fritidsgården Hertsön": (2.5, 1.05), "Björkskataskolan": (2.2, 0.8),
    "Fritidsgården Björkskatan": (1.8, 1.0), "Porsöskolan": (1.5, 1.0), "Centrumskolan": (1.2, 1.0),
    "Stadsparken": (1.5, 1.0), "Kulturens hus": (1.0, 1.0), "Notviksskolan": (1.0, 1.0), "Örnässkolan": (0.8, 1.0),
    "Tunaskolan": (0.8, 1.0), "Arcushallen": (0.8, 1.0), "Bergnässkolan": (0.6, 1.0), "Sunderby skola": (0.5, 1.0),
    "Råneå skola": (0.5, 1.0), "Persöskolan": (0.3, 1.0), "Ersnässkolan": (0.3, 1.0),
}
#: the year a property's trend starts (Björkskataskolan: cameras from 2021, measure S08)
_TREND_FROM = {"Hertsöskolan": 2022, "Björkskataskolan": 2021}
# type: share, median cost (kr), spread of log cost, share without cost, hours profile
_TYPES = {
    "skadegörelse": (0.34, 9000, 0.9, 0.05, "night"),
    "klotter": (0.30, 3500, 0.7, 0.03, "night"),
    "brand": (0.07, 40000, 1.3, 0.10, "night"),
    "hot/våld mot personal": (0.07, 0, 0.0, 1.0, "day"),
    "inbrott i kommunal lokal": (0.08, 18000, 0.8, 0.05, "night"),
    "övrigt": (0.14, 2500, 0.8, 0.3, "day"),
}
_HOURS = {
    "night": [6, 5, 4, 3, 2, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 4, 5, 6, 7, 8, 9, 8, 7],
    "day": [0, 0, 0, 0, 0, 0, 1, 3, 6, 8, 9, 9, 9, 9, 9, 8, 6, 4, 3, 2, 1, 1, 0, 0],
}
_MONTHS = [0.7, 0.7, 0.8, 0.9, 1.2, 1.2, 0.9, 1.2, 1.3, 1.2, 1.0, 0.8]
PER_YEAR = 300

# young suspects: persons per 1 000 of the age group (boys, girls), share previously suspected, mean offences
_SUSPECTS = {
    "<15": ("10-14", 13.0, 4.5, 0.15, 1.8, 1.06),
    "15-17": ("15-17", 40.0, 13.0, 0.38, 2.6, 1.0),
    "18-20": ("18-20", 38.0, 10.0, 0.52, 2.9, 0.99),
    "21-24": ("21-24", 25.0, 6.0, 0.58, 3.1, 0.98),
}


def generate_incidents(rng: np.random.Generator, geo: Geography) -> pd.DataFrame:
    """Rows ``händelse_id, datum, tid, typ, område, x, y, kostnad_kr`` (numbers, not yet formatted)."""
    props = [(geo.place(name), w, trend) for name, (w, trend) in _PROPERTIES.items()]
    types = list(_TYPES)
    tshare = np.array([v[0] for v in _TYPES.values()])
    frames = []
    for year in YEARS:
        w = np.array([wt * tr ** max(year - _TREND_FROM.get(pl.name, 2019), 0) for pl, wt, tr in props])
        n = int(rng.poisson(PER_YEAR * w.sum() / sum(wt for _, wt, _ in props)))
        where = rng.choice(len(props), size=n, p=w / w.sum())
        kind = rng.choice(len(types), size=n, p=tshare / tshare.sum())
        days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
        dw = np.array(_MONTHS)[days.month - 1]
        day = days[rng.choice(len(days), size=n, p=dw / dw.sum())]
        hour = np.empty(n, dtype=int)
        cost = np.full(n, np.nan)
        for k, name in enumerate(types):
            idx = np.flatnonzero(kind == k)
            _, median, spread, no_cost, profile = _TYPES[name]
            hw = np.array(_HOURS[profile], dtype=float)
            hour[idx] = rng.choice(24, size=idx.size, p=hw / hw.sum())
            if median > 0:
                c = np.round(median * np.exp(rng.normal(0.0, spread, idx.size)), -1)
                c[rng.random(idx.size) < no_cost] = np.nan
                cost[idx] = c
        minute = rng.integers(0, 60, n)
        x = np.array([props[i][0].x for i in where]) + rng.normal(0.0, 20.0, n)
        y = np.array([props[i][0].y for i in where]) + rng.normal(0.0, 20.0, n)
        frame = pd.DataFrame({
            "datum": day, "hour": hour, "minute": minute, "typ": [types[k] for k in kind],
            "område": [props[i][0].area for i in where], "x": np.round(x, 1), "y": np.round(y, 1), "kostnad": cost,
        }).sort_values(["datum", "hour", "minute"], kind="stable").reset_index(drop=True)
        frame.insert(0, "händelse_id", [f"KH-{year}-{i:04d}" for i in range(1, len(frame) + 1)])
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out["tid"] = [f"{h:02d}:{m:02d}" for h, m in zip(out["hour"], out["minute"])]
    out["datum"] = pd.DatetimeIndex(out["datum"]).strftime("%Y-%m-%d")
    return out[["händelse_id", "datum", "tid", "typ", "område", "x", "y", "kostnad"]]


def generate_young_suspects(rng: np.random.Generator, pop: pd.DataFrame) -> pd.DataFrame:
    """Rows ``år, åldersgrupp, kön, personer, brott, personer_med_tidigare_misstanke`` (Int64, NA under 5)."""
    people = pop.groupby(["år", "åldersgrupp", "kön"])["antal"].sum()
    rows = []
    for year in YEARS:
        for group, (band, boys, girls, prior, per_person, trend) in _SUSPECTS.items():
            for sex, rate in (("kvinna", girls), ("man", boys)):
                denominator = people.loc[(year, band, sex)]
                persons = int(rng.poisson(rate * trend ** (year - 2019) * denominator / 1000))
                offences = persons + int(rng.poisson(persons * (per_person - 1.0))) if persons else 0
                previous = int(rng.binomial(persons, prior * (0.6 if sex == "kvinna" else 1.0)))
                rows.append((year, group, sex, persons, offences, previous))
    frame = pd.DataFrame(rows, columns=["år", "åldersgrupp", "kön", "personer", "brott",
                                        "personer_med_tidigare_misstanke"])
    for col in ("personer", "brott", "personer_med_tidigare_misstanke"):
        values = pd.array(frame[col].to_numpy(), dtype="Int64")
        values[frame[col].to_numpy() < 5] = pd.NA
        frame[col] = values
    return frame

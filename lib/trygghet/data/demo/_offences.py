"""Synthetic police-reported offences with the structure an analyst in Luleå would recognise.

Each *offence type* below says which codes it uses, how many offences it had in 2019 and how that
changes each year, where it happens (named hot places or scattered over areas) and when (hour, weekday,
month profiles, and how wide the time window is). Violent offences are not counted per type but
calibrated to a rate per 100 000 inhabitants and shared out over the violent types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from trygghet.data.demo._geo import RURAL, Geography
from trygghet.data.demo._population import TOTALS, YEARS, largest_remainder

__all__ = ["VIOLENT_RATE", "OFFENCE_TYPES", "generate_offences", "festival_dates"]

#: violent offences per 100 000 inhabitants: Kolada N07403 (BRÅ) for 2019–2022, *demo* values after
VIOLENT_RATE = {2019: 827, 2020: 780, 2021: 855, 2022: 827, 2023: 848, 2024: 871, 2025: 862}

#: relative offence risk per inhabitant by area, for offences scattered over the areas
_AREA_RISK = {
    "general": {"Centrum": 2.6, "Hertsön": 1.5, "Porsön": 1.25, "Björkskatan": 1.3, "Örnäset": 0.8,
                "Notviken": 0.9, "Bergnäset": 0.75, "Gammelstad": 0.65, "Sunderbyn": 0.55, "Råneå": 0.7,
                "Norrbyarna": 0.45, "Sörbyarna": 0.45},
    "villa": {"Bergnäset": 1.9, "Sunderbyn": 1.9, "Gammelstad": 1.5, "Örnäset": 1.2, "Notviken": 1.0,
              "Sörbyarna": 1.5, "Norrbyarna": 1.4, "Råneå": 1.1, "Björkskatan": 0.55, "Hertsön": 0.6,
              "Porsön": 0.35, "Centrum": 0.45},
    "domestic": {"Hertsön": 1.7, "Björkskatan": 1.35, "Porsön": 1.0, "Centrum": 1.3, "Örnäset": 0.85,
                 "Notviken": 0.85, "Bergnäset": 0.8, "Gammelstad": 0.8, "Sunderbyn": 0.7, "Råneå": 0.95,
                 "Norrbyarna": 0.8, "Sörbyarna": 0.8},
    "traffic": {"Centrum": 1.4, "Hertsön": 1.1, "Porsön": 0.8, "Björkskatan": 1.0, "Örnäset": 0.9,
                "Notviken": 1.1, "Bergnäset": 1.2, "Gammelstad": 1.1, "Sunderbyn": 1.3, "Råneå": 1.6,
                "Norrbyarna": 1.5, "Sörbyarna": 1.6},
}

_HOURS = {
    # weights over hours 0..23
    "evening": [3, 2, 2, 1, 1, 1, 1, 2, 3, 3, 4, 4, 5, 5, 6, 7, 8, 9, 9, 9, 8, 7, 6, 4],
    "night": [9, 8, 6, 4, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4, 5, 6, 7, 8],
    "shop": [0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 6, 8, 9, 9, 9, 9, 10, 10, 9, 7, 4, 2, 0, 0],
    "day": [1, 1, 1, 1, 1, 1, 2, 4, 6, 7, 7, 7, 7, 7, 7, 7, 6, 5, 4, 3, 2, 2, 1, 1],
    "any": [3, 3, 2, 2, 2, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 3],
}
_WEEKEND_NIGHT_HOURS = {21: 0.07, 22: 0.11, 23: 0.16, 0: 0.19, 1: 0.21, 2: 0.16, 3: 0.07, 4: 0.03}
_MONTHS = {
    "flat": [1] * 12,
    "bike": [0.15, 0.15, 0.25, 0.7, 1.7, 2.3, 2.3, 2.5, 1.9, 0.9, 0.3, 0.15],
    "summer": [0.85, 0.85, 0.9, 0.95, 1.05, 1.2, 1.25, 1.15, 1.0, 0.95, 0.9, 0.95],
    "burglary": [1.2, 0.9, 0.9, 0.9, 0.9, 1.0, 1.4, 1.2, 0.9, 0.9, 0.9, 1.3],
    "vandal": [0.7, 0.7, 0.8, 0.9, 1.1, 1.2, 1.1, 1.3, 1.3, 1.2, 0.9, 0.8],
    "shop": [0.95, 0.9, 0.95, 0.95, 1.0, 1.0, 1.0, 1.0, 0.95, 1.0, 1.1, 1.3],
}
_WEEKDAYS = {  # Monday .. Sunday
    "flat": [1] * 7,
    "weekend": [0.8, 0.8, 0.85, 0.95, 1.3, 1.5, 1.1],
    "shop": [1.0, 1.0, 1.0, 1.05, 1.15, 1.2, 0.7],
    "work": [1.15, 1.15, 1.1, 1.1, 1.0, 0.8, 0.7],
}


@dataclass(frozen=True)
class OffenceType:
    """A kind of offence with its codes, volume, places and times."""

    key: str
    codes: dict[str, float]
    n2019: float = 0.0  # non-violent types: offences in 2019 at scale 1
    trend: float = 1.0  # yearly factor
    violent_share: float = 0.0  # violent types: share of the year's violent offences
    no_place: float = 0.02
    where: tuple = (("areas", "general", 1.0),)  # ("place", kind, weight) or ("areas", risk, weight)
    hours: str = "any"
    weekdays: str = "flat"
    months: str = "flat"
    window: str = "point"  # point, short, overnight, burglary, vandal, fraud
    time_known: float = 0.95
    report_delay: str = "fast"  # fast, slow


def _t(*args, **kwargs) -> OffenceType:
    return OffenceType(*args, **kwargs)


_TYPES: list[OffenceType] = [
    # violent offences (Brå's violence flag), shared out from the calibrated yearly count. Assault is
    # mostly the common codes: strangers 0355-0367, acquaintances 9357-9388, children 9301-9324.
    _t("vald_natt", {"0357": .42, "0355": .08, "0377": .08, "0375": .02, "9378": .1, "9374": .04,
                     "9319": .08, "9317": .03, "9362": .06, "1703": .09}, violent_share=0.28, no_place=0.0,
       where=(("place", "nightlife", 0.86), ("areas_of", "Centrum", 0.14)), hours="weekend_night", months="summer"),
    _t("vald_ute", {"0357": .3, "0355": .1, "0377": .05, "9311": .06, "9309": .03, "9319": .1, "9317": .05,
                    "9378": .1, "9374": .06, "9357": .05, "9361": .03, "9359": .02, "9380": .05},
       violent_share=0.18, no_place=0.01,
       where=(("place", "centre", 0.22), ("place", "transit", 0.12), ("place", "shopping", 0.1),
              ("areas", "general", 0.56)), hours="evening", weekdays="weekend", months="summer"),
    _t("vald_inne", {"9365": .26, "9366": .08, "9381": .06, "9382": .05, "9369": .07, "9370": .06, "9385": .04,
                     "9386": .05, "9367": .03, "9383": .02, "0412": .05, "0424": .02, "0365": .03, "0367": .05,
                     "9314": .03, "9316": .03, "9306": .02, "0387": .02, "0385": .01, "9384": .02},
       violent_share=0.35, no_place=0.08, where=(("areas", "domestic", 1.0),), hours="evening", weekdays="weekend"),
    _t("ran", {"9810": .38, "9811": .08, "9806": .28, "9807": .04, "9812": .02, "0870": .12, "0855": .08},
       violent_share=0.06, no_place=0.02,
       where=(("place", "transit", 0.25), ("place", "nightlife", 0.15), ("place", "shopping", 0.2),
              ("areas", "general", 0.4)), hours="night", weekdays="weekend"),
    _t("valdtakt", {"9635": .25, "9637": .25, "9638": .12, "9641": .08, "9642": .05, "9627": .08, "9629": .08,
                    "9630": .04, "9634": .05}, violent_share=0.08, no_place=0.25,
       where=(("areas", "domestic", 1.0),), hours="night", weekdays="weekend", time_known=0.7,
       report_delay="slow"),
    _t("vald_tjansteman", {"1701": .5, "1702": .1, "1704": .4}, violent_share=0.05, no_place=0.02,
       where=(("place", "nightlife", 0.35), ("place", "centre", 0.2), ("areas", "general", 0.45)),
       hours="night", weekdays="weekend"),
    # non-violent offences
    _t("hot", {"9440": .12, "9441": .04, "9442": .11, "9443": .1, "9444": .04, "9445": .03, "9446": .11,
               "9447": .13, "9435": .03, "9439": .03, "0451": .03, "0453": .03, "0459": .02, "1705": .04,
               "0407": .04, "0408": .06, "0428": .02, "0429": .02}, n2019=780, trend=1.01,
       no_place=0.25, where=(("place", "nightlife", 0.12), ("areas", "domestic", 0.88)), hours="evening",
       time_known=0.8, report_delay="slow"),
    _t("sexualbrott", {"9694": .22, "9691": .06, "9693": .08, "9698": .03, "9678": .08, "9677": .07, "9675": .05,
                       "0607": .12, "0675": .06, "0682": .05, "9670": .04, "9662": .02, "4024": .12},
       n2019=90, trend=1.03, no_place=0.45, where=(("areas", "domestic", 1.0),),
       hours="evening", time_known=0.6, report_delay="slow"),
    # home burglary as Brå counts it (villa/terraced house and flat, completed or attempted)
    _t("bostadsinbrott", {"9801": .45, "9802": .3, "0857": .15, "0874": .1}, n2019=150,
       trend=0.90, no_place=0.01, where=(("areas", "villa", 1.0),), hours="day", months="burglary",
       window="burglary", time_known=0.75),
    # burglary in cellars and attics: the most common burglary in a town of blocks of flats
    _t("kallare_vind", {"0825": .9, "9831": .05, "9832": .05}, n2019=260, trend=0.95, no_place=0.01,
       where=(("areas", "domestic", 1.0),), hours="night", window="burglary", time_known=0.4),
    _t("fordon", {"9828": .35, "9827": .15, "0802": .2, "0801": .1, "0803": .04, "0804": .12, "0806": .04},
       n2019=420, trend=0.96, no_place=0.03,
       where=(("place", "shopping", 0.15), ("place", "hospital", 0.05), ("areas", "general", 0.8)),
       hours="night", window="overnight"),
    _t("cykelstold", {"9830": .7, "9829": .12, "9833": .13, "0841": .05}, n2019=560, trend=1.0, no_place=0.03,
       where=(("place", "bike", 0.45), ("place", "school", 0.1), ("areas", "general", 0.45)), hours="day",
       months="bike", window="overnight", time_known=0.85),
    _t("butiksstold", {"0853": 1.0}, n2019=520, trend=1.02, no_place=0.01,
       where=(("place", "shopping", 0.92), ("areas", "general", 0.08)), hours="shop", weekdays="shop",
       months="shop"),
    _t("ovrig_stold", {"0880": .3, "9817": .1, "0854": .05, "0846": .05, "0847": .05, "0860": .08, "0820": .04,
                       "0821": .04, "0823": .03, "0822": .05, "9823": .03, "9826": .08, "0888": .04, "0818": .03,
                       "0811": .03}, n2019=700, trend=0.96, no_place=0.12,
       where=(("place", "shopping", 0.1), ("place", "transit", 0.08), ("areas", "general", 0.82)), hours="day",
       window="short", time_known=0.8),
    _t("skadegorelse_skola", {"1205": .6, "1209": .25, "1210": .15}, n2019=230, trend=1.0,
       no_place=0.0, where=(("place", "school", 0.8), ("place", "leisure", 0.2)), hours="night",
       weekdays="weekend", months="vandal", window="vandal", time_known=0.6),
    _t("skadegorelse", {"1203": .3, "1212": .05, "1201": .2, "1209": .2, "1208": .05, "1211": .05, "1205": .1,
                        "1210": .04, "1301": .01}, n2019=620, trend=0.99, no_place=0.03,
       where=(("place", "nightlife", 0.08), ("place", "transit", 0.07), ("place", "park", 0.08),
              ("areas", "general", 0.77)), hours="night", weekdays="weekend", months="vandal", window="vandal",
       time_known=0.7),
    _t("narkotika", {"5011": .45, "5010": .3, "5005": .15, "5004": .02, "3070": .08},
       n2019=760, trend=1.0, no_place=0.02,
       where=(("place", "drugs", 0.55), ("place", "nightlife", 0.08), ("areas_of", "Centrum", 0.07),
              ("areas", "general", 0.3)), hours="evening", weekdays="work"),
    _t("bedrageri", {"0913": .15, "0904": .05, "0983": .15, "0982": .05, "0987": .12, "0995": .1, "0957": .08,
                     "0969": .05, "0961": .05, "0945": .03, "0953": .05, "0901": .05, "0903": .03, "0906": .04},
       n2019=800, trend=1.08, no_place=0.92, where=(("areas", "general", 1.0),), hours="day", window="fraud",
       time_known=0.45, report_delay="slow"),
    _t("trafik", {"3002": .3, "3005": .3, "3008": .2, "3001": .1, "3007": .05, "3003": .05},
       n2019=440, trend=1.0, no_place=0.1, where=(("areas", "traffic", 1.0),), hours="any"),
    _t("vapen", {"4023": .45, "4131": .15, "4127": .1, "4075": .1, "4081": .2}, n2019=40, trend=1.02,
       no_place=0.05,
       where=(("place", "nightlife", 0.3), ("place", "drugs", 0.2), ("areas", "general", 0.5)), hours="night"),
    _t("ovrigt", {"0401": .15, "1706": .1, "1406": .08, "0930": .05, "4021": .08, "0415": .05, "0940": .04,
                  "1715": .05, "0432": .05, "1302": .05, "1003": .05, "1009": .05, "0394": .05, "0396": .05,
                  "1714": .05, "4145": .05}, n2019=560, trend=1.0, no_place=0.40,
       where=(("place", "nightlife", 0.12), ("areas", "general", 0.88)), hours="evening", report_delay="slow"),
]

#: the offence types the demo draws from (read-only; tests check their codes against the code list)
OFFENCE_TYPES = tuple(_TYPES)

# extra offences at the summer festival (at scale 1): violent ones are taken from the violent budget
_FESTIVAL = [
    ("vald_natt", 14), ("hot", 8), ("narkotika", 12), ("ovrigt", 9), ("skadegorelse", 4), ("ovrig_stold", 6),
]
_FESTIVAL_HOURS = {18: .05, 19: .06, 20: .08, 21: .1, 22: .13, 23: .16, 0: .17, 1: .15, 2: .1}

_STREETS = {
    "Centrum": ["Storgatan", "Kungsgatan", "Smedjegatan", "Rådstugatan", "Stationsgatan", "Köpmangatan",
                "Nygatan", "Sandviksgatan"],
    "Örnäset": ["Örnäsgatan", "Lingonvägen", "Skogsvägen", "Hägervägen"],
    "Notviken": ["Notviksvägen", "Mjölnargatan", "Ringvägen", "Bangatan"],
    "Porsön": ["Porsövägen", "Universitetsvägen", "Studentvägen", "Lulevägen"],
    "Björkskatan": ["Björkskatavägen", "Lövskatan", "Tallskatan", "Granskatan"],
    "Hertsön": ["Hertsövägen", "Mjölkuddsvägen", "Kyrkbyvägen", "Höken", "Falken"],
    "Bergnäset": ["Bergnäsvägen", "Pålänge", "Karlsviksvägen", "Villavägen"],
    "Gammelstad": ["Kyrkbyn", "Lulevägen", "Hedenvägen", "Västra kyrkogatan"],
    "Sunderbyn": ["Sunderbyvägen", "Sjukhusvägen", "Byvägen", "Ängsvägen"],
    "Råneå": ["Råneå centrum", "Niemisel", "Jämtön", "Vitå"],
    "Norrbyarna": ["Alvik", "Bensbyn", "Måttsund", "Persön"],
    "Sörbyarna": ["Ersnäs", "Antnäs", "Rutvik", "Kallax"],
}
_NO_PLACE_TEXT = ["", "", "", "Internet", "Okänd plats", "Telefon"]


def festival_dates(year: int) -> tuple[date, date]:
    """Hamnfestivalen (*demo*): the Friday and Saturday of the first weekend of July."""
    first_saturday = next(date(year, 7, d) for d in range(1, 8) if date(year, 7, d).weekday() == 5)
    return first_saturday - timedelta(days=1), first_saturday


def generate_offences(rng: np.random.Generator, geo: Geography, pop: pd.DataFrame, codes: pd.DataFrame,
                      scale: float) -> pd.DataFrame:
    """All offences 2019–2025 before the export quirks: one row per offence.

    Columns: ``year, type, code, label, violent, start (datetime64), time_known, end, end_time_known,
    reported, x, y, area, place_name, plats``.
    """
    known = dict(zip(codes["offence_code"], codes["offence_label_list"]))
    violent_codes = set(codes.loc[codes["violent"], "offence_code"])
    types = {t.key: t for t in _TYPES}
    area_pop = pop.groupby(["år", "område"])["antal"].sum()
    frames = []
    for year in YEARS:
        counts = _yearly_counts(rng, year, scale)
        for key, n in counts.items():
            if n > 0:
                frames.append(_draw(rng, types[key], year, n, geo, area_pop.loc[year], known, violent_codes))
        fest = _festival(rng, year, scale, geo, types, known, violent_codes)
        frames.append(fest)
    out = pd.concat(frames, ignore_index=True)
    out = out.sort_values(["year", "start", "code", "x"], kind="stable").reset_index(drop=True)
    return out


def _yearly_counts(rng: np.random.Generator, year: int, scale: float) -> dict[str, int]:
    n_violent = round(VIOLENT_RATE[year] * TOTALS[year] / 100_000 * scale)
    festival_violent = round(dict(_FESTIVAL)["vald_natt"] * scale)
    budget = max(n_violent - festival_violent, 0)
    violent = [t for t in _TYPES if t.violent_share > 0]
    shares = np.array([t.violent_share for t in violent])
    split = largest_remainder(shares / shares.sum() * budget, budget) if budget else np.zeros(len(violent), int)
    counts = {t.key: int(n) for t, n in zip(violent, split)}
    for t in _TYPES:
        if t.violent_share == 0:
            mean = t.n2019 * t.trend ** (year - 2019) * scale
            counts[t.key] = int(rng.poisson(mean))
    return counts


def _draw(rng, t: OffenceType, year: int, n: int, geo: Geography, area_pop: pd.Series, known: dict,
          violent_codes: set) -> pd.DataFrame:
    codes, labels = _pick_codes(rng, t, n, known)
    start, time_known = _times(rng, t, year, n)
    x, y, area, place_name = _places(rng, t, n, geo, area_pop)
    no_place = rng.random(n) < t.no_place
    x[no_place] = np.nan
    y[no_place] = np.nan
    area = np.where(no_place, None, area)
    place_name = np.where(no_place, None, place_name)
    end, end_known = _windows(rng, t, start, time_known)
    reported = _reported(rng, t, start, end)
    frame = pd.DataFrame({
        "year": year, "type": t.key, "code": codes, "label": labels,
        "violent": [c in violent_codes for c in codes],
        "start": start, "time_known": time_known, "end": end, "end_time_known": end_known,
        "reported": reported, "x": x, "y": y, "area": area, "place_name": place_name,
    })
    frame["plats"] = _plats_text(rng, frame, geo)
    return frame


def _pick_codes(rng, t: OffenceType, n: int, known: dict):
    missing = [c for c in t.codes if c not in known]
    if missing:
        raise KeyError(f"the codes {', '.join(missing)} of offence type {t.key} are not in the code list")
    items = list(t.codes.items())
    codes = np.array([c for c, _ in items])
    w = np.array([w for _, w in items], dtype=float)
    chosen = codes[rng.choice(len(codes), size=n, p=w / w.sum())]
    return chosen, np.array([known[c] for c in chosen], dtype=object)


def _day_weights(year: int, months: str, weekdays: str) -> tuple[np.ndarray, np.ndarray]:
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    w = np.array(_MONTHS[months])[days.month - 1] * np.array(_WEEKDAYS[weekdays])[days.day_of_week]
    return days.to_numpy(), w / w.sum()


def _times(rng, t: OffenceType, year: int, n: int):
    if t.hours == "weekend_night":
        days, p = _day_weights(year, t.months, "flat")
        wd = pd.DatetimeIndex(days).day_of_week
        p = np.where((wd == 4) | (wd == 5), p, 0.0)
        p = p / p.sum()
        day = days[rng.choice(len(days), size=n, p=p)]
        hours = np.array(list(_WEEKEND_NIGHT_HOURS))
        hw = np.array(list(_WEEKEND_NIGHT_HOURS.values()))
        hour = hours[rng.choice(len(hours), size=n, p=hw / hw.sum())]
        after_midnight = hour < 12
        day = day + after_midnight * np.timedelta64(1, "D")
        spill = pd.DatetimeIndex(day).year != year
        day = np.where(spill, day - np.timedelta64(1, "D"), day)
        hour = np.where(spill, 23, hour)
        time_known = np.ones(n, dtype=bool)
    else:
        days, p = _day_weights(year, t.months, t.weekdays)
        day = days[rng.choice(len(days), size=n, p=p)]
        hw = np.array(_HOURS[t.hours], dtype=float)
        hour = rng.choice(24, size=n, p=hw / hw.sum())
        time_known = rng.random(n) < t.time_known
    minute = rng.integers(0, 60, n)
    start = pd.DatetimeIndex(day) + pd.to_timedelta(hour * 60 + minute, unit="min")
    start = start.where(time_known, pd.DatetimeIndex(day).normalize())
    return start.to_numpy(), time_known


def _places(rng, t: OffenceType, n: int, geo: Geography, area_pop: pd.Series):
    weights = np.array([w for *_, w in t.where], dtype=float)
    which = rng.choice(len(t.where), size=n, p=weights / weights.sum())
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    area = np.empty(n, dtype=object)
    place = np.empty(n, dtype=object)
    for i, (kind, arg, _) in enumerate(t.where):
        idx = np.flatnonzero(which == i)
        if idx.size == 0:
            continue
        if kind == "place":
            places = geo.places_of(arg)
            pick = rng.integers(0, len(places), idx.size)
            for j, pl in enumerate(places):
                sub = idx[pick == j]
                if sub.size:
                    x[sub], y[sub] = geo.sample_at_place(rng, pl, sub.size)
                    area[sub] = pl.area
                    place[sub] = pl.name
        else:
            if kind == "areas_of":
                names, p = [arg], np.array([1.0])
            else:
                names = list(area_pop.index)
                risk = _AREA_RISK[arg]
                p = np.array([area_pop[a] * risk.get(a, 1.0) for a in names], dtype=float)
                p = p / p.sum()
            pick = rng.choice(len(names), size=idx.size, p=p)
            for j, name in enumerate(names):
                sub = idx[pick == j]
                if sub.size:
                    x[sub], y[sub] = geo.sample_in_area(rng, name, sub.size)
                    area[sub] = name
    return np.round(x, 1), np.round(y, 1), area, place


def _windows(rng, t: OffenceType, start: np.ndarray, time_known: np.ndarray):
    n = len(start)
    s = pd.DatetimeIndex(start)
    if t.window == "burglary":
        gap = pd.to_timedelta(rng.integers(4, 24 * 12, n), unit="h")
    elif t.window == "overnight":
        gap = pd.to_timedelta(rng.integers(2, 16, n), unit="h")
    elif t.window == "vandal":
        gap = pd.to_timedelta(rng.integers(1, 24 * 4, n), unit="h")
        gap = gap.where(rng.random(n) < 0.45, pd.NaT)
    elif t.window == "fraud":
        gap = pd.to_timedelta(rng.integers(0, 24 * 40, n), unit="h")
        gap = gap.where(rng.random(n) < 0.35, pd.NaT)
    elif t.window == "short":
        gap = pd.to_timedelta(rng.integers(1, 10, n), unit="h")
        gap = gap.where(rng.random(n) < 0.5, pd.NaT)
    else:
        gap = pd.to_timedelta(np.full(n, np.nan), unit="h")
    end = s + gap
    end = end.floor("min")
    end_known = time_known & np.asarray(end.notna())
    end = end.where(end_known | end.isna(), end.normalize())
    return end.to_numpy(), end_known


def _reported(rng, t: OffenceType, start: np.ndarray, end: np.ndarray):
    n = len(start)
    base = pd.DatetimeIndex(np.where(pd.isna(end), start, end))
    if t.report_delay == "slow":
        days = np.where(rng.random(n) < 0.5, rng.integers(0, 3, n), rng.integers(2, 60, n))
    else:
        days = np.where(rng.random(n) < 0.8, rng.integers(0, 2, n), rng.integers(1, 8, n))
    return (base.normalize() + pd.to_timedelta(days, unit="D")).to_numpy()


def _plats_text(rng, frame: pd.DataFrame, geo: Geography) -> np.ndarray:
    n = len(frame)
    out = np.empty(n, dtype=object)
    numbers = rng.integers(1, 60, n)
    street_pick = rng.integers(0, 1000, n)
    noplace_pick = rng.integers(0, len(_NO_PLACE_TEXT), n)
    for i, (area, place) in enumerate(zip(frame["area"].to_numpy(), frame["place_name"].to_numpy())):
        if pd.isna(area):
            out[i] = _NO_PLACE_TEXT[noplace_pick[i]]
        elif not pd.isna(place):
            out[i] = f"{place}, Luleå"
        else:
            streets = _STREETS[area]
            street = streets[street_pick[i] % len(streets)]
            if area in RURAL:
                out[i] = f"{street}, {area}"
            else:
                out[i] = f"{street} {numbers[i]}, {'Luleå' if area == 'Centrum' else area}"
    return out


def _festival(rng, year: int, scale: float, geo: Geography, types: dict, known: dict,
              violent_codes: set) -> pd.DataFrame:
    fri, sat = festival_dates(year)
    harbour = geo.place("Södra hamnen")
    frames = []
    for key, n_full in _FESTIVAL:
        n = round(n_full * scale)
        if n == 0:
            continue
        t = types[key]
        codes, labels = _pick_codes(rng, t, n, known)
        day = np.where(rng.random(n) < 0.45, np.datetime64(fri), np.datetime64(sat)).astype("datetime64[D]")
        hours = np.array(list(_FESTIVAL_HOURS))
        hw = np.array(list(_FESTIVAL_HOURS.values()))
        hour = hours[rng.choice(len(hours), size=n, p=hw / hw.sum())]
        day = day + (hour < 12) * np.timedelta64(1, "D")
        start = pd.DatetimeIndex(day) + pd.to_timedelta(hour * 60 + rng.integers(0, 60, n), unit="min")
        x, y = geo.sample_at_place(rng, harbour, n)
        frame = pd.DataFrame({
            "year": year, "type": key, "code": codes, "label": labels,
            "violent": [c in violent_codes for c in codes],
            "start": start.to_numpy(), "time_known": True, "end": pd.NaT, "end_time_known": False,
            "reported": (start.normalize() + pd.to_timedelta(rng.integers(0, 2, n), unit="D")).to_numpy(),
            "x": np.round(x, 1), "y": np.round(y, 1), "area": harbour.area, "place_name": harbour.name,
        })
        frame["plats"] = [f"{harbour.name}, Hamnfestivalen" for _ in range(n)]
        frames.append(frame)
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)

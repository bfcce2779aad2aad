"""The yearly offence extracts ``anmalda_brott_<år>.csv`` with the quirks of real exports.

2019–2021 come as Excel writes them in Sweden (Windows-1252, CRLF, decimal commas, header variants),
2022–2025 as UTF-8 with BOM; 2023 gives WGS 84 ``lat;lon`` instead of SWEREF 99 TM. Every year holds a
few deliberate data-quality findings: unknown offence codes, swapped coordinates, places outside the
municipality and impossible dates.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from trygghet.data.demo._geo import Geography, to_wgs84
from trygghet.data.demo._io import fmt_decimal, write_csv

__all__ = ["FORMATS", "write_offence_files", "UNKNOWN_CODES"]

STANDARD = ["brott_id", "ärendenummer", "brottskod", "brottsrubricering", "datum_från", "tid_från", "datum_till",
            "tid_till", "anmäld_datum", "x_sweref99tm", "y_sweref99tm", "plats"]

#: per year: encoding, BOM, Windows line ends, decimal comma, coordinates (xy or latlon), header, column order
FORMATS = {
    2019: dict(encoding="cp1252", bom=False, crlf=True, comma=True, coords="xy",
               header=["Brott_ID", "Ärendenummer", " Brottskod ", "Brottsrubricering", "datum_fran", "tid_fran",
                       "datum_till", "tid_till", "anmald_datum", "X_SWEREF99TM", "Y_SWEREF99TM", "Plats"]),
    2020: dict(encoding="cp1252", bom=False, crlf=True, comma=True, coords="xy",
               header=[h.upper() for h in STANDARD]),
    2021: dict(encoding="cp1252", bom=False, crlf=True, comma=True, coords="xy",
               header=["brott_id ", "arendenummer", "brottskod", "brottsrubricering", "datum_från", "tid_från",
                       "datum_till", "tid_till", "anmäld_datum", "x_sweref99tm", "y_sweref99tm", " plats"]),
    2022: dict(encoding="utf-8", bom=True, crlf=False, comma=False, coords="xy", header=STANDARD),
    2023: dict(encoding="utf-8", bom=True, crlf=False, comma=False, coords="latlon",
               header=STANDARD[:9] + ["lat", "lon", "plats"]),
    2024: dict(encoding="utf-8", bom=True, crlf=False, comma=False, coords="xy",
               header=["brott_id", "ärendenummer", "brottskod", "brottsrubricering", "plats", "datum_från",
                       "tid_från", "datum_till", "tid_till", "anmäld_datum", "x_sweref99tm", "y_sweref99tm"]),
    2025: dict(encoding="utf-8", bom=True, crlf=False, comma=False, coords="xy", header=STANDARD),
}
#: codes that are not in the code list (new or mistyped codes in an export)
UNKNOWN_CODES = ("0899", "1299", "3099", "5099", "9399", "0499", "7777")
#: places just outside the municipality (SWEREF 99 TM): Boden, Piteå, Kalix
_OUTSIDE = ((805210.0, 7316680.0), (764600.0, 7252800.0), (867300.0, 7311300.0))


def write_offence_files(rng: np.random.Generator, offences: pd.DataFrame, geo: Geography, raw: Path,
                        known_codes: set[str]) -> tuple[list[Path], pd.DataFrame]:
    """Write one file per year; returns the paths and a table of the planted findings (for tests)."""
    written = []
    planted = []
    for year, fmt in FORMATS.items():
        rows = offences.loc[offences["year"] == year].reset_index(drop=True)
        if rows.empty:
            continue
        table, found = _table(rng, rows, year, fmt, geo, known_codes)
        order = _column_order(fmt)
        table = table[order]
        path = raw / f"anmalda_brott_{year}.csv"
        write_csv(table, path, encoding=fmt["encoding"], bom=fmt["bom"], crlf=fmt["crlf"], header=fmt["header"])
        written.append(path)
        found["year"] = year
        planted.append(found)
    return written, pd.concat(planted, ignore_index=True)


def _column_order(fmt: dict) -> list[str]:
    cols = list(STANDARD)
    if fmt["header"][4] == "plats":  # 2024: the place text moved forward
        cols = cols[:4] + ["plats"] + cols[4:11]
    return cols


def _table(rng, rows: pd.DataFrame, year: int, fmt: dict, geo: Geography, known_codes: set[str]):
    n = len(rows)
    rows = rows.copy()
    rows["brott_id"] = [f"{year}-{i:05d}" for i in range(1, n + 1)]
    rows["ärendenummer"] = _case_numbers(rng, rows, year)
    found = []
    taken: set[int] = set()
    nonviolent = np.flatnonzero(~rows["violent"].to_numpy())
    with_place = np.flatnonzero(rows["x"].notna().to_numpy() & ~rows["violent"].to_numpy())

    def pick(pool: np.ndarray, k: int) -> list[int]:
        pool = np.array([i for i in pool if i not in taken])
        chosen = sorted(int(i) for i in rng.choice(pool, size=min(k, len(pool)), replace=False))
        taken.update(chosen)
        return chosen

    unknown = [c for c in UNKNOWN_CODES if c not in known_codes]
    for i in pick(nonviolent, int(rng.integers(2, 6))):
        rows.loc[i, "code"] = unknown[int(rng.integers(0, len(unknown)))]
        found.append((rows.loc[i, "brott_id"], "okänd brottskod"))
    swapped = pick(with_place, int(rng.integers(1, 4)))
    for i in swapped:
        found.append((rows.loc[i, "brott_id"], "koordinater i omvänd ordning"))
    for i in pick(with_place, int(rng.integers(1, 4))):
        ox, oy = _OUTSIDE[int(rng.integers(0, len(_OUTSIDE)))]
        x, y = ox + rng.normal(0, 300), oy + rng.normal(0, 300)
        if shapely.contains_xy(geo.outline, x, y):  # never happens with these places; keep the finding honest
            continue
        rows.loc[i, ["x", "y"]] = [round(x, 1), round(y, 1)]
        rows.loc[i, "plats"] = "Utanför kommunen"
        found.append((rows.loc[i, "brott_id"], "plats utanför kommunen"))
    bad_dates = pick(nonviolent, int(rng.integers(1, 4)))

    table = pd.DataFrame({
        "brott_id": rows["brott_id"],
        "ärendenummer": rows["ärendenummer"],
        "brottskod": rows["code"],
        "brottsrubricering": rows["label"],
        "datum_från": pd.DatetimeIndex(rows["start"]).strftime("%Y-%m-%d"),
        "tid_från": _time_text(rows["start"], rows["time_known"]),
        "datum_till": _date_text(rows["end"]),
        "tid_till": _time_text(rows["end"], rows["end_time_known"]),
        "anmäld_datum": _date_text(rows["reported"]),
        "plats": rows["plats"].fillna(""),
    })
    invalid = [f"{year}-02-30", f"{year}-13-04", f"{year}-06-31", f"31.12.{year}"]
    for k, i in enumerate(bad_dates):
        table.loc[i, "datum_från"] = invalid[(k + int(rng.integers(0, len(invalid)))) % len(invalid)]
        found.append((rows.loc[i, "brott_id"], "ogiltigt datum"))
    table = table.astype(object)

    x = rows["x"].to_numpy(dtype=float).copy()
    y = rows["y"].to_numpy(dtype=float).copy()
    if fmt["coords"] == "latlon":
        lon, lat = to_wgs84(x, y)
        a, b = lat.copy(), lon.copy()
        a[swapped], b[swapped] = lon[swapped], lat[swapped]
        table["x_sweref99tm"] = fmt_decimal(a, 6, fmt["comma"]).to_numpy()
        table["y_sweref99tm"] = fmt_decimal(b, 6, fmt["comma"]).to_numpy()
    else:
        x[swapped], y[swapped] = y[swapped].copy(), x[swapped].copy()
        table["x_sweref99tm"] = fmt_decimal(x, 1, fmt["comma"]).to_numpy()
        table["y_sweref99tm"] = fmt_decimal(y, 1, fmt["comma"]).to_numpy()
    return table, pd.DataFrame(found, columns=["brott_id", "finding"])


def _case_numbers(rng, rows: pd.DataFrame, year: int) -> list[str]:
    order = np.argsort(pd.DatetimeIndex(rows["reported"]).to_numpy(), kind="stable")
    steps = rng.integers(1, 30, len(rows))
    same = rng.random(len(rows)) < 0.08
    steps[same] = 0
    steps[0] = max(int(steps[0]), 1)
    numbers = int(rng.integers(10_000, 40_000)) + np.cumsum(steps)
    out = np.empty(len(rows), dtype=object)
    yy = year % 100
    out[order] = [f"5000-K{int(v):06d}-{yy:02d}" for v in numbers]
    return list(out)


def _date_text(values) -> np.ndarray:
    idx = pd.DatetimeIndex(values)
    return np.where(idx.isna(), "", idx.strftime("%Y-%m-%d").fillna(""))


def _time_text(values, known) -> np.ndarray:
    idx = pd.DatetimeIndex(values)
    text = idx.strftime("%H:%M").fillna("")
    return np.where(np.asarray(known, dtype=bool) & ~idx.isna(), text, "")

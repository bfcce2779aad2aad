"""Text helpers and the vectorised value parsers of the ingest.

Each parser takes a column of stripped text and returns the values and a mask of rows whose non-empty
text is unusable; low-cardinality columns are parsed once per distinct value (:func:`unique_map`).
"""

from __future__ import annotations

import re
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from trygghet.data import schemas as sch

__all__ = [
    "fold", "fold_header", "unique_map", "to_string", "strings_from_codes", "take",
    "parse_number", "parse_int", "parse_day", "parse_minutes", "parse_datetime", "parse_choice", "choices",
    "parse_bool",
]

_FOLD_TABLE = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "æ": "a", "ø": "o",
                             "–": "-", "—": "-", "\u00a0": " "})


def fold(text: str) -> str:
    """Case-insensitive key without Swedish letters: ``'  Örnäset '`` -> ``'ornaset'``."""
    return re.sub(r"\s+", " ", str(text).lstrip("\ufeff").strip().casefold().translate(_FOLD_TABLE))


def fold_header(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", fold(text))


def unique_map(series: pd.Series, func: Callable[[pd.Series], pd.Series | np.ndarray]) -> np.ndarray:
    """Apply ``func`` to the distinct values of ``series`` only, then spread the result to every row."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    values = func(pd.Series(np.asarray(uniques, dtype=object), dtype=object))
    return np.asarray(values)[codes]


def to_string(values) -> pd.Series:
    """A pandas ``string`` column with ``<NA>`` for empty text."""
    if isinstance(values, pd.Series) and values.dtype != object:
        text = values.astype(sch._STR)
        return text.mask(text == "").reset_index(drop=True)
    s = pd.Series(values, dtype=object) if not isinstance(values, pd.Series) else values.astype(object)
    s = s.where(s.notna() & (s != ""), None)
    return s.astype(sch._STR).reset_index(drop=True)


def strings_from_codes(codes: np.ndarray, names) -> pd.Series:
    """A ``string`` column from integer codes into ``names`` (a code < 0 or a name '' gives ``<NA>``)."""

    names = [None if (n is None or n == "" or (isinstance(n, float) and np.isnan(n))) else str(n) for n in names]
    codes = np.asarray(codes, dtype=np.int64)
    indices = pa.array(np.where(codes < 0, 0, codes), mask=codes < 0)
    values = pa.array(names, type=pa.string()).take(indices) if len(names) else pa.nulls(len(codes), pa.string())
    return pd.Series(pd.array(values, dtype=sch._STR))


def take(s, keep: np.ndarray):
    """Rows ``keep`` of a column; no copy when every row is kept."""
    if keep.all():
        return s.reset_index(drop=True) if isinstance(s, pd.Series) else s
    return s[keep].reset_index(drop=True) if isinstance(s, pd.Series) else s[keep]



# --------------------------------------------------------------------------------------------------
# Value parsers (vectorised): each returns values and a mask of rows whose non-empty text is unusable

def parse_number(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    empty = (s == "").to_numpy(dtype=bool)
    text = s.astype(str)
    for space in (" ", "\u00a0", "\u202f", "\t"):  # thousands separators (plain replaces stay in pyarrow)
        text = text.str.replace(space, "", regex=False)
    text = text.str.replace(",", ".", regex=False)
    values = pd.to_numeric(text.where(~empty, None), errors="coerce").to_numpy(dtype=float, na_value=np.nan).copy()
    bad = ~empty & ~np.isfinite(values)
    values[bad] = np.nan
    return values, bad


def parse_int(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    def one(u: pd.Series) -> np.ndarray:
        v, bad = parse_number(u)
        frac = np.where(np.isfinite(v), v - np.round(v), 0.0)
        return np.where(bad | (np.abs(frac) > 1e-9), np.inf, v)

    values = unique_map(s, one).astype(float)
    bad = np.isinf(values)
    values[bad] = np.nan
    return values, bad


def parse_day(u: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Distinct date texts -> (datetime64[ns], minutes of the embedded time or NaN, bad date, bad time)."""
    text = u.astype(str)
    day = pd.to_datetime(text.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    rest = text.str.slice(10).str.lstrip("T ").str.strip()
    minutes, bad_time = parse_minutes(rest)
    ok_shape = text.str.match(r"^\d{4}-\d{2}-\d{2}").to_numpy(dtype=bool)
    bad_day = ~(day.notna().to_numpy(dtype=bool) & ok_shape) & (text != "").to_numpy(dtype=bool)
    return day.to_numpy(dtype="datetime64[ns]"), minutes, bad_day, bad_time


def parse_minutes(u: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    text = u.astype(str).str.strip()
    parts = text.str.extract(r"^(\d{1,2})[:.](\d{2})(?::(\d{2}))?$")
    hours = pd.to_numeric(parts[0], errors="coerce").to_numpy(dtype=float)
    mins = pd.to_numeric(parts[1], errors="coerce").to_numpy(dtype=float)
    ok = (hours >= 0) & (hours <= 23) & (mins >= 0) & (mins <= 59)
    empty = (text == "").to_numpy(dtype=bool)
    value = np.where(ok, hours * 60 + mins, np.nan)
    return value, ~ok & ~empty


def parse_datetime(date: pd.Series, time: pd.Series | None = None):
    """Date (YYYY-MM-DD, optionally with HH:MM) plus an optional time column (HH:MM).

    Returns ``(values datetime64[ns] with NaT, time_known, bad_date, bad_time)``.
    """
    d_codes, d_uniques = pd.factorize(date, use_na_sentinel=False)
    day, emb_minutes, bad_day_u, bad_emb_u = parse_day(pd.Series(np.asarray(d_uniques, dtype=object)))
    values = day[d_codes]
    minutes = emb_minutes[d_codes]
    bad_date = bad_day_u[d_codes] | bad_emb_u[d_codes]
    bad_time = np.zeros(len(date), dtype=bool)
    if time is not None:
        t_min = unique_map(time, lambda u: parse_minutes(u)[0]).astype(float)
        t_bad = unique_map(time, lambda u: parse_minutes(u)[1]).astype(bool)
        given = (time != "").to_numpy(dtype=bool)
        minutes = np.where(given, t_min, minutes)
        bad_time = t_bad
    known = np.isfinite(minutes)
    offset = np.where(known, minutes, 0.0).astype("int64") * np.int64(60_000_000_000)
    out = values.copy()
    ok = ~np.isnat(values)
    out[ok] = values[ok] + offset[ok].astype("timedelta64[ns]")
    return out, known & ok, bad_date, bad_time


def parse_choice(s: pd.Series, allowed: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Map folded text to a canonical value; ``allowed`` maps folded variants -> canonical."""

    def one(u: pd.Series) -> np.ndarray:
        return np.array([allowed.get(fold(v), None) if v != "" else "" for v in u], dtype=object)

    values = unique_map(s, one)
    bad = pd.isna(values) & (s != "").to_numpy(dtype=bool)
    values = np.where(pd.isna(values), "", values)
    return values, bad


def choices(*canonical: str, **aliases: str) -> dict[str, str]:
    out = {fold(c): c for c in canonical}
    out.update({fold(k.replace("_", " ")): v for k, v in aliases.items()})
    return out


_BOOL = {"ja": True, "j": True, "yes": True, "y": True, "true": True, "sant": True, "1": True, "x": True,
         "nej": False, "n": False, "no": False, "false": False, "falskt": False, "0": False}


def parse_bool(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    def one(u: pd.Series) -> np.ndarray:
        return np.array([_BOOL.get(fold(v), None) if v != "" else False for v in u], dtype=object)

    values = unique_map(s, one)
    bad = pd.isna(values)
    return np.where(bad, False, values).astype(bool), bad

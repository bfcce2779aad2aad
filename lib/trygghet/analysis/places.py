"""Where an offence is: the one rule every report, map and email uses.

An offence (or a municipal incident, a safety-walk finding) has one of three place statuses:

``"placed"``
    It has usable coordinates — both ``x`` and ``y`` are finite numbers in SWEREF 99 TM (the ingest has
    already converted WGS 84 positions and put swapped pairs back in order) — and the point lies inside
    the municipality's outline (the union of the areas in ``omraden.geojson``; a point on an area's
    border counts as inside). Only these offences are drawn on maps and counted in cells or areas.
``"outside_municipality"``
    Usable coordinates, but the point lies outside the outline (an error in the extract, or an offence
    registered here that happened elsewhere). Kept in every total; no area, not on maps.
``"no_place"``
    No usable coordinates: none were given (fraud, offences on the internet, many domestic offences) or
    the ingest could not read them. Kept in every total; no area, not on maps.

Every offence is counted in every total whatever its place status; the status only decides whether it
can be drawn or joined to an area. The inside/outside test is the ingest's point-in-area join (stored
as ``in_municipality``); for a table without that column (municipal incidents, safety walks) the test
is made here against ``municipality`` when it is given, and otherwise every point with coordinates is
taken as inside (those tables hold the municipality's own records).
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from trygghet.data.errors import ParameterError

__all__ = ["PLACED", "OUTSIDE", "NO_PLACE", "PLACE_STATUSES", "place_status", "place_counts"]

PLACED = "placed"
OUTSIDE = "outside_municipality"
NO_PLACE = "no_place"
#: the place statuses in reading order
PLACE_STATUSES = (PLACED, OUTSIDE, NO_PLACE)


def place_status(offences: pd.DataFrame, municipality: gpd.GeoDataFrame | None = None) -> pd.Series:
    """The place status of every row: ``"placed"``, ``"outside_municipality"`` or ``"no_place"``
    (see the module's notes for what each means).

    ``offences`` needs ``x`` and ``y`` (SWEREF 99 TM, NaN without a place); ``has_place`` and
    ``in_municipality`` are used when present (the store's offences have both). ``municipality`` (the
    store's ``municipality`` table) is the outline for a table without ``in_municipality``.
    Returns a Series of text on the same index, named ``place_status``.
    """
    if not isinstance(offences, pd.DataFrame):
        raise TypeError(f"place_status(): expected a DataFrame, got {type(offences).__name__}")
    missing = [c for c in ("x", "y") if c not in offences.columns]
    if missing:
        raise ParameterError(f"place_status(): the table has no column {', '.join(missing)} "
                             "(coordinates in SWEREF 99 TM); pass the store's offences table")
    x = pd.to_numeric(offences["x"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    y = pd.to_numeric(offences["y"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    usable = np.isfinite(x) & np.isfinite(y)
    if "has_place" in offences.columns:
        usable &= offences["has_place"].fillna(False).astype(bool).to_numpy()
    if "in_municipality" in offences.columns:
        inside = offences["in_municipality"].fillna(False).astype(bool).to_numpy()
    elif municipality is not None and len(municipality):
        outline = municipality.geometry.union_all()
        shapely.prepare(outline)
        inside = np.zeros(len(offences), dtype=bool)
        inside[usable] = shapely.intersects_xy(outline, x[usable], y[usable])
    else:
        inside = np.ones(len(offences), dtype=bool)
    status = np.where(usable & inside, PLACED, np.where(usable, OUTSIDE, NO_PLACE)).astype(object)
    return pd.Series(status, index=offences.index, name="place_status", dtype=object)


def place_counts(offences: pd.DataFrame, by: str | Sequence[str] | None = None,
                 municipality: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """Offences per place status, in all or per group of ``by`` (e.g. ``"year"``).

    Columns: the ``by`` columns, ``n`` (all offences), ``placed``, ``outside_municipality``,
    ``no_place``, ``not_placed`` (= ``outside_municipality`` + ``no_place``: what a map cannot show) and
    ``share_placed`` (``placed / n``; NaN when ``n`` is 0). Every status has a column, zeros included.
    """
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    missing = [k for k in keys if k not in offences.columns]
    if missing:
        raise ParameterError(f"place_counts(): no column {', '.join(missing)} to count by; "
                             f"the table has {', '.join(map(str, offences.columns))}")
    status = place_status(offences, municipality)
    frame = offences[keys].copy() if keys else pd.DataFrame(index=offences.index)
    for s in PLACE_STATUSES:
        frame[s] = (status == s).astype("int64")
    if keys:
        out = frame.groupby(keys, sort=True, dropna=False)[list(PLACE_STATUSES)].sum().reset_index()
    else:
        out = pd.DataFrame({s: [int(frame[s].sum())] for s in PLACE_STATUSES})
    out.insert(len(keys), "n", out[list(PLACE_STATUSES)].sum(axis=1).astype("int64"))
    out["not_placed"] = (out[OUTSIDE] + out[NO_PLACE]).astype("int64")
    out["share_placed"] = np.where(out["n"] > 0, out[PLACED] / out["n"].where(out["n"] > 0, 1), np.nan)
    return out

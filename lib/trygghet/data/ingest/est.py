"""EST observations (``est_rapporter.csv``): what the staff of the municipality, the housing companies
and others report every week (*Effektiv samordning för trygghet*).

One row per observation: ``rapport_id;datum;område;ruta;typ;organisation;antal``. ``ruta`` is a grid
square or a property id, never an address: a value that reads like a street address is rejected (the
place stays coarse). ``antal`` defaults to 1. Rejects and reconciliation as for every extract.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from trygghet.data import schemas as sch
from trygghet.data.ingest.places import resolve_areas, unknown_area_reason
from trygghet.data.ingest.reading import Context, Spec, col, read_csv, start_checker
from trygghet.data.ingest.values import (
    choices,
    fold,
    parse_choice,
    parse_datetime,
    parse_int,
    to_string,
)

__all__ = ["EST_SPEC", "ingest_est", "looks_like_address"]

EST_SPEC = Spec(
    kind="est_reports", table="est_reports",
    required={"rapport_id": "rapport_id", "datum": "datum", "omrade": "område", "typ": "typ"},
    optional={"ruta": "ruta", "organisation": "organisation", "antal": "antal"},
)

_TYPE = choices(*sch.EST_TYPES, skadegorelse="skadegörelse", nedskrapning="nedskräpning", otrygg_plats="otrygg plats", samling_av_ungdomar="samling av ungdomar", ungdomssamling="samling av ungdomar", hot="hot mot personal", hot_mot_personal="hot mot personal", ovrigt="övrigt")
#: a street name with a number (``Storgatan 12``, ``Hertsövägen 3B``): an address, not a coarse place
_ADDRESS = re.compile(r"(gatan|vagen|vag|grand|stigen|allen|alle|torget|backen|leden|plan|gata)\s*\d+\s*[a-z]?\b")


def looks_like_address(values: pd.Series) -> np.ndarray:
    """True where a place reads like a street address (street name and number)."""
    return np.array([bool(_ADDRESS.search(fold(v))) if v else False for v in values.astype(str)], dtype=bool)


def ingest_est(files: list, ctx: Context) -> pd.DataFrame:
    """The EST observations of ``est_rapporter.csv`` (empty table when the file is absent)."""
    if not files:
        return sch.empty_table("est_reports")
    raw = read_csv(files[0][0], ctx, EST_SPEC)
    ctx.reports.append(raw.report)
    checker = start_checker(raw, ctx)
    f = raw.frame
    ids = f["rapport_id"]
    checker.reject((ids == "").to_numpy(dtype=bool), "rapport_id", ids, "rapport_id is empty")
    date, _, bad_date, _ = parse_datetime(f["datum"])
    checker.reject(bad_date | (f["datum"] == "").to_numpy(dtype=bool), "datum", f["datum"],
                   "datum is not a date (YYYY-MM-DD)")
    area_text = f["omrade"]
    checker.reject((area_text == "").to_numpy(dtype=bool), "omrade", area_text, "område is empty")
    area, bad_area = resolve_areas(area_text, ctx)
    checker.reject(bad_area, "omrade", area_text, unknown_area_reason(ctx))
    place = col(raw, "ruta")
    checker.reject(looks_like_address(place), "ruta", place,
                   "ruta looks like a street address; give a grid square or a property id (never an address)")
    kind, bad_kind = parse_choice(f["typ"], _TYPE)
    checker.reject(bad_kind | (f["typ"] == "").to_numpy(dtype=bool), "typ", f["typ"],
                   "typ is not one of " + ", ".join(sch.EST_TYPES))
    count_text = col(raw, "antal")
    count, bad_count = parse_int(count_text)
    empty_count = (count_text == "").to_numpy(dtype=bool)
    checker.reject(bad_count | (~empty_count & ~(count >= 1)), "antal", count_text,
                   "antal is not a positive number (a whole number of at least 1; empty means 1)")
    checker.reject(ids.duplicated(keep="first").to_numpy(dtype=bool) & (ids != "").to_numpy(dtype=bool),
                   "rapport_id", ids, "rapport_id appears twice")
    keep = checker.finish()
    organisation = col(raw, "organisation").astype(str).str.strip().str.casefold().to_numpy(dtype=object)
    counts = np.where(empty_count, 1, np.nan_to_num(count, nan=1.0))
    frame = pd.DataFrame({
        "report_id": to_string(ids[keep].to_numpy()),
        "date": date[keep],
        "year": pd.DatetimeIndex(date[keep]).year.to_numpy().astype("int16"),
        "area": to_string(area[keep]),
        "place": to_string(place[keep].to_numpy()),
        "type": to_string(kind[keep]),
        "organisation": to_string(organisation[keep]),
        "count": counts[keep].astype("int64"),
    })
    return frame.sort_values(["date", "report_id"], kind="stable").reset_index(drop=True)[sch.columns("est_reports")]

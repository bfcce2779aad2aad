"""Police-reported offences (``anmalda_brott*.csv``): codes through the code list, dates and times,
places joined to the areas, duplicate ``brott_id`` across files."""

from __future__ import annotations

import numpy as np
import pandas as pd

from trygghet.data import schemas as sch
from trygghet.data.ingest.places import locate_codes, place_checks, read_place, resolve_areas
from trygghet.data.ingest.reading import Checker, Context, Raw, Spec, col, read_csv, start_checker
from trygghet.data.ingest.values import (
    parse_datetime,
    parse_int,
    parse_minutes,
    strings_from_codes,
    take,
    to_string,
    unique_map,
)

__all__ = ["ingest_offences"]

_OFFENCE_SPEC = Spec(
    kind="offences",
    table="offences",
    required={"brott_id": "brott_id", "brottskod": "brottskod", "datum_fran": "datum_från"},
    optional={"arendenummer": "ärendenummer", "brottsrubricering": "brottsrubricering", "tid_fran": "tid_från",
              "datum_till": "datum_till", "tid_till": "tid_till", "anmald_datum": "anmäld_datum",
              "x_sweref99tm": "x_sweref99tm", "y_sweref99tm": "y_sweref99tm", "lat": "lat", "lon": "lon",
              "plats": "plats", "omrade": "område", "antal": "antal"},
    layouts=True,
)


def ingest_offences(files: list, ctx: Context) -> pd.DataFrame:
    parts = []
    for path, _ in files:
        raw = read_csv(path, ctx, _OFFENCE_SPEC)
        ctx.reports.append(raw.report)
        parts.append(_offences_from(raw, ctx))
    if not parts:
        return sch.empty_table("offences")
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    start = frame["start"].to_numpy()
    if len(start) > 1 and (start[1:] < start[:-1]).any():
        order = np.argsort(start, kind="stable")  # ties keep file and line order
        frame = frame.take(order).reset_index(drop=True)
    return frame[sch.columns("offences")]


def _offences_from(raw: Raw, ctx: Context) -> pd.DataFrame:
    checker = start_checker(raw, ctx)
    report = raw.report
    f = raw.frame
    ids = f["brott_id"]
    checker.reject((ids == "").to_numpy(dtype=bool), "brott_id", ids, "brott_id is empty")

    code_text = f["brottskod"]
    code_rows, code_table = _offence_codes(code_text, ctx.code_list)
    code_bad = code_table["bad"].to_numpy()[code_rows]
    padded = code_table["padded"].to_numpy()[code_rows]
    checker.reject((code_text == "").to_numpy(dtype=bool), "brottskod", code_text, "brottskod is empty")
    checker.reject(code_bad, "brottskod", code_text, "brottskod is not a 4-digit BRÅ offence code")
    if padded.any():
        report.checks["codes_zero_padded"] = int(padded.sum())
        report.warnings.append(f"{int(padded.sum())} offence codes had fewer than 4 digits (Excel drops leading "
                               "zeros) and were padded with zeros")

    start, known, bad_date, bad_time = parse_datetime(f["datum_fran"], col(raw, "tid_fran"))
    checker.reject((f["datum_fran"] == "").to_numpy(dtype=bool), "datum_fran", f["datum_fran"], "datum_från is empty")
    checker.reject(bad_date, "datum_fran", f["datum_fran"], "not a date (expected YYYY-MM-DD or YYYY-MM-DD HH:MM)")
    checker.reject(bad_time, "tid_fran", col(raw, "tid_fran"), "not a time (expected HH:MM)")
    date_till = col(raw, "datum_till")
    time_till = col(raw, "tid_till")
    end, end_known, bad_end, bad_end_time = parse_datetime(date_till, time_till)
    checker.reject(bad_end, "datum_till", date_till, "not a date (expected YYYY-MM-DD or YYYY-MM-DD HH:MM)")
    checker.reject(bad_end_time, "tid_till", time_till, "not a time (expected HH:MM)")
    only_time = (date_till == "").to_numpy(dtype=bool) & (time_till != "").to_numpy(dtype=bool)
    if only_time.any():
        day = start.astype("datetime64[D]").astype("datetime64[ns]")
        t_min = unique_map(time_till, lambda u: parse_minutes(u)[0]).astype(float)
        fill = only_time & np.isfinite(t_min) & ~np.isnat(start)
        end[fill] = day[fill] + (t_min[fill].astype("int64") * 60_000_000_000).astype("timedelta64[ns]")
    reported_text = col(raw, "anmald_datum")
    reported, _, bad_rep, _ = parse_datetime(reported_text)
    checker.reject(bad_rep, "anmald_datum", reported_text, "not a date (expected YYYY-MM-DD)")

    x, y = read_place(raw, checker, report)
    count_text = col(raw, "antal")
    count, bad_count = parse_int(count_text)
    bad_count |= np.isfinite(count) & (count < 1)
    checker.reject(bad_count, "antal", count_text, "antal is not a whole number of at least 1")
    _reject_duplicate_ids(raw, checker, ctx)
    keep = checker.finish()
    _remember_ids(raw, keep, ctx)

    x, y = x[keep], y[keep]
    has_place = np.isfinite(x) & np.isfinite(y)
    area_codes, inside = locate_codes(x, y, ctx)
    area_codes, inside = _areas_as_place(take(col(raw, "omrade"), keep), has_place, area_codes, inside, ctx, report)
    place_checks(report, has_place, inside, ctx, "offences")

    rows = code_rows[keep]
    unknown_u = (~code_table["known"].to_numpy()) & ~code_table["bad"].to_numpy()
    unknown = unknown_u[rows]
    if unknown.any():
        counts = pd.Series(code_table["code"].to_numpy()[rows[unknown]]).value_counts().sort_index()
        listed = ", ".join(f"{c} ({n})" for c, n in counts.head(20).items())
        more = f" and {len(counts) - 20} more" if len(counts) > 20 else ""
        report.checks["unknown_codes"] = {str(c): int(n) for c, n in counts.items()}
        report.warnings.append(f"{int(unknown.sum())} offences have codes not in the code list, kept as "
                               f"'{sch.CATEGORY_UNKNOWN}': {listed}{more}")

    start_k, end_k = start[keep], end[keep]
    later = ~np.isnat(end_k) & (end_k < start_k)
    if later.any():
        report.checks["end_before_start"] = int(later.sum())
        report.warnings.append(f"{int(later.sum())} offences end before they start (datum_till before datum_från); kept")
    stamp = pd.DatetimeIndex(start_k)
    known_k = known[keep]
    hour = pd.array(np.where(known_k, stamp.hour, 0), dtype="Int8")
    hour[~known_k] = pd.NA
    n = int(keep.sum())
    frame = pd.DataFrame({
        "offence_id": to_string(take(ids, keep)),
        "case_number": to_string(take(col(raw, "arendenummer"), keep)),
        "offence_code": strings_from_codes(rows, code_table["code"]),
        "offence_label": to_string(take(col(raw, "brottsrubricering"), keep)),
        "category": strings_from_codes(rows, code_table["category"]),
        "violent": code_table["violent"].to_numpy(dtype=bool)[rows],
        "volume_crime": code_table["volume_crime"].to_numpy(dtype=bool)[rows],
        "public_place": code_table["public_place"].to_numpy(dtype=bool)[rows],
        "start": start_k,
        "start_time_known": known_k,
        "end": end_k,
        "reported": reported[keep],
        "year": stamp.year.to_numpy().astype("int16"),
        "month": stamp.month.to_numpy().astype("int8"),
        "weekday": stamp.day_of_week.to_numpy().astype("int8"),
        "hour": hour,
        "x": np.where(has_place, x, np.nan),
        "y": np.where(has_place, y, np.nan),
        "has_place": has_place,
        "in_municipality": inside,
        "area": strings_from_codes(area_codes, list(ctx.areas["area"])),
        "place_text": to_string(take(col(raw, "plats"), keep)),
        "source_file": strings_from_codes(np.zeros(n, dtype=np.int64), [raw.name]),
        "source_line": raw.lines[keep].astype("int32"),
    })
    return _expand_counts(frame, np.where(np.isfinite(count), count, 1)[keep].astype(np.int64), report)


def _areas_as_place(area_text: pd.Series, has_place: np.ndarray, area_codes: np.ndarray, inside: np.ndarray,
                    ctx: Context, report) -> tuple[np.ndarray, np.ndarray]:
    """Offences without coordinates whose extract names an area (a DeSO area, the police's base area)
    get that area when it is one of the workbook's areas; they stay unmapped (no point on a map)."""
    given = (area_text != "").to_numpy(dtype=bool) & ~has_place
    if not given.any() or ctx.areas.empty:
        return area_codes, inside
    names, unknown = resolve_areas(area_text, ctx)
    index = {a: i for i, a in enumerate(ctx.areas["area"])}
    known = given & ~unknown & (names != "")
    area_codes = area_codes.copy()
    area_codes[known] = [index[a] for a in names[known]]
    inside = inside | known
    report.checks["area_from_extract"] = int(known.sum())
    missing = given & unknown
    if missing.any():
        values = pd.Series(area_text.to_numpy(dtype=object)[missing]).value_counts()
        listed = ", ".join(f"{v} ({n})" for v, n in values.head(10).items())
        report.checks["area_not_matched"] = int(missing.sum())
        report.warnings.append(f"{int(missing.sum())} rows name an area that is not one of the areas "
                               f"(kept, without an area): {listed}; name the areas in omraden as in the extract")
    return area_codes, inside


def _expand_counts(frame: pd.DataFrame, count: np.ndarray, report) -> pd.DataFrame:
    """A row with ``antal`` = k stands for k offences: it is repeated k times (ids ``<id>``, ``<id>#2`` …).
    The file's row counts stay exact (rows read = accepted + rejected); ``offences_accepted`` is the sum."""
    report.checks["offences_accepted"] = int(count.sum())
    if (count == 1).all():
        return frame
    report.warnings.append(f"{int((count > 1).sum())} rows stand for several offences (antal); "
                           f"{int(count.sum())} offences from {len(count)} rows")
    out = frame.loc[frame.index.repeat(count)].reset_index(drop=True)
    nth = np.concatenate([np.arange(1, k + 1) for k in count])
    suffix = np.where(nth > 1, np.char.add("#", nth.astype(str)), "")
    out["offence_id"] = (out["offence_id"].astype(str) + suffix).astype(frame["offence_id"].dtype)
    return out


def _offence_codes(text: pd.Series, code_list: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Distinct offence codes looked up in the code list once: (row -> distinct index, table of distinct)."""
    rows, uniques = pd.factorize(text, use_na_sentinel=False)
    raw_codes = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    digits = raw_codes.str.fullmatch(r"\d{1,4}").to_numpy(dtype=bool)
    code = raw_codes.str.zfill(4).where(digits, raw_codes)
    looked = code_list.set_index(code_list["offence_code"].astype(object)).reindex(pd.Index(code.to_numpy()))
    known = looked["category"].notna().to_numpy(dtype=bool)
    table = pd.DataFrame({
        "code": code.to_numpy(dtype=object),
        "bad": ~digits & (raw_codes != "").to_numpy(dtype=bool),
        "padded": digits & (raw_codes.str.len().to_numpy() < 4),
        "known": known,
        "category": np.where(known, looked["category"].astype(object).to_numpy(), sch.CATEGORY_UNKNOWN),
    })
    for flag in ("violent", "volume_crime", "public_place"):
        table[flag] = looked[flag].astype("boolean").fillna(False).to_numpy(dtype=bool)
    return rows, table


def _reject_duplicate_ids(raw: Raw, checker: Checker, ctx: Context) -> None:
    """Reject a brott_id seen before (in this file or an earlier one); the first usable row keeps it."""
    ids = raw.frame["brott_id"]
    cand = ~checker.bad & (ids != "").to_numpy(dtype=bool)
    within = ids.duplicated(keep="first").to_numpy(dtype=bool)
    if within.any():  # a duplicate of a rejected row is not a duplicate
        within = cand & ids.where(cand, None).duplicated(keep="first").to_numpy(dtype=bool) & ids.where(cand).notna().to_numpy()
    earlier = np.zeros(len(ids), dtype=bool)
    for _, seen, _ in ctx.offence_ids:
        earlier |= ids.isin(seen).to_numpy(dtype=bool)
    dup = cand & (within | earlier)
    if not dup.any():
        return
    reasons = np.full(len(ids), "", dtype=object)
    values = ids.to_numpy(dtype=object)
    first_line = {}
    dup_values = pd.unique(values[dup])
    for pos in np.flatnonzero(cand & ~dup & ids.isin(dup_values).to_numpy(dtype=bool)):
        first_line.setdefault(values[pos], raw.lines[pos])
    for pos in np.flatnonzero(dup):
        value = values[pos]
        where = None
        for name, seen, lines in ctx.offence_ids:
            hit = np.flatnonzero((seen == value).to_numpy(dtype=bool))
            if len(hit):
                where = f"{name} line {int(lines[hit[0]])}"
                break
        if where is None:
            where = f"{raw.name} line {int(first_line[value])}"
        reasons[pos] = f"duplicate brott_id, first seen in {where}"
    checker.reject(dup, "brott_id", ids, reasons)
    raw.report.checks["duplicate_ids"] = int(dup.sum())


def _remember_ids(raw: Raw, keep: np.ndarray, ctx: Context) -> None:
    ctx.offence_ids.append((raw.name, take(raw.frame["brott_id"], keep), raw.lines[keep]))

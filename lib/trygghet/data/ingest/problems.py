"""The problem register of the situation picture (``problem.yaml``, data contract round 2).

Lag (2023:196) asks the municipality to build its action plan on the situation picture: every measure
should answer a problem found there. ``problem.yaml`` is that register, decided by the steering group::

    problem:
      - id: P-2024-01
        rubrik: Våld på allmän plats nattetid i Centrum
        område: Centrum                      # one area, several separated by ",", or "hela kommunen"
        indikatorer: [vald_offentlig_natt]   # indicator ids (docs/indicators.md), a list or "a, b"
        kategorier: [misshandel]             # offence categories, read as the indicators brott_<kategori>
        underlag: Våldet nattetid i Centrum ökade 2023 ...
        beslutad_av: styrgruppen
        datum: 2024-03-14

A plain list of problems (without the key ``problem``) is read too. Keys are matched
case-insensitively, with or without Swedish letters. A problem without an id, a heading, an area or a
date it was decided, or without any indicator or category, goes to the rejects with its line; an
indicator id that is not defined, and a measure of the plan that names a problem the register lacks,
are warnings of the file (the prevention-level report flags such measures).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from trygghet.data import schemas as sch
from trygghet.data.ingest.places import unknown_area_reason
from trygghet.data.ingest.plan import _warn_unknown_indicators
from trygghet.data.ingest.reading import Checker, Context, Raw, read_yaml_with_lines, yaml_records
from trygghet.data.ingest.report import FileReport
from trygghet.data.ingest.values import fold, parse_datetime, to_string
from trygghet.data.vocabulary import CATEGORIES

__all__ = ["ingest_problems", "split_ids"]

_KEYS = ("id", "rubrik", "omrade", "indikatorer", "kategorier", "underlag", "beslutad_av", "datum")
#: the id pattern the contract suggests (``P-2025-03``); other ids are accepted with a warning
_ID_PATTERN = re.compile(r"^P-\d{4}-\d{2,3}$")




def split_ids(value) -> list[str]:
    """A list of ids from a YAML list or a text separated by ``;`` or ``,`` (blanks dropped, order
    kept, duplicates once): ``"P-2024-01; P-2024-02"`` -> ``["P-2024-01", "P-2024-02"]``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    parts = value if isinstance(value, (list, tuple)) else re.split(r"[;,]", str(value))
    return list(dict.fromkeys(str(p).strip() for p in parts if p is not None and str(p).strip()))


def ingest_problems(files: list, ctx: Context, measures: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read ``problem.yaml`` into the store's ``problems`` table (empty when the file is absent).

    ``measures`` (the ingested plan) lets the file's report warn about problem ids that measures name
    but the register lacks; indicator ids not in ``indicators.yaml`` are warned about as in the plan."""
    if not files:
        return sch.empty_table("problems")
    path = files[0][0]
    records, lines = yaml_records(path, read_yaml_with_lines(path, ctx), ("problem", "problems"), "problems",
                                  "write the problems as a list under 'problem:' (see docs/lawframe.md)")
    report = FileReport(file=path.name, table="problems")
    ctx.reports.append(report)
    rows = [{k: fields.get(k) for k in _KEYS} for fields in records]
    frame = pd.DataFrame(rows, columns=list(_KEYS))
    ids = frame["id"].map(_text)
    title = frame["rubrik"].map(_text)
    indicators = [split_ids(i) + [f"brott_{c}" for c in split_ids(k)]
                  for i, k in zip(frame["indikatorer"], frame["kategorier"])]
    bad_category = np.array([any(c not in CATEGORIES for c in split_ids(k)) for k in frame["kategorier"]], dtype=bool)
    areas, bad_area = _areas(frame["omrade"], ctx)
    date_text = frame["datum"].map(_text)
    dates, _, bad_date, _ = parse_datetime(date_text)
    text_cols = {k: frame[k].map(_text) for k in _KEYS}
    raw = Raw(name=path.name, frame=pd.DataFrame(text_cols), lines=np.asarray(lines, dtype=np.int64),
              headers={k: k for k in _KEYS}, report=report, bad_fields=np.zeros(len(frame), dtype=bool))
    checker = Checker(raw, ctx)
    checker.reject((ids == "").to_numpy(dtype=bool), "id", ids, "'id' is missing")
    checker.reject((title == "").to_numpy(dtype=bool), "rubrik", title, "'rubrik' is missing")
    checker.reject((text_cols["omrade"] == "").to_numpy(dtype=bool), "omrade", text_cols["omrade"], "'område' is missing")
    checker.reject(bad_area, "omrade", text_cols["omrade"], unknown_area_reason(ctx, whole=True))
    checker.reject(bad_category, "kategorier", text_cols["kategorier"],
                   "a category is not one of " + ", ".join(CATEGORIES))
    checker.reject(np.array([not i for i in indicators], dtype=bool), "indikatorer", text_cols["indikatorer"],
                   "the problem names no indicator or category that shows it")
    checker.reject(bad_date | (date_text == "").to_numpy(dtype=bool), "datum", date_text,
                   "datum (the day the problem was decided) is not a date (YYYY-MM-DD)")
    checker.reject(ids.duplicated(keep="first").to_numpy(dtype=bool) & (ids != "").to_numpy(dtype=bool), "id", ids,
                   "the problem id appears twice")
    keep = checker.finish()
    kept_ids = list(ids[keep])
    odd = [i for i in kept_ids if not _ID_PATTERN.match(i)]
    if odd:
        report.warnings.append("problem ids not in the form P-<year>-<number>: " + ", ".join(odd))
    named = [i for k, v in zip(keep, indicators) if k for i in v]
    _warn_unknown_indicators(report, named)
    if measures is not None and "problems" in measures.columns:
        referenced = {p for v in measures["problems"].dropna() for p in split_ids(v)}
        missing = sorted(referenced - set(kept_ids))
        if missing:
            report.warnings.append("measures name problems the register lacks: " + ", ".join(missing))
    out = pd.DataFrame({
        "problem_id": to_string(np.asarray(kept_ids, dtype=object)),
        "title": to_string(title[keep].to_numpy()),
        "areas": to_string(np.asarray([", ".join(a) for a in areas[keep]], dtype=object)),
        "indicators": to_string(np.asarray([",".join(v) for k, v in zip(keep, indicators) if k], dtype=object)),
        "evidence": to_string(text_cols["underlag"][keep].to_numpy()),
        "decided_by": to_string(text_cols["beslutad_av"][keep].to_numpy()),
        "decided": pd.Series(dates[keep]).astype("datetime64[ns]"),
    })
    return out.sort_values("problem_id", kind="stable").reset_index(drop=True)


def _text(value) -> str:
    """A YAML value as trimmed text; empty for a missing value."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def _areas(values: pd.Series, ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """Area lists (a YAML list or ``a, b``) -> canonical names; bad when one is unknown."""
    lookup = dict(ctx.area_lookup)
    lookup[fold(sch.WHOLE_MUNICIPALITY)] = sch.WHOLE_MUNICIPALITY
    out = np.empty(len(values), dtype=object)
    bad = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(values):
        names = []
        for part in split_ids(v):
            name = lookup.get(fold(part), None if ctx.area_lookup else part)
            if name is None:
                bad[i] = True
            else:
                names.append(name)
        out[i] = list(dict.fromkeys(names))
    return out, bad

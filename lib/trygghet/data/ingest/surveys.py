"""The safety survey (*trygghetsmätningen*) and the youth survey (*ungdomsenkäten*): responses checked
against their codebooks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from trygghet.data import schemas as sch
from trygghet.data.errors import DataError
from trygghet.data.ingest.places import resolve_areas, unknown_area_reason
from trygghet.data.ingest.reading import Context, Raw, Spec, col, decode, read_csv, start_checker
from trygghet.data.ingest.report import FileReport
from trygghet.data.ingest.values import choices, fold, parse_choice, parse_int, parse_number, to_string

__all__ = ["SAFETY_SURVEY", "YOUTH_SURVEY", "ingest_survey"]

@dataclass
class _SurveyKind:
    table: str
    codebook_name: str
    spec: Spec


SAFETY_SURVEY = _SurveyKind(
    table="survey",
    codebook_name="trygghetsmatning_kodbok.yaml",
    spec=Spec(kind="survey", table="survey",
               required={"respondent_id": "respondent_id", "ar": "år", "omrade": "område"},
               optional={"kon": "kön", "aldersgrupp": "åldersgrupp", "vikt": "vikt"}, prefix="q_"),
)
YOUTH_SURVEY = _SurveyKind(
    table="youth_survey",
    codebook_name="ungdomsenkat_kodbok.yaml",
    spec=Spec(kind="youth_survey", table="youth_survey",
               required={"respondent_id": "respondent_id", "ar": "år", "omrade": "område", "arskurs": "årskurs"},
               optional={"skola": "skola", "kon": "kön", "vikt": "vikt"}, prefix="q_"),
)
_SEX_SURVEY = choices("kvinna", "man", "annat", kvinnor="kvinna", k="kvinna", flicka="kvinna", tjej="kvinna",
                       man_="man", m="man", pojke="man", kille="man", men="man", woman="kvinna", other="annat")
_SEX_SURVEY[fold("män")] = "man"
_AGE_SURVEY = {g: g for g in sch.SURVEY_AGE_GROUPS}
_GRADE = choices("åk9", "gy2", **{"9": "åk9", "åk 9": "åk9", "årskurs 9": "åk9", "ak9": "åk9",
                                   "gy 2": "gy2", "gymnasiet år 2": "gy2", "gymnasiet 2": "gy2", "gy2": "gy2",
                                   "år 2": "gy2"})


def ingest_survey(files: list, codebook_files: list, ctx: Context, kind: _SurveyKind):
    codebook = None
    if codebook_files:
        codebook = _read_codebook(codebook_files[0][0], ctx, kind)
    elif files:
        raise DataError(files[0][0].name, f"the codebook {kind.codebook_name} is missing",
                        f"put {kind.codebook_name} beside the responses (see docs/data-model.md)")
    questions = [q["id"] for q in codebook["fragor"]] if codebook else []
    parts = []
    for path, year in files:
        raw = read_csv(path, ctx, kind.spec)
        ctx.reports.append(raw.report)
        parts.append(_survey_from(raw, int(year), codebook, questions, ctx, kind))
    base = sch.empty_table(kind.table)
    if not parts:
        frame = base
        for q in questions:
            frame[q] = pd.Series([], dtype="Int64")
    else:
        frame = pd.concat(parts, ignore_index=True)
        frame = frame.sort_values(["year", "respondent_id"], kind="stable").reset_index(drop=True)
    return frame[sch.columns(kind.table) + questions], (codebook or {})


def _read_codebook(path: Path, ctx: Context, kind: _SurveyKind) -> dict:
    data = ctx.read_bytes(path)
    text, _ = decode(path.name, data)
    try:
        book = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise DataError(path.name, f"the codebook is not valid YAML{where}", "correct the YAML (indentation, colons)") from None
    questions = book.get("fragor") if isinstance(book, dict) else None
    if not isinstance(questions, list) or not questions:
        raise DataError(path.name, "the codebook has no list 'fragor'", "see the codebook format in docs/data-model.md")
    seen = set()
    for i, q in enumerate(questions, start=1):
        qid = q.get("id") if isinstance(q, dict) else None
        if not isinstance(qid, str) or not qid.startswith("q_"):
            raise DataError(path.name, f"question {i} has no id starting with 'q_'", "give every question an id q_...")
        svar = q.get("svar")
        if not isinstance(svar, dict) or not svar or not all(isinstance(k, int) for k in svar):
            raise DataError(path.name, f"question {qid} has no answer codes ('svar' with integer codes)",
                            "list the answer codes as 'svar: {1: ..., 2: ...}'")
        vet_ej = q.get("vet_ej", []) or []
        if not isinstance(vet_ej, list) or not set(vet_ej) <= set(svar):
            raise DataError(path.name, f"question {qid}: 'vet_ej' codes are not among its answer codes", "correct vet_ej")
        if qid in seen:
            raise DataError(path.name, f"question {qid} is listed twice", "remove one of them")
        seen.add(qid)
    report = FileReport(file=path.name, table=f"{kind.table}_codebook", rows_read=len(questions),
                        rows_accepted=len(questions))
    ctx.reports.append(report)
    return book


def _survey_from(raw: Raw, year: int, codebook: dict, questions: list[str], ctx: Context,
                 kind: _SurveyKind) -> pd.DataFrame:
    checker = start_checker(raw, ctx)
    f = raw.frame
    report = raw.report
    ids = f["respondent_id"]
    checker.reject((ids == "").to_numpy(dtype=bool), "respondent_id", ids, "respondent_id is empty")
    years, bad_year = parse_int(f["ar"])
    checker.reject(bad_year | (f["ar"] == "").to_numpy(dtype=bool), "ar", f["ar"], "år is not a year")
    checker.reject(np.isfinite(years) & (years != year), "ar", f["ar"],
                   f"år does not match the survey round {year} of the file name")
    area, bad_area = resolve_areas(f["omrade"], ctx)
    checker.reject((f["omrade"] == "").to_numpy(dtype=bool), "omrade", f["omrade"], "område is empty")
    checker.reject(bad_area, "omrade", f["omrade"], unknown_area_reason(ctx))
    sex, bad_sex = parse_choice(col(raw, "kon"), _SEX_SURVEY)
    checker.reject(bad_sex, "kon", col(raw, "kon"), "kön is not kvinna, man or annat")
    weight, bad_w = parse_number(col(raw, "vikt"))
    checker.reject(bad_w | (weight <= 0), "vikt", col(raw, "vikt"), "vikt is not a positive number")
    extra = {}
    if kind.table == "survey":
        age_text = col(raw, "aldersgrupp").str.replace(r"\s*[–—-]\s*", "-", regex=True)
        age, bad_age = parse_choice(age_text, _AGE_SURVEY)
        checker.reject(bad_age, "aldersgrupp", col(raw, "aldersgrupp"),
                       "åldersgrupp is not one of " + ", ".join(sch.SURVEY_AGE_GROUPS))
        extra["age_group"] = age
    else:
        grade, bad_grade = parse_choice(f["arskurs"], _GRADE)
        checker.reject(bad_grade | (f["arskurs"] == "").to_numpy(dtype=bool), "arskurs", f["arskurs"],
                       "årskurs is not åk9 or gy2")
        extra["school"] = col(raw, "skola").to_numpy(dtype=object)
        extra["grade"] = grade
    answers = {}
    book = {q["id"]: q for q in codebook["fragor"]}
    in_file = [c for c in f.columns if c.startswith("q_")]
    unknown_q = [raw.headers[c] for c in in_file if c not in book]
    if unknown_q:
        report.warnings.append("questions not in the codebook were left out: " + ", ".join(unknown_q))
    missing_q = [q for q in questions if q not in f.columns]
    if missing_q:
        report.warnings.append("questions of the codebook not in this round (empty): " + ", ".join(missing_q))
    for q in questions:
        if q not in f.columns:
            continue
        values, bad = parse_int(f[q])
        codes = sorted(book[q]["svar"])
        checker.reject(bad, q, f[q], f"not an answer code of {q} (an integer)")
        outside = np.isfinite(values) & ~np.isin(values, codes)
        checker.reject(outside, q, f[q], f"answer code not in the codebook for {q} (codes: "
                       + ", ".join(str(c) for c in codes) + ")")
        answers[q] = values
    dup = (ids.duplicated(keep="first").to_numpy(dtype=bool)) & (ids != "").to_numpy(dtype=bool)
    checker.reject(dup, "respondent_id", ids, "respondent_id appears twice in the round")
    keep = checker.finish()
    n = int(keep.sum())
    out = {
        "respondent_id": to_string(ids[keep].to_numpy()),
        "year": np.full(n, year, dtype="int16"),
        "area": to_string(area[keep]),
        "sex": to_string(sex[keep]),
    }
    if kind.table == "survey":
        out["age_group"] = to_string(extra["age_group"][keep])
    else:
        out["school"] = to_string(extra["school"][keep])
        out["grade"] = to_string(extra["grade"][keep])
    out["weight"] = np.where(np.isfinite(weight[keep]), weight[keep], 1.0)
    for q in questions:
        values = answers.get(q)
        out[q] = pd.array(values[keep] if values is not None else np.full(n, np.nan), dtype="Float64").astype("Int64")
    return pd.DataFrame(out)

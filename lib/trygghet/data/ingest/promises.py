"""Citizens' promises (*medborgarlöften*, ``medborgarloften.yaml``, data contract round 2).

After a dialogue with residents the police and the municipality promise concrete, countable activities
and publish how far they got. The file is a list, one entry per promise and year::

    medborgarloften:
      - år: 2025
        löfte: Vi ska synas mer i centrum på helgkvällarna
        part: polisen                    # polisen, kommunen, or both: [polisen, kommunen] / "polisen och kommunen"
        aktivitet: Fotpatrull i centrum fredag och lördag kväll
        mål: 80 kvällar                  # a number and its unit (or {antal: 80, enhet: kvällar})
        utfört: 72                       # the number done so far
        status: pågår                    # genomfört, pågår or ej påbörjat
        kommentar: Patrullen ställdes in under två helger i juli.

A plain list (without the key ``medborgarloften``) is read too; keys are matched case-insensitively, with
or without Swedish letters. A promise without a year, wording, party or status, with an unknown party
or status, or with a target or number done that is not a number, goes to the rejects with its line.
A promise marked ``genomfört`` whose number done is below its target is kept with a warning of the file.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from trygghet.data import schemas as sch
from trygghet.data.ingest.reading import Checker, Context, Raw, read_yaml_with_lines, yaml_records
from trygghet.data.ingest.report import FileReport
from trygghet.data.ingest.values import choices, fold, fold_header, parse_choice, parse_int, parse_number, to_string
from trygghet.data.vocabulary import PROMISE_PARTIES, PROMISE_STATUSES

__all__ = ["ingest_promises", "split_target"]

_KEYS = ("ar", "lofte", "part", "aktivitet", "mal", "utfort", "status", "kommentar")
_STATUS = choices(*PROMISE_STATUSES, genomford="genomfört", klart="genomfört", klar="genomfört",
                  pagaende="pågår", paborjat="pågår", ej_paborjad="ej påbörjat", inte_paborjat="ej påbörjat",
                  inte_paborjad="ej påbörjat", ej_startat="ej påbörjat")
_POLICE, _MUNICIPALITY, _BOTH = PROMISE_PARTIES
_PARTY = {"polisen": _POLICE, "polis": _POLICE, "kommunen": _MUNICIPALITY, "kommun": _MUNICIPALITY}
_BOTH_WORDS = {"bada", "gemensam", "gemensamt", "polisen och kommunen", "kommunen och polisen"}
_TARGET = re.compile(r"^\s*(?:minst\s+|högst\s+|ca\.?\s+)?([0-9][0-9\s\u00a0]*(?:[.,][0-9]+)?)\s*(.*)$", re.I)




def split_target(value) -> tuple[str, str]:
    """A promise's ``mål`` as (number text, unit): ``"4 kontroller per år"`` -> ``("4", "kontroller per
    år")``, ``{antal: 80, enhet: kvällar}`` -> ``("80", "kvällar")``; ``("", "")`` when empty and
    ``(text, "")`` when no number leads it (the number check then rejects the row)."""
    if value is None or value == "":
        return "", ""
    if isinstance(value, dict):
        fields = {fold_header(k): v for k, v in value.items() if isinstance(k, str) and k != "__line__"}
        number = fields.get("antal", fields.get("varde", ""))
        return ("" if number is None else str(number).strip()), str(fields.get("enhet") or "").strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value), ""
    match = _TARGET.match(str(value))
    if not match:
        return str(value).strip(), ""
    return match.group(1).strip(), match.group(2).strip()


def ingest_promises(files: list, ctx: Context) -> pd.DataFrame:
    """Read ``medborgarloften.yaml`` into the store's ``promises`` table (empty when the file is absent).

    Columns: ``year``, ``promise``, ``party`` (:data:`~trygghet.data.vocabulary.PROMISE_PARTIES`),
    ``activity``, ``target`` and ``unit`` (from ``mål``), ``done`` (``utfört``), ``status``
    (:data:`~trygghet.data.vocabulary.PROMISE_STATUSES`), ``comment``; ordered by year, then as written."""
    if not files:
        return sch.empty_table("promises")
    path = files[0][0]
    records, lines = yaml_records(path, read_yaml_with_lines(path, ctx), ("medborgarloften", "loften"), "promises",
                                  "write the promises as a list under 'medborgarloften:' (see docs/tryggare.md)")
    report = FileReport(file=path.name, table="promises")
    ctx.reports.append(report)
    rows = []
    for fields in records:
        row = {k: fields.get(k) for k in _KEYS}
        row["mal"], row["enhet"] = split_target(row["mal"])
        row["part"] = _party_text(row["part"])
        rows.append({k: "" if v is None else str(v).strip() for k, v in row.items()})
    frame = pd.DataFrame(rows, columns=[*_KEYS, "enhet"])
    headers = {"ar": "år", "lofte": "löfte", "part": "part", "aktivitet": "aktivitet", "mal": "mål",
               "utfort": "utfört", "status": "status", "kommentar": "kommentar", "enhet": "mål"}
    raw = Raw(name=path.name, frame=frame, lines=np.asarray(lines, dtype=np.int64), headers=headers, report=report,
              bad_fields=np.zeros(len(frame), dtype=bool))
    checker = Checker(raw, ctx)
    for key in ("ar", "lofte", "part", "status"):
        checker.reject((frame[key] == "").to_numpy(dtype=bool), key, frame[key], f"'{headers[key]}' is missing")
    year, bad_year = parse_int(frame["ar"])
    checker.reject(bad_year | (np.isfinite(year) & ((year < 1990) | (year > 2100))), "ar", frame["ar"], "'år' is not a year")
    party = np.array([_PARTY.get(fold(p), _BOTH if fold(p) in _BOTH_WORDS else None) for p in frame["part"]], dtype=object)
    checker.reject(pd.isna(party), "part", frame["part"], "part is not one of polisen, kommunen, polisen och kommunen")
    status, bad_status = parse_choice(frame["status"], _STATUS)
    checker.reject(bad_status, "status", frame["status"], "status is not one of " + ", ".join(PROMISE_STATUSES))
    target, bad_target = parse_number(frame["mal"])
    checker.reject(bad_target | (target < 0), "mal", frame["mal"], "'mål' is not a number (it must start with one: '4 kontroller')")
    done, bad_done = parse_number(frame["utfort"])
    checker.reject(bad_done | (done < 0), "utfort", frame["utfort"], "'utfört' is not a number")
    keep = checker.finish()
    short = keep & (status == "genomfört") & np.isfinite(target) & np.isfinite(done) & (done < target)
    for line, promise in zip(raw.lines[short], frame["lofte"][short]):
        report.warnings.append(f"line {line}: '{promise}' is marked genomfört but utfört is below its mål")
    out = pd.DataFrame({
        "year": year[keep].astype("int16"),
        "promise": to_string(frame["lofte"][keep].to_numpy()),
        "party": to_string(party[keep]),
        "activity": to_string(frame["aktivitet"][keep].to_numpy()),
        "target": target[keep].astype("float64"),
        "unit": to_string(frame["enhet"][keep].to_numpy()),
        "done": done[keep].astype("float64"),
        "status": to_string(status[keep]),
        "comment": to_string(frame["kommentar"][keep].to_numpy()),
    })
    return out.sort_values("year", kind="stable").reset_index(drop=True)


def _party_text(value) -> str:
    """``part`` as one text: a list of parties becomes "polisen och kommunen" when it names both."""
    if isinstance(value, (list, tuple)):
        names = {_PARTY.get(fold(str(v).strip())) for v in value if v is not None}
        if names == {_POLICE, _MUNICIPALITY}:
            return _BOTH
        return str(value[0]).strip() if len(value) == 1 else ", ".join(str(v) for v in value)
    return "" if value is None else str(value)

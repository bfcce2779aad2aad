"""Uppföljning av mål och delmål — the report module of ``notebooks/uppfoljning.ipynb``.

The notebook calls, in order::

    r.start(store, year, lang)
    s = r.summary(store, year)      # everything the page shows, computed once
    r.status_chart(s)               # the statuses as one bar
    r.status_text(s)                # "Av 11 delmål är …" and "Beslut som behövs"
    r.goals_table(s)                # one row per sub-goal
    r.changes_text(s)               # the year's main changes
    r.problem_table(store, year)    # per problem of the register: did its indicators move?
    r.problem_detail_table(store, year)
    r.commitments(store, year)      # the parties' commitments in the activity plan

Each display function records what it shows (:func:`trygghet.reports.record.glue`), so the run
publishes ``reports/<year>/records/uppfoljning.json`` and the email is built from exactly what this
page said. The record's keys (:data:`RECORD_KEYS`):

- ``status_counts`` — ``{status code: number of sub-goals}`` for every code of
  :data:`trygghet.analysis.indicators.STATUSES` (``on_track``, ``at_risk``, ``off_track``, ``not_measurable``);
- ``status_sentence`` — "Av 11 delmål är 1 på väg, 4 osäkra (risk) och 6 inte på väg.";
- ``subject_status`` — "1 av 11 delmål på väg" (the email's subject);
- ``decisions`` — the "Beslut som behövs" lines, one per sub-goal not on track (empty list: none);
- ``decisions_intro`` — the sentence that introduces them;
- ``watch`` — the "Följ särskilt upp" sentence for sub-goals at risk ("" when none);
- ``goals`` — the rows of the sub-goal table as shown: ``subgoal_id, subgoal, area, baseline, value,
  target, trend, status`` (code), ``status_word``, ``reason``, ``measures``, ``latest_year``;
- ``main_changes`` — the main-change sentences as shown (empty list: none);
- ``answers`` — the three answers as shown (:mod:`trygghet.reports.answers`): a list of
  ``{"key", "question", "parts": [[text, href or null], ...], "text", "numbers"}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import Markdown

from trygghet.analysis import activity_plan
from trygghet.analysis import indicators
from trygghet.reports import answers as answer_words
from trygghet.reports import format as fmt
from trygghet.reports import preventionsnivaer
from trygghet.reports import problemregister
from trygghet.reports import wording
from trygghet.reports.common import start_report
from trygghet.reports.plots import follow_up_chart
from trygghet.reports.record import glue

__all__ = [
    "RECORD_KEYS",
    "GOAL_HEADERS",
    "DECISIONS_HEADING",
    "DECISIONS_INTRO",
    "NO_CHANGES",
    "NO_DECISIONS",
    "start",
    "summary",
    "record_of",
    "status_chart",
    "status_text",
    "answers_text",
    "goals_table",
    "changes_text",
    "commitments",
    "problem_table",
    "problem_detail_table",
    "goal_rows",
    "decision_lines",
    "main_change_sentences",
]

RECORD_KEYS = ("status_counts", "status_sentence", "subject_status", "decisions", "decisions_intro", "watch",
               "goals", "main_changes", "answers")
#: the sub-goal table's columns: record key -> Swedish header
GOAL_HEADERS = {
    "subgoal": "Delmål",
    "area": "Område",
    "baseline": "Utgångsvärde",
    "value": "Senaste värde (95 % KI)",
    "target": "Mål",
    "trend": "Utveckling sedan föregående mätning",
    "status_word": "Status",
    "reason": "Motivering",
    "measures": "Åtgärder i planen som siktar på indikatorn",
}
DECISIONS_HEADING = "Beslut som behövs"
DECISIONS_INTRO = ("Styrgruppen bör ta ställning till förstärkta eller nya åtgärder för delmålen som inte är på "
                   "väg:")
NO_DECISIONS = "Alla mätbara delmål är på väg eller osäkra; inga nya beslut behövs i år."
NO_MEASURE = "ingen åtgärd i planen siktar på indikatorn"
NO_CHANGES = "Inga statistiskt säkra förändringar jämfört med föregående mätning i år."


def start(store: str | Path | None, year: int, lang: str = "sv") -> None:
    """The report's first call: the one parameter check, the chart theme (:func:`start_report`)."""
    start_report(store, year, lang, where="uppfoljning")


def summary(store: str | Path | None, year: int, *, alpha: float = 0.05, max_changes: int = 8) -> dict[str, Any]:
    """Everything the page shows, computed once: the follow-up (``follow``, the frame of
    :func:`trygghet.analysis.indicators.follow_up`), the sub-goal rows as shown (``goals``), the
    decisions, the status sentence and the year's main changes as sentences."""
    follow = indicators.follow_up(store, year, alpha=alpha)
    measures_for = _measures_by_indicator(store, year)
    statuses = follow["status"].astype(str).tolist()
    risky = follow.loc[follow["status"] == "at_risk"]
    watch = ("Följ särskilt upp: " + "; ".join(f"{r.subgoal_id} {r.subgoal_text}" for r in risky.itertuples(index=False))
             + ".") if len(risky) else ""
    return {
        "year": int(year),
        "follow": follow,
        "status_counts": {s: statuses.count(s) for s in wording.STATUS_ORDER},
        "status_sentence": wording.status_sentence(statuses),
        "subject_status": wording.subject_status(statuses),
        "decisions": decision_lines(follow, measures_for),
        "decisions_intro": DECISIONS_INTRO,
        "watch": watch,
        "goals": goal_rows(follow, measures_for, year),
        "main_changes": main_change_sentences(store, year, alpha=alpha, max_items=max_changes),
        "answers": answer_words.answers(store, year, follow, alpha=alpha, max_changes=max_changes),
    }


def record_of(s: dict) -> dict[str, Any]:
    """The record this page publishes (``{key: value}`` for :data:`RECORD_KEYS`) from its summary: what
    the display functions below record, in one dict (for readers and tests)."""
    return {k: s[k] for k in RECORD_KEYS}


def status_chart(s: dict):
    """How many sub-goals have each status, as one bar (the chart the email inlines too)."""
    return follow_up_chart(_chart_table(s["goals"]))


def status_text(s: dict) -> Markdown:
    """The status sentence and the decisions it points to; records ``status_counts``,
    ``status_sentence``, ``subject_status``, ``decisions``, ``decisions_intro`` and ``watch``."""
    for key in ("status_counts", "status_sentence", "subject_status", "decisions", "decisions_intro", "watch"):
        glue(key, s[key])
    text = f"**{s['status_sentence']}**\n\n**{DECISIONS_HEADING}:** "
    if s["decisions"]:
        text += s["decisions_intro"] + "\n\n" + "\n".join(f"- {line}" for line in s["decisions"])
    else:
        text += NO_DECISIONS
    if s["watch"]:
        text += "\n\n" + s["watch"]
    return Markdown(_escape_md(text))


def answers_text(s: dict) -> Markdown:
    """The three answers — safer? where? aimed right? — each with links to its evidence (records
    ``answers``; the email opens with the same sentences)."""
    glue("answers", s["answers"])
    return Markdown(answer_words.markdown(s["answers"]))


def goals_table(s: dict):
    """The sub-goals as the steering group's table (records ``goals``)."""
    glue("goals", s["goals"])
    frame = pd.DataFrame(s["goals"], columns=list(GOAL_HEADERS)).rename(columns=GOAL_HEADERS)
    return fmt.table(frame)


def changes_text(s: dict | str | Path | None, year: int | None = None) -> Markdown:
    """The year's main changes as a bullet list.

    ``changes_text(summary)`` — this report: the summary's sentences, recorded as ``main_changes``.
    ``changes_text(store, year)`` — another report (the situation picture) showing the same list:
    the same sentences (:func:`main_change_sentences`), not recorded."""
    if year is None and isinstance(s, dict):
        glue("main_changes", s["main_changes"])
        sentences = s["main_changes"]
    else:
        sentences = main_change_sentences(s, int(year))
    if not sentences:
        return Markdown(NO_CHANGES)
    return Markdown(_escape_md("\n".join(f"- {t}" for t in sentences)))


def main_change_sentences(store: str | Path | None, year: int, *, alpha: float = 0.05,
                          max_items: int = 8) -> list[str]:
    """The year's main changes (:func:`trygghet.analysis.indicators.main_changes`) as sentences
    (:func:`trygghet.reports.wording.main_change_sentence`) — what every report and the email shows."""
    changes = indicators.main_changes(store, year, alpha=alpha, max_items=max_items)
    return [wording.main_change_sentence(r) for r in changes.to_dict("records")]


def commitments(store: str | Path | None, year: int):
    """Each party's commitments in the activity plan: measures by status and their cost."""
    return fmt.table(activity_plan.commitments(store, year), headers=preventionsnivaer.HEADERS_SV,
                     decimals={"cost_sek": 0})


def problem_table(store: str | Path | None, year: int):
    """Per problem of the register (``problem.yaml``): did its indicators move? (counts and a word;
    :func:`trygghet.reports.problemregister.follow_up_table`)."""
    return problemregister.follow_up_table(store, year)


def problem_detail_table(store: str | Path | None, year: int):
    """Per problem and indicator: previous and latest measurement, change, better or worse
    (:func:`trygghet.reports.problemregister.follow_up_detail_table`)."""
    return problemregister.follow_up_detail_table(store, year)


def goal_rows(follow: pd.DataFrame, measures_for: dict[str, list[str]], year: int | None = None) -> list[dict]:
    """The follow-up's rows as shown: every value of a row with the decimals its status needs
    (:func:`trygghet.reports.wording.status_precision`), the trend and status in the agreed words."""
    rows = []
    for r in follow.to_dict("records"):
        ind = str(r["indicator"])
        extra = wording.status_precision(r)
        known = r["status_reason"] != "unknown_indicator"
        baseline = wording.format_value(ind, r["baseline_value"], extra=extra) if known else fmt.MISSING
        if known and not _missing(r["baseline_year"]) and baseline != fmt.MISSING:
            baseline += f" ({int(r['baseline_year'])})"
        value = fmt.MISSING
        if known and not _missing(r["value"]):
            value = wording.format_value(ind, r["value"], extra=extra)
            interval = wording.format_interval(ind, r["lower"], r["upper"], extra=extra)
            value += (f" ({interval})" if interval != fmt.MISSING else "") + f", {int(r['latest_year'])}"
        rows.append({
            "subgoal_id": str(r["subgoal_id"]),
            "subgoal": f"{r['subgoal_id']} {r['subgoal_text']}",
            "area": str(r["area"]),
            "baseline": baseline,
            "value": value,
            "target": wording.target_text(r, extra) if known else fmt.MISSING,
            "trend": wording.trend_text(r["trend"], r["trend_from"]),
            "status": str(r["status"]),
            "status_word": wording.status_word(r["status"]),
            "reason": wording.status_reason(r, year),
            "measures": ", ".join(measures_for.get(ind, [])) or "inga",
            "latest_year": None if _missing(r["latest_year"]) else int(r["latest_year"]),
        })
    return rows


def decision_lines(follow: pd.DataFrame, measures_for: dict[str, list[str]]) -> list[str]:
    """One line per sub-goal not on track: "M2.1 Våldet ska minska", with "– ingen åtgärd i planen
    siktar på indikatorn" when no active measure of the activity plan names its indicator."""
    off = follow.loc[follow["status"] == "off_track"]
    return [f"{r.subgoal_id} {r.subgoal_text}" + ("" if measures_for.get(str(r.indicator)) else f" – {NO_MEASURE}")
            for r in off.itertuples(index=False)]


def _chart_table(goals: list[dict]) -> pd.DataFrame:
    """The recorded goal rows as :func:`trygghet.reports.plots.follow_up_chart` reads them."""
    return pd.DataFrame({"status": [wording.status_word(g["status"]) for g in goals],
                         "latest_year": pd.array([g.get("latest_year") for g in goals], dtype="Int64")})


def _measures_by_indicator(store, year: int | None) -> dict[str, list[str]]:
    table = activity_plan.measures(store, year, active_only=year is not None)
    out: dict[str, list[str]] = {}
    for name, ids in zip(table["name"], table["indicators"].fillna("")):
        for i in (t.strip() for t in str(ids).split(",")):
            if i:
                out.setdefault(i, []).append(str(name))
    return out


def _escape_md(text: str) -> str:
    """Sub-goal texts are data: keep their * and _ from turning into emphasis."""
    return text.replace("_", "\\_")


def _missing(x) -> bool:
    return x is None or bool(pd.isna(x))

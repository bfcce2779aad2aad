"""The problem register in words and tables: the situation picture's problems (Lag 2023:196), the
measures that answer each on each prevention level with the flags (a problem without a measure, a
measure without a problem), and the follow-up of each problem's indicators.

Called by the situation picture (:mod:`trygghet.reports.lagesbild`), the prevention-level report
(:mod:`trygghet.reports.preventionsnivaer`) and the follow-up (:mod:`trygghet.reports.uppfoljning`
calls :func:`follow_up_table` and :func:`follow_up_detail_table`). The frames are
:mod:`trygghet.analysis.problems`'; changes are the follow-up's one test and its words
(:func:`trygghet.reports.wording.change_word`). Problems and measures are decisions, not personal
data; the indicator values shown are the follow-up's published values.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from trygghet.analysis import activity_plan, indicators, problems
from trygghet.data.vocabulary import PREVENTION_LEVELS
from trygghet.reports import format as fmt
from trygghet.reports import wording
from trygghet.reports.common import value_text

__all__ = [
    "ASSESSMENT_WORDS",
    "MOVEMENT_WORDS",
    "register_display",
    "register_table",
    "level_display",
    "level_table",
    "flags_display",
    "flags_table",
    "flag_counts",
    "follow_up_display",
    "follow_up_table",
    "follow_up_detail_display",
    "follow_up_detail_table",
    "summary_text",
]

#: an indicator's change read through its direction, in words
ASSESSMENT_WORDS = {"improved": "förbättrats", "worsened": "försämrats",
                    "no_certain_change": wording.change_word("no_certain_change"),
                    "not_measurable": wording.change_word("not_measurable")}
#: a problem's movement over its indicators (:data:`trygghet.analysis.problems.MOVEMENTS`), in words
MOVEMENT_WORDS = {"improved": "förbättrats", "worsened": "försämrats", "mixed": "både förbättrats och försämrats",
                  "no_certain_change": wording.change_word("no_certain_change"),
                  "not_measurable": wording.change_word("not_measurable")}
_LEVEL_HEADERS = {"universell": "Universell", "selektiv": "Selektiv", "indikerad": "Indikerad",
                  "situationell": "Situationell"}
_NO_REGISTER = "Problemregistret (problem.yaml) saknas eller har inga problem beslutade till och med {year}."


def register_display(store: str | Path | None, year: int) -> pd.DataFrame:
    """The problems decided by the end of ``year``: id, heading, area, the indicators that show each
    (by name), the evidence and who decided it when."""
    table = problems.register(store, year)
    if table.empty:
        return pd.DataFrame({"Problem": [_NO_REGISTER.format(year=year)]})
    return pd.DataFrame({
        "Id": table["problem_id"].to_numpy(),
        "Problem": table["title"].to_numpy(),
        "Område": table["areas"].to_numpy(),
        "Visas av": [_indicator_names(t) for t in table["indicators"]],
        "Underlag": table["evidence"].fillna(fmt.MISSING).to_numpy(),
        "Beslutat": [f"{fmt.date(d)}" + (f", {b}" if isinstance(b, str) and b else "")
                     for d, b in zip(table["decided"], table["decided_by"])],
    })


def register_table(store: str | Path | None, year: int):
    """:func:`register_display` as a table."""
    shown = register_display(store, year)
    styler = fmt.table(shown, caption=f"Problemregistret: problem beslutade till och med {year}")
    if "Id" in shown.columns:  # an id reads as one word
        styler = styler.set_properties(subset=["Id"], **{"white-space": "nowrap", "text-align": "left"})
        styler = styler.set_table_styles({"Id": [{"selector": "th", "props": "text-align: left;"}]}, overwrite=False)
    return styler


def level_display(store: str | Path | None, year: int) -> pd.DataFrame:
    """Each problem with the year's measures that answer it on each prevention level (names with
    ids) and a flag when no measure answers it (and which later measure is planned, if any)."""
    matrix = problems.level_matrix(store, year)
    if matrix.empty:
        return pd.DataFrame({"Problem": [_NO_REGISTER.format(year=year)]})
    plan = activity_plan.measures(store)
    names = dict(zip(plan["measure_id"], plan["name"]))
    out = pd.DataFrame({"Problem": [f"{t} ({p})" for p, t in zip(matrix["problem_id"], matrix["title"])]})
    for level in PREVENTION_LEVELS:
        out[_LEVEL_HEADERS[level]] = ["; ".join(f"{names.get(m, m)} ({m})" for m in ids) or None
                                      for ids in matrix[level]]
    out["Att uppmärksamma"] = [_problem_flag(w, later) for w, later in zip(matrix["without_measure"], matrix["later_measures"])]
    return out


def level_table(store: str | Path | None, year: int):
    """:func:`level_display` as a table."""
    return fmt.table(level_display(store, year),
                     caption=f"Problemen och åtgärderna som svarar mot dem per preventionsnivå {year}")


def flags_display(store: str | Path | None, year: int) -> pd.DataFrame:
    """Every flag in a sentence: problems of the register without a measure in the year's plan, and
    measures of the plan that answer no problem of the register. Columns ``Typ``, ``Vad``."""
    rows = []
    for r in problems.problems_without_measure(store, year).itertuples(index=False):
        later = f" En senare åtgärd är planerad: {', '.join(r.later_measures)}." if r.later_measures else ""
        rows.append({"Typ": "Problem utan åtgärd",
                     "Vad": f"{r.title} ({r.problem_id}, beslutat {fmt.date(r.decided)}): ingen åtgärd i {year} års "
                            f"plan svarar mot problemet.{later}"})
    for r in problems.measures_without_problem(store, year).itertuples(index=False):
        why = ("anger inget problem" if r.reason == "none"
               else f"anger {', '.join(r.unknown_ids)}, som inte finns i problemregistret")
        rows.append({"Typ": "Åtgärd utan problem", "Vad": f"{r.name} ({r.measure_id}, {r.level} nivå) {why}."})
    if not rows:
        rows.append({"Typ": fmt.MISSING, "Vad": "Varje problem har en åtgärd och varje åtgärd svarar mot ett problem."})
    return pd.DataFrame(rows, columns=["Typ", "Vad"])


def flags_table(store: str | Path | None, year: int):
    """:func:`flags_display` as a table."""
    return fmt.table(flags_display(store, year), caption="Problem utan åtgärd och åtgärder utan problem")


def flag_counts(store: str | Path | None, year: int) -> dict[str, int]:
    """How many problems lack a measure and how many measures lack a problem (for sentences and records)."""
    return {"problems_without_measure": len(problems.problems_without_measure(store, year)),
            "measures_without_problem": len(problems.measures_without_problem(store, year)),
            "problems": len(problems.register(store, year))}


def follow_up_display(store: str | Path | None, year: int, *, alpha: float = 0.05) -> pd.DataFrame:
    """Per problem: whether its indicators moved since their previous measurement (the follow-up's
    change test), counted and in words."""
    table = problems.problem_movement(store, year, alpha=alpha)
    if table.empty:
        return pd.DataFrame({"Problem": [_NO_REGISTER.format(year=year)]})
    return pd.DataFrame({
        "Problem": [f"{t} ({p})" for p, t in zip(table["problem_id"], table["title"])],
        "Indikatorer": table["n"].to_numpy(),
        "Förbättrats": table["improved"].to_numpy(),
        "Försämrats": table["worsened"].to_numpy(),
        "Ingen säker förändring": table["unchanged"].to_numpy(),
        "Ej mätbara": table["not_measurable"].to_numpy(),
        "Sammantaget": table["movement"].map(MOVEMENT_WORDS).to_numpy(),
    })


def follow_up_table(store: str | Path | None, year: int, *, alpha: float = 0.05):
    """:func:`follow_up_display` as a table (the follow-up's section "Problemen")."""
    return fmt.table(follow_up_display(store, year, alpha=alpha),
                     caption=f"Har problemens indikatorer rört sig? Senaste mätningen till och med {year} mot den föregående")


def follow_up_detail_display(store: str | Path | None, year: int, *, alpha: float = 0.05) -> pd.DataFrame:
    """Per problem and indicator (per area where the problem names areas): the two measurements
    compared, the change in the agreed words and whether that is better or worse."""
    table = problems.indicator_movement(store, year, alpha=alpha)
    if table.empty:
        return pd.DataFrame({"Problem": [_NO_REGISTER.format(year=year)]})
    return pd.DataFrame({
        "Problem": table["problem_id"].to_numpy(),
        "Indikator": table["name"].fillna(table["indicator"] + " (okänd indikator)").to_numpy(),
        "Område": table["area"].to_numpy(),
        "Föregående mätning": [_measurement(i, y, v) for i, y, v in zip(table["indicator"], table["year_from"], table["value_from"])],
        "Senaste mätning": [_measurement(i, y, v) for i, y, v in zip(table["indicator"], table["year_to"], table["value_to"])],
        "Förändring": [wording.change_word(r) for r in table["reading"]],
        "Bedömning": table["assessment"].map(ASSESSMENT_WORDS).to_numpy(),
    })


def follow_up_detail_table(store: str | Path | None, year: int, *, alpha: float = 0.05):
    """:func:`follow_up_detail_display` as a table."""
    return fmt.table(follow_up_detail_display(store, year, alpha=alpha),
                     caption="Problemens indikatorer: föregående och senaste mätning")


def summary_text(store: str | Path | None, year: int) -> str:
    """One paragraph: how many problems, how many lack a measure, how many measures lack a problem."""
    c = flag_counts(store, year)
    if not c["problems"]:
        return _NO_REGISTER.format(year=year)
    p, m = c["problems_without_measure"], c["measures_without_problem"]
    first = (f"Problemregistret har {c['problems']} problem beslutade till och med {year}. "
             + ("Alla har minst en åtgärd i årets plan" if p == 0 else
                f"{p} av dem saknar åtgärd i årets plan" if p > 1 else "Ett av dem saknar åtgärd i årets plan"))
    second = ("alla åtgärder svarar mot ett problem i registret." if m == 0 else
              f"{m} åtgärder svarar inte mot något problem i registret." if m > 1 else
              "en åtgärd svarar inte mot något problem i registret.")
    return f"{first}, och {second}"


# --- helpers -------------------------------------------------------------------------------------


def _indicator_names(text) -> str:
    defined = set(indicators.definitions()["id"])
    return ", ".join(indicators.definition(i)["name_sv"] if i in defined else f"{i} (okänd indikator)"
                     for i in problems.split_ids(text)) or fmt.MISSING


def _problem_flag(without: bool, later: list[str]) -> str:
    if not without:
        return None
    return "saknar åtgärd" + (f" (planerad senare: {', '.join(later)})" if later else "")


def _measurement(indicator: str, year, value) -> str:
    if year is None or pd.isna(year) or value is None or pd.isna(value):
        return fmt.MISSING
    return f"{value_text(indicator, value)} ({int(year)})"

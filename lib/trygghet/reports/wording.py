"""Every Swedish word and sentence the reports, maps and the email show for the library's codes.

The analysis layer returns codes (a change's ``reading``, a goal's ``status`` and ``status_reason``);
this module is the one place that words them, so that no two reports word one result differently:

- :func:`change_word` — THE words of a tested change: ``ökat``, ``minskat``, ``ingen säker
  förändring``, ``ej mätbart``. Nothing else words a change anywhere.
- :func:`format_value` / :func:`format_interval` — an indicator's value and interval by its kind.
- :func:`status_word`, :func:`status_precision`, :func:`status_reason` — a goal's status, the decimals
  that make the shown interval support it, and the reason in a sentence.
- :func:`main_change_sentence`, :func:`test_name`, :func:`status_sentence`, :func:`subject_status`.

Shared module: other report modules may add functions at the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from trygghet.analysis.indicators import definition
from trygghet.data.vocabulary import WHOLE_MUNICIPALITY
from trygghet.reports import format as fmt

__all__ = [
    "CHANGE_WORDS",
    "STATUS_WORDS",
    "STATUS_ORDER",
    "MAX_EXTRA_DECIMALS",
    "change_word",
    "trend_text",
    "change_verb",
    "format_value",
    "format_interval",
    "status_word",
    "status_precision",
    "status_reason",
    "target_text",
    "main_change_sentence",
    "test_name",
    "status_sentence",
    "subject_status",
    "join_sv",
]

#: the words of a change's reading code (:data:`trygghet.analysis.indicators.READINGS`)
CHANGE_WORDS = {
    "increased": "ökat",
    "decreased": "minskat",
    "no_certain_change": "ingen säker förändring",
    "not_measurable": "ej mätbart",
}
#: the words of a goal's status code (:data:`trygghet.analysis.indicators.STATUSES`)
STATUS_WORDS = {"on_track": "på väg", "at_risk": "risk", "off_track": "ej på väg", "not_measurable": "ej mätbart"}
#: the order statuses are counted and drawn in
STATUS_ORDER = ("on_track", "at_risk", "off_track", "not_measurable")
#: the status counts in a sentence ("3 inte på väg")
_STATUS_COUNTED = {"on_track": "på väg", "at_risk": "osäkra (risk)", "off_track": "inte på väg",
                   "not_measurable": "inte mätbara"}
#: at most this many decimals are added to make a shown bound differ from the path it is judged by
MAX_EXTRA_DECIMALS = 3
_TEST_NAMES = {
    "poisson_rate": "exakt villkorligt binomialtest för två Poissonantal (justerat för befolkningen)",
    "poisson_count": "exakt villkorligt binomialtest för två Poissonantal",
    "z_share_effective_n": "z-test för två andelar på effektiva urvalsstorlekar (Kish)",
    "z_mean_linearised": "z-test för två viktade medelvärden (linjäriserade standardfel)",
    "fisher_exact": "Fishers exakta test",
    "census": "totalräkning utan slumposäkerhet (tecknet på skillnaden)",
}


# --- changes ------------------------------------------------------------------------------------------


def change_word(reading: str) -> str:
    """THE words of a tested change: ``increased`` -> "ökat", ``decreased`` -> "minskat",
    ``no_certain_change`` -> "ingen säker förändring", ``not_measurable`` (or missing) -> "ej mätbart".
    A ``ValueError`` names the codes for anything else."""
    if reading is None or (not isinstance(reading, str) and pd.isna(reading)):
        return CHANGE_WORDS["not_measurable"]
    try:
        return CHANGE_WORDS[str(reading)]
    except KeyError:
        raise ValueError(f"change_word(): {reading!r} is not a reading code; use one of "
                         + ", ".join(CHANGE_WORDS)) from None


def trend_text(reading: str, year_from) -> str:
    """A change with the year it is compared with, as every report shows it: "ökat (jfr 2024)",
    "ingen säker förändring (jfr 2023)"; "ej mätbart" without an earlier measurement."""
    if reading in (None, "not_measurable") or _missing(year_from):
        return change_word("not_measurable")
    return f"{change_word(reading)} (jfr {int(year_from)})"


def change_verb(reading: str) -> str:
    """The past tense of a certain change in a sentence ("… ökade från 5,8 till 14,5 …"): the verb of
    :func:`change_word`'s "ökat" / "minskat" (``increased`` / ``decreased`` only)."""
    verbs = {"increased": "ökade", "decreased": "minskade"}
    if reading not in verbs:
        raise ValueError(f"change_verb(): only a certain change has a verb; got {reading!r}")
    return verbs[reading]


def test_name(code: str) -> str:
    """The Swedish name of a change's test code (:data:`trygghet.analysis.indicators.change.TESTS`)."""
    return _TEST_NAMES.get(str(code), str(code))


def main_change_sentence(row: Mapping) -> str:
    """One of the year's main changes (a row of :func:`trygghet.analysis.indicators.main_changes`) as
    the sentence an analyst would write, its verb from the same reading as every other report's word
    (:func:`change_verb`): "Anmälda bostadsinbrott minskade från 3,0 till 1,4 per 1 000 invånare mellan
    2024 och 2025 (säker förändring, p = 0,01)." One more decimal when rounding would hide the change."""
    d = definition(str(row["indicator"]))
    area = str(row["area"])
    where = "" if area == WHOLE_MUNICIPALITY else f" i {area}"
    v0, v1 = float(row["value_from"]), float(row["value_to"])
    a, b = _fmt(d, v0), _fmt(d, v1)
    if a == b:  # rounding hides the change: show one more decimal
        a, b = _fmt(d, v0, 1), _fmt(d, v1, 1)
    p = row.get("p_adjusted", row.get("p_value"))
    return (f"{d['phrase_sv']}{where} {change_verb(row['reading'])} från {a} till {b}{_unit_phrase(d)} "
            f"mellan {int(row['year_from'])} och {int(row['year_to'])} (säker förändring, {fmt.p_value(p)}).")


# --- values -------------------------------------------------------------------------------------------


def format_value(indicator: str, value, *, hidden: bool = False, extra: int = 0) -> str:
    """One indicator value in Swedish, by the indicator's kind: shares "21 %", indices "1,38", rates
    "8,3", counts "1 234" (1–4 as "<5"), sums in kronor "12 345 kr"; "–" when hidden or missing.
    ``extra`` adds decimals (see :func:`status_precision`). The one formatter of indicator values:
    reports, follow-up tables and the email use it."""
    if hidden or _missing(value):
        return fmt.MISSING
    d = definition(indicator)
    if d["kind"] == "count" and not extra:
        return fmt.count(value)
    return _fmt(d, float(value), extra)


def format_interval(indicator: str, lower, upper, *, hidden: bool = False, extra: int = 0) -> str:
    """An indicator's interval by its kind: "17–21 %", "1,95–2,23", "8,0–9,3"; "–" when hidden or
    without an interval (censuses)."""
    if hidden or _missing(lower) or _missing(upper):
        return fmt.MISSING
    d = definition(indicator)
    if d["kind"] in ("survey_share", "share"):
        dec = 0 + extra
        return fmt.interval(lower, upper, dec, as_percent=True)
    return f"{_fmt(d, float(lower), extra)}–{_fmt(d, float(upper), extra)}"


# --- goals ----------------------------------------------------------------------------------------------


def status_word(status: str) -> str:
    """A goal's status code in words: "på väg", "risk", "ej på väg", "ej mätbart"."""
    try:
        return STATUS_WORDS[str(status)]
    except KeyError:
        raise ValueError(f"status_word(): {status!r} is not a status code; use one of {', '.join(STATUS_WORDS)}") from None


def status_precision(row: Mapping) -> int:
    """The decimals to add to a follow-up row's value, interval, path and target so that the shown
    numbers support its status: every interval bound that differs from the path value is shown
    differing from it ("17–21 %" beside "över målet 17 %" becomes "17,2–20,7 %" beside "16,9 %").
    At most :data:`MAX_EXTRA_DECIMALS`; :func:`status_reason` says so when even that does not separate them."""
    if row.get("status") == "not_measurable" or _missing(row.get("path_value")):
        return 0
    for extra in range(MAX_EXTRA_DECIMALS + 1):
        if _separated(row, extra):
            return extra
    return MAX_EXTRA_DECIMALS


def _separated(row: Mapping, extra: int) -> bool:
    """Whether every bound (the value for a census) that differs from the path is shown differing."""
    d = definition(str(row["indicator"]))
    path = float(row["path_value"])
    bounds = [float(row[k]) for k in ("lower", "upper") if not _missing(row.get(k))] or [float(row["value"])]
    shown_path = _fmt(d, path, extra)
    return all(_fmt(d, b, extra) != shown_path for b in bounds if b != path)


def target_text(row: Mapping, extra: int = 0) -> str:
    """A sub-goal's target: "högst 16,9 % år 2025" (ceiling) or "minst 68 % år 2027" (floor)."""
    if _missing(row.get("target_value")):
        return fmt.MISSING
    word = "högst" if row.get("target_type") == "tak" else "minst"
    year = "" if _missing(row.get("target_year")) else f" år {int(row['target_year'])}"
    return f"{word} {format_value(str(row['indicator']), row['target_value'], extra=extra)}{year}"


def status_reason(row: Mapping, year: int | None = None) -> str:
    """Why a follow-up row (:func:`trygghet.analysis.indicators.follow_up`) has its status, in a
    sentence whose numbers support the status (:func:`status_precision`). ``year`` is the report year
    (named when there is no data up to it)."""
    reason = row.get("status_reason") or ""
    if row.get("status") == "not_measurable" or reason:
        return _not_measurable_reason(row, reason, year)
    ind = str(row["indicator"])
    extra = status_precision(row)
    latest, tyear = int(row["latest_year"]), int(row["target_year"])
    value = format_value(ind, row["value"], extra=extra)
    path_txt = format_value(ind, row["path_value"], extra=extra)
    target = format_value(ind, row["target_value"], extra=extra)
    has_ci = not (_missing(row.get("lower")) or _missing(row.get("upper")))
    ci = f" (95 % konfidensintervall {format_interval(ind, row['lower'], row['upper'], extra=extra)})" if has_ci else ""
    ceiling = row.get("target_type") == "tak"
    side_ok, side_bad = ("under", "över") if ceiling else ("över", "under")
    if latest >= tyear:
        where = f"målet {target} för {tyear}"
    else:
        where = f"vägen mot målet {target} år {tyear} ({path_txt} år {latest})"
    status = row["status"]
    if status == "on_track":
        text = f"Värdet {latest} är {value}{ci} och ligger {side_ok} {where}."
    elif status == "off_track":
        text = f"Värdet {latest} är {value}{ci} och ligger säkert {side_bad} {where}."
    else:
        text = (f"Värdet {latest} är {value}{ci}; intervallet omfattar {where}, så det går inte att säga "
                f"säkert att målet nås.")
    if not _separated(row, extra):
        text += " Skillnaden mot målvägen är mindre än vad de visade decimalerna visar."
    return text


def _not_measurable_reason(row: Mapping, reason: str, year: int | None) -> str:
    if reason == "unknown_indicator":
        return f"Indikatorn '{row.get('indicator')}' finns inte bland definitionerna."
    if reason == "not_for_area":
        return f"Indikatorn redovisas inte för {row.get('area')}."
    if reason == "unknown_target_type":
        return f"Måltypen '{row.get('target_type')}' är okänd (ska vara tak eller golv)."
    if reason == "hidden":
        return "Värdet döljs eftersom underlaget är för litet."
    if reason == "no_data":
        return f"Det finns inga uppgifter till och med {int(year)}." if year else "Det finns inga uppgifter ännu."
    if reason == "no_target":
        return "Delmålet saknar målvärde eller målår."
    return "Värdet kan inte bedömas."


def status_sentence(statuses: Iterable[str]) -> str:
    """The follow-up in one sentence: "Av 11 delmål är 1 på väg, 4 osäkra (risk) och 6 inte på väg."."""
    statuses = [str(s) for s in statuses]
    counts = {s: statuses.count(s) for s in STATUS_ORDER}
    parts = [f"{counts[s]} {_STATUS_COUNTED[s]}" for s in STATUS_ORDER if counts[s]]
    if not parts:
        return "Det finns inga delmål att följa upp."
    return f"Av {len(statuses)} delmål är {join_sv(parts)}."


def subject_status(statuses: Iterable[str]) -> str:
    """The status for an email's subject: "1 av 11 delmål på väg"."""
    statuses = [str(s) for s in statuses]
    return f"{statuses.count('on_track')} av {len(statuses)} delmål på väg"


def join_sv(parts: list[str]) -> str:
    """"a", "a och b", "a, b och c"."""
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " och " + parts[-1]


# --- helpers ------------------------------------------------------------------------------------------


def _fmt(d: dict, v: float, extra: int = 0) -> str:
    kind = d["kind"]
    if kind in ("survey_share", "share"):
        return fmt.percent(v, extra)
    if kind in ("survey_index", "survey_mean"):
        return fmt.number(v, 2 + extra)
    if kind in ("count", "sum"):
        return fmt.number(v, 0 + extra) + ("\u00a0kr" if d["unit"] == "kronor" else "")
    return fmt.number(v, 1 + extra)


def _unit_phrase(d: dict) -> str:
    if d["kind"] == "rate_per_1000":
        return " " + d["unit"]
    if d["kind"] in ("survey_index", "survey_mean"):
        return " på skalan 0–6"
    if d["kind"] == "count":
        return " " + d["unit"].replace("antal ", "")
    return ""


def _missing(x) -> bool:
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False



# ------------------------------------------------------------------------------------ run parameters
# (added by the publish helper: the index pages and report footers name a job's parameters in words)

#: a report's parameters as a reader names them
PARAMETER_NAMES = {"year": "år", "area": "område", "category_group": "brottsgrupp", "lang": "språk"}
#: report languages as a reader names them
LANGUAGE_NAMES = {"sv": "svenska", "en": "svenska, med engelska namn i indikatorbilagan"}


def parameter_name(name: str) -> str:
    """A report parameter's Swedish name: ``category_group`` -> "brottsgrupp" (unknown names as given)."""
    return PARAMETER_NAMES.get(name, name)


def language_name(lang: str) -> str:
    """A report language in words: ``sv`` -> "svenska"."""
    return LANGUAGE_NAMES.get(str(lang), str(lang))

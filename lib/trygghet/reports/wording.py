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

from trygghet.analysis import disclosure
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
    if reading in (None, "not_measurable") or fmt.is_missing(year_from):
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
    if hidden or fmt.is_missing(value):
        return fmt.MISSING
    d = definition(indicator)
    if d["kind"] == "count" and not extra:
        return fmt.count(value)
    return _fmt(d, float(value), extra)


def format_interval(indicator: str, lower, upper, *, hidden: bool = False, extra: int = 0) -> str:
    """An indicator's interval by its kind: "17–21 %", "1,95–2,23", "8,0–9,3"; "–" when hidden or
    without an interval (censuses)."""
    if hidden or fmt.is_missing(lower) or fmt.is_missing(upper):
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
    if row.get("status") == "not_measurable" or fmt.is_missing(row.get("path_value")):
        return 0
    for extra in range(MAX_EXTRA_DECIMALS + 1):
        if _separated(row, extra):
            return extra
    return MAX_EXTRA_DECIMALS


def _separated(row: Mapping, extra: int) -> bool:
    """Whether every bound (the value for a census) that differs from the path is shown differing."""
    d = definition(str(row["indicator"]))
    path = float(row["path_value"])
    bounds = [float(row[k]) for k in ("lower", "upper") if not fmt.is_missing(row.get(k))] or [float(row["value"])]
    shown_path = _fmt(d, path, extra)
    return all(_fmt(d, b, extra) != shown_path for b in bounds if b != path)


def target_text(row: Mapping, extra: int = 0) -> str:
    """A sub-goal's target: "högst 16,9 % år 2025" (ceiling) or "minst 68 % år 2027" (floor)."""
    if fmt.is_missing(row.get("target_value")):
        return fmt.MISSING
    word = "högst" if row.get("target_type") == "tak" else "minst"
    year = "" if fmt.is_missing(row.get("target_year")) else f" år {int(row['target_year'])}"
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
    has_ci = not (fmt.is_missing(row.get("lower")) or fmt.is_missing(row.get("upper")))
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


# ------------------------------------------------------------------------------------ hot-spot study area
# (added by the spotsarea helper, issue 11: every hot-spot report and map states its study area, how many
# offences fall outside it, what a hot spot means and which inference was used, in these words)

#: what a hot spot means, in one sentence (the reports' method box; calibrated by benchmarks/bench_calibration.py)
HOTSPOT_MEANING = (
    "En hot spot är en ruta där rutan och dess åtta grannar tillsammans har så många fler {noun} än "
    "genomsnittet i analysområdet att slumpen nästan aldrig ger det – när alla platser var lika utsatta "
    "pekades färre än 1 av 100 rutor ut i våra simuleringar – och den visar var {noun} är många, inte att "
    "risken per invånare är hög."
)


def study_area_sentence(attrs: Mapping) -> str:
    """The hot-spot study area with its km² (the ``A`` of PAI) from a hot-spot result's ``attrs``:
    "Analysområdet är bebodd mark i Luleå kommun, 968 km² (15 486 rutor om 250 m): rutorna där någon bor
    enligt SCB:s befolkningsrutor 2025 och 250 m runt dem. Samma område för alla brottstyper, händelser och
    år; ytan är A i PAI." (the municipality, the areas or a grid around the points likewise)."""
    km2, size, cell_km2 = attrs.get("study_km2"), attrs.get("cell_size"), attrs.get("cell_km2")
    grid = f" ({fmt.number(round(km2 / cell_km2), 0)} rutor om {fmt.number(size, 0)} m)" if cell_km2 else ""
    name = str(attrs.get("study_area_name") or "").strip()
    municipality = f"{name} kommun" if name else "kommunen"
    kind = attrs.get("study_area")
    if kind == "populated":
        buffer = attrs.get("study_area_buffer")
        year = attrs.get("study_area_year")
        source = ("enligt SCB:s befolkningsrutor" if attrs.get("study_area_source") == "befolkning_rutor"
                  else "inom SCB:s tätorter")
        where = "rutorna där någon bor " + source + (f" {year}" if year else "")
        if attrs.get("study_area_source") == "tatorter":
            where = "SCB:s tätorter" + (f" {year}" if year else "")
        margin = f" och {fmt.number(buffer, 0)} m runt dem" if buffer else ""
        return (f"Analysområdet är bebodd mark i {municipality}, {fmt.number(km2, 0)} km²{grid}: {where}{margin}. "
                "Samma område för alla brottstyper, händelser och år; ytan är A i PAI.")
    what = {"municipality": municipality, "areas": "kommunens områden tillsammans"}.get(kind)
    if what is None:
        return (f"Analysområdet är rutnätet runt de kartlagda platserna, {fmt.number(km2, 0)} km²{grid}; "
                "det beror på vilka platser som finns och kan skilja mellan brottstyper.")
    return (f"Analysområdet är {what}, {fmt.number(km2, 0)} km²{grid}; samma område för alla brottstyper "
            "och händelser samma år. Ytan är A i PAI.")


def map_counts_sentence(attrs: Mapping, noun: str = "brott") -> str:
    """How many offences (incidents) the hot-spot map is built on, how many have no place or lie outside
    the municipality, and how many lie outside the study area — protected together by the disclosure gate
    (:func:`trygghet.analysis.disclosure.protect_page`), so no small count can be worked out from the
    others: "Kartan bygger på 5 824 brott med plats i analysområdet. 1 845 brott saknar plats eller ligger
    utanför kommunen och 17 ligger utanför analysområdet (obebodd mark); de räknas i alla totaler men
    ingår inte i kartan."."""
    shown = int(attrs.get("n_points", 0))
    unplaced = int(attrs.get("n_without_place", 0)) + int(attrs.get("n_outside_municipality", 0))
    outside = int(attrs.get("n_outside_study_area", attrs.get("n_outside", 0)))
    populated = attrs.get("study_area") == "populated"
    merge = not populated or disclosure.suppress_value(outside)  # a small count outside joins the others
    parts = {"shown": shown, "left": unplaced + outside} if merge else {"shown": shown, "unplaced": unplaced,
                                                                        "outside": outside}
    figures = pd.DataFrame({"total": [shown + unplaced + outside], **{k: [v] for k, v in parts.items()}})
    safe = disclosure.protect_page({"f": figures}, [(("f", 0, "total"), [("f", 0, c) for c in parts])],
                                   count_cols={"f": list(figures.columns)})["f"].iloc[0]
    text = f"Kartan bygger på {fmt.count(safe['shown'])} {noun} med plats i analysområdet. "
    if not merge:
        return text + (f"{fmt.count(safe['unplaced'])} {noun} saknar plats eller ligger utanför kommunen och "
                       f"{fmt.count(safe['outside'])} ligger utanför analysområdet (obebodd mark); de räknas i alla "
                       "totaler men ingår inte i kartan.")
    where = "utanför kommunen eller utanför analysområdet (obebodd mark)" if populated else "utanför kommunen"
    return text + (f"{fmt.count(safe['left'])} {noun} saknar plats eller ligger {where}; de räknas i alla "
                   "totaler men kan inte visas på kartan.")


def inference_sentence(attrs: Mapping) -> str:
    """Which inference made the hot spots significant, from a hot-spot result's ``attrs``."""
    correction = {"fdr_bh": "korrigerat för många test med Benjamini–Hochberg (FDR)",
                  "bonferroni": "korrigerat för många test med Bonferroni", "none": "utan korrektion för många test"}
    corr = correction.get(attrs.get("correction", "fdr_bh"), "")
    alpha = fmt.percent(attrs.get("alpha", 0.05), decimals=0)
    if attrs.get("inference") == "permutation":
        how = (f"ett permutationstest: antalen flyttas slumpvis mellan rutorna {fmt.number(attrs.get('permutations'), 0)} "
               f"gånger (som PySAL esda, fröet {attrs.get('seed')})")
    else:
        how = "normalfördelningen för Gi* (z-värdet), som ArcGIS Pro"
    return (f"Signifikansen bygger på {how}, {corr}, på nivån {alpha}; valet bygger på simuleringar där det "
            "gav få falska hot spots och hittade verkliga kluster.")


# --- the residents' pages (added by the residents' summary): their run parameters in words -------------
PARAMETER_NAMES.update({"contact": "kontaktadress", "reviewed": "senast bedömd"})

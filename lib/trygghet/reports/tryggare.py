"""Tryggare <kommun> — the residents' summary: the report module of ``notebooks/tryggare.ipynb``.

Published in a folder of its own (the run plan's ``html``: ``reports/<year>/tryggare-lulea/``), ready for
the municipality's website, with its accessibility statement (:mod:`trygghet.reports.tillganglighet`)
beside it. Plain Swedish (*klarspråk*), aggregates at area level and up only, and the public disclosure
rule: every count passes :mod:`trygghet.analysis.disclosure` with ``threshold=PUBLIC_THRESHOLD`` (counts
under 10 hidden, with the same secondary suppression), no maps, no grid cells, no respondents' numbers.

Every figure comes from the function the other reports take it from, so it is the same figure:

- the survey per area and its comparison with the municipality: :func:`trygghet.analysis.panels.area_profile`
  (the area profiles' table), the municipality's value and change: :func:`trygghet.analysis.panels.panel`
  (the situation picture's key figures); values and intervals worded by :mod:`trygghet.reports.wording`;
- every change in the agreed words (:func:`trygghet.reports.wording.change_word`); the areas' changes
  from :func:`trygghet.analysis.indicators.year_changes` (the follow-up's and main changes' table);
- offences per area: :func:`trygghet.analysis.indicators.compute` by area with the public threshold;
- the work of the year: :func:`trygghet.analysis.activity_plan.portfolio_summary` and ``measures``
  (the prevention levels' report); the promises: :mod:`trygghet.analysis.promises`.

The notebook calls, in order::

    r.start(store, year, lang)
    s = r.summary(store, year)      # everything the page shows, computed once
    r.title(s); r.intro(s); r.in_short(s)  # heading; the year; four sentences: safety, crime, work, promises
    r.safety_heading(s); r.safety_text(s); r.safety_table(s, "otrygg_kvall"); r.safety_changes(s, "otrygg_kvall")  # and utsatt_brott
    r.crime_text(s); r.crime_table(s); r.trend_table(s); r.crime_area_table(s); r.crime_area_changes(s)
    r.work_text(s)                  # per prevention level, with the measures finished or ongoing
    r.promises_text(s)
    r.about_text(s)

The municipality's name comes from the store (:func:`trygghet.reports.common.municipality_name`), never
from this module. Each display function records what it shows (:func:`trygghet.reports.record.glue`, keys
:data:`RECORD_KEYS`), so tests compare the published figures with the other reports'.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import HTML, Markdown

from trygghet.analysis import activity_plan, disclosure, indicators, panels
from trygghet.analysis import promises as promises_mod
from trygghet.data.store import area_names
from trygghet.data.vocabulary import ACTIVE_STATUSES, PREVENTION_LEVELS, WHOLE_MUNICIPALITY
from trygghet.reports import format as fmt
from trygghet.reports import wording
from trygghet.reports.common import municipality_name, start_report
from trygghet.reports.omradesprofil import COMPARISON_WORDS
from trygghet.reports.record import glue

__all__ = [
    "RECORD_KEYS",
    "THRESHOLD",
    "SURVEY_INDICATORS",
    "CRIME_INDICATORS",
    "AREA_CRIME_INDICATORS",
    "LEVEL_TEXTS",
    "PROMISE_STATUS_WORDS",
    "PARTY_WORDS",
    "start",
    "summary",
    "title",
    "residents",
    "intro",
    "in_short",
    "safety_heading",
    "safety_text",
    "safety_display",
    "safety_table",
    "crime_text",
    "crime_display",
    "crime_table",
    "trend_display",
    "trend_table",
    "crime_area_display",
    "crime_area_table",
    "crime_area_changes",
    "safety_changes",
    "work_text",
    "promises_text",
    "about_text",
    "between",
]

#: the public rule: counts of 1..THRESHOLD-1 are hidden ("<10")
THRESHOLD = disclosure.PUBLIC_THRESHOLD
RECORD_KEYS = ("in_short", "survey", "crime", "trend", "crime_areas", "levels", "promises", "promise_counts")
#: the survey's questions shown per area: id -> how a resident says it
SURVEY_INDICATORS = {
    "otrygg_kvall": "känner sig otrygga ute ensamma sent en kväll i sitt område",
    "utsatt_brott": "har blivit utsatta för brott det senaste året",
}
#: offences for the whole municipality: id -> plain name
CRIME_INDICATORS = {
    "brott_totalt": "Alla anmälda brott",
    "vald": "Våldsbrott",
    "brott_bostadsinbrott": "Bostadsinbrott",
    "brott_skadegorelse": "Skadegörelse",
}
#: offences per area (rates; hidden where fewer than THRESHOLD offences)
AREA_CRIME_INDICATORS = {"brott_totalt": "Alla anmälda brott", "vald": "Våldsbrott"}
#: the prevention levels in plain words: level -> (heading, what it means)
LEVEL_TEXTS = {
    "universell": ("För alla", "arbete som når alla, innan problem uppstår – till exempel föräldrastöd, "
                                "skolans trygghetsarbete och öppna fritidsverksamheter"),
    "selektiv": ("För grupper med högre risk", "stöd till grupper där risken för brott är större – till exempel "
                                               "fritidsaktiviteter i vissa områden och stöd till familjer"),
    "indikerad": ("För unga som redan är på väg in i brott", "samarbete kring enskilda unga som redan visar "
                                                               "tecken på brott – till exempel skola, socialtjänst, "
                                                               "polis och fritid tillsammans (SSPF)"),
    "situationell": ("På platser", "åtgärder på platser där brott och otrygghet finns – till exempel belysning, "
                                   "röjning av buskage, kameror och polis på plats"),
}
#: a measure's status as residents read it (only measures that were carried out are listed)
_MEASURE_STATUS_WORDS = {"genomförd": "klar", "pågående": "pågår"}
#: who carries a measure out
_RESPONSIBLE_WORDS = {"kommun": "Kommunen", "polis": "Polisen", "gemensam": "Polisen och kommunen"}
#: a promise's status in the summary's words
PROMISE_STATUS_WORDS = {"genomfört": "genomfört", "pågår": "pågår", "ej påbörjat": "inte påbörjat"}
PARTY_WORDS = {"polisen": "Polisen", "kommunen": "Kommunen", "polisen och kommunen": "Polisen och kommunen"}
_NOT_SHOWN = "för få svar för att visa"
_WHOLE = WHOLE_MUNICIPALITY.capitalize()


def start(store: str | Path | None, year: int, lang: str = "sv") -> None:
    """The page's first call: the one parameter check and the chart theme (:func:`start_report`)."""
    start_report(store, year, lang, where="tryggare")


def summary(store: str | Path | None, year: int) -> dict[str, Any]:
    """Everything the page shows, computed once from the named functions of the other reports."""
    year = int(year)
    areas = area_names(store)
    whole = panels.panel(store, panels.area_profile_ids(store), year).set_index("indicator")
    profiles = {a: panels.area_profile(store, a, year).set_index("indicator") for a in areas}
    survey = [_survey_row(WHOLE_MUNICIPALITY, i, whole.loc[i], None) for i in SURVEY_INDICATORS]
    survey += [_survey_row(a, i, profiles[a].loc[i], profiles[a].loc[i, "comparison"]) for a in areas
               for i in SURVEY_INDICATORS]
    crime = [_crime_row(i, whole.loc[i]) for i in CRIME_INDICATORS]
    table = promises_mod.promises(store, year)
    s = {
        "year": year,
        "municipality": municipality_name(store),
        "survey": survey,
        "crime": crime,
        "crime_areas": _crime_area_rows(store, year, areas),
        "trend": _trend_rows(store, year),
        "levels": _level_rows(store, year),
        "promises": [_promise_row(r) for r in table.to_dict("records")],
        "promise_counts": promises_mod.status_counts(table),
    }
    s["in_short"] = _in_short(s)
    return s


# --- the page ------------------------------------------------------------------------------------


def title(s: dict) -> Markdown:
    """The page's heading, "# Tryggare Luleå" (the store's municipality; the run plan's title says the same)."""
    return Markdown(f"# Tryggare {s['municipality']}")


def residents(name: str) -> str:
    """Those who live in the municipality in one word where Swedish makes it from the name ("Luleåborna",
    "Piteåborna", "Kirunaborna": names ending in a vowel), else "invånarna i Boden"."""
    return f"{name}borna" if name[-1:].lower() in "aeiouyåäö" else f"invånarna i {name}"


def safety_heading(s: dict) -> Markdown:
    """The survey section's heading: "## Hur trygga känner sig Luleåborna?" (:func:`residents`)."""
    return Markdown(f"## Hur trygga känner sig {residents(s['municipality'])}?")


def intro(s: dict) -> HTML:
    """The page's opening words, naming the municipality and the year."""
    name = _esc(s["municipality"])
    return _html(f"<p>Polisen och {name} kommun arbetar tillsammans för att {name} ska vara en trygg kommun och för att "
                 f"brotten ska bli färre. Här berättar vi kort vad vi vet om tryggheten och brotten och vad vi gjorde "
                 f"under {s['year']}.</p>")


def in_short(s: dict) -> HTML:
    """The page's first lines: how safe people feel, how crime developed, the work and the promises."""
    glue("in_short", s["in_short"])
    return _html("<ul>" + "".join(f"<li>{_esc(t)}</li>" for t in s["in_short"]) + "</ul>")


def safety_text(s: dict) -> HTML:
    """What the survey is and how to read its uncertainty, in plain words."""
    rows = [r for r in s["survey"] if r["area"] == WHOLE_MUNICIPALITY and r["shown"]]
    round_year = max((r["year"] for r in rows), default=None)
    first = (f"Den senaste trygghetsmätningen gjordes {round_year}. " if round_year else
             "Det finns ingen trygghetsmätning att visa ännu. ")
    return _html(
        f"<p>{first}Trygghetsmätningen är en enkät till ett slumpvis urval av dem som bor i {_esc(s['municipality'])}. "
        "Eftersom inte alla svarar blir siffrorna ungefärliga. Därför skriver vi både den bästa uppskattningen "
        "och ett spann: det verkliga värdet ligger med stor sannolikhet (95 procent) mellan de två siffrorna. "
        "I områden där få har svarat blir spannet brett – där vet vi mindre.</p>"
        "<p>Vi säger att ett område är <em>bättre</em> eller <em>sämre</em> än kommunen som helhet bara när "
        "spannen inte överlappar. Annars skriver vi <em>ingen säker skillnad</em>: skillnaden kan bero på "
        "vilka som råkade svara.</p>")


def safety_display(s: dict, indicator: str) -> pd.DataFrame:
    """One survey question per area (and the whole municipality first) as a reading table."""
    if indicator not in SURVEY_INDICATORS:
        raise ValueError(f"indicator={indicator!r} is not shown per area; use one of {', '.join(SURVEY_INDICATORS)}")
    rows = [r for r in s["survey"] if r["indicator"] == indicator]
    return pd.DataFrame({
        "Område": [r["area"].capitalize() if r["area"] == WHOLE_MUNICIPALITY else r["area"] for r in rows],
        "Andel": [r["value"] if r["shown"] else _NOT_SHOWN for r in rows],
        "Troligen mellan": [r["interval"] for r in rows],
        "Jämfört med hela kommunen": [r["comparison"] for r in rows],
    })


def safety_table(s: dict, indicator: str):
    """:func:`safety_display` for the page, its caption saying what the share is; records ``survey``."""
    glue("survey", s["survey"])
    year = max((r["year"] for r in s["survey"] if r["indicator"] == indicator and r["shown"]), default=s["year"])
    caption = f"Trygghetsmätningen {year}"
    return fmt.table(safety_display(s, indicator), caption=caption, threshold=THRESHOLD)


def safety_changes(s: dict, indicator: str) -> HTML:
    """The changes since the previous survey round, per area and for the whole municipality, in one or
    two sentences (the agreed words: "ökat", "minskat", "ingen säker förändring")."""
    rows = [r for r in s["survey"] if r["indicator"] == indicator and r["shown"]]
    since = next((r["previous_year"] for r in rows if r["area"] == WHOLE_MUNICIPALITY and r["previous_year"]), None)
    if since is None:
        return _html("<p>Det finns ingen tidigare mätning att jämföra med.</p>")
    return _html(f"<p>{_esc(_changes_sentence(rows, 'andelen', since))}</p>")


def crime_text(s: dict) -> HTML:
    """How crime developed, in sentences, and what "ingen säker förändring" means."""
    lines = []
    for r in s["crime"]:
        if not r["shown"]:
            continue
        compared = [f"{w} med {y}: <strong>{_esc(c)}</strong>" for w, y, c in
                    (("Jämfört", r["previous_year"], r["change"]), ("jämfört", r["baseline_year"], r["change_baseline"]))
                    if y]
        lines.append(f"<li><strong>{_esc(r['name'])}:</strong> {_esc(r['count'])} anmälda under {r['year']}, "
                     f"{_esc(r['rate'])} per 1 000 invånare." + (f" {'; '.join(compared)}." if compared else "")
                     + "</li>")
    return _html(
        f"<p>Siffrorna gäller brott som har anmälts till polisen och som har skett i {_esc(s['municipality'])} kommun. "
        "Alla brott "
        "anmäls inte, och fler anmälningar kan också betyda att fler vågar anmäla.</p>"
        f"<ul>{''.join(lines)}</ul>"
        "<p><em>Ingen säker förändring</em> betyder att skillnaden mot året innan är så liten att den kan bero "
        "på slumpen.</p>")


def crime_display(s: dict) -> pd.DataFrame:
    """The offences for the whole municipality, this year and the change, as a reading table."""
    base = next((r["baseline_year"] for r in s["crime"] if r["baseline_year"]), None)
    return pd.DataFrame({
        "Brott": [r["name"] for r in s["crime"]],
        f"Antal {s['year']}": [r["count"] for r in s["crime"]],
        "Per 1 000 invånare": [r["rate"] if r["shown"] else fmt.MISSING for r in s["crime"]],
        f"Jämfört med {s['year'] - 1}": [r["change"] for r in s["crime"]],
        f"Jämfört med {base}" if base else "Jämfört med utgångsåret": [r["change_baseline"] for r in s["crime"]],
    })


def crime_table(s: dict):
    """:func:`crime_display` for the page; records ``crime``."""
    glue("crime", s["crime"])
    return fmt.table(crime_display(s), caption=f"Anmälda brott i hela kommunen {s['year']}", threshold=THRESHOLD)


def trend_display(s: dict) -> pd.DataFrame:
    """Offences per 1 000 inhabitants in the whole municipality, year by year since the baseline."""
    years = sorted({r["year"] for r in s["trend"]})
    out: dict[str, list] = {"År": [str(y) for y in years]}
    for ind, name in AREA_CRIME_INDICATORS.items():
        by_year = {r["year"]: r["rate"] for r in s["trend"] if r["indicator"] == ind}
        out[name] = [by_year.get(y, fmt.MISSING) for y in years]
    return pd.DataFrame(out)


def trend_table(s: dict):
    """:func:`trend_display` for the page; records ``trend``."""
    glue("trend", s["trend"])
    return fmt.table(trend_display(s), threshold=THRESHOLD,
                     caption=f"Anmälda brott per 1 000 invånare i hela kommunen {s['trend'][0]['year']}–{s['year']}"
                     if s["trend"] else None)


def crime_area_display(s: dict) -> pd.DataFrame:
    """Offences per 1 000 inhabitants per area (hidden where fewer than 10) and the change."""
    out: dict[str, list] = {"Område": []}
    by_area: dict[str, dict] = {}
    for r in s["crime_areas"]:
        by_area.setdefault(r["area"], {})[r["indicator"]] = r
    for area, rows in by_area.items():
        out["Område"].append(area)
        for ind, name in AREA_CRIME_INDICATORS.items():
            out.setdefault(name, []).append(rows[ind]["rate"])
    return pd.DataFrame(out)


def crime_area_table(s: dict):
    """:func:`crime_area_display` for the page; records ``crime_areas``."""
    glue("crime_areas", s["crime_areas"])
    return fmt.table(crime_area_display(s), threshold=THRESHOLD,
                     caption=f"Anmälda brott per 1 000 invånare {s['year']}")


def crime_area_changes(s: dict) -> HTML:
    """The areas' changes since the year before, one sentence per offence group."""
    parts = []
    for ind, name in AREA_CRIME_INDICATORS.items():
        rows = [r for r in s["crime_areas"] if r["indicator"] == ind]
        text = _changes_sentence(rows, "brotten", s["year"] - 1, ", eftersom antalet ett av åren är för litet för att visa")
        parts.append(f"<li><strong>{_esc(name)}:</strong> {_esc(text)}</li>")
    return _html(f"<p>Ett streck (–) betyder att det var färre än {THRESHOLD} brott, eller att siffran döljs så att "
                 f"ett litet antal inte kan räknas fram.</p><ul>{''.join(parts)}</ul>")


def work_text(s: dict) -> HTML:
    """What the parties did this year on each prevention level, in plain words, with the measures that
    were finished or ongoing (records ``levels``)."""
    glue("levels", s["levels"])
    year = s["year"]
    items = []
    for r in s["levels"]:
        heading, meaning = LEVEL_TEXTS[r["level"]]
        did = _level_sentence(r["completed"], r["ongoing"], year)
        measures = "".join(f"<li>{_esc(_measure_text(m))}</li>" for m in r["measures"])
        items.append(f"<li><strong>{_esc(heading)}</strong> – {_esc(meaning)}. {_esc(did)}"
                     + (f"<ul>{measures}</ul>" if measures else "") + "</li>")
    return _html(
        "<p>Polisen och kommunen arbetar förebyggande på fyra sätt. Så här såg arbetet ut under "
        f"{year}:</p><ul>{''.join(items)}</ul>")


def promises_text(s: dict) -> HTML:
    """The citizens' promises of the year with their status, one paragraph each; records ``promises``."""
    glue("promises", s["promises"])
    glue("promise_counts", s["promise_counts"])
    year = s["year"]
    if not s["promises"]:
        return _html(f"<p>Det finns inga medborgarlöften registrerade för {year}.</p>")
    items = []
    for p in s["promises"]:
        detail = f"{p['done']} av {p['target']}" if p["target"] else p["done"]
        text = (f"<li><strong>{_esc(p['promise'])}</strong> ({_esc(p['party'].lower())}). {_esc(p['activity'])}. "
                f"Gjort {year}: {_esc(detail)}. Status: <strong>{_esc(p['status'])}</strong>.")
        if p["comment"]:
            text += f" {_esc(p['comment'])}"
        items.append(text + "</li>")
    return _html(
        "<p>Medborgarlöften är konkreta saker som polisen och kommunen lovar dem som bor i "
        f"{_esc(s['municipality'])}, efter samtal "
        f"med er om vad som gör er otrygga. {_esc(_promise_sentence(s))}</p>"
        f"<ul>{''.join(items)}</ul>")


def about_text(s: dict) -> HTML:
    """Where the figures come from and what is left out to protect people."""
    return _html(
        "<p><strong>Källor:</strong> polisens anmälda brott, kommunens trygghetsmätning, befolkningen per område, "
        "polisens och kommunens gemensamma verksamhetsplan och medborgarlöftena. Siffrorna är desamma som i den "
        "samlade lägesbild som polisen och kommunen tar fram varje år.</p>"
        "<p><strong>Så skyddar vi enskilda:</strong> sidan visar bara siffror för hela områden och hela kommunen, "
        f"aldrig enskilda brott, platser eller personer, och inga kartor. Antal under {THRESHOLD} visas inte "
        f"(<10), och ibland döljs ytterligare en siffra (–) så att ett dolt antal inte kan räknas fram. "
        "Svar från trygghetsmätningen visas bara när minst 30 i området har svarat.</p>"
        "<p><a href=\"tillganglighetsredogorelse.html\">"
        "Tillgänglighetsredogörelse</a> – hur tillgänglig sidan är "
        "och hur du kan påpeka brister.</p>")


def between(indicator: str, lower, upper) -> str:
    """An interval in words, its bounds formatted as every report formats the indicator's values
    (:func:`trygghet.reports.wording.format_value`): "mellan 17 % och 23 %"; "–" without one."""
    if fmt.is_missing(lower) or fmt.is_missing(upper):
        return fmt.MISSING
    return f"mellan {wording.format_value(indicator, lower)} och {wording.format_value(indicator, upper)}"


# --- rows (what the page shows, as recorded) ---------------------------------------------------


def _survey_row(area: str, indicator: str, row: pd.Series, comparison) -> dict:
    shown = not bool(row["suppressed"]) and not fmt.is_missing(row["value"])
    return {
        "area": area, "indicator": indicator, "shown": shown,
        "year": None if fmt.is_missing(row["year"]) else int(row["year"]),
        "value": wording.format_value(indicator, row["value"], hidden=not shown),
        "interval": wording.format_interval(indicator, row["lower"], row["upper"], hidden=not shown),
        "range": between(indicator, row["lower"], row["upper"]) if shown else fmt.MISSING,
        "comparison": fmt.MISSING if comparison is None else COMPARISON_WORDS[str(comparison)],
        "change": wording.change_word(row["change_previous"]) if shown else fmt.MISSING,
        "previous_year": None if fmt.is_missing(row["previous_year"]) else int(row["previous_year"]),
    }


def _crime_row(indicator: str, row: pd.Series) -> dict:
    """A municipality-wide offence rate from the panel, its count through the public rule."""
    hidden = bool(row["suppressed"]) or disclosure.suppress_value(row["n"], THRESHOLD)
    return {
        "indicator": indicator, "name": CRIME_INDICATORS[indicator], "shown": not hidden,
        "year": None if fmt.is_missing(row["year"]) else int(row["year"]),
        "count": fmt.count(row["n"], THRESHOLD) if not bool(row["suppressed"]) else fmt.MISSING,
        "rate": wording.format_value(indicator, row["value"], hidden=hidden),
        "change": wording.change_word(row["change_previous"]) if not hidden else fmt.MISSING,
        "previous_year": None if fmt.is_missing(row["previous_year"]) else int(row["previous_year"]),
        "change_baseline": wording.change_word(row["change_baseline"]) if not hidden else fmt.MISSING,
        "baseline_year": None if fmt.is_missing(row["baseline_year"]) else int(row["baseline_year"]),
    }


def _crime_area_rows(store, year: int, areas: list[str]) -> list[dict]:
    """Per area and offence group: the rate of ``year`` under the public rule (hidden where the count
    is below it or hidden to protect one that is) and the change since the year before — shown only
    when both years are shown under the public rule (the verdict is the year changes' table's)."""
    changes = indicators.year_changes(store, year).set_index(["indicator", "area"])
    rows = []
    for ind in AREA_CRIME_INDICATORS:
        public = indicators.compute(store, ind, years=[year - 1, year], by="area", threshold=THRESHOLD)
        now = public[public["year"] == year].set_index("area")
        before = public[public["year"] == year - 1].set_index("area")
        for area in areas:
            shown = area in now.index and not bool(now.loc[area, "suppressed"])
            both = shown and area in before.index and not bool(before.loc[area, "suppressed"])
            reading = changes.loc[(ind, area)] if (ind, area) in changes.index else None
            same_years = (reading is not None and not fmt.is_missing(reading["year_to"]) and int(reading["year_to"]) == year
                          and not fmt.is_missing(reading["year_from"]) and int(reading["year_from"]) == year - 1)
            rows.append({
                "area": area, "indicator": ind, "shown": shown,
                "rate": wording.format_value(ind, now.loc[area, "value"] if shown else None, hidden=not shown),
                "change": wording.change_word(reading["reading"]) if both and same_years else fmt.MISSING,
            })
    return rows


def _trend_rows(store, year: int) -> list[dict]:
    """The municipality's offence rates per year from the baseline year to ``year`` under the public rule
    (:func:`trygghet.analysis.indicators.compute`, the function behind every report's rates)."""
    rows = []
    for ind in AREA_CRIME_INDICATORS:
        table = indicators.compute(store, ind, threshold=THRESHOLD)
        table = table[(table["year"] >= panels.BASELINE_YEAR) & (table["year"] <= year)]
        for r in table.itertuples(index=False):
            hidden = bool(r.suppressed)
            rows.append({"indicator": ind, "year": int(r.year), "shown": not hidden,
                         "rate": wording.format_value(ind, None if hidden else r.value, hidden=hidden)})
    return rows


def _level_rows(store, year: int) -> list[dict]:
    """Per prevention level: the measures finished and ongoing during the year (the prevention levels'
    report's portfolio counts) and those measures as the page lists them."""
    portfolio = activity_plan.portfolio_summary(store, year).set_index("level")
    table = activity_plan.measures(store, year, active_only=True)
    table = table[table["status"].isin(ACTIVE_STATUSES)]
    rows = []
    for level in PREVENTION_LEVELS:
        part = table[table["level"] == level]
        rows.append({
            "level": level,
            "completed": int(portfolio.loc[level, "genomförd"]),
            "ongoing": int(portfolio.loc[level, "pågående"]),
            "measures": [{"name": str(m["name"]),
                          "responsible": _RESPONSIBLE_WORDS.get(str(m["responsible"]), str(m["responsible"])),
                          "areas": _areas_text(m["areas"]), "status": _MEASURE_STATUS_WORDS[str(m["status"])]}
                         for m in part.sort_values("status", key=lambda s: s.map({"genomförd": 0, "pågående": 1}),
                                                   kind="stable").to_dict("records")],
        })
    return rows


def _promise_row(p: dict) -> dict:
    unit = "" if fmt.is_missing(p["unit"]) else f" {p['unit']}"
    return {
        "promise": str(p["promise"]),
        "party": PARTY_WORDS.get(str(p["party"]), str(p["party"])),
        "activity": "" if fmt.is_missing(p["activity"]) else str(p["activity"]),
        "target": "" if fmt.is_missing(p["target"]) else fmt.number(p["target"], 0) + unit,
        "done": fmt.MISSING if fmt.is_missing(p["done"]) else fmt.number(p["done"], 0),
        "status": PROMISE_STATUS_WORDS[str(p["status"])],
        "comment": "" if fmt.is_missing(p["comment"]) else str(p["comment"]),
    }


def _in_short(s: dict) -> list[str]:
    out = []
    unsafe = next((r for r in s["survey"] if r["area"] == WHOLE_MUNICIPALITY and r["indicator"] == "otrygg_kvall"), None)
    if unsafe and unsafe["shown"]:
        text = (f"Trygghet: {unsafe['value']} {SURVEY_INDICATORS['otrygg_kvall']} (trygghetsmätningen "
                f"{unsafe['year']}, troligen {unsafe['range']}).")
        if unsafe["previous_year"]:
            text += f" Jämfört med {unsafe['previous_year']}: {unsafe['change']}."
        out.append(text)
    total = next((r for r in s["crime"] if r["indicator"] == "brott_totalt"), None)
    if total and total["shown"]:
        text = (f"Brott: {total['count']} brott anmäldes i {s['municipality']} kommun under {total['year']}, {total['rate']} per "
                f"1 000 invånare.")
        if total["previous_year"]:
            text += f" Jämfört med {total['previous_year']}: {total['change']}."
        out.append(text)
    done = sum(r["completed"] for r in s["levels"])
    ongoing = sum(r["ongoing"] for r in s["levels"])
    out.append(f"Arbetet: polisen och kommunen blev klara med {done} {'åtgärd' if done == 1 else 'åtgärder'} under "
               f"{s['year']}, och {ongoing} pågick.")
    out.append("Medborgarlöften: " + _promise_sentence(s))
    return out


def _promise_sentence(s: dict) -> str:
    counts = s["promise_counts"]
    n = sum(counts.values())
    if not n:
        return f"Det finns inga medborgarlöften för {s['year']}."
    done = counts["genomfört"]
    parts = [f"{done} {'genomfört' if done == 1 else 'genomförda'}", f"{counts['pågår']} pågår",
             f"{counts['ej påbörjat']} har inte påbörjats"]
    shown = [p for p, k in zip(parts, ("genomfört", "pågår", "ej påbörjat")) if counts[k]]
    return f"Av {n} löften för {s['year']} är {wording.join_sv(shown)}."


def _measure_text(m: dict) -> str:
    """"Grannsamverkan mot inbrott (polisen, Bergnäset, Sunderbyn) – pågår"."""
    where = m["areas"].lower() if m["areas"] == _WHOLE else m["areas"]
    return f"{m['name']} ({m['responsible'].lower()}, {where}) – {m['status']}"


def _level_sentence(completed: int, ongoing: int, year: int) -> str:
    """"1 åtgärd blev klar och 3 pågick under 2025." in plain words (no "0 åtgärder")."""
    def n(k: int, one: str, many: str) -> str:
        return f"{k} {one if k == 1 else many}"
    if completed and ongoing:
        return f"{n(completed, 'åtgärd blev klar', 'åtgärder blev klara')} och {ongoing} pågick under {year}."
    if completed:
        return f"{n(completed, 'åtgärd blev klar', 'åtgärder blev klara')} under {year}."
    if ongoing:
        return f"{n(ongoing, 'åtgärd pågick', 'åtgärder pågick')} under {year}."
    return f"Inga åtgärder under {year}."


def _changes_sentence(rows: list[dict], what: str, since: int, why: str = "") -> str:
    """The areas' (and the municipality's) change words in sentences: "Jämfört med 2023 har andelen
    minskat i Centrum. I övriga områden finns ingen säker förändring." Words from :func:`change_word`."""
    certain = [wording.change_word(c) for c in ("increased", "decreased")]
    unsure = wording.change_word("no_certain_change")
    places = {w: [r["area"] for r in rows if r["change"] == w] for w in certain}
    untested = [r["area"] for r in rows if r["change"] not in (*certain, unsure)]
    said = [f"{w} i {wording.join_sv(places[w])}" for w in certain if places[w]]
    if said:
        text = f"Jämfört med {since} har {what} {wording.join_sv(said)}. I övriga områden finns ingen säker förändring."
    else:
        text = f"Jämfört med {since} finns ingen säker förändring i något område" + (
            " där det går att jämföra." if untested else ".")
    if untested:
        text += f" I {wording.join_sv(untested)} går det inte att jämföra{why}."
    return text


def _areas_text(areas) -> str:
    text = "" if fmt.is_missing(areas) else str(areas)
    return _WHOLE if text in ("", WHOLE_MUNICIPALITY) else text


def _html(text: str) -> HTML:
    return HTML(text)


def _esc(text) -> str:
    return html.escape(str(text), quote=False)


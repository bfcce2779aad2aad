"""The words of the continuous work, shared by the weekly digest (``vecka``) and the quarterly picture
(``kvartal``): source and category names, a period in Swedish, an alarm in a sentence with the measures
already aimed at its area or problem ("Intensifiera?"), and the method in plain words.

Every count in a sentence passes the disclosure gate (:func:`trygghet.reports.format.count`: 1–4 as "<5").
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from trygghet.analysis import alarms, disclosure, indicators, periodic
from trygghet.data.errors import ParameterError
from trygghet.data.periods import Period
from trygghet.reports import format as fmt

__all__ = ["SOURCE_NAMES", "category_name", "period_name", "alarm_sentence", "measures_sentence", "method_text",
           "protect_margins", "shown_text", "cell_text", "is_hidden"]

#: the sources' names in a sentence and a table header
SOURCE_NAMES = {"est": "EST-rapporter", "kommunala": "kommunala händelser", "brott": "anmälda brott"}
_MAX_MEASURES = 4  # measures named in a sentence; the rest are counted
_LEVEL_SV = {"universell": "universell", "selektiv": "selektiv", "indikerad": "indikerad", "situationell": "situationell"}


def category_name(source: str, category: str) -> str:
    """"Misshandel" for an offence category, "Klotter" for an EST or municipal type."""
    if source == "brott":
        try:
            return str(indicators.definition(f"brott_{category}")["name_sv"])
        except ParameterError:
            return str(category)
    return str(category)[:1].upper() + str(category)[1:]


def period_name(p: Period) -> str:
    """"vecka 52 2025 (22–28 december)", "tredje kvartalet 2025 (juli–september)", "september 2025"."""
    if p.kind == "week":
        a, b = p.start, p.end
        first = f"{a.day} {fmt.month_name(a.month)}" if a.month != b.month else f"{a.day}"
        return f"vecka {int(p.label[-2:])} {p.year} ({first}–{b.day} {fmt.month_name(b.month)})"
    if p.kind == "month":
        return f"{fmt.month_name(p.start.month)} {p.year}"
    q = (p.start.month - 1) // 3 + 1
    ordinal = {1: "första", 2: "andra", 3: "tredje", 4: "fjärde"}[q]
    return (f"{ordinal} kvartalet {p.year} ({fmt.month_name(p.start.month)}–{fmt.month_name(p.end.month)})")


def alarm_sentence(row, unit: str = "under veckan", window_words: str = "de senaste fyra veckorna") -> str:
    """One alarm (a row of :func:`trygghet.analysis.alarms.alarm_table`) in words, in Markdown."""
    head = f"**{row['area']} – {category_name(row['source'], row['category']).lower()}** ({SOURCE_NAMES[row['source']]})"
    parts = []
    if bool(row["alarm_period"]):
        parts.append(f"{fmt.count(row['observed'])} {unit}, fler än väntat (omkring "
                     f"{fmt.number(row['expected'], 1)}, övre gräns {fmt.number(row['limit'], 0)})")
    else:
        parts.append(f"{fmt.count(row['observed'])} {unit} (väntat omkring {fmt.number(row['expected'], 1)})")
    if bool(row["alarm_window"]):
        parts.append(f"{window_words} {fmt.count(row['observed_window'])}, fler än väntat (omkring "
                     f"{fmt.number(row['expected_window'], 1)}, övre gräns {fmt.number(row['limit_window'], 0)})")
    return f"{head}: " + "; ".join(parts) + "."


def measures_sentence(store: str | Path | None, year: int, area: str, category: str) -> str:
    """The measures already aimed at the area or the problem, and the question to ask."""
    m = periodic.measures_aimed(store, year, area, category)
    if m.empty:
        return ("Ingen åtgärd i verksamhetsplanen riktas mot området eller problemet. "
                "**Behövs en åtgärd?**")
    items = []
    for r in m.head(_MAX_MEASURES).itertuples(index=False):
        why = "mot problemet" if r.why == "problem" else f"i {area}"
        items.append(f"{r.measure_id} {r.name} ({_LEVEL_SV.get(r.level, r.level)} nivå, {r.status}, {why})")
    more = len(m) - _MAX_MEASURES
    tail = f" och {more} till" if more > 0 else ""
    word = "Åtgärd" if len(m) == 1 else "Åtgärder"
    return f"{word} som redan riktas hit: " + "; ".join(items) + tail + ". **Intensifiera?**"


def method_text(n_tests: int, settings: alarms.Settings, freq: str, what: str) -> str:
    """The method in plain words for the page's method section (Markdown)."""
    s = settings.resolved(freq)
    level = s.alpha / n_tests if (n_tests and s.correction == "bonferroni") else s.alpha
    n_series = n_tests // 2
    correction = (f"Eftersom {n_series} serier prövades samtidigt ({n_tests} test) är gränsen för varje test "
                  f"satt till {fmt.number(100 * level, 4)} % (Bonferroni), så att sannolikheten för minst ett "
                  f"falsklarm {what} är högst {fmt.number(100 * s.alpha, 0)} %." if s.correction == "bonferroni"
                  else f"Varje serie prövas för sig på nivån {fmt.number(100 * s.alpha, 0)} %.")
    unit_def = "veckorna" if freq == "week" else "månaderna"
    window = (f"Två antal prövas i varje serie: veckans eget och summan av de senaste {s.window} veckorna, som "
              "fångar en ihållande ökning som är för liten för att synas en enskild vecka. "
              if freq == "week" else "")
    guard = ("historien slutar där perioden börjar" if s.guard == 0 else
             f"de {s.guard} {unit_def} närmast före de prövade räknas inte in, så att en ökning som redan har "
             "börjat inte höjer sitt eget förväntade läge")
    return (
        "**Så räknas det förväntade läget och gränsen.** För varje område och kategori räknas antalet per "
        f"{'vecka' if freq == 'week' else 'månad'} i anmälda brott, kommunala händelser och EST-rapporter. "
        "Det förväntade antalet kommer från en regression på seriens historia (kvasi-Poisson med trend och "
        "säsong, i stil med den förbättrade Farrington-metoden som smittskyddet använder): tidigare toppar "
        f"vägs ned, och {guard}. Den övre gränsen är det antal som slumpen bara sällan når när inget har "
        "hänt (negativ binomialfördelning med seriens spridning och osäkerheten i det förväntade). "
        f"{window}{correction} Serier med färre än {s.min_history_count} händelser i historien får inget förväntat "
        "läge och prövas inte."
    )


def protect_margins(tables: dict[str, pd.DataFrame], cols: dict[str, list[str]],
                    same_totals: list[tuple[str, str, str, str]] = ()) -> dict[str, pd.DataFrame]:
    """The tables of one page protected together (:func:`trygghet.analysis.disclosure.protect_page`):
    each table's last row is the total of its other rows in every column of ``cols[key]``; each
    ``(key, column, key2, column2)`` of ``same_totals`` says two tables' totals are the same figure
    (an area table and a category table of the same source). Counts 1–4 show as "<5", partners as "–"."""
    relations = []
    for key, frame in tables.items():
        relations += disclosure.column_relations(key, frame, cols[key])
    for k1, c1, k2, c2 in same_totals:
        relations.append(((k1, len(tables[k1]) - 1, c1), [(k2, len(tables[k2]) - 1, c2)]))
    return disclosure.protect_page(tables, relations, count_cols=cols)


def is_hidden(value) -> bool:
    """A protected cell that shows "<5" or "–" instead of its count."""
    return isinstance(value, str)


def shown_text(frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """A protected table's counts as the page shows them ("1 372", "<5", "–")."""
    out = frame.copy()
    for c in cols:
        out[c] = [cell_text(v) for v in out[c]]
    return out


def cell_text(value) -> str:
    """One protected count as the page shows it ("1 372", "<5", "–")."""
    return value if is_hidden(value) else fmt.number(value, 0)

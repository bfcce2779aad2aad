"""Samlad lägesbild (the combined situation picture): the report module of notebooks/lagesbild.ipynb.

Each function is one cell of the report: it takes the store and the year and returns what the page
shows (a table, a chart, a map, a paragraph). The numbers come from :mod:`trygghet.analysis`
(:mod:`~trygghet.analysis.panels`, :mod:`~trygghet.analysis.events`); small counts are published
through :mod:`trygghet.analysis.disclosure`.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from trygghet.analysis import activity_plan, disclosure, events, hotspots, indicators, panels, seasonal
from trygghet.data.store import read_table
from trygghet.data.vocabulary import CATEGORY_UNKNOWN
from trygghet.reports import (arshjul, brottskoncentrationer, common, indicator_docs, kallor, maps, plots,
                              problemregister, uppfoljning)
from trygghet.reports import format as fmt
from trygghet.reports.jamforelser import benchmark_chart, benchmark_note, benchmark_table, bra_table

__all__ = [
    "KEY_INDICATORS",
    "EXPOSURE_INDICATORS",
    "YOUTH_INDICATORS",
    "MUNICIPAL_INDICATORS",
    "AREA_CHARTS",
    "start",
    "indicator_table",
    "key_figures",
    "main_changes",
    "category_chart",
    "category_table",
    "category_display",
    "area_chart",
    "disorder_chart",
    "time_chart",
    "month_chart",
    "event_table",
    "hotspot_cells",
    "hotspot_map",
    "map_note",
    "national_table",
    "municipal_trend_chart",
    "definitions_appendix",
    "arshjul_chart",
    "arshjul_table",
    "arshjul_pattern_table",
    "arshjul_method",
    "est_display",
    "est_table",
    "factor_display",
    "factor_table",
    "problem_register_table",
    "problem_summary",
    "problem_follow_up_table",
    "sources_table",
    "benchmark_chart",
    "benchmark_table",
    "benchmark_note",
    "bra_table",
]

#: the key figures on the situation picture's first screen
KEY_INDICATORS = [
    "brott_totalt", "vald", "mangdbrott", "brott_bostadsinbrott", "vald_offentlig_natt",
    "otrygg_kvall", "problemindex", "utsatt_brott", "oro_brott", "fortroende_polis",
]
#: exposure to crime and worry (survey)
EXPOSURE_INDICATORS = [
    "utsatt_brott", "utsatt_misshandel", "utsatt_hot", "utsatt_sexualbrott", "utsatt_ran", "utsatt_bedrageri",
    "utsatt_trakasserier", "utsatt_inbrott", "utsatt_stold", "utsatt_skadegorelse", "oro_brott", "avstatt",
]
#: the municipality's picture: youth survey risk and protective factors, young suspects
YOUTH_INDICATORS = [
    "ung_alkohol", "ung_intensivkonsumtion", "ung_narkotika", "ung_tobak", "ung_skolk", "ung_mobbad",
    "ung_utsatt_vald", "ung_egen_brottslighet", "ung_trygg_skolan", "ung_trygg_omrade", "ung_vuxen",
    "ung_fritid", "ung_fortroende_polis", "misstankta_unga", "misstankta_unga_tidigare",
]
#: the municipality's own incident reports
MUNICIPAL_INDICATORS = ["kommunala_skadegorelse", "kommunala_brand", "kommunala_kostnad"]
_TABLES = {"nyckeltal": KEY_INDICATORS, "utsatthet": EXPOSURE_INDICATORS, "unga": YOUTH_INDICATORS,
           "kommunala": MUNICIPAL_INDICATORS}
#: the areas compared: indicator -> (title, x label, source, percent, reference label)
AREA_CHARTS = {
    "vald": ("Våldsbrott per 1 000 invånare per område", "per 1 000 invånare",
             "Polisen, anmälda brott; befolkning per område", False, "Hela kommunen (brott med plats)"),
    "brott_totalt": ("Anmälda brott per 1 000 invånare per område", "per 1 000 invånare",
                     "Polisen, anmälda brott; befolkning per område", False, "Hela kommunen (brott med plats)"),
    "otrygg_kvall": ("Andel otrygga ute ensamma sent en kväll per område", "andel av de svarande",
                     "Trygghetsmätningen (viktade andelar)", True, "Hela kommunen"),
    "problemindex": ("Problemindex per område (0 = inga problem, 6 = alarmerande)", "problemindex 0–6",
                     "Trygghetsmätningen", False, "Hela kommunen"),
}
#: the category that also counts the offences with an unknown code in the category table
_OTHER = "ovrigt"
_OTHER_NAME = "Övriga brott och okända brottskoder"
_TOTAL_NAME = "Totalt"


def start(store: str | Path | None, year: int, lang: str = "sv") -> None:
    """The report's first call: the one parameter check, the chart theme."""
    common.start_report(store, year, lang, where="lagesbild.ipynb")


def indicator_table(store: str | Path | None, year: int, which: str):
    """A panel of indicators as a reading table: ``which`` is ``nyckeltal`` (the key figures),
    ``utsatthet`` (exposure and worry), ``unga`` (youth) or ``kommunala`` (municipal incidents)."""
    if which not in _TABLES:
        raise ValueError(f"which={which!r} is not a table of the situation picture; use one of {', '.join(_TABLES)}")
    return fmt.table(common.panel_display(panels.panel(store, _TABLES[which], year)))


def key_figures(store: str | Path | None, year: int):
    """The key figures with their changes (the report's summary table)."""
    return indicator_table(store, year, "nyckeltal")


def main_changes(store: str | Path | None, year: int):
    """The year's statistically certain changes, as the follow-up words them."""
    return uppfoljning.changes_text(store, year)


def category_chart(store: str | Path | None, year: int):
    """Offences per 1 000 inhabitants per category, one small chart each, from 2019 to ``year``."""
    trends = events.category_trends(store, until=year)
    return plots.small_multiples(trends, facet="name", title=f"Anmälda brott per 1 000 invånare efter kategori, 2019–{year}",
                                 ylabel="per 1 000 invånare", source="Polisen, anmälda brott; SCB/kommunen, befolkning")


def category_display(store: str | Path | None, year: int) -> pd.DataFrame:
    """Offences per category and year up to ``year`` as a reading table whose parts add up to the
    total: every category and the total row "Totalt". Offences whose code is not in the code list
    are counted with "Övriga brott" (the row says so): a separate row of 1–4 unknown codes would force
    a second, real category to be hidden in every year. Counts of 1–4 are "<5" and, so that no total
    minus parts gives them back, further cells "–" (:func:`trygghet.analysis.disclosure.suppress_counts`,
    the one gate). Sorted by the latest year's count (hidden ones after the shown), the total last."""
    counts = events.category_counts(store, until=year)
    counts = (counts.assign(category=counts["category"].replace({CATEGORY_UNKNOWN: _OTHER}))
              .groupby(["category", "year"], as_index=False, sort=False)["n"].sum())
    protected = disclosure.suppress_counts(counts, "n", by=["category", "year"], total=events.ALL_OFFENCES)
    shown = disclosure.publishable(protected)
    shown["n"] = [v if isinstance(v, str) else fmt.count(v) for v in shown["n"]]
    wide = shown.pivot(index="category", columns="year", values="n")
    latest = protected[protected["year"] == protected["year"].max()].set_index("category")["n"]
    order = sorted((c for c in wide.index if c != events.ALL_OFFENCES),
                   key=lambda c: (pd.isna(latest.get(c)), -(0 if pd.isna(latest.get(c)) else int(latest.get(c)))))
    wide = wide.loc[order + [events.ALL_OFFENCES]]
    names = [_category_name(c) for c in wide.index]
    wide.columns = [str(int(c)) for c in wide.columns]
    return wide.reset_index(drop=True).assign(Brottskategori=names)[["Brottskategori"] + list(wide.columns)]


def category_table(store: str | Path | None, year: int):
    """:func:`category_display` for the page, with its caption."""
    return fmt.table(category_display(store, year),
                     caption="Antal anmälda brott per kategori och år (delarna summerar till totalen)")


def area_chart(store: str | Path | None, indicator: str, year: int):
    """The indicator per area in the year (the latest measurement up to it) with the municipality's
    value as reference: ``vald``, ``brott_totalt``, ``otrygg_kvall`` or ``problemindex``."""
    if indicator not in AREA_CHARTS:
        raise ValueError(f"indicator={indicator!r} has no area chart; use one of {', '.join(AREA_CHARTS)}")
    title, xlabel, source, percent, ref_label = AREA_CHARTS[indicator]
    table, whole = panels.area_comparison(store, indicator, year)
    shown_year = int(table["year"].max()) if len(table) else year
    return plots.interval_chart(table, title=f"{title} {shown_year}", xlabel=xlabel, source=source,
                                reference=whole, reference_label=ref_label, percent=percent)


def disorder_chart(store: str | Path | None, year: int):
    """The survey's disorder items ranked (mean 0–6), latest round up to ``year``."""
    table = panels.disorder_ranking(store, year)
    table = table.assign(name=table["name"].str.replace("Problem: ", "", regex=False).str.capitalize())
    shown_year = int(table["year"].max()) if len(table) else year
    return plots.ranked_bar_chart(table, label="name", title=f"Hur stora problem de svarande ser i sitt område {shown_year}",
                                  xlabel="genomsnitt 0–6", source="Trygghetsmätningen", decimals=1)


def time_chart(store: str | Path | None, year: int, group: str = "vald"):
    """Offences of ``group`` by weekday and hour over the three years up to ``year``."""
    years = [year - 2, year - 1, year]
    name = brottskoncentrationer.group_name(group)
    return plots.weekday_hour_heatmap(events.time_profile(store, years, group),
                                      title=f"{name} efter veckodag och timme {year - 2}–{year}",
                                      source="Polisen, anmälda brott (tre år sammanslagna)")


def month_chart(store: str | Path | None, year: int):
    """Offences per month, this year against last year."""
    return plots.month_chart(events.month_profile(store, [year - 1, year]), hue="year",
                             title=f"Anmälda brott per månad {year - 1}–{year}", source="Polisen, anmälda brott")


def event_table(store: str | Path | None, year: int, group: str = "vald"):
    """Offences of ``group`` during the year's planned events against the same weekdays around them."""
    effects = events.event_effect(store, year, group)
    if effects.empty:
        return fmt.table(pd.DataFrame({"Evenemang": ["Inga planerade evenemang registrerade för året."]}))
    shown = pd.DataFrame({
        "Evenemang": effects["name"],
        "Datum": [_date_span(a, b) for a, b in zip(effects["start"], effects["end"])],
        "Område": effects["area"],
        "Brott under evenemanget": effects["n_event"].map(fmt.count),
        "Per dag under evenemanget": effects["per_day_event"].map(lambda v: fmt.number(v, 1)),
        "Per dag samma veckodagar runt omkring": effects["per_day_reference"].map(lambda v: fmt.number(v, 1)),
        "Kvot (95 % KI)": [
            fmt.MISSING if pd.isna(r) or r == float("inf") else f"{fmt.number(r, 1)} ({fmt.number(lo, 1)}–{fmt.number(hi, 1)})"
            for r, lo, hi in zip(effects["ratio"], effects["lower"], effects["upper"])
        ],
        "Säker skillnad": [(fmt.MISSING if h else ("ja" if sig else "nej"))
                           for sig, h in zip(effects["significant"], effects["suppressed"])],
    })
    return fmt.table(shown)


def hotspot_cells(store: str | Path | None, year: int) -> gpd.GeoDataFrame:
    """The year's hot-spot analysis of all offences with a place (250 m cells), for the overview map."""
    return hotspots.for_store(store, year, "alla", cell_size=250)


def hotspot_map(store: str | Path | None, cells: gpd.GeoDataFrame, year: int):
    """The overview map of the year's hot spots with the areas and the plan's measures (offline)."""
    fmap = maps.hotspot_map(cells, areas=read_table(store, "areas"), measures=activity_plan.measures(store, year),
                            title=f"Brottskoncentrationer {year}, alla brott med plats")
    return maps.offline(fmap, height=560)


def map_note(cells: gpd.GeoDataFrame):
    """What the map is built on and could not show (offences without a place or outside the
    municipality), and the study area (:func:`trygghet.reports.maps.map_note`)."""
    return maps.map_note(cells)


def national_table(store: str | Path | None, year: int):
    """The municipality beside the national reference values: its latest value (the column named by the store's
    municipality, "Luleå"), the nation's, their years and the source."""
    table = panels.national_comparison(store, year)
    shown = pd.DataFrame({
        "Indikator": table["name"],
        common.municipality_name(store): [
            f"{common.value_text(i, v, h)} ({int(y)})" if pd.notna(y) else fmt.MISSING
            for i, v, h, y in zip(table["indicator"], table["value"], table["suppressed"], table["year"])],
        "Riket": [f"{common.value_text(i, v)} ({int(y)})"
                  for i, v, y in zip(table["indicator"], table["national_value"], table["national_year"])],
        "Källa för riket": table["source"],
    })
    return fmt.table(shown)


def municipal_trend_chart(store: str | Path | None, year: int):
    """Municipal vandalism and fire incidents per year up to ``year``."""
    return plots.trend_chart(panels.municipal_incident_trend(store, until=year), hue="name",
                             title=f"Skadegörelse och anlagda bränder vid kommunal egendom 2019–{year}",
                             ylabel="antal händelser",
                             source=f"{common.municipality_name(store)} kommun, händelserapporter; räddningstjänsten",
                             decimals=0, band=False)


def definitions_appendix(lang: str = "sv"):
    """The indicators' definitions for readers (the appendix), without the analysts' columns."""
    table = indicator_docs.definitions_table(lang)
    drop = ["Id", "Typ", "Faktor", "Röjandekontroll", "Kind", "Factor", "Disclosure rule"]
    return fmt.table(table.drop(columns=drop, errors="ignore"))


# --- the law's frame (Lag 2023:196): årshjul, other information, analysis, sources ------------------


def arshjul_chart(store: str | Path | None, year: int):
    """The årshjul: each category's offences per month against an ordinary month, with the year's
    planned events (:func:`trygghet.reports.arshjul.wheel_chart`)."""
    return arshjul.wheel_chart(store, year)


def arshjul_table(store: str | Path | None, year: int):
    """The årshjul month by month: planned events and the categories with more or fewer offences."""
    return arshjul.month_table(store, year)


def arshjul_pattern_table(store: str | Path | None, year: int):
    """Per category: seasonal pattern, busiest weekday and hours of the week."""
    return arshjul.pattern_table(store, year)


def arshjul_method(year: int):
    """How the årshjul is made, in plain words."""
    return common.markdown(arshjul.method_text(year))


def est_display(store: str | Path | None, year: int) -> pd.DataFrame:
    """The year's EST observations per type and quarter with totals (a reading table whose parts add
    up; counts of 1–4 "<5" and their partners "–", through the one gate)."""
    counts = seasonal.est_quarters(store, year)
    if not counts["n"].any():
        return pd.DataFrame({"Iakttagelse": [f"Inga EST-rapporter levererades för {year}."]})
    total = _TOTAL_NAME
    long = pd.concat([
        counts.astype({"quarter": str}),
        counts.groupby("type", as_index=False, sort=False)["n"].sum().assign(quarter=total),
        counts.groupby("quarter", as_index=False)["n"].sum().astype({"quarter": str}).assign(type=total),
        pd.DataFrame({"type": [total], "quarter": [total], "n": [int(counts["n"].sum())]}),
    ], ignore_index=True)
    protected = disclosure.suppress_counts(long, "n", by=["type", "quarter"], total=total)
    shown = disclosure.publishable(protected)
    shown["n"] = [v if isinstance(v, str) else fmt.count(v) for v in shown["n"]]
    wide = shown.pivot(index="type", columns="quarter", values="n")
    order = [t for t in counts["type"].drop_duplicates()] + [total]
    wide = wide.loc[order, ["1", "2", "3", "4", total]]
    wide.columns = ["Kvartal 1", "Kvartal 2", "Kvartal 3", "Kvartal 4", total]
    return wide.reset_index(drop=True).assign(Iakttagelse=[t.capitalize() if t != total else t for t in order])[
        ["Iakttagelse", "Kvartal 1", "Kvartal 2", "Kvartal 3", "Kvartal 4", total]]


def est_table(store: str | Path | None, year: int):
    """:func:`est_display` as a table."""
    return fmt.table(est_display(store, year), caption=f"EST-iakttagelser {year} per slag och kvartal")


def factor_display(store: str | Path | None, year: int) -> pd.DataFrame:
    """The risk and protective factors (the indicators the definitions mark as such) with their latest
    value and change since the previous measurement, and whether that is better or worse."""
    evidence = activity_plan.indicator_evidence(store, year)
    part = evidence[evidence["factor"].isin(["risk", "skydd"])].sort_values("factor", kind="stable").reset_index(drop=True)
    return pd.DataFrame({
        "Faktor": part["factor"].map({"risk": "riskfaktor", "skydd": "skyddsfaktor"}).to_numpy(),
        "Indikator": part["name"].to_numpy(),
        "År": part["year"].map(lambda y: fmt.MISSING if pd.isna(y) else str(int(y))).to_numpy(),
        "Värde": [common.value_text(i, v, h) for i, v, h in zip(part["indicator"], part["value"], part["suppressed"])],
        "Sedan föregående mätning": [common.change_text(c, y) for c, y in zip(part["change_previous"], part["previous_year"])],
        "Bedömning": part["assessment"].map(problemregister.ASSESSMENT_WORDS).to_numpy(),
        "Åtgärd i planen": part["has_measure"].map({True: "ja", False: "nej"}).to_numpy(),
    })


def factor_table(store: str | Path | None, year: int):
    """:func:`factor_display` as a table."""
    return fmt.table(factor_display(store, year), caption="Risk- och skyddsfaktorer: läge och utveckling")


def problem_register_table(store: str | Path | None, year: int):
    """The problem register: the problems the analysis found and the steering group decided."""
    return problemregister.register_table(store, year)


def problem_summary(store: str | Path | None, year: int):
    """How many problems, how many without a measure, how many measures without a problem."""
    return common.markdown(problemregister.summary_text(store, year))


def problem_follow_up_table(store: str | Path | None, year: int):
    """What the trends mean for each problem: did its indicators move?"""
    return problemregister.follow_up_table(store, year)


def sources_table(store: str | Path | None):
    """The sources of the situation picture and their limitations."""
    return kallor.sources_table(store)


# --- helpers -------------------------------------------------------------------------------------


def _category_name(category: str) -> str:
    if category == _OTHER:
        return _OTHER_NAME
    if category == events.ALL_OFFENCES:
        return _TOTAL_NAME
    return indicators.definition(f"brott_{category}")["name_sv"]


def _date_span(a, b) -> str:
    """"5–6 juni 2025", "30 juni – 2 juli 2025", or one date."""
    if a == b or pd.isna(b):
        return fmt.date(a)
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}–{fmt.date(b)}"
    if a.year == b.year:
        return f"{fmt.date(a).rsplit(' ', 1)[0]} – {fmt.date(b)}"
    return f"{fmt.date(a)} – {fmt.date(b)}"

"""The combined situation picture (*samlad lägesbild*): the aggregations its report shows beside the
indicators — when offences happen, what planned events do, and how Luleå compares with Sweden.

Every function returns a tidy, aggregated table (no offence rows); counts are left as numbers and
suppressed for publishing by :mod:`trygghet.analysis.disclosure` / :mod:`trygghet.reports.format`.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import stats

from trygghet.reports import format as fmt
from trygghet.analysis import indicators
from trygghet.data.config import SUPPRESS_BELOW, resource_path
from trygghet.data.errors import ParameterError
from trygghet.data.vocabulary import offence_group_mask
from trygghet.analysis.indicators import format_value
from trygghet.data.store import area_names, disk_memo, read_table, store_dir, years as store_years

__all__ = [
    "BASELINE_YEAR",
    "KEY_INDICATORS",
    "EXPOSURE_INDICATORS",
    "YOUTH_INDICATORS",
    "MUNICIPAL_INDICATORS",
    "HOTSPOT_HEADERS",
    "start_report",
    "check_parameters",
    "changes_text",
    "disorder_ranking",
    "event_display",
    "national_comparison",
    "municipal_incident_trend",
    "hotspot_title",
    "hotspot_intro",
    "hotspot_source",
    "map_note",
    "coverage_text",
    "evaluation_display",
    "definition_note",
    "follow_up_display",
    "follow_up_text",
    "area_intro",
    "area_profile_display",
    "area_cells",
    "area_summary",
    "hotspot_area_display",
    "area_hotspots",
    "safety_walk_summary",
    "CATEGORY_GROUPS",
    "panel",
    "warm_cache",
    "area_profile_ids",
    "panel_display",
    "category_trends",
    "category_table",
    "area_comparison",
    "area_profile",
    "select_offences",
    "time_profile",
    "month_profile",
    "event_effect",
    "national_reference",
]

#: the agreement's baseline: the first combined situation picture (2020) was built on 2019's data
BASELINE_YEAR = 2019
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
#: Swedish headers of :func:`trygghet.analysis.hotspots.hotspots_by_area`
HOTSPOT_HEADERS = {
    "area": "Område",
    "hot_cells": "Hot spot-rutor",
    "n": "Antal i rutorna (avrundat till tiotal)",
    "without_measure": "Rutor utan situationell åtgärd",
    "nearest_measure_m": "Längsta avstånd till närmaste åtgärd (m)",
}
_LANGS = ("sv", "en")
_SECTIONS = {
    "Brott": ("polis",),
    "Trygghet": ("trygghetsmätning", "kommun"),
    "Unga": ("ungdomsenkät",),
}
#: category groups a report may ask for, besides a single category name
CATEGORY_GROUPS = {"alla": "Alla brott", "vald": "Våldsbrott", "mangdbrott": "Mängdbrott"}


def panel(
    store: str | Path | None,
    ids: list[str],
    year: int,
    *,
    area: str | None = None,
    baseline_year: int = BASELINE_YEAR,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Indicators side by side: each one's latest value up to ``year`` with its interval, and the
    tested change since the previous measurement and since the baseline.

    ``area`` restricts to one area; indicators without area data then show no value. Columns:
    ``indicator``, ``name``, ``kind``, ``unit``, ``direction``, ``levels``, ``factor``, ``year``,
    ``value``, ``lower``, ``upper``, ``n``, ``suppressed``, ``previous_year``, ``previous_value``,
    ``change_previous``, ``baseline_year``, ``baseline_value``, ``change_baseline``
    (changes as :func:`trygghet.analysis.indicators.change`'s ``assessment``: förbättring, försämring,
    ingen säker förändring, ej mätbart)."""
    key = (tuple(ids), int(year), area, int(baseline_year), float(alpha))
    return disk_memo(store, "panel", key, lambda: _panel(store, ids, int(year), area, int(baseline_year), alpha))


def warm_cache(store: str | Path | None, year: int) -> None:
    """Compute what several reports of a year share — every indicator per year and area, the
    municipality's panel of the area profiles, the main changes — once, into the store's cache, before
    the run starts the report notebooks in parallel."""
    indicators.warm_cache(store)
    panel(store, area_profile_ids(store), year)
    indicators.main_changes(store, year)


def area_profile_ids(store: str | Path | None = None) -> list[str]:
    """The indicators an area profile shows: those with area data (not the count of measures)."""
    defs = indicators.definitions()
    return [i for i, g in zip(defs["id"], defs["groupings"]) if "area" in g and i != "atgarder_per_niva"]


def panel_display(table: pd.DataFrame, *, with_baseline: bool = True) -> pd.DataFrame:
    """A panel (:func:`panel`) as a Swedish table for reading: values formatted by their kind
    (shares as "21 %", rates with one decimal), hidden values as "–", and the changes in words."""
    out = pd.DataFrame({
        "Indikator": table["name"],
        "År": table["year"].map(lambda y: "–" if pd.isna(y) else str(int(y))),
        "Värde": [format_value(i, v, hidden=h) for i, v, h in zip(table["indicator"], table["value"], table["suppressed"])],
        "95 % konfidensintervall": [
            "–" if h or pd.isna(lo) else f"{format_value(i, lo)} – {format_value(i, hi)}"
            for i, lo, hi, h in zip(table["indicator"], table["lower"], table["upper"], table["suppressed"])
        ],
        "Enhet": table["unit"].map(_unit_text),
        "Sedan föregående mätning": [_change_text(c, y) for c, y in zip(table["change_previous"], table["previous_year"])],
    })
    if with_baseline:
        out["Sedan utgångsåret"] = [_change_text(c, y) for c, y in zip(table["change_baseline"], table["baseline_year"])]
    return out


def category_trends(store: str | Path | None, years: list[int] | None = None, *, until: int | None = None) -> pd.DataFrame:
    """Offences per analysis category and year, as counts and per 1 000 inhabitants with intervals.

    Columns: ``category``, ``name``, ``year``, ``n``, ``value`` (per 1 000), ``lower``, ``upper``,
    ``suppressed``."""
    ids = [i for i in indicators.definitions()["id"] if i.startswith("brott_") and i != "brott_totalt"]
    parts = []
    for i in ids:
        t = indicators.compute(store, i, years=years)
        parts.append(t.assign(category=i.removeprefix("brott_"), name=indicators.definition(i)["name_sv"]))
    table = pd.concat(parts, ignore_index=True)
    if until is not None:  # a report for an earlier year shows no later years
        table = table[table["year"] <= int(until)]
    return table[["category", "name", "year", "n", "value", "lower", "upper", "suppressed"]].reset_index(drop=True)


def category_table(trends: pd.DataFrame) -> pd.DataFrame:
    """:func:`category_trends` as a reading table: one row per category, one column per year with the
    count (1–4 as "<5"), sorted by the latest year's count."""
    data = trends.assign(n=trends["n"].astype("Float64").where(~trends["suppressed"].astype(bool)))
    wide = data.pivot(index="name", columns="year", values="n")
    wide = wide.sort_values(wide.columns[-1], ascending=False, na_position="last")
    shown = wide.apply(lambda col: col.map(lambda v: fmt.SUPPRESSED if pd.isna(v) else fmt.count(v)))
    shown.columns = [str(int(c)) for c in shown.columns]
    return shown.rename_axis("Brottskategori").reset_index()


def area_comparison(store: str | Path | None, indicator: str, year: int) -> tuple[pd.DataFrame, float]:
    """The indicator per area in ``year`` (or the latest year with data before it), and the
    municipality's value for reference (for offence rates: of the offences with a place, since an
    area's rate cannot hold those without one). Returns ``(table, municipality_value)``; the table has
    :func:`trygghet.analysis.indicators.compute`'s columns with ``area``."""
    by_area = indicators.compute(store, indicator, by="area")
    shown_years = by_area.loc[by_area["year"] <= year, "year"]
    if shown_years.empty:
        return by_area.iloc[0:0], float("nan")
    latest = int(shown_years.max())
    placed = _placed_reference(store, [indicator], [latest])
    if indicator in placed:  # offence rates: the municipality's offences with a place, as the areas count
        value = placed[indicator]["value"]
    else:
        whole = indicators.compute(store, indicator, years=latest)
        value = float(whole["value"].iloc[0]) if len(whole) and not whole["suppressed"].iloc[0] else float("nan")
    return by_area[by_area["year"] == latest].reset_index(drop=True), value


def area_profile(store: str | Path | None, area: str, year: int, ids: list[str] | None = None) -> pd.DataFrame:
    """The area against the municipality on every indicator that has area data: the panel of the area
    with the municipality's value beside it and whether the area is certainly better or worse (the
    intervals do not overlap). Columns: the :func:`panel` columns plus ``municipality_value`` and
    ``comparison`` (``bättre``, ``sämre``, ``ingen säker skillnad``, ``–``)."""
    if ids is None:
        ids = area_profile_ids(store)
    own = panel(store, ids, year, area=area)
    whole = panel(store, ids, year)
    placed = _placed_reference(store, ids, own["year"])
    for col in ("value", "lower", "upper"):
        whole[col] = [placed[i][col] if i in placed else v for i, v in zip(whole["indicator"], whole[col])]
    whole["year"] = [placed[i]["year"] if i in placed else y for i, y in zip(whole["indicator"], whole["year"])]
    same_year = (own["year"].astype("Float64") == whole["year"].astype("Float64")).fillna(False).to_numpy(dtype=bool)
    # only the same year is compared: an area whose latest shown year is older gets no comparison
    own["municipality_value"] = np.where(same_year, whole["value"].to_numpy(dtype=float), np.nan)
    own["municipality_lower"] = np.where(same_year, whole["lower"].to_numpy(dtype=float), np.nan)
    own["municipality_upper"] = np.where(same_year, whole["upper"].to_numpy(dtype=float), np.nan)
    own["comparison"] = [_compare(r) for r in own.itertuples(index=False)]
    return own


def start_report(store: str | Path | None, year: int, lang: str = "sv", area: str | None = None) -> None:
    """The first call of every report notebook: checks the parameters, sets the chart theme, and
    keeps the library's data notes (points outside the grid, small samples ...) out of the published
    page — the reports state those counts in their own text (e.g. :func:`map_note`)."""
    import warnings

    from trygghet.reports.plots import set_theme

    check_parameters(store, year, lang, area)
    set_theme()
    warnings.filterwarnings("ignore", category=UserWarning, module=r"trygghet(\.|$)")


def check_parameters(store: str | Path | None, year: int, lang: str = "sv", area: str | None = None) -> None:
    """Check a notebook's parameters against the store; a ParameterError says what is wrong."""
    if not isinstance(year, int) or isinstance(year, bool):
        raise ParameterError(f"year must be a whole number such as 2025, got {year!r}")
    store_dir(store)
    known = store_years(store, "offences")
    if year not in known:
        raise ParameterError(f"year {year} has no offences in the store {store}; the years are " + ", ".join(map(str, known)))
    if lang not in _LANGS:
        raise ParameterError(f"lang must be one of {', '.join(_LANGS)}, got {lang!r}")
    if area is not None and area not in area_names(store):
        raise ParameterError(f"area {area!r} is not an area of the store; use one of " + ", ".join(area_names(store)))


def changes_text(store: str | Path | None, year: int, *, alpha: float = 0.05, max_items: int = 8):
    """The year's statistically certain changes (:func:`trygghet.analysis.indicators.main_changes`) as a Swedish
    bullet list for the report (a Markdown display object)."""
    from IPython.display import Markdown

    changes = indicators.main_changes(store, year, alpha=alpha, max_items=max_items)
    if changes.empty:
        return Markdown("Inga statistiskt säkra förändringar jämfört med föregående mätning eller utgångsåret.")
    return Markdown("\n".join(f"- {t}" for t in changes["text"]))


def disorder_ranking(store: str | Path | None, year: int) -> pd.DataFrame:
    """The disorder items of the survey (``problem_*``) municipality-wide in the latest round up to
    ``year``, ranked. Columns: ``indicator``, ``name`` (without the "Problem: " prefix), ``year``,
    ``value``, ``lower``, ``upper``, ``suppressed``."""
    ids = [i for i in indicators.definitions()["id"] if i.startswith("problem_")]
    table = panel(store, ids, year)
    table["name"] = table["name"].str.replace("Problem: ", "", regex=False).str.capitalize()
    table = table[~table["suppressed"].astype(bool)]
    cols = ["indicator", "name", "year", "value", "lower", "upper", "suppressed"]
    return table[cols].astype({"value": float, "lower": float, "upper": float}).sort_values("value", ascending=False)


def event_display(effects: pd.DataFrame) -> pd.DataFrame:
    """:func:`event_effect` as a reading table (counts of 1–4 as "<5")."""
    if effects.empty:
        return pd.DataFrame({"Evenemang": ["Inga planerade evenemang registrerade för året."]})
    return pd.DataFrame({
        "Evenemang": effects["name"],
        "Datum": [_date_span(a, b) for a, b in zip(effects["start"], effects["end"])],
        "Område": effects["area"],
        "Brott under evenemanget": effects["n_event"].map(fmt.count),
        "Per dag under evenemanget": effects["per_day_event"].map(lambda v: fmt.number(v, 1)),
        "Per dag samma veckodagar runt omkring": effects["per_day_reference"].map(lambda v: fmt.number(v, 1)),
        "Kvot (95 % KI)": [
            "–" if pd.isna(r) or np.isinf(r) else f"{fmt.number(r, 1)} ({fmt.number(lo, 1)}–{fmt.number(hi, 1)})"
            for r, lo, hi in zip(effects["ratio"], effects["lower"], effects["upper"])
        ],
        "Säker skillnad": [("–" if h else ("ja" if sig else "nej")) for sig, h in zip(effects["significant"], effects["suppressed"])],
    })


def national_comparison(store: str | Path | None, year: int) -> pd.DataFrame:
    """Luleå beside the national reference values that exist (``resources/national.csv``): a reading
    table with the indicator, Luleå's latest value, the national value, its year and source."""
    reference = national_reference()
    own = panel(store, list(reference["indicator"]), year)
    rows = []
    for ref, mine in zip(reference.itertuples(index=False), own.itertuples(index=False)):
        rows.append({
            "Indikator": mine.name,
            "Luleå": f"{format_value(ref.indicator, mine.value, hidden=mine.suppressed)} ({mine.year})" if pd.notna(mine.year) else "–",
            "Riket": f"{format_value(ref.indicator, ref.value)} ({ref.year})",
            "Källa för riket": ref.source,
        })
    return pd.DataFrame(rows)


def municipal_incident_trend(store: str | Path | None, until: int | None = None) -> pd.DataFrame:
    """Municipal vandalism and fire incidents per year up to ``until``: ``name``, ``year``, ``value``,
    ``suppressed``."""
    parts = [indicators.compute(store, i).assign(name=indicators.definition(i)["name_sv"])
             for i in ("kommunala_skadegorelse", "kommunala_brand")]
    table = pd.concat(parts, ignore_index=True)[["name", "year", "value", "suppressed"]]
    return table if until is None else table[table["year"] <= int(until)].reset_index(drop=True)


def hotspot_title(group: str, year: int) -> str:
    """The map's title: "Brottskoncentrationer 2025 – våldsbrott"."""
    return f"Brottskoncentrationer {year} – {_group_name(group).lower()}"


def hotspot_source(group: str, year: int) -> str:
    """The source line of a hot-spot map: whose data, which year."""
    if group.startswith("kommunala"):
        return f"Källa: Luleå kommun, händelserapporter {year}; verksamhetsplanen. Rutor utan signifikans och med färre än 5 händelser visas inte."
    return f"Källa: Polisen, anmälda brott {year}; verksamhetsplanen. Rutor utan signifikans och med färre än 5 brott visas inte."


def hotspot_intro(group: str, year: int):
    """One line that says what the hot-spot report maps."""
    from IPython.display import Markdown

    return Markdown(f"**Brott som kartläggs:** {_group_name(group).lower()}, {year}.")


def map_note(cells: gpd.GeoDataFrame):
    """How many offences the map could not show (no place, outside the municipality) and the grid."""
    from IPython.display import Markdown

    a = cells.attrs
    noun = "händelser" if str(a.get("category_group", "")).startswith("kommunala") else "brott"
    # one number for both kinds left out: a small count outside the municipality is not shown on its own
    left_out = int(a.get("n_without_place", 0)) + int(a.get("n_outside_municipality", 0)) + int(a.get("n_outside", 0))
    used = int(a.get("n_points", 0))
    return Markdown(
        f"Kartan bygger på {fmt.count(used)} {noun} med plats i rutor om {fmt.number(a.get('cell_size', 0), 0)} m. "
        f"{fmt.count(left_out)} {noun} saknar plats eller ligger utanför kommunen; de räknas i alla "
        "totaler men kan inte visas på kartan. Bakgrundskartan (OpenStreetMap) kan slås på i lagerväljaren när "
        "datorn har internet."
    )


def hotspot_area_display(cells: gpd.GeoDataFrame, coverage: pd.DataFrame) -> pd.DataFrame:
    """:func:`trygghet.analysis.hotspots.hotspots_by_area` for publishing: the offences in an area's hot-spot
    cells rounded to tens, since the map shows each cell's count (1–4 as "<5") and an exact sum would
    give the hidden ones back."""
    from trygghet.analysis.hotspots import hotspots_by_area

    table = hotspots_by_area(cells, coverage)
    table["n"] = (table["n"] / 10).round().astype(int) * 10
    table["nearest_measure_m"] = table["nearest_measure_m"].round(-1)
    return table


def coverage_text(coverage: pd.DataFrame, distance: float):
    """The hot-spot areas without a situational measure within ``distance`` metres, in words."""
    from IPython.display import Markdown

    if coverage.empty:
        return Markdown("Inga signifikanta hot spots i år.")
    missing = coverage[~coverage["has_measure"]]
    if missing.empty:
        return Markdown(f"Alla hot spot-rutor har en situationell åtgärd inom {fmt.number(distance, 0)} m.")
    areas = missing["area"].fillna("utanför områdena").value_counts()
    listing = ", ".join(f"{a} ({n} {'ruta' if n == 1 else 'rutor'})" for a, n in areas.items())
    return Markdown(
        f"**{len(missing)} av {len(coverage)} hot spot-rutor saknar en situationell åtgärd inom "
        f"{fmt.number(distance, 0)} m:** {listing}. Dessa platser bör prövas för situationella åtgärder "
        "(belysning, röjning, kameror, ordningsvakter, polisnärvaro) i nästa verksamhetsplan."
    )


def evaluation_display(evaluation: pd.DataFrame) -> pd.DataFrame:
    """:func:`trygghet.analysis.hotspots.evaluate` as a reading table: t1 is last year (the year the cells were
    flagged), t2 this year."""
    period = {"t1": "Förra året (rutorna pekades ut)", "t2": "I år (samma rutor)"}
    return pd.DataFrame({
        "Period": evaluation["period"].map(lambda p: period.get(p, p)),
        "Brott i de utpekade rutorna": evaluation["offences_flagged"].map(fmt.count),
        "Brott totalt": evaluation["offences_total"].map(fmt.count),
        "Andel av brotten": evaluation["hit_rate"].map(lambda v: fmt.percent(v, decimals=1)),
        "Rutor": evaluation["flagged_cells"].map(lambda v: fmt.number(v, 0)),
        "Andel av ytan": evaluation["area_share"].map(lambda v: fmt.percent(v, decimals=2)),
        "PAI": evaluation["pai"].map(lambda v: fmt.number(v, 1)),
        "RRI": evaluation["rri"].map(lambda v: fmt.number(v, 2)),
    })


def definition_note(evaluation: pd.DataFrame):
    """The PAI/RRI definition stated where the numbers are shown."""
    from IPython.display import Markdown

    return Markdown("**Definition:** " + str(evaluation.attrs.get("definition_sv", "")))


def follow_up_display(follow: pd.DataFrame, store: str | Path | None = None, year: int | None = None) -> pd.DataFrame:
    """:func:`trygghet.analysis.indicators.follow_up` as the steering group's table; with ``store``, also the
    activity plan's active measures that name each sub-goal's indicator."""
    measures_for = _measures_by_indicator(store, year) if store is not None else {}
    return pd.DataFrame({
        "Delmål": follow["subgoal_id"] + " " + follow["subgoal_text"],
        "Område": follow["area"],
        "Utgångsvärde": [f"{format_value(i, v)} ({y})" for i, v, y in zip(follow["indicator"], follow["baseline_value"], follow["baseline_year"])],
        "Senaste värde (95 % KI)": [
            "–" if pd.isna(v) else f"{format_value(i, v)} ({format_value(i, lo)}–{format_value(i, hi)}), {y}"
            if not pd.isna(lo) else f"{format_value(i, v)}, {y}"
            for i, v, lo, hi, y in zip(follow["indicator"], follow["value"], follow["lower"], follow["upper"], follow["latest_year"])
        ],
        "Mål": [f"{'högst' if t == 'tak' else 'minst'} {format_value(i, v)} år {y}"
                for i, v, t, y in zip(follow["indicator"], follow["target_value"], follow["target_type"], follow["target_year"])],
        "Utveckling sedan föregående mätning": follow["trend"],
        "Status": follow["status"],
        "Motivering": follow["status_reason"],
        "Åtgärder i planen som siktar på indikatorn": follow["indicator"].map(
            lambda i: ", ".join(measures_for.get(i, [])) or "inga"),
    })


def follow_up_text(follow: pd.DataFrame, store: str | Path | None = None, year: int | None = None):
    """The follow-up's status for the steering group, and the decisions it points to: sub-goals not on
    track, and which of them no measure in the activity plan aims at."""
    from IPython.display import Markdown

    words = {"på väg": "på väg", "risk": "osäkra (risk)", "ej på väg": "inte på väg", "ej mätbart": "inte mätbara"}
    counts = follow["status"].value_counts()
    parts = [f"{counts.get(k, 0)} {w}" for k, w in words.items() if counts.get(k, 0)]
    text = f"**Av {len(follow)} delmål är " + _join_sv(parts) + ".**"
    measures_for = _measures_by_indicator(store, year) if store is not None else {}
    off = follow[follow["status"] == "ej på väg"]
    if len(off):
        lines = [f"- {r.subgoal_id} {r.subgoal_text}" + ("" if measures_for.get(r.indicator) else " – *ingen åtgärd i planen siktar på indikatorn*")
                 for r in off.itertuples(index=False)]
        text += "\n\n**Beslut som behövs:** styrgruppen bör ta ställning till förstärkta eller nya åtgärder för delmålen som inte är på väg:\n\n" + "\n".join(lines)
    risky = follow[follow["status"] == "risk"]
    if len(risky):
        text += "\n\nFölj särskilt upp: " + "; ".join(f"{r.subgoal_id} {r.subgoal_text}" for r in risky.itertuples(index=False)) + "."
    return Markdown(text)


def _join_sv(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " och " + parts[-1]


def _measures_by_indicator(store, year: int | None) -> dict[str, list[str]]:
    from trygghet.analysis.activity_plan import measures

    table = measures(store, year, active_only=year is not None)
    out: dict[str, list[str]] = {}
    for name, ids in zip(table["name"], table["indicators"].fillna("")):
        for i in (t.strip() for t in str(ids).split(",")):
            if i:
                out.setdefault(i, []).append(name)
    return out


def area_intro(store: str | Path | None, area: str, year: int):
    """Checks the area and says what the profile covers (population, year)."""
    from IPython.display import Markdown

    check_parameters(store, year, "sv", area)
    population = read_table(store, "population")
    people = population[(population["year"] == year) & (population["area"] == area)]["population"].sum()
    return Markdown(f"## {area} {year}\n\n{area} har {fmt.number(people, 0)} invånare ({year}). "
                    "Jämförelserna med hela kommunen säger *sämre* eller *bättre* bara när konfidensintervallen inte överlappar.")


def area_profile_display(profile: pd.DataFrame, section: str) -> pd.DataFrame:
    """One section (``Brott``, ``Trygghet`` or ``Unga``) of :func:`area_profile` as a reading table."""
    if section not in _SECTIONS:
        raise ParameterError(f"section must be one of {', '.join(_SECTIONS)}, got {section!r}")
    defs = indicators.definitions().set_index("id")
    sources = profile["indicator"].map(defs["source"])
    part = profile[sources.isin(_SECTIONS[section]).to_numpy()]
    return pd.DataFrame({
        "Indikator": part["name"],
        "År": part["year"].map(lambda y: "–" if y is None or pd.isna(y) else str(int(y))),
        "Området": [format_value(i, v, hidden=h) for i, v, h in zip(part["indicator"], part["value"], part["suppressed"])],
        "95 % KI": ["–" if h or lo is None or pd.isna(lo) else f"{format_value(i, lo)} – {format_value(i, hi)}"
                    for i, lo, hi, h in zip(part["indicator"], part["lower"], part["upper"], part["suppressed"])],
        "Hela kommunen": [format_value(i, v) for i, v in zip(part["indicator"], part["municipality_value"])],
        "Jämfört med kommunen": part["comparison"],
        "Sedan föregående mätning": [_change_text(c, y) for c, y in zip(part["change_previous"], part["previous_year"])],
    })


def area_summary(profile: pd.DataFrame, area: str):
    """The area profile in a few bullets: where the area is certainly worse or better than the whole
    municipality (non-overlapping intervals, same year)."""
    from IPython.display import Markdown

    worse = profile[profile["comparison"] == "sämre"]["name"].tolist()
    better = profile[profile["comparison"] == "bättre"]["name"].tolist()
    lines = []
    if worse:
        lines.append(f"- **Sämre än kommunen som helhet:** {', '.join(worse)}.")
    if better:
        lines.append(f"- **Bättre än kommunen som helhet:** {', '.join(better)}.")
    if not lines:
        lines.append(f"- {area} skiljer sig inte säkert från kommunen som helhet på någon indikator.")
    lines.append("- Brottstalen jämförs med kommunens brott *med plats*, eftersom brott utan plats inte kan räknas till något område.")
    return Markdown("\n".join(lines))


def area_cells(cells: gpd.GeoDataFrame, store: str | Path | None, area: str, margin: float = 500.0) -> gpd.GeoDataFrame:
    """The hot-spot cells within ``margin`` metres of the area (for a map of the area)."""
    known = area_names(store)
    if area not in known:
        raise ParameterError(f"area {area!r} is not an area of the store; use one of " + ", ".join(known))
    shape = read_table(store, "areas").set_index("area").loc[[area]].to_crs(cells.crs).buffer(margin).union_all()
    part = cells[cells.intersects(shape)].copy()
    part.attrs = dict(cells.attrs)
    return part


def area_hotspots(cells: gpd.GeoDataFrame, area: str) -> pd.DataFrame:
    """The area's significant hot-spot cells as a reading table (or a sentence when there are none)."""
    from trygghet.analysis.hotspots import top_hotspots

    own = cells[(cells["area"] == area).fillna(False).to_numpy(dtype=bool)]
    table = top_hotspots(own, 10)
    if table.empty:
        return pd.DataFrame({"Brottskoncentrationer": [f"Inga signifikanta hot spots i {area}."]})
    return table


def safety_walk_summary(store: str | Path | None, area: str | None = None) -> pd.DataFrame:
    """Safety-walk findings per year: how many, the share fixed (hidden when fewer than 5 findings, so
    no small count can be read back from it) and the kinds of deficiency found (a reading table)."""
    from trygghet.data.config import SUPPRESS_BELOW

    walks = read_table(store, "safety_walks")
    if area is not None:
        walks = walks[walks["area"] == area]
    if walks.empty:
        return pd.DataFrame({"Trygghetsvandringar": ["Inga registrerade fynd."]})
    grouped = walks.groupby("year").agg(
        n=("fixed", "size"),
        fixed=("fixed", "sum"),
        kinds=("deficiency", lambda d: ", ".join(d.value_counts().index)),
    ).reset_index()
    return pd.DataFrame({
        "År": grouped["year"].astype(int).astype(str),
        "Fynd": grouped["n"].map(fmt.count),
        "Åtgärdade": [fmt.percent(f / n, 0) if n >= SUPPRESS_BELOW else "–" for f, n in zip(grouped["fixed"], grouped["n"])],
        "Brister (vanligast först)": grouped["kinds"],
    })


def _placed_reference(store, ids: list[str], years) -> dict[str, dict]:
    """For offence rates: the municipality's rate counting only offences with a place in an area (the
    sum over the areas), the fair reference for one area; an area's rate cannot hold offences without
    a place. Hidden area counts (1–4) add nothing, a bias of a few offences at most."""
    from scipy import stats as _stats

    out = {}
    for i, y in zip(ids, years):
        d = indicators.definition(i)
        if d["kind"] != "rate_per_1000" or d["table"] != "offences" or y is None or pd.isna(y):
            continue
        t = indicators.compute(store, i, years=int(y), by="area")
        k = float(np.nansum(t["numerator"].to_numpy(dtype=float)))
        pop = float(t["denominator"].sum())
        if pop <= 0:
            continue
        lo = _stats.chi2.ppf(0.025, 2 * k) / 2 if k > 0 else 0.0
        hi = _stats.chi2.ppf(0.975, 2 * k + 2) / 2
        out[i] = {"value": 1000 * k / pop, "lower": 1000 * lo / pop, "upper": 1000 * hi / pop, "year": int(y)}
    return out


def select_offences(store: str | Path | None, year: int | list[int] | None = None, group: str = "alla") -> pd.DataFrame:
    """Offences of the store filtered by year(s) and category group (``alla``, ``vald``,
    ``mangdbrott`` or a category such as ``misshandel``)."""
    offences = read_table(store, "offences")
    if year is not None:
        wanted = [year] if isinstance(year, int) else list(year)
        offences = offences[offences["year"].isin(wanted)]
    return offences[offence_group_mask(offences, group)]


def time_profile(store: str | Path | None, year: int | list[int], group: str = "alla") -> pd.DataFrame:
    """Offences by weekday (0 = Monday) and hour of start, for offences whose start time is known.

    Columns: ``weekday``, ``hour``, ``n`` (all 7 × 24 cells, zeros included)."""
    offences = select_offences(store, year, group)
    timed = offences[offences["start_time_known"] & offences["hour"].notna()]
    counts = timed.groupby(["weekday", "hour"]).size()
    full = pd.MultiIndex.from_product([range(7), range(24)], names=["weekday", "hour"])
    return counts.reindex(full, fill_value=0).rename("n").reset_index().astype({"weekday": int, "hour": int, "n": int})


def month_profile(store: str | Path | None, years: list[int], group: str = "alla") -> pd.DataFrame:
    """Offences per month and year. Columns: ``year``, ``month``, ``n`` (zeros included)."""
    offences = select_offences(store, years, group)
    counts = offences.groupby(["year", "month"]).size()
    full = pd.MultiIndex.from_product([sorted(years), range(1, 13)], names=["year", "month"])
    return counts.reindex(full, fill_value=0).rename("n").reset_index().astype({"year": int, "month": int, "n": int})


def event_effect(
    store: str | Path | None,
    year: int,
    group: str = "alla",
    *,
    weeks_around: int = 4,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Offences during each planned event of the year against the same weekdays in the
    ``weeks_around`` weeks before and after (other events' days left out), in the event's area
    (the whole municipality when the event has none).

    The rate ratio's interval is exact, conditional on the total (the binomial method for two Poisson
    counts with different exposures). Columns: ``name``, ``start``, ``end``, ``area``, ``event_days``,
    ``n_event``, ``reference_days``, ``n_reference``, ``per_day_event``, ``per_day_reference``,
    ``ratio``, ``lower``, ``upper``, ``significant``.
    """
    events = read_table(store, "events")
    events = events[events["year"] == year]
    columns = ["name", "start", "end", "area", "event_days", "n_event", "reference_days", "n_reference",
               "per_day_event", "per_day_reference", "ratio", "lower", "upper", "significant", "suppressed"]
    if events.empty:
        return pd.DataFrame(columns=columns)
    offences = select_offences(store, None, group)
    offences = offences.assign(day=offences["start"].dt.normalize())
    all_event_days = set()
    for start, end in zip(events["start"], events["end"]):
        all_event_days.update(pd.date_range(start.normalize(), end.normalize(), freq="D"))
    rows = [_one_event(ev, offences, all_event_days, weeks_around, alpha) for ev in events.itertuples(index=False)]
    return pd.DataFrame(rows, columns=columns)


def national_reference() -> pd.DataFrame:
    """National reference values shipped with the package (``resources/national.csv``):
    ``indicator``, ``year``, ``value``, ``unit``, ``source``."""
    table = pd.read_csv(resource_path("national.csv"), sep=";", encoding="utf-8")
    return table.rename(columns={"indikator": "indicator", "ar": "year", "varde": "value", "enhet": "unit", "kalla": "source"})


# --- helpers -------------------------------------------------------------------------------------

def _panel(store, ids: list[str], year: int, area: str | None, baseline_year: int, alpha: float) -> pd.DataFrame:
    rows = [_panel_row(store, i, year, area, baseline_year, alpha) for i in ids]
    table = pd.DataFrame(rows, columns=_PANEL_COLUMNS)
    for c in ("year", "previous_year", "baseline_year"):
        table[c] = pd.array(table[c], dtype="Int64")
    for c in ("value", "lower", "upper", "n", "previous_value", "baseline_value"):
        table[c] = pd.to_numeric(table[c], errors="coerce").astype("float64")
    table["suppressed"] = table["suppressed"].astype(bool)
    return table


_PANEL_COLUMNS = ["indicator", "name", "kind", "unit", "direction", "levels", "factor", "year", "value", "lower",
                  "upper", "n", "suppressed", "previous_year", "previous_value", "change_previous", "baseline_year",
                  "baseline_value", "change_baseline"]


def _panel_row(store, indicator: str, year: int, area: str | None, baseline_year: int, alpha: float) -> dict:
    d = indicators.definition(indicator)
    row = {c: None for c in _PANEL_COLUMNS}
    row.update(indicator=indicator, name=d["name_sv"], kind=d["kind"], unit=d["unit"], direction=d["direction"],
               levels=", ".join(d["levels"]), factor=d.get("factor") or "", suppressed=True,
               change_previous="ej mätbart", change_baseline="ej mätbart")
    try:
        series = indicators.compute(store, indicator, area=area, alpha=alpha)
    except ParameterError:
        return row  # not available for this area
    series = series[series["year"] <= year]
    shown = series[~series["suppressed"].astype(bool) & series["value"].notna()]
    if len(series) and (shown.empty or int(series["year"].max()) > int(shown["year"].max())):
        row["year"] = int(series["year"].max())  # the latest year, hidden (1-4 or too few answers)
        return row
    if shown.empty:
        return row
    latest = shown.iloc[-1]
    row.update(year=int(latest["year"]), value=latest["value"], lower=latest["lower"], upper=latest["upper"],
               n=latest["n"], suppressed=False)
    earlier = shown[shown["year"] < latest["year"]]
    if len(earlier):
        prev = earlier.iloc[-1]
        row.update(previous_year=int(prev["year"]), previous_value=prev["value"],
                   change_previous=_assessment(store, indicator, int(prev["year"]), int(latest["year"]), area, alpha))
    base = shown[shown["year"] >= baseline_year]
    if len(base) and int(base.iloc[0]["year"]) < int(latest["year"]):
        first = base.iloc[0]
        row.update(baseline_year=int(first["year"]), baseline_value=first["value"],
                   change_baseline=_assessment(store, indicator, int(first["year"]), int(latest["year"]), area, alpha))
    return row


def _assessment(store, indicator: str, y0: int, y1: int, area: str | None, alpha: float) -> str:
    table = indicators.change(store, indicator, y0, y1, alpha=alpha, area=area)
    return str(table["assessment"].iloc[0]) if len(table) else "ej mätbart"


def _change_text(assessment, year) -> str:
    if assessment is None or pd.isna(assessment) or assessment == "ej mätbart" or year is None or pd.isna(year):
        return "–"
    return f"{assessment} (jfr {int(year)})"


def _unit_text(unit: str) -> str:
    return "" if unit == "andel" else unit


def _compare(r) -> str:
    if r.suppressed or r.value is None or pd.isna(r.value) or pd.isna(r.municipality_value):
        return "–"
    if r.kind in ("count", "sum"):
        return "–"  # an area's count is a part of the municipality's, not comparable with it
    if pd.isna(r.lower) or pd.isna(r.municipality_lower):
        return "ingen säker skillnad"
    better_low = r.direction == "lower_is_better"
    if r.upper < r.municipality_lower:
        return "bättre" if better_low else "sämre"
    if r.lower > r.municipality_upper:
        return "sämre" if better_low else "bättre"
    return "ingen säker skillnad"


def _date_span(a, b) -> str:
    """"5–6 juni 2025", "30 juni – 2 juli 2025", or one date."""
    if a == b or pd.isna(b):
        return fmt.date(a)
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}–{fmt.date(b)}"
    if a.year == b.year:
        return f"{fmt.date(a).rsplit(' ', 1)[0]} – {fmt.date(b)}"
    return f"{fmt.date(a)} – {fmt.date(b)}"


def _group_name(group: str) -> str:
    if group in CATEGORY_GROUPS:
        return CATEGORY_GROUPS[group]
    if group.startswith("kommunala"):
        return "Kommunala händelser"
    try:
        return indicators.definition(f"brott_{group}")["name_sv"]
    except ParameterError:
        return group


def _one_event(event, offences: pd.DataFrame, all_event_days: set, weeks_around: int, alpha: float) -> dict:
    days = pd.date_range(event.start.normalize(), event.end.normalize(), freq="D")
    weekdays = set(days.weekday)
    window = pd.date_range(days[0] - pd.Timedelta(weeks=weeks_around), days[-1] + pd.Timedelta(weeks=weeks_around), freq="D")
    first, last = offences["day"].min(), offences["day"].max()  # days without delivered data are not zeros
    reference = [d for d in window if d.weekday() in weekdays and d not in all_event_days and first <= d <= last]
    local = offences if pd.isna(event.area) or not event.area else offences[offences["area"] == event.area]
    per_day = local.groupby("day").size()
    n_event = int(per_day.reindex(days, fill_value=0).sum())
    n_ref = int(per_day.reindex(pd.DatetimeIndex(reference), fill_value=0).sum())
    ratio, lower, upper = _rate_ratio(n_event, len(days), n_ref, len(reference), alpha)
    # a count of 1-4 could be read back from a rate per day or the ratio: hide them all
    hidden = 0 < n_event < SUPPRESS_BELOW or 0 < n_ref < SUPPRESS_BELOW
    if hidden:
        ratio = lower = upper = np.nan
    return {
        "name": event.name,
        "start": event.start,
        "end": event.end,
        "area": event.area if isinstance(event.area, str) and event.area else "hela kommunen",
        "event_days": len(days),
        "n_event": n_event,
        "reference_days": len(reference),
        "n_reference": n_ref,
        "per_day_event": np.nan if hidden else n_event / len(days),
        "per_day_reference": np.nan if hidden or not reference else n_ref / len(reference),
        "ratio": ratio,
        "lower": lower,
        "upper": upper,
        "significant": bool(lower > 1 or upper < 1) if not np.isnan(lower) else False,
        "suppressed": hidden,
    }


def _rate_ratio(a: int, t1: float, b: int, t2: float, alpha: float) -> tuple[float, float, float]:
    """Rate ratio (a/t1)/(b/t2) with the exact conditional (Clopper–Pearson) interval."""
    if t1 <= 0 or t2 <= 0 or a + b == 0:
        return (np.nan, np.nan, np.nan)
    ratio = (a / t1) / (b / t2) if b > 0 else np.inf
    ci = stats.binomtest(a, a + b).proportion_ci(confidence_level=1 - alpha, method="exact")
    def to_ratio(p: float) -> float:
        return np.inf if p >= 1 else (p / (1 - p)) * (t2 / t1)
    return (ratio, to_ratio(ci.low), to_ratio(ci.high))

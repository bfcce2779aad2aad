"""Områdesprofil (the area profile): the report module of notebooks/omradesprofil.ipynb, run once per
area.

The area against the whole municipality on every indicator with area data
(:func:`trygghet.analysis.panels.area_profile`), its hot spots, the measures that apply to it and its
safety walks — the findings fixed under the one rule of :mod:`trygghet.analysis.safety_walks`, the
same numbers as the indicator ``trygghetsvandring_atgardade`` on the same page.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
from IPython.display import Markdown

from trygghet.analysis import activity_plan, disclosure, indicators, panels, safety_walks
from trygghet.data.errors import ParameterError
from trygghet.data.parameters import check_area
from trygghet.data.store import read_table
from trygghet.reports import brottskoncentrationer, common, lagesbild, maps, preventionsnivaer
from trygghet.reports import format as fmt

__all__ = [
    "SECTIONS",
    "COMPARISON_WORDS",
    "NOT_YET_MEASURED",
    "start",
    "title",
    "profile",
    "summary",
    "section_table",
    "section_display",
    "area_cells",
    "hotspot_cells",
    "hotspot_map",
    "hotspot_display",
    "hotspot_table",
    "measures_table",
    "safety_walk_display",
    "safety_walk_table",
]

#: the profile's sections: heading -> the indicators' sources
SECTIONS = {
    "Brott": ("polis",),
    "Trygghet": ("trygghetsmätning", "kommun"),
    "Unga": ("ungdomsenkät",),
}
#: an area against the municipality (:data:`trygghet.analysis.panels.COMPARISONS`) in words
COMPARISON_WORDS = {"better": "bättre", "worse": "sämre", "no_certain_difference": "ingen säker skillnad",
                    "not_compared": fmt.MISSING}
#: what the safety-walk table says for findings whose 180 days have not yet passed
NOT_YET_MEASURED = "mäts nästa år"


def start(store: str | Path | None, year: int, lang: str = "sv", area: str | None = None) -> None:
    """The report's first call: the one parameter check (the area must be one of the store's), the
    chart theme."""
    common.start_report(store, year, lang, area=area, where="omradesprofil.ipynb")


def title(store: str | Path | None, area: str, year: int) -> Markdown:
    """The line under the page's heading that names the area and the year and what the profile covers
    ("**Hertsön 2025:** 9 963 invånare. …"). The heading itself is the notebook's "# Områdesprofil",
    which the published page shows as the job's title naming the area ("Områdesprofil – Hertsön"), so
    the page has one h1, first, equal to its title."""
    check_area(store, area, where="omradesprofil.ipynb")
    population = read_table(store, "population")
    people = population[(population["year"] == year) & (population["area"] == area)]["population"].sum()
    return Markdown(f"**{area} {year}:** {area} har {fmt.number(people, 0)} invånare. "
                    "Jämförelserna med hela kommunen säger *sämre* eller *bättre* bara när konfidensintervallen "
                    "inte överlappar.")


def profile(store: str | Path | None, area: str, year: int) -> pd.DataFrame:
    """The area against the municipality (:func:`trygghet.analysis.panels.area_profile`)."""
    return panels.area_profile(store, area, year)


def summary(table: pd.DataFrame, area: str) -> Markdown:
    """The area profile in a few bullets: where the area is certainly worse or better than the whole
    municipality (non-overlapping intervals, same year)."""
    worse = table[table["comparison"] == "worse"]["name"].tolist()
    better = table[table["comparison"] == "better"]["name"].tolist()
    lines = []
    if worse:
        lines.append(f"- **Sämre än kommunen som helhet:** {', '.join(worse)}.")
    if better:
        lines.append(f"- **Bättre än kommunen som helhet:** {', '.join(better)}.")
    if not lines:
        lines.append(f"- {area} skiljer sig inte säkert från kommunen som helhet på någon indikator.")
    lines.append("- Brottstalen jämförs med kommunens brott *med plats*, eftersom brott utan plats inte kan räknas till något område.")
    return Markdown("\n".join(lines))


def section_display(table: pd.DataFrame, section: str) -> pd.DataFrame:
    """One section (``Brott``, ``Trygghet`` or ``Unga``) of :func:`profile` as a reading table."""
    if section not in SECTIONS:
        raise ParameterError(f"section={section!r} is not a section of the area profile; use one of {', '.join(SECTIONS)}")
    defs = indicators.definitions().set_index("id")
    sources = table["indicator"].map(defs["source"])
    part = table[sources.isin(SECTIONS[section]).to_numpy()]
    return pd.DataFrame({
        "Indikator": part["name"],
        "År": part["year"].map(lambda y: fmt.MISSING if y is None or pd.isna(y) else str(int(y))),
        "Området": [common.value_text(i, v, h) for i, v, h in zip(part["indicator"], part["value"], part["suppressed"])],
        "95 % KI": [common.interval_text(i, lo, hi, h)
                    for i, lo, hi, h in zip(part["indicator"], part["lower"], part["upper"], part["suppressed"])],
        "Hela kommunen": [common.value_text(i, v) for i, v in zip(part["indicator"], part["municipality_value"])],
        "Jämfört med kommunen": part["comparison"].map(COMPARISON_WORDS),
        "Sedan föregående mätning": [common.change_text(c, y) for c, y in zip(part["change_previous"], part["previous_year"])],
    })


def section_table(table: pd.DataFrame, section: str):
    """:func:`section_display` for the page."""
    return fmt.table(section_display(table, section))


def area_cells(cells: gpd.GeoDataFrame, store: str | Path | None, area: str, margin: float = 500.0) -> gpd.GeoDataFrame:
    """The hot-spot cells within ``margin`` metres of the area (for a map of the area)."""
    check_area(store, area, where="omradesprofil.area_cells")
    shape = read_table(store, "areas").set_index("area").loc[[area]].to_crs(cells.crs).buffer(margin).union_all()
    part = cells[cells.intersects(shape)].copy()
    part.attrs = dict(cells.attrs)
    return part


def hotspot_cells(store: str | Path | None, year: int) -> gpd.GeoDataFrame:
    """The year's hot-spot analysis of all offences with a place: the situation picture's
    (:func:`trygghet.reports.lagesbild.hotspot_cells`), so the two pages show the same cells."""
    return lagesbild.hotspot_cells(store, year)


def hotspot_map(store: str | Path | None, cells: gpd.GeoDataFrame, area: str, year: int):
    """The area's hot-spot map with its measures and its safety-walk findings (offline)."""
    walks = read_table(store, "safety_walks")
    fmap = maps.hotspot_map(area_cells(cells, store, area), areas=read_table(store, "areas"),
                            measures=activity_plan.area_measures(store, area, year),
                            safety_walks=walks[walks["area"] == area],
                            title=f"Brottskoncentrationer {year}, {area}")
    return maps.offline(fmap, height=520)


def hotspot_display(cells: gpd.GeoDataFrame, area: str, n: int = 10, store: str | Path | None = None) -> pd.DataFrame:
    """The area's ``n`` strongest hot-spot cells with their rank in the whole municipality, each
    findable on the map by rank and reference (:func:`trygghet.reports.brottskoncentrationer.top_display`,
    counts through the page's gate; with ``store`` also its locators, cell id and "ca 600 m nordost om
    mitten av …"); a sentence when the area has none."""
    counts = maps.published_counts(cells)
    ranked = cells[cells["hotspot_rank"].notna().to_numpy() & (cells["area"] == area).fillna(False).to_numpy(dtype=bool)]
    ranked = ranked.sort_values("hotspot_rank").head(int(n))
    if ranked.empty:
        return pd.DataFrame({"Brottskoncentrationer": [f"Inga signifikanta hot spots i {area}."]})
    return brottskoncentrationer.top_display(ranked, int(ranked["hotspot_rank"].max()), counts, store=store)


def hotspot_table(cells: gpd.GeoDataFrame, area: str, store: str | Path | None = None):
    """:func:`hotspot_display` for the page."""
    return fmt.table(hotspot_display(cells, area, store=store))


def measures_table(store: str | Path | None, area: str, year: int):
    """The measures of the plan that apply to the area (its own and the whole municipality's), as the
    prevention levels' report shows them."""
    return preventionsnivaer.measures_table(store, year, area)


def safety_walk_display(store: str | Path | None, area: str | None = None) -> pd.DataFrame:
    """Safety-walk findings per year (:func:`trygghet.analysis.safety_walks.fixed_by_year`): how many,
    the share fixed within 180 days — the indicator's number — or "mäts nästa år" while the walk's
    180 days have not passed, and the kinds of deficiency found. The share is hidden ("–") when fewer
    than 5 findings are measured, as a count of 1–4 is."""
    table = safety_walks.fixed_by_year(store, area)
    if table.empty:
        return pd.DataFrame({"Trygghetsvandringar": ["Inga registrerade fynd."]})
    return pd.DataFrame({
        "År": table["year"].astype(int).astype(str),
        "Fynd": table["findings"].map(fmt.count),
        f"Åtgärdade inom {safety_walks.FIX_WINDOW_DAYS} dagar": [_fixed_text(r) for r in table.itertuples(index=False)],
        "Brister (vanligast först)": table["deficiencies"].map(", ".join),
    })


def safety_walk_table(store: str | Path | None, area: str | None = None):
    """:func:`safety_walk_display` for the page."""
    return fmt.table(safety_walk_display(store, area))


def _fixed_text(row) -> str:
    if row.measured == 0:
        return NOT_YET_MEASURED
    share = fmt.MISSING if disclosure.suppress_value(row.measured) else fmt.percent(row.value, 0)
    if row.not_yet_measurable:
        return f"{share} ({fmt.count(row.not_yet_measurable)} fynd mäts nästa år)"
    return share

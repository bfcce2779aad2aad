"""Brottskoncentrationer (hot spots): the report module of ``notebooks/brottskoncentrationer.ipynb``.

The notebook calls :func:`start`, :func:`analyse` once (every figure of the page comes from its
:class:`HotspotPage`), then one function per section. Everything a reader sees is Swedish; the words
for municipal incidents are "händelser" (:func:`trygghet.reports.maps.noun`). Counts pass the privacy
gate once for the whole page (:func:`trygghet.reports.maps.published_counts`), so the map, the table of
strongest cells and the table per area show the same figures. Whether a hot spot has a situational
measure is :mod:`trygghet.analysis.coverage`'s one rule, the same the activity plan's "Luckor" uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from IPython.display import Markdown

from trygghet.analysis import coverage, disclosure, hotspots, indicators
from trygghet.data import store as tstore
from trygghet.data.errors import DataError, ParameterError
from trygghet.data.vocabulary import MUNICIPAL_GROUP
from trygghet.reports import format as fmt
from trygghet.reports import maps, wording
from trygghet.reports.common import municipality_name, start_report
from trygghet.reports.hotspot_views import compute as compute_views
from trygghet.reports.hotspot_views import (
    concentration_chart,
    concentration_table,
    concentration_text,
    near_repeat_table,
    near_repeat_text,
    place_columns,
    risk_map,
    risk_table,
    risk_text,
    stability_table,
)

__all__ = [
    "CATEGORY_GROUPS",
    "HotspotPage",
    "start",
    "group_name",
    "title",
    "heading",
    "analyse",
    "interactive_map",
    "static_map",
    "map_note",
    "top_table",
    "top_display",
    "area_display",
    "area_table",
    "coverage_text",
    "emerging_display",
    "emerging_table",
    "evaluation_display",
    "evaluation_table",
    "definition_note",
    "risk_text",
    "risk_map",
    "risk_table",
    "concentration_text",
    "concentration_chart",
    "concentration_table",
    "stability_table",
    "near_repeat_text",
    "near_repeat_table",
]

#: category groups a report may ask for, besides a single category name
CATEGORY_GROUPS = {"alla": "Alla brott", "vald": "Våldsbrott", "mangdbrott": "Mängdbrott"}
_PAI_DEFINITION_SV = (
    "PAI = (n/N)/(a/A): andelen av periodens {noun} som skedde i de utpekade rutorna (n av N) delat med "
    "rutornas andel av analysområdets yta (a av A km²) (Chainey, Tompson & Uhlig 2008). RRI = PAI(t2)/PAI(t1) "
    "för samma rutor (Levine 2008): över 1 betyder att {noun} koncentrerats mer till rutorna, under 1 att "
    "koncentrationen minskat."
)


@dataclass
class HotspotPage:
    """Everything the page shows, computed once by :func:`analyse`."""

    store: str | Path | None
    year: int
    group: str
    cells: gpd.GeoDataFrame
    coverage: pd.DataFrame
    counts: dict[str, pd.DataFrame]
    trend: gpd.GeoDataFrame | None = None
    evaluation: pd.DataFrame | None = None
    distance: float = coverage.DEFAULT_DISTANCE
    notes: list[str] = field(default_factory=list)
    #: the second views (risk, concentration, near repeat): :class:`trygghet.reports.hotspot_views.Views`
    views: Any = None


def start(store: str | Path | None, year: int, lang: str = "sv", category_group: str = "alla") -> None:
    """The notebook's first call: the one parameter check and the page's settings."""
    start_report(store, year, lang, group=category_group, municipal=True, where="brottskoncentrationer")


def group_name(group: str) -> str:
    """The group's Swedish name ("Våldsbrott", "Misshandel", "Kommunala händelser")."""
    if group in CATEGORY_GROUPS:
        return CATEGORY_GROUPS[group]
    if group.startswith(MUNICIPAL_GROUP):
        return "Kommunala händelser"
    try:
        return indicators.definition(f"brott_{group}")["name_sv"]
    except ParameterError:
        return group


def title(group: str, year: int) -> str:
    """The page's and the map's title: "Brottskoncentrationer 2025 – våldsbrott", or for municipal
    incidents "Koncentrationer av kommunala händelser 2025"."""
    if group.startswith(MUNICIPAL_GROUP):
        return f"Koncentrationer av kommunala händelser {year}"
    return f"Brottskoncentrationer {year} – {group_name(group).lower()}"


def heading(group: str, year: int) -> Markdown:
    """One line saying what is mapped. The page's h1 is the notebook's first markdown cell, which the
    publisher sets to the run plan's job title (one h1, first on the page, equal to its <title>)."""
    what = "Händelser som kartläggs" if group.startswith(MUNICIPAL_GROUP) else "Brott som kartläggs"
    return Markdown(f"**{what}:** {group_name(group).lower()}, {year}.")


def analyse(store: str | Path | None, year: int, group: str = "alla", *, cell_size: float = coverage.DEFAULT_CELL_SIZE,
            distance: float = coverage.DEFAULT_DISTANCE, near_repeat_years: int = 3) -> HotspotPage:
    """The year's hot spots of ``group`` on the store's study area, their coverage by situational
    measures (the one rule), the page's gated counts, the emerging trends over the store's years,
    how well last year's hot spots predicted this year's (PAI/RRI on the same study area), and the second
    views (:func:`trygghet.reports.hotspot_views.compute`: risk relative to population, concentration,
    and the near-repeat test of burglary and vandalism over the last ``near_repeat_years`` years)."""
    cells = hotspots.for_store(store, year, group, cell_size=cell_size)
    cov = coverage.for_store(store, year, group, cell_size=cell_size, distance=distance, cells=cells)
    page = HotspotPage(store, int(year), group, cells, cov, maps.published_counts(cells), distance=float(distance))
    try:
        page.trend = hotspots.emerging_for_store(store, None, group, cell_size=cell_size)
    except (DataError, ParameterError) as err:  # fewer than two years of this group
        page.notes.append(str(err))
    try:
        previous = hotspots.for_store(store, year - 1, group, grid=cells)
        page.evaluation = hotspots.evaluate(previous, cells)
    except DataError:
        page.evaluation = None  # no data of the group last year
    page.views = compute_views(page, near_repeat_years=near_repeat_years)
    return page


def interactive_map(page: HotspotPage, height: int = 620):
    """The interactive map of the page (self-contained, works offline)."""
    store = page.store
    incidents = tstore.read_table(store, "municipal_incidents")
    fmap = maps.hotspot_map(page.cells, areas=tstore.read_table(store, "areas"), measures=tstore.read_table(store, "measures"),
                            safety_walks=tstore.read_table(store, "safety_walks"),
                            incidents=None if page.group.startswith(MUNICIPAL_GROUP) else incidents[incidents["year"] == page.year],
                            emerging=page.trend, title=title(page.group, page.year))
    return maps.offline(fmap, height=height)


def static_map(page: HotspotPage):
    """The same view as a picture for print and e-mail."""
    word = maps.noun(page.group)
    owner = (f"{municipality_name(page.store)} kommun, händelserapporter" if page.group.startswith(MUNICIPAL_GROUP)
             else "Polisen, anmälda brott")
    source = (f"Källa: {owner} {page.year}; verksamhetsplanen. Rutor utan signifikans och rutor vars antal {word} "
              "inte får visas är inte skuggade.")
    return maps.static_map(page.cells, areas=tstore.read_table(page.store, "areas"),
                           measures=tstore.read_table(page.store, "measures"), title=title(page.group, page.year), source=source)


def map_note(page: HotspotPage) -> Markdown:
    """What the map is built on (with the offences outside the study area), the study area with its km² and
    the inference that made the hot spots significant."""
    a = page.cells.attrs
    return Markdown(wording.map_counts_sentence(a, maps.noun(page.group)) + " " + wording.study_area_sentence(a) + " "
                    + wording.inference_sentence(a) + " Bakgrundskartan (OpenStreetMap) kan slås på i lagerväljaren "
                    "när datorn har internet.")


def top_display(cells: gpd.GeoDataFrame, n: int = 10, counts: dict[str, pd.DataFrame] | None = None, *,
                store: str | Path | None = None, population: pd.Series | None = None) -> pd.DataFrame:
    """The ``n`` strongest hot-spot cells (``hotspot_rank`` 1 … n) as a reading table, each findable
    on the map by its rank and its reference (the same two fields as the map's tooltip).

    Columns: ``Rang``, ``Ruta (mittpunkt, SWEREF 99 TM)``, ``Område``, ``Antal brott`` (``Antal
    händelser``), ``Gi* (z)``, ``Konfidens``; counts as the page's gate published them. With ``store``
    also the locators ``Ruta-id`` and ``Läge`` (:func:`trygghet.reports.hotspot_views.place_columns`;
    ``population``: the population per cell of ``cells`` when already known)."""
    counts = counts if counts is not None else maps.published_counts(cells)
    shown = counts["cells"].set_index("index")["n"]
    top = cells[cells["hotspot_rank"].notna().to_numpy()]
    top = top[(top["hotspot_rank"] <= int(n)).to_numpy()].sort_values("hotspot_rank")
    table = pd.DataFrame({
        "Rang": top["hotspot_rank"].astype(int).to_numpy(),
        "Ruta (mittpunkt, SWEREF 99 TM)": maps.cell_reference(top).to_numpy(),
        "Område": top["area"].fillna(maps.OUTSIDE_AREAS_LABEL).astype(str).to_numpy(),
        f"Antal {maps.noun(cells)}": [fmt.count(v) for v in shown.reindex(top.index)],
        "Gi* (z)": [fmt.number(v, 1) for v in top["gistar"]],
        "Konfidens": [maps.GI_BIN_LABELS[int(b)] for b in top["gi_bin"]],
    })
    if store is not None and len(top):
        where = place_columns(store, top, cells, population=population)
        table.insert(2, "Ruta-id", where["Ruta-id"].to_numpy())
        table.insert(4, "Läge", where["Läge"].to_numpy())
    return table


def top_table(page: HotspotPage, n: int = 10):
    """:func:`top_display` of the page, as a table (or a sentence when there is no hot spot)."""
    population = page.views.population if page.views is not None else None
    table = top_display(page.cells, n, page.counts, store=page.store, population=population)
    if table.empty:
        return Markdown(f"Inga signifikanta hot spots med {maps.noun(page.group)} i rutan {page.year}.")
    return fmt.table(table)


def area_display(page: HotspotPage) -> pd.DataFrame:
    """Hot-spot cells per area, the offences (incidents) in them as the gate publishes them, and the
    cells without a situational measure by the one rule (:func:`trygghet.analysis.coverage.uncovered_by_area`).

    Columns: ``Område``, ``Hot spot-rutor``, ``Antal brott i rutorna``, ``Rutor utan situationell
    åtgärd inom <distance> m``, ``Längsta avstånd till närmaste åtgärd (m)``."""
    by_area = coverage.uncovered_by_area(page.coverage)
    label = by_area["area"].replace({coverage.OUTSIDE_AREAS: maps.OUTSIDE_AREAS_LABEL})
    sums = page.counts["areas"].set_index("area")["n"]
    word = maps.noun(page.group)
    return pd.DataFrame({
        "Område": label.to_numpy(),
        "Hot spot-rutor": by_area["cells"].to_numpy(),
        f"Antal {word} i rutorna": [fmt.count(v) for v in sums.reindex(label).to_numpy()],
        f"Rutor utan situationell åtgärd inom {fmt.number(page.distance, 0)} m": by_area["uncovered"].to_numpy(),
        "Längsta avstånd till närmaste åtgärd (m)": [fmt.MISSING if pd.isna(v) else fmt.number(round(v, -1), 0)
                                                      for v in by_area["farthest_nearest_m"]],
    })


def area_table(page: HotspotPage):
    """:func:`area_display` as a table (or a sentence when there is no hot spot)."""
    table = area_display(page)
    if table.empty:
        return Markdown("Inga signifikanta hot spots i år.")
    return fmt.table(table)


def coverage_text(page: HotspotPage) -> Markdown:
    """The hot-spot cells without a situational measure, in words, with the rule stated."""
    cov, distance = page.coverage, fmt.number(page.distance, 0)
    rule = (f"En situationell åtgärd räknas när den var pågående eller genomförd under {page.year} och ligger inom "
            f"{distance} m från rutan; planerade och avbrutna åtgärder räknas inte.")
    if cov.empty:
        return Markdown("Inga signifikanta hot spots i år.")
    missing = cov[~cov["covered"]]
    if missing.empty:
        return Markdown(f"Alla hot spot-rutor har en situationell åtgärd inom {distance} m. {rule}")
    by_area = coverage.uncovered_by_area(cov)
    by_area = by_area[by_area["uncovered"] > 0]
    listing = ", ".join(f"{maps.OUTSIDE_AREAS_LABEL if a == coverage.OUTSIDE_AREAS else a} "
                        f"({n} {'ruta' if n == 1 else 'rutor'})" for a, n in zip(by_area["area"], by_area["uncovered"]))
    return Markdown(
        f"**{len(missing)} av {len(cov)} hot spot-rutor saknar en situationell åtgärd inom {distance} m:** {listing}. "
        f"{rule} Dessa platser bör prövas för situationella åtgärder (belysning, röjning, kameror, ordningsvakter, "
        "polisnärvaro) i nästa verksamhetsplan."
    )


def emerging_display(trend: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """How many cells fall in each emerging-hot-spot category (Swedish labels), the categories with a
    pattern first. Columns: ``Kategori``, ``Antal rutor``, ``Områden``."""
    columns = ["Kategori", "Antal rutor", "Områden"]
    if trend is None:
        return pd.DataFrame(columns=columns)
    table = pd.DataFrame(trend.drop(columns="geometry"))
    table = table[table["category"] != "no_pattern"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    grouped = table.groupby("category").agg(
        cells=("cell_id", "size"), areas=("area", lambda s: ", ".join(sorted(set(s.dropna().astype(str))))))
    order = [k for k in hotspots.EMERGING_KEYS if k in grouped.index]
    grouped = grouped.loc[order]
    return pd.DataFrame({"Kategori": [maps.EMERGING_LABELS[k] for k in order], "Antal rutor": grouped["cells"].to_numpy(),
                         "Områden": grouped["areas"].to_numpy()})


def emerging_table(page: HotspotPage):
    """:func:`emerging_display` of the page as a table (or a sentence)."""
    table = emerging_display(page.trend)
    if table.empty:
        return Markdown("Inga rutor visar ett mönster över åren.")
    return fmt.table(table)


def evaluation_display(evaluation: pd.DataFrame, group: str = "alla") -> pd.DataFrame:
    """:func:`trygghet.analysis.hotspots.evaluate` as a reading table: t1 is last year (the year the
    cells were flagged), t2 this year; the study area's km² (A) is shown on every row. Where the count
    in the flagged cells is hidden by the gate, the shares and indices that would give it back are too."""
    word = maps.noun(group)
    period = {"t1": "Förra året (rutorna pekades ut)", "t2": "I år (samma rutor)"}
    hidden = evaluation["offences_flagged"].map(disclosure.suppress_value).to_numpy(dtype=bool)

    def guard(values, text):
        return [fmt.MISSING if h else text(v) for v, h in zip(values, hidden)]

    rri = [fmt.MISSING if hidden.any() or pd.isna(v) else fmt.number(v, 2) for v in evaluation["rri"]]
    return pd.DataFrame({
        "Period": evaluation["period"].map(lambda p: period.get(p, p)).to_numpy(),
        f"{word.capitalize()} i de utpekade rutorna": [fmt.count(v) for v in evaluation["offences_flagged"]],
        f"{word.capitalize()} totalt": [fmt.count(v) for v in evaluation["offences_total"]],
        f"Andel av {word}": guard(evaluation["hit_rate"], lambda v: fmt.percent(v, decimals=1)),
        "Rutor": [fmt.number(v, 0) for v in evaluation["flagged_cells"]],
        "Analysområdets yta A (km²)": [fmt.number(v, 0) for v in evaluation["study_km2"]],
        "Andel av ytan": [fmt.percent(v, decimals=2) for v in evaluation["area_share"]],
        "PAI": guard(evaluation["pai"], lambda v: fmt.number(v, 1)),
        "RRI": rri,
    })


def evaluation_table(page: HotspotPage):
    """:func:`evaluation_display` of the page (or a sentence when last year has no data)."""
    if page.evaluation is None:
        return Markdown(f"Förra året ({page.year - 1}) har inga {maps.noun(page.group)} med plats att jämföra med.")
    return fmt.table(evaluation_display(page.evaluation, page.group))


def definition_note(page: HotspotPage) -> Markdown:
    """The PAI/RRI definition and the study area, stated where the numbers are shown."""
    word = maps.noun(page.group)
    return Markdown("**Definition:** " + _PAI_DEFINITION_SV.format(noun=word) + " "
                    + wording.study_area_sentence(page.cells.attrs))

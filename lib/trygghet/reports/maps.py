"""Hot-spot maps: an interactive folium map that works offline, and a static PNG of the same view, plus
the Swedish words of the hot-spot analysis that maps and reports share (confidence classes, trend
categories, measure statuses, the cell reference and the study-area sentence).

Both maps draw the cells of a :func:`trygghet.analysis.hotspots.analyse` result — never an offence's own
point — in ArcGIS's hot/cold palette of the Gi* confidence bins, with toggleable layers for the KDE, the
situational measures that cover hot spots in the year (:mod:`trygghet.analysis.coverage`, one rule),
safety-walk findings, municipal incidents aggregated to the same cells, emerging-hot-spot trends and the
areas' borders. Every count a reader sees passes the privacy gate (:mod:`trygghet.analysis.disclosure`):
the cells' counts and the areas' sums through :func:`published_counts`, single counts through
:func:`trygghet.reports.format.count`. The pages are self-contained (:mod:`trygghet.reports.offline_map`);
the OpenStreetMap background is an optional layer, off by default, that needs internet when switched on.
"""

from __future__ import annotations

import html
import warnings
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element
from IPython.display import Markdown

from trygghet.analysis import coverage, disclosure, hotspots
from trygghet.data.config import CRS_WGS84, SUPPRESS_BELOW
from trygghet.data.errors import ParameterError
from trygghet.data.vocabulary import MUNICIPAL_GROUP
from trygghet.reports import format as fmt
from trygghet.reports import map_access, wording
from trygghet.reports.chart import Chart, join_sv
from trygghet.reports.offline_map import MetricScale, OfflineMap, offline, to_html

__all__ = [
    "GI_BIN_COLOURS",
    "GI_BIN_LABELS",
    "EMERGING_COLOURS",
    "EMERGING_LABELS",
    "STATUS_COLOURS",
    "STATUS_LABELS",
    "OUTSIDE_AREAS_LABEL",
    "noun",
    "cell_reference",
    "published_counts",
    "study_area_text",
    "map_note",
    "hotspot_map",
    "static_map",
    "to_html",
    "offline",
    "OfflineMap",
]

#: ArcGIS's Hot Spot Analysis renderer colours of ``gi_bin`` −3 … 3
GI_BIN_COLOURS = {-3: "#4575b5", -2: "#849eba", -1: "#c0ccbe", 0: "#ffffbf", 1: "#fab984", 2: "#ed7551", 3: "#d62f27"}
#: Swedish labels of ArcGIS's confidence bins
GI_BIN_LABELS = {
    3: "Hot spot, 99 % konfidens",
    2: "Hot spot, 95 % konfidens",
    1: "Hot spot, 90 % konfidens",
    0: "Inte signifikant",
    -1: "Cold spot, 90 % konfidens",
    -2: "Cold spot, 95 % konfidens",
    -3: "Cold spot, 99 % konfidens",
}
#: Swedish labels of the emerging-hot-spot categories (:data:`trygghet.analysis.hotspots.EMERGING_KEYS`)
EMERGING_LABELS = {
    "new_hotspot": "Ny hot spot",
    "consecutive_hotspot": "Sammanhängande hot spot",
    "intensifying_hotspot": "Tilltagande hot spot",
    "persistent_hotspot": "Bestående hot spot",
    "diminishing_hotspot": "Avtagande hot spot",
    "sporadic_hotspot": "Sporadisk hot spot",
    "oscillating_hotspot": "Växlande hot spot",
    "historical_hotspot": "Tidigare hot spot",
    "new_coldspot": "Ny cold spot",
    "consecutive_coldspot": "Sammanhängande cold spot",
    "intensifying_coldspot": "Tilltagande cold spot",
    "persistent_coldspot": "Bestående cold spot",
    "diminishing_coldspot": "Avtagande cold spot",
    "sporadic_coldspot": "Sporadisk cold spot",
    "oscillating_coldspot": "Växlande cold spot",
    "historical_coldspot": "Tidigare cold spot",
    "no_pattern": "Inget mönster",
}
#: colours of the emerging-hot-spot categories (reds for hot, blues for cold, as ArcGIS's renderer)
EMERGING_COLOURS = {
    "new_hotspot": "#cb0800", "consecutive_hotspot": "#bd6d5e", "intensifying_hotspot": "#e01709",
    "persistent_hotspot": "#851400", "diminishing_hotspot": "#f0a08c", "sporadic_hotspot": "#ff6e4d",
    "oscillating_hotspot": "#c24a7a", "historical_hotspot": "#8c6e6e", "new_coldspot": "#0050cb",
    "consecutive_coldspot": "#5e7dbd", "intensifying_coldspot": "#0a1ee0", "persistent_coldspot": "#002285",
    "diminishing_coldspot": "#8ca8f0", "sporadic_coldspot": "#4d8cff", "oscillating_coldspot": "#7a4ac2",
    "historical_coldspot": "#6e7a8c",
}
#: marker colour of a situational measure by status; only the statuses that can cover a cell are drawn
STATUS_COLOURS = {"pågående": "#008837", "genomförd": "#1f78b4"}
#: the legend's words for them
STATUS_LABELS = {"pågående": "Situationell åtgärd, pågående", "genomförd": "Situationell åtgärd, genomförd under året"}
#: how a cell outside every area is named
OUTSIDE_AREAS_LABEL = "utanför områdena"
_KDE_COLOURS = ["#fff5b8", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
_SOURCE = "Källa: polisanmälda brott och kommunens rapporter, bearbetning i trygghet."
_PRIVACY_NOTE = (f"Antal 1–{SUPPRESS_BELOW - 1} visas som <{SUPPRESS_BELOW}. Kartan visar rutor, aldrig enskilda "
                 "brott eller händelser.")


def noun(cells_or_group) -> str:
    """"händelser" for municipal incidents, "brott" for offences (a result's ``category_group`` or a group)."""
    group = cells_or_group if isinstance(cells_or_group, str) else cells_or_group.attrs.get("category_group", "")
    return "händelser" if str(group).startswith(MUNICIPAL_GROUP) else "brott"


def cell_reference(cells: pd.DataFrame) -> pd.Series:
    """A readable reference to each cell: its centre in SWEREF 99 TM, "N 7 292 375, E 829 375"
    (northing, easting in metres), aligned with ``cells``. Unique per cell of a grid."""
    centres = hotspots.cell_centres(cells)
    return pd.Series([f"N {fmt.number(y, 0)}, E {fmt.number(x, 0)}" for x, y in zip(centres["x"], centres["y"])],
                     index=cells.index, dtype=object)


def published_counts(cells: gpd.GeoDataFrame) -> dict[str, pd.DataFrame]:
    """The counts a hot-spot page publishes, protected together by the privacy gate
    (:func:`trygghet.analysis.disclosure.protect_page`): every significant cell's count (the map's
    tooltips and the tables of strongest cells) and, per area, the sum over its hot-spot cells (the
    table per area), with the relation "area sum = its hot-spot cells" so no difference reveals a 1–4.

    Returns ``{"cells": cell_id, area, hotspot, n (text), "areas": area, hot_cells, n (text)}``; the
    cells' rows are ``cells``' significant cells (``gi_bin != 0``) in their order, with their index
    kept in ``cells["index"]``."""
    sig = cells[(cells["gi_bin"] != 0).to_numpy()]
    table = pd.DataFrame({"index": sig.index, "cell_id": sig["cell_id"].to_numpy(),
                          "area": sig["area"].astype(object).where(sig["area"].notna(), OUTSIDE_AREAS_LABEL).to_numpy(),
                          "hotspot": sig["hotspot"].to_numpy(dtype=bool), "n": sig["n"].to_numpy(dtype=np.int64)})
    hot = table[table["hotspot"]]
    rows, relations = [], []
    for i, (area, part) in enumerate(hot.groupby("area", sort=True)):
        rows.append({"area": area, "hot_cells": len(part), "n": int(part["n"].sum())})
        relations.append((("areas", i, "n"), [("cells", int(p), "n") for p in part.index]))
    areas = pd.DataFrame(rows, columns=["area", "hot_cells", "n"])
    return disclosure.protect_page({"cells": table, "areas": areas}, relations, count_cols={"cells": ["n"], "areas": ["n"]})


def study_area_text(cells: gpd.GeoDataFrame) -> str:
    """The study area stated with its km² (the ``A`` of PAI), as every hot-spot report says it
    (:func:`trygghet.reports.wording.study_area_sentence`)."""
    if cells.attrs.get("study_km2") is None:
        raise ParameterError("cells have no attrs['study_km2']; pass a result of hotspots.for_store() or analyse()")
    return wording.study_area_sentence(cells.attrs)


def map_note(cells: gpd.GeoDataFrame) -> Markdown:
    """What the map is built on: how many offences (incidents) it shows, how many could not be shown
    (no place, outside the municipality or outside the study area; protected together,
    :func:`trygghet.reports.wording.map_counts_sentence`), the grid and the study area with its km²."""
    return Markdown(wording.map_counts_sentence(cells.attrs, noun(cells)) + " " + study_area_text(cells)
                    + " Bakgrundskartan (OpenStreetMap) kan slås på i lagerväljaren när datorn har internet.")


def hotspot_map(
    cells: gpd.GeoDataFrame,
    *,
    areas: gpd.GeoDataFrame | None = None,
    measures: pd.DataFrame | None = None,
    safety_walks: pd.DataFrame | None = None,
    incidents: pd.DataFrame | None = None,
    emerging: gpd.GeoDataFrame | None = None,
    title: str | None = None,
    kde: bool = True,
    max_cells: int = 20_000,
    year: int | None = None,
) -> folium.Map:
    """An interactive map of a hot-spot result with toggleable layers and a Swedish legend.

    Layers: *Hot spots och cold spots (Gi\\*)* — the significant cells in ArcGIS's palette, with a tooltip
    of the confidence, z, the count (through :func:`published_counts`), the hot-spot rank and the cell's
    reference (:func:`cell_reference`, as in the report's table); *Täthet (KDE)* — five quantile classes;
    *Kommunala händelser* — ``incidents`` counted in the same cells; *Trender* — an
    :func:`hotspots.emerging` result; *Situationella åtgärder* — the measures that cover cells in ``year``
    (default ``cells.attrs["year"]``) by the one rule (:func:`trygghet.analysis.coverage.covering_measures`),
    coloured by status (:data:`STATUS_COLOURS`); *Trygghetsvandringar* — ``safety_walks`` findings;
    *Områden* — the ``areas``' borders and names (shown without hover); and *Bakgrundskarta
    (OpenStreetMap)*, off by default. No offence's own point is ever drawn. More than ``max_cells``
    significant cells are dissolved per class (with a warning). The layer control starts collapsed, the
    legend folds (:mod:`trygghet.reports.map_access`), and the map carries its table alternative
    (``fmap.table_alternative``: table, sentence) and title (``fmap.get_root().title``), which
    :func:`offline` shows under it. Render with :func:`to_html` / :func:`offline` for a self-contained page.
    """
    _check_cells(cells)
    shown_measures = _covering(cells, measures, year)
    wgs = cells.to_crs(CRS_WGS84)
    south, west, north, east = _view_bounds(cells)
    # The zoom is computed here rather than with fit_bounds: inside a report's iframe Leaflet may
    # measure its container before it is laid out and would then open on the whole world.
    fmap = folium.Map(location=[(south + north) / 2, (west + east) / 2], tiles=None,
                      zoom_start=_zoom_for(south, west, north, east), control_scale=False, prefer_canvas=True)
    MetricScale().add_to(fmap)
    folium.TileLayer(
        "OpenStreetMap", name="Bakgrundskarta (OpenStreetMap, kräver internet)", overlay=True, show=False,
        attr="© OpenStreetMap-bidragsgivare",
    ).add_to(fmap)  # fmt: skip
    if kde:
        _kde_layer(cells).add_to(fmap)
    _gistar_layer(cells, wgs, max_cells).add_to(fmap)
    if incidents is not None and len(incidents):
        _incident_layer(cells, incidents, max_cells).add_to(fmap)
    if emerging is not None and len(emerging):
        _emerging_layer(emerging).add_to(fmap)
    if areas is not None and len(areas):
        _area_layer(areas, (south, west, north, east)).add_to(fmap)
    if len(shown_measures):
        _measure_layer(shown_measures).add_to(fmap)
    if safety_walks is not None and len(safety_walks):
        _walk_layer(safety_walks).add_to(fmap)
    control = folium.LayerControl(collapsed=True).add_to(fmap)
    map_access.MapControls(control).add_to(fmap)
    fmap.get_root().html.add_child(Element(_legend_html(cells, title, kde, emerging is not None and len(emerging),
                                                        shown_measures)))
    fmap.get_root().title = html.escape("Karta: " + (title or "Hot spots och cold spots"))
    fmap.table_alternative = map_access.table_alternative(cells, GI_BIN_LABELS, shown_measures, safety_walks)
    return fmap


def static_map(
    cells: gpd.GeoDataFrame,
    *,
    areas: gpd.GeoDataFrame | None = None,
    measures: pd.DataFrame | None = None,
    title: str | None = None,
    source: str | None = None,
    path: str | Path | None = None,
    dpi: int = 150,
    year: int | None = None,
):
    """A static PNG of the same view for print and e-mail: Gi* bins, area borders, and the situational
    measures that cover cells in ``year`` (the one rule), by status.

    Title, a Swedish legend of the confidence bins and a source line (``source``, default a generic
    Swedish line plus the cell size and the correction) are drawn on the figure. No counts are shown.
    Saves to ``path`` when given; returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    _check_cells(cells)
    sit = _covering(cells, measures, year)
    fig, ax = plt.subplots(figsize=(8.27, 9.0))
    xmin, ymin, xmax, ymax = _extent_sweref(cells)
    # grey background only where a cell's count may be published: a lone grey cell in the
    # countryside would point at the farm where a hidden 1-4 offences happened
    visible = (cells["n"] > 0).to_numpy() & ~cells["n"].map(disclosure.suppress_value).to_numpy(dtype=bool)
    background = cells[visible & (cells["gi_bin"] == 0).to_numpy()]
    if len(background):
        _dissolved(background, np.zeros(len(background), dtype=int)).plot(ax=ax, color="#f2f2f2", linewidth=0)
    sig = cells[cells["gi_bin"] != 0]
    if len(sig):
        dissolved = _dissolved(sig, sig["gi_bin"].to_numpy())
        dissolved.plot(ax=ax, color=[GI_BIN_COLOURS[int(b)] for b in dissolved["key"]], linewidth=0)
    if areas is not None and len(areas):
        areas.to_crs(cells.crs).boundary.plot(ax=ax, color="#555555", linewidth=0.7)
    handles = [Patch(facecolor=GI_BIN_COLOURS[b], edgecolor="#999999", label=GI_BIN_LABELS[b]) for b in (3, 2, 1, 0, -1, -2, -3)]
    handles[3] = Patch(facecolor="#f2f2f2", edgecolor="#999999", label=f"Inte signifikant (rutor med minst {SUPPRESS_BELOW})")
    for status, colour in STATUS_COLOURS.items():
        part = sit[sit["status"] == status]
        if len(part):
            ax.scatter(part["x"], part["y"], s=34, marker="^", color=colour, edgecolors="#1a1a1a", zorder=5)
            handles.append(Line2D([], [], marker="^", color=colour, markeredgecolor="#1a1a1a", linestyle="",
                                  label=STATUS_LABELS[status]))
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.legend(handles=handles, loc="lower left", fontsize=7.5, frameon=True, framealpha=0.9, title="Gi*-klass",
              title_fontsize=8)
    fig.suptitle(title or "Hot spots och cold spots (Getis–Ord Gi*)", fontsize=13, x=0.02, ha="left")
    fig.text(0.02, 0.015, source or _source_line(cells), fontsize=7, color="#444444", ha="left", wrap=True)
    _scale_bar(ax, xmin, xmax, ymin, ymax)
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    if path is not None:
        fig.savefig(path, dpi=dpi)
    plt.close(fig)  # returned for display; closed so a notebook does not show it twice
    bins = sig["gi_bin"].astype(int)
    said = [f"{int((bins == b).sum())} med {GI_BIN_LABELS[b].split(', ')[1]}" for b in (3, 2, 1) if (bins == b).any()]
    alt = (f"Karta: {title or 'Hot spots och cold spots'}. {int((bins > 0).sum())} rutor är hot spots"
           + (f" ({join_sv(said)})" if said else "") + f" och {int((bins < 0).sum())} cold spots"
           + (f"; {len(sit)} situationella åtgärder täcker rutor" if len(sit) else "") + ". Rutornas läge, antal "
           "och områden finns i rapportens tabeller och i den interaktiva kartans tabell.")
    table = pd.DataFrame({"Gi*-klass": [GI_BIN_LABELS[b] for b in (3, 2, 1, -1, -2, -3)],
                          "Antal rutor": [str(int((bins == b).sum())) for b in (3, 2, 1, -1, -2, -3)]})
    return Chart(fig, alt, table, "Rutor per Gi*-klass på kartan")


# --------------------------------------------------------------------------------------------------
# layers
# --------------------------------------------------------------------------------------------------


def _gistar_layer(cells: gpd.GeoDataFrame, wgs: gpd.GeoDataFrame, max_cells: int) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Hot spots och cold spots (Gi*)", show=True)
    sig = wgs[wgs["gi_bin"] != 0]
    if not len(sig):
        return group
    if len(sig) > max_cells:
        warnings.warn(f"{len(sig)} significant cells: drawn dissolved per class, without per-cell tooltips",
                      stacklevel=3)  # fmt: skip
        dissolved = _dissolved(sig, sig["gi_bin"].to_numpy())
        dissolved["klass"] = [GI_BIN_LABELS[int(k)] for k in dissolved["key"]]
        _geojson(dissolved, lambda f: _fill(GI_BIN_COLOURS[int(f["properties"]["key"])]), ["klass"], ["Klass"]).add_to(group)
        return group
    counts = published_counts(cells)["cells"]
    rank = sig["hotspot_rank"] if "hotspot_rank" in sig.columns else pd.Series(pd.NA, index=sig.index)
    table = gpd.GeoDataFrame(
        {
            "bin": sig["gi_bin"].astype(int).to_numpy(),
            "klass": [GI_BIN_LABELS[int(b)] for b in sig["gi_bin"]],
            "z": [fmt.number(v, 1) for v in sig["gistar"]],
            "antal": [fmt.count(v) for v in counts["n"]],
            "omrade": sig["area"].fillna("–").astype(str).to_numpy(),
            "rang": ["–" if pd.isna(r) else str(int(r)) for r in rank],
            "ruta": cell_reference(cells.loc[sig.index]).to_numpy(),
        },
        geometry=sig.geometry.to_numpy(),
        crs=CRS_WGS84,
    )
    _geojson(table, lambda f: _fill(GI_BIN_COLOURS[f["properties"]["bin"]]), ["klass", "z", "antal", "rang", "ruta", "omrade"],
             ["Klass", "Gi* (z)", f"Antal {noun(cells)}", "Rang", "Ruta (mittpunkt, SWEREF 99 TM)", "Område"]).add_to(group)
    return group


def _kde_layer(cells: gpd.GeoDataFrame) -> folium.FeatureGroup:
    unit = f"{noun(cells)} per km²"
    group = folium.FeatureGroup(name=f"Täthet (KDE, {unit})", show=False)
    positive = cells[cells["kde"] > 0]
    if not len(positive):
        return group
    values = positive["kde"].to_numpy()
    shown = positive[values >= 0.05 * values.max()]  # below 5 % of the peak the surface is background
    edges = np.unique(np.quantile(shown["kde"], [0.0, 0.5, 0.75, 0.9, 0.97, 1.0]))
    classes = np.clip(np.searchsorted(edges, shown["kde"].to_numpy(), side="right") - 1, 0, len(edges) - 2)
    dissolved = _dissolved(shown, classes).to_crs(CRS_WGS84)
    dissolved["tathet"] = [f"{fmt.number(edges[k], 0)}–{fmt.number(edges[k + 1], 0)} {unit}" for k in dissolved["key"]]
    colours = _KDE_COLOURS[-(len(edges) - 1) :]
    _geojson(dissolved, lambda f: _fill(colours[int(f["properties"]["key"])], 0.55), ["tathet"], ["Täthet"]).add_to(group)
    return group


def _incident_layer(cells: gpd.GeoDataFrame, incidents: pd.DataFrame, max_cells: int) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Kommunala händelser (antal per ruta)", show=False)
    counts = hotspots.count_points(cells, incidents)
    hit = cells[counts.to_numpy() > 0]
    if not len(hit):
        return group
    n = counts[counts > 0].to_numpy()
    hidden = np.array([disclosure.suppress_value(v) for v in n], dtype=bool)
    level = np.select([n >= 20, ~hidden], [2, 1], 0)
    colours = ["#d9b3ff", "#9a4dff", "#5c00b8"]
    if len(hit) > max_cells:
        dissolved = _dissolved(hit, level).to_crs(CRS_WGS84)
        names = [f"1–{SUPPRESS_BELOW - 1}", f"{SUPPRESS_BELOW}–19", "20 eller fler"]
        dissolved["antal"] = [names[int(k)] for k in dissolved["key"]]
        _geojson(dissolved, lambda f: _fill(colours[int(f["properties"]["key"])], 0.7), ["antal"], ["Händelser"]).add_to(group)
        return group
    # the cells' incident counts are not parts of a published total: each passes the gate on its own
    table = gpd.GeoDataFrame({"level": level, "antal": [fmt.count(v) for v in n]}, geometry=hit.geometry.to_numpy(),
                             crs=cells.crs).to_crs(CRS_WGS84)
    _geojson(table, lambda f: _fill(colours[f["properties"]["level"]], 0.7), ["antal"], ["Kommunala händelser"]).add_to(group)
    return group


def _emerging_layer(emerging: gpd.GeoDataFrame) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Trender (framväxande hot spots)", show=False)
    shown = emerging[emerging["category"] != "no_pattern"]
    if not len(shown):
        return group
    dissolved = _dissolved(shown, shown["category"].astype(str).to_numpy()).to_crs(CRS_WGS84)
    dissolved["kategori"] = [EMERGING_LABELS[k] for k in dissolved["key"]]
    _geojson(dissolved, lambda f: _fill(EMERGING_COLOURS[f["properties"]["key"]], 0.75), ["kategori"], ["Trend"]).add_to(group)
    return group


def _area_layer(areas: gpd.GeoDataFrame, view=None) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Områden", show=True)
    table = gpd.GeoDataFrame({"omrade": areas["area"].astype(str).to_numpy()}, geometry=areas.geometry.to_numpy(),
                             crs=areas.crs).to_crs(CRS_WGS84)  # fmt: skip
    style = lambda f: {"fillOpacity": 0.0, "color": "#333333", "weight": 1.5, "dashArray": "4 3"}  # noqa: E731
    _geojson(table, style, ["omrade"], ["Område"]).add_to(group)
    map_access.area_labels(areas, group, view)
    return group


def _measure_layer(placed: pd.DataFrame) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Situationella åtgärder", show=True)
    lat, lon = _to_latlon(placed)
    for i, row in enumerate(placed.itertuples(index=False)):
        status = str(row.status)
        name = getattr(row, "name", None) or row.measure_id
        tip = f"<b>{html.escape(str(name))}</b><br>Status: {html.escape(status)}"
        folium.CircleMarker(
            [lat[i], lon[i]], radius=6, color="#1a1a1a", weight=1.5, fill=True,
            fill_color=STATUS_COLOURS[status], fill_opacity=0.9, tooltip=tip,
        ).add_to(group)  # fmt: skip
    return group


def _walk_layer(walks: pd.DataFrame) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Trygghetsvandringar (brister)", show=False)
    placed = _placed(walks)
    lat, lon = _to_latlon(placed)
    for i, (_, row) in enumerate(placed.iterrows()):
        fixed = bool(row.get("fixed", False)) if pd.notna(row.get("fixed", False)) else False
        tip = f"Brist: {html.escape(str(row.get('deficiency', '–')))}<br>{'Åtgärdad' if fixed else 'Ej åtgärdad'}"
        folium.CircleMarker(
            [lat[i], lon[i]], radius=4, color="#7f7f7f" if fixed else "#d7191c", weight=1, fill=True,
            fill_opacity=0.8, tooltip=tip,
        ).add_to(group)  # fmt: skip
    return group


def _covering(cells: gpd.GeoDataFrame, measures: pd.DataFrame | None, year: int | None) -> pd.DataFrame:
    """The measures drawn: those that cover cells in the map's year by the one rule."""
    if measures is None or len(measures) == 0:
        return coverage.covering_measures(None, 0)
    year = year if year is not None else cells.attrs.get("year")
    if year is None:
        raise ParameterError("the map's year is unknown: pass year= (the measures drawn are those active in that year)")
    return coverage.covering_measures(measures, int(year))


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------


def _geojson(table: gpd.GeoDataFrame, style, fields: list[str], aliases: list[str]) -> folium.GeoJson:
    table = table.copy()
    table.geometry = shapely.set_precision(table.geometry.to_numpy(), 1e-6)  # ~0.1 m: smaller pages
    return folium.GeoJson(
        table.to_json(drop_id=True),
        style_function=style,
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=False),
        highlight_function=lambda f: {"weight": 2, "color": "#000000"},
    )


def _fill(colour: str, opacity: float = 0.8) -> dict:
    return {"fillColor": colour, "fillOpacity": opacity, "color": colour, "weight": 0.3}


def _check_cells(cells) -> None:
    needed = {"cell_id", "n", "kde", "gistar", "gi_bin", "geometry"}
    if not isinstance(cells, gpd.GeoDataFrame) or not needed <= set(cells.columns):
        raise ParameterError("cells must be a result of hotspots.analyse() (columns " + ", ".join(sorted(needed)) + ")")
    if cells.crs is None:
        raise ParameterError("cells have no CRS; pass the result of hotspots.analyse() unchanged")
    if len(cells) == 0:
        raise ParameterError("cells is empty: there is nothing to map")


def _extent_sweref(cells: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    focus = cells[(cells["n"] > 0) | (cells["gi_bin"] != 0)]
    focus = focus if len(focus) else cells
    xmin, ymin, xmax, ymax = focus.total_bounds
    pad = 0.05 * max(xmax - xmin, ymax - ymin, 500.0)
    return xmin - pad, ymin - pad, xmax + pad, ymax + pad


def _view_bounds(cells: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """The opening view: the significant cells within 4 km of the strongest hot spot, with a margin
    (so a stray rural hot spot does not zoom the map out to the whole municipality; the reader pans
    or zooms out to see it); else every cell with offences."""
    sig = cells[cells["gi_bin"] != 0]
    if len(sig) and (sig["gi_bin"] > 0).any():
        top = sig.loc[sig["gistar"].idxmax()].geometry.centroid
        sig = sig[sig.geometry.centroid.distance(top) <= 4000.0]
    if len(sig):
        xmin, ymin, xmax, ymax = sig.total_bounds
        pad = max(0.15 * max(xmax - xmin, ymax - ymin), 800.0)
        xmin, ymin, xmax, ymax = xmin - pad, ymin - pad, xmax + pad, ymax + pad
    else:
        xmin, ymin, xmax, ymax = _extent_sweref(cells)
    box = gpd.GeoSeries([shapely.box(xmin, ymin, xmax, ymax)], crs=cells.crs).to_crs(CRS_WGS84)
    west, south, east, north = box.total_bounds
    return south, west, north, east


def _zoom_for(south: float, west: float, north: float, east: float, width_px: int = 900, height_px: int = 560) -> int:
    """The largest web-map zoom level at which the box fits a map of about ``width_px`` × ``height_px``."""
    lon_span = max(east - west, 1e-6)
    lat_rad = np.radians([south, north])
    merc = np.log(np.tan(np.pi / 4 + lat_rad / 2))
    y_span = max(float(merc[1] - merc[0]), 1e-9)
    zoom_x = np.log2(360.0 * width_px / (256.0 * lon_span))
    zoom_y = np.log2(2 * np.pi * height_px / (256.0 * y_span))
    return int(max(3, min(17, np.floor(min(zoom_x, zoom_y)))))


def _dissolved(cells: gpd.GeoDataFrame, keys) -> gpd.GeoDataFrame:
    """Cells merged per key (coverage union: the cells do not overlap)."""
    keys = np.asarray(keys)
    geoms = cells.geometry.to_numpy()
    out_keys, out_geoms = [], []
    for key in pd.unique(keys):
        part = geoms[keys == key]
        try:
            merged = shapely.coverage_union_all(part)
        except shapely.errors.GEOSException:
            merged = shapely.union_all(part)
        out_keys.append(key.item() if hasattr(key, "item") else key)
        out_geoms.append(merged)
    return gpd.GeoDataFrame({"key": out_keys}, geometry=out_geoms, crs=cells.crs)


def _placed(frame: pd.DataFrame | None) -> pd.DataFrame:
    if frame is None or len(frame) == 0 or not {"x", "y"} <= set(frame.columns):
        return pd.DataFrame({"x": [], "y": []})
    return frame[frame["x"].notna() & frame["y"].notna()].reset_index(drop=True)


def _to_latlon(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    if not len(frame):
        return np.array([]), np.array([])
    pts = gpd.GeoSeries(gpd.points_from_xy(frame["x"], frame["y"]), crs="EPSG:3006").to_crs(CRS_WGS84)
    return pts.y.to_numpy(), pts.x.to_numpy()


def _source_line(cells: gpd.GeoDataFrame) -> str:
    attrs = cells.attrs
    size = attrs.get("cell_size")
    corr = {"fdr_bh": "FDR-korrigerad (Benjamini–Hochberg)", "bonferroni": "Bonferroni-korrigerad",
            "none": "utan korrektion för många test"}.get(attrs.get("correction", ""), "")  # fmt: skip
    parts = [_SOURCE]
    if size:
        parts.append(f"Rutor om {fmt.number(size, 0)} m, Getis–Ord Gi* med 8 grannrutor, {corr}.")
    return " ".join(parts) + " " + _PRIVACY_NOTE


def _scale_bar(ax, xmin, xmax, ymin, ymax) -> None:
    span = (xmax - xmin) / 5
    length = min((v for v in (100, 250, 500, 1000, 2000, 5000, 10000, 20000) if v >= span), default=20000)
    x0, y0 = xmax - length - 0.04 * (xmax - xmin), ymin + 0.04 * (ymax - ymin)
    ax.plot([x0, x0 + length], [y0, y0], color="black", linewidth=3, solid_capstyle="butt")
    label = f"{length // 1000} km" if length >= 1000 else f"{length} m"
    ax.text(x0 + length / 2, y0 + 0.012 * (ymax - ymin), label, ha="center", va="bottom", fontsize=8)


def _legend_html(cells: gpd.GeoDataFrame, title: str | None, kde: bool, has_emerging, measures: pd.DataFrame) -> str:
    rows = "".join(f'<div><span style="background:{GI_BIN_COLOURS[b]}"></span>{html.escape(GI_BIN_LABELS[b])}</div>'
                   for b in (3, 2, 1, -1, -2, -3))
    extra = ""
    if kde:
        extra += '<div><span style="background:linear-gradient(90deg,#fff5b8,#bd0026)"></span>Täthet (KDE)</div>'
    if has_emerging:
        extra += f'<div><span style="background:{EMERGING_COLOURS["new_hotspot"]}"></span>Trender: se lagret</div>'
    extra += "".join(f'<div class="tr-status" data-status="{html.escape(s)}"><i style="background:{c}"></i>'
                     f"{html.escape(STATUS_LABELS[s])}</div>" for s, c in STATUS_COLOURS.items())
    extra += ('<div><i style="background:#d7191c"></i>Brist (ej åtgärdad)</div>'
              '<div><i style="background:#7f7f7f"></i>Brist (åtgärdad)</div>')
    note = html.escape(_source_line(cells) + " Planerade och avbrutna åtgärder räknas inte som täckning och visas inte.")
    return map_access.legend_box(title or "Hot spots och cold spots", f"<b>Gi*-klass</b>{rows}{extra}", note)

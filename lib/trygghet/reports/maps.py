"""Hot-spot maps: an interactive folium map that works offline, and a static PNG of the same view.

Both draw the cells of a :func:`trygghet.analysis.hotspots.analyse` result — never an offence's own point — in
ArcGIS's hot/cold palette of the Gi* confidence bins, with toggleable layers for the KDE, the
activity plan's situational measures, safety-walk findings, municipal incidents aggregated to the same
cells, emerging-hot-spot trends and the areas' borders. Every text a reader sees is Swedish. Counts of
1–4 are shown as "<5" (:data:`trygghet.data.config.SUPPRESS_BELOW`).

Offline: the published reports are opened from email and intranets without internet access, so
:func:`to_html` / :func:`offline` inline Leaflet's JavaScript and CSS (from the ``django-js-lib-leaflet``
package) and drop every other script or stylesheet folium would load from a CDN (jQuery, Bootstrap,
Font Awesome, awesome-markers: not needed, as the map uses circle markers and a plain HTML legend). The
OpenStreetMap background is an optional layer, off by default, that needs internet when switched on.
"""

from __future__ import annotations

import base64
import html
import re
import warnings
from importlib import resources
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from trygghet.reports import format as fmt
from trygghet.analysis import hotspots
from trygghet.data.config import CRS_WGS84, SUPPRESS_BELOW
from trygghet.data.errors import ParameterError

__all__ = [
    "GI_BIN_COLOURS",
    "EMERGING_COLOURS",
    "hotspot_map",
    "static_map",
    "to_html",
    "offline",
    "OfflineMap",
]

#: ArcGIS's Hot Spot Analysis renderer colours of ``gi_bin`` −3 … 3
GI_BIN_COLOURS = {
    -3: "#4575b5",
    -2: "#849eba",
    -1: "#c0ccbe",
    0: "#ffffbf",
    1: "#fab984",
    2: "#ed7551",
    3: "#d62f27",
}
#: colours of the emerging-hot-spot categories (reds for hot, blues for cold, as ArcGIS's renderer)
EMERGING_COLOURS = {
    "new_hotspot": "#cb0800",
    "consecutive_hotspot": "#bd6d5e",
    "intensifying_hotspot": "#e01709",
    "persistent_hotspot": "#851400",
    "diminishing_hotspot": "#f0a08c",
    "sporadic_hotspot": "#ff6e4d",
    "oscillating_hotspot": "#c24a7a",
    "historical_hotspot": "#8c6e6e",
    "new_coldspot": "#0050cb",
    "consecutive_coldspot": "#5e7dbd",
    "intensifying_coldspot": "#0a1ee0",
    "persistent_coldspot": "#002285",
    "diminishing_coldspot": "#8ca8f0",
    "sporadic_coldspot": "#4d8cff",
    "oscillating_coldspot": "#7a4ac2",
    "historical_coldspot": "#6e7a8c",
}
_KDE_COLOURS = ["#fff5b8", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
_STATUS_COLOURS = {"planerad": "#7b3294", "pågående": "#008837", "genomförd": "#1b7837", "avbruten": "#999999"}
_SOURCE = "Källa: polisanmälda brott och kommunens rapporter, bearbetning i trygghet."
_PRIVACY_NOTE = f"Rutor med 1–{SUPPRESS_BELOW - 1} brott visas som <{SUPPRESS_BELOW}. Kartan visar rutor, aldrig enskilda brott."
_CDN_TAG = re.compile(
    r"<script[^>]+src=\"https?://[^\"]+\"[^>]*>\s*</script>\s*|<link[^>]+href=\"https?://[^\"]+\"[^>]*/?>\s*",
    re.IGNORECASE,
)


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
) -> folium.Map:
    """An interactive map of a hot-spot result with toggleable layers and a Swedish legend.

    Layers (each can be switched on and off): *Hot spots och cold spots (Gi\\*)* — the significant cells
    in ArcGIS's palette, with a tooltip of the confidence, z and the count (1–4 as "<5"); *Täthet (KDE)*
    — the KDE in five quantile classes, dissolved per class; *Kommunala händelser* — ``incidents``
    (points with ``x``/``y``) counted in the same cells; *Trender* — an :func:`hotspots.emerging`
    result; *Situationella åtgärder* — ``measures`` with a place (circle markers by status);
    *Trygghetsvandringar* — ``safety_walks`` findings (red: not fixed, grey: fixed); *Områden* — the
    ``areas``' borders; and *Bakgrundskarta (OpenStreetMap)*, off by default since it needs internet.
    No offence's own point is ever drawn. When more than ``max_cells`` cells would get their own
    tooltip, they are dissolved per class instead (with a warning) to keep the page small.
    Render with :func:`to_html` / :func:`offline` for a self-contained page.
    """
    _check_cells(cells)
    wgs = cells.to_crs(CRS_WGS84)
    south, west, north, east = _view_bounds(cells)
    # The zoom is computed here rather than with fit_bounds: inside a report's iframe Leaflet may
    # measure its container before it is laid out and would then open on the whole world.
    fmap = folium.Map(location=[(south + north) / 2, (west + east) / 2], tiles=None,
                      zoom_start=_zoom_for(south, west, north, east), control_scale=False, prefer_canvas=True)
    _MetricScale().add_to(fmap)
    folium.TileLayer(
        "OpenStreetMap", name="Bakgrundskarta (OpenStreetMap, kräver internet)", overlay=True, show=False,
        attr="© OpenStreetMap-bidragsgivare",
    ).add_to(fmap)  # fmt: skip
    if kde:
        _kde_layer(cells).add_to(fmap)
    _gistar_layer(wgs, max_cells).add_to(fmap)
    if incidents is not None and len(incidents):
        _incident_layer(cells, incidents, max_cells).add_to(fmap)
    if emerging is not None and len(emerging):
        _emerging_layer(emerging, max_cells).add_to(fmap)
    if areas is not None and len(areas):
        _area_layer(areas).add_to(fmap)
    if measures is not None and len(measures):
        _measure_layer(measures).add_to(fmap)
    if safety_walks is not None and len(safety_walks):
        _walk_layer(safety_walks).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.get_root().html.add_child(Element(_legend_html(cells, title, kde, emerging is not None and len(emerging))))
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
):
    """A static PNG of the same view for print and email: Gi* bins, area borders, situational measures.

    Title, a Swedish legend of the confidence bins and a source line (``source``, default a generic
    Swedish line plus the cell size and the correction) are drawn on the figure. No counts are shown.
    Saves to ``path`` when given; returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    _check_cells(cells)
    fig, ax = plt.subplots(figsize=(8.27, 9.0))
    xmin, ymin, xmax, ymax = _extent_sweref(cells)
    # grey background only where a cell holds 5 or more: a lone grey cell in the countryside would
    # point at the farm where 1-4 offences happened
    background = cells[(cells["n"] >= SUPPRESS_BELOW) & (cells["gi_bin"] == 0)]
    if len(background):
        _dissolved(background, np.zeros(len(background), dtype=int)).plot(ax=ax, color="#f2f2f2", linewidth=0)
    sig = cells[cells["gi_bin"] != 0]
    if len(sig):
        bins = sig["gi_bin"].to_numpy()
        dissolved = _dissolved(sig, bins)
        dissolved.plot(ax=ax, color=[GI_BIN_COLOURS[int(b)] for b in dissolved["key"]], linewidth=0)
    if areas is not None and len(areas):
        areas.to_crs(cells.crs).boundary.plot(ax=ax, color="#555555", linewidth=0.7)
    handles = [Patch(facecolor=GI_BIN_COLOURS[b], edgecolor="#999999", label=hotspots.GI_BIN_LABELS[b])
               for b in (3, 2, 1, 0, -1, -2, -3)]  # fmt: skip
    handles[3] = Patch(facecolor="#f2f2f2", edgecolor="#999999", label="Inte signifikant (rutor med minst 5)")
    sit = _placed(measures)
    if len(sit):
        sit = sit[sit.get("level", pd.Series("situationell", index=sit.index)) == "situationell"]
        ax.scatter(sit["x"], sit["y"], s=28, marker="^", color="#1a1a1a", zorder=5)
        handles.append(Line2D([], [], marker="^", color="#1a1a1a", linestyle="", label="Situationell åtgärd"))
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.legend(handles=handles, loc="lower left", fontsize=7.5, frameon=True, framealpha=0.9,
              title="Gi*-klass", title_fontsize=8)  # fmt: skip
    fig.suptitle(title or "Hot spots och cold spots (Getis–Ord Gi*)", fontsize=13, x=0.02, ha="left")
    fig.text(0.02, 0.015, source or _source_line(cells), fontsize=7, color="#444444", ha="left", wrap=True)
    _scale_bar(ax, xmin, xmax, ymin, ymax)
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    if path is not None:
        fig.savefig(path, dpi=dpi)
    plt.close(fig)  # returned for display; closed so a notebook does not show it twice
    return fig


def to_html(fmap: folium.Map) -> str:
    """The map as one self-contained HTML page: Leaflet inlined, no script or stylesheet from the internet."""
    fmap.default_js = []
    fmap.default_css = []
    root = fmap.get_root()
    root.header.add_child(Element(_leaflet_inline()), name="leaflet_inline", index=0)
    page = root.render()
    page = _CDN_TAG.sub("", page)
    if re.search(r"<(script|link)[^>]+(src|href)=\"https?://", page):
        raise RuntimeError("the map still loads a script or stylesheet from the internet")
    return page


def offline(fmap: folium.Map, height: int = 600) -> OfflineMap:
    """A display wrapper for notebooks: shows the map in an ``<iframe srcdoc>`` with everything inlined.

    nbconvert's HTML export then shows the map with no network and no "Make this Notebook Trusted" text.
    """
    return OfflineMap(to_html(fmap), height=height)


class OfflineMap:
    """A rendered, self-contained map page; displays itself in Jupyter as an iframe (``_repr_html_``)."""

    def __init__(self, page: str, height: int = 600) -> None:
        if int(height) <= 0:
            raise ParameterError(f"height={height} must be a positive number of pixels")
        self.html = page
        self.height = int(height)

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" style="width:100%;height:{self.height}px;'
            'border:1px solid #ccc;box-sizing:border-box;display:block" title="Karta" loading="lazy"></iframe>'
        )

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (UTF-8) and return the path."""
        target = Path(path)
        target.write_text(self.html, encoding="utf-8")
        return target


# --------------------------------------------------------------------------------------------------
# layers
# --------------------------------------------------------------------------------------------------


def _gistar_layer(wgs: gpd.GeoDataFrame, max_cells: int) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Hot spots och cold spots (Gi*)", show=True)
    sig = wgs[wgs["gi_bin"] != 0]
    if not len(sig):
        return group
    if len(sig) > max_cells:
        warnings.warn(f"{len(sig)} significant cells: drawn dissolved per class, without per-cell tooltips",
                      stacklevel=3)  # fmt: skip
        dissolved = _dissolved(sig, sig["gi_bin"].to_numpy())
        dissolved["klass"] = [hotspots.GI_BIN_LABELS[int(k)] for k in dissolved["key"]]
        _geojson(dissolved, lambda f: _fill(GI_BIN_COLOURS[int(f["properties"]["key"])]), ["klass"], ["Klass"]).add_to(group)
        return group
    table = gpd.GeoDataFrame(
        {
            "bin": sig["gi_bin"].astype(int).to_numpy(),
            "klass": [hotspots.GI_BIN_LABELS[int(b)] for b in sig["gi_bin"]],
            "z": [fmt.number(v, 1) for v in sig["gistar"]],
            "antal": [fmt.count(v, SUPPRESS_BELOW) for v in sig["n"]],
            "omrade": sig["area"].fillna("–").astype(str).to_numpy(),
        },
        geometry=sig.geometry.to_numpy(),
        crs=CRS_WGS84,
    )
    _geojson(table, lambda f: _fill(GI_BIN_COLOURS[f["properties"]["bin"]]), ["klass", "z", "antal", "omrade"],
             ["Klass", "Gi* (z)", "Antal brott", "Område"]).add_to(group)  # fmt: skip
    return group


def _kde_layer(cells: gpd.GeoDataFrame) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Täthet (KDE, brott per km²)", show=False)
    positive = cells[cells["kde"] > 0]
    if not len(positive):
        return group
    values = positive["kde"].to_numpy()
    top = values.max()
    shown = positive[values >= 0.05 * top]  # below 5 % of the peak the surface is background
    edges = np.unique(np.quantile(shown["kde"], [0.0, 0.5, 0.75, 0.9, 0.97, 1.0]))
    classes = np.clip(np.searchsorted(edges, shown["kde"].to_numpy(), side="right") - 1, 0, len(edges) - 2)
    dissolved = _dissolved(shown, classes).to_crs(CRS_WGS84)
    dissolved["tathet"] = [f"{fmt.number(edges[k], 0)}–{fmt.number(edges[k + 1], 0)} brott per km²" for k in dissolved["key"]]
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
    level = np.select([n >= 20, n >= 5], [2, 1], 0)
    colours = ["#d9b3ff", "#9a4dff", "#5c00b8"]
    if len(hit) > max_cells:
        dissolved = _dissolved(hit, level).to_crs(CRS_WGS84)
        dissolved["antal"] = [["1–4", "5–19", "20 eller fler"][int(k)] for k in dissolved["key"]]
        _geojson(dissolved, lambda f: _fill(colours[int(f["properties"]["key"])], 0.7), ["antal"], ["Händelser"]).add_to(group)
        return group
    table = gpd.GeoDataFrame(
        {"level": level, "antal": [fmt.count(v, SUPPRESS_BELOW) for v in n]},
        geometry=hit.geometry.to_numpy(),
        crs=cells.crs,
    ).to_crs(CRS_WGS84)
    _geojson(table, lambda f: _fill(colours[f["properties"]["level"]], 0.7), ["antal"],
             ["Kommunala händelser"]).add_to(group)  # fmt: skip
    return group


def _emerging_layer(emerging: gpd.GeoDataFrame, max_cells: int) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Trender (framväxande hot spots)", show=False)
    shown = emerging[emerging["category"] != "no_pattern"]
    if not len(shown):
        return group
    keys = shown["category"].astype(str).to_numpy()
    dissolved = _dissolved(shown, keys).to_crs(CRS_WGS84)
    dissolved["kategori"] = [hotspots.EMERGING_CATEGORIES[k] for k in dissolved["key"]]
    _geojson(dissolved, lambda f: _fill(EMERGING_COLOURS[f["properties"]["key"]], 0.75), ["kategori"],
             ["Trend"]).add_to(group)  # fmt: skip
    return group


def _area_layer(areas: gpd.GeoDataFrame) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Områden", show=True)
    table = gpd.GeoDataFrame({"omrade": areas["area"].astype(str).to_numpy()}, geometry=areas.geometry.to_numpy(),
                             crs=areas.crs).to_crs(CRS_WGS84)  # fmt: skip
    style = lambda f: {"fillOpacity": 0.0, "color": "#333333", "weight": 1.5, "dashArray": "4 3"}  # noqa: E731
    _geojson(table, style, ["omrade"], ["Område"]).add_to(group)
    return group


def _measure_layer(measures: pd.DataFrame) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Situationella åtgärder", show=True)
    placed = _placed(measures)
    if "level" in placed.columns:
        placed = placed[placed["level"] == "situationell"]
    lat, lon = _to_latlon(placed)
    for i, (_, row) in enumerate(placed.iterrows()):
        status = str(row.get("status", ""))
        tip = f"<b>{html.escape(str(row.get('name', row.get('measure_id', 'Åtgärd'))))}</b><br>Status: {html.escape(status)}"
        folium.CircleMarker(
            [lat[i], lon[i]], radius=6, color="#1a1a1a", weight=1.5, fill=True,
            fill_color=_STATUS_COLOURS.get(status, "#7b3294"), fill_opacity=0.9, tooltip=tip,
        ).add_to(group)  # fmt: skip
    return group


def _walk_layer(walks: pd.DataFrame) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Trygghetsvandringar (brister)", show=False)
    placed = _placed(walks)
    lat, lon = _to_latlon(placed)
    for i, (_, row) in enumerate(placed.iterrows()):
        fixed = bool(row.get("fixed", False)) if pd.notna(row.get("fixed", False)) else False
        tip = (f"Brist: {html.escape(str(row.get('deficiency', '–')))}<br>"
               f"{'Åtgärdad' if fixed else 'Ej åtgärdad'}")  # fmt: skip
        folium.CircleMarker(
            [lat[i], lon[i]], radius=4, color="#7f7f7f" if fixed else "#d7191c", weight=1, fill=True,
            fill_opacity=0.8, tooltip=tip,
        ).add_to(group)  # fmt: skip
    return group


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


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------


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


class _MetricScale(MacroElement):
    """Leaflet's scale bar in metres only (folium's ``control_scale`` adds miles and feet too)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, metric: true}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)


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


def _legend_html(cells: gpd.GeoDataFrame, title: str | None, kde: bool, has_emerging) -> str:
    rows = "".join(
        f'<div><span style="background:{GI_BIN_COLOURS[b]}"></span>{html.escape(hotspots.GI_BIN_LABELS[b])}</div>'
        for b in (3, 2, 1, -1, -2, -3)
    )
    extra = ""
    if kde:
        extra += '<div><span style="background:linear-gradient(90deg,#fff5b8,#bd0026)"></span>Täthet (KDE)</div>'
    if has_emerging:
        extra += f'<div><span style="background:{EMERGING_COLOURS["new_hotspot"]}"></span>Trender: se lagret</div>'
    extra += ('<div><i style="background:#008837"></i>Situationell åtgärd (grön: pågående, lila: planerad)</div>'
              '<div><i style="background:#d7191c"></i>Brist (ej åtgärdad)</div>'
              '<div><i style="background:#7f7f7f"></i>Brist (åtgärdad)</div>')  # fmt: skip
    heading = html.escape(title or "Hot spots och cold spots")
    note = html.escape(_source_line(cells))
    return f"""
<style>
.leaflet-container {{ background: #eef0f2; }}
.tr-title {{ position: absolute; top: 10px; left: 50px; z-index: 1000; background: rgba(255,255,255,.92);
  padding: 6px 10px; font: 600 15px/1.3 sans-serif; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.3); }}
.tr-legend {{ position: absolute; bottom: 26px; right: 10px; z-index: 1000; background: rgba(255,255,255,.94);
  padding: 8px 10px; font: 12px/1.45 sans-serif; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.3);
  max-width: 290px; }}
.tr-legend span {{ display: inline-block; width: 14px; height: 12px; margin-right: 6px; vertical-align: middle;
  border: 1px solid #999; }}
.tr-legend i {{ display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin: 0 8px 0 2px;
  vertical-align: middle; border: 1px solid #333; }}
.tr-legend small {{ display: block; margin-top: 4px; color: #444; }}
</style>
<div class="tr-title">{heading}</div>
<div class="tr-legend"><b>Gi*-klass</b>{rows}{extra}<small>{note}</small>
<small>Bakgrundskartan (OpenStreetMap) kräver internet och är avslagen från början.</small></div>
"""


def _leaflet_inline() -> str:
    base = resources.files("js_lib_leaflet") / "static" / "js_lib_leaflet"
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def image(match: re.Match) -> str:
        data = (base / "images" / match.group(1)).read_bytes()
        return "url(data:image/png;base64," + base64.b64encode(data).decode("ascii") + ")"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", image, css)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    return f"<style>{css}</style>\n<script>{js}</script>"

"""What makes a hot-spot map readable without a mouse, a wide screen or sight: area names on the map
without hover, a legend that folds away, a layer control that starts collapsed, Swedish names on the
map's buttons, and the map as a table (:func:`table_alternative`) under it.

Used by :mod:`trygghet.reports.maps` (which draws the layers) and :mod:`trygghet.reports.offline_map`
(which writes the page); nothing here draws offences or counts that have not passed the privacy gate.
"""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from trygghet.data.config import CRS_WGS84
from trygghet.reports import format as fmt

__all__ = ["LEGEND_CSS", "NARROW_PX", "MAP_TABLE_SUMMARY", "area_labels", "MapControls", "legend_box",
           "table_alternative"]

#: below this width (px) of the map the legend starts folded
NARROW_PX = 700
#: the words of the switch that opens a map's table
MAP_TABLE_SUMMARY = "Visa kartans innehåll som tabell"

LEGEND_CSS = """
.leaflet-container { background: #eef0f2; }
.tr-title { position: absolute; top: 10px; left: 50px; z-index: 1000; background: rgba(255,255,255,.92);
  padding: 6px 10px; font: 600 15px/1.3 sans-serif; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.3);
  max-width: calc(100% - 120px); color: #1a1a1a; }
.tr-legend { position: absolute; bottom: 26px; right: 10px; z-index: 1000; background: rgba(255,255,255,.96);
  padding: 6px 10px; font: 12px/1.45 sans-serif; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.3);
  max-width: 290px; max-height: calc(100% - 60px); overflow-y: auto; color: #1a1a1a; }
.tr-legend summary { cursor: pointer; font-weight: 700; }
.tr-legend span { display: inline-block; width: 14px; height: 12px; margin-right: 6px; vertical-align: middle;
  border: 1px solid #999; }
.tr-legend i { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin: 0 8px 0 2px;
  vertical-align: middle; border: 1px solid #333; }
.tr-legend small { display: block; margin-top: 4px; color: #333; }
.tr-area-label span { position: absolute; transform: translate(-50%, -50%); white-space: nowrap;
  font: 600 12px/1.2 sans-serif; color: #1a1a1a; background: rgba(255,255,255,.85); padding: 1px 4px;
  border-radius: 3px; pointer-events: none; }
@media (max-width: 520px) { .tr-legend { font-size: 11px; max-width: 210px; padding: 4px 7px; }
  .tr-title { font-size: 12px; left: 46px; max-width: calc(100% - 100px); }
  .tr-area-label span { font-size: 11px; }
  .leaflet-control-layers-expanded { font-size: 12px; padding: 3px 5px; max-height: 60%; overflow-y: auto; } }
"""


def legend_box(heading: str, rows_html: str, note: str) -> str:
    """The map's title and its legend as a ``<details>`` (open on a wide map, folded on a narrow one by
    :class:`MapControls`); ``rows_html`` and ``note`` are already escaped HTML."""
    return (f"<style>{LEGEND_CSS}</style>\n<div class=\"tr-title\">{html.escape(heading)}</div>\n"
            f'<details class="tr-legend" open><summary>Teckenförklaring</summary>{rows_html}<small>{note}</small>'
            "<small>Bakgrundskartan (OpenStreetMap) kräver internet och är avslagen från början.</small></details>\n")


def area_labels(areas: gpd.GeoDataFrame, group: folium.FeatureGroup,
                view: tuple[float, float, float, float] | None = None) -> None:
    """Each area's name at a point inside it, always shown (no hover needed), added to ``group``; with
    ``view`` (south, west, north, east in WGS 84: the map's opening view) at a point inside the part of
    the area the reader first sees, so every area in view is named."""
    shapes = areas.to_crs(CRS_WGS84).geometry
    if view is not None:
        south, west, north, east = view
        box = shapely.box(west, south, east, north)
        shapes = gpd.GeoSeries([g.intersection(box) if g.intersects(box) and not g.intersection(box).is_empty else g
                                for g in shapes], crs=CRS_WGS84)
    points = shapes.to_crs(3006).representative_point().to_crs(CRS_WGS84)
    for name, point in zip(areas["area"].astype(str), points):
        folium.Marker(
            [point.y, point.x], interactive=False, keyboard=False,
            icon=folium.DivIcon(html=f"<span>{html.escape(name)}</span>", class_name="tr-area-label",
                                icon_size=(1, 1), icon_anchor=(0, 0)),
        ).add_to(group)  # fmt: skip


class MapControls(MacroElement):
    """Swedish names on the zoom buttons and the layer control's button, and the legend folded when the
    map is narrower than :data:`NARROW_PX` (a phone)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
          var map = {{ this._parent.get_name() }};
          var named = function (el, text) { if (el) { el.title = text; el.setAttribute('aria-label', text); } };
          if (map.zoomControl) {
            named(map.zoomControl._zoomInButton, 'Zooma in');
            named(map.zoomControl._zoomOutButton, 'Zooma ut');
          }
          named({{ this.control }}._layersLink, 'Välj kartlager');
          var legend = document.querySelector('details.tr-legend');
          if (legend && map.getSize().x < {{ this.narrow }}) { legend.open = false; }
        })();
        {% endmacro %}
    """)

    def __init__(self, control: folium.LayerControl) -> None:
        super().__init__()
        self._name = "MapControls"
        self.control = control.get_name()
        self.narrow = NARROW_PX


def table_alternative(cells: gpd.GeoDataFrame, labels: dict[int, str], measures: pd.DataFrame,
                      walks: pd.DataFrame | None) -> tuple[pd.DataFrame, str]:
    """What the map shows, as a table per area (its cells counted per Gi* class; ``labels`` are the
    classes' Swedish names) and a sentence on the measures and safety-walk findings drawn. No count of
    offences: those are in the report's own tables, through the page's privacy gate (a sum over the
    map's part of an area could be subtracted from the area's published sum). Returns ``(table,
    sentence)``; the table is display text."""
    sig = cells[(cells["gi_bin"] != 0).to_numpy()]
    area = sig["area"].astype(object).where(sig["area"].notna(), "utanför områdena")
    rows = []
    for name, part in sig.groupby(area.to_numpy(), sort=True):
        bins = part["gi_bin"].astype(int)
        rows.append({
            "Område": name,
            "Hot spot-rutor": str(int(part["hotspot"].astype(bool).sum() if "hotspot" in part else (bins > 0).sum())),
            f"Hot spot-rutor med {labels[3].split(', ')[1]}": str(int((bins == 3).sum())),
            "Rutor med cold spot": str(int(part["coldspot"].astype(bool).sum() if "coldspot" in part else (bins < 0).sum())),
        })
    table = pd.DataFrame(rows)
    said = []
    if len(measures):
        by = measures["status"].value_counts()
        said.append("Situationella åtgärder på kartan: " + ", ".join(f"{int(n)} {s}" for s, n in by.items()) + ".")
    if walks is not None and len(walks) and {"x", "y"} <= set(walks.columns):
        placed = walks[walks["x"].notna() & walks["y"].notna()]
        fixed = placed.get("fixed", pd.Series(False, index=placed.index)).fillna(False).astype(bool)
        said.append(f"Brister från trygghetsvandringar: {fmt.count(int((~fixed).sum()))} ej åtgärdade och "
                    f"{fmt.count(int(fixed.sum()))} åtgärdade.")
    return table, " ".join(said)

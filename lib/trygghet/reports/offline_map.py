"""Maps that work offline: the published reports are opened from e-mail and intranets without
internet access, so :func:`to_html` / :func:`offline` inline Leaflet's JavaScript and CSS (from the
``django-js-lib-leaflet`` package) and drop every other script or stylesheet folium would load from a
CDN (jQuery, Bootstrap, Font Awesome, awesome-markers: not needed, as the maps use circle markers and a
plain HTML legend). The page is Swedish (``lang="sv"``), titled, and lets a phone zoom. Used by
:mod:`trygghet.reports.maps`; :class:`OfflineMap` shows a map's table alternative under it.
"""

from __future__ import annotations

import base64
import html
import re
from importlib import resources
from pathlib import Path

import folium
from branca.element import Element, MacroElement
from jinja2 import Template

from trygghet.data.errors import ParameterError
from trygghet.reports.chart import html_table
from trygghet.reports.map_access import MAP_TABLE_SUMMARY

__all__ = ["to_html", "offline", "OfflineMap", "MetricScale"]

_CDN_TAG = re.compile(
    r"<script[^>]+src=\"https?://[^\"]+\"[^>]*>\s*</script>\s*|<link[^>]+href=\"https?://[^\"]+\"[^>]*/?>\s*",
    re.IGNORECASE,
)


def to_html(fmap: folium.Map) -> str:
    """The map as one self-contained HTML page: Leaflet inlined, no script or stylesheet from the internet."""
    fmap.default_js = []
    fmap.default_css = []
    root = fmap.get_root()
    root.header.add_child(Element(_leaflet_inline()), name="leaflet_inline", index=0)
    if not getattr(root, "title", None):
        root.title = "Karta"
    page = root.render()
    page = _CDN_TAG.sub("", page)
    page = page.replace("<html>", '<html lang="sv">', 1)
    page = re.sub(r",\s*maximum-scale=1\.0,\s*user-scalable=no", "", page, count=1)  # a phone may zoom the page
    if re.search(r"<(script|link)[^>]+(src|href)=\"https?://", page):
        raise RuntimeError("the map still loads a script or stylesheet from the internet")
    return page


def offline(fmap: folium.Map, height: int = 600) -> OfflineMap:
    """A display wrapper for notebooks: shows the map in an ``<iframe srcdoc>`` with everything inlined,
    and under it the map's table alternative (``fmap.table_alternative``, set by
    :func:`trygghet.reports.maps.hotspot_map`) in a collapsed ``<details>``.

    nbconvert's HTML export then shows the map with no network and no "Make this Notebook Trusted" text.
    """
    table, sentence = getattr(fmap, "table_alternative", (None, ""))
    title = html.unescape(getattr(fmap.get_root(), "title", None) or "Karta")
    return OfflineMap(to_html(fmap), height=height, title=title, table=table, sentence=sentence)


class OfflineMap:
    """A rendered, self-contained map page; displays itself in Jupyter as an iframe (``_repr_html_``)."""

    def __init__(self, page: str, height: int = 600, title: str = "Karta", table=None, sentence: str = "") -> None:
        if int(height) <= 0:
            raise ParameterError(f"height={height} must be a positive number of pixels")
        self.html = page
        self.height = int(height)
        self.title = title
        self.table = table
        self.sentence = sentence

    def _repr_html_(self) -> str:
        frame = (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" style="width:100%;height:{self.height}px;'
            f'border:1px solid #ccc;box-sizing:border-box;display:block" title="{html.escape(self.title)}" '
            'loading="lazy"></iframe>'
        )
        if self.table is None and not self.sentence:
            return frame
        inner = f"<p>{html.escape(self.sentence)}</p>" if self.sentence else ""
        if self.table is not None:
            inner += (html_table(self.table, self.title.removeprefix("Karta: ") + ": rutor per område")
                      if len(self.table) else "<p>Kartan har inga signifikanta rutor.</p>")
        return frame + f'<details class="tr-map-data"><summary>{MAP_TABLE_SUMMARY}</summary>{inner}</details>'

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (UTF-8) and return the path."""
        target = Path(path)
        target.write_text(self.html, encoding="utf-8")
        return target


class MetricScale(MacroElement):
    """Leaflet's scale bar in metres only (folium's ``control_scale`` adds miles and feet too)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, metric: true}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)


def _leaflet_inline() -> str:
    base = resources.files("js_lib_leaflet") / "static" / "js_lib_leaflet"
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def image(match: re.Match) -> str:
        data = (base / "images" / match.group(1)).read_bytes()
        return "url(data:image/png;base64," + base64.b64encode(data).decode("ascii") + ")"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", image, css)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    return f"<style>{css}</style>\n<script>{js}</script>"

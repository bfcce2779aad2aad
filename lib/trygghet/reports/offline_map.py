"""Maps that work offline: the published reports are opened from e-mail and intranets without
internet access, so :func:`to_html` / :func:`offline` inline Leaflet's JavaScript and CSS (from the
``django-js-lib-leaflet`` package) and drop every other script or stylesheet folium would load from a
CDN (jQuery, Bootstrap, Font Awesome, awesome-markers: not needed, as the maps use circle markers and a
plain HTML legend). Used by :mod:`trygghet.reports.maps`.
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

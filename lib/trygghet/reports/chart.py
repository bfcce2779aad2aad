"""A chart as every reader gets it: the picture, a Swedish alt text with its key numbers, and its numbers
as a table one tap away.

:class:`Chart` wraps a matplotlib figure made by :mod:`trygghet.reports.plots` (or
:func:`trygghet.reports.maps.static_map`). In a notebook it displays itself as HTML: the PNG with the
alt text (never nbconvert's English default), and under it a collapsed ``<details>`` with the numbers
the chart draws as a table (already through the privacy gate: the chart functions pass the values they
draw, hidden ones as the gate marked them). Everything else (``savefig``, ``axes``, …) goes to the figure,
so code that used the figure keeps working.

:func:`contrast` is WCAG 2.1's contrast ratio; :func:`text_colour_on` picks black or white text for a
coloured background so that chart labels reach 4.5:1.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence

import pandas as pd
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

__all__ = ["Chart", "contrast", "relative_luminance", "text_colour_on", "join_sv", "TABLE_SUMMARY"]

#: the words of the switch that opens a chart's table
TABLE_SUMMARY = "Visa diagrammets siffror som tabell"
_DPI = 100  # as Jupyter's inline backend shows a figure


class Chart:
    """A figure with its alt text and its numbers (``table``: a frame of display text, the columns' Swedish
    names as headers; ``caption``: what the table shows)."""

    def __init__(self, figure: Figure, alt: str, table: pd.DataFrame | None = None, caption: str | None = None) -> None:
        if not alt or not alt.strip():
            raise ValueError("a chart needs an alt text")
        self.figure = figure
        self.alt = " ".join(alt.split())
        self.table = table
        self.caption = caption

    def __getattr__(self, name: str):
        if name.startswith(("_repr", "_ipython")) or name in ("figure", "alt", "table", "caption"):
            raise AttributeError(name)
        return getattr(self.figure, name)

    def __repr__(self) -> str:
        return f"<Chart: {self.alt[:60]}…>"

    def png(self, dpi: int = _DPI) -> bytes:
        """The chart as PNG bytes (cropped to what is drawn, as a notebook shows it)."""
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
        return buf.getvalue()

    def to_html(self) -> str:
        """``<figure>`` with the picture (inline PNG, alt text) and the collapsed table of its numbers."""
        data = base64.b64encode(self.png()).decode("ascii")
        parts = [f'<figure class="tr-chart"><img src="data:image/png;base64,{data}" alt="{html.escape(self.alt)}">']
        if self.table is not None and len(self.table):
            parts.append(f'<details class="tr-chart-data"><summary>{TABLE_SUMMARY}</summary>'
                         + html_table(self.table, self.caption) + "</details>")
        parts.append("</figure>")
        return "".join(parts)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.to_html(), "text/plain": self.alt}


def html_table(table: pd.DataFrame, caption: str | None = None) -> str:
    """A plain HTML table of display text (headers = the frame's columns, no index)."""
    head = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in table.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in table.itertuples(index=False))
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<table class="tr-chart-table">{cap}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def relative_luminance(colour) -> float:
    """WCAG 2.1's relative luminance of a colour (any matplotlib colour: "#E69F00", (r, g, b), "white")."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in to_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    """WCAG 2.1's contrast ratio of two colours, 1 … 21 (white on #E69F00: 2.25)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour_on(background) -> str:
    """Black or white, whichever contrasts more with ``background``."""
    return "#000000" if contrast("#000000", background) >= contrast("#ffffff", background) else "#ffffff"


def join_sv(items: Sequence[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b och c"``."""
    items = [str(i) for i in items if str(i)]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " och " + items[-1]

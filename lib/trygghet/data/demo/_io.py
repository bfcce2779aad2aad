"""Writers that give the demo's files the exact bytes of Swedish exports, the same bytes for the same seed."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd

__all__ = ["write_csv", "write_geojson", "write_xlsx", "write_text", "fmt_decimal"]

_FIXED_ZIP_TIME = (2025, 1, 1, 0, 0, 0)
_FIXED_DOC_TIME = "2025-01-01T00:00:00Z"


def write_csv(
    frame: pd.DataFrame,
    path: Path,
    *,
    encoding: str = "utf-8",
    bom: bool = False,
    crlf: bool = False,
    header: list[str] | None = None,
) -> Path:
    """Write ``frame`` as a ``;``-separated CSV. Every cell must already be text (or empty/NA).

    ``encoding`` is ``utf-8`` or ``cp1252``; ``bom`` prefixes UTF-8 with a byte-order mark; ``crlf`` uses
    Windows line ends, as Excel does. ``header`` replaces the column names (header variants).
    """
    names = header if header is not None else list(frame.columns)
    newline = "\r\n" if crlf else "\n"
    lines = [";".join(names)]
    cells = frame.astype(object).where(frame.notna(), "")
    for row in cells.itertuples(index=False, name=None):
        lines.append(";".join(str(v) for v in row))
    text = newline.join(lines) + newline
    data = text.encode(encoding)
    if bom and encoding.replace("-", "").lower() == "utf8":
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return path


def write_text(text: str, path: Path) -> Path:
    """Write UTF-8 text with ``\\n`` line ends."""
    path.write_bytes(text.encode("utf-8"))
    return path


def write_geojson(features: list[dict], path: Path, name: str) -> Path:
    """Write a GeoJSON FeatureCollection in WGS 84 (coordinates already rounded by the caller)."""
    doc = {
        "type": "FeatureCollection",
        "name": name,
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": features,
    }
    path.write_bytes(json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8") + b"\n")
    return path


def write_xlsx(frame: pd.DataFrame, path: Path, sheet: str) -> Path:
    """Write ``frame`` to one sheet of an .xlsx file with fixed timestamps, so the bytes are reproducible."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(list(frame.columns))
    for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None):
        ws.append([None if v is None or v is pd.NaT else v for v in row])
    for col in ws.columns:
        for cell in col:
            if hasattr(cell.value, "year") and not isinstance(cell.value, str):
                cell.number_format = "yyyy-mm-dd"
    buf = io.BytesIO()
    book.save(buf)
    path.write_bytes(_normalise_zip(buf.getvalue()))
    return path


def fmt_decimal(values, decimals: int, comma: bool) -> pd.Series:
    """Format numbers with ``decimals`` decimals and a decimal comma or point; NaN becomes empty."""
    s = pd.Series(values, dtype="float64")
    out = s.map(lambda v: "" if pd.isna(v) else f"{v:.{decimals}f}")
    if comma:
        out = out.str.replace(".", ",", regex=False)
    return out.astype(object)


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite an .xlsx archive with fixed entry times and fixed document-property dates."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    lambda m: m.group(1) + _FIXED_DOC_TIME + m.group(3),
                    text,
                )
                content = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, content)
    return out.getvalue()

"""Real police extract layouts, read as the data contract's offence file.

The contract's ``anmalda_brott*.csv`` is one layout; police extracts seen in practice come in others.
This module recognises them by their (folded) headers and rewrites a raw frame of text columns into
the contract's column keys and value formats, before the offence reader validates it:

``deso``
    ``Id, Brottskod, Brottskod klartext, Inskrivningsdatum, Brottsdatum, Kommun, Län, DeSO område,
    Antal`` — one row per offence (or ``Antal`` offences), no coordinates, the DeSO area as the place.
``rar``
    ``inskrdat, Näpo, Basområde, Gata, Brottskod, Antal, BrottsdagStart, BrottsdagSlut, BrottsTidStart,
    BrottsTidSlut`` — Excel date cells (serial day numbers when saved as text), times as ``HHmm``, the
    police's base area (``Basområde``, else the local police area ``Näpo``) and a street; no row id.
``wgs84``
    ``ID, BROTTSKOD, LATITUDE, LONGITUDE, GATA, GATUNR, KOMMUN, BROTTSDATUMTID_START,
    BROTTSDATUMTID_SLUT`` — WGS 84 positions, date and time in one field.

Street names become the private ``plats`` (analysis only, never published). ``Antal`` (offences on the
row) is kept as ``antal``; the offence reader counts such a row as that many offences.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["ALIASES", "LAYOUTS", "detect_layout", "normalise", "hhmm_to_time", "excel_serial_to_date"]

#: folded header -> the contract's folded key, for headers of the real layouts
ALIASES = {
    "id": "brott_id",
    "brottskod_klartext": "brottsrubricering",
    "inskrivningsdatum": "anmald_datum",
    "inskrdat": "anmald_datum",
    "brottsdatum": "datum_fran",
    "brottsdagstart": "datum_fran",
    "brottsdagslut": "datum_till",
    "brottstidstart": "tid_fran",
    "brottstidslut": "tid_till",
    "brottsdatumtid_start": "datum_fran",
    "brottsdatumtid_slut": "datum_till",
    "latitude": "lat",
    "longitude": "lon",
    "deso_omrade": "omrade",
    "deso": "omrade",
    "basomrade": "omrade",
}

#: a layout's name -> folded headers that identify it (all must be present)
LAYOUTS = {
    "deso": ("brottskod_klartext", "inskrivningsdatum", "brottsdatum", "deso_omrade"),
    "rar": ("inskrdat", "brottsdagstart", "brottstidstart"),
    "wgs84": ("brottsdatumtid_start", "latitude", "longitude"),
}

#: Excel's day 0 for serial dates (the 1900 system, with its leap-year bug absorbed)
_EXCEL_EPOCH = np.datetime64("1899-12-30")
#: serial day numbers accepted as dates: 1990-01-01 .. 2099-12-31
_SERIAL_RANGE = (32874, 73415)


def detect_layout(columns) -> str:
    """The layout of a frame with folded headers: ``contract``, ``deso``, ``rar`` or ``wgs84``."""
    cols = set(columns)
    for name, needed in LAYOUTS.items():
        if set(needed) <= cols:
            return name
    return "contract"


def hhmm_to_time(s: pd.Series) -> pd.Series:
    """``HHmm`` texts (``2130``, ``930``, ``0005``) as ``HH:MM``; texts already ``HH:MM`` and empty
    texts are kept; anything else is kept as it is (the reader rejects it with its line)."""
    text = s.astype(str).str.strip()
    digits = text.str.fullmatch(r"\d{3,4}")
    padded = text.where(~digits, text.str.zfill(4))
    return padded.where(~digits, padded.str.slice(0, 2) + ":" + padded.str.slice(2, 4))


def excel_serial_to_date(s: pd.Series) -> pd.Series:
    """Excel serial day numbers (``45678``, ``45678.5`` for noon) as ``YYYY-MM-DD`` (``HH:MM`` added
    when the fraction holds a time); other texts are kept as they are."""
    text = s.astype(str).str.strip()
    number = pd.to_numeric(text.str.replace(",", ".", regex=False).where(text.str.fullmatch(r"\d{5}([.,]\d+)?")),
                           errors="coerce")
    ok = number.between(*_SERIAL_RANGE).to_numpy(dtype=bool)
    if not ok.any():
        return text
    days = np.floor(number[ok].to_numpy(dtype=float))
    minutes = np.rint((number[ok].to_numpy(dtype=float) - days) * 24 * 60).astype(int)
    stamp = _EXCEL_EPOCH + days.astype("timedelta64[D]") + minutes.astype("timedelta64[m]")
    iso = pd.Series(pd.DatetimeIndex(stamp).strftime("%Y-%m-%d %H:%M"), index=text.index[ok])
    iso = iso.where(minutes != 0, iso.str.slice(0, 10))
    out = text.copy()
    out[ok] = iso
    return out


def normalise(frame: pd.DataFrame, headers: dict[str, str], file_name: str,
              lines: np.ndarray) -> tuple[pd.DataFrame, dict[str, str], str]:
    """Rewrite a raw offence frame (folded headers, stripped text) of a real layout into the contract's
    keys and formats. Returns ``(frame, headers, layout)``; a contract file comes back unchanged.

    ``headers`` maps folded keys to the names as written (for reject messages); renamed columns keep
    their written names. Without a row id (``rar``), the id is ``<file>:<line>``, unique in the
    extract and stable across runs."""
    layout = detect_layout(frame.columns)
    if layout == "contract":
        return frame, headers, layout
    frame = frame.copy()
    headers = dict(headers)
    if layout == "rar" and "omrade" not in frame.columns:
        # the base area is the finer place; the local police area (Näpo) only where it is empty
        if "basomrade" in frame.columns and "napo" in frame.columns:
            frame["basomrade"] = frame["basomrade"].where(frame["basomrade"] != "", frame["napo"])
            frame = frame.drop(columns="napo")
            headers.pop("napo", None)
        elif "napo" in frame.columns:
            frame = frame.rename(columns={"napo": "basomrade"})
            headers["basomrade"] = headers.pop("napo")
    if "gata" in frame.columns and "plats" not in frame.columns:
        street = frame["gata"]
        if "gatunr" in frame.columns:
            number = frame["gatunr"]
            street = street.where(number == "", street + " " + number)
        frame = frame.drop(columns=[c for c in ("gata", "gatunr") if c in frame.columns]).assign(plats=street)
        headers["plats"] = headers.pop("gata", "gata")
        headers.pop("gatunr", None)
    rename = {k: v for k, v in ALIASES.items() if k in frame.columns and v not in frame.columns}
    frame = frame.rename(columns=rename)
    for old, new in rename.items():
        headers[new] = headers.pop(old, old)
    if "brott_id" not in frame.columns:
        frame["brott_id"] = [f"{file_name}:{line}" for line in lines]
        headers["brott_id"] = "radnummer"
    for key in ("datum_fran", "datum_till", "anmald_datum"):
        if key in frame.columns:
            frame[key] = excel_serial_to_date(frame[key])
    for key in ("tid_fran", "tid_till"):
        if key in frame.columns:
            frame[key] = hhmm_to_time(frame[key])
    for key in ("datum_fran", "datum_till"):  # 'YYYY-MM-DD HH:MM:SS' or 'YYYY-MM-DDTHH:MM' in one field
        if key in frame.columns:
            frame[key] = frame[key].str.replace(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?$", r"\1 \2",
                                                regex=True)
    return frame, headers, layout

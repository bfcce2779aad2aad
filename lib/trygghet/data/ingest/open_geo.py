"""SCB's geodata downloaded by ``trygghet fetch`` (:mod:`trygghet.data.open.scb_geo`) as a fallback in the ingest.

- **Areas**: without ``omraden.geojson``/``.gpkg`` in the raw folder, the municipality's DeSO or RegSO areas in
  ``RAW/open/scb_omraden_<code>.geojson`` become the store's areas, in the same schema as an areas file
  (``area`` = the RegSO name, or for a DeSO "<RegSO name> (<DeSO code>)"; ``area_code`` = the DeSO or RegSO code,
  so SCB's population by DeSO/RegSO fills their population; ``area_km2``; polygons in SWEREF 99 TM) and the
  municipality is their union. Used only when exactly one municipality's download is there.
- **Population grid**: without ``befolkning_rutor.csv``, ``RAW/open/scb_befolkning_rutor_<code>.csv`` of the
  store's municipality (the same format) is read instead.

A download whose checksum no longer matches its provenance is left out with a warning.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd

from trygghet.data.config import CRS_SWEREF, MUNICIPALITY_CODE, MUNICIPALITY_NAME
from trygghet.data.errors import DataError
from trygghet.data.ingest.reading import Context
from trygghet.data.ingest.report import FileReport
from trygghet.data.municipalities import municipalities
from trygghet.data.open.files import read_provenance
from trygghet.data.open.http import FetchError
from trygghet.data.open.scb_geo import area_frame, read_json

__all__ = ["ScbAreas", "scb_areas", "scb_grid_files"]


class ScbAreas(NamedTuple):
    """SCB's areas as read from the download: names, codes and polygons (SWEREF 99 TM), the file's report and
    the municipality (code, name); :func:`trygghet.data.ingest.places.ingest_areas` makes the tables."""
    names: np.ndarray
    codes: np.ndarray
    geometry: gpd.GeoSeries
    report: FileReport
    code: str
    name: str


def scb_areas(ctx: Context) -> ScbAreas | None:
    """SCB's DeSO/RegSO download in ``RAW/open/``, read and checked, or None when there is none (or it is
    left out, with a warning)."""
    folder = Path(ctx.raw) / "open"
    found = sorted(folder.glob("scb_omraden_*.geojson")) if folder.is_dir() else []
    if not found:
        return None
    if len(found) > 1:
        ctx.warnings.append("open/ holds SCB areas of several municipalities (" + ", ".join(p.name for p in found)
                            + "); none is used — keep one, or put omraden.geojson in the raw folder")
        return None
    path = found[0]
    code = path.stem.removeprefix("scb_omraden_")
    try:
        prov = read_provenance(path)
        doc = read_json(ctx.read_bytes(path), f"open/{path.name}")
        names_path = folder / f"scb_regso_{code}.json"
        names = None
        if names_path.is_file():
            read_provenance(names_path)
            names = read_json(names_path.read_bytes(), f"open/{names_path.name}")
        frame = area_frame(doc, names)
    except (DataError, FetchError, KeyError, TypeError, ValueError) as exc:
        ctx.warnings.append(f"open/{path.name} left out: {exc}")
        return None
    report = FileReport(file=f"open/{path.name}", table="areas", rows_read=len(frame), rows_accepted=len(frame))
    report.checks["source"] = f"SCB {prov.get('details', {}).get('layer', 'DeSO/RegSO')} ({prov.get('source_updated')})"
    level = "RegSO" if prov.get("details", {}).get("level") == "regso" else "DeSO"
    ctx.warnings.append(f"no areas file (omraden.geojson or omraden.gpkg): the {len(frame)} areas are SCB's {level} "
                        f"of municipality {code} (open/{path.name}); put the municipality's own areas in "
                        "omraden.geojson to use them instead")
    return ScbAreas(names=frame["område"].to_numpy(), codes=frame["områdeskod"].to_numpy(),
                    geometry=gpd.GeoSeries(list(frame["geometry"]), crs=CRS_SWEREF), report=report, code=code,
                    name=_name(code))


def scb_grid_files(raw: Path, municipality: pd.DataFrame, ctx: Context) -> list:
    """``[(RAW/open/scb_befolkning_rutor_<code>.csv, None)]`` for the store's municipality (the form
    :func:`~trygghet.data.ingest.population_grid.ingest_population_grid` takes), else ``[]``."""
    if not len(municipality):
        return []
    path = Path(raw) / "open" / f"scb_befolkning_rutor_{municipality['code'].iloc[0]}.csv"
    if not path.is_file():
        return []
    try:
        read_provenance(path)
    except DataError as exc:
        ctx.warnings.append(f"open/{path.name} left out: {exc}")
        return []
    ctx.warnings.append(f"no befolkning_rutor.csv: the population grid is SCB's 1 km squares (open/{path.name})")
    return [(path, None)]


def _name(code: str) -> str:
    """The municipality's name from the shipped list of all 290 (``data/reference``), else the code."""
    if code == MUNICIPALITY_CODE:
        return MUNICIPALITY_NAME
    try:
        known = municipalities()
    except DataError:
        return code
    name = known.loc[known["code"] == code, "name"]
    return str(name.iloc[0]) if len(name) else code

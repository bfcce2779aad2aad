"""Sweden's 290 municipalities as shipped in ``data/reference/`` (outlines from okfse/sweden-geojson, from
Valmyndigheten; ``data/reference/README.md`` gives source and licence): the one reader of that file, for the
demo of any municipality and for the ingest's name of a municipality known only by its code."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from trygghet.data.config import paths
from trygghet.data.errors import DataError

__all__ = ["MUNICIPALITIES_FILE", "municipalities", "read_boundaries"]

MUNICIPALITIES_FILE = "sverige_kommuner.geojson"


def read_boundaries(reference: str | Path | None = None) -> dict:
    """The shipped GeoJSON of all municipalities (``reference``: another folder than ``data/reference``)."""
    ref = Path(reference) if reference is not None else paths().reference
    path = ref / MUNICIPALITIES_FILE
    if not path.is_file():
        raise DataError(str(path), "the boundaries of Sweden's municipalities are missing",
                        "restore data/reference/ from the repository")
    return json.loads(path.read_text(encoding="utf-8"))


def municipalities(reference: str | Path | None = None) -> pd.DataFrame:
    """All municipalities of the shipped boundaries: ``code`` (4 digits), ``name``, ``county`` (2 digits)."""
    doc = read_boundaries(reference)
    rows = [(str(f["properties"]["id"]), str(f["properties"]["kom_namn"]), str(f["properties"]["lan_code"]))
            for f in doc["features"]]
    return pd.DataFrame(rows, columns=["code", "name", "county"]).sort_values("code", ignore_index=True)

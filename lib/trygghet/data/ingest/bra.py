"""Brå's reported offences (``RAW/open/bra_<code>.csv`` and ``bra_<code>_brottskod.csv``) read into the store.

The files are exports of Brå's statistics database taken in by ``trygghet fetch --bra-export`` (with their
provenance; :mod:`trygghet.data.open.bra`). Every such file of the store's municipality becomes rows of
the table ``bra_offences`` — ``region, offence, offence_code, year, preliminary, period, count, per_100k``,
as :func:`trygghet.data.bra_statistics.parse_export` reads them; a row both files hold is kept once. A file
whose checksum no longer matches its provenance, or that cannot be read, is left out with a warning in the
ingest report: public statistics never stop the ingest of the municipality's own data.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from trygghet.data import (
    bra_statistics,  # the module: bra_statistics imports the ingest package
)
from trygghet.data import schemas as sch
from trygghet.data.errors import DataError
from trygghet.data.ingest.reading import Context
from trygghet.data.open.files import PROVENANCE_SUFFIX, read_provenance

__all__ = ["bra_files", "ingest_bra"]


def bra_files(raw: Path, code: str) -> list[Path]:
    """The Brå exports of municipality ``code`` in ``RAW/open/``: ``bra_<code>.csv``, ``bra_<code>_*.csv``."""
    folder = Path(raw) / "open"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(f"bra_{code}*.csv") if p.is_file()
                  and not p.name.endswith(PROVENANCE_SUFFIX) and (p.stem == f"bra_{code}"
                                                                 or p.stem.startswith(f"bra_{code}_")))


def ingest_bra(raw: Path, ctx: Context, municipality: pd.DataFrame) -> pd.DataFrame:
    """The ``bra_offences`` table of the store (empty without an export of the store's municipality)."""
    empty = sch.empty_table("bra_offences")
    if not len(municipality):
        return empty
    frames = []
    for path in bra_files(raw, str(municipality["code"].iloc[0])):
        try:
            read_provenance(path)
            frames.append(bra_statistics.read_export(path))
        except DataError as exc:
            ctx.warnings.append(f"open/{path.name} left out: {exc}")
    if not frames:
        return empty
    table = pd.concat(frames, ignore_index=True).drop_duplicates(ignore_index=True)
    table = table.sort_values(["region", "offence_code", "offence", "year", "period"], kind="stable",
                              na_position="first")
    return table.astype({"year": "int64", "count": "float64", "per_100k": "float64"}).reset_index(drop=True)

"""Brå's statistics database has no public API: its export (*Databasfil*, ``;``-separated, UTF-8 with BOM or
Windows-1252, spaces as thousands separators) is taken into ``open/`` with provenance like a download.

The file is read with :func:`trygghet.data.bra_statistics.read_export` first; an export it cannot read is
refused and the previous copy stays. A search by offence type (SOL's *brottstyp* menus, e.g. "Totalt antal
brott") is saved as ``bra_<code>.csv``, a search by offence code (*brottskod* menus, rows "0950 - …") as
``bra_<code>_brottskod.csv``, so both kinds can sit side by side; the ingest reads both. The provenance's ``source_updated`` is the latest year in the export
(marked ``prel.`` when Brå's figures for it are preliminary), as Brå's export carries no other version.
"""

from __future__ import annotations

from pathlib import Path

from trygghet.data import (
    bra_statistics,  # the module, not its names: bra_statistics imports the ingest, which imports this
)
from trygghet.data.errors import DataError
from trygghet.data.open.http import FetchError
from trygghet.data.open.kolada import Download

__all__ = ["take_bra_export"]


def take_bra_export(path: str | Path, municipality: str, url: str) -> list[Download]:
    """The export at ``path`` as a checked download named ``bra_<municipality>.csv`` (by offence type) or
    ``bra_<municipality>_brottskod.csv`` (every row an offence code)."""
    source = Path(path)
    try:
        table = bra_statistics.read_export(source)
    except DataError as exc:
        raise FetchError(f"Brå export refused: {exc}") from None
    if table.empty:
        raise FetchError(f"{source}: the export has no rows; export the table again from Brå's statistics database")
    latest = int(table["year"].max())
    prel = bool(table.loc[table["year"] == latest, "preliminary"].any())
    by_code = bool(table["offence_code"].notna().all())
    return [Download(name=f"bra_{municipality}{'_brottskod' if by_code else ''}.csv", data=source.read_bytes(), url=url,
                     source_updated=f"{latest}{' prel.' if prel else ''}",
                     details={"file": source.name, "rows": len(table), "regions": sorted(table["region"].unique()),
                              "years": sorted(int(y) for y in table["year"].unique())})]

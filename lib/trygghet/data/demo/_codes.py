"""The offence code list the demo draws from: the package's editable ``brottskoder.csv``."""

from __future__ import annotations

import pandas as pd

from trygghet.data.config import resource_path
from trygghet.data.errors import DataError

__all__ = ["read_code_list"]

_TRUE = {"ja", "j", "1", "true", "sant", "x", "yes"}


def read_code_list() -> pd.DataFrame:
    """``brottskod`` (str), ``rubricering``, ``kategori``, ``valdsbrott``/``mangdbrott``/``offentlig_plats`` (bool)."""
    path = resource_path("brottskoder.csv")
    frame = pd.read_csv(path, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    frame.columns = [c.strip().lower() for c in frame.columns]
    needed = ["brottskod", "rubricering", "kategori", "valdsbrott", "mangdbrott", "offentlig_plats"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataError(str(path), f"lacks the column(s) {', '.join(missing)}", "restore the code list from the repository")
    frame = frame[needed].copy()
    frame["brottskod"] = frame["brottskod"].str.strip().str.zfill(4)
    for col in ("valdsbrott", "mangdbrott", "offentlig_plats"):
        frame[col] = frame[col].str.strip().str.lower().isin(_TRUE)
    return frame.drop_duplicates("brottskod").reset_index(drop=True)

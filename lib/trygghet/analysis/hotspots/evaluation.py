"""How well hot spots predict: the Predictive Accuracy Index (Chainey, Tompson & Uhlig 2008) and the
Recapture Rate Index (Levine 2008) of the cells flagged in one period against a later one, with the
study area's km² as ``A``.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from trygghet.analysis.hotspots.core import analyse
from trygghet.analysis.hotspots.grid import _positive
from trygghet.data.errors import ParameterError

__all__ = ["PAI_DEFINITION", "evaluate"]

#: the definitions :func:`evaluate` follows (English; the reports word them in Swedish)
PAI_DEFINITION = (
    "PAI = (n/N)/(a/A): the share of the period's offences that fell in the flagged cells (n of N) "
    "divided by the flagged cells' share of the study area (a of A km²) (Chainey, Tompson & Uhlig 2008). "
    "RRI = PAI(t2)/PAI(t1) for the same flagged cells = (n2/n1)/(N2/N1) (Levine 2008)."
)


def evaluate(
    flagged: gpd.GeoDataFrame,
    current,
    *,
    flag: str = "hotspot",
    study_km2: float | None = None,
) -> pd.DataFrame:
    """PAI and RRI of the cells flagged in one period against the offences of a later period.

    ``flagged``: an :func:`analyse` result of period t1 whose boolean column ``flag`` (default
    ``"hotspot"``) marks the cells. ``current``: the offences of period t2 (points, put on the same grid)
    or an :func:`analyse` result made with ``grid=flagged``. ``study_km2`` (A) defaults to the study
    area of the flagged result (``attrs["study_km2"]``: the cells of the study area, the same for every
    offence group of a year when the results come from :func:`for_store`); an explicit value overrides it.

    PAI = (n/N)/(a/A), the share of the period's offences caught by the flagged cells over their share
    of the area (Chainey, Tompson & Uhlig 2008); RRI = PAI(t2)/PAI(t1) for the same cells, which equals
    (n2/n1)/(N2/N1) (Levine 2008). Returns two rows, ``period`` ``t1`` (the flagging period: how well the
    map describes it) and ``t2`` (how well it predicts the next), with ``offences_flagged`` (n),
    ``offences_total`` (N), ``hit_rate`` (n/N), ``flagged_cells``, ``flagged_km2`` (a), ``study_km2``
    (A), ``area_share`` (a/A), ``pai`` and ``rri`` (on the t2 row). ``attrs["definition"]`` states the
    definitions (:data:`PAI_DEFINITION`); ``attrs["study_area"]``/``attrs["study_area_name"]`` name A.
    """
    if flag not in flagged.columns:
        raise ParameterError(f"flagged has no column '{flag}'; use a column of booleans such as 'hotspot'")
    if isinstance(current, gpd.GeoDataFrame) and "cell_id" in current.columns and "n" in current.columns:
        later = current
        if not later["cell_id"].equals(flagged["cell_id"]):
            raise ParameterError("the two results lie on different grids; make the later one with grid=flagged")
    else:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*bandwidth.*")
            later = analyse(current, grid=flagged, bandwidth=flagged.attrs.get("bandwidth"))
    mark = flagged[flag].fillna(False).to_numpy(dtype=bool)
    cell_km2 = float(flagged.attrs.get("cell_km2", flagged.geometry.iloc[0].area / 1e6))
    a = cell_km2 * mark.sum()
    if study_km2 is not None:
        area_total = _positive("study_km2", study_km2)
    else:
        area_total = float(flagged.attrs.get("study_km2", cell_km2 * len(flagged)))
    rows = []
    for period, frame in (("t1", flagged), ("t2", later)):
        counts = frame["n"].to_numpy()
        n, total = int(counts[mark].sum()), int(counts.sum())
        hit = n / total if total else np.nan
        share = a / area_total if area_total else np.nan
        rows.append(
            {
                "period": period,
                "offences_flagged": n,
                "offences_total": total,
                "hit_rate": hit,
                "flagged_cells": int(mark.sum()),
                "flagged_km2": a,
                "study_km2": area_total,
                "area_share": share,
                "pai": hit / share if share else np.nan,
            }
        )
    out = pd.DataFrame(rows)
    out["rri"] = [np.nan, out["pai"].iloc[1] / out["pai"].iloc[0] if out["pai"].iloc[0] else np.nan]
    out.attrs.update(definition=PAI_DEFINITION, flag=flag, study_area=flagged.attrs.get("study_area"),
                     study_area_name=flagged.attrs.get("study_area_name"))
    return out

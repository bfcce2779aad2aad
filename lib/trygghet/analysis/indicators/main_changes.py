"""The year's main changes: the statistically certain changes of this year against the previous
measurement, chosen from :func:`~trygghet.analysis.indicators.change.year_changes` (the same table the
follow-up's trend reads). Sentences are written by :func:`trygghet.reports.wording.main_change_sentence`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from trygghet.analysis.indicators.change import year_changes
from trygghet.data.errors import ParameterError

__all__ = ["MAIN_CHANGE_COLUMNS", "main_changes"]

MAIN_CHANGE_COLUMNS = ["indicator", "area", "year_from", "year_to", "value_from", "value_to", "difference",
                       "p_value", "p_adjusted", "reading", "assessment"]


def main_changes(
    store: str | Path | None,
    year: int,
    *,
    alpha: float = 0.05,
    max_items: int = 8,
    correction: str = "fdr_bh",
    indicators: Iterable[str] | None = None,
    per_area: bool = True,
) -> pd.DataFrame:
    """This year's statistically certain changes against the previous measurement.

    Candidates are the rows of :func:`year_changes` (every indicator municipality-wide and, with
    ``per_area``, per area — each indicator × area once) whose latest measurement is ``year`` itself.
    Their p-values are adjusted together by ``correction`` (statsmodels ``multipletests`` method; default
    Benjamini–Hochberg ``"fdr_bh"``, ``"none"`` for no adjustment); changes with adjusted p < ``alpha``
    are kept, the smallest adjusted p first (then the largest relative change), at most ``max_items``.
    Censuses (cost, number of measures) have no test and are left out.

    Columns :data:`MAIN_CHANGE_COLUMNS`; ``reading`` is ``increased`` or ``decreased`` (the same code as
    the follow-up's trend of the indicator and area), ``assessment`` ``improved`` or ``worsened``.
    """
    _adjust([0.5], alpha, correction)  # an unknown method is an error even in a year without candidates
    table = year_changes(store, int(year), alpha=alpha, indicators=indicators, per_area=per_area)
    cands = table.loc[(table["year_to"] == int(year)) & table["year_from"].notna() & table["p_value"].notna()].copy()
    if cands.empty:
        return pd.DataFrame(columns=MAIN_CHANGE_COLUMNS)
    cands["p_adjusted"] = _adjust(cands["p_value"].to_numpy(float), alpha, correction)
    kept = cands.loc[cands["p_adjusted"] < alpha].copy()
    if kept.empty:
        return pd.DataFrame(columns=MAIN_CHANGE_COLUMNS)
    kept["_rel"] = (kept["difference"].abs() / kept["value_from"].abs().replace(0, np.nan)).fillna(np.inf)
    kept = kept.sort_values(["p_adjusted", "_rel"], ascending=[True, False], kind="stable").head(int(max_items))
    return kept.loc[:, MAIN_CHANGE_COLUMNS].reset_index(drop=True)


def _adjust(pvals, alpha: float, correction: str) -> np.ndarray:
    if correction == "none":
        return np.asarray(pvals, dtype=float)
    try:
        return multipletests(pvals, alpha=alpha, method=correction)[1]
    except ValueError:
        raise ParameterError(f"correction '{correction}' is unknown; use a statsmodels multipletests method "
                             "such as 'fdr_bh', 'bonferroni', 'holm', or 'none'") from None

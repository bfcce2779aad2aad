"""Concentration of offences in few places: the 80-20 table, the concentration curve and its Gini, and
how stable the top cells are from year to year.

The "80-20 table" follows ArcGIS Crime Analysis's concentration tools and the law of crime
concentration (Weisburd 2015): the cells (of the populated land, or of the whole study area) are
sorted by their count, largest first, and the table reads off what share of the offences the top
1 %, 5 %, 10 % ... of the cells hold. Ties do not matter for these shares (the cumulative sum of sorted
counts is the same whichever tied cell comes first). Frames in, frames out; no Swedish words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import pandas as pd

from trygghet.analysis.hotspots.grid import count_points
from trygghet.analysis.hotspots.store import _store_points
from trygghet.data.errors import ParameterError

__all__ = [
    "DEFAULT_CELL_SHARES",
    "DEFAULT_TOP_SHARE",
    "cells_for_share",
    "concentration_curve",
    "concentration_table",
    "counts_by_year",
    "gini",
    "stability",
    "top_cells",
]

#: the shares of cells the 80-20 table reads off
DEFAULT_CELL_SHARES = (0.01, 0.02, 0.05, 0.10, 0.20, 0.50)
#: the top cells whose stability is followed year to year: those holding half of the year's offences
DEFAULT_TOP_SHARE = 0.5


def _counts(counts) -> np.ndarray:
    values = np.asarray(counts, dtype=float)
    if values.ndim != 1 or len(values) == 0:
        raise ParameterError("counts must be a non-empty one-dimensional list of counts per cell")
    if (values < 0).any() or not np.isfinite(values).all():
        raise ParameterError("counts per cell must be finite and not negative")
    return values


def concentration_curve(counts) -> pd.DataFrame:
    """The concentration curve: cells sorted by count, largest first; for the top k cells (k = 0 … n)
    the share of the cells (``cell_share`` = k/n) and of the offences (``offence_share``) they hold.
    Starts at (0, 0) and ends at (1, 1) (``offence_share`` is NaN throughout when there are no
    offences). Columns ``cells``, ``cell_share``, ``offences``, ``offence_share``."""
    values = np.sort(_counts(counts))[::-1]
    cum = np.concatenate([[0.0], np.cumsum(values)])
    total = cum[-1]
    k = np.arange(len(values) + 1)
    return pd.DataFrame({"cells": k, "cell_share": k / len(values), "offences": cum,
                         "offence_share": cum / total if total > 0 else np.full(len(cum), np.nan)})


def gini(counts) -> float:
    """The Gini coefficient of the counts over the cells: ``Σ_i Σ_j |x_i − x_j| / (2 n² x̄)``, which
    equals 1 − 2 × the area under the Lorenz curve (cells sorted smallest first). 0 when every cell
    has the same count; at most (n − 1)/n when one cell has them all; NaN without offences. With fewer
    offences than cells it cannot be low (most cells must be empty): read it beside the share of cells
    with any offence."""
    values = np.sort(_counts(counts))
    n, total = len(values), values.sum()
    if total <= 0:
        return float("nan")
    i = np.arange(1, n + 1)
    return float((2.0 * np.sum(i * values) / (n * total)) - (n + 1.0) / n)


def cells_for_share(counts, offence_share: float) -> float:
    """The smallest share of the cells that holds at least ``offence_share`` of the offences (the top
    cells by count): "half the offences happened in 2 % of the cells". NaN without offences."""
    if not (0 < float(offence_share) <= 1):
        raise ParameterError(f"offence_share={offence_share!r} must lie in (0, 1], e.g. 0.5")
    curve = concentration_curve(counts)
    if curve["offence_share"].isna().all():
        return float("nan")
    reached = curve["offence_share"].to_numpy() >= float(offence_share) - 1e-12
    return float(curve["cell_share"].to_numpy()[int(np.argmax(reached))])


def concentration_table(counts, shares: Sequence[float] = DEFAULT_CELL_SHARES) -> pd.DataFrame:
    """The 80-20 table: for each share of the cells (top cells by count), how many cells that is
    (``cells`` = ceil(share · n), at least 1), the offences they hold and their share of all offences.
    The last row is the cells with any offence. Columns ``cell_share``, ``cells``, ``offences``,
    ``offence_share``; ``attrs``: ``n_cells``, ``n_offences``, ``cells_with_offences``, ``gini``,
    ``cells_for_half`` and ``cells_for_80`` (the share of the cells holding 50 % / 80 % of the offences)."""
    values = _counts(counts)
    curve = concentration_curve(values)
    n, total = len(values), float(values.sum())
    rows = []
    for share in shares:
        if not (0 < float(share) <= 1):
            raise ParameterError(f"cell share {share!r} must lie in (0, 1]")
        k = min(n, max(1, math.ceil(float(share) * n - 1e-9)))
        rows.append({"cell_share": k / n, "cells": k, "offences": curve["offences"].iloc[k],
                     "offence_share": curve["offence_share"].iloc[k]})
    with_any = int((values > 0).sum())
    rows.append({"cell_share": with_any / n, "cells": with_any, "offences": total,
                 "offence_share": 1.0 if total > 0 else np.nan})
    table = pd.DataFrame(rows)
    table["offences"] = table["offences"].round().astype(np.int64)
    table.attrs.update(n_cells=n, n_offences=round(total), cells_with_offences=with_any, gini=gini(values),
                       cells_for_half=cells_for_share(values, 0.5) if total > 0 else np.nan,
                       cells_for_80=cells_for_share(values, 0.8) if total > 0 else np.nan)
    return table


def top_cells(counts: pd.Series, offence_share: float = DEFAULT_TOP_SHARE) -> pd.Index:
    """The top cells of a year: the cells with the most offences that together hold ``offence_share``
    of them (default half), counted from the top; cells with the same count as the last one taken are
    all kept (so the set does not depend on the order of tied cells). ``counts`` is indexed by cell id;
    empty without offences."""
    if not (0 < float(offence_share) <= 1):
        raise ParameterError(f"offence_share={offence_share!r} must lie in (0, 1], e.g. 0.5")
    values = counts.to_numpy(dtype=float)
    total = values.sum()
    if total <= 0:
        return counts.index[:0]
    ordered = np.sort(values)[::-1]
    k = int(np.argmax(np.cumsum(ordered) >= float(offence_share) * total - 1e-9))
    return counts.index[(values >= ordered[k]) & (values > 0)]


def stability(by_year: pd.DataFrame, offence_share: float = DEFAULT_TOP_SHARE) -> pd.DataFrame:
    """How stable the top cells are from one year to the next.

    ``by_year``: counts per cell (rows, indexed by cell id, the same cells every year) and year
    (columns, ascending). For each pair of consecutive years (t−1, t): the top cells of t−1
    (:func:`top_cells`: those holding ``offence_share`` of the year's offences), how many of them are
    top cells again in t (``kept``, ``kept_share``), their share of the cells (``cell_share``), the
    share of year t's offences that fell in them (``next_year_share``), and Spearman's rank correlation
    of the two years' counts over all cells (``spearman``). Columns ``year_from``, ``year_to``,
    ``top_cells``, ``kept``, ``kept_share``, ``cell_share``, ``next_year_share``, ``spearman``."""
    years = list(by_year.columns)
    rows = []
    for a, b in pairwise(years):
        top_a, top_b = top_cells(by_year[a], offence_share), top_cells(by_year[b], offence_share)
        kept = int(top_a.isin(top_b).sum())
        total_b = float(by_year[b].sum())
        varied = by_year[a].nunique() > 1 and by_year[b].nunique() > 1
        rho = by_year[a].rank().corr(by_year[b].rank()) if varied else np.nan
        rows.append({"year_from": a, "year_to": b, "top_cells": len(top_a), "kept": kept,
                     "kept_share": kept / len(top_a) if len(top_a) else np.nan,
                     "cell_share": len(top_a) / len(by_year),
                     "next_year_share": float(by_year.loc[top_a, b].sum()) / total_b if total_b > 0 else np.nan,
                     "spearman": float(rho)})
    return pd.DataFrame(rows, columns=["year_from", "year_to", "top_cells", "kept", "kept_share", "cell_share",
                                       "next_year_share", "spearman"])


def counts_by_year(store, cells, category_group: str, years) -> pd.DataFrame:
    """Offences (or municipal incidents) of ``category_group`` per cell of ``cells`` (an
    :func:`~trygghet.analysis.hotspots.for_store` result: the same study-area cells every year) and
    year: rows indexed by ``cell_id`` in ``cells``' order, one column per year (ascending), for
    :func:`stability`. Offences without a place or outside the cells are not counted."""
    years = sorted(int(y) for y in years)
    points, _ = _store_points(store, category_group, years)
    out = {}
    for year in years:
        if points.empty or (points["year"] == year).sum() == 0:
            out[year] = np.zeros(len(cells), dtype=np.int64)
        else:
            out[year] = count_points(cells, points[points["year"] == year]).to_numpy()
    return pd.DataFrame(out, index=pd.Index(cells["cell_id"].to_numpy(), name="cell_id"))

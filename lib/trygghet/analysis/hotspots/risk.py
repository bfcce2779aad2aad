"""Risk relative to population: offences per inhabitant as a second view beside the hot spots' counts.

A hot spot (:func:`~trygghet.analysis.hotspots.analyse`) is a place with *many offences*; many people
live or pass there. Risk asks another question: *more offences than its population would give*. Two
views of it, on the same lattice as the hot spots:

* :func:`dual_kde` — sfhotspot's ``hotspot_dual_kde(x, y, method="ratio")``: the ratio of two kernel
  densities with the same bandwidth, the offences' over the population's (offences per inhabitant), and
  that ratio relative to the whole study area's (1 = the area's average risk);
* :func:`local_rate_test` — an exact one-sided Poisson test of each cell neighbourhood's count (the cell
  and its queen neighbours, the same neighbourhood as Gi*) against its share of the population,
  adjusted for multiple testing (Benjamini–Hochberg by default).

Both take the population per cell as a Series aligned with the cells (e.g.
:func:`trygghet.analysis.hotspots.study_area.population_per_cell`). Frames in, frames out; the reports
word them.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import stats

from trygghet.analysis.hotspots.grid import _cell_km2, _positive, _spec_from_result
from trygghet.analysis.hotspots.statistics import (
    CORRECTIONS,
    _adjust,
    _kde,
    _neighbour_sum,
)
from trygghet.data.errors import ParameterError

__all__ = ["DEFAULT_MIN_POPULATION", "dual_kde", "local_rate_test"]

#: a neighbourhood (or a KDE cell) with fewer inhabitants than this is not given a risk: offences per
#: inhabitant mean nothing where almost nobody lives (a shopping centre, an industrial estate)
DEFAULT_MIN_POPULATION = 50.0


def dual_kde(cells: gpd.GeoDataFrame, population: pd.Series, *, bandwidth: float | None = None,
             min_population: float = DEFAULT_MIN_POPULATION) -> pd.DataFrame:
    """sfhotspot's dual KDE (``method="ratio"``): offences' density over population's density.

    Both densities use the same quartic kernel and bandwidth (default the offences' bandwidth of
    ``cells``, ``attrs["bandwidth"]``, as sfhotspot's default uses ``x``'s), on the lattice of ``cells``
    (an :func:`~trygghet.analysis.hotspots.analyse` result). ``population``: inhabitants per cell,
    aligned with ``cells``' index.

    Returns a frame aligned with ``cells``: ``cell_id``, ``kde_offences`` (offences per km²),
    ``kde_population`` (inhabitants per km²), ``ratio`` = kde_offences / kde_population (offences per
    inhabitant, sfhotspot's ``kde``), ``relative_risk`` = ratio / (N / P) with N the offences and P the
    population of the study area (1 = the area's average; under uniform risk every cell is near 1).
    Where the smoothed population of a cell (inhabitants within the cell's area) is below
    ``min_population``, ``ratio`` and ``relative_risk`` are NaN. ``attrs``: ``bandwidth``,
    ``n_offences``, ``population``, ``min_population``.
    """
    spec, rows, cols, pop = _lattice(cells, population)
    h = float(cells.attrs.get("bandwidth", spec.cell_size)) if bandwidth is None else _positive("bandwidth", bandwidth)
    counts = np.zeros((spec.ny, spec.nx))
    counts[rows, cols] = cells["n"].to_numpy(dtype=float)
    people = np.zeros((spec.ny, spec.nx))
    people[rows, cols] = pop
    km2 = _cell_km2(spec)
    kde_off = _kde(spec, counts, h)[rows, cols] / km2
    kde_pop = _kde(spec, people, h)[rows, cols] / km2
    n_total, p_total = float(counts.sum()), float(pop.sum())
    enough = kde_pop * km2 >= float(min_population)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(enough, kde_off / np.where(enough, kde_pop, 1.0), np.nan)
    base = n_total / p_total if p_total > 0 else np.nan
    out = pd.DataFrame({"cell_id": cells["cell_id"].to_numpy(), "kde_offences": kde_off, "kde_population": kde_pop,
                        "ratio": ratio, "relative_risk": ratio / base if base and base > 0 else np.nan},
                       index=cells.index)
    out.attrs.update(bandwidth=h, n_offences=n_total, population=p_total, min_population=float(min_population))
    return out


def local_rate_test(cells: gpd.GeoDataFrame, population: pd.Series, *, alpha: float = 0.05,
                    correction: str = "fdr_bh", min_population: float = DEFAULT_MIN_POPULATION) -> pd.DataFrame:
    """Exact local Poisson test of each cell neighbourhood's offences against its population share.

    For cell i with neighbourhood W_i (the cell and its 8 queen neighbours, 6 for hexagons; neighbours
    outside the study area count as empty, as in Gi*): observed ``O_i = Σ_{j∈W_i} n_j``, expected
    ``E_i = N · P_i / P`` where ``P_i = Σ_{j∈W_i} pop_j``, N the offences and P the population of the study
    area: the count the neighbourhood would have if every inhabitant ran the same risk. The one-sided
    exact p-value is ``P(X ≥ O_i)`` for ``X ~ Poisson(E_i)`` (scipy's ``poisson.sf(O_i − 1, E_i)``),
    adjusted over all tested neighbourhoods with ``correction`` (``"fdr_bh"`` Benjamini–Hochberg,
    ``"bonferroni"`` or ``"none"``). Neighbourhoods with fewer than ``min_population`` inhabitants are
    not tested (NaN): risk per inhabitant is not defined where nobody lives.

    Returns a frame aligned with ``cells``: ``cell_id``, ``population`` (the cell's), ``nb_population``
    (P_i), ``observed`` (O_i), ``expected`` (E_i), ``ratio`` (O_i / E_i, the standardised incidence
    ratio), ``rate_per_1000`` (O_i per 1 000 inhabitants of the neighbourhood), ``pvalue``,
    ``pvalue_adj`` and ``high_risk`` (``pvalue_adj ≤ alpha`` and ratio > 1). ``attrs``: ``n_offences``,
    ``population``, ``alpha``, ``correction``, ``min_population``, ``tested`` (neighbourhoods tested).
    """
    if correction not in CORRECTIONS:
        raise ParameterError(f"correction={correction!r} is unknown; use one of {', '.join(map(repr, CORRECTIONS))}")
    if not (0 < float(alpha) < 1):
        raise ParameterError(f"alpha={alpha!r} must lie between 0 and 1 (e.g. 0.05)")
    spec, rows, cols, pop = _lattice(cells, population)
    counts = np.zeros((spec.ny, spec.nx))
    counts[rows, cols] = cells["n"].to_numpy(dtype=float)
    people = np.zeros((spec.ny, spec.nx))
    people[rows, cols] = pop
    observed = np.rint(_neighbour_sum(spec, counts)[rows, cols])
    nb_pop = _neighbour_sum(spec, people)[rows, cols]
    n_total, p_total = float(counts.sum()), float(pop.sum())
    if p_total <= 0:
        raise ParameterError("the population of the study area is 0; pass the population per cell (inhabitants)")
    tested = nb_pop >= float(min_population)
    expected = n_total * nb_pop / p_total
    p = np.full(len(rows), np.nan)
    p[tested] = stats.poisson.sf(observed[tested] - 1, expected[tested])
    p_adj = _adjust(p, correction)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(tested, observed / np.where(expected > 0, expected, np.nan), np.nan)
        rate = np.where(tested, 1000.0 * observed / np.where(nb_pop > 0, nb_pop, np.nan), np.nan)
    high = (np.nan_to_num(p_adj, nan=1.0) <= float(alpha)) & (np.nan_to_num(ratio) > 1)
    out = pd.DataFrame({"cell_id": cells["cell_id"].to_numpy(), "population": pop, "nb_population": nb_pop,
                        "observed": observed.astype(np.int64), "expected": np.where(tested, expected, np.nan),
                        "ratio": ratio, "rate_per_1000": rate, "pvalue": p, "pvalue_adj": p_adj, "high_risk": high},
                       index=cells.index)
    out.attrs.update(n_offences=n_total, population=p_total, alpha=float(alpha), correction=correction,
                     min_population=float(min_population), tested=int(tested.sum()))
    return out


def _lattice(cells: gpd.GeoDataFrame, population: pd.Series):
    spec = _spec_from_result(cells)
    if not isinstance(population, pd.Series) or not population.index.equals(cells.index):
        raise ParameterError("population must be a Series aligned with the cells (same index), e.g. "
                             "hotspots.study_area.population_per_cell(store, cells)")
    pop = population.to_numpy(dtype=float, na_value=0.0)
    if (pop < 0).any() or not np.isfinite(pop).all():
        raise ParameterError("population per cell must be finite and not negative")
    return spec, cells["row"].to_numpy(), cells["col"].to_numpy(), pop


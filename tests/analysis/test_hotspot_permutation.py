"""Permutation inference for Gi* (issue 11, item 3): conditional randomisation as esda's crand, checked
against a hand-enumerated permutation distribution and against esda's ``p_sim`` in distribution."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from esda.getisord import G_Local
from libpysal.weights import lat2W

from trygghet.analysis import hotspots as hs
from trygghet.analysis.hotspots.grid import _Spec
from trygghet.analysis.hotspots.permutation import crand_gistar
from trygghet.data.errors import ParameterError


def _spec(ny: int, nx: int) -> _Spec:
    return _Spec("square", 100.0, 0.0, 0.0, nx, ny)


def _exact(y: np.ndarray, i: int, neighbours: list[int]) -> tuple[float, int]:
    """Folded p and direction of cell i by enumerating every draw of len(neighbours) others from the
    N − 1 other cells."""
    others = np.delete(y, i)
    lag = y[i] + y[neighbours].sum()
    sims = np.array([y[i] + others[list(c)].sum() for c in itertools.permutations(range(len(others)), len(neighbours))])
    upper, lower = (sims >= lag).mean(), (sims <= lag).mean()
    return min(upper, lower), (1 if upper <= lower else -1)


def test_pvalues_equal_the_enumerated_permutation_distribution():
    y = np.array([[3.0, 0.5, 7.0], [1.5, 9.0, 2.0]])  # distinct values: no ties
    p, direction = crand_gistar(_spec(2, 3), y, None, permutations=99_999, seed=4)
    flat = y.ravel()
    for r, c in itertools.product(range(2), range(3)):
        i = r * 3 + c
        neighbours = [rr * 3 + cc for rr in range(2) for cc in range(3) if (rr, cc) != (r, c)
                      and abs(rr - r) <= 1 and abs(cc - c) <= 1]
        # (larger + 1)/(R + 1) with larger ~ R·exact: within Monte Carlo error of 99 999 draws
        exact_p, exact_direction = _exact(flat, i, neighbours)
        assert p[r, c] == pytest.approx(exact_p, abs=0.006)
        if abs(exact_p - 0.5) > 0.05:
            assert direction[r, c] == exact_direction


def test_ties_count_in_both_tails():
    # a row of three: the centre (5) always gets both others (0 and 1): every permutation ties, p = 1;
    # an end cell's one neighbour is either of the two others: about half the draws reach its sum
    p, direction = crand_gistar(_spec(1, 3), np.array([[0.0, 5.0, 1.0]]), None, permutations=9999, seed=1)
    assert p[0, 1] == 1.0
    assert p[0, 0] == pytest.approx(0.5, abs=0.02) and p[0, 2] == pytest.approx(0.5, abs=0.02)
    empty = crand_gistar(_spec(4, 4), np.zeros((4, 4)), None, permutations=999, seed=1)[0]
    assert (empty == 1.0).all()  # an empty neighbourhood like every permutation is no cold spot


def _esda_and_ours(y: np.ndarray, seeds, permutations=999):
    ny, nx = y.shape
    w = lat2W(ny, nx, rook=False)
    ours, theirs = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for s in seeds:
            ours.append(crand_gistar(_spec(ny, nx), y, None, permutations=permutations, seed=s))
            theirs.append(G_Local(y.ravel(), w, transform="B", star=True, permutations=permutations, seed=s + 100,
                                  n_jobs=1))
    return ours, theirs


def test_pvalues_agree_with_esda_p_sim_in_distribution():
    rng = np.random.default_rng(3)
    y = rng.gamma(0.6, 2.0, size=(24, 30))  # skewed, continuous: no ties, so the folding is esda's exactly
    y[5:8, 10:13] += 6.0  # a cluster
    ours, theirs = _esda_and_ours(y, seeds=(1, 2, 3))
    p_ours = np.concatenate([p.ravel() for p, _ in ours])
    p_esda = np.concatenate([g.p_sim for g in theirs])
    for cut in (0.01, 0.05, 0.10):
        # shares within Monte Carlo error (3 runs × 720 cells; the draws are shared within a run)
        assert (p_ours < cut).mean() == pytest.approx((p_esda < cut).mean(), abs=0.025), cut
    assert p_ours.mean() == pytest.approx(p_esda.mean(), abs=0.01)
    # cell by cell the two randomisations agree up to Monte Carlo error
    assert np.abs(ours[0][0].ravel() - theirs[0].p_sim).mean() < 0.02


def test_hot_tail_agrees_with_esda_on_sparse_counts():
    rng = np.random.default_rng(8)
    y = rng.negative_binomial(0.5, 0.5, size=(24, 30)).astype(float)  # sparse, skewed, many ties
    ours, theirs = _esda_and_ours(y, seeds=(1, 2))
    hot_ours = np.concatenate([((p < 0.05) & (d == 1)).ravel() for p, d in ours])
    hot_esda = []
    for g in theirs:
        above = (g.rGs >= g.Gs[:, None]).sum(axis=1)
        hot_esda.append(((above + 1) / (g.permutations + 1) < 0.05) & (above < g.permutations - above))
    assert hot_ours.mean() == pytest.approx(np.concatenate(hot_esda).mean(), abs=0.02)


def test_analyse_with_permutations_is_seeded_and_says_so():
    rng = np.random.default_rng(2)
    pts = pd.DataFrame({"x": np.r_[rng.uniform(800_000, 803_000, 600), rng.normal(801_000, 60, 150)],
                        "y": np.r_[rng.uniform(7_300_000, 7_303_000, 600), rng.normal(7_301_000, 60, 150)]})
    run = lambda **kw: hs.analyse(pts, cell_size=100, bandwidth=300, inference="permutation", **kw)  # noqa: E731
    first, again, other = run(seed=7), run(seed=7), run(seed=8)
    assert first["pvalue"].equals(again["pvalue"]) and not first["pvalue"].equals(other["pvalue"])
    assert first.attrs["inference"] == "permutation" and first.attrs["permutations"] == 9999
    assert first.attrs["seed"] == 7 and (first["pvalue"] <= 1).all()
    assert first.loc[first["hotspot"], "gistar"].gt(0).all()
    normal = hs.analyse(pts, cell_size=100, bandwidth=300)
    assert normal.attrs["inference"] == "normal"
    assert (first["hotspot"] & normal["hotspot"]).sum() >= 0.5 * first["hotspot"].sum() > 0  # the same cluster
    with pytest.raises(ParameterError, match="permutations"):
        hs.analyse(pts, inference="permutation", permutations=10)
    with pytest.raises(ParameterError, match="inference"):
        hs.analyse(pts, inference="bootstrap")

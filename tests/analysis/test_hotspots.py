"""Tests of trygghet.analysis.hotspots: grid, KDE, Gi* against esda, FDR, emerging hot spots, PAI/RRI, the
store's one study area and the hot-spot rank."""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from esda.getisord import G_Local
from libpysal.weights import Queen, fill_diagonal, lat2W
from scipy import stats
from statsmodels.stats.multitest import multipletests

from trygghet.analysis import hotspots as hs
from trygghet.data.errors import DataError, ParameterError

X0, Y0 = 800_000.0, 7_300_000.0


def _points(seed: int, n: int = 400, spread: float = 1500.0, clusters: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = [rng.uniform(X0, X0 + spread, n)]
    y = [rng.uniform(Y0, Y0 + spread, n)]
    for _ in range(clusters):
        cx, cy = rng.uniform(X0, X0 + spread), rng.uniform(Y0, Y0 + spread)
        x.append(rng.normal(cx, 60, n // 4))
        y.append(rng.normal(cy, 60, n // 4))
    return pd.DataFrame({"x": np.concatenate(x), "y": np.concatenate(y)})


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


# ---------------------------------------------------------------------------------------------- Gi*


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("bandwidth", [150.0, 400.0])
def test_gistar_equals_esda_on_square_lattice(seed, bandwidth):
    res = _quiet(hs.analyse, _points(seed), cell_size=100, bandwidth=bandwidth)
    grid = res.attrs["grid"]
    ny, nx = grid["ny"], grid["nx"]
    assert len(res) == nx * ny
    assert (res["row"].to_numpy() * nx + res["col"].to_numpy() == np.arange(len(res))).all()
    w = lat2W(ny, nx, rook=False)
    g = G_Local(res["n"].to_numpy().astype(float), w, transform="B", star=True, permutations=0)
    np.testing.assert_allclose(res["gistar"].to_numpy(), g.Zs, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(res["pvalue"].to_numpy(), 2 * g.p_norm, rtol=1e-9, atol=1e-12)


def test_gistar_equals_esda_on_random_small_grids_with_edges():
    rng = np.random.default_rng(7)
    for _ in range(5):
        n = int(rng.integers(3, 40))
        pts = pd.DataFrame({"x": rng.uniform(X0, X0 + 700, n), "y": rng.uniform(Y0, Y0 + 400, n)})
        res = _quiet(hs.analyse, pts, cell_size=100, bandwidth=100)
        ny, nx = res.attrs["grid"]["ny"], res.attrs["grid"]["nx"]
        g = G_Local(res["n"].to_numpy().astype(float), lat2W(ny, nx, rook=False), transform="B", star=True,
                    permutations=0)  # fmt: skip
        np.testing.assert_allclose(res["gistar"].to_numpy(), g.Zs, rtol=1e-9, atol=1e-9)


def test_gistar_equals_esda_on_hexagons_and_clipped_grid():
    pts = _points(3, spread=1200)
    res = _quiet(hs.analyse, pts, cell_size=120, shape="hexagon", bandwidth=130)
    w = fill_diagonal(Queen.from_dataframe(res, use_index=False, silence_warnings=True), 1)
    assert max(w.cardinalities.values()) == 7  # six neighbours and the cell itself
    g = G_Local(res["n"].to_numpy().astype(float), w, transform="B", star=True, permutations=0)
    np.testing.assert_allclose(res["gistar"].to_numpy(), g.Zs, rtol=1e-9, atol=1e-9)

    disc = gpd.GeoDataFrame(geometry=[shapely.Point(X0 + 600, Y0 + 600).buffer(500)], crs="EPSG:3006")
    clipped = _quiet(hs.analyse, pts, cell_size=100, bandwidth=150, study_area=disc)
    assert clipped.geometry.centroid.within(disc.geometry.iloc[0]).all()
    w = fill_diagonal(Queen.from_dataframe(clipped, use_index=False, silence_warnings=True), 1)
    g = G_Local(clipped["n"].to_numpy().astype(float), w, transform="B", star=True, permutations=0)
    np.testing.assert_allclose(clipped["gistar"].to_numpy(), g.Zs, rtol=1e-9, atol=1e-9)
    assert clipped.attrs["n_outside"] > 0


def test_hexagon_cells_contain_their_points():
    pts = _points(4, n=300)
    res = _quiet(hs.analyse, pts, cell_size=90, shape="hexagon", bandwidth=200)
    joined = gpd.sjoin(gpd.GeoDataFrame(geometry=gpd.points_from_xy(pts.x, pts.y), crs=3006), res, predicate="within")
    expected = joined.groupby("index_right").size().reindex(res.index, fill_value=0)
    assert (res["n"] == expected).all()
    np.testing.assert_allclose(res.geometry.area, np.sqrt(3) / 2 * 90**2, rtol=1e-5)  # vertices at mm


# ------------------------------------------------------------------------------------ corrections


def test_fdr_equals_independent_benjamini_hochberg_and_esda_cut():
    from esda import fdr

    res = _quiet(hs.analyse, _points(5, n=800), cell_size=100, bandwidth=200, alpha=0.05)
    p = res["pvalue"].to_numpy()
    reject, p_bh, _, _ = multipletests(p, alpha=0.05, method="fdr_bh")
    np.testing.assert_allclose(res["pvalue_adj"].to_numpy(), p_bh, rtol=1e-9)
    assert ((res["hotspot"] | res["coldspot"]).to_numpy() == reject).all()
    assert reject.sum() > 0
    cut = fdr(p, 0.05)
    assert ((p <= cut) == reject).all()


def test_corrections_bins_and_flags():
    pts = _points(6, n=800)
    none = _quiet(hs.analyse, pts, cell_size=100, bandwidth=200, correction="none")
    bonf = _quiet(hs.analyse, pts, cell_size=100, bandwidth=200, correction="bonferroni")
    np.testing.assert_allclose(none["pvalue_adj"], none["pvalue"])
    np.testing.assert_allclose(bonf["pvalue_adj"], np.minimum(bonf["pvalue"] * len(bonf), 1))
    for res in (none, bonf):
        z, padj = res["gistar"].to_numpy(), res["pvalue_adj"].to_numpy()
        level = np.select([padj <= 0.01, padj <= 0.05, padj <= 0.10], [3, 2, 1], 0)
        assert (res["gi_bin"].to_numpy() == np.sign(z) * level).all()
        assert (res["hotspot"].to_numpy() == ((padj <= 0.05) & (z > 0))).all()
    assert bonf["hotspot"].sum() <= none["hotspot"].sum()
    with pytest.raises(ParameterError, match="correction"):
        hs.analyse(pts, correction="holm")


# ------------------------------------------------------------------------------------------ KDE


@pytest.mark.parametrize("shape", ["square", "hexagon"])
def test_kde_sums_to_point_count_with_points_at_the_edge(shape):
    pts = _points(8, n=500)
    edge = pd.DataFrame({"x": [X0, X0, X0 + 1500], "y": [Y0, Y0 + 1500, Y0]})
    pts = pd.concat([pts, edge], ignore_index=True)
    res = _quiet(hs.analyse, pts, cell_size=100, shape=shape, bandwidth=600)
    total = (res["kde"] * res.attrs["cell_km2"]).sum()
    assert abs(total - len(pts)) / len(pts) < 0.01
    assert res.attrs["kde_unit"] == "offences per km²"


def test_kde_is_the_quartic_kernel_around_one_point():
    pts = pd.DataFrame({"x": [X0 + 50.0], "y": [Y0 + 50.0]})  # the centre of a 100 m cell
    res = _quiet(hs.analyse, pts, cell_size=100, bandwidth=450)
    centre = res.loc[res["n"] == 1].iloc[0]
    kde = res.set_index(["row", "col"])["kde"]
    peak = kde[(centre["row"], centre["col"])]
    for dr, dc in [(0, 1), (1, 1), (0, 3), (2, 3), (4, 0)]:
        d2 = (dr * 100.0) ** 2 + (dc * 100.0) ** 2
        expected = (1 - d2 / 450.0**2) ** 2 if d2 < 450.0**2 else 0.0
        assert kde[(centre["row"] + dr, centre["col"] + dc)] / peak == pytest.approx(expected, rel=1e-9)
    assert kde[(centre["row"] + 5, centre["col"])] == 0


def test_bandwidth_smaller_than_cell_warns_and_kde_equals_counts():
    pts = _points(9)
    with pytest.warns(UserWarning, match="smaller than the cell"):
        res = hs.analyse(pts, cell_size=250, bandwidth=100)
    np.testing.assert_allclose(res["kde"] * res.attrs["cell_km2"], res["n"])


def test_auto_bandwidth_and_cell_size_rules_by_hand():
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    # sd = 1.5811, IQR/1.34 = 1.4925 -> 4 * 1.06 * 1.4925 * 5**-0.2 = 4.5866; y doubles it: mean 6.8799
    assert hs.auto_bandwidth(x, 2 * x) == pytest.approx(6.8799, rel=1e-4)
    assert hs.auto_bandwidth([1.0], [1.0]) == 0.0
    assert hs.auto_cell_size([0, 12_000], [0, 7_300]) == 100.0  # 7300 / 50 = 146 -> 100
    assert hs.auto_cell_size([0, 60_000], [0, 71_000]) == 1200.0  # 60 000 / 50 = 1200
    assert hs.auto_cell_size([0, 3_000], [0, 4_000]) == 60.0  # under 100 m: not rounded
    assert hs.auto_cell_size([0, 1_000], [0, 900]) == hs.MIN_CELL_SIZE
    assert hs.auto_cell_size([5.0], [5.0]) == hs.MIN_CELL_SIZE


def test_grid_is_anchored_and_ids_stable():
    a = _quiet(hs.analyse, _points(10), cell_size=250)
    b = _quiet(hs.analyse, _points(11), cell_size=250)
    for res in (a, b):
        assert res.attrs["grid"]["x0"] % 250 == 0 and res.attrs["grid"]["y0"] % 250 == 0
    common = set(a["cell_id"]) & set(b["cell_id"])
    ga = a.set_index("cell_id").loc[sorted(common)].geometry
    gb = b.set_index("cell_id").loc[sorted(common)].geometry
    assert len(common) > 10 and ga.geom_equals(gb).all()
    first = a.iloc[0]
    xmin, ymin = first.geometry.bounds[:2]
    assert first["cell_id"] == f"250mN{int(ymin)}E{int(xmin)}"
    assert list(a.columns) == ["cell_id", "row", "col", "area", "n", "kde", "gistar", "pvalue", "pvalue_adj",
                               "gi_bin", "hotspot", "coldspot", "hotspot_rank", "geometry"]  # fmt: skip
    assert a.crs.to_epsg() == 3006


def test_areas_label_cell_centres():
    pts = _points(12)
    areas = gpd.GeoDataFrame(
        {"area": ["Väst", "Öst"]},
        geometry=[shapely.box(X0 - 5000, Y0 - 5000, X0 + 700, Y0 + 5000), shapely.box(X0 + 700, Y0 - 5000, X0 + 5000, Y0 + 5000)],
        crs="EPSG:3006",
    )
    res = _quiet(hs.analyse, pts, cell_size=100, areas=areas, bandwidth=200)
    cx = res.geometry.centroid.x
    assert (res.loc[cx < X0 + 700, "area"] == "Väst").all()
    assert (res.loc[cx > X0 + 700, "area"] == "Öst").all()
    assert str(res["area"].dtype) == "string"


# ---------------------------------------------------------------------------------------- input


def test_lat_lon_input_is_transformed_not_computed_in_degrees():
    pts = _points(13)
    geo = gpd.GeoDataFrame(geometry=gpd.points_from_xy(pts.x, pts.y), crs="EPSG:3006").to_crs("EPSG:4326")
    ref = _quiet(hs.analyse, pts, cell_size=100, bandwidth=300)
    from_geo = _quiet(hs.analyse, geo, cell_size=100, bandwidth=300)
    from_cols = _quiet(hs.analyse, pd.DataFrame({"lon": geo.geometry.x, "lat": geo.geometry.y}), cell_size=100,
                       bandwidth=300)  # fmt: skip
    for res in (from_geo, from_cols):
        assert (res["n"].to_numpy() == ref["n"].to_numpy()).all()
        np.testing.assert_allclose(res["gistar"], ref["gistar"])
        assert res.crs.to_epsg() == 3006
    with pytest.raises(DataError, match="lat/lon"):
        hs.analyse(pd.DataFrame({"x": geo.geometry.x, "y": geo.geometry.y}))
    with pytest.raises(ParameterError, match="no CRS"):
        hs.analyse(gpd.GeoDataFrame(geometry=gpd.points_from_xy(pts.x, pts.y)))


def test_bad_input_errors_and_warnings():
    with pytest.raises(DataError, match="no points"):
        hs.analyse(pd.DataFrame({"x": [], "y": []}))
    with pytest.raises(DataError, match="no points"), pytest.warns(UserWarning, match="NaN"):
        hs.analyse(pd.DataFrame({"x": [np.nan, np.nan], "y": [1.0, np.nan]}))
    with pytest.raises(TypeError, match="GeoDataFrame"):
        hs.analyse([(X0, Y0)])
    with pytest.raises(DataError, match="coordinates"):
        hs.analyse(pd.DataFrame({"a": [1]}))
    with pytest.raises(DataError, match="points"):
        hs.analyse(gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + 10, Y0 + 10)], crs=3006))
    with pytest.raises(ParameterError, match="cell_size"):
        hs.analyse(_points(1), cell_size=-5)
    with pytest.raises(ParameterError, match="shape"):
        hs.analyse(_points(1), shape="triangle")
    with pytest.raises(ParameterError, match="alpha"):
        hs.analyse(_points(1), alpha=5)


def test_single_point_warns_and_gives_no_false_hot_spot():
    with pytest.warns(UserWarning) as caught:
        res = hs.analyse(pd.DataFrame({"x": [X0 + 10], "y": [Y0 + 10]}))
    messages = " | ".join(str(w.message) for w in caught)
    assert "only 1 points" in messages and "no spread" in messages and "undefined" in messages
    assert res["n"].sum() == 1 and res.attrs["cell_size"] == hs.MIN_CELL_SIZE and len(res) == 9
    centre = res.loc[res["n"] == 1].iloc[0]
    assert np.isnan(centre["gistar"]) and centre["gi_bin"] == 0 and not centre["hotspot"]
    assert (res["kde"] * res.attrs["cell_km2"]).sum() == pytest.approx(1.0)


def test_all_points_in_one_cell_warn():
    pts = pd.DataFrame({"x": X0 + np.linspace(1, 40, 50), "y": Y0 + np.linspace(1, 40, 50)})
    with pytest.warns(UserWarning, match="all points fall in one cell"):
        res = hs.analyse(pts, cell_size=100, bandwidth=500)
    assert res["n"].max() == 50 and res.loc[res["n"].idxmax(), "hotspot"]
    assert res["hotspot"].sum() == 9  # the cell and its 8 neighbours share the cluster


def test_nan_coordinates_are_dropped_and_counted():
    pts = pd.concat([_points(14), pd.DataFrame({"x": [np.nan, X0], "y": [Y0, np.nan]})], ignore_index=True)
    with pytest.warns(UserWarning, match="2 of .* no coordinates"):
        res = hs.analyse(pts, cell_size=100)
    assert res.attrs["n_dropped_nan"] == 2 and res["n"].sum() == len(pts) - 2


def test_cell_limit_raises_clear_error():
    pts = pd.DataFrame({"x": [X0, X0 + 50_000], "y": [Y0, Y0 + 50_000]})
    with pytest.raises(ParameterError, match=r"max_cells=10,000; use cell_size=\d+"):
        hs.analyse(pts, cell_size=100, max_cells=10_000)


def test_points_outside_a_given_grid_are_left_out_with_warning():
    base = _quiet(hs.analyse, _points(15), cell_size=100)
    far = pd.DataFrame({"x": [X0 + 500, X0 + 90_000, X0 + 600], "y": [Y0 + 500, Y0, np.nan]})
    with pytest.warns(UserWarning, match="1 of 2 points lie outside the grid"):
        res = hs.analyse(far, grid=base)
    assert res["n"].sum() == 1 and res.attrs["n_outside"] == 1
    assert res["cell_id"].equals(base["cell_id"])
    with pytest.raises(ParameterError, match="grid= fixes"):
        hs.analyse(far, grid=base, cell_size=250)


def test_count_points_on_an_existing_grid():
    base = _quiet(hs.analyse, _points(16), cell_size=100)
    incidents = pd.DataFrame({"x": [X0 + 5, X0 + 10, X0 + 150, 1e6], "y": [Y0 + 5, Y0 + 20, Y0 + 5, 7e6]})
    counts = hs.count_points(base, incidents)
    assert counts.sum() == 3
    assert counts[base["cell_id"] == f"100mN{int(Y0)}E{int(X0)}"].item() == 2


# ---------------------------------------------------------------------------------- emerging


def _series(hot_steps, cold_steps=(), t=10, z_hot=None):
    z = np.zeros(t)
    p = np.ones(t)
    for i in hot_steps:
        z[i], p[i] = 3.0, 0.001
    for i in cold_steps:
        z[i], p[i] = -3.0, 0.001
    if z_hot is not None:
        z = np.asarray(z_hot, dtype=float)
    return z, p


PERSISTENT_Z = [3.0, 3.4, 2.9, 3.3, 3.0, 3.5, 2.8, 3.2, 3.1, 2.9]
CASES = {
    "new_hotspot": _series([9]),
    "consecutive_hotspot": _series([7, 8, 9]),
    "intensifying_hotspot": _series(range(10), z_hot=np.linspace(2.5, 7, 10)),
    "persistent_hotspot": _series(range(10), z_hot=PERSISTENT_Z),
    "diminishing_hotspot": _series(range(10), z_hot=np.linspace(7, 2.5, 10)),
    "sporadic_hotspot": _series([2, 5, 9]),
    "oscillating_hotspot": _series([5, 9], cold_steps=[2]),
    "historical_hotspot": _series(range(9)),
    "no_pattern": _series([]),
}


def _cold(z, p):
    return -z, p


CASES.update({k.replace("hotspot", "coldspot"): _cold(*v) for k, v in list(CASES.items()) if k != "no_pattern"})


@pytest.mark.parametrize("expected", sorted(CASES))
def test_each_emerging_category_is_produced_by_its_series(expected):
    z, p = CASES[expected]
    if expected.startswith(("intensifying", "persistent", "diminishing")):
        p = np.full(10, 0.001)
    out = hs.classify_emerging(z[None, :], p[None, :], alpha=0.05)
    assert out["category"].iloc[0] == expected
    assert expected in hs.EMERGING_KEYS


def test_emerging_categories_all_at_once_and_edge_rules():
    keys = sorted(CASES)
    z = np.vstack([CASES[k][0] for k in keys])
    p = np.vstack([np.full(10, 0.001) if k.startswith(("intens", "persis", "dimin")) else CASES[k][1] for k in keys])
    out = hs.classify_emerging(z, p)
    assert out["category"].tolist() == keys
    # a single final hot step after an earlier cold one is oscillating, not new
    z1, p1 = _series([9], cold_steps=[3])
    assert hs.classify_emerging(z1[None], p1[None])["category"].iloc[0] == "oscillating_hotspot"
    # with fewer than ten steps "90 %" means every step: 4 of 5 hot and not the last is no pattern
    z2, p2 = _series([0, 1, 2, 3], t=5)
    assert hs.classify_emerging(z2[None], p2[None])["category"].iloc[0] == "no_pattern"
    # hot only in earlier steps: ArcGIS Pro's sporadic needs the final step hot
    z3, p3 = _series([2, 4], t=6)
    assert hs.classify_emerging(z3[None], p3[None])["category"].iloc[0] == "no_pattern"


@pytest.mark.parametrize("ties", [False, True])
def test_mann_kendall_matches_scipy_kendalltau(ties):
    rng = np.random.default_rng(3 + ties)
    series = rng.normal(size=(40, 8)).round(0 if ties else 6) + np.linspace(0, 1, 8) * rng.normal(size=(40, 1))
    if ties:
        series = series.round(0)
    z, p = hs.mann_kendall(series, continuity=False)
    for row, zi, pi in zip(series, z, p, strict=True):
        if np.ptp(row) == 0:
            assert zi == 0 and pi == 1
            continue
        res = stats.kendalltau(np.arange(8), row, method="asymptotic")
        assert pi == pytest.approx(res.pvalue, rel=1e-9)
        assert np.sign(zi) == np.sign(res.statistic)
    zc, _ = hs.mann_kendall(np.arange(6.0)[None, :])
    s, var = 15, 6 * 5 * 17 / 18  # hand: S = 15, Var = n(n-1)(2n+5)/18
    assert zc[0] == pytest.approx((s - 1) / np.sqrt(var))


def test_emerging_end_to_end_finds_new_and_persistent_hot_spots():
    rng = np.random.default_rng(21)
    frames = []
    for year in range(2019, 2024):
        n = 300
        frame = pd.DataFrame({"x": rng.uniform(X0, X0 + 3000, n), "y": rng.uniform(Y0, Y0 + 3000, n)})
        persistent = pd.DataFrame({"x": rng.normal(X0 + 750, 20, 40), "y": rng.normal(Y0 + 750, 20, 40)})
        parts = [frame, persistent]
        if year == 2023:
            parts.append(pd.DataFrame({"x": rng.normal(X0 + 2250, 20, 40), "y": rng.normal(Y0 + 2250, 20, 40)}))
        frames.append(pd.concat(parts).assign(year=year))
    points = pd.concat(frames, ignore_index=True)
    out = _quiet(hs.emerging, points, cell_size=250)
    cat = out.set_index("cell_id")["category"]
    assert cat[f"250mN{int(Y0 + 500)}E{int(X0 + 500)}"] == "persistent_hotspot"
    assert cat[f"250mN{int(Y0 + 2250)}E{int(X0 + 2250)}"] == "new_hotspot"
    assert out.attrs["years"] == [2019, 2020, 2021, 2022, 2023]
    assert (out["n"] > 0).all() and out["n"].sum() == len(points)
    assert {"trend_z", "trend_p", "category", "n_hot_years"} <= set(out.columns)
    assert "kategori" not in out.columns  # no Swedish in the analysis layer
    with pytest.raises(ParameterError, match="at least 2 years"):
        hs.emerging(points, [2020])


# ------------------------------------------------------------------------------- PAI and RRI


def test_pai_and_rri_on_a_hand_computed_example():
    t1 = pd.DataFrame({"x": [X0 + 50] * 6 + [X0 + 650] * 4, "y": [Y0 + 50] * 6 + [Y0 + 650] * 4})
    t2 = pd.DataFrame({"x": [X0 + 50] * 8 + [X0 + 650] * 12, "y": [Y0 + 50] * 8 + [Y0 + 650] * 12})
    first = _quiet(hs.analyse, t1, cell_size=100, bandwidth=100)
    first["hotspot"] = first["cell_id"] == f"100mN{int(Y0)}E{int(X0)}"  # flag one 0.01 km² cell
    out = hs.evaluate(first, t2, study_km2=10.0)
    # t1: (6/10)/(0.01/10) = 600; t2: (8/20)/(0.001) = 400; RRI = 400/600 = (8/6)/(20/10)
    assert out["period"].tolist() == ["t1", "t2"]
    assert out["offences_flagged"].tolist() == [6, 8] and out["offences_total"].tolist() == [10, 20]
    assert out["flagged_km2"].iloc[0] == pytest.approx(0.01)
    assert out["pai"].tolist() == pytest.approx([600.0, 400.0])
    assert out["rri"].iloc[1] == pytest.approx(2 / 3)
    assert np.isnan(out["rri"].iloc[0])
    assert "Chainey" in out.attrs["definition"] and "Levine" in out.attrs["definition"]
    default = hs.evaluate(first, t2)
    assert default["study_km2"].iloc[0] == pytest.approx(len(first) * 0.01) == first.attrs["study_km2"]
    with pytest.raises(ParameterError, match="study_km2"):
        hs.evaluate(first, t2, study_km2=0)


# ------------------------------------------------------------------------------------ the store


def _write_store(path):
    rng = np.random.default_rng(5)
    n = 400
    x = np.r_[rng.uniform(X0, X0 + 4000, n), rng.normal(X0 + 1000, 40, 80)]
    y = np.r_[rng.uniform(Y0, Y0 + 4000, n), rng.normal(Y0 + 1000, 40, 80)]
    m = len(x)
    cats = np.where(np.arange(m) % 3 == 0, "misshandel", "cykelstold")
    has_place = np.arange(m) % 25 != 0
    offences = pd.DataFrame({
        "offence_id": pd.array([f"b{i}" for i in range(m)], dtype="string"),
        "category": pd.array(cats, dtype="string"),
        "violent": cats == "misshandel",
        "volume_crime": np.ones(m, dtype=bool),
        "year": np.where(np.arange(m) % 2 == 0, 2024, 2025).astype("int16"),
        "x": np.where(has_place, x, np.nan),
        "y": np.where(has_place, y, np.nan),
        "has_place": has_place,
        "in_municipality": has_place & (np.arange(m) % 50 != 1),
    })  # fmt: skip
    offences.to_parquet(path / "offences.parquet")
    areas = gpd.GeoDataFrame({"area": ["Centrum"], "area_code": ["01"], "area_km2": [16.0]},
                             geometry=[shapely.box(X0, Y0, X0 + 2000, Y0 + 2000)], crs=3006)  # fmt: skip
    areas.to_parquet(path / "areas.parquet")
    muni = gpd.GeoDataFrame({"name": ["Luleå"], "code": ["2580"], "area_km2": [100.0]},
                            geometry=[shapely.box(X0 - 3000, Y0 - 3000, X0 + 7000, Y0 + 7000)], crs=3006)  # fmt: skip
    muni.to_parquet(path / "municipality.parquet")
    incidents = pd.DataFrame({
        "incident_id": ["k1", "k2", "k3", "k4"], "year": pd.array([2025] * 4, dtype="int16"),
        "type": ["brand", "klotter", "brand", "brand"],
        "x": [X0 + 100, X0 + 110, np.nan, X0 + 3000], "y": [Y0 + 100, Y0 + 110, np.nan, Y0 + 3000],
    })  # fmt: skip
    incidents.to_parquet(path / "municipal_incidents.parquet")
    info = {"years": {"offences": [2024, 2025], "municipal_incidents": [2025]}, "tables": []}
    (path / "store.json").write_text(json.dumps(info))
    return offences


def test_for_store_filters_groups_and_reports_missing_places(tmp_path):
    offences = _write_store(tmp_path)
    res = _quiet(hs.for_store, tmp_path, 2025, "vald", cell_size=100)
    sel = offences[(offences.year == 2025) & offences.violent]
    placed = sel.has_place
    assert res.attrs["n_selected"] == len(sel)
    assert res.attrs["n_without_place"] == int((~placed).sum()) > 0
    assert res.attrs["n_outside_municipality"] == int((placed & ~sel.in_municipality).sum())
    assert res["n"].sum() == int((placed & sel.in_municipality).sum())
    assert res.attrs["year"] == 2025 and res.attrs["category_group"] == "vald"
    assert (res["area"] == "Centrum").any()
    alla = _quiet(hs.for_store, tmp_path, 2025, cell_size=100)
    assert alla["n"].sum() > res["n"].sum()
    cyk = _quiet(hs.for_store, tmp_path, 2024, "cykelstold", cell_size=100)
    assert cyk["n"].sum() == int(((offences.year == 2024) & (offences.category == "cykelstold")
                                  & offences.has_place & offences.in_municipality).sum())  # fmt: skip
    muni = _quiet(hs.for_store, tmp_path, 2025, "kommunala", cell_size=100)
    assert muni["n"].sum() == 3 and muni.attrs["n_without_place"] == 1
    assert _quiet(hs.for_store, tmp_path, 2025, "kommunala_brand", cell_size=100)["n"].sum() == 2
    with pytest.raises(ParameterError, match="category_group='stöld'"):
        hs.for_store(tmp_path, 2025, "stöld")
    with pytest.raises(DataError, match="no municipal incidents"):
        hs.for_store(tmp_path, 2024, "kommunala")
    emerging = _quiet(hs.emerging_for_store, tmp_path, category_group="alla", cell_size=200)
    assert emerging.attrs["years"] == [2024, 2025] and "n_without_place" in emerging.attrs


def test_one_study_area_for_every_group_and_year(tmp_path):
    _write_store(tmp_path)
    results = [_quiet(hs.for_store, tmp_path, y, g, cell_size=100)
               for y, g in [(2025, "alla"), (2025, "vald"), (2024, "cykelstold"), (2025, "kommunala")]]
    # the municipality is a 10 km square on the 100 m lattice: 100 × 100 cells of 0.01 km², whatever the points
    for res in results:
        assert len(res) == 10_000
        assert res.attrs["study_km2"] == pytest.approx(100.0)
        assert res.attrs["study_area"] == "municipality" and res.attrs["study_area_name"] == "Luleå"
    assert all(r["cell_id"].equals(results[0]["cell_id"]) for r in results)
    # PAI's A is the study area for every group, and a later year on the same grid keeps it
    later = _quiet(hs.for_store, tmp_path, 2024, "vald", grid=results[1])
    assert later.attrs["study_km2"] == pytest.approx(100.0) and later.attrs["study_area"] == "municipality"
    evaluation = hs.evaluate(later, results[1])
    assert evaluation["study_km2"].tolist() == pytest.approx([100.0, 100.0])
    area = hs.study_area_for_store(tmp_path)
    assert area["study_area"].iloc[0] == "municipality" and area.geometry.iloc[0].area == pytest.approx(1e8)


def test_hotspot_rank_orders_hot_cells_with_points_by_z():
    pts = _points(8, n=800)
    res = _quiet(hs.analyse, pts, cell_size=100, bandwidth=200)
    ranked = res[res["hotspot_rank"].notna()].sort_values("hotspot_rank")
    expected = res[res["hotspot"] & (res["n"] > 0)].sort_values(["gistar", "n"], ascending=[False, False])
    assert len(ranked) == len(expected) > 3
    assert ranked["hotspot_rank"].tolist() == list(range(1, len(ranked) + 1))
    assert ranked["cell_id"].tolist() == expected["cell_id"].tolist()
    assert res.loc[~res["hotspot"], "hotspot_rank"].isna().all()
    centres = hs.cell_centres(res)
    np.testing.assert_allclose(centres["x"], res.geometry.centroid.x, atol=1e-6)
    np.testing.assert_allclose(centres["y"], res.geometry.centroid.y, atol=1e-6)

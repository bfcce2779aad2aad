"""Disclosure control: no published value shows 1–4, and hidden cells cannot be recovered from totals."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from trygghet.analysis import disclosure as disc
from trygghet.data.errors import ParameterError


def brute_force_values(table: pd.DataFrame, col: str, dims: list[str], cell: int, threshold: int = 5) -> set[int]:
    """The attacker, by exhaustive search: every whole value the hidden ``cell`` can take such that all
    hidden cells fit the published line totals, "<5" cells being 1–4 and "–" cells 0 or at least
    ``threshold``. Independent of the library's integer programme."""
    true = table["_true"].to_numpy().astype(int)
    hidden = np.flatnonzero(table[col].isna().to_numpy())
    primary = table[f"{col}_suppression"].fillna("").to_numpy() == "primary"
    lines = []
    for d in dims:
        others = [x for x in dims if x != d]
        groups = table.groupby(others).indices.values() if others else [np.arange(len(table))]
        lines += [np.asarray(idx) for idx in groups]
    cap = max(int(true[ln].sum()) for ln in lines)
    ranges = [np.arange(1, threshold) if primary[i] else np.r_[0, np.arange(threshold, cap + 1)] for i in hidden]
    assert np.prod([len(r) for r in ranges], dtype=float) < 2e7, "table too big for the exhaustive attacker"
    grid = np.stack(np.meshgrid(*ranges, indexing="ij"), -1).reshape(-1, len(hidden)).astype(np.int32)
    ok = np.ones(len(grid), dtype=bool)
    for ln in lines:
        members = [k for k, i in enumerate(hidden) if i in set(ln)]
        if not members:
            continue
        known = int(true[ln].sum()) - int(true[hidden[members]].sum())
        ok &= grid[:, members].sum(axis=1) + known == int(true[ln].sum())
    k = list(hidden).index(cell)
    return set(int(v) for v in np.unique(grid[ok, k]))


def test_primary_suppression_hides_1_to_4_but_not_zero():
    t = pd.DataFrame({"area": list("ABCDEF"), "n": [0, 1, 4, 5, 20, 3]})
    out = disc.suppress_counts(t, "n", by="area")
    assert out.loc[out["area"].isin(["B", "C", "F"]), "n_suppression"].eq("primary").all()
    assert out.loc[out["area"] == "A", "n"].iloc[0] == 0 and pd.isna(out.loc[out["area"] == "A", "n_suppression"].iloc[0])
    assert out["suppressed"].tolist() == [False, True, True, False, False, True]
    three = disc.suppress_counts(t, "n", by="area", threshold=3)["n_suppression"].fillna("").tolist()
    assert three[1] == "primary" and three.count("primary") == 1  # only the 1 is under 3


def test_one_hidden_cell_in_a_line_gets_a_partner():
    t = pd.DataFrame({"area": list("ABCD"), "n": [3, 12, 7, 40]})
    out = disc.suppress_counts(t, "n", by="area")
    assert out["n_suppression"].fillna("").tolist() == ["primary", "", "secondary", ""]  # 7: next-smallest
    out["_true"] = t["n"]
    assert brute_force_values(out, "n", ["area"], 0) == {1, 2, 3, 4}


def test_a_partner_that_would_give_the_cell_away_is_not_enough():
    # 1 + 5 = 6: "–" means 0 or at least 5, so the 5 and the 1 would both be pinned; a third cell is hidden
    t = pd.DataFrame({"area": list("ABCD"), "n": [1, 5, 9, 40]})
    out = disc.suppress_counts(t, "n", by="area")
    out["_true"] = t["n"]
    assert out["n"].isna().sum() == 3
    assert len(brute_force_values(out, "n", ["area"], 0)) > 1
    out["_true"] = t["n"]
    assert len(brute_force_values(out, "n", ["area"], 0)) > 1


def test_two_way_table_attack_cannot_recover_any_hidden_cell():
    rng = np.random.default_rng(7)
    rows = []
    for area in ["Alfa", "Beta", "Gamma", "Delta"]:
        for cat in ["misshandel", "ran", "stold"]:
            rows.append((area, cat, int(rng.choice([0, 2, 3, 6, 7, 9]))))
    t = pd.DataFrame(rows, columns=["area", "category", "n"])
    t.loc[(t["area"] == "Beta") & (t["category"] == "ran"), "n"] = 2
    t.loc[(t["area"] == "Alfa") & (t["category"] == "misshandel"), "n"] = 11
    out = disc.suppress_counts(t, "n", by=["area", "category"])
    out["_true"] = t["n"]
    hidden = np.flatnonzero(out["n"].isna().to_numpy())
    primaries = [i for i in hidden if out.loc[i, "n_suppression"] == "primary"]
    assert primaries, "the test table must contain small counts"
    for d in ("area", "category"):  # no line has exactly one hidden cell
        counts = out.groupby([x for x in ("area", "category") if x != d])["n"].apply(lambda s: s.isna().sum())
        assert not (counts == 1).any()
    for cell in primaries:
        values = brute_force_values(out, "n", ["area", "category"], cell)
        assert t.loc[cell, "n"] in values and len(values) > 1, (cell, values)


def test_sum_of_two_ones_in_a_line_is_protected():
    # two primary cells 1 and 1 with a published total: 2 = a + b with a, b >= 1 gives both away
    t = pd.DataFrame({"area": list("ABCD"), "n": [1, 1, 30, 45]})
    out = disc.suppress_counts(t, "n", by="area")
    out["_true"] = t["n"]
    assert out["n"].isna().sum() >= 3
    assert len(brute_force_values(out, "n", ["area"], 0)) > 1


def test_explicit_total_row_and_column_are_protected():
    t = pd.DataFrame({"area": ["A", "B", "Totalt"], "misshandel": [2, 10, 12], "ran": [8, 9, 17],
                      "Totalt": [10, 19, 29]})
    out = disc.suppress_counts(t, ["misshandel", "ran", "Totalt"], by="area", total="Totalt")
    assert out.loc[0, "misshandel_suppression"] == "primary"
    hidden = {(r, c) for c in ("misshandel", "ran", "Totalt") for r in range(3) if pd.isna(out.loc[r, c])}
    # 2 cannot be recovered: its column (with the total row) and its row (with the total column) each hide 2+
    assert sum(1 for r, c in hidden if c == "misshandel") >= 2
    assert sum(1 for r, c in hidden if r == 0) >= 2
    values = np.array([[2, 8, 10], [10, 9, 19], [12, 17, 29]], dtype=float)
    code = np.zeros(9, dtype=int)
    for r, c in hidden:
        code[["misshandel", "ran", "Totalt"].index(c) * 3 + r] = 1 if (r, c) == (0, "misshandel") else 2
    lines = [[(0, 1.0), (1, 1.0), (2, -1.0)], [(3, 1.0), (4, 1.0), (5, -1.0)], [(6, 1.0), (7, 1.0), (8, -1.0)],
             [(0, 1.0), (3, 1.0), (6, -1.0)], [(1, 1.0), (4, 1.0), (7, -1.0)], [(2, 1.0), (5, 1.0), (8, -1.0)]]
    assert disc.recoverable(values.T.ravel(), code, lines) == []


def test_the_lp_attacker_finds_a_lone_hidden_cell():
    values = np.array([3.0, 10.0, 20.0])
    code = np.array([1, 0, 0])
    assert disc.recoverable(values, code, [[(0, 1.0), (1, 1.0), (2, 1.0)]]) == [0]


def test_survey_cells_under_30_are_hidden():
    t = pd.DataFrame({"area": list("ABC"), "value": [0.2, 0.3, 0.4], "n": [25, 40, 300]})
    out = disc.suppress_survey(t, by="area")
    assert out["suppressed"].tolist() == [True, True, False]
    assert out["value"].isna().tolist() == [True, True, False]
    alone = disc.suppress_survey(t)
    assert alone["suppressed"].tolist() == [True, False, False]


def test_publishable_drops_private_columns_and_shows_no_small_count():
    t = pd.DataFrame({"area": list("ABCD"), "n": [3, 12, 7, 40], "case_number": ["k1", "k2", "k3", "k4"],
                      "place_text": ["x"] * 4})
    shown = disc.publishable(disc.suppress_counts(t, "n", by="area"))
    assert "case_number" not in shown and "place_text" not in shown and "n_suppression" not in shown
    assert shown["n"].tolist() == ["<5", 12, "–", 40]
    # the safety net: a count of 1–4 slipping through unmasked is still shown as "<5"
    raw = disc.publishable(pd.DataFrame({"area": ["A", "B"], "count": [2, 9]}))
    assert raw["count"].tolist() == ["<5", 9]


def test_publishable_of_compute_output():
    df = pd.DataFrame({"indicator": ["vald"] * 3, "year": [2025] * 3, "area": ["A", "B", "C"],
                       "value": [np.nan, np.nan, 12.5], "lower": [np.nan, np.nan, 10.0], "upper": [np.nan, np.nan, 15.0],
                       "numerator": [np.nan, np.nan, 25.0], "denominator": [1000.0, 800.0, 2000.0],
                       "n": pd.array([pd.NA, pd.NA, 25], dtype="Int64"), "n_eff": np.nan,
                       "suppressed": [True, True, False], "suppression": ["primary", "secondary", ""],
                       "unit": "per 1 000 invånare"})
    shown = disc.publishable(df)
    assert shown["n"].tolist() == ["<5", "–", 25] and shown["value"].tolist()[:2] == ["–", "–"]
    assert shown["denominator"].tolist() == [1000.0, 800.0, 2000.0]
    assert "suppressed" not in shown and "suppression" not in shown


def test_errors_name_the_missing_column():
    with pytest.raises(ParameterError, match="'?antal'? not in the table|antal"):
        disc.suppress_counts(pd.DataFrame({"n": [1]}), "antal")
    with pytest.raises(TypeError):
        disc.publishable([1, 2])


# --- the one gate: publishable with count_cols, single counts, charts, pages ------------------------------


def test_publishable_with_count_cols_suppresses_and_keeps_text():
    t = pd.DataFrame({"area": list("ABCD"), "n": [3, 12, 7, 40]})
    assert disc.publishable(t, count_cols="n")["n"].tolist() == ["<5", 12, "–", 40]
    assert disc.publishable(t, count_cols="n", secondary=False)["n"].tolist() == ["<5", 12, 7, 40]
    # a "<5" set earlier counts as hidden (its line gets a partner); other text is left as it was
    marked = pd.DataFrame({"area": list("ABCD"), "n": ["<5", 12, 7, 40]})
    assert disc.publishable(marked, count_cols="n")["n"].tolist() == ["<5", 12, "–", 40]
    text = pd.DataFrame({"area": list("AB"), "n": ["12 (för få)", 30]})
    assert disc.publishable(text, count_cols="n")["n"].tolist() == ["12 (för få)", 30]
    # no counts declared: measures 1–4 are shown
    assert disc.publishable(pd.DataFrame({"level": ["a"], "n": [3]}), count_cols=())["n"].tolist() == [3]


def test_single_counts_for_sentences():
    assert [disc.shown_count(n) for n in (0, 1, 4, 5, 7865.0)] == [0, "<5", "<5", 5, 7865]
    assert pd.isna(disc.shown_count(np.nan)) and disc.shown_count("<5") == "<5"
    assert [disc.suppress_value(n) for n in (0, 1, 4, 5, None, "x")] == [False, True, True, False, False, False]
    assert disc.shown_count(2, threshold=3) == "<3"


def test_chart_data_hides_small_months_and_a_partner():
    months = pd.DataFrame({"month": range(1, 13), "n": [3, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]})
    out = disc.chart_data(months, "n", by="month")
    assert out["hidden"].tolist()[:3] == [True, True, False] and out["n"].isna().sum() == 2
    assert out["mark"].tolist()[:3] == ["<5", "–", ""]
    flagged = pd.DataFrame({"year": [1, 2], "value": [1.5, 2.5], "suppressed": [True, False]})
    assert disc.chart_data(flagged, "value")["hidden"].tolist() == [True, False]


def test_protect_page_read_accepted_rejected_and_a_total_elsewhere():
    """read = accepted + rejected in one table, and the accepted rows are the total of another table of
    the page: neither the difference nor the second table may give the 1 away."""
    tabs = {"ingest": pd.DataFrame({"file": ["a", "b"], "read": [7866, 100], "accepted": [7865, 100], "rejected": [1, 0]}),
            "cats": pd.DataFrame({"category": ["x", "y", "Totalt"], "n": [7000, 865, 7865]})}
    rel = (disc.row_relations("ingest", tabs["ingest"], "read", ["accepted", "rejected"])
           + disc.column_relations("cats", tabs["cats"], "n")
           + [(("ingest", 0, "accepted"), [("cats", 2, "n")])])
    out = disc.protect_page(tabs, rel, count_cols={"ingest": ["read", "accepted", "rejected"], "cats": ["n"]})
    assert out["ingest"].loc[0, "rejected"] == "<5" and out["ingest"].loc[1, "accepted"] == 100
    # the attacker, from the published page only (hidden cells NaN): the 1 stays unknown
    flat = [out["ingest"].loc[0, c] for c in ("read", "accepted", "rejected")] + out["cats"]["n"].tolist()
    values = np.array([np.nan if isinstance(v, str) else float(v) for v in flat])
    codes = np.array([0 if not isinstance(v, str) else 1 if v == "<5" else 2 for v in flat])
    lines = [[(0, -1.0), (1, 1.0), (2, 1.0)], [(5, -1.0), (3, 1.0), (4, 1.0)], [(1, -1.0), (5, 1.0)]]
    assert disc.recoverable(values, codes, lines) == []
    # had the accepted rows been shown, the attacker pins the 1
    values[1], codes[1] = 7865.0, 0
    assert disc.recoverable(values, codes, lines) == [2]
    with pytest.raises(ParameterError, match="not a count cell"):
        disc.protect_page(tabs, [(("ingest", 0, "file"), [])], count_cols={"ingest": ["read"]})


def test_the_attack_on_published_figures_refuses_contradictions():
    values = np.array([10.0, 3.0, np.nan])  # 10 = 3 + x with x in 1..4 is impossible
    with pytest.raises(ParameterError, match="contradict"):
        disc.recoverable(values, np.array([0, 0, 1]), [[(0, -1.0), (1, 1.0), (2, 1.0)]])


def _whole_page_audit(values, code, lines, primary_bounds=(1.0, 4.0)):
    """The audit as first written: for every primary cell, minimise and maximise it with one integer
    programme over the whole page. The reference the faster audit must agree with."""
    import math

    from scipy.optimize import Bounds, LinearConstraint, milp

    hidden = np.flatnonzero(code > 0)
    targets = [int(i) for i in hidden if code[i] == 1]
    pos = {int(i): k for k, i in enumerate(hidden)}
    others = [int(i) for i in hidden if code[i] != 1]
    zpos = {i: len(hidden) + j for j, i in enumerate(others)}
    nvar = len(hidden) + len(others)
    big = 2 * float(np.nansum(np.abs(values))) + primary_bounds[1] + 1.0
    rows, lo_b, hi_b = [], [], []
    for ln in lines:
        members = [(i, c) for i, c in ln if int(i) in pos]
        if not members:
            continue
        row = np.zeros(nvar)
        for i, c in members:
            row[pos[int(i)]] += c
        rhs = sum(c * values[i] for i, c in members)
        rows.append(row), lo_b.append(rhs), hi_b.append(rhs)
    if not targets or not rows:
        return []
    for i in others:
        row = np.zeros(nvar)
        row[pos[i]], row[zpos[i]] = 1.0, -(primary_bounds[1] + 1.0)
        rows.append(row), lo_b.append(0.0), hi_b.append(np.inf)
        row = np.zeros(nvar)
        row[pos[i]], row[zpos[i]] = 1.0, -big
        rows.append(row), lo_b.append(-np.inf), hi_b.append(0.0)
    lower = np.zeros(nvar)
    upper = np.concatenate([np.full(len(hidden), big), np.ones(len(others))])
    for i in targets:
        lower[pos[i]], upper[pos[i]] = primary_bounds
    cons, bounds = LinearConstraint(np.vstack(rows), lo_b, hi_b), Bounds(lower, upper)
    exposed = []
    for i in targets:
        obj = np.zeros(nvar)
        obj[pos[i]] = 1.0
        lo = milp(obj, constraints=cons, integrality=np.ones(nvar), bounds=bounds).fun
        hi = -milp(-obj, constraints=cons, integrality=np.ones(nvar), bounds=bounds).fun
        if math.floor(hi + 1e-7) <= math.ceil(lo - 1e-7):
            exposed.append(i)
    return exposed


@pytest.mark.parametrize("seed", range(40))
def test_the_audit_by_parts_agrees_with_the_whole_page_audit(seed):
    """Random pages of several independent two-way tables with random hidden cells: the audit by
    independent parts with shared solutions finds exactly the cells the whole-page audit finds."""
    rng = np.random.default_rng(seed)
    values, lines, offset = [], [], 0
    for _ in range(int(rng.integers(1, 4))):
        r, c = int(rng.integers(1, 4)), int(rng.integers(2, 5))
        block = rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 12, 30], size=(r, c),
                           p=[.15, .15, .1, .1, .1, .1, .1, .05, .1, .05])
        idx = offset + np.arange(r * c).reshape(r, c)
        values.extend(block.ravel().tolist())
        offset += r * c
        lines += [[(int(i), 1.0) for i in row] for row in idx]
        lines += [[(int(i), 1.0) for i in col] for col in idx.T] if r > 1 else []
    values = np.asarray(values, dtype=float)
    primary = (values >= 1) & (values < 5)
    code = np.where(primary, 1, 0)
    shown = np.flatnonzero(~primary & (rng.random(len(values)) < 0.3))
    code[shown] = 2
    assert disc.recoverable(values, code, lines) == _whole_page_audit(values, code, lines)
    final = disc.protect_cells(values, primary, lines)
    assert disc.recoverable(values, final, lines) == _whole_page_audit(values, final, lines)

"""The change of an indicator between two years: tested, and read as a code.

This module holds THE change verdict of the project. :func:`compare` tests one pair of rows of
:func:`~trygghet.analysis.indicators.compute.compute` and returns its *reading* code; :func:`change`
applies it between two chosen years, :func:`year_changes` between every indicator's latest
measurement up to a year and the measurement before it (the follow-up's trend and the year's main
changes both read this one table). The Swedish words for the codes are in
:func:`trygghet.reports.wording.change_word` — nothing else words a change.

Tests (``p < alpha`` is a certain change):

- rates and counts — the exact conditional binomial test for two Poisson counts (given k₁ + k₂,
  k₂ ~ Bin(k₁ + k₂, P₂/(P₁ + P₂)) under equal rates, P the populations; P₁ = P₂ for counts);
- survey shares — a two-sample z test with the pooled share on the effective sizes (Kish);
- survey means and indices — a z test on the linearised standard errors;
- other shares — Fisher's exact test;
- censuses (cost, number of measures) — the sign of the difference (exact, no test).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
from scipy import stats

from trygghet.analysis import survey as _survey
from trygghet.analysis.indicators.compute import check_alpha, compute_full
from trygghet.analysis.indicators.definitions import GROUPING_ORDER, definition, definitions
from trygghet.data.errors import ParameterError
from trygghet.data.store import disk_memo
from trygghet.data.vocabulary import WHOLE_MUNICIPALITY

__all__ = [
    "READINGS",
    "ASSESSMENTS",
    "TESTS",
    "CHANGE_COLUMNS",
    "YEAR_CHANGE_COLUMNS",
    "compare",
    "change",
    "year_changes",
    "test_code",
]

#: the reading of a change: certainly up, certainly down, no certain change, or not measurable (a year
#: missing or hidden); the one verdict every report words with ``wording.change_word``
READINGS = ("increased", "decreased", "no_certain_change", "not_measurable")
#: the reading through the indicator's direction (``lower_is_better`` / ``higher_is_better``)
ASSESSMENTS = ("improved", "worsened", "no_certain_change", "not_measurable")
#: the test codes of :func:`change`'s ``test`` column (described in the module's notes)
TESTS = ("poisson_rate", "poisson_count", "z_share_effective_n", "z_mean_linearised", "fisher_exact", "census")
CHANGE_COLUMNS = ["year_from", "year_to", "value_from", "value_to", "difference", "p_value", "test", "reading",
                  "assessment", "suppressed", "unit"]
YEAR_CHANGE_COLUMNS = ["indicator", "area", "year_from", "year_to", "value_from", "value_to", "difference",
                       "p_value", "test", "reading", "assessment"]


def change(
    store: str | Path | None,
    indicator: str,
    year_from: int,
    year_to: int,
    by: str | Sequence[str] | None = None,
    alpha: float = 0.05,
    *,
    area: str | None = None,
    interval: str = _survey.DEFAULT_INTERVAL,
) -> pd.DataFrame:
    """The change of an indicator between two years, tested (see the module's notes).

    Columns: ``indicator, <grouping columns>, year_from, year_to, value_from, value_to, difference,
    p_value, test`` (a code of :data:`TESTS`), ``reading`` (:data:`READINGS`: ``increased``,
    ``decreased``, ``no_certain_change``, or ``not_measurable`` when a year is missing or hidden),
    ``assessment`` (:data:`ASSESSMENTS`, the reading through the indicator's direction),
    ``suppressed`` (a year is hidden), ``unit``.
    """
    d = definition(indicator)
    check_alpha(alpha)
    y0, y1 = int(year_from), int(year_to)
    if y0 == y1:
        raise ParameterError(f"year_from and year_to are both {y0}; compare two different years")
    full = compute_full(store, indicator, [y0, y1], by, area, alpha=alpha, interval=interval)
    groups = [c for c in full.columns if c in GROUPING_ORDER]
    a = full.loc[full["year"] == y0]
    b = full.loc[full["year"] == y1]
    if groups:
        a, b = a.set_index(groups), b.set_index(groups)
        keys = list(dict.fromkeys(list(a.index) + list(b.index)))
    else:
        keys = [()]
    rows = []
    for key in keys:
        res = compare(d, _row_at(a, key, groups), _row_at(b, key, groups), alpha)
        rows.append({**_key_dict(groups, key), **res, "year_from": y0, "year_to": y1})
    cols = ["indicator"] + groups + CHANGE_COLUMNS
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(rows)
    out["indicator"], out["unit"] = d["id"], d["unit"]
    return out.loc[:, cols]


def compare(d: dict, row_from, row_to, alpha: float) -> dict:
    """Test one pair of :func:`compute` rows (``None`` for a missing year) of the indicator ``d``.

    Returns ``value_from, value_to, difference, p_value, test, reading, assessment, suppressed``.
    ``p_value`` is NaN for a census, whose difference is exact (any difference is certain)."""
    out = {"value_from": math.nan, "value_to": math.nan, "difference": math.nan, "p_value": math.nan,
           "test": test_code(d), "reading": "not_measurable", "assessment": "not_measurable", "suppressed": False}
    if row_from is None or row_to is None:
        return out
    if bool(row_from["suppressed"]) or bool(row_to["suppressed"]):
        return {**out, "suppressed": True}
    v0, v1 = float(row_from["value"]), float(row_to["value"])
    if math.isnan(v0) or math.isnan(v1):
        return out
    p = _p_value(d, row_from, row_to)
    diff = v1 - v0
    certain = diff != 0 if math.isnan(p) else p < alpha
    if not certain:
        reading = assessment = "no_certain_change"
    else:
        reading = "increased" if diff > 0 else "decreased"
        better = (diff < 0) == (d["direction"] == "lower_is_better")
        assessment = "improved" if better else "worsened"
    return {**out, "value_from": v0, "value_to": v1, "difference": diff, "p_value": p, "reading": reading,
            "assessment": assessment}


def year_changes(
    store: str | Path | None,
    year: int,
    *,
    alpha: float = 0.05,
    indicators: Iterable[str] | None = None,
    per_area: bool = True,
) -> pd.DataFrame:
    """Every indicator's latest shown measurement up to ``year`` against the shown measurement before
    it, municipality-wide and (with ``per_area``) per area: the one table the follow-up's trend and
    the year's main changes read, so the two can never disagree.

    One row per indicator × area (``hela kommunen`` for the municipality), columns
    :data:`YEAR_CHANGE_COLUMNS`. ``year_to`` is the latest year ≤ ``year`` with a shown value (NA when
    there is none), ``year_from`` the shown year before it (NA when there is none; the reading is
    then ``not_measurable``). Hidden years are skipped: the previous *measurement* is compared.
    Memoised in the store's cache."""
    check_alpha(alpha)
    ids = tuple(indicators) if indicators is not None else tuple(definitions()["id"])
    key = (int(year), float(alpha), ids, bool(per_area))
    return disk_memo(store, "year_changes", key, lambda: _year_changes(store, int(year), float(alpha), ids, per_area))


def _year_changes(store, year: int, alpha: float, ids: tuple[str, ...], per_area: bool) -> pd.DataFrame:
    rows = []
    for ind in ids:
        d = definition(ind)
        if d.get("always_by"):
            continue  # always split (the measures by level): no single value per area and year
        scopes = [None] + (["area"] if per_area and "area" in (d.get("groupings") or []) else [])
        for by in scopes:
            full = compute_full(store, ind, None, by, None, alpha=alpha)
            units = [(WHOLE_MUNICIPALITY, full)] if by is None else list(full.groupby("area", sort=False))
            for area_name, s in units:
                shown = s.loc[(s["year"] <= year) & ~s["suppressed"] & s["value"].notna()]
                row = {"indicator": ind, "area": str(area_name), "year_from": pd.NA, "year_to": pd.NA}
                prev = last = None
                if len(shown):
                    last = shown.iloc[-1]
                    row["year_to"] = int(last["year"])
                    if len(shown) >= 2:
                        prev = shown.iloc[-2]
                        row["year_from"] = int(prev["year"])
                res = compare(d, prev, last, alpha)
                if prev is None and last is not None:
                    res["value_to"] = float(last["value"])
                res.pop("suppressed")
                rows.append({**row, **res})
    out = pd.DataFrame(rows, columns=YEAR_CHANGE_COLUMNS)
    for c in ("year_from", "year_to"):
        out[c] = pd.array(out[c], dtype="Int64")
    for c in ("value_from", "value_to", "difference", "p_value"):
        out[c] = out[c].astype("float64")
    return out


def test_code(d: dict) -> str:
    """The code of the test :func:`compare` uses for the indicator ``d`` (one of :data:`TESTS`)."""
    kind = d["kind"]
    if kind == "rate_per_1000":
        return "poisson_rate"
    if kind == "count" and d["table"] != "measures":
        return "poisson_count"
    if kind == "survey_share":
        return "z_share_effective_n"
    if kind in ("survey_index", "survey_mean"):
        return "z_mean_linearised"
    if kind == "share":
        return "fisher_exact"
    return "census"


test_code.__test__ = False  # not a pytest test, despite the name


def _p_value(d: dict, ra, rb) -> float:
    kind = d["kind"]
    if kind == "rate_per_1000" or (kind == "count" and d["table"] != "measures"):
        k0, k1 = int(round(ra["numerator"])), int(round(rb["numerator"]))
        if k0 + k1 == 0:
            return 1.0
        if kind == "rate_per_1000":
            p0, p1 = float(ra["denominator"]), float(rb["denominator"])
            if not (p0 > 0 and p1 > 0):
                return math.nan
            share = p1 / (p0 + p1)
        else:
            share = 0.5
        return float(stats.binomtest(k1, k0 + k1, share).pvalue)
    if kind == "survey_share":
        p0, p1, n0, n1 = float(ra["value"]), float(rb["value"]), float(ra["n_eff"]), float(rb["n_eff"])
        pooled = (p0 * n0 + p1 * n1) / (n0 + n1)
        se = math.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
        if se == 0:
            return 1.0 if p0 == p1 else 0.0
        return float(2 * stats.norm.sf(abs(p1 - p0) / se))
    if kind in ("survey_index", "survey_mean"):
        se = math.sqrt(float(ra["se"]) ** 2 + float(rb["se"]) ** 2)
        if not se > 0:
            return math.nan if math.isnan(se) else (1.0 if ra["value"] == rb["value"] else 0.0)
        return float(2 * stats.norm.sf(abs(float(rb["value"]) - float(ra["value"])) / se))
    if kind == "share":
        x0, n0 = int(round(ra["numerator"])), int(round(ra["n"]))
        x1, n1 = int(round(rb["numerator"])), int(round(rb["n"]))
        return float(stats.fisher_exact([[x0, n0 - x0], [x1, n1 - x1]]).pvalue)
    return math.nan


def _row_at(frame: pd.DataFrame, key, groups: list[str]):
    if not groups:
        return frame.iloc[0] if len(frame) else None
    k = key if len(groups) > 1 else (key[0] if isinstance(key, tuple) else key)
    if k in frame.index:
        r = frame.loc[k]
        return r.iloc[0] if isinstance(r, pd.DataFrame) else r
    return None


def _key_dict(groups: list[str], key) -> dict:
    if not groups:
        return {}
    key = key if isinstance(key, tuple) else (key,)
    return dict(zip(groups, key))


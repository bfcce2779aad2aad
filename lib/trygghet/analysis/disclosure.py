"""Disclosure control: what may leave the analysts' machine.

Rules (``docs/indicators.md`` repeats them for the reader):

- **Primary suppression**: a count of 1 .. ``threshold``−1 (default 1–4) is hidden and shown as "<5".
  Zero is not hidden (it discloses nothing about a person).
- **Survey cells** with fewer than :data:`~trygghet.data.config.SURVEY_MIN_RESPONDENTS` (30) respondents
  are hidden.
- **Secondary suppression**: a hidden cell must not be recoverable from a published total and the other
  cells. Cells form *lines* (all cells that add up to one total: a row, a column, the areas of a year).
  A line with exactly one hidden cell gets the next-smallest non-zero cell of the line hidden too
  (shown as "–"); this repeats until no line has a single hidden cell, across both dimensions of a two-way
  table. Then an *audit* plays the attacker: for each primary cell it solves two mixed-integer linear
  programmes (scipy's ``milp``, HiGHS) for the smallest and largest whole value the cell can take given
  every published total and cell, knowing that a "<5" cell lies in 1–4 and a "–" cell is 0 or at least
  5. When only one value is possible the cell would be recovered, and one more cell of its lines is
  hidden; this repeats until no primary cell can be pinned.
- :func:`publishable` drops the private columns of the store and turns hidden values into "<5" or "–"
  in a display copy.

**The one gate.** Everything a report publishes passes through this module, and nothing else in the
library decides what is small (no other module compares a count with ``SUPPRESS_BELOW``):

- a table: ``publishable(frame, count_cols=[...], by=..., total=...)`` -> the display copy (hidden cells as
  "<5" / "–"); :func:`trygghet.reports.format.table` calls it for every table it renders;
- a chart's data: ``chart_data(frame, value, by=...)`` -> numbers with hidden values as NaN and a
  ``hidden`` column (charts do not draw them);
- a single count in a sentence or a map's tooltip: ``shown_count(n)`` -> ``n`` or ``"<5"``
  (:func:`trygghet.reports.format.count` formats it); ``suppress_value(n)`` -> whether it is hidden;
- a page whose tables share totals (read = accepted + rejected; categories -> total):
  ``protect_page(tables, relations, count_cols=...)`` with relations built by :func:`row_relations`,
  :func:`column_relations` or by hand, applies primary and secondary suppression over all of them at
  once, so that no difference between any published figures of the page reveals a count of 1–4.

Cells already shown as text ("<5", "–", "<30", or a number formatted earlier) are never rewritten; a
"<5" or "–" among them counts as hidden when the gate looks for lines with a single hidden cell.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from trygghet.data.config import SUPPRESS_BELOW, SURVEY_MIN_RESPONDENTS
from trygghet.data.errors import ParameterError
from trygghet.data.store import PRIVATE_COLUMNS

__all__ = [
    "PRIMARY",
    "SECONDARY",
    "FEW_RESPONDENTS",
    "SOURCE",
    "EXEMPT",
    "suppress_counts",
    "suppress_survey",
    "protect",
    "recoverable",
    "publishable",
    "suppress_value",
    "shown_count",
    "chart_data",
    "protect_page",
    "row_relations",
    "column_relations",
    "HIDDEN_MARKS",
]

PRIMARY = "primary"  # a count of 1 .. threshold-1
SECONDARY = "secondary"  # hidden so that a primary cell cannot be recovered
FEW_RESPONDENTS = "few_respondents"  # survey cell below the minimum number of respondents
SOURCE = "source"  # left empty by the data's owner (the police's small cells)
EXEMPT = "exempt"  # not about persons (e.g. the number of measures): no rule applies

#: text a published cell shows when it is hidden ("<5" counts, "–" secondary, "<30" survey respondents)
HIDDEN_MARKS = (f"<{SUPPRESS_BELOW}", "–", f"<{SURVEY_MIN_RESPONDENTS}")

_COUNT_LIKE = ("numerator", "n", "count", "persons", "offences", "persons_previously_suspected", "antal")
_TOL = 1e-7


def suppress_counts(
    table: pd.DataFrame,
    count_cols: str | Sequence[str],
    *,
    threshold: int = SUPPRESS_BELOW,
    by: str | Sequence[str] | None = None,
    total: str | None = None,
    within: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Primary and secondary suppression of the counts in ``count_cols``; returns a masked copy.

    ``by`` names the table's dimensions (e.g. ``["area", "category"]`` for a long two-way table).
    Cells that share all dimensions but one form a line whose total is assumed published (or derivable);
    with several ``count_cols`` each row is a line too (a wide table with a row total). Without ``by``
    each count column is one line over all rows. ``total`` is the label of the total rows (a value in a
    ``by`` column, e.g. ``"hela kommunen"`` or ``"Totalt"``) and/or the name of a total column among
    ``count_cols``; total cells belong to their line and are protected like any other cell. ``within``
    names columns that split the table into independent tables (e.g. ``year``).

    The copy holds the counts as nullable numbers with hidden cells ``<NA>``, one column
    ``<col>_suppression`` per count column (``"primary"``, ``"secondary"``, ``"source"`` for a value that
    was already missing, or ``<NA>``) and ``suppressed`` (any count of the row hidden).
    """
    cols = [count_cols] if isinstance(count_cols, str) else list(count_cols)
    dims = _as_list(by)
    parts = _as_list(within)
    _check_columns(table, cols + dims + parts)
    if threshold < 1:
        raise ParameterError(f"threshold must be at least 1 (counts below it are hidden), got {threshold}")
    n_rows = len(table)
    values = np.full(n_rows * len(cols), np.nan)
    for j, c in enumerate(cols):
        values[j * n_rows:(j + 1) * n_rows] = pd.to_numeric(table[c], errors="coerce").astype("float64").to_numpy()
    missing = np.isnan(values)
    primary = (values >= 1) & (values < threshold)
    lines = _lines(table.reset_index(drop=True), cols, dims, parts, total, n_rows)
    codes = protect_cells(np.where(missing, 0.0, values), primary, lines, unknown=missing,
                          primary_bounds=(1.0, float(threshold - 1)))
    out = table.copy()
    any_hidden = np.zeros(n_rows, dtype=bool)
    for j, c in enumerate(cols):
        code = codes[j * n_rows:(j + 1) * n_rows]
        col_missing = missing[j * n_rows:(j + 1) * n_rows]
        flag = pd.Series(pd.NA, index=out.index, dtype="string")
        flag[code == 1] = PRIMARY
        flag[code == 2] = SECONDARY
        flag[col_missing] = SOURCE
        hidden = (code > 0) | col_missing
        masked = pd.to_numeric(out[c], errors="coerce")
        masked = masked.astype("Int64") if _integral(masked) else masked.astype("Float64")
        masked[hidden] = pd.NA
        out[c] = masked
        out[f"{c}_suppression"] = flag
        any_hidden |= hidden
    out["suppressed"] = (out["suppressed"].astype(bool) | any_hidden) if "suppressed" in table else any_hidden
    return out


def suppress_survey(table: pd.DataFrame, *, n_col: str = "n", min_n: int = SURVEY_MIN_RESPONDENTS,
                    value_cols: Sequence[str] = ("value", "lower", "upper", "numerator", "denominator", "n_eff"),
                    by: str | Sequence[str] | None = None, within: str | Sequence[str] | None = None
                    ) -> pd.DataFrame:
    """Hide survey cells with fewer than ``min_n`` respondents (and, with ``by``, a second cell of any
    line with a single hidden cell, so its respondents cannot be recovered from the total)."""
    _check_columns(table, [n_col] + _as_list(by) + _as_list(within))
    n = pd.to_numeric(table[n_col], errors="coerce").astype("float64").to_numpy()
    primary = n < min_n
    if by is not None:
        lines = _lines(table.reset_index(drop=True), [n_col], _as_list(by), _as_list(within), None, len(table))
        codes = protect_cells(np.nan_to_num(n), primary, lines, primary_bounds=(1.0, float(min_n - 1)))
    else:
        codes = np.where(primary, 1, 0)
    out = table.copy()
    hidden = codes > 0
    for c in list(value_cols) + [n_col]:
        if c in out:
            col = pd.to_numeric(out[c], errors="coerce").astype("Float64")
            col[hidden] = pd.NA
            out[c] = col
    out["suppressed"] = (out["suppressed"].astype(bool) | hidden) if "suppressed" in out else hidden
    return out


def protect(frame: pd.DataFrame, count_col: str, primary: Sequence[bool], *, by: str | Sequence[str] | None,
            within: str | Sequence[str] | None = None, primary_bounds: tuple[float, float] = (1.0, 4.0),
            unknown: Sequence[bool] | None = None) -> np.ndarray:
    """Suppression codes for the cells of one column: 0 shown, 1 primary, 2 secondary.

    ``primary`` marks the cells the rule hides; ``by``/``within`` define the lines as in
    :func:`suppress_counts`; ``primary_bounds`` is what an attacker knows about a primary cell
    (1–4 for counts, 1–29 respondents for survey cells); ``unknown`` marks cells whose value is missing.
    """
    _check_columns(frame, [count_col] + _as_list(by) + _as_list(within))
    values = pd.to_numeric(frame[count_col], errors="coerce").astype("float64").to_numpy()
    miss = np.isnan(values) if unknown is None else (np.asarray(unknown, dtype=bool) | np.isnan(values))
    lines = _lines(frame.reset_index(drop=True), [count_col], _as_list(by), _as_list(within), None, len(frame))
    return protect_cells(np.where(miss, 0.0, values), np.asarray(primary, dtype=bool), lines, unknown=miss,
                         primary_bounds=primary_bounds)


def protect_cells(values: np.ndarray, primary: np.ndarray, lines: list[list[tuple[int, float]]], *,
                  unknown: np.ndarray | None = None, primary_bounds: tuple[float, float] = (1.0, 4.0),
                  max_rounds: int = 1000, marked: np.ndarray | None = None) -> np.ndarray:
    """The suppression engine on flat cells: 0 shown, 1 primary, 2 secondary (see the module's notes).

    ``lines`` are lists of ``(cell index, coefficient)`` whose weighted sum is published (coefficient
    −1 for a total cell inside the table). Lines with an ``unknown`` cell are skipped (no exact total).
    ``marked`` cells were hidden by an earlier pass and their value is not known here: they count as
    hidden in the single-hidden-cell rule (so their lines get a partner), while the integer audit skips
    their lines.
    """
    values = np.asarray(values, dtype=float)
    code = np.where(np.asarray(primary, dtype=bool), 1, 0)
    unknown = np.zeros(len(values), dtype=bool) if unknown is None else np.asarray(unknown, dtype=bool)
    marked = np.zeros(len(values), dtype=bool) if marked is None else np.asarray(marked, dtype=bool)
    code[unknown] = np.maximum(code[unknown], 1)
    code[marked] = np.maximum(code[marked], 1)
    usable = [ln for ln in lines if len(ln) > 1 and not any(unknown[i] or marked[i] for i, _ in ln)]
    structural = usable + [ln for ln in lines if len(ln) > 1 and any(marked[i] for i, _ in ln)
                           and not any(unknown[i] and not marked[i] for i, _ in ln)]
    if not (code > 0).any():
        return code
    for _ in range(max_rounds):
        changed = _single_hidden_round(values, code, structural)
        if changed:
            continue
        exposed = recoverable(values, code, usable, primary_bounds=primary_bounds, unknown=unknown)
        if not exposed:
            break
        if not _hide_partner(values, code, usable, exposed[0]):
            break  # nothing left to hide in its lines: every partner is already hidden
    return code


def recoverable(values: np.ndarray, code: np.ndarray, lines: list[list[tuple[int, float]]], *,
                primary_bounds: tuple[float, float] = (1.0, 4.0), unknown: np.ndarray | None = None
                ) -> list[int]:
    """Primary cells an attacker can pin to one whole number from the published cells and totals.

    The attacker knows every line's total, that a primary cell ("<5") lies in ``primary_bounds`` and
    that any other hidden cell ("–") is either 0 or above the primary range. For each primary cell the
    smallest and largest whole value consistent with all of that is found by mixed-integer linear
    programming (scipy's ``milp``, HiGHS); a cell is recovered when both are equal.
    """
    values = np.asarray(values, dtype=float)
    hidden = np.flatnonzero(code > 0)
    unknown = np.zeros(len(values), dtype=bool) if unknown is None else unknown
    targets = [int(i) for i in hidden if code[i] == 1 and not unknown[i]]
    if not targets:
        return []
    pos = {int(i): k for k, i in enumerate(hidden)}
    k = len(hidden)
    others = [int(i) for i in hidden if code[i] != 1]
    zpos = {i: k + j for j, i in enumerate(others)}
    nvar = k + len(others)
    big = float(np.nansum(np.abs(values))) + primary_bounds[1] + 1.0
    rows, lo_b, hi_b = [], [], []
    for ln in lines:
        members = [(i, c) for i, c in ln if int(i) in pos]
        if not members:
            continue
        row = np.zeros(nvar)
        for i, c in members:
            row[pos[int(i)]] += c
        rhs = sum(c * values[i] for i, c in members)
        rows.append(row)
        lo_b.append(rhs)
        hi_b.append(rhs)
    if not rows:
        return []
    for i in others:  # x = 0 (z = 0) or x >= primary max + 1 (z = 1)
        row = np.zeros(nvar)
        row[pos[i]], row[zpos[i]] = 1.0, -(primary_bounds[1] + 1.0)
        rows.append(row), lo_b.append(0.0), hi_b.append(np.inf)
        row = np.zeros(nvar)
        row[pos[i]], row[zpos[i]] = 1.0, -big
        rows.append(row), lo_b.append(-np.inf), hi_b.append(0.0)
    lower = np.zeros(nvar)
    upper = np.concatenate([np.full(k, big), np.ones(len(others))])
    for i in hidden:
        if code[i] == 1:
            lower[pos[int(i)]], upper[pos[int(i)]] = primary_bounds
    constraints = LinearConstraint(np.vstack(rows), np.asarray(lo_b), np.asarray(hi_b))
    bounds = Bounds(lower, upper)
    exposed = []
    for i in targets:
        obj = np.zeros(nvar)
        obj[pos[i]] = 1.0
        lo = _solve(obj, constraints, bounds)
        hi = -_solve(-obj, constraints, bounds)
        if math.floor(hi + _TOL) <= math.ceil(lo - _TOL):
            exposed.append(i)
    return exposed


def publishable(df: pd.DataFrame, *, threshold: int = SUPPRESS_BELOW, min_respondents: int = SURVEY_MIN_RESPONDENTS,
                count_cols: Iterable[str] | None = None) -> pd.DataFrame:
    """A display copy that may be published: private columns dropped, hidden values as "<5" or "–".

    Understands the output of :func:`trygghet.analysis.indicators.compute` (``suppressed``/``suppression``) and
    of :func:`suppress_counts` (``<col>_suppression``). As a safety net, any count-like column
    (``count_cols``, default ``numerator``, ``n``, ``count``, ``persons``, ``offences`` … when they hold
    whole numbers) still showing 1 .. threshold−1 in a row not exempt from the rules is shown as "<5".
    The flag columns are dropped from the copy.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"publishable(): expected a DataFrame, got {type(df).__name__}")
    out = df.drop(columns=[c for c in df.columns if c in PRIVATE_COLUMNS]).copy()
    small = f"<{threshold}"
    few = f"<{min_respondents}"
    flag_cols = [c for c in out.columns if str(c).endswith("_suppression")]
    for flag in flag_cols:
        col = flag[: -len("_suppression")]
        if col in out:
            out[col] = out[col].astype(object)
            f = out[flag].astype("string")
            out.loc[(f == PRIMARY).fillna(False).to_numpy(), col] = small
            out.loc[(f == SOURCE).fillna(False).to_numpy(), col] = small
            out.loc[(f == SECONDARY).fillna(False).to_numpy(), col] = "–"
    exempt = np.zeros(len(out), dtype=bool)
    if "suppressed" in out:
        hidden = out["suppressed"].fillna(False).astype(bool).to_numpy()
        reason = out["suppression"].astype("string").fillna("") if "suppression" in out else pd.Series("", index=out.index)
        exempt = (reason == EXEMPT).to_numpy()
        for col in ("value", "lower", "upper", "numerator", "denominator", "n", "n_eff", "difference",
                    "value_from", "value_to"):
            if col not in out or col + "_suppression" in df:
                continue
            out[col] = out[col].astype(object)
            for i in np.flatnonzero(hidden):
                r = reason.iloc[i]
                if col in ("numerator", "n") and r in (PRIMARY, SOURCE):
                    out.iat[i, out.columns.get_loc(col)] = small
                elif col == "n" and r == FEW_RESPONDENTS:
                    out.iat[i, out.columns.get_loc(col)] = few
                elif col == "denominator" and r not in (FEW_RESPONDENTS,):
                    continue  # the population or the number of findings is not hidden
                else:
                    out.iat[i, out.columns.get_loc(col)] = "–"
    guard = [c for c in (count_cols if count_cols is not None else _COUNT_LIKE) if c in out]
    for col in guard:
        numeric = pd.to_numeric(out[col].where(out[col].map(lambda v: not isinstance(v, str))), errors="coerce")
        if count_cols is None and not _integral(numeric):
            continue
        bad = ((numeric >= 1) & (numeric < threshold)).fillna(False).to_numpy() & ~exempt
        if bad.any():
            out[col] = out[col].astype(object)
            out.loc[bad, col] = small
    drop = flag_cols + [c for c in ("suppressed", "suppression") if c in out]
    return out.drop(columns=drop).reset_index(drop=True)


# --- helpers -------------------------------------------------------------------------------------------


def _lines(table: pd.DataFrame, cols: list[str], dims: list[str], parts: list[str], total: str | None,
           n_rows: int) -> list[list[tuple[int, float]]]:
    lines: list[list[tuple[int, float]]] = []
    for j, c in enumerate(cols):
        if c == total:
            continue  # the total column's own cells join the row lines below
        offset = j * n_rows
        if not dims:
            groups = table.groupby(parts, sort=False, dropna=False).indices if parts else {(): np.arange(n_rows)}
            for idx in groups.values():
                lines.append([(offset + int(i), 1.0) for i in idx])
            continue
        for d in dims:
            keys = parts + [x for x in dims if x != d]
            groups = table.groupby(keys, sort=False, dropna=False).indices if keys else {(): np.arange(n_rows)}
            for idx in groups.values():
                ln = []
                for i in idx:
                    is_total = total is not None and str(table.iloc[int(i)][d]) == total
                    ln.append((offset + int(i), -1.0 if is_total else 1.0))
                lines.append(ln)
    if len(cols) > 1:
        for r in range(n_rows):
            lines.append([(j * n_rows + r, -1.0 if c == total else 1.0) for j, c in enumerate(cols)])
    # a line with a total cell states sum(cells) - total = 0; a line without one states sum(cells) = known
    return lines


def _single_hidden_round(values: np.ndarray, code: np.ndarray, lines) -> bool:
    changed = False
    for ln in lines:
        hidden = [i for i, _ in ln if code[i] > 0]
        if len(hidden) == 1 and _hide_partner_in_line(values, code, ln):
            changed = True
    return changed


def _hide_partner(values: np.ndarray, code: np.ndarray, lines, cell: int) -> bool:
    for ln in sorted((ln for ln in lines if any(i == cell for i, _ in ln)), key=len):
        if _hide_partner_in_line(values, code, ln):
            return True
    return False


def _hide_partner_in_line(values: np.ndarray, code: np.ndarray, ln) -> bool:
    """Hide the smallest shown non-zero cell of the line (a zero only when nothing else is left)."""
    shown = [i for i, coef in ln if code[i] == 0]
    if not shown:
        return False
    nonzero = [i for i in shown if values[i] > 0]
    pick = min(nonzero or shown, key=lambda i: (values[i], i))
    code[pick] = 2
    return True


def _solve(obj, constraints, bounds) -> float:
    res = milp(obj, constraints=constraints, integrality=np.ones(len(obj)), bounds=bounds)
    if res.status != 0 or res.fun is None:
        return -math.inf  # cannot happen with the true values feasible; treat as "not pinned"
    return float(res.fun)


def _integral(s: pd.Series) -> bool:
    v = pd.to_numeric(s, errors="coerce").dropna().astype("float64")
    return bool(len(v) == 0 or np.all(np.isclose(v, np.round(v))))


def _as_list(x) -> list[str]:
    if x is None:
        return []
    return [x] if isinstance(x, str) else list(x)


def _check_columns(table: pd.DataFrame, cols: Iterable[str]) -> None:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"expected a DataFrame, got {type(table).__name__}")
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise ParameterError(f"column(s) {', '.join(map(str, missing))} not in the table; "
                             f"it has {', '.join(map(str, table.columns))}")

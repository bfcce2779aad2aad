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

from trygghet.analysis.audit import recoverable_cells
from trygghet.data.config import SUPPRESS_BELOW, SURVEY_MIN_RESPONDENTS
from trygghet.data.errors import ParameterError
from trygghet.data.store import PRIVATE_COLUMNS

__all__ = [
    "PRIMARY", "SECONDARY", "FEW_RESPONDENTS", "SOURCE", "EXEMPT", "suppress_counts", "suppress_survey",
    "protect", "recoverable", "publishable", "suppress_value", "shown_count", "chart_data", "protect_page",
    "row_relations", "column_relations", "HIDDEN_MARKS", "PUBLIC_THRESHOLD",
]

PRIMARY = "primary"  # a count of 1 .. threshold-1
SECONDARY = "secondary"  # hidden so that a primary cell cannot be recovered
FEW_RESPONDENTS = "few_respondents"  # survey cell below the minimum number of respondents
SOURCE = "source"  # left empty by the data's owner (the police's small cells)
EXEMPT = "exempt"  # not about persons (e.g. the number of measures): no rule applies

#: text a published cell shows when it is hidden ("<5" counts, "–" secondary, "<30" survey respondents)
HIDDEN_MARKS = (f"<{SUPPRESS_BELOW}", "–", f"<{SURVEY_MIN_RESPONDENTS}")
#: the stricter rule of what is published for residents (the public summary *Tryggare Luleå*): every
#: function here takes it as ``threshold=PUBLIC_THRESHOLD`` — counts of 1–9 hidden (shown as "<10"),
#: with the same secondary suppression and audit as the default rule
PUBLIC_THRESHOLD = 10
HIDDEN_MARKS = HIDDEN_MARKS + (f"<{PUBLIC_THRESHOLD}",)  # a "<10" cell of the public rule is hidden too

_COUNT_LIKE = ("numerator", "n", "count", "persons", "offences", "persons_previously_suspected", "antal")


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
    programming (scipy's ``milp``, HiGHS); a cell is recovered when both are equal. The programmes run
    per independent part of the page and stop for a cell once two solutions differ on it
    (:mod:`trygghet.analysis.audit`): the same verdict as minimising and maximising every cell.

    Attacking a published page, the hidden cells' ``values`` are NaN: each line must then hold its total
    cell (coefficient −1) and its equation is read from the shown cells. Raises ``ParameterError`` when
    the shown cells contradict the lines (no whole values fit).
    """
    return recoverable_cells(values, code, lines, primary_bounds=primary_bounds, unknown=unknown)


def publishable(df: pd.DataFrame, *, count_cols: str | Iterable[str] | None = None,
                by: str | Sequence[str] | None = None, total: str | None = None,
                within: str | Sequence[str] | None = None, secondary: bool = True,
                threshold: int = SUPPRESS_BELOW, min_respondents: int = SURVEY_MIN_RESPONDENTS) -> pd.DataFrame:
    """The gate for a table: a display copy that may be published (private columns dropped, hidden
    values as "<5" or "–", flag columns dropped, index reset).

    - With ``count_cols`` (columns of counts of persons or offences) the counts are suppressed here:
      1 .. ``threshold``−1 hidden as "<5" and, unless ``secondary=False`` (rows that do not add up to
      anything published, e.g. a top-ten list), partners hidden as "–" so no line total reveals them.
      ``by``, ``total`` and ``within`` define the lines exactly as in :func:`suppress_counts` (default:
      each count column is one line over all rows). Cells already text ("<5", "–", "12 (för få)") are
      kept as they are; "<5" and "–" among them count as hidden.
    - Without ``count_cols`` the frame's own flags are rendered: the output of
      :func:`trygghet.analysis.indicators.compute` (``suppressed``/``suppression``) and of
      :func:`suppress_counts` (``<col>_suppression``). As a safety net, any count-like column
      (``numerator``, ``n``, ``count``, ``persons``, ``offences``, ``antal`` … holding whole numbers)
      still showing 1 .. threshold−1 in a row not exempt from the rules is shown as "<5".
      ``count_cols=()`` declares that the table has no counts of persons (e.g. numbers of measures).
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"publishable(): expected a DataFrame, got {type(df).__name__}")
    small = f"<{threshold}"
    few = f"<{min_respondents}"
    cols = _as_list(count_cols) if count_cols is not None else []
    texts: dict[str, np.ndarray] = {}
    if cols and not any(f"{c}_suppression" in df for c in cols):
        _check_columns(df, cols + _as_list(by) + _as_list(within))
        texts = {c: _text_cells(df[c]) for c in cols}
        df = _suppress_marked(df, cols, by=by, total=total, within=within, secondary=secondary,
                              threshold=threshold)
    out = df.drop(columns=[c for c in df.columns if c in PRIVATE_COLUMNS]).copy()
    flag_cols = [c for c in out.columns if str(c).endswith("_suppression")]
    for flag in flag_cols:
        col = flag[: -len("_suppression")]
        if col in out:
            out[col] = out[col].astype(object)
            f = out[flag].astype("string")
            out.loc[(f == PRIMARY).fillna(False).to_numpy(), col] = small
            out.loc[(f == SOURCE).fillna(False).to_numpy(), col] = small
            out.loc[(f == SECONDARY).fillna(False).to_numpy(), col] = "–"
    for col, is_text in texts.items():  # text the gate cannot read is published as it was
        if is_text.any():
            out.loc[is_text, col] = df.loc[is_text, col].to_numpy()
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
    guard = [c for c in (cols if count_cols is not None else _COUNT_LIKE) if c in out]
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


def suppress_value(n, threshold: int = SUPPRESS_BELOW) -> bool:
    """Whether one published count must be hidden: 1 .. ``threshold``−1 (0 and missing are not)."""
    if n is None or isinstance(n, str):
        return False
    try:
        v = float(n)
    except (TypeError, ValueError):
        return False
    return bool(not math.isnan(v) and 1 <= v < threshold)


def shown_count(n, threshold: int = SUPPRESS_BELOW):
    """The gate for a single count in a sentence, a tooltip or a chart label: ``n`` itself (as int when
    whole), ``"<5"`` when it is 1 .. ``threshold``−1, ``pd.NA`` when missing; text passes unchanged.

    Use it only for a count that is not part of a published total and its parts; counts that are,
    go through :func:`protect_page` (or :func:`publishable` with the table's lines) instead.
    """
    if isinstance(n, str):
        return n
    if n is None or n is pd.NA or (isinstance(n, (float, np.floating)) and math.isnan(n)):
        return pd.NA
    if suppress_value(n, threshold):
        return f"<{threshold}"
    v = float(n)
    return int(v) if v == round(v) else v


def chart_data(frame: pd.DataFrame, value: str, *, by: str | Sequence[str] | None = None,
               total: str | None = None, within: str | Sequence[str] | None = None, secondary: bool = True,
               threshold: int = SUPPRESS_BELOW) -> pd.DataFrame:
    """The gate for a chart: a copy with ``value`` as floats where hidden values are NaN, a bool column
    ``hidden`` and ``mark`` (the text a hidden cell shows: "<5", "–", or "" when shown). Rows already
    flagged ``suppressed`` (:func:`trygghet.analysis.indicators.compute`) are hidden as they are;
    otherwise ``value`` is a count suppressed as by :func:`publishable` with ``count_cols=value`` and the
    same ``by``/``total``/``within``/``secondary`` (a chart shows every cell of its lines)."""
    _check_columns(frame, [value] + _as_list(by) + _as_list(within))
    out = frame.copy().reset_index(drop=True)
    if "suppressed" in out:
        hidden = out["suppressed"].fillna(False).astype(bool).to_numpy() | out[value].isna().to_numpy()
        mark = np.where(hidden, "–", "")
    else:
        flag = _suppress_marked(out, [value], by=by, total=total, within=within, secondary=secondary,
                                threshold=threshold)[f"{value}_suppression"]
        hidden = flag.notna().to_numpy()
        mark = np.where((flag == PRIMARY).fillna(False).to_numpy(bool), f"<{threshold}", np.where(hidden, "–", ""))
    out[value] = pd.to_numeric(out[value], errors="coerce").astype("float64").where(~hidden)
    out["hidden"], out["mark"] = hidden, mark
    return out


Cell = tuple  # (table key, row position, column name)


def row_relations(key: str, frame: pd.DataFrame, total: str, parts: Sequence[str]) -> list[tuple[Cell, list[Cell]]]:
    """Relations "total = sum of parts" across the columns of every row of one table (e.g. read =
    accepted + rejected), for :func:`protect_page`. Rows are addressed by position."""
    _check_columns(frame, [total, *parts])
    return [((key, i, total), [(key, i, p) for p in parts]) for i in range(len(frame))]


def column_relations(key: str, frame: pd.DataFrame, cols: str | Sequence[str], *, total_row: int | None = None,
                     rows: Sequence[int] | None = None) -> list[tuple[Cell, list[Cell]]]:
    """Relations "total row = sum of the other rows" down each of ``cols`` (e.g. categories -> total),
    for :func:`protect_page`. ``total_row`` is the position of the total row (default: the last row);
    ``rows`` the positions of the parts (default: every other row)."""
    cols = _as_list(cols)
    _check_columns(frame, cols)
    t = len(frame) - 1 if total_row is None else int(total_row)
    parts = [i for i in (range(len(frame)) if rows is None else rows) if i != t]
    return [((key, t, c), [(key, i, c) for i in parts]) for c in cols]


def protect_page(tables: dict[str, pd.DataFrame], relations: Iterable[tuple[Cell, Sequence[Cell]]], *,
                 count_cols: dict[str, Sequence[str]], threshold: int = SUPPRESS_BELOW) -> dict[str, pd.DataFrame]:
    """The totals-and-parts rule for one page: display copies of all ``tables`` of the page, protected
    together so that no difference between published figures reveals a count of 1 .. threshold−1.

    ``tables`` maps a key to a frame (a figure in a sentence is a one-row frame of its own);
    ``count_cols`` maps each key to its count columns (cells 1..threshold−1 there are hidden as "<5");
    ``relations`` are ``(total cell, [part cells])`` with cells ``(key, row position, column)`` — the
    same figure may be a part in one relation and a total in another, and a relation may span tables
    (the total offences of a category table = the accepted rows of the data-quality table). Built with
    :func:`row_relations` and :func:`column_relations` or by hand. Secondary cells ("–") are chosen and
    audited by :func:`protect_cells` over the whole page. Text cells are kept as they are.
    """
    index: dict[Cell, int] = {}
    values, marked, unknown = [], [], []  # marked: "<5"/"–" already; unknown: other text (value not known)
    for key, frame in tables.items():
        _check_columns(frame, _as_list(count_cols.get(key, [])))
        for c in _as_list(count_cols.get(key, [])):
            text = _text_cells(frame[c])
            nums = pd.to_numeric(frame[c].where(~text), errors="coerce").astype("float64").to_numpy()
            for i in range(len(frame)):
                index[(key, i, c)] = len(values)
                values.append(0.0 if text[i] or np.isnan(nums[i]) else nums[i])
                marked.append(bool(text[i] and str(frame[c].iloc[i]).strip() in HIDDEN_MARKS))
                unknown.append(bool(text[i]) and not marked[-1])
    lines = []
    for tot, parts in relations:
        for cell in [tot, *parts]:
            if cell not in index:
                raise ParameterError(f"protect_page(): cell {cell!r} of a relation is not a count cell of the page; "
                                     f"declare its column in count_cols[{cell[0]!r}]")
        lines.append([(index[tot], -1.0)] + [(index[p], 1.0) for p in parts])
    values, marked, unknown = np.asarray(values), np.asarray(marked, dtype=bool), np.asarray(unknown, dtype=bool)
    primary = (values >= 1) & (values < threshold) & ~marked & ~unknown
    code = protect_cells(values, primary, lines, marked=marked | unknown,
                         primary_bounds=(1.0, float(threshold - 1)))
    out = {}
    for key, frame in tables.items():
        f = frame.copy().reset_index(drop=True)
        for c in _as_list(count_cols.get(key, [])):
            flag = pd.Series(pd.NA, index=f.index, dtype="string")
            for i in range(len(f)):
                k = index[(key, i, c)]
                if marked[k] or unknown[k]:
                    continue
                flag.iloc[i] = PRIMARY if code[k] == 1 else SECONDARY if code[k] == 2 else pd.NA
            f[f"{c}_suppression"] = flag
        out[key] = publishable(f, threshold=threshold)
    return out


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


def _text_cells(col: pd.Series) -> np.ndarray:
    return col.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)


def _suppress_marked(df: pd.DataFrame, cols: list[str], *, by, total, within, secondary: bool,
                     threshold: int) -> pd.DataFrame:
    """:func:`suppress_counts` where text cells are not read as numbers: "<5"/"–" count as hidden
    (marked), other text is left alone; without ``secondary`` only the primary rule applies."""
    table = df.reset_index(drop=True)
    n_rows = len(table)
    values = np.zeros(n_rows * len(cols))
    marked = np.zeros(n_rows * len(cols), dtype=bool)
    text_all = np.zeros(n_rows * len(cols), dtype=bool)
    missing = np.zeros(n_rows * len(cols), dtype=bool)
    for j, c in enumerate(cols):
        text = _text_cells(table[c])
        nums = pd.to_numeric(table[c].where(~text), errors="coerce").astype("float64").to_numpy()
        sl = slice(j * n_rows, (j + 1) * n_rows)
        text_all[sl] = text
        marked[sl] = text & table[c].map(lambda v: str(v).strip() in HIDDEN_MARKS).to_numpy(dtype=bool)
        missing[sl] = ~text & np.isnan(nums)
        values[sl] = np.where(np.isnan(nums), 0.0, nums)
    primary = (values >= 1) & (values < threshold) & ~text_all
    if secondary:
        lines = _lines(table, cols, _as_list(by), _as_list(within), total, n_rows)
        code = protect_cells(values, primary, lines, unknown=missing | (text_all & ~marked), marked=marked,
                             primary_bounds=(1.0, float(threshold - 1)))
    else:
        code = np.where(primary, 1, 0)
    out = df.copy()
    for j, c in enumerate(cols):
        sl = slice(j * n_rows, (j + 1) * n_rows)
        flag = pd.Series(pd.NA, index=out.index, dtype="string")
        cj, tj = code[sl], text_all[sl]
        flag[(cj == 1) & ~tj] = PRIMARY
        flag[(cj == 2) & ~tj] = SECONDARY
        out[f"{c}_suppression"] = flag
    return out

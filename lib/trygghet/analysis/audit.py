"""The integer-programming attack behind :func:`trygghet.analysis.disclosure.recoverable`.

For each primary cell ("<5") the attacker looks for the smallest and the largest whole value the cell
can take given every published line total, the shown cells, the primary range of the "<5" cells and
"0 or above the primary range" for the other hidden cells ("–"). A cell is recovered when only one
value is possible. This module answers exactly that question, faster than two mixed-integer programmes
per cell over the whole page:

- **Independent parts.** Hidden cells that share no line with a hidden cell of another part cannot
  constrain each other, so the page is split into connected parts (lines linking hidden cells) and each
  part is solved on its own — a few variables instead of the page's hundreds. Every part is checked for
  feasibility, so contradicting shown cells are refused as before.
- **Two witnesses are enough.** A cell is *not* recovered as soon as two whole-valued solutions of its
  part give it different values. The true values (when known) are one solution, and every programme
  solved along the way returns another; a cell is only minimised and maximised when the solutions seen
  so far agree on it. The verdict is the same as minimising and maximising every cell, since a cell's
  smallest and largest value are equal exactly when every solution agrees on it.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from trygghet.data.errors import ParameterError

__all__ = ["recoverable_cells"]

_TOL = 1e-7
_FEAS_TOL = 1e-6
_CONTRADICTION = "recoverable(): no whole values fit the lines; the shown cells contradict their totals"


def recoverable_cells(values: np.ndarray, code: np.ndarray, lines: list[list[tuple[int, float]]], *,
                      primary_bounds: tuple[float, float] = (1.0, 4.0), unknown: np.ndarray | None = None
                      ) -> list[int]:
    """The primary cells (``code == 1``, not ``unknown``) an attacker can pin to one whole value; see
    :func:`trygghet.analysis.disclosure.recoverable` for the rules. In the order of the cells."""
    values = np.asarray(values, dtype=float)
    hidden = np.flatnonzero(code > 0)
    unknown = np.zeros(len(values), dtype=bool) if unknown is None else np.asarray(unknown, dtype=bool)
    targets = [int(i) for i in hidden if code[i] == 1 and not unknown[i]]
    if not targets:
        return []
    pos = {int(i): k for k, i in enumerate(hidden)}
    is_primary = np.asarray([code[i] == 1 for i in hidden], dtype=bool)
    k = len(hidden)
    big = 2 * float(np.nansum(np.abs(values))) + primary_bounds[1] + 1.0
    eqs: list[tuple[dict[int, float], float]] = []  # (variable -> coefficient, right-hand side)
    for ln in lines:
        members = [(i, c) for i, c in ln if int(i) in pos]
        if not members:
            continue
        row: dict[int, float] = {}
        for i, c in members:
            row[pos[int(i)]] = row.get(pos[int(i)], 0.0) + c
        known = [(i, c) for i, c in ln if int(i) not in pos]
        rhs = (sum(c * values[i] for i, c in members) if not np.isnan([values[i] for i, _ in members]).any()
               else -sum(c * values[i] for i, c in known))
        eqs.append((row, float(rhs)))
    if not eqs:
        return []
    parent = list(range(k))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for row, _ in eqs:
        first = next(iter(row))
        for v in row:
            ra, rb = find(first), find(v)
            if ra != rb:
                parent[rb] = ra
    parts: dict[int, list[int]] = {}
    for v in range(k):
        parts.setdefault(find(v), []).append(v)
    part_eqs: dict[int, list[tuple[dict[int, float], float]]] = {}
    for row, rhs in eqs:
        part_eqs.setdefault(find(next(iter(row))), []).append((row, rhs))
    truth = values[hidden] if not np.isnan(values[hidden]).any() else None
    exposed: set[int] = set()
    for root, members in parts.items():
        part_targets = [int(hidden[v]) for v in members if is_primary[v] and not unknown[hidden[v]]]
        equations = part_eqs.get(root, [])
        if not equations:  # a cell in no line: only its own range limits it
            lo_b, hi_b = primary_bounds
            exposed.update(t for t in part_targets if math.floor(hi_b + _TOL) <= math.ceil(lo_b - _TOL))
            continue
        part = _Part(members, equations, is_primary, primary_bounds, big)
        seen = []
        if truth is not None:
            seed = part.completed(truth[members])
            if part.feasible(seed):
                seen.append(seed)
        if not seen:
            found = part.solve(np.zeros(part.nvar))  # any solution (and the check that one exists)
            if found is not None:
                seen.append(found)
        for t in part_targets:
            j = part.index[pos[t]]
            if _differ(seen, j):
                continue
            lo, sol_lo = part.optimum(j, +1.0)
            if sol_lo is not None:
                seen.append(sol_lo)
                if _differ(seen, j):
                    continue
            hi, sol_hi = part.optimum(j, -1.0)
            if sol_hi is not None:
                seen.append(sol_hi)
            if math.floor(hi + _TOL) <= math.ceil(lo - _TOL):
                exposed.add(t)
    return [t for t in targets if t in exposed]


def _differ(solutions: list[np.ndarray], j: int) -> bool:
    """Whether two known solutions give variable ``j`` different whole values."""
    if len(solutions) < 2:
        return False
    first = round(float(solutions[0][j]))
    return any(round(float(s[j])) != first for s in solutions[1:])


class _Part:
    """One independent part of the audit: its hidden cells (``x``), a 0/1 switch ``z`` per non-primary
    hidden cell (x = 0 when z = 0, x above the primary range when z = 1) and its lines."""

    def __init__(self, members: list[int], equations, is_primary: np.ndarray, primary_bounds, big: float):
        self.index = {v: n for n, v in enumerate(members)}
        m = len(members)
        others = [n for n, v in enumerate(members) if not is_primary[v]]
        self.zpos = {n: m + j for j, n in enumerate(others)}
        self.nvar = nvar = m + len(others)
        rows, lo_b, hi_b = [], [], []
        for row, rhs in equations:
            r = np.zeros(nvar)
            for v, c in row.items():
                r[self.index[v]] += c
            rows.append(r), lo_b.append(rhs), hi_b.append(rhs)
        pmax = primary_bounds[1]
        for n in others:
            r = np.zeros(nvar)
            r[n], r[self.zpos[n]] = 1.0, -(pmax + 1.0)
            rows.append(r), lo_b.append(0.0), hi_b.append(np.inf)
            r = np.zeros(nvar)
            r[n], r[self.zpos[n]] = 1.0, -big
            rows.append(r), lo_b.append(-np.inf), hi_b.append(0.0)
        self.a = np.vstack(rows)
        self.lo_b, self.hi_b = np.asarray(lo_b), np.asarray(hi_b)
        lower = np.zeros(nvar)
        upper = np.concatenate([np.full(m, big), np.ones(len(others))])
        for n, v in enumerate(members):
            if is_primary[v]:
                lower[n], upper[n] = primary_bounds
        self.lower, self.upper = lower, upper
        self.constraints = LinearConstraint(self.a, self.lo_b, self.hi_b)
        self.bounds = Bounds(lower, upper)
        self.pmax = pmax

    def completed(self, x: np.ndarray) -> np.ndarray:
        """The cells' values ``x`` with their switches set (z = 1 for a cell above zero)."""
        full = np.zeros(self.nvar)
        full[: len(x)] = x
        for n, zp in self.zpos.items():
            full[zp] = 1.0 if x[n] > 0 else 0.0
        return full

    def feasible(self, sol: np.ndarray) -> bool:
        if not np.all(np.isfinite(sol)) or np.any(np.abs(sol - np.round(sol)) > _FEAS_TOL):
            return False
        if np.any(sol < self.lower - _FEAS_TOL) or np.any(sol > self.upper + _FEAS_TOL):
            return False
        ax = self.a @ sol
        return bool(np.all(ax >= self.lo_b - _FEAS_TOL) and np.all(ax <= self.hi_b + _FEAS_TOL))

    def solve(self, obj: np.ndarray) -> np.ndarray | None:
        res = milp(obj, constraints=self.constraints, integrality=np.ones(self.nvar), bounds=self.bounds)
        if res.status == 2:
            raise ParameterError(_CONTRADICTION)
        if res.status != 0 or res.x is None:
            return None
        return np.round(res.x)

    def optimum(self, j: int, sign: float) -> tuple[float, np.ndarray | None]:
        """The smallest (``sign`` +1) or largest (−1) value of variable ``j`` and a solution reaching it
        (``∓inf`` and ``None`` when the solver gives up)."""
        obj = np.zeros(self.nvar)
        obj[j] = sign
        res = milp(obj, constraints=self.constraints, integrality=np.ones(self.nvar), bounds=self.bounds)
        if res.status == 2:
            raise ParameterError(_CONTRADICTION)
        if res.status != 0 or res.fun is None:  # as the full audit: the cell then counts as not pinned
            return (-math.inf if sign > 0 else math.inf), None
        value = float(res.fun) if sign > 0 else -float(res.fun)
        return value, (np.round(res.x) if res.x is not None else None)

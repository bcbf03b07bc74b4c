"""Phase-1 simplex with Bland's rule: batched in float64, and exact in rationals for the rest."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

_EPS = 1e-9


def simplex(a: np.ndarray, valid: np.ndarray, max_iter: int = 10_000):
    """Phase-1 simplex with Bland's rule, batched: ``min sum(art)``, ``A lam + art = e_last``.

    Args:
      a: float64 (B, R, N) constraint matrices.
      valid: bool (B, N), the columns that may enter.
      max_iter: pivots before giving up (left unresolved, redone exactly).

    Returns:
      ``(basis, rhs, duals, done)``: final basis indices (B, R) (>= N: artificial), basic values
      (B, R), simplex multipliers y (B, R) and whether each program reached optimality.
    """
    count, r, n_cols = a.shape
    basis = np.tile(np.arange(n_cols, n_cols + r), (count, 1))
    rhs_out = np.zeros((count, r))
    red_out = np.zeros((count, n_cols + r))
    done = np.zeros(count, bool)
    tab = np.concatenate([a, np.broadcast_to(np.eye(r), (count, r, r))], axis=2)
    rhs = np.zeros((count, r))
    rhs[:, -1] = 1.0
    red = np.concatenate([-a.sum(1), np.zeros((count, r))], axis=1)
    enter_ok = np.concatenate([valid, np.zeros((count, r), bool)], 1)
    idx = np.arange(count)
    bas = basis.copy()
    for _ in range(max_iter):
        cand = (red < -_EPS) & enter_ok
        moving = cand.any(1)
        if not moving.all():  # the optimal programs leave the batch
            stop = idx[~moving]
            basis[stop], rhs_out[stop], red_out[stop] = bas[~moving], rhs[~moving], red[~moving]
            done[stop] = True
            idx, tab, rhs, red, enter_ok, bas, cand = (
                v[moving] for v in (idx, tab, rhs, red, enter_ok, bas, cand)
            )
            if not len(idx):
                break
        _pivot(tab, rhs, red, bas, np.argmax(cand, 1))  # Bland: the first improving column
    if len(idx) and not done[idx].all():
        basis[idx], rhs_out[idx], red_out[idx] = bas, rhs, red
    duals = 1.0 - red_out[:, n_cols:]
    return basis, rhs_out, duals, done


def _pivot(tab: np.ndarray, rhs: np.ndarray, red: np.ndarray, bas: np.ndarray, j: np.ndarray):
    """One pivot per program, in place: column j enters, the leaving row by Bland's rule."""
    ar = np.arange(len(j))
    col = tab[ar, :, j]
    pos = col > _EPS
    ratio = np.where(pos, rhs / np.where(pos, col, 1.0), np.inf)
    best = ratio.min(1)
    tie = pos & (ratio <= best[:, None] + _EPS)
    row = np.argmin(np.where(tie, bas, np.iinfo(np.int64).max), 1)  # Bland: lowest index
    prow = tab[ar, row, :] / col[ar, row][:, None]
    prhs = rhs[ar, row] / col[ar, row]
    tab -= col[:, :, None] * prow[:, None, :]
    rhs -= col * prhs[:, None]
    tab[ar, row, :] = prow
    rhs[ar, row] = prhs
    red -= red[ar, j][:, None] * prow
    bas[ar, row] = j


def solve_exact(a: np.ndarray, valid: np.ndarray):
    """One program by an exact rational phase-1 simplex (Bland).

    Returns:
      ``("gordan", lam)`` or ``("separable", y)``, integer vectors (object arrays).
    """
    r, n_cols = a.shape
    cols = [j for j in range(n_cols) if valid[j]]
    tab = [
        [Fraction(int(a[i, j])) for j in cols] + [Fraction(int(i == k)) for k in range(r)]
        for i in range(r)
    ]
    rhs = [Fraction(0)] * (r - 1) + [Fraction(1)]
    width = len(cols)
    basis = list(range(width, width + r))
    red = [-sum(tab[i][j] for i in range(r)) for j in range(width)] + [Fraction(0)] * r
    while (enter := next((j for j in range(width) if red[j] < 0), None)) is not None:
        row = _leaving_row(tab, rhs, basis, enter)
        red = _pivot_exact(tab, rhs, red, row, enter)
        basis[row] = enter
    objective = sum(rhs[i] for i in range(r) if basis[i] >= width)
    if objective == 0:
        lam = [Fraction(0)] * n_cols
        for i in range(r):
            if basis[i] < width:
                lam[cols[basis[i]]] = rhs[i]
        return "gordan", _integers(lam)
    return "separable", _integers([1 - red[width + i] for i in range(r)])


def _leaving_row(tab: list, rhs: list, basis: list, enter: int) -> int:
    """The least ratio rhs / column, ties to the lowest basic index (Bland)."""
    best, row = None, None
    for i in range(len(tab)):
        if tab[i][enter] > 0:
            q = rhs[i] / tab[i][enter]
            if best is None or q < best or (q == best and basis[i] < basis[row]):
                best, row = q, i
    return row


def _pivot_exact(tab: list, rhs: list, red: list, row: int, enter: int) -> list:
    """Pivots the tableau and right-hand side in place; returns the new reduced costs."""
    piv = tab[row][enter]
    tab[row] = [v / piv for v in tab[row]]
    rhs[row] = rhs[row] / piv
    for i in range(len(tab)):
        if i != row and tab[i][enter] != 0:
            f = tab[i][enter]
            tab[i] = [u - f * v for u, v in zip(tab[i], tab[row])]
            rhs[i] -= f * rhs[row]
    f = red[enter]
    return [u - f * v for u, v in zip(red, tab[row])]


def _integers(values: list[Fraction]) -> np.ndarray:
    """The rationals times the lcm of their denominators, as an object array of ints."""
    scale = math.lcm(*(v.denominator for v in values))
    return np.array([int(v * scale) for v in values], dtype=object)

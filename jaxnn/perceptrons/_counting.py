"""Counting the threshold functions of n variables exactly, by symmetry (notes 2.4, OEIS A000609).

Every threshold function is, after negating some inputs and permuting them, a *canonical* one: a
positive function whose variables are sorted by desirability, x1 >= x2 >= ... >= xn. Its true set
is then an up-set of the shift order (raise the last bit, or move a 1 one place left). The
canonical functions are found level by level (by number of true points): each one with k + 1 true
points is a canonical one with k true points plus one maximal false point, so the candidates of a
level come from the level below and every candidate is decided exactly. Nothing enumerates the
2^(2^n) functions.

Deciding a candidate is a small linear program over its shift-minimal true points and
shift-maximal false points with weights in the cone w1 >= ... >= wn >= 0, solved by a batched
phase-1 simplex in float64 (NumPy, one tableau per candidate). Its result is turned into exact
integers and checked on all 2^n points: a separating integer (w, theta) for a threshold function,
or a Gordan certificate (a signed integer combination of the rows (1, x) that vanishes, positive
only where the function is 1 and negative only where it is 0) for a candidate rejected. Whatever
the float solve gets wrong is redone by an exact rational simplex; nothing is counted or rejected
unchecked.
"""

from __future__ import annotations

import functools
import json
import math
import os
import time
from fractions import Fraction
from typing import NamedTuple

import numpy as np

from jaxnn._validation import check_int_range

__all__ = [
    "KNOWN_LIMIT_N",
    "ThresholdCandidates",
    "ThresholdClasses",
    "ThresholdCount",
    "canonical_form",
    "count_threshold_functions",
    "decide_canonical",
    "estimate_cost",
    "is_threshold_function",
    "threshold_candidates",
    "write_witnesses",
]

KNOWN_LIMIT_N = 9
"""The largest n with a published count (Muroga et al. n <= 8, Gruzling 2006 n = 9)."""

_WHY_LIMIT = "no count of threshold functions is known beyond n = 9 to check against"
_EPS = 1e-9
_CHUNK = 16384


class ThresholdClasses(NamedTuple):
    """The canonical threshold functions of n variables: one per class under permuting inputs.

    Row c describes the positive threshold function ``[w . x >= theta]`` with
    ``w1 >= w2 >= ... >= wn >= 0``; negating any of its essential inputs and permuting the inputs
    gives ``functions[c]`` distinct threshold functions, every one of them exactly once.

    Attributes:
      tables: uint8 (classes, 2**n), the truth table in the row order of
        :func:`jaxnn.boolean_inputs` (x1 varies fastest).
      weights: int64 (classes, n), integer weights, equal for interchangeable inputs, zero for the
        inputs the function does not depend on.
      thresholds: int64 (classes,), the threshold theta; the witness is checked on every row.
      essential: int64 (classes,), how many inputs the function depends on (x1 .. x_k).
      blocks: int64 (classes, n), for each input the index of its class of interchangeable
        inputs (0 for x1's class, increasing), -1 for an input the function does not depend on.
      functions: int64 (classes,), the threshold functions in the class's orbit:
        2^k n! / prod_j s_j! (k essential inputs, s_j the sizes of the interchangeable classes,
        the unused inputs counted as one class).
      positive: int64 (classes,), the positive functions in the orbit, n! / prod_j s_j!.
      self_dual: bool (classes,), whether f(x) = NOT f(NOT x).
    """

    tables: np.ndarray
    weights: np.ndarray
    thresholds: np.ndarray
    essential: np.ndarray
    blocks: np.ndarray
    functions: np.ndarray
    positive: np.ndarray
    self_dual: np.ndarray


class ThresholdCount(NamedTuple):
    """The threshold functions of n variables, counted exactly by :func:`count_threshold_functions`.

    Attributes:
      n: the number of variables.
      threshold_functions: threshold functions of n or fewer variables (OEIS A000609).
      exactly_n: those that depend on all n variables (A000615).
      n_classes: classes under negating inputs, i.e. positive threshold functions, of n or fewer
        variables (A002078).
      n_classes_exactly_n: the same, of exactly n variables (A002079).
      np_classes: classes under negating and permuting inputs, of n or fewer variables: the
        canonical functions.
      npn_classes: classes under negating and permuting inputs and negating the output, of n or
        fewer variables.
      npn_classes_exactly_n: the same, of exactly n variables (A001530).
      by_variables: ``threshold_functions`` for 0, 1, ..., n variables (each from the same
        canonical classes, with the unused inputs dropped).
      candidates: the candidates decided (each exactly once).
      rejected: candidates rejected, each with a verified Gordan certificate.
      exact_fallbacks: candidates that the float simplex left unresolved, redone exactly.
      classes: the canonical classes with their integer witnesses (:class:`ThresholdClasses`).
      seconds: wall-clock seconds of the count.
    """

    n: int
    threshold_functions: int
    exactly_n: int
    n_classes: int
    n_classes_exactly_n: int
    np_classes: int
    npn_classes: int
    npn_classes_exactly_n: int
    by_variables: tuple[int, ...]
    candidates: int
    rejected: int
    exact_fallbacks: int
    classes: ThresholdClasses
    seconds: float


# --------------------------------------------------------------------------------------------
# the cube and the shift order


class _Cube(NamedTuple):
    n: int
    bits: np.ndarray  # int64 (P, n), bits[p, i] = x_{i+1} of row p
    up: np.ndarray  # int64 (P, n + 1), upper covers of each row in the shift order, P = none
    down: np.ndarray  # int64 (P, n + 1), lower covers, P = none
    swap: np.ndarray  # int64 (n - 1, P), row p with x_{i+1} and x_{i+2} exchanged
    flip: np.ndarray  # int64 (n, P), row p with x_{i+1} negated


@functools.cache
def _cube(n: int) -> _Cube:
    """Rows of the n-cube, their shift-order covers and the maps of swapping / negating inputs."""
    size = 2**n
    p = np.arange(size, dtype=np.int64)
    bits = (p[:, None] >> np.arange(n)[None, :]) & 1
    up = np.full((size, n + 1), size, np.int64)
    down = np.full((size, n + 1), size, np.int64)
    if n:
        last = 1 << (n - 1)
        up[:, 0] = np.where(bits[:, n - 1] == 0, p + last, size)
        down[:, 0] = np.where(bits[:, n - 1] == 1, p - last, size)
        for k in range(n - 1):  # move a 1 from x_{k+2} to x_{k+1} (up) or back (down)
            move = (1 << k) - (1 << (k + 1))
            up[:, k + 1] = np.where((bits[:, k] == 0) & (bits[:, k + 1] == 1), p + move, size)
            down[:, k + 1] = np.where((bits[:, k] == 1) & (bits[:, k + 1] == 0), p - move, size)
    swap = np.empty((max(n - 1, 0), size), np.int64)
    for k in range(n - 1):
        differ = bits[:, k] != bits[:, k + 1]
        swap[k] = np.where(differ, p ^ ((1 << k) | (1 << (k + 1))), p)
    flip = np.stack([p ^ (1 << k) for k in range(n)]) if n else np.empty((0, size), np.int64)
    return _Cube(n, bits, up, down, swap, flip)


def _pad(tables: np.ndarray, value: bool) -> np.ndarray:
    return np.concatenate([tables, np.full((len(tables), 1), value)], axis=1)


def _maximal_false(cube: _Cube, tables: np.ndarray) -> np.ndarray:
    """False rows whose upper covers are all true (adding one keeps an up-set)."""
    return ~tables & np.all(_pad(tables, True)[:, cube.up], axis=2)


def _minimal_true(cube: _Cube, tables: np.ndarray) -> np.ndarray:
    """True rows whose lower covers are all false."""
    return tables & ~np.any(_pad(tables, False)[:, cube.down], axis=2)


class _Structure(NamedTuple):
    essential: np.ndarray  # (B,) number of essential inputs (a prefix x1..x_k)
    blocks: np.ndarray  # (B, n) class index of each input, -1 if inessential
    ess_rows: np.ndarray  # (B, P) bool, rows with no inessential bit set


def _structure(cube: _Cube, tables: np.ndarray) -> _Structure:
    """Essential inputs and classes of interchangeable inputs of canonical functions."""
    n = cube.n
    count, size = tables.shape
    if n == 0:
        return _Structure(
            np.zeros(count, np.int64), np.zeros((count, 0), np.int64), np.ones((count, 1), bool)
        )
    essential_var = np.stack([np.any(tables != tables[:, cube.flip[k]], 1) for k in range(n)], 1)
    k = essential_var.sum(1)
    if not np.all(essential_var == (np.arange(n)[None, :] < k[:, None])):
        raise RuntimeError("a canonical function depends on an input after one it ignores")
    same = [np.all(tables == tables[:, cube.swap[i]], 1) for i in range(n - 1)]
    new_block = np.stack([np.zeros(count, bool)] + [~s for s in same], 1)
    blocks = np.cumsum(new_block, 1)
    blocks = np.where(np.arange(n)[None, :] < k[:, None], blocks, -1).astype(np.int64)
    ess_mask = (1 << k) - 1
    ess_rows = (np.arange(size)[None, :] & ~ess_mask[:, None]) == 0
    return _Structure(k.astype(np.int64), blocks, ess_rows)


# --------------------------------------------------------------------------------------------
# the linear programs


class _Programs(NamedTuple):
    a: np.ndarray  # int64 (B, R, N): columns s (1, x) (strict) and cone walls, R = n + 2
    valid: np.ndarray  # (B, N) bool
    rows: np.ndarray  # (B, N) the row x of a strict column, -1 for cone walls and padding
    strict: int  # columns 0 .. strict - 1 are rows of the cube, the last n cone walls


def _programs(cube: _Cube, tables: np.ndarray) -> _Programs:
    r"""The phase-1 programs ``A lam = e_last, lam >= 0`` whose solutions are Gordan certificates.

    Columns: ``s_x (1, x, 1)`` for the shift-minimal true rows (s = +1) and shift-maximal false rows
    (s = -1), and the cone walls ``(0, e_i - e_{i+1}, 0)``, ``(0, e_n, 0)`` with no weight in the
    last (normalizing) row.
    """
    n = cube.n
    count, size = tables.shape
    ends = _minimal_true(cube, tables) | _maximal_false(cube, tables)
    width = max(int(ends.sum(1).max()), 1)
    order = np.argsort(~ends, axis=1, kind="stable")[:, :width]
    valid = np.take_along_axis(ends, order, 1)
    rows = np.where(valid, order, -1)
    sign = np.where(np.take_along_axis(tables, order, 1), 1, -1) * valid
    xs = cube.bits[order]  # (B, width, n)
    a = np.zeros((count, n + 2, width + n), np.int64)
    a[:, 0, :width] = sign
    a[:, 1 : n + 1, :width] = np.transpose(xs * sign[:, :, None], (0, 2, 1))
    a[:, n + 1, :width] = valid
    for i in range(n):
        a[:, 1 + i, width + i] = 1
        if i + 1 < n:
            a[:, 2 + i, width + i] = -1
    valid = np.concatenate([valid, np.ones((count, n), bool)], 1)
    rows = np.concatenate([rows, np.full((count, n), -1)], 1)
    return _Programs(a, valid, rows, width)


def _simplex(a: np.ndarray, valid: np.ndarray, max_iter: int = 10_000):
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
        if not moving.all():
            stop = ~moving
            basis[idx[stop]], rhs_out[idx[stop]], red_out[idx[stop]] = (
                bas[stop],
                rhs[stop],
                red[stop],
            )
            done[idx[stop]] = True
            keep = moving
            idx, tab, rhs, red, enter_ok, bas, cand = (
                idx[keep],
                tab[keep],
                rhs[keep],
                red[keep],
                enter_ok[keep],
                bas[keep],
                cand[keep],
            )
            if not len(idx):
                break
        m = len(idx)
        ar = np.arange(m)
        j = np.argmax(cand, 1)  # Bland: the first improving column
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
    if len(idx) and not done[idx].all():
        basis[idx], rhs_out[idx], red_out[idx] = bas, rhs, red
    duals = 1.0 - red_out[:, n_cols:]
    return basis, rhs_out, duals, done


def _solve_exact(a: np.ndarray, valid: np.ndarray):
    """One program by an exact rational phase-1 simplex (Bland): ``("gordan", lam)`` or
    ``("separable", y)`` with integer vectors."""
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
    while True:
        enter = next((j for j in range(width) if red[j] < 0), None)
        if enter is None:
            break
        best, row = None, None
        for i in range(r):
            if tab[i][enter] > 0:
                q = rhs[i] / tab[i][enter]
                if best is None or q < best or (q == best and basis[i] < basis[row]):
                    best, row = q, i
        piv = tab[row][enter]
        tab[row] = [v / piv for v in tab[row]]
        rhs[row] = rhs[row] / piv
        for i in range(r):
            if i != row and tab[i][enter] != 0:
                f = tab[i][enter]
                tab[i] = [u - f * v for u, v in zip(tab[i], tab[row])]
                rhs[i] -= f * rhs[row]
        f = red[enter]
        red = [u - f * v for u, v in zip(red, tab[row])]
        basis[row] = enter
    objective = sum(rhs[i] for i in range(r) if basis[i] >= width)
    if objective == 0:
        lam = [Fraction(0)] * n_cols
        for i in range(r):
            if basis[i] < width:
                lam[cols[basis[i]]] = rhs[i]
        scale = math.lcm(*(v.denominator for v in lam))
        return "gordan", np.array([int(v * scale) for v in lam], dtype=object)
    y = [1 - red[width + i] for i in range(r)]
    scale = math.lcm(*(v.denominator for v in y))
    return "separable", np.array([int(v * scale) for v in y], dtype=object)


# --------------------------------------------------------------------------------------------
# exact certificates from the float solutions


def _witness_ok(cube: _Cube, tables: np.ndarray, tau: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Whether ``tau + w . x`` is positive exactly on the true rows and never zero (integers)."""
    v = tau[:, None] + w @ cube.bits.T
    return np.all((v > 0) == tables, 1) & np.all(v != 0, 1)


def _pairs(cube: _Cube, tables: np.ndarray, st: _Structure) -> tuple[np.ndarray, np.ndarray]:
    """A false row z and a true row z' per cone wall, with z' - z equal to the wall.

    Wall i is ``e_i - e_{i+1}`` (``e_n`` for the last input). Where x_i and x_{i+1} are in
    different classes, z' = z + e_i - e_{i+1}; where x_i is the last input the function uses,
    z' = z + e_i (the unused inputs are dropped). Both rows have no unused bit set. -1 where the
    wall vanishes (x_i unused, or x_i and x_{i+1} interchangeable).
    """
    n = cube.n
    count, size = tables.shape
    z = np.full((count, n), -1, np.int64)
    zp = np.full((count, n), -1, np.int64)
    p = np.arange(size)
    for i in range(n):
        last = st.essential == i + 1
        between = st.essential > i + 1
        if i + 1 < n:
            between &= st.blocks[:, i] != st.blocks[:, i + 1]
        for sel, move, pattern in (
            (last, 1 << i, cube.bits[:, i] == 0),
            (
                between,
                (1 << i) - (1 << min(i + 1, n - 1)),
                (cube.bits[:, i] == 0) & (cube.bits[:, min(i + 1, n - 1)] == 1),
            ),
        ):
            if not sel.any():
                continue
            target = np.where(pattern, p + move, 0)
            t = tables[sel]
            ok = pattern[None, :] & st.ess_rows[sel] & ~t & t[:, target]
            if not ok.any(1).all():
                raise RuntimeError("no false/true pair for a cone wall of a canonical function")
            first = np.argmax(ok, 1)
            z[sel, i] = first
            zp[sel, i] = target[first]
    return z, zp


def _lift(
    cube: _Cube, tables: np.ndarray, st: _Structure, lam: np.ndarray, prog: _Programs
) -> np.ndarray:
    r"""Full Gordan certificates from the programs' integer solutions.

    ``sum_j lam_j A_j = D e_last`` mixes rows of the cube with cone walls. Bits of unused inputs
    are cleared (the function does not see them); a wall between inputs of different classes is
    replaced by a false row z and a true row z' with z' - z equal to the wall (:func:`_pairs`);
    walls inside a class vanish when the identity is summed over the group G of permutations of
    each class, which gives (kappa: the coefficients so far, s = +-1 the outputs)

    .. math:: \sigma(x) = s_x\, \frac{|G|}{|G x|} \sum_{y \in G x} \kappa_y, \qquad
        \sum_x \sigma(x)\, (1, x) = 0

    Returns:
      int64 (B, 2**n), the signed certificates (positive only on true rows, negative only on false).
    """
    n = cube.n
    count, size = tables.shape
    width = prog.strict
    kappa = np.zeros((count, size), np.int64)
    ess_mask = (1 << st.essential) - 1
    rows = np.where(prog.rows[:, :width] >= 0, prog.rows[:, :width] & ess_mask[:, None], 0)
    np.add.at(kappa, (np.repeat(np.arange(count), width), rows.ravel()), lam[:, :width].ravel())
    if n:
        z, zp = _pairs(cube, tables, st)
        nu = lam[:, width : width + n]
        b_idx, i_idx = np.nonzero((z >= 0) & (nu != 0))
        np.add.at(kappa, (b_idx, z[b_idx, i_idx]), nu[b_idx, i_idx])
        np.add.at(kappa, (b_idx, zp[b_idx, i_idx]), nu[b_idx, i_idx])
    # orbit sums over G: rows of one orbit have the same count of ones in every class
    base = n + 1
    power = np.where(st.blocks >= 0, base ** np.maximum(st.blocks, 0), 0)  # (B, n)
    key = np.where(st.ess_rows, power @ cube.bits.T, -1)  # (B, P)
    flat = np.where(key >= 0, np.arange(count)[:, None] * base**n + key, -1)
    uniq, inv, orbit = np.unique(flat, return_inverse=True, return_counts=True)
    inv = inv.reshape(count, size)
    sums = np.zeros(len(uniq), np.int64)
    np.add.at(sums, inv.ravel(), kappa.ravel())
    group = _class_group_order(st.blocks)
    lam_full = np.where(key >= 0, sums[inv] * (group[:, None] // orbit[inv]), 0)
    return lam_full * np.where(tables, 1, -1)


def _class_group_order(blocks: np.ndarray) -> np.ndarray:
    """prod_j s_j! over the classes of interchangeable essential inputs, per function."""
    n = blocks.shape[1]
    onehot = blocks[:, :, None] == np.arange(n)[None, None, :]
    sizes = onehot.sum(1)  # (B, n)
    fact = np.array([math.factorial(k) for k in range(n + 1)], np.int64)
    return np.prod(fact[sizes], axis=1)


def _certificate_ok(cube: _Cube, tables: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Exact Gordan check: sum_x sigma_x (1, x) = 0, sigma != 0, signs agree with the table."""
    a = np.concatenate([np.ones((cube.bits.shape[0], 1), np.int64), cube.bits], 1)
    if np.abs(sigma).max(initial=0) * a.shape[0] >= 2**62:
        total = sigma.astype(object) @ a.astype(object)
    else:
        total = sigma @ a
    signs = np.all(np.where(tables, sigma >= 0, sigma <= 0), 1)
    return np.all(total == 0, 1) & np.any(sigma != 0, 1) & signs


def _decide(cube: _Cube, tables: np.ndarray, *, certificates: bool = False):
    """Exact decision for a batch of canonical candidates.

    Args:
      cube: the cube of n inputs.
      tables: bool (B, 2**n), candidates (up-sets of the shift order).
      certificates: also return the Gordan certificates of the rejected candidates.

    Returns:
      ``(separable, tau, w, fallbacks)``: bool (B,), integer witnesses with ``tau + w . x > 0``
      exactly on the true rows (zeros where not separable; every one checked on all rows), and
      how many candidates were redone by the exact simplex. Every candidate rejected had a Gordan
      certificate checked by :func:`_certificate_ok`; with ``certificates`` they come fifth,
      int64 (B, 2**n), zero rows for the separable candidates.
    """
    n = cube.n
    count = len(tables)
    prog = _programs(cube, tables)
    basis, rhs, duals, done = _simplex(prog.a.astype(np.float64), prog.valid)
    r, n_cols = prog.a.shape[1], prog.a.shape[2]
    eye = np.broadcast_to(np.eye(r, dtype=np.int64), (count, r, r))
    bmat = np.take_along_axis(np.concatenate([prog.a, eye], 2), basis[:, None, :], 2)
    det = np.rint(np.linalg.det(bmat.astype(np.float64))).astype(np.int64)
    objective = np.sum(np.where(basis >= n_cols, rhs, 0.0), 1)
    sgn = np.where(det < 0, -1, 1)
    # Gordan side: lam_B = |D| B^-1 e_last, integer by Cramer's rule
    lam = np.zeros((count, n_cols + r), np.int64)
    np.put_along_axis(lam, basis, np.rint(rhs * (det * sgn)[:, None]).astype(np.int64), 1)
    lam = lam[:, :n_cols]
    target = np.abs(det)[:, None] * (np.arange(r) == r - 1)[None, :]
    gordan = done & (objective < 1e-7) & (det != 0) & np.all(lam >= 0, 1)
    gordan &= np.all(np.einsum("brn,bn->br", prog.a, lam) == target, 1)
    # separable side: y = c_B B^-1 (integer times |D|), witness z = -|D| y
    y = np.rint(duals * (det * sgn)[:, None]).astype(np.int64)
    tau, w = -y[:, 0], -y[:, 1 : n + 1]
    separable = done & (objective > 1e-7) & (det != 0) & _witness_ok(cube, tables, tau, w)
    st = _structure(cube, tables)
    certified = np.zeros(count, bool)
    sigmas = np.zeros(tables.shape if certificates else (0, 0), np.int64)
    g = np.flatnonzero(gordan)
    if len(g):
        sigma = _lift(cube, tables[g], _take(st, g), lam[g], _take(prog, g))
        certified[g] = _certificate_ok(cube, tables[g], sigma)
        if certificates:
            sigmas[g] = np.where(certified[g][:, None], sigma, 0)
    redo = np.flatnonzero(~(separable | certified))
    for b in redo:
        one = slice(b, b + 1)
        kind, vec = _solve_exact(prog.a[b], prog.valid[b])
        if kind == "separable":
            vec = vec // math.gcd(*vec)
            t_ = np.array([-vec[0]], np.int64)
            w_ = -np.array(vec[1 : n + 1], np.int64)[None, :]
            if not _witness_ok(cube, tables[one], t_, w_)[0]:
                raise RuntimeError("the exact simplex's witness does not separate its function")
            separable[b], tau[b], w[b] = True, t_[0], w_[0]
        else:
            lam_b = np.array(vec, np.int64)[None, :]
            sigma = _lift(cube, tables[one], _take(st, one), lam_b, _take(prog, one))
            if not _certificate_ok(cube, tables[one], sigma)[0]:
                raise RuntimeError("the exact simplex's certificate does not verify")
            if certificates:
                sigmas[b] = sigma[0]
    tau = np.where(separable, tau, 0)
    w = np.where(separable[:, None], w, 0)
    if certificates:
        return separable, tau, w, len(redo), sigmas
    return separable, tau, w, len(redo)


def _take(t, index):
    """The same NamedTuple with every array field indexed (ints pass through)."""
    return type(t)(*(v[index] if isinstance(v, np.ndarray) else v for v in t))


# --------------------------------------------------------------------------------------------
# the search


def _unique_rows(tables: np.ndarray) -> np.ndarray:
    """The distinct rows of a bool matrix (order of first occurrence is not kept)."""
    _, first = np.unique(_row_keys(tables), return_index=True)
    return tables[np.sort(first)]


class _Search(NamedTuple):
    tables: np.ndarray  # bool (C, P), levels 0 .. P/2 (all canonical functions with <= P/2 rows)
    tau: np.ndarray
    w: np.ndarray
    candidates: int
    rejected: int
    fallbacks: int
    rejected_tables: np.ndarray | None = None  # with keep_rejected: bool (rejected, P)
    certificates: np.ndarray | None = None  # with keep_rejected: their Gordan certificates


def _search(n: int, *, keep_rejected: bool = False, progress=None) -> _Search:
    """Canonical threshold functions with at most half the rows true, level by level.

    Args:
      n: the number of variables.
      keep_rejected: also return the rejected candidates and their Gordan certificates.
      progress: ``progress(level, levels, classes)``, called after each level, or None.
    """
    cube = _cube(n)
    size = 2**n
    level = np.zeros((1, size), bool)  # the constant 0: -1 + 0 . x > 0 nowhere
    found = [(level, np.array([-1], np.int64), np.zeros((1, n), np.int64))]
    candidates = rejected = fallbacks = classes = 0
    kept = []
    for step in range(size // 2):
        fi, p = np.nonzero(_maximal_false(cube, level))
        grown = level[fi]
        grown[np.arange(len(fi)), p] = True
        grown = _unique_rows(grown)
        parts = []
        for start in range(0, len(grown), _CHUNK):
            chunk = grown[start : start + _CHUNK]
            sep, tau, w, redo, *sigma = _decide(cube, chunk, certificates=keep_rejected)
            parts.append((chunk[sep], tau[sep], w[sep]))
            if keep_rejected:
                kept.append((chunk[~sep], sigma[0][~sep]))
            fallbacks += redo
            rejected += int((~sep).sum())
        candidates += len(grown)
        level = np.concatenate([t for t, _, _ in parts])
        found.append(tuple(np.concatenate([part[i] for part in parts]) for i in range(3)))
        classes += len(level)
        if progress is not None:
            progress(step + 1, size // 2, classes)
    tables, tau, w = (np.concatenate([f[i] for f in found]) for i in range(3))
    if not keep_rejected:
        return _Search(tables, tau, w, candidates, rejected, fallbacks)
    bad = np.concatenate([t for t, _ in kept]) if kept else np.zeros((0, size), bool)
    sig = np.concatenate([s for _, s in kept]) if kept else np.zeros((0, size), np.int64)
    return _Search(tables, tau, w, candidates, rejected, fallbacks, bad, sig)


def _canonical_witness(
    cube: _Cube, tables: np.ndarray, st: _Structure, tau: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Tidy integer witnesses ``[w . x >= theta]``: equal weights within a class of
    interchangeable inputs (the class mean: the separating set is convex and symmetric), zero for
    unused inputs, divided by their gcd, theta the least ``w . x`` over the true rows."""
    n = cube.n
    count = len(tables)
    if n == 0:
        return np.zeros((count, 0), np.int64), np.where(tables[:, 0], 0, 1).astype(np.int64)
    onehot = (st.blocks[:, :, None] == np.arange(n)[None, None, :]).astype(np.int64)  # (B, n, j)
    sizes = onehot.sum(1)  # (B, j)
    sums = np.einsum("bi,bij->bj", w, onehot)
    lcm = np.lcm.reduce(np.where(sizes > 0, sizes, 1), axis=1)
    per = np.where(sizes > 0, sums * (lcm[:, None] // np.maximum(sizes, 1)), 0)
    ws = np.einsum("bj,bij->bi", per, onehot)
    g = np.gcd.reduce(ws, axis=1)
    ws = ws // np.maximum(g, 1)[:, None]
    v = ws @ cube.bits.T
    theta = np.where(tables.any(1), np.min(np.where(tables, v, np.iinfo(np.int64).max), 1), 1)
    if not np.all((v >= theta[:, None]) == tables):
        raise RuntimeError("a tidied witness does not separate its function")
    return ws, theta


_COUNTS: dict[int, ThresholdCount] = {}


def _count(n: int, progress=None) -> ThresholdCount:
    """The count for n, computed once per process."""
    if n not in _COUNTS:
        _COUNTS[n] = _compute(n, progress)
    return _COUNTS[n]


def _compute(n: int, progress=None) -> ThresholdCount:
    start = time.perf_counter()
    cube = _cube(n)
    size = 2**n
    found = _search(n, progress=progress)
    tables, tau, w = found.tables, found.tau, found.w
    lower = tables.sum(1) < size / 2  # their duals have more than half the rows true
    dual = ~tables[lower][:, ::-1]  # f^d(x) = not f(not x); row not x is row P - 1 - x
    # [tau + w.x > 0] dualizes to [w.x - tau - sum(w) >= 0], i.e. 2 (w.x - tau - sum w) + 1 > 0
    dual_tau = -2 * tau[lower] - 2 * w[lower].sum(1) + 1
    tables = np.concatenate([tables, dual])
    tau = np.concatenate([tau, dual_tau])
    w = np.concatenate([w, 2 * w[lower]])
    del dual, dual_tau, lower
    order = np.lexsort(np.packbits(tables, axis=1).T[::-1])
    tables, tau, w = tables[order], tau[order], w[order]
    count = len(tables)
    k = np.zeros(count, np.int64)
    blocks = np.zeros((count, n), np.int64)
    weights = np.zeros((count, n), np.int64)
    thresholds = np.zeros(count, np.int64)
    self_dual = np.zeros(count, bool)
    for lo in range(0, count, _CHUNK):  # in chunks: (chunk, 2**n) int64 temporaries
        part = slice(lo, lo + _CHUNK)
        t = tables[part]
        if not np.all(_witness_ok(cube, t, tau[part], w[part])):
            raise RuntimeError("a witness does not separate its function")
        st = _structure(cube, t)
        k[part], blocks[part] = st.essential, st.blocks
        weights[part], thresholds[part] = _canonical_witness(cube, t, st, tau[part], w[part])
        self_dual[part] = np.all(t == ~t[:, ::-1], 1)
    del tau, w
    group = _class_group_order(blocks)
    fact = np.array([math.factorial(i) for i in range(n + 1)], np.int64)

    def orbit(m):  # positive functions of m variables per class (0 where it needs more)
        fits = k <= m
        return np.where(fits, fact[m] // (group * fact[np.where(fits, m - k, 0)]), 0)

    positive = orbit(n)
    functions = positive << k
    by_variables = tuple(int(np.sum(orbit(m) << k)) for m in range(n + 1))
    exact = k == n
    classes = ThresholdClasses(
        tables.astype(np.uint8), weights, thresholds, k, blocks, functions, positive, self_dual
    )
    return ThresholdCount(
        n=n,
        threshold_functions=int(functions.sum()),
        exactly_n=int(functions[exact].sum()),
        n_classes=int(positive.sum()),
        n_classes_exactly_n=int(positive[exact].sum()),
        np_classes=count,
        npn_classes=(count + int(self_dual.sum())) // 2,
        npn_classes_exactly_n=(int(exact.sum()) + int((self_dual & exact).sum())) // 2,
        by_variables=by_variables,
        candidates=found.candidates,
        rejected=found.rejected,
        exact_fallbacks=found.fallbacks,
        classes=classes,
        seconds=time.perf_counter() - start,
    )


# --------------------------------------------------------------------------------------------
# public functions


def count_threshold_functions(
    n: int, *, force: bool = False, progress=None, cache: bool = True
) -> ThresholdCount:
    r"""Counts the threshold functions of n variables exactly, with a witness per class.

    A threshold function is ``f(x) = [w . x >= theta]`` (a perceptron, notes 2.2). Up to negating
    and permuting inputs it is a canonical positive function with ``w1 >= ... >= wn >= 0``; a
    canonical f with k essential inputs and classes of interchangeable inputs of sizes
    ``s_1 .. s_m`` (the unused inputs one class) stands for

    .. math:: 2^k \, \frac{n!}{\prod_j s_j!}

    threshold functions: negating an unused input changes nothing, nor does permuting
    interchangeable ones. The canonical functions are generated level by level (a canonical
    function plus one maximal false row of the shift order), each candidate decided exactly (an
    integer witness checked on every row, or an integer Gordan certificate
    ``sum_x sigma_x (1, x) = 0`` with the signs of f, checked exactly), and those with more than
    half the rows true are the duals ``not f(not x)`` of the others. Results are cached per n.

    Args:
      n: the number of variables, 0 to 9 (no count is known beyond 9 to check against).
      force: allow n >= 8 (the search runs in NumPy on the CPU; see :func:`estimate_cost`). An
        n whose estimated memory exceeds the machine's is refused even so.
      progress: ``progress(level, levels, classes)`` after each level of the search, or None.
      cache: reuse this process's earlier count of n (False counts again).

    Returns:
      A :class:`ThresholdCount`: the counts, the class counts and the canonical classes.
    """
    n = _check_n(n)
    if not cache:
        _COUNTS.pop(n, None)
    if n >= 8 and n not in _COUNTS:
        seconds, memory = estimate_cost(n)
        cost = (
            f"n = {n} needs about {_human_seconds(seconds)} and {memory / 2**30:.0f} GiB on this "
            f"CPU (extrapolated from n = 5, 6, 7)"
        )
        physical = _physical_memory()
        if physical and memory > physical:
            raise ValueError(f"{cost}, more than the {physical / 2**30:.0f} GiB of this machine")
        if not force:
            raise ValueError(f"{cost}; pass force=True to run it")
    return _count(n, progress)


def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def _check_n(n: object) -> int:
    n = check_int_range("n", n, -(2**62), 2**62)
    if n < 0:
        raise ValueError(f"n must be a number of variables >= 0, got {n}")
    if n > KNOWN_LIMIT_N:
        raise ValueError(f"n must be at most {KNOWN_LIMIT_N}, got {n}: {_WHY_LIMIT}")
    return n


def _human_seconds(s: float) -> str:
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    if s < 2 * 86400:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.0f} days"


def estimate_cost(n: int) -> tuple[float, float]:
    """Rough seconds and bytes of :func:`count_threshold_functions` (n) on this machine.

    Counts n = 5, 6 and 7 (about a second, cached), then extrapolates one n at a time: the
    number of candidates grows by the last growth ratio times the last change of that ratio, the
    classes in proportion, and the time per candidate triples (twice the rows, larger programs).
    The memory is that of the class tables with their copies and working arrays.

    Args:
      n: the number of variables, 8 or 9.

    Returns:
      ``(seconds, bytes)``: estimates, good to a factor of about two, for the refusal message.
    """
    n = _check_n(n)
    if n < 8:
        raise ValueError(f"n must be 8 or 9 (smaller counts run in seconds), got {n}")
    c5, c6, c7 = (_count(m) for m in (5, 6, 7))
    grow, prev = c7.candidates / c6.candidates, c6.candidates / c5.candidates
    seconds, classes = c7.seconds, float(c7.np_classes)
    for _ in range(n - 7):
        grow, prev = grow * (grow / prev), grow
        seconds *= 3 * grow
        classes *= grow
    memory = classes * 2**n * 4 + 2**30
    return float(seconds), float(memory)


def canonical_form(tables) -> tuple[np.ndarray, np.ndarray]:
    """The canonical representative of each function under negating and permuting inputs.

    Inputs that the function decreases in are negated (a function that is neither increasing
    nor decreasing in some input is not unate, so not a threshold function), then the inputs are
    sorted by how many true rows have them set, most first. A threshold function comes out as
    its canonical positive function (inputs tied in that count are interchangeable); any other
    function comes out as some function that is not threshold either.

    Args:
      tables: 0/1 truth tables, shape (functions, 2**n) or (2**n,), rows in the order of
        :func:`jaxnn.boolean_inputs`.

    Returns:
      ``(canonical, unate)``: uint8 tables of the same shape and bool flags (False: certainly
      not a threshold function).
    """
    t = np.asarray(tables)
    single = t.ndim == 1
    t = np.atleast_2d(t)
    if t.ndim != 2 or t.shape[1] < 1 or t.shape[1] & (t.shape[1] - 1):
        raise ValueError(f"tables must have 2**n columns, got shape {np.shape(tables)}")
    if not np.all((t == 0) | (t == 1)):
        raise ValueError("tables must hold 0/1 values")
    t = t.astype(bool)
    count, size = t.shape
    n = size.bit_length() - 1
    cube = _cube(n)
    rows = np.arange(size)
    mask = np.zeros(count, np.int64)
    unate = np.ones(count, bool)
    for i in range(n):
        low = t[:, cube.bits[:, i] == 0]
        high = t[:, cube.flip[i][cube.bits[:, i] == 0]]
        inc, dec = np.all(low <= high, 1), np.all(low >= high, 1)
        unate &= inc | dec
        mask |= np.where(dec & ~inc, 1 << i, 0)
    h = np.take_along_axis(t, rows[None, :] ^ mask[:, None], 1)
    chow = h.astype(np.int64) @ cube.bits  # (B, n)
    order = np.argsort(-chow, axis=1, kind="stable")  # canonical input j is original order[j]
    src = np.zeros((count, size), np.int64)  # canonical row p reads original row src[p]
    for j in range(n):
        src |= cube.bits[None, :, j] << order[:, j : j + 1]
    out = np.take_along_axis(h, src, 1).astype(np.uint8)
    return (out[0], unate[0]) if single else (out, unate)


def is_threshold_function(tables, *, force: bool = False) -> np.ndarray:
    """Whether each truth table is a threshold function: its canonical form among the counted.

    Args:
      tables: 0/1 truth tables, shape (functions, 2**n) or (2**n,), n <= 9.
      force: allow n >= 8 (see :func:`count_threshold_functions`).

    Returns:
      bool array, one per table.
    """
    canon, unate = canonical_form(tables)
    canon = np.atleast_2d(canon)
    n = canon.shape[1].bit_length() - 1
    known = count_threshold_functions(n, force=force).classes.tables
    key = _row_keys(known)
    order = np.argsort(key)
    query = _row_keys(canon)
    pos = np.clip(np.searchsorted(key[order], query), 0, len(key) - 1)
    found = (key[order][pos] == query) & np.atleast_1d(unate)
    return found[0] if np.ndim(tables) == 1 else found


def _row_keys(tables: np.ndarray) -> np.ndarray:
    packed = np.packbits(np.asarray(tables, bool), axis=1)
    return np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1]))).ravel()


def write_witnesses(path: str | os.PathLike, result: ThresholdCount) -> str:
    """Writes the canonical classes with their integer witnesses as JSON, atomically.

    One class per line, as in Muroga's tables: ``weights`` and ``threshold`` (the function is
    ``[w . x >= threshold]``), ``essential`` inputs, ``functions`` and ``positive`` in its orbit,
    ``self_dual``, and ``table``: the truth table as a hex integer whose bit r is the output on
    row r of :func:`jaxnn.boolean_inputs` (x1 the lowest bit of r).

    Args:
      path: the JSON file to write.
      result: a :class:`ThresholdCount`.

    Returns:
      The path written.
    """
    from jaxnn._util import atomic_write_bytes

    c = result.classes
    size = c.tables.shape[1]
    powers = [1 << r for r in range(size)]
    head = {
        "n": result.n,
        "threshold_functions": result.threshold_functions,
        "classes_count": len(c.tables),
        "definition": "f(x) = [sum_i weights[i] * x[i] >= threshold]; each class stands for "
        "`functions` threshold functions (negate any essential input, permute the inputs)",
        "table": "bit r of the hex integer is f on row r; row r has x_(i+1) = bit i of r",
    }
    lines = []
    for t, w, th, k, f, pos, sd in zip(
        c.tables, c.weights, c.thresholds, c.essential, c.functions, c.positive, c.self_dual
    ):
        code = sum(p for p, v in zip(powers, t.tolist()) if v)
        item = {
            "weights": w.tolist(),
            "threshold": int(th),
            "essential": int(k),
            "functions": int(f),
            "positive": int(pos),
            "self_dual": bool(sd),
            "table": hex(code),
        }
        lines.append(json.dumps(item, separators=(", ", ": ")))
    body = json.dumps(head, indent=2)[:-2] + ',\n  "classes": [\n    '
    body += ",\n    ".join(lines) + "\n  ]\n}\n"
    atomic_write_bytes(path, body.encode())
    return str(path)


class ThresholdCandidates(NamedTuple):
    """Every candidate the search of n variables decided, as `threshold_candidates` returns them.

    Attributes:
      inputs: int (2**n, n), the rows in the notes' order.
      accepted: bool (A, 2**n), the canonical threshold functions with 1 to half the rows true.
      rejected: bool (R, 2**n), the candidates found not to be threshold functions.
      certificates: int64 (R, 2**n), each rejected candidate's Gordan certificate sigma with
        ``sum_x sigma_x (1, x) = 0``, sigma > 0 only on true rows and < 0 only on false ones.
    """

    inputs: np.ndarray
    accepted: np.ndarray
    rejected: np.ndarray
    certificates: np.ndarray


def threshold_candidates(n: int) -> ThresholdCandidates:
    """The candidates of the search of n variables (n <= 7), decided, with their certificates.

    Args:
      n: the number of variables, 1 to 7.

    Returns:
      A `ThresholdCandidates`.
    """
    n = check_int_range("n", n, 1, 7, why="n = 8 takes minutes and gigabytes: use the count")
    found = _search(n, keep_rejected=True)
    return ThresholdCandidates(
        _cube(n).bits.astype(np.int64),
        found.tables[found.tables.sum(1) > 0],  # the constant 0 is no candidate
        found.rejected_tables,
        found.certificates,
    )


def decide_canonical(tables: np.ndarray) -> np.ndarray:
    """Decides exactly which canonical positive functions (weights sorted w1 >= ... >= wn >= 0,
    true sets closed under the shift order, as `threshold_candidates` gives them) are threshold.

    Args:
      tables: bool (B, 2**n) truth tables of canonical positive functions with the same number
        of true rows each (a level of the search).

    Returns:
      bool (B,): True where an integer witness was found and checked, False where a Gordan
      certificate was.
    """
    tables = np.asarray(tables, bool)
    if tables.ndim != 2 or tables.shape[1] & (tables.shape[1] - 1):
        raise ValueError(f"tables must be (B, 2**n), got shape {tables.shape}")
    n = tables.shape[1].bit_length() - 1
    return _decide(_cube(n), tables)[0]

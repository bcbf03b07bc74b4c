"""Deciding canonical candidates exactly: a float solve, made integer and checked, else exact."""

from __future__ import annotations

import math

import numpy as np

from ._certificates import certificate_ok, lift, witness_ok
from ._cube import Cube, Structure, n_cube, structure
from ._programs import Programs, programs, take
from ._simplex import simplex, solve_exact


def decide(tables: np.ndarray, *, certificates: bool = False):
    """Exact decision for a batch of canonical candidates.

    Args:
      tables: bool (B, 2**n), candidates (up-sets of the shift order).
      certificates: also return the Gordan certificates of the rejected candidates.

    Returns:
      ``(separable, tau, w, fallbacks)``: bool (B,), integer witnesses with ``tau + w . x > 0``
      exactly on the true rows (zeros where not separable; every one checked on all rows), and
      how many candidates were redone by the exact simplex. Every candidate rejected had a Gordan
      certificate checked by :func:`certificate_ok`; with ``certificates`` they come fifth,
      int64 (B, 2**n), zero rows for the separable candidates.
    """
    cube = n_cube(tables.shape[1].bit_length() - 1)
    count = len(tables)
    prog = programs(cube, tables)
    separable, tau, w, gordan, lam = _from_float(cube, tables, prog)
    st = structure(cube, tables)
    certified = np.zeros(count, bool)
    sigmas = np.zeros(tables.shape if certificates else (0, 0), np.int64)
    g = np.flatnonzero(gordan)
    if len(g):
        sigma = lift(cube, tables[g], take(st, g), lam[g], take(prog, g))
        certified[g] = certificate_ok(cube, tables[g], sigma)
        if certificates:
            sigmas[g] = np.where(certified[g][:, None], sigma, 0)
    redo = np.flatnonzero(~(separable | certified))
    for b in redo:
        one = slice(b, b + 1)
        ok, *found = _decide_exact(cube, tables[one], take(st, one), take(prog, one))
        if ok:
            separable[b], tau[b], w[b] = True, *found
        elif certificates:
            sigmas[b] = found[0]
    tau = np.where(separable, tau, 0)
    w = np.where(separable[:, None], w, 0)
    if certificates:
        return separable, tau, w, len(redo), sigmas
    return separable, tau, w, len(redo)


def _from_float(cube: Cube, tables: np.ndarray, prog: Programs):
    """The float simplex's answers as exact integers (Cramer's rule), each one checked.

    Returns:
      ``(separable, tau, w, gordan, lam)``: where ``separable``, an integer witness checked on
      every row; where ``gordan``, integer multipliers ``lam >= 0`` with ``A lam = |D| e_last``
      checked exactly (its certificate is still to be lifted and checked).
    """
    n = cube.n
    count = len(tables)
    basis, rhs, duals, done = simplex(prog.a.astype(np.float64), prog.valid)
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
    separable = done & (objective > 1e-7) & (det != 0) & witness_ok(cube, tables, tau, w)
    return separable, tau, w, gordan, lam


def _decide_exact(cube: Cube, table: np.ndarray, st: Structure, prog: Programs):
    """One candidate (a batch of one) by the exact simplex, its answer checked.

    Returns:
      ``(True, tau, w)`` with an integer witness, or ``(False, sigma)`` with a Gordan certificate.
    """
    kind, vec = solve_exact(prog.a[0], prog.valid[0])
    if kind == "separable":
        vec = vec // math.gcd(*vec)
        tau = np.array([-vec[0]], np.int64)
        w = -np.array(vec[1 : cube.n + 1], np.int64)[None, :]
        if not witness_ok(cube, table, tau, w)[0]:
            raise RuntimeError("the exact simplex's witness does not separate its function")
        return True, tau[0], w[0]
    sigma = lift(cube, table, st, np.array(vec, np.int64)[None, :], prog)
    if not certificate_ok(cube, table, sigma)[0]:
        raise RuntimeError("the exact simplex's certificate does not verify")
    return False, sigma[0]


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
    return decide(tables)[0]

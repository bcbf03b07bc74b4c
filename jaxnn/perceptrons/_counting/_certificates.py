"""Exact integer proofs: separating witnesses and Gordan certificates, checked on every row."""

from __future__ import annotations

import numpy as np

from ._cube import Cube, Structure, class_group_order
from ._programs import Programs


def witness_ok(cube: Cube, tables: np.ndarray, tau: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Whether ``tau + w . x`` is positive exactly on the true rows and never zero (integers)."""
    v = tau[:, None] + w @ cube.bits.T
    return np.all((v > 0) == tables, 1) & np.all(v != 0, 1)


def _pairs(cube: Cube, tables: np.ndarray, st: Structure) -> tuple[np.ndarray, np.ndarray]:
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


def lift(
    cube: Cube, tables: np.ndarray, st: Structure, lam: np.ndarray, prog: Programs
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
    group = class_group_order(st.blocks)
    lam_full = np.where(key >= 0, sums[inv] * (group[:, None] // orbit[inv]), 0)
    return lam_full * np.where(tables, 1, -1)


def certificate_ok(cube: Cube, tables: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Exact Gordan check: sum_x sigma_x (1, x) = 0, sigma != 0, signs agree with the table."""
    a = np.concatenate([np.ones((cube.bits.shape[0], 1), np.int64), cube.bits], 1)
    if np.abs(sigma).max(initial=0) * a.shape[0] >= 2**62:
        total = sigma.astype(object) @ a.astype(object)
    else:
        total = sigma @ a
    signs = np.all(np.where(tables, sigma >= 0, sigma <= 0), 1)
    return np.all(total == 0, 1) & np.any(sigma != 0, 1) & signs


def canonical_witness(
    cube: Cube, tables: np.ndarray, st: Structure, tau: np.ndarray, w: np.ndarray
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

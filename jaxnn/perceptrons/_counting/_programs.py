"""The linear program that decides one canonical candidate, built for a batch of them."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._cube import Cube, maximal_false, minimal_true


class Programs(NamedTuple):
    a: np.ndarray  # int64 (B, R, N): columns s (1, x) (strict) and cone walls, R = n + 2
    valid: np.ndarray  # (B, N) bool
    rows: np.ndarray  # (B, N) the row x of a strict column, -1 for cone walls and padding
    strict: int  # columns 0 .. strict - 1 are rows of the cube, the last n cone walls


def programs(cube: Cube, tables: np.ndarray) -> Programs:
    r"""The phase-1 programs ``A lam = e_last, lam >= 0`` whose solutions are Gordan certificates.

    Columns: ``s_x (1, x, 1)`` for the shift-minimal true rows (s = +1) and shift-maximal false rows
    (s = -1), and the cone walls ``(0, e_i - e_{i+1}, 0)``, ``(0, e_n, 0)`` with no weight in the
    last (normalizing) row.
    """
    n = cube.n
    count, size = tables.shape
    ends = minimal_true(cube, tables) | maximal_false(cube, tables)
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
    return Programs(a, valid, rows, width)


def take(t, index):
    """The same NamedTuple with every array field indexed (ints pass through)."""
    return type(t)(*(v[index] if isinstance(v, np.ndarray) else v for v in t))

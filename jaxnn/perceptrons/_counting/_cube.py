"""The n-cube, its shift order, and the structure of a canonical function's inputs."""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np


class Cube(NamedTuple):
    n: int
    bits: np.ndarray  # int64 (P, n), bits[p, i] = x_{i+1} of row p
    up: np.ndarray  # int64 (P, n + 1), upper covers of each row in the shift order, P = none
    down: np.ndarray  # int64 (P, n + 1), lower covers, P = none
    swap: np.ndarray  # int64 (n - 1, P), row p with x_{i+1} and x_{i+2} exchanged
    flip: np.ndarray  # int64 (n, P), row p with x_{i+1} negated


@functools.cache
def n_cube(n: int) -> Cube:
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
    return Cube(n, bits, up, down, swap, flip)


def _pad(tables: np.ndarray, value: bool) -> np.ndarray:
    return np.concatenate([tables, np.full((len(tables), 1), value)], axis=1)


def maximal_false(cube: Cube, tables: np.ndarray) -> np.ndarray:
    """False rows whose upper covers are all true (adding one keeps an up-set)."""
    return ~tables & np.all(_pad(tables, True)[:, cube.up], axis=2)


def minimal_true(cube: Cube, tables: np.ndarray) -> np.ndarray:
    """True rows whose lower covers are all false."""
    return tables & ~np.any(_pad(tables, False)[:, cube.down], axis=2)


class Structure(NamedTuple):
    essential: np.ndarray  # (B,) number of essential inputs (a prefix x1..x_k)
    blocks: np.ndarray  # (B, n) class index of each input, -1 if inessential
    ess_rows: np.ndarray  # (B, P) bool, rows with no inessential bit set


def structure(cube: Cube, tables: np.ndarray) -> Structure:
    """Essential inputs and classes of interchangeable inputs of canonical functions."""
    n = cube.n
    count, size = tables.shape
    if n == 0:
        return Structure(
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
    return Structure(k.astype(np.int64), blocks, ess_rows)


def class_group_order(blocks: np.ndarray) -> np.ndarray:
    """prod_j s_j! over the classes of interchangeable essential inputs, per function."""
    n = blocks.shape[1]
    onehot = blocks[:, :, None] == np.arange(n)[None, None, :]
    sizes = onehot.sum(1)  # (B, n)
    fact = np.array([math.factorial(k) for k in range(n + 1)], np.int64)
    return np.prod(fact[sizes], axis=1)


def row_keys(tables: np.ndarray) -> np.ndarray:
    """One hashable, sortable key per truth table (its packed bits)."""
    packed = np.packbits(np.asarray(tables, bool), axis=1)
    return np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1]))).ravel()

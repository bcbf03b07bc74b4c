"""The canonical form of any truth table, and membership among the counted threshold functions."""

from __future__ import annotations

import numpy as np

from ._count import count_threshold_functions
from ._cube import n_cube, row_keys


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
    cube = n_cube(n)
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
    key = row_keys(known)
    order = np.argsort(key)
    query = row_keys(canon)
    pos = np.clip(np.searchsorted(key[order], query), 0, len(key) - 1)
    found = (key[order][pos] == query) & np.atleast_1d(unate)
    return found[0] if np.ndim(tables) == 1 else found

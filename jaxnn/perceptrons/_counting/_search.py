"""The search: canonical threshold functions level by level, each candidate decided exactly."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from jaxnn._validation import check_int_range

from ._cube import maximal_false, n_cube, row_keys
from ._decide import decide

CHUNK = 16384
"""Candidates decided at once: bounds the (chunk, 2**n) temporaries."""


class Search(NamedTuple):
    tables: np.ndarray  # bool (C, P), levels 0 .. P/2 (all canonical functions with <= P/2 rows)
    tau: np.ndarray
    w: np.ndarray
    candidates: int
    rejected: int
    fallbacks: int
    rejected_tables: np.ndarray | None = None  # with keep_rejected: bool (rejected, P)
    certificates: np.ndarray | None = None  # with keep_rejected: their Gordan certificates


def unique_rows(tables: np.ndarray) -> np.ndarray:
    """The distinct rows of a bool matrix (order of first occurrence is not kept)."""
    _, first = np.unique(row_keys(tables), return_index=True)
    return tables[np.sort(first)]


def search(n: int, *, keep_rejected: bool = False, progress=None) -> Search:
    """Canonical threshold functions with at most half the rows true, level by level.

    Args:
      n: the number of variables.
      keep_rejected: also return the rejected candidates and their Gordan certificates.
      progress: ``progress(level, levels, classes)``, called after each level, or None.
    """
    cube = n_cube(n)
    size = 2**n
    level = np.zeros((1, size), bool)  # the constant 0: -1 + 0 . x > 0 nowhere
    found = [(level, np.array([-1], np.int64), np.zeros((1, n), np.int64))]
    candidates = rejected = fallbacks = classes = 0
    kept = []
    for step in range(size // 2):
        fi, p = np.nonzero(maximal_false(cube, level))
        grown = level[fi]
        grown[np.arange(len(fi)), p] = True
        grown = unique_rows(grown)
        parts = []
        for start in range(0, len(grown), CHUNK):
            chunk = grown[start : start + CHUNK]
            sep, tau, w, redo, *sigma = decide(chunk, certificates=keep_rejected)
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
        return Search(tables, tau, w, candidates, rejected, fallbacks)
    bad = np.concatenate([t for t, _ in kept]) if kept else np.zeros((0, size), bool)
    sig = np.concatenate([s for _, s in kept]) if kept else np.zeros((0, size), np.int64)
    return Search(tables, tau, w, candidates, rejected, fallbacks, bad, sig)


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
    found = search(n, keep_rejected=True)
    return ThresholdCandidates(
        n_cube(n).bits.astype(np.int64),
        found.tables[found.tables.sum(1) > 0],  # the constant 0 is no candidate
        found.rejected_tables,
        found.certificates,
    )

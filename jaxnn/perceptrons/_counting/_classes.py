"""From the search's canonical functions to the classes and the counts, with their witnesses."""

from __future__ import annotations

import json
import math
import os
import time
from typing import NamedTuple

import numpy as np

from ._certificates import canonical_witness, witness_ok
from ._cube import class_group_order, n_cube, structure
from ._search import CHUNK, search


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


def compute(n: int, progress=None) -> ThresholdCount:
    """Counts the threshold functions of n variables: the search, the duals, the orbit sizes."""
    start = time.perf_counter()
    found = search(n, progress=progress)
    tables, tau, w = _with_duals(found.tables, found.tau, found.w)
    k, blocks, weights, thresholds, self_dual = _describe(n, tables, tau, w)
    del tau, w
    group = class_group_order(blocks)
    fact = np.array([math.factorial(i) for i in range(n + 1)], np.int64)

    def orbit(m):  # positive functions of m variables per class (0 where it needs more)
        fits = k <= m
        return np.where(fits, fact[m] // (group * fact[np.where(fits, m - k, 0)]), 0)

    positive = orbit(n)
    functions = positive << k
    by_variables = tuple(int(np.sum(orbit(m) << k)) for m in range(n + 1))
    exact = k == n
    count = len(tables)
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


def _with_duals(tables: np.ndarray, tau: np.ndarray, w: np.ndarray):
    """Adds the duals of the functions with fewer than half the rows true, sorted by table."""
    size = tables.shape[1]
    lower = tables.sum(1) < size / 2  # their duals have more than half the rows true
    dual = ~tables[lower][:, ::-1]  # f^d(x) = not f(not x); row not x is row P - 1 - x
    # [tau + w.x > 0] dualizes to [w.x - tau - sum(w) >= 0], i.e. 2 (w.x - tau - sum w) + 1 > 0
    dual_tau = -2 * tau[lower] - 2 * w[lower].sum(1) + 1
    tables = np.concatenate([tables, dual])
    tau = np.concatenate([tau, dual_tau])
    w = np.concatenate([w, 2 * w[lower]])
    del dual, dual_tau, lower
    order = np.lexsort(np.packbits(tables, axis=1).T[::-1])
    return tables[order], tau[order], w[order]


def _describe(n: int, tables: np.ndarray, tau: np.ndarray, w: np.ndarray):
    """Essential inputs, classes of inputs, tidy witnesses and self-duality, checked, in chunks.

    Returns:
      ``(essential, blocks, weights, thresholds, self_dual)`` as in :class:`ThresholdClasses`.
    """
    cube = n_cube(n)
    count = len(tables)
    k = np.zeros(count, np.int64)
    blocks = np.zeros((count, n), np.int64)
    weights = np.zeros((count, n), np.int64)
    thresholds = np.zeros(count, np.int64)
    self_dual = np.zeros(count, bool)
    for lo in range(0, count, CHUNK):  # in chunks: (chunk, 2**n) int64 temporaries
        part = slice(lo, lo + CHUNK)
        t = tables[part]
        if not np.all(witness_ok(cube, t, tau[part], w[part])):
            raise RuntimeError("a witness does not separate its function")
        st = structure(cube, t)
        k[part], blocks[part] = st.essential, st.blocks
        weights[part], thresholds[part] = canonical_witness(cube, t, st, tau[part], w[part])
        self_dual[part] = np.all(t == ~t[:, ::-1], 1)
    return k, blocks, weights, thresholds, self_dual


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

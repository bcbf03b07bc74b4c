"""Boolean functions of n inputs and exact linear separability (notes 2.4).

The 2^n input rows are ordered as in the notes' tables (x1 varies fastest) and the 2^(2^n)
functions as in the notes' Table 2: function f_j's output column, read top row first, is j - 1 in
binary. A function is classified with a certificate on each side: a separating (w, b) checked in
integer arithmetic, or a signed linear dependence among the augmented rows (a circuit) that no
separating unit can satisfy (Gordan's theorem).
"""

from __future__ import annotations

import functools
import itertools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxnn._validation import check_int_range, check_truth_table
from jaxnn.perceptrons._learning import learn

__all__ = [
    "MAX_ENUMERATION_N",
    "TWO_INPUT_FUNCTION_NAMES",
    "BooleanFunctions",
    "Separability",
    "boolean_functions",
    "boolean_inputs",
    "classify",
    "function_number",
    "separability",
    "separable_by_lp",
]

MAX_ENUMERATION_N = 4
"""Enumeration stops at 4 inputs: 5 inputs have 2**32 functions."""

_WHY = "n = 5 has 2**32 functions, too many to enumerate"

TWO_INPUT_FUNCTION_NAMES = (
    "FALSE",
    "AND",
    "NOT x1 AND x2",
    "x2",
    "x1 AND NOT x2",
    "x1",
    "XOR",
    "OR",
    "NOR",
    "XNOR",
    "NOT x1",
    "x1 -> x2",
    "NOT x2",
    "x2 -> x1",
    "NAND",
    "TRUE",
)
"""The usual names of f1..f16, the 16 functions of two inputs in the order of the notes' Table 2."""


class Separability(NamedTuple):
    """Whether one truth table is linearly separable, with its certificate.

    Attributes:
      separable: bool scalar.
      w: float32 (n,), integer-valued weights with ``w . x + b >= 0`` exactly where the output is
        1 (NaN when not separable).
      b: float32 scalar, the bias (NaN when not separable).
      circuit: int32 (2**n,), for a non-separable table a signed dependence ``lambda`` among the
        augmented rows ``(1, x)`` with ``sum_i lambda_i (1, x_i) = 0``, positive only where the
        output is 1 and negative only where it is 0 (zeros when separable).
    """

    separable: jax.Array
    w: jax.Array
    b: jax.Array
    circuit: jax.Array


class BooleanFunctions(NamedTuple):
    """Every boolean function of n inputs, classified.

    Attributes:
      inputs: int32 (2**n rows, n), the input rows in the notes' order (x1 fastest).
      outputs: int32 (2**(2**n) functions, 2**n rows); row j - 1 is f_j.
      separable: bool (2**(2**n),).
      w: float32 (2**(2**n), n), integer-valued separating weights (NaN rows where not separable).
      b: float32 (2**(2**n),), the biases (NaN where not separable).
    """

    inputs: jax.Array
    outputs: jax.Array
    separable: jax.Array
    w: jax.Array
    b: jax.Array


def boolean_inputs(n: int) -> jax.Array:
    """The 2^n input rows of n binary variables, in the order of the notes' tables.

    Args:
      n: the number of inputs, 1 to 24.

    Returns:
      int32 array (2**n rows, n): row r holds the bits of r, x1 the lowest, so for n = 2 the rows
      are (0, 0), (1, 0), (0, 1), (1, 1).
    """
    n = check_int_range("n", n, 1, 24, why="2**n input rows")
    r = np.arange(2**n)
    return jnp.asarray((r[:, None] >> np.arange(n)[None, :]) & 1, jnp.int32)


def boolean_functions(n: int) -> jax.Array:
    """Every boolean function of n inputs as its output column, in the order of the notes' Table 2.

    Args:
      n: the number of inputs, 1 to 4.

    Returns:
      int32 array (2**(2**n) functions, 2**n rows): row j - 1 is f_j, whose outputs read top row
      first are the binary digits of j - 1 (n = 2: f2 = AND, f7 = XOR, f10 = XNOR, f16 = TRUE).
    """
    n = check_int_range("n", n, 1, MAX_ENUMERATION_N, why=_WHY)
    return jnp.asarray(_truth_tables(n), jnp.int32)


def _truth_tables(n: int) -> np.ndarray:
    rows = 2**n
    codes = np.arange(2**rows, dtype=np.int64)
    return ((codes[:, None] >> (rows - 1 - np.arange(rows))[None, :]) & 1).astype(np.int32)


def function_number(table: ArrayLike) -> int:
    """The notes' number j of the function f_j with this truth table.

    Args:
      table: 0/1 outputs, shape (2**n,), in the row order of :func:`boolean_inputs`.

    Returns:
      j, from 1 to 2**(2**n).
    """
    check_truth_table("table", table)
    bits = np.asarray(table, np.int64)
    return int(sum(int(v) << (len(bits) - 1 - r) for r, v in enumerate(bits))) + 1


@functools.cache
def _circuits(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The circuits of the augmented rows a_i = (1, x_i): minimal linearly dependent subsets.

    Each circuit's dependence ``sum_i v_i a_i = 0`` is unique up to scale and has full support.
    Ranks come from a batched SVD (exact here: a nonzero singular value of a 0/1 matrix with at
    most 6 rows is at least 30**-2.5, far above the tolerance); each null vector is scaled to
    integers and checked exactly, ``A_S^T v == 0`` in int64.

    Returns:
      ``(v, pos_bits, neg_bits)``: int64 dependences, shape (circuits, 2**n) (zero off the
      support), and the circuits' positive and negative supports as bit masks in the functions'
      code (row r is bit 2**n - 1 - r).
    """
    rows = 2**n
    a = np.concatenate([np.ones((rows, 1), np.int64), np.asarray(boolean_inputs(n), np.int64)], 1)
    found = []
    for k in range(3, min(n + 2, rows) + 1):
        subsets = np.array(list(itertools.combinations(range(rows), k)), np.int64)
        m = np.transpose(a[subsets], (0, 2, 1)).astype(np.float64)  # (subsets, n + 1, k)
        _, s, vt = np.linalg.svd(m)
        tol = s[:, :1] * max(m.shape[1:]) * np.finfo(np.float64).eps
        rank = np.sum(s > tol, axis=1)
        null = vt[:, -1, :]  # the null vector where rank = k - 1 (k > n + 1 has rank n + 1)
        small = np.min(np.abs(null), axis=1)
        keep = (rank == k - 1) & (small > 1e-9)
        for sub, vec in zip(subsets[keep], null[keep] / small[keep, None]):
            found.append((sub, _integer_null_vector(a[sub].T, vec)))
    v = np.zeros((len(found), rows), np.int64)
    for c, (sub, vec) in enumerate(found):
        v[c, sub] = vec
    weights = 1 << (rows - 1 - np.arange(rows, dtype=np.int64))
    pos_bits = np.sum(np.where(v > 0, weights[None, :], 0), axis=1)
    neg_bits = np.sum(np.where(v < 0, weights[None, :], 0), axis=1)
    return v, pos_bits, neg_bits


def _integer_null_vector(m: np.ndarray, vec: np.ndarray) -> np.ndarray:
    """The smallest integer multiple of ``vec`` (scaled so min |v_i| = 1) with ``m @ v == 0``."""
    for scale in range(1, 1001):
        v = np.rint(vec * scale).astype(np.int64)
        if np.all(np.abs(vec * scale - v) < 1e-6) and np.all(m @ v == 0) and np.all(v != 0):
            return v // np.gcd.reduce(np.abs(v))
    raise RuntimeError(f"no exact integer dependence found for rows {m.T.tolist()}")


def _not_separable_all(n: int) -> np.ndarray:
    """Marks every function that agrees with some circuit's signs (or their negation).

    The functions agreeing with a circuit on its support S form a cube: its bits on S fixed, the
    other 2**n - |S| bits free. Marking the cubes of all circuits touches a few million codes
    instead of comparing every function with every circuit.

    Returns:
      bool array (2**(2**n),), True for the functions that are not linearly separable.
    """
    v, pos, neg = _circuits(n)
    rows = 2**n
    marked = np.zeros(2**rows, bool)
    weights = 1 << (rows - 1 - np.arange(rows, dtype=np.int64))
    size = np.count_nonzero(v, axis=1)
    for k in np.unique(size):
        sel = size == k
        free = np.sort(np.where(v[sel] == 0, weights[None, :], 0), axis=1)[:, k:]
        t = np.arange(2 ** (rows - k), dtype=np.int64)
        cube = ((t[:, None] >> np.arange(rows - k)) & 1) @ free.T  # (2**(rows-k), circuits)
        marked[(cube | pos[sel][None, :]).ravel()] = True
        marked[(cube | neg[sel][None, :]).ravel()] = True
    return marked


def _witnesses(
    inputs: jax.Array, tables: np.ndarray, max_steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Cyclic perceptron from zero for each table, vmapped: integer (b, w) and whether exact."""
    fit = jax.vmap(lambda t: learn(inputs, t, algorithm="cyclic", max_steps=max_steps))(tables)
    wb = np.concatenate([np.asarray(fit.params.b)[:, None], np.asarray(fit.params.w)], axis=1)
    wb_int = np.rint(wb).astype(np.int64)
    a = np.concatenate([np.ones((inputs.shape[0], 1), np.int64), np.asarray(inputs, np.int64)], 1)
    exact = np.all(wb == wb_int, axis=1) & np.asarray(fit.converged)
    outputs = (wb_int @ a.T >= 0).astype(np.int64)
    exact &= np.all(outputs == np.asarray(tables, np.int64), axis=1)
    return wb_int, exact


def _classify(n: int, separable: np.ndarray, tables: np.ndarray) -> np.ndarray:
    """Integer (b, w) witnesses for the separable tables (zeros for the others)."""
    inputs = boolean_inputs(n)
    wb = np.zeros((len(separable), n + 1), np.int64)
    todo = np.flatnonzero(separable)
    max_steps = 4096
    while todo.size:
        got, ok = _witnesses(inputs, tables[todo], max_steps)
        wb[todo[ok]] = got[ok]
        todo = todo[~ok]
        max_steps *= 4
        if todo.size and max_steps > 2**24:
            raise RuntimeError(f"no separating unit found for {todo.size} separable function(s)")
    return wb


def classify(n: int, *, cache: bool = True) -> BooleanFunctions:
    r"""Classifies every boolean function of n inputs as linearly separable or not, exactly.

    f is not separable iff some ``lambda >= 0, lambda != 0`` has ``sum_i lambda_i s_i a_i = 0``
    (Gordan), s_i = +1 where f = 1 and -1 where f = 0, a_i = (1, x_i); every such dependence is a
    conformal sum of circuits, so f is not separable iff a circuit's signs (or their negation)
    agree with s on the circuit's support:

    .. math::
      f \text{ separable} \iff \exists\, w:\ s_i\, w^T a_i > 0\ \forall i
      \iff \neg\exists \text{ circuit } \sigma:\ \sigma = \pm s \text{ on supp } \sigma

    The functions that agree with a circuit are marked as bit masks (a cube of codes per circuit);
    every separable function then gets a separating (w, b) from the perceptron learning algorithm
    (cyclic, from zero, vmapped over the separable functions), verified in integer arithmetic.
    Counts for n = 1..4: 4, 14, 104, 1882. The result is cached per n (the arrays are immutable).

    Args:
      n: the number of inputs, 1 to 4 (5 inputs have 2**32 functions).
      cache: reuse this process's earlier result for n (False classifies again; the circuits
        and compiled programs are still reused).

    Returns:
      A :class:`BooleanFunctions` with the inputs, outputs, separability and witnesses.
    """
    n = check_int_range("n", n, 1, MAX_ENUMERATION_N, why=_WHY)
    return _classify_all(n) if cache else _classify_all.__wrapped__(n)


@functools.cache
def _classify_all(n: int) -> BooleanFunctions:
    """The classification of every function of n inputs, computed once per process."""
    tables = _truth_tables(n)
    separable = ~_not_separable_all(n)
    wb = _classify(n, separable, tables)
    wb = np.where(separable[:, None], wb.astype(np.float32), np.nan)
    return BooleanFunctions(
        boolean_inputs(n),
        jnp.asarray(tables),
        jnp.asarray(separable),
        jnp.asarray(wb[:, 1:], jnp.float32),
        jnp.asarray(wb[:, 0], jnp.float32),
    )


def separability(table: ArrayLike) -> Separability:
    """Whether one truth table is linearly separable, with a certificate either way.

    Args:
      table: 0/1 outputs, shape (2**n,) with 1 <= n <= 4, in the row order of
        :func:`boolean_inputs` (x1 varies fastest).

    Returns:
      A :class:`Separability`: the answer, a separating (w, b) if separable, else the circuit.
    """
    n = check_truth_table("table", table)
    check_int_range("n", n, 1, MAX_ENUMERATION_N, why=_WHY)
    code = function_number(table) - 1
    v, pos, neg = _circuits(n)
    on = code & (pos | neg)
    hit = np.flatnonzero((on == pos) | (on == neg))
    if not hit.size:
        wb = _classify(n, np.array([True]), np.asarray(table, np.int32)[None, :])
        return Separability(
            jnp.asarray(True),
            jnp.asarray(wb[0, 1:], jnp.float32),
            jnp.asarray(wb[0, 0], jnp.float32),
            jnp.zeros((2**n,), jnp.int32),
        )
    lam = v[hit[0]]
    signs = np.where(np.asarray(table) == 1, 1, -1)
    if np.any(lam * signs < 0):
        lam = -lam
    nan = jnp.full((n,), jnp.nan, jnp.float32)
    return Separability(
        jnp.asarray(False), nan, jnp.asarray(jnp.nan, jnp.float32), jnp.asarray(lam, jnp.int32)
    )


def separable_by_lp(x: ArrayLike, outputs: ArrayLike) -> bool:
    r"""Linear separability by an exact LP (scipy's HiGHS): the reference the tests check against.

    .. math:: \exists\, (b, w):\ s_i (b + w \cdot x_i) \ge 1 \ \forall i, \quad
        s_i = +1 \text{ if output}_i = 1 \text{ else } -1

    One LP per function (needs scipy, from the ``test`` extra); `jaxnn.perceptrons.classify` does
    all functions at once without it.

    Args:
      x: the input rows, shape (rows, n).
      outputs: the function's 0/1 outputs, shape (rows,).

    Returns:
      Whether some perceptron separates the rows with output 1 from those with output 0.
    """
    from scipy.optimize import linprog

    x = np.asarray(x, np.float64)
    s = np.where(np.asarray(outputs) == 1, 1.0, -1.0)
    a = np.concatenate([np.ones((len(x), 1)), x], axis=1)
    res = linprog(
        np.zeros(a.shape[1]),
        A_ub=-s[:, None] * a,
        b_ub=-np.ones(len(x)),
        bounds=[(None, None)] * a.shape[1],
        method="highs",
    )
    return res.status == 0

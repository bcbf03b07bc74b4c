"""The perceptron learning algorithm (notes 2.3): Algorithms 1 and 2 and the cyclic variant."""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from jaxnn._validation import (
    check_binary,
    check_finite,
    check_int_range,
    check_matrix,
    check_same_length,
    float_dtype,
    keyword_key,
)
from jaxnn.perceptrons._perceptron import PerceptronParams

__all__ = ["ALGORITHMS", "PerceptronFit", "learn", "points"]

ALGORITHMS = ("random", "modified", "cyclic")
"""``random``: Algorithm 1; ``modified``: Algorithm 2 (normalized P'); ``cyclic``: Algorithm 1 with
the points tested cyclically one after the other, as in the notes' proposition."""


class PerceptronFit(NamedTuple):
    """What the perceptron learning algorithm returns.

    Attributes:
      params: the learned :class:`PerceptronParams` (``w`` of shape (n,), scalar ``b``).
      corrections: int32 scalar, the number of corrections ``w <- w + p`` made.
      steps: int32 scalar, the number of points inspected.
      converged: bool scalar, True when every input is classified correctly (never for NaN).
      history: ``None``, or the params after each step: ``w`` of shape (max_steps + 1, n) and ``b``
        of shape (max_steps + 1,), row 0 the start; rows after ``steps`` repeat the final params.
    """

    params: PerceptronParams
    corrections: jax.Array
    steps: jax.Array
    converged: jax.Array
    history: PerceptronParams | None


def points(x: ArrayLike, y: ArrayLike, *, normalize: bool = False) -> jax.Array:
    r"""The set P' = P union N^- of the notes' proof, in augmented coordinates.

    .. math::
      p_i = s_i (1, x_{i1}, \dots, x_{in}), \quad s_i = +1 \text{ if } y_i = 1 \text{ else } -1,
      \quad \text{optionally } p_i \leftarrow p_i / \lVert p_i \rVert

    Args:
      x: inputs, shape (m points, n).
      y: 0/1 labels, shape (m points,).
      normalize: scale every point to unit length (Algorithm 2 and the convergence proof).

    Returns:
      The points p, shape (m points, n + 1), float32 (float64 under x64 for float64 ``x``).
    """
    dtype = float_dtype(x)
    x = jnp.asarray(x, dtype)
    a = jnp.concatenate([jnp.ones((x.shape[0], 1), dtype), x], axis=1)
    s = jnp.where(jnp.asarray(y) == 1, 1, -1).astype(dtype)
    p = s[:, None] * a
    if normalize:
        p = p / jnp.linalg.norm(p, axis=1, keepdims=True)
    return p


def learn(
    x: ArrayLike,
    y: ArrayLike,
    *positional_key: jax.Array,
    key: jax.Array | None = None,
    algorithm: str = "random",
    init: PerceptronParams | None = None,
    max_steps: int = 10_000,
    history: bool = False,
) -> PerceptronFit:
    r"""Learns a perceptron with the perceptron learning algorithm, jitted as one ``while_loop``.

    Every step inspects one point p of P' (random for ``random`` and ``modified``, cyclic for
    ``cyclic``) and corrects a misclassified one; the loop stops when every point is classified
    correctly or after ``max_steps`` points. Algorithm 1's ``w <- w - x`` for x in N is
    ``w <- w + p`` for p = -x in N^-:

    .. math::
      \text{if } p \in P \text{ and } w^T p < 0
      \text{ or } p \in N^- \text{ and } w^T p \le 0: \quad w \leftarrow w + p

    (for p in N^- the notes' Algorithm 2 tests ``w^T p < 0``; the perceptron rule ``y = 1 iff
    w^T x >= 0`` needs ``w^T x < 0`` on N, so a point of N^- with ``w^T p = 0`` is corrected too;
    the convergence proof uses only ``w^T p <= 0`` and holds unchanged).

    Pure and jittable: it ``vmap``\ s over data sets, labels (functions) and keys. Under ``vmap``
    the loop runs until every member is done; finished members stay unchanged, and a member with
    NaN data or NaN start never counts as converged (NaN comparisons are False) and stops at the
    cap.

    Args:
      x: inputs, shape (m points, n), real (0/1 for boolean functions).
      y: 0/1 labels, shape (m points,): P is ``y == 1``, N is ``y == 0``.
      *positional_key: the key, in the earlier form ``learn(x, y, key)`` (still accepted).
      key: a PRNG key for the random picks (keyword-only); unused (may be ``None``) for
        ``cyclic``.
      algorithm: ``"random"`` (Algorithm 1), ``"modified"`` (Algorithm 2, normalized points) or
        ``"cyclic"`` (Algorithm 1, points in turn). Static.
      init: the starting params (``w`` of shape (n,), scalar ``b``); zeros when ``None``.
      max_steps: the cap on the number of points inspected. Static.
      history: also return the params after every step. Static.

    Returns:
      A :class:`PerceptronFit`: the params, the number of corrections and steps, whether it
      converged and, if asked, the history.
    """
    key = keyword_key("learn", key, positional_key)
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")
    max_steps = check_int_range("max_steps", max_steps, 1, 2**30)
    check_matrix("x", x)
    check_finite("x", x)
    if np.ndim(y) != 1:
        raise ValueError(f"y must be 1-D (one 0/1 label per point), got shape {np.shape(y)}")
    check_same_length("x", x, "y", y)
    check_binary("y", y)
    n = np.shape(x)[1]
    dtype = float_dtype(x)
    if init is None:
        init = PerceptronParams(jnp.zeros((n,), dtype), jnp.zeros((), dtype))
    if np.shape(init.w) != (n,) or np.shape(init.b) != ():
        raise ValueError(
            f"init must have w of shape ({n},) and a scalar b for x with {n} features, "
            f"got w {np.shape(init.w)} and b {np.shape(init.b)}"
        )
    check_finite("init.w", init.w)
    check_finite("init.b", init.b)
    if key is None:
        if algorithm != "cyclic":
            raise ValueError(f"key is required for algorithm {algorithm!r} (random picks)")
        key = jax.random.key(0)
    return _learn(x, y, key, init, algorithm=algorithm, max_steps=max_steps, history=history)


@functools.partial(jax.jit, static_argnames=("algorithm", "max_steps", "history"))
def _learn(x, y, key, init, *, algorithm, max_steps, history):
    p = points(x, y, normalize=algorithm == "modified")
    m = p.shape[0]
    positive = jnp.asarray(y) == 1
    w0 = jnp.concatenate([jnp.asarray(init.b, p.dtype)[None], jnp.asarray(init.w, p.dtype)])

    def correct(z, pos):  # the perceptron rule on P and on N^- (see the docstring)
        return jnp.where(pos, z >= 0, z > 0)

    def cond(state):
        _, step, _, done, _ = state
        return (~done) & (step < max_steps)

    def body(state):
        w, step, k, _, hist = state
        if algorithm == "cyclic":
            i = step % m
        else:
            i = jax.random.randint(jax.random.fold_in(key, step), (), 0, m)
        ok = correct(p[i] @ w, positive[i])
        w = jnp.where(ok, w, w + p[i])
        step = step + 1
        done = jnp.all(correct(p @ w, positive))
        if history:
            hist = hist.at[step].set(w)
        return w, step, k + (~ok).astype(jnp.int32), done, hist

    hist0 = jnp.zeros((max_steps + 1, w0.shape[0]), p.dtype).at[0].set(w0) if history else None
    done0 = jnp.all(correct(p @ w0, positive))
    zero = jnp.zeros((), jnp.int32)
    w, steps, k, done, hist = lax.while_loop(cond, body, (w0, zero, zero, done0, hist0))
    if history:
        rows = jnp.arange(max_steps + 1)[:, None] <= steps
        hist = jnp.where(rows, hist, jnp.broadcast_to(w[None, :], hist.shape))
        hist = PerceptronParams(hist[:, 1:], hist[:, 0])
    return PerceptronFit(PerceptronParams(w[1:], w[0]), k, steps, done, hist)

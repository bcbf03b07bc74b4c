"""The perceptron (notes 2.2): weighted inputs, a bias w0 = -theta, and a hard threshold."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxnn._validation import check_numeric, float_dtype, keyword_key

__all__ = ["PerceptronParams", "init", "perceptron"]


class PerceptronParams(NamedTuple):
    """A perceptron's parameters.

    Attributes:
      w: the input weights, shape (n inputs,) for one unit, or (units, n inputs) for a layer.
      b: the bias ``w0 = -theta``, a scalar for one unit, or shape (units,) for a layer.
    """

    w: jax.Array
    b: jax.Array


def init(
    n: int, *key_first: int, key: jax.Array | None = None, scale: float = 1.0
) -> PerceptronParams:
    """Random weights and bias for one perceptron ("initialize w randomly" in Algorithm 1).

    ``init(n, key=key)`` is the call; the earlier form ``init(key, n)`` (``jaxnn.init_perceptron``,
    the same function) gives the same unit.

    Args:
      n: the number of inputs (static).
      *key_first: ``n``, when the key comes first (the earlier form).
      key: a PRNG key (keyword-only).
      scale: the standard deviation of the normal draw.

    Returns:
      :class:`PerceptronParams` with ``w`` of shape (n,) and a scalar ``b``, float32.
    """
    key, n = keyword_key("init", key, key_first, leading=(n,))
    if key is None:
        raise TypeError("init needs a PRNG key: init(n, key=jax.random.key(0))")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    wb = scale * jax.random.normal(key, (int(n) + 1,))
    return PerceptronParams(wb[1:], wb[0])


def perceptron(params: PerceptronParams, x: ArrayLike) -> jax.Array:
    r"""The perceptron's output, 1 where the weighted sum reaches the threshold.

    .. math::
      y = 1 \text{ if } \sum_{i=0}^n w_i x_i \ge 0 \text{ else } 0,
      \quad x_0 = 1,\ w_0 = b = -\theta

    Args:
      params: one unit (``w`` of shape (n,)) or a layer of units (``w`` of shape (units, n)).
      x: inputs, shape (batch, n) or (n,); real values are allowed.

    Returns:
      int32 0/1 outputs: shape (batch,) or () for one unit, (batch, units) or (units,) for a layer.
    """
    check_numeric("x", x)
    w, b = params
    n = np.shape(w)[-1]
    if np.ndim(x) not in (1, 2) or np.shape(x)[-1] != n:
        raise ValueError(
            f"x must have shape (batch, {n}) or ({n},) for these params, got {np.shape(x)}"
        )
    if np.shape(b) != np.shape(w)[:-1]:
        raise ValueError(
            f"b must have shape {np.shape(w)[:-1]} for w of shape {np.shape(w)}, got {np.shape(b)}"
        )
    dtype = float_dtype(x, w, b)
    z = jnp.matmul(jnp.asarray(x, dtype), jnp.asarray(w, dtype).T)
    z = z + jnp.broadcast_to(jnp.asarray(b, dtype), z.shape)
    return (z >= 0).astype(jnp.int32)

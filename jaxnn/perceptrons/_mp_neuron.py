"""The McCulloch-Pitts neuron (notes 2.1): binary inputs, a threshold and inhibitory inputs."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxnn._validation import (
    check_binary,
    check_int_range,
    check_matrix,
    check_numeric,
    check_truth_table,
    is_concrete,
)

__all__ = [
    "MPNeuronSearch",
    "mp_neuron",
    "mp_search",
    "mp_settings",
    "mp_representable",
]


class MPNeuronSearch(NamedTuple):
    """Which MP-neuron settings represent a truth table.

    Attributes:
      represents: bool scalar, True when at least one setting represents the table.
      matches: bool array (number of thresholds, 2**n inhibitory sets): ``matches[t, s]`` is True
        when threshold ``thetas[t]`` with inhibitory set ``inhibitory[s]`` gives the table exactly.
      thetas: int array (n + 2,), the thresholds searched, 0 to n + 1.
      inhibitory: bool array (2**n, n), the inhibitory sets searched, one mask per row.
    """

    represents: jax.Array
    matches: jax.Array
    thetas: jax.Array
    inhibitory: jax.Array


def mp_neuron(x: ArrayLike, theta: ArrayLike, inhibitory: ArrayLike) -> jax.Array:
    r"""The McCulloch-Pitts neuron on a batch of binary inputs.

    .. math::
      y = 0 \text{ if any inhibitory } x_i = 1, \text{ else }
      y = f(g(x)) = [\textstyle\sum_{i=1}^n x_i \ge \theta]

    Args:
      x: binary inputs, shape (batch, n inputs).
      theta: the threshold, a scalar (traced, so a sweep over thresholds compiles once).
      inhibitory: bool mask, shape (n inputs,): True marks an inhibitory input.

    Returns:
      The outputs, int32 0/1, shape (batch,).
    """
    check_matrix("x", x)
    check_binary("x", x)
    check_numeric("inhibitory", inhibitory)
    n = np.shape(x)[1]
    if np.shape(inhibitory) != (n,):
        raise ValueError(
            f"inhibitory must have shape ({n},) for {n} inputs, got {np.shape(inhibitory)}"
        )
    if np.ndim(theta) != 0:
        raise ValueError(f"theta must be a scalar, got shape {np.shape(theta)}")
    check_numeric("theta", theta)
    if is_concrete(theta) and not np.isfinite(float(theta)):
        raise ValueError(f"theta must be a finite number, got {float(theta)}")
    if jnp.asarray(inhibitory).dtype != bool:
        check_binary("inhibitory", inhibitory)
    x = jnp.asarray(x, jnp.int32)
    inhibitory = jnp.asarray(inhibitory, bool)
    inhibited = jnp.any((x == 1) & inhibitory[None, :], axis=1)
    g = jnp.sum(x, axis=1)
    return jnp.where(inhibited, 0, (g >= theta).astype(jnp.int32))


def mp_settings(n: int) -> tuple[jax.Array, jax.Array]:
    """Every distinct MP-neuron setting for ``n`` inputs.

    A threshold of 0 already fires for every input and n + 1 for none, so thresholds 0 to n + 1 and
    all 2**n inhibitory sets cover every function an MP neuron can compute.

    Args:
      n: the number of inputs, at least 1.

    Returns:
      ``(thetas, inhibitory)``: int32 thresholds, shape (n + 2,), and bool inhibitory masks, shape
      (2**n, n), mask ``s`` marking input ``i`` when bit ``i`` of ``s`` is set.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    thetas = jnp.arange(n + 2, dtype=jnp.int32)
    s = jnp.arange(2**n, dtype=jnp.int32)
    inhibitory = ((s[:, None] >> jnp.arange(n, dtype=jnp.int32)[None, :]) & 1).astype(bool)
    return thetas, inhibitory


def mp_search(table: ArrayLike) -> MPNeuronSearch:
    """Searches every threshold and inhibitory set for MP neurons that give ``table`` exactly.

    Args:
      table: the truth table, 0/1, shape (2**n,), one output per input row in the order of
        :func:`jaxnn.boolean_inputs` (x1 varies fastest). Works under ``jit`` and ``vmap``.

    Returns:
      An :class:`MPNeuronSearch`: whether some setting represents the table, and which.
    """
    n = check_truth_table("table", table)
    from jaxnn.perceptrons._boolean import boolean_inputs

    outputs = _all_settings(boolean_inputs(n))  # (n + 2, 2**n sets, 2**n rows)
    thetas, inhibitory = mp_settings(n)
    table = jnp.asarray(table, jnp.int32)
    matches = jnp.all(outputs == table[None, None, :], axis=2)
    return MPNeuronSearch(jnp.any(matches), matches, thetas, inhibitory)


def mp_representable(n: int) -> jax.Array:
    """Which boolean functions of n inputs a single MP neuron represents, over all settings.

    Args:
      n: the number of inputs, 1 to 4.

    Returns:
      bool array (2**(2**n),): entry j - 1 is True when some threshold and inhibitory set give f_j
      (the functions in the order of :func:`jaxnn.boolean_functions`).
    """
    from jaxnn.perceptrons._boolean import MAX_ENUMERATION_N, boolean_inputs

    n = check_int_range("n", n, 1, MAX_ENUMERATION_N, why="n = 5 has 2**32 functions")
    outputs = _all_settings(boolean_inputs(n))
    rows = 2**n
    weights = 1 << (rows - 1 - np.arange(rows, dtype=np.int64))
    codes = np.asarray(outputs, np.int64).reshape(-1, rows) @ weights
    found = np.zeros(2**rows, bool)
    found[codes] = True
    return jnp.asarray(found)


@jax.jit
def _all_settings(x: jax.Array) -> jax.Array:
    """The outputs on rows ``x`` of every setting: shape (n + 2, 2**n sets, rows)."""
    thetas, inhibitory = mp_settings(x.shape[1])
    return jax.vmap(lambda t: jax.vmap(lambda m: mp_neuron(x, t, m))(inhibitory))(thetas)

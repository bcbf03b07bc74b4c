"""A network of perceptrons that represents any boolean function (notes 2.5).

Inputs are +-1 (True = +1, False = -1). The hidden layer has one perceptron per input row: unit k
has the row's +-1 pattern as weights and bias -n, so it fires for that row alone; the output
perceptron then needs one weight per row. Unit k fires for row k of :func:`jaxnn.boolean_inputs`,
so h_k lines up with the rows of the notes' Table 3 (the notes' figure lists the same four units
with x2, not x1, varying fastest).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxnn._validation import (
    check_int_range,
    check_matrix,
    check_plus_minus_one,
    check_truth_table,
    keyword_key,
)
from jaxnn.perceptrons._boolean import MAX_ENUMERATION_N, boolean_functions, boolean_inputs
from jaxnn.perceptrons._learning import learn
from jaxnn.perceptrons._perceptron import PerceptronParams, perceptron

__all__ = [
    "PerceptronNetwork",
    "fit_network",
    "network",
    "network_apply",
    "network_exact",
]


class PerceptronNetwork(NamedTuple):
    """A network of perceptrons with one hidden layer.

    Attributes:
      hidden: the hidden layer, ``w`` of shape (2**n units, n) with +-1 entries, ``b`` of shape
        (2**n units,) equal to -n.
      output: the output perceptron, ``w`` of shape (2**n,), scalar ``b``.
    """

    hidden: PerceptronParams
    output: PerceptronParams


def _hidden(n: int) -> PerceptronParams:
    w = 2.0 * boolean_inputs(n).astype(jnp.float32) - 1.0
    return PerceptronParams(w, jnp.full((2**n,), -float(n), jnp.float32))


def network(table: ArrayLike) -> PerceptronNetwork:
    r"""The network for a truth table with its output weights set directly.

    Exactly one hidden unit fires for each input (``h_k = 1`` iff x is row k), so the output
    perceptron sees ``w_k + b`` for row k; the notes' four independent conditions are met by

    .. math::
      w_k = 2 f(x^{(k)}) - 1, \quad b = 0 \quad (\,w_k + b \ge 0 \iff f(x^{(k)}) = 1\,)

    Args:
      table: 0/1 outputs, shape (2**n,), in the row order of :func:`jaxnn.boolean_inputs`.
        Works under ``jit``/``vmap``.

    Returns:
      A :class:`PerceptronNetwork`.
    """
    n = check_truth_table("table", table)
    w = 2.0 * jnp.asarray(table, jnp.float32) - 1.0
    return PerceptronNetwork(_hidden(n), PerceptronParams(w, jnp.zeros((), jnp.float32)))


def fit_network(
    table: ArrayLike,
    *positional_key: jax.Array,
    key: jax.Array | None = None,
    algorithm: str = "cyclic",
    max_steps: int = 1000,
) -> tuple[PerceptronNetwork, jax.Array]:
    """The network for a truth table with the output weights learned by the perceptron algorithm.

    The hidden outputs of the 2**n input rows are one-hot, hence always linearly separable, so the
    perceptron learning algorithm converges on them for every function. Pure and jittable;
    ``vmap`` over ``table`` learns many functions in one call.

    Args:
      table: 0/1 outputs, shape (2**n,), in the row order of :func:`jaxnn.boolean_inputs`.
      *positional_key: the key, in the earlier form ``fit_network(table, key)`` (still
        accepted).
      key: a PRNG key for the random picks (keyword-only); unused for ``cyclic``.
      algorithm: as in :func:`jaxnn.perceptrons.learn` (static).
      max_steps: the cap on points inspected (static).

    Returns:
      ``(network, converged)``: the network and a bool scalar.
    """
    key = keyword_key("fit_network", key, positional_key)
    n = check_truth_table("table", table)
    hidden = _hidden(n)
    h = perceptron(hidden, 2.0 * boolean_inputs(n).astype(jnp.float32) - 1.0)
    fit = learn(h, table, key=key, algorithm=algorithm, max_steps=max_steps)
    return PerceptronNetwork(hidden, fit.params), fit.converged


def network_apply(network: PerceptronNetwork, x: ArrayLike) -> jax.Array:
    r"""The network's output for +-1 inputs.

    .. math::
      h = [W x + b_h \ge 0], \quad y = [\textstyle\sum_k w_k h_k + b \ge 0]

    Args:
      network: a :class:`PerceptronNetwork` for n inputs.
      x: +-1 inputs (True = +1, False = -1), shape (batch, n).

    Returns:
      int32 0/1 outputs, shape (batch,).
    """
    check_matrix("x", x)
    check_plus_minus_one("x", x)
    n = np.shape(network.hidden.w)[1]
    if np.shape(x)[1] != n:
        raise ValueError(f"x has {np.shape(x)[1]} features, the network expects {n}")
    h = perceptron(network.hidden, x)
    return perceptron(network.output, h)


def network_exact(n: int, *, learned: bool = True) -> jax.Array:
    """Checks the network on every boolean function of n inputs in one vmapped, jitted call.

    Args:
      n: the number of inputs, 1 to 4.
      learned: learn the output weights with the perceptron algorithm (cyclic, from zero) if True,
        else set them directly.

    Returns:
      bool array (2**(2**n),): entry j - 1 is True when the network reproduces f_j on all 2**n
      inputs exactly (and, if learned, the perceptron algorithm converged). Both variants are
      computed in one call and cached per n.
    """
    n = check_int_range("n", n, 1, MAX_ENUMERATION_N, why="n = 5 has 2**32 functions")
    direct, fitted = _exact_both(n)
    return fitted if learned else direct


@functools.cache
def _exact_both(n: int) -> tuple[jax.Array, jax.Array]:
    return _network_exact(boolean_functions(n))


@jax.jit
def _network_exact(tables: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Exactness with output weights set directly and learned, for every table."""
    n = tables.shape[1].bit_length() - 1
    x = 2 * boolean_inputs(n) - 1
    apply = jax.vmap(network_apply, in_axes=(0, None))
    direct = jnp.all(apply(jax.vmap(network)(tables), x) == tables, axis=1)
    networks, converged = jax.vmap(fit_network)(tables)
    fitted = jnp.all(apply(networks, x) == tables, axis=1) & converged
    return direct, fitted

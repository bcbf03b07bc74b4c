"""Activation functions g and their derivatives g', written out as in the notes (4.1, 4.3).

Backpropagation (Algorithm 6) needs g'(a_k) at every hidden layer. Each activation carries its
derivative explicitly; the derivative receives both the pre-activation ``a`` and the activation
``h = g(a)`` that the forward pass already computed, so sigma' = h (1 - h) and tanh' = 1 - h^2 cost
one multiply.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxnn._validation import is_concrete, lookup

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "get_activation",
    "leaky_relu",
    "hidden_activations",
    "make_activation",
]


class Activation(NamedTuple):
    """An element-wise activation g with its derivative.

    Attributes:
      name: the activation's name.
      fn: ``fn(a) -> h``, element-wise.
      derivative: ``derivative(a, h) -> g'(a)``, element-wise, where ``h = fn(a)``.
    """

    name: str
    fn: Callable[[jax.Array], jax.Array]
    derivative: Callable[[jax.Array, jax.Array], jax.Array]


def make_activation(
    fn: Callable[[jax.Array], jax.Array],
    derivative: Callable[[jax.Array], jax.Array],
    name: str = "custom",
) -> Activation:
    """Wraps a user's activation ``fn`` and its derivative ``derivative(a)`` as an `Activation`.

    Args:
      fn: element-wise g.
      derivative: element-wise g', a function of the pre-activation a only.
      name: a name for tables and error messages.

    Returns:
      An `Activation` that `jaxnn.forward` and `jaxnn.backprop` accept wherever a name is accepted.

    Raises:
      TypeError: if ``fn`` or ``derivative`` is not callable.
    """
    for arg, value in (("fn", fn), ("derivative", derivative)):
        if not callable(value):
            raise TypeError(f"{arg} must be a callable, got {type(value).__name__}")
    return Activation(name, fn, lambda a, h: derivative(a))


def leaky_relu(slope: float = 0.01) -> Activation:
    r"""Leaky ReLU with the given negative slope.

    .. math:: g(a) = a \text{ if } a > 0 \text{ else slope}\, a, \quad
        g'(a) = 1 \text{ if } a > 0 \text{ else slope}

    Args:
      slope: the slope for negative pre-activations (a finite number).

    Returns:
      An `Activation` named ``"leaky_relu"``.
    """
    if is_concrete(slope):
        arr = np.asarray(slope)
        real = np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
        if isinstance(slope, bool) or arr.ndim != 0 or not real:
            raise TypeError(f"slope must be a real number, got {slope!r}")
        if not np.isfinite(float(slope)):
            raise ValueError(f"slope must be finite, got {slope!r}")
    return Activation(
        "leaky_relu",
        lambda a: jnp.where(a > 0, a, slope * a),
        lambda a, h: jnp.where(a > 0, 1.0, slope).astype(a.dtype),
    )


ACTIVATIONS: dict[str, Activation] = {
    "identity": Activation("identity", lambda a: a, lambda a, h: jnp.ones_like(a)),
    # sigma'(a) = sigma(a) (1 - sigma(a))
    "sigmoid": Activation("sigmoid", jax.nn.sigmoid, lambda a, h: h * (1 - h)),
    # tanh'(a) = 1 - tanh(a)^2
    "tanh": Activation("tanh", jnp.tanh, lambda a, h: 1 - h * h),
    # g'(0) = 0, as jax.nn.relu's own derivative (jnp.maximum would give 1/2 at the kink)
    "relu": Activation("relu", jax.nn.relu, lambda a, h: (a > 0).astype(a.dtype)),
    "leaky_relu": leaky_relu(0.01),
}


def get_activation(activation: str | Activation) -> Activation:
    """Looks up an activation by name, or passes an `Activation` through.

    Args:
      activation: identity, sigmoid, tanh, relu, leaky_relu, or an `Activation`.

    Returns:
      The `Activation`.

    Raises:
      ValueError: for an unknown name, listing the valid ones.
    """
    return lookup(ACTIVATIONS, activation, Activation, "activation")


def hidden_activations(activation, layers: int) -> tuple[Activation, ...]:
    """The activation g_k of each of ``layers`` hidden layers.

    Args:
      activation: one activation for every hidden layer (a name or an `Activation`), or a
        sequence of them, one per hidden layer.
      layers: the number of hidden layers.

    Returns:
      A tuple of ``layers`` `Activation` values.

    Raises:
      ValueError: for an unknown name, or a sequence whose length is not ``layers``.
    """
    if isinstance(activation, str | Activation):
        return (get_activation(activation),) * layers
    gs = tuple(get_activation(a) for a in activation)
    if len(gs) != layers:
        raise ValueError(
            f"activation: got {len(gs)} activations for a network of {layers} hidden layers"
        )
    return gs

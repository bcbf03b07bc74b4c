"""The sigmoid neuron of notes 3.1 and 3.3, learnt by gradient descent (Algorithm 3).

f(x) = sigma(w x + b), with the squared-error loss of 3.3 and the gradients written out by hand.

Convention: the loss is the notes' objective, the mean over the N examples,
L(w, b) = (1/N) sum_i (f(x_i) - y_i)^2. The notes' per-example gradient
(f(x) - y) f(x) (1 - f(x)) x is the derivative of (1/2)(f(x) - y)^2; differentiating the mean
above brings the factor 2/N, which `jaxnn.sigmoid.grads` includes, so that it
equals ``jax.grad(jaxnn.sigmoid.loss)`` exactly. (With the notes' gradient instead, the same path is
followed with a learning rate N/2 times larger.)
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxnn._validation import (
    check_finite,
    check_finite_scalar,
    check_int_range,
    check_numeric,
    check_positive,
    is_concrete,
)
from jaxnn.sigmoid._gradient_descent import gradient_descent

__all__ = [
    "SigmoidNeuronParams",
    "SigmoidNeuronTrajectory",
    "neuron",
    "error_surface",
    "neuron_gradient_descent",
    "grads",
    "loss",
]


class SigmoidNeuronParams(NamedTuple):
    """A sigmoid neuron's parameters.

    Attributes:
      w: the weight: a scalar for one input (the notes' 3.3), or shape (n,) for n inputs (3.1).
      b: the bias, a scalar.
    """

    w: jax.Array
    b: jax.Array


class SigmoidNeuronTrajectory(NamedTuple):
    """Every iterate of Algorithm 3, the initial point included.

    Attributes:
      w: w_0 .. w_T, shape (T + 1,) (or (T + 1, n) for n inputs).
      b: b_0 .. b_T, shape (T + 1,).
      loss: L(w_t, b_t) for t = 0 .. T, shape (T + 1,).
    """

    w: jax.Array
    b: jax.Array
    loss: jax.Array


def _check(params: SigmoidNeuronParams, x: ArrayLike, y: ArrayLike | None = None):
    w, b = (jnp.asarray(v) for v in params)
    check_numeric("x", x)
    if w.ndim > 1 or b.ndim != 0:
        raise ValueError(
            f"params must hold a scalar or (n,) w and a scalar b, got w {w.shape} and b {b.shape}"
        )
    want = "(N,)" if w.ndim == 0 else f"(N, {w.shape[0]})"
    shape = np.shape(x)
    if len(shape) != w.ndim + 1 or (w.ndim == 1 and shape[1] != w.shape[0]):
        raise ValueError(f"x must have shape {want} for w of shape {w.shape}, got {shape}")
    if shape[0] == 0:
        raise ValueError(f"x must hold at least one example, got shape {shape}")
    dtype = jnp.result_type(w, b)
    if not jnp.issubdtype(dtype, jnp.floating):
        dtype = jnp.result_type(float)
    x = jnp.asarray(x, dtype)
    if y is None:
        return SigmoidNeuronParams(w.astype(dtype), b.astype(dtype)), x
    check_numeric("y", y)
    if np.shape(y) != shape[:1]:
        raise ValueError(
            f"y must have shape ({shape[0]},), one target per example, got {np.shape(y)}"
        )
    return SigmoidNeuronParams(w.astype(dtype), b.astype(dtype)), x, jnp.asarray(y, dtype)


def _pre_activation(params: SigmoidNeuronParams, x: jax.Array) -> jax.Array:
    w, b = params
    return (x * w if w.ndim == 0 else x @ w) + b


def _loss(params: SigmoidNeuronParams, x: jax.Array, y: jax.Array) -> jax.Array:
    # the one place of the formula: (1/N) sum_i (f(x_i) - y_i)^2
    return jnp.mean((jax.nn.sigmoid(_pre_activation(params, x)) - y) ** 2)


def neuron(params: SigmoidNeuronParams, x: ArrayLike) -> jax.Array:
    r"""The sigmoid neuron's output for every example.

    .. math:: f(x) = \frac{1}{1 + e^{-(w x + b)}}

    Args:
      params: `SigmoidNeuronParams`.
      x: inputs of shape (N,) for a scalar w, or (N, n) for w of shape (n,).

    Returns:
      f(x), shape (N,), values in (0, 1).
    """
    params, x = _check(params, x)
    return jax.nn.sigmoid(_pre_activation(params, x))


def loss(params: SigmoidNeuronParams, x: ArrayLike, y: ArrayLike) -> jax.Array:
    r"""The squared-error loss of notes 3.3, a mean over the N examples.

    .. math:: \mathcal{L}(w, b) = \frac{1}{N} \sum_{i=1}^N (f(x_i) - y_i)^2

    Args:
      params: `SigmoidNeuronParams`.
      x: inputs, shape (N,) or (N, n).
      y: targets, shape (N,).

    Returns:
      A scalar.
    """
    params, x, y = _check(params, x, y)
    return _loss(params, x, y)


def _grads(params: SigmoidNeuronParams, x: jax.Array, y: jax.Array) -> SigmoidNeuronParams:
    f = jax.nn.sigmoid(_pre_activation(params, x))
    # the notes' (f(x) - y) f(x) (1 - f(x)), times 2/N from differentiating the mean of squares
    delta = 2.0 * (f - y) * f * (1 - f) / x.shape[0]
    grad_w = jnp.sum(delta * x) if params.w.ndim == 0 else delta @ x
    return SigmoidNeuronParams(grad_w, jnp.sum(delta))


def grads(params: SigmoidNeuronParams, x: ArrayLike, y: ArrayLike) -> SigmoidNeuronParams:
    r"""The notes' explicit gradients of `jaxnn.sigmoid.loss` (notes 3.3).

    .. math::
        \nabla w = \frac{2}{N} \sum_i (f(x_i) - y_i)\, f(x_i)\, (1 - f(x_i))\, x_i, \qquad
        \nabla b = \frac{2}{N} \sum_i (f(x_i) - y_i)\, f(x_i)\, (1 - f(x_i))

    (the notes write the summand alone; 2/N comes from the mean of squares, see the module
    docstring).

    Args:
      params: `SigmoidNeuronParams`.
      x: inputs, shape (N,) or (N, n).
      y: targets, shape (N,).

    Returns:
      `SigmoidNeuronParams` holding (grad w, grad b), shaped like ``params``.
    """
    params, x, y = _check(params, x, y)
    return _grads(params, x, y)


def neuron_gradient_descent(
    params: SigmoidNeuronParams,
    x: ArrayLike,
    y: ArrayLike,
    *,
    learning_rate: ArrayLike,
    steps: int,
) -> SigmoidNeuronTrajectory:
    r"""Algorithm 3: `jaxnn.gradient_descent` on the sigmoid neuron with the explicit gradients.

    .. math::
        w_{t+1} = w_t - \eta \nabla w_t, \qquad b_{t+1} = b_t - \eta \nabla b_t,
        \qquad t = 0 \dots T - 1

    Args:
      params: the initial (w_0, b_0).
      x: inputs, shape (N,) or (N, n).
      y: targets, shape (N,).
      learning_rate: eta > 0; traced, so a sweep over it compiles once.
      steps: T, the number of updates (max_iterations); static.

    Returns:
      A `SigmoidNeuronTrajectory` of the T + 1 iterates and their losses.

    Raises:
      ValueError: for steps < 1, a learning rate that is not positive, NaN in x or y, or shapes
        that do not fit.
    """
    steps = check_int_range("steps", steps, 1, 10**9)
    if is_concrete(learning_rate):
        check_positive("learning_rate", learning_rate)
        check_finite_scalar("learning_rate", learning_rate)
    check_finite("x", x)
    check_finite("y", y)
    params, x, y = _check(params, x, y)
    result = gradient_descent(
        _loss,
        params,
        learning_rate=jnp.asarray(learning_rate, x.dtype),
        steps=steps,
        grad_fn=_grads,
        args=(x, y),
        history=True,
    )
    return SigmoidNeuronTrajectory(result.path.w, result.path.b, result.losses)


def error_surface(x: ArrayLike, y: ArrayLike, w_grid: ArrayLike, b_grid: ArrayLike) -> jax.Array:
    """`jaxnn.sigmoid.loss` for a one-input neuron over a grid of (w, b).

    Args:
      x: inputs, shape (N,).
      y: targets, shape (N,).
      w_grid: the values of w, shape (n_w,).
      b_grid: the values of b, shape (n_b,).

    Returns:
      The loss, shape (n_b, n_w): row i is b = b_grid[i], as `matplotlib`'s contour expects.
    """
    for name, g in (("w_grid", w_grid), ("b_grid", b_grid)):
        check_numeric(name, g)
        if np.ndim(g) != 1:
            raise ValueError(f"{name} must be 1-D, got shape {np.shape(g)}")
    zero = SigmoidNeuronParams(jnp.zeros(()), jnp.zeros(()))
    _, x, y = _check(zero, x, y)

    def loss(w, b):
        return _loss(SigmoidNeuronParams(w, b), x, y)

    per_b = jax.vmap(jax.vmap(loss, in_axes=(0, None)), in_axes=(None, 0))
    return per_b(jnp.asarray(w_grid, x.dtype), jnp.asarray(b_grid, x.dtype))

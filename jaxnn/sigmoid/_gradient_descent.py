"""Gradient descent (Algorithm 3 of notes 3.3, Algorithm 4 of 4.1), as one jitted ``lax.scan``.

theta holds every W_k and b_k (or any other pytree of arrays); each step moves it against the
gradient, the direction that notes 3.3 derives from the first-order Taylor expansion
L(theta + eta u) ~ L(theta) + eta u^T grad L(theta), most negative for u = -grad L(theta).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxnn._validation import check_finite_scalar, check_int_range, check_positive, is_concrete

__all__ = ["GradientDescentResult", "gradient_descent"]


class GradientDescentResult(NamedTuple):
    """What `gradient_descent` returns.

    Attributes:
      params: theta_T, the parameters after the last step, with the structure of the initial ones.
      losses: L(theta_0), ..., L(theta_T), shape (T + 1,).
      path: with ``history=True``, every iterate theta_0 .. theta_T stacked along a leading
        (T + 1,) axis, with the structure of the parameters; else None.
    """

    params: Any
    losses: jax.Array
    path: Any = None


@partial(jax.jit, static_argnames=("loss", "grad_fn", "steps", "history"))
def _descend(loss, grad_fn, steps, history, params, learning_rate, args):
    def step(theta, _):
        if grad_fn is None:
            value, grad = jax.value_and_grad(loss)(theta, *args)
        else:
            value, grad = loss(theta, *args), grad_fn(theta, *args)
        # line 5 of Algorithm 4 (lines 5-6 of Algorithm 3 for the sigmoid neuron's w and b):
        # theta_(t+1) = theta_t - eta grad theta_t, each leaf in its dtype
        new = jax.tree.map(lambda p, g: p - learning_rate.astype(p.dtype) * g, theta, grad)
        return new, (value, new if history else None)

    theta, (losses, later) = jax.lax.scan(step, params, None, length=steps)
    losses = jnp.concatenate([losses, loss(theta, *args)[None]])
    path = None
    if history:
        path = jax.tree.map(lambda p0, ps: jnp.concatenate([p0[None], ps]), params, later)
    return GradientDescentResult(theta, losses, path)


def gradient_descent(
    loss: Callable[..., jax.Array],
    params: Any,
    *,
    learning_rate: ArrayLike,
    steps: int,
    grad_fn: Callable[..., Any] | None = None,
    args: tuple = (),
    history: bool = False,
) -> GradientDescentResult:
    r"""Algorithms 3 and 4: ``steps`` full-batch gradient-descent updates of ``params``, jitted.

    The one gradient-descent loop of the notes: Algorithm 3 is this with theta = (w, b) of the
    sigmoid neuron (`jaxnn.sigmoid_neuron_gradient_descent`), Algorithm 4 with every W_k and b_k.

    .. math:: \theta_{t+1} = \theta_t - \eta \nabla_\theta \mathcal{L}(\theta_t),
        \qquad t = 0 \dots T - 1

    Args:
      loss: ``loss(params, *args) -> scalar``. Pass the same function object each call (not a new
        lambda) so the compiled program is reused.
      params: theta_0, any pytree of float arrays (e.g. the tuple of `Dense` of
        `jaxnn.feedforward.init`).
      learning_rate: eta > 0; traced, so sweeping it (or vmapping over it) compiles once.
      steps: T, the number of updates (max_iterations); static.
      grad_fn: ``grad_fn(params, *args)`` returning the gradient with the structure of
        ``params`` (e.g. explicit backprop); defaults to ``jax.grad(loss)``.
      args: data passed to ``loss`` and ``grad_fn`` after ``params`` (traced, not baked into the
        program).
      history: keep every iterate theta_0 .. theta_T in the result's ``path``.

    Returns:
      A `GradientDescentResult`: theta_T and the T + 1 losses L(theta_0) .. L(theta_T).

    Raises:
      TypeError: if ``loss`` or ``grad_fn`` is not callable, or ``args`` is not a tuple.
      ValueError: for steps < 1, or a concrete learning rate that is not positive (or is NaN).
    """
    if not callable(loss):
        raise TypeError(f"loss must be a callable, got {type(loss).__name__}")
    if grad_fn is not None and not callable(grad_fn):
        raise TypeError(f"grad_fn must be a callable or None, got {type(grad_fn).__name__}")
    if not isinstance(args, tuple):
        raise TypeError(f"args must be a tuple of arrays, got {type(args).__name__}")
    steps = check_int_range("steps", steps, 1, 10**9)
    if np.ndim(learning_rate) != 0:
        raise ValueError(
            f"learning_rate must be a scalar, got shape {np.shape(learning_rate)} "
            "(vmap over gradient_descent to sweep several)"
        )
    if is_concrete(learning_rate):
        check_positive("learning_rate", learning_rate)
        check_finite_scalar("learning_rate", learning_rate)
    return _descend(loss, grad_fn, steps, bool(history), params, jnp.asarray(learning_rate), args)

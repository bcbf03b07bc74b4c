"""Backpropagation written out as Algorithm 6 of the notes, and the loss that `jax.grad` checks.

Starting from the gradient w.r.t. the output pre-activation a_L, each layer "talks to the weights"
(grad W_k, grad b_k), then "talks to the previous hidden layer" (grad h_(k-1), grad a_(k-1)).
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxnn.feedforward._activations import Activation, hidden_activations
from jaxnn.feedforward._losses import (
    check_targets,
    loss_from_logits,
    loss_grad_wrt_logits,
    output_fn,
    resolve_loss,
)
from jaxnn.feedforward._network import Dense, ForwardCache, forward, layer_sizes

__all__ = ["backprop", "loss_fn", "per_example_grads"]


def loss_fn(
    params: Sequence[Dense],
    x: ArrayLike,
    y: ArrayLike,
    *,
    activation: str | Activation = "tanh",
    output: str = "softmax",
    loss: str = "cross_entropy",
) -> jax.Array:
    """The mean loss of the network on (x, y): the scalar that `jax.grad` differentiates.

    Args:
      params: L `Dense` layers.
      x: inputs of shape (batch, n_0).
      y: targets: integer labels (batch,) or one-hot (batch, k) for cross-entropy, else (batch, k).
      activation: hidden activation name or `Activation`.
      output: linear, softmax or sigmoid.
      loss: cross_entropy, mse (alias mean_squared_error) or binary_cross_entropy.

    Returns:
      A scalar.
    """
    loss = resolve_loss(loss, output)
    _, cache = forward(params, x, activation=activation, output=output)
    a_L = cache.a[-1]
    y = check_targets(y, a_L.shape[1], a_L.shape[0], loss)
    return loss_from_logits(a_L, y, output=output, loss=loss)


def _delta_L(params, cache, y, output, loss):
    loss = resolve_loss(loss, output)
    sizes = layer_sizes(params)
    cache_sizes = tuple(np.shape(a)[-1] for a in cache.a)
    if len(cache.h) != len(params) or cache_sizes != sizes[1:]:
        raise ValueError(
            f"cache holds pre-activations of widths {cache_sizes}, the network's layers have "
            f"widths {sizes[1:]}: pass the cache from forward(params, x, ...)"
        )
    a_L = cache.a[-1]
    y = check_targets(y, a_L.shape[1], a_L.shape[0], loss)
    return loss_grad_wrt_logits(a_L, output_fn(a_L, output), y, output=output, loss=loss)


# Widest layer input for which `_weight_grad` writes grad a_k^T out before the product (see there).
_TRANSPOSE_FIRST_MAX_INPUTS = 256


def _weight_grad(grad_a: jax.Array, h_prev: jax.Array) -> jax.Array:
    r"""grad W_k = grad a_k^T h_(k-1): one (n_k, n_(k-1)) product summing over the batch rows.

    .. math:: \nabla_{W_k} = \textstyle\sum_i \nabla_{a_k}^{(i)} {h_{k-1}^{(i)}}^\top

    Performance only, same sum: XLA:CPU runs a product whose left operand is transposed through
    its generic GEMM, and one with a row-major left operand through its faster fused kernel. For
    layers of up to 256 inputs, writing grad a_k^T out first (a copy of batch x n_k numbers) and
    then multiplying is faster; for wider inputs at small batches the generic GEMM wins, so those
    keep the transposed form (the measurements are in benchmarks/RESULTS.md). The barrier stops
    XLA from folding the transpose back into the product.

    Args:
      grad_a: grad a_k, shape (batch, n_k).
      h_prev: h_(k-1), shape (batch, n_(k-1)).

    Returns:
      grad W_k, shape (n_k, n_(k-1)).
    """
    if h_prev.shape[-1] <= _TRANSPOSE_FIRST_MAX_INPUTS:
        return jax.lax.optimization_barrier(grad_a.T) @ h_prev
    return grad_a.T @ h_prev


def _backward(params, cache, grad_a_L, gs, outer):
    """Algorithm 6's loop; ``gs`` the hidden activations g_k, ``outer(grad_a, h)`` forms grad W
    from grad a_k and h_(k-1)."""
    L = len(params)
    grads = [None] * L
    grad_a = grad_a_L
    for k in range(L - 1, -1, -1):  # layers L .. 1 (0-based k)
        h_prev = cache.h[k]
        grads[k] = Dense(outer(grad_a, h_prev), grad_a)
        if k > 0:
            grad_h = grad_a @ params[k].W  # W_k^T grad a_k, one row per example
            d = gs[k - 1].derivative(cache.a[k - 1], h_prev)
            # g'(a) = 0 passes nothing back, even where grad h overflowed (as autodiff's relu)
            grad_a = jnp.where(d == 0, jnp.zeros_like(grad_h), grad_h * d)
    return grads


def backprop(
    params: Sequence[Dense],
    cache: ForwardCache,
    y: ArrayLike,
    *,
    activation: str | Activation = "tanh",
    output: str = "softmax",
    loss: str = "cross_entropy",
) -> tuple[Dense, ...]:
    r"""Backward propagation, Algorithm 6: the gradient of the mean loss w.r.t. every parameter.

    .. math::
        \nabla_{a_L} = -(e(y) - \hat y), \qquad \text{for } k = L \dots 1: \\
        \nabla_{W_k} = \nabla_{a_k} h_{k-1}^\top, \quad \nabla_{b_k} = \nabla_{a_k}, \quad
        \nabla_{h_{k-1}} = W_k^\top \nabla_{a_k}, \quad
        \nabla_{a_{k-1}} = \nabla_{h_{k-1}} \odot g'(a_{k-1})

    (the first line for softmax with cross-entropy; other output/loss pairs use their own
    gradient w.r.t. a_L, see `loss_grad_wrt_logits`). Gradients are averaged over the batch.

    Args:
      params: L `Dense` layers.
      cache: the `ForwardCache` from `forward(params, x, ...)`.
      y: the targets, as for `loss_fn`.
      activation: the hidden activation used in the forward pass.
      output: the output function used in the forward pass.
      loss: the loss.

    Returns:
      A tuple of `Dense` with the structure and shapes of ``params``.
    """
    gs = hidden_activations(activation, len(params) - 1)
    grad_a_L = _delta_L(params, cache, y, output, loss)
    grads = _backward(params, cache, grad_a_L, gs, _weight_grad)
    return tuple(Dense(gW, jnp.sum(gb, axis=0)) for gW, gb in grads)


def per_example_grads(
    params: Sequence[Dense],
    cache: ForwardCache,
    y: ArrayLike,
    *,
    activation: str | Activation = "tanh",
    output: str = "softmax",
    loss: str = "cross_entropy",
) -> tuple[Dense, ...]:
    r"""Per-example gradients from the same formulas as `backprop`, without vmapping `jax.grad`.

    Example i's gradient is that of its own loss (not divided by the batch size), so the mean over
    the batch axis equals `backprop`'s result:

    .. math:: \nabla_{W_k}^{(i)} = \nabla_{a_k}^{(i)} \, {h_{k-1}^{(i)}}^\top

    Returns:
      A tuple of `Dense` whose leaves have a leading batch axis: W (batch, n_out, n_in),
      b (batch, n_out).
    """
    gs = hidden_activations(activation, len(params) - 1)
    grad_a_L = _delta_L(params, cache, y, output, loss) * cache.a[-1].shape[0]
    grads = _backward(params, cache, grad_a_L, gs, lambda ga, h: ga[:, :, None] * h[:, None, :])
    return tuple(Dense(gW, gb) for gW, gb in grads)

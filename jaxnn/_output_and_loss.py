"""Output functions O and loss functions (notes 4.2), and the gradient of the loss w.r.t. a_L.

Losses are computed from the output pre-activation a_L, never from log(O(a_L)): cross-entropy uses
log-softmax (the row maximum subtracted), binary cross-entropy uses log-sigmoid (softplus), so
extreme logits give finite values. The gradient w.r.t. a_L is line 1 of Algorithm 6.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxnn._validation import check_finite, check_labels, check_numeric, is_concrete

__all__ = [
    "LOSSES",
    "OUTPUTS",
    "check_targets",
    "loss_from_logits",
    "loss_grad_wrt_logits",
    "output_fn",
    "resolve_loss",
    "resolve_output",
]

OUTPUTS = ("linear", "softmax", "sigmoid")
LOSSES = ("cross_entropy", "mse", "binary_cross_entropy")
_LOSS_ALIASES = {"mean_squared_error": "mse", "squared_error": "mse"}
# The output functions each loss is defined with (cross-entropy needs a probability distribution).
_VALID_OUTPUTS = {
    "cross_entropy": ("softmax",),
    "binary_cross_entropy": ("sigmoid",),
    "mse": OUTPUTS,
}


def resolve_output(output: str) -> str:
    """Validates an output-function name. Raises ``ValueError`` listing the valid ones."""
    if output not in OUTPUTS:
        raise ValueError(f"unknown output {output!r}; valid: {', '.join(OUTPUTS)}")
    return output


def resolve_loss(loss: str, output: str) -> str:
    """Validates a loss name (aliases: mean_squared_error, squared_error) for an output function."""
    resolve_output(output)
    name = _LOSS_ALIASES.get(loss, loss)
    if name not in LOSSES:
        raise ValueError(
            f"unknown loss {loss!r}; valid: {', '.join(LOSSES)} (or mean_squared_error)"
        )
    if output not in _VALID_OUTPUTS[name]:
        raise ValueError(
            f"loss {name!r} needs output {' or '.join(_VALID_OUTPUTS[name])}, got output {output!r}"
        )
    return name


def output_fn(a_L: jax.Array, output: str) -> jax.Array:
    r"""The output function O applied to the pre-activation ``a_L`` of shape (batch, k).

    .. math:: \hat y = O(a_L), \quad \mathrm{softmax}(a)_j = e^{a_j} / \textstyle\sum_i e^{a_i}
    """
    if output == "linear":
        return a_L
    if output == "softmax":
        return jax.nn.softmax(a_L, axis=-1)
    if output == "sigmoid":
        return jax.nn.sigmoid(a_L)
    raise ValueError(f"unknown output {output!r}; valid: {', '.join(OUTPUTS)}")


def check_targets(y: ArrayLike, k: int, batch: int, loss: str) -> jax.Array:
    """Checks targets ``y`` against outputs of width ``k`` and returns them in the loss's layout.

    Cross-entropy takes integer labels of shape (batch,) or one-hot rows of shape (batch, k); the
    other losses take (batch, k), or (batch,) when k = 1. Shapes are checked at trace time, values
    when ``y`` is concrete: labels in [0, k), one-hot rows >= 0 summing to 1, binary cross-entropy
    targets in [0, 1], no NaN or infinity.

    Args:
      y: the targets.
      k: the number of outputs.
      batch: the number of examples.
      loss: a resolved loss name (see `resolve_loss`).

    Returns:
      ``y`` as (batch,) integer labels for cross-entropy with labels, else (batch, k).

    Raises:
      ValueError: for an empty batch, a shape that does not fit, or bad values.
      TypeError: for complex, string or object targets.
    """
    check_numeric("y", y)
    shape = np.shape(y)
    if batch == 0:
        raise ValueError("the batch is empty (0 samples); the mean loss over it is undefined")
    if shape[:1] != (batch,):
        raise ValueError(f"x has {batch} samples, y has shape {shape}")
    integer = jnp.issubdtype(jnp.result_type(y), jnp.integer)
    if loss == "cross_entropy" and integer:
        if len(shape) != 1:
            raise ValueError(f"integer labels y must have shape ({batch},), got {shape}")
        check_labels("y", y, k)
        return jnp.asarray(y)
    check_finite("y", y)
    if len(shape) == 1 and k == 1:
        y = jnp.reshape(jnp.asarray(y), (batch, 1))
        shape = (batch, 1)
    if shape != (batch, k):
        expected = (
            f"({batch},) integer labels or ({batch}, {k})"
            if loss == "cross_entropy"
            else (f"({batch}, {k})")
        )
        raise ValueError(f"y must have shape {expected} for {k} outputs, got {shape}")
    if loss == "cross_entropy":
        _check_one_hot(y)
    if loss == "binary_cross_entropy" and is_concrete(y):
        a = np.asarray(y)
        if np.any((a < 0) | (a > 1)):
            bad = np.unique(a[(a < 0) | (a > 1)])[:5].tolist()
            raise ValueError(f"binary cross-entropy targets y must lie in [0, 1], got {bad}")
    return jnp.asarray(y)


def _check_one_hot(y: ArrayLike) -> None:
    if not is_concrete(y):
        return
    a = np.asarray(y)
    if np.any(a < 0) or not np.allclose(a.sum(axis=1), 1.0, atol=1e-4):
        raise ValueError("one-hot (or probability) rows of y must be >= 0 and sum to 1")


def _one_hot(y: jax.Array, k: int, dtype) -> jax.Array:
    """e(y) for integer labels; a label outside [0, k) gives a row of NaN, not a silent zero row.

    (Concrete labels were checked by `check_targets`; this catches labels that are traced.)
    """
    if jnp.issubdtype(y.dtype, jnp.integer):
        valid = (y >= 0) & (y < k)
        e = jax.nn.one_hot(y, k, dtype=dtype)
        return jnp.where(valid[:, None], e, jnp.asarray(jnp.nan, dtype))
    return y.astype(dtype)


def loss_from_logits(a_L: jax.Array, y: jax.Array, *, output: str, loss: str) -> jax.Array:
    r"""The mean loss over the batch, computed stably from the pre-activation ``a_L``.

    .. math::
        \text{mse} = \tfrac1N \textstyle\sum_i \sum_j (\hat y_{ij} - y_{ij})^2, \quad
        \text{cross\_entropy} = -\tfrac1N \textstyle\sum_i \log \hat y_{i,\ell_i}, \\
        \text{binary\_cross\_entropy} = -\tfrac1N \textstyle\sum_i \sum_j
            y_{ij}\log \hat y_{ij} + (1 - y_{ij}) \log(1 - \hat y_{ij})

    Args:
      a_L: output pre-activations, shape (batch, k).
      y: targets as returned by `check_targets`.
      output: ``"linear"``, ``"softmax"`` or ``"sigmoid"``.
      loss: ``"cross_entropy"``, ``"mse"`` or ``"binary_cross_entropy"``.

    Returns:
      A scalar.
    """
    n, k = a_L.shape
    if loss == "cross_entropy":
        log_p = jax.nn.log_softmax(a_L, axis=-1)
        return -jnp.sum(_one_hot(y, k, a_L.dtype) * log_p) / n
    if loss == "binary_cross_entropy":
        # -[y log sigma(a) + (1 - y) log(1 - sigma(a))] = softplus(a) - y a
        return jnp.sum(jax.nn.softplus(a_L) - y.astype(a_L.dtype) * a_L) / n
    if loss == "mse":
        return jnp.sum((output_fn(a_L, output) - y.astype(a_L.dtype)) ** 2) / n
    raise ValueError(f"unknown loss {loss!r}; valid: {', '.join(LOSSES)}")


def loss_grad_wrt_logits(
    a_L: jax.Array, y_hat: jax.Array, y: jax.Array, *, output: str, loss: str
) -> jax.Array:
    r"""The gradient of the mean loss w.r.t. ``a_L`` (line 1 of Algorithm 6), shape (batch, k).

    .. math::
        \nabla_{a_L} = -(e(y) - \hat y)/N \ \text{(softmax, cross-entropy)}, \quad
        (\hat y - y)/N \ \text{(sigmoid, BCE)}, \quad
        J_O^\top\, 2(\hat y - y)/N \ \text{(mse)}

    where the softmax Jacobian acts as
    :math:`J^\top v = \hat y \odot (v - \langle v, \hat y\rangle)`.

    Args:
      a_L: output pre-activations, shape (batch, k).
      y_hat: the outputs O(a_L), shape (batch, k).
      y: targets as returned by `check_targets`.
      output: the output function.
      loss: the (resolved) loss.

    Returns:
      The gradient, shape (batch, k), already divided by the batch size N.
    """
    n, k = a_L.shape
    if loss == "cross_entropy":
        if jnp.issubdtype(y.dtype, jnp.integer):
            return (y_hat - _one_hot(y, k, a_L.dtype)) / n
        # soft targets: -(y - y_hat sum_j y_j), which is -(e(y) - y_hat) for rows summing to 1
        y = y.astype(a_L.dtype)
        return (y_hat * jnp.sum(y, axis=-1, keepdims=True) - y) / n
    if loss == "binary_cross_entropy":
        return (y_hat - y.astype(a_L.dtype)) / n
    v = 2 * (y_hat - y.astype(a_L.dtype)) / n  # dL / d y_hat
    if output == "linear":
        return v
    if output == "sigmoid":
        return v * y_hat * (1 - y_hat)
    return y_hat * (v - jnp.sum(v * y_hat, axis=-1, keepdims=True))

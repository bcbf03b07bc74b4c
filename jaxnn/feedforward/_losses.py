r"""Output functions O and loss functions (notes 4.2) as values, with the gradient w.r.t. a_L.

An `Output` holds O and the product of its Jacobian's transpose with a vector; a `Loss` holds the
loss computed from the output pre-activation a_L, its gradient w.r.t. a_L (line 1 of Algorithm 6)
and the outputs it is defined with. `OUTPUTS` and `LOSSES` are registries: a new loss is one entry,
and every function that takes a loss name also takes a `Loss` value.

Losses are computed from a_L, never from log(O(a_L)): cross-entropy uses log-softmax (the row
maximum subtracted), binary cross-entropy uses log-sigmoid (softplus), so extreme logits give
finite values, and a logit of -inf on a class that is not the label contributes nothing.

.. math:: \nabla_{a_L} \mathcal{L} = -(e(y) - \hat y) \quad \text{(softmax with cross-entropy)}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxnn._validation import check_finite, check_labels, check_numeric, is_concrete, lookup

__all__ = [
    "LOSSES",
    "LOSS_ALIASES",
    "OUTPUTS",
    "Loss",
    "Output",
    "auto_output",
    "check_targets",
    "get_loss",
    "get_output",
    "loss_from_logits",
    "loss_grad_wrt_logits",
    "output_fn",
    "resolve_loss",
    "resolve_output",
    "targets_for",
]

ONE_HOT_TOLERANCE = 1e-3
"""Rows of one-hot or probability targets must sum to 1 within this; others give NaN (traced)."""


class Output(NamedTuple):
    """An output function O of the output layer.

    Attributes:
      name: its name.
      fn: ``fn(a_L) -> y_hat``, row-wise on (batch, k).
      vjp: ``vjp(y_hat, v) -> J_O(a_L)^T v``, row-wise: what a loss of y_hat passes back to a_L.
    """

    name: str
    fn: Callable[[jax.Array], jax.Array]
    vjp: Callable[[jax.Array, jax.Array], jax.Array]


class Loss(NamedTuple):
    r"""A loss function, its gradient w.r.t. a_L and the outputs it fits.

    Attributes:
      name: its name.
      outputs: the names of the output functions it is defined with; the first is the default.
      targets: ``"classes"`` (integer labels, or rows of probabilities summing to 1),
        ``"unit"`` (values in [0, 1]) or ``"real"`` (any finite values; integer labels become
        one-hot rows e(y)).
      value: ``value(a_L, y, output) -> (batch,)`` per-example losses, computed from the
        pre-activation a_L; ``output`` is an `Output`.
      grad: ``grad(a_L, y_hat, y, output) -> (batch, k)``, the per-example gradient
        :math:`\nabla_{a_L}` of ``value`` (line 1 of Algorithm 6, not divided by the batch size).
    """

    name: str
    outputs: tuple[str, ...]
    targets: str
    value: Callable[..., jax.Array]
    grad: Callable[..., jax.Array]


def _softmax_vjp(y_hat: jax.Array, v: jax.Array) -> jax.Array:
    # J^T v = y_hat * (v - <v, y_hat>) for the softmax Jacobian diag(y_hat) - y_hat y_hat^T
    return y_hat * (v - jnp.sum(v * y_hat, axis=-1, keepdims=True))


OUTPUTS: dict[str, Output] = {
    "linear": Output("linear", lambda a: a, lambda y_hat, v: v),
    "softmax": Output("softmax", lambda a: jax.nn.softmax(a, axis=-1), _softmax_vjp),
    "sigmoid": Output("sigmoid", jax.nn.sigmoid, lambda y_hat, v: v * y_hat * (1 - y_hat)),
}
"""The output functions of notes 4.2, by name."""


def _class_rows(y: jax.Array, k: int, dtype) -> tuple[jax.Array, jax.Array]:
    """e(y) for labels (a NaN row for a label outside [0, k)), or the rows themselves; and a
    per-row factor that is NaN where probability rows do not sum to 1 (1 elsewhere)."""
    if jnp.issubdtype(y.dtype, jnp.integer):
        valid = (y >= 0) & (y < k)
        e = jnp.where(valid[:, None], jax.nn.one_hot(y, k, dtype=dtype), jnp.nan)
        return e, jnp.ones(y.shape[:1], dtype)
    y = y.astype(dtype)
    bad = jnp.abs(jnp.sum(y, axis=-1) - 1) > ONE_HOT_TOLERANCE
    bad |= jnp.any(y < 0, axis=-1)
    return y, jnp.where(bad, jnp.asarray(jnp.nan, dtype), jnp.asarray(1, dtype))


def _log_softmax(a: jax.Array) -> jax.Array:
    """``log_softmax`` along the last axis, exact where logits overflowed to +inf (float16 logits
    of 1e9): the infinite logits share the probability, every other class has log p = -inf
    (``jax.nn.log_softmax`` gives NaN there, from inf - inf)."""
    top = jnp.max(a, axis=-1, keepdims=True)
    at_top = a == top
    n_top = jnp.sum(at_top, axis=-1, keepdims=True).astype(a.dtype)
    limit = jnp.where(at_top, -jnp.log(n_top), jnp.asarray(-jnp.inf, a.dtype))
    return jnp.where(jnp.isposinf(top), limit, jax.nn.log_softmax(a, axis=-1))


def _cross_entropy(a_L, y, output):
    del output
    e, flag = _class_rows(y, a_L.shape[-1], a_L.dtype)
    log_p = _log_softmax(a_L)
    # 0 * log 0 = 0: a masked logit of -inf on a class that is not the label adds nothing
    return -jnp.sum(jnp.where(e != 0, e * log_p, jnp.zeros_like(log_p)), axis=-1) * flag


def _cross_entropy_grad(a_L, y_hat, y, output):
    del a_L, output
    e, flag = _class_rows(y, y_hat.shape[-1], y_hat.dtype)
    return (y_hat - e) * flag[:, None]


def _binary_cross_entropy(a_L, y, output):
    del output
    # -[y log sigma(a) + (1 - y) log(1 - sigma(a))] = softplus(a) - y a
    return jnp.sum(jax.nn.softplus(a_L) - y.astype(a_L.dtype) * a_L, axis=-1)


def _binary_cross_entropy_grad(a_L, y_hat, y, output):
    del a_L, output
    return y_hat - y.astype(y_hat.dtype)


def _squared_error(a_L, y, output):
    return jnp.sum((output.fn(a_L) - y.astype(a_L.dtype)) ** 2, axis=-1)


def _squared_error_grad(a_L, y_hat, y, output):
    del a_L
    return output.vjp(y_hat, 2 * (y_hat - y.astype(y_hat.dtype)))


LOSSES: dict[str, Loss] = {
    "cross_entropy": Loss(
        "cross_entropy", ("softmax",), "classes", _cross_entropy, _cross_entropy_grad
    ),
    "mse": Loss(
        "mse", ("softmax", "linear", "sigmoid"), "real", _squared_error, _squared_error_grad
    ),
    "binary_cross_entropy": Loss(
        "binary_cross_entropy",
        ("sigmoid",),
        "unit",
        _binary_cross_entropy,
        _binary_cross_entropy_grad,
    ),
}
"""The losses of notes 4.2, by name; add an entry (or pass a `Loss`) for a new one."""

LOSS_ALIASES = {"mean_squared_error": "mse", "squared_error": "mse"}
"""Other names of the losses (the course's ``-l mean_squared_error``)."""


def get_output(output: str | Output) -> Output:
    """The `Output` of a name, or an `Output` passed through.

    Raises:
      ValueError: for an unknown name, listing the valid ones.
    """
    return lookup(OUTPUTS, output, Output, "output")


def get_loss(loss: str | Loss) -> Loss:
    """The `Loss` of a name or alias (mean_squared_error, squared_error), or a `Loss` as it is.

    Raises:
      ValueError: for an unknown name, listing the valid ones.
    """
    return lookup(LOSSES, loss, Loss, "loss", LOSS_ALIASES)


def auto_output(loss: str | Loss, *, regression: bool = False) -> str:
    """The output function O that ``output="auto"`` stands for with ``loss``.

    The loss's first output (softmax for cross-entropy and mse, sigmoid for binary
    cross-entropy), except for regression targets (real values) under a loss of real targets
    that takes a linear output (mse): linear.

    Raises:
      ValueError: for an unknown loss, or a `Loss` that names no output.
    """
    value = get_loss(loss)
    if regression and value.targets == "real" and "linear" in value.outputs:
        return "linear"
    if not value.outputs:
        raise ValueError(f"loss {value.name!r} names no output function: give output explicitly")
    return value.outputs[0]


def resolve_output(output: str | Output) -> str | Output:
    """Validates an output: returns a name unchanged, or an `Output` value."""
    get_output(output)
    return output


def resolve_loss(loss: str | Loss, output: str | Output) -> str | Loss:
    """Validates a loss for an output function: the canonical name (aliases resolved), or the
    `Loss` value passed.

    Raises:
      ValueError: for an unknown loss or output, or a loss not defined with that output.
    """
    out = get_output(output)
    value = get_loss(loss)
    if value.outputs and out.name not in value.outputs:
        raise ValueError(
            f"loss {value.name!r} needs output {' or '.join(value.outputs)}, got output "
            f"{out.name!r}"
        )
    return loss if isinstance(loss, Loss) else value.name


def output_fn(a_L: jax.Array, output: str | Output) -> jax.Array:
    r"""The output function O applied to the pre-activation ``a_L`` of shape (batch, k).

    .. math:: \hat y = O(a_L), \quad \mathrm{softmax}(a)_j = e^{a_j} / \textstyle\sum_i e^{a_i}
    """
    return get_output(output).fn(a_L)


def check_targets(y: ArrayLike, k: int, batch: int, loss: str | Loss) -> jax.Array:
    """Checks targets ``y`` against outputs of width ``k`` and returns them in the loss's layout.

    Class targets (cross-entropy) are integer labels of shape (batch,) or probability rows of shape
    (batch, k); the other losses take (batch, k), or (batch,) when k = 1. Shapes are checked at
    trace time, values when ``y`` is concrete: labels in [0, k), probability rows >= 0 summing to
    1, unit targets (binary cross-entropy) in [0, 1], no NaN or infinity.

    Args:
      y: the targets.
      k: the number of outputs.
      batch: the number of examples.
      loss: a loss name or `Loss`.

    Returns:
      ``y`` as (batch,) integer labels for class targets given as labels, else (batch, k).

    Raises:
      ValueError: for an empty batch, a shape that does not fit, or bad values.
      TypeError: for complex, string or object targets.
    """
    kind = get_loss(loss).targets
    check_numeric("y", y)
    if not hasattr(y, "dtype"):  # a list or other sequence
        y = np.asarray(y)
    shape = np.shape(y)
    if batch == 0:
        raise ValueError("the batch is empty (0 samples); the mean loss over it is undefined")
    if shape[:1] != (batch,):
        raise ValueError(f"x has {batch} samples, y has shape {shape}")
    integer = jnp.issubdtype(jnp.result_type(y), jnp.integer)
    if kind == "classes" and integer:
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
            if kind == "classes"
            else f"({batch}, {k})"
        )
        raise ValueError(f"y must have shape {expected} for {k} outputs, got {shape}")
    if is_concrete(y):
        a = np.asarray(y, np.float64)
        if kind == "classes" and (
            np.any(a < 0) or not np.allclose(a.sum(axis=1), 1.0, atol=ONE_HOT_TOLERANCE)
        ):
            raise ValueError("one-hot (or probability) rows of y must be >= 0 and sum to 1")
        if kind == "unit" and np.any((a < 0) | (a > 1)):
            bad = np.unique(a[(a < 0) | (a > 1)])[:5].tolist()
            raise ValueError(f"binary cross-entropy targets y must lie in [0, 1], got {bad}")
    return jnp.asarray(y)


def targets_for(loss: str | Loss, y: jax.Array, k: int) -> jax.Array:
    """Targets in the form ``loss`` takes: integer labels stay labels for class losses and become
    one-hot rows e(y) (float32) for the others; anything else passes unchanged."""
    if jnp.issubdtype(y.dtype, jnp.integer) and get_loss(loss).targets != "classes":
        if k == 1:  # binary labels for one output unit
            return y.reshape(-1, 1).astype(jnp.float32)
        return jax.nn.one_hot(y, k, dtype=jnp.float32)
    return y


def loss_from_logits(
    a_L: jax.Array, y: jax.Array, *, output: str | Output, loss: str | Loss
) -> jax.Array:
    r"""The mean loss over the batch, computed stably from the pre-activation ``a_L``.

    .. math::
        \text{mse} = \tfrac1N \textstyle\sum_i \sum_j (\hat y_{ij} - y_{ij})^2, \quad
        \text{cross\_entropy} = -\tfrac1N \textstyle\sum_i \log \hat y_{i,\ell_i}, \\
        \text{binary\_cross\_entropy} = -\tfrac1N \textstyle\sum_i \sum_j
            y_{ij}\log \hat y_{ij} + (1 - y_{ij}) \log(1 - \hat y_{ij})

    Inside ``jit``, a label outside [0, k) or a probability row that does not sum to 1 makes the
    loss NaN (a flag where values cannot be checked).

    Args:
      a_L: output pre-activations, shape (batch, k).
      y: targets as returned by `check_targets`.
      output: the output function: a name or an `Output`.
      loss: the loss: a name or a `Loss`.

    Returns:
      A scalar.
    """
    return jnp.mean(get_loss(loss).value(a_L, y, get_output(output)))


def loss_grad_wrt_logits(
    a_L: jax.Array, y_hat: jax.Array, y: jax.Array, *, output: str | Output, loss: str | Loss
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
      loss: the loss.

    Returns:
      The gradient, shape (batch, k), already divided by the batch size N.
    """
    return get_loss(loss).grad(a_L, y_hat, y, get_output(output)) / a_L.shape[0]

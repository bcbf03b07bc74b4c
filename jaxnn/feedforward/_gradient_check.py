"""Checking backpropagation (notes 4.3): explicit gradients against autodiff and finite differences.

For researchers writing their own formulas (an activation with its derivative, or a whole
gradient function): the explicit gradient is compared, layer by layer and in float64, with
``jax.grad`` of the loss and with central finite differences of the loss, which use no derivative.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree
from jax.typing import ArrayLike

from jaxnn._validation import check_finite, check_matrix, check_positive
from jaxnn.feedforward._activations import Activation, get_activation
from jaxnn.feedforward._backprop import backprop, loss_fn
from jaxnn.feedforward._losses import check_targets, resolve_loss
from jaxnn.feedforward._network import Dense, forward, layer_sizes

__all__ = ["LayerGradientCheck", "check_gradients"]


class LayerGradientCheck(NamedTuple):
    """How far one layer's explicit gradient (W and b together) is from two references.

    Relative errors are normwise: the largest absolute difference divided by the largest absolute
    entry of the reference gradient of that layer.

    Attributes:
      layer: k, from 1 (the first hidden layer) to L (the output layer).
      shape: the shape of W_k, (n_k, n_(k-1)).
      autodiff_max_abs: max |explicit - jax.grad| over the layer's entries.
      autodiff_max_rel: autodiff_max_abs / max |jax.grad|.
      fd_max_abs: max |explicit - finite difference| over the entries checked.
      fd_max_rel: fd_max_abs / max |finite difference|.
      fd_entries: how many of the layer's W and b entries the finite differences checked.
      ok: autodiff_max_rel <= rtol_autodiff and fd_max_rel <= rtol_fd.
    """

    layer: int
    shape: tuple[int, int]
    autodiff_max_abs: float
    autodiff_max_rel: float
    fd_max_abs: float
    fd_max_rel: float
    fd_entries: int
    ok: bool


def _errors(explicit: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    diff = float(np.max(np.abs(explicit - reference)))
    scale = float(np.max(np.abs(reference)))
    return diff, diff / max(scale, np.finfo(np.float64).tiny)


def check_gradients(
    params: Sequence[Dense],
    x: ArrayLike,
    y: ArrayLike,
    *,
    activation: str | Activation = "tanh",
    output: str = "softmax",
    loss: str = "cross_entropy",
    grad_fn: Callable | None = None,
    eps: float = 1e-5,
    max_fd_entries: int | None = 512,
    seed: int = 0,
    rtol_autodiff: float = 1e-10,
    rtol_fd: float = 1e-6,
) -> tuple[LayerGradientCheck, ...]:
    r"""Compares explicit backprop with ``jax.grad`` and with finite differences, in float64.

    The finite difference of entry :math:`\theta_j` of the loss :math:`\mathcal{L}` is central:

    .. math::
        \frac{\partial \mathcal{L}}{\partial \theta_j} \approx
        \frac{\mathcal{L}(\theta + \epsilon e_j) - \mathcal{L}(\theta - \epsilon e_j)}{2 \epsilon}

    Everything is computed in float64 (inside ``jax.enable_x64``), whatever the dtype of
    ``params``. A pre-activation within ``eps`` of a kink (relu, leaky_relu at 0) makes the finite
    difference straddle it; random data almost never do.

    Args:
      params: L `Dense` layers.
      x: inputs, shape (batch, n_0), finite.
      y: targets as for `jaxnn.loss_fn`.
      activation: the hidden activation: a name or an `Activation` with its own derivative.
      output: linear, softmax or sigmoid.
      loss: cross_entropy, mse or binary_cross_entropy.
      grad_fn: the explicit gradient to check, ``grad_fn(params, x, y)`` returning the structure
        of ``params``; defaults to `jaxnn.forward` then `jaxnn.backprop` (Algorithms 5 and 6).
      eps: the finite-difference step.
      max_fd_entries: per layer, at most this many entries of W and b (drawn at random, without
        replacement) get a finite difference; ``None`` checks all of them.
      seed: picks the entries when a layer has more than ``max_fd_entries``.
      rtol_autodiff: the largest relative error against ``jax.grad`` for ``ok``.
      rtol_fd: the largest relative error against finite differences for ``ok``.

    Returns:
      One `LayerGradientCheck` per layer, layer 1 first.

    Raises:
      ValueError: for x that is not a non-empty (batch, n_0) matrix, NaN or infinity in x, y or
        params, targets that do not fit the output, or an unknown activation, output or loss.
    """
    g = get_activation(activation)
    loss = resolve_loss(loss, output)
    _check_arguments(params, x, y, loss, eps, max_fd_entries, grad_fn)
    with jax.enable_x64(True):
        # converted on the host: no small eager programs to compile
        p64 = tuple(
            Dense(*(jnp.asarray(np.asarray(a, np.float64)) for a in layer)) for layer in params
        )
        x64 = jnp.asarray(np.asarray(x, np.float64))
        y_np = np.asarray(y)
        y64 = jnp.asarray(
            y_np if np.issubdtype(y_np.dtype, np.integer) else y_np.astype(np.float64)
        )
        mine, auto = _explicit_and_autodiff(p64, x64, y64, g, output, loss, grad_fn)
        if jax.tree.structure(mine) != jax.tree.structure(p64):
            raise ValueError(
                f"grad_fn must return the structure of params, {jax.tree.structure(p64)}, "
                f"got {jax.tree.structure(mine)}"
            )
        # the entries of every layer's (W, b) within the flattened parameters, layer 1 first
        chosen = _fd_entries([W.size + b.size for W, b in p64], max_fd_entries, seed)
        idx = np.concatenate([o + c for o, c in zip(_offsets(p64), chosen)])
        fd = np.asarray(_finite_differences(p64, x64, y64, jnp.asarray(idx), eps, g, output, loss))
        flat = [np.concatenate([np.ravel(a) for a in jax.tree.leaves(t)]) for t in (mine, auto)]
    return _records(p64, *flat, fd, idx, chosen, rtol_autodiff, rtol_fd)


def _offsets(params) -> np.ndarray:
    """Where each layer's (W, b) starts in the flattened parameters, and where the last ends."""
    return np.cumsum([0, *(W.size + b.size for W, b in params)])


def _records(params, mine, auto, fd, idx, chosen, rtol_autodiff, rtol_fd) -> tuple:
    """One `LayerGradientCheck` per layer from the flat explicit and autodiff gradients and the
    finite differences of the entries ``idx`` (``chosen[k]`` of layer k)."""
    offsets, records, start = _offsets(params), [], 0
    for k in range(len(params)):
        lo, hi, n_fd = offsets[k], offsets[k + 1], len(chosen[k])
        a_abs, a_rel = _errors(mine[lo:hi], auto[lo:hi])
        f_abs, f_rel = _errors(mine[idx[start : start + n_fd]], fd[start : start + n_fd])
        start += n_fd
        records.append(
            LayerGradientCheck(
                layer=k + 1,
                shape=tuple(int(s) for s in params[k].W.shape),
                autodiff_max_abs=a_abs,
                autodiff_max_rel=a_rel,
                fd_max_abs=f_abs,
                fd_max_rel=f_rel,
                fd_entries=n_fd,
                ok=bool(a_rel <= rtol_autodiff and f_rel <= rtol_fd),
            )
        )
    return tuple(records)


def _check_arguments(params, x, y, loss, eps, max_fd_entries, grad_fn) -> None:
    """`check_gradients`' checks at the boundary, each naming its argument."""
    sizes = layer_sizes(params)
    check_matrix("x", x, features=sizes[0])
    check_finite("x", x)
    check_finite("y", y)
    check_targets(y, sizes[-1], np.shape(x)[0], loss)
    for k, layer in enumerate(params, start=1):
        check_finite(f"params[{k - 1}].W", layer[0])
        check_finite(f"params[{k - 1}].b", layer[1])
    check_positive("eps", eps)
    if max_fd_entries is not None and (
        isinstance(max_fd_entries, bool) or not isinstance(max_fd_entries, int | np.integer)
    ):
        raise TypeError(f"max_fd_entries must be an integer or None, got {max_fd_entries!r}")
    if max_fd_entries is not None and max_fd_entries < 1:
        raise ValueError(f"max_fd_entries must be >= 1 or None, got {max_fd_entries}")
    if grad_fn is not None and not callable(grad_fn):
        raise TypeError(f"grad_fn must be a callable or None, got {type(grad_fn).__name__}")


def _fd_entries(counts: list[int], max_fd_entries: int | None, seed: int) -> list[np.ndarray]:
    """Per layer, the entries of its (W, b) that get a finite difference: all of them, or
    ``max_fd_entries`` drawn without replacement (seeded), sorted."""
    rng = np.random.default_rng(seed)
    return [
        np.arange(n)
        if max_fd_entries is None or n <= max_fd_entries
        else np.sort(rng.choice(n, size=max_fd_entries, replace=False))
        for n in counts
    ]


@partial(jax.jit, static_argnames=("g", "output", "loss", "grad_fn"))
def _explicit_and_autodiff(params, x, y, g, output, loss, grad_fn):
    kw = {"activation": g, "output": output, "loss": loss}
    if grad_fn is None:
        _, cache = forward(params, x, activation=g, output=output)
        mine = backprop(params, cache, y, **kw)
    else:
        mine = grad_fn(params, x, y)
    return mine, jax.grad(loss_fn)(params, x, y, **kw)


@partial(jax.jit, static_argnames=("g", "output", "loss"))
def _finite_differences(params, x, y, idx, eps, g, output, loss):
    """Central differences of the loss along the entries ``idx`` of the flattened parameters.

    One entry at a time is set to its value + eps, then - eps, then back, in a loop that carries
    the flat parameter vector (so each step updates it in place rather than copying it).
    """
    theta, unravel = ravel_pytree(params)

    def loss_at(t):
        return loss_fn(unravel(t), x, y, activation=g, output=output, loss=loss)

    def body(i, carry):
        t, res = carry
        j = idx[i]
        orig = t[j]
        t = t.at[j].set(orig + eps)
        up = loss_at(t)
        t = t.at[j].set(orig - eps)
        down = loss_at(t)
        return t.at[j].set(orig), res.at[i].set((up - down) / (2 * eps))

    return jax.lax.fori_loop(0, idx.shape[0], body, (theta, jnp.zeros(idx.shape, x.dtype)))[1]

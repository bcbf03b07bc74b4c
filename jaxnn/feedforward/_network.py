"""The feed-forward network of notes 4.1 and its forward pass (Algorithm 5).

Layer i holds ``Dense(W, b)`` with W of shape (n_i, n_(i-1)) and b of shape (n_i,), as in the notes'
a_i = b_i + W_i h_(i-1). Inputs are batches of rows, x of shape (batch, n_0), so in code
a_i = h_(i-1) @ W_i^T + b_i, one row per example.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxnn._validation import check_finite_positive, check_key, check_numeric, keyword_key
from jaxnn.feedforward._activations import Activation, hidden_activations
from jaxnn.feedforward._losses import output_fn, resolve_output

__all__ = [
    "INITS",
    "Dense",
    "ForwardCache",
    "forward",
    "init",
    "init_std",
    "layer_sizes",
]

INITS = ("random", "xavier", "he")


class Dense(NamedTuple):
    """One layer's parameters: W of shape (n_out, n_in), b of shape (n_out,)."""

    W: jax.Array
    b: jax.Array


class ForwardCache(NamedTuple):
    """What Algorithm 5 computes on the way: everything Algorithm 6 needs.

    Attributes:
      a: pre-activations a_1 .. a_L, each of shape (batch, n_i).
      h: activations h_0 = x .. h_(L-1), each of shape (batch, n_i).
    """

    a: tuple[jax.Array, ...]
    h: tuple[jax.Array, ...]


def init(
    sizes: Sequence[int],
    *old_form: Sequence[int],
    key: jax.Array | None = None,
    weight_init: str = "xavier",
    scale: ArrayLike = 1.0,
    dtype=jnp.float32,
    **old_names: str,
) -> tuple[Dense, ...]:
    r"""Initializes a feed-forward network with layer sizes ``sizes = (n_0, n_1, ..., n_L)``.

    Weights are normal with standard deviation, times ``scale``:

    .. math::
        \text{random: } 0.1, \quad \text{xavier: } \sqrt{2 / (n_{in} + n_{out})}, \quad
        \text{he: } \sqrt{2 / n_{in}}

    and biases are zero. ``init(sizes, key=key)`` is the call; the earlier form
    ``init(key, sizes, init="he")`` (``jaxnn.init_mlp``, the same function) gives the same network.

    Args:
      sizes: input width, hidden widths, output width k; at least two entries, all positive.
      *old_form: the sizes, when the key comes first (the earlier form).
      key: a PRNG key (keyword-only).
      weight_init: ``"random"``, ``"xavier"`` or ``"he"`` (``init=`` in the earlier form).
      scale: multiplies every initial weight; may be a traced array (a sweep varies it).
      dtype: the parameters' dtype.
      **old_names: ``init``, the earlier name of ``weight_init``.

    Returns:
      A tuple of L `Dense` layers.
    """
    key, sizes = keyword_key("init", key, old_form, leading=(sizes,))  # or init(key, sizes)
    unknown = sorted(set(old_names) - {"init"})
    if unknown:
        raise TypeError(f"init got unknown keyword(s) {unknown}")
    if "init" in old_names:
        weight_init = old_names["init"]
    if key is None:
        raise TypeError("init needs a PRNG key: init(sizes, key=jax.random.key(0))")
    sizes = _check_sizes(sizes)
    if weight_init not in INITS:
        raise ValueError(f"unknown init {weight_init!r}; valid: {', '.join(INITS)}")
    check_key("key", key)
    try:
        dtype = jnp.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be a floating dtype, got {dtype!r}") from None
    if not jnp.issubdtype(dtype, jnp.floating):
        raise TypeError(f"dtype must be a floating dtype (float32, float64, bfloat16), got {dtype}")
    if np.ndim(scale) != 0:
        raise ValueError(f"scale must be a scalar, got shape {np.shape(scale)}")
    check_finite_positive("scale", scale)
    return _init_layers(key, jnp.asarray(scale), sizes, weight_init, dtype)


def _check_sizes(sizes: Sequence[int]) -> tuple[int, ...]:
    if isinstance(sizes, str) or not all(
        isinstance(s, int | np.integer) and not isinstance(s, bool) for s in sizes
    ):
        raise TypeError(f"sizes must be a sequence of integers, got {sizes!r}")
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes needs an input and an output width, got {sizes}")
    if any(s <= 0 for s in sizes):
        raise ValueError(f"every layer size must be positive, got sizes {sizes}")
    return sizes


def init_std(init: str, n_in: int, n_out: int) -> float:
    r"""The standard deviation of the initial weights of an (n_out, n_in) layer, before ``scale``.

    .. math::
        \text{random: } 0.1, \quad \text{xavier: } \sqrt{2 / (n_{in} + n_{out})}, \quad
        \text{he: } \sqrt{2 / n_{in}}
    """
    std = {"random": 0.1, "xavier": (2.0 / (n_in + n_out)) ** 0.5, "he": (2.0 / n_in) ** 0.5}
    return std[init]


@partial(jax.jit, static_argnums=(2, 3, 4))
def _init_layers(key, scale, sizes, init, dtype):
    # one compiled program per architecture (eagerly, every layer's draw would compile its own)
    keys = jax.random.split(key, len(sizes) - 1)
    layers = []
    for k, n_in, n_out in zip(keys, sizes[:-1], sizes[1:]):
        std = init_std(init, n_in, n_out)
        W = jax.random.normal(k, (n_out, n_in), dtype) * (std * scale.astype(dtype))
        layers.append(Dense(W, jnp.zeros((n_out,), dtype)))
    return tuple(layers)


def layer_sizes(params: Sequence[Dense]) -> tuple[int, ...]:
    """The sizes ``(n_0, ..., n_L)`` of a network, checking that consecutive layers fit.

    Args:
      params: L `Dense` layers (or ``(W, b)`` pairs).

    Returns:
      ``(n_0, n_1, ..., n_L)``.

    Raises:
      ValueError: for no layers, a width of 0, or layers whose shapes do not chain.
    """
    if len(params) == 0:
        raise ValueError("params must hold at least one Dense layer")
    sizes = [params[0].W.shape[-1]]
    for i, layer in enumerate(params, start=1):
        W, b = layer
        if W.ndim != 2 or b.ndim != 1 or b.shape[0] != W.shape[0]:
            raise ValueError(
                f"layer {i}: W must be (n_out, n_in) and b (n_out,), got {W.shape} and {b.shape}"
            )
        if 0 in W.shape:
            raise ValueError(f"layer {i}: every width must be positive, got W of shape {W.shape}")
        if W.shape[1] != sizes[-1]:
            raise ValueError(
                f"layer {i}: W expects {W.shape[1]} inputs, layer {i - 1} gives {sizes[-1]}"
            )
        sizes.append(W.shape[0])
    return tuple(sizes)


def forward(
    params: Sequence[Dense],
    x: ArrayLike,
    *,
    activation: str | Activation | Sequence[str | Activation] = "tanh",
    output: str = "softmax",
) -> tuple[jax.Array, ForwardCache]:
    r"""Forward propagation, Algorithm 5.

    .. math::
        a_k = b_k + W_k h_{k-1}, \quad h_k = g(a_k) \quad (k = 1..L-1), \qquad
        a_L = b_L + W_L h_{L-1}, \quad \hat y = O(a_L)

    Args:
      params: L `Dense` layers, as from `init`.
      x: inputs of shape (batch, n_0).
      activation: the hidden activation g: a name (identity, sigmoid, tanh, relu, leaky_relu) or
        an `Activation`; or one per hidden layer (g_k).
      output: the output function O: linear, softmax or sigmoid.

    Returns:
      ``(y_hat, cache)``: y_hat of shape (batch, k) and the `ForwardCache` of every a_k and h_k.
    """
    sizes = layer_sizes(params)
    gs = hidden_activations(activation, len(sizes) - 2)
    resolve_output(output)
    check_numeric("x", x)
    if np.ndim(x) != 2:
        raise ValueError(f"x must be 2-D (batch, {sizes[0]}), got shape {np.shape(x)}")
    if np.shape(x)[1] != sizes[0]:
        raise ValueError(f"x has {np.shape(x)[1]} features, the network expects {sizes[0]}")
    if np.shape(x)[0] == 0:
        raise ValueError(f"x must hold at least one sample, got shape {np.shape(x)}")
    h = jnp.asarray(x, params[0].W.dtype)
    a_s, h_s = [], []
    for k, (W, b) in enumerate(params, start=1):
        h_s.append(h)
        a = h @ W.T + b[None, :]
        a_s.append(a)
        if k < len(params):
            h = gs[k - 1].fn(a)
    return output_fn(a_s[-1], output), ForwardCache(tuple(a_s), tuple(h_s))

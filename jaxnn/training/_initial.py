r"""A member's initial network: its solo run's draw, or that draw embedded in a packed envelope.

The initial weights are drawn as ``erfinv(u) * (sqrt(2) * std)`` (`erfinv_draw`), the form in which
XLA computes ``normal * std``: written out, the draw does not depend on how XLA fuses it, so a
packed member, which gathers its weights out of the envelope's larger draw, gets its solo run's
initial network bit for bit. A packed member's units beyond its widths are 0 and its hidden layers
beyond its depth the identity; `update_mask` says where its updates apply.

.. math:: W^{(0)}_{k, ij} = \sqrt2\, \mathrm{erfinv}(u_{k, i n_{in} + j})\, \sigma_k s
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import jax
import jax.numpy as jnp
import numpy as np

from jaxnn.feedforward._network import Dense

if TYPE_CHECKING:  # the engine's types (it imports this module)
    from jaxnn.training._engine import Member, Static

__all__ = [
    "PAD_LIMIT",
    "erfinv_draw",
    "erfinv_draws",
    "packed_params",
    "solo_params",
    "update_mask",
]


def erfinv_draw(key: jax.Array, shape: tuple[int, ...], dtype=jnp.float32) -> jax.Array:
    r"""``jax.random.normal(key, shape) / sqrt(2)``: erfinv of uniform draws in (-1, 1).

    .. math:: z = \sqrt2\, \mathrm{erfinv}(u), \quad u \sim U(-1, 1)

    Each value depends only on the key and its row-major flat index
    (``jax_threefry_partitionable``), so a smaller draw is a gather of a larger one.
    """
    lo = np.nextafter(np.array(-1.0, dtype), np.array(0.0, dtype), dtype=dtype)
    return jax.lax.erf_inv(jax.random.uniform(key, shape, dtype, lo, np.array(1.0, dtype)))


PAD_LIMIT = 3
"""`erfinv_draws` draws every layer in one vmapped draw when that computes at most this many
times the values the layers need."""


def erfinv_draws(keys: list, shapes: list[tuple[int, int]], dtype=jnp.float32) -> list[jax.Array]:
    """``[erfinv_draw(keys[k], (rows * cols,), dtype) for k, (rows, cols) in enumerate(shapes)]``
    (each layer's draw, flat), bit for bit, as one draw.

    Each draw is a threefry hash and an erfinv polynomial that XLA compiles on its own: drawing
    every layer's values in one vmapped draw as long as the longest (then cutting each to its
    length) compiles one instead of one per layer (0.67 s against 1.64 s for 64-128-128-10 on a
    2-core CPU) and gives the same values, since each depends only on its key and index. When
    the padding would more than `PAD_LIMIT`-fold the values drawn, each layer is drawn alone.

    Args:
      keys: one key per layer (raw uint32 key data or typed keys, possibly traced).
      shapes: each layer's weight shape ``(n_out, n_in)``.
      dtype: the draws' float dtype.

    Returns:
      One flat draw per layer, of length ``n_out * n_in``.
    """
    sizes = [rows * cols for rows, cols in shapes]
    longest = max(sizes)
    if len(sizes) == 1 or longest * len(sizes) > PAD_LIMIT * sum(sizes):
        return [erfinv_draw(k, (n,), dtype) for k, n in zip(keys, sizes)]
    flat = jax.vmap(lambda k: erfinv_draw(k, (longest,), dtype))(jnp.stack(keys))
    return [flat[k, :n] for k, n in enumerate(sizes)]


def _scaled(draw: jax.Array, std: jax.Array) -> jax.Array:
    """Normal values of standard deviation ``std`` from an `erfinv_draw`."""
    return draw * (np.array(np.sqrt(2), draw.dtype) * std)


def solo_params(static: Static, member: Member, init_key: jax.Array) -> tuple[Dense, ...]:
    sizes, dtype = static.sizes, jnp.dtype(static.dtype)
    scale = member.hparams.init_scale
    keys = jax.random.split(init_key, len(sizes) - 1)
    shapes = list(zip(sizes[1:], sizes[:-1]))
    draws = erfinv_draws(list(keys), shapes, dtype)
    layers = []
    for k, ((n_out, n_in), draw) in enumerate(zip(shapes, draws)):
        std = member.std[k].astype(dtype) * scale.astype(dtype)
        W = _scaled(draw.reshape(n_out, n_in), std)
        layers.append(Dense(W, jnp.zeros((n_out,), dtype)))
    return tuple(layers)


def _gathered(flat, std, shape, rows, cols, dtype):
    """Rows x cols of ``normal(key, (rows, cols)) * std`` in the top-left corner of a zero
    matrix of ``shape``: gathered out of ``flat``, the draw of the whole shape."""
    n_out, n_in = shape
    i = jnp.arange(n_out)[:, None]
    j = jnp.arange(n_in)[None, :]
    inside = (i < rows) & (j < cols)
    index = jnp.where(inside, i * cols + j, 0)
    return jnp.where(inside, _scaled(flat[index], std), jnp.zeros((), dtype))


def packed_params(static: Static, member: Member, init_key: jax.Array) -> tuple[Dense, ...]:
    """The member's initial network embedded in the envelope: its own layers equal its solo
    init's bit for bit, padding 0, a skipped hidden layer the identity."""
    sizes, dtype = static.sizes, jnp.dtype(static.dtype)
    depth_max = len(sizes) - 2
    keys = jax.random.split(init_key, depth_max + 1)
    scale = member.hparams.init_scale.astype(dtype)
    shapes = list(zip(sizes[1:], sizes[:-1]))
    # the output layer is drawn with the key after the member's own depth, as its solo init
    layer_keys = [keys[j] for j in range(depth_max)] + [keys[member.depth]]
    draws = erfinv_draws(layer_keys, shapes, dtype)
    layers = []
    fan_in = jnp.asarray(sizes[0], jnp.int32)
    for j in range(depth_max):
        shape = shapes[j]
        std = member.std[j].astype(dtype) * scale
        W = _gathered(draws[j], std, shape, member.widths[j], fan_in, dtype)
        if j > 0:  # beyond its depth: the identity, h_j = h_(j-1)
            W = jnp.where(j < member.depth, W, jnp.eye(shape[0], dtype=dtype))
        layers.append(Dense(W, jnp.zeros((shape[0],), dtype)))
        fan_in = member.widths[j]
    last = member.widths[member.depth - 1]
    std = member.std[depth_max].astype(dtype) * scale
    W = _gathered(draws[-1], std, shapes[-1], sizes[-1], last, dtype)
    layers.append(Dense(W, jnp.zeros((sizes[-1],), dtype)))
    return tuple(layers)


def update_mask(static: Static, member: Member) -> tuple[Dense, ...] | None:
    """Where a packed member's updates apply: its own units, not padding or skipped layers."""
    if not static.packed:
        return None
    sizes = static.sizes
    depth_max = len(sizes) - 2
    masks = []
    fan_in = jnp.asarray(sizes[0], jnp.int32)
    for j in range(depth_max):
        live = j < member.depth
        rows = (jnp.arange(sizes[j + 1]) < member.widths[j]) & live
        cols = jnp.arange(sizes[j]) < fan_in
        masks.append(Dense(rows[:, None] & cols[None, :], rows))
        fan_in = member.widths[j]
    last = jnp.arange(sizes[-2]) < member.widths[member.depth - 1]
    W = jnp.broadcast_to(last[None, :], (sizes[-1], sizes[-2]))
    masks.append(Dense(W, jnp.ones((sizes[-1],), bool)))
    return tuple(masks)

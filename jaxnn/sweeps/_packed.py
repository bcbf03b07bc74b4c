r"""Packed sweeps: members of different optimizers, activations, inits, epochs, depths and widths in
one compiled program, each exactly its own smaller run.

Every member runs embedded in the sweep's largest network (`Embedding`): hidden layers beyond its
depth are skipped, units beyond its width are held at 0 after the activation, and its padded
weights start at exactly 0 and receive zero gradients, so they stay 0 under every optimizer and
weight decay. What a solo run fixes statically is a traced per-member value here:

- the optimizer: an int32 code into the coefficient table of `moment_update` (one formula for
  the seven optimizers);
- the activation: an int32 code into the sweep's set of activations (`select_activation`);
- the weight init: the standard deviation of each layer, from the member's own widths
  (`init_std`), times its ``init_scale``;
- the epochs: the program runs the longest count; a member's state is frozen from its own count.

The initial weights equal the solo run's bit for bit. A solo run draws layer k's weights as
``normal(keys[k], (n_out, n_in)) * std`` with ``keys = split(init_key, L)``. Under JAX's default
``jax_threefry_partitionable`` each random value depends only on the key and its row-major flat
index, so that draw equals element ``i * n_in + j`` of ``normal(keys[k], (N,))`` for any
``N >= n_out * n_in``, and ``split(init_key, L_max)[:L] == split(init_key, L)``. A member draws the
largest layer's flat vector once and gathers its own (i, j); its output layer takes key
``L - 1`` (a traced index).

.. math:: W^{\rm packed}_{k, ij} = \begin{cases} z_{k, i n_{in} + j}\, \sigma_k & i < n_{out},\
    j < n_{in} \\ 0 & \text{otherwise} \end{cases}, \quad z_k = \mathrm{normal}(\mathrm{keys}_k,
    (N_{out} N_{in},))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxnn.feedforward._activations import ACTIVATIONS, select_activation
from jaxnn.feedforward._network import Dense, Embedding, erfinv_draw, init_std, scaled_normal
from jaxnn.training._data import Dataset
from jaxnn.training._loop import (
    HParams,
    Member,
    TrainConfig,
    TrainState,
    _check_batches,
    _evaluate,
    _gradients,
    _raw_key,
    check_config,
    run_epochs,
)
from jaxnn.training._optimizers import HYPERPARAMETERS, OPTIMIZERS, optimizer
from jaxnn.training._settings import SETTINGS

__all__ = [
    "PACKED",
    "Pack",
    "PackedMember",
    "member_params",
    "pack_key",
    "packed_init",
    "packed_member",
    "packed_members",
    "packed_train",
]

PACKED = tuple(s.name for s in SETTINGS if s.packed)
"""The settings a packed program traces (the rest of `TrainConfig` groups members)."""


class Pack(NamedTuple):
    """The static part of a packed program (hashable).

    Attributes:
      config: the largest network, ``sizes = (n_in, H x depth, n_out)`` with H the widest hidden
        layer and depth the most hidden layers of any member, and ``epochs`` the longest count;
        its loss, output, grad, lr_schedule and batch size are every member's. Its optimizer,
        activation and weight init are placeholders (each member has its own).
      activations: the sweep's activations, names or `Activation` values; a member's code indexes
        them.
    """

    config: TrainConfig
    activations: tuple


class PackedMember(NamedTuple):
    """One member of a packed program: all traced (a sweep stacks them on a leading axis).

    Attributes:
      hparams: its `HParams`.
      key: raw uint32 PRNG key data (2,), ``jax.random.PRNGKey(seed)``.
      optimizer: int32, its index in `OPTIMIZERS`.
      activation: int32, its index in ``Pack.activations``.
      depth: int32, its number of hidden layers (>= 1).
      widths: int32 (depth_max,), its hidden widths, 0 beyond its depth.
      std: float32 (depth_max + 1,), its init's standard deviation of each layer of the packed
        network (the output layer last; 0 for skipped layers).
      epochs: int32, its number of epochs.
    """

    hparams: HParams
    key: jax.Array
    optimizer: jax.Array
    activation: jax.Array
    depth: jax.Array
    widths: jax.Array
    std: jax.Array
    epochs: jax.Array


def pack_key(config: TrainConfig) -> tuple:
    """What members must share to be packed: every static setting a packed program does not
    trace, the input and output widths, and whether there are hidden layers at all."""
    fixed = tuple(
        (name, getattr(config, name)) for name in TrainConfig._fields if name not in PACKED
    )
    return (*fixed, ("n_in", config.sizes[0]), ("n_out", config.sizes[-1]), len(config.sizes) > 2)


def _activation_order(activations) -> tuple:
    """The set of activations in a canonical order: the registry's names first, then the rest in
    order of appearance (so that the same set compiles the same program)."""
    unique = list(dict.fromkeys(activations))
    named = [a for a in ACTIVATIONS if a in unique]
    return (*named, *(a for a in unique if a not in named))


def packed_members(
    configs: Sequence[TrainConfig], hparams: HParams, keys: np.ndarray
) -> tuple[Pack, PackedMember]:
    """The `Pack` of members that share a `pack_key`, and their stacked `PackedMember` arrays.

    Args:
      configs: each member's checked `TrainConfig` (all with hidden layers).
      hparams: `HParams` with a leading member axis.
      keys: raw key data, (members, 2).

    Returns:
      ``(pack, members)``.
    """
    keys_of = {pack_key(c) for c in configs}
    if len(keys_of) != 1 or len(configs[0].sizes) < 3:
        raise ValueError("packed members must share every static setting but the packed ones")
    first = configs[0]
    depth_max = max(len(c.sizes) - 2 for c in configs)
    width = max(max(c.sizes[1:-1]) for c in configs)
    n_in, n_out = first.sizes[0], first.sizes[-1]
    activations = _activation_order(c.activation for c in configs)
    defaults = {s.name: s.default for s in SETTINGS}
    config = check_config(
        first._replace(
            sizes=(n_in, *[width] * depth_max, n_out),
            activation=activations[0],
            optimizer=defaults["optimizer"],
            weight_init=defaults["weight_init"],
            epochs=max(c.epochs for c in configs),
        )
    )
    k = len(configs)
    widths = np.zeros((k, depth_max), np.int32)
    std = np.zeros((k, depth_max + 1), np.float32)
    for i, c in enumerate(configs):
        hidden = c.sizes[1:-1]
        widths[i, : len(hidden)] = hidden
        for j, (a, b) in enumerate(zip(c.sizes[:-2], hidden)):
            std[i, j] = init_std(c.weight_init, a, b)
        std[i, depth_max] = init_std(c.weight_init, hidden[-1], n_out)
    members = PackedMember(
        hparams=hparams,
        key=np.asarray(keys, np.uint32),
        optimizer=np.array([OPTIMIZERS.index(c.optimizer) for c in configs], np.int32),
        activation=np.array([activations.index(c.activation) for c in configs], np.int32),
        depth=np.array([len(c.sizes) - 2 for c in configs], np.int32),
        widths=widths,
        std=std,
        epochs=np.array([c.epochs for c in configs], np.int32),
    )
    return Pack(config, activations), members


def _embedding(pack: Pack, member: PackedMember) -> Embedding:
    depth_max = len(pack.config.sizes) - 2
    units = jnp.arange(pack.config.sizes[1])
    return Embedding(
        units=tuple(units < member.widths[j] for j in range(depth_max)),
        layers=tuple(j < member.depth for j in range(depth_max)),
    )


def _draw(key, std, n_out, n_in, rows, cols, live):
    """Rows x cols of ``normal(key, (n_out, n_in)) * std`` placed in the top-left corner of an
    all-zero matrix of the packed layer's shape (n_out, n_in), and 0 where not ``live``."""
    flat = erfinv_draw(key, (n_out * n_in,), jnp.float32)
    i = jnp.arange(n_out)[:, None]
    j = jnp.arange(n_in)[None, :]
    inside = (i < rows) & (j < cols) & live
    index = jnp.where(inside, i * cols + j, 0)
    return jnp.where(inside, scaled_normal(flat[index], std), jnp.zeros((), jnp.float32))


def packed_init(pack: Pack, member: PackedMember) -> tuple[tuple[Dense, ...], jax.Array]:
    """The member's initial network embedded in the packed one, and its training key.

    Equal, entry for entry, to ``init_state(config, hparams, key).params`` of its solo run, with
    every padded weight and bias exactly 0; the key is the solo run's ``TrainState.key``.

    Returns:
      ``(params, key)``: params of the packed network's shapes.
    """
    init_key, key = jax.random.split(_raw_key(member.key))
    sizes = pack.config.sizes
    depth_max = len(sizes) - 2
    keys = jax.random.split(init_key, depth_max + 1)
    scale = member.hparams.init_scale.astype(jnp.float32)
    layers = []
    fan_in = jnp.asarray(sizes[0], jnp.int32)
    for j in range(depth_max):
        n_in, n_out = sizes[j], sizes[j + 1]
        rows = member.widths[j]
        std = member.std[j] * scale
        W = _draw(keys[j], std, n_out, n_in, rows, fan_in, j < member.depth)
        layers.append(Dense(W, jnp.zeros((n_out,), jnp.float32)))
        fan_in = rows
    last = member.widths[member.depth - 1]
    std = member.std[depth_max] * scale
    W = _draw(keys[member.depth], std, sizes[-1], sizes[-2], sizes[-1], last, True)
    layers.append(Dense(W, jnp.zeros((sizes[-1],), jnp.float32)))
    return tuple(layers), key


def packed_member(pack: Pack, member: PackedMember, data: Dataset) -> Member:
    """The per-member pieces of the training loop (`Member`) for one packed member."""
    config = pack.config._replace(activation=select_activation(pack.activations, member.activation))
    embedding = _embedding(pack, member)
    steps = _check_batches(data, config.batch_size)
    total_steps = member.epochs * steps
    hparams = {name: getattr(member.hparams, name) for name in HYPERPARAMETERS}
    opt = optimizer(
        member.optimizer, **hparams, schedule=config.lr_schedule, total_steps=total_steps
    )

    def update(grads, state, params):
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    return Member(
        gradients=lambda params, x, y: _gradients(config, params, x, y, embedding),
        update=update,
        evaluate=lambda params, x, y: _evaluate(config, params, x, y, embedding),
        epochs=member.epochs,
    )


def packed_train(pack: Pack, member: PackedMember, data: Dataset):
    """Trains one packed member for the pack's epochs (frozen after its own).

    Returns:
      ``(initial_params, state, metrics, pieces)``: the embedded initial network, the final
      `TrainState`, `EpochMetrics` of shape (pack epochs,) (NaN after the member's epochs) and
      the member's `Member` pieces.
    """
    params, key = packed_init(pack, member)
    pieces = packed_member(pack, member, data)
    hparams = {name: getattr(member.hparams, name) for name in HYPERPARAMETERS}
    opt = optimizer(member.optimizer, **hparams, schedule=pack.config.lr_schedule)
    opt_state = opt.init(params)
    state = TrainState(params, opt_state, jnp.zeros((), jnp.int32), key)
    state, metrics = run_epochs(pieces, state, data, pack.config.batch_size, pack.config.epochs)
    return params, state, metrics, pieces


def member_params(params: Sequence[Any], sizes: Sequence[int]) -> tuple[Dense, ...]:
    """A member's own network cut out of the packed one (NumPy, on the host).

    Args:
      params: the packed network (one member's, without the member axis).
      sizes: the member's layer sizes ``(n_in, hidden..., n_out)``.

    Returns:
      A tuple of `Dense` of the member's shapes.
    """
    hidden = list(sizes[1:-1])
    out = []
    fan_in = sizes[0]
    for j, w in enumerate(hidden):
        W, b = params[j]
        out.append(Dense(np.asarray(W)[:w, :fan_in], np.asarray(b)[:w]))
        fan_in = w
    W, b = params[-1]
    out.append(Dense(np.asarray(W)[:, :fan_in], np.asarray(b)))
    return tuple(out)

r"""Which members can share one compiled program, and their arrays: packing, on the host.

The engine traces a member's optimizer, activation, weight init, learning-rate schedule and epochs
in every program (`jaxnn.training._engine`), so members that differ only in those share a program
of their own network. Members that also differ in depth and width can share one *packed* program:
each runs embedded in the envelope, the network of the widest hidden layer and the most hidden
layers of any of them (`envelope`). Its units beyond its widths stay exactly 0 and its hidden
layers beyond its depth are the identity; its initial weights equal its solo run's bit for bit:
a solo run draws layer k's weights as ``normal(keys[k], (n_out, n_in)) * std`` with
``keys = split(init_key, L)``. Under JAX's default ``jax_threefry_partitionable`` each random
value depends only on the key and its row-major flat index, so that draw equals element
``i * n_in + j`` of ``normal(keys[k], (N,))`` for any ``N >= n_out * n_in``, and
``split(init_key, L_max)[:L] == split(init_key, L)``. A member draws the envelope layer's flat
vector once and gathers its own (i, j); its output layer takes key ``L - 1`` (a traced index).

.. math:: W^{\rm packed}_{k, ij} = \begin{cases} z_{k, i n_{in} + j}\, \sigma_k & i < n_{out},\
    j < n_{in} \\ 0 & \text{otherwise} \end{cases}, \quad z_k = \mathrm{normal}(\mathrm{keys}_k,
    (N_{out} N_{in},))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from jaxnn.feedforward._activations import ACTIVATIONS
from jaxnn.feedforward._network import Dense
from jaxnn.training import _engine as engine
from jaxnn.training._config import HParams, TrainConfig
from jaxnn.training._optimizers import is_transformation
from jaxnn.training._settings import SETTINGS

__all__ = [
    "PACKED",
    "activation_set",
    "envelope",
    "member_params",
    "pack_key",
    "shape_key",
    "stack_members",
]

PACKED = tuple(s.name for s in SETTINGS if s.packed)
"""The settings members may differ in and share a program (the rest of `TrainConfig` groups)."""


def pack_key(config: TrainConfig) -> tuple:
    """What members must share to be in one program at all: every static setting a program
    does not trace (a user's optimizer or schedule by identity), the input and output widths,
    and whether there are hidden layers."""
    fixed = tuple(
        (name, getattr(config, name)) for name in TrainConfig._fields if name not in PACKED
    )
    custom = tuple(
        (name, getattr(config, name))
        for name, is_custom in (("optimizer", is_transformation), ("lr_schedule", callable))
        if is_custom(getattr(config, name))
    )
    n_in, n_out = config.sizes[0], config.sizes[-1]
    return (*fixed, *custom, ("n_in", n_in), ("n_out", n_out), len(config.sizes) > 2)


def shape_key(config: TrainConfig) -> tuple:
    """What members must share to run in one program without padding: `pack_key` and sizes."""
    return (*pack_key(config), ("sizes", config.sizes))


def envelope(configs: Sequence[TrainConfig]) -> tuple[int, ...]:
    """The network every member fits in: ``(n_in, H x D, n_out)``, H the widest hidden layer
    and D the most hidden layers of any member (all sharing a `pack_key`, with hidden layers)."""
    depth = max(len(c.sizes) - 2 for c in configs)
    width = max(max(c.sizes[1:-1]) for c in configs)
    return (configs[0].sizes[0], *[width] * depth, configs[0].sizes[-1])


def activation_set(activations: Sequence[Any], packed: bool) -> tuple:
    """A program's activations in a canonical order: the registry's names first, then a
    user's own in order of appearance (the same set gives the same program); with ``identity``
    for a packed program's skipped layers."""
    unique = list(dict.fromkeys(activations))
    if packed and engine.IDENTITY not in unique:
        unique.append(engine.IDENTITY)
    named = [a for a in ACTIVATIONS if a in unique]
    return (*named, *(a for a in unique if a not in named))


def stack_members(
    static: engine.Static, configs: Sequence[TrainConfig], hparams: HParams, keys: np.ndarray
) -> engine.Member:
    """The members of program ``static``, stacked on a leading axis (NumPy).

    Args:
      static: the program (its sizes: the members' own, or the envelope).
      configs: each member's checked `TrainConfig`.
      hparams: `HParams` with a leading member axis.
      keys: raw key data, (members, 2).
    """
    each = [engine.member_of(static, c, None, None) for c in configs]
    stacked = engine.Member(*(np.stack(column) for column in zip(*each)))
    return stacked._replace(hparams=hparams, key=np.asarray(keys, np.uint32))


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

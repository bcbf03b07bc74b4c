r"""Checked training: what cannot be checked inside ``jit`` raises an error instead of a NaN flag.

Inside ``jit`` values are not known, so `jaxnn.train` flags bad values instead of raising: a label
outside [0, k) or a probability row that does not sum to 1 makes the loss NaN, and a diverged run
has NaN metrics. `checked_train` runs the same loop under `jax.experimental.checkify`, with a
check on every split's targets before the first step and on every epoch's losses, and raises
`CheckFailed` naming what failed:

.. math:: 0 \le y_i < k \ \forall i, \qquad \mathcal{L}_{\text{epoch}} \text{ finite}
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
from typing import Any

import jax
import jax.numpy as jnp
from jax.experimental import checkify

__all__ = ["CheckFailed", "check", "checked_train", "checking"]

_ON = contextvars.ContextVar("jaxnn_checks", default=False)


class CheckFailed(ValueError):
    """A check of `checked_train` failed: the message names the split and the value."""


def checking() -> bool:
    """Whether the code being traced emits checks (inside `checked_train`)."""
    return _ON.get()


def check(predicate: jax.Array, message: str, **values: Any) -> None:
    """A `checkify.check` while `checked_train` traces; nothing otherwise (no cost)."""
    if _ON.get():
        checkify.check(predicate, message, **values)


@contextlib.contextmanager
def _checks_on():
    token = _ON.set(True)
    try:
        yield
    finally:
        _ON.reset(token)


@functools.lru_cache(maxsize=32)
def _program(config):
    from jaxnn.training._loop import train

    return jax.jit(checkify.checkify(functools.partial(train, config)))


def checked_train(config, hparams, key, data):
    """`jaxnn.train` with errors raised for what ``jit`` can only flag.

    Checks every split's integer labels against the number of outputs (and probability rows for
    class losses) before the first step, and that every epoch's training and validation losses
    are finite.

    It compiles itself. Called inside a function that is traced (``jax.jit``), it cannot raise
    while tracing: its checks then join the caller's, which must be functionalized with
    ``jax.experimental.checkify.checkify`` (``checkify.checkify(jax.jit(f))`` returns the
    error); a plain ``jax.jit`` refuses to compile them, with JAX's message that a
    ``checkify.check`` was not functionalized.

    Args:
      config: the static `TrainConfig`.
      hparams: scalar `HParams`.
      key: raw uint32 PRNG key data, shape (2,).
      data: the `Dataset` (its arrays may be traced values of the caller's).

    Returns:
      ``(state, metrics)``, as `jaxnn.train` returns them.

    Raises:
      CheckFailed: naming the first check that failed (a label out of range, a NaN loss).
    """
    from jaxnn.training._loop import check_config

    config = check_config(config)
    with _checks_on():
        err, out = _program(config)(hparams, key, data)
    if any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree_util.tree_leaves(err)):
        checkify.check_error(err)  # traced: the caller's checkify carries it to the host
        return out
    message = err.get()
    if message is not None:
        raise CheckFailed(re.sub(r" \(`check` failed\).*$", "", message, flags=re.S))
    return out


def check_targets_traced(y: jax.Array, k: int, split: str, class_loss: bool) -> None:
    """The value checks of a split's targets, as checks (they cost nothing outside checking)."""
    if not _ON.get():
        return
    if jnp.issubdtype(y.dtype, jnp.integer):
        classes = 2 if k == 1 else k
        bad = jnp.sum((y < 0) | (y >= classes))
        check(bad == 0, f"y_{split} has {{bad}} label(s) outside [0, {classes - 1}]", bad=bad)
    elif class_loss:
        off = jnp.max(jnp.abs(jnp.sum(y, axis=-1) - 1))
        check(
            off <= 1e-3, f"y_{split}: rows of probabilities must sum to 1 (off by {{off}})", off=off
        )

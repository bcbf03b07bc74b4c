r"""The checks of training that ``jit`` can only flag: what `checked_train` turns into errors.

Inside ``jit`` values are not known, so `jaxnn.train` flags bad values instead of raising: a label
outside [0, k) or a probability row that does not sum to 1 makes the loss NaN, and a diverged run
has NaN metrics. The training code calls `check` at those places; it costs nothing unless
`checked_train` (`jaxnn.training._checked_train`) is tracing under `checks_on`, which makes each
a `jax.experimental.checkify` check:

.. math:: 0 \le y_i < k \ \forall i, \qquad \mathcal{L}_{\text{epoch}} \text{ finite}

This module is a leaf: the training loop imports it, and it imports nothing of training.
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any

import jax
import jax.numpy as jnp
from jax.experimental import checkify

__all__ = ["CheckFailed", "check", "check_targets_traced", "checking", "checks_on"]

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
def checks_on():
    """Inside it, `check` emits checkify checks (`checked_train` traces its program here)."""
    token = _ON.set(True)
    try:
        yield
    finally:
        _ON.reset(token)


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

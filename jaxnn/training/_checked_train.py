r"""Checked training: what cannot be checked inside ``jit`` raises an error instead of a NaN flag.

`checked_train` runs `jaxnn.train` under `jax.experimental.checkify`, with the checks of
`jaxnn.training._checked` on: every split's targets before the first step and every epoch's
losses, and raises `CheckFailed` naming what failed.
"""

from __future__ import annotations

import functools
import re

import jax
from jax.experimental import checkify

from jaxnn.training._checked import CheckFailed, checks_on
from jaxnn.training._loop import check_config, train

__all__ = ["CheckFailed", "checked_train"]


@functools.lru_cache(maxsize=32)
def _program(config):
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
    config = check_config(config)
    with checks_on():
        err, out = _program(config)(hparams, key, data)
    if any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree_util.tree_leaves(err)):
        checkify.check_error(err)  # traced: the caller's checkify carries it to the host
        return out
    message = err.get()
    if message is not None:
        raise CheckFailed(re.sub(r" \(`check` failed\).*$", "", message, flags=re.S))
    return out

r"""Training a feed-forward network by minibatch gradient descent: Algorithm 4 with minibatches.

Training is a pure function of (config, hyperparameters, key, data). Each epoch shuffles the
training data with a key split from the state's key and runs one `lax.scan` over the minibatches;
each step computes the gradient by explicit backpropagation (Algorithm 6, the default) or by
`jax.grad`, then applies the optimizer's update:

.. math:: \theta_{t+1} = \theta_t - \eta \nabla_\theta \mathcal{L}(\theta_t) \quad \text{(sgd)}

These pure functions are the engine's (`jaxnn.training._engine`) with the config's own network
and activation; `jaxnn.fit`, ``jaxnn train`` and `jaxnn.sweep` run the same engine as compiled
programs in which the optimizer, activation, init and epochs are traced too. The traced `HParams`
(learning rate, momentum, ...) live in the optimizer state, so a sweep vmaps over them and
changing them never recompiles.

The last partial minibatch of an epoch is dropped: an epoch is ``n_train // batch_size`` steps of
exactly ``batch_size`` examples. Since every epoch draws a new permutation, every example is used.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxnn.feedforward._losses import get_loss
from jaxnn.feedforward._network import Dense, forward
from jaxnn.training import _engine as engine
from jaxnn.training._checked import check_targets_traced
from jaxnn.training._config import (
    EpochMetrics,
    HParams,
    TrainConfig,
    TrainState,
    check_batches,
    check_config,
    check_data,
    check_hparam,
    check_scalar_hparams,
    make_config,
    make_hparams,
    raw_key,
)
from jaxnn.training._data import Dataset
from jaxnn.training._metrics import predicted_classes
from jaxnn.training._settings import GRADS

__all__ = [
    "GRADS",
    "EpochMetrics",
    "HParams",
    "TrainConfig",
    "TrainState",
    "check_config",
    "check_hparam",
    "evaluate",
    "init_state",
    "make_config",
    "make_hparams",
    "predict",
    "predict_classes",
    "train",
    "train_epoch",
    "train_epochs",
]

_check_data = check_data  # the name earlier modules imported


def _engine_member(config: TrainConfig, hparams=None, key=None):
    static = engine.static_of(config)
    return static, engine.member_of(static, config, hparams, key)


def init_state(config: TrainConfig, hparams: HParams, key: ArrayLike) -> TrainState:
    """The state before the first epoch: initialized network, optimizer state, epoch 0, a key.

    Args:
      config: the static `TrainConfig`.
      hparams: scalar `HParams` (vmap this function over a leading member axis for a sweep).
      key: raw uint32 PRNG key data, shape (2,) (``jax.random.PRNGKey(seed)``).

    Returns:
      A `TrainState`.
    """
    config = check_config(config)
    check_scalar_hparams(hparams)
    static, member = _engine_member(config, hparams, raw_key(key))
    return engine.init_state(static, member)


def evaluate(
    config: TrainConfig, params: tuple[Dense, ...], x: ArrayLike, y: ArrayLike
) -> tuple[jax.Array, jax.Array]:
    """The mean loss and the accuracy of ``params`` on (x, y).

    Args:
      config: the `TrainConfig` (activation, output, loss).
      params: the network.
      x: inputs of shape (samples, n_in).
      y: int labels (samples,) or float targets (samples, k).

    Returns:
      ``(loss, accuracy)``, float32 scalars; accuracy is NaN for float (regression) targets.
    """
    config = check_config(config)
    check_data(config, x, y, "eval")
    static = engine.static_of(config)
    return engine.evaluate(static, config.activation, params, x, y)


def predict(config: TrainConfig, params: tuple[Dense, ...], x: ArrayLike) -> jax.Array:
    """The network's outputs y_hat = O(a_L) for inputs ``x`` of shape (samples, n_in).

    (`jaxnn.predict` also takes a loaded model and raw inputs: ``jaxnn.predict(model, x)``.)
    """
    config = check_config(config)
    x = jnp.asarray(x, config.dtype)
    y_hat, _ = forward(params, x, activation=config.activation, output=config.output)
    return y_hat


def predict_classes(config: TrainConfig, params: tuple[Dense, ...], x: ArrayLike) -> jax.Array:
    """The predicted class of every row of ``x``: `predicted_classes` of the logits a_L."""
    config = check_config(config)
    x = jnp.asarray(x, config.dtype)
    _, cache = forward(params, x, activation=config.activation, output=config.output)
    return predicted_classes(cache.a[-1])


def check_training(config: TrainConfig, data: Dataset) -> TrainConfig:
    """The config checked, and the data checked against it (at trace time)."""
    config = check_config(config)
    check_data(config, data.x_train, data.y_train, "train")
    check_data(config, data.x_val, data.y_val, "val")
    for split in ("train", "val"):  # checks only inside checked_train, else nothing
        check_targets_traced(
            jnp.asarray(getattr(data, f"y_{split}")),
            config.sizes[-1],
            split,
            get_loss(config.loss).targets == "classes",
        )
    check_batches(data, config.batch_size)
    return config


def train_epoch(
    config: TrainConfig, state: TrainState, data: Dataset
) -> tuple[TrainState, EpochMetrics]:
    """One epoch: shuffle, then one `lax.scan` of optimizer steps over the minibatches.

    The permutation's key is split from ``state.key``; the last ``n_train % batch_size`` examples of
    the permutation are dropped. Pure and vmappable over ``state`` with ``data`` shared.

    Args:
      config: the static `TrainConfig` (jit with ``static_argnums=0``).
      state: the `TrainState` after the previous epoch.
      data: the `Dataset` (only the train and validation splits are used).

    Returns:
      ``(state, metrics)``: the state after the epoch (``epoch`` incremented) and its
      `EpochMetrics`.
    """
    config = check_training(config, data)
    static, member = _engine_member(config)
    return engine.epoch(static, member, state, data)


def train_epochs(
    config: TrainConfig, state: TrainState, data: Dataset, epochs: int
) -> tuple[TrainState, EpochMetrics]:
    """``epochs`` epochs from ``state``: one `lax.scan` of epochs, each as `train_epoch`'s.

    Args:
      config: the static `TrainConfig`.
      state: the `TrainState` to continue from.
      data: the `Dataset`.
      epochs: how many epochs to run (static).

    Returns:
      ``(state, metrics)``: the state after them and `EpochMetrics` with a leading (epochs,) axis.
    """
    config = check_training(config, data)
    static, member = _engine_member(config)
    return engine.run_epochs(static, member, state, data, epochs)


def train(
    config: TrainConfig, hparams: HParams, key: ArrayLike, data: Dataset
) -> tuple[TrainState, EpochMetrics]:
    """Trains for ``config.epochs`` epochs: `init_state`, then `train_epochs`.

    The engine that `jaxnn.fit`, `jaxnn.sweep`, ``jaxnn train`` and the experiments run, as a
    pure function: jit-able (``static_argnums=0``) and vmappable over ``hparams``, ``key`` and
    ``data``. The same key, config and hyperparameters give bitwise the same parameters as
    `init_state` followed by ``config.epochs`` calls of a jitted `train_epoch`.

    Args:
      config: the static `TrainConfig`.
      hparams: scalar `HParams`.
      key: raw uint32 PRNG key data, shape (2,).
      data: the `Dataset`.

    Returns:
      ``(state, metrics)``: the final `TrainState` and `EpochMetrics` with a leading (epochs,) axis.
    """
    config = check_config(config)
    return train_epochs(config, init_state(config, hparams, key), data, config.epochs)

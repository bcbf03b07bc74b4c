r"""Training a feed-forward network by minibatch gradient descent: Algorithm 4 with minibatches.

Training is a pure function of (config, hyperparameters, key, data). Each epoch shuffles the
training data with a key split from the state's key and runs one `lax.scan` over the minibatches;
each step computes the gradient by explicit backpropagation (Algorithm 6, the default) or by
`jax.grad`, then applies the optimizer's update:

.. math:: \theta_{t+1} = \theta_t - \eta \nabla_\theta \mathcal{L}(\theta_t) \quad \text{(sgd)}

The static `TrainConfig` fixes shapes and programs; the traced `HParams` (learning rate, momentum,
...) live in the optimizer state, so a sweep vmaps over them and changing them never recompiles.

The last partial minibatch of an epoch is dropped: an epoch is ``n_train // batch_size`` steps of
exactly ``batch_size`` examples. Since every epoch draws a new permutation, every example is used.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.typing import ArrayLike

from jaxnn._validation import check_labels, is_concrete
from jaxnn.feedforward._activations import get_activation
from jaxnn.feedforward._backprop import backprop
from jaxnn.feedforward._losses import (
    Output,
    check_targets,
    get_loss,
    loss_from_logits,
    resolve_loss,
    targets_for,
)
from jaxnn.feedforward._network import Dense, forward, init_mlp
from jaxnn.training._checked import check, check_targets_traced
from jaxnn.training._data import Dataset
from jaxnn.training._metrics import accuracy, predicted_classes
from jaxnn.training._optimizers import HYPERPARAMETERS, optimizer
from jaxnn.training._settings import GRADS, check_setting, namedtuple_of, settings_of_kind

__all__ = [
    "GRADS",
    "EpochMetrics",
    "Member",
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
    "run_epoch",
    "run_epochs",
    "train",
    "train_epoch",
    "train_epochs",
]

TrainConfig = namedtuple_of(
    "static",
    "TrainConfig",
    "What fixes the shapes and the program of a training run (static, hashable).\n\n"
    "Derived from `jaxnn.training.SETTINGS` (the static settings, in table order). "
    "``activation``, ``output`` and ``loss`` may also be `Activation`, `Output` and `Loss` values.",
)
HParams = namedtuple_of(
    "traced",
    "HParams",
    "The hyperparameters a sweep varies: float32 arrays, scalar or with a leading member axis.\n\n"
    "Derived from `jaxnn.training.SETTINGS` (the traced settings); they live in the optimizer "
    "state, so changing them never recompiles.",
)


class TrainState(NamedTuple):
    """Everything a checkpoint holds.

    Attributes:
      params: the network, a tuple of `Dense`.
      opt_state: the optimizer state (its ``hyperparams`` hold the traced hyperparameters).
      epoch: int32 scalar, the epochs completed.
      key: raw uint32 PRNG key data of shape (2,), split at every epoch.
    """

    params: tuple[Dense, ...]
    opt_state: optax.OptState
    epoch: jax.Array
    key: jax.Array


class EpochMetrics(NamedTuple):
    """float32 scalars of one epoch (scan and vmap add leading axes).

    ``train_loss`` and ``train_accuracy`` are means over the epoch's minibatches, each measured
    before its step; ``val_*`` are measured on the whole validation split after the epoch. Losses
    are the data loss (without the L2 term). For regression (float targets) accuracies are NaN.
    A NaN loss flags what could not be checked inside ``jit`` (a label out of range, a diverged
    run).
    """

    train_loss: jax.Array
    train_accuracy: jax.Array
    val_loss: jax.Array
    val_accuracy: jax.Array


def check_hparam(name: str, value: ArrayLike, *, label: str | None = None) -> np.ndarray:
    """Checks every value of hyperparameter ``name``; returns them as a float32 NumPy array.

    A traced value (inside ``jit`` or ``vmap``) is returned unchecked.

    Args:
      name: a field of `HParams`.
      value: a scalar or an array of values.
      label: the name to use in the error message (e.g. the command-line flag).

    Raises:
      ValueError: naming ``label`` (or ``name``), the bad value and the valid range.
    """
    if name not in HParams._fields:
        raise ValueError(f"unknown hyperparameter {name!r}; valid: {', '.join(HParams._fields)}")
    return check_setting(name, value, label=label)


def make_hparams(*args: ArrayLike, **kwargs: ArrayLike) -> HParams:
    """Validated `HParams`; array arguments broadcast together (one entry per sweep member).

    Takes the `HParams` fields as keywords (or positionally, in field order); each defaults to
    the settings table's default. Concrete values are checked; traced values (inside ``jit`` or
    ``vmap``) are taken as they are, so ``jax.vmap(make_hparams)`` works.

    Raises:
      ValueError: for a learning rate <= 0 or NaN, a momentum or beta outside [0, 1), eps <= 0,
        a negative weight decay or a non-positive init scale (the field and value named).
    """
    fields = HParams._fields
    if len(args) > len(fields):
        raise TypeError(f"make_hparams takes at most {len(fields)} positional arguments")
    values = dict(zip(fields, args))
    for k, v in kwargs.items():
        if k not in fields:
            raise TypeError(
                f"make_hparams got an unknown hyperparameter {k!r}; valid: {', '.join(fields)}"
            )
        if k in values:
            raise TypeError(f"make_hparams got {k!r} twice")
        values[k] = v
    arrays = [check_hparam(k, values.get(k, HParams._field_defaults[k])) for k in fields]
    if all(is_concrete(a) for a in arrays):
        try:
            arrays = np.broadcast_arrays(*arrays)
        except ValueError:
            shapes = {k: np.shape(a) for k, a in zip(fields, arrays)}
            raise ValueError(f"hyperparameter shapes do not broadcast: {shapes}") from None
    else:
        arrays = jnp.broadcast_arrays(*(jnp.asarray(a, jnp.float32) for a in arrays))
    return HParams(*(jnp.asarray(a, jnp.float32) for a in arrays))


make_hparams.__signature__ = inspect.Signature(
    [
        inspect.Parameter(s.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=s.default)
        for s in settings_of_kind("traced")
    ],
    return_annotation="HParams",
)


def _resolve_output(config) -> str | Output:
    """The output function of ``config``: ``auto`` becomes the loss's default output."""
    if isinstance(config.output, str) and config.output == "auto":
        return get_loss(config.loss).outputs[0]
    return config.output


def check_config(config) -> TrainConfig:
    """Validates a `TrainConfig`; returns it with names made canonical and ``output`` resolved.

    Every field is checked against the settings table (``auto`` output: the loss's default, softmax
    for cross-entropy and mse, sigmoid for binary cross-entropy).

    Raises:
      ValueError: naming the field: a layer size < 1, epochs or batch size < 1, an unknown
        activation, output, loss, optimizer, init or gradient method, a loss the output does not
        support.
    """
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    sizes = config.sizes
    if not isinstance(sizes, tuple) or len(sizes) < 2:
        raise ValueError(f"sizes must be a tuple (n_in, hidden..., n_out), got {sizes!r}")
    for i, s in enumerate(sizes):
        if isinstance(s, bool) or not isinstance(s, int | np.integer):
            raise TypeError(f"sizes[{i}] (layer width) must be an integer, got {s!r}")
        if s < 1:
            raise ValueError(f"sizes[{i}] (layer width) must be >= 1, got {s}")
    fields = {
        name: check_setting(name, getattr(config, name))
        for name in TrainConfig._fields
        if name != "sizes"
    }
    get_activation(fields["activation"])
    fields["output"] = _resolve_output(config._replace(**fields))
    fields["loss"] = resolve_loss(fields["loss"], fields["output"])
    return config._replace(sizes=tuple(int(s) for s in sizes), **fields)


def make_config(sizes, **fields) -> TrainConfig:
    """A validated `TrainConfig` (see `check_config`); ``sizes`` may be any sequence of ints.

    The other fields are keywords, defaulting to the settings table's defaults.
    """
    sizes = tuple(sizes) if not isinstance(sizes, str) else sizes
    unknown = sorted(set(fields) - set(TrainConfig._fields))
    if unknown:
        raise TypeError(
            f"make_config got unknown field(s) {unknown}; valid: {', '.join(TrainConfig._fields)}"
        )
    return check_config(TrainConfig(sizes, **fields))


make_config.__signature__ = inspect.Signature(
    [inspect.Parameter("sizes", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    + [
        inspect.Parameter(s.name, inspect.Parameter.KEYWORD_ONLY, default=s.default)
        for s in settings_of_kind("static")
        if s.name != "sizes"
    ],
    return_annotation="TrainConfig",
)


def _raw_key(key: ArrayLike) -> jax.Array:
    key = jnp.asarray(key) if not isinstance(key, jax.Array) else key
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        key = jax.random.key_data(key)
    if key.dtype != jnp.uint32 or key.shape[-1:] != (2,):
        raise TypeError(
            f"key must be raw uint32 key data of shape (2,) (jax.random.PRNGKey), "
            f"got {key.dtype} {key.shape}"
        )
    return key


def _optimizer(
    config: TrainConfig, hparams: HParams | None = None, *, total_steps: int = 1
) -> optax.GradientTransformation:
    """The optimizer; its update reads the hyperparameters from the state, not from ``hparams``.

    ``total_steps`` (the run's optimizer steps) shapes the learning-rate schedule; the state's
    structure does not depend on it.
    """
    hparams = hparams if hparams is not None else make_hparams()
    hp = {k: getattr(hparams, k) for k in HYPERPARAMETERS}
    return optimizer(config.optimizer, **hp, schedule=config.lr_schedule, total_steps=total_steps)


def _check_scalar_hparams(hparams: HParams) -> None:
    if not isinstance(hparams, HParams):
        raise TypeError(
            f"hparams must be jaxnn.HParams (see make_hparams), got {type(hparams).__name__}"
        )
    shaped = {k: np.shape(v) for k, v in hparams._asdict().items() if np.ndim(v) != 0}
    if shaped:
        raise ValueError(
            f"hparams must be scalars for one run, got shapes {shaped}: vmap over a leading "
            f"member axis (or use jaxnn.sweep) to train several"
        )


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
    _check_scalar_hparams(hparams)
    init_key, key = jax.random.split(_raw_key(key))
    params = init_mlp_scaled(config, hparams, init_key)
    if config.dtype == "float64":  # the optimizer state's hyperparameters in float64 too
        hparams = jax.tree.map(lambda v: jnp.asarray(v, jnp.float64), hparams)
    opt_state = _optimizer(config, hparams).init(params)
    return TrainState(params, opt_state, jnp.zeros((), jnp.int32), key)


def init_mlp_scaled(config: TrainConfig, hparams: HParams, key: jax.Array) -> tuple[Dense, ...]:
    """`init_mlp` with the config's sizes and init and the traced ``hparams.init_scale``."""
    return init_mlp(
        key, config.sizes, init=config.weight_init, scale=hparams.init_scale, dtype=config.dtype
    )


def _targets(config: TrainConfig, y: jax.Array) -> jax.Array:
    """Labels for class losses, one-hot rows e(y) for the others on labels, else ``y``."""
    return targets_for(config.loss, y, config.sizes[-1])


def _check_data(config: TrainConfig, x: ArrayLike, y: ArrayLike, split: str) -> None:
    """Trace-time shape checks, and target values when ``y`` is concrete."""
    n_in, k = config.sizes[0], config.sizes[-1]
    if np.ndim(x) != 2 or np.shape(x)[1] != n_in:
        raise ValueError(
            f"x_{split} must be (samples, {n_in}) for sizes {config.sizes}, got shape {np.shape(x)}"
        )
    if np.shape(y)[:1] != np.shape(x)[:1]:
        raise ValueError(
            f"x_{split} has {np.shape(x)[0]} samples, y_{split} has shape {np.shape(y)}"
        )
    loss = get_loss(config.loss)
    if jnp.issubdtype(jnp.result_type(y), jnp.integer):
        if np.ndim(y) != 1:
            raise ValueError(f"y_{split} labels must be 1-D, got shape {np.shape(y)}")
        classes = 2 if k == 1 else k  # one output unit: binary labels 0 and 1
        if loss.targets == "real" and k == 1:
            raise ValueError(
                f"y_{split} holds class labels, the network has 1 output: use loss "
                f"binary_cross_entropy for binary labels, or more outputs"
            )
        if is_concrete(y):
            check_labels(f"y_{split}", y, classes)
        return
    if loss.targets == "classes":
        rows = np.ndim(y) == 2 and np.shape(y)[1] == k
        probabilities = rows and (
            not is_concrete(y)
            or (np.all(np.asarray(y) >= 0) and np.allclose(np.sum(y, axis=1), 1, atol=1e-3))
        )
        if not probabilities:
            raise ValueError(
                f"y_{split} holds float regression targets: use loss mse (not {loss.name}) "
                f"or integer class labels (or rows of class probabilities)"
            )
        return
    if np.shape(y) != (np.shape(x)[0], k):
        raise ValueError(f"y_{split} must be (samples, {k}) for {k} outputs, got {np.shape(y)}")
    if is_concrete(y):
        check_targets(y, k, np.shape(y)[0], loss)


def _logits_and_loss(config: TrainConfig, params, x, y, embedding=None):
    x = jnp.asarray(x, config.dtype)
    _, cache = forward(
        params, x, activation=config.activation, output=config.output, embedding=embedding
    )
    a_L = cache.a[-1]
    return (
        a_L,
        cache,
        loss_from_logits(a_L, _targets(config, y), output=config.output, loss=config.loss),
    )


def _accuracy(a_L: jax.Array, y: jax.Array) -> jax.Array:
    if jnp.issubdtype(y.dtype, jnp.integer):
        return accuracy(a_L, y)
    return jnp.full((), jnp.nan, jnp.float32)


def _gradients(config: TrainConfig, params, x, y, embedding=None):
    """(loss, logits, grads) for one minibatch, by Algorithm 6 or by `jax.grad`.

    ``embedding``: train the smaller network embedded in ``params`` (see `Embedding`).
    """
    if config.grad == "explicit":
        a_L, cache, loss = _logits_and_loss(config, params, x, y, embedding)
        grads = backprop(
            params,
            cache,
            _targets(config, y),
            activation=config.activation,
            output=config.output,
            loss=config.loss,
            embedding=embedding,
        )
        return loss, a_L, grads

    def objective(p):
        a_L, _, loss = _logits_and_loss(config, p, x, y, embedding)
        return loss, a_L

    (loss, a_L), grads = jax.value_and_grad(objective, has_aux=True)(params)
    return loss, a_L, grads


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
    _check_data(config, x, y, "eval")
    return _evaluate(config, params, x, y)


def _evaluate(config: TrainConfig, params, x, y, embedding=None):
    """`evaluate` without the checks; ``embedding`` as in `_gradients`."""
    y = jnp.asarray(y)
    a_L, _, loss = _logits_and_loss(config, params, x, y, embedding)
    return loss, _accuracy(a_L, y)


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


def _permutation(key: jax.Array, n: int) -> jax.Array:
    """``jax.random.permutation(key, n)``, bit for bit, with one fast sort per round.

    JAX shuffles by stably sorting (random uint32, index) pairs, one round per 32 random bits
    needed; XLA:CPU sorts pairs by calling a compiled comparator per comparison. Packing each pair
    into one uint64, random bits high and position low, gives the same order (equal random bits
    keep their positions' order, as in a stable sort) and lets XLA sort plain integers, which is
    several times faster (benchmarks/RESULTS.md). x64 is switched on only around the packed sort.

    Args:
      key: raw uint32 key data or a typed key.
      n: the number of indices (static).

    Returns:
      A permutation of ``0 .. n-1``, int32 of shape (n,).
    """
    rounds = int(np.ceil(3 * np.log(max(1, n)) / np.log(np.iinfo(np.uint32).max)))  # as JAX's
    perm = None
    for _ in range(rounds):
        key, subkey = jax.random.split(key)
        bits = jax.random.bits(subkey, (n,), jnp.uint32)
        with jax.enable_x64(True):
            packed = (bits.astype(jnp.uint64) << 32) | jnp.arange(n, dtype=jnp.uint64)
            order = jax.lax.sort(packed).astype(jnp.uint32).astype(jnp.int32)
        perm = order if perm is None else perm[order]
    return perm if perm is not None else jnp.arange(n, dtype=jnp.int32)


class Member(NamedTuple):
    """The per-member pieces of the training loop; the epoch around them is written once.

    `train_epoch` passes a solo run's pieces (the config's network and its optax optimizer); a
    packed sweep passes pieces that run one member embedded in the sweep's largest network
    (`jaxnn.sweeps`).

    Attributes:
      gradients: ``gradients(params, x, y) -> (loss, a_L, grads)`` on one minibatch.
      update: ``update(grads, opt_state, params) -> (params, opt_state)``, one optimizer step.
      evaluate: ``evaluate(params, x, y) -> (loss, accuracy)`` on a whole split.
      epochs: None, or an int32 scalar: the member's own number of epochs. From then on its
        state is frozen (``jnp.where``) and its metrics are NaN, so a program that runs more
        epochs leaves it as its own run would.
    """

    gradients: Callable
    update: Callable
    evaluate: Callable
    epochs: jax.Array | None = None


def _check_training(config: TrainConfig, data: Dataset) -> TrainConfig:
    """The config checked, and the data checked against it (at trace time)."""
    config = check_config(config)
    _check_data(config, data.x_train, data.y_train, "train")
    _check_data(config, data.x_val, data.y_val, "val")
    for split in ("train", "val"):  # checks only inside checked_train, else nothing
        check_targets_traced(
            jnp.asarray(getattr(data, f"y_{split}")),
            config.sizes[-1],
            split,
            get_loss(config.loss).targets == "classes",
        )
    _check_batches(data, config.batch_size)
    return config


def _solo_member(config: TrainConfig, data: Dataset) -> Member:
    """The pieces of a solo run: the config's network and optax optimizer, whose schedule spans
    ``config.epochs`` epochs of ``data``."""
    steps = _check_batches(data, config.batch_size)
    opt = _optimizer(config, total_steps=config.epochs * steps)

    def update(grads, opt_state, params):
        updates, new_state = opt.update(grads, opt_state, params)
        # the state keeps its dtypes (bfloat16 moments updated with float32 hyperparameters)
        new_state = jax.tree.map(lambda new, old: new.astype(old.dtype), new_state, opt_state)
        return optax.apply_updates(params, updates), new_state

    return Member(
        gradients=lambda params, x, y: _gradients(config, params, x, y),
        update=update,
        evaluate=lambda params, x, y: evaluate(config, params, x, y),
    )


def _check_batches(data: Dataset, batch_size: int) -> int:
    """The optimizer steps per epoch, ``n_train // batch_size``."""
    n = data.x_train.shape[0]
    if batch_size > n:
        raise ValueError(f"batch_size {batch_size} is larger than the training data ({n} samples)")
    return n // batch_size


def run_epoch(
    member: Member, state: TrainState, data: Dataset, batch_size: int
) -> tuple[TrainState, EpochMetrics]:
    """One epoch of ``member``: shuffle, one `lax.scan` of its steps, then its validation.

    The permutation's key is split from ``state.key``; the last ``n_train % batch_size`` examples
    of the permutation are dropped. With ``member.epochs`` set, a state that has completed that
    many epochs comes back unchanged, with NaN metrics.

    Args:
      member: the per-member pieces.
      state: the `TrainState` after the previous epoch.
      data: the `Dataset` (only the train and validation splits are used).
      batch_size: the minibatch size (static).

    Returns:
      ``(state, metrics)``.
    """
    n = data.x_train.shape[0]
    steps = _check_batches(data, batch_size)
    key, perm_key = jax.random.split(state.key)
    batches = _permutation(perm_key, n)[: steps * batch_size]
    batches = batches.reshape(steps, batch_size)
    # the run's dtype, the parameters': no silent downcast
    x_train = jnp.asarray(data.x_train, jax.tree.leaves(state.params)[0].dtype)
    y_train = jnp.asarray(data.y_train)

    def step(carry, idx):
        params, opt_state = carry
        x, y = x_train[idx], y_train[idx]
        loss, a_L, grads = member.gradients(params, x, y)
        return member.update(grads, opt_state, params), (loss, _accuracy(a_L, y))

    (params, opt_state), (losses, accs) = jax.lax.scan(
        step, (state.params, state.opt_state), batches
    )
    val_loss, val_acc = member.evaluate(params, data.x_val, data.y_val)
    metrics = EpochMetrics(jnp.mean(losses), jnp.mean(accs), val_loss, val_acc)
    new = TrainState(params, opt_state, state.epoch + 1, key)
    if member.epochs is None:
        check(
            jnp.isfinite(metrics.train_loss) & jnp.isfinite(val_loss),
            "epoch {epoch}: the loss is not finite (train {train}, validation {val}): "
            "the run diverged",
            epoch=new.epoch,
            train=metrics.train_loss,
            val=val_loss,
        )
        return new, metrics
    running = state.epoch < member.epochs
    new = jax.tree.map(lambda a, b: jnp.where(running, a, b), new, state)
    return new, jax.tree.map(lambda m: jnp.where(running, m, jnp.nan), metrics)


def run_epochs(
    member: Member, state: TrainState, data: Dataset, batch_size: int, epochs: int
) -> tuple[TrainState, EpochMetrics]:
    """``epochs`` epochs of ``member`` from ``state``: one `lax.scan` of `run_epoch`."""
    return jax.lax.scan(
        lambda s, _: run_epoch(member, s, data, batch_size), state, None, length=epochs
    )


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
    config = _check_training(config, data)
    return run_epoch(_solo_member(config, data), state, data, config.batch_size)


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
    config = _check_training(config, data)
    return run_epochs(_solo_member(config, data), state, data, config.batch_size, epochs)


def train(
    config: TrainConfig, hparams: HParams, key: ArrayLike, data: Dataset
) -> tuple[TrainState, EpochMetrics]:
    """Trains for ``config.epochs`` epochs: `init_state`, then `train_epochs`.

    The one training loop: `jaxnn.fit`, `jaxnn.sweep`, ``jaxnn train`` and the experiments all
    run it. Pure, jit-able (``static_argnums=0``) and vmappable over ``hparams``, ``key`` and
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

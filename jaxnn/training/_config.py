"""What a training run is: the static `TrainConfig`, the traced `HParams`, the `TrainState` a
checkpoint holds, the `EpochMetrics` of an epoch, and their checks (at the boundary, in NumPy).

Both NamedTuples of settings are written here with static types, one field per row of the
settings table (`jaxnn.training.SETTINGS`) of their kind; a test checks them against it.
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
from jaxnn.feedforward._activations import Activation, get_activation
from jaxnn.feedforward._losses import (
    Loss,
    Output,
    auto_output,
    check_targets,
    get_loss,
    resolve_loss,
    targets_for,
)
from jaxnn.feedforward._network import Dense
from jaxnn.training._data import Dataset
from jaxnn.training._settings import SETTINGS, check_setting

__all__ = [
    "EpochMetrics",
    "HParams",
    "TrainConfig",
    "TrainState",
    "check_batches",
    "check_config",
    "check_data",
    "check_hparam",
    "check_scalar_hparams",
    "make_config",
    "make_hparams",
    "raw_key",
    "targets",
]


class TrainConfig(NamedTuple):
    """What fixes the shapes and the program of a training run (static, hashable).

    One field per static setting of `jaxnn.training.SETTINGS`, in table order, with the table's
    defaults (``tests/training/test_settings.py`` checks that they agree). ``activation``,
    ``output`` and ``loss`` may also be `Activation`, `Output` and `Loss` values, ``optimizer``
    an optax transformation and ``lr_schedule`` a schedule (a function of the step).

    Attributes:
      sizes: layer sizes (n_in, hidden..., n_out).
      activation: hidden activation g.
      output: output function O; auto: softmax for cross_entropy, sigmoid for
        binary_cross_entropy, for mse softmax on class labels and linear on regression targets.
      loss: loss (mean_squared_error is mse).
      optimizer: optimizer (nesterov is nag).
      batch_size: minibatch size; the last partial batch of an epoch is dropped.
      epochs: epochs (when resuming: the total to reach).
      weight_init: initial weights: normal with std 0.1, sqrt(2/(n_in+n_out)) or sqrt(2/n_in).
      grad: gradients by Algorithm 6 (explicit) or jax.grad (autodiff).
      lr_schedule: learning-rate schedule; cosine decays to lr/100 over the run.
      dtype: the dtype of parameters, optimizer state and data.
    """

    sizes: tuple[int, ...]
    activation: str | Activation = "tanh"
    output: str | Output = "auto"
    loss: str | Loss = "cross_entropy"
    optimizer: str | optax.GradientTransformation = "adam"
    batch_size: int = 32
    epochs: int = 30
    weight_init: str = "xavier"
    grad: str = "explicit"
    lr_schedule: str | Callable[[jax.Array], jax.Array] = "constant"
    dtype: str = "float32"


class HParams(NamedTuple):
    """The hyperparameters a sweep varies: float32 arrays, scalar or with a leading member axis.

    One field per traced setting of `jaxnn.training.SETTINGS`, in table order, with the table's
    defaults (``tests/training/test_settings.py`` checks that they agree). They live in the
    optimizer state (``init_scale`` in the initial network), so changing them never recompiles;
    `make_hparams` checks them.

    Attributes:
      learning_rate: learning rate eta.
      momentum: momentum of momentum and nag.
      beta: decay of rmsprop.
      beta1: first-moment decay of adam, nadam and adamw.
      beta2: second-moment decay of adam, nadam and adamw.
      eps: epsilon of rmsprop, adagrad, adam, nadam and adamw.
      weight_decay: L2 coefficient on the weight matrices (not the biases); decoupled for adamw.
      init_scale: multiplies the initial weights.
    """

    learning_rate: ArrayLike = 1e-3
    momentum: ArrayLike = 0.9
    beta: ArrayLike = 0.9
    beta1: ArrayLike = 0.9
    beta2: ArrayLike = 0.999
    eps: ArrayLike = 1e-8
    weight_decay: ArrayLike = 0.0
    init_scale: ArrayLike = 1.0


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
        # placed, not converted by jnp: an eager conversion would compile a program per shape
        return HParams(*(jax.device_put(np.asarray(a, np.float32)) for a in arrays))
    arrays = jnp.broadcast_arrays(*(jnp.asarray(a, jnp.float32) for a in arrays))
    return HParams(*(jnp.asarray(a, jnp.float32) for a in arrays))


make_hparams.__signature__ = inspect.Signature(
    [
        inspect.Parameter(s.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=s.default)
        for s in SETTINGS.of_kind("traced")
    ],
    return_annotation="HParams",
)


def _resolve_output(config) -> str | Output:
    """The output function of ``config``: ``auto`` becomes the loss's (`auto_output`)."""
    if isinstance(config.output, str) and config.output == "auto":
        return auto_output(config.loss)
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
        for s in SETTINGS.of_kind("static")
        if s.name != "sizes"
    ],
    return_annotation="TrainConfig",
)


def raw_key(key: ArrayLike) -> jax.Array:
    key = jnp.asarray(key) if not isinstance(key, jax.Array) else key
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        key = jax.random.key_data(key)
    if key.dtype != jnp.uint32 or key.shape[-1:] != (2,):
        raise TypeError(
            f"key must be raw uint32 key data of shape (2,) (jax.random.PRNGKey), "
            f"got {key.dtype} {key.shape}"
        )
    return key


def check_scalar_hparams(hparams: HParams) -> None:
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


def targets(config: TrainConfig, y: jax.Array) -> jax.Array:
    """Labels for class losses, one-hot rows e(y) for the others on labels, else ``y``."""
    return targets_for(config.loss, y, config.sizes[-1])


def check_data(config: TrainConfig, x: ArrayLike, y: ArrayLike, split: str) -> None:
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


def check_batches(data: Dataset, batch_size: int) -> int:
    """The optimizer steps per epoch, ``n_train // batch_size``."""
    n = data.x_train.shape[0]
    if batch_size > n:
        raise ValueError(f"batch_size {batch_size} is larger than the training data ({n} samples)")
    return n // batch_size

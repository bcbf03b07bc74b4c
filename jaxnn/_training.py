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

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.typing import ArrayLike

from jaxnn._activations import ACTIVATIONS
from jaxnn._backprop import backprop
from jaxnn._data import Dataset
from jaxnn._feedforward import INITS, Dense, forward
from jaxnn._metrics import accuracy
from jaxnn._optimizers import HYPERPARAMETERS, OPTIMIZERS, make_optimizer
from jaxnn._output_and_loss import OUTPUTS, loss_from_logits, resolve_loss
from jaxnn._validation import check_labels, is_concrete

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
    "train",
    "train_epoch",
]

GRADS = ("explicit", "autodiff")


class TrainConfig(NamedTuple):
    """What fixes the shapes and the program of a training run (static, hashable).

    Attributes:
      sizes: the layer sizes (n_in, hidden..., n_out).
      activation: the hidden activation g: identity, sigmoid, tanh, relu or leaky_relu.
      output: the output function O: softmax, sigmoid or linear.
      loss: cross_entropy or mse (aliases mean_squared_error, squared_error).
      optimizer: sgd, momentum, nag, rmsprop, adagrad, adam or nadam.
      batch_size: examples per minibatch; the last partial minibatch of an epoch is dropped.
      epochs: epochs to train (`train`) or the total to reach (`jaxnn.fit` when resuming).
      weight_init: random, xavier or he.
      grad: explicit (Algorithm 6) or autodiff (`jax.grad`).
    """

    sizes: tuple[int, ...]
    activation: str = "tanh"
    output: str = "softmax"
    loss: str = "cross_entropy"
    optimizer: str = "adam"
    batch_size: int = 32
    epochs: int = 30
    weight_init: str = "xavier"
    grad: str = "explicit"


class HParams(NamedTuple):
    """The hyperparameters a sweep varies: float32 arrays, scalar or with a leading member axis.

    Attributes:
      learning_rate: eta.
      momentum: the momentum of momentum and nag.
      beta: rmsprop's decay.
      beta1: adam's and nadam's first-moment decay.
      beta2: adam's and nadam's second-moment decay.
      eps: the constant of rmsprop, adagrad, adam and nadam's denominators.
      weight_decay: the L2 coefficient (on weight matrices, not biases).
      init_scale: multiplies the initial weights.
    """

    learning_rate: jax.Array
    momentum: jax.Array
    beta: jax.Array
    beta1: jax.Array
    beta2: jax.Array
    eps: jax.Array
    weight_decay: jax.Array
    init_scale: jax.Array


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
    """

    train_loss: jax.Array
    train_accuracy: jax.Array
    val_loss: jax.Array
    val_accuracy: jax.Array


# Valid range of each hyperparameter: (low, low inclusive, high, high inclusive).
_HPARAM_RANGES = {
    "learning_rate": (0.0, False, math.inf, False),
    "momentum": (0.0, True, 1.0, False),
    "beta": (0.0, True, 1.0, False),
    "beta1": (0.0, True, 1.0, False),
    "beta2": (0.0, True, 1.0, False),
    "eps": (0.0, False, math.inf, False),
    "weight_decay": (0.0, True, math.inf, False),
    "init_scale": (0.0, False, math.inf, False),
}


def check_hparam(name: str, value: ArrayLike, *, label: str | None = None) -> np.ndarray:
    """Checks every value of hyperparameter ``name``; returns them as a float32 NumPy array.

    Args:
      name: a field of `HParams`.
      value: a scalar or an array of values.
      label: the name to use in the error message (e.g. the command-line flag).

    Raises:
      ValueError: naming ``label`` (or ``name``), the bad value and the valid range.
    """
    label = label or name
    low, low_in, high, high_in = _HPARAM_RANGES[name]
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{label} must be a real number, got {value!r}") from None
    ok = (a >= low if low_in else a > low) & (a <= high if high_in else a < high)
    if not np.all(ok):  # NaN fails both comparisons
        bad = a[~ok].ravel()[0]
        if high == math.inf:
            valid = f"{'>=' if low_in else '>'} {low:g}"
        else:
            valid = f"in {'[' if low_in else '('}{low:g}, {high:g}{']' if high_in else ')'}"
        raise ValueError(f"{label} must be {valid}, got {bad:g}")
    return a.astype(np.float32)


def make_hparams(
    learning_rate: ArrayLike = 1e-3,
    momentum: ArrayLike = 0.9,
    beta: ArrayLike = 0.9,
    beta1: ArrayLike = 0.9,
    beta2: ArrayLike = 0.999,
    eps: ArrayLike = 1e-8,
    weight_decay: ArrayLike = 0.0,
    init_scale: ArrayLike = 1.0,
) -> HParams:
    """Validated `HParams`; array arguments broadcast together (one entry per sweep member).

    Raises:
      ValueError: for a learning rate <= 0 or NaN, a momentum or beta outside [0, 1), eps <= 0,
        a negative weight decay or a non-positive init scale (the field and value named).
    """
    values = {k: v for k, v in locals().items()}
    arrays = [check_hparam(k, values[k]) for k in HParams._fields]
    try:
        arrays = np.broadcast_arrays(*arrays)
    except ValueError:
        shapes = {k: np.shape(a) for k, a in zip(HParams._fields, arrays)}
        raise ValueError(f"hyperparameter shapes do not broadcast: {shapes}") from None
    return HParams(*(jnp.asarray(a, jnp.float32) for a in arrays))


def _check_int(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    return int(value)


def _check_choice(name: str, value: object, valid) -> str:
    if value not in valid:
        raise ValueError(f"unknown {name} {value!r}; valid: {', '.join(valid)}")
    return value


def check_config(config: TrainConfig) -> TrainConfig:
    """Validates a `TrainConfig` and returns it with the loss name resolved (mse for aliases).

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
        _check_int(f"sizes[{i}] (layer width)", s, 1)
    _check_choice("activation", config.activation, tuple(ACTIVATIONS))
    _check_choice("output", config.output, OUTPUTS)
    loss = resolve_loss(config.loss, config.output)
    if loss == "binary_cross_entropy":
        raise ValueError("training supports loss cross_entropy or mse, got binary_cross_entropy")
    _check_choice("optimizer", config.optimizer, OPTIMIZERS)
    _check_int("batch_size", config.batch_size, 1)
    _check_int("epochs", config.epochs, 1)
    _check_choice("weight_init", config.weight_init, INITS)
    _check_choice("grad", config.grad, GRADS)
    return config._replace(loss=loss, sizes=tuple(int(s) for s in sizes))


def make_config(
    sizes,
    *,
    activation: str = "tanh",
    output: str = "softmax",
    loss: str = "cross_entropy",
    optimizer: str = "adam",
    batch_size: int = 32,
    epochs: int = 30,
    weight_init: str = "xavier",
    grad: str = "explicit",
) -> TrainConfig:
    """A validated `TrainConfig` (see `check_config`); ``sizes`` may be any sequence of ints."""
    sizes = tuple(sizes) if not isinstance(sizes, str) else sizes
    return check_config(
        TrainConfig(
            sizes, activation, output, loss, optimizer, batch_size, epochs, weight_init, grad
        )
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


def _optimizer(config: TrainConfig, hparams: HParams | None = None) -> optax.GradientTransformation:
    """The optimizer; its update reads the hyperparameters from the state, not from ``hparams``."""
    hparams = hparams if hparams is not None else make_hparams()
    return make_optimizer(config.optimizer)(**{k: getattr(hparams, k) for k in HYPERPARAMETERS})


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
    init_key, key = jax.random.split(_raw_key(key))
    params = init_mlp_scaled(config, hparams, init_key)
    opt_state = _optimizer(config, hparams).init(params)
    return TrainState(params, opt_state, jnp.zeros((), jnp.int32), key)


def init_mlp_scaled(config: TrainConfig, hparams: HParams, key: jax.Array) -> tuple[Dense, ...]:
    """`init_mlp` with the config's sizes and init and the traced ``hparams.init_scale``."""
    from jaxnn._feedforward import init_mlp

    return init_mlp(key, config.sizes, init=config.weight_init, scale=hparams.init_scale)


def _targets(config: TrainConfig, y: jax.Array) -> jax.Array:
    """Labels for cross-entropy, one-hot rows e(y) for squared error on labels, else ``y``."""
    if jnp.issubdtype(y.dtype, jnp.integer) and config.loss != "cross_entropy":
        return jax.nn.one_hot(y, config.sizes[-1], dtype=jnp.float32)
    return y


def _check_data(config: TrainConfig, x: ArrayLike, y: ArrayLike, split: str) -> None:
    """Trace-time shape checks, and label values when ``y`` is concrete."""
    n_in, k = config.sizes[0], config.sizes[-1]
    if np.ndim(x) != 2 or np.shape(x)[1] != n_in:
        raise ValueError(
            f"x_{split} must be (samples, {n_in}) for sizes {config.sizes}, got shape {np.shape(x)}"
        )
    if np.shape(y)[:1] != np.shape(x)[:1]:
        raise ValueError(
            f"x_{split} has {np.shape(x)[0]} samples, y_{split} has shape {np.shape(y)}"
        )
    if jnp.issubdtype(jnp.result_type(y), jnp.integer):
        if np.ndim(y) != 1:
            raise ValueError(f"y_{split} labels must be 1-D, got shape {np.shape(y)}")
        if is_concrete(y):
            check_labels(f"y_{split}", y, k)
    else:
        if config.loss != "mse":
            raise ValueError(
                f"y_{split} holds float regression targets: use loss mse (not {config.loss}) "
                f"or integer class labels"
            )
        if np.shape(y) != (np.shape(x)[0], k):
            raise ValueError(f"y_{split} must be (samples, {k}) for {k} outputs, got {np.shape(y)}")


def _logits_and_loss(config: TrainConfig, params, x, y):
    _, cache = forward(params, x, activation=config.activation, output=config.output)
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


def _gradients(config: TrainConfig, params, x, y):
    """(loss, logits, grads) for one minibatch, by Algorithm 6 or by `jax.grad`."""
    if config.grad == "explicit":
        a_L, cache, loss = _logits_and_loss(config, params, x, y)
        grads = backprop(
            params,
            cache,
            _targets(config, y),
            activation=config.activation,
            output=config.output,
            loss=config.loss,
        )
        return loss, a_L, grads

    def objective(p):
        a_L, _, loss = _logits_and_loss(config, p, x, y)
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
    y = jnp.asarray(y)
    a_L, _, loss = _logits_and_loss(config, params, x, y)
    return loss, _accuracy(a_L, y)


def predict(config: TrainConfig, params: tuple[Dense, ...], x: ArrayLike) -> jax.Array:
    """The network's outputs y_hat = O(a_L) for inputs ``x`` of shape (samples, n_in)."""
    config = check_config(config)
    y_hat, _ = forward(params, x, activation=config.activation, output=config.output)
    return y_hat


def _permutation(key: jax.Array, n: int) -> jax.Array:
    """``jax.random.permutation(key, n)``, bit for bit, with one fast sort per round.

    JAX shuffles by stably sorting (random uint32, index) pairs, one round per 32 random bits
    needed; XLA:CPU sorts pairs by calling a compiled comparator per comparison (23 ms for 60000
    examples). Packing each pair into one uint64, random bits high and position low, gives the same
    order (equal random bits keep their positions' order, as in a stable sort) and lets XLA sort
    plain integers: 3.6 ms for 60000, 45 us instead of 180 us for 1293. x64 is switched on only
    around the packed sort.

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
    config = check_config(config)
    _check_data(config, data.x_train, data.y_train, "train")
    _check_data(config, data.x_val, data.y_val, "val")
    n = data.x_train.shape[0]
    if config.batch_size > n:
        raise ValueError(
            f"batch_size {config.batch_size} is larger than the training data ({n} samples)"
        )
    steps = n // config.batch_size
    key, perm_key = jax.random.split(state.key)
    batches = _permutation(perm_key, n)[: steps * config.batch_size]
    batches = batches.reshape(steps, config.batch_size)
    x_train = jnp.asarray(data.x_train, jnp.float32)
    y_train = jnp.asarray(data.y_train)
    opt = _optimizer(config)

    def step(carry, idx):
        params, opt_state = carry
        x, y = x_train[idx], y_train[idx]
        loss, a_L, grads = _gradients(config, params, x, y)
        updates, opt_state = opt.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), (loss, _accuracy(a_L, y))

    (params, opt_state), (losses, accs) = jax.lax.scan(
        step, (state.params, state.opt_state), batches
    )
    val_loss, val_acc = evaluate(config, params, data.x_val, data.y_val)
    metrics = EpochMetrics(jnp.mean(losses), jnp.mean(accs), val_loss, val_acc)
    return TrainState(params, opt_state, state.epoch + 1, key), metrics


def train(
    config: TrainConfig, hparams: HParams, key: ArrayLike, data: Dataset
) -> tuple[TrainState, EpochMetrics]:
    """Trains for ``config.epochs`` epochs: `init_state`, then a `lax.scan` of `train_epoch`.

    Pure, jit-able (``static_argnums=0``) and vmappable over ``hparams`` and ``key``. The same key,
    config and hyperparameters give bitwise the same parameters as `init_state` followed by
    ``config.epochs`` calls of a jitted `train_epoch`.

    Args:
      config: the static `TrainConfig`.
      hparams: scalar `HParams`.
      key: raw uint32 PRNG key data, shape (2,).
      data: the `Dataset`.

    Returns:
      ``(state, metrics)``: the final `TrainState` and `EpochMetrics` with a leading (epochs,) axis.
    """
    config = check_config(config)
    state = init_state(config, hparams, key)
    return jax.lax.scan(
        lambda s, _: train_epoch(config, s, data), state, None, length=config.epochs
    )

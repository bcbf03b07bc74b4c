r"""The training engine: the function of one member, written once; every run compiles it.

A member is one training run: a network, its optimizer, activation and init, its hyperparameters,
its seed and its number of epochs. Whatever of a member does not fix a shape is an array
(`Member`): the optimizer, activation and schedule codes, the init's standard deviation of each
layer and the init scale, the hyperparameters, the PRNG key, the epoch count. What fixes shapes or
code is static (`Static`): the layer sizes (or a packed envelope), the batch size, loss, output,
gradient method and dtype, the set of activations a code indexes, the length of the metrics
buffer, and a user's own optax transformation or schedule.

- A solo run (`jaxnn.fit`, ``jaxnn train``) calls it under ``jit`` without ``vmap``: its
  activation is a `lax.switch` over the set, of which one branch runs.
- A sweep vmaps it (the switch becomes a select) and shards it over devices.
- A packed member runs embedded in a larger network (the envelope): units beyond its widths stay
  exactly 0 (their updates are masked), and a hidden layer beyond its depth is the identity
  (``W = I``, activation ``identity``, its updates masked), so ``h_k = h_(k-1)``.

Epochs run in a `lax.while_loop` to a traced target epoch, writing `EpochMetrics` into a buffer of
a bucketed length, so a progress bar, a checkpoint every N epochs and the segments of successive
halving call the same program with a new target; under ``vmap`` each member stops at its own.

The initial network of a member (its solo draw, or embedded in an envelope) is
`jaxnn.training._initial`'s.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxnn.feedforward._activations import ACTIVATIONS, Activation, get_activation
from jaxnn.feedforward._backprop import backprop
from jaxnn.feedforward._losses import loss_from_logits, targets_for
from jaxnn.feedforward._network import forward, init_std
from jaxnn.training._checked import check
from jaxnn.training._config import EpochMetrics, HParams, TrainState, raw_key
from jaxnn.training._data import Dataset
from jaxnn.training._initial import erfinv_draw, packed_params, solo_params, update_mask
from jaxnn.training._metrics import (
    MAX_CONFUSION_CLASSES,
    accuracy,
    confusion_matrix,
    predicted_classes,
)
from jaxnn.training._optimizers import (
    HYPERPARAMETERS,
    apply_updates,
    is_transformation,
    optimizer,
    optimizer_code,
    schedule_code,
)

__all__ = [
    "Init",
    "Member",
    "Outcome",
    "Static",
    "Test",
    "epoch",
    "epochs_bucket",
    "erfinv_draw",
    "fresh_member",
    "init_and_test",
    "init_member",
    "member_of",
    "permutation",
    "run_epochs",
    "seed_key",
    "solo_activations",
    "static_of",
    "test_split",
    "train_member",
]

IDENTITY = "identity"


class Static(NamedTuple):
    """What fixes a program's shapes or code (hashable): with the data's shapes and the members
    per call, the key of the program cache.

    Attributes:
      sizes: the network (n_in, hidden..., n_out); packed: the envelope (n_in, H x D, n_out).
      output: the output function.
      loss: the loss.
      grad: ``explicit`` (Algorithm 6) or ``autodiff``.
      dtype: the dtype of parameters, optimizer state and data.
      batch_size: the minibatch size.
      activations: the activations (names or `Activation` values) a member's code indexes.
      epochs: the length of the metrics buffer, at least every member's epochs.
      packed: whether members are embedded in ``sizes`` (their widths and depth traced).
      optimizer: a user's optax transformation, or None for the course's (`optimizer`).
      schedule: a user's learning-rate schedule for the course's optimizers, or None.
    """

    sizes: tuple[int, ...]
    output: Any
    loss: Any
    grad: str
    dtype: str
    batch_size: int
    activations: tuple
    epochs: int
    packed: bool = False
    optimizer: Any = None
    schedule: Any = None


class Member(NamedTuple):
    """One member's traced values (a sweep stacks them on a leading axis).

    Attributes:
      hparams: its `HParams`.
      key: raw uint32 PRNG key data (2,), ``jax.random.PRNGKey(seed)``.
      optimizer: int32, its row of the optimizer table (`OPTIMIZERS`).
      activation: int32, its index in ``Static.activations``.
      schedule: int32, its learning-rate schedule (`SCHEDULES`).
      epochs: int32, its number of epochs (the schedule's horizon).
      std: (D + 1,) its init's standard deviation of each layer, the output layer last (0 for a
        packed member's skipped layers), before ``init_scale``.
      widths: int32 (D,), its hidden widths (0 beyond its depth).
      depth: int32, its number of hidden layers.
    """

    hparams: HParams
    key: Any
    optimizer: Any
    activation: Any
    schedule: Any
    epochs: Any
    std: Any
    widths: Any
    depth: Any


class Init(NamedTuple):
    """What `init_member` returns: the state, and the losses of the divergence test (NaN unless
    asked): the initial network's and the all-zero network's on the training split."""

    state: TrainState
    initial_loss: jax.Array
    baseline_loss: jax.Array


class Outcome(NamedTuple):
    """What `train_member` returns.

    Attributes:
      state: the `TrainState` at the target epoch.
      metrics: `EpochMetrics`, each of shape (``Static.epochs``,), indexed by epoch (0-based):
        NaN for the epochs this call did not run.
      test_loss: the loss on the test split (NaN unless asked).
      test_accuracy: the accuracy on the test split (NaN unless asked, and for regression).
      confusion: int32 (k, k) counts on the test split, rows true, columns predicted (zeros
        unless asked; (0, 0) for regression).
      finite: whether every parameter is finite.
      val_errors: (``Static.epochs``, 2, k) per epoch the validation split's `errors` (NaN for
        the epochs this call did not run); (.., 2, 0) for class labels.
      test_errors: (2, k) the test split's `errors` (NaN unless asked).
    """

    state: TrainState
    metrics: EpochMetrics
    test_loss: jax.Array
    test_accuracy: jax.Array
    confusion: jax.Array
    finite: jax.Array
    val_errors: jax.Array
    test_errors: jax.Array


def epochs_bucket(epochs: int) -> int:
    """The metrics buffer's length for runs of up to ``epochs`` epochs: a power of two, at least
    16, so that runs of other lengths share a compiled program."""
    return max(16, 1 << (max(1, int(epochs)) - 1).bit_length())


def solo_activations(activation: Any) -> tuple:
    """The activations a solo program switches over: every registered one, and ``activation``
    if it is a user's own (so that a new activation never recompiles)."""
    names = tuple(ACTIVATIONS)
    return names if isinstance(activation, str) else (*names, activation)


def static_of(config, *, activations=None, epochs=None, sizes=None) -> Static:
    """The `Static` of a config: its own network (or the envelope ``sizes``, packed), its
    activation alone (or the set ``activations``), its epochs (or a buffer of ``epochs``)."""
    custom_opt = config.optimizer if is_transformation(config.optimizer) else None
    custom_schedule = config.lr_schedule if callable(config.lr_schedule) else None
    return Static(
        sizes=tuple(sizes if sizes is not None else config.sizes),
        output=config.output,
        loss=config.loss,
        grad=config.grad,
        dtype=config.dtype,
        batch_size=config.batch_size,
        activations=tuple(activations) if activations is not None else (config.activation,),
        epochs=int(epochs if epochs is not None else config.epochs),
        packed=sizes is not None,
        optimizer=custom_opt,
        schedule=custom_schedule,
    )


def seed_key(seed: int) -> np.ndarray:
    """``jax.random.PRNGKey(seed)`` as NumPy raw key data, without a compiled program."""
    if jax.config.jax_default_prng_impl == "threefry2x32" and 0 <= seed < 2**32:
        return np.array([0, seed], np.uint32)  # threefry's seeding of a 32-bit seed
    return np.asarray(jax.random.key_data(jax.random.PRNGKey(seed)))


def member_of(static: Static, config, hparams: HParams | None, key: Any) -> Member:
    """The `Member` of a config in the program ``static`` (codes and init from the config, on
    the host; ``hparams`` and ``key`` as given, possibly traced; None: defaults, unused)."""
    hidden = tuple(config.sizes[1:-1])
    depth_max = len(static.sizes) - 2
    float_type = np.float64 if static.dtype == "float64" else np.float32
    std = np.zeros(depth_max + 1, float_type)
    for j, (a, b) in enumerate(zip(config.sizes[:-2], hidden)):
        std[j] = init_std(config.weight_init, a, b)
    std[depth_max] = init_std(config.weight_init, config.sizes[-2], config.sizes[-1])
    widths = np.zeros(depth_max, np.int32)
    widths[: len(hidden)] = hidden
    if hparams is None:
        hparams = HParams(*(np.float32(v) for v in HParams._field_defaults.values()))
    course = not is_transformation(config.optimizer)
    named_schedule = isinstance(config.lr_schedule, str)
    return Member(
        hparams=hparams,
        key=key if key is not None else np.zeros(2, np.uint32),
        optimizer=np.int32(optimizer_code(config.optimizer) if course else 0),
        activation=np.int32(static.activations.index(config.activation)),
        schedule=np.int32(schedule_code(config.lr_schedule) if named_schedule else 0),
        epochs=np.int32(config.epochs),
        std=std,
        widths=widths,
        depth=np.int32(len(hidden)),
    )


def transformation(static: Static, member: Member, steps: int) -> optax.GradientTransformation:
    """The member's optimizer: a user's transformation, or the course's with the member's codes
    (the horizon of its schedule: its own epochs of ``steps`` steps)."""
    if static.optimizer is not None:
        return static.optimizer
    hp = {k: getattr(member.hparams, k) for k in HYPERPARAMETERS}
    if static.schedule is not None:
        hp["learning_rate"] = static.schedule
    total = member.epochs * steps
    return optimizer(member.optimizer, **hp, schedule=member.schedule, total_steps=total)


def steps_per_epoch(static: Static, data: Dataset) -> int:
    """Optimizer steps per epoch: ``n_train // batch_size`` (the last partial batch dropped)."""
    return int(data.x_train.shape[0]) // static.batch_size


def init_state(static: Static, member: Member, steps: int = 1) -> TrainState:
    """The member's state before its first epoch: network, optimizer state, epoch 0, its key."""
    init_key, key = jax.random.split(raw_key(member.key))
    make = packed_params if static.packed else solo_params
    params = make(static, member, init_key)
    opt_state = transformation(static, member, steps).init(params)
    return TrainState(params, opt_state, jnp.zeros((), jnp.int32), key)


# --- one epoch ---


def _switched(activations: tuple, code) -> Activation:
    """The activation ``activations[code]``, ``code`` traced: a `lax.switch` over the set (under
    ``vmap``, every branch is computed and the member's selected). One needs no switch."""
    gs = tuple(get_activation(a) for a in activations)
    if len(gs) == 1:
        return gs[0]
    return Activation(
        "switched",
        lambda a: jax.lax.switch(code, [g.fn for g in gs], a),
        lambda a, h: jax.lax.switch(code, [g.derivative for g in gs], a, h),
    )


def layer_activations(static: Static, member: Member) -> tuple[Activation, ...]:
    """The activation of each hidden layer: the member's; ``identity`` beyond a packed member's
    depth."""
    depth_max = len(static.sizes) - 2
    if not static.packed:
        return (_switched(static.activations, member.activation),) * depth_max
    identity = static.activations.index(IDENTITY)
    codes = [jnp.where(j < member.depth, member.activation, identity) for j in range(depth_max)]
    return tuple(_switched(static.activations, c) for c in codes)


def _accuracy(a_L: jax.Array, y: jax.Array) -> jax.Array:
    if jnp.issubdtype(y.dtype, jnp.integer):
        return accuracy(a_L, y)
    return jnp.full((), jnp.nan, jnp.float32)


def _targets(static: Static, y):
    return targets_for(static.loss, y, static.sizes[-1])


def _logits_and_loss(static: Static, gs, params, x, y):
    a_L, cache, loss, _ = _forward_loss(static, gs, params, x, y)
    return a_L, cache, loss


def _forward_loss(static: Static, gs, params, x, y):
    """(a_L, cache, loss, y_hat) of the network on (x, y)."""
    x = jnp.asarray(x, params[0].W.dtype)
    y_hat, cache = forward(params, x, activation=gs, output=static.output)
    a_L = cache.a[-1]
    loss = loss_from_logits(a_L, _targets(static, y), output=static.output, loss=static.loss)
    return a_L, cache, loss, y_hat


def errors(y_hat: jax.Array, y: jax.Array) -> jax.Array:
    r"""A regression's errors per output column, in network units: float32 (2, k), the mean
    squared and the mean absolute error (`regression_scores` turns them into MSE, RMSE, MAE and
    R^2 in the targets' units); (2, 0) for class labels.

    .. math:: e_j = \tfrac1N \textstyle\sum_i (\hat y_{ij} - y_{ij})^2, \quad
        a_j = \tfrac1N \textstyle\sum_i |\hat y_{ij} - y_{ij}|
    """
    if jnp.issubdtype(y.dtype, jnp.integer):
        return jnp.zeros((2, 0), jnp.float32)
    err = (y_hat - jnp.reshape(y, y_hat.shape).astype(y_hat.dtype)).astype(jnp.float32)
    return jnp.stack([jnp.mean(err**2, axis=0), jnp.mean(jnp.abs(err), axis=0)])


def gradients(static: Static, gs, params, x, y):
    """(loss, logits, grads) of one minibatch, by Algorithm 6 or by `jax.grad`."""
    if static.grad == "explicit":
        a_L, cache, loss = _logits_and_loss(static, gs, params, x, y)
        grads = backprop(
            params,
            cache,
            _targets(static, y),
            activation=gs,
            output=static.output,
            loss=static.loss,
        )
        return loss, a_L, grads

    def objective(p):
        a_L, _, loss = _logits_and_loss(static, gs, p, x, y)
        return loss, a_L

    (loss, a_L), grads = jax.value_and_grad(objective, has_aux=True)(params)
    return loss, a_L, grads


def evaluate(static: Static, gs, params, x, y) -> tuple[jax.Array, jax.Array]:
    """The mean loss and the accuracy (NaN for regression) of ``params`` on (x, y)."""
    y = jnp.asarray(y)
    a_L, _, loss = _logits_and_loss(static, gs, params, x, y)
    return loss, _accuracy(a_L, y)


def permutation(key: jax.Array, n: int) -> jax.Array:
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


def epoch(static: Static, member: Member, state: TrainState, data: Dataset):
    """One epoch of the member: shuffle, one `lax.scan` of optimizer steps, then validation.

    The permutation's key is split from ``state.key``; the last ``n_train % batch_size`` examples
    of the permutation are dropped.

    Returns:
      ``(state, metrics)``: the state after the epoch and its `EpochMetrics`.
    """
    return _epoch(static, member, state, data, *_pieces(static, member, data))[:2]


def _pieces(static: Static, member: Member, data: Dataset):
    steps = steps_per_epoch(static, data)
    return layer_activations(static, member), transformation(static, member, steps)


def _epoch(static, member, state, data, gs, tx):
    n, batch = int(data.x_train.shape[0]), static.batch_size
    steps = n // batch
    key, perm_key = jax.random.split(state.key)
    batches = permutation(perm_key, n)[: steps * batch].reshape(steps, batch)
    # the run's dtype, the parameters': no silent downcast
    x_train = jnp.asarray(data.x_train, jax.tree.leaves(state.params)[0].dtype)
    y_train = jnp.asarray(data.y_train)
    mask = update_mask(static, member)

    def step(carry, idx):
        params, opt_state = carry
        x, y = x_train[idx], y_train[idx]
        loss, a_L, grads = gradients(static, gs, params, x, y)
        updates, new_state = tx.update(grads, opt_state, params)
        # the state keeps its dtypes (bfloat16 moments updated with float32 hyperparameters)
        new_state = jax.tree.map(lambda new, old: new.astype(old.dtype), new_state, opt_state)
        if mask is not None:
            updates = jax.tree.map(lambda u, m: jnp.where(m, u, jnp.zeros_like(u)), updates, mask)
        return (apply_updates(params, updates), new_state), (loss, _accuracy(a_L, y))

    (params, opt_state), (losses, accs) = jax.lax.scan(
        step, (state.params, state.opt_state), batches
    )
    metrics, val_errors = epoch_metrics(static, gs, params, losses, accs, data)
    new = TrainState(params, opt_state, state.epoch + 1, key)
    check(
        jnp.isfinite(metrics.train_loss) & jnp.isfinite(metrics.val_loss),
        "epoch {epoch}: the loss is not finite (train {train}, validation {val}): the run diverged",
        epoch=new.epoch,
        train=metrics.train_loss,
        val=metrics.val_loss,
    )
    return new, metrics, val_errors


def epoch_metrics(static, gs, params, losses, accs, data: Dataset):
    """An epoch's `EpochMetrics` (means over its minibatches, then the validation split) and
    the validation split's `errors`."""
    y = jnp.asarray(data.y_val)
    a_L, _, val_loss, y_hat = _forward_loss(static, gs, params, data.x_val, y)
    metrics = EpochMetrics(jnp.mean(losses), jnp.mean(accs), val_loss, _accuracy(a_L, y))
    return metrics, errors(y_hat, y)


def run_epochs(static: Static, member: Member, state: TrainState, data: Dataset, epochs: int):
    """``epochs`` epochs (static) from ``state``: one `lax.scan` of `epoch`."""
    gs, tx = _pieces(static, member, data)
    return jax.lax.scan(
        lambda s, _: _epoch(static, member, s, data, gs, tx)[:2], state, None, length=epochs
    )


# --- the programs' functions of one member ---


def init_member(static: Static, member: Member, data: Dataset, divergence: bool = False) -> Init:
    """The member's initial state; with ``divergence``, the training split's loss of its initial
    network and of the all-zero network (what the divergence test compares with)."""
    state = init_state(static, member, steps_per_epoch(static, data))
    nan = jnp.full((), jnp.nan, jnp.float32)
    if not divergence:
        return Init(state, nan, nan)
    gs = layer_activations(static, member)
    initial, _ = evaluate(static, gs, state.params, data.x_train, data.y_train)
    zero = jax.tree.map(jnp.zeros_like, state.params)
    baseline, _ = evaluate(static, gs, zero, data.x_train, data.y_train)
    return Init(state, initial.astype(jnp.float32), baseline.astype(jnp.float32))


def train_member(
    static: Static,
    member: Member,
    state: TrainState,
    target,
    test,
    data: Dataset,
    with_test: bool = True,
) -> Outcome:
    """Trains the member from ``state`` to epoch ``target`` (traced; at most ``static.epochs``)
    in a `lax.while_loop`, then, where ``test`` (traced), evaluates the test split; without
    ``with_test`` (static: a solo run evaluates it in its other program) never."""
    gs, tx = _pieces(static, member, data)
    k = _error_columns(data.y_val)
    nan = jnp.full((static.epochs,), jnp.nan, jnp.float32)
    buffer = (EpochMetrics(*(nan,) * 4), jnp.full((static.epochs, 2, k), jnp.nan, jnp.float32))

    def body(carry):
        s, buf = carry
        new, m, e = _epoch(static, member, s, data, gs, tx)
        buf = jax.tree.map(lambda b, v: b.at[s.epoch].set(v.astype(jnp.float32)), buf, (m, e))
        return new, buf

    target = jnp.minimum(target, static.epochs)
    state, (buffer, val_errors) = jax.lax.while_loop(
        lambda c: c[0].epoch < target, body, (state, buffer)
    )
    if with_test:
        tested = jax.lax.cond(
            test,
            lambda p: _test(static, gs, p, data),
            lambda p: _no_test(static, data),
            state.params,
        )
    else:
        tested = _no_test(static, data)
    test_loss, test_acc, confusion, test_errors = tested
    leaves = jax.tree.leaves(state.params)
    finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(p)) for p in leaves]))
    return Outcome(state, buffer, test_loss, test_acc, confusion, finite, val_errors, test_errors)


def fresh_member(static: Static, member: Member, target, test, data: Dataset):
    """A sweep member's whole run in one program: `init_member` (with the divergence test's
    losses), then `train_member` from it: ``(outcome, init)``, the init's state left out."""
    init = init_member(static, member, data, divergence=True)
    outcome = train_member(static, member, init.state, target, test, data)
    return outcome, init._replace(state=None)


class Test(NamedTuple):
    """A network's evaluation on a labelled split.

    Attributes:
      loss: the mean loss.
      accuracy: the accuracy (NaN for regression).
      classes: int32 (n,), the predicted class of every row.
      confusion: int32 (k, k) counts, rows true, columns predicted; (0, 0) for regression.
      errors: the regression's `errors` (2, k); (2, 0) for class labels.
    """

    loss: jax.Array
    accuracy: jax.Array
    classes: jax.Array
    confusion: jax.Array
    errors: jax.Array


def _classes(static: Static, y) -> int:
    """The confusion matrix's width: the classes of integer labels; 0 for regression and for
    more than `MAX_CONFUSION_CLASSES` classes (no matrix is made, rather than a huge one)."""
    k = max(2, static.sizes[-1])
    if not jnp.issubdtype(jnp.result_type(y), jnp.integer) or k > MAX_CONFUSION_CLASSES:
        return 0
    return k


def test_split(static: Static, gs, params, x, y) -> Test:
    """`Test` of ``params`` on (x, y): one forward pass."""
    y = jnp.asarray(y)
    a_L, _, loss, y_hat = _forward_loss(static, gs, params, x, y)
    classes = predicted_classes(a_L)
    k = _classes(static, y)
    confusion = confusion_matrix(y, classes, k) if k else jnp.zeros((0, 0), jnp.int32)
    return Test(loss.astype(jnp.float32), _accuracy(a_L, y), classes, confusion, errors(y_hat, y))


def init_and_test(static: Static, member: Member, params, x, y) -> tuple[TrainState, Test]:
    """A solo run's other program: the member's initial state, and the `Test` of ``params``
    on (x, y). `jaxnn.fit` calls it first for the state, last for the test split; ``jaxnn
    evaluate`` and ``jaxnn predict`` call it for their data: the same numbers, bit for bit."""
    gs = layer_activations(static, member)
    return init_state(static, member), test_split(static, gs, params, x, y)


def _test(static, gs, params, data):
    t = test_split(static, gs, params, data.x_test, data.y_test)
    return t.loss, t.accuracy, t.confusion, t.errors


def _no_test(static, data):
    k = _classes(static, data.y_test)
    nan = jnp.full((), jnp.nan, jnp.float32)
    errs = jnp.full((2, _error_columns(data.y_test)), jnp.nan, jnp.float32)
    return nan, nan, jnp.zeros((k, k), jnp.int32), errs


def _error_columns(y) -> int:
    """The columns of a split's `errors`: its targets' (0 for class labels)."""
    if jnp.issubdtype(jnp.result_type(y), jnp.integer):
        return 0
    return int(np.prod(np.shape(y)[1:], dtype=int)) if np.ndim(y) > 1 else 1

"""``jaxnn.fit``: the Python driver of training, what ``jaxnn train`` runs.

It loads and checks the data (a name, arrays or a `Dataset`), puts them on the device once and
runs the engine's two programs (`jaxnn.training._programs`): one initializes the network from the
seed and evaluates a network on the test split (loss, accuracy, confusion matrix: the numbers
``jaxnn evaluate`` gives), the other trains to a target epoch. The optimizer, activation, init,
hyperparameters, seed and epochs are arrays of the programs, so a later fit of the same
architecture compiles nothing. With a progress bar, ``on_epoch`` or ``save_every`` the training
program is called once per epoch (or per chunk) with a new target, updating the bar between calls
(nothing is printed from inside jitted code); each call is dispatched before the last one's
metrics are fetched, so the host's work overlaps training. It times training apart from
compilation and can save and resume checkpoints.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxnn._util import FileLock, available_memory, check_output_paths, progress_bar
from jaxnn._validation import check_fits_dtype, check_int_range
from jaxnn.feedforward._network import Dense
from jaxnn.training import _engine as engine
from jaxnn.training._checkpoint import load_checkpoint, params_sha256, save_checkpoint
from jaxnn.training._config import (
    HParams,
    TrainConfig,
    TrainState,
    check_config,
    check_data,
    make_hparams,
)
from jaxnn.training._data import (
    Dataset,
    Preprocessing,
    check_dataset,
    default_output,
    is_classification,
    output_width,
    split_dataset,
)
from jaxnn.training._metrics import regression_scores, target_units
from jaxnn.training._optimizers import HYPERPARAMETERS, check_schedule, is_transformation
from jaxnn.training._precision import check_dtype, data_dtype
from jaxnn.training._programs import Request, compiled
from jaxnn.training._settings import SETTINGS, check_setting
from jaxnn.training._sources import load_dataset
from jaxnn.training._targets import regression_problem

__all__ = ["FitResult", "fit"]

HISTORY_KEYS = ("epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy")
REGRESSION_KEYS = ("val_rmse", "val_mae", "val_r2")
"""History keys of a regression: the validation split's RMSE, MAE (in the targets' units) and R^2,
from the errors the training program measures (`jaxnn.training._metrics.regression_scores`)."""


class FitResult(NamedTuple):
    """What `fit` returns.

    Attributes:
      params: the trained network, a tuple of `Dense`.
      state: the final `TrainState` (for `save_checkpoint` or more epochs).
      config: the `TrainConfig` used.
      hparams: the `HParams` used.
      dataset: the data set's name.
      history: per-epoch lists under ``epoch``, ``train_loss``, ``train_accuracy``, ``val_loss``,
        ``val_accuracy`` (including the epochs of a resumed checkpoint).
      test_loss: the loss on the test split.
      test_accuracy: the accuracy on the test split (NaN for regression).
      confusion_matrix: (k, k) int counts on the test split (rows true, columns predicted), or
        None for regression.
      train_seconds: wall time of the epochs run by this call, from the first call of the
        training program to the last epoch's metrics; compilation and checkpoint saving excluded.
      compile_seconds: the time to compile the run's programs (0 when an earlier fit of the same
        shapes compiled them).
      samples_trained: examples in the minibatches of this call's epochs.
      train_samples_per_second: ``samples_trained / train_seconds``.
      params_sha256: SHA-256 over the bytes of every parameter array, in tree order.
      preprocessing: how raw inputs became the network's inputs (saved with the checkpoint);
        ``jaxnn.predict(result, x)`` applies it to raw ``x``.
      target_preprocessing: how raw regression targets became the network's targets (z-scores,
        by default); ``jaxnn.predict(result, x)`` gives outputs in the targets' units.
      test_mse: regression: the test split's mean squared error in the targets' units (NaN for
        classification); likewise ``test_rmse``, ``test_mae`` and ``test_r2`` (R^2).
    """

    params: tuple[Dense, ...]
    state: TrainState
    config: TrainConfig
    hparams: HParams
    dataset: str
    history: dict[str, list]
    test_loss: float
    test_accuracy: float
    confusion_matrix: np.ndarray | None
    train_seconds: float
    compile_seconds: float
    samples_trained: int
    train_samples_per_second: float
    params_sha256: str
    preprocessing: Preprocessing | None = None
    target_preprocessing: Preprocessing | None = None
    test_mse: float = float("nan")
    test_rmse: float = float("nan")
    test_mae: float = float("nan")
    test_r2: float = float("nan")

    @property
    def model(self):
        """The trained `jaxnn.training.Model` (config, params, preprocessing)."""
        from jaxnn.training._model import Model

        pre = self.preprocessing if self.preprocessing is not None else Preprocessing()
        target = self.target_preprocessing or Preprocessing()
        task = "classification" if self.confusion_matrix is not None else None
        if self.target_preprocessing is not None or math.isfinite(self.test_rmse):
            task = "regression"
        data = {"task": task} if task else None
        return Model(
            self.config,
            self.params,
            pre,
            self.dataset,
            data,
            self.history,
            target_preprocessing=target,
        )


def _fit_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """Every setting of `fit`: the caller's values over the table's defaults, names checked (every
    row of the table but ``sizes`` and ``dataset``, read now)."""
    rows = [s for s in SETTINGS if s.name not in ("sizes", "dataset")]
    unknown = sorted(set(settings) - {s.name for s in rows})
    if unknown:
        valid = ", ".join(sorted(s.name for s in rows))
        raise TypeError(f"fit got unknown setting(s) {unknown}; valid: {valid}")
    return {s.name: settings.get(s.name, s.default) for s in rows}


def _data_settings() -> tuple[str, ...]:
    """The data settings a checkpoint stores (``jaxnn evaluate`` splits the data the same way)."""
    return tuple(s.name for s in SETTINGS.of_kind("data") if s.name not in ("dataset", "data_dir"))


def fit(
    data: str | Dataset | tuple = "digits",
    *,
    hidden_sizes: Sequence[int] | None = None,
    config: TrainConfig | None = None,
    hparams: HParams | None = None,
    resume: str | os.PathLike | None = None,
    save: str | os.PathLike | None = None,
    save_every: int | None = None,
    progress: bool = False,
    name: str | None = None,
    on_epoch: Callable[[dict[str, float]], None] | None = None,
    **settings: Any,
) -> FitResult:
    """Trains a feed-forward network and evaluates it on the test split.

    Every setting of the settings table (`jaxnn.training.SETTINGS`) is a keyword, with the
    table's defaults: digits, 2 hidden layers of 128 tanh units, softmax with cross-entropy (a
    linear output with mse for regression), adam 1e-3, batch 32, 30 epochs, Xavier init,
    float32, seed 0. ``optimizer`` may be an `optax.GradientTransformation` and
    ``learning_rate`` a schedule. The documentation has the rest: the data forms, scaling,
    regression and dtypes in docs/data.md, what is compiled and the history in docs/training.md.

    Args:
      data: a data set name (see `load_dataset`), a tuple of raw arrays ``(x, y)``,
        ``(x, y, x_test, y_test)`` or ``(x, y, x_test, y_test, x_val, y_val)``, or a `Dataset`.
      hidden_sizes: the hidden widths; default ``num_layers`` layers of ``hidden_size``. The input
        and output widths come from the data (one output for binary cross-entropy).
      config: a full `TrainConfig`, replacing the model and training settings.
      hparams: `HParams`, replacing the hyperparameter settings.
      resume: a checkpoint to continue from (same settings; ``epochs`` is the total to reach).
      save: where to write the checkpoint (atomically), locked for the run.
      save_every: also save every this many epochs (needs ``save``).
      progress: show a progress bar over epochs with the current metrics (on stderr).
      name: the data set's name for the result and the checkpoint (default: ``data`` if it is a
        name, else "custom"); resuming checks it.
      on_epoch: called after every epoch with that epoch's row of the history, from Python
        between calls of the training program.
      **settings: the settings of the table, by name.

    Returns:
      A `FitResult`.

    Raises:
      ValueError: for bad settings or data (naming them), a schedule that does not return a
        scalar, a hyperparameter given with a user's transformation, or a checkpoint that does
        not match (or of format 1, which no longer resumes).
      TypeError: for an unknown setting, or an ``optimizer`` that is neither a name nor an
        `optax.GradientTransformation` (naming what was given).
    """
    s = _fit_settings(settings)
    s["_dtype_given"] = "dtype" in settings
    s["_loss_given"] = "loss" in settings
    _custom_optimizer(s, settings)
    if save_every is not None:
        save_every = check_int_range("save_every", save_every, 1, 10**9)
        if save is None:
            raise ValueError("save_every needs save: the path of the checkpoint to write")
    if save is not None:  # nothing read is written over (a resumed run saves where it was)
        file = data.partition(":")[2] if isinstance(data, str) and ":" in data else None
        check_output_paths({"save": save}, inputs={"data": file})
    with FileLock(save, "checkpoint") if save is not None else contextlib.nullcontext():
        run = _prepare(data, s, hidden_sizes, config, hparams, name)
        return _train(run, resume, save, save_every, progress, on_epoch)


def _custom_optimizer(s: dict[str, Any], given: dict[str, Any]) -> None:
    """A schedule given as ``learning_rate`` becomes the ``lr_schedule``; a user's optax
    transformation takes no hyperparameter of the course's optimizers (it holds its own)."""
    if callable(s["learning_rate"]):
        if given.get("lr_schedule", "constant") != "constant":
            raise ValueError(
                f"learning_rate is a schedule and lr_schedule={given['lr_schedule']!r} is "
                f"another: give one of them"
            )
        s["lr_schedule"] = check_schedule(s["learning_rate"], "learning_rate")
        s["learning_rate"] = SETTINGS.named("learning_rate").default
    if is_transformation(s["optimizer"]):
        clash = [k for k in HYPERPARAMETERS if k in given]
        if clash or given.get("lr_schedule", "constant") != "constant":
            what = clash[0] if clash else "lr_schedule"
            raise ValueError(
                f"{what}={given[what]!r} does not apply to a user's optax transformation "
                f"(optimizer=...): it holds its own hyperparameters and schedule; build it with "
                f"them"
            )


class _Run(NamedTuple):
    """A fit's checked inputs: its data, config, hyperparameters, seed, the data set's name and
    what its checkpoints save beside the state."""

    data: Dataset
    config: TrainConfig
    hparams: HParams
    seed: int
    name: str
    saved: dict[str, Any]


def _prepare(data, s, hidden_sizes, config, hparams, name) -> _Run:
    """Loads and checks the data, builds and checks the config and the hyperparameters."""
    for key in ("seed", "data_seed"):
        s[key] = check_setting(key, s[key])
    if config is not None:
        config = check_config(config)
    data, name = _load(data, s, config, name)
    _check_task(data, s)
    if config is None:
        config = _config_of(data, s, hidden_sizes)
    config = check_config(config)
    _check_regression(config, data)
    _check_memory(config)
    for split in ("train", "val", "test"):
        check_data(config, getattr(data, f"x_{split}"), getattr(data, f"y_{split}"), split)
        check_fits_dtype(f"x_{split}", getattr(data, f"x_{split}"), config.dtype)
    n = int(data.x_train.shape[0])
    if config.batch_size > n:
        raise ValueError(
            f"batch_size {config.batch_size} is larger than the training data ({n} samples)"
        )
    if hparams is None:
        hparams = make_hparams(**{f: s[f] for f in HParams._fields})
    task = "classification" if is_classification(data) else "regression"
    saved = {
        "preprocessing": data.preprocessing,
        "target_preprocessing": data.target_preprocessing,
        "data": {
            **{k: s[k] for k in _data_settings()},
            "task": task,
            "source": getattr(data, "source", None),
        },
    }
    return _Run(data, config, hparams, s["seed"], name, saved)


def _load(data, s, config, name) -> tuple[Dataset, str]:
    """The `Dataset` of ``data`` (a name, raw arrays or a `Dataset`), in the run's dtype, and
    the data set's name."""
    arrays = isinstance(data, tuple) and not isinstance(data, Dataset)
    if config is not None:
        dtype = config.dtype
    elif s["_dtype_given"]:
        dtype = check_setting("dtype", s["dtype"])
    elif arrays and data:
        dtype = data_dtype(data[0])
    else:
        dtype = data_dtype(data.x_train) if isinstance(data, Dataset) else "float32"
    s["dtype"] = dtype
    grad = config.grad if config is not None else check_setting("grad", s["grad"])
    check_dtype(dtype, grad=grad)
    split = {
        "val_fraction": s["val_fraction"],
        "seed": s["data_seed"],
        "dtype": dtype,
        "standardize": s["standardize"],
        "task": s["task"],
        "standardize_targets": s["standardize_targets"],
    }
    if isinstance(data, str):
        name = name or data
        data = load_dataset(data, data_dir=s["data_dir"], label_column=s["label_column"], **split)
    elif arrays:
        if len(data) not in (2, 4, 6):
            raise ValueError(
                f"data as a tuple is (x, y), (x, y, x_test, y_test) or (x, y, x_test, y_test, "
                f"x_val, y_val); got {len(data)} arrays"
            )
        names = ("x_test", "y_test", "x_val", "y_val")
        data = split_dataset(data[0], data[1], **dict(zip(names, data[2:])), **split)
    return check_dataset(data), name or "custom"


def _config_of(data: Dataset, s: dict[str, Any], hidden_sizes) -> TrainConfig:
    """The `TrainConfig` of the settings on ``data``: its input and output widths, the loss
    and output of its task."""
    if hidden_sizes is None:
        layers = check_setting("num_layers", s["num_layers"])
        hidden_sizes = [check_setting("hidden_size", s["hidden_size"])] * layers
    static = {f: s[f] for f in TrainConfig._fields if f != "sizes"}
    if not s["_loss_given"] and not is_classification(data):
        static["loss"] = "mse"  # the loss of real targets; cross-entropy for labels
    static["output"] = default_output(data, static["loss"], static["output"])
    sizes = (int(data.x_train.shape[1]), *hidden_sizes, output_width(data, static["loss"]))
    return TrainConfig(sizes, **static)


def _train(run: _Run, resume, save, save_every, progress, on_epoch) -> FitResult:
    """Trains ``run`` (from ``resume``), saving as asked, and evaluates the test split."""
    config, hparams = run.config, run.hparams
    keys = HISTORY_KEYS + (() if is_classification(run.data) else REGRESSION_KEYS)
    history: dict[str, list] = {k: [] for k in keys}
    state = None
    if resume is not None:
        ck = load_checkpoint(resume, config, hparams=hparams, dataset=run.name)
        state = ck.state
        if ck.history:
            history = {k: list(ck.history.get(k, [])) for k in keys}
        if int(state.epoch) >= config.epochs:
            raise ValueError(
                f"{resume} has completed {int(state.epoch)} epochs; ask for more with "
                f"epochs (-e/--epochs) > {int(state.epoch)}: the total to reach"
            )
    device_data = jax.device_put(Dataset(*tuple(run.data)))  # placed once (jnp would compile)
    solo = _Solo(run, device_data)
    if state is None:
        state = solo.initial()
    first = int(state.epoch)

    def save_now(state) -> None:
        save_checkpoint(
            save, state, config, hparams=hparams, dataset=run.name, history=history, **run.saved
        )

    # Python only between calls of the program: one call, or one epoch at a time for the bar
    chunk = 1 if progress or on_epoch is not None else config.epochs - first
    if save_every is not None:
        chunk = min(chunk, save_every)
    stops = list(range(first + chunk, config.epochs, chunk)) + [config.epochs]
    held = {u for u in stops if save_every is not None and u % save_every == 0}
    bar = progress_bar(config.epochs, desc="train", unit="epoch", enabled=progress, initial=first)
    derive = _regression_history(run.data)
    start, saving = time.perf_counter(), 0.0
    try:
        for until, rows, done in solo.calls(state, stops, held):
            for row in rows:
                errors = row.pop("val_errors")
                if derive is not None:
                    row.update(derive(errors))
                for k in keys:
                    history[k].append(row[k])
                if on_epoch is not None:
                    on_epoch(row)
            if done is not None:  # a stop in held, or the last
                state = done
                if save_every is not None:
                    began = time.perf_counter()
                    save_now(state)
                    saving += time.perf_counter() - began
            bar.update(len(rows))
            bar.set_postfix(
                **{k: f"{history[v][-1]:.4f}" for k, v in _BAR.items()},
            )
    finally:
        bar.close()
    seconds = time.perf_counter() - start - saving
    if save is not None and save_every is None:
        save_now(state)
    return _result(run, solo, state, history, first, seconds)


_BAR = {
    "loss": "train_loss",
    "acc": "train_accuracy",
    "val_loss": "val_loss",
    "val_acc": "val_accuracy",
}


class _Solo:
    """A fit's compiled programs, from the process's cache or compiled side by side: the
    ``solo`` program (the initial state, and the test split's evaluation: the numbers ``jaxnn
    evaluate`` gives) and the ``train`` program; their compile seconds."""

    def __init__(self, run: _Run, data: Dataset) -> None:
        config = run.config
        self.static = engine.static_of(
            config,
            activations=engine.solo_activations(config.activation),
            epochs=engine.epochs_bucket(config.epochs),
        )
        key = engine.seed_key(run.seed)
        # on the device once: every call of the programs takes it
        self.member = jax.device_put(engine.member_of(self.static, config, run.hparams, key))
        self.data = data
        shapes = jax.eval_shape(lambda m: engine.init_state(self.static, m), self.member)
        self.zeros = jax.tree.map(lambda t: np.zeros(t.shape, t.dtype), shapes.params)
        solo = Request("solo", self.static, (self.member, self.zeros, data.x_test, data.y_test))
        args = (self.member, shapes, np.int32(0), np.bool_(False), data)
        train = Request("train", self.static, args, test=False)
        (self.solo, self.program), self.compile_seconds = compiled([solo, train])

    def initial(self) -> TrainState:
        """The member's initial state (from its seed)."""
        return self.solo(self.member, self.zeros, self.data.x_test, self.data.y_test)[0]

    def calls(
        self, state: TrainState, stops: Sequence[int], held: set[int]
    ) -> Iterator[tuple[int, list[dict[str, Any]], TrainState | None]]:
        """Trains from ``state`` (taken over: do not use it after) through each target epoch of
        ``stops``, one call each: ``(until, rows, state)`` per call, one row of metrics per
        epoch run (with its ``val_errors``).

        The next call is dispatched before this call's metrics are fetched, so that the host's
        work between calls (a progress bar, ``on_epoch``) runs while the device trains. The
        state is given (else None) at each stop in ``held`` and at the last, where the next
        call waits for the caller (to save it).
        """
        first, waiting = int(state.epoch), None
        for until in stops:
            out = self.program(self.member, state, np.int32(until), np.bool_(False), self.data)
            state = out.state
            if waiting is not None:
                yield waiting[1], self._rows(*waiting), None
            waiting = (first, until, out)
            first = until
            if until in held or until == stops[-1]:
                yield until, self._rows(*waiting), state
                waiting = None

    @staticmethod
    def _rows(first: int, until: int, out: engine.Outcome) -> list[dict[str, Any]]:
        metrics, errors = jax.device_get((out.metrics, out.val_errors))  # waits for the call
        rows = []
        for i in range(first, until):
            row = {"epoch": i + 1, **{k: float(v[i]) for k, v in metrics._asdict().items()}}
            rows.append({**row, "val_errors": errors[i]})
        return rows

    def test(self, params) -> engine.Test:
        """The test split's `Test` (what ``jaxnn evaluate`` computes), on the host."""
        test = self.solo(self.member, params, self.data.x_test, self.data.y_test)[1]
        return jax.device_get(test)


def _result(
    run: _Run, solo: _Solo, state: TrainState, history, first: int, seconds: float
) -> FitResult:
    """The `FitResult`: the test split's evaluation and what the run measured (``seconds`` of
    training)."""
    config, data = run.config, run.data
    test = solo.test(state.params)
    cm, regression = None, {}
    if is_classification(data):  # no matrix beyond MAX_CONFUSION_CLASSES classes
        cm = np.asarray(test.confusion) if np.size(test.confusion) else None
    else:
        scale, variance = target_units(data.target_preprocessing, data.y_test)
        scores = regression_scores(test.errors, scale, variance)
        regression = {f"test_{k}": float(v) for k, v in scores.items()}
    n = int(data.x_train.shape[0])
    samples = (config.epochs - first) * (n // config.batch_size) * config.batch_size
    return FitResult(
        params=state.params,
        state=state,
        config=config,
        hparams=run.hparams,
        dataset=run.name,
        history=history,
        test_loss=float(test.loss),
        test_accuracy=float(test.accuracy),
        confusion_matrix=cm,
        train_seconds=seconds,
        compile_seconds=solo.compile_seconds,
        samples_trained=samples,
        train_samples_per_second=samples / seconds if seconds > 0 else float("nan"),
        params_sha256=params_sha256(state.params),
        preprocessing=data.preprocessing,
        target_preprocessing=data.target_preprocessing,
        **regression,
    )


def _check_task(data: Dataset, s: dict[str, Any]) -> None:
    """A task given for a `Dataset` must be the task of its targets."""
    task = check_setting("task", s["task"])
    if task != "auto" and (task == "classification") != is_classification(data):
        held = "class labels" if is_classification(data) else "regression targets"
        raise ValueError(
            f"task {task}, but the data hold {held}: make the Dataset with "
            f"split_dataset(..., task={task!r}) (or load_dataset(..., task={task!r}))"
        )


def _check_regression(config: TrainConfig, data: Dataset) -> None:
    """Regression needs a loss and an output of real values (never cross-entropy, softmax)."""
    if is_classification(data):
        return
    standardized = data.target_preprocessing is not None and (
        data.target_preprocessing.kind != "none"
    )
    problem = regression_problem(config.loss, config.output, standardized)
    if problem:
        raise ValueError(f"task regression: {problem}")


def _check_memory(config: TrainConfig) -> None:
    """Refuses, before anything is allocated, a network whose parameters, gradients and optimizer
    state (about five copies of the parameters) exceed the memory available."""
    sizes = config.sizes
    count = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    need = 5 * count * jnp.dtype(config.dtype).itemsize
    free = available_memory()
    if free is not None and need > free:
        raise ValueError(
            f"the network {' -> '.join(map(str, sizes))} has {count} parameters: with gradients "
            f"and optimizer state an estimated {need / 2**30:.1f} GiB, more than the "
            f"{free / 2**30:.1f} GiB of memory available"
        )


def _regression_history(data: Dataset):
    """For a regression: a function of an epoch's validation `errors` (2, k) giving its history
    entries ``val_rmse``, ``val_mae`` (the targets' units) and ``val_r2``; None for classes."""
    if is_classification(data):
        return None
    scale, variance = target_units(data.target_preprocessing, data.y_val)

    def derive(errors) -> dict[str, float]:
        scores = regression_scores(errors, scale, variance)
        return {f"val_{k}": float(scores[k]) for k in ("rmse", "mae", "r2")}

    return derive

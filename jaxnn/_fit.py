"""``jaxnn.fit``: the Python driver of training, what ``jaxnn train`` runs.

It loads and checks the data, puts them on the device once, compiles one epoch (`train_epoch`
under `jax.jit`) and calls it once per epoch, updating a progress bar between calls (nothing is
printed from inside jitted code). It times training apart from compilation, evaluates the test
split and can save and resume checkpoints.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxnn._checkpoint import load_checkpoint, params_sha256, save_checkpoint
from jaxnn._data import Dataset, check_dataset, is_classification, load_dataset, num_outputs
from jaxnn._feedforward import Dense
from jaxnn._metrics import confusion_matrix as _confusion_matrix
from jaxnn._training import (
    HParams,
    TrainConfig,
    TrainState,
    _check_data,
    check_config,
    evaluate,
    init_state,
    make_hparams,
    predict,
    train_epoch,
)

__all__ = ["FitResult", "fit"]

HISTORY_KEYS = ("epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy")

_init_jit = jax.jit(init_state, static_argnums=0)
_epoch_jit = jax.jit(train_epoch, static_argnums=0)
_evaluate_jit = jax.jit(evaluate, static_argnums=0)
_predict_jit = jax.jit(predict, static_argnums=0)


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
      train_seconds: wall time of the epochs run by this call, compilation excluded.
      compile_seconds: the time to compile one epoch.
      samples_trained: examples in the minibatches of this call's epochs.
      train_samples_per_second: ``samples_trained / train_seconds``.
      params_sha256: SHA-256 over the bytes of every parameter array, in tree order.
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


def _progress(total: int, initial: int, enabled: bool):
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is in the demo extra
        return None
    return tqdm(total=total, initial=initial, desc="train", unit="epoch", file=sys.stderr)


def fit(
    data: str | Dataset = "digits",
    *,
    hidden_sizes: Sequence[int] = (128, 128),
    activation: str = "tanh",
    loss: str = "cross_entropy",
    optimizer: str = "adam",
    batch_size: int = 32,
    epochs: int = 30,
    weight_init: str = "xavier",
    grad: str = "explicit",
    learning_rate: float = 1e-3,
    momentum: float = 0.9,
    beta: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    init_scale: float = 1.0,
    seed: int = 0,
    data_dir: str | os.PathLike | None = None,
    val_fraction: float = 0.1,
    data_seed: int = 0,
    config: TrainConfig | None = None,
    hparams: HParams | None = None,
    resume: str | os.PathLike | None = None,
    save: str | os.PathLike | None = None,
    progress: bool = False,
    name: str | None = None,
) -> FitResult:
    """Trains a feed-forward network and evaluates it on the test split.

    With no arguments: digits, 2 hidden layers of 128 tanh units, softmax with cross-entropy,
    adam with learning rate 1e-3, batch 32, 30 epochs, Xavier initialization, seed 0.

    Args:
      data: a data set name (see `load_dataset`) or a `Dataset`.
      hidden_sizes: the hidden widths; the input and output widths come from the data.
      activation: the hidden activation.
      loss: cross_entropy or mse (mean_squared_error). The output is softmax for class labels
        and linear for regression targets.
      optimizer: sgd, momentum, nag, rmsprop, adagrad, adam or nadam.
      batch_size: minibatch size (the last partial minibatch of each epoch is dropped).
      epochs: the number of epochs; when resuming, the total to reach.
      weight_init: random, xavier or he.
      grad: explicit (Algorithm 6) or autodiff (`jax.grad`).
      learning_rate: see `make_hparams`; likewise momentum, beta, beta1, beta2, eps,
        weight_decay and init_scale.
      momentum: momentum of momentum and nag.
      beta: rmsprop's decay.
      beta1: adam's beta1.
      beta2: adam's beta2.
      eps: the optimizers' epsilon.
      weight_decay: L2 coefficient on the weight matrices.
      init_scale: multiplies the initial weights.
      seed: the training seed: the key is ``jax.random.PRNGKey(seed)``.
      data_dir: the IDX directory for mnist and fashion_mnist.
      val_fraction: share of the training data held out for validation.
      data_seed: seed of the data split (independent of ``seed``).
      config: a full `TrainConfig`, replacing the model and training arguments above.
      hparams: `HParams`, replacing the hyperparameter arguments above.
      resume: a checkpoint to continue from (same settings; ``epochs`` is the total to reach).
      save: where to write the final checkpoint (atomically).
      progress: show a progress bar over epochs with the current metrics (on stderr).
      name: the data set's name for the result and the checkpoint (default: ``data`` if it is a
        name, else "custom"); resuming checks it.

    Returns:
      A `FitResult`.

    Raises:
      ValueError: for bad settings or data (naming them), or a checkpoint that does not match.
    """
    if isinstance(data, str):
        name = name or data
        data = load_dataset(data, data_dir=data_dir, val_fraction=val_fraction, seed=data_seed)
    name = name or "custom"
    check_dataset(data)
    classification = is_classification(data)
    if config is None:
        sizes = (int(data.x_train.shape[1]), *hidden_sizes, num_outputs(data))
        output = "softmax" if classification else "linear"
        config = TrainConfig(
            sizes, activation, output, loss, optimizer, batch_size, epochs, weight_init, grad
        )
    config = check_config(config)
    for split in ("train", "val", "test"):
        _check_data(config, getattr(data, f"x_{split}"), getattr(data, f"y_{split}"), split)
    n = int(data.x_train.shape[0])
    if config.batch_size > n:
        raise ValueError(
            f"batch_size {config.batch_size} is larger than the training data ({n} samples)"
        )
    if hparams is None:
        hparams = make_hparams(
            learning_rate, momentum, beta, beta1, beta2, eps, weight_decay, init_scale
        )
    device_data = jax.device_put(Dataset(*(jnp.asarray(a) for a in data)))

    history: dict[str, list] = {k: [] for k in HISTORY_KEYS}
    if resume is not None:
        ck = load_checkpoint(resume, config, hparams=hparams, dataset=name)
        state = ck.state
        if ck.history:
            history = {k: list(ck.history.get(k, [])) for k in HISTORY_KEYS}
        if int(state.epoch) >= config.epochs:
            raise ValueError(
                f"{resume} has completed {int(state.epoch)} epochs; ask for more with "
                f"epochs (-e/--epochs) > {int(state.epoch)}: the total to reach"
            )
    else:
        state = _init_jit(config, hparams, jax.random.PRNGKey(seed))

    start = time.perf_counter()
    epoch_fn = _epoch_jit.lower(config, state, device_data).compile()
    compile_seconds = time.perf_counter() - start
    first = int(state.epoch)
    bar = _progress(config.epochs, first, progress)
    train_seconds = 0.0
    try:
        for epoch in range(first + 1, config.epochs + 1):
            start = time.perf_counter()
            state, metrics = epoch_fn(state, device_data)
            metrics = jax.device_get(metrics)  # waits for the epoch to finish
            train_seconds += time.perf_counter() - start
            history["epoch"].append(epoch)
            for k, v in metrics._asdict().items():
                history[k].append(float(v))
            if bar is not None:
                bar.update(1)
                bar.set_postfix(
                    loss=f"{metrics.train_loss:.4f}",
                    acc=f"{metrics.train_accuracy:.4f}",
                    val_loss=f"{metrics.val_loss:.4f}",
                    val_acc=f"{metrics.val_accuracy:.4f}",
                )
    finally:
        if bar is not None:
            bar.close()

    test_loss, test_acc = jax.device_get(
        _evaluate_jit(config, state.params, device_data.x_test, device_data.y_test)
    )
    cm = None
    if classification:
        y_hat = _predict_jit(config, state.params, device_data.x_test)
        pred = jnp.argmax(y_hat, axis=-1).astype(jnp.int32)
        cm = np.asarray(_confusion_matrix(device_data.y_test, pred, config.sizes[-1]))
    if save is not None:
        save_checkpoint(save, state, config, hparams=hparams, dataset=name, history=history)
    samples = (config.epochs - first) * (n // config.batch_size) * config.batch_size
    return FitResult(
        params=state.params,
        state=state,
        config=config,
        hparams=hparams,
        dataset=name,
        history=history,
        test_loss=float(test_loss),
        test_accuracy=float(test_acc),
        confusion_matrix=cm,
        train_seconds=train_seconds,
        compile_seconds=compile_seconds,
        samples_trained=samples,
        train_samples_per_second=samples / train_seconds if train_seconds > 0 else float("nan"),
        params_sha256=params_sha256(state.params),
    )

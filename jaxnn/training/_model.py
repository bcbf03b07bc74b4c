r"""Models out: a trained network with everything it needs to take raw inputs, loaded from one file.

A `Model` is the config, the parameters and the preprocessing of a training run: of the inputs,
and for regression of the targets. `load_model` rebuilds it from a checkpoint alone; `predict`
takes it and raw inputs (scaled in the same arithmetic as in training) and returns the network's
outputs :math:`\hat y = O(a_L)`: class probabilities (softmax, or sigmoid for a binary network) or
regression outputs in the targets' own units. `evaluate` measures it: loss and accuracy, the
confusion matrix, or MSE, RMSE, MAE and R^2.

One rule keeps every path right: a `Dataset` holds network data, anything else is raw. A model
given a `Dataset` uses its arrays as they are (its statistics must be the model's); given an
array, it uses it as it is when every row is one a `Dataset` handed out as network data under the
model's statistics (`jaxnn.training._scaling`), and scales it otherwise. Nothing is scaled twice.
"""

from __future__ import annotations

import functools
import math
import os
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxnn._validation import check_finite, check_numeric, is_concrete
from jaxnn.feedforward._losses import get_loss, get_output
from jaxnn.feedforward._network import Dense
from jaxnn.training._checkpoint import leaf_paths, load_checkpoint
from jaxnn.training._data import Dataset
from jaxnn.training._loop import TrainConfig
from jaxnn.training._loop import evaluate as _evaluate_network
from jaxnn.training._loop import predict as _predict_outputs
from jaxnn.training._metrics import regression_metrics, regression_scores, target_units
from jaxnn.training._programs import solo_test
from jaxnn.training._scaling import Preprocessing, known_rows
from jaxnn.training._targets import read_targets

__all__ = [
    "Evaluation",
    "Model",
    "evaluate",
    "is_binary",
    "is_regression",
    "load_model",
    "model_inputs",
    "model_outputs",
    "model_targets",
    "predict",
]


class Model(NamedTuple):
    """A trained network that takes raw inputs.

    Attributes:
      config: the `TrainConfig` (sizes, activation, output, loss, dtype, ...).
      params: the network, a tuple of `Dense`.
      preprocessing: how raw inputs become the network's inputs (`Preprocessing`).
      dataset: the name of the data set it was trained on, or None.
      data: the data settings it was trained with (``data_seed``, ``val_fraction``, ``task``,
        ...), or None.
      history: the per-epoch metrics of its training, or None.
      target_preprocessing: how raw regression targets became the network's targets; its
        outputs are scaled back (`Preprocessing`, ``none`` for classification).
    """

    config: TrainConfig
    params: tuple[Dense, ...]
    preprocessing: Preprocessing = Preprocessing()
    dataset: str | None = None
    data: dict[str, Any] | None = None
    history: dict[str, list] | None = None
    target_preprocessing: Preprocessing = Preprocessing()


class Evaluation(NamedTuple):
    """What `evaluate` measures (NaN where a metric does not apply).

    Attributes:
      samples: how many rows.
      loss: the training loss on them (of the standardized targets, for regression).
      accuracy: the share of rows whose predicted class is the label (classification).
      confusion_matrix: (k, k) counts, rows true and columns predicted, or None (regression,
        or more than 4096 classes).
      mse: mean squared error in the targets' units (regression; averaged over outputs).
      rmse: root mean squared error in the targets' units.
      mae: mean absolute error in the targets' units.
      r2: the coefficient of determination R^2.
    """

    samples: int
    loss: float
    accuracy: float
    confusion_matrix: np.ndarray | None
    mse: float = math.nan
    rmse: float = math.nan
    mae: float = math.nan
    r2: float = math.nan


def load_model(
    path: str | os.PathLike,
    *,
    activation: Any = None,
    output: Any = None,
    loss: Any = None,
    optimizer: Any = None,
    lr_schedule: Any = None,
) -> Model:
    """Loads a trained model from a checkpoint: nothing but the file is needed.

    Args:
      path: a checkpoint written by ``jaxnn train --save`` or ``jaxnn.fit(save=...)``.
      activation: the `Activation`, if the model was trained with a custom one (a file holds
        its name, not its code); likewise ``output``, ``loss``, ``optimizer`` (a user's optax
        transformation) and ``lr_schedule`` (a user's schedule).

    Returns:
      A `Model` (config, params, preprocessing, and what the file says about its data).

    Raises:
      FileNotFoundError: if the file does not exist.
      ValueError: naming the file: not a checkpoint, corrupt, another version or structure, a
        float64 model without 64-bit JAX, a custom activation or loss not passed, weights that
        are NaN or infinite (a diverged run).
      TypeError: for a path that is not a str or os.PathLike.
    """
    ck = load_checkpoint(
        path,
        activation=activation,
        output=output,
        loss=loss,
        optimizer=optimizer,
        lr_schedule=lr_schedule,
    )
    model = Model(
        ck.config,
        ck.state.params,
        ck.preprocessing,
        ck.dataset,
        ck.data,
        ck.history,
        ck.target_preprocessing,
    )
    _check_params_finite(model, str(path))
    return model


def _check_params_finite(model: Model, where: str) -> None:
    """Refuses a network with a NaN or infinite weight: its outputs would be NaN."""
    leaves = jax.tree_util.tree_leaves(model.params)
    if not all(is_concrete(p) for p in leaves):
        return
    for name, p in zip(leaf_paths(model.params), leaves):
        if not np.all(np.isfinite(np.asarray(p, np.float32))):
            raise ValueError(
                f"{where}: params{name if name.startswith('[') else '.' + name} holds NaN or "
                f"infinity: the training run diverged, and the model cannot predict"
            )


def _as_model(model: Any) -> Model:
    """A `Model` from a `Model`, a `jaxnn.FitResult` or a checkpoint path."""
    if isinstance(model, Model):
        return model
    if isinstance(model, str | os.PathLike):
        return load_model(model)
    fields = ("config", "params", "preprocessing")
    if all(hasattr(model, f) for f in fields) and isinstance(model.config, TrainConfig):
        pre = model.preprocessing if model.preprocessing is not None else Preprocessing()
        target = getattr(model, "target_preprocessing", None) or Preprocessing()
        return Model(
            model.config, model.params, pre, getattr(model, "dataset", None), None, None, target
        )
    raise TypeError(
        f"predict and evaluate take a model (jaxnn.load_model(path), a jaxnn.FitResult) and "
        f"raw inputs, or (config, params, x); got {type(model).__name__}"
    )


def is_binary(config: TrainConfig) -> bool:
    """Whether the network is one sigmoid unit fitting binary labels (binary cross-entropy)."""
    return (
        config.sizes[-1] == 1
        and get_loss(config.loss).targets == "unit"
        and get_output(config.output).name == "sigmoid"
    )


def is_regression(model: Model) -> bool:
    """Whether the model fits real targets: its saved task, else its output (not softmax, not a
    binary sigmoid unit) or scaled targets."""
    task = (model.data or {}).get("task")
    if task in ("classification", "regression"):
        return task == "regression"
    if model.target_preprocessing.kind != "none":
        return True
    return not (is_binary(model.config) or get_output(model.config.output).name == "softmax")


def model_inputs(model: Model, x: ArrayLike, *, name: str = "x") -> np.ndarray:
    """Inputs checked against the model and made network inputs, in the model's dtype.

    Raw inputs are scaled as in training; an array whose rows are all network inputs a `Dataset`
    made with the model's statistics is taken as it is (never scaled twice). Inputs with more
    than two dimensions (images) are flattened to (samples, features).

    Raises:
      ValueError: for a feature count other than the model's, an empty array, NaN or infinity, a
        value beyond the model's dtype.
      TypeError: for non-numeric inputs.
    """
    a = np.asarray(x)
    check_numeric(name, a)
    n_in = model.config.sizes[0]
    if a.ndim > 2:
        a = a.reshape(len(a), -1)
    if a.ndim != 2:
        raise ValueError(f"{name} must be (samples, {n_in}), got shape {a.shape}")
    if a.shape[1] != n_in:
        raise ValueError(
            f"{name} has {a.shape[1]} features, the model takes {n_in} (sizes "
            f"{' -> '.join(map(str, model.config.sizes))})"
        )
    if len(a) == 0:
        raise ValueError(f"{name} has no samples")
    check_finite(name, a)
    known = known_rows(model.preprocessing, a, name=name)
    if known is not None:
        return known.astype(jnp.dtype(model.config.dtype))
    return model.preprocessing.apply(a, model.config.dtype, name=name)


def model_targets(model: Model, y: ArrayLike, *, name: str = "y") -> np.ndarray:
    """Targets made network targets: class labels checked (int32, 0..k-1), or regression targets
    scaled as in training (taken as they are when a `Dataset` handed them out scaled)."""
    a = np.asarray(y)
    check_numeric(name, a)
    check_finite(name, a)
    if not is_regression(model):
        labels = read_targets(name, a, "classification")[0]
        k = max(2, model.config.sizes[-1])
        if labels.size and labels.max() >= k:
            raise ValueError(
                f"{name} has label {labels.max()}, the model knows {k} classes (0..{k - 1})"
            )
        return labels
    a = a.reshape(len(a), -1)
    k = model.config.sizes[-1]
    if a.shape[1] != k:
        raise ValueError(f"{name} has {a.shape[1]} target columns, the model has {k} outputs")
    known = known_rows(model.target_preprocessing, a, name=name)
    if known is not None:
        return known.astype(jnp.dtype(model.config.dtype))
    return model.target_preprocessing.apply(a, model.config.dtype, name=name)


@functools.partial(jax.jit, static_argnums=0)
def _outputs(config: TrainConfig, params, x):
    return _predict_outputs(config, params, x)


def model_outputs(model: Model, inputs: ArrayLike) -> jax.Array:
    """`predict` on network inputs (`model_inputs`): class probabilities (two columns for a
    binary network) or regression outputs in the targets' units."""
    y_hat = _outputs(model.config, model.params, jax.device_put(inputs))
    if is_binary(model.config):
        y_hat = jnp.concatenate([1 - y_hat, y_hat], axis=1)  # P(class 0), P(class 1)
    return model.target_preprocessing.invert(y_hat)


def _split(model: Model, data: Dataset, split: str) -> tuple[Any, Any]:
    """A split of a `Dataset` for ``model`` as network data: its statistics must be the model's;
    the arrays of a `Dataset` built by hand (no statistics) are read by the rule for arrays."""
    if split not in ("train", "val", "test"):
        raise ValueError(f"split must be train, val or test, got {split!r}")
    x, y = getattr(data, f"x_{split}"), getattr(data, f"y_{split}")
    pairs = (
        ("inputs", data.preprocessing, model.preprocessing),
        ("targets", data.target_preprocessing, model.target_preprocessing),
    )
    for what, given, own in pairs:
        if given is not None and given != own:
            raise ValueError(
                f"the Dataset's {what} were scaled by {given!r}, the model's by {own!r}: other "
                f"statistics; pass raw arrays (the model scales them), or the Dataset it was "
                f"trained on"
            )
    if data.preprocessing is None:
        x = model_inputs(model, x, name=f"x_{split}")
    if data.target_preprocessing is None and is_regression(model):
        y = model_targets(model, y, name=f"y_{split}")
    return x, y


def _jit_inputs(model: Model, x: Any) -> jax.Array:
    """Traced inputs (``predict`` under ``jit``): raw, scaled in jax.numpy; only shapes checked."""
    n_in = model.config.sizes[0]
    if np.ndim(x) != 2 or np.shape(x)[1] != n_in:
        raise ValueError(f"x must be (samples, {n_in}), got shape {np.shape(x)}")
    return model.preprocessing.apply_traced(x, model.config.dtype)


def predict(model: Any, x: ArrayLike | Dataset, *args: ArrayLike) -> jax.Array:
    r"""The network's outputs: ``predict(model, x)`` on raw inputs (or a `Dataset`), or
    ``predict(config, params, x)`` on network inputs.

    With a model (`load_model`, or a `jaxnn.FitResult`), ``x`` is raw: it is checked against the
    model's input width and preprocessed with the statistics saved in training (the same
    arithmetic, so training's test inputs give bitwise training's test outputs). A `Dataset` (its
    test split), or an array whose rows a `Dataset` made with the model's statistics, is network
    data already and is not scaled again. Under ``jit`` (traced ``x``) the inputs are raw. The
    result is :math:`\hat y = O(a_L)`: class probabilities of shape (samples, k), rows summing to
    1 (a binary network's single sigmoid unit p becomes the two columns (1 - p, p)), or
    regression outputs of shape (samples, k) in the targets' units.

    With ``(config, params, x)``, ``x`` is used as it is and :math:`O(a_L)` is returned (one
    column for a single output unit); this form is pure and jit-able.

    Args:
      model: a `Model`, a `jaxnn.FitResult`, or a `TrainConfig` followed by params.
      x: raw inputs of shape (samples, features), or a `Dataset` (or params, in the three-argument
        form).
      *args: the inputs, in the three-argument form.

    Returns:
      The outputs, in the model's dtype (float32 for regression outputs of a bfloat16 model).

    Raises:
      ValueError: for inputs whose feature count is not the model's (naming both), a `Dataset`
        scaled with other statistics, NaN weights.
    """
    if isinstance(model, TrainConfig):
        if len(args) != 1:
            raise TypeError("predict(config, params, x) takes the inputs x as third argument")
        return _predict_outputs(model, x, args[0])
    if args:
        raise TypeError("predict(model, x) takes two arguments: a model and raw inputs")
    model = _as_model(model)
    if isinstance(x, Dataset):
        x = _split(model, x, "test")[0]
        return model_outputs(model, jnp.asarray(x, model.config.dtype))
    if not is_concrete(x):
        y_hat = _predict_outputs(model.config, model.params, _jit_inputs(model, x))
        if is_binary(model.config):
            y_hat = jnp.concatenate([1 - y_hat, y_hat], axis=1)
        return model.target_preprocessing.invert(y_hat)
    _check_params_finite(model, "model")
    return model_outputs(model, model_inputs(model, x))


def measure(
    model: Model, inputs: Any, targets: Any = None, raw: Any = None
) -> tuple[np.ndarray, Any, Any]:
    """Outputs, predicted classes (None for regression) and, with network targets, an
    `Evaluation`, computed by the program that evaluates `jaxnn.fit`'s test split (bit for bit
    its numbers on the same rows).

    Args:
      model: the `Model`.
      inputs: network inputs (`model_inputs`).
      targets: network targets (`model_targets`), or None.
      raw: regression targets in their own units, if known (else the network targets scaled
        back).
    """
    config, params = model.config, model.params
    x = jax.device_put(np.asarray(inputs))
    outputs = np.asarray(model_outputs(model, x), np.float64)
    regression = is_regression(model)
    if targets is not None:
        y = np.asarray(targets)
    elif regression:
        y = np.zeros((len(outputs), config.sizes[-1]), jnp.dtype(config.dtype))
    else:
        y = np.zeros(len(outputs), np.int32)
    test = jax.device_get(solo_test(config, params, x, jax.device_put(y)))
    classes = None if regression else np.asarray(test.classes)
    if targets is None:
        return outputs, classes, None
    loss, acc = float(test.loss), float(test.accuracy)
    if regression:
        if raw is None:  # the program's errors: the numbers `jaxnn.fit` gives, bit for bit
            scores = regression_scores(test.errors, *target_units(model.target_preprocessing, y))
            metrics = {k: float(v) for k, v in scores.items()}
        else:
            metrics = regression_metrics(
                np.asarray(raw, np.float64).reshape(outputs.shape), outputs
            )
        return outputs, None, Evaluation(len(x), loss, math.nan, None, **metrics)
    cm = np.asarray(test.confusion) if np.size(test.confusion) else None
    return outputs, classes, Evaluation(len(x), loss, acc, cm)


def evaluate(model: Any, x: Any, y: Any = None, *args: Any, split: str = "test"):
    """A model's loss and accuracy, or its regression metrics: ``evaluate(model, x, y)`` on raw
    data, ``evaluate(model, dataset)`` on a split of a `Dataset`, or ``evaluate(config, params,
    x, y)`` on network data.

    With a model (`load_model`, a `jaxnn.FitResult`), the data follow `predict`'s rule: raw
    arrays are scaled with the model's statistics, a `Dataset` (the ``split`` named) and arrays a
    `Dataset` handed out are network data already. On the data a model was trained on,
    ``evaluate(model, data)`` gives exactly the test loss and accuracy training reported.

    With ``(config, params, x, y)``: the mean loss and the accuracy of ``params`` on network data
    (float32 scalars; accuracy is NaN for float targets), pure and jit-able.

    Args:
      model: a `Model`, a `jaxnn.FitResult`, or a `TrainConfig` followed by params.
      x: raw inputs (samples, features), or a `Dataset`.
      y: the labels or targets of ``x`` (raw units), or None with a `Dataset`.
      *args: in the four-argument form, the targets.
      split: with a `Dataset`: ``test`` (default), ``val`` or ``train``.

    Returns:
      An `Evaluation` (or ``(loss, accuracy)`` in the four-argument form).

    Raises:
      ValueError: for data that do not fit the model (named), NaN weights, a `Dataset` scaled
        with other statistics.
    """
    if isinstance(model, TrainConfig):
        if len(args) != 1 or y is None:
            raise TypeError("evaluate(config, params, x, y) takes four arguments")
        return _evaluate_network(model, x, y, args[0])
    if args:
        raise TypeError("evaluate(model, x, y) takes a model, inputs and targets")
    model = _as_model(model)
    _check_params_finite(model, "model")
    if isinstance(x, Dataset):
        if y is not None:
            raise TypeError("evaluate(model, dataset) takes no y: the Dataset holds the targets")
        x, y = _split(model, x, split)
        inputs = np.asarray(x).astype(jnp.dtype(model.config.dtype))
        targets = np.asarray(y)
        if is_regression(model):
            targets = targets.astype(jnp.dtype(model.config.dtype))
        return measure(model, inputs, targets)[2]
    if y is None:
        raise TypeError("evaluate(model, x, y) needs the targets y (or pass a Dataset)")
    inputs = model_inputs(model, x)
    targets = model_targets(model, y)
    if len(targets) != len(inputs):
        raise ValueError(f"x has {len(inputs)} samples, y has {len(targets)}")
    raw = None
    if (
        is_regression(model)
        and known_rows(model.target_preprocessing, np.asarray(y).reshape(len(targets), -1)) is None
    ):
        raw = np.asarray(y, np.float64)
    return measure(model, inputs, targets, raw)[2]

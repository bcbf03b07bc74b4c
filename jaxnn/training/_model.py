r"""Models out: a trained network with everything it needs to take raw inputs, loaded from one file.

A `Model` is the config, the parameters and the input preprocessing of a training run.
`load_model` rebuilds it from a checkpoint alone; `predict` takes it and raw inputs (the
preprocessing is applied in the same arithmetic as in training) and returns the network's outputs
:math:`\hat y = O(a_L)`: class probabilities (softmax, or sigmoid for a binary network) or
regression outputs.
"""

from __future__ import annotations

import functools
import os
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxnn._validation import check_finite, check_numeric
from jaxnn.feedforward._losses import get_loss, get_output
from jaxnn.feedforward._network import Dense
from jaxnn.training._checkpoint import load_checkpoint
from jaxnn.training._data import Preprocessing
from jaxnn.training._loop import TrainConfig
from jaxnn.training._loop import predict as _predict_outputs

__all__ = ["Model", "is_binary", "load_model", "model_inputs", "model_outputs", "predict"]


class Model(NamedTuple):
    """A trained network that takes raw inputs.

    Attributes:
      config: the `TrainConfig` (sizes, activation, output, loss, dtype, ...).
      params: the network, a tuple of `Dense`.
      preprocessing: how raw inputs become the network's inputs (`Preprocessing`).
      dataset: the name of the data set it was trained on, or None.
      data: the data settings it was trained with (``data_seed``, ``val_fraction``, ...), or
        None.
      history: the per-epoch metrics of its training, or None.
    """

    config: TrainConfig
    params: tuple[Dense, ...]
    preprocessing: Preprocessing = Preprocessing()
    dataset: str | None = None
    data: dict[str, Any] | None = None
    history: dict[str, list] | None = None


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
        float64 model without 64-bit JAX, or a custom activation or loss not passed.
    """
    ck = load_checkpoint(
        path,
        activation=activation,
        output=output,
        loss=loss,
        optimizer=optimizer,
        lr_schedule=lr_schedule,
    )
    return Model(ck.config, ck.state.params, ck.preprocessing, ck.dataset, ck.data, ck.history)


def _as_model(model: Any) -> Model:
    """A `Model` from a `Model`, a `jaxnn.FitResult` or a checkpoint path."""
    if isinstance(model, Model):
        return model
    if isinstance(model, str | os.PathLike):
        return load_model(model)
    fields = ("config", "params", "preprocessing")
    if all(hasattr(model, f) for f in fields) and isinstance(model.config, TrainConfig):
        pre = model.preprocessing if model.preprocessing is not None else Preprocessing()
        return Model(model.config, model.params, pre, getattr(model, "dataset", None))
    raise TypeError(
        f"predict takes a model (jaxnn.load_model(path), a jaxnn.FitResult) and raw inputs, or "
        f"(config, params, x); got {type(model).__name__}"
    )


def model_inputs(model: Model, x: ArrayLike, *, name: str = "x") -> np.ndarray:
    """Raw inputs checked against the model and preprocessed as in training.

    Inputs with more than two dimensions (images) are flattened to (samples, features).

    Raises:
      ValueError: for a feature count other than the model's, an empty array, NaN or infinity.
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
    return model.preprocessing.apply(a, model.config.dtype)


@functools.partial(jax.jit, static_argnums=0)
def _outputs(config: TrainConfig, params, x):
    return _predict_outputs(config, params, x)


def predict(model: Any, x: ArrayLike, *args: ArrayLike) -> jax.Array:
    r"""The network's outputs on inputs: ``predict(model, x)`` on raw inputs, or
    ``predict(config, params, x)`` on network inputs.

    With a model (`load_model`, or a `jaxnn.FitResult`), ``x`` is raw: it is checked against the
    model's input width and preprocessed with the statistics saved in training (the same
    arithmetic, so training's test inputs give bitwise training's test outputs). The result is
    :math:`\hat y = O(a_L)`: class probabilities of shape (samples, k), rows summing to 1 (a
    binary network's single sigmoid unit p becomes the two columns (1 - p, p)), or regression
    outputs of shape (samples, k).

    With ``(config, params, x)``, ``x`` is used as it is and :math:`O(a_L)` is returned (one
    column for a single output unit); this form is pure and jit-able.

    Args:
      model: a `Model`, a `jaxnn.FitResult`, or a `TrainConfig` followed by params.
      x: raw inputs of shape (samples, features) (or params, in the three-argument form).
      *args: the inputs, in the three-argument form.

    Returns:
      The outputs, in the model's dtype.

    Raises:
      ValueError: for inputs whose feature count is not the model's, naming both.
    """
    if isinstance(model, TrainConfig):
        if len(args) != 1:
            raise TypeError("predict(config, params, x) takes the inputs x as third argument")
        return _predict_outputs(model, x, args[0])
    if args:
        raise TypeError("predict(model, x) takes two arguments: a model and raw inputs")
    model = _as_model(model)
    return model_outputs(model, model_inputs(model, x))


def is_binary(config: TrainConfig) -> bool:
    """Whether the network is one sigmoid unit fitting binary labels (binary cross-entropy)."""
    return (
        config.sizes[-1] == 1
        and get_loss(config.loss).targets == "unit"
        and get_output(config.output).name == "sigmoid"
    )


def model_outputs(model: Model, inputs: ArrayLike) -> jax.Array:
    """`predict` on inputs already preprocessed (`model_inputs`): class probabilities (two
    columns for a binary network) or regression outputs."""
    y_hat = _outputs(model.config, model.params, jax.device_put(inputs))
    if is_binary(model.config):
        y_hat = jnp.concatenate([1 - y_hat, y_hat], axis=1)  # P(class 0), P(class 1)
    return y_hat

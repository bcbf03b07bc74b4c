"""Metrics: accuracy and the confusion matrix of classes; MSE, RMSE, MAE and R^2 of regression."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxnn._validation import check_labels

__all__ = [
    "MAX_CONFUSION_CLASSES",
    "accuracy",
    "confusion_matrix",
    "confusion_matrix_bounded",
    "predicted_classes",
    "regression_metrics",
    "regression_scores",
    "target_units",
]


def predicted_classes(scores: ArrayLike) -> jax.Array:
    r"""The predicted class of every row: the highest score, or for one output the sign of a_L.

    .. math:: \hat\ell_i = \arg\max_j a_{L,ij} \ (k > 1), \qquad
        \hat\ell_i = 1[a_{L,i} \ge 0] = 1[\sigma(a_{L,i}) \ge \tfrac12] \ (k = 1)

    Args:
      scores: shape (samples, k): outputs or pre-activations for k > 1, pre-activations a_L for
        k = 1 (a single sigmoid unit).

    Returns:
      int32 labels, shape (samples,).
    """
    scores = jnp.asarray(scores)
    if scores.ndim != 2:
        raise ValueError(f"scores must be (samples, k), got shape {scores.shape}")
    if scores.shape[1] == 1:
        return (scores[:, 0] >= 0).astype(jnp.int32)
    return jnp.argmax(scores, axis=-1).astype(jnp.int32)


def accuracy(scores: ArrayLike, labels: ArrayLike) -> jax.Array:
    r"""The fraction of rows whose predicted class (`predicted_classes`) is the true label.

    .. math:: \text{accuracy} = \tfrac1N \textstyle\sum_i 1[\arg\max_j \hat y_{ij} = \ell_i]

    Args:
      scores: outputs or pre-activations, shape (samples, k); pre-activations when k = 1.
      labels: integer labels, shape (samples,).

    Returns:
      A float32 scalar.
    """
    scores, labels = jnp.asarray(scores), jnp.asarray(labels)
    if scores.ndim != 2 or labels.shape != scores.shape[:1]:
        raise ValueError(
            f"scores must be (samples, k) and labels (samples,), got {scores.shape} and "
            f"{labels.shape}"
        )
    return jnp.mean((predicted_classes(scores) == labels).astype(jnp.float32))


def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike, num_classes: int) -> jax.Array:
    """Counts of (true class, predicted class) pairs.

    Args:
      y_true: integer labels, shape (samples,).
      y_pred: predicted integer labels, shape (samples,).
      num_classes: k (static).

    Returns:
      An int32 array of shape (k, k): entry [i, j] counts examples of class i predicted as j, so
      row sums are the class sizes and the trace counts the correct predictions.
    """
    num_classes = int(num_classes)
    if num_classes < 1:
        raise ValueError(f"num_classes must be >= 1, got {num_classes}")
    if np.ndim(y_true) != 1 or np.shape(y_true) != np.shape(y_pred):
        raise ValueError(
            f"y_true and y_pred must be 1-D of one length, got {np.shape(y_true)} and "
            f"{np.shape(y_pred)}"
        )
    check_labels("y_true", y_true, num_classes)
    check_labels("y_pred", y_pred, num_classes)
    counts = jnp.zeros((num_classes, num_classes), jnp.int32)
    return counts.at[jnp.asarray(y_true), jnp.asarray(y_pred)].add(1)


MAX_CONFUSION_CLASSES = 4096
"""The most classes a confusion matrix is made for (4096**2 int32 counts: 64 MiB)."""


def confusion_matrix_bounded(y_true: ArrayLike, y_pred: ArrayLike, num_classes: int):
    """`confusion_matrix`, or None for more than `MAX_CONFUSION_CLASSES` classes (sized before it
    is allocated: a stray label must not ask for a 50001 x 50001 matrix)."""
    if int(num_classes) > MAX_CONFUSION_CLASSES:
        return None
    return np.asarray(confusion_matrix(y_true, y_pred, num_classes))


def regression_metrics(y_true: ArrayLike, y_pred: ArrayLike) -> dict[str, float]:
    r"""MSE, RMSE, MAE and R^2 of predictions, per output column, then averaged over columns (as
    scikit-learn's ``multioutput="uniform_average"``), in float64 (`regression_scores` of the
    columns' errors).

    Args:
      y_true: targets, shape (samples, k) (or (samples,)).
      y_pred: predictions of the same shape.

    Returns:
      ``{"mse", "rmse", "mae", "r2"}`` as floats (R^2 is NaN for a column of constant targets).
    """
    t = np.asarray(y_true, np.float64).reshape(len(y_true), -1)
    p = np.asarray(y_pred, np.float64).reshape(len(y_pred), -1)
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred differ in shape: {t.shape} and {p.shape}")
    err = p - t
    errors = np.stack([np.mean(err**2, axis=0), np.mean(np.abs(err), axis=0)])
    scores = regression_scores(errors, 1.0, np.var(t, axis=0))
    return {k: float(v) for k, v in scores.items()}


def regression_scores(errors: ArrayLike, scale: ArrayLike, variance: ArrayLike) -> dict:
    r"""MSE, RMSE, MAE and R^2 in the targets' units from each output column's errors: the one
    formula of every regression metric jaxnn reports (history, summary, sweeps, evaluate).

    With :math:`e_j` and :math:`a_j` the mean squared and mean absolute error of column j in
    network units, :math:`s_j` the targets' scale (raw = network x s + shift) and
    :math:`\sigma^2_j` the (population) variance of the split's network targets, averaged over
    the k columns as scikit-learn's ``multioutput="uniform_average"``:

    .. math:: \text{MSE} = \overline{s_j^2 e_j}, \quad \text{RMSE} = \overline{s_j \sqrt{e_j}},
        \quad \text{MAE} = \overline{s_j a_j}, \quad R^2 = \overline{1 - e_j / \sigma^2_j}

    Args:
      errors: (..., 2, k): per column the mean squared and the mean absolute error (network
        units; e.g. a training program's per-epoch buffer).
      scale: the targets' scale, a scalar or (k,) (1 for targets that are not scaled).
      variance: (k,) the variance of the split's network targets (R^2 is NaN where it is 0).

    Returns:
      ``{"mse", "rmse", "mae", "r2"}``, float64 arrays of shape ``errors.shape[:-2]``.
    """
    e = np.asarray(errors, np.float64)
    k = e.shape[-1]
    s = np.broadcast_to(np.abs(np.asarray(scale, np.float64)).reshape(-1), (k,))
    var = np.broadcast_to(np.asarray(variance, np.float64).reshape(-1), (k,))
    mse, mae = e[..., 0, :], e[..., 1, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(var > 0, 1 - mse / np.where(var > 0, var, 1.0), np.nan)
        rmse = s * np.sqrt(np.where(mse >= 0, mse, np.nan))
    return {
        "mse": np.mean(s**2 * mse, axis=-1),
        "rmse": np.mean(rmse, axis=-1),
        "mae": np.mean(s * mae, axis=-1),
        "r2": np.mean(r2, axis=-1),
    }


def target_units(target_preprocessing: Any, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """What `regression_scores` needs of a split: the targets' scale (1 where they are not
    scaled) and the variance of the split's network targets ``y`` (samples, k), per column."""
    t = np.asarray(y, np.float64).reshape(len(y), -1)
    scaled = target_preprocessing is not None and target_preprocessing.kind != "none"
    scale = np.asarray(target_preprocessing.scale, np.float64) if scaled else np.float64(1.0)
    return np.broadcast_to(scale.reshape(-1), (t.shape[1],)), np.var(t, axis=0)

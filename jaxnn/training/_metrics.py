"""Classification metrics: accuracy and the confusion matrix."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxnn._validation import check_labels

__all__ = ["accuracy", "confusion_matrix", "predicted_classes"]


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

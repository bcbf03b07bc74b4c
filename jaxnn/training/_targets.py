"""Targets: class labels or regression targets, and the task a run is (given or inferred).

``task`` (``--task``) is ``classification``, ``regression`` or ``auto``: integer (and boolean)
targets are class labels, float targets are regression targets. Class labels are indices
0..k-1: they must be whole numbers in int32's range, and k is bounded (`MAX_CLASSES`), so that a
stray label of 10**9 is refused by name instead of building a 10**9-way softmax. Inferring a
classifier from integer targets with more than `MANY_CLASSES` classes says so in one line on
stderr, naming ``--task regression``: integer quantities (ages, prices, counts) are not classes.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

__all__ = ["MANY_CLASSES", "MAX_CLASSES", "check_classes", "check_task", "read_targets"]

MAX_CLASSES = 1 << 16
"""The most classes a classifier may have (labels 0..65535)."""
MANY_CLASSES = 20
"""Inferring a classifier of more classes than this says so on stderr."""
_INT32_MAX = np.iinfo(np.int32).max
_HINT = "if they are quantities, pass --task regression (task='regression' in Python)"


def _is_labels(dtype: np.dtype) -> bool:
    return np.issubdtype(dtype, np.integer) or dtype == np.dtype(bool)


def read_targets(
    name: str, y: np.ndarray, task: str, *, like: str | None = None
) -> tuple[np.ndarray, str]:
    """One split's targets in the form of its task.

    Args:
      name: the split's name for messages (``y``, ``y_test``).
      y: its targets (numeric: checked by the caller).
      task: ``classification``, ``regression`` or ``auto`` (from the dtype).
      like: the task the first split resolved ``auto`` to, for the later splits of an ``auto``
        run: they must be targets of the same kind.

    Returns:
      ``(targets, task)``: int32 labels of shape (n,), or float64 targets of shape (n, k); and the
      task, resolved.

    Raises:
      ValueError: labels that are negative, not whole numbers, or beyond int32 (the label
        named); targets of the wrong rank.
      TypeError: a split of other targets than the first under ``auto``.
    """
    labels = _is_labels(y.dtype)
    resolved = task if task != "auto" else ("classification" if labels else "regression")
    if like is not None and task == "auto" and resolved != like:
        raise TypeError(f"y and {name} must both be labels or both be regression targets")
    if resolved == "regression":
        return y.astype(np.float64).reshape(len(y), -1), resolved
    if y.ndim != 1:
        raise ValueError(f"integer labels {name} must be 1-D, got shape {y.shape}")
    if not labels:
        whole = np.isfinite(y) & (y == np.round(y))
        if not np.all(whole):
            bad = y[~whole][0]
            raise ValueError(
                f"{name}: task classification needs class labels 0..k-1 (whole numbers), got "
                f"{bad:g}; for real-valued targets use task regression"
            )
    if y.size and np.min(y) < 0:
        raise ValueError(
            f"{name} has negative label {np.min(y):.0f}; class labels must be 0..k-1 ({_HINT})"
        )
    if y.size and np.max(y) > _INT32_MAX:
        raise ValueError(
            f"{name}: label {np.max(y):.0f} is beyond int32 ({_INT32_MAX}); class labels are "
            f"indices 0..k-1 ({_HINT})"
        )
    return y.astype(np.int32), resolved


def check_classes(labels: list[np.ndarray], *, announce: bool = False) -> int:
    """The class count k (largest label + 1) of a classifier's label splits, checked.

    Args:
      labels: every split's int labels.
      announce: say on stderr (one line) that a classifier of more than `MANY_CLASSES` classes
        was inferred.

    Returns:
      k.

    Raises:
      ValueError: for more than `MAX_CLASSES` classes, naming the largest label.
    """
    top = max(int(np.max(y)) for y in labels if np.size(y))
    k = top + 1
    if k > MAX_CLASSES:
        raise ValueError(
            f"label {top} makes {k} classes, more than the limit of {MAX_CLASSES}: class labels "
            f"are indices 0..k-1 ({_HINT})"
        )
    if announce and k > MANY_CLASSES:
        seen = np.unique(np.concatenate([np.ravel(y) for y in labels]))
        print(
            f"jaxnn: the targets hold {seen.size} distinct whole numbers "
            f"({int(seen[0])}..{top}), read as class labels of a {k}-class classifier; {_HINT}",
            file=sys.stderr,
        )
    return k


def check_task(task: Any) -> str:
    """``task`` checked by the settings table (``auto``, ``classification``, ``regression``)."""
    from jaxnn.training._settings import check_setting

    return check_setting("task", task)


def regression_problem(
    loss: Any, output: Any, standardized: bool, *, flags: bool = False
) -> str | None:
    """Why ``loss`` and ``output`` cannot fit real targets, or None: a class loss (cross-entropy),
    softmax outputs (they sum to 1), or sigmoid outputs (in (0, 1)) for z-scored targets.

    Args:
      loss: the loss (a name or a `Loss`).
      output: the output function (a name, ``auto`` or an `Output`).
      standardized: whether the targets are z-scored.
      flags: name the command-line flags (``-l/--loss``) rather than the Python keywords.
    """
    from jaxnn.feedforward._losses import get_loss, get_output

    said = {"loss": "loss", "output": "output", "standardize_targets": "standardize_targets"}
    if flags:
        said = {
            "loss": "-l/--loss",
            "output": "--output",
            "standardize_targets": "--standardize-targets",
        }
    if get_loss(loss).targets != "real":
        return f"{said['loss']} {get_loss(loss).name} fits class labels; regression takes mse"
    if isinstance(output, str) and output == "auto":
        return None
    name = get_output(output).name
    if name == "softmax":
        return f"{said['output']} softmax makes outputs that sum to 1; regression takes linear"
    if name == "sigmoid" and standardized:
        return (
            f"{said['output']} sigmoid lies in (0, 1), z-scored targets do not: use "
            f"{said['output']} linear, or {said['standardize_targets']} none for targets in (0, 1)"
        )
    return None

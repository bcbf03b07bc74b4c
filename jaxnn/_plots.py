"""Figures of training: loss and accuracy curves per epoch, and the confusion matrix.

matplotlib is optional (the ``demo`` extra): it is imported when a figure is made. Figures are
`matplotlib.figure.Figure` objects made without pyplot, so they work on any backend; save them with
``fig.savefig(path)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["plot_confusion_matrix", "plot_histories", "plot_history"]


def _figure(width: float, height: float):
    try:
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - matplotlib is in the demo extra
        raise ImportError("figures need matplotlib: pip install matplotlib") from None
    return Figure(figsize=(width, height), layout="constrained")


def _finite(values: Sequence[float]) -> bool:
    return bool(np.any(np.isfinite(np.asarray(values, dtype=float))))


def plot_histories(
    histories: Mapping[str, Mapping[str, Sequence[float]]], *, title: str | None = None
) -> Any:
    """Loss and accuracy per epoch of one or more runs, side by side.

    Args:
      histories: run label -> history, a dict of per-epoch lists with keys ``epoch``,
        ``train_loss``, ``val_loss`` and (for classification) ``train_accuracy``,
        ``val_accuracy``. Training curves are dashed, validation curves solid, one colour per run.
      title: the figure's title.

    Returns:
      A matplotlib ``Figure`` with a loss panel and, when any run has accuracies, an accuracy
      panel.
    """
    with_acc = any(_finite(h.get("val_accuracy", [np.nan])) for h in histories.values())
    fig = _figure(11 if with_acc else 6, 4.2)
    axes = fig.subplots(1, 2 if with_acc else 1, squeeze=False)[0]
    panels = [("loss", "loss (mean over examples)"), ("accuracy", "accuracy")][: len(axes)]
    for i, (label, h) in enumerate(histories.items()):
        colour = f"C{i}"
        epochs = h.get("epoch") or list(range(1, len(h["train_loss"]) + 1))
        prefix = f"{label}: " if len(histories) > 1 or label else ""
        for ax, (metric, _) in zip(axes, panels):
            ax.plot(epochs, h[f"train_{metric}"], "--", color=colour, label=f"{prefix}train")
            ax.plot(epochs, h[f"val_{metric}"], "-", color=colour, label=f"{prefix}validation")
    from matplotlib.ticker import MaxNLocator

    for ax, (metric, ylabel) in zip(axes, panels):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel)
        ax.set_title(f"{metric} per epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    if panels[0][0] == "loss":
        losses = np.concatenate([np.asarray(h["train_loss"], float) for h in histories.values()])
        if np.all(losses[np.isfinite(losses)] > 0) and _finite(losses):
            lo, hi = np.nanmin(losses), np.nanmax(losses[np.isfinite(losses)])
            if hi / lo > 30:
                axes[0].set_yscale("log")
    if title:
        fig.suptitle(title)
    return fig


def plot_history(history: Mapping[str, Sequence[float]], *, title: str | None = None) -> Any:
    """Loss and accuracy per epoch of one run (see `plot_histories`); returns a ``Figure``."""
    return plot_histories({"": history}, title=title)


def plot_confusion_matrix(
    matrix: Any,
    *,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
) -> Any:
    """The confusion matrix as a heat map with the count in every cell.

    Args:
      matrix: (k, k) counts; entry [i, j] counts examples of class i predicted as j.
      class_names: the k class names (default 0 .. k-1).
      title: the figure's title (default: the accuracy the matrix implies).

    Returns:
      A matplotlib ``Figure``.
    """
    m = np.asarray(matrix)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"matrix must be square (k, k), got shape {m.shape}")
    k = m.shape[0]
    names = [str(c) for c in (class_names if class_names is not None else range(k))]
    size = min(max(4.5, 0.55 * k + 2), 12)
    fig = _figure(size + 1, size)
    ax = fig.subplots()
    im = ax.imshow(m, cmap="Blues")
    fig.colorbar(im, ax=ax, label="examples", shrink=0.8)
    threshold = m.max() / 2 if m.size else 0
    for i in range(k):
        for j in range(k):
            if k <= 20:
                ax.text(
                    j,
                    i,
                    str(m[i, j]),
                    ha="center",
                    va="center",
                    fontsize=9 if k <= 12 else 7,
                    color="white" if m[i, j] > threshold else "black",
                )
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    total = m.sum()
    acc = np.trace(m) / total if total else float("nan")
    ax.set_title(title or f"confusion matrix (accuracy {acc:.3f}, {total} examples)")
    return fig

"""Every figure of the library: training curves, the confusion matrix, the sweep views.

matplotlib is optional (the ``demo`` extra): it is imported when a figure is made. Figures are
`matplotlib.figure.Figure` objects made without pyplot, so they work on any backend and never leak
between calls; `save_png` writes one atomically.
"""

from __future__ import annotations

import io
import math
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from jaxnn._util import atomic_write_bytes, require

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "default_heatmap_axes",
    "plot_confusion_matrix",
    "plot_histories",
    "plot_history",
    "plot_parallel_coordinates",
    "plot_sweep_heatmap",
    "save_png",
]


def _figure(width: float, height: float, *, layout: str | None = "constrained"):
    require("matplotlib", "figures")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout=layout)


def save_png(fig: Any, path: str | os.PathLike, *, dpi: int = 110) -> Path:
    """Writes ``fig`` as a PNG to ``path`` atomically (tight bounding box) and returns the path.

    Args:
      fig: a matplotlib ``Figure`` (from these helpers or from pyplot; a pyplot figure is closed).
      path: the file to write; its directory is created.
      dpi: dots per inch.

    Returns:
      The path written.
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        plt.close(fig)
    return atomic_write_bytes(path, buf.getvalue())


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


_LABELS = {"val_accuracy": "validation accuracy", "test_accuracy": "test accuracy"}


def _label(name: str) -> str:
    return _LABELS.get(name, name.replace("_", " "))


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)


def default_heatmap_axes(axes: Mapping[str, Sequence[Any]]) -> tuple[str, str] | None:
    """The two axes with the most values (ties: the first named), or None with fewer than two."""
    swept = sorted(axes, key=lambda k: -len(axes[k]))
    swept = [k for k in swept if len(axes[k]) > 1]
    if len(swept) < 2:
        return None
    first, second = sorted(swept[:2], key=list(axes).index)
    return first, second


def _is_log(values: Sequence[Any]) -> bool:
    nums = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    return (
        len(nums) == len(values) and len(nums) > 2 and min(nums) > 0 and max(nums) / min(nums) >= 20
    )


def plot_sweep_heatmap(
    members: Sequence[Mapping[str, Any]],
    axes: Mapping[str, Sequence[Any]],
    x: str,
    y: str,
    *,
    metric: str = "val_accuracy",
) -> Figure:
    r"""A heatmap of ``metric`` over the values of axes ``x`` (columns) and ``y`` (rows).

    Each cell is the mean of ``metric`` over the members with those two values (the other axes
    averaged out); a cell holding a diverged member is marked.

    .. math:: H_{ij} = \operatorname{mean}\{m_k : x_k = x_j,\ y_k = y_i\}

    Args:
      members: member records with keys ``x``, ``y``, ``metric`` and ``diverged``.
      axes: every swept axis and its values, in order (fixes the cell order).
      x: the axis along the columns.
      y: the axis along the rows.
      metric: the record key to show.

    Returns:
      A matplotlib Figure.
    """
    for name in (x, y):
        if name not in axes:
            raise ValueError(f"heatmap axis {name!r} is not a swept axis; valid: {', '.join(axes)}")
    if x == y:
        raise ValueError(f"heatmap needs two different axes, got {x!r} twice")
    xs, ys = list(axes[x]), list(axes[y])
    total = np.zeros((len(ys), len(xs)))
    count = np.zeros((len(ys), len(xs)), dtype=int)
    diverged = np.zeros((len(ys), len(xs)), dtype=int)
    for m in members:
        i, j = ys.index(m[y]), xs.index(m[x])
        value = float(m[metric])
        if m.get("diverged", False) or not math.isfinite(value):
            diverged[i, j] += 1
        else:
            total[i, j] += value
            count[i, j] += 1
    grid = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    from matplotlib import colormaps

    fig = _figure(1.1 * len(xs) + 3.0, 0.7 * len(ys) + 2.2)
    ax = fig.subplots()
    cmap = colormaps["viridis"].with_extremes(bad="lightgray")
    finite = grid[np.isfinite(grid)]
    lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    image = ax.imshow(grid, cmap=cmap, aspect="auto", origin="lower", vmin=lo, vmax=hi)
    ax.set_xticks(range(len(xs)), [_fmt(v) for v in xs], rotation=30 if len(xs) > 5 else 0)
    ax.set_yticks(range(len(ys)), [_fmt(v) for v in ys])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    others = [k for k in axes if k not in (x, y) and len(axes[k]) > 1]
    note = f"\n(mean over {', '.join(others)}; diverged members left out)" if others else ""
    ax.set_title(f"{_label(metric)} over {x} and {y}{note}")
    fig.colorbar(image, ax=ax, label=_label(metric))
    if len(xs) * len(ys) <= 150:
        for i in range(len(ys)):
            for j in range(len(xs)):
                n = count[i, j] + diverged[i, j]
                if n == 0:
                    continue
                text = f"{grid[i, j]:.3f}" if count[i, j] else "diverged"
                if count[i, j] and diverged[i, j]:
                    text += f"\n{diverged[i, j]} of {n} diverged"
                dark = count[i, j] and hi > lo and grid[i, j] < lo + 0.6 * (hi - lo)
                color = "white" if dark else "black"
                ax.text(j, i, text, ha="center", va="center", color=color, fontsize=9)
    return fig


def _positions(values: Sequence[Any], column: Sequence[Any]) -> tuple[np.ndarray, list, list]:
    """Where each member sits on one vertical axis (0..1), and the axis's ticks and labels."""
    values = list(values)
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    if len(values) == 1:
        return np.full(len(column), 0.5), [0.5], [_fmt(values[0])]
    if not numeric:
        pos = {v: i / (len(values) - 1) for i, v in enumerate(values)}
        return np.array([pos[v] for v in column]), list(pos.values()), [_fmt(v) for v in values]
    scale = np.log10 if _is_log(values) else (lambda v: np.asarray(v, dtype=float))
    lo, hi = float(np.min(scale(values))), float(np.max(scale(values)))
    span = hi - lo or 1.0
    where = (scale(np.asarray(column, dtype=float)) - lo) / span
    ticks = sorted(values) if len(values) <= 8 else list(np.quantile(sorted(values), [0, 0.5, 1]))
    return where, [float((scale(t) - lo) / span) for t in ticks], [_fmt(float(t)) for t in ticks]


def plot_parallel_coordinates(
    members: Sequence[Mapping[str, Any]],
    axes: Mapping[str, Sequence[Any]],
    *,
    metric: str = "val_accuracy",
) -> Figure:
    """A parallel-coordinates plot, like the course's sweep view: one line per member.

    Each swept axis is a vertical line (log scale for numbers spanning more than a factor of 20,
    evenly spaced for names); the last vertical line is ``metric``. Lines are coloured by
    ``metric``; diverged members are drawn dashed in red, ending below the metric axis.

    Args:
      members: member records with the axis keys, ``metric`` and ``diverged``.
      axes: every swept axis and its values, in order (axes with one value are still drawn).
      metric: the record key shown on the last axis and as colour.

    Returns:
      A matplotlib Figure.
    """
    from matplotlib import cm, colormaps, colors

    names = list(axes)
    if not members:
        raise ValueError("members is empty: nothing to plot")
    columns, ticks = [], []
    for name in names:
        where, t, labels = _positions(axes[name], [m[name] for m in members])
        columns.append(where)
        ticks.append((t, labels))
    scores = np.array([float(m[metric]) for m in members])
    bad = np.array([bool(m.get("diverged", False)) for m in members]) | ~np.isfinite(scores)
    good = scores[~bad]
    lo, hi = (float(good.min()), float(good.max())) if good.size else (0.0, 1.0)
    span = hi - lo or 1.0
    columns.append(np.where(bad, -0.1, (np.nan_to_num(scores) - lo) / span))
    metric_ticks = [0.0, 0.5, 1.0] + ([-0.1] if bad.any() else [])
    labels = [f"{lo:.3f}", f"{(lo + hi) / 2:.3f}", f"{hi:.3f}", "diverged"]
    ticks.append((metric_ticks, labels[: len(metric_ticks)]))
    data = np.stack(columns, axis=1)
    fig = _figure(max(6.0, 1.8 * len(data[0])), 4.8)
    ax = fig.subplots()
    cmap = colormaps["viridis"]
    norm = colors.Normalize(lo, hi if hi > lo else lo + 1)
    xs = np.arange(data.shape[1])
    for k in np.argsort(np.where(bad, np.inf, scores)):  # the best drawn last, diverged on top
        if bad[k]:
            ax.plot(xs, data[k], color="tab:red", ls="--", lw=1.2, alpha=0.8)
        else:
            ax.plot(xs, data[k], color=cmap(norm(scores[k])), lw=1.6, alpha=0.85)
    box = {"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.0}
    for i, (t, labels) in enumerate(ticks):
        ax.axvline(i, color="black", lw=0.8)
        for pos, label in zip(t, labels):
            ax.text(i - 0.04, pos, label, ha="right", va="center", fontsize=9, bbox=box)
    ax.set_xticks(xs, names + [_label(metric)])
    ax.set_yticks([])
    ax.set_xlim(-0.5, len(xs) - 0.7)
    ax.set_ylim(-0.15, 1.05)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    n_bad = int(bad.sum())
    extra = f"\n{n_bad} diverged (red, dashed)" if n_bad else ""
    ax.set_title(f"{len(members)} members, coloured by {_label(metric)}{extra}")
    fig.colorbar(cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, label=_label(metric))
    return fig

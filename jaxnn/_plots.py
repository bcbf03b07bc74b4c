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
import textwrap
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
    "plot_parameter_importance",
    "plot_sweep_heatmap",
    "save_png",
]


def _figure(width: float, height: float, *, layout: str | None = "constrained"):
    require("matplotlib", "a figure")
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
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def default_heatmap_axes(
    axes: Mapping[str, Sequence[Any]], *, max_values: int | None = None
) -> tuple[str, str] | None:
    """The two axes with the most values (ties: the first named), in the order of ``axes``, or
    None with fewer than two; with ``max_values``, only axes of at most that many values."""
    swept = sorted(axes, key=lambda k: -len(axes[k]))
    swept = [k for k in swept if 1 < len(axes[k]) <= (max_values or len(axes[k]))]
    return tuple(sorted(swept[:2], key=list(axes).index)) if len(swept) >= 2 else None


_ZERO_GAP = 0.15  # on a log axis holding 0, the share of the axis between 0 and the log part


def _numbers(values: Sequence[Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _is_log(values: Sequence[Any]) -> bool:
    """Whether a numeric axis is drawn on a log scale: more than two values, none negative, and
    the positive ones spanning a factor of 20 or more (a 0 among them is placed apart)."""
    if not _numbers(values) or len(set(values)) <= 2 or min(values) < 0:
        return False
    positive = [v for v in values if v > 0]
    return len(set(positive)) >= 2 and max(positive) / min(positive) >= 20


def _value_cells(values: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Where each value's cell lies along a heatmap axis: centres, left and right edges, and the
    scale's note for the axis label.

    The values sit where `_Axis` puts them on a parallel-coordinates axis (names evenly, numbers by
    value, log where `_is_log` says, a 0 set apart), stretched so that names are one unit apart.
    Every cell is as wide as the median step between neighbours, cut at the midpoints, so a value
    the sweep skipped (0.1, 10 without 1) leaves an empty gap where its cell would be.
    """
    axis = _Axis(values, values)
    pos = axis.where * max(len(values) - 1, 1)
    order = np.argsort(pos)
    ordered = pos[order]
    steps = np.diff(np.unique(ordered))
    step = float(np.median(steps)) if steps.size else 1.0
    mids = (ordered[1:] + ordered[:-1]) / 2
    lefts, rights = np.empty(pos.size), np.empty(pos.size)
    lefts[order] = np.maximum(ordered - step / 2, np.concatenate([[-np.inf], mids]))
    rights[order] = np.minimum(ordered + step / 2, np.concatenate([mids, [np.inf]]))
    return pos, lefts, rights, axis.note


_GAP = {"facecolor": "white", "edgecolor": "0.75", "hatch": "//", "lw": 0.0}
_EMPTY = "lightgray"  # a cell with no finished member


def _mesh(lefts: np.ndarray, rights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A mesh's edges holding every cell, and each interval's value index (-1: a gap)."""
    edges = np.unique(np.concatenate([lefts, rights]))
    mid = (edges[1:] + edges[:-1]) / 2
    owner = np.full(mid.size, -1)
    for k, (lo, hi) in enumerate(zip(lefts, rights)):
        owner[(mid > lo) & (mid < hi)] = k
    return edges, owner


def _heatmap_counts(members, xs, ys, x, y, metric):
    """The mean of ``metric`` per cell (NaN where no member finished), members averaged and
    members diverged per cell."""
    total = np.zeros((len(ys), len(xs)))
    count = np.zeros((len(ys), len(xs)), dtype=int)
    diverged = np.zeros((len(ys), len(xs)), dtype=int)
    for m in members:
        i, j = ys.index(m[y]), xs.index(m[x])
        value = float(np.asarray(m.get(metric), float))  # None (a NaN in JSON): NaN
        if m.get("diverged", False) or not math.isfinite(value):
            diverged[i, j] += 1
        else:
            total[i, j] += value
            count[i, j] += 1
    return np.where(count > 0, total / np.maximum(count, 1), np.nan), count, diverged


def _cell_text(mean: float, count: int, diverged: int) -> str:
    if count + diverged == 0:
        return "no member"
    if not count:
        return "diverged" if diverged == 1 else f"{diverged} diverged"
    text = f"{mean:.3f}\nn = {count}"
    return text + (f"\n{diverged} of {count + diverged} diverged" if diverged else "")


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
    averaged out) and says how many members it averages (``n``) and how many diverged. Numeric
    axes are spaced by value (log where they span a factor of 20), so a value the sweep skipped is
    a hatched gap; names are evenly spaced. Grey cells hold no finished member: all diverged
    ("diverged") or none has those two values ("no member", as in a random search); a legend
    below the map says what grey and hatched mean when there are any.

    .. math:: H_{ij} = \operatorname{mean}\{m_k : x_k = x_j,\ y_k = y_i\}

    Args:
      members: member records with keys ``x``, ``y``, ``metric`` and ``diverged``.
      axes: every swept axis and its values, in order (names keep this order).
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
    grid, count, diverged = _heatmap_counts(members, xs, ys, x, y, metric)
    (cx, lx, rx, note_x), (cy, ly, ry, note_y) = _value_cells(xs), _value_cells(ys)
    (ex, ox), (ey, oy) = _mesh(lx, rx), _mesh(ly, ry)
    fig = _figure(1.1 * len(xs) + 3.0, 0.75 * len(ys) + 2.4)
    ax = fig.subplots()
    mesh = _draw_cells(ax, ex, ey, grid, ox, oy)
    lo, hi = mesh.get_clim()
    ax.set_xticks(cx, [_fmt(v) for v in xs], rotation=30 if len(xs) > 5 else 0)
    ax.set_yticks(cy, [_fmt(v) for v in ys])
    ax.set_xlim(ex[0], ex[-1])
    ax.set_ylim(ey[0], ey[-1])
    ax.set_xlabel(x + note_x)
    ax.set_ylabel(y + note_y)
    others = [k for k in axes if k not in (x, y) and len(axes[k]) > 1]
    over = f" over {', '.join(others)}" if others else ""
    note = f"(each cell: the mean of its n members{over}; diverged members left out)"
    width = max(60, int(12 * (1.1 * len(xs) + 3.0)))  # characters that fit the figure's width
    ax.set_title(f"{_label(metric)} over {x} and {y}\n" + "\n".join(textwrap.wrap(note, width)))
    fig.colorbar(mesh, ax=ax, label=_label(metric))
    if len(xs) * len(ys) <= 150:
        for i, j in np.ndindex(grid.shape):
            dark = count[i, j] and hi > lo and grid[i, j] < lo + 0.6 * (hi - lo)
            text = _cell_text(grid[i, j], count[i, j], diverged[i, j])
            color = "white" if dark else "black"
            ax.text(cx[j], cy[i], text, ha="center", va="center", color=color, fontsize=9)
    _heatmap_legend(fig, count, diverged, gaps=bool((ox < 0).any() or (oy < 0).any()))
    return fig


def _draw_cells(ax, ex, ey, grid, ox, oy):
    """The heatmap's cells on the mesh (``_mesh``): hatched gaps between values, grey cells with
    no finished member, the rest coloured by ``grid``; returns the coloured mesh."""
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Rectangle

    inside = (oy[:, None] >= 0) & (ox[None, :] >= 0)
    full = np.where(inside, grid[np.maximum(oy, 0)][:, np.maximum(ox, 0)], np.nan)
    ax.add_patch(  # behind every cell: what shows in a gap between swept values
        Rectangle((ex[0], ey[0]), ex[-1] - ex[0], ey[-1] - ey[0], **_GAP, zorder=0)
    )
    empty = np.ma.masked_where(~inside, np.zeros(inside.shape))
    ax.pcolormesh(ex, ey, empty, cmap=ListedColormap([_EMPTY]), edgecolors="face")
    finite = grid[np.isfinite(grid)]
    lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    cmap = colormaps["viridis"]
    return ax.pcolormesh(ex, ey, np.ma.masked_invalid(full), cmap=cmap, vmin=lo, vmax=hi)


def _heatmap_legend(fig, count, diverged, *, gaps: bool) -> None:
    from matplotlib.patches import Patch

    labels = []
    if np.any((count == 0) & (diverged > 0)):
        labels.append("grey, diverged: every member with these values diverged")
    if np.any(count + diverged == 0):
        labels.append("grey, no member: the sweep ran no member with these values")
    handles = [Patch(facecolor=_EMPTY, edgecolor="grey", label=m) for m in labels]
    if gaps:
        label = "hatched: between the swept values (the axis is spaced by value)"
        handles.append(Patch(**_GAP, label=label))
    if handles:  # below the axes and their labels, whatever the tick labels take
        fig.legend(handles=handles, loc="outside lower center", fontsize=9, frameon=False)


class _Axis:
    """Where each member sits on one vertical axis (0..1), the axis's ticks and labels, and for
    a log axis holding 0 where its log part begins (``zero_gap``; None otherwise)."""

    def __init__(self, values: Sequence[Any], column: Sequence[Any]) -> None:
        values = list(values)
        self.zero_gap: float | None = None
        self.log = False
        if len(values) == 1:
            self.where = np.full(len(column), 0.5)
            self.ticks, self.labels = [0.5], [_fmt(values[0])]
            return
        if not _numbers(values):
            pos = {v: i / (len(values) - 1) for i, v in enumerate(values)}
            self.where = np.array([pos[v] for v in column])
            self.ticks, self.labels = list(pos.values()), [_fmt(v) for v in values]
            return
        self.log = _is_log(values)
        has_zero = self.log and 0 in values
        scaled = [v for v in values if v > 0] if has_zero else values
        scale = np.log10 if self.log else (lambda v: np.asarray(v, dtype=float))
        lo, hi = float(np.min(scale(scaled))), float(np.max(scale(scaled)))
        span = hi - lo or 1.0
        base = _ZERO_GAP if has_zero else 0.0
        if has_zero:
            self.zero_gap = base

        def place(v: Any) -> np.ndarray:
            a = np.asarray(v, dtype=float)
            if not has_zero:
                return (scale(a) - lo) / span
            safe = np.where(a > 0, a, 10.0**lo)
            return np.where(a > 0, base + (1 - base) * (scale(safe) - lo) / span, 0.0)

        self.where = place(column)
        ordered = sorted(values)
        if len(ordered) > 8:
            ordered = list(np.quantile(ordered, [0, 0.5, 1]))
            if has_zero:
                ordered = [0.0, *np.quantile(scaled, [0, 0.5, 1])]
        self.ticks = [float(place(t)) for t in ordered]
        self.labels = [_fmt(float(t)) for t in ordered]

    @property
    def note(self) -> str:
        """The scale, for the axis's name: "", " (log)" or " (log, 0 set apart)"."""
        return "" if not self.log else " (log, 0 set apart)" if self.zero_gap else " (log)"


_BANDS = ("best third", "middle third", "worst third")


def _bands(scores: np.ndarray, bad: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """The members split into outcome bands, each drawn in a panel of its own: thirds by the
    metric (best first) when there are 9 or more finished members, else one band; then the
    diverged members."""
    done = np.flatnonzero(~bad)
    done = done[np.argsort(-scores[done], kind="stable")]
    bands = list(zip(_BANDS, np.array_split(done, 3))) if done.size >= 9 else [("finished", done)]
    bands.append(("diverged", np.flatnonzero(bad)))
    return [(name, idx) for name, idx in bands if idx.size]


def _draw_axes(ax, ticks, breaks) -> None:
    """The vertical axes of a parallel-coordinates panel with their tick labels in boxes."""
    n_axes = len(ticks)
    box = {"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "0.6", "lw": 0.6}
    for i, ((t, tick_labels), gap) in enumerate(zip(ticks, breaks)):
        if gap is None:
            ax.plot([i, i], [min(t + [0.0]), max(t + [1.0])], color="black", lw=0.8, zorder=1)
        else:  # the log part solid, the stretch down to 0 dotted: a break in the scale
            ax.plot([i, i], [gap, 1.0], color="black", lw=0.8, zorder=1)
            ax.plot([i, i], [0.0, gap], color="black", lw=0.8, ls=":", zorder=1)
            for dy in (-0.012, 0.012):  # a break mark: two short slanted strokes
                y0 = gap / 2 + dy
                ax.plot([i - 0.04, i + 0.04], [y0 - 0.012, y0 + 0.012], color="black", lw=1.2)
        # outside the outer axes no line runs; on an inner axis the label covers the point
        # where the lines meet, and they pass behind it
        if i == 0:
            dx, ha = -0.06, "right"
        elif i == n_axes - 1:
            dx, ha = 0.06, "left"
        else:
            dx, ha = 0.0, "center"
        for pos, label in zip(t, tick_labels):
            ax.text(i + dx, pos, label, ha=ha, va="center", fontsize=9, bbox=box, zorder=3)
    ax.set_yticks([])
    ax.set_xlim(-0.55, n_axes - 0.45)
    ax.set_ylim(-0.17, 1.06)
    for side in ("left", "right", "top", "bottom"):
        ax.spines[side].set_visible(False)


def plot_parallel_coordinates(
    members: Sequence[Mapping[str, Any]],
    axes: Mapping[str, Sequence[Any]],
    *,
    metric: str = "val_accuracy",
) -> Figure:
    """A parallel-coordinates plot, like the course's sweep view: one line per member.

    Each swept axis is a vertical line, the last one is ``metric``. Names are evenly spaced;
    numbers are on a log scale when there are more than two and the positive ones span a factor of
    20 or more, with a 0 placed apart at the bottom (the dotted stretch of the axis marks the
    break), else linear. Lines are coloured by ``metric``. So that good members cannot hide poor
    ones, each outcome band has a panel of its own: with 9 or more finished members the best,
    middle and worst thirds by ``metric``, then the diverged members (dashed red, ending below the
    metric axis). Every panel has the same axes and the same colour scale. Tick labels sit left of
    the first axis, right of the last, and on the axis in between, in boxes the lines pass behind.

    Args:
      members: member records with the axis keys, ``metric`` and ``diverged``.
      axes: every swept axis and its values, in order (axes with one value are still drawn).
      metric: the record key shown on the last axis and as colour.

    Returns:
      A matplotlib Figure with one panel per outcome band.
    """
    from matplotlib import cm, colormaps, colors

    names = list(axes)
    if not members:
        raise ValueError("members is empty: nothing to plot")
    built = [_Axis(axes[name], [m[name] for m in members]) for name in names]
    columns = [a.where for a in built]
    ticks = [(a.ticks, a.labels) for a in built]
    breaks = [a.zero_gap for a in built]
    scores = np.array([m.get(metric) for m in members], float)  # None: NaN
    bad = np.array([bool(m.get("diverged", False)) for m in members]) | ~np.isfinite(scores)
    good = scores[~bad]
    lo, hi = (float(good.min()), float(good.max())) if good.size else (0.0, 1.0)
    span = hi - lo or 1.0
    columns.append(np.where(bad, -0.1, (np.nan_to_num(scores) - lo) / span))
    metric_ticks = [0.0, 0.5, 1.0] + ([-0.1] if bad.any() else [])
    labels = [f"{lo:.3f}", f"{(lo + hi) / 2:.3f}", f"{hi:.3f}", "diverged"]
    ticks.append((metric_ticks, labels[: len(metric_ticks)]))
    breaks.append(None)
    data = np.stack(columns, axis=1)
    bands = _bands(scores, bad)
    fig = _figure(max(6.5, 1.35 * data.shape[1] + 1.5), 2.4 * len(bands) + 1.0)
    panels = np.atleast_1d(fig.subplots(len(bands), 1, sharex=True))
    cmap = colormaps["viridis"]
    norm = colors.Normalize(lo, hi if hi > lo else lo + 1)
    xs = np.arange(data.shape[1])
    for ax, (band, idx) in zip(panels, bands):
        for k in idx[np.argsort(scores[idx])]:  # within a band, the better drawn later
            if bad[k]:
                ax.plot(xs, data[k], color="tab:red", ls="--", lw=1.2, alpha=0.8, zorder=2)
            else:
                ax.plot(xs, data[k], color=cmap(norm(scores[k])), lw=1.6, alpha=0.85, zorder=2)
        _draw_axes(ax, ticks, breaks)
        if band == "diverged":
            title = f"diverged: {idx.size} member(s) (red, dashed)"
        else:
            title = f"{band}: {_label(metric)} {scores[idx].min():.3f} to {scores[idx].max():.3f}"
            title += f" ({idx.size} members)"
        ax.set_title(title, fontsize=10, loc="left")
    panels[-1].set_xticks(xs, [n + a.note for n, a in zip(names, built)] + [_label(metric)])
    panels[-1].tick_params(axis="x", length=0)
    n_bad = int(bad.sum())
    extra = f", {n_bad} diverged" if n_bad else ""
    fig.suptitle(f"{len(members)} members{extra}, coloured by {_label(metric)}: one panel per band")
    mappable = cm.ScalarMappable(norm=norm, cmap=cmap)
    fig.colorbar(mappable, ax=list(panels), label=_label(metric), shrink=min(1.0, 2.0 / len(bands)))
    return fig


def plot_parameter_importance(
    rows: Sequence[Mapping[str, Any]], *, metric: str = "val_accuracy", top: int = 20
) -> Figure:
    """Parameter importance and correlation with ``metric``, as wandb's sweep panel shows them.

    One row per column of the swept parameters (a number, or one value of a name:
    ``optimizer=adam``), most important first: on the left the random forest's importance (0 to
    1), on the right Pearson's correlation with ``metric`` (-1 to 1; green positive, red
    negative). A missing value (no scikit-learn, or a column that never varies) is marked "n/a".

    Args:
      rows: records with ``name``, ``importance`` and ``correlation`` (see
        `jaxnn.sweeps._importance.parameter_importance`), in the order to show.
      metric: the metric's record key, for the title.
      top: at most this many rows.

    Returns:
      A matplotlib Figure.
    """
    if not rows:
        raise ValueError("rows is empty: no parameter to show")
    rows = list(rows)[:top]
    n = len(rows)
    fig = _figure(10.0, 0.42 * n + 1.9)
    left, right = fig.subplots(1, 2, sharey=True)
    ys = np.arange(n)[::-1]
    names = [str(r["name"]) for r in rows]
    importances = [r.get("importance") for r in rows]
    correlations = [r.get("correlation") for r in rows]
    have = any(v is not None for v in importances)
    left.barh(ys, [v or 0.0 for v in importances], color="tab:blue", height=0.6)
    right.barh(
        ys,
        [c or 0.0 for c in correlations],
        color=["tab:green" if (c or 0) >= 0 else "tab:red" for c in correlations],
        height=0.6,
    )
    top_importance = max([v for v in importances if v is not None] or [1.0])
    left.set_xlim(0, max(top_importance * 1.25, 0.05))
    right.set_xlim(-1.15, 1.15)
    right.axvline(0, color="black", lw=0.8)
    for y, v in zip(ys, importances):
        left.text(v or 0.0, y, f" {v:.3f}" if v is not None else " n/a", va="center", fontsize=9)
    for y, c in zip(ys, correlations):
        x = c or 0.0
        label = f"{c:+.2f}" if c is not None else "n/a"
        right.text(
            x,
            y,
            f" {label} ",
            va="center",
            fontsize=9,
            ha="left" if x >= 0 else "right",
        )
    left.set_yticks(ys, names)
    left.set_xlabel("importance (random forest)" if have else "importance: needs scikit-learn")
    right.set_xlabel(f"correlation with {_label(metric)} (Pearson)")
    for ax in (left, right):
        ax.grid(axis="x", alpha=0.3)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.suptitle(f"parameter importance with respect to {_label(metric)}")
    return fig

"""Sweep figures: the heatmap's cells, the parallel-coordinates lines, bad axes."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from jaxnn import plot_parallel_coordinates, plot_sweep_heatmap
from jaxnn._plots import default_heatmap_axes
from jaxnn.sweeps import grid  # noqa: E402

AXES = {"lr": [1e-3, 1e-2, 1e-1, 10.0], "seed": [0, 1], "a": ["tanh", "relu"]}


def members():
    rows = grid(AXES)
    for m in rows:
        m["val_accuracy"] = 0.5 + 0.1 * AXES["lr"].index(m["lr"]) + 0.01 * m["seed"]
        m["val_accuracy"] += 0.02 * (m["a"] == "relu")
        m["diverged"] = m["lr"] == 10.0 and m["a"] == "relu"
        if m["diverged"]:
            m["val_accuracy"] = float("nan")
    return rows


def test_default_axes_are_the_two_with_most_values():
    assert default_heatmap_axes(AXES) == ("lr", "seed")
    assert default_heatmap_axes({"seed": [0, 1, 2], "lr": [1e-3, 1e-2]}) == ("seed", "lr")
    assert default_heatmap_axes({"lr": [1e-3, 1e-2], "seed": [0]}) is None


def _cells(fig) -> np.ndarray:
    """The heatmap's mesh of means (NaN where nothing is drawn): the data mesh is the last."""
    mesh = fig.axes[0].collections[-1]
    rows, cols = (n - 1 for n in mesh.get_coordinates().shape[:2])
    return np.ma.filled(mesh.get_array().astype(float), np.nan).reshape(rows, cols)


def test_heatmap_cells_are_means_over_the_other_axes_without_diverged():
    fig = plot_sweep_heatmap(members(), AXES, "lr", "seed")
    cells = _cells(fig)
    # rows: seed; columns: lr spaced by value on a log scale, 1e-3, 1e-2, 1e-1, a gap where 1
    # would be, 10
    assert cells.shape == (2, 5)
    assert np.isnan(cells[:, 3]).all()
    expected = np.array([[0.5 + 0.1 * j + 0.01 * i + 0.01 for j in range(3)] for i in range(2)])
    np.testing.assert_allclose(cells[:, :3], expected, rtol=1e-12)
    # lr = 10: the relu member diverged, the tanh member alone is the mean
    np.testing.assert_allclose(cells[:, 4], [0.8, 0.81], rtol=1e-12)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("0.800\nn = 1\n1 of 2 diverged") == 1  # members averaged, left out
    assert texts.count("0.510\nn = 2") == 1  # seed 0, lr 1e-3: tanh and relu averaged
    assert "mean of its n members over a" in fig.axes[0].get_title()
    assert fig.axes[0].get_xlabel() == "lr (log)"
    ticks = {t.get_text(): t.get_position()[0] for t in fig.axes[0].get_xticklabels()}
    steps = np.diff([ticks[v] for v in ("0.001", "0.01", "0.1", "10")])
    np.testing.assert_allclose(steps / steps[0], [1, 1, 2])  # by value: a decade is missing
    plt.close(fig)


def test_heatmap_numeric_axes_are_spaced_by_value():
    from jaxnn._plots import _value_cells

    centres, lefts, rights, note = _value_cells([0.001, 0.01, 0.1, 10.0])  # 1 is missing
    np.testing.assert_allclose(np.diff(centres) / np.diff(centres)[0], [1, 1, 2])
    np.testing.assert_allclose(rights - lefts, np.diff(centres)[0])  # a decade each
    assert lefts[3] - rights[2] == pytest.approx(np.diff(centres)[0])  # and a decade empty
    assert note == " (log)"
    centres, lefts, rights, note = _value_cells([16, 32, 64])  # a factor 4: linear
    np.testing.assert_allclose(np.diff(centres) / np.diff(centres)[0], [1, 2])
    assert rights[1] < lefts[2] and note == ""  # 48 skipped: a gap
    centres, lefts, rights, note = _value_cells([0, 0.0005, 0.5])  # 0 set apart below the logs
    assert centres[0] < centres[1] < centres[2] and note == " (log, 0 set apart)"
    centres, lefts, rights, note = _value_cells(["adam", "sgd", "nag"])  # names: evenly, in order
    np.testing.assert_allclose(centres, [0, 1, 2])


def test_heatmap_all_diverged_cell_is_marked():
    rows = [m for m in members() if m["a"] == "relu"]
    fig = plot_sweep_heatmap(rows, {"lr": AXES["lr"], "seed": [0, 1]}, "lr", "seed")
    cells = _cells(fig)  # NaN cells come masked
    assert np.isnan(cells[:, 3:]).all() and np.isfinite(cells[:, :3]).all()
    assert [t.get_text() for t in fig.axes[0].texts].count("diverged") == 2
    plt.close(fig)


def test_heatmap_bad_axes():
    with pytest.raises(ValueError, match="heatmap axis 'm' is not a swept axis"):
        plot_sweep_heatmap(members(), AXES, "lr", "m")
    with pytest.raises(ValueError, match="two different axes"):
        plot_sweep_heatmap(members(), AXES, "lr", "lr")


def test_parallel_coordinates_one_line_per_member():
    rows = members()
    fig = plot_parallel_coordinates(rows, AXES)
    panels = fig.axes[:-1]  # the last is the colour bar
    lines = [line for ax in panels for line in ax.lines if len(line.get_xdata()) == 4]
    assert len(lines) == len(rows)
    dashed = [line for line in lines if line.get_linestyle() == "--"]
    assert len(dashed) == sum(m["diverged"] for m in rows) == 2
    for line in dashed:  # diverged members end below the metric axis
        assert line.get_ydata()[-1] < 0
    assert "2 diverged" in fig.get_suptitle()
    # lr spans a factor 1e4: a log axis, 1e-3, 1e-2, 1e-1, 10 at 0, 1/4, 1/2, 1
    ys = sorted({round(float(line.get_ydata()[0]), 9) for line in lines})
    np.testing.assert_allclose(ys, [0, 0.25, 0.5, 1.0], atol=1e-9)
    plt.close(fig)
    with pytest.raises(ValueError, match="members is empty"):
        plot_parallel_coordinates([], AXES)


def test_parallel_coordinates_set_weight_decay_zero_apart_on_a_log_axis():
    axes = {"weight_decay": [0, 0.0005, 0.5], "seed": [0, 1]}
    rows = grid(axes)
    for m in rows:
        m["val_accuracy"], m["diverged"] = 0.5 + m["weight_decay"], False
    fig = plot_parallel_coordinates(rows, axes)
    ax = fig.axes[0]
    lines = [line for line in ax.lines if len(line.get_xdata()) == 3]
    heights = {m["weight_decay"]: float(line.get_ydata()[0]) for m, line in zip(rows, lines)}
    # 0 at the bottom, set apart; 0.0005 and 0.5 at the ends of the log part (3 decades)
    assert heights[0] == 0.0 and heights[0.5] == 1.0
    assert 0.1 < heights[0.0005] < 0.2  # the log part starts above the break
    labels = [t.get_text() for t in ax.texts]
    assert {"0", "0.0005", "0.5"} <= set(labels)
    assert ax.get_xticklabels()[0].get_text() == "weight_decay (log, 0 set apart)"
    plt.close(fig)


def test_parallel_coordinates_keep_poor_members_in_a_panel_of_their_own():
    # 72 members: the best cannot cover the poor, each third of the outcomes has its panel
    axes = {"optimizer": ["sgd", "adam", "nag"], "lr": [1e-4, 1e-3], "seed": list(range(12))}
    rows = grid(axes)
    for m in rows:
        good = m["optimizer"] == "adam" or m["lr"] == 1e-3
        m["val_accuracy"], m["diverged"] = (0.9 if good else 0.11) + 0.001 * m["seed"], False
    fig = plot_parallel_coordinates(rows, axes)
    panels = fig.axes[:-1]
    titles = [ax.get_title(loc="left") for ax in panels]
    assert [t.split(":")[0] for t in titles] == ["best third", "middle third", "worst third"]
    assert [len([ln for ln in ax.lines if len(ln.get_xdata()) == 4]) for ax in panels] == [24] * 3
    worst = [ln for ln in panels[2].lines if len(ln.get_xdata()) == 4]
    assert all(float(ln.get_ydata()[-1]) < 0.05 for ln in worst)  # all 0.11-ish, at the bottom
    assert "0.110 to 0.121" in titles[2]
    plt.close(fig)


def test_heatmap_says_what_empty_cells_mean():
    rows = [m for m in members() if not (m["lr"] == 1e-3 and m["seed"] == 1)]  # a random search
    fig = plot_sweep_heatmap(rows, AXES, "lr", "seed")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("no member") == 1
    (legend,) = fig.legends  # the figure's, below the axes and their labels
    assert [t.get_text() for t in legend.get_texts()] == [
        "grey, no member: the sweep ran no member with these values",
        "hatched: between the swept values (the axis is spaced by value)",
    ]
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    assert legend.get_window_extent(renderer).y1 <= fig.axes[0].get_tightbbox(renderer).y0
    plt.close(fig)


def test_parameter_importance_figure_rows_and_bars(tmp_path):
    from jaxnn import save_png
    from jaxnn._plots import plot_parameter_importance

    rows = [
        {"name": "learning_rate", "importance": 0.6, "correlation": 0.8},
        {"name": "optimizer=sgd", "importance": 0.3, "correlation": -0.4},
        {"name": "seed", "importance": 0.1, "correlation": None},
    ]
    fig = plot_parameter_importance(rows, metric="val_accuracy")
    left, right = fig.axes
    assert [t.get_text() for t in left.get_yticklabels()] == [
        "learning_rate",
        "optimizer=sgd",
        "seed",
    ]
    widths = [p.get_width() for p in left.patches]
    assert widths == [0.6, 0.3, 0.1]
    corr = [p.get_width() for p in right.patches]
    assert corr == [0.8, -0.4, 0.0]
    assert "n/a" in [t.get_text().strip() for t in right.texts]
    assert "validation accuracy" in fig._suptitle.get_text()
    path = save_png(fig, tmp_path / "importance.png")
    from matplotlib.image import imread

    h, w = imread(path).shape[:2]
    assert w > 800 and h < 400  # wide and short: three rows read at a report's width
    with pytest.raises(ValueError, match="rows is empty"):
        plot_parameter_importance([])

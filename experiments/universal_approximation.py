"""Notes 3.4: a sum of towers made of sigmoid neurons approximates a continuous function."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import matplotlib.colors
import matplotlib.lines
import numpy as np

import jaxnn
from jaxnn import BIN_STEEPNESS, tower, tower_approximation, tower_approximation_2d, tower_sum

from ._common import Result, main, plt, save_figure

TITLE = "Universal approximation: towers of sigmoid neurons"
SECTION = "3.4"
ORDER = 3.4

TOWERS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
FIXED_STEEPNESS = 50.0
WIDTHS = (2, 4, 8, 16, 32, 64)
SEEDS = 3
STEPS = 4000
LEARNING_RATE = 0.05
TRAIN_POINTS = 256
EVAL_POINTS = 4001
TOWERS_2D = (4, 8, 16, 32)
GRID_2D = 257  # spacing 1/128: every inner grid corner of 4..32 towers is a point
TOL_2D = 0.05
TOL_1D = 0.02

TARGETS = {
    "sin(x) on [-pi, pi]": (jnp.sin, -np.pi, np.pi),
    "abs(x) on [-1, 1]": (jnp.abs, -1.0, 1.0),
}


def target_2d(x: jax.Array, y: jax.Array) -> jax.Array:
    return jnp.sin(jnp.pi * x) * jnp.cos(jnp.pi * y / 2)


def _net(params, x: jax.Array) -> jax.Array:
    y_hat, _ = jaxnn.forward(params, x[:, None], activation="sigmoid", output="linear")
    return y_hat[:, 0]


@functools.partial(jax.jit, static_argnames="n")
def _tower_errors_n(xs: jax.Array, fxs: jax.Array, *, n: int) -> jax.Array:
    """Per target: max errors with w d = BIN_STEEPNESS and with w fixed, network-formula gap."""
    errors = []
    for (f, lo, hi), x, fx in zip(TARGETS.values(), xs, fxs):
        params = tower_approximation(f, lo, hi, n)
        approx = _net(params, x)
        # the network is the formula: edges -b/w and heights +-W2 give tower_sum back
        w = params[0].W[0, 0]
        edges = jnp.concatenate([-params[0].b[::2] / w, -params[0].b[-1:] / w])
        formula = tower_sum(x, params[1].W[0, ::2], edges, steepness=w)
        fixed = _net(tower_approximation(f, lo, hi, n, steepness=FIXED_STEEPNESS), x)
        errors.append(
            [
                jnp.max(jnp.abs(approx - fx)),
                jnp.max(jnp.abs(fixed - fx)),
                jnp.max(jnp.abs(formula - approx)),
            ]
        )
    return jnp.asarray(errors)


def _tower_errors(xs: jax.Array, fxs: jax.Array) -> dict:
    """Max error of the tower network for each target and n (w d fixed, and w fixed)."""
    errors = np.stack([np.asarray(_tower_errors_n(xs, fxs, n=n)) for n in TOWERS], axis=1)
    return {
        name: {
            "scaled": errors[t, :, 0].tolist(),
            "fixed": errors[t, :, 1].tolist(),
            "formula_gap": float(errors[t, :, 2].max()),
        }
        for t, name in enumerate(TARGETS)
    }


def _train_config(width: int) -> jaxnn.TrainConfig:
    """A 1-width-1 sigmoid network fitted by full-batch adam on the mse, cosine-decayed rate."""
    return jaxnn.make_config(
        (1, width, 1),
        activation="sigmoid",
        output="linear",
        loss="mse",
        optimizer="adam",
        batch_size=TRAIN_POINTS,  # full batch: every "epoch" of `jaxnn.train` is one step
        epochs=STEPS,
        lr_schedule="cosine",
    )


@functools.partial(jax.jit, static_argnames="width")
def _train(key: jax.Array, data: jaxnn.Dataset, *, width: int) -> jax.Array:
    """`jaxnn.train` (gradients by Algorithm 6), then the network on the test points."""
    config = _train_config(width)
    hparams = jaxnn.make_hparams(learning_rate=LEARNING_RATE)
    state, _ = jaxnn.train(config, hparams, key, data)
    return jaxnn.predict(config, state.params, data.x_test)[:, 0]


def _trained_errors(seed: int, xs, ys, x_evals, f_evals) -> np.ndarray:
    """Max error (targets, widths, seeds) of trained networks, vmapped over targets and seeds."""
    keys = jax.random.key_data(jax.random.split(jax.random.key(seed), SEEDS))
    # trained and validated on the training points, tested on the evaluation grid
    data = jaxnn.Dataset(xs, ys, xs, ys, x_evals, f_evals[..., None])
    errors = []
    for width in WIDTHS:
        per_seed = jax.vmap(functools.partial(_train, width=width), (0, None))
        y_eval = jax.vmap(per_seed, (None, 0))(keys, data)
        errors.append(jnp.max(jnp.abs(y_eval - f_evals[:, None, :]), axis=-1))
    return np.asarray(jnp.stack(errors, axis=1))


@functools.partial(jax.jit, static_argnames="n")
def _approx_2d(xy: jax.Array, *, n: int) -> jax.Array:
    params = tower_approximation_2d(target_2d, jnp.array([-1.0, -1.0]), jnp.array([1.0, 1.0]), n)
    approx, _ = jaxnn.forward(params, xy, activation="sigmoid", output="linear")
    return approx


def _errors_2d(xy, fxy) -> list[dict]:
    rows = []
    for n in TOWERS_2D:
        approx = _approx_2d(xy, n=n)
        err = jnp.abs(approx[:, 0] - fxy)
        rows.append(
            {
                "n": n,
                "neurons": [4 * n, n * n],
                "max": float(jnp.max(err)),
                "mean": float(jnp.mean(err)),
                "area_above_tol": float(jnp.mean(err > TOL_2D)),
                "approx": np.asarray(approx[:, 0]),
            }
        )
    return rows


def _figure_towers(out: Path, grids: dict) -> str:
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    x = jnp.linspace(-1.0, 3.0, 801)
    w, a, b = 20.0, 0.5, 1.5
    ax = axes[0]
    ax.plot(x, jax.nn.sigmoid(w * (x - a)), "--", label=rf"$\sigma({w:g}(x - {a}))$")
    ax.plot(x, -jax.nn.sigmoid(w * (x - b)), "--", label=rf"$-\sigma({w:g}(x - {b}))$")
    ax.plot(x, tower(x, a, b, steepness=w), "k", lw=2.5, label="sum: a tower")
    ax.set(title="Two steep sigmoids, weights +1 and -1", xlabel="x", ylabel="output")
    ax.legend(loc="lower left")
    for ax, (name, (f, lo, hi)) in zip(axes[1:], TARGETS.items()):
        xg, fx = grids[name]
        ax.plot(xg, fx, "k", lw=2.5, label="target")
        for n, style in ((4, "-"), (16, "-")):
            ax.plot(xg, _net(tower_approximation(f, lo, hi, n), xg), style, label=f"{n} towers")
        ax.set(title=f"Sum of towers: {name}", xlabel="x", ylabel="f(x)")
        ax.legend(loc="best")
    fig.tight_layout()
    return save_figure(fig, out, "universal_approximation_towers.png")


def _figure_errors(out: Path, towers: dict, trained: np.ndarray) -> str:
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    neurons = 2 * np.asarray(TOWERS)
    for i, (ax, name) in enumerate(zip(axes, TARGETS)):
        ax.loglog(neurons, towers[name]["scaled"], "o-", label=f"towers, w d = {BIN_STEEPNESS:g}")
        ax.loglog(neurons, towers[name]["fixed"], "s--", label=f"towers, w = {FIXED_STEEPNESS:g}")
        med = np.median(trained[i], axis=1)
        lo_err, hi_err = med - trained[i].min(axis=1), trained[i].max(axis=1) - med
        ax.errorbar(
            WIDTHS,
            med,
            yerr=[lo_err, hi_err],
            fmt="^-",
            capsize=3,
            label=f"trained (median, min-max of {SEEDS} seeds)",
        )
        ref = towers[name]["scaled"][2] * neurons[2] / neurons
        ax.loglog(neurons, ref, ":", color="grey", label="1 / neurons")
        ax.set(title=f"Max error: {name}", xlabel="hidden neurons", ylabel="max |f - network|")
        ax.grid(True, which="major", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=10, frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return save_figure(fig, out, "universal_approximation_errors.png")


ZOOM_CORNER = (0.5, 0.0)  # an inner grid corner of 16 x 16 towers, where |f| = 1
ZOOM_HALF_WIDTH = 0.01


def _corner_errors(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The (n - 1)^2 inner grid corners of n x n towers, shape (m, 2), and the error at each."""
    edges = jnp.linspace(-1.0, 1.0, n + 1)[1:-1]
    cx, cy = jnp.meshgrid(edges, edges, indexing="ij")
    corners = jnp.stack([cx.ravel(), cy.ravel()], axis=1)
    err = jnp.abs(_approx_2d(corners, n=n)[:, 0] - target_2d(corners[:, 0], corners[:, 1]))
    return np.asarray(corners), np.asarray(err)


def _zoom(n: int, points: int = 201) -> tuple[np.ndarray, np.ndarray]:
    """n x n towers and the target on a fine grid around `ZOOM_CORNER` (odd ``points``: the
    corner is the centre), each of shape (points, points)."""
    z = jnp.linspace(-ZOOM_HALF_WIDTH, ZOOM_HALF_WIDTH, points)
    zx, zy = jnp.meshgrid(ZOOM_CORNER[0] + z, ZOOM_CORNER[1] + z, indexing="ij")
    xy = jnp.stack([zx.ravel(), zy.ravel()], axis=1)
    approx = _approx_2d(xy, n=n)[:, 0].reshape(zx.shape)
    return np.asarray(approx), np.asarray(target_2d(zx, zy))


def _figure_2d(out: Path, g: jax.Array, fxy: jax.Array, rows: list[dict]) -> str:
    X, Y = np.meshgrid(np.asarray(g), np.asarray(g), indexing="ij")
    shape = X.shape
    coarse = next(r for r in rows if r["n"] == 8)
    fine = next(r for r in rows if r["n"] == 16)
    fig = plt.figure(figsize=(13, 10), layout="constrained")
    panels = [
        ("Target sin(pi x) cos(pi y / 2)", np.asarray(fxy).reshape(shape)),
        ("8 x 8 two-dimensional towers", coarse["approx"].reshape(shape)),
    ]
    for k, (title, Z) in enumerate(panels, start=1):
        ax = fig.add_subplot(2, 2, k, projection="3d")
        ax.plot_surface(X, Y, Z, cmap="viridis", rstride=2, cstride=2, linewidth=0)
        ax.set(title=title, xlabel="x", ylabel="y", zlabel="f", zlim=(-1.05, 1.05))
        ax.set(xticks=[-1, 0, 1], yticks=[-1, 0, 1], zticks=[-1, 0, 1])
    floor = 1e-3
    norm = matplotlib.colors.LogNorm(vmin=floor, vmax=1.0)
    ax = fig.add_subplot(2, 2, 3)
    err = np.abs(fine["approx"] - np.asarray(fxy)).reshape(shape)
    im = ax.imshow(
        np.maximum(err.T, floor), origin="lower", extent=(-1, 1, -1, 1), cmap="magma", norm=norm
    )
    corners, corner_err = _corner_errors(fine["n"])
    ax.scatter(
        corners[:, 0],
        corners[:, 1],
        c=np.maximum(corner_err, floor),
        cmap="magma",
        norm=norm,
        s=22,
        edgecolors="white",
        linewidths=0.6,
    )
    ax.scatter(*ZOOM_CORNER, s=140, facecolors="none", edgecolors="cyan", linewidths=2)
    ax.annotate(
        "zoomed",
        ZOOM_CORNER,
        xytext=(0.55, 0.45),
        fontsize=10,
        bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "cyan"},
        arrowprops={"arrowstyle": "->", "color": "cyan", "lw": 1.5},
    )
    corner = matplotlib.lines.Line2D(
        [],
        [],
        ls="",
        marker="o",
        mfc="#fcfdbf",
        mec="white",
        label="inner grid corners,\ncoloured by |error| there",
    )
    ax.legend(handles=[corner], loc="lower left", fontsize=9, framealpha=0.9)
    ax.set(
        title=f"|error|, 16 x 16 towers: up to {corner_err.max():.2g} at the grid corners",
        xlabel="x",
        ylabel="y",
    )
    ax = fig.add_subplot(2, 2, 4)
    approx, f = _zoom(fine["n"])
    zoom, mid = np.abs(approx - f), approx.shape[0] // 2
    cx, cy, h = *ZOOM_CORNER, ZOOM_HALF_WIDTH
    ax.imshow(
        np.maximum(zoom.T, floor),
        origin="lower",
        extent=(cx - h, cx + h, cy - h, cy + h),
        cmap="magma",
        norm=norm,
    )
    ax.axvline(cx, color="cyan", ls=":", lw=1)
    ax.axhline(cy, color="cyan", ls=":", lw=1, label="bin edges")
    ax.legend(loc="lower left", fontsize=9, framealpha=0.9)
    ax.set(
        title=f"|error| zoomed x{1 / h:.0f} on the corner ({cx:g}, {cy:g}):\n"
        f"the network dips to {approx[mid, mid]:.2f} where f = {f[mid, mid]:.2f}",
        xlabel="x",
        ylabel="y",
    )
    ax.set_xticks([cx - h, cx, cx + h])
    ax.set_yticks([cy - h, cy, cy + h])
    fig.colorbar(im, ax=fig.axes[2:], label="|error| (log scale)", shrink=0.9)
    return save_figure(fig, out, "universal_approximation_2d.png")


def run(out: Path, *, seed: int = 0) -> Result:
    grids = {}
    for name, (f, lo, hi) in TARGETS.items():
        x = jnp.linspace(lo, hi, EVAL_POINTS)
        grids[name] = (x, f(x))
    x_evals = jnp.stack([grids[name][0] for name in TARGETS])
    f_evals = jnp.stack([grids[name][1] for name in TARGETS])
    towers = _tower_errors(x_evals, f_evals)

    xs = jnp.stack([jnp.linspace(lo, hi, TRAIN_POINTS) for _, lo, hi in TARGETS.values()])
    ys = jnp.stack([f(x) for (f, _, _), x in zip(TARGETS.values(), xs)])
    trained = _trained_errors(seed, xs[..., None], ys[..., None], x_evals[..., None], f_evals)

    g = jnp.linspace(-1.0, 1.0, GRID_2D)
    X, Y = jnp.meshgrid(g, g, indexing="ij")
    xy = jnp.stack([X.ravel(), Y.ravel()], axis=1)
    fxy = target_2d(xy[:, 0], xy[:, 1])
    rows_2d = _errors_2d(xy, fxy)

    names = list(TARGETS)
    rows = [
        (n, 2 * n, *(towers[name]["scaled"][i] for name in names)) for i, n in enumerate(TOWERS)
    ]
    width_rows = []
    for j, width in enumerate(WIDTHS):
        i = TOWERS.index(width // 2)
        width_rows.append(
            (
                width,
                *(
                    v
                    for t, name in enumerate(names)
                    for v in (towers[name]["scaled"][i], float(np.median(trained[t, j])))
                ),
            )
        )
    table = "\n\n".join(
        [
            f"**Towers** (w d = {BIN_STEEPNESS:g}, max error on {EVAL_POINTS} points):",
            jaxnn.markdown_table(["towers n", "hidden neurons", *names], rows),
            f"**Towers vs trained 1-hidden-layer sigmoid networks** (`jaxnn.train`: adam, "
            f"cosine-decayed learning rate {LEARNING_RATE}, {STEPS} full-batch steps on "
            f"{TRAIN_POINTS} points, gradients by Algorithm 6; median max error of {SEEDS} "
            "seeds):",
            jaxnn.markdown_table(
                [
                    "hidden neurons",
                    *(f"{h}: {name}" for name in names for h in ("towers", "trained")),
                ],
                width_rows,
            ),
            f"**Two dimensions** ({GRID_2D} x {GRID_2D} grid on [-1, 1]^2, "
            "f = sin(pi x) cos(pi y / 2), two hidden layers):",
            jaxnn.markdown_table(
                [
                    "towers per axis",
                    "layer 1 / layer 2 neurons",
                    "max error",
                    "mean error",
                    f"area with error > {TOL_2D}",
                ],
                [
                    (
                        r["n"],
                        f"{r['neurons'][0]} / {r['neurons'][1]}",
                        r["max"],
                        r["mean"],
                        r["area_above_tol"],
                    )
                    for r in rows_2d
                ],
            ),
        ]
    )
    figures = [
        _figure_towers(out, grids),
        _figure_errors(out, towers, trained),
        _figure_2d(out, g, fxy, rows_2d),
    ]
    sin_err, abs_err = (towers[name]["scaled"] for name in names)
    falls = all(
        np.all(np.diff(towers[name]["scaled"]) <= 1e-6) and towers[name]["scaled"][-1] < TOL_1D
        for name in names
    )
    mean_2d = [r["mean"] for r in rows_2d]
    held = falls and np.all(np.diff(mean_2d) < 0)
    verdict = (
        f"from 1 to {TOWERS[-1]} towers the tower "
        f"network's max error never rose and fell to {sin_err[-1]:.2g} (sin) and "
        f"{abs_err[-1]:.2g} (abs(x)), below {TOL_1D}, about 1/n; trained networks of "
        f"{WIDTHS[-1]} neurons reached {np.median(trained[0, -1]):.2g} and "
        f"{np.median(trained[1, -1]):.2g}; in 2-D the mean error fell {mean_2d[0]:.2g} -> "
        f"{mean_2d[-1]:.2g} while the max stayed {rows_2d[-1]['max']:.2g} at the grid corners."
    )
    return Result(
        claim=(
            "A network with a single hidden layer of sigmoid neurons can approximate any "
            "continuous function to any desired precision (notes 3.4): two steep sigmoids make a "
            "tower, and a sum of towers as high as the target at their bins' centres follows it "
            "ever closer as the towers get narrower."
        ),
        table=table,
        figures=figures,
        data={
            "towers": list(TOWERS),
            "tower_max_error": {name: towers[name]["scaled"] for name in names},
            "tower_max_error_fixed_steepness": {name: towers[name]["fixed"] for name in names},
            "fixed_steepness": FIXED_STEEPNESS,
            "bin_steepness": BIN_STEEPNESS,
            "network_vs_formula_max_gap": max(towers[n]["formula_gap"] for n in names),
            "widths": list(WIDTHS),
            "trained_max_error": {name: trained[t].tolist() for t, name in enumerate(names)},
            "two_d": [{k: v for k, v in r.items() if k != "approx"} for r in rows_2d],
        },
        held=bool(held),
        verdict=verdict,
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.modules[__name__]))

"""Notes 2.2-2.4: the perceptron learning algorithm on the 16 boolean functions of two inputs."""

from __future__ import annotations

import sys
from pathlib import Path

import jax
import numpy as np

import jaxnn

from ._common import Result, main, plt, save_figure

TITLE = "Perceptron learning on the 16 functions of two inputs"
SECTION = "2.2"
ORDER = 2.2

SEEDS = 32
MAX_STEPS = 2000


def _fit_all(tables: jax.Array, keys: jax.Array) -> jaxnn.PerceptronFit:
    """Algorithm 1 for every (function, seed) pair, in one vmapped call."""
    x = jaxnn.boolean_inputs(2)
    per_seed = jax.vmap(
        lambda t, k: jaxnn.learn_perceptron(x, t, k, algorithm="random", max_steps=MAX_STEPS),
        in_axes=(None, 0),
    )
    return jax.vmap(per_seed, in_axes=(0, None))(tables, keys)


def _draw(ax, table, w, b, converged, name, j, separable) -> None:
    """One function: the learned unit's half-planes and line, each point filled by its output."""
    x = np.asarray(jaxnn.boolean_inputs(2))
    g = np.linspace(-0.5, 1.5, 201)
    gx, gy = np.meshgrid(g, g)
    ax.contourf(
        gx,
        gy,
        (w[0] * gx + w[1] * gy + b >= 0).astype(float),
        levels=[-0.5, 0.5, 1.5],
        colors=["#f4d8d8", "#d8e4f4"],
    )
    if np.any(w != 0):
        ax.contour(gx, gy, w[0] * gx + w[1] * gy + b, levels=[0], colors="k", linewidths=1.5)
    z = x @ w + b
    output = z >= 0  # the learned unit's output: a point on the line (z = 0) gives 1
    for (x1, x2), zi, out, y in zip(x, z, output, table):
        ax.scatter(x1, x2, s=110, c="tab:blue" if out else "white", edgecolors="k", zorder=3)
        if out != y:
            ax.scatter(x1, x2, s=330, facecolors="none", edgecolors="crimson", lw=2.5, zorder=4)
        ax.annotate(
            f"{zi:g}",
            (x1, x2),
            xytext=(7, 6),
            textcoords="offset points",
            fontsize=10,
            weight="bold" if zi == 0 else "normal",
            zorder=5,
        )
    ax.set_xlim(-0.5, 1.5)
    ax.set_ylim(-0.5, 1.5)
    ax.set_xticks([0, 1])
    ax.set_yticks([0, 1])
    weights = f"w=({w[0]:g},{w[1]:g}), b={b:g}"
    if not separable:
        wrong = int(np.sum(output != table))
        ax.set_title(
            f"f{j + 1} {name}: not separable\n{weights}, {wrong} wrong",
            color="crimson",
            fontsize=10,
            weight="bold",
        )
    else:
        ax.set_title(
            f"f{j + 1} {name}\n{weights}" + ("" if converged else " (not converged)"), fontsize=10
        )


def run(out: Path, *, seed: int = 0) -> Result:
    tables = jaxnn.boolean_functions(2)
    keys = jax.random.split(jax.random.key(seed), SEEDS)
    fit = _fit_all(tables, keys)
    converged = np.asarray(fit.converged)  # (16 functions, seeds)
    corrections = np.asarray(fit.corrections)
    w, b = np.asarray(fit.params.w), np.asarray(fit.params.b)
    separable = np.asarray(jaxnn.classify_boolean_functions(2).separable)
    names = jaxnn.TWO_INPUT_FUNCTION_NAMES
    x = np.asarray(jaxnn.boolean_inputs(2))
    t = np.asarray(tables)
    correct_when_converged = all(
        np.array_equal((x @ w[j, s] + b[j, s] >= 0).astype(int), t[j])
        for j in range(16)
        for s in range(SEEDS)
        if converged[j, s]
    )

    rows = []
    for j in range(16):
        done = corrections[j][converged[j]]
        rows.append(
            [
                f"f{j + 1}",
                names[j],
                bool(separable[j]),
                f"{int(converged[j].sum())}/{SEEDS}",
                f"{done.mean():.1f}" if done.size else "-",
                int(done.max()) if done.size else "-",
            ]
        )

    fig, axes = plt.subplots(4, 4, figsize=(11, 12), sharex=True, sharey=True)
    for j, ax in enumerate(axes.ravel()):
        _draw(ax, t[j], w[j, 0], b[j, 0], converged[j, 0], names[j], j, separable[j])
    for ax in axes[-1]:
        ax.set_xlabel("x1")
    for ax in axes[:, 0]:
        ax.set_ylabel("x2")
    fig.suptitle(
        f"Perceptron learning (Algorithm 1, seed {seed}, after at most {MAX_STEPS} steps) on the "
        "16 functions of two inputs\n"
        "blue region: w.x + b >= 0 (output 1), red: < 0 (output 0), black line: w.x + b = 0; "
        "number: w.x + b at the point\npoints filled by the learned unit's output (filled 1, "
        "open 0: a point on the line, 0, gives 1); red ring: output differs from f",
        fontsize=12,
    )
    fig.tight_layout()
    figure = save_figure(fig, out, "perceptron_two_inputs_grid.png")

    learned = converged[separable].all()
    failed = not converged[~separable].any()
    ok = bool(learned and failed and correct_when_converged)
    return Result(
        claim="A perceptron learned with the perceptron learning algorithm separates every "
        "linearly separable function of two inputs; for XOR and XNOR, the two that are not, it "
        "never converges.",
        table=jaxnn.markdown_table(
            ["f", "name", "separable", "converged (seeds)", "mean corrections", "max corrections"],
            rows,
        ),
        figures=[figure],
        data={"seeds": SEEDS, "max_steps": MAX_STEPS, "rows": rows},
        held=ok,
        verdict=f"{int(converged[separable].sum())}/"
        f"{separable.sum() * SEEDS} runs on the 14 separable functions converged to a correct "
        f"perceptron; {int(converged[~separable].sum())}/{(~separable).sum() * SEEDS} runs on "
        f"XOR/XNOR converged (cap {MAX_STEPS} steps).",
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.modules[__name__]))

"""Notes 2.4: XOR is not linearly separable, so one perceptron cannot learn it."""

from __future__ import annotations

import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import jaxnn

from ._common import Result, main, plt, save_figure

TITLE = "XOR: one perceptron fails"
SECTION = "2.4"
ORDER = 2.41

SEEDS = 64
MAX_STEPS = 400
XOR = np.array([0, 1, 1, 0])


def _errors(history: jaxnn.PerceptronParams, x: jax.Array) -> jax.Array:
    """Misclassified XOR rows after every step: shape (..., steps + 1)."""
    z = jnp.einsum("...sn,rn->...sr", history.w, x) + history.b[..., None]
    target = jnp.asarray(XOR).reshape((1,) * (z.ndim - 1) + (4,))
    return jnp.sum((z >= 0).astype(jnp.int32) != target, axis=-1)


def run(out: Path, *, seed: int = 0) -> Result:
    x = jaxnn.boolean_inputs(2).astype(jnp.float32)
    init_keys, fit_keys = jax.random.split(jax.random.key(seed), (2, SEEDS))
    inits = jax.vmap(lambda k: jaxnn.init_perceptron(k, 2))(init_keys)
    rows, errors = [], {}
    for algorithm in jaxnn.perceptrons.ALGORITHMS:
        fit = jax.jit(
            jax.vmap(
                lambda k, init, a=algorithm: jaxnn.learn_perceptron(
                    x, XOR, k, algorithm=a, init=init, max_steps=MAX_STEPS, history=True
                )
            )
        )(fit_keys, inits)
        err = np.asarray(_errors(fit.history, x))
        errors[algorithm] = (err, np.asarray(fit.history.w), np.asarray(fit.history.b))
        rows.append(
            [
                algorithm,
                SEEDS,
                int(np.asarray(fit.converged).sum()),
                int(err.min()),
                float(np.asarray(fit.corrections).mean()),
            ]
        )

    certificate = jaxnn.linear_separability(XOR)
    lam = np.asarray(certificate.circuit)
    a = np.concatenate([np.ones((4, 1)), np.asarray(x)], axis=1)
    dependence = lam @ a

    figure_rows = len(errors)
    fig = plt.figure(figsize=(12, 5.2), layout="constrained")
    grid = fig.add_gridspec(figure_rows, 2)
    steps = np.arange(MAX_STEPS + 1)
    colors = ["tab:blue", "tab:orange", "tab:green"]
    window = np.ones(8) / 8  # smooths the cyclic variant's period-4 swing
    top = max(float(err.mean(axis=0).max()) for err, _, _ in errors.values())
    left = None
    for row, ((algorithm, (err, _, _)), color) in enumerate(zip(errors.items(), colors)):
        # one panel per algorithm, so that no algorithm's line hides another's
        ax = fig.add_subplot(grid[row, 0], sharex=left, sharey=left)
        left = left or ax
        mean = np.convolve(err.mean(axis=0), window, mode="valid")
        ax.plot(steps[7:], mean, color=color, lw=1.5, label="mean (8-step moving average)")
        ax.plot(steps, err.min(axis=0), color="k", lw=1.5, ls="--", label="fewest, over seeds")
        ax.axhline(0, color="tab:red", lw=1, ls=":", label="0: converged (never reached)")
        ax.set_ylim(-0.15, np.ceil(2 * top + 0.5) / 2)
        ax.set_yticks([0, 1, 2])
        ax.grid(axis="y", alpha=0.3)
        ax.text(
            0.01, 0.08, algorithm, transform=ax.transAxes, color=color, fontsize=11, weight="bold"
        )
        if row == 0:
            ax.set_title(f"Misclassified XOR rows of 4, {SEEDS} seeds per algorithm")
            handles = ax.get_legend_handles_labels()[0]
        if row == figure_rows - 1:
            ax.set_xlabel("step (points inspected)")
        else:
            ax.tick_params(labelbottom=False)
        if row == figure_rows // 2:
            ax.set_ylabel("misclassified rows")
    fig.legend(handles=handles, loc="outside lower left", ncol=3, fontsize=9, frameon=False)
    ax = fig.add_subplot(grid[:, 1])
    _, w, b = errors["cyclic"]
    shown = np.arange(41)
    ax.plot(shown, b[0, shown], "-o", ms=3, label="b = w0")
    ax.plot(shown, w[0, shown, 0], "-s", ms=3, label="w1")
    ax.plot(shown, w[0, shown, 1], "-^", ms=3, label="w2")
    ax.set_xlabel("step (points inspected)")
    ax.set_ylabel("weight")
    ax.set_title("Cyclic algorithm on XOR, seed 0: the weights cycle for ever")
    ax.set_ylim(top=max(b[0, shown].max(), w[0, shown].max()) + 0.45)  # room for the legend
    ax.legend(loc="upper right", ncol=3)
    ax.grid(alpha=0.3)
    figure = save_figure(fig, out, "xor_perceptron.png")

    failed = all(r[2] == 0 and r[3] >= 1 for r in rows)
    ok = failed and not bool(certificate.separable) and np.all(dependence == 0)
    return Result(
        claim="XOR is not linearly separable: no perceptron computes it, so the perceptron "
        "learning algorithm never converges on it (a network of perceptrons, notes 2.5, or a "
        "multilayer network is needed).",
        table=jaxnn.markdown_table(
            [
                "algorithm",
                "seeds",
                "converged",
                "fewest misclassified at any step",
                "mean corrections",
            ],
            rows,
        )
        + f"\n\nCertificate: lambda = {lam.tolist()} over the rows (0,0), (1,0), (0,1), (1,1) "
        f"gives sum lambda_i (1, x_i) = {dependence.astype(int).tolist()}, so "
        "w.(1,0,0) + w.(1,1,1) = w.(1,1,0) + w.(1,0,1) for every w: the left side must be < 0 and "
        "the right side >= 0.",
        figures=[figure],
        data={"rows": rows, "certificate": lam.tolist(), "max_steps": MAX_STEPS},
        held=bool(ok),
        verdict=f"{sum(r[2] for r in rows)} of {3 * SEEDS} runs (3 algorithms, random "
        f"starts, {MAX_STEPS} steps each) converged; at every step at least "
        f"{min(r[3] for r in rows)} of the 4 rows was misclassified.",
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.modules[__name__]))

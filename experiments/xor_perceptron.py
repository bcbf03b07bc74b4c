"""Notes 2.4: XOR is not linearly separable, so one perceptron cannot learn it."""

from __future__ import annotations

import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import jaxnn
from experiments._common import Result, main, plt, save_figure
from jaxnn.perceptrons._learning import ALGORITHMS
from jaxnn._util import markdown_table

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
    for algorithm in ALGORITHMS:
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

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    steps = np.arange(MAX_STEPS + 1)
    colors = ["tab:blue", "tab:orange", "tab:green"]
    window = np.ones(8) / 8  # smooths the cyclic variant's period-4 swing
    for (algorithm, (err, _, _)), color in zip(errors.items(), colors):
        mean = np.convolve(err.mean(axis=0), window, mode="valid")
        axes[0].plot(steps[7:], mean, color=color, lw=1.5, label=f"{algorithm}: mean")
        axes[0].plot(steps, err.min(axis=0), color=color, lw=2, ls="--", label=f"{algorithm}: min")
    axes[0].axhline(0, color="k", lw=0.8)
    axes[0].set_ylim(-0.1, 4.1)
    axes[0].set_xlabel("step (points inspected)")
    axes[0].set_ylabel(f"misclassified rows of 4, over {SEEDS} seeds")
    axes[0].set_title("Misclassified XOR rows (mean: 8-step moving average)")
    axes[0].legend(ncol=3, fontsize=8, loc="upper right")
    _, w, b = errors["cyclic"]
    shown = np.arange(41)
    axes[1].plot(shown, b[0, shown], "-o", ms=3, label="b = w0")
    axes[1].plot(shown, w[0, shown, 0], "-s", ms=3, label="w1")
    axes[1].plot(shown, w[0, shown, 1], "-^", ms=3, label="w2")
    axes[1].set_xlabel("step (points inspected)")
    axes[1].set_ylabel("weight")
    axes[1].set_title("Cyclic algorithm on XOR, seed 0: the weights cycle for ever")
    axes[1].legend(loc="upper right", ncol=3)
    axes[1].grid(alpha=0.3)
    fig.tight_layout()
    figure = save_figure(fig, out, "xor_perceptron.png")

    failed = all(r[2] == 0 and r[3] >= 1 for r in rows)
    ok = failed and not bool(certificate.separable) and np.all(dependence == 0)
    return Result(
        claim="XOR is not linearly separable: no perceptron computes it, so the perceptron "
        "learning algorithm never converges on it (a network of perceptrons, notes 2.5, or a "
        "multilayer network is needed).",
        table=markdown_table(
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
        verdict=f"{'Held' if ok else 'FAILED'}: 0 of {3 * SEEDS} runs (3 algorithms, random "
        f"starts, {MAX_STEPS} steps each) converged; at every step at least "
        f"{min(r[3] for r in rows)} of the 4 rows was misclassified.",
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.modules[__name__]))

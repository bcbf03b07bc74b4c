"""Notes 2.3: the perceptron learning algorithm makes no more corrections than the proof allows."""

from __future__ import annotations

import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import jaxnn

from ._common import Result, main, plt, save_figure

TITLE = "Perceptron convergence: corrections against the bound of the proof"
SECTION = "2.3"
ORDER = 2.3

DIMS = (2, 5, 10, 20)
MARGINS = (0.05, 0.1, 0.2)
DATASETS = 30
POINTS = 50
MAX_STEPS = 100_000
STARTS = ("w0 = 0 (k <= 1/delta^2)", "random w0 (general bound)")


def run(out: Path, *, seed: int = 0) -> Result:
    dims, margins = np.meshgrid(DIMS, MARGINS, indexing="ij")
    dims, margins = dims.ravel(), margins.ravel()
    starts = np.array([0.0, 1.0])  # w0 = 0, and w0 drawn from a standard normal
    trials = jax.vmap(
        lambda m, d, i, scale: jaxnn.perceptrons.convergence_trials(
            jax.random.fold_in(jax.random.key(seed), i),
            m,
            d,
            init_scale=scale,
            datasets=DATASETS,
            num_points=POINTS,
            max_dim=max(DIMS),
            algorithm="modified",
            max_steps=MAX_STEPS,
        )
    )(
        jnp.asarray(np.tile(margins, 2), jnp.float32),
        jnp.asarray(np.tile(dims, 2)),
        jnp.arange(2 * dims.size),
        jnp.asarray(np.repeat(starts, dims.size), jnp.float32),
    )
    trials = jax.tree.map(np.asarray, trials)
    results = {
        label: jax.tree.map(lambda a, s=s: a[s * dims.size : (s + 1) * dims.size], trials)
        for s, label in enumerate(STARTS)
    }

    rows, total, within, converged = [], 0, 0, 0
    for label, r in results.items():
        for c, (d, m) in enumerate(zip(dims, margins)):
            ok = r.corrections[c] <= r.bound[c]
            total += ok.size
            within += int(ok.sum())
            converged += int(r.converged[c].sum())
            # Each run's corrections beside its own delta and bound: the run that made the most
            # corrections, and the run that came closest to its bound (often another run).
            most = int(np.argmax(r.corrections[c]))
            ratio = r.corrections[c] / r.bound[c]
            closest = int(np.argmax(ratio))
            rows.append(
                [
                    label.split(" (")[0],
                    int(d),
                    float(m),
                    int(r.corrections[c][most]),
                    float(r.delta[c][most]),
                    float(r.bound[c][most]),
                    f"{int(r.corrections[c][closest])} / {float(r.bound[c][closest]):.4g}",
                    float(ratio[closest]),
                    f"{int(ok.sum())}/{ok.size}",
                ]
            )

    fig, axes = plt.subplots(1, 2, figsize=(12, 5.2), sharey=True)
    colors = dict(zip(DIMS, ["tab:blue", "tab:orange", "tab:green", "tab:red"]))
    for ax, (label, r) in zip(axes, results.items()):
        for d in DIMS:
            sel = dims == d
            ax.scatter(
                r.bound[sel].ravel(),
                np.maximum(r.corrections[sel].ravel(), 0.8),
                s=12,
                alpha=0.6,
                color=colors[d],
                label=f"n = {d}",
            )
        lim = [0.8, max(float(r.bound.max()) * 1.3, 10)]
        ax.plot(lim, lim, "k--", lw=1.2, label="corrections = bound")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(lim)
        ax.set_xlabel("bound on corrections from the proof")
        ax.set_title(f"Algorithm 2, {label}")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(loc="upper left")
    axes[0].set_ylabel("corrections made (0 shown at 0.8)")
    fig.suptitle(
        f"{2 * DATASETS * dims.size} random separable data sets ({POINTS} points, margins "
        f"{', '.join(map(str, MARGINS))}): every point lies below the diagonal"
    )
    fig.tight_layout()
    figure = save_figure(fig, out, "convergence_bound.png")

    margins_met = all(bool(r.margin_met.all()) for r in results.values())
    ok = within == total and converged == total and margins_met
    return Result(
        claim="For linearly separable data and a separating unit w*, the perceptron learning "
        "algorithm makes at most k corrections with (w*.w0 + k delta) / sqrt(||w0||^2 + k) <= 1 "
        "(delta = min w*.p over normalized p); from w0 = 0, k <= 1/delta^2.",
        table=jaxnn.markdown_table(
            [
                "start",
                "n",
                "margin",
                "most corrections",
                "its delta",
                "its bound",
                "closest run: corrections / its bound",
                "its ratio",
                "within bound",
            ],
            rows,
        ),
        figures=[figure],
        data={
            "rows": rows,
            "total": total,
            "within": within,
            "converged": converged,
            "margins_met": margins_met,
        },
        held=bool(ok),
        verdict=f"{within}/{total} runs made no more corrections "
        f"than the bound ({converged}/{total} converged); the largest ratio corrections/bound was "
        f"{max(r[7] for r in rows):.3f}. Each row pairs a run's corrections with that run's own "
        "delta and bound: the run with the most corrections, and the run closest to its bound.",
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.modules[__name__]))

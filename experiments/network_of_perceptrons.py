"""Notes 2.5: a network of 2^n + 1 perceptrons represents every boolean function of n inputs."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import jax
import numpy as np

import jaxnn

from ._common import Result, main, plt, save_figure

TITLE = "Network of perceptrons: every boolean function, exactly"
SECTION = "2.5"
ORDER = 2.5


def run(out: Path, *, seed: int = 0) -> Result:
    del seed  # exhaustive and deterministic (cyclic perceptron learning from zero)
    rows, all_exact = [], True
    for n in range(1, 5):
        start = time.perf_counter()
        direct = np.asarray(jaxnn.perceptron_network_exact(n, learned=False))
        learned = np.asarray(jaxnn.perceptron_network_exact(n, learned=True))
        seconds = time.perf_counter() - start
        all_exact &= bool(direct.all() and learned.all())
        rows.append([n, 2**n, 2 ** (2**n), int(direct.sum()), int(learned.sum()), seconds])

    x_pm = 2 * np.asarray(jaxnn.boolean_inputs(2)) - 1
    network = jaxnn.perceptron_network(np.array([0, 1, 1, 0]))
    hidden = np.asarray(jaxnn.perceptron(network.hidden, x_pm))  # (4 inputs, 4 units)
    one_hot = bool(np.array_equal(hidden, np.eye(4, dtype=hidden.dtype)))
    tables = jaxnn.boolean_functions(2)
    nets, _ = jax.jit(jax.vmap(jaxnn.fit_perceptron_network))(tables)
    weights = np.concatenate(
        [np.asarray(nets.output.w), np.asarray(nets.output.b)[:, None]], axis=1
    )

    fig, axes = plt.subplots(1, 2, figsize=(12, 6.5), gridspec_kw={"width_ratios": [1, 1.35]})
    axes[0].imshow(hidden, cmap="Greens", vmin=0, vmax=1.4)
    for (r, c), v in np.ndenumerate(hidden):
        axes[0].text(c, r, str(v), ha="center", va="center", fontsize=13)
    axes[0].set_xticks(
        range(4),
        [
            f"h{k + 1}\nw=({int(w[0]):+d},{int(w[1]):+d})"
            for k, w in enumerate(np.asarray(network.hidden.w))
        ],
    )
    axes[0].set_yticks(range(4), [f"x=({a:+d},{b:+d})" for a, b in x_pm])
    axes[0].set_xlabel("hidden perceptron (weights, bias -2)")
    axes[0].set_ylabel("input (True = +1, False = -1)")
    axes[0].set_title("Each hidden perceptron fires for one input")
    lim = np.abs(weights).max()
    image = axes[1].imshow(weights, cmap="RdBu", vmin=-lim, vmax=lim, aspect="auto")
    for (r, c), v in np.ndenumerate(weights):
        color = "white" if abs(v) > lim / 2 else "black"
        axes[1].text(c, r, f"{round(v):d}", ha="center", va="center", fontsize=11, color=color)
    axes[1].set_xticks(range(5), ["w1", "w2", "w3", "w4", "b"])
    axes[1].set_yticks(
        range(16), [f"f{j + 1} {name}" for j, name in enumerate(jaxnn.TWO_INPUT_FUNCTION_NAMES)]
    )
    axes[1].set_title("Output weights learned by the perceptron algorithm")
    fig.colorbar(image, ax=axes[1], label="weight")
    fig.tight_layout()
    figure = save_figure(fig, out, "network_of_perceptrons.png")

    ok = all_exact and one_hot
    total = sum(r[2] for r in rows)
    return Result(
        claim="Any boolean function of n inputs is represented exactly by a network of "
        "perceptrons with one hidden layer of 2^n perceptrons (+-1 weight patterns, bias -n, each "
        "firing for exactly one input) and one output perceptron.",
        table=jaxnn.markdown_table(
            [
                "n",
                "hidden perceptrons",
                "functions",
                "exact (weights set)",
                "exact (weights learned)",
                "seconds",
            ],
            rows,
        ),
        figures=[figure],
        data={"rows": rows, "hidden_one_hot": one_hot},
        held=bool(ok),
        verdict=f"the network reproduced all {total} functions of "
        f"1..4 inputs exactly, with output weights set directly and learned (all 65536 functions "
        f"of 4 inputs in one vmapped call each).",
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.modules[__name__]))

"""Notes 2.4 and 2.5: one perceptron cannot learn XOR; a small network of sigmoid neurons can."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

import jaxnn

from ._common import Result, main, plt, save_figure

TITLE = "XOR: one perceptron fails, a small MLP learns it"
SECTION = "2.4"
ORDER = 2.45

X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], np.float32)
Y = np.array([0, 1, 1, 0], np.int32)
PERCEPTRON_STEPS = 1000
PERCEPTRON_STARTS = 100
MLP_STEPS = 2000
MLP_SEEDS = 20
LEARNING_RATE = 0.1


# every split is the four points: the MLPs are trained on them and judged on them
DATA = jaxnn.Dataset(X, Y, X, Y, X, Y)


class Net(NamedTuple):
    label: str
    config: jaxnn.TrainConfig


def _config(sizes: tuple[int, ...], activation: str, loss: str) -> jaxnn.TrainConfig:
    """Full-batch adam: a batch of all four points, so each "epoch" of `jaxnn.train` is one step."""
    return jaxnn.make_config(
        sizes,
        activation=activation,
        loss=loss,
        optimizer="adam",
        batch_size=len(X),
        epochs=MLP_STEPS,
    )


NETS = (
    Net("2-2-1 sigmoid, BCE", _config((2, 2, 1), "sigmoid", "binary_cross_entropy")),
    Net("2-4-2 tanh, softmax CE", _config((2, 4, 2), "tanh", "cross_entropy")),
)


def _misclassified(history: jaxnn.PerceptronParams) -> jax.Array:
    """The number of XOR points the perceptron gets wrong after every step, shape (steps + 1,)."""
    predict = jax.vmap(lambda w, b: jaxnn.perceptron(jaxnn.PerceptronParams(w, b), X))
    return jnp.sum(predict(history.w, history.b) != Y[None, :], axis=1)


def _perceptrons(key: jax.Array):
    """Algorithm 1 tested cyclically from w = 0, and from random starts with random picks."""
    cyclic = jaxnn.learn_perceptron(
        X, Y, algorithm="cyclic", max_steps=PERCEPTRON_STEPS, history=True
    )
    k_init, k_pick = jax.random.split(key)
    inits = jax.vmap(lambda k: jaxnn.init_perceptron(k, 2))(
        jax.random.split(k_init, PERCEPTRON_STARTS)
    )

    def one(k, init):
        fit = jaxnn.learn_perceptron(
            X, Y, k, algorithm="random", init=init, max_steps=PERCEPTRON_STEPS, history=True
        )
        return fit.converged, jnp.min(_misclassified(fit.history))

    converged, fewest = jax.vmap(one)(jax.random.split(k_pick, PERCEPTRON_STARTS), inits)
    return cyclic, np.asarray(converged), np.asarray(fewest)


def _outputs(net: Net, params, x: jax.Array) -> tuple[jax.Array, jax.Array]:
    """The network's predicted classes and P(XOR = 1) (its last output) for inputs ``x``."""
    config = net.config
    y_hat, cache = jaxnn.forward(params, x, activation=config.activation, output=config.output)
    return jaxnn.predicted_classes(cache.a[-1]), y_hat[:, -1]


def _train(net: Net, keys: jax.Array):
    """`jaxnn.train` from every key (vmapped): the parameters and the loss before each step."""
    hparams = jaxnn.make_hparams(learning_rate=LEARNING_RATE)
    states, metrics = jax.jit(jax.vmap(lambda k: jaxnn.train(net.config, hparams, k, DATA)))(keys)
    return states.params, metrics.train_loss


def _region(ax, grid_pred, point_pred, title):
    ax.contourf(*_GRID, grid_pred, levels=[-0.5, 0.5, 1.5], colors=["#f4c7a1", "#a9cce3"])
    for label, marker, colour in ((0, "o", "#c0392b"), (1, "s", "#1f618d")):
        pts = X[Y == label]
        ax.scatter(
            pts[:, 0],
            pts[:, 1],
            s=160,
            marker=marker,
            c=colour,
            edgecolors="k",
            zorder=3,
            label=f"XOR = {label}",
        )
    wrong = X[np.asarray(point_pred) != Y]
    ax.scatter(
        wrong[:, 0],
        wrong[:, 1],
        s=420,
        marker="X",
        c="none",
        edgecolors="k",
        linewidths=2,
        zorder=4,
        label="misclassified",
    )
    ax.set(title=title, xlabel="$x_1$", ylabel="$x_2$", xlim=(-0.5, 1.5), ylim=(-0.5, 1.5))
    ax.set(xticks=[0, 0.5, 1], yticks=[0, 0.5, 1])
    ax.set_aspect("equal")


_G = np.linspace(-0.5, 1.5, 201, dtype=np.float32)
_GRID = np.meshgrid(_G, _G)
_GRID_POINTS = np.stack([_GRID[0].ravel(), _GRID[1].ravel()], axis=1)


def _figure_regions(out: Path, cyclic, wrong_cyclic, shown: list) -> str:
    fig, axes = plt.subplots(1, 1 + len(shown), figsize=(5.2 * (1 + len(shown)), 5))
    region = np.asarray(jaxnn.perceptron(cyclic.params, _GRID_POINTS)).reshape(_GRID[0].shape)
    _region(
        axes[0],
        region,
        jaxnn.perceptron(cyclic.params, X),
        f"Perceptron after {PERCEPTRON_STEPS} steps:\n{int(wrong_cyclic[-1])} of 4 wrong, never 0",
    )
    (w1, w2), b = np.asarray(cyclic.params.w), float(cyclic.params.b)
    if w2 != 0:
        axes[0].plot(_G, -(b + w1 * _G) / w2, "k--", lw=2, label="$w^T x + b = 0$ (on it: 1)")
    elif w1 != 0:
        axes[0].axvline(-b / w1, color="k", ls="--", lw=2, label="$w^T x + b = 0$ (on it: 1)")
    for ax, (net, params, correct) in zip(axes[1:], shown):
        grid_pred = np.asarray(_outputs(net, params, _GRID_POINTS)[0]).reshape(_GRID[0].shape)
        point_pred = _outputs(net, params, X)[0]
        _region(ax, grid_pred, point_pred, f"MLP {net.label}:\n{correct} of 4 right")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, frameon=False, fontsize=11)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return save_figure(fig, out, "xor_mlp_regions.png")


def _figure_curves(out: Path, wrong_cyclic, losses: dict, solved: dict) -> str:
    fig, axes = plt.subplots(1, 1 + len(NETS), figsize=(15, 4.3))
    shown_steps = 100
    axes[0].plot(
        np.arange(shown_steps + 1),
        wrong_cyclic[: shown_steps + 1],
        "o-",
        ms=3,
        drawstyle="steps-post",
        label="cyclic, from w = 0",
    )
    axes[0].axhline(0, color="tab:green", ls="--", label="all 4 right (never reached)")
    axes[0].set(
        title=f"Perceptron: first {shown_steps} of {PERCEPTRON_STEPS} steps",
        xlabel="step (points inspected)",
        ylabel="misclassified points",
        ylim=(-0.3, 4.3),
    )
    axes[0].legend(loc="upper right")
    for ax, net in zip(axes[1:], NETS):
        curves, ok = np.asarray(losses[net]), solved[net]
        steps = np.arange(1, curves.shape[1] + 1)
        for c, good in zip(curves, ok):
            ax.loglog(steps, c, color="tab:green" if good else "tab:red", alpha=0.5, lw=1)
        ax.plot([], [], color="tab:green", label=f"solved ({int(ok.sum())})")
        ax.plot([], [], color="tab:red", label=f"stuck ({int((~ok).sum())})")
        ax.set(title=f"MLP {net.label}, {len(ok)} seeds", xlabel="adam step", ylabel="loss")
        ax.legend(loc="lower left")
    fig.tight_layout()
    return save_figure(fig, out, "xor_mlp_training.png")


def run(out: Path, *, seed: int = 0) -> Result:
    key_perceptron, key_mlp = jax.random.split(jax.random.key(seed))
    cyclic, converged, fewest = _perceptrons(key_perceptron)
    wrong_cyclic = np.asarray(_misclassified(cyclic.history))

    keys = jax.random.key_data(jax.random.split(key_mlp, MLP_SEEDS))
    rows, losses, solved, shown, data_nets = [], {}, {}, [], {}
    for net in NETS:
        params, loss_curves = _train(net, keys)
        classes, p_one = jax.vmap(lambda p, n=net: _outputs(n, p, X))(params)
        correct = np.asarray(jnp.sum(classes == Y[None, :], axis=1))
        ok = correct == 4
        losses[net], solved[net] = loss_curves, ok
        best = int(np.argmax(ok)) if ok.any() else int(np.argmax(correct))
        shown.append((net, jax.tree.map(lambda a, i=best: a[i], params), int(correct[best])))
        p1 = np.asarray(p_one[best])  # P(XOR = 1) for each point
        rows.append(
            (
                f"MLP {net.label}",
                f"{int(ok.sum())} / {MLP_SEEDS} seeds",
                int(4 - correct.max()),
                " ".join(f"{v:.3f}" for v in p1),
            )
        )
        data_nets[net.label] = {
            "solved": int(ok.sum()),
            "seeds": MLP_SEEDS,
            "correct_per_seed": correct.tolist(),
            "final_loss": np.asarray(loss_curves[:, -1]).tolist(),
            "shown_seed_p1": p1.tolist(),
        }
    perceptron_rows = [
        (
            "perceptron, cyclic from w = 0",
            f"{int(cyclic.converged)} / 1 runs",
            int(wrong_cyclic.min()),
            "-",
        ),
        (
            f"perceptron, random picks, {PERCEPTRON_STARTS} random starts",
            f"{int(converged.sum())} / {PERCEPTRON_STARTS} runs",
            int(fewest.min()),
            "-",
        ),
    ]
    table = (
        f"Perceptron learning (Algorithm 1) capped at {PERCEPTRON_STEPS} steps; MLPs trained "
        f"by `jaxnn.train` (gradients by Algorithm 6) with adam (lr {LEARNING_RATE}, "
        f"{MLP_STEPS} full-batch steps).\n\n"
        + jaxnn.markdown_table(
            [
                "model",
                "classifies all 4 points",
                "fewest points wrong (any step / best seed)",
                "shown net's P(XOR = 1) at (0,0) (1,0) (0,1) (1,1)",
            ],
            perceptron_rows + rows,
        )
    )
    figures = [
        _figure_regions(out, cyclic, wrong_cyclic, shown),
        _figure_curves(out, wrong_cyclic, losses, solved),
    ]
    never = not bool(cyclic.converged) and not converged.any() and wrong_cyclic.min() >= 1
    learned = all(d["solved"] > 0 for d in data_nets.values())
    solved_txt = ", ".join(f"{d['solved']}/{MLP_SEEDS} seeds of {k}" for k, d in data_nets.items())
    verdict = (
        f"the perceptron never classified all "
        f"4 XOR points in {PERCEPTRON_STEPS} steps (cyclic, and {PERCEPTRON_STARTS} random "
        f"starts; at best {int(min(wrong_cyclic.min(), fewest.min()))} wrong), while MLPs learned "
        f"XOR exactly: {solved_txt}."
    )
    return Result(
        claim=(
            "XOR is not linearly separable, so a single perceptron cannot implement it and the "
            "perceptron learning algorithm never converges on it (notes 2.4); a network with a "
            "hidden layer can represent it (notes 2.5), and a small sigmoid/tanh network trained "
            "with backpropagation learns it exactly."
        ),
        table=table,
        figures=figures,
        data={
            "perceptron_cyclic": {
                "converged": bool(cyclic.converged),
                "corrections": int(cyclic.corrections),
                "fewest_wrong": int(wrong_cyclic.min()),
                "final_wrong": int(wrong_cyclic[-1]),
            },
            "perceptron_random_starts": {
                "converged": int(converged.sum()),
                "runs": PERCEPTRON_STARTS,
                "fewest_wrong": int(fewest.min()),
            },
            "mlp": data_nets,
        },
        held=bool(never and learned),
        verdict=verdict,
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.modules[__name__]))

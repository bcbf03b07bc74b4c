"""Notes 4.1 against a published table: MNIST-1D (Greydanus 2020), linear model and MLP."""

from __future__ import annotations

import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import jaxnn

from ._common import Result, main, plt, save_figure

TITLE = "MNIST-1D against its paper: softmax regression 32%, MLP 68% (Greydanus 2020)"
SECTION = "4.1"
ORDER = 4.15

SEEDS = 5
STEPS = 6000  # the paper's classification notebook: args.total_steps = 6000
BATCH = 100
LEARNING_RATE = 1e-2
# Greydanus 2020, "Scaling Down Deep Learning" (arXiv:2011.14439), table of test accuracies
PAPER = {"softmax regression": 0.32, "MLP": 0.68}
TOLERANCE = {"softmax regression": 0.03, "MLP": 0.04}
MODELS = {"softmax regression": (), "MLP": (100, 100)}  # -nhl 0; 2 hidden layers of 100 relu


def _data() -> jaxnn.Dataset:
    """All 4000 training sequences for training and the 1000 test ones for testing, as the paper.

    The paper holds nothing out for validation (it evaluates the test set every 250 steps), so
    the validation split here is the test split: its curve is the paper's test curve. The inputs
    are the generator's (already standardized as a whole, as the paper feeds them).
    """
    d = jaxnn.load_dataset("mnist1d", standardize="none")
    x = np.concatenate([d.x_train, d.x_val])
    y = np.concatenate([d.y_train, d.y_val])
    return jaxnn.Dataset(x, y, d.x_test, d.y_test, d.x_test, d.y_test)


def _runs(data: jaxnn.Dataset, hidden: tuple[int, ...], seeds: np.ndarray):
    """``SEEDS`` runs of one model, vmapped over the PRNG keys: final test accuracies and the
    per-epoch test accuracy of every seed."""
    epochs = STEPS // (len(data.x_train) // BATCH)  # 40 steps per epoch: 150 epochs
    config = jaxnn.make_config(
        (data.x_train.shape[1], *hidden, 10),
        activation="relu",
        optimizer="adam",
        batch_size=BATCH,
        epochs=epochs,
    )
    hparams = jaxnn.make_hparams(learning_rate=LEARNING_RATE)
    keys = jax.vmap(jax.random.PRNGKey)(jnp.asarray(seeds))
    states, metrics = jax.jit(jax.vmap(lambda k: jaxnn.train(config, hparams, k, data)))(keys)
    test = jax.vmap(lambda p: jaxnn.evaluate(config, p, data.x_test, data.y_test)[1])
    return (
        np.asarray(test(states.params)),
        np.asarray(metrics.val_accuracy),
        np.asarray(metrics.train_accuracy),
        config,
    )


def _figure(curves: dict[str, np.ndarray], out: Path) -> str:
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    colors = {"softmax regression": "tab:blue", "MLP": "tab:orange"}
    for name, acc in curves.items():
        steps = (np.arange(acc.shape[1]) + 1) * STEPS / acc.shape[1]
        c = colors[name]
        ax.fill_between(steps, acc.min(0), acc.max(0), color=c, alpha=0.25, lw=0)
        ax.plot(steps, acc.mean(0), color=c, lw=1.8, label=f"jaxnn {name} (mean, range of {SEEDS})")
        ax.axhline(PAPER[name], color=c, ls="--", lw=1.2, label=f"paper {name} {PAPER[name]:.0%}")
    ax.set_xlabel("optimizer step (batch 100)")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 0.8)
    ax.set_xlim(0, STEPS)
    ax.set_title("MNIST-1D: 4000 train / 1000 test sequences of length 40")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, out, "mnist1d_test_accuracy.png")


def run(out: Path, *, seed: int = 0) -> Result:
    data = _data()  # an ImportError naming the extra when mnist1d is missing: the demo fails
    seeds = seed + np.arange(SEEDS)
    results, curves, rows, held = {}, {}, [], True
    for name, hidden in MODELS.items():
        accs, curve, train_acc, config = _runs(data, hidden, seeds)
        results[name] = accs
        curves[name] = curve
        ok = abs(accs.mean() - PAPER[name]) <= TOLERANCE[name]
        held &= bool(ok)
        rows.append(
            (
                name,
                " -> ".join(map(str, config.sizes)),
                f"{accs.mean():.1%}",
                f"{accs.min():.1%} .. {accs.max():.1%}",
                f"{train_acc[:, -1].mean():.1%}",
                f"{PAPER[name]:.0%}",
                f"{100 * (accs.mean() - PAPER[name]):+.1f} points (target within "
                f"{100 * TOLERANCE[name]:.0f}: {'yes' if ok else 'no'})",
            )
        )
    table = jaxnn.markdown_table(
        [
            "model",
            "network",
            f"test accuracy, mean of {SEEDS} seeds",
            "range",
            "final train accuracy",
            "paper",
            "difference",
        ],
        rows,
    )
    figure = _figure(curves, out)
    lin, mlp = results["softmax regression"], results["MLP"]
    return Result(
        claim=(
            "A feed-forward network trained by minibatch gradient descent with backpropagation "
            "(notes 4.1, Algorithm 6) reproduces the MNIST-1D table of Greydanus (2020): test "
            "accuracy 32% for logistic regression and 68% for an MLP, with the paper's setting "
            f"(adam, learning rate {LEARNING_RATE:g}, batch {BATCH}, {STEPS} steps, 4000 "
            "training and 1000 test sequences, no validation holdout). The MLP here has 2 "
            "hidden layers of 100 relu units and no residual connection; the paper's MLP adds "
            "its second hidden layer's input to its output (h + relu(W h)), which jaxnn's "
            "feed-forward networks of notes 4.1 do not have, so a small gap is expected."
        ),
        table=table,
        held=held,
        verdict=(
            f"softmax regression {lin.mean():.1%} [{lin.min():.1%}, {lin.max():.1%}] against "
            f"the paper's 32% (target within 3 points); MLP {mlp.mean():.1%} "
            f"[{mlp.min():.1%}, {mlp.max():.1%}] against 68% (target within 4 points), over "
            f"seeds {seeds[0]}..{seeds[-1]}, vmapped; the paper's MLP has a residual connection, "
            f"this one does not, and other initial weights (Xavier, not PyTorch's uniform)."
        ),
        figures=[figure],
        data={
            "paper": PAPER,
            "seeds": seeds.tolist(),
            "test_accuracy": {k: v.tolist() for k, v in results.items()},
            "mean": {k: float(v.mean()) for k, v in results.items()},
            "steps": STEPS,
            "batch_size": BATCH,
            "learning_rate": LEARNING_RATE,
        },
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.modules[__name__]))

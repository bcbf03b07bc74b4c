"""A learning-rate sweep: 4 learning rates x 4 seeds of gradient descent on digits, one program."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from ._common import Result, main, save_figure

TITLE = "Sweeping the learning rate: too small barely moves, too large diverges"
SECTION = "3.3, 4.3"
ORDER = 4.9

LEARNING_RATES = (1e-3, 1e-2, 1e-1, 1e1)
SEEDS = (0, 1, 2, 3)
EPOCHS = 10


def run(out: Path, *, seed: int = 0) -> Result:
    import jaxnn

    data = jaxnn.load_dataset("digits")
    config = jaxnn.TrainConfig(
        sizes=(64, 32, 10), activation="relu", optimizer="sgd", epochs=EPOCHS
    )
    seeds = [seed + s for s in SEEDS]
    settings = jaxnn.grid(learning_rate=list(LEARNING_RATES), seed=seeds)
    result = jaxnn.sweep(config, settings, data)
    members = [{"lr": m["learning_rate"], "seed": m["seed"], **m} for m in result.members()]
    axes = {"lr": list(LEARNING_RATES), "seed": seeds}
    figures = [
        save_figure(
            jaxnn.plot_sweep_heatmap(members, axes, "lr", "seed"), out, "sweep_heatmap.png"
        ),
        save_figure(jaxnn.plot_parallel_coordinates(members, axes), out, "sweep_parallel.png"),
    ]
    lr = np.array([m["learning_rate"] for m in result.settings])
    rows, means = [], {}
    for eta in LEARNING_RATES:
        pick = lr == eta
        acc = result.val_accuracy[pick]
        means[eta] = float(np.mean(acc))
        rows.append(
            (
                eta,
                float(np.mean(result.train_loss[pick])),
                means[eta],
                float(np.min(acc)),
                float(np.max(acc)),
                int(result.diverged[pick].sum()),
            )
        )
    table = jaxnn.markdown_table(
        ["learning rate", "mean last-epoch train loss", "mean val acc", "min", "max", "diverged"],
        rows,
    )
    small, good, large = LEARNING_RATES[0], LEARNING_RATES[2], LEARNING_RATES[-1]
    held = (
        means[good] > means[small] + 0.05
        and means[good] > means[large] + 0.05
        and int(result.diverged[lr == large].sum()) > 0
    )
    verdict = (
        f"mean validation accuracy {means[small]:.3f} at "
        f"lr {small:g}, {means[good]:.3f} at {good:g}, {means[large]:.3f} at {large:g} "
        f"({int(result.diverged.sum())} of {len(lr)} members diverged); {len(lr)} members in "
        f"{result.train_seconds:.2f} s on {result.devices} device(s), compile "
        f"{result.compile_seconds:.1f} s"
    )
    claim = (
        "Gradient descent moves by -eta * grad (notes 3.3): the Taylor argument holds only for a "
        "small step, so a tiny eta barely lowers the loss in a fixed budget and a large eta "
        "overshoots and diverges. A 4 x 4 sweep (learning rate x seed, plain SGD, "
        f"64-32-10 ReLU network, {EPOCHS} epochs on digits) runs as one vmapped program."
    )
    return Result(
        claim=claim,
        table=table,
        figures=figures,
        data={
            "members": result.members(),
            "devices": result.devices,
            "compile_seconds": result.compile_seconds,
            "train_seconds": result.train_seconds,
        },
        held=bool(held),
        verdict=verdict,
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.modules[__name__]))

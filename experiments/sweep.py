"""Sweeps: a learning rate x seed grid of gradient descent on digits, and a random draw of the
course's whole search space, each in one compiled program."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from ._common import Result, main, save_figure

TITLE = "Sweeps: the learning rate, and the course's search space in one program"
SECTION = "3.3, 4.3"
ORDER = 4.9

LEARNING_RATES = (1e-3, 1e-2, 1e-1, 1e1)
SEEDS = (0, 1, 2, 3)
EPOCHS = 10
COURSE = {  # the course's search space (question 4), at one batch size, so one program
    "optimizer": ["sgd", "momentum", "nag", "rmsprop", "adam", "nadam"],
    "activation": ["sigmoid", "tanh", "relu"],
    "weight_init": ["random", "xavier"],
    "num_layers": [3, 4, 5],
    "hidden_size": [32, 64, 128],
    "learning_rate": [1e-3, 1e-4],
    "epochs": [5, 10],
}
COURSE_MEMBERS = 36  # a random draw: about 3 members per optimizer x learning rate cell


def _course(data, out: Path, seed: int):
    """A random draw of the course's space as one packed sweep; one member checked solo."""
    import jaxnn

    drawn = jaxnn.random_settings(COURSE, COURSE_MEMBERS, sample_seed=seed)
    settings = [
        {
            **{k: v for k, v in s.items() if k not in ("num_layers", "hidden_size")},
            "sizes": (64, *[s["hidden_size"]] * s["num_layers"], 10),
            "seed": seed,
        }
        for s in drawn
    ]
    base = jaxnn.TrainConfig(sizes=(64, 32, 10), batch_size=32)
    result = jaxnn.sweep(base, settings, data, pack="on")
    members = [{**d, **m} for d, m in zip(drawn, result.members())]
    figures = [
        save_figure(
            jaxnn.plot_sweep_heatmap(members, COURSE, "optimizer", "learning_rate"),
            out,
            "course_heatmap.png",
        ),
        save_figure(jaxnn.plot_parallel_coordinates(members, COURSE), out, "course_parallel.png"),
    ]
    best = int(result.ranked()[0])
    s = drawn[best]
    solo = jaxnn.fit(
        data,
        hidden_sizes=[s["hidden_size"]] * s["num_layers"],
        optimizer=s["optimizer"],
        activation=s["activation"],
        weight_init=s["weight_init"],
        learning_rate=s["learning_rate"],
        epochs=s["epochs"],
        seed=seed,
    )
    gap = abs(float(result.test_loss[best]) - solo.test_loss) / abs(solo.test_loss)
    grouped = result.choices[0]["grouped"] if result.choices else {}
    split = jaxnn.markdown_table(
        [
            "members",
            "programs",
            "padded compute",
            "compile s",
            "train s",
            "wall s",
            "grouped instead: programs",
        ],
        [
            (
                COURSE_MEMBERS,
                result.programs,
                f"{result.padded_fraction:.0%}",
                round(result.compile_seconds, 2),
                round(result.train_seconds, 2),
                round(result.wall_seconds, 2),
                grouped.get("programs", "-"),
            )
        ],
    )
    return result, members, figures, split, best, gap


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
    course, course_members, course_figures, split, best, gap = _course(data, out, seed)
    figures += course_figures
    one_program = course.programs == 1 and course.packed_programs == 1
    held = (
        means[good] > means[small] + 0.05
        and means[good] > means[large] + 0.05
        and int(result.diverged[lr == large].sum()) > 0
        and one_program
        and gap < 1e-3
    )
    verdict = (
        f"mean validation accuracy {means[small]:.3f} at "
        f"lr {small:g}, {means[good]:.3f} at {good:g}, {means[large]:.3f} at {large:g} "
        f"({int(result.diverged.sum())} of {len(lr)} members diverged); {len(lr)} members in "
        f"{result.train_seconds:.2f} s on {result.devices} device(s), compile "
        f"{result.compile_seconds:.1f} s. The course's space: {COURSE_MEMBERS} members in "
        f"{course.programs} program(s) ({course.padded_fraction:.0%} padded compute), best "
        f"validation accuracy {course.val_accuracy[best]:.3f}; that member's test loss is its "
        f"solo jaxnn.fit run's to {gap:.1e} relative"
    )
    claim = (
        "Gradient descent moves by -eta * grad (notes 3.3): the Taylor argument holds only for a "
        "small step, so a tiny eta barely lowers the loss in a fixed budget and a large eta "
        "overshoots and diverges. A 4 x 4 sweep (learning rate x seed, plain SGD, "
        f"64-32-10 ReLU network, {EPOCHS} epochs on digits) runs as one vmapped program. And "
        "the settings a researcher sweeps beyond the continuous ones (optimizer, activation, "
        "weight init, depth, width, epochs) are traced per member too: a random draw of the "
        "course's space trains in one packed program, each member equal to its solo run."
    )
    top = course.ranked()[:8]
    names = list(COURSE)
    course_table = jaxnn.markdown_table(
        [*names, "val acc", "test acc", "diverged"],
        [
            [course_members[i][k] for k in names]
            + [
                float(course.val_accuracy[i]),
                float(course.test_accuracy[i]),
                bool(course.diverged[i]),
            ]
            for i in top
        ],
    )
    return Result(
        claim=claim,
        table=table
        + "\n\nThe course's space, the best 8 of the draw:\n\n"
        + course_table
        + "\n\nCompiling against training (wall time with compilation):\n\n"
        + split,
        figures=figures,
        data={
            "members": result.members(),
            "devices": result.devices,
            "compile_seconds": result.compile_seconds,
            "train_seconds": result.train_seconds,
            "course": {
                "members": course.members(),
                "programs": course.programs,
                "padded_fraction": course.padded_fraction,
                "compile_seconds": course.compile_seconds,
                "train_seconds": course.train_seconds,
                "best_solo_gap": gap,
            },
        },
        held=bool(held),
        verdict=verdict,
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.modules[__name__]))

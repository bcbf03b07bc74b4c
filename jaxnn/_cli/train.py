"""``jaxnn train``: train a feed-forward network on a data set, with the course's train.py flags.

With no flags: digits, 2 hidden layers of 128 tanh units, adam 1e-3, batch 32, 30 epochs, Xavier.
"""

from __future__ import annotations

import argparse
import math

from jaxnn._cli._run_log import TrainLogs, add_run_log_arguments, course_config
from jaxnn._cli._train_args import add_train_arguments, dataset_spec, load_data, setting_from_args


def register(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "train",
        help="train a network on an embedded data set, your own npz/csv/IDX files, or synthetic "
        "data",
        description=__doc__.splitlines()[0],
    )
    add_train_arguments(p)
    o = p.add_argument_group("output")
    o.add_argument("--save", metavar="PATH", help="write the checkpoint to PATH (.npz)")
    o.add_argument(
        "--save-every",
        dest="save_every",
        type=int,
        metavar="N",
        help="with --save: write the checkpoint every N epochs too, so a kill loses at most N",
    )
    o.add_argument(
        "--resume", metavar="PATH", help="continue from a checkpoint (same flags; -e = total)"
    )
    o.add_argument("--out", metavar="DIR", help="write curves.png and confusion_matrix.png to DIR")
    o.add_argument("--quiet", action="store_true", help="no progress bar")
    add_run_log_arguments(p)
    p.set_defaults(func=run, outputs=outputs, inputs=inputs)
    return p


def outputs(args: argparse.Namespace) -> tuple[dict, dict]:
    """The output paths, checked by the CLI before anything runs."""
    from jaxnn._cli._run_log import wandb_dirs

    return {"--save": args.save, "--log": args.log}, {"--out": args.out, **wandb_dirs(args)}


def inputs(args: argparse.Namespace) -> tuple[dict, tuple]:
    """The paths the run reads; ``--save`` may be ``--resume`` (a resumed run saves in place)."""
    from jaxnn._cli._train_args import dataset_file

    read = {"-d": dataset_file(args.dataset), "--resume": args.resume}
    return read, (("--save", "--resume"),)


def run(args: argparse.Namespace) -> dict:
    from pathlib import Path

    from jaxnn._cli import UsageError
    from jaxnn._util import markdown_table, require
    from jaxnn.training._data import is_classification
    from jaxnn.training._fit import fit
    from jaxnn.training._loop import make_hparams

    if args.out:
        require("matplotlib", "--out (figures)")
    if args.save_every is not None:
        if args.save is None:
            raise UsageError("--save-every needs --save PATH")
        if args.save_every < 1:
            raise UsageError(f"--save-every must be >= 1, got {args.save_every}")
    spec = dataset_spec(args)
    data = load_data(spec)
    setting = setting_from_args(args, data)
    if args.resume and not Path(args.resume).is_file():
        raise UsageError(f"--resume: checkpoint {args.resume} does not exist")
    hparams = make_hparams(**setting.hparams)
    data_settings = {
        "dataset": spec.name,
        "data_seed": spec.seed,
        "val_fraction": spec.val_fraction,
    }
    logs = TrainLogs(
        args,
        course_config(
            {**setting.config._asdict(), **setting.hparams, "seed": setting.seed}, data_settings
        ),
        name=f"{spec.name}-seed{setting.seed}",
    )
    result = None
    try:
        result = fit(
            data,
            config=setting.config,
            hparams=hparams,
            seed=setting.seed,
            resume=args.resume,
            save=args.save,
            save_every=args.save_every,
            progress=not args.quiet,
            # resuming checks the data too: the same set, split and scaled the same way
            name=f"{spec.name}, data seed {spec.seed}, val fraction {spec.val_fraction:g}"
            + ("" if spec.standardize == "auto" else f", standardize {spec.standardize}"),
            # stored in the checkpoint: jaxnn evaluate splits the data the same way
            data_seed=spec.seed,
            val_fraction=spec.val_fraction,
            standardize=spec.standardize,
            label_column=spec.label_column,
            on_epoch=logs.on_epoch if logs.active else None,
        )
    finally:
        logs.finish(result)
    h = result.history
    regression = not is_classification(data)
    columns = ["epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy"]
    if regression:
        columns = [
            "epoch",
            "train_loss",
            "val_loss",
            *[k for k in ("val_rmse", "val_mae", "val_r2") if k in h],
        ]
    headers = [
        c.replace("_", " ").replace("accuracy", "acc").replace("rmse", "RMSE").replace("mae", "MAE")
        for c in columns
    ]
    rows = list(zip(*(h[c] for c in columns)))
    print(markdown_table([c.replace("r2", "R^2") for c in headers], rows), end="\n\n")
    summary = [
        (
            "data",
            f"{spec.name}: {len(data.x_train)} train, {len(data.x_val)} val, "
            f"{len(data.x_test)} test",
        ),
        (
            "network",
            " -> ".join(map(str, result.config.sizes))
            + f" ({result.config.activation}, {result.config.output})",
        ),
        ("inputs", f"{data.preprocessing.kind} scaling, {result.config.dtype}"),
        *_test_rows(result, data),
        ("train seconds (no compile)", result.train_seconds),
        ("compile seconds", result.compile_seconds),
        ("samples / second", f"{result.train_samples_per_second:.0f}"),
        ("params sha256", result.params_sha256[:16] + "..."),
    ]
    print(markdown_table(["result", "value"], summary))
    cm = result.confusion_matrix
    if not regression:
        from jaxnn._cli._model_args import print_confusion_matrix

        print_confusion_matrix(cm, max(2, result.config.sizes[-1]))
    figures = []
    if args.out:
        from jaxnn._plots import plot_confusion_matrix, plot_history, save_png

        out = Path(args.out)
        title = f"{spec.name}: {' -> '.join(map(str, result.config.sizes))}"
        figures.append(str(save_png(plot_history(h, title=title), out / "curves.png")))
        if cm is not None:
            figures.append(str(save_png(plot_confusion_matrix(cm), out / "confusion_matrix.png")))
        for f in figures:
            print(f"figure: {f}")
    if args.save:
        print(f"checkpoint: {args.save}")
    if args.log:
        print(f"log: {args.log}")
    config = result.config._asdict()
    config.update(
        hparams=setting.hparams,
        seed=setting.seed,
        dataset=spec.name,
        data_dir=spec.data_dir,
        data_seed=spec.seed,
        val_fraction=spec.val_fraction,
        standardize=spec.standardize,
        label_column=spec.label_column,
        task="regression" if regression else "classification",
        standardize_targets=spec.standardize_targets,
        resume=args.resume,
    )
    from jaxnn._logging import json_safe

    return json_safe(
        {
            "config": config,
            "epochs": [dict(zip(h, values)) for values in zip(*h.values())],
            "test_loss": result.test_loss,
            "test_accuracy": result.test_accuracy,
            "confusion_matrix": None if cm is None else cm.tolist(),
            "test_mse": result.test_mse,
            "test_rmse": result.test_rmse,
            "test_mae": result.test_mae,
            "test_r2": result.test_r2,
            "train_seconds": result.train_seconds,
            "compile_seconds": result.compile_seconds,
            "samples_trained": result.samples_trained,
            "train_samples_per_second": result.train_samples_per_second,
            "params_sha256": result.params_sha256,
            "checkpoint": args.save,
            "log": args.log,
            "wandb_dir": logs.wandb_dir,
            "figures": figures,
        }
    )


def _test_rows(result, data) -> list[tuple[str, object]]:
    """The summary's test rows: loss and accuracy, or for regression the loss (of the z-scored
    targets) and RMSE, MAE and R^2 in the targets' units."""
    if result.confusion_matrix is not None or math.isfinite(result.test_accuracy):
        return [("test loss", result.test_loss), ("test accuracy", result.test_accuracy)]
    target = data.target_preprocessing
    scaled = target is not None and target.kind != "none"
    return [
        ("test loss" + (" (mse of z-scored targets)" if scaled else ""), result.test_loss),
        ("test RMSE", result.test_rmse),
        ("test MAE", result.test_mae),
        ("test R^2", result.test_r2),
    ]

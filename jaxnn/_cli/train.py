"""``jaxnn train``: train a feed-forward network on a data set, with the course's train.py flags.

With no flags: digits, 2 hidden layers of 128 tanh units, adam 1e-3, batch 32, 30 epochs, Xavier.
"""

from __future__ import annotations

import argparse
import math

from jaxnn._cli._run_log import TrainLogs, add_run_log_arguments, course_config
from jaxnn._cli._train_args import add_train_arguments, data_settings, load_data, setting_from_args

HELP = "train a network on an embedded data set, your own npz/csv/IDX files, or synthetic data"


def register(p: argparse.ArgumentParser) -> None:
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


def outputs(args: argparse.Namespace) -> tuple[dict, dict]:
    """The output paths, checked by the CLI before anything runs."""
    from jaxnn._cli._run_log import wandb_dirs

    return {"--save": args.save, "--log": args.log}, {"--out": args.out, **wandb_dirs(args)}


def inputs(args: argparse.Namespace) -> tuple[dict, tuple]:
    """The paths the run reads; ``--save`` may be ``--resume`` (a resumed run saves in place)."""
    from jaxnn._cli._train_args import dataset_file

    read = {"-d": dataset_file(args.dataset), "--resume": args.resume}
    return read, (("--save", "--resume"),)


def _fit(args: argparse.Namespace, spec: dict, data, setting, logs):
    """`jaxnn.fit` of one setting on ``data``, with the flags' checkpoint, progress and logs."""
    from jaxnn.training._config import make_hparams
    from jaxnn.training._fit import fit

    standardize = "" if spec["standardize"] == "auto" else f", standardize {spec['standardize']}"
    return fit(
        data,
        config=setting.config,
        hparams=make_hparams(**setting.hparams),
        seed=setting.seed,
        resume=args.resume,
        save=args.save,
        save_every=args.save_every,
        progress=not args.quiet,
        # resuming checks the data too: the same set, split and scaled the same way
        name=f"{spec['dataset']}, data seed {spec['data_seed']}, val fraction "
        f"{spec['val_fraction']:g}{standardize}",
        # stored in the checkpoint: jaxnn evaluate splits the data the same way
        **{k: v for k, v in spec.items() if k not in ("dataset", "data_dir", "dtype")},
        on_epoch=logs.on_epoch if logs.active else None,
    )


def _print_history(h: dict, regression: bool) -> None:
    from jaxnn._util import markdown_table

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


def _print_summary(result, data, spec: dict) -> None:
    from jaxnn._util import markdown_table

    config = result.config
    summary = [
        (
            "data",
            f"{spec['dataset']}: {len(data.x_train)} train, {len(data.x_val)} val, "
            f"{len(data.x_test)} test",
        ),
        (
            "network",
            " -> ".join(map(str, config.sizes)) + f" ({config.activation}, {config.output})",
        ),
        ("inputs", f"{data.preprocessing.kind} scaling, {config.dtype}"),
        *_test_rows(result, data),
        ("train seconds (no compile)", result.train_seconds),
        ("compile seconds", result.compile_seconds),
        ("samples / second", f"{result.train_samples_per_second:.0f}"),
        ("params sha256", result.params_sha256[:16] + "..."),
    ]
    print(markdown_table(["result", "value"], summary))


def _figures(out: str, result, name: str) -> list[str]:
    from pathlib import Path

    from jaxnn._plots import plot_confusion_matrix, plot_history, save_png

    title = f"{name}: {' -> '.join(map(str, result.config.sizes))}"
    figures = [str(save_png(plot_history(result.history, title=title), Path(out) / "curves.png"))]
    if result.confusion_matrix is not None:
        fig = plot_confusion_matrix(result.confusion_matrix)
        figures.append(str(save_png(fig, Path(out) / "confusion_matrix.png")))
    for f in figures:
        print(f"figure: {f}")
    return figures


def run(args: argparse.Namespace) -> dict:
    from pathlib import Path

    from jaxnn._cli import UsageError
    from jaxnn._logging import json_safe
    from jaxnn._util import require
    from jaxnn.training._data import is_classification

    if args.out:
        require("matplotlib", "--out (figures)")
    if args.save_every is not None:
        if args.save is None:
            raise UsageError("--save-every needs --save PATH")
        if args.save_every < 1:
            raise UsageError(f"--save-every must be >= 1, got {args.save_every}")
    spec = data_settings(args)
    data = load_data(spec)
    setting = setting_from_args(args, data)
    if args.resume and not Path(args.resume).is_file():
        raise UsageError(f"--resume: checkpoint {args.resume} does not exist")
    full = {**setting.config._asdict(), **setting.hparams, "seed": setting.seed}
    logs = TrainLogs(args, course_config(full, spec), name=f"{spec['dataset']}-seed{setting.seed}")
    result = None
    try:
        result = _fit(args, spec, data, setting, logs)
    finally:
        logs.finish(result)
    regression = not is_classification(data)
    _print_history(result.history, regression)
    _print_summary(result, data, spec)
    cm = result.confusion_matrix
    if not regression:
        from jaxnn._cli._model_args import print_confusion_matrix

        print_confusion_matrix(cm, max(2, result.config.sizes[-1]))
    figures = _figures(args.out, result, spec["dataset"]) if args.out else []
    if args.save:
        print(f"checkpoint: {args.save}")
    if args.log:
        print(f"log: {args.log}")
    config = result.config._asdict()
    config.update(hparams=setting.hparams, seed=setting.seed)
    config.update({k: v for k, v in spec.items() if k != "dtype"})  # the data settings
    config.update(task="regression" if regression else "classification", resume=args.resume)
    h = result.history
    return json_safe(
        {
            "config": config,
            "epochs": [dict(zip(h, values)) for values in zip(*h.values())],
            "test_loss": result.test_loss,
            "test_accuracy": result.test_accuracy,
            "confusion_matrix": None if cm is None else cm.tolist(),
            **{k: getattr(result, k) for k in ("test_mse", "test_rmse", "test_mae", "test_r2")},
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

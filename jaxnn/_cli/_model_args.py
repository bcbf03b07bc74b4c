"""What ``jaxnn predict`` and ``jaxnn evaluate`` share: the flags, loading the model, its data.

The data the model was trained on (the same named set, or a file of the same content) are split
exactly as training split them (the data seed, validation share and label column stored in the
model, unless given), and the test split is used: it gives bitwise training's test inputs, so the
accuracy is exactly the one training reported. Any other file is held out: every row is used
(``--split`` chooses otherwise). Inputs and regression targets are scaled with the model's saved
statistics, never new ones.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from jaxnn._cli._train_args import usage_error
from jaxnn.training._settings import SETTINGS

__all__ = ["ModelData", "model_command", "load_model_data", "measure", "model_inputs"]

SPLITS = ("test", "all")
_HELP = {
    "dataset": "the data, as for jaxnn train: a name (digits, iris, mnist1d, ...) or a file "
    "(npz:PATH, csv:PATH, idx:PATH)",
    "data_dir": SETTINGS.named("data_dir").help,
    "label_column": "the label column of a csv:PATH data set: a header name or a 0-based index "
    "(none: no labels); default: the model's",
}


class ModelData(NamedTuple):
    """A loaded model and the rows to run it on: network inputs and targets (preprocessed), the
    regression targets in their own units (when read raw), the split, the data set and whether it
    is the model's training data."""

    model: Any  # jaxnn.training.Model
    inputs: np.ndarray
    targets: np.ndarray | None
    raw_targets: np.ndarray | None
    split: str
    spec: str
    training: bool = True


def model_command(p: argparse.ArgumentParser, run) -> None:
    """Makes ``p`` a command on a saved model: ``--model`` and the data flags of the settings
    table (defaults: the model's own); ``run`` is the command's function, which reads the paths
    of `model_inputs`."""
    p.set_defaults(func=run, inputs=model_inputs)
    p.add_argument(
        "--model", required=True, metavar="PATH", help="a checkpoint (jaxnn train --save)"
    )
    g = p.add_argument_group("data")
    for name in ("dataset", "data_dir", "data_seed", "val_fraction", "label_column"):
        s = SETTINGS.named(name)
        g.add_argument(
            *s.flags,
            dest=s.dest,
            type=s.type,
            default=None,
            required=name == "dataset",
            metavar=s.dest.upper(),
            help=_HELP.get(name) or s.help.split(" (default")[0] + "; default: the model's",
        )
    g.add_argument(
        "--split",
        choices=SPLITS,
        default=None,
        help="test: the test split as training made it (default on the model's training data); "
        "all: every row (default on any other file: held-out data are evaluated whole)",
    )


def model_inputs(args: argparse.Namespace) -> tuple[dict, tuple]:
    """The paths ``predict`` and ``evaluate`` read: the model and a data file."""
    from jaxnn._cli._train_args import dataset_file

    return {"--model": args.model, "-d": dataset_file(args.dataset)}, ()


def _load_model(path: str):
    from jaxnn.training._checkpoint import read_checkpoint_metadata
    from jaxnn.training._model import load_model
    from jaxnn.training._precision import enable_dtype

    if not Path(path).is_file():
        raise usage_error(f"--model: {path} does not exist")
    meta = read_checkpoint_metadata(path)
    config = meta.get("config") if isinstance(meta.get("config"), dict) else {}
    if config.get("dtype") == "float64":  # 64-bit JAX before the arrays are made
        enable_dtype("float64", grad=config.get("grad", "explicit"), label=f"{path}: dtype")
    return load_model(path)


def _training_source(model, name: str) -> bool:
    """Whether ``-d NAME`` is the data the model was trained on: the same named set, or a file
    of the same content (its SHA-256), or a directory at the same path."""
    from jaxnn.training._sources import source_of

    stored = (model.data or {}).get("source")
    if not isinstance(stored, dict):  # a model of an earlier version: its data set's name
        trained = str(model.dataset or "").split(", data seed")[0]
        return trained == name
    now = source_of(name)
    if "sha256" in stored or "sha256" in now:
        return stored.get("sha256") == now.get("sha256")
    return stored.get("dataset") == now.get("dataset")


def load_model_data(args: argparse.Namespace) -> ModelData:
    """The model of ``--model`` and the rows of ``-d SPEC`` (``--split``), preprocessed.

    The data the model was trained on are split as training split them (``--split test`` by
    default: the test split); any other file is held out and is used whole (``--split all``).

    Raises:
      UsageError, ValueError: naming the flag or the file: a missing or corrupt model, a data set
        with another number of features, ``--split test`` on data without labels.
    """
    from jaxnn._cli._train_args import check_dataset_name
    from jaxnn.training._data import split_source
    from jaxnn.training._model import is_regression
    from jaxnn.training._settings import check_setting
    from jaxnn.training._sources import read_source

    model = _load_model(args.model)
    stored = model.data or {}

    def chosen(name: str):
        s = SETTINGS.named(name)
        value = getattr(args, s.dest)
        value = stored.get(name, s.default) if value is None else value
        if name == "label_column":
            return value
        try:
            return check_setting(name, value, label=s.flag)
        except (TypeError, ValueError) as e:
            raise usage_error(str(e)) from None

    name = check_dataset_name(args.dataset, args.data_dir)
    seed = chosen("data_seed")
    val_fraction = chosen("val_fraction")
    raw = read_source(
        name,
        data_dir=args.data_dir,
        label_column=chosen("label_column"),
        seed=seed,
        labels=False,
    )
    where = name.partition(":")[2] if ":" in name else f"-d {name}"
    n_in = model.config.sizes[0]
    features = raw["x"].shape[1] if raw["x"].ndim == 2 else int(np.prod(raw["x"].shape[1:]))
    if features != n_in:
        hint = ""
        if name.startswith("csv:") and features == n_in - 1 and "y" in raw:
            hint = "; a file without a label column takes --label-column none"
        raise ValueError(
            f"{where}: {features} features, the model {args.model} takes {n_in} (sizes "
            f"{' -> '.join(map(str, model.config.sizes))}){hint}"
        )
    training = _training_source(model, name)
    split = args.split or ("test" if training and "y" in raw else "all")
    task = "regression" if is_regression(model) else "classification"
    if split == "test":
        if "y" not in raw:
            raise usage_error(f"--split test: {where} has no labels to split by; use --split all")
        try:
            data = split_source(
                raw,
                val_fraction=val_fraction,
                seed=seed,
                standardize=model.preprocessing,
                standardize_targets=model.target_preprocessing,
                dtype=model.config.dtype,
                task=task,
            )
        except (ValueError, TypeError) as e:
            raise type(e)(f"{where}: {e}") from None
        return ModelData(model, data.x_test, np.asarray(data.y_test), None, split, name, training)
    inputs, targets, raw_y = _every_row(model, raw, where, task == "regression")
    return ModelData(model, inputs, targets, raw_y, split, name, training)


def _every_row(model, raw: dict, where: str, regression: bool):
    """Every row of a source (its splits concatenated): network inputs, and with labels the
    network targets and, for regression, the targets in their own units."""
    from jaxnn.training._model import model_inputs, model_targets

    parts = [p for p in ("", "_val", "_test") if f"x{p}" in raw]
    x = np.concatenate([raw[f"x{p}"].reshape(len(raw[f"x{p}"]), -1) for p in parts])
    inputs = model_inputs(model, x, name=where)
    if not all(f"y{p}" in raw for p in parts):
        return inputs, None, None
    y = np.concatenate([raw[f"y{p}"].reshape(len(raw[f"y{p}"]), -1) for p in parts])
    y = y if regression else y.reshape(-1)
    targets = model_targets(model, y, name=f"{where}: y")
    return inputs, targets, y.astype(np.float64) if regression else None


def measure(md: ModelData) -> dict[str, Any]:
    """Outputs, predicted classes, and with targets the `Evaluation` (loss, accuracy and
    confusion matrix, or MSE, RMSE, MAE and R^2), computed by the program that evaluates
    `jaxnn.fit`'s test split (bit for bit its numbers on the same rows)."""
    from jaxnn.training._model import measure as measure_model

    outputs, classes, ev = measure_model(md.model, md.inputs, md.targets, md.raw_targets)
    out: dict[str, Any] = {"samples": int(len(md.inputs)), "outputs": outputs}
    if classes is not None:
        out["classes"] = classes
    if ev is not None:
        out["evaluation"] = ev
    return out


def summary_rows(md: ModelData, m: dict[str, Any]) -> list[tuple[str, Any]]:
    config = md.model.config
    which = (
        "the test split as training made it"
        if md.split == "test"
        else "every row" + ("" if md.training else " (held out: not the model's training data)")
    )
    rows = [
        ("model", f"{' -> '.join(map(str, config.sizes))} ({config.activation}, {config.output})"),
        ("data", f"{md.spec}, {which}: {m['samples']} rows"),
        ("inputs", f"{md.model.preprocessing.kind} scaling (saved), {config.dtype}"),
    ]
    ev = m.get("evaluation")
    if ev is None:
        return rows
    scaled = md.model.target_preprocessing.kind != "none"
    rows.append(("loss" + (" (of z-scored targets)" if scaled else ""), ev.loss))
    if np.isfinite(ev.accuracy):
        rows.append(("accuracy", ev.accuracy))
    for key, label in (("rmse", "RMSE"), ("mae", "MAE"), ("r2", "R^2")):
        if np.isfinite(getattr(ev, key)):
            rows.append((label, getattr(ev, key)))
    return rows


def print_summary(md: ModelData, m: dict[str, Any]) -> None:
    """Prints the summary table and, for classes with labels, the confusion matrix."""
    from jaxnn._util import markdown_table

    print(markdown_table(["result", "value"], summary_rows(md, m)))
    ev = m.get("evaluation")
    if ev is not None:
        print_confusion_matrix(ev.confusion_matrix, max(2, md.model.config.sizes[-1]))


SHOWN_CLASSES = 20
"""The most classes whose confusion matrix is printed as a table (more: in --json)."""


def print_confusion_matrix(cm: Any, k: int) -> None:
    """The confusion matrix as a table for up to `SHOWN_CLASSES` classes; one line otherwise."""
    from jaxnn._util import markdown_table

    if cm is None:
        if k > 2:
            print(f"\nconfusion matrix: not made for {k} classes (more than 4096)")
        return
    if k > SHOWN_CLASSES:
        print(f"\nconfusion matrix: {k} x {k} (too large to print; --json holds it)")
        return
    print("\nconfusion matrix (rows: true class, columns: predicted)\n")
    print(markdown_table(["", *map(str, range(k))], [(i, *cm[i].tolist()) for i in range(k)]))


def json_result(args: argparse.Namespace, md: ModelData, m: dict[str, Any]) -> dict[str, Any]:
    from jaxnn._logging import json_safe

    ev = m.get("evaluation")
    get = (lambda k: None) if ev is None else (lambda k: getattr(ev, k))  # noqa: E731
    return json_safe(
        {
            "model": args.model,
            "dataset": md.spec,
            "split": md.split,
            "training_data": md.training,
            "samples": m["samples"],
            "loss": get("loss"),
            "accuracy": get("accuracy"),
            "confusion_matrix": get("confusion_matrix"),
            "mse": get("mse"),
            "rmse": get("rmse"),
            "mae": get("mae"),
            "r2": get("r2"),
        }
    )

"""What ``jaxnn predict`` and ``jaxnn evaluate`` share: the flags, loading the model, its data.

The data of ``-d SPEC`` are split exactly as training split them (the data seed, validation share
and label column stored in the model, unless given) and scaled with the model's saved statistics,
never new ones: on the data it was trained on, the test split gives bitwise training's test inputs,
so the accuracy is exactly the one training reported.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from jaxnn._cli._train_args import _usage
from jaxnn.training._settings import setting

__all__ = ["ModelData", "add_model_arguments", "load_model_data", "measure"]

SPLITS = ("test", "all")
_HELP = {
    "dataset": "the data, as for jaxnn train: a name (digits, iris, mnist1d, ...) or a file "
    "(npz:PATH, csv:PATH, idx:PATH)",
    "data_dir": setting("data_dir").help,
    "label_column": "the label column of a csv:PATH data set: a header name or a 0-based index "
    "(none: no labels); default: the model's",
}


class ModelData(NamedTuple):
    """A loaded model and the rows to run it on (network inputs, preprocessed)."""

    model: Any  # jaxnn.training.Model
    inputs: np.ndarray
    labels: np.ndarray | None
    split: str
    spec: str


def add_model_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``--model`` and the data flags of the settings table (defaults: the model's own)."""
    p.add_argument(
        "--model", required=True, metavar="PATH", help="a checkpoint (jaxnn train --save)"
    )
    g = p.add_argument_group("data")
    for name in ("dataset", "data_dir", "data_seed", "val_fraction", "label_column"):
        s = setting(name)
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
        help="test: the test split as training made it (default when there are labels); all: "
        "every row of the data set (default without labels)",
    )
    return p


def _load_model(path: str):
    from jaxnn.training._checkpoint import read_checkpoint_metadata
    from jaxnn.training._model import load_model
    from jaxnn.training._precision import enable_dtype

    if not Path(path).is_file():
        raise _usage(f"--model: {path} does not exist")
    meta = read_checkpoint_metadata(path)
    config = meta.get("config") if isinstance(meta.get("config"), dict) else {}
    if config.get("dtype") == "float64":  # 64-bit JAX before the arrays are made
        enable_dtype("float64", grad=config.get("grad", "explicit"), label=f"{path}: dtype")
    return load_model(path)


def load_model_data(args: argparse.Namespace) -> ModelData:
    """The model of ``--model`` and the rows of ``-d SPEC`` (``--split``), preprocessed.

    Raises:
      UsageError, ValueError: naming the flag or the file: a missing or corrupt model, a data set
        with another number of features, ``--split test`` on data without labels.
    """
    from jaxnn._cli._train_args import check_dataset_name
    from jaxnn.training._data import read_source, split_source
    from jaxnn.training._model import model_inputs
    from jaxnn.training._settings import check_setting

    model = _load_model(args.model)
    stored = model.data or {}

    def chosen(name: str):
        value = getattr(args, setting(name).dest)
        value = stored.get(name, setting(name).default) if value is None else value
        return value if name == "label_column" else check_setting(name, value, label=name)

    name = check_dataset_name(args.dataset, args.data_dir)
    seed = chosen("data_seed")
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
        raise ValueError(
            f"{where}: {features} features, the model {args.model} takes {n_in} (sizes "
            f"{' -> '.join(map(str, model.config.sizes))})"
        )
    split = args.split or ("test" if "y" in raw else "all")
    if split == "test":
        if "y" not in raw:
            raise _usage(f"--split test: {where} has no labels to split by; use --split all")
        try:
            data = split_source(
                raw,
                val_fraction=chosen("val_fraction"),
                seed=seed,
                standardize=model.preprocessing,
                dtype=model.config.dtype,
            )
        except (ValueError, TypeError) as e:
            raise type(e)(f"{where}: {e}") from None
        return ModelData(model, data.x_test, np.asarray(data.y_test), split, name)
    parts = [p for p in ("", "_val", "_test") if f"x{p}" in raw]
    x = np.concatenate([raw[f"x{p}"].reshape(len(raw[f"x{p}"]), -1) for p in parts])
    labelled = all(f"y{p}" in raw for p in parts)
    y = np.concatenate([raw[f"y{p}"] for p in parts]) if labelled else None
    return ModelData(model, model_inputs(model, x, name=where), y, split, name)


def measure(md: ModelData) -> dict[str, Any]:
    """Outputs, predicted classes, and with labels the loss, accuracy and confusion matrix, all
    computed by the program that evaluates `jaxnn.fit`'s test split (bit for bit its numbers on
    the same rows)."""
    import jax

    from jaxnn.feedforward._losses import get_output
    from jaxnn.training._model import is_binary, model_outputs
    from jaxnn.training._programs import solo_test

    config, params = md.model.config, md.model.params
    x = jax.device_put(md.inputs)
    outputs = np.asarray(model_outputs(md.model, x), np.float64)
    classifier = is_binary(config) or get_output(config.output).name == "softmax"
    regression = not classifier or (md.labels is not None and md.labels.dtype.kind == "f")
    out: dict[str, Any] = {"samples": int(len(x)), "outputs": outputs}
    labels = md.labels if md.labels is not None else np.zeros(len(x), np.int32)
    test = jax.device_get(solo_test(config, params, x, jax.device_put(labels)))
    if not regression:
        out["classes"] = np.asarray(test.classes)
    if md.labels is not None:
        out["loss"], out["accuracy"] = float(test.loss), float(test.accuracy)
        if not regression:
            out["confusion_matrix"] = np.asarray(test.confusion)
    return out


def summary_rows(md: ModelData, m: dict[str, Any]) -> list[tuple[str, Any]]:
    config = md.model.config
    rows = [
        ("model", f"{' -> '.join(map(str, config.sizes))} ({config.activation}, {config.output})"),
        ("data", f"{md.spec}, {md.split} split: {m['samples']} rows"),
        ("inputs", f"{md.model.preprocessing.kind} scaling (saved), {config.dtype}"),
    ]
    if "loss" in m:
        rows.append(("loss", m["loss"]))
    if "accuracy" in m and np.isfinite(m["accuracy"]):
        rows.append(("accuracy", m["accuracy"]))
    return rows


def print_summary(md: ModelData, m: dict[str, Any]) -> None:
    """Prints the summary table and, for classes with labels, the confusion matrix."""
    from jaxnn._util import markdown_table

    print(markdown_table(["result", "value"], summary_rows(md, m)))
    if "confusion_matrix" not in m:
        return
    cm = m["confusion_matrix"]
    k = cm.shape[0]
    print("\nconfusion matrix (rows: true class, columns: predicted)\n")
    print(markdown_table(["", *map(str, range(k))], [(i, *cm[i].tolist()) for i in range(k)]))


def json_result(args: argparse.Namespace, md: ModelData, m: dict[str, Any]) -> dict[str, Any]:
    accuracy = m.get("accuracy")
    return {
        "model": args.model,
        "dataset": md.spec,
        "split": md.split,
        "samples": m["samples"],
        "loss": m.get("loss"),
        "accuracy": accuracy if accuracy is not None and np.isfinite(accuracy) else None,
        "confusion_matrix": m["confusion_matrix"].tolist() if "confusion_matrix" in m else None,
    }

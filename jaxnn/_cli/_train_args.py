"""The flags of ``jaxnn train`` (the course's ``train.py`` names), shared with ``jaxnn sweep``.

``add_train_arguments(parser)`` adds them; with ``sweep=True`` the flags a sweep varies are plain
strings (comma-separated lists, parsed by the sweep) and have no ``choices``. ``dataset_spec`` and
``load_data`` turn the data flags into a `Dataset`; ``setting_from_args`` turns one setting (every
flag holding one value) into a `TrainConfig`, `make_hparams` keyword arguments and a seed, naming
the flag of any bad value.
"""

from __future__ import annotations

import argparse
import math
from typing import Any, NamedTuple

__all__ = [
    "DatasetSpec",
    "FLAGS",
    "SWEEPABLE",
    "TrainSetting",
    "add_train_arguments",
    "dataset_spec",
    "load_data",
    "setting_from_args",
]

# dest -> the flag as a user types it, for error messages.
FLAGS = {
    "dataset": "-d/--dataset",
    "data_dir": "--data-dir",
    "data_seed": "--data-seed",
    "val_fraction": "--val-fraction",
    "epochs": "-e/--epochs",
    "batch_size": "-b/--batch_size",
    "loss": "-l/--loss",
    "optimizer": "-o/--optimizer",
    "learning_rate": "-lr/--learning_rate",
    "momentum": "-m/--momentum",
    "beta": "-beta/--beta",
    "beta1": "-beta1/--beta1",
    "beta2": "-beta2/--beta2",
    "epsilon": "-eps/--epsilon",
    "weight_decay": "-w_d/--weight_decay",
    "init_scale": "--init_scale",
    "weight_init": "-w_i/--weight_init",
    "num_layers": "-nhl/--num_layers",
    "hidden_size": "-sz/--hidden_size",
    "activation": "-a/--activation",
    "seed": "--seed",
    "grad": "--grad",
}
# The flags that take comma-separated lists under ``sweep=True`` (dests).
SWEEPABLE = (
    "learning_rate",
    "momentum",
    "beta",
    "beta1",
    "beta2",
    "epsilon",
    "weight_decay",
    "init_scale",
    "seed",
    "optimizer",
    "activation",
    "hidden_size",
    "num_layers",
    "weight_init",
    "batch_size",
    "epochs",
    "loss",
)
# dest -> the make_hparams keyword it sets.
_HPARAM_OF = {
    "learning_rate": "learning_rate",
    "momentum": "momentum",
    "beta": "beta",
    "beta1": "beta1",
    "beta2": "beta2",
    "epsilon": "eps",
    "weight_decay": "weight_decay",
    "init_scale": "init_scale",
}
_FLOAT = tuple(_HPARAM_OF)
_INT = ("epochs", "batch_size", "num_layers", "hidden_size", "seed")
_LOSS_NAMES = {"cross_entropy": "cross_entropy", "mean_squared_error": "mse", "mse": "mse"}


class DatasetSpec(NamedTuple):
    """Which data to load: a name (or ``idx:PATH``), the IDX directory, the split seed and share."""

    name: str
    data_dir: str | None
    seed: int
    val_fraction: float


class TrainSetting(NamedTuple):
    """One training run: the static config, `make_hparams` keyword arguments and the seed."""

    config: Any  # TrainConfig
    hparams: dict[str, float]
    seed: int


def add_train_arguments(
    parser: argparse.ArgumentParser, *, sweep: bool = False
) -> argparse.ArgumentParser:
    """Adds the training flags to ``parser``.

    Args:
      parser: the subcommand's parser.
      sweep: if True, the flags in ``SWEEPABLE`` take strings (comma-separated lists for the
        sweep to parse) and have no ``choices``.

    Returns:
      ``parser``.
    """
    from jaxnn._activations import ACTIVATIONS
    from jaxnn._feedforward import INITS
    from jaxnn._optimizers import OPTIMIZERS

    def kind(dest: str, typ):
        return str if sweep and dest in SWEEPABLE else typ

    lst = " (comma-separated list)" if sweep else ""
    d = parser.add_argument_group("data")
    d.add_argument(
        "-d",
        "--dataset",
        default="digits",
        help="digits (default), mnist, fashion_mnist, xor, blobs, sine, or idx:PATH",
    )
    d.add_argument(
        "--data-dir",
        dest="data_dir",
        default=None,
        metavar="PATH",
        help="directory of the IDX files for mnist / fashion_mnist (nothing is downloaded)",
    )
    d.add_argument(
        "--data-seed",
        dest="data_seed",
        type=int,
        default=0,
        help="seed of the train/validation/test split and synthetic data (default 0)",
    )
    d.add_argument(
        "--val-fraction",
        dest="val_fraction",
        type=float,
        default=0.1,
        help="share of the training data held out for validation (default 0.1)",
    )
    m = parser.add_argument_group("model")
    m.add_argument(
        "-nhl",
        "--num_layers",
        type=kind("num_layers", int),
        default=2,
        help=f"number of hidden layers (default 2){lst}",
    )
    m.add_argument(
        "-sz",
        "--hidden_size",
        type=kind("hidden_size", int),
        default=128,
        help=f"width of every hidden layer (default 128){lst}",
    )
    m.add_argument(
        "-a",
        "--activation",
        type=kind("activation", str),
        default="tanh",
        help=f"{', '.join(ACTIVATIONS)} (default tanh){lst}",
    )
    m.add_argument(
        "-w_i",
        "--weight_init",
        type=kind("weight_init", str),
        default="xavier",
        help=f"{', '.join(INITS)} (default xavier){lst}",
    )
    m.add_argument(
        "--init_scale",
        type=kind("init_scale", float),
        default=1.0,
        help=f"multiplies the initial weights (default 1){lst}",
    )
    t = parser.add_argument_group("training")
    t.add_argument(
        "-e",
        "--epochs",
        type=kind("epochs", int),
        default=30,
        help=f"epochs (default 30; with --resume: the total to reach){lst}",
    )
    t.add_argument(
        "-b",
        "--batch_size",
        type=kind("batch_size", int),
        default=32,
        help=f"minibatch size; the last partial batch is dropped (default 32){lst}",
    )
    t.add_argument(
        "-l",
        "--loss",
        type=kind("loss", str),
        default="cross_entropy",
        help=f"cross_entropy or mean_squared_error (mse) (default cross_entropy){lst}",
    )
    t.add_argument(
        "-o",
        "--optimizer",
        type=kind("optimizer", str),
        default="adam",
        help=f"{', '.join(OPTIMIZERS)} (default adam){lst}",
    )
    t.add_argument(
        "-lr",
        "--learning_rate",
        type=kind("learning_rate", float),
        default=1e-3,
        help=f"learning rate eta (default 1e-3){lst}",
    )
    t.add_argument(
        "-m",
        "--momentum",
        type=kind("momentum", float),
        default=0.9,
        help=f"momentum of momentum and nag (default 0.9){lst}",
    )
    t.add_argument(
        "-beta",
        "--beta",
        type=kind("beta", float),
        default=0.9,
        help=f"rmsprop's decay (default 0.9){lst}",
    )
    t.add_argument(
        "-beta1",
        "--beta1",
        type=kind("beta1", float),
        default=0.9,
        help=f"adam/nadam beta1 (default 0.9){lst}",
    )
    t.add_argument(
        "-beta2",
        "--beta2",
        type=kind("beta2", float),
        default=0.999,
        help=f"adam/nadam beta2 (default 0.999){lst}",
    )
    t.add_argument(
        "-eps",
        "--epsilon",
        type=kind("epsilon", float),
        default=1e-8,
        help=f"optimizers' epsilon (default 1e-8){lst}",
    )
    t.add_argument(
        "-w_d",
        "--weight_decay",
        type=kind("weight_decay", float),
        default=0.0,
        help=f"L2 weight decay on the weight matrices (default 0){lst}",
    )
    t.add_argument(
        "--seed",
        type=kind("seed", int),
        default=0,
        help=f"training seed: jax.random.PRNGKey(seed) (default 0){lst}",
    )
    t.add_argument(
        "--grad",
        default="explicit",
        choices=("explicit", "autodiff"),
        help="gradients by explicit backprop, Algorithm 6 (default), or jax.grad",
    )
    return parser


def _usage(message: str) -> Exception:
    from jaxnn._cli import UsageError

    return UsageError(message)


def _coerce(dest: str, value: Any) -> Any:
    """One flag value as its type (strings from a sweep's lists are converted here too)."""
    flag = FLAGS[dest]
    if dest in _FLOAT:
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise _usage(f"{flag} must be a number, got {value!r}") from None
        return v
    if dest in _INT:
        try:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            return int(value)
        except (TypeError, ValueError):
            raise _usage(f"{flag} must be an integer, got {value!r}") from None
    return str(value).strip().lower()


def dataset_spec(args: argparse.Namespace) -> DatasetSpec:
    """The data flags as a `DatasetSpec` (the split does not depend on ``--seed``)."""
    frac = float(args.val_fraction)
    if not 0 < frac < 1 or math.isnan(frac):
        raise _usage(f"--val-fraction must be in (0, 1), got {args.val_fraction}")
    return DatasetSpec(str(args.dataset), args.data_dir, int(args.data_seed), frac)


def load_data(spec: DatasetSpec):
    """Loads and checks the `Dataset` of a `DatasetSpec`; errors name the flag or the file."""
    from jaxnn._data import DATASETS, check_dataset, load_dataset

    name = spec.name
    if not name.startswith("idx:") and name.lower() not in DATASETS:
        raise _usage(
            f"-d/--dataset: unknown dataset {name!r}; valid: {', '.join(DATASETS)}, idx:PATH"
        )
    if not name.startswith("idx:"):
        name = name.lower()
    if name in ("mnist", "fashion_mnist") and spec.data_dir is None:
        raise _usage(
            f"-d {name} reads the IDX files from a directory: add --data-dir PATH "
            f"(or use -d idx:PATH); jaxnn never downloads data"
        )
    return check_dataset(
        load_dataset(name, data_dir=spec.data_dir, val_fraction=spec.val_fraction, seed=spec.seed)
    )


def setting_from_args(args: argparse.Namespace, data) -> TrainSetting:
    """One setting's `TrainConfig`, `make_hparams` keyword arguments and seed.

    Every flag must hold one value (typed, or a string of one value). The sizes are
    ``(features, hidden_size x num_layers, outputs)`` from ``data``; the output is softmax for
    class labels and linear for regression targets.

    Args:
      args: the parsed flags.
      data: the `Dataset` the setting trains on.

    Returns:
      A `TrainSetting`.

    Raises:
      UsageError: naming the flag of a bad value.
    """
    from jaxnn._activations import ACTIVATIONS
    from jaxnn._data import is_classification, num_outputs
    from jaxnn._feedforward import INITS
    from jaxnn._optimizers import OPTIMIZERS
    from jaxnn._training import GRADS, TrainConfig, check_config, check_hparam

    v = {
        dest: _coerce(dest, getattr(args, dest))
        for dest in FLAGS
        if dest not in ("dataset", "data_dir", "data_seed", "val_fraction")
    }
    for dest, low in (("epochs", 1), ("batch_size", 1), ("hidden_size", 1), ("num_layers", 0)):
        if v[dest] < low:
            raise _usage(f"{FLAGS[dest]} must be >= {low}, got {v[dest]}")
    for dest, valid in (
        ("activation", tuple(ACTIVATIONS)),
        ("optimizer", OPTIMIZERS),
        ("weight_init", INITS),
        ("grad", GRADS),
        ("loss", ("cross_entropy", "mean_squared_error", "mse")),
    ):
        if v[dest] not in valid:
            raise _usage(f"{FLAGS[dest]}: unknown value {v[dest]!r}; valid: {', '.join(valid)}")
    hparams = {}
    for dest, name in _HPARAM_OF.items():
        try:
            check_hparam(name, v[dest], label=FLAGS[dest])
            hparams[name] = v[dest]
        except (TypeError, ValueError) as e:
            raise _usage(str(e)) from None
    classification = is_classification(data)
    loss = _LOSS_NAMES[v["loss"]]
    if not classification and loss != "mse":
        raise _usage(
            f"{FLAGS['loss']}: {args.dataset} is a regression data set: use "
            f"mean_squared_error, not {v['loss']}"
        )
    n = int(data.x_train.shape[0])
    if v["batch_size"] > n:
        raise _usage(
            f"{FLAGS['batch_size']} {v['batch_size']} is larger than the training "
            f"data ({n} samples)"
        )
    sizes = (int(data.x_train.shape[1]), *[v["hidden_size"]] * v["num_layers"], num_outputs(data))
    config = check_config(
        TrainConfig(
            sizes,
            v["activation"],
            "softmax" if classification else "linear",
            loss,
            v["optimizer"],
            v["batch_size"],
            v["epochs"],
            v["weight_init"],
            v["grad"],
        )
    )
    return TrainSetting(config, hparams, v["seed"])

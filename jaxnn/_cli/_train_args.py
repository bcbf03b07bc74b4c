"""The flags of ``jaxnn train`` (the course's ``train.py`` names), shared with ``jaxnn sweep``.

Every flag is generated from the settings table (`jaxnn.training.SETTINGS`): its spellings, type,
default, choices and help. ``add_train_arguments(parser)`` adds them; with ``sweep=True`` the flags
a sweep varies are plain strings (comma-separated lists, parsed by the sweep). ``data_settings``
and ``load_data`` turn the data flags into a `Dataset`; ``setting_from_args`` turns one setting
(every flag holding one value) into a `TrainConfig`, `make_hparams` keyword arguments and a seed,
naming the flag of any bad value. Every lookup reads the table when it is made.
"""

from __future__ import annotations

import argparse
from typing import Any, NamedTuple

from jaxnn.training._settings import SETTINGS, Setting, check_setting

__all__ = [
    "DATA_SETTINGS",
    "TrainSetting",
    "add_train_arguments",
    "check_dataset_name",
    "data_settings",
    "dataset_file",
    "flag_default",
    "flags_table",
    "load_data",
    "setting_from_args",
    "sweepable",
    "train_command",
    "usage_error",
    "with_values",
]

DATA_SETTINGS = ("data", "dtype")
"""What ``load_data`` reads: the data settings (kind ``data``) and the dtype, by name."""
_GROUPS = {
    "data": "data",
    "shape": "model",
    "static": "training",
    "traced": "training",
    "run": "training",
}
_MODEL = ("activation", "weight_init", "init_scale", "output")


def sweepable() -> tuple[Setting, ...]:
    """The settings whose flags take comma-separated lists under ``sweep=True``, in table
    order."""
    return tuple(s for s in SETTINGS.dests().values() if s.sweep)


def with_values(args: argparse.Namespace, values: dict[str, Any]) -> argparse.Namespace:
    """``args`` with the flags of ``values`` (by setting name) replaced: one sweep member."""
    return argparse.Namespace(
        **{**vars(args), **{SETTINGS.named(k).dest: v for k, v in values.items()}}
    )


def flag_default(s: Setting) -> Any:
    """A flag's default: the table's, except the loss, which follows the task (None: mse for
    regression, else the table's cross-entropy)."""
    return None if s.name == "loss" else s.default


def dataset_file(name: Any) -> str | None:
    """The path of a ``npz:``/``csv:``/``idx:`` data set (an input the run must not overwrite)."""
    from jaxnn.training._sources import FILE_FORMATS

    prefix, sep, rest = str(name or "").partition(":")
    return rest if sep and prefix.lower() in FILE_FORMATS else None


class TrainSetting(NamedTuple):
    """One training run: the static config, `make_hparams` keyword arguments and the seed."""

    config: Any  # TrainConfig
    hparams: dict[str, float]
    seed: int


def add_train_arguments(
    parser: argparse.ArgumentParser, *, sweep: bool = False
) -> argparse.ArgumentParser:
    """Adds the training flags of the settings table to ``parser``.

    Args:
      parser: the subcommand's parser.
      sweep: if True, the flags of `sweepable` take strings (comma-separated lists for the
        sweep to parse).

    Returns:
      ``parser``.
    """
    groups = {title: parser.add_argument_group(title) for title in ("data", "model", "training")}
    for dest, s in SETTINGS.dests().items():
        listed = sweep and s.sweep
        group = "model" if s.name in _MODEL else _GROUPS[s.kind]
        choices = s.choices()
        help_text = s.help
        if choices and s.name not in ("dataset",):
            help_text += f"; one of {', '.join(choices)}"
        if s.default is not None:
            help_text += (
                f" (default {s.default:g})" if s.type is float else f" (default {s.default})"
            )
        if listed:
            help_text += " (comma-separated list"
            help_text += (
                "; numbers also LOW:HIGH:NUM, log-spaced)" if s.type in (int, float) else ")"
            )
        groups[group].add_argument(
            *s.flags,
            dest=dest,
            type=str if listed or s.type is str else s.type,
            default=flag_default(s),
            metavar=s.dest.upper() if s.type is not str or not choices else None,
            help=help_text,
        )
    return parser


def flags_table() -> str:
    """The training flags as a Markdown table (flag, default, meaning), for the README; generated
    from the settings table, so the docs cannot drift from the code."""
    rows = []
    for s in SETTINGS.dests().values():
        flags = ", ".join(f"`{f}`" for f in s.flags)
        default = (
            "" if s.default is None else f"`{s.default:g}`" if s.type is float else f"`{s.default}`"
        )
        choices = s.choices()
        meaning = s.help + (
            f"; one of {', '.join(choices)}" if choices and s.name != "dataset" else ""
        )
        kind = {"traced": "traced", "static": "static", "shape": "static", "run": "traced"}.get(
            s.kind, "data"
        )
        rows.append(f"| {flags} | {default} | {kind} | {meaning} |")
    head = "| flag | default | kind | meaning |\n|---|---|---|---|"
    return "\n".join([head, *rows])


def usage_error(message: str) -> Exception:
    """The CLI's `UsageError` (exit 2, one line) with ``message``, for a command to raise."""
    from jaxnn._cli import UsageError

    return UsageError(message)


def _coerce(dest: str, value: Any) -> Any:
    """One flag value, checked by the table and in its canonical form (names the flag)."""
    s = SETTINGS.by_dest(dest)
    if isinstance(value, str) and s.type in (int, float):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            kind = "an integer" if s.type is int else "a number"
            raise usage_error(f"{s.flag} must be {kind}, got {value!r}") from None
        if s.type is int:
            if not number.is_integer():
                raise usage_error(f"{s.flag} must be an integer, got {value!r}")
            value = int(number)
        else:
            value = number
    try:
        checked = check_setting(s.name, value, label=s.flag)
    except (TypeError, ValueError) as e:
        raise usage_error(str(e)) from None
    return float(value) if s.kind == "traced" else checked


def data_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The data flags and ``--dtype``, checked, by setting name (the split does not depend on
    ``--seed``).

    ``--dtype float64`` turns on 64-bit JAX here, before any array is made (refused on a backend
    without float64).
    """
    from jaxnn.training._precision import enable_dtype

    out = {s.name: _coerce(s.dest, getattr(args, s.dest)) for s in SETTINGS.of_kind("data")}
    out["dataset"] = str(args.dataset)
    out["dtype"] = _coerce("dtype", args.dtype)
    try:
        enable_dtype(out["dtype"], grad=_coerce("grad", args.grad))
    except ValueError as e:
        raise usage_error(str(e)) from None
    return out


def check_dataset_name(name: str, data_dir: str | None) -> str:
    """The canonical data set name, or a `UsageError` naming the flag.

    mnist, fashion_mnist and kmnist without ``data_dir`` are downloaded into the cache.
    """
    del data_dir  # any source works with or without it
    from jaxnn.training._sources import DATASETS, FILE_FORMATS

    prefix, sep, _ = name.partition(":")
    if sep and prefix.lower() in FILE_FORMATS:
        return f"{prefix.lower()}:{name[len(prefix) + 1 :]}"
    if name.lower() not in DATASETS:
        files = ", ".join(f"{f}:PATH" for f in FILE_FORMATS)
        raise usage_error(
            f"-d/--dataset: unknown dataset {name!r}; valid: {', '.join(DATASETS)}, {files}"
        )
    return name.lower()


def load_data(spec: dict[str, Any]):
    """Loads and checks the `Dataset` of the data settings ``spec`` (`data_settings`); errors
    name the flag or the file."""
    from jaxnn.training._data import check_dataset
    from jaxnn.training._sources import load_dataset

    kwargs = {k: v for k, v in spec.items() if k not in ("dataset", "data_seed")}
    name = check_dataset_name(spec["dataset"], spec["data_dir"])
    return check_dataset(load_dataset(name, seed=spec["data_seed"], **kwargs))


def setting_from_args(args: argparse.Namespace, data) -> TrainSetting:
    """One setting's `TrainConfig`, `make_hparams` keyword arguments and seed.

    Every flag must hold one value (typed, or a string of one value). The sizes are
    ``(features, hidden_size x num_layers, outputs)`` from ``data``; the output follows the loss
    (``--output auto``): softmax for class labels, sigmoid for binary cross-entropy, linear for
    regression targets.

    Args:
      args: the parsed flags.
      data: the `Dataset` the setting trains on.

    Returns:
      A `TrainSetting`.

    Raises:
      UsageError: naming the flag of a bad value.
    """
    from jaxnn.training._data import default_output, is_classification, output_width
    from jaxnn.training._loop import TrainConfig, check_config
    from jaxnn.training._targets import regression_problem

    v = {
        s.name: _coerce(s.dest, getattr(args, s.dest))
        for s in SETTINGS.of_kind("static", "traced", "shape", "run")
        if s.flags
    }
    regression = not is_classification(data)
    if v["loss"] is None:
        v["loss"] = "mse" if regression else SETTINGS.named("loss").default
    if regression:
        target = data.target_preprocessing
        scaled = target is not None and target.kind != "none"
        problem = regression_problem(v["loss"], v["output"], scaled, flags=True)
        if problem:
            raise usage_error(f"--task regression ({args.dataset}): {problem}")
    n = int(data.x_train.shape[0])
    if v["batch_size"] > n:
        raise usage_error(
            f"{SETTINGS.named('batch_size').flag} {v['batch_size']} is larger than the training "
            f"data ({n} samples)"
        )
    hidden = [v["hidden_size"]] * v["num_layers"]
    sizes = (int(data.x_train.shape[1]), *hidden, output_width(data, v["loss"]))
    static = {f: v[f] for f in TrainConfig._fields if f != "sizes"}
    static["output"] = default_output(data, v["loss"], v["output"])
    try:
        config = check_config(TrainConfig(sizes, **static))
    except ValueError as e:
        raise usage_error(
            f"{SETTINGS.named('loss').flag}/{SETTINGS.named('output').flag}: {e}"
        ) from None
    hparams = {s.name: v[s.name] for s in SETTINGS.of_kind("traced")}
    return TrainSetting(config, hparams, v["seed"])


def train_command(setting: dict[str, Any], spec: dict[str, Any]) -> str:
    """The ``jaxnn train`` command that reruns one setting alone: every training flag (long
    names) with the setting's value, and the data flags of ``spec``.

    Args:
      setting: every `TrainConfig` field, every `HParams` field and ``seed``.
      spec: the data settings (`data_settings`).

    Returns:
      The command, quoted for a POSIX shell.
    """
    import shlex

    hidden = list(setting.get("sizes", ()))[1:-1]
    values = {**setting, **spec, "num_layers": len(hidden)}
    values["hidden_size"] = hidden[0] if hidden else SETTINGS.named("hidden_size").default
    words = ["jaxnn", "train"]
    for s in SETTINGS.dests().values():
        value = values.get(s.name)
        if value is None:
            continue
        value = getattr(value, "name", value)  # a custom Activation, Loss or Output
        words += [s.flags[-1], repr(value) if isinstance(value, float) else str(value)]
    if hidden and len(set(hidden)) > 1:
        words += ["# hidden widths", "/".join(map(str, hidden)), "(the flags give one width)"]
    return " ".join(shlex.quote(w) if not w.startswith("#") else w for w in words)

"""What a flag sweep and a config sweep share: the member limit, a flag's list of values, the
members' settings and records, and `run_sweep` (`jaxnn.sweep` with the command line's
``--devices``, ``--chunk-size`` and ``--pack``).
"""

from __future__ import annotations

import argparse
from typing import Any

from jaxnn._cli._train_args import setting_from_args, usage_error, with_values
from jaxnn.training._settings import SETTINGS, Setting

__all__ = [
    "MAX_MEMBERS",
    "RESULTS",
    "add_results",
    "axis_values",
    "check_count",
    "members_of",
    "run_sweep",
    "sweep_figures",
]

MAX_MEMBERS = 4096
"""The most members a sweep runs without ``--force``."""
RESULTS = (
    "test_loss",
    "test_accuracy",
    "val_loss",
    "val_accuracy",
    "train_loss",
    "diverged",
    "epochs_run",
    "stopped",
)
"""The result keys a member's record takes from the sweep (those it has)."""


def check_count(count: int, force: bool, smaller: str) -> None:
    """Refuses a sweep of more than `MAX_MEMBERS` members unless ``--force``; ``smaller`` says
    how to ask for fewer."""
    if count > MAX_MEMBERS and not force:
        raise usage_error(
            f"the sweep has {count} members, more than the limit of {MAX_MEMBERS}: pass --force "
            f"to run it anyway, or {smaller}"
        )


def add_results(records: list[dict[str, Any]], result, **columns: Any) -> None:
    """Adds to each member's record its results from a sweep's ``result`` (`RESULTS`, and the
    regression metrics and confusion matrix where it has them), then ``columns`` (a sequence of
    one value per member each), then its history."""
    from jaxnn._cli._sweep_report import KEPT, member_history

    regression = result.regression or [None] * len(records)
    rows = zip(records, result.members(), result.history, regression)
    for i, (record, row, h, r) in enumerate(rows):
        record.update({k: row[k] for k in (*RESULTS, *KEPT) if k in row})
        record.update({k: values[i] for k, values in columns.items()})
        record["history"] = member_history(h, r)


def axis_values(s: Setting, raw: Any) -> list:
    """The list of values of one setting's flag: parsed from its text, or its (typed) default.

    Raises:
      ValueError: naming the flag: an empty list, an unknown choice, a bad number or range.
    """
    from jaxnn.sweeps._search_space import parse_choices, parse_numbers

    if not isinstance(raw, str):
        return [raw]
    if s.type is str:
        canonical = {c.lower(): c for c in (*s.choices(), *s.aliases)}
        names = parse_choices(s.flag, raw.strip().lower(), tuple(canonical))
        return list(dict.fromkeys(s.aliases.get(canonical[n], canonical[n]) for n in names))
    return parse_numbers(s.flag, raw, integer=s.type is int)


def members_of(args: argparse.Namespace, chosen: list[dict[str, Any]], data) -> tuple:
    """Each chosen member's full setting (`TrainConfig` and `HParams` fields and ``seed``) and
    its JSON record: every sweepable setting under its name (`Settings.json_record`).

    Args:
      args: the parsed flags (one value each, or a list's text).
      chosen: each member's values by setting name (the swept ones).
      data: the `Dataset`.

    Returns:
      ``(config, settings, records)``: the last member's `TrainConfig` (the sweep's base), the
      settings and the records.
    """
    from jaxnn._cli._train_args import sweepable

    settings, records = [], []
    one = None
    for values in chosen:
        one = setting_from_args(with_values(args, values), data)
        settings.append({**one.config._asdict(), **one.hparams, "seed": one.seed})
        full = {s.name: values.get(s.name, getattr(args, s.dest)) for s in sweepable()}
        records.append(SETTINGS.json_record(full))
    return one.config, settings, records


def _configs(settings: list[dict], base) -> list:
    from jaxnn.training._config import check_config

    fields = base._fields
    return [
        check_config(base._replace(**{k: v for k, v in s.items() if k in fields})) for s in settings
    ]


def _check_packable(configs: list) -> None:
    """``--pack on`` with members that differ in a setting no program packs: one line."""
    from jaxnn.sweeps._plan import unpackable

    bad = unpackable(configs)
    if bad:
        name, values = bad[0]
        row = SETTINGS.get(name)
        raise usage_error(
            f"--pack on: the members differ in {row.flag if row else name} "
            f"({', '.join(map(str, values))}), which cannot be packed (one program per value); "
            f"use --pack auto or --pack off"
        )


def run_sweep(args: argparse.Namespace, config, settings: list[dict], data, **kwargs):
    """`jaxnn.sweep` with the command line's --devices, --chunk-size and --pack: ``--pack on``
    with unpackable members and a sweep too large for memory exit 2 with one line."""
    from jaxnn.sweeps._plan import SweepMemoryError
    from jaxnn.sweeps._sweep import sweep

    if args.pack == "on":
        _check_packable(_configs(settings, config))
    try:
        return sweep(
            config,
            settings,
            data,
            devices=args.devices,
            chunk_size=args.chunk_size,
            pack=args.pack,
            **kwargs,
        )
    except SweepMemoryError as e:
        raise usage_error(e.describe("--chunk-size", SETTINGS.named("hidden_size").flag)) from None


def sweep_figures(out, records: list, swept: dict, pair, metric: str, report: dict) -> list[str]:
    """``--out`` of a sweep: the heatmap of the two axes ``pair`` (none when None), the parallel
    coordinates of the swept axes and the importance figure (when ``report`` has a table);
    returns the paths written."""
    from pathlib import Path

    from jaxnn._cli._sweep_report import importance_figure
    from jaxnn._plots import plot_parallel_coordinates, plot_sweep_heatmap, save_png

    out, figures = Path(out), []
    if pair:
        fig = plot_sweep_heatmap(records, swept, pair[0], pair[1], metric=metric)
        figures.append(str(save_png(fig, out / "heatmap.png")))
    if swept:
        fig = plot_parallel_coordinates(records, swept, metric=metric)
        figures.append(str(save_png(fig, out / "parallel.png")))
    if report.get("importance"):
        figures += importance_figure(report, out)
    return figures

"""``jaxnn sweep --config FILE``: a wandb sweep config run as vectorized sweeps, and what every
sweep reports besides its ranked table (logs, parameter importance, the importance figure).

The config (`jaxnn.sweeps._config`) gives the method, the metric and its goal, the parameters,
``run_cap`` and ``early_terminate``. Command-line flags override the file: a training flag given
on the command line replaces that parameter (one value: a constant; a comma-separated list: a
categorical), ``--count N`` replaces ``run_cap``, ``-wp``/``-we`` replace ``project``/``entity``.

- ``grid``: the Cartesian product (the first ``run_cap``), one `jaxnn.sweep`.
- ``random``: ``run_cap`` settings drawn from the distributions (``--random-seed``), one sweep.
- ``bayes``: rounds of ``--round-size`` proposals from optuna's TPE, one sweep per round.
- ``early_terminate: hyperband``: each sweep (each round) runs with successive halving.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

from jaxnn._cli._run_log import SweepLogs
from jaxnn._cli._sweep_report import (
    KEPT,
    best_member,
    importance_figure,
    importance_report,
    member_history,
)
from jaxnn._cli._train_args import _BY_DEST, SWEEPABLE, _usage

__all__ = [
    "DEFAULT_COUNT",
    "add_config_arguments",
    "given_flags",
    "mark_given",
    "run_config",
]

DEFAULT_COUNT = 64
"""Members of a random or bayes sweep whose config has no ``run_cap`` (and no ``--count``)."""
HEATMAP_MAX_VALUES = 12
"""A parameter with more distinct values than this is not a default heatmap axis."""


class _Unset:
    def __repr__(self) -> str:
        return "<unset>"


_UNSET = _Unset()


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds ``--config``, ``--count``, ``--round-size`` and ``--hyperband-freeze``."""
    g = parser.add_argument_group("sweep config (wandb's schema; the search extra for YAML/bayes)")
    g.add_argument(
        "--config",
        metavar="FILE",
        help="a wandb sweep config (YAML or JSON): method grid/random/bayes, metric, parameters "
        "under the course's names, run_cap, early_terminate hyperband; flags override it",
    )
    g.add_argument(
        "--count",
        type=int,
        metavar="N",
        help=f"members to run (replaces run_cap; default {DEFAULT_COUNT} for random and bayes "
        "without run_cap)",
    )
    g.add_argument(
        "--round-size",
        dest="round_size",
        type=int,
        default=16,
        metavar="K",
        help="bayes: proposals per round, each round one vectorized sweep (default 16)",
    )
    g.add_argument(
        "--hyperband-freeze",
        dest="hyperband_freeze",
        action="store_true",
        help="hyperband: keep stopped members in the program, frozen, instead of compacting the "
        "survivors into a smaller one (same results)",
    )


def mark_given(parser: argparse.ArgumentParser) -> None:
    """Makes the training flags' defaults a marker, so `given_flags` tells which were typed."""
    parser.set_defaults(**{dest: _UNSET for dest in _BY_DEST})


def given_flags(args: argparse.Namespace) -> set[str]:
    """The training flags given on the command line (dests); the others get their defaults."""
    from jaxnn._cli._train_args import flag_default

    given = set()
    for dest, s in _BY_DEST.items():
        if getattr(args, dest, _UNSET) is _UNSET:
            setattr(args, dest, flag_default(s))
        else:
            given.add(dest)
    return given


# --- the config sweep ---


def _rank(records: Sequence[Mapping[str, Any]], metric: str, goal: str) -> list[int]:
    """Member indices, best first by ``metric`` and ``goal``; diverged and NaN last, ties by
    validation loss."""

    def key(i: int) -> tuple:
        r = records[i]
        v = r.get(metric)
        missing = v is None or not math.isfinite(v)
        value = 0.0 if missing else (-v if goal == "maximize" else v)
        loss = r.get("val_loss")
        return (bool(r["diverged"]), missing, value, math.inf if loss is None else loss, i)

    return sorted(range(len(records)), key=key)


def _override(spec, given: set[str], args: argparse.Namespace):
    """The spec with the command line's training flags in place of the file's parameters; the
    data settings of the file go to ``args`` unless given there."""
    from jaxnn._cli.sweep import _axis_values

    for dest in given:
        if dest in SWEEPABLE:
            try:
                values = _axis_values(dest, getattr(args, dest))
            except ValueError as e:
                raise _usage(str(e)) from None
            spec = spec.with_values(dest, dest, values)
            setattr(args, dest, values[0])  # the spec holds them all; args one valid value
    params = dict(spec.parameters)
    for dest, p in list(params.items()):
        if dest not in SWEEPABLE:  # data settings: one value
            if dest not in given:
                setattr(args, dest, p.values[0])
            del params[dest]
    return spec._replace(parameters=params)


def _precheck(spec, args: argparse.Namespace, data) -> None:
    """Each value (or bound) of each parameter makes a valid setting on these data, so no round
    fails after others trained."""
    from jaxnn._cli._train_args import setting_from_args

    for dest, p in spec.parameters.items():
        if p.distribution in ("constant", "categorical", "categorical_w_probabilities"):
            values = p.values
        elif p.distribution == "log_uniform":
            values = (math.exp(p.low), math.exp(p.high))
        else:
            values = (p.low, p.high)
        for v in values:
            v = int(round(v)) if p.integer and not isinstance(v, str) else v
            try:
                setting_from_args(argparse.Namespace(**{**vars(args), dest: v}), data)
            except ValueError as e:
                raise _usage(f"{spec.source}: parameters.{p.key}: {v!r}: {e}") from None


def run_config(args: argparse.Namespace, given: set[str]) -> dict:
    """Runs ``jaxnn sweep --config FILE``; returns the JSON-ready result."""
    import jax

    from jaxnn._cli._train_args import dataset_spec, load_data, setting_from_args
    from jaxnn._cli.sweep import MAX_MEMBERS, _names
    from jaxnn._util import markdown_table, require
    from jaxnn.sweeps._config import load_sweep_config

    started = time.perf_counter()
    if args.random is not None:
        raise _usage(
            "--random N samples the flags' grid; with --config use method: random with run_cap "
            "(or --count N)"
        )
    if args.count is not None and args.count < 1:
        raise _usage(f"--count must be >= 1, got {args.count}")
    if args.round_size < 1:
        raise _usage(f"--round-size must be >= 1, got {args.round_size}")
    if args.top < 0:
        raise _usage(f"--top must be >= 0, got {args.top}")
    if any(v is not None for v in (args.coordinator, args.num_processes, args.process_id)):
        raise _usage(
            "--config runs on one host: leave out --coordinator/--num-processes/--process-id"
        )
    spec = _override(load_sweep_config(args.config), given, args)
    heatmap = _heatmap_pair(args.heatmap, spec)
    if spec.method == "bayes":
        from jaxnn.sweeps._bayes import check_optuna

        check_optuna()
    if args.out:
        require("matplotlib", "--out (figures)")
    count = args.count if args.count is not None else spec.run_cap
    if spec.method == "grid":
        size = spec.grid_size()
        count = size if count is None else min(count, size)
    elif count is None:
        count = DEFAULT_COUNT
        print(f"{spec.source}: no run_cap: running {count} members (set run_cap or --count N)")
    if count > MAX_MEMBERS and not args.force:
        raise _usage(
            f"the sweep has {count} members, more than the limit of {MAX_MEMBERS}: pass --force "
            f"to run it anyway, or lower run_cap / --count"
        )
    metric = spec.metric or "val_accuracy"
    goal = spec.goal if spec.metric else "maximize"
    if spec.ignored:
        print(f"{spec.source}: ignored (wandb's agent uses them): {', '.join(spec.ignored)}")

    ds = dataset_spec(args)
    data = load_data(ds)
    _precheck(spec, args, data)
    names = _names()
    data_settings = {"dataset": ds.name, "data_seed": ds.seed, "val_fraction": ds.val_fraction}
    logs = SweepLogs(args, group=spec.name, project=spec.project, entity=spec.entity)
    keys = [p.key for p in spec.parameters.values()]
    records: list[dict[str, Any]] = []
    timing = {"compile_seconds": 0.0, "train_seconds": 0.0, "groups": 0}
    rung_values: dict[int, list[float]] = {}
    rounds: list[dict[str, Any]] = []
    hyperband = spec.early_terminate
    epochs_trained = epochs_full = epochs_computed = 0
    kept: dict[int, Any] = {}  # the best member so far: index -> (setting, confusion matrix)

    def evaluate(proposals: list[dict[str, Any]], round_index: int) -> list[float]:
        nonlocal epochs_trained, epochs_full, epochs_computed
        from jaxnn._cli.sweep import run_sweep
        from jaxnn.sweeps._hyperband import successive_halving
        from jaxnn.sweeps._run import space_envelope

        settings, batch = [], []
        for values in proposals:
            one = setting_from_args(argparse.Namespace(**{**vars(args), **values}), data)
            settings.append({**one.config._asdict(), **one.hparams, "seed": one.seed})
            full = {dest: values.get(dest, getattr(args, dest)) for dest in SWEEPABLE}
            record = {n: full[dest] for dest, pair in names.items() for n in pair}
            record.update({p.key: values[d] for d, p in spec.parameters.items()})
            record["round"] = round_index
            batch.append(record)
        # a Bayesian search's rounds run the programs of its whole space
        envelope = space_envelope(spec, one.config) if spec.method == "bayes" else None
        if hyperband is not None:
            result = successive_halving(
                one.config,
                settings,
                data,
                hyperband,
                metric=metric,
                goal=goal,
                compact=not args.hyperband_freeze,
                rung_values=rung_values,
                devices=args.devices,
                envelope=envelope,
            )
            epochs_trained += result.member_epochs
            epochs_full += result.member_epochs_full
            epochs_computed += result.member_epochs_computed
        else:
            result = run_sweep(
                args,
                one.config,
                settings,
                data,
                progress=not args.quiet,
                envelope=envelope,
            )
        timing["compile_seconds"] += result.compile_seconds
        timing["train_seconds"] += result.train_seconds
        timing["groups"] += result.groups
        first = len(records)
        regression = result.regression or [None] * len(batch)
        for record, row, h, r in zip(batch, result.members(), result.history, regression):
            record.update({k: row[k] for k in (*_RESULTS, *KEPT) if k in row})
            record["member"] = len(records)
            record["history"] = member_history(h, r)
            records.append(record)
        best = _rank(records, metric, goal)[0]
        confusion = result.confusion_matrix
        if best >= first:
            kept.clear()
            kept[best] = (result.settings[best - first], confusion, best - first)
        logs.add(
            batch,
            range(first, len(records)),
            result.history,
            settings,
            line_keys=keys,
            confusion=confusion,
            data=data_settings,
        )
        info = {"round": round_index, "members": len(batch)}
        if hyperband is not None:
            info["rungs"] = [r._asdict() for r in result.rungs]
        rounds.append(info)
        return [r.get(metric) for r in batch]

    try:
        if spec.method == "bayes":
            from jaxnn.sweeps._bayes import bayes_search

            bayes_search(
                spec, evaluate, total=count, round_size=args.round_size, seed=args.random_seed
            )
        elif spec.method == "random":
            evaluate(spec.sample(count, seed=args.random_seed), 0)
        else:
            evaluate(spec.grid(count), 0)
    finally:
        logs.close()

    order = _rank(records, metric, goal)
    for rank, i in enumerate(order, start=1):
        records[i]["rank"] = rank
    swept = _swept_axes(spec, records)
    shown = order if args.top == 0 else order[: args.top]
    extra = [metric] if metric not in ("val_accuracy", "test_accuracy", "test_loss") else []
    columns = [*swept, *extra, "val_accuracy", "test_accuracy", "test_loss", "diverged"]
    if hyperband is not None:
        columns.insert(len(swept), "epochs_run")
    headers = ["rank", *[c.replace("_", " ") for c in columns]]
    rows = [[records[i]["rank"], *(records[i][c] for c in columns)] for i in shown]
    print(markdown_table(headers, [["-" if v is None else v for v in r] for r in rows]))
    k = len(records)
    diverged = sum(r["diverged"] for r in records)
    print(
        f"\n{k} members ({diverged} diverged) in {len(rounds)} round(s), method {spec.method}, "
        f"metric {metric} ({goal}), {timing['groups']} program group(s) on "
        f"{jax.device_count()} {jax.default_backend()} device(s): compile "
        f"{timing['compile_seconds']:.2f} s, train {timing['train_seconds']:.2f} s"
        + (f"; showing the top {len(shown)}" if len(shown) < k else "")
    )
    hb = None
    if hyperband is not None:
        saved = 1 - epochs_trained / epochs_full if epochs_full else 0.0
        rungs = sorted({r["epoch"] for info in rounds for r in info["rungs"]})
        hb = {
            "eta": hyperband.eta,
            "min_iter": hyperband.min_iter,
            "max_iter": hyperband.max_iter,
            "s": hyperband.s,
            "strict": hyperband.strict,
            "compact": not args.hyperband_freeze,
            "rungs": rungs,
            "member_epochs": epochs_trained,
            "member_epochs_full": epochs_full,
            "member_epochs_computed": epochs_computed,
            "saved_fraction": saved,
            "stopped": sum(r["stopped"] for r in records),
        }
        print(
            f"hyperband (eta {hyperband.eta:g}, rungs {', '.join(map(str, rungs)) or 'none'}): "
            f"{hb['stopped']} of {k} members stopped early; trained {epochs_trained} of "
            f"{epochs_full} member-epochs ({100 * saved:.0f}% saved), computed {epochs_computed}"
        )
    report = importance_report(records, list(swept), metric)
    setting, confusion, row = kept[order[0]]
    cm = None if confusion is None else confusion[row]
    best = best_member(args, order[0], setting, ds, cm)
    figures = list(best.pop("figures"))
    if args.out:
        figures += _figures(args, records, swept, metric, report, heatmap)
        for f in figures:
            print(f"figure: {f}")
    if args.log:
        print(f"log: {args.log}")
    return {
        "config": args.config,
        "method": spec.method,
        "metric": metric,
        "goal": goal,
        "name": spec.name,
        "ignored": list(spec.ignored),
        "members": records,
        "best": records[order[0]],
        **best,
        "axes": swept,
        "rounds": rounds,
        "hyperband": hb,
        **report,
        "devices": jax.device_count(),
        "backend": jax.default_backend(),
        "groups": timing["groups"],
        "compile_seconds": timing["compile_seconds"],
        "train_seconds": timing["train_seconds"],
        "seconds": time.perf_counter() - started,
        "dataset": ds.name,
        "count": count,
        "wandb_group": logs.group if logs.enabled else None,
        "wandb_runs": logs.runs,
        "log": args.log,
        "figures": figures,
    }


_RESULTS = (
    "test_loss",
    "test_accuracy",
    "val_loss",
    "val_accuracy",
    "train_loss",
    "diverged",
    "epochs_run",
    "stopped",
)


def _swept_axes(spec, records: Sequence[Mapping[str, Any]]) -> dict[str, list]:
    """Each parameter with more than one value among the members, and its values in order
    (numbers sorted, names in the file's order)."""
    axes = {}
    for p in spec.parameters.values():
        seen = list(dict.fromkeys(r[p.key] for r in records))
        if len(seen) < 2:
            continue
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in seen):
            seen = sorted(seen)
        elif p.values:
            seen = [v for v in p.values if v in seen]
        axes[p.key] = seen
    return axes


def _heatmap_pair(text: str | None, spec) -> list[str] | None:
    """``--heatmap A,B`` checked against the config's swept parameters (before any work)."""
    if text is None:
        return None
    keys = [p.key for p in spec.swept().values()]
    chosen = [part.strip() for part in text.split(",")]
    if len(chosen) != 2 or chosen[0] == chosen[1] or any(c not in keys for c in chosen):
        raise _usage(
            f"--heatmap takes two different swept parameters of the config; got {text!r}; "
            f"swept: {', '.join(keys) or 'none'}"
        )
    return chosen


def _figures(args, records, swept, metric, report, heatmap) -> list[str]:
    from pathlib import Path

    from jaxnn._plots import plot_parallel_coordinates, plot_sweep_heatmap, save_png

    out = Path(args.out)
    figures = []
    if heatmap:  # both must have taken two or more values
        pair = heatmap if all(k in swept for k in heatmap) else None
    else:
        small = [k for k in swept if len(swept[k]) <= HEATMAP_MAX_VALUES]
        small = sorted(small, key=lambda k: -len(swept[k]))[:2]
        pair = sorted(small, key=list(swept).index) if len(small) == 2 else None
    if pair:
        fig = plot_sweep_heatmap(records, swept, pair[0], pair[1], metric=metric)
        figures.append(str(save_png(fig, out / "heatmap.png")))
    if swept:
        fig = plot_parallel_coordinates(records, swept, metric=metric)
        figures.append(str(save_png(fig, out / "parallel.png")))
    figures += importance_figure(report, out)
    return figures

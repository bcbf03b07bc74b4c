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

from jaxnn._cli import _sweep_run  # the steps a flag sweep takes too
from jaxnn._cli._run_log import SweepLogs
from jaxnn._cli._sweep_report import best_member, importance_report, results_table
from jaxnn._cli._train_args import (
    data_settings,
    load_data,
    setting_from_args,
    sweepable,
    usage_error,
)
from jaxnn.training._settings import SETTINGS

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
    parser.set_defaults(**{dest: _UNSET for dest in SETTINGS.dests()})


def given_flags(args: argparse.Namespace) -> set[str]:
    """The training flags given on the command line (dests); the others get their defaults."""
    from jaxnn._cli._train_args import flag_default

    given = set()
    for dest, s in SETTINGS.dests().items():
        if getattr(args, dest, _UNSET) is _UNSET:
            setattr(args, dest, flag_default(s))
        else:
            given.add(dest)
    return given


# --- the config sweep ---


def _rank(records: Sequence[Mapping[str, Any]], metric: str, goal: str) -> list[int]:
    """Member indices, best first by ``metric`` and ``goal`` (`jaxnn.sweeps._ranking.rank`)."""
    from jaxnn.sweeps._ranking import rank

    column = lambda key: [r.get(key) for r in records]  # noqa: E731
    return rank(column(metric), goal, diverged=column("diverged"), ties=column("val_loss")).tolist()


def _override(spec, given: set[str], args: argparse.Namespace):
    """The spec with the command line's training flags in place of the file's parameters; the
    data settings of the file go to ``args`` unless given there."""
    swept = {s.dest: s for s in sweepable()}
    for dest in given:
        if dest in swept:
            try:
                values = _sweep_run.axis_values(swept[dest], getattr(args, dest))
            except ValueError as e:
                raise usage_error(str(e)) from None
            spec = spec.with_values(dest, dest, values)
            setattr(args, dest, values[0])  # the spec holds them all; args one valid value
    params = dict(spec.parameters)
    for dest, p in list(params.items()):
        if dest not in swept:  # data settings: one value
            if dest not in given:
                setattr(args, dest, p.values[0])
            del params[dest]
    return spec._replace(parameters=params)


def _precheck(spec, args: argparse.Namespace, data) -> None:
    """Each value (or bound) of each parameter makes a valid setting on these data, so no round
    fails after others trained."""
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
                raise usage_error(f"{spec.source}: parameters.{p.key}: {v!r}: {e}") from None


def _check_flags(args: argparse.Namespace) -> None:
    """The sweep flags that a config run refuses or bounds, before the file is read."""
    if args.random is not None:
        raise usage_error(
            "--random N samples the flags' grid; with --config use method: random with run_cap "
            "(or --count N)"
        )
    if args.count is not None and args.count < 1:
        raise usage_error(f"--count must be >= 1, got {args.count}")
    if args.round_size < 1:
        raise usage_error(f"--round-size must be >= 1, got {args.round_size}")
    if args.top < 0:
        raise usage_error(f"--top must be >= 0, got {args.top}")
    if any(v is not None for v in (args.coordinator, args.num_processes, args.process_id)):
        raise usage_error(
            "--config runs on one host: leave out --coordinator/--num-processes/--process-id"
        )


def _count(spec, args: argparse.Namespace) -> int:
    """How many members: ``--count``, else ``run_cap``, a grid's size at most; else 64."""
    count = args.count if args.count is not None else spec.run_cap
    if spec.method == "grid":
        size = spec.grid_size()
        count = size if count is None else min(count, size)
    elif count is None:
        count = DEFAULT_COUNT
        print(f"{spec.source}: no run_cap: running {count} members (set run_cap or --count N)")
    _sweep_run.check_count(count, args.force, "lower run_cap / --count")
    return count


def _load(args: argparse.Namespace, given: set[str]):
    """The checked config with the flags' overrides, its metric and goal, and the members."""
    from jaxnn._util import require
    from jaxnn.sweeps._config import load_sweep_config

    _check_flags(args)
    spec = _override(load_sweep_config(args.config), given, args)
    if spec.method == "bayes":
        from jaxnn.sweeps._bayes import check_optuna

        check_optuna()
    if args.out:
        require("matplotlib", "--out (figures)")
    count = _count(spec, args)
    if spec.ignored:
        print(f"{spec.source}: ignored (wandb's agent uses them): {', '.join(spec.ignored)}")
    metric = spec.metric or "val_accuracy"
    return spec, metric, spec.goal if spec.metric else "maximize", count


class _Rounds:
    """The members of a config sweep, trained round by round (one `jaxnn.sweep`, or successive
    halving with hyperband, per round); `evaluate` is what `bayes_search` calls."""

    def __init__(self, args, spec, metric: str, goal: str, data, data_spec) -> None:
        self.args, self.spec, self.metric, self.goal, self.data = args, spec, metric, goal, data
        self.logs = SweepLogs(args, group=spec.name, project=spec.project, entity=spec.entity)
        self.data_spec = data_spec
        self.records: list[dict[str, Any]] = []
        self.rounds: list[dict[str, Any]] = []
        self.timing = {"compile_seconds": 0.0, "train_seconds": 0.0, "groups": 0}
        self.epochs = {"member_epochs": 0, "member_epochs_full": 0, "member_epochs_computed": 0}
        self.rung_values: dict[int, list[float]] = {}
        # the best member so far: index -> (setting, test confusion matrix or None)
        self.kept: dict[int, Any] = {}

    def _train(self, config, settings: list[dict[str, Any]]):
        from jaxnn.sweeps._hyperband import successive_halving
        from jaxnn.sweeps._run import space_envelope

        args, spec = self.args, self.spec
        # a Bayesian search's rounds run the programs of its whole space
        envelope = space_envelope(spec, config) if spec.method == "bayes" else None
        if spec.early_terminate is None:
            kwargs = {"progress": not args.quiet}
            return _sweep_run.run_sweep(
                args,
                config,
                settings,
                self.data,
                envelope=envelope,
                **kwargs,
            )
        result = successive_halving(
            config,
            settings,
            self.data,
            spec.early_terminate,
            metric=self.metric,
            goal=self.goal,
            compact=not args.hyperband_freeze,
            rung_values=self.rung_values,
            devices=args.devices,
            envelope=envelope,
        )
        for key in self.epochs:
            self.epochs[key] += getattr(result, key)
        return result

    def evaluate(self, proposals: list[dict[str, Any]], round_index: int) -> list[float]:
        """Trains one round's proposals (values by destination); returns their metrics."""
        named = [{SETTINGS.by_dest(d).name: v for d, v in p.items()} for p in proposals]
        config, settings, batch = _sweep_run.members_of(self.args, named, self.data)
        result = self._train(config, settings)
        for key in self.timing:
            self.timing[key] += getattr(result, key)
        first = len(self.records)
        members = range(first, first + len(batch))
        _sweep_run.add_results(batch, result, round=[round_index] * len(batch), member=members)
        self.records.extend(batch)
        best = _rank(self.records, self.metric, self.goal)[0]
        if best >= first:
            cm = result.confusion_matrix
            self.kept = {
                best: (result.settings[best - first], None if cm is None else cm[best - first])
            }
        self._log(batch, first, result, settings)
        info = {"round": round_index, "members": len(batch)}
        if self.spec.early_terminate is not None:
            info["rungs"] = [r._asdict() for r in result.rungs]
        self.rounds.append(info)
        return [r.get(self.metric) for r in batch]

    def _log(self, batch, first: int, result, settings) -> None:
        confusion = result.confusion_matrix
        self.logs.add(
            batch,
            range(first, len(self.records)),
            result.history,
            settings,
            line_keys=[SETTINGS.by_dest(d).name for d in self.spec.parameters],
            confusion=confusion,
            data=self.data_spec,
        )

    def run(self, count: int) -> None:
        """Every round: a grid, a random sample, or bayes rounds of ``--round-size``."""
        spec, args = self.spec, self.args
        try:
            if spec.method == "bayes":
                from jaxnn.sweeps._bayes import bayes_search

                bayes_search(
                    spec,
                    self.evaluate,
                    total=count,
                    round_size=args.round_size,
                    seed=args.random_seed,
                )
            elif spec.method == "random":
                self.evaluate(spec.sample(count, seed=args.random_seed), 0)
            else:
                self.evaluate(spec.grid(count), 0)
        finally:
            self.logs.close()


def _hyperband_report(run: _Rounds, hyperband) -> dict[str, Any] | None:
    """The JSON of the successive halving (None without it), and its line."""
    if hyperband is None:
        return None
    trained, full = run.epochs["member_epochs"], run.epochs["member_epochs_full"]
    saved = 1 - trained / full if full else 0.0
    rungs = sorted({r["epoch"] for info in run.rounds for r in info["rungs"]})
    hb = {
        "eta": hyperband.eta,
        "min_iter": hyperband.min_iter,
        "max_iter": hyperband.max_iter,
        "s": hyperband.s,
        "strict": hyperband.strict,
        "compact": not run.args.hyperband_freeze,
        "rungs": rungs,
        **run.epochs,
        "saved_fraction": saved,
        "stopped": sum(r["stopped"] for r in run.records),
    }
    print(
        f"hyperband (eta {hyperband.eta:g}, rungs {', '.join(map(str, rungs)) or 'none'}): "
        f"{hb['stopped']} of {len(run.records)} members stopped early; trained {trained} of "
        f"{full} member-epochs ({100 * saved:.0f}% saved), computed "
        f"{run.epochs['member_epochs_computed']}"
    )
    return hb


def run_config(args: argparse.Namespace, given: set[str]) -> dict:
    """Runs ``jaxnn sweep --config FILE``; returns the JSON-ready result."""
    import jax

    started = time.perf_counter()
    spec, metric, goal, count = _load(args, given)
    heatmap = _heatmap_pair(args.heatmap, spec)
    ds = data_settings(args)
    data = load_data(ds)
    _precheck(spec, args, data)
    run = _Rounds(args, spec, metric, goal, data, ds)
    run.run(count)
    records, hyperband = run.records, spec.early_terminate
    order = _rank(records, metric, goal)
    swept = _swept_axes(spec, records)
    extra = [metric] if metric not in ("val_accuracy", "test_accuracy", "test_loss") else []
    columns = [*swept, *extra, "val_accuracy", "test_accuracy", "test_loss", "diverged"]
    if hyperband is not None:
        columns.insert(len(swept), "epochs_run")
    shown = results_table(records, order, columns, args.top, abbreviate=False)
    k, diverged = len(records), sum(r["diverged"] for r in records)
    print(
        f"\n{k} members ({diverged} diverged) in {len(run.rounds)} round(s), method {spec.method}, "
        f"metric {metric} ({goal}), {run.timing['groups']} program group(s) on "
        f"{jax.device_count()} {jax.default_backend()} device(s): compile "
        f"{run.timing['compile_seconds']:.2f} s, train {run.timing['train_seconds']:.2f} s"
        + (f"; showing the top {shown}" if shown < k else "")
    )
    hb = _hyperband_report(run, hyperband)
    report = importance_report(records, list(swept), metric)
    setting, cm = run.kept[order[0]]
    best = best_member(args, order[0], setting, ds, cm)
    figures = list(best.pop("figures"))
    if args.out:
        pair = _heatmap_axes(swept, heatmap)
        figures += _sweep_run.sweep_figures(args.out, records, swept, pair, metric, report)
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
        "rounds": run.rounds,
        "hyperband": hb,
        **report,
        "devices": jax.device_count(),
        "backend": jax.default_backend(),
        **run.timing,
        "seconds": time.perf_counter() - started,
        "dataset": ds["dataset"],
        "count": count,
        "wandb_group": run.logs.group if run.logs.enabled else None,
        "wandb_runs": run.logs.runs,
        "log": args.log,
        "figures": figures,
    }


def _swept_axes(spec, records: Sequence[Mapping[str, Any]]) -> dict[str, list]:
    """Each parameter with more than one value among the members, by setting name, and its
    values in order (numbers sorted, names in the file's order)."""
    axes = {}
    for p in spec.parameters.values():
        seen = list(dict.fromkeys(r[p.setting] for r in records))
        if len(seen) < 2:
            continue
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in seen):
            seen = sorted(seen)
        elif p.values:
            seen = [v for v in p.values if v in seen]
        axes[p.setting] = seen
    return axes


def _heatmap_pair(text: str | None, spec) -> list[str] | None:
    """``--heatmap A,B`` (any spellings) checked against the config's swept parameters (before
    any work); the setting names."""
    if text is None:
        return None
    names = [p.setting for p in spec.swept().values()]
    rows = [SETTINGS.get(part) for part in text.split(",")]
    chosen = [r.name if r is not None else None for r in rows]
    if len(chosen) != 2 or chosen[0] == chosen[1] or any(c not in names for c in chosen):
        raise usage_error(
            f"--heatmap takes two different swept parameters of the config; got {text!r}; "
            f"swept: {', '.join(names) or 'none'}"
        )
    return chosen


def _heatmap_axes(swept: dict, heatmap) -> tuple | None:
    """The heatmap's two axes: ``--heatmap``'s when both took two or more values, else the two
    widest axes of at most `HEATMAP_MAX_VALUES` values."""
    from jaxnn._plots import default_heatmap_axes

    if heatmap:
        return heatmap if all(k in swept for k in heatmap) else None
    return default_heatmap_axes(swept, max_values=HEATMAP_MAX_VALUES)

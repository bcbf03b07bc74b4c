"""``jaxnn sweep``: many training runs in few programs, over every device (every train flag).

Hyperparameter flags take comma-separated lists and, for numbers, log ranges LOW:HIGH:NUM
(``-lr 1e-4:1e-1:8``). The sweep is their Cartesian product, or ``--random N`` settings drawn
from it. Members are vmapped and sharded over one device per CPU core. Members that differ in
optimizer, activation, init, epochs, layers or width share one packed program when the cost
model says it pays (``--pack auto``; ``on`` forces it, ``off`` compiles one program per
setting of those); loss, output and batch size always get programs of their own.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from jaxnn._cli._run_log import add_run_log_arguments
from jaxnn._cli._sweep_config import add_config_arguments, given_flags, mark_given, run_config
from jaxnn._cli._sweep_report import REGRESSION, best_member, flag_sweep_logs, results_table
from jaxnn._cli._sweep_run import (
    MAX_MEMBERS,
    add_results,
    axis_values,
    check_count,
    members_of,
    run_sweep,
    sweep_figures,
)
from jaxnn._cli._train_args import add_train_arguments, data_settings, load_data, sweepable
from jaxnn.training._settings import SETTINGS

EXAMPLE = "jaxnn sweep -lr 1e-4:1e-1:8 --seed 0,1,2,3 -e 10 --out results/sweep"


HELP = "train many settings at once (vmapped, sharded over devices), ranked"


def register(p: argparse.ArgumentParser) -> None:
    add_train_arguments(p, sweep=True)
    s = p.add_argument_group("sweep")
    s.add_argument("--random", type=int, metavar="N", help="sample N settings of the grid (seeded)")
    s.add_argument(
        "--random-seed", dest="random_seed", type=int, default=0, help="seed of --random"
    )
    s.add_argument(
        "--force",
        action="store_true",
        help=f"run a sweep of more than {MAX_MEMBERS} members",
    )
    s.add_argument(
        "--chunk-size",
        dest="chunk_size",
        type=int,
        default=256,
        help="members per compiled call (bounds memory; default 256)",
    )
    s.add_argument(
        "--devices", type=int, default=None, help="use the first N devices (default: all)"
    )
    s.add_argument("--top", type=int, default=10, help="rows of the ranked table (0: all)")
    s.add_argument("--out", metavar="DIR", help="write heatmap.png and parallel.png to DIR")
    s.add_argument(
        "--heatmap",
        metavar="A,B",
        help="the two axes of the heatmap, e.g. lr,seed (default: the two with most values)",
    )
    s.add_argument(
        "--pack",
        choices=("auto", "on", "off"),
        default="auto",
        help="pack members of different optimizers, activations, inits, epochs and sizes into one "
        "program: auto (default: when the cost model says it is faster), on, off",
    )
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    h = p.add_argument_group("several hosts (jax.distributed; run the same command on each)")
    h.add_argument("--coordinator", metavar="HOST:PORT", help="address of process 0")
    h.add_argument("--num-processes", dest="num_processes", type=int, help="how many processes")
    h.add_argument("--process-id", dest="process_id", type=int, help="this process: 0..N-1")
    add_config_arguments(p)
    add_run_log_arguments(p, sweep=True)
    mark_given(p)
    p.set_defaults(func=run, outputs=outputs, inputs=inputs)


def outputs(args: argparse.Namespace) -> tuple[dict, dict]:
    """The output paths, checked by the CLI before anything runs."""
    from jaxnn._cli._run_log import wandb_dirs

    return {"--log": args.log}, {"--out": args.out, **wandb_dirs(args)}


def inputs(args: argparse.Namespace) -> tuple[dict, tuple]:
    """The paths the sweep reads: its config and a data file."""
    from jaxnn._cli._train_args import dataset_file

    data = args.dataset if isinstance(args.dataset, str) else None
    return {"--config": args.config, "-d": dataset_file(data)}, ()


def _heatmap_axes(text: str | None, swept: dict[str, list]):
    """The two axes (setting names) of the heatmap, from ``--heatmap A,B`` (any spellings) or by
    default."""
    from jaxnn._cli import UsageError
    from jaxnn._plots import default_heatmap_axes

    if text is None:
        return default_heatmap_axes(swept)
    rows = [SETTINGS.get(part) for part in text.split(",")]
    chosen = [r.name for r in rows if r is not None and r.sweep and r.flags]
    if len(rows) != 2 or len(chosen) != 2 or chosen[0] == chosen[1]:
        raise UsageError(f"--heatmap takes two different flag names, e.g. lr,seed; got {text!r}")
    for name in chosen:
        if name not in swept:
            raise UsageError(
                f"--heatmap: {name} is not swept (it has one value); swept: "
                f"{', '.join(swept) or 'none'}"
            )
    return tuple(chosen)


def _cache_json(directory: str | None) -> dict:
    """The persistent cache over the whole command: programs read from it and compiled."""
    from jaxnn._util import cache_counts

    counts = cache_counts()
    return {
        "dir": directory,
        "hits": counts["hits"],
        "compiled": counts["requests"] - counts["hits"],
    }


def _start_hosts(args: argparse.Namespace) -> None:
    """``--coordinator``, ``--num-processes``, ``--process-id``: jax.distributed, all or none."""
    from jaxnn._cli import UsageError

    hosts = (args.coordinator, args.num_processes, args.process_id)
    if any(v is not None for v in hosts):
        if any(v is None for v in hosts):
            raise UsageError("--coordinator, --num-processes and --process-id go together")
        from jaxnn.sweeps._sharding import initialize_hosts

        initialize_hosts(*hosts)


def _chosen(args: argparse.Namespace) -> tuple[list[dict[str, Any]], dict[str, list]]:
    """The members' values by setting name (the grid, or ``--random N`` of it) and the swept
    axes (the settings with more than one value), after the flags' checks."""
    from jaxnn._cli import UsageError
    from jaxnn.sweeps._search_space import grid, grid_size, random_settings

    axes = {s.name: axis_values(s, getattr(args, s.dest)) for s in sweepable()}
    total = grid_size(axes)
    if args.random is not None and not 1 <= args.random <= total:
        raise UsageError(f"--random {args.random}: the grid has {total} settings; pick 1..{total}")
    count = args.random if args.random is not None else total
    check_count(count, args.force, "sample with --random N")
    if args.chunk_size < 1:
        raise UsageError(f"--chunk-size must be >= 1, got {args.chunk_size}")
    if args.top < 0:
        raise UsageError(f"--top must be >= 0, got {args.top}")
    swept = {name: values for name, values in axes.items() if len(values) > 1}
    if args.random is not None:
        return random_settings(axes, count, sample_seed=args.random_seed), swept
    return grid(axes), swept


def _columns(swept: dict[str, list], members: list[dict], classification: bool) -> list[str]:
    """The ranked table's columns: the swept settings, the metrics, whether it diverged."""
    metrics = ["val_accuracy", "test_accuracy", "test_loss"]
    if not classification:
        metrics = [c for c in REGRESSION if c != "test_mse" and c in members[0]]
        metrics = metrics or ["val_loss", "test_loss"]
    return [*swept, *metrics, "diverged"]


def _summary(args, result, k: int, shown: int, say) -> float:
    """The line after the table (members, programs, devices, timings); returns members/s."""
    import jax

    per_second = k / result.wall_seconds
    packed = (
        f", {result.packed_programs} packed ({result.padded_fraction:.0%} padded compute)"
        if result.packed_programs
        else ""
    )
    cached = f", {result.cache_hits} from the cache" if args.cache else ""
    say(
        f"\n{k} members ({int(result.diverged.sum())} diverged) in {result.programs} program(s)"
        f"{packed} on {result.devices} {jax.default_backend()} device(s): "
        f"{result.wall_seconds:.2f} s with compilation (compile {result.compile_seconds:.2f} s"
        f"{cached}; train {result.train_seconds:.2f} s): {per_second:.1f} members/s"
        + (f"; showing the top {shown}" if shown < k else "")
    )
    return per_second


def run(args: argparse.Namespace) -> dict:
    import jax

    given = given_flags(args)
    if args.config:
        return run_config(args, given)
    started = time.perf_counter()
    _start_hosts(args)
    chosen, swept = _chosen(args)
    heatmap = _heatmap_axes(args.heatmap, swept)
    if args.out:
        from jaxnn._util import require

        require("matplotlib", "--out (figures)")
    spec = data_settings(args)
    data = load_data(spec)
    config, settings, members = members_of(args, chosen, data)

    from jaxnn.training._data import is_classification

    main_process = jax.process_index() == 0
    say = print if main_process else (lambda *a, **k: None)
    classification = is_classification(data)
    result = run_sweep(
        args,
        config,
        settings,
        data,
        progress=not args.quiet and main_process,
    )
    add_results(members, result)
    order = result.ranked().tolist()
    # the course's short flags head the swept columns (lr, sz), as the flags were typed
    short = {name: SETTINGS.named(name).short for name in swept}
    columns = _columns(swept, members, classification)
    shown = results_table(members, order, columns, args.top, say, labels=short)
    per_second = _summary(args, result, len(members), shown, say)
    logged, best, figures = {}, {}, []
    if main_process:
        logged = flag_sweep_logs(args, members, settings, result, swept, data, spec)
        cm = None if result.confusion_matrix is None else result.confusion_matrix[order[0]]
        best = best_member(args, int(order[0]), result.settings[order[0]], spec, cm, say)
        figures = list(best.pop("figures", []))
        if args.out:
            metric = "val_accuracy" if classification else "val_loss"
            figures += sweep_figures(args.out, members, swept, heatmap, metric, logged)
            for f in figures:
                say(f"figure: {f}")
    return {
        **logged,
        "members": members,
        "best": members[order[0]],
        **best,
        "axes": swept,
        "devices": result.devices,
        "processes": jax.process_count(),
        "backend": jax.default_backend(),
        "groups": result.groups,
        "programs": result.programs,
        "packed_programs": result.packed_programs,
        "pack": {"mode": args.pack, "choices": list(result.choices)},
        "padded_fraction": result.padded_fraction,
        "chunk_size": result.chunk_size,
        "compile_seconds": result.compile_seconds,
        "train_seconds": result.train_seconds,
        "wall_seconds": result.wall_seconds,
        "seconds": time.perf_counter() - started,
        "members_per_second": per_second,
        "train_members_per_second": len(members) / result.train_seconds,
        "cache": _cache_json(args.cache),
        "dataset": spec["dataset"],
        "random": args.random,
        "figures": figures,
    }

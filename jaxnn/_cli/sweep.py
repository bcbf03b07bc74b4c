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
from jaxnn._cli._sweep_config import (
    add_config_arguments,
    given_flags,
    mark_given,
    run_config,
)
from jaxnn._cli._sweep_report import (
    KEPT,
    REGRESSION,
    best_member,
    flag_sweep_logs,
    member_history,
)
from jaxnn._cli._train_args import (
    _BY_DEST,
    FLAGS,
    SWEEPABLE,
    add_train_arguments,
    dataset_spec,
    load_data,
    setting_from_args,
)

MAX_MEMBERS = 4096
_DEST_OF = {s.name: dest for dest, s in _BY_DEST.items()}
_RESULTS = ("test_loss", "test_accuracy", "val_loss", "val_accuracy", "train_loss", "diverged")


def register(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "sweep",
        help="train many settings at once (vmapped, sharded over devices), ranked",
        description=__doc__.splitlines()[0],
        epilog="example: jaxnn sweep -lr 1e-4:1e-1:8 --seed 0,1,2,3 -e 10 --out results/sweep",
    )
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
    return p


def outputs(args: argparse.Namespace) -> tuple[dict, dict]:
    """The output paths, checked by the CLI before anything runs."""
    from jaxnn._cli._run_log import wandb_dirs

    return {"--log": args.log}, {"--out": args.out, **wandb_dirs(args)}


def inputs(args: argparse.Namespace) -> tuple[dict, tuple]:
    """The paths the sweep reads: its config and a data file."""
    from jaxnn._cli._train_args import dataset_file

    data = args.dataset if isinstance(args.dataset, str) else None
    return {"--config": args.config, "-d": dataset_file(data)}, ()


def _names() -> dict[str, tuple[str, str]]:
    """dest -> (short, long) name of each sweepable flag without dashes, from the train flags.

    ``-lr/--learning_rate`` gives ``lr`` and ``learning_rate``; ``--seed`` gives ``seed`` twice.
    """
    out = {}
    for dest in SWEEPABLE:
        spellings = [f.strip().lstrip("-") for f in FLAGS[dest].split("/")]
        out[dest] = (spellings[0], spellings[-1])
    return out


def _axis_values(dest: str, raw: Any) -> list:
    """The list of values of one flag: parsed from text, or its (typed) default."""
    from jaxnn.sweeps._search_space import parse_choices, parse_numbers

    if not isinstance(raw, str):
        return [raw]
    s = _BY_DEST[dest]
    if s.type is str:
        choices = s.choices()
        canonical = {c.lower(): c for c in (*choices, *s.aliases)}
        names = parse_choices(FLAGS[dest], raw.strip().lower(), tuple(canonical))
        return list(dict.fromkeys(s.aliases.get(canonical[n], canonical[n]) for n in names))
    return parse_numbers(FLAGS[dest], raw, integer=s.type is int)


def _heatmap_axes(text: str | None, swept: dict[str, list], names: dict[str, tuple[str, str]]):
    """The two axes (short names) of the heatmap, from ``--heatmap A,B`` or by default."""
    from jaxnn._cli import UsageError
    from jaxnn._plots import default_heatmap_axes

    if text is None:
        return default_heatmap_axes(swept)
    lookup = {n: short for short, long in names.values() for n in (short, long)}
    chosen = [lookup.get(part.strip().lstrip("-")) for part in text.split(",")]
    if len(chosen) != 2 or None in chosen or chosen[0] == chosen[1]:
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


def _configs(settings: list[dict], base) -> list:
    from jaxnn.training._loop import check_config

    fields = base._fields
    return [
        check_config(base._replace(**{k: v for k, v in s.items() if k in fields})) for s in settings
    ]


def _check_packable(configs: list) -> None:
    """``--pack on`` with members that differ in a setting no program packs: one line."""
    from jaxnn._cli import UsageError
    from jaxnn.sweeps._plan import unpackable

    bad = unpackable(configs)
    if bad:
        name, values = bad[0]
        flag = FLAGS.get(_DEST_OF.get(name, name), name)
        raise UsageError(
            f"--pack on: the members differ in {flag} ({', '.join(map(str, values))}), which "
            f"cannot be packed (one program per value); use --pack auto or --pack off"
        )


def run_sweep(args: argparse.Namespace, config, settings: list[dict], data, **kwargs):
    """`jaxnn.sweep` with the command line's --devices, --chunk-size and --pack: ``--pack on``
    with unpackable members and a sweep too large for memory exit 2 with one line."""
    from jaxnn._cli import UsageError
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
        raise UsageError(e.describe("--chunk-size", FLAGS["hidden_size"])) from None


def run(args: argparse.Namespace) -> dict:
    from pathlib import Path

    from jaxnn._cli import UsageError
    from jaxnn._util import markdown_table
    from jaxnn.sweeps._search_space import grid, grid_size, random_settings

    given = given_flags(args)
    if args.config:
        return run_config(args, given)
    started = time.perf_counter()
    hosts = (args.coordinator, args.num_processes, args.process_id)
    if any(v is not None for v in hosts):
        if any(v is None for v in hosts):
            raise UsageError("--coordinator, --num-processes and --process-id go together")
        from jaxnn.sweeps._sharding import initialize_hosts

        initialize_hosts(*hosts)
    names = _names()
    axes = {dest: _axis_values(dest, getattr(args, dest)) for dest in SWEEPABLE}
    total = grid_size(axes)
    if args.random is not None and not 1 <= args.random <= total:
        raise UsageError(f"--random {args.random}: the grid has {total} settings; pick 1..{total}")
    count = args.random if args.random is not None else total
    if count > MAX_MEMBERS and not args.force:
        raise UsageError(
            f"the sweep has {count} members, more than the limit of {MAX_MEMBERS}: "
            f"pass --force to run it anyway, or sample with --random N"
        )
    if args.chunk_size < 1:
        raise UsageError(f"--chunk-size must be >= 1, got {args.chunk_size}")
    if args.top < 0:
        raise UsageError(f"--top must be >= 0, got {args.top}")
    swept = {short: axes[dest] for dest, (short, _) in names.items() if len(axes[dest]) > 1}
    heatmap = _heatmap_axes(args.heatmap, swept, names)
    if args.out:
        from jaxnn._util import require

        require("matplotlib", "--out (figures)")
    chosen = (
        random_settings(axes, count, sample_seed=args.random_seed)
        if args.random is not None
        else grid(axes)
    )

    spec = dataset_spec(args)
    data = load_data(spec)
    members, settings = [], []
    for values in chosen:
        one = setting_from_args(argparse.Namespace(**{**vars(args), **values}), data)
        settings.append({**one.config._asdict(), **one.hparams, "seed": one.seed})
        members.append({name: values[dest] for dest, pair in names.items() for name in pair})

    import jax

    from jaxnn.training._data import is_classification

    main_process = jax.process_index() == 0
    say = print if main_process else (lambda *a, **k: None)
    classification = is_classification(data)
    result = run_sweep(
        args,
        one.config,
        settings,
        data,
        progress=not args.quiet and main_process,
    )
    regression = result.regression or [None] * len(members)
    for member, record, h, r in zip(members, result.members(), result.history, regression):
        member.update({k: record[k] for k in (*_RESULTS, *KEPT) if k in record})
        member["history"] = member_history(h, r)
    order = result.ranked()
    for rank, i in enumerate(order, start=1):
        members[i]["rank"] = rank
    shown = order if args.top == 0 else order[: args.top]
    metrics = ["val_accuracy", "test_accuracy", "test_loss"]
    if not classification:
        metrics = [c for c in REGRESSION if c != "test_mse" and c in members[0]]
        metrics = metrics or ["val_loss", "test_loss"]
    columns = ["rank", *swept, *metrics, "diverged"]
    rows = [[members[i].get(c) for c in columns] for i in shown]
    headers = [
        c.replace("_", " ")
        .replace("accuracy", "acc")
        .replace("rmse", "RMSE")
        .replace("mae", "MAE")
        .replace("r2", "R^2")
        for c in columns
    ]
    say(markdown_table(headers, [["-" if v is None else v for v in r] for r in rows]))
    k = len(members)
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
        + (f"; showing the top {len(shown)}" if len(shown) < k else "")
    )
    logged = {}
    if main_process:
        data_settings = {"dataset": spec.name, "data_seed": spec.seed}
        logged = flag_sweep_logs(args, members, settings, result, swept, data, data_settings)
    best = {}
    if main_process:
        best = order[0]
        cm = None if result.confusion_matrix is None else result.confusion_matrix[best]
        best = best_member(args, int(best), result.settings[best], spec, cm, say)
    figures = list(best.pop("figures", []))
    if args.out and main_process:
        from jaxnn._plots import plot_parallel_coordinates, plot_sweep_heatmap, save_png

        out = Path(args.out)
        metric = "val_accuracy" if classification else "val_loss"
        if heatmap:
            fig = plot_sweep_heatmap(members, swept, heatmap[0], heatmap[1], metric=metric)
            figures.append(str(save_png(fig, out / "heatmap.png")))
        if swept:
            fig = plot_parallel_coordinates(members, swept, metric=metric)
            figures.append(str(save_png(fig, out / "parallel.png")))
        if logged.get("importance"):
            from jaxnn._cli._sweep_report import importance_figure

            figures += importance_figure(logged, out)
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
        "train_members_per_second": k / result.train_seconds,
        "cache": _cache_json(args.cache),
        "dataset": spec.name,
        "random": args.random,
        "figures": figures,
    }

"""The ``jaxnn`` command line: one subcommand per module in this package.

Each subcommand module, named as its command, defines ``HELP`` (its line in ``jaxnn --help``) and
``register(p)``, which adds its arguments to its parser ``p`` and sets ``func`` to a function of
the parsed ``args`` that prints a readable table and returns a JSON-ready dict, optionally
``outputs``, a function of ``args`` returning ``(files, dirs)``: the output paths by flag, and
``inputs``, returning ``(paths, allowed)``: the paths the command reads by flag, and the (output,
input) pairs that may coincide. A command's ``--help`` opens with the first line of its module's
docstring and closes with its module's ``EXAMPLE``, where it has one. Every subcommand takes
``--json PATH``. All output paths are checked before any work starts (empty, a directory where a
file is written, unwritable, two flags naming one path, a path the command reads). Bad input exits
with status 2 and one line, never a traceback (set ``JAXNN_DEBUG=1`` to see it). JAX's persistent
compilation cache is on (``--cache-dir DIR``; ``--no-cache`` or ``JAXNN_CACHE=off`` turns it off).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from jaxnn._util import check_output_paths, discover

__all__ = ["UsageError", "int_flag", "main", "seed_flag"]


class UsageError(ValueError):
    """A bad command-line value: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse prints usage too)
        raise UsageError(message)


def int_flag(flag: str, value: int, low: int, high: int = 2**31 - 1) -> int:
    """An integer flag's value, or a one-line `UsageError` naming the flag and the range."""
    if not low <= value <= high:
        raise UsageError(f"{flag} must be between {low} and {high}, got {value}")
    return value


def seed_flag(value: int, flag: str = "--seed") -> int:
    """A seed flag's value, checked against the one seed range of the settings table."""
    from jaxnn.training._settings import check_setting

    try:
        return check_setting("seed", value, label=flag)
    except (TypeError, ValueError) as e:
        raise UsageError(str(e)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="jaxnn",
        description="jaxnn: classic neural networks from the lecture notes, as pure JAX functions.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in discover(__name__, __path__):
        sub = subparsers.add_parser(module.__name__.rsplit(".", 1)[1], help=module.HELP)
        module.register(sub)
        sub.description = sub.description or module.__doc__.splitlines()[0]
        if hasattr(module, "EXAMPLE"):
            sub.epilog = f"example: {module.EXAMPLE}"
        sub.add_argument("--json", metavar="PATH", help="write the results as JSON to PATH")
        cache = sub.add_argument_group("compilation cache")
        cache.add_argument(
            "--cache-dir",
            dest="cache_dir",
            metavar="DIR",
            help="JAX's persistent compilation cache (default $XDG_CACHE_HOME/jaxnn/xla or "
            "~/.cache/jaxnn/xla): a second identical command compiles nothing",
        )
        cache.add_argument(
            "--no-cache",
            dest="no_cache",
            action="store_true",
            help="compile everything afresh (also JAXNN_CACHE=off)",
        )
    return parser


_OFF = ("off", "0", "no", "false")


def _start_cache(args: argparse.Namespace) -> None:
    """Turns on the persistent compilation cache unless ``--no-cache``, or ``JAXNN_CACHE=off``
    without ``--cache-dir``; ``args.cache`` becomes its directory (None when off). Before
    anything compiles."""
    args.cache = None
    off = os.environ.get("JAXNN_CACHE", "").strip().lower() in _OFF
    if args.no_cache or (off and args.cache_dir is None):
        return
    from jaxnn._util import cache_counts, compilation_cache

    try:
        args.cache = str(compilation_cache(args.cache_dir))
    except OSError as e:
        raise UsageError(f"--cache-dir {args.cache_dir or ''}: cannot use it ({e})") from None
    cache_counts()  # count from the first compilation on


def _prepare_devices(argv: Sequence[str]) -> None:
    """One XLA host device per core where sweeps run (``sweep``, ``demo``, ``experiment sweep``).

    Must happen before the CPU backend starts: XLA reads the flag once.
    """
    sweeps = bool(argv) and (
        argv[0] in ("sweep", "demo") or list(argv[:2]) == ["experiment", "sweep"]
    )
    flags = os.environ.get("XLA_FLAGS", "")
    if sweeps and "xla_force_host_platform_device_count" not in flags:
        count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        os.environ["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count={count}".strip()


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _prepare_devices(argv)
    try:
        args = build_parser().parse_args(argv)
        files, dirs = args.outputs(args) if hasattr(args, "outputs") else ({}, {})
        inputs, allowed = args.inputs(args) if hasattr(args, "inputs") else ({}, ())
        check_output_paths({**files, "--json": args.json}, dirs, inputs, allow=allowed)
        _start_cache(args)
        result = args.func(args)
        if args.json and result is not None:
            from jaxnn._util import write_json

            write_json(args.json, result)
    except (UsageError, ValueError, TypeError, OSError, ImportError) as e:
        if os.environ.get("JAXNN_DEBUG"):
            raise
        print(f"jaxnn: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("jaxnn: interrupted", file=sys.stderr)
        return 130
    return 0

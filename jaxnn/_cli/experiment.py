"""``jaxnn experiment NAME``: one experiment alone; ``--list`` lists them."""

from __future__ import annotations

import argparse
from pathlib import Path

from jaxnn._cli._report import add_experiment_arguments

HELP = "run one experiment, or --list them"


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", nargs="?", help="experiment name (see --list)")
    p.add_argument("--list", action="store_true", help="list the experiments")
    p.add_argument("--out", default=None, help="output directory (default results/NAME)")
    add_experiment_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> dict:
    from jaxnn._cli import UsageError
    from jaxnn._cli._report import find_experiments
    from jaxnn._util import markdown_table

    modules = find_experiments(args.experiments)
    if args.list or args.name is None:
        rows = [(n, m.SECTION, m.TITLE) for n, m in modules.items()]
        print(markdown_table(["name", "section", "title"], rows))
        return {"experiments": [{"name": n, "section": s, "title": t} for n, s, t in rows]}
    if args.name not in modules:
        raise UsageError(f"unknown experiment {args.name!r}; valid: {', '.join(modules)}")
    module = modules[args.name]
    out = Path(args.out or f"results/{args.name}")
    result = module.run(out, seed=args.seed)
    print(f"# {module.TITLE}\n\n{result.claim}\n\n{result.table}\n\n{result.summary}")
    for f in result.figures:
        print(f"figure: {out / f}")
    return {
        "name": args.name,
        "out": str(out),
        "held": bool(result.held),
        "verdict": result.summary,
        "figures": result.figures,
        "data": result.data,
    }

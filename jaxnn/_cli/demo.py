"""``jaxnn demo --out DIR``: every experiment, one report."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("demo", help="run every experiment and write DIR/REPORT.md")
    p.add_argument("--out", default="results", help="output directory (replaced when done)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--experiments", metavar="DIR", help="the experiments folder (default: the checkout's)"
    )
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> dict:
    from jaxnn._cli._report import run_experiments
    from jaxnn._util import markdown_table

    records = run_experiments(None, Path(args.out), seed=args.seed, directory=args.experiments)
    rows = [
        (r["name"], r["section"], r["seconds"], len(r["figures"]), r["verdict"]) for r in records
    ]
    print(markdown_table(["experiment", "section", "seconds", "figures", "verdict"], rows))
    print(f"\nreport: {Path(args.out) / 'REPORT.md'}")
    return {"out": str(args.out), "experiments": records}

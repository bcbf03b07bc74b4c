"""``jaxnn demo --out DIR``: every experiment, one report."""

from __future__ import annotations

import argparse
from pathlib import Path

from jaxnn._cli._report import add_experiment_arguments

HELP = "run every experiment and write DIR/REPORT.md"


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out",
        default="results",
        help="report directory (default results): replaced when every experiment has finished; "
        "a directory holding files jaxnn did not write is refused unless --force",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="write the report into a directory that holds other files (they are kept)",
    )
    add_experiment_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> dict:
    from jaxnn._cli._report import check_report_dir, run_experiments
    from jaxnn._util import markdown_table

    check_report_dir(args.out, force=args.force)  # before the experiments are even loaded
    records = run_experiments(
        None, Path(args.out), seed=args.seed, directory=args.experiments, force=args.force
    )
    rows = [
        (r["name"], r["section"], r["seconds"], len(r["figures"]), r["verdict"]) for r in records
    ]
    print(markdown_table(["experiment", "section", "seconds", "figures", "verdict"], rows))
    print(f"\nreport: {Path(args.out) / 'REPORT.md'}")
    return {"out": str(args.out), "experiments": records}

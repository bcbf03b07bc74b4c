"""What every experiment shares: the result record, figure saving, the stand-alone entry point.

Experiments are clients of jaxnn's public API only, and import each other relatively
(``from ._common import ...``), so that ``jaxnn demo`` can load this folder from a checkout under
a private name without putting a package called ``experiments`` on anyone's path.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import matplotlib

import jaxnn

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams.update(
    {
        "figure.dpi": 110,
        "font.size": 11,
        "axes.titlesize": 12,
        "axes.labelsize": 11,
        "legend.fontsize": 9,
        "figure.autolayout": False,
    }
)

__all__ = ["Result", "main", "plt", "save_figure"]


@dataclass
class Result:
    """What an experiment reports.

    Attributes:
      claim: the claim of the notes that the experiment checks, in one or two sentences.
      table: a Markdown table of what was measured.
      figures: file names (relative to the output directory) of the figures written.
      data: JSON-ready numbers for machines.
      held: whether the claim held in this run.
      verdict: one line saying what was measured against the claim (without "Held"/"FAILED":
        the report adds that from ``held``).
    """

    claim: str
    table: str
    held: bool
    verdict: str
    figures: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        """The verdict line as the report prints it: "Held: ..." or "FAILED: ..."."""
        return f"{'Held' if self.held else 'FAILED'}: {self.verdict}"


def save_figure(fig: Any, out: Path, name: str) -> str:
    """Saves ``fig`` as ``out/name`` with `jaxnn.save_png` (it closes it) and returns ``name``."""
    jaxnn.save_png(fig, Path(out) / name)
    return name


def main(module: ModuleType, argv: list[str] | None = None) -> int:
    """Runs one experiment module alone: ``python -m experiments.NAME --out DIR [--seed S]``."""
    # run as ``python -m experiments.NAME`` the module is ``__main__``; its spec keeps the name
    name = (module.__spec__.name if module.__spec__ else module.__name__).rsplit(".", 1)[-1]
    parser = argparse.ArgumentParser(prog=f"python -m experiments.{name}", description=module.TITLE)
    parser.add_argument("--out", default=f"results/{name}", help="directory for figures")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    result = module.run(Path(args.out), seed=args.seed)
    print(f"# {module.TITLE}\n\n{result.claim}\n\n{result.table}\n")
    print(result.summary)
    for f in result.figures:
        print(f"figure: {Path(args.out) / f}")
    print(f"({time.perf_counter() - start:.1f} s)", file=sys.stderr)
    return 0

"""The demo report: find the experiments, run them, write ``REPORT.md``, replace the output when done.

jaxnn never imports the experiments: they live in the checkout's ``experiments/`` folder (or a
folder the user names), which is loaded here under a private package name, so that no module
called ``experiments`` is put on the user's path or shadows theirs.
"""

from __future__ import annotations

import importlib.util
import os
import pkgutil
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["experiments_dir", "find_experiments", "run_experiments", "write_report"]

_PACKAGE = "_jaxnn_experiments"


def experiments_dir(directory: str | os.PathLike | None = None) -> Path:
    """The experiments folder: ``directory``, ``$JAXNN_EXPERIMENTS``, ``./experiments``, or the
    ``experiments/`` beside the jaxnn package of a checkout, the first that exists.

    Raises:
      FileNotFoundError: when none exists (a wheel install has no experiments).
    """
    here = Path(__file__).resolve().parents[2] / "experiments"
    candidates = [directory, os.environ.get("JAXNN_EXPERIMENTS"), Path.cwd() / "experiments", here]
    for c in candidates:
        if c and (Path(c) / "__init__.py").is_file():
            return Path(c).resolve()
    if directory is not None:
        raise FileNotFoundError(f"--experiments {directory}: no experiments package there")
    raise FileNotFoundError(
        "no experiments folder found: run from a jaxnn checkout, set JAXNN_EXPERIMENTS, or pass "
        "--experiments DIR"
    )


def find_experiments(directory: str | os.PathLike | None = None) -> dict[str, ModuleType]:
    """Every experiment module of the folder (see `experiments_dir`) by name, in report order.

    Returns:
      Module name -> module, sorted by each module's ``ORDER``.
    """
    folder = experiments_dir(directory)
    package = sys.modules.get(_PACKAGE)
    if package is None or Path(package.__path__[0]) != folder:
        for name in [m for m in sys.modules if m == _PACKAGE or m.startswith(_PACKAGE + ".")]:
            del sys.modules[name]
        spec = importlib.util.spec_from_file_location(
            _PACKAGE, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        package = importlib.util.module_from_spec(spec)
        sys.modules[_PACKAGE] = package
        spec.loader.exec_module(package)
    names = sorted(m.name for m in pkgutil.iter_modules([str(folder)]) if not m.name.startswith("_"))
    modules = [importlib.import_module(f"{_PACKAGE}.{name}") for name in names]
    modules.sort(key=lambda m: (m.ORDER, m.__name__))
    return {m.__name__.rsplit(".", 1)[1]: m for m in modules}


def run_experiments(
    names: Iterable[str] | None,
    out: Path,
    *,
    seed: int = 0,
    log: Callable[[str], None] = print,
    directory: str | os.PathLike | None = None,
) -> list[dict[str, Any]]:
    """Runs the named experiments (all when ``None``) into a fresh directory that replaces ``out``.

    The run is built in a temporary sibling of ``out`` and renamed into place only when every
    experiment has finished and the report is written, so a failure midway leaves the previous
    ``out`` intact.

    Returns:
      One record per experiment: name, title, section, seconds, figures, verdict and data.
    """
    modules = find_experiments(directory)
    names = list(modules) if names is None else list(names)
    unknown = [n for n in names if n not in modules]
    if unknown:
        raise ValueError(f"unknown experiment(s) {unknown}; valid: {sorted(modules)}")
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        records = []
        for name in names:
            module = modules[name]
            log(f"[{len(records) + 1}/{len(names)}] {name}: {module.TITLE}")
            start = time.perf_counter()
            result = module.run(tmp, seed=seed)
            seconds = time.perf_counter() - start
            missing = [f for f in result.figures if not (tmp / f).is_file()]
            if missing:
                raise RuntimeError(f"experiment {name} did not write its figures {missing}")
            log(f"    {seconds:.1f} s  {result.summary}")
            records.append(
                {
                    "name": name,
                    "title": module.TITLE,
                    "section": module.SECTION,
                    "seconds": round(seconds, 3),
                    "claim": result.claim,
                    "table": result.table,
                    "figures": result.figures,
                    "held": bool(result.held),
                    "verdict": result.summary,
                    "data": result.data,
                }
            )
        write_report(records, tmp / "REPORT.md")
        _replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return records


def _replace_dir(new: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
        old.rmdir()
        out.rename(old)
    new.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_report(records: list[dict[str, Any]], path: Path) -> None:
    """Writes the Markdown report: per experiment the claim, command, table, figures, verdict."""
    total = sum(r["seconds"] for r in records)
    lines = [
        "# jaxnn: the lecture notes, reproduced",
        "",
        f"{len(records)} experiments, {total:.0f} s in all. Each section names the claim of the",
        "notes, the command that reproduces it alone, what was measured and the figure.",
        "",
        "| section | experiment | seconds | verdict |",
        "|---|---|---|---|",
    ]
    for r in records:
        lines.append(
            f"| {r['section']} | [{r['title']}](#{r['name']}) | {r['seconds']:.1f} | "
            f"{r['verdict']} |"
        )
    for r in records:
        lines += [
            "",
            f'<a id="{r["name"]}"></a>',
            f"## {r['section']}: {r['title']}",
            "",
            f"**Claim.** {r['claim']}",
            "",
            f"**Reproduce:** `jaxnn experiment {r['name']}` or `python -m experiments.{r['name']}`",
            "",
            r["table"],
            "",
        ]
        lines += [f"![{f}]({f})" for f in r["figures"]]
        if r["verdict"]:
            lines += ["", f"**Verdict.** {r['verdict']}"]
    path.write_text("\n".join(lines) + "\n")

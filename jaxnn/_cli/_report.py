"""The demo report: run every experiment, write ``REPORT.md``, replace the output only when done."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

__all__ = ["run_experiments", "write_report"]


def run_experiments(
    names: Iterable[str] | None,
    out: Path,
    *,
    seed: int = 0,
    log: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """Runs the named experiments (all when ``None``) into a fresh directory that replaces ``out``.

    The run is built in a temporary sibling of ``out`` and renamed into place only when every
    experiment has finished and the report is written, so a failure midway leaves the previous
    ``out`` intact.

    Returns:
      One record per experiment: name, title, section, seconds, figures, verdict and data.
    """
    from experiments import registry

    modules = registry()
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
            log(f"    {seconds:.1f} s  {result.verdict}")
            records.append(
                {
                    "name": name,
                    "title": module.TITLE,
                    "section": module.SECTION,
                    "seconds": round(seconds, 3),
                    "claim": result.claim,
                    "table": result.table,
                    "figures": result.figures,
                    "verdict": result.verdict,
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

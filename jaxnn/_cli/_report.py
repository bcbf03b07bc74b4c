"""The demo report: find the experiments, run them, write ``REPORT.md``, put it in place when done.

jaxnn never imports the experiments: they live in the checkout's ``experiments/`` folder (or a
folder the user names), which is loaded here under a private package name, so that no module
called ``experiments`` is put on the user's path or shadows theirs.
"""

from __future__ import annotations

import ctypes
import errno
import importlib.util
import json
import os
import pkgutil
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from jaxnn._util import clean_leftovers, temp_name

__all__ = [
    "add_experiment_arguments",
    "check_report_dir",
    "experiments_dir",
    "find_experiments",
    "run_experiments",
    "write_report",
]

_PACKAGE = "_jaxnn_experiments"


def add_experiment_arguments(parser) -> None:
    """The flags ``jaxnn demo`` and ``jaxnn experiment`` share: ``--seed`` and ``--experiments``."""
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--experiments", metavar="DIR", help="the experiments folder (default: the checkout's)"
    )


def experiments_dir(directory: str | os.PathLike | None = None) -> Path:
    """The experiments folder: ``directory``, ``$JAXNN_EXPERIMENTS``, ``./experiments``, or the
    ``experiments/`` beside the jaxnn package of a checkout, the first that exists.

    Raises:
      FileNotFoundError: when none exists (a wheel install has no experiments).
    """
    if directory is not None:
        if not (Path(directory) / "__init__.py").is_file():
            raise FileNotFoundError(f"--experiments {directory}: no experiments package there")
        return Path(directory).resolve()
    here = Path(__file__).resolve().parents[2] / "experiments"
    candidates = [os.environ.get("JAXNN_EXPERIMENTS"), Path.cwd() / "experiments", here]
    for c in candidates:
        if c and (Path(c) / "__init__.py").is_file():
            return Path(c).resolve()
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
    names = sorted(
        m.name for m in pkgutil.iter_modules([str(folder)]) if not m.name.startswith("_")
    )
    modules = [importlib.import_module(f"{_PACKAGE}.{name}") for name in names]
    modules.sort(key=lambda m: (m.ORDER, m.__name__))
    return {m.__name__.rsplit(".", 1)[1]: m for m in modules}


def check_report_dir(out: str | os.PathLike, *, force: bool = False) -> Path:
    """Checks ``out`` before any experiment runs, and repairs what a killed run left there.

    ``out`` may be missing, empty, or a report this program wrote (its ``.jaxnn-report.json``
    lists every file it wrote). A file, or a directory holding files jaxnn did not write, is
    refused unless ``force``; with ``force`` the report is written beside those files and none of
    them is touched. A previous report that a killed swap left aside is put back, and killed runs'
    temporary directories are removed.

    Returns:
      ``out`` resolved.

    Raises:
      ValueError: one line naming ``out`` and what is wrong.
    """
    out = Path(out).expanduser().resolve()
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out}: is a file; name a directory for the report")
    _recover(out)
    foreign = _foreign_files(out)
    if foreign and not force:
        shown = ", ".join(foreign[:3]) + (
            f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        )
        raise ValueError(
            f"--out {out} holds files jaxnn did not write ({shown}): choose another directory, or "
            f"pass --force to write the report beside them (they are kept)"
        )
    clashes = [f for f in foreign if f in _REPORT_NAMES]
    if clashes:
        raise ValueError(f"--out {out}: {', '.join(clashes)} would be overwritten; move it first")
    return out


MARKER = ".jaxnn-report.json"
"""The file in a report directory that lists what jaxnn wrote there."""
_REPORT_NAMES = ("REPORT.md", MARKER)


_HEADING = "# jaxnn: the lecture notes, reproduced"


def _manifest(out: Path) -> list[str] | None:
    """The files a jaxnn report in ``out`` wrote: its marker's list, or for a report of an earlier
    version (no marker) REPORT.md and the figures it shows; None when ``out`` holds no report."""
    try:
        data = json.loads((out / MARKER).read_text())
    except (OSError, ValueError):
        try:
            text = (out / "REPORT.md").read_text()
        except (OSError, UnicodeDecodeError):
            return None
        if not text.startswith(_HEADING):
            return None
        return ["REPORT.md", *re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", text)]
    files = data.get("files") if isinstance(data, dict) else None
    return [str(f) for f in files] if isinstance(files, list) else None


def _files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if not p.is_dir())


def _foreign_files(out: Path) -> list[str]:
    """The files in ``out`` that no jaxnn report wrote (sorted relative paths)."""
    if not out.is_dir():
        return []
    ours = set(_manifest(out) or []) | {MARKER}
    return [f for f in _files_under(out) if f not in ours]


def _recover(out: Path) -> None:
    """Puts back a report a killed swap left aside; removes killed runs' temporaries."""
    if not out.exists():
        aside = sorted(
            (p for p in out.parent.glob(f".{out.name}.*.old") if _manifest(p) is not None),
            key=lambda p: p.stat().st_mtime,
        )
        if aside:
            aside[-1].rename(out)
    clean_leftovers(out, (".tmp", ".old"))


def _exchange(a: Path, b: Path) -> bool:
    """Swaps two directories in one atomic step (Linux renameat2 RENAME_EXCHANGE); False if the
    system cannot."""
    if os.environ.get("JAXNN_NO_RENAME_EXCHANGE"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EPERM, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _install(new: Path, out: Path) -> None:
    """Makes the report in ``new`` the one at ``out``; ``out`` is never missing for a moment
    where the system can swap atomically (else a killed run's report is put back next run)."""
    if not out.exists():
        new.rename(out)
        return
    if _foreign_files(out):  # --force: file by file, leaving the user's files alone
        old = set(_manifest(out) or [])
        files = _manifest(new) or []
        for f in files:
            (out / f).parent.mkdir(parents=True, exist_ok=True)
            os.replace(new / f, out / f)
        for f in sorted(old - set(files) - {MARKER}):
            (out / f).unlink(missing_ok=True)
        os.replace(new / MARKER, out / MARKER)
        shutil.rmtree(new, ignore_errors=True)
        return
    if _exchange(new, out):
        shutil.rmtree(new, ignore_errors=True)  # now the previous report
        return
    aside = out.parent / temp_name(out, ".old")
    out.rename(aside)
    new.rename(out)
    shutil.rmtree(aside, ignore_errors=True)


def run_experiments(
    names: Iterable[str] | None,
    out: Path,
    *,
    seed: int = 0,
    log: Callable[[str], None] = print,
    directory: str | os.PathLike | None = None,
    force: bool = False,
) -> list[dict[str, Any]]:
    """Runs the named experiments (all when ``None``) into a new report that replaces ``out``.

    The report is built in a temporary sibling of ``out`` and put in place only when every
    experiment has finished and the report is written, so a failure midway leaves the previous
    ``out`` intact; see `check_report_dir` for what ``out`` may hold.

    Returns:
      One record per experiment: name, title, section, seconds, figures, held, verdict and data.
    """
    modules = find_experiments(directory)
    names = list(modules) if names is None else list(names)
    unknown = [n for n in names if n not in modules]
    if unknown:
        raise ValueError(f"unknown experiment(s) {unknown}; valid: {sorted(modules)}")
    out = check_report_dir(out, force=force)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / temp_name(out, ".tmp")
    tmp.mkdir()  # the umask's mode, as any directory the user makes
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
        files = [f for f in _files_under(tmp) if f != MARKER]
        (tmp / MARKER).write_text(json.dumps({"format": "jaxnn-report", "files": files}) + "\n")
        _install(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return records


def _machine() -> str:
    """The machine the report ran on, in words: CPU model, cores, memory, load average."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        memory = f", {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"
        load = ", load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    except (OSError, ValueError, AttributeError):
        memory = load = ""
    return f"{cpu}, {cores} cores{memory}{load}"


def write_report(records: list[dict[str, Any]], path: Path) -> None:
    """Writes the Markdown report: per experiment the claim, command, table, figures, verdict."""
    total = sum(r["seconds"] for r in records)
    lines = [
        _HEADING,
        "",
        f"{len(records)} experiments, {total:.0f} s in all, on {_machine()} (when the report",
        "was written). Each section names the claim of the notes, the command that reproduces it",
        "alone, what was measured and the figure.",
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

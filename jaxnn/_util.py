"""Plumbing shared by every layer: atomic writes, tables, module discovery, optional extras.

A leaf module: it imports nothing from jaxnn. Atomic writes go to a temporary file in the same
directory, are flushed and fsynced, then renamed over the final name, so a crash midway leaves
whatever was there intact and nothing half-written under the final name.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = [
    "EXTRAS",
    "atomic_write_bytes",
    "cache_counts",
    "compilation_cache",
    "default_cache_dir",
    "discover",
    "markdown_table",
    "optional",
    "ordered_registry",
    "progress_bar",
    "require",
    "write_json",
]

# The optional packages and the extra that installs each: ``pip install "jaxnn[EXTRA]"``.
EXTRAS = {
    "matplotlib": "demo",
    "sklearn": "demo",
    "tqdm": "demo",
}
_PACKAGE_NAMES = {"sklearn": "scikit-learn", "yaml": "pyyaml"}
_WARNED: set[tuple[str, str]] = set()


def _missing(module: str, feature: str) -> str:
    package = _PACKAGE_NAMES.get(module, module)
    return f'{feature} needs {package}: pip install "jaxnn[{EXTRAS.get(module, "all")}]"'


def require(module: str, feature: str) -> ModuleType:
    """Imports an optional package that ``feature`` cannot do without.

    Args:
      module: the module to import (``"matplotlib"``, ``"sklearn"``, ...).
      feature: what needs it, for the message (``"figures"``, ``"--out"``, ...).

    Returns:
      The module.

    Raises:
      ImportError: one line naming the package and the extra that installs it.
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(_missing(module, feature)) from None


def optional(module: str, feature: str) -> ModuleType | None:
    """Imports an optional package, or turns ``feature`` off: None, and one line on stderr (once).

    Args:
      module: the module to import.
      feature: what is turned off without it (``"the progress bar"``), for the message.

    Returns:
      The module, or None when it is not installed.
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        if (module, feature) not in _WARNED:
            _WARNED.add((module, feature))
            print(f"jaxnn: {_missing(module, feature)} (turned off)", file=sys.stderr)
        return None


class _NoBar:
    """What `progress_bar` returns when there is no bar to show."""

    def update(self, n: int = 1) -> None:
        del n

    def set_postfix(self, **kwargs: Any) -> None:
        del kwargs

    def close(self) -> None:
        pass


def progress_bar(total: int, *, desc: str, unit: str, enabled: bool = True, initial: int = 0):
    """A tqdm progress bar on stderr, or an object with the same methods that shows nothing.

    Args:
      total: the number of units.
      desc: the bar's label.
      unit: the unit's name (``"epoch"``, ``"member"``).
      enabled: False for no bar.
      initial: units already done (a resumed run).

    Returns:
      An object with ``update(n)``, ``set_postfix(**values)`` and ``close()``.
    """
    tqdm = optional("tqdm", "the progress bar") if enabled else None
    if tqdm is None:
        return _NoBar()
    from tqdm.auto import tqdm as bar

    return bar(total=total, initial=initial, desc=desc, unit=unit, file=sys.stderr, leave=False)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Writes ``data`` to ``path`` atomically and returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Writes ``obj`` as indented JSON, atomically."""
    text = json.dumps(obj, indent=2, sort_keys=False, default=_default)
    return atomic_write_bytes(path, (text + "\n").encode())


def _default(x: Any) -> Any:
    if hasattr(x, "tolist"):
        return x.tolist()
    if hasattr(x, "_asdict"):
        return x._asdict()
    raise TypeError(f"cannot write {type(x).__name__} as JSON")


def _cell(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Formats ``rows`` under ``headers`` as an aligned Markdown table."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), sep, *map(line, cells)])


def discover(package: str, path: Iterable[str]) -> list[ModuleType]:
    """Imports every public module (name not starting with ``_``) of ``package``, by name."""
    names = sorted(m.name for m in pkgutil.iter_modules(path) if not m.name.startswith("_"))
    return [importlib.import_module(f"{package}.{name}") for name in names]


def ordered_registry(package: str, path: Iterable[str]) -> dict[str, ModuleType]:
    """The public modules of ``package`` by short name, sorted by their ``ORDER``."""
    modules = sorted(discover(package, path), key=lambda m: (m.ORDER, m.__name__))
    return {m.__name__.rsplit(".", 1)[1]: m for m in modules}


# --- JAX's persistent compilation cache (on by default for the CLI) ---

_CACHE_EVENTS = {
    "/jax/compilation_cache/compile_requests_use_cache": "requests",
    "/jax/compilation_cache/cache_hits": "hits",
}
_CACHE_COUNTS = {"requests": 0, "hits": 0}
_LISTENING: list[bool] = []


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/jaxnn/xla``, or ``~/.cache/jaxnn/xla``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "jaxnn" / "xla"


def compilation_cache(directory: str | os.PathLike | None = None) -> Path:
    """Turns on JAX's persistent compilation cache in ``directory`` (default `default_cache_dir`).

    Every program is written, however fast it compiled or small it is (JAX's defaults skip
    programs that compile in under a second, which is most CPU programs), so a second identical
    run in a new process compiles nothing. Call it before the first compilation. Anyone who can
    write the directory can run code in the processes that read it: keep it private.

    Args:
      directory: the cache directory; created if missing.

    Returns:
      The directory.
    """
    import jax

    path = Path(directory) if directory is not None else default_cache_dir()
    path.mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    return path


def _count(event: str, **kwargs: Any) -> None:
    name = _CACHE_EVENTS.get(event)
    if name is not None:
        _CACHE_COUNTS[name] += 1


def cache_counts() -> dict[str, int]:
    """Compilations in this process that consulted the persistent cache, and its hits so far.

    The first call starts counting (a `jax.monitoring` listener); ``requests - hits`` were
    compiled (and written to the cache). Both read 0 while no cache directory is set.
    """
    import jax

    if not _LISTENING:
        jax.monitoring.register_event_listener(_count)
        _LISTENING.append(True)
    if not jax.config.jax_compilation_cache_dir or not jax.config.jax_enable_compilation_cache:
        return {"requests": 0, "hits": 0}
    return dict(_CACHE_COUNTS)

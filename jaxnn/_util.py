"""Plumbing shared by every layer: atomic writes, tables, module discovery, optional extras.

A leaf module: it imports nothing from jaxnn. Atomic writes go to a temporary file in the same
directory, are flushed and fsynced, then renamed over the final name, so a crash midway leaves
whatever was there intact and nothing half-written under the final name.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import math
import os
import pkgutil
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = [
    "EXTRAS",
    "FileLock",
    "atomic_write_bytes",
    "atomic_writer",
    "available_memory",
    "check_npz",
    "check_output_paths",
    "clean_leftovers",
    "dir_mode",
    "file_mode",
    "temp_name",
    "cache_counts",
    "compilation_cache",
    "compile_count",
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
    "mnist1d": "mnist1d",
    "wandb": "wandb",
    "optuna": "search",
    "yaml": "search",
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


def progress_bar(
    total: int | None,
    *,
    desc: str,
    unit: str,
    enabled: bool = True,
    initial: int = 0,
    **options: Any,
):
    """A tqdm progress bar on stderr, or an object with the same methods that shows nothing.

    Args:
      total: the number of units (None: unknown).
      desc: the bar's label.
      unit: the unit's name (``"epoch"``, ``"member"``, ``"B"``).
      enabled: False for no bar.
      initial: units already done (a resumed run).
      **options: more of tqdm's options (``unit_scale=True`` for bytes).

    Returns:
      An object with ``update(n)``, ``set_postfix(**values)`` and ``close()``.
    """
    tqdm = optional("tqdm", "the progress bar") if enabled else None
    if tqdm is None:
        return _NoBar()
    from tqdm.auto import tqdm as bar

    return bar(
        total=total, initial=initial, desc=desc, unit=unit, file=sys.stderr, leave=False, **options
    )


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a new file gets under the current umask (0666 & ~umask), as ``open`` gives it."""
    return 0o666 & ~_umask()


def dir_mode() -> int:
    """The mode a new directory gets under the current umask (0777 & ~umask)."""
    return 0o777 & ~_umask()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def temp_name(path: Path, suffix: str) -> str:
    """A hidden temporary name beside ``path`` that records this process: ``.NAME.PID.XXXX.tmp``.

    `clean_leftovers` removes the ones whose process has died (a killed run's).
    """
    return f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}{suffix}"


def clean_leftovers(path: str | os.PathLike, suffixes: Sequence[str] = (".tmp",)) -> list[Path]:
    """Removes the temporaries a killed run left beside ``path`` (their process is gone).

    Only names made by `temp_name` for this ``path`` are touched: ``.NAME.PID.XXXX.tmp`` (files or
    directories) whose PID is not a live process.

    Returns:
      The paths removed.
    """
    import shutil

    path = Path(path)
    removed = []
    if not path.parent.is_dir():
        return removed
    prefix = f".{path.name}."
    for entry in path.parent.iterdir():
        name = entry.name
        if not name.startswith(prefix) or not any(name.endswith(s) for s in suffixes):
            continue
        parts = name[len(prefix) :].split(".")
        if len(parts) < 3 or not parts[0].isdigit() or _alive(int(parts[0])):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike):
    """Opens a temporary file beside ``path`` for writing; on success it is flushed, fsynced and
    renamed over ``path``, on any error removed, so ``path`` only ever holds a whole file.

    The file gets the umask's mode (as a plain ``open`` would give it), and temporaries left
    beside ``path`` by killed writers are removed first.

    Yields:
      A binary file object.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(path)
    tmp = path.parent / temp_name(path, ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, file_mode())
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Writes ``data`` to ``path`` atomically (see `atomic_writer`) and returns the path."""
    with atomic_writer(path) as f:
        f.write(data)
    return Path(path)


class FileLock:
    """An exclusive lock on writing ``path``, held by this process: ``.NAME.lock`` beside it.

    Uses ``fcntl.flock``, so a killed holder releases it. A second writer is refused at once with
    a one-line `OSError` naming the path, rather than silently replacing the first one's file.
    On entry, temporaries left by killed writers of ``path`` are removed.
    """

    def __init__(self, path: str | os.PathLike, what: str = "output"):
        self.path = Path(path)
        self.what = what
        self.lock_path = self.path.parent / f".{self.path.name}.lock"
        self._fd: int | None = None

    def __enter__(self) -> FileLock:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, file_mode())
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
                os.close(fd)
                raise FileExistsError(
                    f"{self.what} {self.path} is being written by another jaxnn run (pid "
                    f"{holder}); wait for it to finish or choose another path"
                ) from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.lock_path).st_ino
            except FileNotFoundError:
                same = False
            if same:  # not a lock file another process unlinked while we waited
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        clean_leftovers(self.path)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._fd is not None:
            try:
                os.unlink(self.lock_path)
            except FileNotFoundError:
                pass
            os.close(self._fd)
            self._fd = None


def _can_create_in(directory: Path) -> bool:
    """Whether a file can be created in ``directory`` (tried: permissions alone can mislead)."""
    probe = directory / temp_name(Path("probe"), ".tmp")
    try:
        os.close(os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except OSError:
        return False
    probe.unlink(missing_ok=True)
    return True


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def check_output_paths(
    files: dict[str, Any] | None = None,
    dirs: dict[str, Any] | None = None,
    inputs: dict[str, Any] | None = None,
    *,
    allow: Iterable[tuple[str, str]] = (),
) -> dict[str, Path]:
    """Checks output paths before any work starts, so that a run never fails after it trained
    and never writes over what it reads.

    Args:
      files: label (a flag, ``"--json"``) -> path of a file to write, or None for no output.
      dirs: label -> path of a directory to write files into, or None.
      inputs: label -> path (or a list of paths) the run reads (``--model``, ``-d`` files,
        ``--config``, ``--resume``), or None.
      allow: (output label, input label) pairs that may name one file (``--save`` and
        ``--resume``: a resumed run saves where it was).

    Returns:
      label -> `Path`, for the paths given.

    Raises:
      ValueError: one line naming the label and the path: an empty path, a file path that is a
        directory, a directory path that is a file, a parent that is a file or not writable, two
        outputs at the same path, or an output at the path of an input.
    """
    chosen: dict[str, Path] = {}
    for kind, paths in (("file", files or {}), ("dir", dirs or {})):
        for label, value in paths.items():
            if value is None:
                continue
            if str(value).strip() == "":
                raise ValueError(f"{label}: the path is empty; name a {kind} to write")
            path = Path(value).expanduser()
            if kind == "file" and path.is_dir():
                raise ValueError(f"{label} {value}: is a directory; name a file to write")
            if kind == "dir" and path.exists() and not path.is_dir():
                raise ValueError(f"{label} {value}: is a file; name a directory to write into")
            target = path if kind == "dir" and path.exists() else path.parent
            ancestor = target
            while not ancestor.exists():
                ancestor = ancestor.parent
            if not ancestor.is_dir():
                raise ValueError(f"{label} {value}: {ancestor} is a file, not a directory")
            if not _can_create_in(ancestor):
                raise ValueError(f"{label} {value}: cannot create files in {ancestor}")
            if kind == "file" and path.exists() and not os.access(path, os.W_OK):
                raise ValueError(f"{label} {value}: the file is not writable")
            chosen[label] = path
    seen: dict[Path, str] = {}
    for label, path in chosen.items():
        key = path.resolve()
        if key in seen:
            raise ValueError(
                f"{seen[key]} and {label} name the same path {path}: one would overwrite the other"
            )
        seen[key] = label
    allowed = set(allow)
    for in_label, value in (inputs or {}).items():
        for given in value if isinstance(value, list | tuple) else [value]:
            if given is None or str(given).strip() == "":
                continue
            source = Path(given).expanduser()
            for label, path in chosen.items():
                if (label, in_label) not in allowed and _same_file(path, source):
                    raise ValueError(
                        f"{label} {path} is the {in_label} input: writing it would destroy what "
                        f"the run reads; choose another path"
                    )
    return chosen


def available_memory() -> int | None:
    """The bytes of memory the system can still give (``MemAvailable``), or None if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_npz(source: Any, what: str) -> None:
    """Reads the ``.npy`` header of every array of an ``.npz`` archive, and refuses, before any
    array is allocated, an archive whose headers claim more bytes than its entries hold (a
    corrupt or forged header) or than the memory available.

    Args:
      source: a path or a binary file object positioned at the archive's start.
      what: how to name the archive in messages (its path).

    An archive that cannot be read passes: reading it fails with its reader's own message.

    Raises:
      ValueError: one line naming ``what``, the array and the sizes.
    """
    import zipfile

    import numpy as np

    total = 0
    try:
        with zipfile.ZipFile(source) as z:
            for info in z.infolist():
                with z.open(info) as f:
                    version = np.lib.format.read_magic(f)
                    read = (
                        np.lib.format.read_array_header_1_0
                        if version == (1, 0)
                        else np.lib.format.read_array_header_2_0
                    )
                    shape, _, dtype = read(f, max_header_size=1 << 16)
                name = info.filename.removesuffix(".npy")
                claimed = math.prod(shape) * dtype.itemsize
                if claimed > info.file_size:
                    raise ValueError(
                        f"{what}: array {name} claims shape {shape} of {dtype} "
                        f"({claimed} bytes) in its header, the archive holds {info.file_size} "
                        f"bytes of it: a corrupt or forged file"
                    )
                total += claimed
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, TypeError, SyntaxError) as e:
        if isinstance(e, ValueError) and str(e).startswith(f"{what}: "):
            raise
        total = 0  # unreadable: np.load says why
    free = available_memory()
    if free is not None and total > free:
        raise ValueError(
            f"{what}: its arrays need {total / 2**30:.1f} GiB, {free / 2**30:.1f} GiB of memory "
            f"is available"
        )
    if hasattr(source, "seek"):
        source.seek(0)


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


_COMPILES = [0]
_COUNTING_COMPILES: list[bool] = []


def _count_compile(event: str, duration: float, **kwargs: Any) -> None:
    if event == "/jax/core/compile/backend_compile_duration":
        _COMPILES[0] += 1


def compile_count() -> int:
    """XLA programs compiled by this process so far: every ``jit``, eager operation and engine
    program (read from the persistent cache: not counted).

    The first call starts counting (a `jax.monitoring` listener), so call it once before what
    is to be counted.
    """
    import jax

    if not _COUNTING_COMPILES:
        jax.monitoring.register_event_duration_secs_listener(_count_compile)
        _COUNTING_COMPILES.append(True)
    return _COMPILES[0]

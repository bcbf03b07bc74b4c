"""Finding the modules of a package: CLI subcommands, experiments, benchmarks."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from types import ModuleType

__all__ = ["discover", "ordered_registry"]


def discover(package: str, path: Iterable[str]) -> list[ModuleType]:
    """Imports every public module (name not starting with ``_``) of ``package``, by name."""
    names = sorted(m.name for m in pkgutil.iter_modules(path) if not m.name.startswith("_"))
    return [importlib.import_module(f"{package}.{name}") for name in names]


def ordered_registry(package: str, path: Iterable[str]) -> dict[str, ModuleType]:
    """The public modules of ``package`` by short name, sorted by their ``ORDER``."""
    modules = sorted(discover(package, path), key=lambda m: (m.ORDER, m.__name__))
    return {m.__name__.rsplit(".", 1)[1]: m for m in modules}

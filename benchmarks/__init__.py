"""jaxnn's benchmarks: each module measures jaxnn side by side with a peer in one run.

Every module defines ``TITLE``, ``ORDER`` and ``run(quick=False) -> Bench``.
``python -m benchmarks`` (``make bench``) runs them all and rewrites
``benchmarks/RESULTS.md`` with the machine they ran on.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

__all__ = ["registry"]


def registry() -> dict[str, ModuleType]:
    """Every benchmark module (name not starting with ``_``) by name, in ``ORDER``."""
    names = [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]
    modules = [importlib.import_module(f"{__name__}.{name}") for name in names]
    return {m.__name__.rsplit(".", 1)[1]: m for m in sorted(modules, key=lambda m: m.ORDER)}

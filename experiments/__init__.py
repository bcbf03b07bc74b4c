"""jaxnn's experiments: one module per claim of the lecture notes, each runnable alone.

Every module defines ``TITLE``, ``SECTION`` (of the notes), ``ORDER`` (its place in the report) and
``run(out, *, seed=0) -> Result``, and runs as ``python -m experiments.NAME --out DIR``.
``jaxnn demo`` runs them all and writes ``REPORT.md``.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

__all__ = ["registry"]


def registry() -> dict[str, ModuleType]:
    """Every experiment module by name, in report order."""
    modules = [
        importlib.import_module(f"{__name__}.{m.name}")
        for m in pkgutil.iter_modules(__path__)
        if not m.name.startswith("_")
    ]
    modules.sort(key=lambda m: (m.ORDER, m.__name__))
    return {m.__name__.rsplit(".", 1)[1]: m for m in modules}

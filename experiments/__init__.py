"""jaxnn's experiments: one module per claim of the lecture notes, each runnable alone.

Every module defines ``TITLE``, ``SECTION`` (of the notes), ``ORDER`` (its place in the report) and
``run(out, *, seed=0) -> Result``, and runs as ``python -m experiments.NAME --out DIR``.
``jaxnn demo`` runs them all and writes ``REPORT.md``.
"""

from __future__ import annotations

from types import ModuleType

from jaxnn._util import ordered_registry

__all__ = ["registry"]


def registry() -> dict[str, ModuleType]:
    """Every experiment module by name, in report order."""
    return ordered_registry(__name__, __path__)

"""jaxnn's benchmarks: each module measures jaxnn side by side with a peer in one run.

Every module defines ``TITLE``, ``ORDER`` and ``run(quick=False) -> Bench``.
``python -m benchmarks`` (``make bench``) runs them all and rewrites
``benchmarks/RESULTS.md`` with the machine they ran on.
"""

from __future__ import annotations

from types import ModuleType

from jaxnn._util import ordered_registry

__all__ = ["registry"]


def registry() -> dict[str, ModuleType]:
    """Every benchmark module by name, in report order."""
    return ordered_registry(__name__, __path__)

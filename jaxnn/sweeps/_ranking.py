"""How a sweep's members are ranked: one rule for the flag sweep, the config sweep and hyperband.

A metric is turned around so that smaller is better (`oriented`), and a value that is missing,
NaN or infinite is the worst; `rank` orders members by that, diverged members last and ties by
the validation loss.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["GOALS", "oriented", "rank"]

GOALS = ("minimize", "maximize")


def oriented(values: Sequence[Any] | np.ndarray, goal: str) -> np.ndarray:
    """``values`` as floats where smaller is better: negated to maximize; None, NaN and the
    infinities become +inf, the worst.

    Args:
      values: the metric's values (None for a missing one).
      goal: ``minimize`` or ``maximize``.
    """
    if goal not in GOALS:
        raise ValueError(f"goal must be minimize or maximize, got {goal!r}")
    v = np.array([np.nan if x is None else x for x in np.ravel(values)], np.float64)
    v = -v if goal == "maximize" else v
    return np.where(np.isfinite(v), v, np.inf)


def rank(
    values: Sequence[Any] | np.ndarray,
    goal: str,
    *,
    diverged: Sequence[bool] | np.ndarray | None = None,
    ties: Sequence[Any] | np.ndarray | None = None,
) -> np.ndarray:
    """Member indices, best first: diverged members last, then by ``values`` toward ``goal``
    (missing or non-finite last), ties by ``ties`` (smaller first), then by index.

    Args:
      values: one value of the ranking metric per member (None when missing).
      goal: ``minimize`` or ``maximize``.
      diverged: whether each member diverged.
      ties: a second metric that breaks ties, smaller first (the validation loss).

    Returns:
      An int array of member indices.
    """
    keys = [oriented(values, goal)]
    if ties is not None:
        keys.insert(0, oriented(ties, "minimize"))
    if diverged is not None:
        keys.append(np.asarray(diverged, bool))
    return np.lexsort(keys)  # the last key is the primary one; equal keys keep their order

"""The public count: its limits, its cost estimate, and the per-process cache."""

from __future__ import annotations

import os

from jaxnn._validation import check_int_range

from ._classes import ThresholdCount, compute

KNOWN_LIMIT_N = 9
"""The largest n with a published count (Muroga et al. n <= 8, Gruzling 2006 n = 9)."""

_WHY_LIMIT = "no count of threshold functions is known beyond n = 9 to check against"

_COUNTS: dict[int, ThresholdCount] = {}


def _count(n: int, progress=None) -> ThresholdCount:
    """The count for n, computed once per process."""
    if n not in _COUNTS:
        _COUNTS[n] = compute(n, progress)
    return _COUNTS[n]


def count_threshold_functions(
    n: int, *, force: bool = False, progress=None, cache: bool = True
) -> ThresholdCount:
    r"""Counts the threshold functions of n variables exactly, with a witness per class.

    A threshold function is ``f(x) = [w . x >= theta]`` (a perceptron, notes 2.2). Up to negating
    and permuting inputs it is a canonical positive function with ``w1 >= ... >= wn >= 0``; a
    canonical f with k essential inputs and classes of interchangeable inputs of sizes
    ``s_1 .. s_m`` (the unused inputs one class) stands for

    .. math:: 2^k \, \frac{n!}{\prod_j s_j!}

    threshold functions: negating an unused input changes nothing, nor does permuting
    interchangeable ones. The canonical functions are generated level by level (a canonical
    function plus one maximal false row of the shift order), each candidate decided exactly (an
    integer witness checked on every row, or an integer Gordan certificate
    ``sum_x sigma_x (1, x) = 0`` with the signs of f, checked exactly), and those with more than
    half the rows true are the duals ``not f(not x)`` of the others. Results are cached per n.

    Args:
      n: the number of variables, 0 to 9 (no count is known beyond 9 to check against).
      force: allow n >= 8 (the search runs in NumPy on the CPU; see :func:`estimate_cost`). An
        n whose estimated memory exceeds the machine's is refused even so.
      progress: ``progress(level, levels, classes)`` after each level of the search, or None.
      cache: reuse this process's earlier count of n (False counts again).

    Returns:
      A :class:`ThresholdCount`: the counts, the class counts and the canonical classes.
    """
    n = _check_n(n)
    if not cache:
        _COUNTS.pop(n, None)
    if n >= 8 and n not in _COUNTS:
        seconds, memory = estimate_cost(n)
        cost = (
            f"n = {n} needs about {_human_seconds(seconds)} and {memory / 2**30:.0f} GiB on this "
            f"CPU (extrapolated from n = 5, 6, 7)"
        )
        physical = _physical_memory()
        if physical and memory > physical:
            raise ValueError(f"{cost}, more than the {physical / 2**30:.0f} GiB of this machine")
        if not force:
            raise ValueError(f"{cost}; pass force=True to run it")
    return _count(n, progress)


def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def _check_n(n: object) -> int:
    n = check_int_range("n", n, -(2**62), 2**62)
    if n < 0:
        raise ValueError(f"n must be a number of variables >= 0, got {n}")
    if n > KNOWN_LIMIT_N:
        raise ValueError(f"n must be at most {KNOWN_LIMIT_N}, got {n}: {_WHY_LIMIT}")
    return n


def _human_seconds(s: float) -> str:
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    if s < 2 * 86400:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.0f} days"


def estimate_cost(n: int) -> tuple[float, float]:
    """Rough seconds and bytes of :func:`count_threshold_functions` (n) on this machine.

    Counts n = 5, 6 and 7 (about a second, cached), then extrapolates one n at a time: the
    number of candidates grows by the last growth ratio times the last change of that ratio, the
    classes in proportion, and the time per candidate triples (twice the rows, larger programs).
    The memory is that of the class tables with their copies and working arrays.

    Args:
      n: the number of variables, 8 or 9.

    Returns:
      ``(seconds, bytes)``: estimates, good to a factor of about two, for the refusal message.
    """
    n = _check_n(n)
    if n < 8:
        raise ValueError(f"n must be 8 or 9 (smaller counts run in seconds), got {n}")
    c5, c6, c7 = (_count(m) for m in (5, 6, 7))
    grow, prev = c7.candidates / c6.candidates, c6.candidates / c5.candidates
    seconds, classes = c7.seconds, float(c7.np_classes)
    for _ in range(n - 7):
        grow, prev = grow * (grow / prev), grow
        seconds *= 3 * grow
        classes *= grow
    memory = classes * 2**n * 4 + 2**30
    return float(seconds), float(memory)

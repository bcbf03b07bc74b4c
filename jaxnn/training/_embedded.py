"""The small data sets that ship inside jaxnn, read with NumPy alone (no scikit-learn, no download).

``digits``, ``iris``, ``wine`` and ``breast_cancer`` are the arrays scikit-learn embeds, stored
bit for bit (digits as uint8 pixel counts 0..16, returned as the float64 scikit-learn returns);
``diabetes`` is the raw (unscaled) table of Efron et al. (2004) as scikit-learn ships it. Sources
and licences: ``data/README.md`` beside this module.

The classification sets are split as scikit-learn's stratified
``train_test_split(test_size=0.2, stratify=y, random_state=seed)`` splits them: `stratified_split`
draws the same permutations from the same ``RandomState`` stream, so the indices are equal to
scikit-learn's (tested against it for several seeds).
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np

__all__ = ["EMBEDDED", "REGRESSION", "embedded_arrays", "embedded_source", "stratified_split"]

DATA_DIR = Path(__file__).parent / "data"
EMBEDDED = ("digits", "iris", "wine", "breast_cancer", "diabetes")
REGRESSION = ("diabetes",)
"""The embedded sets whose targets are real numbers (split 80/20 by jaxnn, unstratified)."""


@functools.cache
def embedded_arrays(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The read-only arrays ``(x, y)`` of an embedded set: float64 inputs; int64 class labels,
    or float64 targets of shape (n, 1) for a regression set."""
    with np.load(DATA_DIR / f"{name}.npz", allow_pickle=False) as z:
        x, y = z["x"].astype(np.float64), z["y"]
    y = y.astype(np.float64).reshape(-1, 1) if name in REGRESSION else y.astype(np.int64)
    for a in (x, y):
        a.setflags(write=False)
    return x, y


def _approximate_mode(counts: np.ndarray, draws: int, rng: np.random.RandomState) -> np.ndarray:
    """How many of ``draws`` each class gets: its floored share, then one more for the largest
    remainders, ties broken by ``rng`` (scikit-learn's ``_approximate_mode``, same arithmetic and
    the same draws, so the same result)."""
    continuous = counts / counts.sum() * draws
    floored = np.floor(continuous)
    need = int(draws - floored.sum())
    if need > 0:
        remainder = continuous - floored
        for value in np.sort(np.unique(remainder))[::-1]:
            (tied,) = np.where(remainder == value)
            add = min(len(tied), need)
            floored[rng.choice(tied, size=add, replace=False)] += 1
            need -= add
            if need == 0:
                break
    return floored.astype(int)


def stratified_split(y: np.ndarray, test_size: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(train, test)`` of scikit-learn's ``train_test_split(test_size=test_size,
    stratify=y, random_state=seed)``: its ``StratifiedShuffleSplit``, first split.

    Each class gives its share of the ``ceil(test_size * n)`` test rows (the largest remainders
    rounding up); the rows of each class are drawn by a permutation of ``RandomState(seed)``, and
    both index sets are shuffled at the end.

    Args:
      y: class labels, shape (n,).
      test_size: the test share, in (0, 1).
      seed: the ``random_state``, an int in [0, 2**32).

    Returns:
      Two int arrays of row indices, in scikit-learn's order.
    """
    n = len(y)
    n_test = math.ceil(test_size * n)
    n_train = n - n_test
    classes, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    rows = np.split(np.argsort(inverse, kind="stable"), np.cumsum(counts)[:-1])
    rng = np.random.RandomState(seed)
    train_counts = _approximate_mode(counts, n_train, rng)
    test_counts = _approximate_mode(counts - train_counts, n_test, rng)
    train, test = [], []
    for k in range(len(classes)):
        drawn = rows[k].take(rng.permutation(counts[k]), mode="clip")
        train.extend(drawn[: train_counts[k]])
        test.extend(drawn[train_counts[k] : train_counts[k] + test_counts[k]])
    return rng.permutation(train), rng.permutation(test)


def embedded_source(name: str, seed: int) -> dict[str, np.ndarray]:
    """The raw arrays of an embedded set for `read_source`: a classification set split 80/20 as
    scikit-learn's stratified ``train_test_split(random_state=seed)`` splits it; a regression set
    whole (``x``, ``y``: the usual 80/20 hold-out applies)."""
    x, y = embedded_arrays(name)
    if name in REGRESSION:
        return {"x": x, "y": y}
    train, test = stratified_split(y, 0.2, seed)
    return {"x": x[train], "y": y[train], "x_test": x[test], "y_test": y[test]}

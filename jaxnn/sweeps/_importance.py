r"""Parameter importance and correlation with the metric, as wandb's sweep panel shows them.

Each swept parameter becomes one or more columns: a number is one column (its value), a name is
one 0/1 column per value (``optimizer=adam``). Over the members with a finite metric:

- **importance**: the impurity-based feature importance of a scikit-learn random forest regressing
  the metric on the columns (they sum to 1 over the columns);
- **correlation**: Pearson's correlation of each column with the metric,

.. math:: r = \frac{\sum_i (x_i - \bar x)(m_i - \bar m)}
    {\sqrt{\sum_i (x_i - \bar x)^2}\,\sqrt{\sum_i (m_i - \bar m)^2}}

(None for a column or a metric with no variation). scikit-learn is optional (the ``demo`` extra):
without it the importances are None and one line says so; the correlations remain.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from jaxnn._util import optional

__all__ = ["Importance", "parameter_importance"]

MIN_MEMBERS = 3
"""Below this many members with a finite metric, nothing is computed."""


class Importance(NamedTuple):
    """One column of the importance table.

    Attributes:
      name: the parameter, or ``parameter=value`` for one value of a named parameter.
      parameter: the parameter.
      importance: the random forest's importance in [0, 1], or None without scikit-learn.
      correlation: Pearson's r with the metric in [-1, 1], or None when either is constant.
    """

    name: str
    parameter: str
    importance: float | None
    correlation: float | None


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)


def _columns(
    members: Sequence[Mapping[str, Any]], parameters: Sequence[str]
) -> list[tuple[str, str, np.ndarray]]:
    cols = []
    for p in parameters:
        values = [m[p] for m in members]
        if all(_is_number(v) for v in values):
            cols.append((p, p, np.asarray(values, dtype=float)))
            continue
        for v in dict.fromkeys(map(str, values)):
            cols.append((f"{p}={v}", p, np.array([str(x) == v for x in values], dtype=float)))
    return cols


def _pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    dx, dy = x - x.mean(), y - y.mean()
    denominator = math.sqrt(float(dx @ dx) * float(dy @ dy))
    if denominator == 0 or not math.isfinite(denominator):
        return None
    r = float(np.clip(dx @ dy / denominator, -1.0, 1.0))
    return 0.0 if abs(r) < 1e-9 else r  # rounding noise of an uncorrelated column


def parameter_importance(
    members: Sequence[Mapping[str, Any]],
    parameters: Sequence[str],
    metric: str,
    *,
    seed: int = 0,
    trees: int = 100,
) -> list[Importance]:
    """The importance and correlation of every column of the swept parameters, most important
    first (by correlation's magnitude without scikit-learn).

    Args:
      members: member records with the parameters' values and ``metric``.
      parameters: the swept parameters (the record keys).
      metric: the record key of the metric.
      seed: the random forest's seed.
      trees: the random forest's number of trees.

    Returns:
      A list of `Importance`, empty when fewer than `MIN_MEMBERS` members have a finite metric or
      no parameter is given.
    """
    rows = [m for m in members if m.get(metric) is not None and math.isfinite(float(m[metric]))]
    if len(rows) < MIN_MEMBERS or not parameters:
        return []
    y = np.array([float(m[metric]) for m in rows])
    cols = _columns(rows, parameters)
    x = np.stack([c for _, _, c in cols], axis=1)
    correlations = [_pearson(c, y) for _, _, c in cols]
    importances: list[float | None] = [None] * len(cols)
    ensemble = optional("sklearn", "parameter importance")
    if ensemble is not None:
        from sklearn.ensemble import RandomForestRegressor

        forest = RandomForestRegressor(n_estimators=trees, random_state=seed)
        forest.fit(x, y)
        importances = [float(v) if math.isfinite(v) else 0.0 for v in forest.feature_importances_]
    table = [
        Importance(name, parameter, imp, corr)
        for (name, parameter, _), imp, corr in zip(cols, importances, correlations)
    ]

    def key(row: Importance) -> tuple:
        strength = row.importance if row.importance is not None else abs(row.correlation or 0)
        return (-strength, row.name)

    return sorted(table, key=key)

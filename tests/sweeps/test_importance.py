"""Parameter importance (random forest) and Pearson correlation with the metric."""

import math

import numpy as np
import pytest

from jaxnn.sweeps import parameter_importance


def members(n=60, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        lr = float(10 ** rng.uniform(-4, -1))
        m = {"lr": lr, "seed": int(rng.integers(4)), "optimizer": str(rng.choice(["adam", "sgd"]))}
        # the metric rises with log lr, sgd costs 0.05, the seed does nothing
        m["val_accuracy"] = 0.9 + 0.1 * math.log10(lr) / 3 - 0.05 * (m["optimizer"] == "sgd")
        rows.append(m)
    return rows


def test_the_parameter_that_drives_the_metric_comes_first():
    data = members()
    rows = parameter_importance(data, ["lr", "seed", "optimizer"], "val_accuracy")
    names = [r.name for r in rows]
    assert names[0] == "lr" and set(names) == {"lr", "seed", "optimizer=adam", "optimizer=sgd"}
    by = {r.name: r for r in rows}
    assert math.isclose(sum(r.importance for r in rows), 1.0, rel_tol=1e-9)
    assert by["seed"].importance < 0.1 < by["lr"].importance
    # Pearson's r of the values as they are (as wandb's panel), not of their logarithms
    lr, metric = np.array([m["lr"] for m in data]), np.array([m["val_accuracy"] for m in data])
    assert math.isclose(by["lr"].correlation, np.corrcoef(lr, metric)[0, 1], rel_tol=1e-9)
    assert by["lr"].correlation > 0.3
    # the one-hot columns of two values are mirror images
    assert by["optimizer=sgd"].correlation < 0
    assert math.isclose(by["optimizer=sgd"].correlation, -by["optimizer=adam"].correlation)


def test_pearson_by_hand():
    rows = [{"x": x, "m": m} for x, m in [(1, 2.0), (2, 4.5), (3, 5.5), (4, 8.0)]]
    (row,) = parameter_importance(rows, ["x"], "m")
    x, y = np.array([1, 2, 3, 4.0]), np.array([2.0, 4.5, 5.5, 8.0])
    assert math.isclose(row.correlation, np.corrcoef(x, y)[0, 1], rel_tol=1e-12)


def test_constant_columns_non_finite_metrics_and_too_few_members():
    rows = [{"a": 1.0, "b": i, "m": float(i)} for i in range(5)]
    rows.append({"a": 1.0, "b": 9, "m": float("nan")})  # a diverged member: left out
    rows.append({"a": 1.0, "b": 9, "m": None})
    by = {r.name: r for r in parameter_importance(rows, ["a", "b"], "m")}
    assert by["a"].correlation is None and by["a"].importance == 0.0
    assert math.isclose(by["b"].correlation, 1.0)
    assert parameter_importance(rows[:2], ["b"], "m") == []
    assert parameter_importance(rows, [], "m") == []


def test_without_scikit_learn_importance_is_off_with_one_line(monkeypatch, capsys):
    import jaxnn._util as util

    monkeypatch.setattr(util, "_WARNED", set())
    import sys

    monkeypatch.setitem(sys.modules, "sklearn", None)
    rows = parameter_importance(members(20), ["lr", "seed"], "val_accuracy")
    assert [r.importance for r in rows] == [None, None]
    assert rows[0].name == "lr"  # ordered by |correlation|
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        'jaxnn: parameter importance needs scikit-learn: pip install "jaxnn[demo]" (turned off)'
    ]


def test_seeded_forest_is_reproducible():
    a = parameter_importance(members(), ["lr", "seed"], "val_accuracy", seed=3)
    b = parameter_importance(members(), ["lr", "seed"], "val_accuracy", seed=3)
    assert a == b
    pytest.importorskip("sklearn")

"""Regression on scikit-learn's diabetes: jaxnn's MLP against scikit-learn's Ridge and least
squares, on the same split, in the targets' units (MSE, RMSE, MAE, R^2 of the test split)."""

from __future__ import annotations

import os
import statistics
import time

import numpy as np

from benchmarks._common import Bench

TITLE = "Regression on diabetes: jaxnn's MLP vs scikit-learn's Ridge (same split)"
ORDER = 45

# (label, fit keywords, load_dataset keywords)
_MLPS = [
    (
        "jaxnn, the defaults of `jaxnn train -d diabetes`: 10-128-128-1 tanh, adam 1e-3, batch 32, "
        "30 epochs, z-scored targets",
        {},
        {},
    ),
    (
        "jaxnn, the same without z-scored targets (`--standardize-targets none`, as training "
        "was before targets were z-scored)",
        {},
        {"standardize_targets": "none"},
    ),
    ("jaxnn, 10-32-1, 100 epochs", {"num_layers": 1, "hidden_size": 32, "epochs": 100}, {}),
]


def _linear(raw) -> list[tuple[str, dict, str]]:
    from sklearn.linear_model import LinearRegression, Ridge, RidgeCV

    from jaxnn.training._metrics import regression_metrics

    x_tr, x_te = np.asarray(raw.x_train, np.float64), np.asarray(raw.x_test, np.float64)
    y_tr, y_te = np.asarray(raw.y_train, np.float64)[:, 0], np.asarray(raw.y_test, np.float64)
    mu, sd = x_tr.mean(axis=0), x_tr.std(axis=0)  # the MLP's z-scores: training split only
    out = []
    models = [
        ("scikit-learn Ridge(alpha=1), z-scored inputs", Ridge(alpha=1.0)),
        (
            "scikit-learn RidgeCV (alphas 1e-3..1e3, leave-one-out on the training split)",
            RidgeCV(alphas=np.logspace(-3, 3, 13)),
        ),
        ("scikit-learn LinearRegression (least squares)", LinearRegression()),
    ]
    for label, model in models:
        start = time.perf_counter()
        model.fit((x_tr - mu) / sd, y_tr)
        seconds = time.perf_counter() - start
        metrics = regression_metrics(y_te, model.predict((x_te - mu) / sd))
        note = f"alpha {model.alpha_:g}" if hasattr(model, "alpha_") else ""
        out.append((label, {k: [v] for k, v in {**metrics, "seconds": seconds}.items()}, note))
    return out


def _mlp(fit_kw: dict, data_kw: dict, seeds: list[int], epochs: int | None):
    import jaxnn

    runs: dict[str, list[float]] = {k: [] for k in ("mse", "rmse", "mae", "r2", "seconds")}
    for seed in seeds:
        data = jaxnn.load_dataset("diabetes", **data_kw)
        kw = {**fit_kw, **({"epochs": epochs} if epochs else {})}
        r = jaxnn.fit(data, seed=seed, **kw)
        for k in ("mse", "rmse", "mae", "r2"):
            runs[k].append(getattr(r, f"test_{k}"))
        runs["seconds"].append(r.train_seconds)
    return runs


def _cell(values: list[float], digits: int) -> str:
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return (
        f"{statistics.median(values):.{digits}f} [{min(values):.{digits}f}, "
        f"{max(values):.{digits}f}]"
    )


def run(*, quick: bool = False) -> Bench:
    import jaxnn

    load = os.getloadavg()[0]
    raw = jaxnn.load_dataset("diabetes", standardize="none", standardize_targets="none")
    seeds = [0] if quick else [0, 1, 2, 3, 4]
    rows, data = [], {}
    for label, runs, note in _linear(raw):
        rows.append((label, runs, note))
    for label, fit_kw, data_kw in _MLPS:
        runs = _mlp(fit_kw, data_kw, seeds, 2 if quick else None)
        rows.append((label, runs, f"seeds {seeds[0]}..{seeds[-1]}"))
    lines = [
        "| model | test MSE | test RMSE | test MAE | test R^2 | train s | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, runs, note in rows:
        lines.append(
            f"| {label} | {_cell(runs['mse'], 0)} | {_cell(runs['rmse'], 2)} | "
            f"{_cell(runs['mae'], 2)} | {_cell(runs['r2'], 3)} | {_cell(runs['seconds'], 3)} | "
            f"{note} |"
        )
        data[label] = runs
    ridge = statistics.median(data[rows[0][0]]["mse"])
    default = statistics.median(data[rows[3][0]]["mse"])
    unscaled = statistics.median(data[rows[4][0]]["mse"])
    notes = (
        f"`jaxnn.load_dataset('diabetes')`: 319 train, 35 validation, 88 test rows (the validation "
        f"rows are used by no model here). The linear models see the MLP's inputs (z-scores of "
        f"the training split) and fit the training split; the MLP runs are `jaxnn.fit` with the "
        f"seeds shown, median [min, max]. Metrics in the targets' units (disease progression, "
        f"25..346), from `jaxnn.training._metrics.regression_metrics` for every row. The default "
        f"MLP's median test MSE is {default / ridge:.2f}x Ridge's; without z-scored targets "
        f"(targets of mean 152 and sd 77 for a network initialized to outputs near 0, 30 epochs "
        f"of adam 1e-3) it is {unscaled / ridge:.1f}x. Load average at the start: {load:.2f}."
    )
    return Bench("\n".join(lines), notes, data)


if __name__ == "__main__":
    print(run(quick=True).table)

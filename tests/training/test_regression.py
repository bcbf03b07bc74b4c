"""Regression as a first-class task: the task inferred or given, z-scored targets with statistics
saved in the model, outputs in the targets' units, MSE, RMSE, MAE and R^2 (history, summary,
evaluate), MSE on one-hot labels still there, and refusals of what cannot fit real targets."""

import math

import jax
import numpy as np
import pytest

import jaxnn
from jaxnn import evaluate, fit, load_dataset, load_model, predict, split_dataset
from jaxnn.training._metrics import regression_metrics

TINY = {"epochs": 12, "num_layers": 1, "hidden_size": 16, "batch_size": 16, "learning_rate": 1e-2}


def _diabetes_like(n=300, seed=0):
    """Integer targets 25..346 (as scikit-learn's diabetes), a smooth function of 4 inputs."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    y = np.clip(np.round(150 + 60 * x[:, 0] - 30 * x[:, 1] ** 2 + 10 * x[:, 2]), 25, 346)
    return x, y.astype(np.int64)


@pytest.fixture(scope="module")
def regression(tmp_path_factory):
    x, y = _diabetes_like()
    data = split_dataset(x, y, task="regression")
    path = tmp_path_factory.mktemp("regression") / "r.npz"
    return fit(data, save=path, **TINY), data, x, y, load_model(path)


def test_integer_targets_with_many_values_are_inferred_as_classes_and_said(capsys):
    x, y = _diabetes_like()
    data = split_dataset(x, y)
    assert jaxnn.training._data.is_classification(data)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "read as class labels" in err[0] and "--task regression" in err[0]
    split_dataset(x, y % 3)  # three classes: nothing said
    split_dataset(x, y, task="classification")  # asked for: nothing said
    assert capsys.readouterr().err == ""


def test_task_regression_standardizes_targets_and_saves_their_statistics(regression):
    result, data, x, y, model = regression
    assert result.config.sizes[-1] == 1 and result.config.output == "linear"
    assert result.config.loss == "mse"  # the loss follows the task
    np.testing.assert_allclose(data.y_train.mean(), 0, atol=1e-5)
    np.testing.assert_allclose(data.y_train.std(), 1, atol=1e-5)
    t = model.target_preprocessing
    assert t.kind == "zscore" and t == data.target_preprocessing
    assert model.data["task"] == "regression"
    # outputs in the targets' own units
    p = np.asarray(predict(model, x))
    assert p.shape == (len(x), 1) and 25 <= np.median(p) <= 346


def test_test_metrics_are_the_models_metrics_in_original_units(regression):
    result, data, x, y, model = regression
    ev = evaluate(model, data)
    assert ev.loss == result.test_loss
    for k in ("mse", "rmse", "mae", "r2"):
        assert getattr(ev, k) == pytest.approx(getattr(result, f"test_{k}"), rel=1e-9)
    assert result.test_rmse == pytest.approx(math.sqrt(result.test_mse), rel=1e-12)
    # from raw arrays the same, up to float32 rounding of the scaled targets
    raw = split_dataset(x, y, task="regression", standardize="none", standardize_targets="none")
    ev_raw = evaluate(model, raw.x_test, raw.y_test)
    assert ev_raw.rmse == pytest.approx(ev.rmse, rel=1e-5)
    assert ev_raw.r2 == pytest.approx(ev.r2, rel=1e-5)
    direct = regression_metrics(raw.y_test, np.asarray(predict(model, raw.x_test)))
    assert direct["mae"] == pytest.approx(ev_raw.mae, rel=1e-9)
    assert result.test_r2 > 0.5  # it learned


def test_history_rmse_mae_and_r2_are_the_validation_splits_in_the_targets_units(regression):
    result, data, x, y, model = regression
    h = result.history
    assert len(h["val_rmse"]) == len(h["val_mae"]) == len(h["val_r2"]) == TINY["epochs"]
    scale = float(data.target_preprocessing.scale[0])
    variance = float(np.var(np.asarray(data.y_val, np.float64)))
    # one output with the mse loss: the loss is the mean squared error of the z-scored targets
    for loss, rmse, mae, r2 in zip(h["val_loss"], h["val_rmse"], h["val_mae"], h["val_r2"]):
        assert rmse == pytest.approx(scale * math.sqrt(loss), rel=1e-6)
        assert r2 == pytest.approx(1 - loss / variance, rel=1e-5)
        assert 0 < mae <= rmse  # the mean absolute error is at most the root mean square
    val = evaluate(model, data, split="val")  # the last epoch's, measured directly
    for k in ("rmse", "mae", "r2"):
        assert getattr(val, k) == pytest.approx(h[f"val_{k}"][-1], rel=1e-5)


def test_regression_history_of_several_outputs_in_their_own_units():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 3))
    y = np.stack([x[:, 0] * 40 + 100, x[:, 1] - 3 * x[:, 2]], axis=1)  # two columns, two scales
    data = split_dataset(x, y, task="regression")
    r = fit(data, **{**TINY, "epochs": 3})
    assert {"val_rmse", "val_mae", "val_r2"} <= set(r.history)
    raw_val = data.target_preprocessing.invert(data.y_val)
    ev = evaluate(r, data, split="val")
    direct = regression_metrics(np.asarray(raw_val), np.asarray(predict(r, data.x_val)))
    for k in ("rmse", "mae", "r2"):
        assert r.history[f"val_{k}"][-1] == pytest.approx(direct[k], rel=1e-5)
        assert getattr(ev, k) == pytest.approx(direct[k], rel=1e-5)
    assert r.test_mae == pytest.approx(evaluate(r, data).mae, rel=1e-12)


def test_regression_metrics_are_scikit_learns():
    sklearn = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    t, p = rng.normal(size=(50, 2)), rng.normal(size=(50, 2))
    m = regression_metrics(t, p)
    assert m["mse"] == pytest.approx(sklearn.mean_squared_error(t, p), rel=1e-12)
    assert m["rmse"] == pytest.approx(sklearn.root_mean_squared_error(t, p), rel=1e-12)
    assert m["mae"] == pytest.approx(sklearn.mean_absolute_error(t, p), rel=1e-12)
    assert m["r2"] == pytest.approx(sklearn.r2_score(t, p), rel=1e-12)


def test_standardize_targets_none_trains_on_raw_targets():
    data = load_dataset("sine", standardize_targets="none")
    assert data.target_preprocessing.kind == "none"
    r = fit(data, **TINY)
    assert r.model.target_preprocessing.kind == "none"
    assert r.test_rmse == pytest.approx(math.sqrt(r.test_loss), rel=1e-5)  # same units


def test_mse_on_one_hot_labels_stays_a_classifier():
    r = fit("xor", loss="mse", **TINY)
    assert r.config.output == "softmax" and r.config.sizes[-1] == 2
    assert r.confusion_matrix is not None and math.isnan(r.test_rmse)
    assert r.test_accuracy > 0.9


@pytest.mark.parametrize(
    "settings, match",
    [
        ({"loss": "cross_entropy"}, "loss cross_entropy fits class labels"),
        ({"output": "softmax"}, "output softmax makes outputs that sum to 1"),
        ({"output": "sigmoid"}, "output sigmoid lies in \\(0, 1\\), z-scored targets do not"),
    ],
)
def test_what_cannot_fit_real_targets_is_refused(settings, match):
    with pytest.raises(ValueError, match=match):
        fit("sine", **{**TINY, "epochs": 1}, **settings)


def test_the_task_given_must_be_the_datasets():
    data = load_dataset("xor")
    with pytest.raises(ValueError, match="task regression, but the data hold class labels"):
        fit(data, task="regression", **TINY)
    with pytest.raises(ValueError, match="task classification needs class labels 0..k-1"):
        split_dataset(np.ones((10, 2)), np.linspace(0, 1, 10), task="classification")


def test_regression_model_round_trip_keeps_outputs(regression, tmp_path):
    result, data, x, y, model = regression
    np.testing.assert_array_equal(np.asarray(predict(model, x)), np.asarray(predict(result, x)))
    jitted = jax.jit(lambda a: predict(model, a))(x)
    np.testing.assert_allclose(np.asarray(jitted), np.asarray(predict(model, x)), rtol=1e-5)


@pytest.mark.slow
def test_the_regression_benchmark_runs(monkeypatch):
    pytest.importorskip("sklearn")
    import os

    monkeypatch.syspath_prepend(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    from benchmarks.regression_vs_ridge import run

    bench = run(quick=True)
    assert bench.table.count("\n| ") == 6 and "Ridge(alpha=1)" in bench.table
    ridge = bench.data["scikit-learn Ridge(alpha=1), z-scored inputs"]
    assert 0.4 < ridge["r2"][0] < 0.6  # diabetes' known linear fit

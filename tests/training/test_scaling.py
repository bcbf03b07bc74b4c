"""One rule for scaling: a Dataset holds network data, a model takes raw data, nothing is scaled
twice. Every path that gives a trained model data (predict and evaluate on raw arrays, on a
Dataset, on its split arrays however copied, under jit, after save and load) is checked against the
training run's own test accuracy; a Dataset scaled with other statistics is refused in one line."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnn
from jaxnn import Preprocessing, evaluate, fit, load_model, predict, split_dataset

TINY = {"epochs": 4, "num_layers": 1, "hidden_size": 16, "batch_size": 16, "learning_rate": 1e-2}


def _raw(n=300, seed=0):
    # inputs far from zero mean and unit scale: scaling twice moves them far off
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 3).astype(np.int64)
    x = rng.normal(50.0, 10.0, size=(n, 6)) + 12.0 * y[:, None]
    return x, y


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    x, y = _raw()
    data = split_dataset(x, y, seed=0)
    raw = split_dataset(x, y, seed=0, standardize="none")  # the same rows, unscaled
    path = tmp_path_factory.mktemp("scaling") / "m.npz"
    result = fit(data, save=path, **TINY)
    assert result.test_accuracy > 0.8  # trained: wrong scaling would show
    return result, data, raw, load_model(path)


def _accuracy(p, y):
    return float(np.mean(np.argmax(np.asarray(p), axis=1) == np.asarray(y)))


def test_every_path_gives_the_training_runs_test_accuracy(trained):
    result, data, raw, model = trained
    expected = result.test_accuracy
    y = data.y_test
    device = jax.device_put(data)
    for who in (result, model):
        paths = {
            "raw arrays": raw.x_test,
            "the Dataset": data,
            "its split array": data.x_test,
            "np.asarray": np.asarray(data.x_test),
            "np.array copy": np.array(data.x_test),
            "float64 copy": data.x_test.astype(np.float64),
            "jnp.asarray": jnp.asarray(data.x_test),
            "a device_put Dataset": device,
            "its device array": device.x_test,
        }
        for name, x in paths.items():
            got = _accuracy(predict(who, x), y)
            assert got == pytest.approx(expected, abs=1e-6), name
        jitted = jax.jit(lambda a, who=who: predict(who, a))(raw.x_test)  # traced: raw
        assert _accuracy(jitted, y) == pytest.approx(expected, abs=1e-6)


def test_slices_of_split_arrays_are_network_inputs_too(trained):
    result, data, raw, _ = trained
    rows = np.flatnonzero(data.y_test == 1)
    whole = np.asarray(predict(result, raw.x_test))
    for x in (data.x_test[rows], jnp.asarray(data.x_test)[rows], data.x_test[:5]):
        n = len(x)
        want = whole[rows] if n == len(rows) else whole[:n]
        np.testing.assert_allclose(np.asarray(predict(result, x)), want, rtol=1e-6, atol=1e-7)


def test_evaluate_on_every_path_equals_training(trained):
    result, data, raw, model = trained
    for who in (result, model):
        for ev in (
            evaluate(who, data),
            evaluate(who, data.x_test, data.y_test),
            evaluate(who, raw.x_test, raw.y_test),
            evaluate(who, jax.device_put(data)),
        ):
            assert ev.samples == len(data.x_test)
            assert ev.accuracy == pytest.approx(result.test_accuracy, abs=1e-6)
            assert ev.loss == pytest.approx(result.test_loss, rel=1e-5)
            np.testing.assert_array_equal(ev.confusion_matrix, result.confusion_matrix)
    exact = evaluate(model, data)  # the very arrays training evaluated: bitwise its numbers
    assert exact.loss == result.test_loss and exact.accuracy == result.test_accuracy
    low = evaluate(model.config, model.params, data.x_test, data.y_test)  # network data
    assert float(low[0]) == pytest.approx(result.test_loss, rel=1e-6)
    val = evaluate(model, data, split="val")
    assert val.accuracy == pytest.approx(result.history["val_accuracy"][-1], abs=1e-6)


def test_a_dataset_scaled_with_other_statistics_is_refused(trained):
    result, data, raw, _ = trained
    other = split_dataset(*_raw(), seed=0, standardize="minmax")
    with pytest.raises(ValueError, match=r"^the Dataset's inputs were scaled by .*minmax.*model's"):
        predict(result, other)
    with pytest.raises(ValueError, match="other statistics"):
        evaluate(result, other)
    # its arrays are not the model's network inputs: read as raw, as the rule says
    assert _accuracy(predict(result, raw.x_test), data.y_test) > 0.8


def test_a_hand_built_dataset_is_read_by_its_rows(trained):
    result, data, raw, _ = trained
    scaled = jaxnn.Dataset(*tuple(data))  # no preprocessing: its rows say what they are
    unscaled = jaxnn.Dataset(*tuple(raw))
    for d in (scaled, unscaled):
        assert _accuracy(predict(result, d), data.y_test) == pytest.approx(result.test_accuracy)


def test_preprocessing_apply_names_a_width_mismatch():
    pre = Preprocessing.from_training(np.random.default_rng(0).normal(size=(20, 5)), "zscore")
    with pytest.raises(ValueError, match="x has 4 features, the preprocessing has statistics of 5"):
        pre.apply(np.ones((3, 4)))


def test_an_array_mixing_scaled_and_raw_rows_is_refused(trained):
    # some rows a Dataset handed out scaled, some raw: either reading scales some rows wrongly
    result, data, raw, _ = trained
    mixed = np.concatenate([np.asarray(data.x_test[:3]), np.asarray(raw.x_test[3:6])])
    with pytest.raises(ValueError, match=r"x: 3 of 6 rows are rows a Dataset handed out"):
        predict(result, mixed)

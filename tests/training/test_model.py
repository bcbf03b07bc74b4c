"""Models out: save, load with nothing but the file, predict on raw inputs; dtypes end to end;
make_hparams under jit and vmap; custom activations and losses trained through fit, train, sweep."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import run_python

import jaxnn
from jaxnn import (
    LOSSES,
    Loss,
    Model,
    fit,
    load_checkpoint,
    load_model,
    make_activation,
    make_config,
    make_hparams,
    predict,
    split_dataset,
)
from jaxnn.training._model import model_inputs

TINY = {"epochs": 3, "num_layers": 1, "hidden_size": 8, "batch_size": 16, "learning_rate": 1e-2}


def _arrays(n=200, features=5, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % classes).astype(np.int64)
    x = rng.normal(3.0, 2.0, size=(n, features)) + 2 * y[:, None]
    return x, y


def test_saved_model_needs_only_the_file_and_takes_raw_inputs(tmp_path):
    x, y = _arrays()
    data = split_dataset(x, y)
    result = fit(data, save=tmp_path / "m.npz", **TINY)
    model = load_model(tmp_path / "m.npz")
    assert isinstance(model, Model) and model.config == result.config
    assert model.preprocessing == data.preprocessing and model.preprocessing.kind == "zscore"
    for a, b in zip(jax.tree.leaves(model.params), jax.tree.leaves(result.params)):
        np.testing.assert_array_equal(a, b)
    # raw inputs, scaled with the saved statistics: exactly the outputs on the scaled inputs
    raw_test = split_dataset(x, y, standardize="none").x_test
    np.testing.assert_array_equal(model_inputs(model, raw_test), data.x_test)  # bitwise
    p = np.asarray(predict(model, raw_test))
    jitted = jax.jit(predict, static_argnums=0)(model.config, model.params, data.x_test)
    np.testing.assert_array_equal(p, np.asarray(jitted))
    eager = np.asarray(predict(model.config, model.params, data.x_test))
    np.testing.assert_allclose(p, eager, rtol=1e-5, atol=1e-7)  # XLA may fuse other kernels
    np.testing.assert_allclose(p.sum(axis=1), 1, atol=1e-6)
    accuracy = np.mean(np.argmax(p, axis=1) == data.y_test)
    assert accuracy == pytest.approx(result.test_accuracy, abs=1e-7)
    np.testing.assert_array_equal(np.asarray(predict(result, raw_test)), p)  # a FitResult too
    np.testing.assert_array_equal(np.asarray(predict(result.model, raw_test)), p)
    assert model.data["data_seed"] == 0 and model.data["standardize"] == "auto"
    ck = load_checkpoint(tmp_path / "m.npz")  # no config needed: the file holds it
    assert ck.config == result.config and ck.preprocessing == data.preprocessing


def test_regression_model_predicts_outputs(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, size=(300, 1))
    y = np.sin(x)
    r = fit((x, y), loss="mse", save=tmp_path / "r.npz", **{**TINY, "epochs": 10})
    model = load_model(tmp_path / "r.npz")
    out = np.asarray(predict(model, x[:7]))
    assert out.shape == (7, 1) and r.config.output == "linear"
    assert np.mean((out - y[:7]) ** 2) < 0.5


def test_predict_refuses_inputs_of_another_width():
    x, y = _arrays()
    r = fit((x, y), **TINY)
    with pytest.raises(
        ValueError, match=r"x has 4 features, the model takes 5 \(sizes 5 -> 8 -> 3\)"
    ):
        predict(r, x[:, :4])
    with pytest.raises(ValueError, match=r"x must be \(samples, 5\)"):
        predict(r, x[0])
    with pytest.raises(TypeError, match="predict and evaluate take a model"):
        predict(object(), x)
    with pytest.raises(TypeError, match="takes the inputs x as third argument"):
        predict(r.config, r.params)


def test_corrupt_or_other_structure_model_files_are_named(tmp_path):
    x, y = _arrays()
    fit((x, y), save=tmp_path / "m.npz", **TINY)
    raw = (tmp_path / "m.npz").read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match=rf"^{cut}: not a jaxnn checkpoint"):
        load_model(cut)
    # another structure: a model whose file says 16 hidden units but holds 8
    fit((x, y), save=tmp_path / "other.npz", **{**TINY, "hidden_size": 16})
    import io
    import json

    with np.load(tmp_path / "m.npz") as z:
        arrays = {k: z[k] for k in z.files}
    with np.load(tmp_path / "other.npz") as z:
        arrays["__jaxnn_meta__"] = z["__jaxnn_meta__"]
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    mixed = tmp_path / "mixed.npz"
    mixed.write_bytes(buf.getvalue())
    with pytest.raises(ValueError, match=rf"^{mixed}: params\[0\].W: shape \(8, 5\) in checkpoint"):
        load_model(mixed)
    meta = json.loads(bytes(arrays["__jaxnn_meta__"]).decode())
    meta["version"] = 99
    arrays["__jaxnn_meta__"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    np.savez(tmp_path / "v99.npz", **arrays)
    with pytest.raises(ValueError, match="checkpoint version 99, expected one of 1, 2"):
        load_model(tmp_path / "v99.npz")


# --- custom activations and losses ---

SOFTSIGN = make_activation(
    lambda a: a / (1 + jnp.abs(a)), lambda a: 1 / (1 + jnp.abs(a)) ** 2, name="softsign"
)


def test_custom_activation_trains_through_fit_and_loads_when_passed(tmp_path):
    x, y = _arrays()
    r = fit((x, y), activation=SOFTSIGN, save=tmp_path / "m.npz", **{**TINY, "epochs": 8})
    assert r.history["train_loss"][-1] < r.history["train_loss"][0]
    assert r.test_accuracy > 0.6  # three classes: chance is 1/3
    with pytest.raises(
        ValueError, match=r"custom activation 'softsign'.*load_model\(path, activation=\.\.\.\)"
    ):
        load_model(tmp_path / "m.npz")
    model = load_model(tmp_path / "m.npz", activation=SOFTSIGN)
    np.testing.assert_array_equal(np.asarray(predict(model, x)), np.asarray(predict(r, x)))


def test_custom_activation_trains_through_train_and_sweep():
    data = split_dataset(*_arrays())
    config = make_config((5, 8, 3), activation=SOFTSIGN, epochs=8, batch_size=16)
    state, metrics = jax.jit(jaxnn.train, static_argnums=0)(
        config, make_hparams(learning_rate=1e-2), jax.random.PRNGKey(0), data
    )
    assert metrics.val_accuracy[-1] > 0.6
    sw = jaxnn.sweep(config, [{"learning_rate": 1e-2, "seed": s} for s in (0, 1)], data)
    assert np.all(sw.val_accuracy > 0.6) and not sw.diverged.any()
    assert sw.val_accuracy[0] == pytest.approx(float(metrics.val_accuracy[-1]), abs=0.02)


def _squared_hinge():
    """A multiclass squared hinge loss on the logits, with its gradient w.r.t. a_L."""

    def margins(a_L, y):
        e = jax.nn.one_hot(y, a_L.shape[-1], dtype=a_L.dtype)
        correct = jnp.sum(a_L * e, axis=-1, keepdims=True)
        return jnp.maximum(0, 1 + a_L - correct) * (1 - e), e

    def value(a_L, y, output):
        m, _ = margins(a_L, y)
        return jnp.sum(m**2, axis=-1)

    def grad(a_L, y_hat, y, output):
        m, e = margins(a_L, y)
        g = 2 * m
        return g - e * jnp.sum(g, axis=-1, keepdims=True)

    return Loss("squared_hinge", ("softmax",), "classes", value, grad)


def test_a_new_loss_is_one_entry_and_trains_from_fit_and_the_sweep(monkeypatch):
    monkeypatch.setitem(LOSSES, "squared_hinge", _squared_hinge())  # the one place
    x, y = _arrays()
    r = fit((x, y), loss="squared_hinge", **{**TINY, "epochs": 8})
    assert r.config.loss == "squared_hinge"
    assert r.history["train_loss"][-1] < r.history["train_loss"][0] and r.test_accuracy > 0.6
    data = split_dataset(x, y)
    config = make_config((5, 8, 3), loss="squared_hinge", epochs=8, batch_size=16)
    sw = jaxnn.sweep(config, [{"learning_rate": lr} for lr in (1e-2, 3e-2)], data)
    assert np.all(sw.val_accuracy > 0.5) and not sw.diverged.any()
    # explicit backprop and jax.grad agree on the entry's gradient
    auto = fit((x, y), loss="squared_hinge", grad="autodiff", **{**TINY, "epochs": 8})
    for a, b in zip(jax.tree.leaves(r.params), jax.tree.leaves(auto.params)):
        np.testing.assert_allclose(a, b, atol=1e-4)


def test_a_loss_value_trains_without_a_registry_entry():
    r = fit(_arrays(), loss=_squared_hinge(), **{**TINY, "epochs": 8})
    assert r.test_accuracy > 0.6


# --- make_hparams under jit and vmap ---


def test_make_hparams_under_jit_and_vmap_checks_only_concrete_values():
    lrs = jnp.array([1e-3, 1e-2, 1e-1])
    h = jax.vmap(lambda lr: make_hparams(learning_rate=lr))(lrs)
    np.testing.assert_allclose(h.learning_rate, lrs)
    assert h.momentum.shape == (3,) and h.momentum.dtype == jnp.float32
    jitted = jax.jit(lambda lr, m: make_hparams(learning_rate=lr, momentum=m))(0.5, 0.2)
    assert float(jitted.learning_rate) == 0.5 and float(jitted.momentum) == pytest.approx(0.2)
    both = jax.jit(jax.vmap(lambda lr: make_hparams(lr, weight_decay=0.1)))(lrs)
    assert both.weight_decay.shape == (3,)
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        make_hparams(learning_rate=-1.0)  # a concrete bad value is still refused
    with pytest.raises(ValueError, match="momentum must be in"):
        jax.jit(lambda lr: make_hparams(learning_rate=lr, momentum=2.0))(0.1)


# --- dtypes ---


def test_float64_without_64_bit_jax_is_refused():
    assert not jax.config.jax_enable_x64
    with pytest.raises(ValueError, match=r"dtype float64 needs 64-bit JAX.*jax_enable_x64"):
        fit(_arrays(), dtype="float64", **TINY)


def test_bfloat16_params_moments_and_data():
    r = fit(_arrays(), dtype="bfloat16", **{**TINY, "epochs": 6})
    assert {str(p.dtype) for p in jax.tree.leaves(r.params)} == {"bfloat16"}
    mu = r.state.opt_state.m
    assert {str(p.dtype) for p in jax.tree.leaves(mu)} == {"bfloat16"}
    hyper = r.state.opt_state.hyperparams  # float32: bfloat16 rounds beta2 = 0.999 to 1
    assert hyper["beta2"].dtype == jnp.float32
    assert r.test_accuracy > 0.5
    d = jaxnn.load_dataset("xor", dtype="bfloat16")
    assert d.x_train.dtype == jnp.bfloat16


FLOAT64 = """
import jax
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp, numpy as np, jaxnn
rng = np.random.default_rng(0)
y = np.arange(200) % 3
x = rng.normal(size=(200, 5)) + 2 * y[:, None]
r = jaxnn.fit((x, y), save="m.npz", epochs=3, num_layers=1, hidden_size=8, batch_size=16)
floats = [l for l in jax.tree.leaves(r.state) if jnp.issubdtype(l.dtype, jnp.floating)]
assert r.config.dtype == "float64", r.config.dtype  # float64 arrays under x64: float64
assert {str(l.dtype) for l in floats} == {"float64"}, {str(l.dtype) for l in floats}
assert r.preprocessing.shift.dtype == np.float64
m = jaxnn.load_model("m.npz")
p = jaxnn.predict(m, x)
assert p.dtype == jnp.float64 and m.config.dtype == "float64"
np.testing.assert_array_equal(np.asarray(p), np.asarray(jaxnn.predict(r, x)))
d = jaxnn.load_dataset("digits", dtype="float64")
assert d.x_train.dtype == np.float64
f32 = jaxnn.fit((x, y), dtype="float32", epochs=1, num_layers=1, hidden_size=8, batch_size=16)
assert {str(l.dtype) for l in jax.tree.leaves(f32.params)} == {"float32"}
print("ok")
"""


@pytest.mark.slow
def test_float64_end_to_end(tmp_path):
    out = run_python(FLOAT64, tmp_path)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-3000:]


def test_float64_on_a_backend_without_it_is_refused(monkeypatch):
    from jaxnn.training import _precision

    monkeypatch.setattr(_precision, "backend_has_float64", lambda backend=None: False)
    with pytest.raises(ValueError, match=r"dtype float64 with --grad explicit.*has no float64"):
        _precision.check_dtype("float64", grad="explicit")

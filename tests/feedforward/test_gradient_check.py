"""check_gradients: explicit backprop against jax.grad and finite differences, per layer."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import PAIRS

from jaxnn import (
    ACTIVATIONS,
    Dense,
    LayerGradientCheck,
    check_gradients,
    init_mlp,
    loss_fn,
    make_activation,
)


def _problem(sizes=(4, 6, 5, 3), batch=7, loss="cross_entropy", seed=0):
    rng = np.random.default_rng(seed)
    params = init_mlp(jax.random.key(seed), sizes)
    params = tuple(
        Dense(W, jnp.asarray(rng.normal(size=b.shape) * 0.1, b.dtype)) for W, b in params
    )
    x = rng.normal(size=(batch, sizes[0])).astype(np.float32)
    k = sizes[-1]
    if loss == "cross_entropy":
        y = rng.integers(0, k, size=batch)
    elif loss == "binary_cross_entropy":
        y = rng.integers(0, 2, size=(batch, k)).astype(np.float32)
    else:
        y = rng.normal(size=(batch, k)).astype(np.float32)
    return params, x, y


CASES = [("tanh", o, loss) for o, loss in PAIRS] + [
    (a, "softmax", "cross_entropy") for a in ACTIVATIONS if a != "tanh"
]


@pytest.mark.parametrize("activation,output,loss", CASES)
def test_every_activation_and_pair_passes(activation, output, loss):
    params, x, y = _problem(loss=loss)
    records = check_gradients(params, x, y, activation=activation, output=output, loss=loss)
    assert [r.layer for r in records] == [1, 2, 3]
    assert [r.shape for r in records] == [(6, 4), (5, 6), (3, 5)]
    for r in records:
        assert isinstance(r, LayerGradientCheck)
        assert r.ok, r
        assert r.autodiff_max_rel <= 1e-12
        assert r.fd_max_rel <= 1e-6
        assert r.fd_entries == r.shape[0] * r.shape[1] + r.shape[0]  # all entries: small layers


def test_a_wrong_derivative_is_caught_in_the_hidden_layers_only():
    wrong = make_activation(jnp.tanh, lambda a: 1 - jnp.tanh(a), name="bad_tanh")
    params, x, y = _problem()
    records = check_gradients(params, x, y, activation=wrong)
    assert [r.ok for r in records] == [False, False, True]
    assert records[0].autodiff_max_rel > 1e-3 and records[0].fd_max_rel > 1e-3
    # the right derivative passes
    right = make_activation(jnp.tanh, lambda a: 1 - jnp.tanh(a) ** 2, name="tanh")
    assert all(r.ok for r in check_gradients(params, x, y, activation=right))


def test_a_users_gradient_function():
    params, x, y = _problem()
    kw = {"activation": "sigmoid", "output": "softmax", "loss": "cross_entropy"}

    def good(p, x, y):
        return jax.grad(loss_fn)(p, x, y, **kw)

    def doubled(p, x, y):
        return jax.tree.map(lambda g: 2 * g, good(p, x, y))

    assert all(r.ok for r in check_gradients(params, x, y, grad_fn=good, **kw))
    records = check_gradients(params, x, y, grad_fn=doubled, **kw)
    for r in records:
        assert not r.ok
        np.testing.assert_allclose(r.autodiff_max_rel, 1.0, rtol=1e-9)  # |2g - g| / |g|
    with pytest.raises(ValueError, match="grad_fn must return the structure of params"):
        check_gradients(params, x, y, grad_fn=lambda p, x, y: p[0], **kw)


def test_finite_difference_entries_are_capped_and_deterministic():
    params, x, y = _problem(sizes=(30, 20, 3))
    a = check_gradients(params, x, y, activation="tanh", max_fd_entries=50, seed=3)
    assert [r.fd_entries for r in a] == [50, 50]
    b = check_gradients(params, x, y, activation="tanh", max_fd_entries=50, seed=3)
    assert a == b
    full = check_gradients(params, x, y, activation="tanh", max_fd_entries=None)
    assert [r.fd_entries for r in full] == [20 * 30 + 20, 3 * 20 + 3]
    assert all(r.ok for r in full)


def test_float32_params_are_checked_in_float64():
    params, x, y = _problem()
    assert params[0].W.dtype == jnp.float32
    records = check_gradients(params, x, y)
    # float32 rounding would leave relative errors near 1e-7; float64 gives ~1e-16
    assert max(r.autodiff_max_rel for r in records) < 1e-12
    assert not jax.config.jax_enable_x64  # the float64 context does not leak


@pytest.mark.parametrize(
    "change,error,match",
    [
        ({"x": np.full((7, 4), np.nan)}, ValueError, "x contains 28 NaN or infinite"),
        ({"x": np.ones(4)}, ValueError, r"x must be 2-D \(samples, features\), got shape \(4,\)"),
        ({"x": np.ones((7, 5))}, ValueError, "x has 5 features, expected 4"),
        ({"x": np.ones((0, 4))}, ValueError, "at least one sample"),
        ({"y": np.array([0, 1, 2, 3, 9, 0, 0])}, ValueError, r"label\(s\) \[3, 9\] outside"),
        ({"y": np.zeros((6,), int)}, ValueError, r"x has 7 samples, y has shape \(6,\)"),
        ({"eps": 0.0}, ValueError, "eps must be > 0"),
        ({"max_fd_entries": 0}, ValueError, "max_fd_entries must be >= 1 or None"),
        ({"max_fd_entries": 2.5}, TypeError, "max_fd_entries must be an integer or None"),
        ({"activation": "swish"}, ValueError, "unknown activation 'swish'; valid: identity"),
        ({"output": "tanh"}, ValueError, "unknown output 'tanh'"),
        ({"loss": "hinge"}, ValueError, "unknown loss 'hinge'"),
        ({"x": np.ones((7, 4), complex)}, TypeError, "x must be a real numeric array"),
    ],
)
def test_bad_input(change, error, match):
    params, x, y = _problem()
    kw = {"x": x, "y": y, **change}
    with pytest.raises(error, match=match):
        check_gradients(params, kw.pop("x"), kw.pop("y"), **kw)


def test_nan_in_params_is_refused():
    params, x, y = _problem()
    bad = (Dense(params[0].W.at[0, 0].set(jnp.nan), params[0].b), *params[1:])
    with pytest.raises(ValueError, match=r"params\[0\].W contains 1 NaN"):
        check_gradients(bad, x, y)

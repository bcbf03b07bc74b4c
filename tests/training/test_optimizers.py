"""The course's optimizers: each update rule by hand, traced hyperparameters, L2 on W only."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxnn import OPTIMIZERS, Dense, load_dataset, make_config, make_hparams, make_optimizer, train
from jaxnn.training._optimizers import HYPERPARAMETERS

HP = dict(
    learning_rate=0.1, momentum=0.9, beta=0.8, beta1=0.9, beta2=0.99, eps=1e-3, weight_decay=0.0
)


def _params():
    return (Dense(jnp.float32([[1.0, -2.0]]), jnp.float32([0.5])),)


def _grads():
    return (Dense(jnp.float32([[0.3, -0.4]]), jnp.float32([0.2])),)


def _run(name, steps, **overrides):
    opt = make_optimizer(name)(**{**HP, **overrides})
    params, grads = _params(), _grads()
    state = opt.init(params)
    updates = []
    for _ in range(steps):
        u, state = jax.jit(opt.update)(grads, state, params)
        updates.append(np.asarray(u[0].W))
    return updates, state


def test_names_are_the_courses():
    assert OPTIMIZERS == ("sgd", "momentum", "nag", "rmsprop", "adagrad", "adam", "nadam")
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'; valid: sgd, momentum"):
        make_optimizer("lbfgs")


def test_sgd_is_minus_eta_g():
    (u,), _ = _run("sgd", 1)
    np.testing.assert_allclose(u, -0.1 * np.float32([[0.3, -0.4]]), rtol=1e-6)


def test_momentum_accumulates_history():
    g = np.float32([[0.3, -0.4]])
    u1, u2 = _run("momentum", 2)[0]
    np.testing.assert_allclose(u1, -0.1 * g, rtol=1e-6)
    np.testing.assert_allclose(u2, -0.1 * (0.9 * g + g), rtol=1e-6)


def test_nag_looks_ahead():
    g = np.float32([[0.3, -0.4]])
    (u1,), _ = _run("nag", 1)
    # u = mu*u_prev + g = g, step = eta * (g + mu * u)
    np.testing.assert_allclose(u1, -0.1 * (g + 0.9 * g), rtol=1e-6)


def test_rmsprop_and_adagrad_scale_by_history():
    g = np.float32([[0.3, -0.4]])
    u1, u2 = _run("rmsprop", 2)[0]
    v1 = 0.2 * g**2
    v2 = 0.8 * v1 + 0.2 * g**2
    np.testing.assert_allclose(u1, -0.1 * g / np.sqrt(v1 + 1e-3), rtol=1e-5)
    np.testing.assert_allclose(u2, -0.1 * g / np.sqrt(v2 + 1e-3), rtol=1e-5)
    a1, a2 = _run("adagrad", 2)[0]
    np.testing.assert_allclose(a1, -0.1 * g / np.sqrt(g**2 + 1e-3), rtol=1e-5)
    np.testing.assert_allclose(a2, -0.1 * g / np.sqrt(2 * g**2 + 1e-3), rtol=1e-5)


def test_adam_first_step_is_eta_sign_like():
    g = np.float32([[0.3, -0.4]])
    (u1,), _ = _run("adam", 1)
    # bias-corrected m = g, v = g^2 after one step
    np.testing.assert_allclose(u1, -0.1 * g / (np.abs(g) + 1e-3), rtol=1e-5)
    ref = optax.adam(0.1, b1=0.9, b2=0.99, eps=1e-3)
    for name, reference in (("adam", ref), ("nadam", optax.nadam(0.1, 0.9, 0.99, 1e-3))):
        ours, _ = _run(name, 3)
        state = reference.init(_params())
        for step in range(3):
            u, state = reference.update(_grads(), state, _params())
            np.testing.assert_allclose(ours[step], u[0].W, rtol=1e-6)


def test_weight_decay_is_l2_on_weights_not_biases():
    opt = make_optimizer("sgd")(**{**HP, "weight_decay": 0.5})
    params = _params()
    zero = jax.tree.map(jnp.zeros_like, params)
    u, _ = opt.update(zero, opt.init(params), params)
    np.testing.assert_allclose(u[0].W, -0.1 * 0.5 * params[0].W, rtol=1e-6)
    np.testing.assert_array_equal(u[0].b, np.zeros(1, np.float32))


def test_hyperparameters_live_in_the_state_as_arrays():
    _, state = _run("adam", 1)
    assert set(state.hyperparams) == set(HYPERPARAMETERS)
    assert state.hyperparams["learning_rate"].dtype == jnp.float32
    opt = make_optimizer("adam")(**HP)
    s = opt.init(_params())
    s.hyperparams["learning_rate"] = jnp.float32(0.2)
    u, _ = opt.update(_grads(), s, _params())
    (u_ref,), _ = _run("adam", 1, learning_rate=0.2)
    np.testing.assert_allclose(u[0].W, u_ref, rtol=1e-6)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_trains_xor(name):
    data = jax.device_put(load_dataset("xor"))
    lr = {"sgd": 0.3, "momentum": 0.05, "nag": 0.05, "adagrad": 0.1}.get(name, 0.01)
    config = make_config((2, 8, 2), optimizer=name, epochs=15)
    _, m = jax.jit(train, static_argnums=0)(
        config, make_hparams(learning_rate=lr), jax.random.PRNGKey(0), data
    )
    assert m.train_loss[-1] < 0.5 * m.train_loss[0], name
    assert m.val_accuracy[-1] > 0.9, name

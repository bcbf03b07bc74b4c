"""Gradient descent over any params pytree (Algorithm 4) and the Taylor argument of notes 3.3."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxnn import (
    Dense,
    GradientDescentResult,
    backprop,
    forward,
    gradient_descent,
    init_mlp,
    loss_fn,
)
from jaxnn.sigmoid._gradient_descent import _descend


def _data(seed=0, sizes=(4, 8, 3), batch=16):
    rng = np.random.default_rng(seed)
    x = jnp.asarray(rng.normal(size=(batch, sizes[0])), jnp.float32)
    y = jnp.asarray(rng.integers(0, sizes[-1], size=batch))
    return init_mlp(jax.random.key(seed), sizes), x, y


def mlp_loss(params, x, y):
    return loss_fn(params, x, y, activation="tanh")


def mlp_grads(params, x, y):
    _, cache = forward(params, x, activation="tanh")
    return backprop(params, cache, y, activation="tanh")


# jitted once for the module: the loops below call them eagerly, step by step
_value_and_grad = jax.jit(jax.value_and_grad(mlp_loss))
_loss = jax.jit(mlp_loss)
_grads = jax.jit(mlp_grads)


def quadratic(theta, c):
    return 0.5 * sum(jnp.sum((t - ci) ** 2) for t, ci in zip(theta.values(), c.values()))


def test_closed_form_on_a_quadratic_over_a_dict_pytree():
    # L = 1/2 ||theta - c||^2: theta_T = c + (1 - eta)^T (theta_0 - c)
    with jax.enable_x64(True):
        theta0 = {"a": jnp.array([1.0, -2.0]), "b": jnp.array([[3.0]])}
        c = {"a": jnp.array([0.5, 0.5]), "b": jnp.array([[-1.0]])}
        res = gradient_descent(quadratic, theta0, learning_rate=0.3, steps=7, args=(c,))
        assert isinstance(res, GradientDescentResult)
        for k in theta0:
            np.testing.assert_allclose(res.params[k], c[k] + 0.7**7 * (theta0[k] - c[k]), 1e-13)
        dist0 = 0.5 * (0.5**2 + 2.5**2 + 4.0**2)
        np.testing.assert_allclose(res.losses, dist0 * 0.49 ** np.arange(8), rtol=1e-12)


@pytest.mark.parametrize("jit", [False, True])
def test_steps_equal_a_python_loop_and_explicit_equals_autodiff(jit):
    params, x, y = _data()

    def run(lr, grad_fn):
        return gradient_descent(
            mlp_loss, params, learning_rate=lr, steps=10, grad_fn=grad_fn, args=(x, y)
        )

    if jit:
        run = jax.jit(run, static_argnums=1)
    auto = run(0.5, None)
    explicit = run(0.5, mlp_grads)
    chex.assert_shape(auto.losses, (11,))
    chex.assert_trees_all_close(explicit, auto, rtol=1e-5, atol=1e-6)
    p = params
    for t in range(10):
        value, g = _value_and_grad(p, x, y)
        np.testing.assert_allclose(auto.losses[t], value, rtol=1e-5)
        p = jax.tree.map(lambda w, d: w - 0.5 * d, p, g)
    chex.assert_trees_all_close(auto.params, p, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(auto.losses[-1], _value_and_grad(p, x, y)[0], rtol=1e-5)
    assert auto.losses[-1] < auto.losses[0]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.sampled_from([0.5, 1.0, 3.0]))
def test_taylor_a_small_step_against_the_gradient_lowers_the_loss(seed, scale):
    # notes 3.3: L(theta + eta u) = L(theta) + eta u^T grad + O(eta^2), so for u = -grad and
    # a small eta the loss falls, by eta ||grad||^2 to first order
    with jax.enable_x64(True):
        rng = np.random.default_rng(seed)
        params = tuple(
            Dense(jnp.asarray(rng.normal(size=(o, i)) * scale), jnp.asarray(rng.normal(size=o)))
            for i, o in ((3, 5), (5, 4))
        )
        x = jnp.asarray(rng.normal(size=(8, 3)))
        y = jnp.asarray(rng.integers(0, 4, size=8))
        loss0 = _loss(params, x, y)
        grad = _grads(params, x, y)
        sq_norm = sum(jnp.sum(g**2) for g in jax.tree.leaves(grad))
        for eta in (1e-3, 1e-4):
            moved = jax.tree.map(lambda p, g: p - eta * g, params, grad)
            drop = loss0 - _loss(moved, x, y)
            assert drop > 0
            # first-order prediction, relative error O(eta)
            np.testing.assert_allclose(drop, eta * sq_norm, rtol=500 * eta)
        # any direction with u^T grad < 0 also descends; u = +grad ascends
        u = jax.tree.map(lambda g: -g + 0.1 * jnp.asarray(rng.normal(size=g.shape)), grad)
        dot = sum(jnp.sum(a * b) for a, b in zip(jax.tree.leaves(u), jax.tree.leaves(grad)))
        if dot < 0:
            assert _loss(jax.tree.map(lambda p, d: p + 1e-4 * d, params, u), x, y) < loss0
        up = jax.tree.map(lambda p, g: p + 1e-4 * g, params, grad)
        assert _loss(up, x, y) > loss0


def test_learning_rate_is_traced_sweep_compiles_once():
    params, x, y = _data()
    before = _descend._cache_size()
    finals = [
        gradient_descent(mlp_loss, params, learning_rate=lr, steps=5, args=(x, y)).losses[-1]
        for lr in (0.01, 0.03, 0.1, 0.3, 1.0)
    ]
    assert _descend._cache_size() == before + 1

    @jax.jit
    @chex.assert_max_traces(n=1)
    def final(lr):
        return gradient_descent(mlp_loss, params, learning_rate=lr, steps=5, args=(x, y)).losses[-1]

    swept = jax.vmap(final)(jnp.array([0.01, 0.03, 0.1, 0.3, 1.0]))
    np.testing.assert_allclose(swept, finals, rtol=1e-5)


def test_a_diverging_member_leaves_the_others_alone():
    params, x, y = _data()

    def final(lr):
        return gradient_descent(mlp_loss, params, learning_rate=lr, steps=5, args=(x, y)).params

    swept = jax.vmap(final)(jnp.array([0.1, 1e6, 0.3]))
    for i, lr in ((0, 0.1), (2, 0.3)):
        solo = final(lr)
        chex.assert_trees_all_close(jax.tree.map(lambda t, i=i: t[i], swept), solo, rtol=1e-5)


def test_dtype_of_each_leaf_is_kept():
    theta = {"a": jnp.ones(3, jnp.bfloat16), "b": jnp.ones(2, jnp.float32)}
    c = {"a": jnp.zeros(3, jnp.bfloat16), "b": jnp.zeros(2, jnp.float32)}

    def loss(theta, c):  # each leaf's term in float32: no implicit promotion between leaves
        return 0.5 * sum(jnp.sum((theta[k] - c[k]) ** 2).astype(jnp.float32) for k in theta)

    res = gradient_descent(loss, theta, learning_rate=0.5, steps=2, args=(c,))
    assert res.params["a"].dtype == jnp.bfloat16 and res.params["b"].dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(res.params["b"]), 0.25)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"steps": 0}, ValueError, "steps must be between 1 and"),
        ({"steps": 3.0}, TypeError, "steps must be an integer"),
        ({"learning_rate": 0.0}, ValueError, "learning_rate must be > 0, got 0.0"),
        ({"learning_rate": -0.1}, ValueError, "learning_rate must be > 0"),
        ({"learning_rate": float("nan")}, ValueError, "learning_rate must be > 0, got nan"),
        ({"learning_rate": jnp.ones(2)}, ValueError, r"learning_rate must be a scalar, got shape"),
        ({"loss": "mse"}, TypeError, "loss must be a callable, got str"),
        ({"grad_fn": 3}, TypeError, "grad_fn must be a callable or None, got int"),
        ({"args": [1]}, TypeError, "args must be a tuple of arrays, got list"),
    ],
)
def test_bad_input(kwargs, error, match):
    theta = {"a": jnp.ones(2)}
    c = {"a": jnp.zeros(2)}
    call = {"loss": quadratic, "learning_rate": 0.1, "steps": 2, "args": (c,), **kwargs}
    loss = call.pop("loss")
    with pytest.raises(error, match=match):
        gradient_descent(loss, theta, **call)

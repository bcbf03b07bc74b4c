"""Activations g and their explicit derivatives g' (notes 4.1, 4.3)."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnn
from jaxnn import ACTIVATIONS, Activation, get_activation, leaky_relu, make_activation

# The notes' activations: the registry must hold them (it may hold more).
REQUIRED = {"identity", "sigmoid", "tanh", "relu", "leaky_relu"}
# One row per registered activation; the oracle is jax's own function where jax has one.
NAMES = tuple(ACTIVATIONS)
ORACLE = {
    "identity": lambda a: a,
    "sigmoid": jax.nn.sigmoid,
    "tanh": jnp.tanh,
    "relu": jax.nn.relu,
    "leaky_relu": lambda a: jax.nn.leaky_relu(a, 0.01),
}
# includes the kink at 0 and values where sigmoid and tanh saturate
GRID = np.array([-40.0, -5.0, -1.0, -0.5, -1e-3, 0.0, 1e-3, 0.5, 1.0, 5.0, 40.0])


def test_the_notes_activations_are_registered():
    assert REQUIRED <= set(ACTIVATIONS) and REQUIRED <= set(ORACLE)
    for name, g in ACTIVATIONS.items():
        assert g.name == name


@pytest.mark.parametrize("name", [n for n in NAMES if n in ORACLE])
def test_values_equal_jax_oracle_float64(name):
    with jax.enable_x64(True):
        a = jnp.asarray(GRID, jnp.float64)
        chex.assert_trees_all_close(ACTIVATIONS[name].fn(a), ORACLE[name](a), rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("jit", [False, True])
def test_derivative_equals_autodiff_float64(name, jit):
    g = get_activation(name)
    with jax.enable_x64(True):
        a = jnp.asarray(GRID, jnp.float64)

        def explicit(a):
            return g.derivative(a, g.fn(a))

        auto = jax.vmap(jax.grad(g.fn))
        if jit:
            explicit, auto = jax.jit(explicit), jax.jit(auto)
        chex.assert_trees_all_close(explicit(a), auto(a), rtol=1e-12, atol=0)


def test_values_and_derivatives_by_hand():
    a = jnp.array([-2.0, 0.0, 3.0])
    exact = {
        "identity": ([-2.0, 0.0, 3.0], [1.0, 1.0, 1.0]),
        "relu": ([0.0, 0.0, 3.0], [0.0, 0.0, 1.0]),
        "leaky_relu": ([-0.02, 0.0, 3.0], [0.01, 0.01, 1.0]),
    }
    for name, (h, d) in exact.items():
        g = ACTIVATIONS[name]
        np.testing.assert_allclose(g.fn(a), h, rtol=1e-7)
        np.testing.assert_array_equal(g.derivative(a, g.fn(a)), np.float32(d))
    s = 1 / (1 + np.exp(-np.array([-2.0, 0.0, 3.0])))
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"].fn(a), s, rtol=1e-6)
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"].derivative(a, s), s * (1 - s), rtol=1e-6)
    t = np.tanh([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(ACTIVATIONS["tanh"].derivative(a, t), 1 - t**2, rtol=1e-6)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [jnp.float32, jnp.bfloat16, jnp.float16])
def test_dtype_is_kept_and_values_finite(name, dtype):
    g = ACTIVATIONS[name]
    a = jnp.asarray(GRID, dtype)
    h = g.fn(a)
    d = g.derivative(a, h)
    assert h.dtype == dtype and d.dtype == dtype
    chex.assert_tree_all_finite((h, d))


def test_leaky_relu_slope():
    g = leaky_relu(0.2)
    a = jnp.array([-1.0, 2.0])
    np.testing.assert_allclose(g.fn(a), [-0.2, 2.0], rtol=1e-7)
    np.testing.assert_allclose(g.derivative(a, g.fn(a)), [0.2, 1.0], rtol=1e-7)
    assert leaky_relu().fn(jnp.float32(-1.0)) == jnp.float32(-0.01)


@pytest.mark.parametrize("slope", [True, "a", [0.1, 0.2], None])
def test_leaky_relu_rejects_non_numbers(slope):
    with pytest.raises(TypeError, match="slope must be a real number"):
        leaky_relu(slope)


@pytest.mark.parametrize("slope", [float("nan"), float("inf")])
def test_leaky_relu_rejects_non_finite(slope):
    with pytest.raises(ValueError, match="slope must be finite"):
        leaky_relu(slope)


def test_get_activation_unknown_name_lists_valid():
    with pytest.raises(ValueError, match="unknown activation 'swish'.*identity, sigmoid, tanh"):
        get_activation("swish")
    with pytest.raises(ValueError, match="unknown activation"):
        get_activation(None)


def test_get_activation_passes_activation_through():
    g = leaky_relu(0.3)
    assert get_activation(g) is g
    assert get_activation("tanh") is ACTIVATIONS["tanh"]


def test_make_activation_user_function_in_backprop():
    softplus = make_activation(jax.nn.softplus, jax.nn.sigmoid, name="softplus")
    assert isinstance(softplus, Activation) and softplus.name == "softplus"
    with jax.enable_x64(True):
        params = jaxnn.init_mlp(jax.random.key(0), (3, 5, 4, 2), dtype=jnp.float64)
        x = jax.random.normal(jax.random.key(1), (6, 3), jnp.float64)
        y = jnp.array([0, 1, 1, 0, 1, 0])

        @jax.jit
        def both(params, x, y):
            _, cache = jaxnn.forward(params, x, activation=softplus)
            explicit = jaxnn.backprop(params, cache, y, activation=softplus)
            return explicit, jax.grad(jaxnn.loss_fn)(params, x, y, activation=softplus)

        explicit, auto = both(params, x, y)
        chex.assert_trees_all_close(explicit, auto, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("bad", [("fn", 3), ("derivative", "x")])
def test_make_activation_rejects_non_callables(bad):
    kwargs = {"fn": jnp.tanh, "derivative": lambda a: 1 - jnp.tanh(a) ** 2}
    kwargs[bad[0]] = bad[1]
    with pytest.raises(TypeError, match=f"{bad[0]} must be a callable"):
        make_activation(**kwargs)


def test_relu_derivative_at_zero_matches_autodiff():
    # jnp.maximum's gradient at the kink is 1/2; the explicit g'(0) = 0 must agree with autodiff
    g = ACTIVATIONS["relu"]
    assert jax.grad(g.fn)(0.0) == 0.0 == g.derivative(jnp.float32(0.0), g.fn(jnp.float32(0.0)))

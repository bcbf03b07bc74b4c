"""The sigmoid neuron of notes 3.3 and gradient descent on it (Algorithm 3)."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxnn import (
    SigmoidNeuronParams,
    sigmoid_neuron,
    sigmoid_neuron_error_surface,
    sigmoid_neuron_gradient_descent,
    sigmoid_neuron_grads,
    sigmoid_neuron_loss,
)

# the course's two-point toy problem
X = np.array([0.5, 2.5])
Y = np.array([0.2, 0.9])


def test_output_is_the_logistic_of_wx_plus_b():
    p = SigmoidNeuronParams(jnp.float32(2.0), jnp.float32(-1.0))
    x = np.array([-1.0, 0.0, 0.5, 3.0])
    np.testing.assert_allclose(sigmoid_neuron(p, x), 1 / (1 + np.exp(-(2 * x - 1))), rtol=1e-6)
    zero = SigmoidNeuronParams(jnp.float32(0.0), jnp.float32(0.0))
    np.testing.assert_array_equal(sigmoid_neuron(zero, x), 0.5)


def test_vector_inputs():
    p = SigmoidNeuronParams(jnp.array([1.0, -2.0]), jnp.float32(0.5))
    x = np.array([[1.0, 1.0], [0.0, 2.0]])
    np.testing.assert_allclose(
        sigmoid_neuron(p, x), 1 / (1 + np.exp(-(x @ np.array([1.0, -2.0]) + 0.5))), rtol=1e-6
    )


def test_loss_is_the_notes_mean_of_squares():
    p = SigmoidNeuronParams(jnp.float32(-2.0), jnp.float32(-2.0))
    f = 1 / (1 + np.exp(-(-2 * X - 2)))
    np.testing.assert_allclose(sigmoid_neuron_loss(p, X, Y), np.mean((Y - f) ** 2), rtol=1e-6)


def test_grads_are_the_notes_formulas_times_two_over_n():
    with jax.enable_x64(True):
        p = SigmoidNeuronParams(jnp.float64(0.7), jnp.float64(-0.3))
        g = sigmoid_neuron_grads(p, X, Y)
        f = 1 / (1 + np.exp(-(0.7 * X - 0.3)))
        per_example = (f - Y) * f * (1 - f)  # the notes' grad b; times x, their grad w
        np.testing.assert_allclose(g.w, 2 / 2 * np.sum(per_example * X), rtol=1e-13)
        np.testing.assert_allclose(g.b, 2 / 2 * np.sum(per_example), rtol=1e-13)


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("n_inputs", [None, 3])
def test_grads_equal_autodiff_of_the_loss(jit, n_inputs):
    rng = np.random.default_rng(0)
    with jax.enable_x64(True):
        shape = () if n_inputs is None else (n_inputs,)
        p = SigmoidNeuronParams(jnp.asarray(rng.normal(size=shape)), jnp.float64(0.2))
        x = rng.normal(size=(10, *shape))
        y = rng.uniform(size=10)
        explicit, auto = sigmoid_neuron_grads, jax.grad(sigmoid_neuron_loss)
        if jit:
            explicit, auto = jax.jit(explicit), jax.jit(auto)
        chex.assert_trees_all_close(explicit(p, x, y), auto(p, x, y), rtol=1e-12, atol=1e-16)


@settings(max_examples=25, deadline=None)
@given(
    w=st.floats(-10, 10),
    b=st.floats(-10, 10),
    xs=st.lists(st.floats(-5, 5), min_size=1, max_size=8),
    seed=st.integers(0, 1000),
)
def test_grads_equal_autodiff_hypothesis(w, b, xs, seed):
    y = np.random.default_rng(seed).uniform(size=len(xs))
    with jax.enable_x64(True):
        p = SigmoidNeuronParams(jnp.float64(w), jnp.float64(b))
        x = np.asarray(xs)
        explicit, auto = _explicit_and_autodiff_grads(p, x, y)
        chex.assert_trees_all_close(explicit, auto, rtol=1e-10, atol=1e-300)


@jax.jit  # one compile per length of xs, not one per operation and example
def _explicit_and_autodiff_grads(p, x, y):
    return sigmoid_neuron_grads(p, x, y), jax.grad(sigmoid_neuron_loss)(p, x, y)


def test_gradient_descent_follows_algorithm_3_step_by_step():
    with jax.enable_x64(True):
        p0 = SigmoidNeuronParams(jnp.float64(-2.0), jnp.float64(-2.0))
        path = sigmoid_neuron_gradient_descent(p0, X, Y, learning_rate=1.0, steps=5)
        chex.assert_shape((path.w, path.b, path.loss), [(6,), (6,), (6,)])
        p = p0
        for t in range(6):
            np.testing.assert_allclose([path.w[t], path.b[t]], [p.w, p.b], rtol=1e-13)
            np.testing.assert_allclose(path.loss[t], sigmoid_neuron_loss(p, X, Y), rtol=1e-13)
            g = sigmoid_neuron_grads(p, X, Y)
            p = SigmoidNeuronParams(p.w - 1.0 * g.w, p.b - 1.0 * g.b)


def test_gradient_descent_fits_the_toy_problem():
    # from the course's start (-2, -2) with eta = 1: a plateau, then down to a perfect fit
    p0 = SigmoidNeuronParams(jnp.float32(-2.0), jnp.float32(-2.0))
    path = sigmoid_neuron_gradient_descent(p0, X, Y, learning_rate=1.0, steps=1000)
    assert bool(jnp.all(jnp.diff(path.loss) <= 1e-7))  # monotone, up to float32 rounding
    assert float(path.loss[0]) > 0.4 and float(path.loss[-1]) < 1e-6
    # the exact fit: sigma(0.5 w + b) = 0.2 and sigma(2.5 w + b) = 0.9
    logit = np.log(Y / (1 - Y))
    w_star = (logit[1] - logit[0]) / 2.0
    np.testing.assert_allclose(path.w[-1], w_star, rtol=1e-2)
    np.testing.assert_allclose(path.b[-1], logit[0] - 0.5 * w_star, rtol=1e-2)


def test_learning_rate_sweep_compiles_once():
    p0 = SigmoidNeuronParams(jnp.float32(-2.0), jnp.float32(-2.0))

    @jax.jit
    @chex.assert_max_traces(n=1)
    def final_loss(lr):
        return sigmoid_neuron_gradient_descent(p0, X, Y, learning_rate=lr, steps=50).loss[-1]

    losses = [float(final_loss(jnp.float32(lr))) for lr in (0.1, 0.3, 1.0, 3.0, 10.0)]
    swept = jax.vmap(final_loss)(jnp.array([0.1, 0.3, 1.0, 3.0, 10.0]))
    np.testing.assert_allclose(swept, losses, rtol=1e-5)
    assert losses[0] > losses[2]  # a larger step gets further in 50 steps


def test_error_surface_is_the_loss_on_the_grid():
    w_grid, b_grid = np.linspace(-4, 4, 5), np.linspace(-3, 3, 4)
    surface = sigmoid_neuron_error_surface(X, Y, w_grid, b_grid)
    chex.assert_shape(surface, (4, 5))
    for i, b in enumerate(b_grid):
        for j, w in enumerate(w_grid):
            p = SigmoidNeuronParams(jnp.float32(w), jnp.float32(b))
            np.testing.assert_allclose(surface[i, j], sigmoid_neuron_loss(p, X, Y), rtol=1e-5)


P0 = SigmoidNeuronParams(jnp.float32(0.0), jnp.float32(0.0))


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"steps": 0}, ValueError, "steps must be between 1 and"),
        ({"steps": 2.5}, TypeError, "steps must be an integer"),
        ({"learning_rate": 0.0}, ValueError, "learning_rate must be > 0, got 0.0"),
        ({"learning_rate": -1.0}, ValueError, "learning_rate must be > 0"),
        ({"learning_rate": float("nan")}, ValueError, "learning_rate must be > 0, got nan"),
        ({"x": np.array([0.5, np.nan])}, ValueError, "x contains 1 NaN"),
        ({"y": np.array([0.2])}, ValueError, r"y must have shape \(2,\), one target per example"),
        ({"x": np.ones((2, 3))}, ValueError, r"x must have shape \(N,\) for w of shape \(\)"),
        ({"x": np.ones(0), "y": np.ones(0)}, ValueError, "at least one example"),
        ({"x": np.ones(2, complex)}, TypeError, "x must be a real numeric array"),
    ],
)
def test_bad_input(kwargs, error, match):
    args = {"x": X, "y": Y, "learning_rate": 0.1, "steps": 3, **kwargs}
    with pytest.raises(error, match=match):
        sigmoid_neuron_gradient_descent(
            P0, args["x"], args["y"], learning_rate=args["learning_rate"], steps=args["steps"]
        )


def test_bad_params_shapes():
    with pytest.raises(ValueError, match=r"x must have shape \(N, 3\) for w of shape \(3,\)"):
        sigmoid_neuron(SigmoidNeuronParams(jnp.ones(3), jnp.float32(0)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="a scalar or \\(n,\\) w and a scalar b"):
        sigmoid_neuron(SigmoidNeuronParams(jnp.ones((2, 2)), jnp.float32(0)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="w_grid must be 1-D"):
        sigmoid_neuron_error_surface(X, Y, np.ones((2, 2)), np.ones(3))

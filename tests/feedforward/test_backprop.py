"""Backpropagation, Algorithm 6: explicit gradients against jax.grad and finite differences."""

import functools

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import PAIRS
from hypothesis import given, settings
from hypothesis import strategies as st
from jax.test_util import check_grads

from jaxnn import (
    ACTIVATIONS,
    Dense,
    backprop,
    forward,
    init_mlp,
    loss_fn,
    make_activation,
    per_example_grads,
)


def _problem(seed, sizes, batch, loss, dtype, *, labels=True, scale=1.0):
    """A random network (Xavier-scaled weights, nonzero biases) and data, drawn with NumPy."""
    rng = np.random.default_rng(seed)
    params = tuple(
        Dense(
            jnp.asarray(rng.normal(size=(o, i)) * scale * (2 / (i + o)) ** 0.5, dtype),
            jnp.asarray(rng.normal(size=o) * 0.1, dtype),
        )
        for i, o in zip(sizes[:-1], sizes[1:])
    )
    x = jnp.asarray(rng.normal(size=(batch, sizes[0])), dtype)
    k = sizes[-1]
    if loss == "cross_entropy":
        y = rng.integers(0, k, size=batch)
        y = jnp.asarray(y) if labels else jnp.asarray(np.eye(k)[y], dtype)
    elif loss == "binary_cross_entropy":
        y = jnp.asarray(rng.integers(0, 2, size=(batch, k)), dtype)
    else:
        y = jnp.asarray(rng.normal(size=(batch, k)), dtype)
    return params, x, y


def _explicit(params, x, y, *, activation, output, loss):
    _, cache = forward(params, x, activation=activation, output=output)
    return backprop(params, cache, y, activation=activation, output=output, loss=loss)


@functools.partial(jax.jit, static_argnames=("activation", "output", "loss"))
def _both(params, x, y, activation, output, loss):
    kw = {"activation": activation, "output": output, "loss": loss}
    return _explicit(params, x, y, **kw), jax.grad(loss_fn)(params, x, y, **kw)


def _assert_close(explicit, auto, rtol, atol_factor):
    # atol relative to the size of the largest entry of each leaf (float32 rounding is relative)
    for e, a in zip(jax.tree.leaves(explicit), jax.tree.leaves(auto)):
        e, a = np.asarray(e, np.float64), np.asarray(a, np.float64)
        scale = float(np.max(np.abs(a))) if a.size else 0.0
        np.testing.assert_allclose(e, a, rtol=rtol, atol=atol_factor * max(scale, 1e-30))


@settings(max_examples=8, deadline=None)  # each example compiles a new shape
@given(
    sizes=st.lists(st.integers(1, 64), min_size=2, max_size=6),  # depth 1-5, widths 1-64
    batch=st.integers(1, 32),
    activation=st.sampled_from(list(ACTIVATIONS)),
    pair=st.sampled_from(PAIRS),
    labels=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_explicit_equals_autodiff_random_architectures_float64(
    sizes, batch, activation, pair, labels, seed
):
    output, loss = pair
    with jax.enable_x64(True):
        params, x, y = _problem(seed, sizes, batch, loss, jnp.float64, labels=labels)
        explicit, auto = _both(params, x, y, activation, output, loss)
        chex.assert_trees_all_equal_shapes_and_dtypes(explicit, params)
        _assert_close(explicit, auto, rtol=1e-10, atol_factor=1e-12)


@settings(max_examples=8, deadline=None)  # each example compiles a new shape
@given(
    sizes=st.lists(st.integers(1, 64), min_size=2, max_size=6),
    batch=st.integers(1, 32),
    activation=st.sampled_from(list(ACTIVATIONS)),
    pair=st.sampled_from(PAIRS),
    seed=st.integers(0, 2**16),
)
def test_explicit_equals_autodiff_random_architectures_float32(
    sizes, batch, activation, pair, seed
):
    output, loss = pair
    params, x, y = _problem(seed, sizes, batch, loss, jnp.float32)
    explicit, auto = _both(params, x, y, activation, output, loss)
    chex.assert_trees_all_equal_shapes_and_dtypes(explicit, params)
    # float32: rtol 1e-5, and an absolute tolerance of 1e-5 of the layer's largest entry for
    # entries that are sums of terms cancelling to near zero
    _assert_close(explicit, auto, rtol=1e-5, atol_factor=1e-5)


def _all_combinations(params_by_loss, x):
    """Explicit and autodiff gradients for every activation and every output/loss pair."""
    out = {}
    for output, loss in PAIRS:
        params, y = params_by_loss[loss]
        for activation in ACTIVATIONS:
            kw = {"activation": activation, "output": output, "loss": loss}
            out[activation, output, loss] = (
                _explicit(params, x, y, **kw),
                jax.grad(loss_fn)(params, x, y, **kw),
            )
    return out


# eagerly, op by op, every combination takes long: the slow tier (the jitted row checks the same
# formulas, and test_relu_zero_derivative_stops_an_overflowed_gradient_eagerly runs eagerly)
@pytest.mark.parametrize("jit", [pytest.param(False, marks=pytest.mark.slow), True])
def test_explicit_equals_autodiff_jit_and_no_jit(jit):
    with jax.enable_x64(True):
        problems = {loss: _problem(7, (5, 6, 4, 3), 8, loss, jnp.float64) for _, loss in PAIRS}
        x = problems["mse"][1]
        by_loss = {loss: (params, y) for loss, (params, _, y) in problems.items()}
        # with jit: every combination in one compiled program
        run = jax.jit(_all_combinations) if jit else _all_combinations
        results = run(by_loss, x)
        assert len(results) == len(ACTIVATIONS) * len(PAIRS)
        for explicit, auto in results.values():
            _assert_close(explicit, auto, rtol=1e-10, atol_factor=1e-13)


@pytest.mark.parametrize("output,loss", PAIRS)
def test_explicit_against_finite_differences(output, loss):
    # the explicit backward pass becomes the VJP of the loss; check_grads compares it with
    # central finite differences along random directions
    kw = {"activation": "tanh", "output": output, "loss": loss}
    with jax.enable_x64(True):
        params, x, y = _problem(11, (4, 5, 3), 6, loss, jnp.float64)

        @jax.custom_vjp
        def f(params):
            return loss_fn(params, x, y, **kw)

        def f_fwd(params):
            return f(params), params

        def f_bwd(params, g):
            return (jax.tree.map(lambda t: g * t, _explicit(params, x, y, **kw)),)

        f.defvjp(f_fwd, f_bwd)
        check_grads(f, (params,), order=1, modes=["rev"], eps=1e-6, atol=1e-7, rtol=1e-7)

        # and the check can fail: a backward pass off by 1 % in one layer is caught
        def f_bwd_wrong(params, g):
            grads = list(_explicit(params, x, y, **kw))
            grads[0] = Dense(grads[0].W * 1.01, grads[0].b)
            return (jax.tree.map(lambda t: g * t, tuple(grads)),)

        f.defvjp(f_fwd, f_bwd_wrong)
        with pytest.raises(AssertionError):
            check_grads(f, (params,), order=1, modes=["rev"], eps=1e-6, atol=1e-7, rtol=1e-7)


@pytest.mark.parametrize("output,loss", PAIRS)
def test_per_example_grads_average_to_batch_grad(output, loss):
    kw = {"activation": "sigmoid", "output": output, "loss": loss}
    with jax.enable_x64(True):
        params, x, y = _problem(5, (3, 7, 4), 9, loss, jnp.float64)
        _, cache = forward(params, x, activation="sigmoid", output=output)
        per = per_example_grads(params, cache, y, **kw)
        chex.assert_trees_all_equal_shapes(
            per, jax.tree.map(lambda p: jnp.zeros((9, *p.shape)), params)
        )
        batch = backprop(params, cache, y, **kw)
        mean = jax.tree.map(lambda g: jnp.mean(g, axis=0), per)
        chex.assert_trees_all_close(mean, batch, rtol=1e-12, atol=1e-16)

        # and each row is that example's own gradient
        def one(xi, yi):
            return jax.grad(loss_fn)(params, xi[None], yi[None], **kw)

        chex.assert_trees_all_close(per, jax.vmap(one)(x, y), rtol=1e-10, atol=1e-15)


def test_closed_form_one_layer_softmax_cross_entropy():
    # with L = 1: grad b = mean over examples of -(e(y) - y_hat), grad W = that times x^T
    with jax.enable_x64(True):
        params, x, y = _problem(2, (4, 3), 5, "cross_entropy", jnp.float64)
        y_hat, cache = forward(params, x, output="softmax")
        (grad,) = backprop(params, cache, y)
        delta = -(np.eye(3)[np.asarray(y)] - np.asarray(y_hat))
        np.testing.assert_allclose(grad.b, delta.mean(axis=0), rtol=1e-12)
        np.testing.assert_allclose(grad.W, delta.T @ np.asarray(x) / 5, rtol=1e-12)


def test_algorithm_6_hidden_layer_by_hand():
    # one hidden layer: grad a_1 = (W_2^T grad a_2) * g'(a_1), grad W_1 = grad a_1 h_0^T
    with jax.enable_x64(True):
        params, x, y = _problem(4, (3, 4, 2), 1, "cross_entropy", jnp.float64)
        y_hat, cache = forward(params, x, activation="tanh")
        grads = backprop(params, cache, y, activation="tanh")
        grad_a2 = np.asarray(y_hat[0]) - np.eye(2)[int(y[0])]
        h1 = np.tanh(np.asarray(cache.a[0][0]))
        grad_a1 = (np.asarray(params[1].W).T @ grad_a2) * (1 - h1**2)
        np.testing.assert_allclose(grads[1].W, np.outer(grad_a2, h1), rtol=1e-12)
        np.testing.assert_allclose(grads[0].W, np.outer(grad_a1, np.asarray(x[0])), rtol=1e-12)
        np.testing.assert_allclose(grads[0].b, grad_a1, rtol=1e-12)


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.bfloat16, jnp.float16])
def test_explicit_finite_wherever_autodiff_is(dtype):
    # saturated hidden units and output logits of order 1e4 (overflowing in float16)
    problems = {loss: _problem(9, (4, 8, 3), 6, loss, dtype, scale=300.0) for _, loss in PAIRS}
    x = problems["mse"][1]
    by_loss = {loss: (params, y) for loss, (params, _, y) in problems.items()}
    checked = 0
    for combo, (explicit, auto) in jax.jit(_all_combinations)(by_loss, x).items():
        for e, a in zip(jax.tree.leaves(explicit), jax.tree.leaves(auto)):
            assert bool(jnp.all(jnp.isfinite(e) | ~jnp.isfinite(a))), (combo, dtype)
            checked += int(jnp.sum(jnp.isfinite(a)))
    assert checked > 0


def test_relu_zero_derivative_stops_an_overflowed_gradient_eagerly():
    # float16 logits overflow for some examples; autodiff's relu passes 0 back through an
    # inactive unit even when the incoming gradient is NaN, and so must g'(a) = 0 in Algorithm 6
    params, x, y = _problem(9, (4, 8, 3), 6, "cross_entropy", jnp.float16, scale=300.0)
    kw = {"activation": "relu", "output": "softmax", "loss": "cross_entropy"}
    explicit = _explicit(params, x, y, **kw)
    auto = jax.grad(loss_fn)(params, x, y, **kw)
    assert not bool(jnp.all(jnp.isfinite(auto[0].W)))  # the case is a real one
    assert bool(jnp.any(jnp.isfinite(auto[0].W)))
    for e, a in zip(jax.tree.leaves(explicit), jax.tree.leaves(auto)):
        assert bool(jnp.all(jnp.isfinite(e) | ~jnp.isfinite(a)))


def test_custom_activation_with_wrong_derivative_is_not_autodiff():
    wrong = make_activation(jnp.tanh, lambda a: 1 - jnp.tanh(a), name="bad_tanh")
    with jax.enable_x64(True):
        params, x, y = _problem(1, (3, 4, 2), 5, "cross_entropy", jnp.float64)
        explicit, auto = _both(params, x, y, wrong, "softmax", "cross_entropy")
        # the output layer does not involve g', the hidden layer does
        chex.assert_trees_all_close(explicit[1], auto[1], rtol=1e-10)
        assert float(jnp.max(jnp.abs(explicit[0].W - auto[0].W))) > 1e-3


def test_bad_targets_and_caches():
    params, x, y = _problem(0, (3, 4, 2), 5, "cross_entropy", jnp.float32)
    _, cache = forward(params, x)
    with pytest.raises(ValueError, match=r"label\(s\) \[2, 7\] outside \[0, 1\] for 2 classes"):
        backprop(params, cache, np.array([0, 1, 2, 7, 1]))
    with pytest.raises(ValueError, match=r"x has 5 samples, y has shape \(4,\)"):
        backprop(params, cache, y[:4])
    with pytest.raises(ValueError, match=r"y must have shape \(5, 2\) for 2 outputs"):
        backprop(params, cache, jnp.zeros((5, 3)), output="linear", loss="mse")
    other = init_mlp(jax.random.key(0), (3, 5, 2))
    with pytest.raises(ValueError, match=r"cache holds pre-activations of widths \(4, 2\)"):
        backprop(other, cache, y)
    with pytest.raises(ValueError, match="unknown loss 'nll'"):
        backprop(params, cache, y, loss="nll")
    with pytest.raises(ValueError, match="x has 4 features, the network expects 3"):
        loss_fn(params, jnp.ones((5, 4)), y)

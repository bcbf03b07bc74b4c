"""The feed-forward network of notes 4.1: init_mlp, forward (Algorithm 5), shapes and bad input."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxnn import ACTIVATIONS, OUTPUTS, Dense, ForwardCache, forward, init_mlp, layer_sizes

sizes_strategy = st.lists(st.integers(1, 64), min_size=2, max_size=6)  # depth 1-5


@settings(max_examples=40, deadline=None)
@given(sizes=sizes_strategy, batch=st.integers(1, 32), output=st.sampled_from(list(OUTPUTS)))
def test_init_and_forward_shapes_agree(sizes, batch, output):
    # the shapes init_mlp promises are the shapes forward consumes and produces (traced only)
    params = jax.eval_shape(lambda key: init_mlp(key, sizes), jax.random.key(0))
    assert layer_sizes(params) == tuple(sizes)
    for layer, n_in, n_out in zip(params, sizes[:-1], sizes[1:]):
        assert isinstance(layer, Dense)
        chex.assert_shape(layer.W, (n_out, n_in))
        chex.assert_shape(layer.b, (n_out,))
    x = jax.ShapeDtypeStruct((batch, sizes[0]), jnp.float32)
    y_hat, cache = jax.eval_shape(
        lambda p, x: forward(p, x, activation="tanh", output=output), params, x
    )
    chex.assert_shape(y_hat, (batch, sizes[-1]))
    assert isinstance(cache, ForwardCache) and len(cache.a) == len(cache.h) == len(params)
    for k in range(len(params)):
        chex.assert_shape(cache.a[k], (batch, sizes[k + 1]))
        chex.assert_shape(cache.h[k], (batch, sizes[k]))


def test_concrete_shapes_match_the_traced_ones():
    sizes, batch = (7, 5, 1, 3), 4
    params = init_mlp(jax.random.key(0), sizes)
    y_hat, cache = forward(params, jnp.ones((batch, 7)))
    shapes = jax.eval_shape(lambda p: forward(p, jnp.ones((batch, 7))), params)
    chex.assert_trees_all_equal_shapes((y_hat, cache), shapes)
    chex.assert_shape(y_hat, (batch, 3))


@pytest.mark.parametrize("jit", [False, True])
def test_forward_is_the_notes_composition(jit):
    # y_hat = O(W_3 g(W_2 g(W_1 x + b_1) + b_2) + b_3), for every activation
    rng = np.random.default_rng(3)
    with jax.enable_x64(True):
        params = tuple(
            Dense(jnp.asarray(rng.normal(size=(o, i))), jnp.asarray(rng.normal(size=o)))
            for i, o in ((4, 6), (6, 5), (5, 3))
        )
        x = jnp.asarray(rng.normal(size=(7, 4)))
        (W1, b1), (W2, b2), (W3, b3) = params

        def both(params, x):
            out = {}
            for name, act in ACTIVATIONS.items():
                g = act.fn

                def one_example(xi, g=g):
                    return jax.nn.softmax(W3 @ g(W2 @ g(W1 @ xi + b1) + b2) + b3)

                out[name] = (jax.vmap(one_example)(x), forward(params, x, activation=name))
            return out

        results = (jax.jit(both) if jit else both)(params, x)
        for name, (expected, (y_hat, cache)) in results.items():
            np.testing.assert_allclose(y_hat, expected, rtol=1e-12, err_msg=name)
            np.testing.assert_array_equal(cache.h[0], x)
            g = ACTIVATIONS[name].fn
            np.testing.assert_allclose(cache.h[1], g(cache.a[0]), rtol=1e-15, err_msg=name)


def test_jit_and_no_jit_agree_float32():
    params = init_mlp(jax.random.key(1), (8, 16, 3))
    x = jax.random.normal(jax.random.key(2), (5, 8))
    eager = forward(params, x)
    jitted = jax.jit(forward)(params, x)
    chex.assert_trees_all_close(eager, jitted, rtol=1e-5)


@pytest.mark.parametrize(
    "init,std",
    [
        ("random", lambda i, o: 0.1),
        ("xavier", lambda i, o: (2 / (i + o)) ** 0.5),
        ("he", lambda i, o: (2 / i) ** 0.5),
    ],
)
def test_init_scales(init, std):
    params = init_mlp(jax.random.key(0), (400, 300, 10), init=init)
    for layer, (i, o) in zip(params, [(400, 300), (300, 10)]):
        np.testing.assert_allclose(np.std(layer.W), std(i, o), rtol=0.05)
        np.testing.assert_array_equal(layer.b, 0.0)


def test_init_is_deterministic_and_scale_can_be_traced():
    a = init_mlp(jax.random.key(5), (3, 4, 2))
    b = init_mlp(jax.random.key(5), (3, 4, 2))
    chex.assert_trees_all_equal(a, b)
    scaled = jax.vmap(lambda s: init_mlp(jax.random.key(5), (3, 4, 2), scale=s))(
        jnp.array([1.0, 2.0])
    )
    np.testing.assert_allclose(scaled[0].W[1], 2 * a[0].W, rtol=1e-6)
    np.testing.assert_allclose(scaled[0].W[0], a[0].W, rtol=1e-6)


def test_init_dtype():
    params = init_mlp(jax.random.key(0), (3, 2), dtype=jnp.bfloat16)
    assert params[0].W.dtype == jnp.bfloat16 and params[0].b.dtype == jnp.bfloat16


@pytest.mark.parametrize(
    "sizes,error,match",
    [
        ((3, 0, 2), ValueError, r"every layer size must be positive, got sizes \(3, 0, 2\)"),
        ((3, -4, 2), ValueError, "every layer size must be positive"),
        ((3,), ValueError, "sizes needs an input and an output width"),
        ((3, 2.5), TypeError, "sizes must be a sequence of integers"),
        ("32", TypeError, "sizes must be a sequence of integers"),
        ((3, True), TypeError, "sizes must be a sequence of integers"),
    ],
)
def test_init_bad_sizes(sizes, error, match):
    with pytest.raises(error, match=match):
        init_mlp(jax.random.key(0), sizes)


def test_init_unknown_init():
    with pytest.raises(ValueError, match="unknown init 'glorot'; valid: random, xavier, he"):
        init_mlp(jax.random.key(0), (3, 2), init="glorot")


def test_forward_wrong_features_at_trace_time_names_both_sizes():
    params = init_mlp(jax.random.key(0), (5, 4, 3))
    with pytest.raises(ValueError, match="x has 6 features, the network expects 5"):
        jax.jit(forward)(params, jnp.ones((2, 6)))


@pytest.mark.parametrize(
    "x,match",
    [
        (np.ones(5), r"x must be 2-D \(batch, 5\), got shape \(5,\)"),
        (np.ones((2, 3, 5)), r"x must be 2-D \(batch, 5\), got shape \(2, 3, 5\)"),
        (np.ones((0, 5)), r"at least one sample, got shape \(0, 5\)"),
    ],
)
def test_forward_bad_x(x, match):
    params = init_mlp(jax.random.key(0), (5, 3))
    with pytest.raises(ValueError, match=match):
        forward(params, x)


def test_forward_complex_x_is_a_type_error():
    params = init_mlp(jax.random.key(0), (2, 3))
    with pytest.raises(TypeError, match="x must be a real numeric array"):
        forward(params, np.ones((1, 2), complex))


def test_forward_unknown_names_list_valid_ones():
    params = init_mlp(jax.random.key(0), (2, 3))
    with pytest.raises(ValueError, match="unknown activation 'gelu'; valid: identity"):
        forward(params, jnp.ones((1, 2)), activation="gelu")
    with pytest.raises(ValueError, match="unknown output 'tanh'; valid: linear, softmax, sigmoid"):
        forward(params, jnp.ones((1, 2)), output="tanh")


def test_layer_sizes_rejects_broken_networks():
    with pytest.raises(ValueError, match="at least one Dense layer"):
        layer_sizes(())
    good = init_mlp(jax.random.key(0), (3, 4, 2))
    with pytest.raises(ValueError, match="layer 2: W expects 5 inputs, layer 1 gives 4"):
        layer_sizes((good[0], Dense(jnp.ones((2, 5)), jnp.ones(2))))
    with pytest.raises(ValueError, match=r"layer 1: W must be \(n_out, n_in\) and b \(n_out,\)"):
        layer_sizes((Dense(jnp.ones((2, 3)), jnp.ones(3)),))
    with pytest.raises(ValueError, match=r"every width must be positive, got W of shape \(0, 3\)"):
        layer_sizes((Dense(jnp.ones((0, 3)), jnp.ones(0)),))

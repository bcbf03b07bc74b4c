"""The tower construction of notes 3.4: towers, tower networks, their error, and bad input."""

from __future__ import annotations

import functools

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnn
from jaxnn import (
    fit_towers,
    fit_towers_2d,
    tower,
    tower_2d,
    tower_network,
    tower_network_2d,
    tower_sum,
    tower_sum_2d,
)


def _maybe_jit(fn, jit, **static):
    return jax.jit(fn, static_argnames=tuple(static)) if jit else fn


# the network's output through jaxnn.forward, jitted: the tests build the params with and
# without jit; evaluating them is forward's business and compiles once per shape
@jax.jit
def _net_1d(params, x):
    y_hat, _ = jaxnn.forward(params, x[:, None], activation="sigmoid", output="linear")
    return y_hat[:, 0]


@jax.jit
def _net_2d(params, xy):
    y_hat, _ = jaxnn.forward(params, xy, activation="sigmoid", output="linear")
    return y_hat[:, 0]


@functools.partial(jax.jit, static_argnames=("f", "ns", "points"))
def _max_errors_jit(f, lo, hi, steepness, *, ns, points):
    x = jnp.linspace(lo, hi, points)
    return jnp.stack(
        [
            jnp.max(jnp.abs(_net_1d(fit_towers(f, lo, hi, n, steepness=steepness), x) - f(x)))
            for n in ns
        ]
    )


DOUBLING = (1, 2, 4, 8, 16, 32, 64, 128, 256)


@functools.cache
def _max_errors(f, lo, hi, steepness=None, ns=DOUBLING, points=4001) -> dict[int, float]:
    """The max error on ``points`` points of [lo, hi] for each number of towers in ``ns``: one
    compiled program, computed once for all the tests that read it."""
    errors = _max_errors_jit(f, lo, hi, steepness, ns=ns, points=points)
    return dict(zip(ns, np.asarray(errors).tolist()))


def _grid_2d(points):
    g = jnp.linspace(-1.0, 1.0, points)
    X, Y = jnp.meshgrid(g, g, indexing="ij")
    return jnp.stack([X.ravel(), Y.ravel()], axis=1)


def _f2(x, y):
    return jnp.sin(jnp.pi * x) * jnp.cos(jnp.pi * y / 2)


# --- one tower ---


@pytest.mark.parametrize("jit", [False, True])
def test_tower_is_two_sigmoids_with_weights_plus_and_minus_one(jit):
    x = jnp.linspace(-2.0, 4.0, 301)
    fn = _maybe_jit(lambda x, w: tower(x, 0.5, 1.5, steepness=w), jit)
    got = fn(x, 20.0)
    want = jax.nn.sigmoid(20.0 * (x - 0.5)) - jax.nn.sigmoid(20.0 * (x - 1.5))
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def test_tower_is_a_bump_of_height_one():
    w = 200.0
    inside, outside, edges = jnp.array([0.8, 1.0, 1.2]), jnp.array([-1.0, 0.2, 1.8, 3.0]), None
    np.testing.assert_allclose(tower(inside, 0.5, 1.5, steepness=w), 1.0, atol=1e-6)
    np.testing.assert_allclose(tower(outside, 0.5, 1.5, steepness=w), 0.0, atol=1e-6)
    edges = tower(jnp.array([0.5, 1.5]), 0.5, 1.5, steepness=w)
    np.testing.assert_allclose(edges, 0.5, atol=1e-6)


def test_tower_sum_is_the_sum_of_towers():
    x = jnp.linspace(-1.0, 2.0, 101)
    heights = jnp.array([0.3, -1.2, 2.0])
    edges = jnp.array([-0.5, 0.1, 0.9, 1.6])
    want = sum(heights[i] * tower(x, edges[i], edges[i + 1], steepness=15.0) for i in range(3))
    chex.assert_trees_all_close(tower_sum(x, heights, edges, steepness=15.0), want, atol=1e-6)


# --- the tower network ---


@pytest.mark.parametrize("jit", [False, True])
def test_tower_network_weights_are_the_construction(jit):
    heights = jnp.array([0.3, -1.2, 2.0])
    edges = jnp.array([-0.5, 0.1, 0.9, 1.6])
    hidden, out = _maybe_jit(lambda h, e, w: tower_network(h, e, steepness=w), jit)(
        heights, edges, 15.0
    )
    chex.assert_shape((hidden.W, hidden.b, out.W, out.b), [(6, 1), (6,), (1, 6), (1,)])
    np.testing.assert_array_equal(hidden.W, np.full((6, 1), 15.0, np.float32))
    lr = np.array([-0.5, 0.1, 0.1, 0.9, 0.9, 1.6], np.float32)
    np.testing.assert_array_equal(hidden.b, -np.float32(15.0) * lr)
    np.testing.assert_array_equal(out.W[0], np.array([0.3, -0.3, -1.2, 1.2, 2.0, -2.0], np.float32))
    np.testing.assert_array_equal(out.b, np.zeros(1, np.float32))


@pytest.mark.parametrize("jit", [False, True])
def test_tower_network_through_forward_equals_the_formula(jit):
    key_h, key_e = jax.random.split(jax.random.key(0))
    heights = jax.random.normal(key_h, (12,))
    edges = jnp.cumsum(jax.random.uniform(key_e, (13,), minval=0.05, maxval=0.3)) - 1.5
    x = jnp.linspace(-2.0, 2.0, 501)

    def both(h, e, w, x):
        return _net_1d(tower_network(h, e, steepness=w), x), tower_sum(x, h, e, steepness=w)

    got, want = _maybe_jit(both, jit)(heights, edges, 40.0, x)
    chex.assert_trees_all_close(got, want, atol=2e-6)


def test_tower_network_in_float64_agrees_to_rounding():
    with jax.enable_x64(True):
        heights = jnp.linspace(-1.0, 1.0, 7, dtype=jnp.float64)
        edges = jnp.linspace(0.0, 1.0, 8, dtype=jnp.float64)
        params = tower_network(heights, edges, steepness=jnp.float64(30.0))
        assert params[0].W.dtype == jnp.float64
        x = jnp.linspace(-0.2, 1.2, 301, dtype=jnp.float64)
        chex.assert_trees_all_close(
            _net_1d(params, x), tower_sum(x, heights, edges, steepness=30.0), atol=1e-13
        )


def test_fit_towers_heights_are_the_target_at_the_bin_centres():
    hidden, out = fit_towers(jnp.sin, 0.0, 2.0, 4, steepness=10.0)
    centres = jnp.array([0.25, 0.75, 1.25, 1.75])
    chex.assert_trees_all_close(out.W[0, ::2], jnp.sin(centres), atol=1e-7)
    # inner edges at the bin boundaries, the outer two half a bin outside [lo, hi]
    chex.assert_trees_all_close(
        -hidden.b / 10.0, jnp.array([-0.25, 0.5, 0.5, 1.0, 1.0, 1.5, 1.5, 2.25]), atol=1e-6
    )


def test_fit_towers_default_steepness_scales_with_the_bin_width():
    for n in (4, 32):
        hidden, _ = fit_towers(jnp.sin, -1.0, 1.0, n)
        np.testing.assert_allclose(hidden.W[0, 0], jaxnn.BIN_STEEPNESS * n / 2.0, rtol=1e-6)


# --- approximation error ---


@pytest.mark.parametrize(
    "f, lo, hi", [(jnp.sin, -np.pi, np.pi), (jnp.abs, -1.0, 1.0)], ids=["sin", "abs"]
)
def test_max_error_never_rises_as_towers_double(f, lo, hi):
    errors = [_max_errors(f, lo, hi)[n] for n in (1, 2, 4, 8, 16, 32, 64, 128)]
    assert all(b <= a + 1e-6 for a, b in zip(errors, errors[1:])), errors
    assert errors[-1] < errors[0] / 30, errors


def test_max_error_on_sin_below_measured_tolerance():
    # measured on [-pi, pi] with 4001 points: 0.0491 (64 towers), 0.01227 (256 towers) = pi / n
    assert _max_errors(jnp.sin, -np.pi, np.pi)[64] < 0.055
    assert _max_errors(jnp.sin, -np.pi, np.pi)[256] < 0.0135


def test_max_error_on_abs_below_measured_tolerance():
    # measured on [-1, 1]: 0.0157 (64 towers) = 1 / n, the kink costs nothing extra
    assert _max_errors(jnp.abs, -1.0, 1.0)[64] < 0.0175


def test_fixed_steepness_stops_the_error_falling():
    # measured for abs on [-1, 1] with w = 50: 0.10 at 32 towers, 0.47 at 256 (steps too soft)
    errors = _max_errors(jnp.abs, -1.0, 1.0, steepness=50.0, ns=(32, 256))
    at_32, at_256 = errors[32], errors[256]
    assert at_256 > at_32 > 0.05


def test_fit_towers_jits_once_over_a_steepness_sweep():
    x = jnp.linspace(-np.pi, np.pi, 201)

    @jax.jit
    @chex.assert_max_traces(n=1)
    def max_error(w):
        return jnp.max(
            jnp.abs(_net_1d(fit_towers(jnp.sin, -np.pi, np.pi, 16, steepness=w), x) - jnp.sin(x))
        )

    errors = [float(max_error(jnp.float32(w))) for w in (1.0, 5.0, 10.0, 50.0, 100.0)]
    # w = 1 is far too soft (measured 0.64); steep towers give the staircase's pi / 16 = 0.196
    assert errors[0] > 0.5
    assert abs(errors[-1] - np.pi / 16) < 0.005
    swept = jax.vmap(max_error)(jnp.array([1.0, 5.0, 10.0, 50.0, 100.0]))
    chex.assert_trees_all_close(swept, jnp.array(errors), rtol=1e-5)


def test_fit_towers_under_vmap_over_intervals():
    his = jnp.array([1.0, 2.0, 3.0])
    build = jax.jit(lambda hi: fit_towers(jnp.sin, 0.0, hi, 8))
    params = jax.jit(jax.vmap(build))(his)
    chex.assert_shape(params[0].W, (3, 16, 1))
    for k, hi in enumerate([1.0, 2.0, 3.0]):
        alone = build(jnp.float32(hi))
        chex.assert_trees_all_close(jax.tree.map(lambda a, k=k: a[k], params), alone, rtol=1e-6)


# --- two dimensions ---


@pytest.mark.parametrize("jit", [False, True])
def test_tower_2d_is_the_formula(jit):
    xy = jax.random.uniform(jax.random.key(1), (200, 2), minval=-1.0, maxval=2.0)
    fn = _maybe_jit(
        lambda xy, w: tower_2d(
            xy, jnp.array([0.0, 1.0]), jnp.array([0.2, 0.7]), steepness=w, threshold_steepness=30.0
        ),
        jit,
    )
    got = fn(xy, 25.0)
    tx = tower(xy[:, 0], 0.0, 1.0, steepness=25.0)
    ty = tower(xy[:, 1], 0.2, 0.7, steepness=25.0)
    chex.assert_trees_all_close(got, jax.nn.sigmoid(30.0 * (tx + ty - 1.5)), atol=1e-7)


def test_tower_2d_keeps_the_cell_and_drops_the_cross():
    cell_x, cell_y = jnp.array([0.0, 1.0]), jnp.array([0.0, 1.0])
    pts = jnp.array([[0.5, 0.5], [0.5, 3.0], [3.0, 0.5], [3.0, 3.0]])  # cell, cross arms, far
    got = tower_2d(pts, cell_x, cell_y, steepness=100.0)
    chex.assert_trees_all_close(got, jnp.array([1.0, 0.0, 0.0, 0.0]), atol=1e-6)


@pytest.mark.parametrize("jit", [False, True])
def test_tower_network_2d_shapes_and_forward_equals_formula(jit):
    nx, ny = 3, 5
    heights = jnp.arange(nx * ny, dtype=jnp.float32).reshape(nx, ny) / 7.0 - 1.0
    ex, ey = jnp.linspace(-1.0, 1.0, nx + 1), jnp.linspace(-2.0, 0.5, ny + 1)
    build = _maybe_jit(lambda h, ex, ey: tower_network_2d(h, ex, ey, steepness=30.0), jit)
    params = build(heights, ex, ey)
    assert jaxnn.layer_sizes(params) == (2, 2 * nx + 2 * ny, nx * ny, 1)
    xy = jax.random.uniform(jax.random.key(2), (300, 2), minval=-2.2, maxval=1.2)
    chex.assert_trees_all_close(
        _net_2d(params, xy), tower_sum_2d(xy, heights, ex, ey, steepness=30.0), atol=5e-6
    )
    # cell (i, j)'s centre gives h_ij: the layer-2 neuron of cell (i, j) is neuron i n_y + j
    cx, cy = (ex[:-1] + ex[1:]) / 2, (ey[:-1] + ey[1:]) / 2
    centres = jnp.stack(jnp.meshgrid(cx, cy, indexing="ij"), axis=-1).reshape(-1, 2)
    chex.assert_trees_all_close(_net_2d(params, centres), heights.reshape(-1), atol=1e-4)


def test_tower_sum_2d_is_the_sum_of_2d_towers():
    heights = jnp.array([[0.5, -1.0], [2.0, 0.25]])
    ex, ey = jnp.array([0.0, 0.4, 1.0]), jnp.array([-1.0, 0.0, 0.3])
    xy = jax.random.uniform(jax.random.key(3), (100, 2), minval=-1.2, maxval=1.2)
    want = sum(
        heights[i, j]
        * tower_2d(xy, ex[i : i + 2], ey[j : j + 2], steepness=jnp.array([20.0, 35.0]))
        for i in range(2)
        for j in range(2)
    )
    got = tower_sum_2d(xy, heights, ex, ey, steepness=jnp.array([20.0, 35.0]))
    chex.assert_trees_all_close(got, want, atol=1e-6)


def test_fit_towers_2d_mean_error_falls_and_is_below_measured_tolerance():
    xy = jax.random.uniform(jax.random.key(0), (20000, 2), minval=-1.0, maxval=1.0)
    lo, hi = jnp.array([-1.0, -1.0]), jnp.array([1.0, 1.0])

    @jax.jit  # one program for the four grids
    def mean_and_max_errors(xy):
        fxy = _f2(xy[:, 0], xy[:, 1])
        errs = [jnp.abs(_net_2d(fit_towers_2d(_f2, lo, hi, n), xy) - fxy) for n in (4, 8, 16, 32)]
        return jnp.stack([jnp.mean(e) for e in errs]), jnp.stack([jnp.max(e) for e in errs])

    means, maxes = (np.asarray(v).tolist() for v in mean_and_max_errors(xy))
    # measured: mean 0.202, 0.101, 0.0504, 0.0254 (about 0.8 / n); max 0.77 .. 1.0
    assert all(b < a / 1.8 for a, b in zip(means, means[1:])), means
    assert means[-1] < 0.03, means
    # the notes' 2-D towers dip where four cells meet: the max error does not fall with n
    assert min(maxes) > 0.5, maxes


def test_fit_towers_2d_dips_at_inner_grid_corners():
    params = fit_towers_2d(lambda x, y: jnp.ones_like(x), [0.0, 0.0], [1.0, 1.0], (2, 2))
    got = _net_2d(params, jnp.array([[0.25, 0.25], [0.75, 0.25], [0.5, 0.25], [0.5, 0.5]]))
    # cell centres and a shared edge give 1; the corner where four cells meet gives ~0
    chex.assert_trees_all_close(got[:3], jnp.ones(3), atol=1e-5)
    assert float(got[3]) < 1e-6


def test_fit_towers_2d_rectangular_grid_and_per_axis_steepness():
    params = fit_towers_2d(_f2, [-1.0, 0.0], [1.0, 1.0], (4, 2))
    assert jaxnn.layer_sizes(params) == (2, 12, 8, 1)
    w = params[0].W
    # default steepness is BIN_STEEPNESS over each axis's bin width: 0.5 in x, 0.5 in y here
    np.testing.assert_allclose(w[:8, 0], jaxnn.BIN_STEEPNESS / 0.5, rtol=1e-6)
    np.testing.assert_array_equal(w[:8, 1], 0.0)
    np.testing.assert_array_equal(w[8:, 0], 0.0)


# --- bad input ---


@pytest.mark.parametrize("n", [0, -3])
def test_n_towers_below_one_raises(n):
    with pytest.raises(ValueError, match="n_towers"):
        fit_towers(jnp.sin, 0.0, 1.0, n)
    with pytest.raises(ValueError, match="n_towers"):
        fit_towers_2d(_f2, [0.0, 0.0], [1.0, 1.0], (3, n))


@pytest.mark.parametrize("n", [2.0, True, "4"])
def test_n_towers_not_an_int_raises(n):
    with pytest.raises(TypeError, match="n_towers"):
        fit_towers(jnp.sin, 0.0, 1.0, n)


@pytest.mark.parametrize("lo, hi", [(1.0, 1.0), (2.0, 1.0)])
def test_lo_not_below_hi_raises(lo, hi):
    with pytest.raises(ValueError, match="lo must be < hi"):
        fit_towers(jnp.sin, lo, hi, 4)
    with pytest.raises(ValueError, match="lo must be < hi"):
        fit_towers_2d(_f2, [0.0, lo], [1.0, hi], 4)


def test_non_finite_interval_raises():
    with pytest.raises(ValueError, match="hi"):
        fit_towers(jnp.sin, 0.0, np.inf, 4)
    with pytest.raises(ValueError, match="lo"):
        fit_towers(jnp.sin, np.nan, 1.0, 4)


@pytest.mark.parametrize("w", [np.nan, np.inf, -np.inf, 0.0, -5.0])
def test_bad_steepness_raises(w):
    with pytest.raises(ValueError, match="steepness"):
        fit_towers(jnp.sin, 0.0, 1.0, 4, steepness=w)
    with pytest.raises(ValueError, match="steepness"):
        tower(jnp.zeros(3), 0.0, 1.0, steepness=w)
    with pytest.raises(ValueError, match="steepness"):
        tower_network(jnp.ones(2), jnp.array([0.0, 1.0, 2.0]), steepness=w)
    with pytest.raises(ValueError, match="steepness"):
        fit_towers_2d(_f2, [0.0, 0.0], [1.0, 1.0], 2, steepness=w)
    with pytest.raises(ValueError, match="threshold_steepness"):
        fit_towers_2d(_f2, [0.0, 0.0], [1.0, 1.0], 2, threshold_steepness=w)


def test_bad_edges_and_heights_raise():
    with pytest.raises(ValueError, match="edges must have shape \\(4,\\)"):
        tower_network(jnp.ones(3), jnp.arange(3.0), steepness=1.0)
    with pytest.raises(ValueError, match="edges must be strictly increasing"):
        tower_network(jnp.ones(2), jnp.array([0.0, 2.0, 1.0]), steepness=1.0)
    with pytest.raises(ValueError, match="heights contains 1 NaN"):
        tower_network(jnp.array([1.0, jnp.nan]), jnp.arange(3.0), steepness=1.0)
    with pytest.raises(ValueError, match="heights must have shape"):
        tower_network(jnp.ones((2, 2)), jnp.arange(3.0), steepness=1.0)
    with pytest.raises(ValueError, match="y_edges must have shape \\(3,\\)"):
        tower_network_2d(jnp.ones((2, 2)), jnp.arange(3.0), jnp.arange(4.0), steepness=1.0)
    with pytest.raises(ValueError, match="xy must have 2 columns"):
        tower_sum_2d(
            jnp.ones((5, 3)), jnp.ones((1, 1)), jnp.arange(2.0), jnp.arange(2.0), steepness=1.0
        )
    with pytest.raises(TypeError, match="x must be a real numeric array"):
        tower_sum(jnp.ones(3, jnp.complex64), jnp.ones(1), jnp.arange(2.0), steepness=1.0)


def test_f_must_be_a_vectorized_callable():
    with pytest.raises(ValueError, match="f must be vectorized"):
        fit_towers(lambda x: jnp.sum(x), 0.0, 1.0, 4)
    with pytest.raises(TypeError, match="f must be a callable"):
        fit_towers(3.0, 0.0, 1.0, 4)
    with pytest.raises(ValueError, match="f\\(centres\\) contains"):
        fit_towers(lambda x: jnp.log(x - 0.5), 0.0, 1.0, 4)


def test_lists_are_accepted_like_arrays():
    from_lists = tower_network([1.0, 2.0], [0.0, 1.0, 2.0], steepness=3.0)
    from_arrays = tower_network(jnp.array([1.0, 2.0]), jnp.array([0.0, 1.0, 2.0]), steepness=3.0)
    chex.assert_trees_all_equal(from_lists, from_arrays)
    chex.assert_trees_all_equal(
        fit_towers_2d(_f2, (-1.0, 0.0), [1.0, 1.0], 3, steepness=[10.0, 20.0]),
        fit_towers_2d(
            _f2, jnp.array([-1.0, 0.0]), jnp.array([1.0, 1.0]), 3, steepness=jnp.array([10.0, 20.0])
        ),
    )

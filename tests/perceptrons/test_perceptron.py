"""The perceptron, its learning algorithm and the convergence bound (notes 2.2-2.3)."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnn
from jaxnn.perceptrons import convergence_trials

X2 = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
AND = np.array([0, 0, 0, 1])
XOR = np.array([0, 1, 1, 0])


# --- the perceptron -------------------------------------------------------------------------------


@pytest.mark.parametrize("jit", [False, True])
def test_perceptron_rule_with_bias_minus_theta(jit):
    f = jax.jit(jaxnn.perceptron) if jit else jaxnn.perceptron
    params = jaxnn.PerceptronParams(jnp.array([1.0, 1.0]), jnp.array(-2.0))  # theta = 2
    np.testing.assert_array_equal(f(params, X2), AND)  # w.x + b = 0 counts as 1 (>= 0)
    assert int(f(params, jnp.array([1.0, 1.0]))) == 1
    assert f(params, X2).dtype == jnp.int32


def test_perceptron_layer_matches_units():
    w = jnp.array([[1.0, 1.0], [-1.0, 2.0], [0.5, -0.5]])
    b = jnp.array([-2.0, 0.0, 0.1])
    layer = jaxnn.perceptron(jaxnn.PerceptronParams(w, b), X2)
    chex.assert_shape(layer, (4, 3))
    for k in range(3):
        unit = jaxnn.perceptron(jaxnn.PerceptronParams(w[k], b[k]), X2)
        np.testing.assert_array_equal(layer[:, k], unit)


def test_init_perceptron_shapes_and_determinism():
    p = jaxnn.init_perceptron(jax.random.key(3), 5)
    chex.assert_shape(p.w, (5,))
    chex.assert_shape(p.b, ())
    chex.assert_trees_all_equal(p, jaxnn.init_perceptron(jax.random.key(3), 5))


def test_perceptron_bad_shapes():
    params = jaxnn.PerceptronParams(jnp.ones(2), jnp.zeros(()))
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 2\)"):
        jaxnn.perceptron(params, np.ones((4, 3)))
    with pytest.raises(ValueError, match="b must have shape"):
        jaxnn.perceptron(jaxnn.PerceptronParams(jnp.ones(2), jnp.zeros(2)), X2)
    with pytest.raises(TypeError, match="real numeric"):
        jaxnn.perceptron(params, np.array([["a", "b"]]))


# --- the learning algorithm -----------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["random", "modified", "cyclic"])
@pytest.mark.parametrize("jit", [False, True])
def test_learns_and_and_result_is_correct(algorithm, jit):
    def f(x, y, k):
        return jaxnn.learn_perceptron(x, y, k, algorithm=algorithm, max_steps=500)

    fit = (jax.jit(f) if jit else f)(X2, AND, jax.random.key(0))
    assert bool(fit.converged)
    np.testing.assert_array_equal(jaxnn.perceptron(fit.params, X2), AND)
    assert 0 < int(fit.corrections) <= int(fit.steps) < 500


def test_cyclic_from_zero_is_the_hand_computed_sequence():
    # Algorithm 1 with the points tested in turn, w = (b, w1, w2) from 0 on AND:
    # (0,0): 0 >= 0 but y = 0 -> w - (1,0,0); (1,0), (0,1) fine; (1,1): -1 < 0 -> w + (1,1,1) ...
    fit = jaxnn.learn_perceptron(X2, AND, algorithm="cyclic", max_steps=100, history=True)
    wb = np.concatenate([np.asarray(fit.history.b)[:, None], np.asarray(fit.history.w)], 1)
    np.testing.assert_array_equal(
        wb[:5], [[0, 0, 0], [-1, 0, 0], [-1, 0, 0], [-1, 0, 0], [0, 1, 1]]
    )
    assert float(fit.params.b) == -3.0 and fit.params.w.tolist() == [1.0, 2.0]
    assert int(fit.corrections) == 11 and int(fit.steps) == 18


def test_modified_uses_normalized_points_and_unit_steps():
    fit = jaxnn.learn_perceptron(
        X2, AND, jax.random.key(1), algorithm="modified", max_steps=300, history=True
    )
    wb = np.concatenate([np.asarray(fit.history.b)[:, None], np.asarray(fit.history.w)], 1)
    steps = np.linalg.norm(np.diff(wb[: int(fit.steps) + 1], axis=0), axis=1)
    moved = steps[steps > 0]
    np.testing.assert_allclose(moved, 1.0, rtol=1e-6)  # every correction adds a unit vector
    assert moved.size == int(fit.corrections)


def test_history_is_padded_with_the_final_params():
    fit = jaxnn.learn_perceptron(X2, AND, algorithm="cyclic", max_steps=50, history=True)
    chex.assert_shape(fit.history.w, (51, 2))
    chex.assert_shape(fit.history.b, (51,))
    s = int(fit.steps)
    np.testing.assert_array_equal(fit.history.w[s:], np.broadcast_to(fit.params.w, (51 - s, 2)))


def test_xor_never_converges_and_stops_at_the_cap():
    fit = jaxnn.learn_perceptron(X2, XOR, jax.random.key(0), max_steps=321)
    assert not bool(fit.converged)
    assert int(fit.steps) == 321


def test_points_of_N_on_the_boundary_are_corrected():
    # The perceptron rule needs w.x < 0 on N; w = 0 gives w.x = 0 for the N point, a mistake.
    fit = jaxnn.learn_perceptron(np.array([[1.0]]), np.array([0]), algorithm="cyclic")
    assert bool(fit.converged) and int(fit.corrections) == 1
    assert int(jaxnn.perceptron(fit.params, np.array([[1.0]]))[0]) == 0
    # ...and in Algorithm 2 too (the notes' line 8 tests w.p < 0 only).
    fit = jaxnn.learn_perceptron(
        np.array([[1.0]]), np.array([0]), jax.random.key(0), algorithm="modified"
    )
    assert bool(fit.converged) and int(fit.corrections) >= 1


def test_perceptron_points_is_p_union_negated_n():
    p = jaxnn.perceptron_points(X2, AND)
    np.testing.assert_array_equal(p, [[-1, 0, 0], [-1, -1, 0], [-1, 0, -1], [1, 1, 1]])
    q = jaxnn.perceptron_points(X2, AND, normalize=True)
    np.testing.assert_allclose(jnp.linalg.norm(q, axis=1), 1.0, rtol=1e-6)


def test_vmap_over_seeds_traces_once_and_matches_solo_runs():
    learn = chex.assert_max_traces(jaxnn.learn_perceptron, n=1)
    keys = jax.random.split(jax.random.key(0), 5)
    f = jax.jit(jax.vmap(lambda k: learn(X2, AND, k, max_steps=500)))
    batch = f(keys)
    chex.clear_trace_counter()
    for i in range(5):
        solo = jaxnn.learn_perceptron(X2, AND, keys[i], max_steps=500)
        chex.assert_trees_all_equal(jax.tree.map(lambda a, i=i: a[i], batch), solo)


def test_vmap_over_functions_and_data_sets():
    tables = jaxnn.boolean_functions(2)
    fits = jax.vmap(lambda t: jaxnn.learn_perceptron(X2, t, algorithm="cyclic", max_steps=400))(
        tables
    )
    np.testing.assert_array_equal(
        fits.converged, np.asarray(jaxnn.classify_boolean_functions(2).separable)
    )
    xs = jnp.stack([jnp.asarray(X2), 2 * jnp.asarray(X2)])
    ys = jnp.stack([jnp.asarray(AND), jnp.asarray(AND)])
    both = jax.vmap(lambda x, y: jaxnn.learn_perceptron(x, y, algorithm="cyclic"))(xs, ys)
    assert both.converged.tolist() == [True, True]


def test_nan_member_is_not_converged_and_leaves_others_equal():
    xs = jnp.stack([jnp.asarray(X2), jnp.asarray(X2).at[2, 1].set(jnp.nan), jnp.asarray(X2)])
    ys = jnp.stack([jnp.asarray(AND), jnp.asarray(AND), jnp.asarray(XOR)])
    keys = jax.random.split(jax.random.key(7), 3)
    fits = jax.vmap(lambda x, y, k: jaxnn.learn_perceptron(x, y, k, max_steps=200))(xs, ys, keys)
    assert fits.converged.tolist() == [True, False, False]
    assert fits.steps.tolist()[1:] == [200, 200]
    solo = jaxnn.learn_perceptron(X2, AND, keys[0], max_steps=200)
    chex.assert_trees_all_equal(jax.tree.map(lambda a: a[0], fits), solo)


def test_nan_start_is_not_converged():
    nan = jaxnn.PerceptronParams(jnp.array([jnp.nan, 0.0]), jnp.zeros(()))
    inits = jax.tree.map(
        lambda a, b: jnp.stack([a, b]), nan, jaxnn.PerceptronParams(jnp.zeros(2), jnp.zeros(()))
    )
    fits = jax.vmap(
        lambda i: jaxnn.learn_perceptron(X2, AND, algorithm="cyclic", init=i, max_steps=100)
    )(inits)
    assert fits.converged.tolist() == [False, True]


def test_float64_under_x64():
    with jax.enable_x64(True):
        fit = jaxnn.learn_perceptron(X2.astype(np.float64), AND, algorithm="cyclic")
        assert fit.params.w.dtype == jnp.float64
        assert bool(fit.converged)


def test_learning_bad_inputs():
    key = jax.random.key(0)
    with pytest.raises(ValueError, match=r"x has 4 samples, y has 3"):
        jaxnn.learn_perceptron(X2, AND[:3], key)
    with pytest.raises(ValueError, match=r"y must be binary \(0 or 1\), got value\(s\) \[2\]"):
        jaxnn.learn_perceptron(X2, np.array([0, 1, 2, 1]), key)
    with pytest.raises(ValueError, match="at least one sample"):
        jaxnn.learn_perceptron(np.zeros((0, 2)), np.zeros(0, int), key)
    with pytest.raises(ValueError, match="NaN"):
        jaxnn.learn_perceptron(X2 * np.nan, AND, key)
    with pytest.raises(ValueError, match="algorithm must be one of"):
        jaxnn.learn_perceptron(X2, AND, key, algorithm="pocket")
    with pytest.raises(ValueError, match="key is required"):
        jaxnn.learn_perceptron(X2, AND)
    with pytest.raises(ValueError, match="max_steps must be between 1"):
        jaxnn.learn_perceptron(X2, AND, key, max_steps=0)
    with pytest.raises(ValueError, match=r"init must have w of shape \(2,\)"):
        jaxnn.learn_perceptron(X2, AND, key, init=jaxnn.PerceptronParams(jnp.zeros(3), 0.0))
    with pytest.raises(ValueError, match="y must be 1-D"):
        jaxnn.learn_perceptron(X2, AND[:, None], key)


# --- the convergence bound ------------------------------------------------------------------------

# one shape (points, dim) for the data sets below, so that their programs compile once
SHAPE = (50, 3)

# the static arguments of convergence_trials shared by the tests below: one program per algorithm
TRIALS = {"datasets": 20, "num_points": 60, "max_steps": 50_000}


def test_bound_is_one_over_delta_squared_from_zero():
    x, y, w_star = jaxnn.separable_data(jax.random.key(0), *SHAPE, 0.1)
    delta = jaxnn.separation_margin(w_star, x, y)
    assert float(delta) >= 0.1
    bound = jaxnn.convergence_bound(w_star, x, y)
    np.testing.assert_allclose(bound, 1 / delta**2, rtol=1e-5)


def test_bound_general_formula_solves_cos_beta_equal_one():
    x, y, w_star = jaxnn.separable_data(jax.random.key(1), *SHAPE, 0.1)
    init = jaxnn.PerceptronParams(jnp.array([0.3, -0.7, 0.5]), jnp.array(0.2))
    k = float(jaxnn.convergence_bound(w_star, x, y, init=init))
    delta = float(jaxnn.separation_margin(w_star, x, y))
    u = np.concatenate([[w_star.b], w_star.w]) / np.linalg.norm(
        np.concatenate([[w_star.b], w_star.w])
    )
    w0 = np.array([0.2, 0.3, -0.7, 0.5])
    cos_beta = (u @ w0 + k * delta) / np.sqrt(w0 @ w0 + k)
    np.testing.assert_allclose(cos_beta, 1.0, rtol=1e-4)


def test_bound_is_inf_when_w_star_does_not_separate():
    w = jaxnn.PerceptronParams(jnp.array([1.0, 0.0]), jnp.array(-0.5))  # separates x1, not AND
    assert float(jaxnn.convergence_bound(w, X2, AND)) == np.inf


@pytest.mark.parametrize("algorithm", ["random", "modified", "cyclic"])
def test_corrections_never_exceed_the_bound(algorithm):
    trials = convergence_trials(
        jax.random.key(2), 0.1, 4, algorithm=algorithm, init_scale=0.5, **TRIALS
    )
    assert bool(trials.converged.all()) and bool(trials.margin_met.all())
    assert np.all(np.asarray(trials.corrections) <= np.asarray(trials.bound))  # in float64
    assert bool(jnp.all(trials.delta >= 0.1 * (1 - 1e-6))) or algorithm != "modified"


def test_padding_dims_changes_nothing():
    a = convergence_trials(jax.random.key(3), 0.1, 4, **TRIALS)
    b = convergence_trials(jax.random.key(3), 0.1, 4, max_dim=4, **TRIALS)
    chex.assert_trees_all_equal(a, b)
    from jaxnn.perceptrons._convergence import _separable_data

    xp, yp, wp, _ = _separable_data(jax.random.key(5), 0.1, 3, 30, 6, 64)
    assert np.all(np.asarray(xp)[:, 3:] == 0) and np.all(np.asarray(wp.w)[3:] == 0)
    fit = jaxnn.learn_perceptron(xp, yp, jax.random.key(0), algorithm="cyclic")
    fit3 = jaxnn.learn_perceptron(xp[:, :3], yp, jax.random.key(0), algorithm="cyclic")
    assert int(fit.corrections) == int(fit3.corrections)
    np.testing.assert_array_equal(fit.params.w[:3], fit3.params.w)


def test_separable_data_is_separable_with_the_margin():
    x, y, w = jaxnn.separable_data(jax.random.key(4), *SHAPE, 0.15)
    chex.assert_shape(x, SHAPE)
    np.testing.assert_array_equal(jaxnn.perceptron(w, x), y)
    assert float(jaxnn.separation_margin(w, x, y)) >= 0.15 * (1 - 1e-6)


def test_separable_data_bad_margin():
    with pytest.raises(ValueError, match="margin must be > 0"):
        jaxnn.separable_data(jax.random.key(0), 10, 2, 0.0)
    with pytest.raises(ValueError, match="margin must be < 1"):
        jaxnn.separable_data(jax.random.key(0), 10, 2, 1.5)
    with pytest.raises(ValueError, match="too large for dim 20"):
        jaxnn.separable_data(jax.random.key(0), 100, 20, 0.9)
    with pytest.raises(ValueError, match="dim must be an integer from 1 to max_dim = 3"):
        convergence_trials(jax.random.key(0), 0.1, 4, datasets=2, num_points=5, max_dim=3)

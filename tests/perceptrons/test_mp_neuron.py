"""The McCulloch-Pitts neuron (notes 2.1)."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnn

X2 = np.array([[0, 0], [1, 0], [0, 1], [1, 1]])


@pytest.mark.parametrize("jit", [False, True])
def test_and_or_not_exact(jit):
    f = jax.jit(jaxnn.mp_neuron) if jit else jaxnn.mp_neuron
    none = jnp.zeros(2, bool)
    np.testing.assert_array_equal(f(X2, 2, none), [0, 0, 0, 1])  # AND
    np.testing.assert_array_equal(f(X2, 1, none), [0, 1, 1, 1])  # OR
    np.testing.assert_array_equal(f(X2, 0, none), [1, 1, 1, 1])  # tautology: theta = 0
    np.testing.assert_array_equal(f(X2, 0, jnp.array([True, True])), [1, 0, 0, 0])  # NOR
    np.testing.assert_array_equal(f(X2, 1, jnp.array([True, False])), [0, 0, 1, 0])


def test_inhibitory_input_forces_zero_whatever_the_sum():
    x = np.array([[1, 1, 1, 1], [0, 1, 1, 1], [0, 0, 0, 1], [1, 0, 0, 0]])
    y = jaxnn.mp_neuron(x, 1, jnp.array([True, False, False, False]))
    np.testing.assert_array_equal(y, [0, 1, 1, 0])


def test_threshold_is_traced_one_compile_for_a_sweep():
    f = chex.assert_max_traces(jaxnn.mp_neuron, n=1)
    jf = jax.jit(f)
    outs = [jf(X2, jnp.int32(t), jnp.zeros(2, bool)) for t in range(4)]
    np.testing.assert_array_equal(np.stack(outs).sum(axis=1), [4, 3, 1, 0])
    chex.clear_trace_counter()


def test_search_finds_and_with_theta_two():
    search = jaxnn.mp_neuron_search(np.array([0, 0, 0, 1]))
    assert bool(search.represents)
    chex.assert_shape(search.matches, (4, 4))
    t, s = np.nonzero(np.asarray(search.matches))
    assert list(zip(t.tolist(), s.tolist())) == [(2, 0)]  # theta = 2, no inhibitory input


def test_search_rejects_xor_and_x1_alone():
    assert not bool(jaxnn.mp_neuron_search(np.array([0, 1, 1, 0])).represents)
    # x1 alone: an MP neuron sums every input and has no weights to ignore x2
    assert not bool(jaxnn.mp_neuron_search(np.array([0, 1, 0, 1])).represents)


def test_search_vmaps_over_tables_and_agrees_with_representable():
    tables = jaxnn.boolean_functions(3)
    found = jax.jit(jax.vmap(jaxnn.mp_neuron_search))(tables).represents
    np.testing.assert_array_equal(found, jaxnn.mp_representable(3))


def test_representable_counts_and_subset_of_separable():
    counts = [int(jaxnn.mp_representable(n).sum()) for n in range(1, 5)]
    assert counts == [4, 9, 21, 49]
    for n in range(1, 4):
        mp = np.asarray(jaxnn.mp_representable(n))
        assert np.all(np.asarray(jaxnn.classify_boolean_functions(n).separable)[mp])


def test_representable_two_inputs_by_name():
    names = [jaxnn.TWO_INPUT_FUNCTION_NAMES[j] for j in np.flatnonzero(jaxnn.mp_representable(2))]
    assert names == [
        "FALSE",
        "AND",
        "NOT x1 AND x2",
        "x1 AND NOT x2",
        "OR",
        "NOR",
        "NOT x1",
        "NOT x2",
        "TRUE",
    ]


def test_bad_inputs():
    none = np.zeros(2, bool)
    with pytest.raises(ValueError, match=r"x must be binary .* \[2\]"):
        jaxnn.mp_neuron(np.array([[0, 2]]), 1, none)
    with pytest.raises(ValueError, match=r"inhibitory must have shape \(2,\)"):
        jaxnn.mp_neuron(X2, 1, np.zeros(3, bool))
    with pytest.raises(ValueError, match="x must be 2-D"):
        jaxnn.mp_neuron(np.array([0, 1]), 1, none)
    with pytest.raises(ValueError, match="at least one sample"):
        jaxnn.mp_neuron(np.zeros((0, 2)), 1, none)
    with pytest.raises(ValueError, match="theta must be a scalar"):
        jaxnn.mp_neuron(X2, np.array([1, 2]), none)
    with pytest.raises(ValueError, match=r"table must have 2\*\*n entries .* got 3"):
        jaxnn.mp_neuron_search(np.array([0, 1, 1]))
    with pytest.raises(ValueError, match=r"table must be binary"):
        jaxnn.mp_neuron_search(np.array([0, 1, 1, 3]))
    with pytest.raises(ValueError, match="n must be between 1 and 4, got 5"):
        jaxnn.mp_representable(5)


@pytest.mark.parametrize(
    "theta, inhibitory, match",
    [
        (float("nan"), [False, False], "theta must be a finite number, got nan"),
        (float("inf"), [False, False], "theta must be a finite number, got inf"),
        (1, [2, 0], r"inhibitory must be binary \(0 or 1\), got value\(s\) \[2\]"),
        (1, [0.5, 0], r"inhibitory must be binary \(0 or 1\), got value\(s\) \[0.5\]"),
    ],
)
def test_bad_theta_and_inhibitory_flags_are_refused(theta, inhibitory, match):
    with pytest.raises(ValueError, match=match):
        jaxnn.mp_neuron(jaxnn.boolean_inputs(2), theta, np.array(inhibitory))


def test_inhibitory_flags_may_be_zeros_and_ones():
    x = jaxnn.boolean_inputs(2)
    np.testing.assert_array_equal(jaxnn.mp_neuron(x, 1, np.array([1, 0])), [0, 0, 1, 0])

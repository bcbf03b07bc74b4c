"""The network of perceptrons that represents any boolean function (notes 2.5)."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnn

XOR = np.array([0, 1, 1, 0])


def pm(n: int) -> jax.Array:
    return 2 * jaxnn.boolean_inputs(n) - 1


@pytest.mark.parametrize("jit", [False, True])
def test_xor_network_matches_table_3(jit):
    net = jaxnn.perceptron_network(XOR)
    chex.assert_shape(net.hidden.w, (4, 2))
    np.testing.assert_array_equal(net.hidden.b, [-2, -2, -2, -2])
    apply = jax.jit(jaxnn.perceptron_network_apply) if jit else jaxnn.perceptron_network_apply
    np.testing.assert_array_equal(apply(net, pm(2)), XOR)
    # Table 3: h_k fires for row k alone, so the output sees w_k for row k
    h = jaxnn.perceptron(net.hidden, pm(2))
    np.testing.assert_array_equal(h, np.eye(4, dtype=int))


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_each_hidden_unit_fires_for_exactly_one_input(n):
    h = np.asarray(jaxnn.perceptron(jaxnn.perceptron_network(np.zeros(2**n, int)).hidden, pm(n)))
    np.testing.assert_array_equal(h, np.eye(2**n, dtype=int))


def test_learned_xor_network():
    net, converged = jaxnn.fit_perceptron_network(XOR)
    assert bool(converged)
    np.testing.assert_array_equal(jaxnn.perceptron_network_apply(net, pm(2)), XOR)


@pytest.mark.parametrize("learned", [False, True])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_every_function_reproduced(n, learned):
    exact = jaxnn.perceptron_network_exact(n, learned=learned)
    chex.assert_shape(exact, (2 ** (2**n),))
    assert bool(exact.all())


def test_all_65536_functions_of_four_inputs_in_one_vmapped_call():
    tables = jaxnn.boolean_functions(4)
    x = pm(4)

    @jax.jit
    def check(tables):
        nets, converged = jax.vmap(jaxnn.fit_perceptron_network)(tables)
        y = jax.vmap(jaxnn.perceptron_network_apply, in_axes=(0, None))(nets, x)
        direct = jax.vmap(jaxnn.perceptron_network)(tables)
        y_direct = jax.vmap(jaxnn.perceptron_network_apply, in_axes=(0, None))(direct, x)
        return converged, y, y_direct

    converged, y, y_direct = check(tables)
    chex.assert_shape(y, (65536, 16))
    assert bool(converged.all())
    np.testing.assert_array_equal(y, tables)
    np.testing.assert_array_equal(y_direct, tables)


def test_random_algorithm_also_learns():
    net, converged = jaxnn.fit_perceptron_network(
        np.array([1, 0, 0, 1, 0, 1, 1, 0]), jax.random.key(0), algorithm="random"
    )
    assert bool(converged)
    np.testing.assert_array_equal(
        jaxnn.perceptron_network_apply(net, pm(3)), [1, 0, 0, 1, 0, 1, 1, 0]
    )


def test_bad_inputs():
    net = jaxnn.perceptron_network(XOR)
    with pytest.raises(ValueError, match=r"x must hold -1 or \+1 .* \[0\]"):
        jaxnn.perceptron_network_apply(net, jaxnn.boolean_inputs(2))
    with pytest.raises(ValueError, match="x has 3 features, the network expects 2"):
        jaxnn.perceptron_network_apply(net, jnp.ones((1, 3)))
    with pytest.raises(ValueError, match=r"table must have 2\*\*n entries for some n >= 1, got 3"):
        jaxnn.perceptron_network([0, 1, 1])
    with pytest.raises(ValueError, match="table must be binary"):
        jaxnn.fit_perceptron_network(np.array([0, 1, 1, 5]))
    with pytest.raises(ValueError, match="n must be between 1 and 4, got 5"):
        jaxnn.perceptron_network_exact(5)

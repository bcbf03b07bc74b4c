"""The initial draw: every layer's values in one vmapped draw, bit for bit the per-layer draws."""

import jax
import numpy as np
import pytest

from jaxnn.training import _initial


@pytest.mark.optimized  # bit for bit, as a user's optimized programs compute it
@pytest.mark.parametrize(
    "shapes",
    [
        [(128, 64), (128, 128), (10, 128)],  # one padded draw (49152 <= 3 x 25856)
        [(256, 784), (1, 10), (1, 10), (1, 10)],  # each alone (4 x 200704 > 3 x 200734 values)
        [(300, 1)],
    ],
)
def test_erfinv_draws_equal_the_per_layer_draws(shapes):
    sizes = [rows * cols for rows, cols in shapes]
    keys = list(jax.random.split(jax.random.PRNGKey(7), len(shapes)))
    joint = len(sizes) > 1 and max(sizes) * len(sizes) <= _initial.PAD_LIMIT * sum(sizes)
    assert joint == (sizes[0] == 64 * 128)
    got = jax.jit(lambda ks: _initial.erfinv_draws(ks, shapes))(keys)
    for k, n, g in zip(keys, sizes, got):
        want = _initial.erfinv_draw(k, (n,))
        assert g.shape == (n,)
        np.testing.assert_array_equal(np.asarray(g), np.asarray(want))

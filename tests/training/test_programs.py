"""The engine's program cache: keyed by whether XLA optimizes, so the two never mix."""

import jax
import numpy as np

import jaxnn
from jaxnn._util import compile_count

FLAG = "jax_disable_most_optimizations"


def test_programs_compiled_without_optimizations_are_not_reused_with_them():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int32)
    data = (x[:32], y[:32], x[32:], y[32:])
    before = jax.config.read(FLAG)
    try:
        counts = []
        for off in (True, False, True, False):
            jax.config.update(FLAG, off)
            start = compile_count()
            jaxnn.fit(data, hidden_sizes=(5,), epochs=1, batch_size=8)
            counts.append(compile_count() - start)
    finally:
        jax.config.update(FLAG, before)
    # a network of its own (3-5-2, batch 8): each setting compiles its own programs once, then
    # reuses them; never the other setting's
    assert counts[0] > 0 and counts[1] > 0, counts
    assert counts[2:] == [0, 0], counts

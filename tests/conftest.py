"""Strict numerics for every test, and the fixtures that share data and compiled programs.

Strictness as equinox's tests take it: no implicit rank promotion, no implicit dtype promotion
(``jax_numpy_dtype_promotion="strict"``: mixing float32 with float64 or ints with floats must be
an explicit cast), two CPU devices so that the sharding paths run with more than one device, and
every warning an error (pyproject's ``filterwarnings`` holds the short allow list).
"""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
# The CLI caches compiled programs in ~/.cache/jaxnn by default: not from the tests (the cache's
# own tests give it a temporary directory).
os.environ.setdefault("JAXNN_CACHE", "off")
# No test downloads from the internet: -d mnist and the like go to a closed local port unless a
# test serves the files itself (tests/training/test_download.py).
os.environ.setdefault("JAXNN_DATA_URL", "http://127.0.0.1:9")
# Two CPU devices (XLA reads the flag once, when the backend starts: before jax is imported), so
# that sweeps shard their members across devices in every test, as on a multi-core machine.
if "xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
    _flags = os.environ.get("XLA_FLAGS", "")
    os.environ["XLA_FLAGS"] = f"{_flags} --xla_force_host_platform_device_count=2".strip()

# Tests compile hundreds of small programs and run each for milliseconds, so XLA's backend (LLVM)
# optimizations cost far more than they save: the tests compile with them off (the same HLO
# programs, fusions and layouts; LLVM at -O0), which cuts the fast tier's CPU time by more than a
# quarter. Child processes inherit it. `make test-slow` (long runs, benchmarks) sets it to 0:
# fully optimized, as a user's programs are; JAX_DISABLE_MOST_OPTIMIZATIONS=0 does so for any run.
os.environ.setdefault("JAX_DISABLE_MOST_OPTIMIZATIONS", "1")

import jax  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

jax.config.update("jax_numpy_rank_promotion", "raise")
jax.config.update("jax_numpy_dtype_promotion", "strict")

from hypothesis import HealthCheck, settings  # noqa: E402

# No deadline load can break, and no "too slow" health check on a loaded 2-core machine.
settings.register_profile("jaxnn", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("jaxnn")


@pytest.fixture(scope="session")
def xor():
    """The XOR data set, loaded once for every test that trains on it (its arrays read-only, so
    that no test can change what the others see)."""
    from jaxnn.training import load_dataset

    data = load_dataset("xor")
    for array in data:
        if isinstance(array, np.ndarray):
            array.flags.writeable = False
    return data


@pytest.fixture(autouse=True)
def _optimized(request):
    """A test marked ``optimized`` compiles with XLA's backend optimizations on, as a user's
    programs do (its claim, such as bit-for-bit equality of two differently fused programs, holds
    for the optimized code; LLVM at -O0 rounds some fused expressions differently). Nothing
    compiled at -O0 runs in it: jax's caches are cleared, and the engine's program cache is keyed
    by the flag (its -O0 programs stay for the tests that follow)."""
    flag = "jax_disable_most_optimizations"
    if request.node.get_closest_marker("optimized") is None or not jax.config.read(flag):
        yield
        return
    jax.clear_caches()
    jax.config.update(flag, False)
    try:
        yield
    finally:
        jax.config.update(flag, True)

"""Strict numerics for every test: no implicit rank promotion, matplotlib off-screen."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
# The CLI caches compiled programs in ~/.cache/jaxnn by default: not from the tests (the cache's
# own tests give it a temporary directory).
os.environ.setdefault("JAXNN_CACHE", "off")
# No test downloads from the internet: -d mnist and the like go to a closed local port unless a
# test serves the files itself (tests/training/test_download.py).
os.environ.setdefault("JAXNN_DATA_URL", "http://127.0.0.1:9")

import jax  # noqa: E402

jax.config.update("jax_numpy_rank_promotion", "raise")

from hypothesis import HealthCheck, settings  # noqa: E402

# No deadline load can break, and no "too slow" health check on a loaded 2-core machine.
settings.register_profile("jaxnn", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("jaxnn")

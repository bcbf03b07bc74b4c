"""The dtype of a run (``--dtype``, ``fit(dtype=...)``): which one, and whether the backend has it.

float32 is the default. float64 needs 64-bit JAX (``jax_enable_x64``): without it JAX turns every
float64 array into float32 without a word, so jaxnn refuses instead (the CLI turns it on). A
backend without float64 arithmetic is refused too, rather than computing in less precision.
bfloat16 runs keep their hyperparameters in float32 (bfloat16 rounds beta2 = 0.999 to 1).
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["backend_has_float64", "check_dtype", "data_dtype", "enable_dtype"]


@functools.cache
def backend_has_float64(backend: str | None = None) -> bool:
    """Whether the default (or named) backend computes in float64 (a tiny matmul, once)."""
    try:
        with jax.enable_x64(True):
            device = jax.devices(backend)[0]
            a = jax.device_put(np.array([1.0, 2.0**-20], np.float64), device)
            b = jnp.dot(a, a)
            return b.dtype == jnp.float64 and float(b) == 1.0 + 2.0**-40
    except Exception:  # noqa: BLE001 - a backend that cannot even try has no float64
        return False


def check_dtype(dtype: str, *, grad: str = "explicit", label: str = "dtype") -> str:
    """Refuses a dtype the process cannot compute in; returns it.

    Raises:
      ValueError: for float64 without 64-bit JAX, or on a backend without float64 (naming the
        backend, and ``--grad`` when explicit backpropagation was asked for).
    """
    if dtype != "float64":
        return dtype
    if not backend_has_float64():
        how = " with --grad explicit (Algorithm 6)" if grad == "explicit" else ""
        raise ValueError(
            f"{label} float64{how}: the {jax.default_backend()} backend has no float64 "
            f"arithmetic; use float32"
        )
    if not jax.config.jax_enable_x64:
        raise ValueError(
            f"{label} float64 needs 64-bit JAX, or every array silently becomes float32: call "
            f"jax.config.update('jax_enable_x64', True) first (jaxnn train --dtype float64 does)"
        )
    return dtype


def enable_dtype(dtype: str, *, grad: str = "explicit", label: str = "--dtype") -> str:
    """`check_dtype`, turning on 64-bit JAX for float64 first (the command line does this)."""
    if dtype == "float64" and backend_has_float64():
        jax.config.update("jax_enable_x64", True)
    return check_dtype(dtype, grad=grad, label=label)


def data_dtype(x: Any) -> str:
    """The run dtype that arrays ``x`` ask for: float64 for float64 arrays under 64-bit JAX,
    bfloat16 for bfloat16 arrays, float32 for anything else."""
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        dtype = np.asarray(x).dtype
    if dtype == jnp.float64 and jax.config.jax_enable_x64:
        return "float64"
    if dtype == jnp.bfloat16:
        return "bfloat16"
    return "float32"

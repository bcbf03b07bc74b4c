"""Checks at jaxnn's data boundary: clear errors instead of silent NaNs or broadcasts.

Shape, rank and dtype checks cost nothing at trace time and work on tracers. Value checks (NaN,
binary, label range) need concrete arrays: they run on NumPy data before anything is jitted, and are
skipped for tracers (inside jit the data were checked where they entered).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jax import core as _core
from jax.typing import ArrayLike

__all__ = [
    "check_binary",
    "check_finite",
    "check_finite_positive",
    "check_finite_scalar",
    "check_fits_dtype",
    "check_int_range",
    "check_key",
    "check_labels",
    "check_matrix",
    "check_numeric",
    "check_plus_minus_one",
    "check_positive",
    "check_same_length",
    "check_truth_table",
    "float_dtype",
    "is_concrete",
    "keyword_key",
    "lookup",
]


def is_concrete(x: ArrayLike) -> bool:
    """True when ``x`` holds values (not a tracer inside ``jit``/``vmap``)."""
    return not isinstance(x, _core.Tracer)


def check_numeric(name: str, x: ArrayLike) -> None:
    """Raises ``TypeError`` for complex, object, string or otherwise non-real arrays."""
    dtype = x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype
    # jnp.issubdtype knows bfloat16 and the other ml_dtypes floats; NumPy's does not.
    if not (jnp.issubdtype(dtype, jnp.floating) or jnp.issubdtype(dtype, jnp.integer)) and (
        dtype != np.dtype(bool)
    ):
        raise TypeError(f"{name} must be a real numeric array, got dtype {dtype}")


def float_dtype(*xs: ArrayLike) -> np.dtype:
    """The floating dtype to compute in: JAX's standard promotion of ``xs``, float32 at least.

    Integer and bool inputs compute in float32, float64 ones in float64 (under x64). The rule is
    applied explicitly, so it holds under ``jax_numpy_dtype_promotion="strict"`` as well.
    """
    import jax

    xs = tuple(np.asarray(x) if isinstance(x, list | tuple) else x for x in xs)
    with jax.numpy_dtype_promotion("standard"):
        return jnp.promote_types(jnp.result_type(*xs), jnp.float32)


def check_matrix(name: str, x: ArrayLike, *, features: int | None = None) -> None:
    """Checks that ``x`` is a non-empty 2-D (samples, features) array of real numbers.

    Args:
      name: the argument's name, used in the error message.
      x: the array to check.
      features: the number of columns expected, if known.
    """
    check_numeric(name, x)
    shape = np.shape(x)
    if len(shape) != 2:
        raise ValueError(f"{name} must be 2-D (samples, features), got shape {shape}")
    if shape[0] == 0 or shape[1] == 0:
        raise ValueError(f"{name} must have at least one sample and one feature, got shape {shape}")
    if features is not None and shape[1] != features:
        raise ValueError(f"{name} has {shape[1]} features, expected {features}")


def check_same_length(x_name: str, x: ArrayLike, y_name: str, y: ArrayLike) -> None:
    """Raises ``ValueError`` naming both lengths when ``x`` and ``y`` differ in sample count."""
    nx, ny = np.shape(x)[0], np.shape(y)[0]
    if nx != ny:
        raise ValueError(f"{x_name} has {nx} samples, {y_name} has {ny}")


def check_finite(name: str, x: ArrayLike) -> None:
    """Raises ``ValueError`` if a concrete ``x`` contains NaN or infinity."""
    if not is_concrete(x):
        return
    a = np.asarray(x)
    # jnp.issubdtype knows bfloat16 and the other ml_dtypes floats (NumPy's does not)
    if jnp.issubdtype(a.dtype, jnp.floating):
        finite = np.isfinite(a.astype(np.float32) if a.dtype.itemsize < 4 else a)
        if not np.all(finite):
            bad = int(np.size(a) - np.count_nonzero(finite))
            raise ValueError(f"{name} contains {bad} NaN or infinite value(s)")


def check_fits_dtype(name: str, x: ArrayLike, dtype: object) -> None:
    """Raises ``ValueError`` if a concrete ``x`` holds a finite value that ``dtype`` cannot hold
    (it would become infinity on the way in), naming its row and column and the dtype's range."""
    if not is_concrete(x):
        return
    a = np.asarray(x)
    target = jnp.dtype(dtype)
    if not jnp.issubdtype(target, jnp.floating) or a.size == 0:
        return
    if not (jnp.issubdtype(a.dtype, jnp.floating) or jnp.issubdtype(a.dtype, jnp.integer)):
        return
    limit = float(jnp.finfo(target).max)
    if jnp.issubdtype(a.dtype, jnp.floating) and float(jnp.finfo(a.dtype).max) <= limit:
        return
    if (
        jnp.issubdtype(a.dtype, jnp.integer)
        and max(abs(int(np.iinfo(a.dtype).min)), int(np.iinfo(a.dtype).max)) <= limit
    ):
        return
    with np.errstate(all="ignore"):
        wide = a.astype(np.float64) if a.dtype != np.float64 else a
        over = np.isfinite(wide) & (np.abs(wide) > limit)
    if not np.any(over):
        return
    where = np.unravel_index(int(np.argmax(over.ravel())), a.shape)
    value = a[where]
    place = (
        f"row {where[0]}, column {where[1]}"
        if a.ndim == 2
        else ("index " + ", ".join(map(str, where)) if where else "its value")
    )
    raise ValueError(
        f"{name}: {place} holds {float(value):g}, beyond the range of {target.name} (the run's "
        f"dtype; its largest value is {limit:.4g}): it would become infinity"
    )


def check_finite_scalar(name: str, value: float) -> None:
    """Raises ``ValueError`` for a value that is infinite (a step of infinity is no step)."""
    if not np.isfinite(float(value)):
        raise ValueError(f"{name} must be finite, got {value}")


def _check_two_values(name: str, x: ArrayLike, low: int, high: int, expected: str) -> None:
    """Raises ``ValueError`` (``name`` must ``expected``) if a concrete ``x`` holds values other
    than ``low`` and ``high``."""
    check_numeric(name, x)
    if not is_concrete(x):
        return
    a = np.asarray(x)
    bad = np.unique(a[(a != low) & (a != high)])
    if bad.size:
        raise ValueError(f"{name} must {expected}, got value(s) {bad[:5].tolist()}")


def check_binary(name: str, x: ArrayLike) -> None:
    """Raises ``ValueError`` if a concrete ``x`` holds values other than 0 and 1."""
    _check_two_values(name, x, 0, 1, "be binary (0 or 1)")


def check_labels(name: str, y: ArrayLike, num_classes: int) -> None:
    """Raises ``ValueError`` listing integer labels outside ``[0, num_classes)``."""
    if not is_concrete(y):
        return
    a = np.asarray(y)
    if not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"{name} must hold integer class labels, got dtype {a.dtype}")
    bad = np.unique(a[(a < 0) | (a >= num_classes)])
    if bad.size:
        raise ValueError(
            f"{name} has label(s) {bad[:10].tolist()} outside [0, {num_classes - 1}] "
            f"for {num_classes} classes"
        )


def check_positive(name: str, value: float, *, allow_zero: bool = False) -> None:
    """Raises ``ValueError`` for a value that is NaN, not positive (or negative if allowed zero)."""
    v = float(value)
    ok = v >= 0 if allow_zero else v > 0
    if not ok or np.isnan(v):
        expected = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {expected}, got {value}")


def check_int_range(name: str, value: object, low: int, high: int, *, why: str = "") -> int:
    """Returns ``value`` as an int, or raises if it is not an integer in ``[low, high]``.

    Args:
      name: the argument's name, used in the error message.
      value: the value to check (a Python or NumPy integer; bools are refused).
      low: the smallest value allowed.
      high: the largest value allowed.
      why: an optional reason for the limits, appended to the message.
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {value!r} of type {type(value).__name__}")
    if not low <= int(value) <= high:
        reason = f" ({why})" if why else ""
        raise ValueError(f"{name} must be between {low} and {high}, got {value}{reason}")
    return int(value)


def check_truth_table(name: str, table: ArrayLike, *, n: int | None = None) -> int:
    """Checks a truth table: a 1-D 0/1 array of length ``2**n``; returns ``n``.

    Args:
      name: the argument's name, used in the error message.
      table: the outputs of a boolean function, one per input row.
      n: the number of inputs expected, if known.
    """
    if not hasattr(table, "dtype"):
        table = np.asarray(table)
    shape = np.shape(table)
    if len(shape) != 1:
        raise ValueError(f"{name} must be 1-D (one output per input row), got shape {shape}")
    length = shape[0]
    if n is not None and length != 2**n:
        raise ValueError(f"{name} must have 2**{n} = {2**n} entries for {n} inputs, got {length}")
    if length < 2 or length & (length - 1):
        raise ValueError(f"{name} must have 2**n entries for some n >= 1, got {length}")
    check_binary(name, table)
    return length.bit_length() - 1


def lookup(registry: dict, value: object, cls: type, what: str, aliases: dict | None = None):
    """A registry's entry by name (or alias), or a value of ``cls`` passed through.

    Args:
      registry: name -> entry (``ACTIVATIONS``, ``OUTPUTS``, ``LOSSES``).
      value: a name, or an entry of type ``cls``.
      cls: the type of the entries.
      what: the kind of thing, for the message (``"activation"``).
      aliases: other names of entries.

    Raises:
      ValueError: for an unknown name, listing the valid ones.
    """
    if isinstance(value, cls):
        return value
    aliases = aliases or {}
    try:
        return registry[aliases.get(value, value)]
    except (KeyError, TypeError):
        also = f" (or {', '.join(aliases)})" if aliases else f" (or a jaxnn.{cls.__name__})"
        raise ValueError(f"unknown {what} {value!r}; valid: {', '.join(registry)}{also}") from None


def check_key(name: str, key: object) -> None:
    """Raises ``TypeError`` unless ``key`` is a PRNG key: a typed key (``jax.random.key``) or raw
    uint32 key data of shape (..., 2) (``jax.random.PRNGKey``)."""
    import jax

    dtype = getattr(key, "dtype", None)
    if dtype is not None and jnp.issubdtype(dtype, jax.dtypes.prng_key):
        return
    if dtype == jnp.uint32 and np.shape(key)[-1:] == (2,):
        return
    got = f"{type(key).__name__}" + (
        f" of dtype {dtype} and shape {np.shape(key)}" if dtype else ""
    )
    raise TypeError(
        f"{name} must be a PRNG key (jax.random.key(seed) or jax.random.PRNGKey(seed)), got {got}"
    )


def keyword_key(function: str, key: object, positional: tuple, *, leading: tuple | None = None):
    """The PRNG key of a function whose key is keyword-only, where its earlier form took the key
    positionally: after the data (``learn(x, y, key)``: ``positional`` is ``(key,)``) or first
    (``init(key, n)``: ``leading`` holds the parameters before ``*positional``, which then hold
    the key and the arguments but the last, and ``positional`` holds that last one).

    Returns:
      The key, or ``(key, *arguments)`` when ``leading`` is given. Raises ``TypeError`` for a key
      given twice or for extra positional arguments.
    """
    if positional and (key is not None or len(positional) > 1):
        raise TypeError(f"{function} takes one key, as a keyword: {function}(..., key=key)")
    if leading is None:
        return positional[0] if positional else key
    return (*leading, positional[0]) if positional else (key, *leading)


def check_finite_positive(name: str, x: ArrayLike, *, allow_zero: bool = False) -> None:
    """Raises ``ValueError`` if a concrete ``x`` holds a NaN, an infinity or a value not > 0.

    Tracers pass unchecked (their values were checked where they entered).

    Args:
      name: the argument's name, used in the error message.
      x: a scalar or array of real numbers.
      allow_zero: accept 0 as well.
    """
    check_numeric(name, x)
    if not is_concrete(x):
        return
    a = np.asarray(x)
    ok = np.isfinite(a) & ((a >= 0) if allow_zero else (a > 0))
    if not np.all(ok):
        expected = ">= 0" if allow_zero else "> 0"
        bad = a[~ok] if a.ndim else a
        raise ValueError(f"{name} must be finite and {expected}, got {np.ravel(bad)[:5].tolist()}")


def check_plus_minus_one(name: str, x: ArrayLike) -> None:
    """Raises ``ValueError`` if a concrete ``x`` holds values other than -1 and +1."""
    _check_two_values(name, x, -1, 1, "hold -1 or +1 (False/True)")

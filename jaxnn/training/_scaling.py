r"""Scaling: how raw data become the network's data and back, with training-split statistics.

One rule: a `Dataset` holds the network's data (inputs scaled by its ``preprocessing``, regression
targets by its ``target_preprocessing``), and a model holds the same two `Preprocessing` values, so
that it takes raw inputs and gives outputs in the targets' own units:

.. math:: x' = (x - \text{shift}) / \text{scale}, \qquad \hat y = \hat y' \cdot \text{scale}_y
    + \text{shift}_y

Nothing may be scaled twice. A `Dataset`'s arrays carry no attribute that survives every copy
(``jnp.asarray``, a slice, ``np.array``), so the rows themselves are the mark: every row a `Dataset`
hands out as network data is remembered by a 64-bit hash of its bytes (`remember_rows`), and a
model given an array whose rows are all remembered under its own statistics takes it as network
data rather than raw data (`known_rows`). A raw row matches a scaled one only if the scaling left it
unchanged, where reading it either way gives the same answer.
"""

from __future__ import annotations

import collections
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

__all__ = ["Preprocessing", "known_rows", "remember_rows", "row_hashes"]


class Preprocessing:
    r"""How raw values become the network's values, per feature, with training-split statistics.

    .. math:: x' = (x - \text{shift}) / \text{scale}

    ``kind`` is ``none`` (x' = x), ``zscore`` (shift the mean, scale the standard deviation; a
    feature constant on the training split is only shifted), ``minmax`` (shift the minimum, scale
    the range) or ``scale255`` (uint8 inputs: x / 255). It is computed once, on the training
    split, stored in checkpoints and applied again at predict time, in the same arithmetic, so
    that the same raw inputs give bitwise the same network inputs. Regression targets use it too
    (``zscore``), and `invert` brings the network's outputs back to the targets' units.

    Attributes:
      kind: one of ``KINDS``.
      shift: float array of shape (features,) (or a scalar), or None for ``none``.
      scale: likewise.
    """

    KINDS = ("none", "zscore", "minmax", "scale255")
    __slots__ = ("kind", "shift", "scale")

    def __init__(self, kind: str = "none", shift: Any = None, scale: Any = None):
        if kind not in self.KINDS:
            raise ValueError(f"unknown preprocessing {kind!r}; valid: {', '.join(self.KINDS)}")
        if (shift is None) != (kind == "none") or (scale is None) != (kind == "none"):
            raise ValueError(f"preprocessing {kind!r} needs shift and scale (and none has none)")
        for name, v in (("shift", shift), ("scale", scale)):
            if v is not None:
                v = np.array(v)  # a read-only copy: it is hashed
                if not np.issubdtype(v.dtype, np.floating) or not np.all(np.isfinite(v)):
                    raise ValueError(f"preprocessing {name} must be finite floats")
                if v.ndim > 1:
                    raise ValueError(f"preprocessing {name} must be 1-D (features,), got {v.shape}")
                if name == "scale" and np.any(v == 0):
                    raise ValueError("preprocessing scale must be nonzero")
                v.setflags(write=False)
            object.__setattr__(self, name, v)
        if kind != "none" and np.shape(self.shift) != np.shape(self.scale):
            raise ValueError(
                f"preprocessing shift and scale differ in shape: {np.shape(self.shift)} and "
                f"{np.shape(self.scale)}"
            )
        object.__setattr__(self, "kind", kind)

    def __setattr__(self, name, value):
        raise AttributeError("Preprocessing is immutable")

    def __reduce__(self):
        return Preprocessing, (self.kind, self.shift, self.scale)

    def _key(self) -> tuple:
        arrays = tuple(
            None if v is None else (v.dtype.str, v.shape, v.tobytes())
            for v in (self.shift, self.scale)
        )
        return (self.kind, *arrays)

    def __eq__(self, other) -> bool:
        return isinstance(other, Preprocessing) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        if self.kind == "none":
            return "Preprocessing('none')"
        return f"Preprocessing({self.kind!r}, features={np.size(self.shift)})"

    @property
    def dtype(self) -> np.dtype:
        """The dtype the statistics are applied in (float32, or float64 for float64 data)."""
        return np.dtype(np.float32) if self.shift is None else self.shift.dtype

    @property
    def width(self) -> int | None:
        """The number of features the statistics are for, or None (any: ``none``, a scalar)."""
        return None if self.shift is None or self.shift.ndim == 0 else int(self.shift.size)

    def check_width(self, features: int, what: str = "x") -> None:
        """Raises ``ValueError`` unless the statistics fit ``features`` columns (or any)."""
        if self.width is not None and self.width != features:
            raise ValueError(
                f"{what} has {features} features, the preprocessing has statistics of {self.width}"
            )

    def _work(self, dtype: Any) -> np.dtype:
        return self.dtype if dtype is None or np.dtype(dtype) != np.float64 else np.float64

    def apply(self, x: ArrayLike, dtype: Any = None, *, name: str = "x") -> np.ndarray:
        """Raw values (samples, features) to network values, as NumPy arrays of ``dtype``.

        The arithmetic runs in the statistics' dtype (float32, float64 for float64 runs); the
        result is cast to ``dtype`` (default: that dtype; bfloat16 runs cast at the end).

        Raises:
          ValueError: for another number of features than the statistics', or a value that
            overflows the dtype (naming its column).
        """
        from jaxnn._validation import check_fits_dtype

        a = np.asarray(x)
        work = self._work(dtype)
        if a.ndim >= 1:
            self.check_width(a.shape[-1], name)
        check_fits_dtype(name, a, work)
        a = a.astype(work)
        if self.kind != "none":
            a = (a - self.shift.astype(work)) / self.scale.astype(work)
        if dtype is None:
            return a
        check_fits_dtype(name, a, dtype)  # bfloat16's largest value is below float32's
        return a.astype(jnp.dtype(dtype))

    def apply_traced(self, x: Any, dtype: Any) -> Any:
        """`apply` in jax.numpy, for traced inputs (inside ``jit``): the same arithmetic."""
        work = self._work(dtype)
        a = jnp.asarray(x).astype(work)
        if self.kind != "none":
            a = (a - _like(self.shift, a)) / _like(self.scale, a)
        return a.astype(jnp.dtype(dtype))

    def invert(self, y: ArrayLike) -> Any:
        r"""Network values back to raw units, :math:`y = y' \cdot \text{scale} + \text{shift}`,
        in the statistics' dtype (jax.numpy, so it also runs inside ``jit``)."""
        if self.kind == "none":
            return y
        y = jnp.asarray(y).astype(self.dtype)
        return y * _like(self.scale, y) + _like(self.shift, y)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The statistics by name (empty for ``none``), for a checkpoint."""
        return {} if self.kind == "none" else {"shift": self.shift, "scale": self.scale}

    @staticmethod
    def from_training(
        x: ArrayLike, kind: str, dtype: Any = "float32", *, name: str = "x"
    ) -> Preprocessing:
        """The statistics of ``kind`` on raw training inputs ``x``, computed in float32 (float64
        for ``dtype`` float64); ``auto`` is ``scale255`` for uint8 inputs, else ``zscore``."""
        from jaxnn._validation import check_fits_dtype

        x = np.asarray(x)
        if kind == "auto":
            kind = "scale255" if x.dtype == np.uint8 else "zscore"
        if kind == "none":
            return Preprocessing()
        work = np.float64 if jnp.dtype(dtype) == np.float64 else np.float32
        check_fits_dtype(name, x, work)
        a = x.astype(work)
        if kind == "scale255":
            return Preprocessing(kind, np.zeros((), work), np.full((), 255, work))
        if kind == "zscore":
            shift, spread = a.mean(axis=0), a.std(axis=0)
        elif kind == "minmax":
            shift, spread = a.min(axis=0), a.max(axis=0) - a.min(axis=0)
        else:
            raise ValueError(f"unknown standardize {kind!r}; valid: auto, none, zscore, minmax")
        if not (np.all(np.isfinite(shift)) and np.all(np.isfinite(spread))):
            raise ValueError(
                f"{name}: the {kind} statistics overflow {np.dtype(work).name}: the values are too "
                f"large to scale in this dtype"
            )
        # a feature constant on the training split is only shifted
        return Preprocessing(kind, shift, np.where(spread > 0, spread, 1.0).astype(work))


def _like(v: np.ndarray, a: Any) -> Any:
    """Statistics ``v`` as a jax array of ``a``'s dtype and rank (no implicit rank promotion)."""
    v = jnp.asarray(v, a.dtype)
    return v.reshape((1,) * (a.ndim - v.ndim) + v.shape)


# --- the mark: rows handed out as network data ---

_MAX_ROWS = 1 << 22
"""How many row hashes are remembered (32 MiB); the oldest data sets are forgotten first."""
_ROWS: collections.OrderedDict[tuple, np.ndarray] = collections.OrderedDict()
_MIX = np.uint64(0x9E3779B97F4A7C15)


def row_hashes(a: ArrayLike) -> np.ndarray:
    """A 64-bit hash of the bytes of every row of a 2-D array (uint64, one per row)."""
    a = np.ascontiguousarray(np.asarray(a))
    n = a.shape[0]
    raw = a.reshape(n, -1).view(np.uint8)
    pad = (-raw.shape[1]) % 8
    if pad:
        raw = np.concatenate([raw, np.zeros((n, pad), np.uint8)], axis=1)
    words = raw.view(np.uint64)
    h = np.full(n, 0xCBF29CE484222325, np.uint64)
    for j in range(words.shape[1]):
        h ^= words[:, j]
        h *= _MIX
        h ^= h >> np.uint64(31)
    return h


def _key(pre: Preprocessing, dtype: Any) -> tuple:
    return (pre, jnp.dtype(dtype).name)


def remember_rows(pre: Preprocessing | None, a: ArrayLike) -> None:
    """Remembers the rows of ``a`` as network data made by ``pre`` (nothing for ``none``)."""
    if pre is None or pre.kind == "none" or np.size(a) == 0:
        return
    key = _key(pre, np.asarray(a).dtype)
    new = np.unique(row_hashes(a))
    old = _ROWS.pop(key, None)
    _ROWS[key] = new if old is None else np.union1d(old, new)
    while sum(v.size for v in _ROWS.values()) > _MAX_ROWS and len(_ROWS) > 1:
        _ROWS.popitem(last=False)


def known_rows(pre: Preprocessing | None, a: ArrayLike, *, name: str = "x") -> np.ndarray | None:
    """``a`` as network data, when every row of it is a row some `Dataset` handed out as network
    data made by ``pre`` (in any dtype the rows were handed out in); else None (raw data).

    Raises:
      ValueError: naming ``name``, when some rows but not all are such network data: reading the
        array either way would scale some rows twice or not at all.
    """
    if pre is None or pre.kind == "none":
        return None
    a = np.asarray(a)
    if a.ndim != 2 or a.shape[0] == 0:
        return None
    for (p, dtype), hashes in list(_ROWS.items()):
        if p != pre:
            continue
        try:
            with np.errstate(all="ignore"):
                cast = a.astype(jnp.dtype(dtype))
        except (TypeError, ValueError):
            continue
        if not cast.shape[1:]:
            continue
        known = np.isin(row_hashes(cast), hashes)
        if known.all():
            return cast
        if known.any():
            raise ValueError(
                f"{name}: {int(known.sum())} of {len(known)} rows are rows a Dataset handed out "
                f"already scaled and the others are not; pass raw rows only, or the Dataset's "
                f"scaled rows only"
            )
    return None

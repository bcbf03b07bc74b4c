"""The search space of a hyperparameter sweep: value lists, log ranges, grids and random samples.

A sweep axis is a named list of values. ``"1e-3,1e-2"`` is a list; ``"1e-4:1e-1:4"`` is four values
spaced evenly in log scale between the two bounds (both included). The sweep is the Cartesian
product of its axes, in row-major order (the last axis varies fastest), or ``n`` settings sampled
from that product without replacement. Work is sized before it is built: an axis may be any
sequence that knows its length (a ``range``, `Values`), and the product's size is computed, never
listed (`grid_size`; `grid_head` decodes the first settings alone).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "MAX_AXIS_VALUES",
    "Values",
    "check_settings",
    "grid",
    "grid_head",
    "grid_size",
    "log_range",
    "parse_choices",
    "parse_number",
    "parse_numbers",
    "random_settings",
]


MAX_AXIS_VALUES = 1 << 20
"""The most values a ``LOW:HIGH:NUM`` range may list."""


class Values(Sequence):
    """A sequence of ``n`` values computed from their index, never listed: ``value(i)``."""

    def __init__(self, n: int, value: Callable[[int], Any]):
        self._n, self._value = int(n), value

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        if not -self._n <= i < self._n:
            raise IndexError(i)
        return self._value(i % self._n)

    def __repr__(self) -> str:
        shown = [self[i] for i in range(min(3, self._n))]
        return f"Values({self._n}: {', '.join(map(repr, shown))}{', ...' if self._n > 3 else ''})"


def log_range(low: float, high: float, num: int) -> list[float]:
    r"""``num`` values from ``low`` to ``high`` (both included), evenly spaced in log scale.

    .. math:: v_i = \text{low} \cdot (\text{high} / \text{low})^{i / (\text{num} - 1)},
        \quad i = 0, \dots, \text{num} - 1

    Args:
      low: the first value, > 0.
      high: the last value, > 0.
      num: how many values, >= 1 (one value gives ``[low]``).

    Returns:
      A list of ``num`` Python floats.
    """
    if isinstance(num, bool) or not isinstance(num, int | np.integer):
        raise TypeError(f"num must be an integer, got {num!r}")
    if num < 1:
        raise ValueError(f"a log range needs at least 1 value, got num={num}")
    for name, v in (("low", low), ("high", high)):
        if not math.isfinite(v) or v <= 0:
            raise ValueError(f"a log range needs positive finite bounds, got {name}={v}")
    if num == 1:
        return [float(low)]
    values = np.geomspace(low, high, int(num)).tolist()
    values[0], values[-1] = float(low), float(high)  # exact end points, whatever the rounding
    return values


def parse_number(flag: str, text: str, *, integer: bool = False) -> float | int:
    """One number written as text (``"1e-3"``); ValueError naming ``flag`` when it is not one."""
    try:
        value = float(text)
    except ValueError:
        kind = "an integer" if integer else "a number"
        raise ValueError(f"{flag}: {text!r} is not {kind}") from None
    if not math.isfinite(value):
        raise ValueError(f"{flag}: {text!r} is not a finite number")
    if integer:
        if value != int(value):
            raise ValueError(f"{flag}: {text!r} is not an integer")
        return int(value)
    return value


def _dedupe(values: list) -> list:
    return list(dict.fromkeys(values))


def parse_numbers(flag: str, text: str, *, integer: bool = False) -> list[float] | list[int]:
    """Parses a comma-separated list of numbers and ``low:high:num`` log ranges.

    Args:
      flag: the flag's name, used in error messages (e.g. ``"-lr"``).
      text: e.g. ``"1e-3"``, ``"1e-3,3e-3"``, ``"1e-4:1e-1:8"`` or ``"0,1e-4:1e-2:3"``.
      integer: values must be integers; log-range values are rounded to the nearest integer.

    Returns:
      The values in the order written, duplicates removed.
    """
    if not isinstance(text, str):
        raise TypeError(f"{flag} must be given as text, got {type(text).__name__}")
    values: list = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            raise ValueError(f"{flag}: empty value in {text!r} (expected e.g. 1e-3,1e-2)")
        parts = item.split(":")
        if len(parts) == 1:
            values.append(parse_number(flag, item, integer=integer))
            continue
        if len(parts) != 3:
            raise ValueError(f"{flag}: log range {item!r} must be LOW:HIGH:NUM, e.g. 1e-4:1e-1:8")
        low, high = (parse_number(flag, p.strip()) for p in parts[:2])
        num = parse_number(flag, parts[2].strip(), integer=True)
        if not 1 <= num <= MAX_AXIS_VALUES:
            raise ValueError(
                f"{flag}: log range {item!r} needs 1 to {MAX_AXIS_VALUES} values, got {num}"
            )
        if low <= 0 or high <= 0:
            raise ValueError(f"{flag}: log range {item!r} needs positive bounds (log scale)")
        points = log_range(low, high, num)
        values.extend(int(round(v)) for v in points) if integer else values.extend(points)
    return _dedupe(values)


def parse_choices(flag: str, text: str, choices: Sequence[str]) -> list[str]:
    """Parses a comma-separated list of names, each one of ``choices``.

    Args:
      flag: the flag's name, used in error messages (e.g. ``"-a"``).
      text: e.g. ``"tanh,relu"``.
      choices: the valid names.

    Returns:
      The names in the order written, duplicates removed.
    """
    if not isinstance(text, str):
        raise TypeError(f"{flag} must be given as text, got {type(text).__name__}")
    names = [item.strip() for item in text.split(",")]
    if any(not n for n in names):
        raise ValueError(f"{flag}: empty value in {text!r} (expected e.g. {','.join(choices[:2])})")
    bad = [n for n in names if n not in choices]
    if bad:
        raise ValueError(f"{flag}: unknown value(s) {', '.join(bad)}; valid: {', '.join(choices)}")
    return _dedupe(names)


def _check_axes(axes: Mapping[str, Sequence[Any]]) -> dict[str, list]:
    out = {}
    for name, values in axes.items():
        if isinstance(values, str | bytes) or not isinstance(values, Sequence | range):
            raise TypeError(f"axis {name!r} must be a list of values, got {values!r}")
        if len(values) == 0:
            raise ValueError(f"axis {name!r} is empty: a sweep axis needs at least one value")
        out[name] = values if isinstance(values, range | Values) else list(values)
    return out


def grid_size(axes: Mapping[str, Sequence[Any]]) -> int:
    """The number of settings in the Cartesian product of ``axes`` (without building it)."""
    return math.prod(len(v) for v in _check_axes(axes).values())


def _setting(axes: dict[str, list], index: int) -> dict[str, Any]:
    # Row-major (mixed-radix) decoding: the last axis varies fastest.
    setting = {}
    for name in reversed(list(axes)):
        index, i = divmod(index, len(axes[name]))
        setting[name] = axes[name][i]
    return {name: setting[name] for name in axes}


def grid(
    axes: Mapping[str, Sequence[Any]] | None = None, /, **more: Sequence[Any]
) -> list[dict[str, Any]]:
    r"""The Cartesian product of the sweep axes: one dict per setting, the last axis fastest.

    .. math:: \{(v_1, \dots, v_m) : v_j \in A_j\}, \quad |{\rm grid}| = \textstyle\prod_j |A_j|

    Args:
      axes: each axis's name and its list of values, e.g. ``{"learning_rate": [1e-3, 1e-2]}``.
      **more: more axes as keywords, e.g. ``seed=range(4)``.

    Returns:
      A list of ``prod(len(values))`` dicts mapping axis names to values.
    """
    checked = _check_axes({**(axes or {}), **more})
    return [_setting(checked, i) for i in range(grid_size(checked))]


def grid_head(axes: Mapping[str, Sequence[Any]], n: int) -> list[dict[str, Any]]:
    """The first ``n`` settings of `grid` (all of them if fewer), decoded one by one: a grid of
    10**9 settings gives its first four without building the rest."""
    checked = _check_axes(axes)
    return [_setting(checked, i) for i in range(min(int(n), grid_size(checked)))]


def random_settings(
    axes: Mapping[str, Sequence[Any]], n: int, *, sample_seed: int = 0
) -> list[dict[str, Any]]:
    """``n`` distinct settings drawn uniformly without replacement from the grid of ``axes``.

    The product is never built: indices are sampled and decoded, so huge grids are fine.

    Args:
      axes: each axis's name and its list of values.
      n: how many settings, between 1 and the grid's size.
      sample_seed: seeds NumPy's generator; the same seed gives the same settings.

    Returns:
      A list of ``n`` dicts mapping axis names to values, in the order drawn.
    """
    checked = _check_axes(axes)
    total = grid_size(checked)
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise TypeError(f"n must be an integer, got {n!r}")
    if not 1 <= n <= total:
        raise ValueError(f"cannot sample {n} distinct settings from a grid of {total}")
    rng = np.random.default_rng(sample_seed)
    if total <= 2**62:
        indices = rng.choice(total, size=n, replace=False).tolist()
    else:  # beyond int64: draw per axis, reject repeats
        seen: dict[tuple, None] = {}
        while len(seen) < n:
            seen.setdefault(tuple(int(rng.integers(len(v))) for v in checked.values()), None)
        return [{k: checked[k][i] for k, i in zip(checked, idx)} for idx in seen]
    return [_setting(checked, int(i)) for i in indices]


def _translated(i: int, s: Mapping[str, Any], sizes: tuple | None) -> dict[str, Any]:
    """One member's setting under the settings' names, ``num_layers``/``hidden_size`` made
    ``sizes`` around the base config's input and output widths."""
    from jaxnn.training._settings import SETTINGS, check_setting

    out: dict[str, Any] = {}
    for key, value in s.items():
        row = SETTINGS.get(key)
        name = row.name if row is not None else key
        if name in out:
            raise ValueError(f"settings[{i}] gives {name} twice ({key!r} is another spelling)")
        out[name] = value
    shape = {k: out.pop(k) for k in ("num_layers", "hidden_size") if k in out}
    if not shape:
        return out
    if "sizes" in out:
        raise ValueError(f"settings[{i}] gives sizes and {', '.join(shape)}: give one or the other")
    if sizes is None:
        raise ValueError(f"settings[{i}]: {', '.join(shape)} needs a base config's sizes")
    hidden = list(sizes[1:-1])
    default_width = hidden[0] if hidden and len(set(hidden)) == 1 else None
    layers = shape.get("num_layers", len(hidden))
    width = shape.get("hidden_size", default_width)
    if width is None:
        width = SETTINGS.named("hidden_size").default
    layers = check_setting("num_layers", layers, label=f"settings[{i}].num_layers")
    width = check_setting("hidden_size", width, label=f"settings[{i}].hidden_size")
    out["sizes"] = (sizes[0], *[width] * layers, sizes[-1])
    return out


def check_settings(
    settings: Sequence[Mapping[str, Any]],
    known: Callable[[str], bool],
    *,
    sizes: tuple | None = None,
) -> list[dict[str, Any]]:
    """Checks a list of settings (non-empty, mappings with known keys) and copies it.

    Keys may be any spelling ``jaxnn train`` and a sweep config take: the settings' names, their
    long and short flags and the course's names (``lr``, ``epsilon``, ``w_d``), and
    ``num_layers``/``hidden_size``, which become ``sizes`` around the input and output widths
    of ``sizes`` (the base config's).

    Args:
      settings: one mapping per member.
      known: whether a (translated) key is a setting the sweep takes.
      sizes: the base config's layer sizes.

    Returns:
      The settings under the settings' names.
    """
    if isinstance(settings, Mapping) or not isinstance(settings, Sequence):
        raise TypeError(f"settings must be a list of dicts, got {type(settings).__name__}")
    if len(settings) == 0:
        raise ValueError("settings is empty: a sweep needs at least one member")
    out = []
    for i, s in enumerate(settings):
        if not isinstance(s, Mapping):
            raise TypeError(f"settings[{i}] must be a dict, got {type(s).__name__}")
        s = _translated(i, s, sizes)
        bad = [k for k in s if not known(k)]
        if bad:
            raise ValueError(f"settings[{i}] has unknown key(s) {bad}")
        out.append(s)
    return out

"""The parameters of a sweep config: wandb's distributions, their values and their draws.

A parameter is a setting of the settings table (under any of its spellings) with ``values``
(optionally ``probabilities``), a ``value``, or a ``distribution`` with ``min`` and ``max``
(wandb's inference when ``distribution`` is left out: ``int_uniform`` for integer bounds,
``uniform`` for others). Every value is checked against the table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from jaxnn.sweeps._config_file import SweepConfigError, check_keys, mapping, number, shown
from jaxnn.training._settings import SETTINGS, Setting, check_setting

__all__ = ["CHOICE", "DISTRIBUTIONS", "GRIDDABLE", "Parameter", "parse_parameter"]

CHOICE = ("constant", "categorical", "categorical_w_probabilities")
"""The distributions that list their values (a grid takes them as they are)."""
LOG = ("log_uniform_values", "q_log_uniform_values")
"""The distributions uniform in log space whose min and max are values (so must be > 0)."""
GRIDDABLE = (*CHOICE, "int_uniform", "q_uniform")
"""The distributions a grid search can enumerate: the listed values and the quantized ranges."""
DISTRIBUTIONS = (*CHOICE, "int_uniform", "uniform", "q_uniform", "log_uniform", *LOG)
"""Every distribution of a wandb sweep config's parameter."""
_PARAMETER_KEYS = ("values", "value", "distribution", "min", "max", "q", "probabilities")


class Parameter(NamedTuple):
    """One parameter of a sweep config, its values checked and in canonical form.

    Attributes:
      key: the name as written in the file (``learning_rate``, ``lr``, ...).
      setting: the setting's name in the settings table (``eps`` for ``epsilon``).
      dest: the flag's destination (``epsilon``): the key of a proposal.
      distribution: one of `DISTRIBUTIONS`.
      values: the values of ``constant`` and ``categorical*``.
      probabilities: the probabilities of ``categorical_w_probabilities``.
      low: ``min`` of a distribution (an exponent for ``log_uniform``).
      high: ``max`` of a distribution.
      q: the step of ``q_uniform`` and ``q_log_uniform_values``.
      integer: whether the setting takes integers.
    """

    key: str
    setting: str
    dest: str
    distribution: str
    values: tuple = ()
    probabilities: tuple | None = None
    low: float | None = None
    high: float | None = None
    q: float | None = None
    integer: bool = False

    def _cast(self, v: float) -> Any:
        return int(round(v)) if self.integer else float(v)

    def _quantize(self, v: float) -> Any:
        q = self.q if self.q is not None else 1.0
        return self._cast(round(v / q) * q)

    def grid_values(self) -> Sequence[Any]:
        """The values a grid search takes (``constant``, ``categorical*``, ``int_uniform``,
        ``q_uniform``), as a sequence that computes each from its index: ``int_uniform`` over
        0..2**31-1 is never listed."""
        from jaxnn.sweeps._search_space import Values

        if self.distribution in CHOICE:
            return list(self.values)
        if self.distribution == "int_uniform":
            low = int(self.low)
            return Values(int(self.high) - low + 1, lambda i: self._cast(low + i))
        q = self.q if self.q is not None else 1.0
        n = int(math.floor((self.high - self.low) / q + 1e-9)) + 1
        return Values(n, lambda i: self._quantize(self.low + i * q))

    def extremes(self) -> list:
        """Every value it can take (choices, integer steps), or its lowest and highest."""
        if self.distribution in CHOICE or self.distribution in ("int_uniform", "q_uniform"):
            return self.grid_values()
        if self.distribution == "log_uniform":  # min and max are exponents
            return [self._cast(math.exp(self.low)), self._cast(math.exp(self.high))]
        return [self._cast(self.low), self._cast(self.high)]

    def sample(self, rng: np.random.Generator) -> Any:
        """One draw, as wandb's random search makes it."""
        d = self.distribution
        if d == "constant":
            return self.values[0]
        if d in ("categorical", "categorical_w_probabilities"):
            return self.values[int(rng.choice(len(self.values), p=self.probabilities))]
        if d == "int_uniform":
            return self._cast(int(rng.integers(int(self.low), int(self.high) + 1)))
        if d == "uniform":
            return self._cast(rng.uniform(self.low, self.high))
        if d == "q_uniform":
            return self._quantize(rng.uniform(self.low, self.high))
        if d == "log_uniform":
            return self._cast(math.exp(rng.uniform(self.low, self.high)))
        value = math.exp(rng.uniform(math.log(self.low), math.log(self.high)))
        return self._quantize(value) if d == "q_log_uniform_values" else self._cast(value)

    def optuna_distribution(self) -> Any:
        """The matching optuna distribution (``categorical_w_probabilities``: categorical, the
        probabilities are not used; ``q_log_uniform_values``: log-uniform, rounded afterwards)."""
        from optuna.distributions import (
            CategoricalDistribution,
            FloatDistribution,
            IntDistribution,
        )

        d = self.distribution
        if d in CHOICE:
            return CategoricalDistribution(list(self.values))
        if d == "int_uniform":
            return IntDistribution(int(self.low), int(self.high))
        if d == "q_uniform":
            if self.integer:
                return IntDistribution(int(self.low), int(self.high), step=int(self.q))
            return FloatDistribution(self.low, self.high, step=self.q)
        if d == "uniform":
            return FloatDistribution(self.low, self.high)
        if d == "log_uniform":
            return FloatDistribution(math.exp(self.low), math.exp(self.high), log=True)
        return FloatDistribution(self.low, self.high, log=True)

    def from_optuna(self, value: Any) -> Any:
        """An optuna proposal as this parameter's value."""
        if self.distribution in CHOICE:
            return value
        if self.distribution == "q_log_uniform_values":
            return self._quantize(value)
        return self._cast(value)


def parse_parameter(source: str, name: str, raw: Any) -> Parameter:
    """One parameter of the file, checked against the settings table and in canonical form."""
    key = f"parameters.{name}"
    s = SETTINGS.get(str(name))
    if s is None or not s.flags:
        valid = [x.dest for x in SETTINGS.dests().values() if x.sweep]
        raise SweepConfigError(
            f"{source}: {key}: unknown parameter; expected a setting of jaxnn train: "
            f"{', '.join(valid)} (or their short flags)"
        )
    raw = mapping(source, key, raw, "a mapping with values, value or distribution")
    if "parameters" in raw:
        raise SweepConfigError(f"{source}: {key}.parameters: nested parameters are not supported")
    check_keys(source, key, raw, _PARAMETER_KEYS)
    base = {"key": str(name), "setting": s.name, "dest": s.dest, "integer": s.type is int}
    distribution = _distribution(source, key, raw)
    if distribution in CHOICE:
        return _choices(source, key, s, raw, base, distribution)
    return _range(source, key, s, raw, base, distribution)


def _distribution(source: str, key: str, raw: Mapping) -> str:
    """The distribution a parameter names, or wandb's inference when it names none."""
    distribution = raw.get("distribution")
    if distribution is None:
        if "values" in raw:
            weighted = "probabilities" in raw
            distribution = "categorical_w_probabilities" if weighted else "categorical"
        elif "value" in raw:
            distribution = "constant"
        elif "min" in raw and "max" in raw:
            bounds = [raw["min"], raw["max"]]
            ints = all(isinstance(b, int) and not isinstance(b, bool) for b in bounds)
            distribution = "int_uniform" if ints else "uniform"
        else:
            raise SweepConfigError(
                f"{source}: {key}: expected values, value, or a distribution with min and max"
            )
    if distribution not in DISTRIBUTIONS:
        raise SweepConfigError(
            f"{source}: {key}.distribution: unknown distribution {shown(distribution)}; "
            f"expected one of {', '.join(DISTRIBUTIONS)}"
        )
    return distribution


def _choices(source: str, key: str, s: Setting, raw: Mapping, base: dict, distribution: str):
    """A ``constant`` or ``categorical*`` parameter."""
    if distribution == "constant":
        if "value" not in raw:
            raise SweepConfigError(f"{source}: {key}: distribution constant needs value")
        values = [_value(source, f"{key}.value", s, raw["value"])]
    else:
        listed = raw.get("values")
        if isinstance(listed, str) or not isinstance(listed, Sequence) or not listed:
            raise SweepConfigError(
                f"{source}: {key}.values: expected a non-empty list, got {shown(listed)}"
            )
        values = [_value(source, f"{key}.values[{i}]", s, v) for i, v in enumerate(listed)]
    values = list(dict.fromkeys(values)) if "probabilities" not in raw else values
    if not s.sweep and len(values) > 1:
        raise SweepConfigError(f"{source}: {key}: {s.dest} cannot be swept; expected one value")
    probabilities = None
    if distribution == "categorical_w_probabilities":
        probabilities = _probabilities(source, key, raw.get("probabilities"), len(values))
    return Parameter(
        **base, distribution=distribution, values=tuple(values), probabilities=probabilities
    )


def _range(source: str, key: str, s: Setting, raw: Mapping, base: dict, distribution: str):
    """A parameter drawn from a distribution between ``min`` and ``max``."""
    integer = s.type is int
    if s.type is str or not s.sweep:
        raise SweepConfigError(
            f"{source}: {key}.distribution: {s.dest} takes "
            f"{'names' if s.type is str else 'one value'}; expected values or value, not "
            f"distribution {distribution}"
        )
    for bound in ("min", "max"):
        if bound not in raw:
            raise SweepConfigError(f"{source}: {key}: distribution {distribution} needs {bound}")
    int_bounds = distribution == "int_uniform"
    low = number(source, f"{key}.min", raw["min"], integer=int_bounds)
    high = number(source, f"{key}.max", raw["max"], integer=int_bounds)
    if low > high:
        raise SweepConfigError(f"{source}: {key}: min {low} > max {high}; expected min <= max")
    if distribution in LOG and low <= 0:
        raise SweepConfigError(
            f"{source}: {key}.min: {distribution} needs positive bounds (a log scale), got {low}"
        )
    q = None
    if distribution.startswith("q_"):
        q = number(source, f"{key}.q", raw.get("q", 1.0))
        if q <= 0:
            raise SweepConfigError(f"{source}: {key}.q: expected a step > 0, got {q}")
    elif "q" in raw:
        raise SweepConfigError(f"{source}: {key}.q: only q_ distributions take q")
    if integer and not (distribution == "int_uniform" or (q is not None and float(q).is_integer())):
        raise SweepConfigError(
            f"{source}: {key}.distribution: {s.dest} takes integers; expected int_uniform, "
            f"q_uniform or q_log_uniform_values with an integer q, not {distribution}"
        )
    ends = (math.exp(low), math.exp(high)) if distribution == "log_uniform" else (low, high)
    for bound, v in zip(("min", "max"), ends):
        _value(source, f"{key}.{bound}", s, int(round(v)) if integer else v)
    if q is not None and integer:
        q = int(q)
    return Parameter(**base, distribution=distribution, low=low, high=high, q=q)


def _value(source: str, key: str, s: Setting, raw: Any) -> Any:
    """One value of setting ``s``, checked by the settings table and canonical."""
    if s.type is str:
        if not isinstance(raw, str):
            choices = s.choices()
            expected = f"one of {', '.join(choices)}" if choices else "a name"
            raise SweepConfigError(f"{source}: {key}: expected {expected}, got {shown(raw)}")
        if not s.choices():
            return raw
        try:
            return check_setting(s.name, raw)
        except ValueError:
            extra = f" (or {', '.join(s.aliases)})" if s.aliases else ""
            raise SweepConfigError(
                f"{source}: {key}: unknown {s.dest} {shown(raw)}; expected one of "
                f"{', '.join(s.choices())}{extra}"
            ) from None
    value = number(source, key, raw, integer=s.type is int)
    try:
        check_setting(s.name, value, label=f"{source}: {key}")
    except (TypeError, ValueError) as e:
        raise SweepConfigError(str(e).replace(" must be ", ": expected ", 1)) from None
    return int(value) if s.type is int else float(value)


def _probabilities(source: str, key: str, raw: Any, n: int) -> tuple[float, ...]:
    if isinstance(raw, str) or not isinstance(raw, Sequence) or len(raw) != n:
        raise SweepConfigError(
            f"{source}: {key}.probabilities: expected a list of {n} numbers (one per value), "
            f"got {shown(raw)}"
        )
    p = [number(source, f"{key}.probabilities[{i}]", v) for i, v in enumerate(raw)]
    if any(v < 0 for v in p) or not math.isclose(sum(p), 1.0, abs_tol=1e-6):
        raise SweepConfigError(
            f"{source}: {key}.probabilities: expected numbers >= 0 summing to 1, got {list(raw)}"
        )
    return tuple(float(v) for v in p)

"""Sweep configs in wandb's schema (YAML or JSON): what ``jaxnn sweep --config FILE`` reads.

The course describes its sweeps as wandb sweep configs; this module reads them as written::

    method: bayes                      # grid, random or bayes
    metric: {name: val_accuracy, goal: maximize}
    run_cap: 64                        # at most this many members
    early_terminate: {type: hyperband, min_iter: 3, eta: 3}
    parameters:
      learning_rate: {distribution: log_uniform_values, min: 1e-4, max: 1e-1}
      optimizer: {values: [sgd, momentum, nag, rmsprop, adam, nadam]}
      num_layers: {values: [3, 4, 5]}
      epochs: {value: 10}

A parameter's name is a setting of the settings table under its name, its long flag or its short
flag (``learning_rate``, ``lr``; ``epsilon``, ``eps``; ``num_layers``, ``nhl``). Each parameter has
``values`` (optionally with ``probabilities``), a ``value``, or a ``distribution`` with ``min`` and
``max`` (wandb's inference when ``distribution`` is left out: ``int_uniform`` for integer bounds,
``uniform`` for others). Choices are matched case-insensitively and through the aliases (``Xavier``,
``ReLU``, ``nesterov``, ``mean_squared_error``); numbers may be strings (PyYAML reads ``1e-3``, with
no dot, as the string ``"1e-3"``). Every value is checked against the settings table.

Top-level keys that only wandb's agent uses (``program``, ``command``, ``description``, ...) are
accepted and ignored (`SweepSpec.ignored` lists them); anything else is an error. Every error is a
`SweepConfigError`: one line naming the file, the key and what was expected.

A config file is read within limits (`jaxnn.sweeps._config_file`); values quoted in messages are
shortened.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from jaxnn.training._settings import SETTINGS, Setting, check_setting

__all__ = [
    "DISTRIBUTIONS",
    "METHODS",
    "METRICS",
    "Hyperband",
    "Parameter",
    "SweepConfigError",
    "SweepSpec",
    "load_sweep_config",
    "parse_sweep_config",
]

ETA_RANGE = (1.01, 1000.0)
"""hyperband's ``eta``: the share kept at each rung is 1/eta, so eta = 1.0000000001 would make
rungs at every epoch of a sequence that never grows."""
METHODS = ("grid", "random", "bayes")
DISTRIBUTIONS = (
    "constant",
    "categorical",
    "categorical_w_probabilities",
    "int_uniform",
    "uniform",
    "q_uniform",
    "log_uniform",
    "log_uniform_values",
    "q_log_uniform_values",
)
_LOG = ("log_uniform_values", "q_log_uniform_values")
_CHOICE = ("constant", "categorical", "categorical_w_probabilities")
_GRIDDABLE = (*_CHOICE, "int_uniform", "q_uniform")

METRICS = {
    "val_accuracy": ("val_accuracy", "val_acc", "validation_accuracy"),
    "val_loss": ("val_loss", "validation_loss"),
    "train_accuracy": ("train_accuracy", "train_acc", "accuracy"),
    "train_loss": ("train_loss", "loss"),
    "test_accuracy": ("test_accuracy", "test_acc"),
    "test_loss": ("test_loss",),
}
"""The metrics a sweep can optimize, by result key, with the spellings of the course's repositories
(the final epoch's value; ``test_*`` after training)."""

_USED = (
    "method",
    "metric",
    "parameters",
    "run_cap",
    "early_terminate",
    "name",
    "project",
    "entity",
)
_IGNORED = (
    "apiVersion",
    "kind",
    "controller",
    "description",
    "program",
    "job",
    "image_uri",
    "command",
    "metrics",
    "scheduler",
)
_PARAMETER_KEYS = ("values", "value", "distribution", "min", "max", "q", "probabilities")
_METRIC_KEYS = ("name", "goal", "target", "impute", "impute_while_running")
_HYPERBAND_KEYS = ("type", "min_iter", "max_iter", "s", "eta", "strict")


class SweepConfigError(ValueError):
    """A bad sweep config: one line naming the file, the key and what was expected."""


def _names() -> dict[str, Setting]:
    """Every spelling of a setting that a config may use as a parameter name."""
    out: dict[str, Setting] = {}
    for s in SETTINGS:
        if not s.flags:
            continue
        for name in (s.dest, s.name, *(f.lstrip("-").replace("-", "_") for f in s.flags)):
            out.setdefault(name.lower(), s)
    return out


_PARAMETERS = _names()


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

        if self.distribution in _CHOICE:
            return list(self.values)
        if self.distribution == "int_uniform":
            low = int(self.low)
            return Values(int(self.high) - low + 1, lambda i: self._cast(low + i))
        q = self.q if self.q is not None else 1.0
        n = int(math.floor((self.high - self.low) / q + 1e-9)) + 1
        return Values(n, lambda i: self._quantize(self.low + i * q))

    def extremes(self) -> list:
        """Every value it can take (choices, integer steps), or its lowest and highest."""
        if self.distribution in _CHOICE or self.distribution in ("int_uniform", "q_uniform"):
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
        if d in _CHOICE:
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
        if self.distribution in _CHOICE:
            return value
        if self.distribution == "q_log_uniform_values":
            return self._quantize(value)
        return self._cast(value)


class Hyperband(NamedTuple):
    """``early_terminate: {type: hyperband, ...}``: successive halving at rungs of epochs.

    Attributes:
      eta: the cut keeps about the best 1/eta at each rung (> 1, default 3).
      min_iter: the first rung, in epochs; rungs ``min_iter * eta**k``.
      max_iter: with ``s``: rungs ``max_iter / eta**k`` for k = 1..s.
      s: the number of rungs below ``max_iter``.
      strict: compare the value at the rung (True, wandb's default) or the best so far.
    """

    eta: float = 3.0
    min_iter: int | None = None
    max_iter: int | None = None
    s: int | None = None
    strict: bool = True

    def rungs(self, epochs: int) -> list[int]:
        r"""The rungs below ``epochs``, as wandb's hyperband computes its bands.

        .. math:: r_k = \lfloor \text{min\_iter} \cdot \eta^k \rfloor, \quad k = 0, 1, \dots
            \qquad\text{or}\qquad r_k = \lfloor \text{max\_iter} / \eta^k \rfloor,
            \quad k = 1..s
        """
        bands: list[int] = []
        if self.min_iter is not None:
            band = float(self.min_iter)
            while int(band) < epochs:
                bands.append(int(band))
                band *= self.eta
        else:
            band = float(self.max_iter)
            for _ in range(int(self.s)):
                band /= self.eta
                if band < 1:
                    break
                bands.append(int(band))
        return sorted({b for b in bands if 1 <= b < epochs})


class SweepSpec(NamedTuple):
    """A checked sweep config.

    Attributes:
      source: the file (for messages).
      method: ``grid``, ``random`` or ``bayes``.
      metric: the result key to optimize (see `METRICS`), or None if the file names none.
      goal: ``minimize`` (wandb's default) or ``maximize``.
      parameters: the parameters by destination (``learning_rate``, ``epsilon``), in file order.
      run_cap: the most members to run, or None.
      early_terminate: a `Hyperband`, or None.
      name: the sweep's name, or None.
      project: the wandb project named in the file, or None.
      entity: the wandb entity named in the file, or None.
      ignored: the top-level keys read and ignored (wandb's agent uses them).
    """

    source: str
    method: str
    metric: str | None
    goal: str
    parameters: dict[str, Parameter]
    run_cap: int | None = None
    early_terminate: Hyperband | None = None
    name: str | None = None
    project: str | None = None
    entity: str | None = None
    ignored: tuple[str, ...] = ()

    def error(self, key: str, message: str) -> SweepConfigError:
        return SweepConfigError(f"{self.source}: {key}: {message}")

    def grid(self, count: int | None = None) -> list[dict[str, Any]]:
        """The Cartesian product of the parameters' values, the last parameter fastest (its
        first ``count`` settings, decoded alone: nothing else is built).

        Raises:
          SweepConfigError: for a parameter a grid cannot enumerate (a continuous distribution).
        """
        from jaxnn.sweeps._search_space import grid_head

        axes = {}
        for dest, p in self.parameters.items():
            if p.distribution not in _GRIDDABLE:
                raise self.error(
                    f"parameters.{p.key}",
                    f"method grid needs values (or int_uniform, q_uniform); got distribution "
                    f"{p.distribution}: use method random or bayes",
                )
            axes[dest] = p.grid_values()
        return grid_head(axes, self.grid_size() if count is None else count)

    def grid_size(self) -> int:
        """The number of settings of `grid`, computed without building it."""
        return math.prod(len(p.grid_values()) for p in self.parameters.values())

    def sample(self, n: int, seed: int = 0) -> list[dict[str, Any]]:
        """``n`` settings drawn independently (repeats possible, as in wandb's random search)."""
        rng = np.random.default_rng(seed)
        return [{d: p.sample(rng) for d, p in self.parameters.items()} for _ in range(n)]

    def with_values(self, dest: str, key: str, values: Sequence[Any]) -> SweepSpec:
        """This spec with parameter ``dest`` replaced by ``values`` (command-line flags override
        the file: one value is a constant, several a categorical)."""
        s = _setting_by_dest(dest)
        p = Parameter(
            key=self.parameters[dest].key if dest in self.parameters else key,
            setting=s.name,
            dest=dest,
            distribution="constant" if len(values) == 1 else "categorical",
            values=tuple(values),
            integer=s.type is int,
        )
        return self._replace(parameters={**self.parameters, dest: p})

    def swept(self) -> dict[str, Parameter]:
        """The parameters with more than one value."""
        return {
            d: p
            for d, p in self.parameters.items()
            if not (p.distribution in _CHOICE and len(p.values) == 1)
        }


def _setting_by_dest(dest: str) -> Setting:
    return next(s for s in SETTINGS if s.flags and s.dest == dest)


# --- reading the file ---


def load_sweep_config(path: str | os.PathLike) -> SweepSpec:
    """Reads and checks a sweep config file: YAML (``.yaml``, ``.yml``) or JSON (``.json``),
    within the limits of `jaxnn.sweeps._config_file`.

    Args:
      path: the file. Another suffix is read as JSON if it starts with ``{``, else as YAML.

    Returns:
      A `SweepSpec`.

    Raises:
      SweepConfigError: naming the file, the key (or the line of a syntax error) and what was
        expected.
      ImportError: a YAML file without PyYAML (naming the ``search`` extra).
    """
    from jaxnn.sweeps._config_file import read_config_file

    raw, source = read_config_file(path)
    return parse_sweep_config(raw, source=source)


def _shown(raw: Any) -> str:
    """A value for a message: its repr, shortened (a config's value can be huge)."""
    import reprlib

    short = reprlib.Repr()
    short.maxstring, short.maxother, short.maxlist, short.maxdict, short.maxlevel = 60, 60, 6, 6, 3
    return short.repr(raw)


def _number(source: str, key: str, raw: Any, *, integer: bool = False) -> float | int:
    """A number of the file: a number, or a string of one (``"1e-3"``)."""
    from jaxnn.sweeps._search_space import parse_number

    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        what = "an integer" if integer else "a number"
        raise SweepConfigError(f"{source}: {key}: expected {what}, got {_shown(raw)}")
    try:
        value = parse_number(f"{source}: {key}", str(raw), integer=integer)
    except ValueError as e:
        raise SweepConfigError(str(e)) from None
    return int(raw) if isinstance(raw, int) else value


def _value(source: str, key: str, s: Setting, raw: Any) -> Any:
    """One value of setting ``s``, checked by the settings table and canonical."""
    if s.type is str:
        if not isinstance(raw, str):
            choices = s.choices()
            expected = f"one of {', '.join(choices)}" if choices else "a name"
            raise SweepConfigError(f"{source}: {key}: expected {expected}, got {_shown(raw)}")
        if not s.choices():
            return raw
        try:
            return check_setting(s.name, raw)
        except ValueError:
            extra = f" (or {', '.join(s.aliases)})" if s.aliases else ""
            raise SweepConfigError(
                f"{source}: {key}: unknown {s.dest} {_shown(raw)}; expected one of "
                f"{', '.join(s.choices())}{extra}"
            ) from None
    value = _number(source, key, raw, integer=s.type is int)
    try:
        check_setting(s.name, value, label=f"{source}: {key}")
    except (TypeError, ValueError) as e:
        raise SweepConfigError(str(e).replace(" must be ", ": expected ", 1)) from None
    return int(value) if s.type is int else float(value)


def _mapping(source: str, key: str, raw: Any, what: str) -> Mapping:
    if not isinstance(raw, Mapping):
        raise SweepConfigError(f"{source}: {key}: expected {what}, got {_shown(raw)}")
    return raw


def _keys(source: str, key: str, raw: Mapping, valid: Sequence[str]) -> None:
    bad = [k for k in raw if k not in valid]
    if bad:
        raise SweepConfigError(
            f"{source}: {key}.{bad[0]}: unknown key; expected one of {', '.join(valid)}"
        )


def _parameter(source: str, name: str, raw: Any) -> Parameter:
    key = f"parameters.{name}"
    s = _PARAMETERS.get(str(name).lower())
    if s is None:
        valid = sorted({x.dest for x in _PARAMETERS.values() if x.sweep})
        raise SweepConfigError(
            f"{source}: {key}: unknown parameter; expected a setting of jaxnn train: "
            f"{', '.join(valid)} (or their short flags)"
        )
    raw = _mapping(source, key, raw, "a mapping with values, value or distribution")
    if "parameters" in raw:
        raise SweepConfigError(f"{source}: {key}.parameters: nested parameters are not supported")
    _keys(source, key, raw, _PARAMETER_KEYS)
    integer = s.type is int
    base = {"key": str(name), "setting": s.name, "dest": s.dest, "integer": integer}
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
            f"{source}: {key}.distribution: unknown distribution {_shown(distribution)}; "
            f"expected one of {', '.join(DISTRIBUTIONS)}"
        )
    if distribution in _CHOICE:
        if distribution == "constant":
            if "value" not in raw:
                raise SweepConfigError(f"{source}: {key}: distribution constant needs value")
            values = [_value(source, f"{key}.value", s, raw["value"])]
        else:
            listed = raw.get("values")
            if isinstance(listed, str) or not isinstance(listed, Sequence) or not listed:
                raise SweepConfigError(
                    f"{source}: {key}.values: expected a non-empty list, got {_shown(listed)}"
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
    low = _number(source, f"{key}.min", raw["min"], integer=int_bounds)
    high = _number(source, f"{key}.max", raw["max"], integer=int_bounds)
    if low > high:
        raise SweepConfigError(f"{source}: {key}: min {low} > max {high}; expected min <= max")
    if distribution in _LOG and low <= 0:
        raise SweepConfigError(
            f"{source}: {key}.min: {distribution} needs positive bounds (a log scale), got {low}"
        )
    q = None
    if distribution.startswith("q_"):
        q = _number(source, f"{key}.q", raw.get("q", 1.0))
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


def _probabilities(source: str, key: str, raw: Any, n: int) -> tuple[float, ...]:
    if isinstance(raw, str) or not isinstance(raw, Sequence) or len(raw) != n:
        raise SweepConfigError(
            f"{source}: {key}.probabilities: expected a list of {n} numbers (one per value), "
            f"got {_shown(raw)}"
        )
    p = [_number(source, f"{key}.probabilities[{i}]", v) for i, v in enumerate(raw)]
    if any(v < 0 for v in p) or not math.isclose(sum(p), 1.0, abs_tol=1e-6):
        raise SweepConfigError(
            f"{source}: {key}.probabilities: expected numbers >= 0 summing to 1, got {list(raw)}"
        )
    return tuple(float(v) for v in p)


def _metric(source: str, raw: Any) -> tuple[str, str]:
    raw = _mapping(source, "metric", raw, "a mapping with name and goal")
    _keys(source, "metric", raw, _METRIC_KEYS)
    if "name" not in raw:
        raise SweepConfigError(f"{source}: metric: expected a name (e.g. val_accuracy)")
    name = str(raw["name"]).lower()
    metric = next((k for k, spellings in METRICS.items() if name in spellings), None)
    if metric is None:
        valid = ", ".join(s for spellings in METRICS.values() for s in spellings)
        raise SweepConfigError(
            f"{source}: metric.name: unknown metric {_shown(raw['name'])}; expected one of {valid}"
        )
    goal = raw.get("goal", "minimize")
    if goal not in ("minimize", "maximize"):
        raise SweepConfigError(
            f"{source}: metric.goal: expected minimize or maximize, got {_shown(goal)}"
        )
    return metric, goal


def _hyperband(source: str, raw: Any) -> Hyperband:
    key = "early_terminate"
    raw = _mapping(source, key, raw, "a mapping with type: hyperband")
    _keys(source, key, raw, _HYPERBAND_KEYS)
    if raw.get("type") != "hyperband":
        raise SweepConfigError(
            f"{source}: {key}.type: expected hyperband, got {_shown(raw.get('type'))}"
        )
    eta = _number(source, f"{key}.eta", raw.get("eta", 3))
    low, high = ETA_RANGE
    if not low <= eta <= high:
        raise SweepConfigError(
            f"{source}: {key}.eta: expected a number in [{low:g}, {high:g}] (each rung keeps "
            f"1/eta of the members), got {eta}"
        )
    strict = raw.get("strict", True)
    if not isinstance(strict, bool):
        raise SweepConfigError(
            f"{source}: {key}.strict: expected true or false, got {_shown(strict)}"
        )
    ints = {}
    for name in ("min_iter", "max_iter", "s"):
        if name in raw:
            ints[name] = _number(source, f"{key}.{name}", raw[name], integer=True)
            if ints[name] < 1:
                raise SweepConfigError(
                    f"{source}: {key}.{name}: expected an integer >= 1, got {ints[name]}"
                )
    if "min_iter" not in ints and not ("max_iter" in ints and "s" in ints):
        raise SweepConfigError(f"{source}: {key}: expected min_iter, or max_iter and s")
    if "min_iter" in ints:
        ints.pop("max_iter", None)
        ints.pop("s", None)
    return Hyperband(eta=float(eta), strict=strict, **ints)


def parse_sweep_config(raw: Any, *, source: str = "config") -> SweepSpec:
    """Checks a sweep config already read into Python values (see `load_sweep_config`).

    Args:
      raw: the config, a mapping in wandb's sweep schema.
      source: how to name it in messages (the file).

    Returns:
      A `SweepSpec`.

    Raises:
      SweepConfigError: naming ``source``, the key and what was expected.
    """
    raw = _mapping(source, "the file", raw, "a mapping of sweep keys (method, parameters, ...)")
    unknown = [k for k in raw if k not in _USED and k not in _IGNORED]
    if unknown:
        raise SweepConfigError(
            f"{source}: {unknown[0]}: unknown key; expected {', '.join(_USED)} "
            f"(or wandb agent keys, ignored: {', '.join(_IGNORED)})"
        )
    if "method" not in raw:
        raise SweepConfigError(f"{source}: method: missing; expected one of {', '.join(METHODS)}")
    method = raw["method"]
    if method not in METHODS:
        raise SweepConfigError(
            f"{source}: method: unknown method {_shown(method)}; expected one of "
            f"{', '.join(METHODS)}"
        )
    metric, goal = _metric(source, raw["metric"]) if raw.get("metric") is not None else (None, "")
    early = _hyperband(source, raw["early_terminate"]) if "early_terminate" in raw else None
    if metric is None and (method == "bayes" or early is not None):
        what = "method bayes" if method == "bayes" else "early_terminate"
        raise SweepConfigError(
            f"{source}: metric: {what} needs a metric, e.g. {{name: val_accuracy, goal: maximize}}"
        )
    run_cap = None
    if raw.get("run_cap") is not None:
        run_cap = _number(source, "run_cap", raw["run_cap"], integer=True)
        if run_cap < 1:
            raise SweepConfigError(f"{source}: run_cap: expected an integer >= 1, got {run_cap}")
    params_raw = _mapping(
        source, "parameters", raw.get("parameters", {}), "a mapping of parameter names"
    )
    parameters: dict[str, Parameter] = {}
    for name, value in params_raw.items():
        p = _parameter(source, str(name), value)
        if p.dest in parameters:
            raise SweepConfigError(
                f"{source}: parameters.{name}: {p.dest} is already given as "
                f"parameters.{parameters[p.dest].key}"
            )
        parameters[p.dest] = p
    texts = {}
    for k in ("name", "project", "entity"):
        if raw.get(k) is not None:
            if not isinstance(raw[k], str) or not raw[k].strip():
                raise SweepConfigError(f"{source}: {k}: expected a name, got {_shown(raw[k])}")
            texts[k] = raw[k]
    return SweepSpec(
        source=source,
        method=method,
        metric=metric,
        goal=goal or "minimize",
        parameters=parameters,
        run_cap=run_cap,
        early_terminate=early,
        ignored=tuple(k for k in raw if k in _IGNORED),
        **texts,
    )

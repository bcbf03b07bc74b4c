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
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from jaxnn.sweeps._config_file import SweepConfigError, check_keys, mapping, number, shown
from jaxnn.sweeps._distributions import (
    CHOICE,
    DISTRIBUTIONS,
    GRIDDABLE,
    Parameter,
    parse_parameter,
)
from jaxnn.sweeps._early_terminate import Hyperband, parse_hyperband
from jaxnn.training._settings import SETTINGS

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

METHODS = ("grid", "random", "bayes")
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
_METRIC_KEYS = ("name", "goal", "target", "impute", "impute_while_running")


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
            if p.distribution not in GRIDDABLE:
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
        s = SETTINGS.by_dest(dest)
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
            if not (p.distribution in CHOICE and len(p.values) == 1)
        }


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


def _metric(source: str, raw: Any) -> tuple[str, str]:
    raw = mapping(source, "metric", raw, "a mapping with name and goal")
    check_keys(source, "metric", raw, _METRIC_KEYS)
    if "name" not in raw:
        raise SweepConfigError(f"{source}: metric: expected a name (e.g. val_accuracy)")
    name = str(raw["name"]).lower()
    metric = next((k for k, spellings in METRICS.items() if name in spellings), None)
    if metric is None:
        valid = ", ".join(s for spellings in METRICS.values() for s in spellings)
        raise SweepConfigError(
            f"{source}: metric.name: unknown metric {shown(raw['name'])}; expected one of {valid}"
        )
    goal = raw.get("goal", "minimize")
    if goal not in ("minimize", "maximize"):
        raise SweepConfigError(
            f"{source}: metric.goal: expected minimize or maximize, got {shown(goal)}"
        )
    return metric, goal


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
    raw = mapping(source, "the file", raw, "a mapping of sweep keys (method, parameters, ...)")
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
            f"{source}: method: unknown method {shown(method)}; expected one of "
            f"{', '.join(METHODS)}"
        )
    metric, goal = _metric(source, raw["metric"]) if raw.get("metric") is not None else (None, "")
    early = parse_hyperband(source, raw["early_terminate"]) if "early_terminate" in raw else None
    if metric is None and (method == "bayes" or early is not None):
        what = "method bayes" if method == "bayes" else "early_terminate"
        raise SweepConfigError(
            f"{source}: metric: {what} needs a metric, e.g. {{name: val_accuracy, goal: maximize}}"
        )
    run_cap = None
    if raw.get("run_cap") is not None:
        run_cap = number(source, "run_cap", raw["run_cap"], integer=True)
        if run_cap < 1:
            raise SweepConfigError(f"{source}: run_cap: expected an integer >= 1, got {run_cap}")
    params_raw = mapping(
        source, "parameters", raw.get("parameters", {}), "a mapping of parameter names"
    )
    parameters: dict[str, Parameter] = {}
    for name, value in params_raw.items():
        p = parse_parameter(source, str(name), value)
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
                raise SweepConfigError(f"{source}: {k}: expected a name, got {shown(raw[k])}")
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

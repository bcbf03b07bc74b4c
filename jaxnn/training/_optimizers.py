r"""The course's optimizers as one optax transformation, built from the settings table.

`optimizer` (and `make_optimizer`, its factory by name) builds the transformation of
`jaxnn.training._update_rule`; which hyperparameters it takes, and their defaults, are the rows
of the settings table read by the optimizer (``used_by="optimizer"``): `HYPERPARAMETERS`. A new
hyperparameter is therefore its row, its `HParams` field and the coefficient or step of the update
rule that reads it from ``state.hyperparams`` (the recipe is in `jaxnn.training._settings`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import optax

from jaxnn.training._settings import SETTINGS
from jaxnn.training._update_rule import (
    OPTIMIZERS,
    SCHEDULES,
    OptimizerState,
    apply_updates,
    check_schedule,
    course_transformation,
    custom_name,
    is_transformation,
    optimizer_code,
    resolve_optimizer,
    schedule_code,
    schedule_factor,
)

__all__ = [
    "HYPERPARAMETERS",
    "OPTIMIZERS",
    "SCHEDULES",
    "OptimizerState",
    "apply_updates",
    "check_schedule",
    "custom_name",
    "is_transformation",
    "make_optimizer",
    "optimizer",
    "optimizer_code",
    "resolve_optimizer",
    "schedule_code",
    "schedule_factor",
]

HYPERPARAMETERS = tuple(s.name for s in SETTINGS.of_kind("traced") if s.used_by == "optimizer")
"""The hyperparameters the optimizer state holds, in table order: the traced settings whose
``used_by`` is ``optimizer`` (learning_rate, momentum, beta, beta1, beta2, eps, weight_decay)."""


def optimizer(
    name: str | Any = "adam",
    *,
    schedule: str | Any = "constant",
    total_steps: Any = 1,
    **hyperparameters: Any,
) -> optax.GradientTransformation:
    r"""The course's optimizers as one optax transformation, the optimizer a traced code.

    The update rule, its table of rows and the hyperparameters each optimizer reads are in
    `jaxnn.training._update_rule`; each row equals optax's optimizer of that name.

    Args:
      name: an optimizer name of `OPTIMIZERS`, or its int32 code (may be traced).
      schedule: ``constant`` or ``cosine`` (`SCHEDULES`), or its int32 code (may be traced).
      total_steps: the run's steps, the cosine schedule's horizon (may be traced).
      **hyperparameters: any of `HYPERPARAMETERS` by name (scalars or arrays, may be traced),
        each defaulting to its row's default: learning_rate eta, or a schedule (a function of
        the step count returning eta; then ``schedule`` is not used); momentum (mu of momentum
        and nag); beta (rmsprop's decay); beta1, beta2 (the moment decays of adam, nadam and
        adamw); eps; weight_decay (the L2 coefficient on the weight matrices, decoupled for
        adamw).

    Returns:
      An `optax.GradientTransformation` whose state is an `OptimizerState`.

    Raises:
      TypeError: for a keyword that is not one of `HYPERPARAMETERS`.
    """
    unknown = sorted(set(hyperparameters) - set(HYPERPARAMETERS))
    if unknown:
        raise TypeError(
            f"optimizer got unknown hyperparameter(s) {unknown}; valid: "
            f"{', '.join(HYPERPARAMETERS)}"
        )
    given = {k: hyperparameters.get(k, SETTINGS.named(k).default) for k in HYPERPARAMETERS}
    custom = None
    if callable(given["learning_rate"]):
        custom = check_schedule(given["learning_rate"])
        given["learning_rate"] = 1.0
    code = optimizer_code(name) if isinstance(name, str) else name
    sched = schedule_code(schedule) if isinstance(schedule, str) else schedule
    return course_transformation(code, sched, given, custom, total_steps)


optimizer.__signature__ = inspect.Signature(
    [
        inspect.Parameter("name", inspect.Parameter.POSITIONAL_OR_KEYWORD, default="adam"),
        *(
            inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, default=SETTINGS.named(k).default)
            for k in HYPERPARAMETERS
        ),
        inspect.Parameter("schedule", inspect.Parameter.KEYWORD_ONLY, default="constant"),
        inspect.Parameter("total_steps", inspect.Parameter.KEYWORD_ONLY, default=1),
    ],
    return_annotation="optax.GradientTransformation",
)


def make_optimizer(name: str) -> Callable[..., optax.GradientTransformation]:
    """The factory of optimizer ``name``: `optimizer` with its name fixed.

    Args:
      name: one of `OPTIMIZERS` (sgd, momentum, nag, rmsprop, adagrad, adam, nadam, adamw).

    Returns:
      A function of the keyword arguments of `HYPERPARAMETERS` (learning_rate, momentum, beta,
      beta1, beta2, eps, weight_decay: scalars or arrays; learning_rate may be a schedule),
      schedule and total_steps, returning an `optax.GradientTransformation` whose state holds
      the hyperparameters in ``state.hyperparams``.
    """
    resolve_optimizer(name)

    def factory(**hyperparameters) -> optax.GradientTransformation:
        return optimizer(name, **hyperparameters)

    return factory

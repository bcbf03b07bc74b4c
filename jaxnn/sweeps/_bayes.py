"""``method: bayes``: rounds of K proposals from optuna's TPE, each round one vectorized sweep.

A round asks optuna for K trials before telling any (``study.ask`` with the config's space as
fixed distributions), trains the K proposals together (the caller's ``evaluate``: one `jaxnn.sweep`,
one vmapped program per group), then tells each trial its metric. The sampler is
``TPESampler(seed=seed, multivariate=True, constant_liar=True)``: with the constant liar, trials
asked and not yet told count as bad results, so the K proposals of a round spread out instead of
piling onto one point. The first rounds, until ``n_startup_trials`` (10) trials are finished, are
optuna's random search. A member whose metric is NaN (a diverged run) is told as failed.

optuna is optional (the ``search`` extra): `check_optuna` fails early, naming the extra.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

from jaxnn._util import require
from jaxnn.sweeps._config import SweepSpec

__all__ = ["bayes_search", "check_optuna"]


def check_optuna() -> Any:
    """Imports optuna, or raises ImportError naming the ``search`` extra."""
    return require("optuna", "method: bayes")


def bayes_search(
    spec: SweepSpec,
    evaluate: Callable[[list[dict[str, Any]], int], list[float]],
    *,
    total: int,
    round_size: int,
    seed: int = 0,
) -> Any:
    """Runs ``ceil(total / round_size)`` rounds of ask, evaluate, tell.

    Args:
      spec: the sweep config (``method: bayes``, with a metric and its goal).
      evaluate: trains a round's proposals (dicts from parameter destinations to values) and
        returns their metrics; its second argument is the round's index.
      total: how many members in all.
      round_size: proposals per round (the last round may be smaller).
      seed: the sampler's seed: the same seed gives the same proposals.

    Returns:
      The optuna study.
    """
    optuna = check_optuna()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=True)
    study = optuna.create_study(direction=spec.goal, sampler=sampler)
    space = {
        d: p.optuna_distribution()
        for d, p in spec.parameters.items()
        if p.distribution != "constant"
    }
    constants = {d: p.values[0] for d, p in spec.parameters.items() if p.distribution == "constant"}
    done, index = 0, 0
    while done < total:
        k = min(round_size, total - done)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            trials = [study.ask(fixed_distributions=space) for _ in range(k)]
        proposals = [
            {
                d: (constants[d] if d in constants else spec.parameters[d].from_optuna(t.params[d]))
                for d in spec.parameters
            }
            for t in trials
        ]
        values = evaluate(proposals, index)
        for trial, value in zip(trials, values):
            if value is None or not math.isfinite(value):
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
            else:
                study.tell(trial, float(value))
        done += k
        index += 1
    return study

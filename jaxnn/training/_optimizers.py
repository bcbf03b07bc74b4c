"""The optimizers of the course, from optax, with every hyperparameter a traced array.

Each optimizer is built by `optax.inject_hyperparams`, so the learning rate, momentum, betas, eps
and weight decay live in the optimizer *state* as float32 arrays, not in the compiled program: a
sweep vmaps over them and changing them never recompiles. All optimizers take the same seven
hyperparameters (an optimizer ignores those it does not use), so every optimizer state holds the
same ``hyperparams`` dict.

Weight decay is L2 regularization: ``weight_decay * W`` is added to the gradient of every weight
matrix W (not the biases) before the optimizer's update, i.e. the loss gains
``(weight_decay / 2) * sum_k ||W_k||^2``.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import optax

from jaxnn.feedforward._network import Dense

__all__ = [
    "HYPERPARAMETERS",
    "OPTIMIZERS",
    "SCHEDULES",
    "make_optimizer",
    "resolve_optimizer",
    "with_schedule",
]

OPTIMIZERS = ("sgd", "momentum", "nag", "rmsprop", "adagrad", "adam", "nadam")
HYPERPARAMETERS = (
    "learning_rate",
    "momentum",
    "beta",
    "beta1",
    "beta2",
    "eps",
    "weight_decay",
)


def resolve_optimizer(name: str) -> str:
    """Validates an optimizer name. Raises ``ValueError`` listing the valid ones."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; valid: {', '.join(OPTIMIZERS)}")
    return name


def _weights_only(params):
    return jax.tree_util.tree_map(
        lambda layer: Dense(True, False), params, is_leaf=lambda x: isinstance(x, Dense)
    )


def _update_rule(name: str, learning_rate, momentum, beta, beta1, beta2, eps):
    r"""The update rule of optimizer ``name``; the course's formulas (g the gradient, eta the rate).

    .. math::
        \text{sgd: } w \mathrel{-}= \eta g \qquad
        \text{momentum: } u = \mu u + g,\ w \mathrel{-}= \eta u \qquad
        \text{nag: } u = \mu u + g,\ w \mathrel{-}= \eta (g + \mu u) \\
        \text{rmsprop: } v = \beta v + (1-\beta) g^2,\ w \mathrel{-}= \eta g / \sqrt{v + \epsilon}
        \qquad \text{adagrad: } v = v + g^2,\ w \mathrel{-}= \eta g / \sqrt{v + \epsilon} \\
        \text{adam: } m = \beta_1 m + (1-\beta_1) g,\ v = \beta_2 v + (1-\beta_2) g^2,\
        w \mathrel{-}= \eta\, \hat m / (\sqrt{\hat v} + \epsilon) \text{ (bias-corrected)};
        \ \text{nadam: adam with a Nesterov look-ahead on } m
    """
    if name == "sgd":
        return optax.sgd(learning_rate)
    if name == "momentum":
        return optax.sgd(learning_rate, momentum=momentum)
    if name == "nag":
        return optax.sgd(learning_rate, momentum=momentum, nesterov=True)
    if name == "rmsprop":
        return optax.rmsprop(learning_rate, decay=beta, eps=eps)
    if name == "adagrad":
        return optax.adagrad(learning_rate, initial_accumulator_value=0.0, eps=eps)
    if name == "adam":
        return optax.adam(learning_rate, b1=beta1, b2=beta2, eps=eps)
    if name == "nadam":
        return optax.nadam(learning_rate, b1=beta1, b2=beta2, eps=eps)
    raise ValueError(f"unknown optimizer {name!r}; valid: {', '.join(OPTIMIZERS)}")


def make_optimizer(name: str) -> Callable[..., optax.GradientTransformation]:
    """The factory of optimizer ``name`` with injected (traced) hyperparameters.

    Args:
      name: one of sgd, momentum, nag, rmsprop, adagrad, adam, nadam.

    Returns:
      A function of the seven keyword arguments learning_rate, momentum, beta, beta1, beta2, eps,
      weight_decay (scalars or arrays) returning an `optax.GradientTransformation` whose state
      holds them in ``state.hyperparams``. Weight decay is applied to the W matrices only, as an L2
      term added to the gradient before the update rule.
    """
    resolve_optimizer(name)

    def factory(learning_rate, momentum, beta, beta1, beta2, eps, weight_decay):
        return optax.chain(
            optax.add_decayed_weights(weight_decay, mask=_weights_only),
            _update_rule(name, learning_rate, momentum, beta, beta1, beta2, eps),
        )

    return optax.inject_hyperparams(factory)


def _cosine(total_steps: int) -> optax.Schedule:
    r"""Cosine decay of the learning rate to a hundredth over the run's ``total_steps`` steps.

    .. math:: \eta_t = \eta \left(0.99 \cdot \tfrac12 (1 + \cos(\pi t / T)) + 0.01\right)
    """
    return optax.cosine_decay_schedule(1.0, total_steps, alpha=0.01)


SCHEDULES: dict[str, Callable[[int], optax.Schedule] | None] = {"constant": None, "cosine": _cosine}
"""Learning-rate schedules by name: a factor of the step, from the run's number of steps."""


def with_schedule(
    opt: optax.GradientTransformation, schedule: str, total_steps: int
) -> optax.GradientTransformation:
    """``opt`` with its updates scaled by schedule ``schedule`` (unchanged for ``constant``)."""
    make = SCHEDULES[schedule]
    if make is None:
        return opt
    return optax.chain(opt, optax.scale_by_schedule(make(max(1, total_steps))))

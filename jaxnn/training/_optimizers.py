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
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxnn.feedforward._network import Dense

__all__ = [
    "HYPERPARAMETERS",
    "OPTIMIZERS",
    "SCHEDULES",
    "MomentState",
    "make_optimizer",
    "moment_init",
    "moment_update",
    "resolve_optimizer",
    "schedule_factor",
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


# --- one parametric update rule for all seven optimizers (the packed sweep's) ---


class MomentState(NamedTuple):
    """The state of the parametric rule: both moments of every parameter and the step count.

    Attributes:
      m: the first moment (momentum's trace u, adam's m), shaped like the parameters.
      v: the second moment (rmsprop's and adam's v, adagrad's sum of squares).
      count: int32 scalar, the steps taken.
    """

    m: Any
    v: Any
    count: jax.Array


def moment_init(params) -> MomentState:
    """Zero moments shaped like ``params``, step 0."""
    zeros = jax.tree.map(jnp.zeros_like, params)
    return MomentState(zeros, jax.tree.map(jnp.zeros_like, params), jnp.zeros((), jnp.int32))


def _coefficients(code, hp, count_inc) -> jax.Array:
    """The coefficients of optimizer ``OPTIMIZERS[code]`` at step ``count_inc`` (1, 2, ...).

    One row per optimizer, read by the traced ``code``; the columns are the a, c, k and q of
    `moment_update`.
    """
    mu, beta, b1, b2, eps = hp["momentum"], hp["beta"], hp["beta1"], hp["beta2"], hp["eps"]
    one, zero = jnp.ones_like(mu), jnp.zeros_like(mu)
    bc1, bc1_next, bc2 = 1 - b1**count_inc, 1 - b1 ** (count_inc + 1), 1 - b2**count_inc
    # columns: a_m, c_m, a_v, c_v, k_m, q_m, k_g, q_g, q_v, e_in, e_out
    rows = {
        "sgd": (zero, zero, zero, zero, zero, one, one, one, one, one, zero),
        "momentum": (mu, one, zero, zero, one, one, zero, one, one, one, zero),
        "nag": (mu, one, zero, zero, mu, one, one, one, one, one, zero),
        "rmsprop": (zero, zero, beta, 1 - beta, zero, one, one, one, one, eps, zero),
        "adagrad": (zero, zero, one, one, zero, one, one, one, one, eps, zero),
        "adam": (b1, 1 - b1, b2, 1 - b2, one, bc1, zero, one, bc2, zero, eps),
        "nadam": (b1, 1 - b1, b2, 1 - b2, b1, bc1_next, 1 - b1, bc1, bc2, zero, eps),
    }
    table = jnp.stack([jnp.stack(rows[name]) for name in OPTIMIZERS])
    return table[code]


def schedule_factor(schedule: str, count, total_steps) -> jax.Array | None:
    r"""The learning-rate factor of ``schedule`` at step ``count`` (0-based), or None (constant).

    ``total_steps`` may be traced (a packed sweep's members train for different numbers of
    steps); the formula is optax's `cosine_decay_schedule` of `SCHEDULES`:

    .. math:: \eta_t / \eta = 0.99 \cdot \tfrac12 (1 + \cos(\pi \min(t, T) / T)) + 0.01
    """
    if SCHEDULES[schedule] is None:
        return None
    if schedule != "cosine":
        raise ValueError(f"schedule {schedule!r} has no traced form; valid: constant, cosine")
    total = jnp.maximum(jnp.asarray(total_steps, jnp.float32), 1.0)
    t = jnp.minimum(count.astype(jnp.float32), total)
    cosine_decay = 0.5 * (1 + jnp.cos(jnp.pi * t / total))
    alpha, exponent = 0.01, 1.0
    return 1.0 * ((1 - alpha) * cosine_decay**exponent + alpha)


def moment_update(
    code, hparams: dict, grads, state: MomentState, params, *, factor=None
) -> tuple[Any, MomentState]:
    r"""One step of optimizer ``OPTIMIZERS[code]``, the code traced: every optimizer one formula.

    With g the gradient plus ``weight_decay * W`` for the weight matrices (not the biases) and t
    the step (1, 2, ...):

    .. math::
        m \leftarrow a_m m + c_m g, \quad v \leftarrow a_v v + c_v g^2, \quad
        w \leftarrow w - \eta\, s_t \frac{k_m\, m / q_m + k_g\, g / q_g}
        {\sqrt{v / q_v + \epsilon_{in}} + \epsilon_{out}}

    whose coefficients, read from a table by ``code``, give the seven optimizers of
    `make_optimizer` (``s_t`` the schedule's factor):

    ==========  ===============  ==================  ==========================================
    optimizer   m                v                   step direction
    ==========  ===============  ==================  ==========================================
    sgd         0                0                   g
    momentum    mu m + g         0                   m
    nag         mu m + g         0                   g + mu m
    rmsprop     0                b v + (1-b) g^2     g / sqrt(v + e)
    adagrad     0                v + g^2             g / sqrt(v + e)
    adam        EMA of g, b1     EMA of g^2, b2      m_hat / (sqrt(v_hat) + e)
    nadam       EMA of g, b1     EMA of g^2, b2      (b1 m_hat' + (1-b1) g_hat) / (sqrt(v_hat) + e)
    ==========  ===============  ==================  ==========================================

    (hats: bias-corrected, m_hat' with 1 - b1^(t+1)).

    Args:
      code: int32, the index of the optimizer in `OPTIMIZERS` (traced).
      hparams: the hyperparameters by name (``learning_rate``, ``momentum``, ``beta``,
        ``beta1``, ``beta2``, ``eps``, ``weight_decay``), float32 scalars.
      grads: the gradients, shaped like ``params`` (a tuple of `Dense`).
      state: the `MomentState`.
      params: the parameters.
      factor: the learning-rate schedule's factor at this step (`schedule_factor`), or None.

    Returns:
      ``(params, state)`` after the step.
    """
    count_inc = optax.safe_increment(state.count)
    a_m, c_m, a_v, c_v, k_m, q_m, k_g, q_g, q_v, e_in, e_out = _coefficients(
        code, hparams, count_inc
    )
    decay, lr = hparams["weight_decay"], hparams["learning_rate"]
    grads = tuple(Dense(g.W + decay * p.W, g.b) for g, p in zip(grads, params))

    def leaf(g, m, v, p):
        m = c_m * g + a_m * m
        v = c_v * g**2 + a_v * v
        u = (-lr) * ((k_m * (m / q_m) + k_g * (g / q_g)) / (jnp.sqrt(v / q_v + e_in) + e_out))
        if factor is not None:
            u = factor * u
        return (p + u).astype(p.dtype), m, v

    out = jax.tree.map(leaf, grads, state.m, state.v, params)
    pick = lambda i: jax.tree.map(lambda _, o: o[i], params, out)  # noqa: E731
    return pick(0), MomentState(pick(1), pick(2), count_inc)

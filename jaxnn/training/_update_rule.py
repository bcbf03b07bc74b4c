r"""The update rule of the course's optimizers: one optax transformation, a table of rows.

The transformation's state (`OptimizerState`) holds the optimizer's int32 code, the learning-rate
schedule's code, the hyperparameters (float32 arrays, as `optax.inject_hyperparams` keeps them)
and both moments with the step count. Every optimizer is one update rule whose coefficients are
read from a table by the code, so the optimizer, like the learning rate, is a traced value: a
sweep vmaps over it and changing it never recompiles. A new optimizer is its name in `OPTIMIZERS`
and its row of `_rows` (and its optax oracle in ``tests/training/test_optimizers.py``).

With g the gradient (plus ``weight_decay * W`` for the weight matrices, except adamw), t the step
(1, 2, ...) and s_t the schedule's factor:

.. math::
    m \leftarrow a_m m + c_m g, \quad v \leftarrow a_v v + c_v g^2, \quad
    \Delta w = -\eta\, s_t \Big(\frac{k_m\, m / q_m + k_g\, g / q_g}
    {\sqrt{v / q_v + \epsilon_{in}} + \epsilon_{out}} + \lambda_{dec} W\Big)

whose coefficients, one row per optimizer, give:

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
adamw       as adam          as adam             adam's + weight_decay W (decoupled)
==========  ===============  ==================  ==========================================

(hats: bias-corrected, m_hat' with 1 - b1^(t+1)). Each row equals optax's optimizer of that name
(tested over 100 steps, rtol 1e-5).

Weight decay is L2 regularization on the weight matrices W (not the biases): ``weight_decay * W``
is added to the gradient before the update rule, i.e. the loss gains
``(weight_decay / 2) * sum_k ||W_k||^2``; ``adamw`` decays decoupled, as optax's ``adamw`` does
(``-eta * weight_decay * W`` added to the update).

The hyperparameters are read by name from ``state.hyperparams``; which ones the state holds, and
their defaults, are the settings table's (`jaxnn.training._optimizers.HYPERPARAMETERS`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax

from jaxnn.feedforward._network import Dense

__all__ = [
    "OPTIMIZERS",
    "SCHEDULES",
    "OptimizerState",
    "apply_updates",
    "check_schedule",
    "course_transformation",
    "custom_name",
    "is_transformation",
    "optimizer_code",
    "resolve_optimizer",
    "schedule_code",
    "schedule_factor",
]

OPTIMIZERS = ("sgd", "momentum", "nag", "rmsprop", "adagrad", "adam", "nadam", "adamw")


def _cosine(total_steps: int) -> optax.Schedule:
    r"""Cosine decay of the learning rate to a hundredth over the run's ``total_steps`` steps.

    .. math:: \eta_t = \eta \left(0.99 \cdot \tfrac12 (1 + \cos(\pi t / T)) + 0.01\right)
    """
    return optax.cosine_decay_schedule(1.0, total_steps, alpha=0.01)


SCHEDULES: dict[str, Callable[[int], optax.Schedule] | None] = {"constant": None, "cosine": _cosine}
"""Learning-rate schedules by name: a factor of the step, from the run's number of steps."""


def is_transformation(value: Any) -> bool:
    """Whether ``value`` is an optax transformation (a user's own optimizer)."""
    return isinstance(value, optax.GradientTransformation | optax.GradientTransformationExtraArgs)


def resolve_optimizer(name: str) -> str:
    """Validates an optimizer name. Raises ``ValueError`` listing the valid ones."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; valid: {', '.join(OPTIMIZERS)}")
    return name


def optimizer_code(name: str) -> int:
    """The int32 code of built-in optimizer ``name``: its row of the table."""
    return OPTIMIZERS.index(resolve_optimizer(name))


def schedule_code(name: str) -> int:
    """The int32 code of the built-in learning-rate schedule ``name``."""
    if name not in SCHEDULES:
        raise ValueError(f"unknown lr_schedule {name!r}; valid: {', '.join(SCHEDULES)}")
    return list(SCHEDULES).index(name)


def check_schedule(schedule: Callable, name: str = "learning_rate") -> Callable:
    """Checks a user's schedule at the boundary: a function of the step returning a scalar.

    Traced abstractly (`jax.eval_shape`: nothing is compiled).

    Raises:
      TypeError: for a value that is not callable.
      ValueError: naming the schedule and the shape it returned.
    """
    if not callable(schedule):
        raise TypeError(f"{name} must be a number or a schedule (a function of the step)")
    try:
        out = jax.eval_shape(schedule, jax.ShapeDtypeStruct((), jnp.int32))
    except Exception as e:  # noqa: BLE001  (whatever the user's function raises)
        raise ValueError(
            f"{name}: the schedule {_name(schedule)} fails on a step count ({e})"
        ) from None
    if not hasattr(out, "shape") or out.shape != () or not jnp.issubdtype(out.dtype, jnp.number):
        shape = getattr(out, "shape", type(out).__name__)
        raise ValueError(
            f"{name}: the schedule {_name(schedule)} must return a scalar learning rate for a "
            f"step count, got {shape}"
        )
    return schedule


def _name(fn: Any) -> str:
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)


def custom_name(value: Any) -> str:
    """A short name of a user's transformation or schedule for messages and JSON (the function
    that built it: ``chain``, ``scale_by_adam``, ``warmup_cosine_decay_schedule``, ...)."""
    fn = value.init if is_transformation(value) else value
    name = _name(fn).split(".<locals>")[0]
    return f"optax {name}" if is_transformation(value) else name


class OptimizerState(NamedTuple):
    """The state of the course's optimizer: what it is, its hyperparameters, moments and step count.

    Attributes:
      count: int32 scalar, the steps taken.
      optimizer: int32 scalar, the optimizer's code (its index in `OPTIMIZERS`).
      schedule: int32 scalar, the learning-rate schedule's code (its index in `SCHEDULES`).
      hyperparams: the hyperparameters by name (the settings table's rows read by the optimizer),
        float32 arrays (float64 for float64 parameters), as `optax.inject_hyperparams` keeps
        them: set one to change it.
      m: the first moment (momentum's trace u, adam's m), shaped like the parameters.
      v: the second moment (rmsprop's and adam's v, adagrad's sum of squares).
    """

    count: jax.Array
    optimizer: jax.Array
    schedule: jax.Array
    hyperparams: dict[str, jax.Array]
    m: Any
    v: Any


def _rows(hp: dict, powers: tuple) -> dict[str, tuple]:
    """The table: one row of coefficients per optimizer, at the step whose powers are given.

    ``powers`` = (b1^t, b1^(t+1), b2^t) at step t = 1, 2, ...; the columns are those of
    `_step`: a_m, c_m, a_v, c_v, k_m, q_m, k_g, q_g, q_v, e_in, e_out, l2, decoupled.
    """
    mu, beta, b1, b2, eps = hp["momentum"], hp["beta"], hp["beta1"], hp["beta2"], hp["eps"]
    one, zero = jnp.ones_like(mu), jnp.zeros_like(mu)
    p1, p1_next, p2 = powers
    bc1, bc1_next, bc2 = 1 - p1, 1 - p1_next, 1 - p2
    adam = (b1, 1 - b1, b2, 1 - b2, one, bc1, zero, one, bc2, zero, eps)
    return {
        "sgd": (zero, zero, zero, zero, zero, one, one, one, one, one, zero, one, zero),
        "momentum": (mu, one, zero, zero, one, one, zero, one, one, one, zero, one, zero),
        "nag": (mu, one, zero, zero, mu, one, one, one, one, one, zero, one, zero),
        "rmsprop": (zero, zero, beta, 1 - beta, zero, one, one, one, one, eps, zero, one, zero),
        "adagrad": (zero, zero, one, one, zero, one, one, one, one, eps, zero, one, zero),
        "adam": (*adam, one, zero),
        "nadam": (b1, 1 - b1, b2, 1 - b2, b1, bc1_next, 1 - b1, bc1, bc2, zero, eps, one, zero),
        "adamw": (*adam, zero, one),
    }


def _coefficients(code, hp: dict, count_inc) -> jax.Array:
    """The row of optimizer ``OPTIMIZERS[code]`` at step ``count_inc`` (1, 2, ...)."""
    t = count_inc  # an integer power, as optax's bias correction computes it (lax.pow: no cast)
    powers = (lax.pow(hp["beta1"], t), lax.pow(hp["beta1"], t + 1), lax.pow(hp["beta2"], t))
    rows = _rows(hp, powers)
    table = jnp.stack([jnp.stack(rows[name]) for name in OPTIMIZERS])
    return table[code]


def schedule_factor(code, count, total_steps) -> jax.Array:
    r"""The learning-rate factor of schedule ``code`` at step ``count`` (0-based).

    ``code`` and ``total_steps`` may be traced. constant: 1; cosine: optax's
    `cosine_decay_schedule` of `SCHEDULES`,

    .. math:: \eta_t / \eta = 0.99 \cdot \tfrac12 (1 + \cos(\pi \min(t, T) / T)) + 0.01
    """
    total = jnp.maximum(jnp.asarray(total_steps, jnp.float32), 1.0)
    t = jnp.minimum(jnp.asarray(count).astype(jnp.float32), total)
    alpha = 0.01
    cosine = (1 - alpha) * (0.5 * (1 + jnp.cos(jnp.pi * t / total))) + alpha
    return jnp.where(jnp.asarray(code) == schedule_code("cosine"), cosine, jnp.float32(1.0))


def _decay_mask(params) -> Any:
    """Which leaves weight decay applies to: the W of every `Dense`, any other leaf of rank >= 2."""
    return jax.tree.map(
        lambda x: Dense(True, False) if isinstance(x, Dense) else np.ndim(x) >= 2,
        params,
        is_leaf=lambda x: isinstance(x, Dense),
    )


def _hyperparam_dtype(params):
    leaves = jax.tree.leaves(params)
    return jnp.float64 if any(x.dtype == jnp.float64 for x in leaves) else jnp.float32


def course_transformation(
    code, sched, given: dict, custom, total_steps
) -> optax.GradientTransformation:
    """The rule as a transformation: optimizer ``code``, schedule ``sched``, the hyperparameters
    ``given`` by name, and a user's schedule ``custom`` (or None) in place of ``sched``."""

    def init(params) -> OptimizerState:
        dtype = _hyperparam_dtype(params)
        return OptimizerState(
            count=jnp.zeros((), jnp.int32),
            optimizer=jnp.asarray(code, jnp.int32),
            schedule=jnp.asarray(sched, jnp.int32),
            hyperparams={k: jnp.asarray(v, dtype) for k, v in given.items()},
            m=jax.tree.map(jnp.zeros_like, params),
            v=jax.tree.map(jnp.zeros_like, params),
        )

    def update(grads, state: OptimizerState, params=None):
        if params is None:
            raise ValueError("the course's optimizers need params (weight decay reads W)")
        if custom is None:
            rate = state.hyperparams["learning_rate"] * schedule_factor(
                state.schedule, state.count, total_steps
            )
        else:
            rate = jnp.asarray(custom(state.count), state.hyperparams["learning_rate"].dtype)
        return _step(state, rate, grads, params)

    return optax.GradientTransformation(init, update)


def _step(state: OptimizerState, rate, grads, params):
    """One step of the table's rule at learning rate ``rate``: ``(updates, state)``."""
    hp = state.hyperparams
    count_inc = optax.safe_increment(state.count)
    a_m, c_m, a_v, c_v, k_m, q_m, k_g, q_g, q_v, e_in, e_out, l2, decoupled = _coefficients(
        state.optimizer, hp, count_inc
    )
    decay = hp["weight_decay"]
    l2, decoupled = l2 * decay, decoupled * decay

    def leaf(g, m, v, p, decays):
        # the step in the one dtype standard promotion would give, cast explicitly (strict
        # promotion refuses bfloat16 meeting float32); g**2 in g's own dtype first, as before
        with jax.numpy_dtype_promotion("standard"):
            dt = jnp.result_type(g, m, v, p, rate, a_m)
        g2 = (g**2).astype(dt)
        g, m32, v32, p = (x.astype(dt) for x in (g, m, v, p))
        a_m_, c_m_, a_v_, c_v_, k_m_, q_m_, k_g_, q_g_, q_v_, e_in_, e_out_, l2_, dec_, rate_ = (
            jnp.asarray(c).astype(dt)
            for c in (a_m, c_m, a_v, c_v, k_m, q_m, k_g, q_g, q_v, e_in, e_out, l2, decoupled, rate)
        )
        if decays:
            g = g + l2_ * p
            g2 = g**2
        m_new = c_m_ * g + a_m_ * m32
        v_new = c_v_ * g2 + a_v_ * v32
        # in the order of optax's operations, so that each row rounds as optax's optimizer does
        d = (k_m_ * (m_new / q_m_) + k_g_ * (g / q_g_)) / (jnp.sqrt(v_new / q_v_ + e_in_) + e_out_)
        if decays:
            d = d + dec_ * p
        return -rate_ * d, m_new.astype(m.dtype), v_new.astype(v.dtype)

    out = jax.tree.map(leaf, grads, state.m, state.v, params, _decay_mask(params))
    pick = lambda i: jax.tree.map(lambda _, o: o[i], params, out)  # noqa: E731
    return pick(0), state._replace(count=count_inc, m=pick(1), v=pick(2))


def apply_updates(params, updates):
    r"""``optax.apply_updates`` with its cast written out, as strict promotion asks.

    .. math:: \theta \leftarrow \theta + u

    ``p + u`` in the dtype standard promotion gives (bfloat16 parameters take float32 updates),
    then back to ``p``'s dtype.

    Args:
        params: the parameters, a pytree of arrays.
        updates: the optimizer's updates, the same pytree.

    Returns:
        The updated parameters, each leaf in its own dtype.
    """

    def one(p, u):
        with jax.numpy_dtype_promotion("standard"):
            dt = jnp.result_type(p, u)
        return (p.astype(dt) + u.astype(dt)).astype(p.dtype)

    return jax.tree.map(one, params, updates)

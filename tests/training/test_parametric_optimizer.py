"""The parametric update rule (one formula, traced optimizer code) against jaxnn's optax optimizers,
and the epoch loop's freezing of a member after its own epochs."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxnn import OPTIMIZERS, Dense, load_dataset, make_optimizer
from jaxnn.training._loop import (
    Member,
    TrainConfig,
    _solo_member,
    check_config,
    init_state,
    make_hparams,
    run_epoch,
    train_epoch,
)
from jaxnn.training._optimizers import (
    MomentState,
    moment_init,
    moment_update,
    schedule_factor,
    with_schedule,
)

HP = dict(
    learning_rate=0.01, momentum=0.9, beta=0.9, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=5e-4
)
STEPS = 100
# float32 tolerance after 100 steps: the two compute the same formulas in float32; XLA may
# round a few of them differently (adam: at most a few ulp per step, 5e-7 relative seen).
RTOL, ATOL = 1e-5, 1e-6


def _params():
    k1, k2 = jax.random.split(jax.random.PRNGKey(0))
    return (
        Dense(jax.random.normal(k1, (8, 5)), jnp.zeros(8)),
        Dense(jax.random.normal(k2, (3, 8)), jnp.ones(3)),
    )


def _grads(params, t):
    """A gradient that depends on the parameters (a quadratic) plus noise, new at every step."""
    k = jax.random.fold_in(jax.random.PRNGKey(1), t)
    return jax.tree.map(lambda x: 0.5 * x + jax.random.normal(k, x.shape), params)


def _trajectories(schedule):
    """Every optimizer's 100 steps: optax's (one program for all seven) and the parametric
    rule's (one program, vmapped over the optimizer code)."""
    hparams = {k: jnp.float32(v) for k, v in HP.items()}

    def optax_run(name, params):
        opt = with_schedule(make_optimizer(name)(**HP), schedule, STEPS)

        def step(carry, t):
            p, s = carry
            u, s = opt.update(_grads(p, t), s, p)
            return (optax.apply_updates(p, u), s), p

        return jax.lax.scan(step, (params, opt.init(params)), jnp.arange(STEPS))[1]

    def parametric_run(code, params):
        def step(carry, t):
            p, s = carry
            factor = schedule_factor(schedule, s.count, STEPS)
            return moment_update(code, hparams, _grads(p, t), s, p, factor=factor), p

        return jax.lax.scan(step, (params, moment_init(params)), jnp.arange(STEPS))[1]

    reference = jax.jit(lambda p: [optax_run(name, p) for name in OPTIMIZERS])(_params())
    codes = jnp.arange(len(OPTIMIZERS), dtype=jnp.int32)
    ours = jax.jit(jax.vmap(parametric_run, in_axes=(0, None)))(codes, _params())
    return reference, ours


@pytest.mark.parametrize("schedule", ["constant", "cosine"])
def test_parametric_rule_equals_each_optax_optimizer_over_100_steps(schedule):
    reference, ours = _trajectories(schedule)
    for code, name in enumerate(OPTIMIZERS):
        expected = reference[code]
        got = jax.tree.map(lambda x, code=code: x[code], ours)
        for e, g in zip(jax.tree.leaves(expected), jax.tree.leaves(got)):
            np.testing.assert_allclose(g, e, rtol=RTOL, atol=ATOL, err_msg=name)
        # the run moved: the comparison is not of two unchanged networks
        assert float(jnp.max(jnp.abs(expected[0].W[-1] - expected[0].W[0]))) > 1e-3, name
    # and the optimizers differ from each other: the code selects the rule
    finals = [np.asarray(reference[c][0].W[-1]) for c in range(len(OPTIMIZERS))]
    assert len({f.tobytes() for f in finals}) == len(OPTIMIZERS)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_padded_entries_get_exactly_zero_updates(name):
    """Zero weights with zero gradients (a packed member's padding) stay exactly 0, weight decay
    included, for every optimizer (adam, rmsprop and adagrad divide by sqrt(v) + eps there)."""
    params = (Dense(jnp.zeros((4, 3)), jnp.zeros(4)),)
    state = MomentState(*moment_init(params))
    hparams = {k: jnp.float32(v) for k, v in {**HP, "weight_decay": 0.5}.items()}
    code = jnp.int32(OPTIMIZERS.index(name))
    step = jax.jit(lambda p, s: moment_update(code, hparams, params, s, p))
    for _ in range(3):
        params, state = step(params, state)
    for leaf in jax.tree.leaves((params, state.m, state.v)):
        assert np.all(np.asarray(leaf) == 0)
    assert int(state.count) == 3


def test_schedule_factor_is_optax_cosine():
    total = 37
    schedule = optax.cosine_decay_schedule(1.0, total, alpha=0.01)
    for t in (0, 1, 18, 36, 37, 50):
        got = schedule_factor("cosine", jnp.int32(t), jnp.float32(total))
        np.testing.assert_allclose(got, schedule(t), rtol=1e-6)
    assert schedule_factor("constant", jnp.int32(3), 10) is None


def test_a_member_is_frozen_after_its_own_epochs():
    data = load_dataset("xor")
    config = check_config(TrainConfig(sizes=(2, 4, 2), epochs=3, batch_size=2, activation="tanh"))
    state = init_state(config, make_hparams(learning_rate=0.1), jax.random.PRNGKey(0))
    solo = _solo_member(config, data)
    frozen = Member(solo.gradients, solo.update, solo.evaluate, epochs=jnp.int32(1))
    run = jax.jit(lambda s: run_epoch(frozen, s, data, config.batch_size))
    first, metrics = run(state)
    expected, expected_metrics = jax.jit(train_epoch, static_argnums=0)(config, state, data)
    for a, b in zip(jax.tree.leaves(first), jax.tree.leaves(expected)):
        np.testing.assert_array_equal(a, b)  # the first epoch: the solo epoch, bit for bit
    np.testing.assert_array_equal(metrics.val_loss, expected_metrics.val_loss)
    second, after = run(first)
    for a, b in zip(jax.tree.leaves(second), jax.tree.leaves(first)):
        np.testing.assert_array_equal(a, b)  # frozen: params, optimizer state, epoch, key
    assert int(second.epoch) == 1
    assert all(np.isnan(np.asarray(m)) for m in after)

"""The course's optimizers: one table-driven rule against optax's optimizers, the oracle.

One row per optimizer: the optax transformation it must equal over 100 steps (rtol 1e-5), with L2
weight decay on W only (adamw: decoupled, as optax's), for a constant learning rate, the cosine
schedule and a user's schedule.
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxnn import OPTIMIZERS, Dense, fit, make_optimizer
from jaxnn.training._optimizers import HYPERPARAMETERS, OptimizerState, optimizer, schedule_factor

HP = dict(
    learning_rate=0.01, momentum=0.9, beta=0.9, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=5e-4
)
STEPS = 100
# float32 tolerance after 100 steps: the two compute the same formulas in float32; XLA may
# round a few of them differently (a few ulp per step).
RTOL, ATOL = 1e-5, 1e-6


def _weights(params):
    dense = lambda x: isinstance(x, Dense)  # noqa: E731
    return jax.tree.map(lambda _: Dense(True, False), params, is_leaf=dense)


ADAM = dict(b1=HP["beta1"], b2=HP["beta2"], eps=HP["eps"])


def _l2(opt):
    """optax's optimizer with L2 weight decay on the weight matrices added to the gradient."""
    return optax.chain(optax.add_decayed_weights(HP["weight_decay"], mask=_weights), opt)


def _injected(factory, **kw):
    """optax's optimizer with its hyperparameters as float32 arrays in the state, as ours."""
    static = ("mask",) if "mask" in kw else ()
    return optax.inject_hyperparams(factory, static_args=static)(**kw)


# The oracle: a new optimizer is one row.
ORACLE = {
    "sgd": lambda lr: _l2(_injected(optax.sgd, learning_rate=lr)),
    "momentum": lambda lr: _l2(_injected(optax.sgd, learning_rate=lr, momentum=HP["momentum"])),
    "nag": lambda lr: _l2(
        _injected(optax.sgd, learning_rate=lr, momentum=HP["momentum"], nesterov=True)
    ),
    "rmsprop": lambda lr: _l2(
        _injected(optax.rmsprop, learning_rate=lr, decay=HP["beta"], eps=HP["eps"])
    ),
    "adagrad": lambda lr: _l2(
        _injected(optax.adagrad, learning_rate=lr, initial_accumulator_value=0.0, eps=HP["eps"])
    ),
    "adam": lambda lr: _l2(_injected(optax.adam, learning_rate=lr, **ADAM)),
    "nadam": lambda lr: _l2(_injected(optax.nadam, learning_rate=lr, **ADAM)),
    "adamw": lambda lr: _injected(
        optax.adamw, learning_rate=lr, **ADAM, weight_decay=HP["weight_decay"], mask=_weights
    ),
}
WARMUP = optax.warmup_cosine_decay_schedule(0.0, 0.02, 10, STEPS)
COSINE = optax.cosine_decay_schedule(HP["learning_rate"], STEPS, alpha=0.01)


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


def _run(opt, params):
    def step(carry, t):
        p, s = carry
        u, s = opt.update(_grads(p, t), s, p)
        return (optax.apply_updates(p, u), s), p

    return jax.lax.scan(step, (params, opt.init(params)), jnp.arange(STEPS))[1]


def _oracle(opt, params):
    """optax's run: its bias correction raises float32 hyperparameters to the int32 step count,
    which strict promotion refuses, so the oracle alone traces under standard promotion."""
    with jax.numpy_dtype_promotion("standard"):
        return _run(opt, params)


@pytest.fixture(scope="module")
def trajectories():
    """Every optimizer's 100 steps: optax's (one program) and the table's (one program, vmapped
    over the optimizer code)."""

    def ours(code, params):
        return _run(optimizer(code, **HP), params)

    lr = HP["learning_rate"]
    reference = jax.jit(lambda p: [_oracle(ORACLE[n](lr), p) for n in OPTIMIZERS])
    codes = jnp.arange(len(OPTIMIZERS), dtype=jnp.int32)
    return reference(_params()), jax.jit(jax.vmap(ours, in_axes=(0, None)))(codes, _params())


def _assert_close(got, expected, name):
    for e, g in zip(jax.tree.leaves(expected), jax.tree.leaves(got)):
        np.testing.assert_allclose(g, e, rtol=RTOL, atol=ATOL, err_msg=name)
    # the run moved: the comparison is not of two unchanged networks
    assert float(jnp.max(jnp.abs(expected[0].W[-1] - expected[0].W[0]))) > 1e-3, name


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_each_optimizer_equals_optax_over_100_steps(trajectories, name):
    reference, ours = trajectories
    code = OPTIMIZERS.index(name)
    _assert_close(jax.tree.map(lambda x: x[code], ours), reference[code], name)


def test_the_code_selects_the_rule(trajectories):
    _, ours = trajectories
    finals = {np.asarray(ours[0].W[c, -1]).tobytes() for c in range(len(OPTIMIZERS))}
    assert len(finals) == len(OPTIMIZERS)


@pytest.mark.parametrize(
    "schedule, ours",
    [(COSINE, {"schedule": "cosine"}), (WARMUP, {"learning_rate": WARMUP})],
    ids=["cosine", "user's warmup-cosine"],
)
def test_schedules_equal_optax_over_100_steps(schedule, ours):
    """The built-in cosine schedule (a traced code) and a user's schedule, on adam."""
    # optax's schedules mix Python floats with the int32 step count: a user's schedule is traced
    # under standard promotion, as in a program that never asked for strict promotion
    user = callable(ours.get("learning_rate"))
    with jax.numpy_dtype_promotion("standard" if user else "strict"):
        opt = optimizer("adam", **{**HP, **ours}, total_steps=STEPS)
        got = jax.jit(lambda p: _run(opt, p))(_params())
    expected = jax.jit(lambda p: _oracle(ORACLE["adam"](schedule), p))(_params())
    _assert_close(got, expected, "adam")


def test_names_and_one_row_each():
    required = {"sgd", "momentum", "nag", "rmsprop", "adagrad", "adam", "nadam", "adamw"}
    assert required <= set(OPTIMIZERS)
    assert set(ORACLE) == set(OPTIMIZERS)  # a new optimizer comes with its optax row
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'; valid: sgd, momentum"):
        make_optimizer("lbfgs")


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_zero_weights_with_zero_gradients_stay_exactly_zero(name):
    """Weight decay included; adam, rmsprop and adagrad divide by sqrt(v) + eps there."""
    params = (Dense(jnp.zeros((4, 3)), jnp.zeros(4)),)
    opt = make_optimizer(name)(**{**HP, "weight_decay": 0.5})
    step = jax.jit(lambda p, s: opt.update(jax.tree.map(jnp.zeros_like, p), s, p))
    state = opt.init(params)
    for _ in range(3):
        u, state = step(params, state)
        params = optax.apply_updates(params, u)
    for leaf in jax.tree.leaves((params, state.m, state.v)):
        assert np.all(np.asarray(leaf) == 0)
    assert int(state.count) == 3


def test_hyperparameters_and_codes_live_in_the_state_as_arrays():
    opt = make_optimizer("adam")(**HP)
    params = (Dense(jnp.float32([[1.0, -2.0]]), jnp.float32([0.5])),)
    grads = (Dense(jnp.float32([[0.3, -0.4]]), jnp.float32([0.2])),)
    state = opt.init(params)
    assert isinstance(state, OptimizerState)
    assert set(state.hyperparams) == set(HYPERPARAMETERS)
    assert state.hyperparams["learning_rate"].dtype == jnp.float32
    assert state.optimizer.dtype == jnp.int32 and int(state.optimizer) == OPTIMIZERS.index("adam")
    changed = state._replace(
        hyperparams={**state.hyperparams, "learning_rate": jnp.float32(0.2)},
        optimizer=jnp.int32(OPTIMIZERS.index("sgd")),
    )
    u, _ = jax.jit(opt.update)(grads, changed, params)  # sgd at 0.2, with L2 5e-4 on W
    expected = -0.2 * (np.float32([[0.3, -0.4]]) + 5e-4 * np.float32([[1.0, -2.0]]))
    np.testing.assert_allclose(u[0].W, expected, rtol=1e-6)
    np.testing.assert_allclose(u[0].b, -0.2 * np.float32([0.2]), rtol=1e-6)


def test_schedule_factor_is_optax_cosine():
    total = 37
    schedule = optax.cosine_decay_schedule(1.0, total, alpha=0.01)
    for t in (0, 1, 18, 36, 37, 50):
        got = schedule_factor(jnp.int32(1), jnp.int32(t), jnp.float32(total))
        np.testing.assert_allclose(got, schedule(t), rtol=1e-6)
    assert float(schedule_factor(jnp.int32(0), jnp.int32(3), 10)) == 1.0


def test_a_schedule_returning_a_non_scalar_is_refused():
    with pytest.raises(ValueError, match="the schedule .*<lambda>.* must return a scalar"):
        optimizer("adam", learning_rate=lambda t: jnp.ones(3) * 1e-3)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_trains_xor(xor, name):
    """Through `jaxnn.fit`: one compiled program for all of them (the optimizer is traced)."""
    lr = {"sgd": 0.3, "momentum": 0.05, "nag": 0.05, "adagrad": 0.1}.get(name, 0.01)
    r = fit(xor, hidden_sizes=(8,), optimizer=name, epochs=15, learning_rate=lr)
    assert r.history["train_loss"][-1] < 0.5 * r.history["train_loss"][0], name
    assert r.history["val_accuracy"][-1] > 0.9, name

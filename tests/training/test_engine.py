"""The training engine: one program per architecture, compiled once; members stop at their own
epochs; a solo fit equals the pure `jaxnn.train`."""

import functools

import jax
import numpy as np

import jaxnn
from jaxnn._util import compile_count
from jaxnn.training import _engine as engine
from jaxnn.training import make_config, make_hparams, train
from jaxnn.training._loop import evaluate

# A network no other test trains, so that its first fit is a first compile in any test order.
FIRST = dict(hidden_sizes=(13,), epochs=10, batch_size=50)


def test_the_first_fit_compiles_two_programs_and_a_later_one_none(xor):
    compile_count()  # counting starts
    before = compile_count()
    first = jaxnn.fit(xor, **FIRST)
    assert compile_count() - before <= 2
    assert first.compile_seconds > 0
    changes = [
        {"optimizer": "sgd", "learning_rate": 0.3},
        {"optimizer": "adamw", "weight_decay": 0.01},
        {"activation": "relu"},
        {"weight_init": "he", "init_scale": 0.5},
        {"learning_rate": 0.05},
        {"seed": 5},
        {"epochs": 13},
        {"lr_schedule": "cosine"},
        {"progress": True},
    ]
    shas = {first.params_sha256}
    for change in changes:
        before = compile_count()
        r = jaxnn.fit(xor, **{**FIRST, **change})
        assert compile_count() - before == 0, change
        assert r.compile_seconds == 0.0
        shas.add(r.params_sha256)
    assert len(shas) == len(changes)  # every change took effect (progress changes nothing)


def test_fit_equals_the_pure_train(xor):
    """The same engine: a solo fit (activation switched, epochs in a while loop) against
    `jaxnn.train` (the config's own activation, a scan of epochs)."""
    r = jaxnn.fit(xor, **{**FIRST, "activation": "sigmoid", "optimizer": "nadam"})
    config = r.config
    data = jax.device_put(xor)
    state, metrics = jax.jit(train, static_argnums=0)(
        config, r.hparams, jax.random.PRNGKey(0), data
    )
    test_loss, _ = evaluate(config, state.params, data.x_test, data.y_test)
    np.testing.assert_allclose(r.test_loss, float(test_loss), rtol=1e-5)
    np.testing.assert_allclose(r.history["val_loss"], metrics.val_loss, rtol=1e-5)


def test_seed_key_is_prngkey():
    for seed in (0, 1, 12345, 2**31 - 1):
        np.testing.assert_array_equal(engine.seed_key(seed), jax.random.PRNGKey(seed))


def test_members_stop_at_their_own_target(xor):
    """Under vmap the epoch loop runs until every member reached its target; a member with an
    earlier target keeps its state from there and its later metrics stay NaN."""
    config = make_config((2, 6, 2), epochs=3, batch_size=100)
    static = engine.static_of(config, epochs=engine.epochs_bucket(3))
    hp = make_hparams(learning_rate=[0.1, 0.1])
    member = engine.member_of(static, config, hp, np.stack([engine.seed_key(0)] * 2))
    member = member._replace(
        **{
            f: np.stack([getattr(member, f)] * 2)
            for f in member._fields
            if f not in ("hparams", "key")
        }
    )
    data = jax.device_put(xor)
    init = jax.vmap(lambda m: engine.init_member(static, m, data).state)
    run = jax.jit(jax.vmap(functools.partial(engine.train_member, static), (0, 0, 0, 0, None)))
    out = run(member, init(member), np.int32([1, 3]), np.bool_([True, True]), data)
    assert out.state.epoch.tolist() == [1, 3]
    one = jax.jit(functools.partial(engine.train_member, static))
    single = jax.tree.map(lambda x: x[0], member)
    alone = one(single, jax.tree.map(lambda x: x[0], init(member)), 1, True, data)
    for a, b in zip(jax.tree.leaves(alone.state), jax.tree.leaves(out.state)):
        np.testing.assert_allclose(np.asarray(b)[0], np.asarray(a), rtol=1e-6, atol=1e-7)
    assert np.isfinite(out.metrics.val_loss[0, 0]) and np.isnan(out.metrics.val_loss[0, 1:]).all()
    assert (
        np.isfinite(out.metrics.val_loss[1, :3]).all()
        and np.isnan(out.metrics.val_loss[1, 3:]).all()
    )
    assert np.isfinite(out.test_loss).all()

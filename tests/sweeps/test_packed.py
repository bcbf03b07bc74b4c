"""Packed sweeps: members of different optimizers, activations, inits, epochs, depths and widths
in one program, each equal to its solo run; the cost model and the memory estimate."""

import jax
import numpy as np
import pytest

import jaxnn
from jaxnn.sweeps._packed import activation_set, envelope, member_params, stack_members
from jaxnn.sweeps._plan import SweepMemoryError, check_memory, plan, unpackable
from jaxnn.training import TrainConfig, init_state, load_dataset, make_hparams, train
from jaxnn.training import _engine as engine
from jaxnn.training._loop import check_config, evaluate

BASE = TrainConfig(sizes=(64, 16, 10), epochs=2, batch_size=64)
# A mixed sweep: depths 1-3, widths 8-32 (uneven layers too), six optimizers, three activations,
# three inits, 1-3 epochs, weight decay on some, an init scale.
MIXED = [
    dict(sizes=(64, 16, 10), optimizer="adam", activation="tanh", weight_init="xavier", epochs=2,
         learning_rate=1e-2, seed=0),
    dict(sizes=(64, 32, 32, 10), optimizer="sgd", activation="relu", weight_init="he", epochs=3,
         learning_rate=0.1, seed=1, weight_decay=5e-4),
    dict(sizes=(64, 8, 24, 16, 10), optimizer="nag", activation="sigmoid", weight_init="random",
         epochs=1, learning_rate=0.1, seed=2),
    dict(sizes=(64, 32, 10), optimizer="rmsprop", activation="relu", weight_init="xavier",
         epochs=2, learning_rate=1e-3, seed=3, init_scale=0.5),
    dict(sizes=(64, 12, 12, 10), optimizer="nadam", activation="tanh", weight_init="he", epochs=3,
         learning_rate=3e-3, seed=4, weight_decay=0.5),
    dict(sizes=(64, 20, 10), optimizer="adagrad", activation="sigmoid", weight_init="random",
         epochs=2, learning_rate=0.1, seed=5),
    dict(sizes=(64, 32, 32, 32, 10), optimizer="momentum", activation="tanh",
         weight_init="xavier", epochs=3, learning_rate=1e-2, seed=6),
]  # fmt: skip
HPARAMS = ("learning_rate", "weight_decay", "init_scale")


@pytest.fixture(scope="module")
def data():
    return load_dataset("digits")


def _config(setting):
    return check_config(BASE._replace(**{k: v for k, v in setting.items() if k in BASE._fields}))


def _hparams(setting):
    return make_hparams(**{k: setting[k] for k in HPARAMS if k in setting})


def _packed(settings):
    """The configs, the packed program's `Static` (the envelope) and the stacked members."""
    configs = [_config(s) for s in settings]
    columns = {
        k: np.array([s.get(k, make_hparams()._asdict()[k]) for s in settings]) for k in HPARAMS
    }
    keys = np.stack([np.asarray(jax.random.PRNGKey(s["seed"])) for s in settings])
    static = engine.static_of(
        configs[0],
        activations=activation_set([c.activation for c in configs], packed=True),
        epochs=engine.epochs_bucket(max(c.epochs for c in configs)),
        sizes=envelope(configs),
    )
    return configs, static, stack_members(static, configs, make_hparams(**columns), keys)


def _outside(packed, config, static):
    """What the packed network holds outside the member's own: the sum of |entries| of its live
    layers there, and whether each skipped hidden layer is exactly the identity (b = 0)."""
    cut = member_params(packed, config.sizes)
    depth, depth_max = len(config.sizes) - 2, len(static.sizes) - 2
    live = [*range(depth), depth_max]
    total = sum(np.abs(np.asarray(x, np.float64)).sum() for j in live for x in packed[j])
    inside = sum(np.abs(np.asarray(x, np.float64)).sum() for x in jax.tree.leaves(cut))
    width = static.sizes[1]
    identity = all(
        np.array_equal(packed[j].W, np.eye(width)) and not np.asarray(packed[j].b).any()
        for j in range(depth, depth_max)
    )
    return total - inside, inside, identity


def _member(members, i):
    return jax.tree.map(lambda x: x[i], members)


@pytest.fixture(scope="module")
def mixed(data):
    """The mixed sweep, packed (one program, its final packed networks kept), and every member's
    solo run (`jaxnn.fit`: the same engine, one member under jit)."""
    result = jaxnn.sweep(BASE, MIXED, data, pack="on", keep_params=True, chunk_size=8)
    runs = []
    for s in MIXED:
        config = _config(s)
        r = jaxnn.fit(data, config=config, hparams=_hparams(s), seed=s["seed"])
        runs.append((r.params, r.history, r.test_loss))
    return result, runs


def test_threefry_draws_are_prefix_stable():
    """What the embedded init relies on (JAX's default jax_threefry_partitionable)."""
    assert jax.config.jax_threefry_partitionable
    key = jax.random.PRNGKey(3)
    two_d = jax.random.normal(key, (10, 12))
    np.testing.assert_array_equal(two_d, jax.random.normal(key, (120,)).reshape(10, 12))
    np.testing.assert_array_equal(two_d, jax.random.normal(key, (32 * 32,))[:120].reshape(10, 12))
    np.testing.assert_array_equal(jax.random.split(key, 6)[:4], jax.random.split(key, 4))


@pytest.mark.optimized  # bit for bit holds for the optimized programs
def test_initial_params_equal_the_solo_init_exactly(data):
    configs, static, members = _packed(MIXED)
    assert static.sizes == (64, 32, 32, 32, 10) and static.packed
    init = jax.jit(jax.vmap(lambda m: engine.init_member(static, m, data).state.params))
    embedded = init(members)
    for i, (s, config) in enumerate(zip(MIXED, configs)):
        own = init_state(config, _hparams(s), jax.random.PRNGKey(s["seed"])).params
        packed = _member(embedded, i)
        cut = member_params(packed, config.sizes)
        for a, b in zip(jax.tree.leaves(own), jax.tree.leaves(cut)):
            np.testing.assert_array_equal(a, b)  # bit for bit
        # outside the member's own network: exactly 0, and the identity for skipped layers
        outside, inside, identity = _outside(packed, config, static)
        assert outside == 0 and inside > 0 and identity


@pytest.mark.slow
def test_mixed_members_equal_their_solo_runs(mixed):
    result, runs = mixed
    assert result.programs == result.packed_programs == 1 and result.pack == "on"
    assert 0 < result.padded_fraction < 1
    assert not result.diverged.any()
    for i, (s, (params, history, test_loss)) in enumerate(zip(MIXED, runs)):
        assert len(result.history[i].val_loss) == s["epochs"]  # truncated to its own epochs
        np.testing.assert_allclose(result.test_loss[i], test_loss, rtol=1e-4)
        np.testing.assert_allclose(result.history[i].val_loss, history["val_loss"], rtol=1e-4)
        np.testing.assert_allclose(result.history[i].train_loss, history["train_loss"], rtol=1e-4)
        np.testing.assert_allclose(result.val_loss[i], history["val_loss"][-1], rtol=1e-4)
        for a, b in zip(jax.tree.leaves(result.params[i]), jax.tree.leaves(params)):
            assert a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)
    # the members trained: they are not their initial networks
    assert len({round(float(x), 4) for x in result.test_loss}) == len(MIXED)


def test_padding_stays_exactly_zero_under_every_optimizer(data):
    """Trained packed networks: every padded weight and bias is still 0 and skipped layers are
    still the identity (adam, rmsprop and adagrad divide by sqrt(v) + eps there; weight decay
    0.5 on one member)."""
    configs, static, members = _packed(MIXED)

    def trained(m):
        state = engine.init_member(static, m, data).state
        return engine.train_member(static, m, state, m.epochs, False, data).state.params

    params = jax.jit(jax.vmap(trained))(members)
    for i, config in enumerate(configs):
        outside, inside, identity = _outside(_member(params, i), config, static)
        assert outside == 0 and inside > 0 and identity, MIXED[i]["optimizer"]


def test_a_diverging_member_leaves_the_others_bitwise_unchanged(data):
    good = MIXED[:4]
    bad = {**MIXED[2], "learning_rate": 1e6, "seed": 9}  # the same shapes as the member it replaces
    clean = jaxnn.sweep(BASE, good, data, pack="on", chunk_size=8)
    dirty = jaxnn.sweep(BASE, good[:2] + [bad] + good[3:], data, pack="on", chunk_size=8)
    assert dirty.diverged.tolist() == [False, False, True, False]
    assert not clean.diverged.any()
    keep = [0, 1, 3]
    for name in ("test_loss", "test_accuracy", "val_loss", "val_accuracy", "train_loss"):
        np.testing.assert_array_equal(getattr(dirty, name)[keep], getattr(clean, name)[keep])
    for i in keep:
        for a, b in zip(dirty.history[i], clean.history[i]):
            np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_autodiff_and_cosine_schedule_packed_equal_solo(data):
    """The other gradient method and a schedule whose length is each member's own epochs."""
    base = BASE._replace(grad="autodiff", lr_schedule="cosine")
    settings = [
        {"sizes": (64, 24, 10), "optimizer": "adam", "epochs": 1, "learning_rate": 1e-2},
        {"sizes": (64, 8, 8, 10), "optimizer": "momentum", "activation": "relu", "epochs": 2,
         "learning_rate": 0.05, "seed": 1},
    ]  # fmt: skip
    result = jaxnn.sweep(base, settings, data, pack="on")
    assert result.packed_programs == 1
    for i, s in enumerate(settings):
        config = check_config(base._replace(**{k: v for k, v in s.items() if k in base._fields}))
        state, metrics = train(config, _hparams(s), jax.random.PRNGKey(s.get("seed", 0)), data)
        test_loss, _ = evaluate(config, state.params, data.x_test, data.y_test)
        np.testing.assert_allclose(result.test_loss[i], test_loss, rtol=1e-3)
        np.testing.assert_allclose(result.history[i].train_loss, metrics.train_loss, rtol=1e-3)


SHAPE = {"n_train": 1293, "n_val": 144, "n_test": 360}


def _configs(*settings):
    return [_config(s) for s in settings]


def test_cost_model_packs_similar_members_and_groups_when_padding_dominates():
    # Members that differ only in traced choices share one program of their own network.
    similar = _configs(
        *({"optimizer": o, "activation": a} for o in ("sgd", "adam") for a in ("tanh", "relu"))
    )
    programs, choices = plan(similar, "auto", SHAPE, 256, 2, "cpu")
    assert [p.packed for p in programs] == [False] and len(programs[0].members) == 4
    assert choices == []
    # Similar networks: one packed program is cheaper than one per network.
    widths = _configs(*({"sizes": (64, w, 10), "optimizer": "sgd"} for w in (16, 24, 32)))
    programs, choices = plan(widths, "auto", SHAPE, 256, 2, "cpu")
    assert [p.packed for p in programs] == [True] and choices[0]["choice"] == "packed"
    assert choices[0]["packed"]["estimated_seconds"] < choices[0]["grouped"]["estimated_seconds"]
    # One huge long-trained member among tiny ones: packing would train every tiny member in
    # the huge network, so grouping wins.
    skewed = _configs(
        {"sizes": (64, 4096, 4096, 4096, 10), "epochs": 50},
        *({"sizes": (64, 8, 10), "optimizer": o} for o in ("sgd", "adam", "nag")),
    )
    programs, choices = plan(skewed, "auto", SHAPE, 256, 2, "cpu")
    assert choices[0]["choice"] in ("grouped", "bucketed") and len(programs) == 2
    assert choices[0]["padded_fraction"] > 0.5
    forced, _ = plan(skewed, "on", SHAPE, 256, 2, "cpu")
    assert len(forced) == 1 and forced[0].packed
    grouped, choices = plan(widths, "off", SHAPE, 256, 2, "cpu")
    assert len(grouped) == 3 and not any(p.packed for p in grouped)


def test_bucketing_by_width_when_widths_differ_much():
    """Depths packed within each width: less padding than one envelope, fewer programs than
    one per network."""
    configs = _configs(
        *(
            {"sizes": (64, *[w] * d, 10), "epochs": 20}
            for w in (16, 512)
            for d in (1, 2, 3)
            for _ in range(20)
        )
    )
    programs, choices = plan(configs, "auto", SHAPE, 256, 2, "cpu")
    assert choices[0]["choice"] == "bucketed", choices[0]
    assert len(programs) == 2 and all(p.packed for p in programs)
    assert sorted(p.config.sizes for p in programs) == [
        (64, 16, 16, 16, 10),
        (64, 512, 512, 512, 10),
    ]


def test_one_program_per_batch_size_and_unpackable_settings():
    configs = _configs(
        *({"batch_size": b, "optimizer": o} for b in (16, 32, 64) for o in ("sgd", "adam"))
    )
    programs, _ = plan(configs, "on", SHAPE, 256, 2, "cpu")
    assert len(programs) == 3 and not any(p.packed for p in programs)  # one network each
    assert sorted(p.config.batch_size for p in programs) == [16, 32, 64]
    assert unpackable(configs) == []
    mixed_losses = _configs({"loss": "cross_entropy"}, {"loss": "mse", "optimizer": "sgd"})
    assert unpackable(mixed_losses) == [("loss", ["cross_entropy", "mse"])]
    with pytest.raises(ValueError, match=r"pack='on': the members differ in loss"):
        plan(mixed_losses, "on", SHAPE, 256, 2, "cpu")
    with pytest.raises(ValueError, match="pack must be one of auto, on, off"):
        plan(configs, "always", SHAPE, 256, 2, "cpu")


def test_memory_estimate_refuses_what_does_not_fit():
    devices = jax.devices()
    small, _ = plan(_configs({}, {"optimizer": "sgd"}), "on", SHAPE, 256, len(devices), "cpu")
    assert check_memory(small[0], SHAPE, devices) > 0
    huge = _configs({"sizes": (64, 60000, 60000, 10)}, {"sizes": (64, 8, 10)})
    programs, _ = plan(huge, "on", SHAPE, 256, len(devices), "cpu")
    with pytest.raises(SweepMemoryError, match="one member of the packed network") as info:
        check_memory(programs[0], SHAPE, devices)
    assert info.value.fits == 0 and info.value.needed > info.value.available
    wide = _configs(*({"sizes": (64, 2048, 2048, 10), "seed": i} for i in range(2)))
    programs, _ = plan(wide, "off", SHAPE, 4096, len(devices), "cpu")
    program = programs[0]._replace(chunk=4096)  # a group that large (~450 GB)
    with pytest.raises(SweepMemoryError, match=r"chunk_size 4096: a call of 4096 members") as info:
        check_memory(program, SHAPE, devices)
    assert 0 < info.value.fits < 4096


def test_sweep_refuses_before_compiling(data):
    with pytest.raises(SweepMemoryError, match="needs an estimated"):
        jaxnn.sweep(BASE, [{"sizes": (64, 100000, 100000, 10)}, {}], data)
    with pytest.raises(ValueError, match="pack must be one of"):
        jaxnn.sweep(BASE, [{}], data, pack="yes")

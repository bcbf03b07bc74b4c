"""jaxnn.sweep: vmapped, sharded, grouped training runs that equal their solo runs."""

import json
import os
import subprocess
import sys
import textwrap

import chex
import jax
import numpy as np
import pytest

import jaxnn
from jaxnn._util import compile_count
from jaxnn.sweeps import _sweep
from jaxnn.training import Model, TrainConfig, load_dataset, make_hparams, train
from jaxnn.training._loop import evaluate, predict_classes

# One config and chunk size shared by most tests, so they reuse one compiled program.
CONFIG = TrainConfig(sizes=(64, 16, 10), epochs=2, batch_size=64)
CHUNK = 4


@pytest.fixture(scope="module")
def data():
    return load_dataset("digits")


@pytest.fixture(scope="module")
def solo():
    return jax.jit(train, static_argnums=0)


def solo_run(solo, config, data, seed, **hparams):
    state, metrics = solo(config, make_hparams(**hparams), jax.random.PRNGKey(seed), data)
    test_loss, test_accuracy = evaluate(config, state.params, data.x_test, data.y_test)
    return state, metrics, float(test_loss), float(test_accuracy)


def test_members_equal_their_solo_runs(data, solo):
    settings = jaxnn.grid(learning_rate=[3e-3, 3e-2], seed=[0, 5])
    result = jaxnn.sweep(CONFIG, settings, data, chunk_size=CHUNK, keep_params=True)
    assert result.groups == 1 and result.devices == len(jax.devices())
    assert result.chunk_size % result.devices == 0
    for i, s in enumerate(settings):
        state, metrics, test_loss, test_accuracy = solo_run(
            solo, CONFIG, data, s["seed"], learning_rate=s["learning_rate"]
        )
        np.testing.assert_allclose(result.test_loss[i], test_loss, rtol=1e-4)
        np.testing.assert_allclose(result.test_accuracy[i], test_accuracy, atol=1e-6)
        np.testing.assert_allclose(result.history[i].val_loss, metrics.val_loss, rtol=1e-4)
        chex.assert_trees_all_close(result.params[i], state.params, rtol=1e-4, atol=1e-5)
        assert result.settings[i]["learning_rate"] == s["learning_rate"]
        assert result.settings[i]["seed"] == s["seed"]
    assert not result.diverged.any()
    assert result.compile_seconds >= 0 and result.train_seconds > 0


def test_a_diverging_member_changes_nobody_else(data):
    good = jaxnn.grid(learning_rate=[1e-2, 3e-2], seed=[1]) + [{"learning_rate": 1e-2, "seed": 2}]
    bad = {"learning_rate": 1e6, "seed": 1}
    clean = jaxnn.sweep(CONFIG, good, data, chunk_size=CHUNK)
    dirty = jaxnn.sweep(CONFIG, good[:2] + [bad] + good[2:], data, chunk_size=CHUNK)
    assert dirty.diverged.tolist() == [False, False, True, False]
    keep = [0, 1, 3]
    for name in ("test_loss", "test_accuracy", "val_loss", "val_accuracy", "train_loss"):
        np.testing.assert_array_equal(getattr(dirty, name)[keep], getattr(clean, name))
    assert not clean.diverged.any()
    assert dirty.ranked()[-1] == 2  # the diverged member ranks last
    # A sweep of another size runs another program: equal to float rounding, not bitwise.
    pair = jaxnn.sweep(CONFIG, good[:2], data, chunk_size=CHUNK)
    np.testing.assert_allclose(pair.test_loss, clean.test_loss[:2], rtol=1e-6)


def test_sgd_nan_divergence_is_reported(data):
    config = CONFIG._replace(optimizer="sgd", activation="relu")
    result = jaxnn.sweep(config, jaxnn.grid(learning_rate=[0.1, 1e3]), data, chunk_size=CHUNK)
    assert result.diverged.tolist() == [False, True]
    assert not np.isfinite(result.train_loss[1])
    members = result.members()
    assert members[1]["train_loss"] is None and members[1]["diverged"] is True
    json.dumps(members)  # JSON-ready: NaN became None


def test_new_values_do_not_recompile(data):
    config = CONFIG._replace(sizes=(64, 15, 10))  # a network no other test compiles
    lrs = [1e-3, 1e-2, 2e-2]
    compile_count()
    before = compile_count()
    first = jaxnn.sweep(config, jaxnn.grid(learning_rate=lrs), data, chunk_size=CHUNK)
    assert compile_count() - before <= 2  # the init and the train program
    before = compile_count()
    second = jaxnn.sweep(  # 4 members, 3 before: one chunk of 4 either way
        config,
        jaxnn.grid(learning_rate=lrs + [0.1], momentum=[0.5], weight_decay=[1e-4]),
        data,
        chunk_size=CHUNK,
        hparams={"beta2": 0.99, "init_scale": 0.5},
    )
    assert compile_count() - before == 0
    assert first.compile_seconds > 0 and second.compile_seconds == 0
    assert not np.array_equal(first.test_loss, second.test_loss[:3])


def test_traced_choices_share_one_program_results_in_order(data, solo):
    settings = [
        {"activation": "relu", "optimizer": "sgd", "seed": 3, "learning_rate": 0.1},
        {"seed": 3, "learning_rate": 1e-2},
        {"activation": "relu", "optimizer": "sgd", "seed": 4, "learning_rate": 0.1},
    ]
    result = jaxnn.sweep(CONFIG, settings, data, chunk_size=CHUNK, pack="off")
    # the activation and the optimizer are traced: one program of the members' own network
    assert result.groups == result.programs == 1 and result.packed_programs == 0
    assert [s["activation"] for s in result.settings] == ["relu", "tanh", "relu"]
    assert [s["optimizer"] for s in result.settings] == ["sgd", "adam", "sgd"]
    for i, s in enumerate(settings):
        config = CONFIG._replace(**{k: s[k] for k in ("activation", "optimizer") if k in s})
        *_, test_loss, _ = solo_run(solo, config, data, s["seed"], learning_rate=s["learning_rate"])
        np.testing.assert_allclose(result.test_loss[i], test_loss, rtol=1e-4)


def test_chunks_give_the_same_members(data):
    settings = jaxnn.grid(learning_rate=[1e-3, 1e-2], seed=[0, 1, 2, 3, 4])  # 10 members
    chunked = jaxnn.sweep(CONFIG, settings, data, chunk_size=CHUNK)  # 3 calls of 4
    assert chunked.chunk_size == CHUNK
    # The same members one chunk at a time, as sweeps of their own: the full chunks run the
    # same program (bitwise equal), the last two alone run a program for 2 members.
    for start in (0, 4):
        part = jaxnn.sweep(CONFIG, settings[start : start + CHUNK], data, chunk_size=CHUNK)
        np.testing.assert_array_equal(chunked.test_loss[start : start + CHUNK], part.test_loss)
    last = jaxnn.sweep(CONFIG, settings[8:], data, chunk_size=CHUNK)
    np.testing.assert_allclose(chunked.test_loss[8:], last.test_loss, rtol=1e-6)


def test_ranked_and_members(data):
    settings = jaxnn.grid(learning_rate=[1e-4, 3e-2], seed=[0, 1])
    result = jaxnn.sweep(CONFIG, settings, data, chunk_size=CHUNK)
    order = result.ranked()
    assert np.all(np.diff(result.val_accuracy[order]) <= 0)
    row = result.members()[0]
    assert row["learning_rate"] == 1e-4 and row["sizes"] == [64, 16, 10]
    assert set(row) >= {"test_loss", "test_accuracy", "val_accuracy", "diverged", "seed"}


def test_regression_members_ranked_by_validation_loss():
    data = load_dataset("sine")
    config = TrainConfig(sizes=(1, 8, 1), output="linear", loss="mse", epochs=2, batch_size=64)
    result = jaxnn.sweep(config, jaxnn.grid(learning_rate=[1e-4, 1e-2, 3e-2]), data)
    assert np.isnan(result.test_accuracy).all() and np.isnan(result.val_accuracy).all()
    assert np.all(np.diff(result.val_loss[result.ranked()]) >= 0)
    assert result.params is None and not result.diverged.any()
    assert result.members()[0]["val_accuracy"] is None
    assert result.confusion_matrix is None


def test_each_members_confusion_matrix_is_kept(data):
    settings = jaxnn.grid(learning_rate=[1e-4, 3e-2], seed=[0, 1])
    result = jaxnn.sweep(CONFIG, settings, data, chunk_size=CHUNK, keep_params=True)
    cm = result.confusion_matrix
    assert cm.shape == (4, 10, 10) and result.regression is None
    for i in range(4):  # the test split, as the member's own network predicts it
        classes = np.asarray(predict_classes(CONFIG, result.params[i], data.x_test))
        want = np.zeros((10, 10), int)
        np.add.at(want, (data.y_test, classes), 1)
        np.testing.assert_array_equal(cm[i], want)
        assert np.trace(cm[i]) / cm[i].sum() == pytest.approx(result.test_accuracy[i], abs=1e-6)
        assert result.members()[i]["confusion_matrix"] == cm[i].tolist()


def test_regression_members_report_rmse_mae_and_r2_per_epoch():
    data = load_dataset("sine")
    config = TrainConfig(sizes=(1, 8, 1), output="linear", loss="mse", epochs=3, batch_size=64)
    settings = jaxnn.grid(learning_rate=[1e-2, 3e-2])
    result = jaxnn.sweep(config, settings, data, keep_params=True)
    for i, r in enumerate(result.regression):
        assert {len(r[k]) for k in ("val_rmse", "val_mae", "val_r2")} == {3}
        model = Model(
            config,
            result.params[i],
            data.preprocessing,
            "sine",
            {"task": "regression"},
            target_preprocessing=data.target_preprocessing,
        )
        for split in ("val", "test"):
            ev = jaxnn.evaluate(model, data, split=split)
            last = {k: r[f"{split}_{k}"] for k in ("rmse", "mae", "r2")}
            last = {k: v[-1] if np.ndim(v) else v for k, v in last.items()}
            for k, v in last.items():
                assert v == pytest.approx(getattr(ev, k), rel=1e-4)
        row = result.members()[i]
        assert row["test_rmse"] == pytest.approx(r["test_rmse"]) and "confusion_matrix" not in row


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"settings": []}, ValueError, "settings is empty"),
        ({"settings": [{"bogus": 0.1}]}, ValueError, r"unknown key\(s\) \['bogus'\]"),
        ({"settings": [{"learning_rate": 0.0}]}, ValueError, "learning_rate must be"),
        ({"settings": [{"learning_rate": float("nan")}]}, ValueError, "learning_rate"),
        ({"settings": [{"seed": -1}]}, ValueError, "seed must be between 0 and"),
        ({"settings": [{"seed": 1.5}]}, TypeError, "seed must be an integer"),
        ({"settings": [{"activation": "swish"}]}, ValueError, "unknown activation 'swish'"),
        ({"settings": [{"epochs": 0}]}, ValueError, "epochs must be >= 1"),
        ({"settings": [{}], "hparams": {"lr": 1.0}}, ValueError, "hparams has unknown key"),
        ({"settings": [{}], "chunk_size": 0}, ValueError, "chunk_size must be between"),
        ({"settings": [{}], "devices": 0}, ValueError, "devices must be between"),
        ({"settings": [{}], "config": "tanh"}, TypeError, "config must be a TrainConfig"),
    ],
)
def test_bad_input(data, kwargs, error, match):
    args = {"config": CONFIG, "data": data, **kwargs}
    with pytest.raises(error, match=match):
        jaxnn.sweep(args.pop("config"), args.pop("settings"), args.pop("data"), **args)


def test_bad_data_named(data):
    x = np.array(data.x_train)
    x[0, 0] = np.nan
    with pytest.raises(ValueError, match="x_train contains 1 NaN"):
        jaxnn.sweep(CONFIG, [{}], data._replace(x_train=x))


_CHILD = textwrap.dedent(
    """
    import json
    import jax, jaxnn
    from jaxnn import load_dataset
    from jaxnn.training._loop import TrainConfig
    config = TrainConfig(sizes=(64, 16, 10), epochs=2, batch_size=64)
    settings = jaxnn.grid(learning_rate=[3e-3, 3e-2, 1e6], seed=[0, 1, 2])
    r = jaxnn.sweep(config, settings, load_dataset("digits"), chunk_size=8)
    print(json.dumps({"devices": r.devices, "jax_devices": jax.device_count(),
                      "test_loss": r.test_loss.tolist(), "diverged": r.diverged.tolist()}))
    """
)


@pytest.mark.slow
def test_eight_simulated_devices_equal_one_device(data):
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=8")
    env["JAX_PLATFORMS"] = "cpu"
    child = subprocess.run(
        [sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, timeout=300
    )
    assert child.returncode == 0, child.stderr
    sharded = json.loads(child.stdout.strip().splitlines()[-1])
    assert sharded["devices"] == 8 and sharded["jax_devices"] == 8
    settings = jaxnn.grid(learning_rate=[3e-3, 3e-2, 1e6], seed=[0, 1, 2])
    one = jaxnn.sweep(CONFIG, settings, data, devices=1, chunk_size=8)
    assert one.devices == 1
    assert sharded["diverged"] == one.diverged.tolist() == [False] * 6 + [True] * 3
    # Diverged members are chaotic (losses of 1e6); the others agree to float rounding.
    np.testing.assert_allclose(sharded["test_loss"][:6], one.test_loss[:6], rtol=1e-5)


@pytest.mark.slow
def test_benchmark_quick_runs_and_both_paths_agree(monkeypatch):
    monkeypatch.syspath_prepend(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from benchmarks.sweep_vs_sequential import run

    bench = run(quick=True)
    assert "speedup sharded" in bench.table and len(bench.data["rows"]) == 2
    for row in bench.data["rows"]:
        assert row["sequential"]["median"] > 0 and row["sharded"]["median"] > 0
        np.testing.assert_allclose(
            row["sharded_test_loss"], row["vmap_1_device_test_loss"], rtol=1e-5
        )


@pytest.mark.parametrize("pack", ["off", "on"])
def test_a_network_garbage_from_the_start_counts_as_diverged(pack):
    data = jaxnn.load_dataset("xor")
    config = jaxnn.make_config((2, 8, 2), epochs=2)
    members = [{"init_scale": 1.0}, {"init_scale": 1e30}, {"init_scale": 1.0, "seed": 1}]
    result = jaxnn.sweep(config, members, data, pack=pack)
    assert result.diverged.tolist() == [False, True, False]
    assert result.test_loss[1] > 1e20  # finite, and useless


def test_the_course_names_and_num_layers_hidden_size_are_taken(data):
    by_names = [
        {"num_layers": 1, "hidden_size": 16, "lr": 1e-2, "epsilon": 1e-7, "seed": 1},
        {"num_layers": 2, "hidden_size": 8, "learning_rate": 1e-3},
    ]
    by_fields = [
        {"sizes": (64, 16, 10), "learning_rate": 1e-2, "eps": 1e-7, "seed": 1},
        {"sizes": (64, 8, 8, 10), "learning_rate": 1e-3},
    ]
    a = jaxnn.sweep(CONFIG, by_names, data, chunk_size=CHUNK, pack="off")
    b = jaxnn.sweep(CONFIG, by_fields, data, chunk_size=CHUNK, pack="off")
    assert [s["sizes"] for s in a.settings] == [(64, 16, 10), (64, 8, 8, 10)]
    assert a.settings == b.settings
    np.testing.assert_array_equal(a.test_loss, b.test_loss)
    with pytest.raises(ValueError, match=r"settings\[0\] gives sizes and num_layers"):
        jaxnn.sweep(CONFIG, [{"sizes": (64, 4, 10), "num_layers": 2}], data)
    with pytest.raises(ValueError, match=r"settings\[0\] gives learning_rate twice"):
        jaxnn.sweep(CONFIG, [{"lr": 0.1, "learning_rate": 0.2}], data)


def test_rounds_in_one_envelope_run_the_same_programs(data):
    """The rounds of a search over depths, widths and activations, sized for the whole space,
    compile once; a round's members equal their solo runs."""
    config = CONFIG._replace(sizes=(64, 11, 10))
    envelope = jaxnn.sweeps.Envelope((64, 11, 11, 10), ("relu", "tanh"), 2, packed=True)
    rounds = [
        [{"sizes": (64, 11, 10), "activation": "relu", "seed": 0}, {"sizes": (64, 5, 5, 10)}],
        [{"sizes": (64, 9, 10), "seed": 1}, {"sizes": (64, 11, 3, 10), "activation": "relu"}],
    ]
    compile_count()
    before = compile_count()
    first = jaxnn.sweep(config, rounds[0], data, envelope=envelope, chunk_size=CHUNK)
    assert compile_count() - before <= 2 and first.packed_programs == 1
    before = compile_count()
    second = jaxnn.sweep(config, rounds[1], data, envelope=envelope, chunk_size=CHUNK)
    assert compile_count() - before == 0 and second.compile_seconds == 0
    for s, loss in zip(rounds[1], second.test_loss):
        own = config._replace(**{k: v for k, v in s.items() if k != "seed"})
        solo = jaxnn.fit(data, config=own, seed=s.get("seed", 0))
        np.testing.assert_allclose(loss, solo.test_loss, rtol=1e-4)


def test_a_cpu_sweep_on_fewer_devices_than_cores_says_how_to_use_them(monkeypatch, capsys):
    mesh = jaxnn.sweeps._sharding.member_mesh(1)
    monkeypatch.setattr(_sweep, "_WARNED_DEVICES", [])
    monkeypatch.setattr(_sweep.os, "cpu_count", lambda: 64)
    monkeypatch.delattr(_sweep.os, "sched_getaffinity", raising=False)
    _sweep._one_device_per_core(mesh)
    _sweep._one_device_per_core(mesh)  # once per process
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert "1 CPU device(s) for 64 cores" in lines[0]
    assert "XLA_FLAGS=--xla_force_host_platform_device_count=64" in lines[0]

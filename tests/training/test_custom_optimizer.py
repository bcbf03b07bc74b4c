"""A user's own optax transformation and learning-rate schedule in fit, train and sweep; bad
input named; checkpoints of such runs; format-1 checkpoints load for prediction, not to resume."""

import shutil
from pathlib import Path

import jax
import numpy as np
import optax
import pytest

import jaxnn
from jaxnn._cli import main
from jaxnn._util import compile_count
from jaxnn.training import train
from jaxnn.training._loop import evaluate

V1 = Path(__file__).parent.parent / "data" / "checkpoint_v1.npz"  # written by jaxnn at a1bbde2
KW = dict(hidden_sizes=(6,), epochs=6, batch_size=64)
CLIPPED = optax.chain(optax.clip_by_global_norm(1.0), optax.adam(3e-2))  # a user's own rule
WARMUP = optax.warmup_cosine_decay_schedule(0.0, 0.05, 20, 60)


@pytest.fixture(autouse=True)
def _standard_promotion():
    """optax's transformations and schedules mix Python floats and float32 with the int32 step
    count, which strict promotion refuses: this module's runs (a user's optax code inside jaxnn's
    engine) trace under standard promotion, as a user's program does. Set process-wide, not
    with the thread-local context manager: the engine compiles its programs in threads."""
    jax.config.update("jax_numpy_dtype_promotion", "standard")
    yield
    jax.config.update("jax_numpy_dtype_promotion", "strict")


def _pure(result, data):
    """The same run through the pure `jaxnn.train`: the test loss."""
    data = jax.device_put(data)
    state, _ = jax.jit(train, static_argnums=0)(
        result.config, result.hparams, jax.random.PRNGKey(0), data
    )
    return float(evaluate(result.config, state.params, data.x_test, data.y_test)[0])


def test_a_transformation_trains_and_compiles_once_per_transformation(xor):
    first = jaxnn.fit(xor, optimizer=CLIPPED, **KW)
    assert first.config.optimizer is CLIPPED
    assert first.history["train_loss"][-1] < 0.7 * first.history["train_loss"][0]
    np.testing.assert_allclose(first.test_loss, _pure(first, xor), rtol=1e-5)
    compile_count()
    before = compile_count()
    again = jaxnn.fit(xor, optimizer=CLIPPED, activation="relu", seed=1, **KW)
    assert compile_count() - before == 0 and again.params_sha256 != first.params_sha256


def test_a_schedule_as_learning_rate(xor):
    r = jaxnn.fit(xor, learning_rate=WARMUP, optimizer="momentum", **KW)
    assert r.config.lr_schedule is WARMUP
    constant = jaxnn.fit(xor, learning_rate=0.05, optimizer="momentum", **KW)
    assert r.params_sha256 != constant.params_sha256
    np.testing.assert_allclose(r.test_loss, _pure(r, xor), rtol=1e-5)


def test_a_sweep_groups_transformations_and_says_so(xor):
    config = jaxnn.make_config((2, 6, 2), epochs=6, batch_size=64)
    settings = [
        {"optimizer": "adam", "learning_rate": 1e-2},
        {"optimizer": CLIPPED},
        {"optimizer": "sgd", "learning_rate": WARMUP},
        {"optimizer": "adam", "learning_rate": 3e-2, "seed": 1},
    ]
    result = jaxnn.sweep(config, settings, xor)
    assert result.programs == 3  # the built-ins, the transformation, the schedule
    own = [c for c in result.choices if "optimizer" in c or "lr_schedule" in c]
    assert len(own) == 2 and all(c["choice"] == "grouped" for c in own)
    assert "a user's own (optax" in own[0]["optimizer"]
    for s, loss in zip(settings, result.test_loss):
        solo = jaxnn.fit(xor, hidden_sizes=(6,), epochs=6, batch_size=64, **s)
        np.testing.assert_allclose(loss, solo.test_loss, rtol=1e-4)
    rows = result.members()
    assert rows[1]["optimizer"].startswith("optax ") and isinstance(rows[2]["lr_schedule"], str)


@pytest.mark.parametrize(
    "kw, error, match",
    [
        ({"optimizer": 3}, TypeError, r"optimizer must be a name .* or an optax\.Gradient.*got 3"),
        ({"optimizer": optax.adam}, TypeError, "got <function adam"),
        (
            {"learning_rate": lambda t: np.ones(3) * 1e-3},
            ValueError,
            "learning_rate: the schedule .*<lambda>.* must return a scalar",
        ),
        ({"optimizer": CLIPPED, "learning_rate": 0.1}, ValueError, "learning_rate=0.1 does not"),
        ({"optimizer": CLIPPED, "momentum": 0.5}, ValueError, "momentum=0.5 does not apply"),
        (
            {"learning_rate": WARMUP, "lr_schedule": "cosine"},
            ValueError,
            "learning_rate is a schedule and lr_schedule='cosine'",
        ),
    ],
)
def test_bad_optimizers_and_schedules_are_named(xor, kw, error, match):
    with pytest.raises(error, match=match):
        jaxnn.fit(xor, **{**KW, **kw})


def test_checkpoints_of_a_transformation_resume_or_refuse(xor, tmp_path):
    path = tmp_path / "clipped.npz"
    straight = jaxnn.fit(xor, optimizer=CLIPPED, **KW)
    half = jaxnn.fit(xor, optimizer=CLIPPED, save=path, **{**KW, "epochs": 3})
    resumed = jaxnn.fit(xor, optimizer=CLIPPED, resume=path, **KW)
    assert resumed.params_sha256 == straight.params_sha256
    with pytest.raises(ValueError, match="custom optimizer 'optax chain'.*pass it again"):
        jaxnn.fit(xor, resume=path, **KW)  # with the built-in adam
    with pytest.raises(ValueError, match="pass it again, jaxnn.load_model"):
        jaxnn.load_model(path)
    model = jaxnn.load_model(path, optimizer=CLIPPED)
    x = np.asarray(xor.x_test[:4])
    np.testing.assert_array_equal(np.asarray(jaxnn.predict(model, x)), jaxnn.predict(half, x))


def test_a_format_1_checkpoint_predicts_but_does_not_resume(tmp_path, capsys):
    with np.load(V1) as z:
        stored = [z[k] for k in ("params[0].W", "params[0].b", "params[1].W", "params[1].b")]
    model = jaxnn.load_model(V1)
    for a, b in zip(jax.tree.leaves(model.params), stored):
        np.testing.assert_array_equal(a, b)
    assert model.config.sizes == (2, 4, 2) and model.dataset == "xor"
    y = jaxnn.predict(model, np.float32([[1.0, 1.0], [-1.0, 1.0]]))
    assert y.shape == (2, 2) and np.allclose(np.sum(y, axis=1), 1, atol=1e-6)
    with pytest.raises(ValueError, match="checkpoint of format 1.* cannot be resumed"):
        jaxnn.fit("xor", hidden_sizes=(4,), epochs=4, batch_size=64, resume=V1)
    old = tmp_path / "old.npz"
    shutil.copy(V1, old)
    assert main(["train", "-d", "xor", "-sz", "4", "-nhl", "1", "-b", "64", "-e", "4",
                 "--resume", str(old), "--quiet"]) == 2  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot be resumed" in err[0]
    assert old.read_bytes() == V1.read_bytes()  # nothing written

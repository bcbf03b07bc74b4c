"""Checkpoints: bitwise resume, atomic writes, and errors that name the mismatching leaf."""

import io
import json

import jax
import numpy as np
import pytest

from jaxnn import init_state, load_dataset, make_config, make_hparams, train_epoch
from jaxnn.training import fit, load_checkpoint, params_sha256, save_checkpoint
from jaxnn.training._checkpoint import leaf_paths, read_checkpoint_metadata

CONFIG = make_config((2, 16, 2), epochs=10, optimizer="adam")


@pytest.fixture(scope="module")
def xor():
    return jax.device_put(load_dataset("xor"))


def _run(state, data, epochs):
    epoch = jax.jit(train_epoch, static_argnums=0)
    for _ in range(epochs):
        state, _ = epoch(CONFIG, state, data)
    return state


def _state():
    return jax.jit(init_state, static_argnums=0)(CONFIG, make_hparams(), jax.random.PRNGKey(7))


def test_ten_epochs_equal_five_saved_resumed_five_bitwise(xor, tmp_path):
    straight = _run(_state(), xor, 10)
    half = _run(_state(), xor, 5)
    path = save_checkpoint(tmp_path / "ck.npz", half, CONFIG, hparams=make_hparams())
    ck = load_checkpoint(path, CONFIG, hparams=make_hparams())
    assert int(ck.state.epoch) == 5
    resumed = _run(ck.state, xor, 5)
    assert params_sha256(resumed.params) == params_sha256(straight.params)
    for a, b in zip(jax.tree.leaves(resumed), jax.tree.leaves(straight)):
        np.testing.assert_array_equal(a, b)


def test_fit_resume_matches_straight_run(tmp_path):
    kw = dict(hidden_sizes=(8,), batch_size=64)
    five = fit("xor", epochs=5, save=tmp_path / "five.npz", **kw)
    resumed = fit("xor", epochs=10, resume=tmp_path / "five.npz", **kw)
    straight = fit("xor", epochs=10, **kw)
    assert resumed.params_sha256 == straight.params_sha256 != five.params_sha256
    assert resumed.history == straight.history  # the saved epochs' metrics come back too
    assert resumed.samples_trained == straight.samples_trained // 2
    with pytest.raises(
        ValueError, match=r"has completed 5 epochs; ask for more with epochs \(-e/--epochs\) > 5"
    ):
        fit("xor", epochs=5, resume=tmp_path / "five.npz", **kw)
    other = load_dataset("xor", seed=1)
    with pytest.raises(ValueError, match="was trained on 'xor', this run uses 'xor seed 1'"):
        fit(other, name="xor seed 1", epochs=10, resume=tmp_path / "five.npz", **kw)


def test_roundtrip_restores_every_leaf_with_dtype(tmp_path):
    state = _state()
    path = save_checkpoint(tmp_path / "a" / "ck.npz", state, CONFIG, dataset="xor")
    ck = load_checkpoint(path, CONFIG._replace(epochs=99), dataset="xor")
    assert ck.config == CONFIG and ck.dataset == "xor"
    for a, b in zip(jax.tree.leaves(ck.state), jax.tree.leaves(state)):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    meta = read_checkpoint_metadata(path)
    assert meta["leaves"] == leaf_paths(state)
    assert "params[1].W" in meta["leaves"] and "key" in meta["leaves"]
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_other_config_is_refused_naming_the_fields(tmp_path):
    path = save_checkpoint(tmp_path / "ck.npz", _state(), CONFIG, hparams=make_hparams())
    other = make_config((2, 8, 2), activation="relu")
    with pytest.raises(ValueError, match=r"sizes \(2, 16, 2\) in checkpoint, \(2, 8, 2\) now"):
        load_checkpoint(path, other)
    with pytest.raises(ValueError, match="activation 'tanh' in checkpoint, 'relu' now"):
        load_checkpoint(path, other)
    with pytest.raises(ValueError, match="learning_rate 0.001 in checkpoint, 0.01 now"):
        load_checkpoint(path, CONFIG, hparams=make_hparams(learning_rate=0.01))
    save_checkpoint(path, _state(), CONFIG, dataset="xor")
    with pytest.raises(ValueError, match="was trained on 'xor', this run uses 'blobs'"):
        load_checkpoint(path, CONFIG, dataset="blobs")


def _rewrite(path, change):
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    change(arrays)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    path.write_bytes(buf.getvalue())


def test_shape_dtype_and_missing_leaf_are_named(tmp_path):
    path = save_checkpoint(tmp_path / "ck.npz", _state(), CONFIG)
    _rewrite(path, lambda a: a.__setitem__("params[1].W", np.zeros((2, 8), np.float32)))
    with pytest.raises(ValueError, match=r"params\[1\].W: shape \(2, 8\) in checkpoint, \(2, 16\)"):
        load_checkpoint(path, CONFIG)
    save_checkpoint(path, _state(), CONFIG)
    _rewrite(path, lambda a: a.__setitem__("epoch", np.int64(5)))
    with pytest.raises(ValueError, match="epoch: dtype int64 in checkpoint, int32 expected"):
        load_checkpoint(path, CONFIG)
    save_checkpoint(path, _state(), CONFIG)
    _rewrite(path, lambda a: a.pop("opt_state.m[0].b"))
    with pytest.raises(ValueError, match=r"opt_state.m\[0\].b is missing"):
        load_checkpoint(path, CONFIG)
    save_checkpoint(path, _state(), CONFIG)
    _rewrite(path, lambda a: a.__setitem__("params[2].W", np.zeros(1)))
    with pytest.raises(ValueError, match=r"unexpected leaf params\[2\].W"):
        load_checkpoint(path, CONFIG)


def test_other_optimizer_state_is_refused(tmp_path):
    path = save_checkpoint(tmp_path / "ck.npz", _state(), CONFIG)
    with pytest.raises(ValueError, match="optimizer 'adam' in checkpoint, 'sgd' now"):
        load_checkpoint(path, CONFIG._replace(optimizer="sgd"))


def test_not_a_checkpoint(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"definitely not a zip")
    with pytest.raises(ValueError, match=rf"{junk}: not a jaxnn checkpoint"):
        load_checkpoint(junk, CONFIG)
    plain = tmp_path / "plain.npz"
    np.savez(plain, a=np.zeros(2))
    with pytest.raises(ValueError, match="not a jaxnn checkpoint"):
        load_checkpoint(plain, CONFIG)
    with pytest.raises(FileNotFoundError, match="checkpoint .*missing.npz does not exist"):
        load_checkpoint(tmp_path / "missing.npz", CONFIG)


def test_failed_load_writes_nothing_and_failed_save_keeps_old(tmp_path, monkeypatch):
    path = save_checkpoint(tmp_path / "ck.npz", _state(), CONFIG)
    before = path.read_bytes()
    with pytest.raises(ValueError):
        load_checkpoint(path, make_config((2, 3, 2)))
    assert path.read_bytes() == before

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr("jaxnn._util.os.fsync", boom)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, _run(_state(), load_dataset("xor"), 1), CONFIG)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ck.npz"]


def test_params_sha256_is_over_bytes_in_tree_order():
    import hashlib

    params = _state().params
    h = hashlib.sha256()
    for layer in params:
        h.update(np.asarray(layer.W).tobytes())
        h.update(np.asarray(layer.b).tobytes())
    assert params_sha256(params) == h.hexdigest()
    bumped = (params[0]._replace(b=params[0].b + 1), params[1])
    assert params_sha256(bumped) != params_sha256(params)


def test_metadata_is_json_with_config(tmp_path):
    path = save_checkpoint(tmp_path / "ck.npz", _state(), CONFIG, history={"epoch": [1]})
    meta = read_checkpoint_metadata(path)
    assert meta["config"]["sizes"] == [2, 16, 2] and meta["history"] == {"epoch": [1]}
    json.dumps(meta)

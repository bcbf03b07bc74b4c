"""``jaxnn train``: flags of the course's train.py, JSON contents, checkpoints, clean exits."""

import argparse
import json

import numpy as np
import pytest

from jaxnn import write_idx
from jaxnn._cli import main
from jaxnn._cli._train_args import (
    add_train_arguments,
    data_settings,
    load_data,
    setting_from_args,
    sweepable,
)
from jaxnn.training._formats import IDX_FILES

SMALL = ["-d", "xor", "-sz", "8", "-nhl", "1", "-e", "2", "-b", "64", "--quiet"]


def _run(argv, capsys):
    rc = main(["train", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_json_holds_the_contract_keys(tmp_path, capsys):
    path = tmp_path / "run.json"
    rc, out, _ = _run([*SMALL, "-lr", "0.01", "--json", str(path)], capsys)
    assert rc == 0
    assert "test accuracy" in out and "confusion matrix" in out
    d = json.loads(path.read_text())
    for key in (
        "config",
        "epochs",
        "test_loss",
        "test_accuracy",
        "confusion_matrix",
        "train_seconds",
        "compile_seconds",
        "train_samples_per_second",
        "params_sha256",
    ):
        assert key in d, key
    assert d["config"]["sizes"] == [2, 8, 2] and d["config"]["hparams"]["learning_rate"] == 0.01
    assert d["config"]["optimizer"] == "adam" and d["config"]["dataset"] == "xor"
    assert [e["epoch"] for e in d["epochs"]] == [1, 2]
    assert set(d["epochs"][0]) == {
        "epoch",
        "train_loss",
        "train_accuracy",
        "val_loss",
        "val_accuracy",
    }
    cm = np.array(d["confusion_matrix"])
    assert cm.shape == (2, 2) and cm.sum() == 160
    assert d["test_accuracy"] == pytest.approx(np.trace(cm) / cm.sum(), abs=1e-6)
    assert d["train_samples_per_second"] == pytest.approx(
        2 * (576 // 64) * 64 / d["train_seconds"], rel=1e-6
    )
    assert len(d["params_sha256"]) == 64


def test_same_seed_same_params_other_seed_other_params(tmp_path, capsys):
    shas = []
    for seed in ("1", "1", "2"):
        path = tmp_path / f"r{len(shas)}.json"
        assert _run([*SMALL, "--seed", seed, "--json", str(path)], capsys)[0] == 0
        shas.append(json.loads(path.read_text())["params_sha256"])
    assert shas[0] == shas[1] != shas[2]


def test_save_then_resume_equals_straight_run(tmp_path, capsys):
    ck, a, b = tmp_path / "ck.npz", tmp_path / "a.json", tmp_path / "b.json"
    base = [a for a in SMALL if a not in ("-e", "2")]
    assert _run([*base, "-e", "2", "--save", str(ck)], capsys)[0] == 0
    assert _run([*base, "-e", "4", "--resume", str(ck), "--json", str(a)], capsys)[0] == 0
    assert _run([*base, "-e", "4", "--json", str(b)], capsys)[0] == 0
    ra, rb = json.loads(a.read_text()), json.loads(b.read_text())
    assert ra["params_sha256"] == rb["params_sha256"]
    assert ra["epochs"] == rb["epochs"]
    rc, _, err = _run([*base, "-e", "4", "-a", "relu", "--resume", str(ck)], capsys)
    assert rc == 2 and "activation 'tanh' in checkpoint, 'relu' now" in err
    rc, _, err = _run([*base, "-e", "4", "--data-seed", "3", "--resume", str(ck)], capsys)
    assert rc == 2 and "this run uses 'xor, data seed 3, val fraction 0.1'" in err


def test_out_writes_figures(tmp_path, capsys):
    rc, out, _ = _run([*SMALL, "--out", str(tmp_path / "figs")], capsys)
    assert rc == 0
    for name in ("curves.png", "confusion_matrix.png"):
        data = (tmp_path / "figs" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_regression_json_has_null_accuracy(tmp_path, capsys):
    path = tmp_path / "sine.json"
    argv = ["-d", "sine", "-l", "mean_squared_error", "-sz", "8", "-e", "2", "--quiet"]
    assert _run([*argv, "--json", str(path), "--out", str(tmp_path / "figs")], capsys)[0] == 0
    d = json.loads(path.read_text())
    assert d["figures"] == [str(tmp_path / "figs" / "curves.png")]  # no confusion matrix
    assert d["config"]["output"] == "linear" and d["config"]["loss"] == "mse"
    assert d["test_accuracy"] is None and d["confusion_matrix"] is None
    assert d["test_loss"] > 0


@pytest.mark.parametrize(
    "argv, message",
    [
        (["-lr", "0"], "-lr/--learning_rate must be > 0, got 0"),
        (["-lr", "nan"], "-lr/--learning_rate must be > 0, got nan"),
        (["-lr", "abc"], "argument -lr/--learning_rate: invalid float value: 'abc'"),
        (["-sz", "0"], "-sz/--hidden_size must be >= 1, got 0"),
        (["-e", "0"], "-e/--epochs must be >= 1, got 0"),
        (["-b", "100000"], "-b/--batch_size 100000 is larger than the training data"),
        (["-o", "lamb"], "-o/--optimizer: unknown value 'lamb'; valid: sgd"),
        (["-a", "gelu"], "-a/--activation: unknown value 'gelu'; valid: identity"),
        (["-w_i", "zeros"], "-w_i/--weight_init: unknown value 'zeros'"),
        (["-l", "hinge"], "-l/--loss: unknown value 'hinge'"),
        (["-m", "1.5"], r"-m/--momentum must be in [0, 1), got 1.5"),
        (["-d", "mnist", "--data-dir", "/nonexistent/idx"], "directory /nonexistent/idx does not"),
        (["-d", "cifar10"], "-d/--dataset: unknown dataset 'cifar10'"),
        (["-d", "sine", "-l", "cross_entropy"], "-l/--loss cross_entropy fits class labels"),
        (["-d", "sine", "--output", "softmax"], "--output softmax makes outputs that sum to 1"),
        (["-d", "xor", "--task", "regression", "-l", "cross_entropy"], "--task regression"),
        (["--resume", "/nonexistent/ck.npz"], "--resume: checkpoint /nonexistent/ck.npz does not"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, argv, message):
    base = [a for a in SMALL if a not in ("-d", "xor")] if "-d" in argv else SMALL
    path = tmp_path / "out.json"
    rc, _, err = _run(
        [*base, *argv, "--json", str(path), "--save", str(tmp_path / "c.npz")], capsys
    )
    assert rc == 2
    assert message in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def _idx_dir(tmp_path, labels_hi=10, nan=False, truncate=False):
    rng = np.random.default_rng(0)
    for (split, kind), base in IDX_FILES.items():
        n = 80 if split == "train" else 20
        if kind == "images":
            a = rng.integers(0, 256, size=(n, 4, 4)).astype(np.float32 if nan else np.uint8)
            if nan:
                a[0, 0, 0] = np.nan
        else:
            a = (np.arange(n) % labels_hi).astype(np.uint8)
        path = write_idx(tmp_path / base, a)
        if truncate and split == "test" and kind == "images":
            path.write_bytes(path.read_bytes()[:-3])
    return tmp_path


def test_mnist_from_a_directory_trains(tmp_path, capsys):
    d = _idx_dir(tmp_path / "mnist")
    path = tmp_path / "m.json"
    argv = ["-d", "mnist", "--data-dir", str(d), "-sz", "8", "-e", "2", "-b", "16", "--quiet"]
    assert _run([*argv, "--json", str(path)], capsys)[0] == 0
    assert json.loads(path.read_text())["config"]["sizes"] == [16, 8, 8, 10]


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"truncate": True}, "t10k-images-idx3-ubyte: truncated"),
        ({"nan": True}, "x contains 1 NaN or infinite value(s)"),
        ({"labels_hi": 12}, "train-labels-idx1-ubyte: labels above 9"),
    ],
)
def test_bad_idx_files_exit_2_naming_the_file(tmp_path, capsys, kw, message):
    d = _idx_dir(tmp_path / "data", **kw)
    rc, _, err = _run(["-d", "mnist", "--data-dir", str(d), "-e", "1", "--quiet"], capsys)
    assert rc == 2 and message in err and len(err.strip().splitlines()) == 1


def test_sweep_mode_flags_are_strings_without_choices():
    p = argparse.ArgumentParser()
    add_train_arguments(p, sweep=True)
    args = p.parse_args(["-lr", "1e-3,1e-2", "-o", "sgd,adam", "-sz", "32,64", "--seed", "0,1"])
    assert args.learning_rate == "1e-3,1e-2" and args.optimizer == "sgd,adam"
    assert args.hidden_size == "32,64" and args.seed == "0,1"
    for action in p._actions:
        if action.dest in {s.dest for s in sweepable()}:
            assert action.type is str and action.choices is None, action.dest


def test_setting_from_args_builds_config_hparams_seed():
    p = argparse.ArgumentParser()
    add_train_arguments(p)
    args = p.parse_args(
        [
            "-nhl",
            "3",
            "-sz",
            "16",
            "-a",
            "ReLU",
            "-w_i",
            "Xavier",
            "-eps",
            "1e-6",
            "-l",
            "mean_squared_error",
            "--seed",
            "4",
        ]
    )
    data = load_data(data_settings(args))
    s = setting_from_args(args, data)
    assert s.config.sizes == (64, 16, 16, 16, 10)
    assert s.config.activation == "relu" and s.config.loss == "mse" and s.seed == 4
    assert s.hparams["eps"] == 1e-6 and s.hparams["learning_rate"] == 1e-3
    # a sweep member: every flag one typed value, or one value as a string
    vars(args).update(learning_rate="0.05", hidden_size="8", num_layers=1)
    s = setting_from_args(args, data)
    assert s.config.sizes == (64, 8, 10) and s.hparams["learning_rate"] == 0.05


def test_help_lists_the_course_flags(capsys):
    with pytest.raises(SystemExit) as done:
        main(["train", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for flag in (
        "-d",
        "-e",
        "-b",
        "-l",
        "-o",
        "-lr",
        "-m",
        "-beta",
        "-beta1",
        "-beta2",
        "-eps",
        "-w_d",
        "-w_i",
        "-nhl",
        "-sz",
        "-a",
        "--seed",
        "--grad",
        "--save",
        "--resume",
        "--out",
        "--json",
        "--quiet",
        "--data-dir",
    ):
        assert f"{flag} " in out or f"{flag}," in out, flag

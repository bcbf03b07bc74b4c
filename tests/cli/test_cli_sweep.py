"""``jaxnn sweep``: lists and log ranges of the train flags, ranked table, JSON, figures, errors."""

import json
import os

import jax
import numpy as np
import pytest
from helpers import cli_json

from jaxnn._cli import main

# A small network: its compiled program is shared by the runs of this file.
SMALL = ["-e", "2", "-sz", "16", "-nhl", "1", "-b", "64", "--quiet"]


@pytest.fixture(autouse=True)
def _keep_environment(monkeypatch):
    """The CLI sets XLA_FLAGS for sweeps; the backend here has started already, so undo it."""
    jax.devices()
    monkeypatch.setenv("XLA_FLAGS", os.environ.get("XLA_FLAGS", ""))


run_json = cli_json


def test_grid_sweep_json_table_and_figures(tmp_path, capsys):
    out = run_json(
        tmp_path, "sweep", "-lr", "1e-3,3e-2", "--seed", "0,1", *SMALL, "--out", str(tmp_path)
    )
    printed = capsys.readouterr().out
    assert "| rank | lr" in printed and "4 members (0 diverged) in 1 program(s)" in printed
    members = out["members"]
    assert len(members) == 4 and out["devices"] == len(jax.devices())
    assert [(m["lr"], m["seed"]) for m in members] == [(1e-3, 0), (1e-3, 1), (3e-2, 0), (3e-2, 1)]
    for m in members:
        assert m["lr"] == m["learning_rate"] and m["hidden_size"] == 16
        assert m["activation"] == "tanh" and m["epochs"] == 2
        for key in ("test_loss", "test_accuracy", "val_accuracy"):
            assert 0 < m[key] < 10
        assert m["diverged"] is False
    assert sorted(m["rank"] for m in members) == [1, 2, 3, 4]
    best = max(members, key=lambda m: m["val_accuracy"])
    assert out["best"]["rank"] == 1 and out["best"]["val_accuracy"] == best["val_accuracy"]
    assert out["axes"] == {"learning_rate": [1e-3, 3e-2], "seed": [0, 1]}
    assert out["compile_seconds"] >= 0 and out["train_seconds"] > 0 and out["groups"] == 1
    figures = sorted(os.path.basename(f) for f in out["figures"])
    assert figures == ["confusion_matrix.png", "heatmap.png", "importance.png", "parallel.png"]
    for m in members:  # each member's test confusion matrix, measured in its program
        cm = np.array(m["confusion_matrix"])
        assert cm.shape == (10, 10) and np.trace(cm) / cm.sum() == pytest.approx(
            m["test_accuracy"], abs=1e-6
        )
    assert out["best_confusion_matrix"] == out["best"]["confusion_matrix"]
    assert {r["name"] for r in out["importance"]} == {"learning_rate", "seed"}
    for f in out["figures"]:
        with open(f, "rb") as png:  # closed: an unclosed file is a ResourceWarning, an error
            assert png.read(8) == b"\x89PNG\r\n\x1a\n"


def test_a_regression_sweep_reports_rmse_mae_and_r2_per_member_and_epoch(tmp_path, capsys):
    out = run_json(tmp_path, "sweep", "-d", "sine", "-lr", "1e-2,3e-2", "-e", "3", "-sz", "8")
    assert "val MAE" in capsys.readouterr().out
    for m in out["members"]:
        h = m["history"]
        assert len(h["val_rmse"]) == len(h["val_mae"]) == len(h["val_r2"]) == 3
        assert m["val_mae"] == h["val_mae"][-1] and 0 < m["test_mae"] <= m["test_rmse"]
        assert "confusion_matrix" not in m
    assert out["best_confusion_matrix"] is None


def test_member_equals_its_solo_train_run(tmp_path):
    swept = run_json(tmp_path, "sweep", "-lr", "1e-3,3e-2", "--seed", "0,1", *SMALL)
    solo = run_json(tmp_path, "train", "-lr", "3e-2", "--seed", "1", *SMALL, name="solo.json")
    member = next(m for m in swept["members"] if m["lr"] == 3e-2 and m["seed"] == 1)
    np.testing.assert_allclose(member["test_loss"], solo["test_loss"], rtol=1e-4)
    np.testing.assert_allclose(member["test_accuracy"], solo["test_accuracy"], atol=1e-6)


def test_log_range_and_random(tmp_path):
    argv = ["sweep", "-lr", "1e-3:1e-1:3", "--seed", "0,1", "--random", "3", *SMALL]
    out = run_json(tmp_path, *argv, "--random-seed", "4")
    again = run_json(tmp_path, *argv, "--random-seed", "4", name="again.json")
    other = run_json(tmp_path, *argv, "--random-seed", "5", name="other.json")
    members = out["members"]
    assert len(members) == 3 and out["random"] == 3
    assert all(m["lr"] in (1e-3, 1e-2, 1e-1) and m["seed"] in (0, 1) for m in members)
    pairs = [(m["lr"], m["seed"]) for m in members]
    assert len(set(pairs)) == 3
    assert [(m["lr"], m["seed"]) for m in again["members"]] == pairs
    assert [(m["lr"], m["seed"]) for m in other["members"]] != pairs
    assert [m["test_loss"] for m in again["members"]] == [m["test_loss"] for m in members]


def test_groups_and_a_diverged_member(tmp_path, capsys):
    argv = ["sweep", "-o", "sgd", "-a", "relu,tanh", "-lr", "0.1,1e3", *SMALL]
    out = run_json(tmp_path, *argv, "--pack", "off")
    # the activation is traced: both share one program of their own network
    assert out["groups"] == out["programs"] == 1 and out["packed_programs"] == 0
    by = {(m["activation"], m["lr"]): m for m in out["members"]}
    assert by["relu", 1e3]["diverged"] is True and by["relu", 1e3]["test_loss"] is None
    assert by["relu", 0.1]["diverged"] is False and by["tanh", 0.1]["diverged"] is False
    assert by["relu", 1e3]["rank"] == 4
    assert f"4 members ({sum(m['diverged'] for m in out['members'])} diverged)" in (
        capsys.readouterr().out
    )
    packed = run_json(tmp_path, *argv, "--pack", "auto", name="packed.json")
    assert packed["programs"] == 1 and packed["packed_programs"] == 0  # nothing to pad
    assert packed["pack"]["choices"] == []
    for a, b in zip(packed["members"], out["members"]):
        assert a["diverged"] == b["diverged"]
        if not a["diverged"]:
            np.testing.assert_allclose(a["test_loss"], b["test_loss"], rtol=1e-3)


def test_packed_sweep_json_timing_and_history(tmp_path, capsys):
    out = run_json(
        tmp_path, "sweep", "-o", "sgd,adam", "-e", "1,2", "-sz", "8,16", "-b", "64", "--quiet"
    )
    printed = capsys.readouterr().out
    assert "8 members (0 diverged) in 1 program(s), 1 packed (" in printed
    assert "s with compilation (compile" in printed and "members/s" in printed
    assert out["programs"] == 1 and out["pack"]["mode"] == "auto"
    assert 0 < out["padded_fraction"] < 1
    # honest timing: members per second of wall time, compilation included
    assert out["wall_seconds"] >= out["compile_seconds"] + out["train_seconds"] - 1e-6
    assert out["members_per_second"] == pytest.approx(8 / out["wall_seconds"])
    assert out["train_members_per_second"] == pytest.approx(8 / out["train_seconds"])
    assert out["cache"] == {"dir": None, "hits": 0, "compiled": 0}  # JAXNN_CACHE=off in tests
    for m in out["members"]:
        history = m["history"]
        assert set(history) == {"train_loss", "train_accuracy", "val_loss", "val_accuracy"}
        assert all(len(v) == m["epochs"] for v in history.values())
        assert history["val_loss"][-1] == m["val_loss"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["-lr", ""], "-lr/--learning_rate: empty value"),
        (["-lr", "1e-3,"], "-lr/--learning_rate: empty value"),
        (["-lr", "1e-4:1e-1:0"], "needs 1 to 1048576 values"),
        (["-lr", "0:1e-1:4"], "needs positive bounds"),
        (["-lr=-1e-3:1e-1:4"], "needs positive bounds"),
        (["-lr", "fast"], "-lr/--learning_rate: 'fast' is not a number"),
        (["--seed", "0.5"], "--seed: '0.5' is not an integer"),
        (["-a", "tanh,swish"], "-a/--activation: unknown value(s) swish"),
        (["-o", "lamb"], "-o/--optimizer: unknown value(s) lamb"),
        (["-w_i", "zeros"], "-w_i/--weight_init: unknown value(s) zeros"),
        (["-lr", "0,1e-3"], "-lr/--learning_rate must be > 0, got 0"),
        (["-lr", "1e-6:1:70", "-m", "0.1:0.9:70"], "4900 members, more than the limit of 4096"),
        (["-lr", "1e-3,1e-2", "--random", "3"], "--random 3: the grid has 2 settings"),
        (["-lr", "1e-3,1e-2", "--heatmap", "lr,seed"], "--heatmap: seed is not swept"),
        (["-lr", "1e-3,1e-2", "--heatmap", "lr"], "--heatmap takes two different flag names"),
        (["--chunk-size", "0"], "--chunk-size must be >= 1"),
        (["-d", "nosuchdata"], "-d/--dataset: unknown dataset 'nosuchdata'"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["-o", "sgd,lamb"], "-o/--optimizer: unknown value(s) lamb"),
        (["-a", "relu,gelu"], "-a/--activation: unknown value(s) gelu"),
        (["-l", "cross_entropy,mse", "--pack", "on"], "--pack on: the members differ in -l/--loss"),
        (["--pack", "maybe"], "argument --pack: invalid choice: 'maybe'"),
        (["-sz", "8,90000", "-nhl", "3"], "-sz/--hidden_size 90000: one member of the packed"),
        (["-sz", "8,90000", "-nhl", "3"], "needs an estimated"),
        (["--cache-dir", "/proc/nonexistent/x"], "--cache-dir /proc/nonexistent/x: cannot use it"),
    ],
)
def test_bad_input_exits_2_with_one_line(argv, message, capsys):
    assert main(["sweep", *argv, "--quiet"]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("jaxnn: error: ")
    assert message in lines[0]
    assert captured.out == ""


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_processes_of_two_devices_equal_one_device(tmp_path):
    """jax.distributed with 2 local processes x 2 CPU devices: 4 devices, the same members."""
    import subprocess
    import sys

    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2")
    env["JAX_PLATFORMS"] = "cpu"
    port = _free_port()
    argv = ["-lr", "1e-3,3e-2", "--seed", "0,1,2", *SMALL]
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "jaxnn", "sweep", *argv, "--json", str(tmp_path / f"{i}.json")]
            + ["--coordinator", f"localhost:{port}", "--num-processes", "2"]
            + ["--process-id", str(i)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    outputs = [c.communicate(timeout=240) for c in children]
    for child, (_, err) in zip(children, outputs):
        assert child.returncode == 0, err
    assert "| rank |" in outputs[0][0] and "| rank |" not in outputs[1][0]  # process 0 prints
    results = [json.loads((tmp_path / f"{i}.json").read_text()) for i in range(2)]
    one = run_json(tmp_path, "sweep", *argv, "--devices", "1", name="one.json")
    for r in results:
        assert r["devices"] == 4 and r["processes"] == 2
        np.testing.assert_allclose(
            [m["test_loss"] for m in r["members"]],
            [m["test_loss"] for m in one["members"]],
            rtol=1e-5,
        )


@pytest.mark.slow
def test_an_identical_second_command_compiles_nothing(tmp_path):
    """The persistent compilation cache, on by default for the CLI, in a fresh directory."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "JAXNN_CACHE"}
    env["JAX_PLATFORMS"] = "cpu"
    cache = tmp_path / "xla"
    argv = [sys.executable, "-m", "jaxnn", "sweep", "-o", "sgd,adam", "-a", "tanh,relu", *SMALL]
    runs = []
    for i in range(2):
        path = tmp_path / f"{i}.json"
        child = subprocess.run(
            [*argv, "--cache-dir", str(cache), "--json", str(path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert child.returncode == 0, child.stderr
        runs.append((json.loads(path.read_text()), child.stdout))
    (first, _), (second, printed) = runs
    assert first["cache"]["dir"] == second["cache"]["dir"] == str(cache)
    assert first["cache"]["compiled"] > 0 and first["cache"]["hits"] == 0
    assert (
        second["cache"]["compiled"] == 0 and second["cache"]["hits"] == first["cache"]["compiled"]
    )
    assert f"{second['programs']} from the cache" in printed or "from the cache" in printed
    assert [m["test_loss"] for m in second["members"]] == [m["test_loss"] for m in first["members"]]
    assert any(cache.iterdir())

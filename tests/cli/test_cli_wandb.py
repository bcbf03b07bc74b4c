"""-wp/-we: wandb runs written offline by train and sweep, read back from the run files; --log
JSON lines; the course's train.py command lines as written."""

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import jax
import numpy as np
import pytest
from helpers import cli_json

from jaxnn._cli import main

pytest.importorskip("wandb")

from wandb_offline import confusion_table, epoch_rows, offline_runs  # noqa: E402

SMALL = ["-e", "3", "-sz", "16", "-nhl", "1", "-b", "64", "--quiet"]
COMMANDS = Path(__file__).resolve().parents[1] / "data" / "course_train_commands.txt"


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    """No credentials anywhere, every wandb file under tmp_path, the devices kept as they are."""
    for name in ("WANDB_MODE", "WANDB_API_KEY", "WANDB_IDENTITY_TOKEN_FILE", "WANDB_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    for name in ("WANDB_DIR", "WANDB_CONFIG_DIR", "WANDB_CACHE_DIR", "WANDB_DATA_DIR"):
        monkeypatch.setenv(name, str(tmp_path))
    monkeypatch.setenv("WANDB_SILENT", "true")
    jax.devices()
    monkeypatch.setenv("XLA_FLAGS", os.environ.get("XLA_FLAGS", ""))


run_json = cli_json


def check_run(run, result):
    """The run holds the keys of the course's train.py: config, epochs, test metrics, matrix."""
    rows = epoch_rows(run)
    assert [r["epoch"] for r in rows] == [e["epoch"] for e in result["epochs"]]
    for row, epoch in zip(rows, result["epochs"]):
        for key in ("train_loss", "train_accuracy", "val_loss", "val_accuracy"):
            assert row[key] == pytest.approx(epoch[key], rel=1e-12)
    assert run["summary"]["test_accuracy"] == pytest.approx(result["test_accuracy"], rel=1e-12)
    assert run["summary"]["test_loss"] == pytest.approx(result["test_loss"], rel=1e-12)
    table = confusion_table(run)
    assert table["columns"] == ["Actual", "Predicted", "nPredictions"]
    cm = np.array(result["confusion_matrix"])
    for actual, predicted, count in table["data"]:
        assert count == cm[int(actual), int(predicted)]
    assert len(table["data"]) == cm.size


def test_train_logs_an_offline_wandb_run_and_json_lines(tmp_path, capsys):
    log = tmp_path / "epochs.jsonl"
    result = run_json(
        tmp_path, "train", "-wp", "proj", "-we", "me", *SMALL, "-lr", "0.01", "--log", str(log)
    )
    err = capsys.readouterr().err
    assert "wandb offline run in" in err and "wandb sync" in err
    (run,) = offline_runs(tmp_path)
    assert (run["project"], run["entity"], run["job_type"]) == ("proj", "me", "train")
    config = run["config"]
    assert config["learning_rate"] == pytest.approx(0.01) and config["optimizer"] == "adam"
    assert config["num_layers"] == 1 and config["hidden_size"] == 16 and config["epochs"] == 3
    assert config["epsilon"] == pytest.approx(1e-8) and config["dataset"] == "digits"
    check_run(run, result)
    assert result["wandb_dir"].startswith(str(tmp_path / "wandb" / "offline-run-"))
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines == result["epochs"]


def test_sweep_logs_one_run_per_member_grouped_with_the_same_keys(tmp_path):
    log = tmp_path / "members.jsonl"
    result = run_json(
        tmp_path,
        "sweep",
        "-lr",
        "1e-3,3e-2",
        "--seed",
        "0,1",
        *SMALL,
        "-wp",
        "proj",
        "--log",
        str(log),
    )
    runs = sorted(offline_runs(tmp_path), key=lambda r: r["name"])  # 000-..., 001-...
    assert len(runs) == 4 == result["wandb_runs"]
    assert {r["group"] for r in runs} == {result["wandb_group"]}
    assert {r["job_type"] for r in runs} == {"sweep"} and {r["project"] for r in runs} == {"proj"}
    for i, (run, member) in enumerate(zip(runs, result["members"])):
        assert run["name"].startswith(f"{i:03d}-hl_1_sz_16_bs_64_ac_tanh_o_adam_lr_")
        assert run["config"]["learning_rate"] == pytest.approx(member["learning_rate"])
        assert run["config"]["seed"] == member["seed"]
        rows = epoch_rows(run)
        assert [r["epoch"] for r in rows] == [1, 2, 3]
        assert rows[-1]["val_accuracy"] == pytest.approx(member["val_accuracy"], rel=1e-6)
        assert run["summary"]["test_loss"] == pytest.approx(member["test_loss"], rel=1e-6)
        assert run["summary"]["diverged"] is False
        assert np.sum([c for *_, c in confusion_table(run)["data"]]) == 360  # digits' test split
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(lines) == 4 * 3
    assert [(x["member"], x["epoch"]) for x in lines] == [
        (m, e) for m in range(4) for e in (1, 2, 3)
    ]
    assert {x["learning_rate"] for x in lines} == {1e-3, 3e-2} and {x["seed"] for x in lines} == {
        0,
        1,
    }


def test_without_wandb_the_run_goes_on_with_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "wandb", None)
    monkeypatch.setattr("jaxnn._util._WARNED", set())
    result = run_json(tmp_path, "train", "-wp", "proj", *SMALL)
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        'jaxnn: logging to wandb (-wp/-we) needs wandb: pip install "jaxnn[wandb]" (turned off)'
    ]
    assert result["wandb_dir"] is None and len(result["epochs"]) == 3
    assert not (tmp_path / "wandb").exists()


@pytest.mark.parametrize("command", ["train", "sweep"])
def test_log_path_is_checked_before_any_work(tmp_path, capsys, command):
    assert main([command, *SMALL, "--log", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"jaxnn: error: --log {tmp_path}: is a directory; name a file to write"
    same = str(tmp_path / "a.json")
    assert main([command, *SMALL, "--log", same, "--json", same]) == 2
    assert "--log" in capsys.readouterr().err
    assert not (tmp_path / "a.json").exists()


@pytest.mark.slow
def test_a_killed_run_keeps_its_log_up_to_the_last_epoch(tmp_path):
    log = tmp_path / "epochs.jsonl"
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jaxnn",
            "train",
            "-e",
            "100000",
            "-sz",
            "16",
            "-nhl",
            "1",
            "-b",
            "256",
            "--quiet",
            "--log",
            str(log),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and child.poll() is None:
        if log.exists() and log.read_text().count("\n") >= 5:
            break
        time.sleep(0.05)
    assert child.poll() is None, child.stderr.read()
    child.send_signal(signal.SIGKILL)
    child.communicate()  # waits, and closes its pipe (an open one is a ResourceWarning)
    text = log.read_text()
    complete = text[: text.rfind("\n") + 1].splitlines()
    rows = [json.loads(line) for line in complete]  # every whole line is one epoch's JSON
    assert len(rows) >= 5 and [r["epoch"] for r in rows] == list(range(1, len(rows) + 1))
    assert all(
        set(r) == {"epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy"}
        for r in rows
    )


def _commands():
    lines = [line.strip() for line in COMMANDS.read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


@pytest.mark.slow
@pytest.mark.parametrize("command", _commands(), ids=lambda c: c[16:60])
def test_the_course_train_commands_run_as_written(command, tmp_path, capsys):
    argv = shlex.split(command)
    assert argv[:2] == ["python", "train.py"]
    result = run_json(tmp_path, "train", *argv[2:])
    (run,) = offline_runs(tmp_path)
    assert (run["project"], run["entity"]) == ("myprojectname", "myname")
    check_run(run, result)
    epochs = next((argv[i + 1] for i, a in enumerate(argv) if a in ("-e", "--epochs")), "30")
    assert len(result["epochs"]) == int(epochs)


def test_a_config_sweep_logs_its_members_under_the_files_project(tmp_path):
    config = tmp_path / "sweep.json"
    config.write_text(
        json.dumps(
            {
                "method": "grid",
                "name": "lr-halving",
                "project": "fromfile",
                "metric": {"name": "val_accuracy", "goal": "maximize"},
                "early_terminate": {"type": "hyperband", "min_iter": 1, "eta": 2},
                "parameters": {"learning_rate": {"values": [1e-4, 3e-4, 1e-2, 3e-2]}},
            }
        )
    )
    result = run_json(tmp_path, "sweep", "--config", str(config), *SMALL, "-we", "team")
    runs = sorted(offline_runs(tmp_path), key=lambda r: r["name"])
    assert [r["project"] for r in runs] == ["fromfile"] * 4 and result[
        "wandb_group"
    ] == "lr-halving"
    assert {r["group"] for r in runs} == {"lr-halving"} and {r["entity"] for r in runs} == {"team"}
    for run, member in zip(runs, result["members"]):
        assert len(epoch_rows(run)) == member["epochs_run"]  # a stopped member logs fewer epochs
        assert run["summary"]["stopped"] is member["stopped"]
        assert run["summary"]["test_accuracy"] == pytest.approx(member["test_accuracy"], rel=1e-6)
    epochs = sorted(m["epochs_run"] for m in result["members"])
    assert epochs[0] < 3 == epochs[-1]  # some stopped at a rung, some ran to the end
    again = run_json(
        tmp_path, "sweep", "--config", str(config), *SMALL, "-wp", "cli", name="again.json"
    )
    assert again["wandb_runs"] == 4
    assert {r["project"] for r in offline_runs(tmp_path)} == {"fromfile", "cli"}  # flags win


def test_a_regression_run_logs_rmse_mae_and_r2(tmp_path):
    result = run_json(tmp_path, "train", "-d", "sine", "-wp", "proj", *SMALL, "-lr", "0.01")
    (run,) = offline_runs(tmp_path)
    for key in ("test_rmse", "test_mae", "test_r2"):
        assert run["summary"][key] == pytest.approx(result[key], rel=1e-12)
    rows = epoch_rows(run)
    for row, epoch in zip(rows, result["epochs"]):
        assert row["val_rmse"] == pytest.approx(epoch["val_rmse"], rel=1e-12)
        assert row["val_r2"] == pytest.approx(epoch["val_r2"], rel=1e-12)
        assert row["val_mae"] == pytest.approx(epoch["val_mae"], rel=1e-12)
        assert "val_accuracy" not in row  # NaN for regression: left out
    assert "confusion_matrix" not in run["summary"]

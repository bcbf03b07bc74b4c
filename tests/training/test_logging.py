"""Run logs: JSON lines flushed per line, wandb's mode decided locally, wandb optional."""

import json
import sys

import pytest

from jaxnn import _logging
from jaxnn._logging import JsonLinesLog, json_safe, start_wandb, wandb_mode


def test_json_lines_are_readable_before_the_log_is_closed(tmp_path):
    path = tmp_path / "log.jsonl"
    log = JsonLinesLog(path)
    log.write({"epoch": 1, "val_accuracy": float("nan"), "loss": 0.5})
    # flushed: another reader sees the whole line while the writer is still open (a kill now
    # would keep it)
    assert [json.loads(line) for line in path.read_text().splitlines()] == [
        {"epoch": 1, "val_accuracy": None, "loss": 0.5}
    ]
    log.write({"epoch": 2, "loss": float("inf")})
    assert json.loads(path.read_text().splitlines()[1]) == {"epoch": 2, "loss": None}
    log.close()


def test_json_safe_turns_numpy_into_python():
    import numpy as np

    got = json_safe({"a": np.float32(0.25), "b": np.arange(2), "c": (np.int64(3), np.nan)})
    assert got == {"a": 0.25, "b": [0, 1], "c": [3, None]}
    assert isinstance(got["c"][0], int)


@pytest.fixture
def no_credentials(monkeypatch, tmp_path):
    for name in ("WANDB_MODE", "WANDB_API_KEY", "WANDB_IDENTITY_TOKEN_FILE", "WANDB_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "netrc"))
    return tmp_path


def test_offline_unless_wandb_mode_is_set_or_logged_in(no_credentials, monkeypatch):
    assert wandb_mode() == "offline"
    monkeypatch.setenv("WANDB_MODE", "disabled")
    assert wandb_mode() == "disabled"
    monkeypatch.delenv("WANDB_MODE")
    monkeypatch.setenv("WANDB_API_KEY", "x" * 40)
    assert wandb_mode() == "online"
    monkeypatch.delenv("WANDB_API_KEY")
    netrc = no_credentials / "netrc"
    netrc.write_text("machine api.wandb.ai\n  login user\n  password " + "y" * 40 + "\n")
    netrc.chmod(0o600)
    assert wandb_mode() == "online"
    netrc.write_text("machine example.com\n  login user\n  password secret\n")
    assert wandb_mode() == "offline"


def test_without_wandb_logging_is_off_with_one_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "wandb", None)
    monkeypatch.setattr("jaxnn._util._WARNED", set())
    assert start_wandb("p", None, config={}) is None
    assert start_wandb("p", None, config={}) is None  # said once
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        'jaxnn: logging to wandb (-wp/-we) needs wandb: pip install "jaxnn[wandb]" (turned off)'
    ]


def test_a_wandb_that_cannot_start_turns_logging_off(monkeypatch, capsys):
    class Broken:
        class Settings:
            def __init__(self, **kw):
                pass

        @staticmethod
        def init(**kw):
            raise RuntimeError("No API key configured.\nUse `wandb login`.")

    monkeypatch.setattr(_logging, "optional", lambda module, feature: Broken)
    monkeypatch.setenv("WANDB_MODE", "online")
    assert start_wandb("p", "me", config={"lr": 0.1}) is None
    assert capsys.readouterr().err.strip() == (
        "jaxnn: wandb (online) could not start, logging to wandb is off: No API key configured."
    )

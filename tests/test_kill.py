"""Killed runs: SIGKILL at random moments never leaves a corrupt checkpoint or a missing report,
and the next run at that path cleans up what the killed one left."""

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from helpers import fake_experiments

import jaxnn

pytestmark = pytest.mark.slow

# A large network (about 26 MB of parameters and adam state), saved every epoch, so that many
# kills land while a checkpoint is being written.
TRAIN = ["-d", "digits", "-nhl", "3", "-sz", "1024", "-b", "128", "--quiet", "--save-every", "1"]
KILLS = 16


def _config():
    data = jaxnn.load_dataset("digits")
    return jaxnn.make_config((64, 1024, 1024, 1024, 10), batch_size=128), data


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def _writing(folder: Path) -> bool:
    return any(p.name.startswith(".ck.npz.") and p.name.endswith(".tmp") for p in folder.iterdir())


def test_sigkill_of_train_save_never_corrupts_the_checkpoint(tmp_path):
    path = tmp_path / "ck.npz"
    config, _ = _config()
    rng = random.Random(0)
    during_write = loaded = 0
    for i in range(KILLS):
        argv = ["train", *TRAIN, "-e", "1000", "--save", str(path)]
        if path.exists():
            argv += ["--resume", str(path)]
        before = path.stat().st_mtime_ns if path.exists() else None
        child = subprocess.Popen(
            [sys.executable, "-m", "jaxnn", *argv],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        # wait until this run has saved once (it is in its epochs), then kill: half the time at
        # a random moment, half the time as soon as a checkpoint write has begun
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and child.poll() is None:
            if path.exists() and path.stat().st_mtime_ns != before:
                break
            time.sleep(0.01)
        assert child.poll() is None, child.stderr.read()
        if i % 2:
            while not _writing(tmp_path) and time.monotonic() < deadline:
                time.sleep(0.002)
        else:
            time.sleep(rng.uniform(0.0, 0.6))
        child.send_signal(signal.SIGKILL)
        child.communicate()  # waits, and closes its pipe (an open one is a ResourceWarning)
        if _writing(tmp_path):
            during_write += 1  # killed while writing: the half-written file is a temporary
        assert path.exists()  # the final name always holds a whole checkpoint
        ck = jaxnn.load_checkpoint(path, config._replace(epochs=1000))  # validates every leaf
        assert int(ck.state.epoch) >= 1
        loaded += 1
    # the next run at that path removes the killed runs' temporaries and its lock
    epochs = int(jaxnn.load_checkpoint(path, config._replace(epochs=1000)).state.epoch) + 1
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "jaxnn",
            "train",
            *TRAIN,
            "-e",
            str(epochs),
            "--save",
            str(path),
            "--resume",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert _leftovers(tmp_path) == []
    assert loaded == KILLS
    print(f"\n{KILLS} kills, {during_write} during a checkpoint write, {loaded} loaded, 0 corrupt")
    assert during_write >= KILLS // 2  # every kill timed to a write landed in one


_PAUSE = textwrap.dedent("""
    import pathlib, shutil, sys, time
    step = sys.argv[1]
    original_rename, original_rmtree = pathlib.Path.rename, shutil.rmtree
    def rename(self, target):
        done = original_rename(self, target)
        if step == "rename" and str(target).endswith(".old"):
            print("between", flush=True); time.sleep(600)
        return done
    def rmtree(path, *a, **k):
        if step == "rmtree":
            print("between", flush=True); time.sleep(600)
        return original_rmtree(path, *a, **k)
    pathlib.Path.rename, shutil.rmtree = rename, rmtree
    from jaxnn._cli import main
    sys.exit(main(sys.argv[2:]))
""")


@pytest.mark.parametrize("step, exchange", [("rmtree", True), ("rename", False), ("rmtree", False)])
def test_demo_killed_between_the_steps_of_its_swap(tmp_path, step, exchange):
    exps = fake_experiments(tmp_path, figures=20, pause=0.01)
    out = tmp_path / "results"
    demo = ["demo", "--out", str(out), "--experiments", exps]
    env = dict(os.environ)
    if not exchange:
        env["JAXNN_NO_RENAME_EXCHANGE"] = "1"
    first = subprocess.run([sys.executable, "-m", "jaxnn", *demo], capture_output=True, env=env)
    assert first.returncode == 0
    child = subprocess.Popen(
        [sys.executable, "-c", _PAUSE, step, *demo],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    for line in child.stdout:
        if line.strip() == "between":
            break
    child.send_signal(signal.SIGKILL)
    child.communicate()  # waits, and closes its pipe (an open one is a ResourceWarning)
    if exchange:
        assert (out / "REPORT.md").is_file()  # one atomic step: never missing
    again = subprocess.run([sys.executable, "-m", "jaxnn", *demo], capture_output=True, env=env)
    assert again.returncode == 0, again.stderr
    assert (out / "REPORT.md").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exps", "results"]  # cleaned up


def test_demo_killed_at_random_moments_keeps_a_report(tmp_path):
    exps = fake_experiments(tmp_path, figures=20, pause=0.01)
    out = tmp_path / "results"
    demo = [sys.executable, "-m", "jaxnn", "demo", "--out", str(out), "--experiments", exps]
    assert subprocess.run(demo, capture_output=True).returncode == 0
    rng = random.Random(1)
    for _ in range(8):
        child = subprocess.Popen(demo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(1.0, 4.0))
        child.send_signal(signal.SIGKILL)
        child.communicate()  # waits, and closes its pipe (an open one is a ResourceWarning)
        assert (out / "REPORT.md").is_file()
    assert subprocess.run(demo, capture_output=True).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exps", "results"]

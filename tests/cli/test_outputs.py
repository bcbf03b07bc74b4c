"""Output paths: checked before any work, locked while written, umask modes, no leftovers, and a
demo report that never deletes what jaxnn did not write."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from helpers import fake_experiments

import jaxnn
from jaxnn._cli import main
from jaxnn._util import FileLock, atomic_write_bytes, clean_leftovers, write_json

QUICK = ["-d", "xor", "-e", "1", "-sz", "4", "--quiet"]


def _error(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines  # one line, no traceback
    return lines[0]


@pytest.mark.parametrize(
    "argv, match",
    [
        (["train", "--json", ""], "--json: the path is empty"),
        (["train", "--out", ""], "--out: the path is empty"),
        (["train", "--save", ""], "--save: the path is empty"),
        (["train", "--save", "{tmp}/r.out", "--json", "{tmp}/r.out"], "name the same path"),
        (["train", "--json", "{tmp}"], "is a directory; name a file"),
        (["train", "--out", "{tmp}/file"], "is a file; name a directory"),
        (["train", "--json", "/proc/no/such.json"], "cannot create files in /proc"),
        (["train", "--save", "{tmp}/file/x.npz"], "is a file, not a directory"),
        (["sweep", "--json", "{tmp}"], "is a directory; name a file"),
        (["sweep", "--out", "{tmp}/file"], "is a file; name a directory"),
        (["boolean", "--json", "{tmp}"], "is a directory; name a file"),
        (["demo", "--out", "{tmp}/file"], "is a file; name a directory"),
    ],
)
def test_bad_output_paths_exit_2_before_any_work(argv, match, tmp_path, capsys):
    (tmp_path / "file").write_text("mine")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(argv + (QUICK if argv[0] == "train" else [])) == 2
    assert match in _error(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]  # nothing written
    assert (tmp_path / "file").read_text() == "mine"


def test_files_get_the_umask_mode(tmp_path):
    old = os.umask(0o027)
    try:
        write_json(tmp_path / "a.json", {"a": 1})
        atomic_write_bytes(tmp_path / "b.bin", b"x")
        assert (tmp_path / "a.json").stat().st_mode & 0o777 == 0o640
        assert (tmp_path / "b.bin").stat().st_mode & 0o777 == 0o640
        os.umask(0o002)
        result = jaxnn.fit("xor", hidden_sizes=(4,), epochs=1, save=tmp_path / "ck.npz")
        assert result.history["epoch"] == [1]
        assert (tmp_path / "ck.npz").stat().st_mode & 0o777 == 0o664
    finally:
        os.umask(old)


def test_killed_writers_temporaries_are_cleaned_by_the_next_write(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(dead.stdout)  # a process that has exited
    stale = tmp_path / f".ck.npz.{pid}.abcd1234.tmp"
    mine = tmp_path / f".ck.npz.{os.getpid()}.abcd1234.tmp"  # a live writer's: kept
    other = tmp_path / f".other.npz.{pid}.abcd1234.tmp"  # another path's: not touched
    for p in (stale, mine, other):
        p.write_bytes(b"partial")
    atomic_write_bytes(tmp_path / "ck.npz", b"data")
    assert not stale.exists() and mine.exists() and other.exists()
    assert clean_leftovers(tmp_path / "other.npz") == [other]


def test_a_second_writer_of_one_checkpoint_is_refused(tmp_path, capsys):
    path = tmp_path / "same.npz"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys, time
            from jaxnn._util import FileLock
            with FileLock({str(path)!r}):
                print("locked", flush=True)
                sys.stdin.readline()
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert main(["train", *QUICK, "--save", str(path)]) == 2
        error = _error(capsys)
        assert (
            f"checkpoint {path} is being written by another jaxnn run (pid {holder.pid})" in error
        )
        assert not path.exists()
        with pytest.raises(FileExistsError):
            with FileLock(path):
                pass
    finally:
        holder.communicate("\n", timeout=60)
    with FileLock(path):  # released when the holder exits (a kill releases it too)
        pass
    assert not (tmp_path / ".same.npz.lock").exists()


def test_save_every_writes_during_the_run(tmp_path):
    path = tmp_path / "ck.npz"
    seen = []

    def on_epoch(row):
        if path.exists():
            seen.append(
                (
                    row["epoch"],
                    int(
                        jaxnn.training._checkpoint.read_checkpoint_metadata(path)["history"][
                            "epoch"
                        ][-1]
                    ),
                )
            )

    result = jaxnn.fit(
        "xor", hidden_sizes=(4,), epochs=6, save=path, save_every=2, on_epoch=on_epoch
    )
    # after epoch e the file holds the last multiple of 2 below e
    assert seen == [(3, 2), (4, 2), (5, 4), (6, 4)]
    assert jaxnn.load_checkpoint(path, result.config).state.epoch == 6
    with pytest.raises(ValueError, match="save_every needs save"):
        jaxnn.fit("xor", epochs=1, save_every=1)


def test_demo_never_deletes_what_it_did_not_write(tmp_path, capsys):
    exps = fake_experiments(tmp_path)
    project = tmp_path / "my_project"
    project.mkdir()
    (project / "thesis.tex").write_text("my thesis")
    (project / "data.csv").write_text("1,2")
    assert main(["demo", "--out", str(project), "--experiments", exps]) == 2
    assert "holds files jaxnn did not write (data.csv, thesis.tex)" in _error(capsys)
    assert sorted(p.name for p in project.iterdir()) == ["data.csv", "thesis.tex"]
    # --force writes the report beside them, twice, and keeps them
    for _ in range(2):
        assert main(["demo", "--out", str(project), "--experiments", exps, "--force"]) == 0
    names = sorted(p.name for p in project.iterdir())
    assert names == [".jaxnn-report.json", "REPORT.md", "a.png", "data.csv", "thesis.tex"]
    assert (project / "thesis.tex").read_text() == "my thesis"
    capsys.readouterr()
    clash = tmp_path / "c"
    clash.mkdir()
    (clash / "REPORT.md").write_text("mine")
    assert main(["demo", "--out", str(clash), "--experiments", exps, "--force"]) == 2
    assert "REPORT.md would be overwritten" in _error(capsys)


def test_demo_replaces_its_own_report_and_leaves_nothing_hidden(tmp_path):
    exps = fake_experiments(tmp_path)
    out = tmp_path / "results"
    for _ in range(2):
        assert main(["demo", "--out", str(out), "--experiments", exps]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exps", "results"]
    assert json.loads((out / ".jaxnn-report.json").read_text())["files"] == ["REPORT.md", "a.png"]
    assert out.stat().st_mode & 0o777 == 0o777 & ~_umask()


def test_a_report_of_an_earlier_version_is_replaced(tmp_path):
    exps = fake_experiments(tmp_path)
    out = tmp_path / "results"
    out.mkdir()
    (out / "REPORT.md").write_text("# jaxnn: the lecture notes, reproduced\n\n![b.png](b.png)\n")
    (out / "b.png").write_bytes(b"old")
    assert main(["demo", "--out", str(out), "--experiments", exps]) == 0
    assert sorted(p.name for p in out.iterdir()) == [".jaxnn-report.json", "REPORT.md", "a.png"]


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_report_set_aside_by_a_killed_swap_is_put_back(tmp_path):
    exps = fake_experiments(tmp_path)
    out = tmp_path / "results"
    assert main(["demo", "--out", str(out), "--experiments", exps]) == 0
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    aside = tmp_path / f".results.{int(dead.stdout)}.0000.old"
    out.rename(aside)  # what a kill between the two renames of a non-atomic swap leaves
    (tmp_path / f".results.{int(dead.stdout)}.1111.tmp").mkdir()  # and a killed run's build
    assert main(["demo", "--out", str(out), "--experiments", exps]) == 0
    assert (out / "REPORT.md").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exps", "results"]


def test_json_holds_numbers_of_numpy_types(tmp_path):
    write_json(tmp_path / "x.json", {"a": np.float32(0.5), "b": np.arange(2)})
    assert json.loads((tmp_path / "x.json").read_text()) == {"a": 0.5, "b": [0, 1]}

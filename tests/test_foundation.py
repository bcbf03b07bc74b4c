"""The package's scaffolding: public API, CLI framework, atomic writes, the demo's report swap."""

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import jaxnn
from experiments._common import Result
from jaxnn import _report, _validation
from jaxnn._util import atomic_write_bytes, write_json
from jaxnn._cli import main
from jaxnn._util import markdown_table


def test_every_public_name_imports():
    assert len(jaxnn.__all__) == len(set(jaxnn.__all__))
    for name in jaxnn.__all__:
        assert getattr(jaxnn, name) is not None, name


def test_python_dash_m_jaxnn_help():
    out = subprocess.run(
        [sys.executable, "-m", "jaxnn", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("demo", "experiment"):
        assert command in out.stdout


def test_unknown_subcommand_exits_2_with_one_line(capsys):
    assert main(["no-such-command"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("jaxnn: error:")


def test_experiment_list_writes_json(tmp_path, capsys):
    path = tmp_path / "list.json"
    assert main(["experiment", "--list", "--json", str(path)]) == 0
    listed = json.loads(path.read_text())["experiments"]
    from experiments import registry

    assert [e["name"] for e in listed] == list(registry())


def test_unknown_experiment_exits_2(capsys):
    assert main(["experiment", "no_such_experiment"]) == 2
    assert "no_such_experiment" in capsys.readouterr().err


def test_atomic_write_replaces_and_leaves_no_temp(tmp_path):
    path = tmp_path / "a" / "f.json"
    write_json(path, {"x": np.arange(3)})
    assert json.loads(path.read_text()) == {"x": [0, 1, 2]}
    atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"new"
    assert os.listdir(path.parent) == ["f.json"]


def test_atomic_write_failure_keeps_old_file(tmp_path):
    path = tmp_path / "f.json"
    write_json(path, {"old": 1})
    with pytest.raises(TypeError):
        write_json(path, {"bad": object()})
    assert json.loads(path.read_text()) == {"old": 1}
    assert os.listdir(tmp_path) == ["f.json"]


def test_markdown_table_aligns():
    table = markdown_table(["a", "bb"], [[1, 0.5], ["long", True]])
    lines = table.splitlines()
    assert len({len(line) for line in lines}) == 1
    assert "yes" in lines[3] and "0.5" in lines[2]


@pytest.mark.parametrize(
    "fn, args, error, match",
    [
        (_validation.check_matrix, ("x", np.zeros(3)), ValueError, r"2-D.*\(3,\)"),
        (_validation.check_matrix, ("x", np.zeros((0, 2))), ValueError, r"\(0, 2\)"),
        (_validation.check_matrix, ("x", np.array([["a"]])), TypeError, "real numeric"),
        (_validation.check_matrix, ("x", np.zeros((2, 2), complex)), TypeError, "complex"),
        (
            _validation.check_same_length,
            ("X", np.zeros((64, 2)), "y", np.zeros(63)),
            ValueError,
            "X has 64 samples, y has 63",
        ),
        (_validation.check_finite, ("x", np.array([1.0, np.nan])), ValueError, "NaN"),
        (_validation.check_binary, ("x", np.array([0, 1, 2])), ValueError, r"binary.*\[2\]"),
        (_validation.check_labels, ("y", np.array([0, 3, -1]), 3), ValueError, r"\[-1, 3\]"),
        (_validation.check_positive, ("learning_rate", float("nan")), ValueError, "learning_rate"),
        (_validation.check_positive, ("learning_rate", 0.0), ValueError, "> 0"),
    ],
)
def test_validation_errors_name_the_problem(fn, args, error, match):
    with pytest.raises(error, match=match):
        fn(*args)


def test_check_matrix_names_feature_counts():
    with pytest.raises(ValueError, match="3 features, expected 4"):
        _validation.check_matrix("x", np.zeros((2, 3)), features=4)


def test_validation_accepts_good_input():
    _validation.check_matrix("x", np.zeros((2, 3)), features=3)
    _validation.check_binary("x", np.array([[0, 1], [1, 1]]))
    _validation.check_labels("y", np.array([0, 2]), 3)
    _validation.check_positive("w_d", 0.0, allow_zero=True)


def _fake_module(title, run):
    return SimpleNamespace(TITLE=title, SECTION="9.9", ORDER=9.9, run=run)


def _ok_run(out, *, seed=0):
    from experiments._common import plt, save_figure

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, seed])
    return Result(claim="c", table="| a |\n|---|\n| 1 |", figures=[save_figure(fig, out, "f.png")])


def _failing_run(out, *, seed=0):
    raise RuntimeError("boom")


def test_demo_replaces_output_only_when_finished(tmp_path, monkeypatch):
    out = tmp_path / "results"
    monkeypatch.setattr("experiments.registry", lambda: {"ok": _fake_module("OK", _ok_run)})
    _report.run_experiments(None, out, log=lambda s: None)
    report = (out / "REPORT.md").read_text()
    assert "![f.png](f.png)" in report and (out / "f.png").is_file()
    (out / "mine.txt").write_text("user file")

    monkeypatch.setattr(
        "experiments.registry",
        lambda: {"ok": _fake_module("OK", _ok_run), "bad": _fake_module("Bad", _failing_run)},
    )
    with pytest.raises(RuntimeError, match="boom"):
        _report.run_experiments(None, out, log=lambda s: None)
    assert (out / "REPORT.md").read_text() == report  # the previous report is intact
    assert (out / "mine.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]  # no temporary left


def test_report_refuses_missing_figures(tmp_path, monkeypatch):
    def run(out, *, seed=0):
        return Result(claim="c", table="", figures=["missing.png"])

    monkeypatch.setattr("experiments.registry", lambda: {"x": _fake_module("X", run)})
    with pytest.raises(RuntimeError, match="missing.png"):
        _report.run_experiments(None, tmp_path / "r", log=lambda s: None)
    assert not (tmp_path / "r").exists()


def test_report_unknown_experiment(tmp_path):
    with pytest.raises(ValueError, match="unknown experiment"):
        _report.run_experiments(["nope"], Path(tmp_path / "r"))

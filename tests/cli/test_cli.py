"""The CLI framework: subcommands, one-line errors with exit 2, and the demo's report swap."""

import json
import runpy
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from jaxnn._cli import _report, main


def test_python_dash_m_jaxnn_help(monkeypatch, capsys):
    # jaxnn/__main__.py as ``python -m jaxnn --help`` runs it, in this process
    monkeypatch.setattr(sys, "argv", ["jaxnn", "--help"])
    with pytest.raises(SystemExit) as done:
        runpy.run_module("jaxnn", run_name="__main__", alter_sys=True)
    assert done.value.code == 0
    out = capsys.readouterr().out
    for command in ("demo", "experiment"):
        assert command in out


def test_unknown_subcommand_exits_2_with_one_line(capsys):
    assert main(["no-such-command"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("jaxnn: error:")


def test_experiment_list_writes_json(tmp_path, capsys):
    path = tmp_path / "list.json"
    assert main(["experiment", "--list", "--json", str(path)]) == 0
    listed = json.loads(path.read_text())["experiments"]
    assert [e["name"] for e in listed] == list(_report.find_experiments())
    assert "digits_training" in [e["name"] for e in listed]


def test_unknown_experiment_exits_2(capsys):
    assert main(["experiment", "no_such_experiment"]) == 2
    assert "no_such_experiment" in capsys.readouterr().err


def test_experiments_are_not_a_package_of_the_install():
    # jaxnn loads them by path under a private name; nothing called "experiments" is imported
    code = (
        "import sys, jaxnn; from jaxnn._cli._report import find_experiments; "
        "m = find_experiments(); assert 'experiments' not in sys.modules, 'imported'; "
        "print(len(m))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) >= 10


def test_missing_experiments_folder_is_one_line(tmp_path, capsys):
    assert main(["experiment", "--list", "--experiments", str(tmp_path / "none")]) == 2
    assert "no experiments package there" in capsys.readouterr().err


def _result(figures, held=True):
    return SimpleNamespace(
        claim="c",
        table="| a |\n|---|\n| 1 |",
        figures=figures,
        held=held,
        verdict="v",
        summary=f"{'Held' if held else 'FAILED'}: v",
        data={},
    )


def _fake_module(title, run):
    return SimpleNamespace(TITLE=title, SECTION="9.9", ORDER=9.9, run=run)


def _ok_run(out, *, seed=0):
    out.mkdir(parents=True, exist_ok=True)
    (out / "f.png").write_bytes(b"\x89PNG fake")
    return _result(["f.png"])


def _failing_run(out, *, seed=0):
    raise RuntimeError("boom")


def _use(monkeypatch, modules):
    monkeypatch.setattr(_report, "find_experiments", lambda directory=None: modules)


def test_demo_replaces_output_only_when_finished(tmp_path, monkeypatch):
    out = tmp_path / "results"
    _use(monkeypatch, {"ok": _fake_module("OK", _ok_run)})
    records = _report.run_experiments(None, out, log=lambda s: None)
    assert records[0]["held"] is True and records[0]["verdict"] == "Held: v"
    report = (out / "REPORT.md").read_text()
    assert "![f.png](f.png)" in report and (out / "f.png").is_file()
    assert " cores" in report.split("\n\n")[1]  # the machine it ran on, beside the seconds

    _use(monkeypatch, {"ok": _fake_module("OK", _ok_run), "bad": _fake_module("Bad", _failing_run)})
    with pytest.raises(RuntimeError, match="boom"):
        _report.run_experiments(None, out, log=lambda s: None)
    assert (out / "REPORT.md").read_text() == report  # the previous report is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]  # no temporary left


def test_report_refuses_missing_figures(tmp_path, monkeypatch):
    _use(monkeypatch, {"x": _fake_module("X", lambda out, *, seed=0: _result(["missing.png"]))})
    with pytest.raises(RuntimeError, match="missing.png"):
        _report.run_experiments(None, tmp_path / "r", log=lambda s: None)
    assert not (tmp_path / "r").exists()


def test_report_unknown_experiment(tmp_path):
    with pytest.raises(ValueError, match="unknown experiment"):
        _report.run_experiments(["nope"], Path(tmp_path / "r"))

"""The threshold-unit subcommands: ``jaxnn boolean`` and ``jaxnn perceptron``."""

import json

import pytest

from jaxnn._cli import main


def test_boolean_json(tmp_path, capsys):
    path = tmp_path / "b.json"
    assert main(["boolean", "--n", "2", "--json", str(path)]) == 0
    assert "mp_representable" in capsys.readouterr().out
    data = json.loads(path.read_text())
    assert set(data) == {"results", "detail"}
    keys = {"n", "functions", "separable", "mp_representable", "network_exact", "seconds"}
    assert [set(r) for r in data["results"]] == [keys, keys]
    counts = [
        (r["n"], r["functions"], r["separable"], r["mp_representable"], r["network_exact"])
        for r in data["results"]
    ]
    assert counts == [(1, 4, 4, 4, 4), (2, 16, 14, 9, 16)]
    detail = data["detail"]
    assert set(detail) == {"inputs", "functions"}
    assert detail["inputs"] == [[0, 0], [1, 0], [0, 1], [1, 1]]
    functions = detail["functions"]
    assert len(functions) == 16
    assert functions[1]["outputs"] == [0, 0, 0, 1] and functions[1]["separable"] is True
    assert functions[6] == {"outputs": [0, 1, 1, 0], "separable": False}  # XOR: no w, b
    for f in functions:
        if f["separable"]:
            assert set(f) == {"outputs", "separable", "w", "b"} and len(f["w"]) == 2
            for x, y in zip(detail["inputs"], f["outputs"]):
                assert (sum(w * v for w, v in zip(f["w"], x)) + f["b"] >= 0) == (y == 1)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["boolean", "--n", "5"], "--n must be between 1 and 4, got 5"),
        (["boolean", "--n", "0"], "--n must be between 1 and 4, got 0"),
        (["boolean", "--n", "two"], "invalid int value"),
        (["perceptron", "--margin", "1.5"], "--margin must be in (0, 1)"),
        (["perceptron", "--datasets", "0"], "--datasets must be between 1 and 2147483647"),
        (["perceptron", "--algorithm", "pocket"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("jaxnn: error:") and message in err[0]


def test_perceptron_json(tmp_path, capsys):
    path = tmp_path / "p.json"
    argv = ["perceptron", "--datasets", "3", "--dim", "3", "--points", "40", "--json", str(path)]
    assert main(argv) == 0
    assert "within bound" in capsys.readouterr().out
    data = json.loads(path.read_text())
    assert data["config"]["dim"] == 3 and len(data["runs"]) == 3
    assert data["within_bound"] == 3 and data["converged"] == 3
    assert all(r["corrections"] <= r["bound"] for r in data["runs"])

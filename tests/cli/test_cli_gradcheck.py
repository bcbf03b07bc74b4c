"""``jaxnn gradcheck``: the per-layer table, --json, flags, and bad input exiting 2 in one line."""

import json

import pytest

from jaxnn._cli import main


def test_table_and_json(tmp_path, capsys):
    path = tmp_path / "gc.json"
    args = ["--sizes", "6,5,3", "-a", "tanh", "-l", "cross_entropy", "--json", str(path)]
    assert main(["gradcheck", *args]) == 0
    out = capsys.readouterr().out
    assert "sizes 6,5,3, activation tanh, output softmax, loss cross_entropy, batch 8" in out
    assert "| layer | W shape | vs jax.grad: max abs" in out
    assert "| 1     | 5x6     |" in out and "| 2     | 3x5     |" in out
    assert "PASS: every layer is within relative error" in out
    data = json.loads(path.read_text())
    assert data["passed"] is True and data["sizes"] == [6, 5, 3]
    assert [layer["shape"] for layer in data["layers"]] == [[5, 6], [3, 5]]
    assert all(layer["autodiff_max_rel"] < 1e-12 for layer in data["layers"])
    assert [layer["fd_entries"] for layer in data["layers"]] == [5 * 6 + 5, 3 * 5 + 3]


@pytest.mark.parametrize(
    "flags,expect",
    [
        (["-l", "mse"], "output linear, loss mse"),
        (["--loss", "binary_cross_entropy"], "output sigmoid, loss binary_cross_entropy"),
        (["-l", "mse", "-o", "softmax"], "output softmax, loss mse"),
        (["--loss", "squared_error", "--output", "sigmoid"], "output sigmoid, loss mse"),
        (["--activation", "relu", "--batch", "3", "--seed", "4"], "relu, output softmax"),
    ],
)
def test_flags(flags, expect, tmp_path, capsys):
    path = tmp_path / "gc.json"
    assert main(["gradcheck", "--sizes", "4,3,2", *flags, "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert expect in out and "PASS" in out
    assert json.loads(path.read_text())["passed"] is True


def test_batch_and_seed_reach_the_check(tmp_path, capsys):
    path = tmp_path / "gc.json"
    main(["gradcheck", "--sizes", "4,3,2", "--batch", "3", "--seed", "4", "--json", str(path)])
    data = json.loads(path.read_text())
    assert data["batch"] == 3 and data["seed"] == 4
    main(["gradcheck", "--sizes", "4,3,2", "--max-fd-entries", "5", "--json", str(path)])
    assert [layer["fd_entries"] for layer in json.loads(path.read_text())["layers"]] == [5, 5]


@pytest.mark.parametrize(
    "args,message",
    [
        (["--sizes", "64,0,10"], "every layer size must be positive, got sizes (64, 0, 10)"),
        (["--sizes", "64,-3"], "every layer size must be positive"),
        (["--sizes", "64,x,10"], "--sizes must be comma-separated integers"),
        (["--sizes", "7"], "--sizes needs at least an input and an output width"),
        (["-a", "swish"], "unknown activation 'swish'; valid: identity, sigmoid, tanh, relu"),
        (["-l", "hinge"], "unknown loss 'hinge'; valid: cross_entropy, mse"),
        (["-o", "tanh", "-l", "mse"], "unknown output 'tanh'; valid: linear, softmax, sigmoid"),
        (["-l", "cross_entropy", "-o", "linear"], "'cross_entropy' needs output softmax"),
        (["--batch", "0"], "--batch must be at least 1, got 0"),
        (["--batch", "two"], "argument --batch: invalid int value"),
        (["--max-fd-entries", "0"], "--max-fd-entries must be at least 1"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, message, capsys):
    assert main(["gradcheck", *args]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.count("\n") == 0 and err.startswith("jaxnn: error:")
    assert message in err
    assert "Traceback" not in captured.err


def test_help_lists_the_subcommand(capsys):
    with pytest.raises(SystemExit):
        main(["gradcheck", "--help"])
    out = capsys.readouterr().out
    assert "--sizes" in out and "-a ACTIVATION" in out and "-o OUTPUT" in out

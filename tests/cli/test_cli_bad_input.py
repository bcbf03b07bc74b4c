"""Bad command lines: one line naming the flag and the value, exit 2, no traceback."""

import pytest

from jaxnn._cli import main


@pytest.mark.parametrize(
    "argv, match",
    [
        (
            [
                "sweep",
                "--coordinator",
                "127.0.0.1:notaport",
                "--num-processes",
                "1",
                "--process-id",
                "0",
            ],
            "coordinator must be HOST:PORT with a port in 1..65535",
        ),
        (
            ["sweep", "--coordinator", "host:0", "--num-processes", "1", "--process-id", "0"],
            "coordinator must be HOST:PORT",
        ),
        (["train", "--seed", "-1"], "--seed must be between 0 and 2147483647, got -1"),
        (["train", "--seed", str(2**63)], "--seed must be between 0 and 2147483647"),
        (["sweep", "--seed", f"0,{2**64}"], "--seed must be between 0 and 2147483647"),
        (["perceptron", "--seed", str(2**63)], "--seed must be between 0 and 2147483647"),
        (["gradcheck", "--seed", "-5"], "--seed must be between 0 and 2147483647, got -5"),
        (["perceptron", "--max-steps", "2147483648"], "--max-steps must be between 1 and"),
        (["train", "--save-every", "2"], "--save-every needs --save PATH"),
        (["train", "-a", "swish"], "-a/--activation: unknown value 'swish'"),
        (["train", "-lr", "nan"], "-lr/--learning_rate must be > 0, got nan"),
    ],
)
def test_one_line_naming_the_flag(argv, match, capsys):
    assert main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and match in lines[0], lines


def test_resume_of_random_bytes_never_suggests_unsafe_loading(tmp_path, capsys):
    for name, data in (("rand.npz", bytes(range(256)) * 4), ("zip.npz", b"PK\x03\x04junk")):
        path = tmp_path / name
        path.write_bytes(data)
        assert main(["train", "-d", "xor", "-e", "1", "--quiet", "--resume", str(path)]) == 2
        line = capsys.readouterr().err.strip()
        assert f"{path}: not a jaxnn checkpoint" in line
        assert "pickle" not in line and "allow" not in line

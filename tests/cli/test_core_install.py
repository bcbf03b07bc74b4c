"""The core commands work with the core install alone (jax, jaxlib, optax, numpy; no extras).

The venv is ``$JAXNN_CORE_VENV`` (CI builds it once), else ``.venv-core`` in the checkout, built
here on first use with ``pip install -e .`` (no extras). A missing extra turns off one feature with
one line naming the extra, or, where the command cannot do without it, exits 2 with that line.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def core_python():
    venv = Path(os.environ.get("JAXNN_CORE_VENV") or ROOT / ".venv-core")
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-e", str(ROOT)], check=True
        )
    probe = subprocess.run(
        [
            str(python),
            "-c",
            "import jaxnn, importlib.util as u; "
            "print([m for m in ('matplotlib', 'sklearn', 'tqdm', 'yaml', 'wandb', 'optuna', "
            "'mnist1d') if u.find_spec(m)])",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "[]", f"the core venv has extras: {probe.stdout}"
    return str(python)


def _jaxnn(python, *argv, cwd):
    return subprocess.run(
        [python, "-m", "jaxnn", *argv], capture_output=True, text=True, cwd=cwd, timeout=600
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "-d", "xor", "-e", "2", "-sz", "8"],
        ["train", "-e", "1", "-sz", "8"],  # digits ships in jaxnn: no scikit-learn needed
        ["train", "-d", "diabetes", "-e", "1", "-sz", "8", "-l", "mean_squared_error"],
        ["sweep", "-d", "xor", "-e", "2", "-sz", "8", "-lr", "1e-3,1e-2"],
        ["boolean", "--n", "3"],
        ["perceptron", "--datasets", "2", "--points", "20"],
        ["gradcheck", "--sizes", "4,3,2"],
    ],
    ids=lambda a: "-".join(a[:3]),
)
def test_core_command_runs_without_extras(core_python, argv, tmp_path):
    done = _jaxnn(core_python, *argv, "--json", "out.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "out.json").is_file()
    assert "Traceback" not in done.stderr
    notices = [line for line in done.stderr.splitlines() if "jaxnn[" in line]
    for line in notices:  # each turned-off feature says so once, naming its extra
        assert line.startswith("jaxnn: ") and line.endswith("(turned off)"), line
    assert len(notices) == len(set(notices))
    if argv[0] in ("train", "sweep"):
        bar = 'jaxnn: the progress bar needs tqdm: pip install "jaxnn[demo]" (turned off)'
        assert notices == [bar]


@pytest.mark.parametrize(
    "argv, needs, extra",
    [
        (["train", "-d", "xor", "-e", "1", "--out", "figs"], "matplotlib", "demo"),
        (["train", "-d", "mnist1d", "-e", "1"], "mnist1d", "mnist1d"),
    ],
)
def test_a_feature_that_needs_an_extra_exits_2_naming_it(core_python, argv, needs, extra, tmp_path):
    done = _jaxnn(core_python, *argv, "--quiet", cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and needs in lines[0] and f"jaxnn[{extra}]" in lines[0], lines
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_logging_and_config_sweeps_without_their_extras(core_python, tmp_path):
    # -wp without wandb: the run goes on, one line naming the extra
    done = _jaxnn(
        core_python,
        "train",
        "-d",
        "xor",
        "-e",
        "2",
        "-sz",
        "8",
        "-wp",
        "p",
        "--quiet",
        "--log",
        "log.jsonl",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr.strip().splitlines() == [
        'jaxnn: logging to wandb (-wp/-we) needs wandb: pip install "jaxnn[wandb]" (turned off)'
    ]
    assert len((tmp_path / "log.jsonl").read_text().splitlines()) == 2
    # a JSON config needs no extra for grid and random; YAML and bayes name the search extra
    (tmp_path / "grid.json").write_text(
        '{"method": "grid", "parameters": {"learning_rate": {"values": [1e-3, 1e-2]}}}'
    )
    done = _jaxnn(
        core_python,
        "sweep",
        "--config",
        "grid.json",
        "-d",
        "xor",
        "-e",
        "2",
        "-sz",
        "8",
        "--quiet",
        "--json",
        "out.json",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (tmp_path / "s.yaml").write_text("method: grid\n")
    (tmp_path / "b.json").write_text('{"method": "bayes", "metric": {"name": "val_loss"}}')
    for config, feature in (
        ("s.yaml", "reading the YAML sweep config s.yaml"),
        ("b.json", "method: bayes"),
    ):
        done = _jaxnn(core_python, "sweep", "--config", config, "-d", "xor", cwd=tmp_path)
        assert done.returncode == 2
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"jaxnn: error: {feature} needs "), lines
        assert lines[0].endswith('pip install "jaxnn[search]"')

"""Shared by several test modules (importable because pytest puts tests/ on sys.path)."""

# Every (output, loss) pair the notes use; written out here, not taken from jaxnn, so that a pair
# jaxnn dropped would fail the tests.
PAIRS = [
    ("softmax", "cross_entropy"),
    ("sigmoid", "binary_cross_entropy"),
    ("linear", "mse"),
    ("softmax", "mse"),
    ("sigmoid", "mse"),
]


def fake_experiments(root, figures: int = 1, pause: float = 0.0) -> str:
    """Writes an experiments folder of one fake experiment under ``root`` (for ``jaxnn demo
    --experiments``): it writes ``figures`` PNG files, pausing ``pause`` seconds after each."""
    import textwrap

    folder = root / "exps"
    folder.mkdir()
    (folder / "__init__.py").write_text('"""Fake experiments."""\n')
    (folder / "fake.py").write_text(
        textwrap.dedent(f"""
        import time
        from types import SimpleNamespace
        TITLE, SECTION, ORDER = "fake", "0", 1
        def run(out, *, seed=0):
            names = ["a.png"] if {figures} == 1 else [f"f{{i}}.png" for i in range({figures})]
            for name in names:
                (out / name).write_bytes(b"png" * 1000)
                time.sleep({pause})
            return SimpleNamespace(claim="c", table="t", figures=names, held=True,
                                   verdict="v", summary="Held: v", data={{}})
        """)
    )
    return str(folder)


def cli_json(tmp_path, *argv, name: str = "out.json") -> dict:
    """Runs ``jaxnn ARGV --json tmp_path/NAME`` in this process, asserts exit 0 and returns the
    JSON it wrote."""
    import json

    from jaxnn._cli import main

    path = tmp_path / name
    assert main([*argv, "--json", str(path)]) == 0
    return json.loads(path.read_text())


def run_python(code: str, cwd):
    """Runs ``code`` (dedented) in a fresh Python process with this checkout's jaxnn importable;
    returns the `subprocess.CompletedProcess` (stdout and stderr as text)."""
    import os
    import subprocess
    import sys
    import textwrap
    from pathlib import Path

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )

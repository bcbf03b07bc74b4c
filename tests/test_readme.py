"""Every Python example in the README runs, and prints what the README shows after it."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
# A python block, optionally followed by a plain block holding its printed output.
BLOCK = re.compile(r"```python\n(.*?)```\n(?:\s*\n)*(?:```\n(.*?)```)?", re.S)
EXAMPLES = BLOCK.findall(README.read_text())
TIMING = re.compile(r"samples/s|compile|seconds")


def _without_timings(text: str) -> list[str]:
    """The printed lines, less those reporting speed (they differ from run to run)."""
    return [line.rstrip() for line in text.strip().splitlines() if not TIMING.search(line)]


def test_readme_has_examples():
    assert len(EXAMPLES) >= 5


@pytest.mark.slow
@pytest.mark.parametrize("code, shown", EXAMPLES, ids=[f"example{i}" for i in range(len(EXAMPLES))])
def test_readme_example_runs_and_prints_what_is_shown(code, shown, tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    if shown:
        assert _without_timings(result.stdout) == _without_timings(shown)

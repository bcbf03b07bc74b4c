"""The README: every Python example runs and prints what the README shows after it (words and
integers exactly, other numbers to a stated tolerance); its flags table is the settings table's."""

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from jaxnn._cli._train_args import flags_table

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text()
# A python block, optionally followed by a plain block holding its printed output.
BLOCK = re.compile(r"```python\n(.*?)```\n(?:\s*\n)*(?:```\n(.*?)```)?", re.S)
EXAMPLES = BLOCK.findall(TEXT)
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
RTOL = 1e-3  # float results differ in their last digits between CPUs (XLA picks other kernels)
ATOL = 1e-6


def _is_integer(token: str) -> bool:
    return re.fullmatch(r"[-+]?\d+", token) is not None


def same_output(shown: str, got: str) -> bool:
    """Whether two printed lines agree: the same words and integers, floats within RTOL/ATOL."""
    if NUMBER.split(shown) != NUMBER.split(got):
        return False
    for a, b in zip(NUMBER.findall(shown), NUMBER.findall(got)):
        if _is_integer(a) and _is_integer(b):
            if a != b:
                return False
        elif not math.isclose(float(a), float(b), rel_tol=RTOL, abs_tol=ATOL):
            return False
    return True


def test_comparison_is_tolerant_of_last_digits_only():
    assert same_output("1.4268167 0.035983846", "1.4268166 0.035983842")
    assert not same_output("0.8680556", "0.7777778")  # a chaotic accuracy would fail
    assert not same_output("1882 of 65536", "1881 of 65536")  # integers exactly
    assert not same_output("(8, 3) True", "(8, 3) False")
    assert same_output("[-1  1  1 -1]", "[-1  1  1 -1]")


def test_readme_has_examples():
    assert len(EXAMPLES) >= 8


@pytest.mark.slow
@pytest.mark.parametrize("code, shown", EXAMPLES, ids=[f"example{i}" for i in range(len(EXAMPLES))])
def test_readme_example_runs_and_prints_what_is_shown(code, shown, tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=600
    )
    assert result.returncode == 0, result.stderr[-2000:]
    if shown:
        got = [line.rstrip() for line in result.stdout.strip().splitlines()]
        want = [line.rstrip() for line in shown.strip().splitlines()]
        assert len(got) == len(want), result.stdout
        for g, w in zip(got, want):
            assert same_output(w, g), f"README shows {w!r}, the example printed {g!r}"


def test_flags_table_is_generated_from_the_settings_table():
    shown = TEXT.split("<!-- flags -->\n", 1)[1].split("<!-- /flags -->", 1)[0].strip()
    assert shown == flags_table(), "paste jaxnn._cli._train_args.flags_table() into the README"


def test_quickstart_is_two_commands():
    quick = TEXT.split("## Quickstart", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in quick.strip().splitlines()] == [
        "make demo",
        "make test",
    ]

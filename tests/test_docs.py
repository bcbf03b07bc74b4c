"""The documentation: every Python example of the README and of docs/ runs and prints what the
page shows after it (words and integers exactly, other numbers to a stated tolerance); the
generated parts of the pages match the code; every public name is in the API reference."""

import importlib
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from docs import _generate

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# The README first, then the site's pages in a fixed order: the examples run in this order.
PAGES = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
# A python block, optionally followed by a plain block holding its printed output.
BLOCK = re.compile(r"```python\n(.*?)```\n(?:\s*\n)*(?:```\n(.*?)```)?", re.S)
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
RTOL = 1e-3  # float results differ in their last digits between CPUs (XLA picks other kernels)
ATOL = 1e-6


def examples(page: Path) -> list[tuple[str, str]]:
    """The page's (code, shown output) pairs; the output is "" where the page shows none."""
    return BLOCK.findall(page.read_text())


EXAMPLES = {p.relative_to(ROOT).as_posix(): examples(p) for p in PAGES if examples(p)}

# Runs every example in one process, in page order, each in a fresh namespace (as a reader who
# pastes it would), and reports each one's output or its traceback. One process shares the
# import of jax and every program the examples compile.
RUNNER = r"""
import contextlib, io, json, sys, traceback
examples = json.load(sys.stdin)
results = []
for code in examples:
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "<example>", "exec"), {"__name__": "__main__"})
        results.append({"out": out.getvalue(), "error": None})
    except BaseException:
        results.append({"out": out.getvalue(), "error": traceback.format_exc()[-3000:]})
print("\n@@RESULTS@@" + json.dumps(results))
"""


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


def test_pages_have_examples():
    assert len(EXAMPLES["README.md"]) == 3  # the notes' functions, a jitted run, a sweep
    assert sum(map(len, EXAMPLES.values())) >= 12
    for chapter in ("threshold-units", "sigmoid-neurons", "feedforward"):
        assert EXAMPLES[f"docs/{chapter}.md"], chapter


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> dict[str, list[dict]]:
    """Every page's examples run once, in one process: page -> one result per example."""
    order = [(page, code) for page, pairs in EXAMPLES.items() for code, _ in pairs]
    result = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps([code for _, code in order]),
        capture_output=True,
        text=True,
        cwd=tmp_path_factory.mktemp("examples"),
        timeout=1200,
    )
    assert result.returncode == 0 and "@@RESULTS@@" in result.stdout, result.stderr[-3000:]
    outputs = json.loads(result.stdout.rsplit("@@RESULTS@@", 1)[1])
    by_page: dict[str, list[dict]] = {page: [] for page in EXAMPLES}
    for (page, _), out in zip(order, outputs):
        by_page[page].append(out)
    return by_page


@pytest.mark.slow
@pytest.mark.parametrize("page", list(EXAMPLES))
def test_examples_run_and_print_what_is_shown(page, ran):
    for i, ((code, shown), result) in enumerate(zip(EXAMPLES[page], ran[page])):
        where = f"{page}, example {i + 1} ({code.strip().splitlines()[0]!r} ...)"
        assert result["error"] is None, f"{where} failed:\n{result['error']}"
        if shown:
            got = [line.rstrip() for line in result["out"].strip().splitlines()]
            want = [line.rstrip() for line in shown.strip().splitlines()]
            assert len(got) == len(want), f"{where} printed:\n{result['out']}"
            for g, w in zip(got, want):
                assert same_output(w, g), f"{where}: the page shows {w!r}, it printed {g!r}"


def test_generated_parts_match_the_code():
    assert _generate.stale_pages() == [], "run python -m docs._generate"


def test_flags_table_is_generated_from_the_settings_table():
    from jaxnn._cli._train_args import flags_table

    text = (DOCS / "cli.md").read_text()
    assert _generate.block(text, "flags") == flags_table()
    assert "--split" in _generate.block(text, "commands")  # every flag, not only train's


def _documented() -> set[str]:
    """Every name the API reference renders (a ``::: name`` line of docs/api/)."""
    names = set()
    for page in (DOCS / "api").glob("*.md"):
        names |= set(re.findall(r"^::: ([\w.]+)\s*$", page.read_text(), re.M))
    return names


@pytest.mark.parametrize("module", _generate.PUBLIC)
def test_every_public_name_is_in_the_api_reference(module):
    documented = _documented()
    mod = importlib.import_module(module)
    assert module in documented  # the namespace's own docstring
    missing = []
    for name in mod.__all__:
        full = f"{module}.{name}"
        if full in _generate.PUBLIC or full in documented:
            continue
        # a flat name is documented under the namespaced name it stands for
        home = _generate.namespaced_name(name) if module == "jaxnn" else None
        if home is None or home not in documented:
            missing.append(full)
    assert not missing, f"not in docs/api/: {missing}"


def test_the_flat_names_table_lists_every_flat_name():
    import jaxnn

    table = _generate.block((DOCS / "api" / "jaxnn.md").read_text(), "aliases")
    listed = re.findall(r"^\| `jaxnn\.(\w+)` \|", table, re.M)
    assert sorted(listed) == sorted(jaxnn.__all__)


def test_every_experiment_is_in_the_demo_table():
    table = (ROOT / "README.md").read_text().split("[start:demo]", 1)[1].split("[end:demo]")[0]
    listed = set(re.findall(r"`(\w+)`", table))
    experiments = {p.stem for p in (ROOT / "experiments").glob("[!_]*.py")}
    assert experiments <= listed, f"missing from the README's demo table: {experiments - listed}"


def test_readme_is_short_and_starts_people():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 250
    quick = text.split("## Quickstart", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in quick.strip().splitlines()] == [
        "make demo",
        "make test",
        "source .venv/bin/activate",
    ]


def test_readme_links_resolve():
    text = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    assert links
    for link in links:
        assert (ROOT / link).is_file(), link


def _commands() -> list[tuple[str, str]]:
    """Every ``jaxnn ...`` command line the pages show: ``$ jaxnn`` lines of transcripts and the
    lines of bash blocks (comments cut)."""
    found = []
    for page in PAGES:
        for lang, body in re.findall(r"```(\w*)\n(.*?)```", page.read_text(), re.S):
            for line in body.splitlines():
                if line.startswith("$ jaxnn "):
                    found.append((page.name, line[2:]))
                elif lang == "bash" and line.startswith("jaxnn "):
                    found.append((page.name, line.split("  #")[0].strip()))
    return found


def test_every_command_line_the_pages_show_parses():
    """The transcripts are not run (their figures are one machine's; tests/cli runs the
    commands), but every subcommand and flag they show must exist."""
    import shlex

    from jaxnn._cli import build_parser

    commands = _commands()
    assert len(commands) >= 10
    parser = build_parser()
    with pytest.raises(ValueError, match="unrecognized arguments"):  # the check can fail
        parser.parse_args(["train", "--learning-rat", "0.1"])
    for page, line in commands:
        try:
            parser.parse_args(shlex.split(line)[1:])
        except (SystemExit, ValueError) as e:
            raise AssertionError(f"{page}: {line!r} does not parse: {e}") from None

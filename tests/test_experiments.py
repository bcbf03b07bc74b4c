"""Every experiment of the report: its claim holds, its figures are PNGs, its table has rows.

The experiments are found as ``jaxnn demo`` finds them (the checkout's ``experiments/`` folder,
loaded under a private package name), and must use jaxnn's public API only.
"""

import re
import runpy
import sys
from pathlib import Path

import pytest

from jaxnn._cli._report import experiments_dir, find_experiments

EXPERIMENTS = find_experiments()
# the full runs that take longer than about five seconds on two cores: the slow tier (make
# test-all); the chapters' tests check the same functions on smaller problems
SLOW = {
    "backprop_check",
    "convergence_bound",
    "cross_entropy_vs_squared_error",
    "digits_training",
    "mnist1d_paper",
    "sweep",
    "universal_approximation",
    "xor_mlp",
    "xor_perceptron",
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FOLDER = experiments_dir()
SOURCES = sorted(FOLDER.glob("*.py"))


def test_every_module_of_the_folder_is_an_experiment_and_the_slow_ones_exist():
    expected = {p.stem for p in SOURCES if not p.name.startswith("_")}
    assert set(EXPERIMENTS) == expected
    assert SLOW <= set(EXPERIMENTS)


def _xor_mlp(result):
    cyclic = result.data["perceptron_cyclic"]
    assert cyclic["converged"] is False and cyclic["fewest_wrong"] >= 1
    starts = result.data["perceptron_random_starts"]
    assert starts["converged"] == 0
    assert starts["fewest_wrong"] == 1  # the best any line can do on XOR
    wide = result.data["mlp"]["2-4-2 tanh, softmax CE"]
    narrow = result.data["mlp"]["2-2-1 sigmoid, BCE"]
    assert wide["solved"] == 20  # every seed
    assert 0 < narrow["solved"] < 20  # two sigmoid units: some seeds get stuck
    for probs in (wide["shown_seed_p1"], narrow["shown_seed_p1"]):
        assert [round(p) for p in probs] == [0, 1, 1, 0]


def _universal_approximation(result):
    assert result.data["network_vs_formula_max_gap"] < 1e-5  # the network is the formula
    sin_errors = result.data["tower_max_error"]["sin(x) on [-pi, pi]"]
    assert sin_errors[-1] < 0.0135  # 256 towers: about 1/n


def _threshold_counts(result):
    assert result.data["counts"][6] == 15028134  # OEIS A000609


def _mnist1d_paper(result):
    means, accs = result.data["mean"], result.data["test_accuracy"]
    for name, paper in {"softmax regression": 0.32, "MLP": 0.68}.items():
        assert len(accs[name]) == 5 and len(set(accs[name])) > 1  # five vmapped seeds, differing
        assert abs(means[name] - paper) <= {"softmax regression": 0.03, "MLP": 0.04}[name]
    assert means["MLP"] > means["softmax regression"] + 0.25
    assert "32%" in result.table and "68%" in result.table and "residual" in result.verdict


def _convergence_bound(result):
    # each row pairs a run's corrections with that run's own bound, never two runs' figures
    for row in result.data["rows"]:
        most, delta, bound = row[3], row[4], row[5]
        assert most <= bound
        if row[0] == "w0 = 0":  # normalized points from 0: the bound is 1/delta^2
            assert bound == pytest.approx(1 / delta**2, rel=1e-4)
        corrections, its_bound = row[6].split(" / ")
        assert int(corrections) / float(its_bound) == pytest.approx(row[7], rel=1e-3)
        assert row[7] <= 1.0


def _sweep(result):
    # the course's space (question 4): 3-5 hidden layers of 32-128 units, 1e-3 or 1e-4, the six
    # optimizers, three activations, two inits
    members = result.data["course"]["members"]
    assert len(members) >= 24
    layers = {len(m["sizes"]) - 2 for m in members}
    widths = {w for m in members for w in m["sizes"][1:-1]}
    assert layers <= {3, 4, 5} and widths <= {32, 64, 128}
    assert {m["learning_rate"] for m in members} <= {1e-3, 1e-4}
    assert {m["optimizer"] for m in members} <= {
        "sgd",
        "momentum",
        "nag",
        "rmsprop",
        "adam",
        "nadam",
    }
    assert {m["activation"] for m in members} <= {"sigmoid", "tanh", "relu"}
    assert {m["weight_init"] for m in members} <= {"random", "xavier"}
    assert len({m["optimizer"] for m in members}) == 6  # the draw reaches every optimizer


# deeper checks of what some experiments measured, beyond their own verdict
CHECKS = {
    "convergence_bound": _convergence_bound,
    "sweep": _sweep,
    "xor_mlp": _xor_mlp,
    "universal_approximation": _universal_approximation,
    "threshold_counts": _threshold_counts,
    "mnist1d_paper": _mnist1d_paper,
}


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in EXPERIMENTS]
)
def test_experiment_claim_holds_with_figures_and_table(name, tmp_path):
    result = EXPERIMENTS[name].run(tmp_path, seed=0)
    assert result.held is True, result.summary
    assert result.summary == f"Held: {result.verdict}"
    assert not result.verdict.startswith(("Held", "FAILED", "held", "Did not")), result.verdict
    assert result.claim.strip()
    assert result.figures, f"{name} wrote no figure"
    for figure in result.figures:
        path = tmp_path / figure
        assert path.is_file(), f"{name} did not write {figure}"
        assert path.read_bytes()[:8] == PNG_SIGNATURE, f"{figure} is not a PNG"
    rows = [line for line in result.table.splitlines() if line.startswith("|")]
    assert len(rows) >= 3, f"{name}'s table has no data row:\n{result.table}"  # header, rule, row
    if name in CHECKS:
        CHECKS[name](result)


# jaxnn._x, jaxnn.x._y, from jaxnn._x / jaxnn.x._y import ..., from jaxnn import _x
PRIVATE = re.compile(r"\bjaxnn(\.\w+)*\._\w*|\bfrom\s+jaxnn(\.\w+)*\s+import\s+\(?\s*_\w+")
# siblings are imported relatively: jaxnn demo loads the folder under another package name
ABSOLUTE_SIBLING = re.compile(r"^\s*(from|import)\s+experiments\b", re.MULTILINE)


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_experiment_sources_use_public_api_and_relative_imports(path):
    text = path.read_text()
    private = [m.group(0) for m in PRIVATE.finditer(text)]
    assert not private, f"{path.name} uses private jaxnn names: {private}"
    assert not ABSOLUTE_SIBLING.search(text), f"{path.name} imports experiments absolutely"


def test_private_name_check_catches_what_it_must():
    for bad in (
        "from jaxnn._util import markdown_table",
        "from jaxnn.perceptrons._boolean import separable_by_lp",
        "import jaxnn._plots",
        "x = jaxnn.sigmoid._towers.tower",
        "from jaxnn import _secret",
    ):
        assert PRIVATE.search(bad), bad
    for good in ("from jaxnn import markdown_table", "jaxnn.perceptrons.separable_by_lp(x, t)"):
        assert not PRIVATE.search(good), good


def test_experiment_runs_alone_as_a_module(tmp_path, monkeypatch, capsys):
    # ``python -m experiments.boolean_counts --out OUT`` from the checkout, in this process: the
    # module runs as __main__ (its spec keeps the name), as the interpreter runs it
    out = tmp_path / "out"
    monkeypatch.chdir(Path(FOLDER).parent)
    monkeypatch.syspath_prepend(str(Path(FOLDER).parent))
    monkeypatch.setattr(sys, "argv", ["boolean_counts", "--out", str(out)])
    with pytest.raises(SystemExit) as done:
        runpy.run_module("experiments.boolean_counts", run_name="__main__", alter_sys=True)
    assert done.value.code == 0
    assert "\nHeld: " in capsys.readouterr().out
    assert (out / "boolean_counts.png").read_bytes()[:8] == PNG_SIGNATURE

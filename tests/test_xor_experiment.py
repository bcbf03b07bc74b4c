"""The XOR experiment (notes 2.4, 2.5): the perceptron never converges, a small MLP learns XOR."""

from __future__ import annotations

import pytest

from experiments import xor_mlp


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("xor")
    return out, xor_mlp.run(out, seed=0)


def test_perceptron_never_classifies_all_four_points(result):
    _, res = result
    cyclic = res.data["perceptron_cyclic"]
    assert cyclic["converged"] is False
    assert cyclic["fewest_wrong"] >= 1
    starts = res.data["perceptron_random_starts"]
    assert starts["converged"] == 0 and starts["runs"] == xor_mlp.PERCEPTRON_STARTS
    assert starts["fewest_wrong"] == 1  # the best any line can do on XOR


def test_mlp_learns_xor_exactly(result):
    _, res = result
    wide = res.data["mlp"]["2-4-2 tanh, softmax CE"]
    assert wide["solved"] == xor_mlp.MLP_SEEDS  # measured: 20 of 20 seeds
    narrow = res.data["mlp"]["2-2-1 sigmoid, BCE"]
    assert 0 < narrow["solved"] < xor_mlp.MLP_SEEDS  # measured: 8 of 20; the rest stuck
    for probs in (wide["shown_seed_p1"], narrow["shown_seed_p1"]):
        assert [round(p) for p in probs] == [0, 1, 1, 0]


def test_verdict_and_figures(result):
    out, res = result
    assert res.verdict.startswith("Held"), res.verdict
    assert res.figures == ["xor_mlp_regions.png", "xor_mlp_training.png"]
    for name in res.figures:
        assert (out / name).stat().st_size > 10_000


def test_same_seed_same_result(tmp_path, result):
    _, res = result
    again = xor_mlp.run(tmp_path, seed=0)
    assert again.data == res.data

"""method: bayes: rounds of K proposals from optuna's TPE (ask/tell, constant liar), seeded."""

import math
import sys

import pytest

from jaxnn.sweeps import parse_sweep_config

optuna = pytest.importorskip("optuna")

from jaxnn.sweeps import bayes_search  # noqa: E402

SPEC = parse_sweep_config(
    {
        "method": "bayes",
        "metric": {"name": "val_loss", "goal": "minimize"},
        "parameters": {
            "learning_rate": {"distribution": "log_uniform_values", "min": 1e-4, "max": 1e-1},
            "optimizer": {"values": ["sgd", "adam"]},
            "num_layers": {"min": 1, "max": 4},
            "epochs": {"value": 3},
        },
    }
)


def loss(p):
    return (math.log10(p["learning_rate"]) + 2) ** 2 + 0.3 * (p["optimizer"] == "sgd")


def run(seed, rounds=None, nan_at=None):
    seen = []

    def evaluate(proposals, index):
        seen.append(proposals)
        if rounds is not None:
            rounds.append(index)
        values = [loss(p) for p in proposals]
        if nan_at is not None and index == 0:
            values[nan_at] = float("nan")
        return values

    study = bayes_search(SPEC, evaluate, total=40, round_size=8, seed=seed)
    return study, seen


def test_rounds_of_k_proposals_in_the_space_seeded():
    indices = []
    study, seen = run(0, rounds=indices)
    assert indices == [0, 1, 2, 3, 4] and [len(r) for r in seen] == [8] * 5
    for p in (p for r in seen for p in r):
        assert 1e-4 <= p["learning_rate"] <= 1e-1 and p["optimizer"] in ("sgd", "adam")
        assert p["num_layers"] in (1, 2, 3, 4) and isinstance(p["num_layers"], int)
        assert p["epochs"] == 3  # the constant, in every proposal
    assert len(study.trials) == 40
    again = run(0)[1]
    assert again == seen  # the same seed, the same proposals
    assert run(1)[1] != seen
    # a round's proposals are all asked before any is told: distinct (the constant liar)
    assert all(len({p["learning_rate"] for p in r}) == len(r) for r in seen)


def test_tpe_moves_towards_the_better_region():
    _, seen = run(0)
    first = sorted(loss(p) for p in seen[0])
    last = sorted(loss(p) for p in seen[-1])
    assert sum(last[:4]) < sum(first[:4])


def test_a_nan_metric_is_told_as_failed():
    study, _ = run(0, nan_at=2)
    states = [t.state for t in study.trials]
    assert states[2] == optuna.trial.TrialState.FAIL
    assert states.count(optuna.trial.TrialState.COMPLETE) == 39


def test_without_optuna_bayes_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)
    message = r'method: bayes needs optuna: pip install "jaxnn\[search\]"'
    with pytest.raises(ImportError, match=message):
        bayes_search(SPEC, lambda p, i: [0.0] * len(p), total=2, round_size=2)

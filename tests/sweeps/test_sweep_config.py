"""Sweep configs in wandb's schema: the course's files as written, values, distributions, rungs,
and one-line errors naming the file and the key."""

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from jaxnn.sweeps import Hyperband, SweepConfigError, load_sweep_config, parse_sweep_config

DATA = Path(__file__).resolve().parents[1] / "data" / "sweeps"


def test_the_course_repositories_configs_read_as_written():
    livin = load_sweep_config(DATA / "livinNector_necto-nn_sweep_config.yaml")
    assert livin.method == "bayes" and (livin.metric, livin.goal) == ("val_accuracy", "maximize")
    assert livin.name == "sweep" and livin.ignored == ("program", "command")
    assert livin.parameters["loss"].values == ("mse", "cross_entropy")  # mean_squared_error
    assert livin.parameters["weight_decay"].values == (0.0, 0.0005, 0.5)
    assert livin.grid_size() == 2 * 3 * 2 * 5 * 2 * 3 * 2 * 3 * 3 * 4

    bala = load_sweep_config(DATA / "Bala-A87_CS6910-A1_sweep.json")
    assert bala.method == "random" and bala.run_cap is None
    lr = bala.parameters["learning_rate"]  # written "lr", the short flag
    assert lr.key == "lr" and lr.values == (0.1, 0.01, 0.001, 0.0001)
    assert bala.parameters["epochs"].distribution == "constant"
    assert bala.parameters["epochs"].values == (10,)

    course = load_sweep_config(DATA / "course_question4.yaml")
    # PyYAML reads 1e-3 (no dot) as the string "1e-3": still the number
    assert course.parameters["learning_rate"].values == (1e-3, 1e-4)
    assert course.parameters["weight_init"].values == ("random", "xavier")  # Xavier
    assert course.parameters["activation"].values == ("sigmoid", "tanh", "relu")  # ReLU

    hyper = load_sweep_config(DATA / "course_question4_hyperband.yaml")
    assert hyper.run_cap == 32 and hyper.early_terminate == Hyperband(eta=3.0, min_iter=3)
    assert "nag" in hyper.parameters["optimizer"].values  # nesterov
    eps = hyper.parameters["epsilon"]
    assert (eps.setting, eps.distribution, eps.low, eps.high) == (
        "eps",
        "log_uniform_values",
        1e-8,
        1e-6,
    )


@pytest.mark.parametrize(
    "name, key",
    [
        ("sandeepkumarsuresh_cs6910_assignment1_sweep_config.yaml", "sweep_configuration"),
        ("vinyk_DA6401_Assignment1_sweep.json", "parameters.hidden_layers"),
    ],
)
def test_repository_specific_names_are_refused_naming_the_key(name, key):
    with pytest.raises(SweepConfigError) as e:
        load_sweep_config(DATA / name)
    message = str(e.value)
    assert message.startswith(f"{DATA / name}: {key}: unknown") and "\n" not in message
    assert "num_layers" in message or "method" in message  # says what is expected


def config(**parameters):
    return {"method": "random", "parameters": parameters}


def test_numbers_from_strings_and_integers_checked():
    spec = parse_sweep_config(
        config(
            learning_rate={"values": ["1e-3", "5E-4", 0.1]},
            epochs={"values": ["5", 10.0]},
            weight_decay={"min": "0", "max": "1e-3"},
        )
    )
    assert spec.parameters["learning_rate"].values == (1e-3, 5e-4, 0.1)
    assert spec.parameters["epochs"].values == (5, 10)
    assert all(isinstance(v, int) for v in spec.parameters["epochs"].values)
    wd = spec.parameters["weight_decay"]
    assert (wd.distribution, wd.low, wd.high) == ("uniform", 0.0, 1e-3)  # strings: not ints


def test_inferred_distributions_as_wandb_infers_them():
    spec = parse_sweep_config(
        config(
            num_layers={"min": 1, "max": 4},
            learning_rate={"min": 1e-4, "max": 1e-2},
            optimizer={"values": ["adam", "sgd"], "probabilities": [0.25, 0.75]},
            momentum={"value": 0.95},
        )
    )
    kinds = {d: p.distribution for d, p in spec.parameters.items()}
    assert kinds == {
        "num_layers": "int_uniform",
        "learning_rate": "uniform",
        "optimizer": "categorical_w_probabilities",
        "momentum": "constant",
    }


def test_random_draws_follow_each_distribution():
    spec = parse_sweep_config(
        config(
            num_layers={"distribution": "int_uniform", "min": 1, "max": 3},
            learning_rate={"distribution": "log_uniform_values", "min": 1e-4, "max": 1e-1},
            beta={"distribution": "uniform", "min": 0.5, "max": 0.9},
            batch_size={"distribution": "q_uniform", "min": 16, "max": 128, "q": 16},
            weight_decay={"distribution": "log_uniform", "min": -9.0, "max": -3.0},
            optimizer={"values": ["adam", "sgd"], "probabilities": [0.2, 0.8]},
        )
    )
    draws = spec.sample(4000, seed=1)
    assert draws == spec.sample(4000, seed=1) and draws != spec.sample(4000, seed=2)
    layers = [d["num_layers"] for d in draws]
    assert set(layers) == {1, 2, 3}  # max included, as wandb's randint(min, max + 1)
    lr = np.log10([d["learning_rate"] for d in draws])
    assert lr.min() >= -4 and lr.max() <= -1
    assert abs(np.mean(lr < -2.5) - 0.5) < 0.05  # uniform in the exponent
    assert all(0.5 <= d["beta"] <= 0.9 for d in draws)
    assert {d["batch_size"] % 16 for d in draws} == {0}
    assert all(isinstance(d["batch_size"], int) for d in draws)
    wd = np.log([d["weight_decay"] for d in draws])  # exponent space: exp(U(min, max))
    assert wd.min() >= -9 and wd.max() <= -3
    share = np.mean([d["optimizer"] == "sgd" for d in draws])
    assert abs(share - 0.8) < 0.03


def test_grid_enumerates_values_int_and_q_uniform():
    spec = parse_sweep_config(
        {
            "method": "grid",
            "parameters": {
                "num_layers": {"distribution": "int_uniform", "min": 1, "max": 3},
                "batch_size": {"distribution": "q_uniform", "min": 32, "max": 96, "q": 32},
                "activation": {"values": ["tanh", "ReLU"]},
                "seed": {"value": 7},
            },
        }
    )
    grid = spec.grid()
    assert spec.grid_size() == len(grid) == 3 * 3 * 2
    assert grid[0] == {"num_layers": 1, "batch_size": 32, "activation": "tanh", "seed": 7}
    assert grid[-1] == {"num_layers": 3, "batch_size": 96, "activation": "relu", "seed": 7}
    uniform = parse_sweep_config(
        {"method": "grid", "parameters": {"lr": {"min": 1e-4, "max": 1e-2}}}, source="g.yaml"
    )
    with pytest.raises(SweepConfigError, match=r"^g\.yaml: parameters\.lr: method grid needs"):
        uniform.grid()


@pytest.mark.parametrize(
    "etc, epochs, rungs",
    [
        ({"min_iter": 3, "eta": 3}, 100, [3, 9, 27, 81]),
        ({"min_iter": 5, "eta": 2}, 30, [5, 10, 20]),  # Macrove's
        ({"min_iter": 3}, 9, [3]),  # the last epoch is no rung
        ({"max_iter": 27, "s": 2, "eta": 3}, 100, [3, 9]),
        ({"max_iter": 5, "s": 2, "eta": 2}, 100, [1, 2]),
    ],
)
def test_hyperband_rungs_are_wandbs_bands(etc, epochs, rungs):
    spec = parse_sweep_config(
        {
            "method": "random",
            "metric": {"name": "val_loss"},
            "early_terminate": {"type": "hyperband", **etc},
        }
    )
    assert spec.early_terminate.rungs(epochs) == rungs
    assert spec.goal == "minimize"  # wandb's default goal


def test_metric_spellings_of_the_course():
    for name, metric in [
        ("val_acc", "val_accuracy"),
        ("validation_accuracy", "val_accuracy"),
        ("val_loss", "val_loss"),
        ("test_accuracy", "test_accuracy"),
    ]:
        spec = parse_sweep_config({"method": "bayes", "metric": {"name": name, "goal": "maximize"}})
        assert spec.metric == metric


def test_flags_override_the_file():
    spec = load_sweep_config(DATA / "course_question4.yaml")
    spec = spec.with_values("epochs", "epochs", [2]).with_values("seed", "seed", [0, 1])
    assert spec.parameters["epochs"].distribution == "constant"
    assert spec.parameters["epochs"].values == (2,)
    assert spec.parameters["seed"].values == (0, 1) and "seed" in spec.swept()
    assert "epochs" not in spec.swept()


BAD = [
    ({"method": "hyperopt"}, "method: unknown method 'hyperopt'; expected one of grid"),
    ({"parameters": {}}, "method: missing; expected one of grid, random, bayes"),
    (config(lr={"distribution": "normal", "min": 0, "max": 1}), "parameters.lr.distribution: "),
    (config(depth={"values": [1]}), "parameters.depth: unknown parameter; expected a setting"),
    (config(activation={"values": ["relu", "swish"]}), "parameters.activation.values[1]: unknown"),
    (config(optimizer={"values": ["lamb"]}), "expected one of sgd, momentum, nag"),
    (config(lr={"min": 1e-2, "max": 1e-4}), "parameters.lr: min 0.01 > max 0.0001; expected min"),
    (
        config(lr={"distribution": "log_uniform_values", "min": 0, "max": 1e-2}),
        "parameters.lr.min: log_uniform_values needs positive bounds",
    ),
    (config(lr={"values": [-1e-3]}), "parameters.lr.values[0]: expected > 0, got -0.001"),
    (config(momentum={"min": 0.5, "max": 1.0}), "parameters.momentum.max: expected in [0, 1)"),
    (config(epochs={"values": [2.5]}), "parameters.epochs.values[0]: '2.5' is not an integer"),
    (config(lr={"values": ["fast"]}), "parameters.lr.values[0]: 'fast' is not a number"),
    (config(lr={"values": [True]}), "parameters.lr.values[0]: expected a number, got True"),
    (config(lr={"values": []}), "parameters.lr.values: expected a non-empty list"),
    (config(num_layers={"min": 1.0, "max": 4.5}), "num_layers takes integers; expected int_uni"),
    (
        config(optimizer={"values": ["adam", "sgd"], "probabilities": [0.5, 0.6]}),
        "probabilities: expected numbers >= 0 summing to 1",
    ),
    (config(dataset={"values": ["digits", "xor"]}), "dataset cannot be swept; expected one value"),
    (config(lr={"values": [1e-3], "step": 2}), "parameters.lr.step: unknown key; expected one of"),
    ({"method": "bayes", "parameters": {}}, "metric: method bayes needs a metric"),
    (
        {"method": "grid", "metric": {"name": "val_loss", "goal": "up"}},
        "metric.goal: expected minimize or maximize, got 'up'",
    ),
    ({"method": "grid", "metric": {"name": "f1"}}, "metric.name: unknown metric 'f1'"),
    (
        {"method": "grid", "metric": {"name": "val_loss"}, "early_terminate": {"type": "asha"}},
        "early_terminate.type: expected hyperband, got 'asha'",
    ),
    (
        {
            "method": "grid",
            "metric": {"name": "val_loss"},
            "early_terminate": {"type": "hyperband", "eta": 1, "min_iter": 1},
        },
        "early_terminate.eta: expected a number in [1.01, 1000]",
    ),
    (
        {"method": "grid", "metric": {"name": "loss"}, "early_terminate": {"type": "hyperband"}},
        "early_terminate: expected min_iter, or max_iter and s",
    ),
    ({"method": "grid", "run_cap": 0}, "run_cap: expected an integer >= 1, got 0"),
    ({"method": "grid", "count": 5}, "count: unknown key; expected method"),
    (config(lr={"parameters": {}}), "parameters.lr.parameters: nested parameters are not supp"),
]


@pytest.mark.parametrize("raw, message", BAD, ids=[m for _, m in BAD])
def test_bad_configs_name_the_file_and_key(raw, message):
    with pytest.raises(SweepConfigError) as e:
        parse_sweep_config(raw, source="sweep.yaml")
    text = str(e.value)
    assert text.startswith("sweep.yaml: ") and message in text, text
    assert "\n" not in text


def test_yaml_and_json_syntax_errors_give_the_line(tmp_path):
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("method: bayes\nparameters:\n  lr: {values: [1e-3, 1e-4}\n")
    with pytest.raises(SweepConfigError, match=r"bad\.yaml: line 3, column \d+: YAML syntax error"):
        load_sweep_config(bad_yaml)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"method": "grid",\n "parameters": {,}}')
    with pytest.raises(SweepConfigError, match=r"bad\.json: line 2, column 17: JSON syntax"):
        load_sweep_config(bad_json)
    with pytest.raises(SweepConfigError, match=r"missing\.yaml: no such file"):
        load_sweep_config(tmp_path / "missing.yaml")
    top = tmp_path / "list.yaml"
    top.write_text("- method: grid\n")
    with pytest.raises(SweepConfigError, match=r"list\.yaml: the file: expected a mapping"):
        load_sweep_config(top)


def test_a_yaml_config_without_pyyaml_names_the_extra(monkeypatch, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("method: grid\n")
    as_json = tmp_path / "s.json"
    as_json.write_text(json.dumps({"method": "grid", "parameters": {"lr": {"value": 0.1}}}))
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(ImportError, match=r'needs pyyaml: pip install "jaxnn\[search\]"'):
        load_sweep_config(path)
    assert load_sweep_config(as_json).parameters["learning_rate"].values == (0.1,)


def test_optuna_distributions_match_the_parameters():
    pytest.importorskip("optuna")
    spec = load_sweep_config(DATA / "course_question4_hyperband.yaml")
    lr = spec.parameters["learning_rate"].optuna_distribution()
    assert (lr.low, lr.high, lr.log) == (1e-4, 1e-2, True)
    opt = spec.parameters["optimizer"].optuna_distribution()
    assert tuple(opt.choices) == ("sgd", "momentum", "nag", "rmsprop", "adam", "nadam")
    assert spec.parameters["epochs"].distribution == "constant"
    q = parse_sweep_config(
        config(batch_size={"distribution": "q_log_uniform_values", "min": 16, "max": 256, "q": 8})
    ).parameters["batch_size"]
    assert q.from_optuna(37.9) == 40 and math.isclose(q.optuna_distribution().low, 16)

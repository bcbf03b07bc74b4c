"""``jaxnn sweep --config FILE``: the course's configs run as written, flags override the file,
grid/random/bayes/hyperband, the importance table and figure, bad input exits 2 in one line."""

import json
import os
import sys
from pathlib import Path

import jax
import pytest
from helpers import cli_json

from jaxnn._cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "sweeps"
# Overrides that make the course's search space cheap: one program for every member (the file's
# learning rate and weight decay, traced, are what varies).
CHEAP = ["-e", "2", "-nhl", "1", "-sz", "16", "-b", "64", "-a", "tanh", "-o", "adam", "-w_i"]
CHEAP += ["xavier", "--quiet"]


@pytest.fixture(autouse=True)
def _keep_environment(monkeypatch):
    jax.devices()
    monkeypatch.setenv("XLA_FLAGS", os.environ.get("XLA_FLAGS", ""))


def run_json(tmp_path, *argv, name="out.json"):
    return cli_json(tmp_path, "sweep", *argv, name=name)


def write(tmp_path, raw, name="sweep.json"):
    path = tmp_path / name
    path.write_text(raw if isinstance(raw, str) else json.dumps(raw))
    return str(path)


def test_bayes_rounds_of_the_course_config_with_flags_overriding(tmp_path, capsys):
    log = tmp_path / "log.jsonl"
    out = run_json(
        tmp_path,
        "--config",
        str(DATA / "course_question4.yaml"),
        *CHEAP,
        "--count",
        "6",
        "--round-size",
        "3",
        "--log",
        str(log),
        "--out",
        str(tmp_path / "figs"),
    )
    printed = capsys.readouterr().out
    assert out["method"] == "bayes" and (out["metric"], out["goal"]) == ("val_accuracy", "maximize")
    assert [r["members"] for r in out["rounds"]] == [3, 3]
    members = out["members"]
    assert [m["round"] for m in members] == [0, 0, 0, 1, 1, 1]
    for m in members:  # the file's values for what the flags left, the flags' for the rest
        assert m["learning_rate"] in (1e-3, 1e-4) and m["weight_decay"] in (0.0, 0.0005, 0.5)
        assert (m["epochs"], m["num_layers"], m["hidden_size"], m["optimizer"]) == (
            2,
            1,
            16,
            "adam",
        )
        assert m["lr"] == m["learning_rate"] and m["diverged"] is False
    assert out["groups"] == 2  # one program per round: everything else is traced
    ranks = sorted(members, key=lambda m: m["rank"])
    assert [m["val_accuracy"] for m in ranks] == sorted(
        (m["val_accuracy"] for m in members), reverse=True
    )
    assert out["best"] == ranks[0]
    assert set(out["axes"]) <= {"learning_rate", "weight_decay"}
    # the importance table: in the output and the JSON
    assert "parameter importance (random forest) and correlation with val_accuracy" in printed
    names = {r["name"] for r in out["importance"]}
    assert names == set(out["axes"]) and out["importance_metric"] == "val_accuracy"
    for r in out["importance"]:
        assert 0 <= r["importance"] <= 1 and (
            r["correlation"] is None or -1 <= r["correlation"] <= 1
        )
    figures = sorted(os.path.basename(f) for f in out["figures"])
    assert "importance.png" in figures and "parallel.png" in figures
    from matplotlib.image import imread

    image = imread(next(f for f in out["figures"] if f.endswith("importance.png")))
    assert image.shape[1] > 800 and 200 < image.shape[0] < 600  # readable at report width
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(lines) == 6 * 2
    assert [(x["member"], x["round"], x["epoch"]) for x in lines[:4]] == [
        (0, 0, 1),
        (0, 0, 2),
        (1, 0, 1),
        (1, 0, 2),
    ]
    assert lines[1]["val_accuracy"] == pytest.approx(members[0]["val_accuracy"], rel=1e-6)
    assert lines[0]["learning_rate"] == members[0]["learning_rate"]


def test_grid_and_run_cap_and_a_minimized_metric(tmp_path):
    config = write(
        tmp_path,
        {
            "method": "grid",
            "metric": {"name": "val_loss", "goal": "minimize"},
            "run_cap": 3,
            "parameters": {
                "learning_rate": {"values": ["1e-3", "3e-2"]},
                "seed": {"values": [0, 1]},
            },
        },
    )
    out = run_json(tmp_path, "--config", config, *CHEAP)
    assert [(m["learning_rate"], m["seed"]) for m in out["members"]] == [
        (1e-3, 0),
        (1e-3, 1),
        (3e-2, 0),
    ]
    best = min(out["members"], key=lambda m: m["val_loss"])
    assert out["best"]["val_loss"] == best["val_loss"] and best["rank"] == 1
    more = run_json(tmp_path, "--config", config, *CHEAP, "--count", "4", name="more.json")
    assert len(more["members"]) == 4  # --count replaces run_cap
    assert more["members"][0]["test_loss"] == out["members"][0]["test_loss"]


def test_random_is_seeded(tmp_path):
    config = write(
        tmp_path,
        {
            "method": "random",
            "run_cap": 3,
            "parameters": {
                "learning_rate": {"distribution": "log_uniform_values", "min": 1e-4, "max": 1e-1},
                "beta1": {"distribution": "uniform", "min": 0.8, "max": 0.95},
            },
        },
    )
    a = run_json(tmp_path, "--config", config, *CHEAP, "--random-seed", "3", name="a.json")
    b = run_json(tmp_path, "--config", config, *CHEAP, "--random-seed", "3", name="b.json")
    c = run_json(tmp_path, "--config", config, *CHEAP, "--random-seed", "4", name="c.json")
    pick = lambda out: [(m["learning_rate"], m["beta1"]) for m in out["members"]]  # noqa: E731
    assert pick(a) == pick(b) != pick(c)
    assert all(1e-4 <= lr <= 1e-1 and 0.8 <= b1 <= 0.95 for lr, b1 in pick(a))
    assert a["metric"] == "val_accuracy" and a["goal"] == "maximize"  # no metric: the default


def test_hyperband_from_the_config(tmp_path, capsys):
    config = write(
        tmp_path,
        {
            "method": "grid",
            "metric": {"name": "val_accuracy", "goal": "maximize"},
            "early_terminate": {"type": "hyperband", "min_iter": 1, "eta": 2},
            "parameters": {"learning_rate": {"values": [1e-4, 1e-3, 1e-2, 3e-2]}},
        },
    )
    log = tmp_path / "log.jsonl"
    argv = ["--config", config, *CHEAP, "-e", "3", "--log", str(log)]
    out = run_json(tmp_path, *argv)
    hb = out["hyperband"]
    assert hb["rungs"] == [1, 2] and hb["compact"] is True
    epochs = [m["epochs_run"] for m in out["members"]]
    assert hb["member_epochs"] == sum(epochs) < hb["member_epochs_full"] == 4 * 3
    assert hb["stopped"] == sum(m["stopped"] for m in out["members"]) > 0
    assert max(epochs) == 3 and min(epochs) == 1
    assert len(log.read_text().splitlines()) == sum(epochs)
    assert "member-epochs" in capsys.readouterr().out
    frozen = run_json(tmp_path, *argv[:-2], "--hyperband-freeze", name="frozen.json")
    assert [m["epochs_run"] for m in frozen["members"]] == epochs
    assert frozen["hyperband"]["member_epochs_computed"] == 12
    for a, b in zip(out["members"], frozen["members"]):
        assert a["test_loss"] == pytest.approx(b["test_loss"], rel=1e-4)


def test_flag_sweeps_report_importance_and_logs(tmp_path):
    log = tmp_path / "log.jsonl"
    out = run_json(tmp_path, "-lr", "1e-3,3e-2", "--seed", "0,1,2", *CHEAP, "--log", str(log))
    assert {r["parameter"] for r in out["importance"]} == {"learning_rate", "seed"}
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(lines) == 6 * 2 and {"learning_rate", "seed", "member", "epoch"} <= set(lines[0])


def test_bayes_without_optuna_names_the_extra(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)
    assert main(["sweep", "--config", str(DATA / "course_question4.yaml"), *CHEAP]) == 2
    assert capsys.readouterr().err.strip() == (
        'jaxnn: error: method: bayes needs optuna: pip install "jaxnn[search]"'
    )


BAD = [
    ('{"method": "hyperopt"}', "method: unknown method 'hyperopt'; expected one of grid"),
    (
        '{"method": "random", "parameters": {"lr": {"distribution": "beta", "min": 0, "max": 1}}}',
        "parameters.lr.distribution: unknown distribution 'beta'",
    ),
    ('{"method": "grid", "parameters": {"depth": {"values": [1]}}}', "parameters.depth: unknown"),
    (
        '{"method": "grid", "parameters": {"activation": {"values": ["gelu"]}}}',
        "parameters.activation.values[0]: unknown activation 'gelu'; expected one of",
    ),
    (
        '{"method": "random", "parameters": {"lr": {"min": 0.1, "max": 0.01}}}',
        "parameters.lr: min 0.1 > max 0.01; expected min <= max",
    ),
    (
        '{"method": "random", "parameters": {"lr": {"distribution": "log_uniform_values", '
        '"min": -1, "max": 0.01}}}',
        "parameters.lr.min: log_uniform_values needs positive bounds",
    ),
    (
        '{"method": "grid", "parameters": {"batch_size": {"values": [64, 100000]}}}',
        "parameters.batch_size: 100000: -b/--batch_size 100000 is larger than the training data",
    ),
]


@pytest.mark.parametrize("text, message", BAD, ids=[m[:40] for _, m in BAD])
def test_bad_configs_exit_2_with_one_line(tmp_path, capsys, text, message):
    path = write(tmp_path, text)
    assert main(["sweep", "--config", path, "-e", "2", "--json", str(tmp_path / "o.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"jaxnn: error: {path}: ")
    assert message in err, err
    assert not (tmp_path / "o.json").exists()


def test_yaml_syntax_error_and_other_refusals(tmp_path, capsys):
    path = write(tmp_path, "method: grid\nparameters:\n  lr: [1e-3\n", name="bad.yaml")
    assert main(["sweep", "--config", path, *CHEAP]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"jaxnn: error: {path}: line ") and "YAML syntax error" in err
    good = str(DATA / "course_question4.yaml")
    assert main(["sweep", "--config", good, *CHEAP, "--random", "3"]) == 2
    assert "--random N samples the flags' grid" in capsys.readouterr().err
    assert main(["sweep", "--config", good, *CHEAP, "--count", "0"]) == 2
    assert "--count must be >= 1, got 0" in capsys.readouterr().err
    assert main(["sweep", "--config", str(DATA / "vinyk_DA6401_Assignment1_sweep.json")]) == 2
    assert "parameters.hidden_layers: unknown parameter" in capsys.readouterr().err
    out = tmp_path / "o.json"
    assert (
        main(["sweep", "--config", good, *CHEAP, "--heatmap", "lr,seed", "--json", str(out)]) == 2
    )
    assert "--heatmap takes two different swept parameters of the config" in capsys.readouterr().err
    assert not out.exists()  # refused before any work
    depths = write(
        tmp_path, {"method": "grid", "parameters": {"num_layers": {"values": [0, 1]}}}, "d.json"
    )
    cheap = [a for i, a in enumerate(CHEAP) if "-nhl" not in CHEAP[max(i - 1, 0) : i + 1]]
    assert main(["sweep", "--config", depths, *cheap, "--pack", "on", "--json", str(out)]) == 2
    err = capsys.readouterr().err
    assert (
        err.count("\n") == 1
        and "--pack on: the members differ in -nhl/--num_layers (0, >= 1)" in err
    ), err
    assert not out.exists()
    argv = ["sweep", "--config", good, *CHEAP, "--coordinator", "localhost:1234"]
    assert main([*argv, "--num-processes", "1", "--process-id", "0"]) == 2
    assert "--config runs on one host" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, count",
    [
        ("livinNector_necto-nn_sweep_config.yaml", ["--count", "2", "--round-size", "2"]),
        ("Bala-A87_CS6910-A1_sweep.json", ["--count", "2"]),
        ("course_question4.yaml", ["--count", "2", "--round-size", "2"]),
        ("course_question4_hyperband.yaml", ["--count", "3", "--round-size", "3"]),
    ],
)
def test_the_course_configs_run_as_written(tmp_path, name, count):
    out = run_json(tmp_path, "--config", str(DATA / name), *count, "--quiet")
    assert len(out["members"]) == int(count[1]) and out["dataset"] == "digits"
    for m in out["members"]:
        assert m["test_loss"] is None or m["test_loss"] > 0
    if "hyperband" in name:
        assert out["hyperband"]["rungs"] == [3, 9]  # epochs 10, min_iter 3, eta 3
        assert all(m["epochs_run"] in (3, 9, 10) for m in out["members"])


# --- a sweep's next step ---


def test_config_sweep_keeps_histories_and_gives_the_best_members_command(tmp_path, capsys):
    import shlex

    config = write(
        tmp_path,
        {
            "method": "grid",
            "metric": {"name": "val_accuracy", "goal": "maximize"},
            "parameters": {"learning_rate": {"values": [0.001, 0.03]}, "num_layers": {"value": 1}},
        },
    )
    out = run_json(
        tmp_path,
        "--config",
        config,
        "-d",
        "xor",
        "-e",
        "3",
        "-sz",
        "8",
        "--quiet",
        "--out",
        str(tmp_path / "figs"),
    )
    for m in out["members"]:
        h = m["history"]
        assert set(h) == {"train_loss", "train_accuracy", "val_loss", "val_accuracy"}
        assert len(h["val_accuracy"]) == 3 and h["val_accuracy"][-1] == m["val_accuracy"]
    best = out["best"]
    cm = out["best_confusion_matrix"]
    assert sum(map(sum, cm)) == 160  # xor's test split
    assert sum(cm[i][i] for i in range(2)) / 160 == pytest.approx(best["test_accuracy"], abs=1e-6)
    assert str(tmp_path / "figs" / "confusion_matrix.png") in out["figures"]
    assert cm == best["confusion_matrix"]  # the member's own, measured in its program
    command = shlex.split(out["best_command"])
    assert command[:2] == ["jaxnn", "train"] and "--learning_rate" in command
    printed = capsys.readouterr().out
    assert out["best_command"] in printed
    # the command reruns the best member alone: the same test accuracy
    solo = cli_json(tmp_path, *command[1:], "--quiet", name="solo.json")
    assert solo["test_accuracy"] == pytest.approx(best["test_accuracy"], abs=1e-6)
    assert solo["test_loss"] == pytest.approx(best["test_loss"], rel=1e-4)

"""The settings table (jaxnn.training._settings): the one index of every setting, the typed
NamedTuples written against it, and the recipe of a new hyperparameter followed end to end."""

import inspect
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import jax.numpy as jnp
import pytest

import jaxnn
from jaxnn.training import SETTINGS, HParams, TrainConfig
from jaxnn.training._optimizers import HYPERPARAMETERS, optimizer  # the update rule
from jaxnn.training._settings import check_setting

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("typed, kind", [(TrainConfig, "static"), (HParams, "traced")])
def test_the_typed_namedtuples_are_the_table(typed, kind):
    rows = SETTINGS.of_kind(kind)
    assert typed._fields == tuple(s.name for s in rows)
    defaults = {s.name: s.default for s in rows if s.default is not None}
    assert typed._field_defaults == defaults
    assert set(typed.__annotations__) == set(typed._fields)  # written with static types
    documented = typed.__doc__.split("Attributes:")[1]
    assert all(f"\n      {name}: " in documented for name in typed._fields)


def test_every_spelling_finds_its_setting():
    course = {
        "lr": "learning_rate",
        "epsilon": "eps",
        "EPS": "eps",
        "nhl": "num_layers",
        "sz": "hidden_size",
        "w_d": "weight_decay",
        "w_i": "weight_init",
        "b": "batch_size",
        "e": "epochs",
        "a": "activation",
        "o": "optimizer",
        "l": "loss",
        "m": "momentum",
        "d": "dataset",
        "data-dir": "data_dir",
        "--val-fraction": "val_fraction",
    }
    for spelling, name in course.items():
        assert SETTINGS.get(spelling).name == name, spelling
    for s in SETTINGS:
        assert SETTINGS.named(s.name) is s
        assert all(SETTINGS.get(x) is s and SETTINGS.get(x.upper()) is s for x in s.spellings)
        if s.flags:
            assert SETTINGS.by_dest(s.dest) is s
    assert SETTINGS.by_dest("epsilon").name == "eps" and SETTINGS.get("bogus") is None
    assert list(SETTINGS.dests()) == [s.dest for s in SETTINGS if s.flags]
    with pytest.raises(KeyError, match="no setting 'lr'; valid: dataset"):
        SETTINGS.named("lr")


def test_the_update_rule_holds_the_optimizers_hyperparameters():
    rows = [s.name for s in SETTINGS.of_kind("traced") if s.used_by == "optimizer"]
    assert HYPERPARAMETERS == tuple(rows)
    assert {s.used_by for s in SETTINGS.of_kind("traced")} == {"optimizer", "init"}


def test_one_json_key_per_setting():
    record = SETTINGS.json_record({"lr": 0.1, "epsilon": 1e-6, "nhl": 2, "rank": 1})
    assert record == {"learning_rate": 0.1, "eps": 1e-6, "num_layers": 2, "rank": 1, "lr": 0.1}


def _defaults(fn) -> dict:
    return {
        p.name: p.default
        for p in inspect.signature(fn).parameters.values()
        if p.default is not inspect.Parameter.empty
    }


@pytest.mark.parametrize(
    "fn, renamed",
    [
        (jaxnn.feedforward.forward, {}),
        (jaxnn.feedforward.backprop, {}),
        (jaxnn.feedforward.loss_fn, {}),
        (jaxnn.feedforward.per_example_grads, {}),
        (jaxnn.feedforward.check_gradients, {"eps": None}),  # its eps is a step of h
        (jaxnn.feedforward.init, {"scale": "init_scale"}),
        (jaxnn.training.load_dataset, {"seed": "data_seed"}),
        (jaxnn.training.split_dataset, {"seed": "data_seed"}),
        (jaxnn.training.make_config, {}),
        (jaxnn.training.make_hparams, {}),
        (optimizer, {"name": "optimizer", "schedule": "lr_schedule"}),
    ],
)
def test_defaults_agree_with_the_table(fn, renamed):
    checked = 0
    for name, default in _defaults(fn).items():
        row = SETTINGS.get(renamed.get(name, name))  # None: a keyword that is no setting
        if row is None or name == "output":  # a forward pass has no "auto": softmax is its O
            continue
        expected = check_setting(row.name, row.default) if row.type is str else row.default
        if name == "dtype" and default is not None:
            default = jnp.dtype(default).name
        assert default == expected or getattr(default, "name", None) == expected, (fn, name)
        checked += 1
    assert checked


def test_a_new_hyperparameter_is_a_row_its_field_and_its_use(tmp_path):
    """The recipe of the settings module's docstring, applied to a copy of jaxnn: a row, its
    HParams field (with its Attributes line) and its use in the update rule (the step scaled by
    gamma). Nothing else is edited, and gamma is a keyword of the optimizer, a fit keyword, a
    train and sweep flag, a sweep axis, a sweep config parameter and a JSON key, and it reaches
    the update rule."""
    package = tmp_path / "jaxnn"
    shutil.copytree(ROOT / "jaxnn", package, ignore=shutil.ignore_patterns("__pycache__"))

    def edit(path: str, anchor: str, new: str) -> None:
        file = package / path
        text = file.read_text()
        assert text.count(anchor) == 1, f"{path}: the anchor {anchor!r} moved"
        file.write_text(text.replace(anchor, new))

    row = """        _optimizer_hyperparameter(
            "gamma", ("-gm", "--gamma"), 1.0, Range(0.0, 1.0, True, True), "a factor of every step"
        ),
"""
    seed = '        Setting(\n            "seed",\n'
    edit("training/_settings.py", seed, row + seed)
    field = "    init_scale: ArrayLike = 1.0\n"
    edit("training/_config.py", field, field + "    gamma: ArrayLike = 1.0\n")
    documented = "      init_scale: multiplies the initial weights.\n"
    edit("training/_config.py", documented, documented + "      gamma: a factor of every step.\n")
    use = "    hp = state.hyperparams\n"
    edit("training/_update_rule.py", use, use + '    rate = rate * hp["gamma"]\n')

    script = textwrap.dedent(
        """
        import json, sys
        import numpy as np
        import jaxnn
        from jaxnn._cli import main
        from jaxnn.sweeps import parse_sweep_config

        out = sys.argv[1]
        traced = tuple(s.name for s in jaxnn.SETTINGS.of_kind("traced"))
        assert jaxnn.HParams._fields == traced and traced[-1] == "gamma"
        assert "\\n      gamma: " in jaxnn.HParams.__doc__
        from jaxnn.training._optimizers import HYPERPARAMETERS, optimizer
        assert HYPERPARAMETERS[-1] == "gamma"
        state = optimizer("sgd", gamma=0.25).init((jaxnn.Dense(np.ones((1, 1)), np.ones(1)),))
        assert float(state.hyperparams["gamma"]) == 0.25
        small = dict(num_layers=1, hidden_size=4, epochs=1, batch_size=64, optimizer="sgd")
        fit = lambda **kw: jaxnn.fit("xor", **small, **kw)
        frozen = fit(gamma=0.0, learning_rate=0.5)
        # no step at all with gamma 0: the learning rate does not matter
        assert frozen.params_sha256 == fit(gamma=0.0, learning_rate=0.1).params_sha256
        assert fit(gamma=1.0, learning_rate=0.5).params_sha256 != frozen.params_sha256
        assert float(frozen.hparams.gamma) == 0.0
        flags = ["-d", "xor", "-nhl", "1", "-sz", "4", "-e", "1", "-b", "64", "--quiet"]
        assert main(["train", *flags, "-gm", "0.25", "--json", out + "/train.json"]) == 0
        sweep = ["sweep", *flags, "--gamma", "0.5,1", "--json", out + "/sweep.json"]
        assert main(sweep) == 0
        data = jaxnn.load_dataset("xor")
        config = jaxnn.make_config((2, 4, 2), epochs=1, batch_size=64)
        result = jaxnn.sweep(config, jaxnn.grid(gamma=[0.0, 1.0]), data)
        assert [s["gamma"] for s in result.settings] == [0.0, 1.0]
        spec = parse_sweep_config({"method": "grid", "parameters": {"GM": {"values": [0.5]}}})
        assert spec.parameters["gamma"].values == (0.5,)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "JAXNN_CACHE": "off"}
    run = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    train = json.loads((tmp_path / "train.json").read_text())
    assert train["config"]["hparams"]["gamma"] == 0.25
    sweep = json.loads((tmp_path / "sweep.json").read_text())
    assert [m["gamma"] for m in sweep["members"]] == [0.5, 1.0]
    assert sweep["axes"]["gamma"] == [0.5, 1.0]

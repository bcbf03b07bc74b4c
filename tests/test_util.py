"""Plumbing: the public API imports, atomic writes, tables, optional extras, validation."""

import json
import os

import numpy as np
import pytest

import jaxnn
from jaxnn import _validation, markdown_table
from jaxnn._util import atomic_write_bytes, optional, require, write_json


def test_every_public_name_imports():
    assert len(jaxnn.__all__) == len(set(jaxnn.__all__))
    for name in jaxnn.__all__:
        assert getattr(jaxnn, name) is not None, name


@pytest.mark.parametrize(
    "namespace", ["perceptrons", "sigmoid", "feedforward", "training", "sweeps"]
)
def test_every_chapter_namespace_name_imports(namespace):
    module = getattr(jaxnn, namespace)
    assert len(module.__all__) == len(set(module.__all__))
    for name in module.__all__:
        assert getattr(module, name) is not None, f"{namespace}.{name}"


def test_namespace_names_are_the_flat_names():
    assert jaxnn.perceptrons.learn is jaxnn.learn_perceptron
    assert jaxnn.perceptrons.network is jaxnn.perceptron_network
    assert jaxnn.sigmoid.neuron is jaxnn.sigmoid_neuron
    assert jaxnn.sigmoid.tower_approximation is jaxnn.fit_towers
    assert jaxnn.feedforward.forward is jaxnn.forward
    assert jaxnn.training.fit is jaxnn.fit
    assert jaxnn.sweeps.sweep is jaxnn.sweep


def test_missing_extra_is_one_line_naming_it(capsys, monkeypatch):
    from jaxnn import _util

    monkeypatch.setitem(_util.EXTRAS, "no_such_module_xyz", "demo")
    monkeypatch.setattr(_util, "_WARNED", set())
    assert optional("no_such_module_xyz", "the widget") is None
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        'jaxnn: the widget needs no_such_module_xyz: pip install "jaxnn[demo]" (turned off)'
    ]
    assert optional("no_such_module_xyz", "the widget") is None  # said once
    assert capsys.readouterr().err == ""
    with pytest.raises(
        ImportError, match=r'^the figure needs no_such_module_xyz: pip install "jaxnn\[demo\]"$'
    ):
        require("no_such_module_xyz", "the figure")
    assert require("json", "anything") is json


def test_atomic_write_replaces_and_leaves_no_temp(tmp_path):
    path = tmp_path / "a" / "f.json"
    write_json(path, {"x": np.arange(3)})
    assert json.loads(path.read_text()) == {"x": [0, 1, 2]}
    atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"new"
    assert os.listdir(path.parent) == ["f.json"]


def test_atomic_write_failure_keeps_old_file(tmp_path):
    path = tmp_path / "f.json"
    write_json(path, {"old": 1})
    with pytest.raises(TypeError):
        write_json(path, {"bad": object()})
    assert json.loads(path.read_text()) == {"old": 1}
    assert os.listdir(tmp_path) == ["f.json"]


def test_markdown_table_aligns():
    table = markdown_table(["a", "bb"], [[1, 0.5], ["long", True]])
    lines = table.splitlines()
    assert len({len(line) for line in lines}) == 1
    assert "yes" in lines[3] and "0.5" in lines[2]


@pytest.mark.parametrize(
    "fn, args, error, match",
    [
        (_validation.check_matrix, ("x", np.zeros(3)), ValueError, r"2-D.*\(3,\)"),
        (_validation.check_matrix, ("x", np.zeros((0, 2))), ValueError, r"\(0, 2\)"),
        (_validation.check_matrix, ("x", np.array([["a"]])), TypeError, "real numeric"),
        (_validation.check_matrix, ("x", np.zeros((2, 2), complex)), TypeError, "complex"),
        (
            _validation.check_same_length,
            ("X", np.zeros((64, 2)), "y", np.zeros(63)),
            ValueError,
            "X has 64 samples, y has 63",
        ),
        (_validation.check_finite, ("x", np.array([1.0, np.nan])), ValueError, "NaN"),
        (_validation.check_binary, ("x", np.array([0, 1, 2])), ValueError, r"binary.*\[2\]"),
        (_validation.check_labels, ("y", np.array([0, 3, -1]), 3), ValueError, r"\[-1, 3\]"),
        (_validation.check_positive, ("learning_rate", float("nan")), ValueError, "learning_rate"),
        (_validation.check_positive, ("learning_rate", 0.0), ValueError, "> 0"),
    ],
)
def test_validation_errors_name_the_problem(fn, args, error, match):
    with pytest.raises(error, match=match):
        fn(*args)


def test_check_matrix_names_feature_counts():
    with pytest.raises(ValueError, match="3 features, expected 4"):
        _validation.check_matrix("x", np.zeros((2, 3)), features=4)


def test_validation_accepts_good_input():
    _validation.check_matrix("x", np.zeros((2, 3)), features=3)
    _validation.check_binary("x", np.array([[0, 1], [1, 1]]))
    _validation.check_labels("y", np.array([0, 2]), 3)
    _validation.check_positive("w_d", 0.0, allow_zero=True)


def test_one_public_call_turns_on_the_persistent_cache(tmp_path):
    import jax

    names = (
        "jax_compilation_cache_dir",
        "jax_persistent_cache_min_compile_time_secs",
        "jax_persistent_cache_min_entry_size_bytes",
    )
    before = {n: getattr(jax.config, n) for n in names}
    try:
        path = jaxnn.compilation_cache(tmp_path / "xla")
        assert path == tmp_path / "xla" and path.is_dir()
        assert jax.config.jax_compilation_cache_dir == str(path)
        assert jax.config.jax_persistent_cache_min_compile_time_secs == 0
        assert jax.config.jax_persistent_cache_min_entry_size_bytes == -1
    finally:
        for n, v in before.items():
            jax.config.update(n, v)

"""The search space of a sweep: value lists, log ranges, grids and random samples."""

import numpy as np
import pytest

from jaxnn.sweeps import grid, log_range, random_settings
from jaxnn.sweeps._search_space import check_settings, grid_size, parse_choices, parse_numbers


def test_log_range_end_points_and_spacing():
    values = log_range(1e-4, 1e-1, 4)
    assert values[0] == 1e-4 and values[-1] == 1e-1
    np.testing.assert_allclose(values, [1e-4, 1e-3, 1e-2, 1e-1], rtol=1e-12)
    assert log_range(3.0, 5.0, 1) == [3.0]


@pytest.mark.parametrize(
    "low, high, num, match",
    [(0.0, 1.0, 3, "positive"), (1.0, -1.0, 3, "positive"), (1.0, 2.0, 0, "at least 1")],
)
def test_log_range_bad(low, high, num, match):
    with pytest.raises(ValueError, match=match):
        log_range(low, high, num)


def test_parse_numbers_lists_ranges_and_mixtures():
    assert parse_numbers("-lr", "1e-3") == [1e-3]
    assert parse_numbers("-lr", "1e-3, 3e-3") == [1e-3, 3e-3]
    np.testing.assert_allclose(parse_numbers("-lr", "1e-4:1e-1:8"), np.geomspace(1e-4, 1e-1, 8))
    assert len(parse_numbers("-lr", "1e-4:1e-1:8")) == 8
    assert parse_numbers("-m", "0,1e-2:1e-1:2") == [0.0, 1e-2, 1e-1]
    assert parse_numbers("-lr", "1e-3,1e-3,2e-3") == [1e-3, 2e-3]  # duplicates dropped


def test_parse_numbers_integers():
    assert parse_numbers("--seed", "0,1,2", integer=True) == [0, 1, 2]
    assert parse_numbers("-sz", "16:256:5", integer=True) == [16, 32, 64, 128, 256]
    values = parse_numbers("--seed", "3", integer=True)
    assert values == [3] and isinstance(values[0], int)


@pytest.mark.parametrize(
    "text, integer, match",
    [
        ("", False, "empty value"),
        ("1e-3,", False, "empty value"),
        ("abc", False, "'abc' is not a number"),
        ("nan", False, "not a finite number"),
        ("1.5", True, "not an integer"),
        ("1e-4:1e-1", False, "LOW:HIGH:NUM"),
        ("1e-4:1e-1:0", False, "needs 1 to 1048576 values"),
        ("1e-4:1e-1:100000000", False, "needs 1 to 1048576 values, got 100000000"),
        ("0:1e-1:4", False, "positive bounds"),
        ("-1:1:4", False, "positive bounds"),
        ("1e-4:1e-1:2.5", False, "not an integer"),
    ],
)
def test_parse_numbers_bad(text, integer, match):
    with pytest.raises(ValueError, match=match) as info:
        parse_numbers("-lr", text, integer=integer)
    assert str(info.value).startswith("-lr: ")


def test_parse_choices():
    assert parse_choices("-a", "tanh,relu", ("tanh", "relu", "sigmoid")) == ["tanh", "relu"]
    with pytest.raises(ValueError, match="-a: unknown value\\(s\\) swish; valid: tanh, relu"):
        parse_choices("-a", "tanh,swish", ("tanh", "relu"))
    with pytest.raises(ValueError, match="empty value"):
        parse_choices("-a", "tanh,", ("tanh", "relu"))


def test_grid_is_the_cartesian_product_last_axis_fastest():
    settings = grid(lr=[0.1, 0.01], seed=[0, 1, 2])
    assert settings == [
        {"lr": 0.1, "seed": 0},
        {"lr": 0.1, "seed": 1},
        {"lr": 0.1, "seed": 2},
        {"lr": 0.01, "seed": 0},
        {"lr": 0.01, "seed": 1},
        {"lr": 0.01, "seed": 2},
    ]
    assert grid_size({"lr": [0.1, 0.01], "seed": range(3)}) == 6
    assert grid({"lr": [0.1, 0.01]}, seed=[0, 1, 2]) == settings
    assert grid() == [{}]


def test_grid_bad_axes():
    with pytest.raises(ValueError, match="axis 'lr' is empty"):
        grid(lr=[], seed=[0])
    with pytest.raises(TypeError, match="axis 'a' must be a list"):
        grid(a="tanh")


def test_random_settings_distinct_seeded_and_from_the_grid():
    axes = {"lr": log_range(1e-4, 1e-1, 10), "seed": list(range(10)), "a": ["tanh", "relu"]}
    full = grid(**axes)
    drawn = random_settings(axes, 50, sample_seed=7)
    assert len(drawn) == 50
    assert len({tuple(d.values()) for d in drawn}) == 50
    assert all(d in full for d in drawn)
    assert drawn == random_settings(axes, 50, sample_seed=7)
    assert drawn != random_settings(axes, 50, sample_seed=8)
    everything = random_settings(axes, len(full))
    assert sorted(map(str, everything)) == sorted(map(str, full))


def test_random_settings_huge_grid_never_built():
    axes = {f"x{i}": list(range(100)) for i in range(12)}  # 1e24 settings: beyond int64
    assert grid_size(axes) == 100**12
    drawn = random_settings(axes, 5)
    assert len(drawn) == 5 and all(len(d) == 12 for d in drawn)


def test_random_settings_bad():
    with pytest.raises(ValueError, match="cannot sample 7 distinct settings from a grid of 6"):
        random_settings({"lr": [1, 2], "seed": [0, 1, 2]}, 7)
    with pytest.raises(ValueError, match="cannot sample 0"):
        random_settings({"lr": [1, 2]}, 0)


def test_check_settings():
    known = {"learning_rate", "seed"}.__contains__
    assert check_settings([{"seed": 1}], known) == [{"seed": 1}]
    with pytest.raises(ValueError, match="settings is empty"):
        check_settings([], known)
    with pytest.raises(ValueError, match=r"settings\[1\] has unknown key\(s\) \['bogus'\]"):
        check_settings([{"seed": 1}, {"bogus": 0.1}], known)
    with pytest.raises(TypeError, match="list of dicts"):
        check_settings({"seed": 1}, known)

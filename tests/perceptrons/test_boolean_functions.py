"""Boolean functions and exact linear separability (notes 2.4)."""

from pathlib import Path

import chex
import numpy as np
import pytest

import jaxnn
from jaxnn.perceptrons import separable_by_lp
from jaxnn.perceptrons._boolean import _circuits  # the module under test


def test_inputs_in_the_order_of_the_notes_tables():
    np.testing.assert_array_equal(jaxnn.boolean_inputs(2), [[0, 0], [1, 0], [0, 1], [1, 1]])
    x3 = np.asarray(jaxnn.boolean_inputs(3))
    chex.assert_shape(x3, (8, 3))
    np.testing.assert_array_equal(x3[:, 0], [0, 1] * 4)  # x1 varies fastest
    assert len({tuple(r) for r in x3}) == 8


def test_functions_in_the_order_of_table_2():
    f = np.asarray(jaxnn.boolean_functions(2))
    chex.assert_shape(f, (16, 4))
    # the notes' Table 2, columns f1..f16 read top row first
    table2 = np.array(
        [
            [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1],
            [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1],
            [0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1],
            [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1],
        ]
    )
    np.testing.assert_array_equal(f, table2.T)
    names = jaxnn.TWO_INPUT_FUNCTION_NAMES
    assert (names[1], names[6], names[9], names[15]) == ("AND", "XOR", "XNOR", "TRUE")
    np.testing.assert_array_equal(f[1], [0, 0, 0, 1])
    np.testing.assert_array_equal(f[6], [0, 1, 1, 0])
    np.testing.assert_array_equal(f[7], [0, 1, 1, 1])  # OR
    np.testing.assert_array_equal(f[14], [1, 1, 1, 0])  # NAND
    assert jaxnn.function_number([0, 1, 1, 0]) == 7
    assert [jaxnn.function_number(t) for t in f] == list(range(1, 17))


@pytest.mark.parametrize("n, count", [(1, 4), (2, 14), (3, 104), (4, 1882)])
def test_separable_counts(n, count):
    result = jaxnn.classify_boolean_functions(n)
    assert int(result.separable.sum()) == count
    chex.assert_shape(result.outputs, (2 ** (2**n), 2**n))
    chex.assert_shape(result.w, (2 ** (2**n), n))


def test_only_xor_and_xnor_are_not_separable_for_two_inputs():
    sep = np.asarray(jaxnn.classify_boolean_functions(2).separable)
    assert [jaxnn.TWO_INPUT_FUNCTION_NAMES[j] for j in np.flatnonzero(~sep)] == ["XOR", "XNOR"]


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_witnesses_separate_exactly_in_integers(n):
    r = jaxnn.classify_boolean_functions(n)
    sep = np.asarray(r.separable)
    wb = np.concatenate([np.asarray(r.b)[:, None], np.asarray(r.w)], axis=1)[sep]
    assert np.all(wb == np.rint(wb))  # integer-valued
    a = np.concatenate([np.ones((2**n, 1)), np.asarray(r.inputs)], axis=1).astype(np.int64)
    out = (wb.astype(np.int64) @ a.T >= 0).astype(int)
    np.testing.assert_array_equal(out, np.asarray(r.outputs)[sep])
    assert np.all(np.isnan(np.asarray(r.w)[~sep]))


@pytest.mark.parametrize("n", [1, 2, 3])
def test_agrees_with_an_exact_lp_for_every_function(n):
    r = jaxnn.classify_boolean_functions(n)
    x = np.asarray(r.inputs, float)
    lp = [separable_by_lp(x, t) for t in np.asarray(r.outputs)]
    np.testing.assert_array_equal(np.asarray(r.separable), lp)


@pytest.mark.slow
def test_agrees_with_an_exact_lp_on_a_sample_of_four_inputs():
    r = jaxnn.classify_boolean_functions(4)
    rng = np.random.default_rng(0)
    sample = np.concatenate(
        [rng.choice(2**16, 300, replace=False), np.flatnonzero(np.asarray(r.separable))[::10]]
    )
    x = np.asarray(r.inputs, float)
    lp = [separable_by_lp(x, np.asarray(r.outputs)[j]) for j in sample]
    np.testing.assert_array_equal(np.asarray(r.separable)[sample], lp)


@pytest.mark.parametrize("n, count", [(1, 0), (2, 1), (3, 20), (4, 1348)])
def test_circuits_are_exact_dependences(n, count):
    v, pos, neg = _circuits(n)
    assert len(v) == count
    a = np.concatenate([np.ones((2**n, 1), np.int64), np.asarray(jaxnn.boolean_inputs(n))], 1)
    assert np.all(v @ a == 0)
    assert np.all(pos & neg == 0)
    for row in v:  # minimal: removing any row of the support leaves independent rows
        support = np.flatnonzero(row)
        assert np.linalg.matrix_rank(a[support].astype(float)) == len(support) - 1


def test_linear_separability_certificates():
    s = jaxnn.linear_separability([0, 0, 0, 1])
    assert bool(s.separable)
    assert np.array_equal(
        jaxnn.perceptron(jaxnn.PerceptronParams(s.w, s.b), jaxnn.boolean_inputs(2)), [0, 0, 0, 1]
    )
    s = jaxnn.linear_separability(np.array([0, 1, 1, 0]))
    assert not bool(s.separable)
    lam = np.asarray(s.circuit)
    np.testing.assert_array_equal(lam, [-1, 1, 1, -1])  # (0,0) + (1,1) = (1,0) + (0,1)
    table = np.array([0, 1, 1, 0])
    assert np.all(lam[table == 1] >= 0) and np.all(lam[table == 0] <= 0)


def test_linear_separability_matches_classification_for_three_inputs():
    r = jaxnn.classify_boolean_functions(3)
    for j in range(0, 256, 17):
        s = jaxnn.linear_separability(np.asarray(r.outputs)[j])
        assert bool(s.separable) == bool(r.separable[j])
        if not s.separable:
            a = np.concatenate([np.ones((8, 1)), np.asarray(r.inputs)], 1)
            assert np.all(np.asarray(s.circuit) @ a == 0)


def test_bad_n_and_bad_tables():
    for f in (jaxnn.boolean_functions, jaxnn.classify_boolean_functions):
        with pytest.raises(
            ValueError, match=r"n must be between 1 and 4, got 5 \(n = 5 has 2\*\*32"
        ):
            f(5)
        with pytest.raises(ValueError, match="n must be between 1 and 4, got 0"):
            f(0)
        with pytest.raises(TypeError, match="n must be an integer"):
            f(2.0)
    with pytest.raises(ValueError, match=r"table must have 2\*\*n entries for some n >= 1, got 5"):
        jaxnn.linear_separability([0, 1, 1, 0, 1])
    with pytest.raises(ValueError, match=r"table must be binary \(0 or 1\), got value\(s\) \[2\]"):
        jaxnn.linear_separability([0, 1, 2, 0])
    with pytest.raises(ValueError, match="n must be between 1 and 4, got 5"):
        jaxnn.linear_separability(np.zeros(32, int))
    with pytest.raises(ValueError, match="table must be 1-D"):
        jaxnn.function_number(np.zeros((2, 2), int))


@pytest.mark.slow
def test_benchmark_quick_runs(monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1]))  # benchmarks/ lives there
    from benchmarks.boolean_functions import run

    bench = run(quick=True)
    assert bench.data["lp_agree"] == bench.data["lp_sample"]
    assert "scipy linprog" in bench.table

"""Counting threshold functions exactly by symmetry (notes 2.4)."""

import itertools
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

import jaxnn
from jaxnn._cli import main
from jaxnn.perceptrons import separable_by_lp

# OEIS, n = 0, 1, 2, ...; written out here, never taken from jaxnn
A000609 = [2, 4, 14, 104, 1882, 94572, 15028134, 8378070864]  # threshold functions, <= n vars
A000615 = [2, 2, 8, 72, 1536, 86080, 14487040, 8274797440]  # exactly n variables
A002078 = [2, 3, 6, 20, 150, 3287, 244158, 66291591]  # N-classes, <= n variables
A002079 = [2, 1, 2, 9, 96, 2690, 226360, 64646855]  # N-classes, exactly n variables
A001530 = [1, 1, 1, 3, 9, 48, 504, 14188]  # NPN-classes, exactly n variables


def _rows(n):
    r = np.arange(2**n)
    return (r[:, None] >> np.arange(n)[None, :]) & 1


def _some_not_up_set(tables, n):
    """True if some table is not an up-set of the shift order (a 1 moved left or x_n raised)."""
    rows = _rows(n)
    for r, x in enumerate(rows):
        for k in range(n):
            y = x.copy()
            if k < n - 1 and x[k] == 0 and x[k + 1] == 1:
                y[k], y[k + 1] = 1, 0
            elif k == n - 1 and x[k] == 0:
                y[k] = 1
            else:
                continue
            if np.any(tables[:, r] > tables[:, int(y @ (1 << np.arange(n)))]):
                return True
    return False


def _table(weights, threshold, n):
    return (_rows(n) @ np.asarray(weights, np.int64) >= threshold).astype(np.uint8)


@pytest.mark.parametrize("n", range(0, 7))
def test_counts_equal_oeis(n):
    r = jaxnn.count_threshold_functions(n)
    assert r.n == n
    assert r.threshold_functions == A000609[n]
    assert r.exactly_n == A000615[n]
    assert r.n_classes == A002078[n]
    assert r.n_classes_exactly_n == A002079[n]
    assert r.npn_classes_exactly_n == A001530[n]
    assert r.npn_classes == sum(A001530[: n + 1])
    assert list(r.by_variables) == A000609[: n + 1]
    assert r.np_classes == len(r.classes.tables)
    # every accepted candidate is a class with at most half the rows true (the constant 0 is none)
    half = r.classes.tables.sum(1) <= 2**n / 2
    assert r.candidates - r.rejected == half.sum() - 1


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_counts_and_membership_equal_the_full_classification(n):
    full = jaxnn.classify_boolean_functions(n)
    separable = np.asarray(full.separable)
    assert jaxnn.count_threshold_functions(n).threshold_functions == int(separable.sum())
    member = jaxnn.is_threshold_function(np.asarray(full.outputs))
    np.testing.assert_array_equal(member, separable)


def _orbit(table, n):
    """Every function obtained from ``table`` by permuting and negating inputs."""
    rows = _rows(n)
    out = set()
    for perm in itertools.permutations(range(n)):
        for neg in range(2**n):
            # g(x) = f(y), y_j = x_{perm[j]} xor bit j of neg
            y = rows[:, list(perm)] ^ ((neg >> np.arange(n)) & 1)[None, :]
            out.add(tuple(table[y @ (1 << np.arange(n))]))
    return out


@pytest.mark.parametrize("n", [2, 3, 4])
def test_orbits_are_disjoint_and_cover_every_threshold_function(n):
    classes = jaxnn.count_threshold_functions(n).classes
    separable = np.asarray(jaxnn.classify_boolean_functions(n).separable)
    outputs = np.asarray(jaxnn.classify_boolean_functions(n).outputs)
    want = {tuple(t) for t in outputs[separable]}
    seen = set()
    for table, functions in zip(classes.tables, classes.functions):
        orbit = _orbit(table, n)
        assert len(orbit) == functions  # 2^k n! / prod s_j!
        assert not orbit & seen
        seen |= orbit
    assert seen == want


@pytest.mark.parametrize("n", [4, 5, 6])
def test_witnesses_separate_their_functions_in_integers(n):
    c = jaxnn.count_threshold_functions(n).classes
    rows = _rows(n)
    v = c.weights @ rows.T  # int64, exact
    np.testing.assert_array_equal(v >= c.thresholds[:, None], c.tables == 1)
    assert np.all(c.weights >= 0) and np.all(np.diff(c.weights, axis=1) <= 0)
    for w, k, blocks in zip(c.weights, c.essential, c.blocks):
        assert np.all(w[k:] == 0) and np.all(w[:k] > 0)
        assert np.all(blocks[k:] == -1) and np.all(np.diff(blocks[:k]) >= 0)
        for b in np.unique(blocks[:k]):  # interchangeable inputs get equal weights
            assert len(set(w[blocks == b].tolist())) == 1


def test_classes_are_canonical_positive_and_closed_under_duality():
    c = jaxnn.count_threshold_functions(5).classes
    assert not _some_not_up_set(c.tables, 5)
    canon, unate = jaxnn.canonical_form(c.tables)
    assert unate.all()
    np.testing.assert_array_equal(canon, c.tables)
    keys = {t.tobytes() for t in c.tables}
    dual = 1 - c.tables[:, ::-1]
    assert all(t.tobytes() in keys for t in dual)
    np.testing.assert_array_equal(c.self_dual, np.all(dual == c.tables, axis=1))
    fact = math.factorial
    for k, blocks, positive, functions in zip(c.essential, c.blocks, c.positive, c.functions):
        sizes = np.bincount(blocks[blocks >= 0]) if k else []
        expect = fact(5) // (math.prod(fact(int(s)) for s in sizes) * fact(5 - int(k)))
        assert positive == expect and functions == expect * 2 ** int(k)


def test_canonical_form_is_invariant_under_negating_and_permuting_inputs():
    rng = np.random.default_rng(3)
    n = 5
    rows = _rows(n)
    for _ in range(40):
        w = rng.integers(-6, 7, n)
        table = _table(w, int(rng.integers(-8, 9)), n)
        perm, neg = rng.permutation(n), rng.integers(0, 2, n)
        moved = table[(rows[:, perm] ^ neg[None, :]) @ (1 << np.arange(n))]
        c1, u1 = jaxnn.canonical_form(table)
        c2, u2 = jaxnn.canonical_form(moved)
        assert u1 and u2
        np.testing.assert_array_equal(c1, c2)
    xor = np.array([0, 1, 1, 0] * 8, np.uint8)
    assert not jaxnn.canonical_form(xor)[1]  # not unate, so not threshold


@pytest.mark.slow
def test_a_sample_of_five_input_functions_agrees_with_the_exact_lp():
    """3,000 functions of 5 inputs: the counted set against scipy's LP, one by one."""
    n, size = 5, 3_000
    rng = np.random.default_rng(15)
    rows = _rows(n)
    third = size // 3
    uniform = rng.integers(0, 2, (third, 32))
    w = rng.integers(-9, 10, (third, n))
    theta = rng.integers(-12, 13, (third, 1))
    weighted = (w @ rows.T >= theta).astype(np.int64)  # threshold by construction
    flipped = (rng.integers(-9, 10, (size - 2 * third, n)) @ rows.T >= 0).astype(np.int64)
    flipped[np.arange(len(flipped)), rng.integers(0, 32, len(flipped))] ^= 1  # one row flipped
    tables = np.concatenate([uniform, weighted, flipped])
    member = jaxnn.is_threshold_function(tables)
    lp = np.array([separable_by_lp(rows, t) for t in tables])
    np.testing.assert_array_equal(member, lp)
    assert lp[third : 2 * third].all() and 0 < lp[2 * third :].sum() < len(flipped)


def test_rejected_candidates_carry_verified_gordan_certificates():
    n = 6  # the first n with candidates that are not threshold functions
    found = jaxnn.perceptrons.threshold_candidates(n)
    tables, sigma = found.rejected, found.certificates
    assert len(tables) == len(sigma) == jaxnn.count_threshold_functions(n).rejected > 0
    assert not _some_not_up_set(tables, n)  # each is an up-set of the shift order
    rows = _rows(n)
    np.testing.assert_array_equal(found.inputs, rows)
    a = np.concatenate([np.ones((2**n, 1), np.int64), rows], axis=1)
    np.testing.assert_array_equal(sigma @ a, 0)  # sum_x sigma_x (1, x) = 0
    assert np.all(np.any(sigma != 0, axis=1))
    assert np.all(sigma[tables == 0] <= 0) and np.all(sigma[tables == 1] >= 0)
    assert not any(separable_by_lp(rows, t) for t in tables)


def test_the_exact_simplex_decides_like_the_float_one(monkeypatch):
    """Forcing every candidate through the rational fallback gives the same decisions."""
    from jaxnn.perceptrons._counting import _decide

    n = 6
    found = jaxnn.perceptrons.threshold_candidates(n)
    tables = np.concatenate([found.accepted[found.accepted.sum(1) > 20][:40], found.rejected])
    sep, tau, w, redo = _decide.decide(tables)
    assert redo == 0

    def unresolved(a, valid, max_iter=0):
        basis, rhs, duals, done = original(a, valid, max_iter=0)
        return basis, rhs, duals, np.zeros_like(done)

    original = _decide.simplex
    monkeypatch.setattr(_decide, "simplex", unresolved)
    sep2, tau2, w2, redo2 = _decide.decide(tables)
    assert redo2 == len(tables)
    np.testing.assert_array_equal(sep2, sep)
    assert sep.sum() == 40 and (~sep).sum() == len(found.rejected)
    v = tau2[:, None] + w2 @ _rows(n).T
    np.testing.assert_array_equal((v > 0)[sep2], tables[sep2] == 1)


@pytest.mark.parametrize(
    "n, error, message",
    [
        (-1, ValueError, "n must be a number of variables >= 0, got -1"),
        (10, ValueError, "no count of threshold functions is known beyond n = 9"),
        (2.5, TypeError, "n must be an integer"),
        (True, TypeError, "n must be an integer"),
        ("6", TypeError, "n must be an integer"),
    ],
)
def test_bad_n(n, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(")):
        jaxnn.count_threshold_functions(n)


def test_n_8_needs_force_and_says_what_it_costs(monkeypatch):
    # the real estimate counts n = 7 first; that belongs in the benchmark, so it is stubbed here
    from jaxnn.perceptrons._counting import _count

    monkeypatch.setattr(_count, "estimate_cost", lambda n: (400.0, 3.5 * 2**30))
    with pytest.raises(ValueError, match=r"n = 8 needs about 7 min and 4 GiB .* pass force=True"):
        jaxnn.count_threshold_functions(8)
    monkeypatch.setattr(_count, "estimate_cost", lambda n: (4e5, 2e12))
    with pytest.raises(ValueError, match=r"n = 9 needs about 5 days and 1863 GiB.*more than"):
        jaxnn.count_threshold_functions(9, force=True)  # refused even so: not enough memory


def test_cli_count_json_and_witnesses(tmp_path, capsys):
    out, wit = tmp_path / "c.json", tmp_path / "w.json"
    argv = ["boolean", "--count", "5", "--json", str(out), "--witnesses", str(wit)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "94572" in text and "witnesses: 119 classes of 5 variables" in text
    rows = json.loads(out.read_text())["count"]
    assert [r["threshold_functions"] for r in rows] == A000609[:6]
    assert [r["npn_classes_exactly_n"] for r in rows] == A001530[:6]
    data = json.loads(wit.read_text())
    assert data["n"] == 5 and data["threshold_functions"] == A000609[5]
    assert len(data["classes"]) == data["classes_count"] == 119
    assert sum(c["functions"] for c in data["classes"]) == A000609[5]
    x = _rows(5)
    for c in data["classes"]:  # anyone can check the witnesses: they give back the table
        table = (int(c["table"], 16) >> np.arange(32)) & 1
        np.testing.assert_array_equal(x @ np.array(c["weights"]) >= c["threshold"], table == 1)


def test_cli_count_6_prints_the_count(capsys):
    assert main(["boolean", "--count", "6"]) == 0
    assert "| 6 | 15028134 " in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--count", "-1"], "--count -1: n must be a number of variables >= 0, got -1"),
        (["--count", "2.5"], "argument --count: invalid int value: '2.5'"),
        (["--count", "10"], "no count of threshold functions is known beyond n = 9"),
        (["--count", "8"], "n = 8 needs about 7 min and 4 GiB"),
        (["--witnesses", "w.json"], "--witnesses and --force go with --count N"),
    ],
)
def test_cli_count_bad_input_exits_2_with_one_line(argv, message, capsys, monkeypatch):
    from jaxnn.perceptrons._counting import _count

    monkeypatch.setattr(_count, "estimate_cost", lambda n: (400.0, 3.5 * 2**30))
    assert main(["boolean", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("jaxnn: error:") and message in err[0]
    if argv[:2] == ["--count", "8"]:
        assert "--force" in err[0]


def test_canonical_form_bad_input():
    with pytest.raises(ValueError, match="2\\*\\*n columns"):
        jaxnn.canonical_form(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="0/1"):
        jaxnn.canonical_form(np.array([0, 2, 1, 1]))


def test_the_package_readme_maps_every_module():
    import jaxnn.perceptrons._counting as package

    folder = Path(package.__file__).parent
    mapped = set(re.findall(r"^\| `([\w.]+\.py)` \|", (folder / "README.md").read_text(), re.M))
    assert mapped == {p.name for p in folder.glob("*.py")}

"""Output functions and losses of notes 4.2: gradient w.r.t. a_L, stability, bad targets."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import PAIRS
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from jaxnn import LOSSES, OUTPUTS, loss_from_logits, loss_grad_wrt_logits, output_fn
from jaxnn.feedforward._losses import check_targets, resolve_loss, resolve_output


def _targets(rng, loss, n, k, dtype=np.float64):
    if loss == "cross_entropy":
        return rng.integers(0, k, size=n)
    if loss == "binary_cross_entropy":
        return rng.integers(0, 2, size=(n, k)).astype(dtype)
    return rng.normal(size=(n, k)).astype(dtype)


# The notes' outputs and losses: the registries must hold them (they may hold more).
REQUIRED_OUTPUTS = {"linear", "softmax", "sigmoid"}
REQUIRED_LOSSES = {"cross_entropy", "mse", "binary_cross_entropy"}
# One row per output function, its oracle from jax.
OUTPUT_ORACLE = {"linear": lambda a: a, "softmax": jax.nn.softmax, "sigmoid": jax.nn.sigmoid}


def _optax_loss(output, loss, a, y):
    """optax's loss for (output, loss): summed over the outputs, averaged over the batch (the
    notes' (1/N) sum_i sum_j)."""
    import optax

    if loss == "cross_entropy":
        return jnp.mean(optax.softmax_cross_entropy_with_integer_labels(a, y))
    if loss == "binary_cross_entropy":
        return jnp.sum(optax.sigmoid_binary_cross_entropy(a, y)) / a.shape[0]
    return jnp.sum(optax.squared_error(OUTPUT_ORACLE[output](a), y)) / a.shape[0]


def test_names():
    assert REQUIRED_OUTPUTS <= set(OUTPUTS) and REQUIRED_LOSSES <= set(LOSSES)
    for registry in (OUTPUTS, LOSSES):
        assert all(value.name == name for name, value in registry.items())
    assert {loss for _, loss in PAIRS} <= set(LOSSES)


@pytest.mark.parametrize("output", [o for o in OUTPUTS if o in OUTPUT_ORACLE])
def test_each_output_equals_jax_float64(output):
    rng = np.random.default_rng(3)
    with jax.enable_x64(True):
        a = jnp.asarray(rng.normal(size=(6, 4)) * 5)
        chex.assert_trees_all_close(
            output_fn(a, output), OUTPUT_ORACLE[output](a), rtol=1e-12, atol=1e-300
        )


@pytest.mark.parametrize("output,loss", PAIRS)
def test_each_loss_equals_optax_float64(output, loss):
    rng = np.random.default_rng(2)
    with jax.enable_x64(True):
        a = jnp.asarray(rng.normal(size=(7, 4)) * 3)
        y = jnp.asarray(_targets(rng, loss, 7, 4))
        got = loss_from_logits(a, y, output=output, loss=loss)
        np.testing.assert_allclose(got, _optax_loss(output, loss, a, y), rtol=1e-12)


@jax.jit
def _outputs(a):
    return {o: output_fn(a, o) for o in OUTPUTS}


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float32, (6, 5), elements=st.floats(-1e4, 1e4, width=32)))
def test_softmax_rows_sum_to_one_and_sigmoid_in_unit_interval(a):
    out = _outputs(jnp.asarray(a))  # one shape: compiled once
    p = np.asarray(out["softmax"], np.float64)
    np.testing.assert_allclose(np.sum(p, axis=1), 1.0, rtol=1e-5)
    assert np.all(p >= 0)
    s = np.asarray(out["sigmoid"])
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_array_equal(out["linear"], a)


def test_losses_are_the_notes_formulas():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5, 3))
    with jax.enable_x64(True):
        a_L = jnp.asarray(a)
        # cross-entropy: -(1/N) sum_i log y_hat_{i, l_i}
        labels = np.array([0, 2, 1, 1, 0])
        p = np.exp(a) / np.exp(a).sum(axis=1, keepdims=True)
        expected = -np.mean(np.log(p[np.arange(5), labels]))
        got = loss_from_logits(a_L, jnp.asarray(labels), output="softmax", loss="cross_entropy")
        np.testing.assert_allclose(got, expected, rtol=1e-12)
        one_hot = np.eye(3)[labels]
        got = loss_from_logits(a_L, jnp.asarray(one_hot), output="softmax", loss="cross_entropy")
        np.testing.assert_allclose(got, expected, rtol=1e-12)
        # squared error: (1/N) sum_i sum_j (y_hat_ij - y_ij)^2, for each output function
        y = rng.normal(size=(5, 3))
        s = 1 / (1 + np.exp(-a))
        for output, y_hat in (("linear", a), ("softmax", p), ("sigmoid", s)):
            got = loss_from_logits(a_L, jnp.asarray(y), output=output, loss="mse")
            np.testing.assert_allclose(got, np.sum((y_hat - y) ** 2) / 5, rtol=1e-12)
        # binary cross-entropy: -(1/N) sum_i sum_j y log y_hat + (1 - y) log(1 - y_hat)
        t = rng.integers(0, 2, size=(5, 3)).astype(float)
        expected = -np.sum(t * np.log(s) + (1 - t) * np.log(1 - s)) / 5
        got = loss_from_logits(a_L, jnp.asarray(t), output="sigmoid", loss="binary_cross_entropy")
        np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize("output,loss", PAIRS)
@pytest.mark.parametrize("jit", [False, True])
def test_grad_wrt_logits_equals_autodiff(output, loss, jit):
    rng = np.random.default_rng(1)
    with jax.enable_x64(True):
        a_L = jnp.asarray(rng.normal(size=(7, 4)) * 3)
        y = jnp.asarray(_targets(rng, loss, 7, 4))

        def explicit(a):
            return loss_grad_wrt_logits(a, output_fn(a, output), y, output=output, loss=loss)

        auto = jax.grad(lambda a: loss_from_logits(a, y, output=output, loss=loss))
        if jit:
            explicit, auto = jax.jit(explicit), jax.jit(auto)
        chex.assert_trees_all_close(explicit(a_L), auto(a_L), rtol=1e-10, atol=1e-15)


def test_closed_form_cross_entropy_gradient():
    # line 1 of Algorithm 6: grad a_L = -(e(y) - y_hat), here divided by the batch size
    with jax.enable_x64(True):
        a_L = jnp.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
        y = jnp.array([1, 2])
        y_hat = output_fn(a_L, "softmax")
        got = loss_grad_wrt_logits(a_L, y_hat, y, output="softmax", loss="cross_entropy")
        np.testing.assert_allclose(got, -(np.eye(3)[[1, 2]] - y_hat) / 2, rtol=1e-15)


def test_soft_targets_gradient_equals_autodiff():
    with jax.enable_x64(True):
        a_L = jnp.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
        y = jnp.array([[0.2, 0.2, 0.6], [0.5, 0.5, 0.0]])

        @jax.jit  # traced targets skip the value check, the formula must still be exact
        def both(a, y):
            explicit = loss_grad_wrt_logits(
                a, output_fn(a, "softmax"), y, output="softmax", loss="cross_entropy"
            )
            auto = jax.grad(loss_from_logits)(a, y, output="softmax", loss="cross_entropy")
            return explicit, auto

        explicit, auto = both(a_L, y)
        chex.assert_trees_all_close(explicit, auto, rtol=1e-12, atol=1e-16)


def test_traced_rows_not_summing_to_one_flag_nan_loss_and_gradient():
    # inside jit the rows cannot be checked: the loss and the gradients carry a NaN flag
    a_L = jnp.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    y = jnp.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])  # first row sums to 2

    @jax.jit
    def all_three(a, y):
        loss = loss_from_logits(a, y, output="softmax", loss="cross_entropy")
        explicit = loss_grad_wrt_logits(
            a, output_fn(a, "softmax"), y, output="softmax", loss="cross_entropy"
        )
        auto = jax.grad(loss_from_logits)(a, y, output="softmax", loss="cross_entropy")
        return loss, explicit, auto

    loss, explicit, auto = all_three(a_L, y)
    assert jnp.isnan(loss)
    assert jnp.all(jnp.isnan(explicit[0])) and jnp.all(jnp.isfinite(explicit[1]))
    assert jnp.all(jnp.isnan(auto[0]))
    with pytest.raises(ValueError, match="sum to 1"):
        check_targets(np.asarray(y), 3, 2, "cross_entropy")


def test_masked_minus_inf_logit_gives_what_optax_gives():
    import optax

    a_L = jnp.array([[0.0, 0.0, -jnp.inf]])  # class 2 masked out; the label is class 0
    ours = loss_from_logits(a_L, jnp.array([0]), output="softmax", loss="cross_entropy")
    theirs = optax.softmax_cross_entropy_with_integer_labels(a_L, jnp.array([0]))[0]
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    np.testing.assert_allclose(ours, np.log(2), rtol=1e-6)
    one_hot = loss_from_logits(
        a_L, jnp.array([[1.0, 0, 0]]), output="softmax", loss="cross_entropy"
    )
    np.testing.assert_allclose(one_hot, np.log(2), rtol=1e-6)
    for g in (
        jax.grad(loss_from_logits)(a_L, jnp.array([0]), output="softmax", loss="cross_entropy"),
        loss_grad_wrt_logits(
            a_L, output_fn(a_L, "softmax"), jnp.array([0]), output="softmax", loss="cross_entropy"
        ),
    ):
        np.testing.assert_allclose(g, [[-0.5, 0.5, 0.0]], atol=1e-7)


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.bfloat16, jnp.float16])
def test_cross_entropy_stable_at_extreme_logits(dtype):
    a_L = jnp.array([[1e4, 0.0, -1e4], [-1e4, 0.0, 1e4]], dtype)

    @jax.jit
    def all_three(a_L, y):
        loss = loss_from_logits(a_L, y, output="softmax", loss="cross_entropy")
        auto = jax.grad(loss_from_logits)(a_L, y, output="softmax", loss="cross_entropy")
        y_hat = output_fn(a_L, "softmax")
        explicit = loss_grad_wrt_logits(a_L, y_hat, y, output="softmax", loss="cross_entropy")
        return loss, auto, explicit

    for y in (jnp.array([0, 0]), jnp.array([[1.0, 0, 0], [1.0, 0, 0]], dtype)):
        loss, auto, explicit = all_three(a_L, y)
        assert jnp.isfinite(loss)
        # the second row puts all its mass on the wrong class: -log softmax = 2e4
        np.testing.assert_allclose(float(loss), (0 + 2e4) / 2, rtol=1e-2)
        expected = (np.array([[1.0, 0, 0], [0, 0, 1.0]]) - np.eye(3)[[0, 0]]) / 2
        for g in (auto, explicit):
            chex.assert_tree_all_finite(g)
            np.testing.assert_allclose(np.asarray(g, np.float32), expected, atol=1e-3)


# optax's SigmoidCrossEntropyTest table: the mean over two logits of the loss per element
OPTAX_BCE = [
    ([-1e9, -1e-9], [1.0, 0.0], 5e8),
    ([-1e9, -1e-9], [0.0, 1.0], 0.3465736),
    ([1e9, 1e-9], [1.0, 0.0], 0.3465736),
    ([1e9, 1e-9], [0.0, 1.0], 5e8),
    ([-1e9, 1e-9], [1.0, 0.0], 5e8),
    ([-1e9, 1e-9], [0.0, 1.0], 0.3465736),
    ([1e9, -1e-9], [1.0, 0.0], 0.3465736),
    ([1e9, -1e-9], [0.0, 1.0], 5e8),
    ([0.0, 0.0], [1.0, 0.0], 0.6931472),
    ([0.0, 0.0], [0.0, 1.0], 0.6931472),
]


@pytest.mark.parametrize("logits,labels,expected", OPTAX_BCE)
def test_binary_cross_entropy_matches_optax_table(logits, labels, expected):
    # two examples with one output each: our mean over the batch is optax's mean
    a_L = jnp.asarray(logits, jnp.float32)[:, None]
    y = jnp.asarray(labels, jnp.float32)[:, None]
    loss = loss_from_logits(a_L, y, output="sigmoid", loss="binary_cross_entropy")
    np.testing.assert_allclose(loss, expected, rtol=1e-6, atol=1e-6)
    grad = loss_grad_wrt_logits(
        a_L, output_fn(a_L, "sigmoid"), y, output="sigmoid", loss="binary_cross_entropy"
    )
    auto = jax.grad(loss_from_logits)(a_L, y, output="sigmoid", loss="binary_cross_entropy")
    chex.assert_tree_all_finite((grad, auto))
    chex.assert_trees_all_close(grad, auto, rtol=1e-6, atol=1e-7)


def test_binary_cross_entropy_finite_in_bfloat16():
    a_L = jnp.array([[1e9], [-1e9]], jnp.bfloat16)
    y = jnp.array([[0.0], [0.0]], jnp.bfloat16)
    loss = loss_from_logits(a_L, y, output="sigmoid", loss="binary_cross_entropy")
    assert jnp.isfinite(loss)
    np.testing.assert_allclose(float(loss), 5e8, rtol=1e-2)


def test_resolve_names_and_pairs():
    assert resolve_loss("mean_squared_error", "linear") == "mse"
    assert resolve_loss("squared_error", "softmax") == "mse"
    with pytest.raises(ValueError, match="unknown loss 'hinge'; valid: cross_entropy, mse"):
        resolve_loss("hinge", "linear")
    with pytest.raises(ValueError, match="unknown output 'relu'; valid: linear, softmax, sigmoid"):
        resolve_output("relu")
    with pytest.raises(ValueError, match="'cross_entropy' needs output softmax"):
        resolve_loss("cross_entropy", "linear")
    with pytest.raises(ValueError, match="'binary_cross_entropy' needs output sigmoid"):
        resolve_loss("binary_cross_entropy", "softmax")


def test_check_targets_layouts():
    y = check_targets(np.array([0, 2, 1]), 3, 3, "cross_entropy")
    assert y.shape == (3,) and jnp.issubdtype(y.dtype, jnp.integer)
    assert check_targets(np.array([0.5, 1.0]), 1, 2, "mse").shape == (2, 1)
    assert check_targets(np.eye(3), 3, 3, "cross_entropy").shape == (3, 3)


@pytest.mark.parametrize(
    "y,k,loss,match",
    [
        (np.array([0, 3, 1, -1]), 3, "cross_entropy", r"label\(s\) \[-1, 3\] outside \[0, 2\]"),
        (np.zeros((4, 2)), 3, "mse", r"y must have shape \(4, 3\) for 3 outputs, got \(4, 2\)"),
        (np.zeros(4), 3, "cross_entropy", r"\(4,\) integer labels or \(4, 3\)"),
        (np.zeros((3, 3)), 3, "mse", r"x has 4 samples, y has shape \(3, 3\)"),
        (np.zeros((4, 1), int), 3, "cross_entropy", r"integer labels y must have shape \(4,\)"),
        (np.full((4, 3), 0.5), 3, "cross_entropy", "rows of y must be >= 0 and sum to 1"),
        (np.full((4, 3), 2.0), 3, "binary_cross_entropy", r"must lie in \[0, 1\], got \[2.0\]"),
        (np.full((4, 3), np.nan), 3, "mse", "y contains 12 NaN or infinite"),
    ],
)
def test_check_targets_bad_values(y, k, loss, match):
    with pytest.raises(ValueError, match=match):
        check_targets(y, k, 4, loss)


def test_check_targets_empty_batch_and_complex():
    with pytest.raises(ValueError, match="batch is empty"):
        check_targets(np.zeros((0, 3)), 3, 0, "mse")
    with pytest.raises(TypeError, match="y must be a real numeric array"):
        check_targets(np.zeros((4, 3), complex), 3, 4, "mse")


def test_traced_out_of_range_labels_give_nan_not_a_silent_zero():
    a_L = jnp.zeros((2, 3))

    @jax.jit
    def both(y):
        loss = loss_from_logits(a_L, y, output="softmax", loss="cross_entropy")
        grad = loss_grad_wrt_logits(
            a_L, output_fn(a_L, "softmax"), y, output="softmax", loss="cross_entropy"
        )
        return loss, grad

    loss, grad = both(jnp.array([0, 5]))
    assert jnp.isnan(loss)
    assert jnp.all(jnp.isnan(grad[1])) and jnp.all(jnp.isfinite(grad[0]))
    loss, grad = both(jnp.array([0, 2]))
    np.testing.assert_allclose(loss, np.log(3), rtol=1e-6)

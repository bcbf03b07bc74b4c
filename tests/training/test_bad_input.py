"""Bad input names the argument and what was expected; inside jit the results carry a flag."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnn

X = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], np.float32)
Y = np.array([0, 1, 1, 0], np.int32)
XOR = jaxnn.Dataset(X, Y, X, Y, X, Y)
CONFIG = jaxnn.make_config((2, 4, 2), batch_size=4, epochs=3)


def test_nan_in_bfloat16_training_data_is_refused():
    x = X.astype(jnp.bfloat16)
    x[0, 0] = np.nan
    with pytest.raises(ValueError, match="x_train contains 1 NaN or infinite"):
        jaxnn.fit(jaxnn.Dataset(x, Y, X, Y, X, Y), hidden_sizes=(4,), batch_size=4, epochs=1)


def test_vector_hyperparameters_without_vmap_are_refused():
    h = jaxnn.make_hparams(learning_rate=[1e-3, 1e-2])
    with pytest.raises(ValueError, match=r"hparams must be scalars.*learning_rate.*\(2,\)"):
        jaxnn.train(CONFIG, h, jax.random.PRNGKey(0), XOR)
    # under vmap the same values are one run per member
    states, _ = jax.vmap(jaxnn.train, in_axes=(None, 0, None, None))(
        CONFIG, h, jax.random.PRNGKey(0), XOR
    )
    assert states.params[0].W.shape == (2, 4, 2)


@pytest.mark.parametrize("scale", [np.nan, np.inf, 0.0, -1.0])
def test_init_scale_must_be_finite_and_positive(scale):
    with pytest.raises(ValueError, match="scale must be finite and > 0"):
        jaxnn.init_mlp(jax.random.PRNGKey(0), (2, 3, 2), scale=scale)


def test_init_names_a_bad_key_or_dtype():
    with pytest.raises(TypeError, match=r"key must be a PRNG key .* got int"):
        jaxnn.init_mlp(3, (2, 3, 2))
    with pytest.raises(TypeError, match="dtype must be a floating dtype"):
        jaxnn.init_mlp(jax.random.PRNGKey(0), (2, 3, 2), dtype=jnp.int32)
    typed = jaxnn.init_mlp(jax.random.key(0), (2, 3, 2))
    assert typed[0].W.shape == (3, 2)


def test_labels_as_lists_and_datasets_of_nested_lists_work():
    params = jaxnn.init_mlp(jax.random.PRNGKey(0), (2, 3, 2))
    from_list = jaxnn.loss_fn(params, X.tolist(), Y.tolist())
    np.testing.assert_allclose(from_list, jaxnn.loss_fn(params, X, Y), rtol=1e-6)
    d = jaxnn.Dataset(*(a.tolist() for a in XOR))
    assert jaxnn.fit(d, hidden_sizes=(4,), batch_size=4, epochs=1).history["epoch"] == [1]
    with pytest.raises(TypeError, match="x_train must be a real numeric array"):
        jaxnn.fit(jaxnn.Dataset([["a", "b"]], [0], *XOR[2:]), hidden_sizes=(2,), batch_size=1)


@pytest.mark.parametrize("seed", [-1, 2**31, 2**63, 2**64 + 1])
def test_seeds_have_one_range_everywhere(seed):
    match = "seed must be between 0 and 2147483647"
    with pytest.raises(ValueError, match=match):
        jaxnn.fit(XOR, hidden_sizes=(2,), batch_size=4, epochs=1, seed=seed)
    with pytest.raises(ValueError, match=match):
        jaxnn.sweep(CONFIG, [{"seed": seed}], XOR)


def test_out_of_range_labels_inside_jit_flag_nan_and_checked_train_raises():
    bad = jnp.array([0, 1, 5, 0])

    @jax.jit
    def losses(y):
        return jaxnn.train(
            CONFIG, jaxnn.make_hparams(), jax.random.PRNGKey(0), XOR._replace(y_train=y)
        )[1].train_loss

    assert jnp.all(jnp.isnan(losses(bad)))  # the flag: NaN metrics
    assert jnp.all(jnp.isfinite(losses(jnp.asarray(Y))))
    with pytest.raises(jaxnn.CheckFailed, match=r"y_train has 1 label\(s\) outside \[0, 1\]"):
        jaxnn.checked_train(
            CONFIG, jaxnn.make_hparams(), jax.random.PRNGKey(0), XOR._replace(y_train=bad)
        )
    state, metrics = jaxnn.checked_train(CONFIG, jaxnn.make_hparams(), jax.random.PRNGKey(0), XOR)
    plain, expected = jax.jit(jaxnn.train, static_argnums=0)(
        CONFIG, jaxnn.make_hparams(), jax.random.PRNGKey(0), XOR
    )
    np.testing.assert_allclose(metrics.train_loss, expected.train_loss, rtol=1e-5)


def test_checked_train_raises_for_a_diverged_run():
    config = jaxnn.make_config((2, 4, 2), batch_size=4, epochs=3, loss="mse", output="linear")
    targets = np.full((4, 2), 1e38, np.float32)  # squares overflow: an infinite loss
    data = jaxnn.Dataset(X, targets, X, targets, X, targets)
    with pytest.raises(jaxnn.CheckFailed, match="epoch 1: the loss is not finite"):
        jaxnn.checked_train(config, jaxnn.make_hparams(), jax.random.PRNGKey(0), data)


def test_make_hparams_inside_jit_and_vmap():
    lrs = jnp.array([1e-3, 1e-2, 1e-1])
    h = jax.vmap(lambda lr: jaxnn.make_hparams(learning_rate=lr))(lrs)
    np.testing.assert_allclose(h.learning_rate, lrs)
    assert h.momentum.shape == (3,)
    h = jax.jit(lambda lr: jaxnn.make_hparams(learning_rate=lr, beta2=0.99))(0.5)
    np.testing.assert_allclose(h.beta2, 0.99, rtol=1e-6)
    with pytest.raises(ValueError, match=r"learning_rate must be > 0, got -1"):
        jaxnn.make_hparams(learning_rate=-1.0)

"""A new loss is one registry entry and a custom activation a value: both train through fit,
train and the sweep."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnn


def _huber(a_L, y, output):
    r = output.fn(a_L) - y
    return jnp.sum(jnp.sqrt(1 + r**2) - 1, axis=-1)


def _huber_grad(a_L, y_hat, y, output):
    r = y_hat - y
    return output.vjp(y_hat, r / jnp.sqrt(1 + r**2))


@pytest.fixture
def huber(monkeypatch):
    loss = jaxnn.Loss("huber", ("linear",), "real", _huber, _huber_grad)
    monkeypatch.setitem(jaxnn.LOSSES, "huber", loss)  # the one place
    return loss


def test_new_loss_gradient_is_its_autodiff_gradient(huber):
    with jax.enable_x64(True):
        a = jnp.asarray(np.random.default_rng(0).normal(size=(5, 2)) * 3)
        y = jnp.asarray(np.random.default_rng(1).normal(size=(5, 2)))
        explicit = jaxnn.loss_grad_wrt_logits(a, a, y, output="linear", loss="huber")
        auto = jax.grad(jaxnn.loss_from_logits)(a, y, output="linear", loss="huber")
        np.testing.assert_allclose(explicit, auto, rtol=1e-12)


def test_new_loss_trains_from_fit_and_the_sweep(huber):
    data = jaxnn.load_dataset("sine")
    fitted = jaxnn.fit(data, hidden_sizes=(16,), loss="huber", epochs=20, learning_rate=1e-2)
    assert fitted.config.loss == "huber" and fitted.config.output == "linear"
    assert fitted.history["train_loss"][-1] < 0.5 * fitted.history["train_loss"][0]
    config = jaxnn.make_config((1, 16, 1), loss="huber", epochs=20)
    result = jaxnn.sweep(
        config, [{"learning_rate": 1e-2, "seed": 0}, {"learning_rate": 3e-2}], data
    )
    assert not result.diverged.any()
    np.testing.assert_allclose(result.test_loss[0], fitted.test_loss, rtol=1e-4)
    with pytest.raises(ValueError, match="loss 'huber' needs output linear, got output 'softmax'"):
        jaxnn.make_config((1, 4, 1), loss="huber", output="softmax")


def test_a_loss_value_needs_no_registry_entry():
    loss = jaxnn.Loss("my_huber", ("linear",), "real", _huber, _huber_grad)
    result = jaxnn.fit("sine", hidden_sizes=(8,), loss=loss, epochs=5, learning_rate=1e-2)
    assert result.config.loss is loss


def test_custom_activation_trains_from_fit_train_and_the_sweep():
    swish = jaxnn.make_activation(
        lambda a: a * jax.nn.sigmoid(a),
        lambda a: jax.nn.sigmoid(a) * (1 + a * (1 - jax.nn.sigmoid(a))),
        name="swish",
    )
    fitted = jaxnn.fit("xor", hidden_sizes=(8,), activation=swish, epochs=10, learning_rate=1e-2)
    assert fitted.config.activation is swish
    assert fitted.test_accuracy > 0.9
    data = jaxnn.load_dataset("xor")
    config = jaxnn.make_config((2, 8, 2), activation=swish, epochs=10)
    state, metrics = jax.jit(jaxnn.train, static_argnums=0)(
        config, jaxnn.make_hparams(learning_rate=1e-2), jax.random.PRNGKey(0), data
    )
    np.testing.assert_allclose(metrics.val_accuracy[-1], fitted.history["val_accuracy"][-1])
    swept = jaxnn.sweep(config, [{"learning_rate": 1e-2}], data)
    np.testing.assert_allclose(swept.test_accuracy[0], fitted.test_accuracy)
    # its derivative is what Algorithm 6 uses: explicit == jax.grad
    checks = jaxnn.check_gradients(state.params, data.x_val[:16], data.y_val[:16], activation=swish)
    assert all(c.ok for c in checks)

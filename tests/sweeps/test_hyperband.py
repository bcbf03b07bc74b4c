"""Successive halving (wandb's hyperband) inside a sweep: the cuts, survivors equal to their solo
runs, compacted and frozen programs giving the same results, the compute accounted for."""

import jax
import numpy as np
import pytest

import jaxnn
from jaxnn._util import compile_count
from jaxnn.sweeps import Hyperband, successive_halving

RTOL = 1e-4  # a member against its solo run: other batch shapes, other float rounding

DATA = jaxnn.load_dataset("digits")
CONFIG = jaxnn.TrainConfig(sizes=(64, 8, 10), epochs=4, batch_size=128, optimizer="adam")
SETTINGS = [
    {"learning_rate": lr, "seed": s} for lr in jaxnn.log_range(1e-4, 3e-2, 4) for s in (0, 1)
]
HYPERBAND = Hyperband(eta=2.0, min_iter=1)  # rungs 1, 2


@pytest.fixture(scope="module")
def compact():
    return successive_halving(CONFIG, SETTINGS, DATA, HYPERBAND, devices=1)


@pytest.fixture(scope="module")
def frozen():
    return successive_halving(CONFIG, SETTINGS, DATA, HYPERBAND, compact=False, devices=1)


def wandb_cuts(result, goal="maximize", eta=2.0):
    """Which members wandb's hyperband stops, recomputed from the histories alone."""
    alive = np.ones(len(result.settings), bool)
    for b in HYPERBAND.rungs(CONFIG.epochs):
        reached = [i for i in range(len(alive)) if alive[i]]
        values = np.array([result.history[i].val_accuracy[b - 1] for i in reached])
        v = -values if goal == "maximize" else values
        threshold = np.sort(v)[int((1 / eta) * len(v))]
        for i, x in zip(reached, v):
            if x > threshold:
                alive[i] = False
    return ~alive


def test_cuts_are_wandbs_and_the_compute_is_counted(compact):
    assert [r.epoch for r in compact.rungs] == [1, 2]
    np.testing.assert_array_equal(compact.stopped, wandb_cuts(compact))
    assert compact.stopped.any() and not compact.stopped.all()
    assert [r.reached for r in compact.rungs][0] == len(SETTINGS)
    for r in compact.rungs:  # about the best 1/eta go on
        assert r.reached - r.stopped >= r.reached // 2
    epochs = compact.epochs_run
    assert set(epochs[compact.stopped]) <= {1, 2} and set(epochs[~compact.stopped]) == {4}
    assert compact.member_epochs == epochs.sum() == compact.member_epochs_computed
    assert compact.member_epochs_full == 4 * len(SETTINGS) > compact.member_epochs
    for i, h in enumerate(compact.history):
        assert len(h.val_loss) == epochs[i]


def test_each_members_confusion_matrix_is_where_it_stopped(compact):
    cm = compact.confusion_matrix
    assert cm.shape == (len(SETTINGS), 10, 10) and compact.regression is None
    n_test = len(DATA.y_test)
    np.testing.assert_array_equal(cm.sum(axis=(1, 2)), n_test)
    np.testing.assert_array_equal(
        cm.sum(axis=2), np.broadcast_to(np.bincount(DATA.y_test), (8, 10))
    )
    accuracy = np.trace(cm, axis1=1, axis2=2) / n_test
    np.testing.assert_allclose(accuracy, compact.test_accuracy, atol=1e-6)
    rows = compact.members()
    assert all(r["confusion_matrix"] == cm[i].tolist() for i, r in enumerate(rows))


@pytest.mark.slow
def test_frozen_and_compacted_programs_agree(compact, frozen):
    np.testing.assert_array_equal(compact.stopped, frozen.stopped)
    np.testing.assert_array_equal(compact.epochs_run, frozen.epochs_run)
    for name in ("test_loss", "val_loss", "train_loss"):
        np.testing.assert_allclose(getattr(compact, name), getattr(frozen, name), rtol=RTOL)
    assert np.abs(compact.confusion_matrix - frozen.confusion_matrix).sum() <= 2  # a tie at most
    assert frozen.member_epochs == compact.member_epochs
    assert frozen.member_epochs_computed == frozen.member_epochs_full  # frozen ones still compute


@pytest.mark.slow
def test_every_member_equals_its_solo_run_up_to_where_it_stopped(compact):

    @jax.jit
    def solo(hparams, key):
        state, metrics = jaxnn.train(CONFIG, hparams, key, DATA)
        return metrics

    for i, s in enumerate(SETTINGS):
        metrics = solo(
            jaxnn.make_hparams(learning_rate=s["learning_rate"]), jax.random.PRNGKey(s["seed"])
        )
        n = compact.epochs_run[i]
        for name in ("train_loss", "val_loss"):
            np.testing.assert_allclose(
                getattr(compact.history[i], name), np.asarray(getattr(metrics, name))[:n], rtol=RTOL
            )
    survivors = np.flatnonzero(~compact.stopped)
    ref = jaxnn.sweep(CONFIG, [SETTINGS[i] for i in survivors], DATA, devices=1)
    np.testing.assert_allclose(compact.test_loss[survivors], ref.test_loss, rtol=RTOL)
    np.testing.assert_allclose(compact.test_accuracy[survivors], ref.test_accuracy, atol=1e-6)


def test_divergence_is_the_sweeps_a_garbage_init_included():
    # init scale 1e30: a finite loss far above the all-zero network's, flagged as jaxnn.sweep does
    settings = [{"learning_rate": 1e-2, "seed": s} for s in range(3)]
    settings.append({"learning_rate": 1e-2, "seed": 3, "init_scale": 1e30})
    result = successive_halving(CONFIG, settings, DATA, HYPERBAND, devices=1)
    ref = jaxnn.sweep(CONFIG, settings, DATA, devices=1)
    assert ref.diverged.tolist() == [False, False, False, True]
    np.testing.assert_array_equal(result.diverged, ref.diverged)


@pytest.mark.slow
def test_thresholds_pool_earlier_rounds_and_minimize():
    config = CONFIG._replace(epochs=3)
    pool = {}
    first = successive_halving(
        config,
        SETTINGS[:4],
        DATA,
        Hyperband(eta=2.0, min_iter=1),
        metric="val_loss",
        goal="minimize",
        rung_values=pool,
        devices=1,
    )
    assert [r.values for r in first.rungs] == [4, first.rungs[0].reached - first.rungs[0].stopped]
    second = successive_halving(
        config,
        SETTINGS[4:],
        DATA,
        Hyperband(eta=2.0, min_iter=1),
        metric="val_loss",
        goal="minimize",
        rung_values=pool,
        devices=1,
    )
    assert second.rungs[0].values == 8 and len(pool[1]) == 8
    losses = sorted(pool[1])
    assert np.isclose(second.rungs[0].threshold, losses[4])  # sort(v)[int(8 / 2)]
    val1 = np.array([h.val_loss[0] for h in second.history])
    np.testing.assert_array_equal(second.stopped & (second.epochs_run == 1), val1 > losses[4])


def test_bad_arguments():
    with pytest.raises(ValueError, match="metric must be one of"):
        successive_halving(CONFIG, SETTINGS, DATA, HYPERBAND, metric="f1")
    with pytest.raises(ValueError, match="goal must be maximize or minimize"):
        successive_halving(CONFIG, SETTINGS, DATA, HYPERBAND, goal="up")
    with pytest.raises(ValueError, match=r"settings\[0\] has unknown key\(s\) \['depth'\]"):
        successive_halving(CONFIG, [{"depth": 3}], DATA, HYPERBAND)


def test_every_segment_and_round_runs_the_same_two_programs():
    """Compaction reuses one train program per plan program (the chunk the survivors fill):
    a fresh network compiles init and train once; another round of it compiles nothing."""
    config = CONFIG._replace(sizes=(64, 7, 10))  # a network no other test compiles
    compile_count()
    before = compile_count()
    first = successive_halving(config, SETTINGS, DATA, HYPERBAND, devices=1)
    assert compile_count() - before <= 2 and first.stopped.any()
    before = compile_count()
    again = [{**s, "seed": s["seed"] + 10, "optimizer": "nadam"} for s in SETTINGS]
    second = successive_halving(config, again, DATA, HYPERBAND, devices=1)
    assert compile_count() - before == 0 and second.compile_seconds == 0

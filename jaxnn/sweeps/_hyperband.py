r"""Successive halving inside a sweep: wandb's hyperband early termination, as compiled programs.

The members start together. At each rung (an epoch count, `Hyperband.rungs`) every member that
reached it is ranked by the metric, and a running member worse than the threshold stops there, as
wandb's hyperband decides (``hyperband_stopping.py``): over the values at the rung of every member
so far (this sweep's, and earlier rounds' when ``rung_values`` is shared between calls),

.. math:: t_b = \mathrm{sort}(v_b)\big[\lfloor |v_b| / \eta \rfloor\big], \qquad
    \text{stop } i \text{ at } b \iff v_{i,b} > t_b \quad (\text{for a minimized metric})

so about the best 1/eta continue. Survivors continue from their states: a member's epochs are
`train_epochs` segments from rung to rung, and its result equals its solo run (`jaxnn.train`)
up to float rounding.

Members are grouped by `TrainConfig` (one program per group and segment shape) and vmapped and
sharded over the devices like `jaxnn.sweep` (`jaxnn.sweeps._sharding`). ``compact=True`` gathers the
survivors into a smaller batch after each rung (a new program for the smaller shape: the stopped
members cost nothing more); ``compact=False`` keeps every member in the program and freezes the
stopped ones (their state is kept, their new epochs discarded: the same results, the full compute).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxnn.sweeps._config import Hyperband
from jaxnn.sweeps._plan import _bucket
from jaxnn.sweeps._sharding import (
    compile_members,
    member_mesh,
    replicate,
    run_chunks,
    shard_members,
)
from jaxnn.sweeps._sweep import loss_diverged
from jaxnn.training._data import Dataset, check_dataset
from jaxnn.training._loop import (
    EpochMetrics,
    HParams,
    TrainConfig,
    check_config,
    check_hparam,
    evaluate,
    init_state,
    train_epochs,
)
from jaxnn.training._settings import check_setting

__all__ = ["HyperbandResult", "Rung", "successive_halving"]

_EPOCH_METRICS = EpochMetrics._fields
_TEST = ("test_loss", "test_accuracy", "finite")


class Rung(NamedTuple):
    """One cut of successive halving.

    Attributes:
      epoch: the rung, in epochs.
      reached: members of this sweep that reached it.
      values: values at the rung the threshold was taken over (with earlier rounds').
      threshold: the threshold (in the metric's own sign).
      stopped: members of this sweep stopped here.
    """

    epoch: int
    reached: int
    values: int
    threshold: float
    stopped: int


class HyperbandResult(NamedTuple):
    """What successive halving measured, one entry per member in the order of the settings.

    Attributes:
      settings: each member's full setting (`TrainConfig` fields, `HParams` fields, ``seed``).
      test_loss: float (K,), of the member's final state (where it stopped).
      test_accuracy: float (K,).
      val_loss: float (K,), after the member's last epoch.
      val_accuracy: float (K,).
      train_loss: float (K,), the mean minibatch loss of its last epoch.
      diverged: bool (K,), as in `jaxnn.sweep`: a non-finite loss or parameter, or a last-epoch
        training loss more than twice that of the initial network.
      history: each member's `EpochMetrics` over the epochs it ran.
      epochs_run: int (K,), the epochs each member trained.
      stopped: bool (K,), whether it was stopped before its last epoch.
      rungs: the cuts, in order.
      member_epochs: epochs trained, summed over members.
      member_epochs_full: what running every member to its last epoch would train.
      member_epochs_computed: epochs the programs computed, summed over members (with
        ``compact=False`` the frozen members still compute: equal to ``member_epochs_full``;
        padding to the program's shape is not counted).
      params: each member's final network, or None unless ``keep_params=True``.
      groups: how many distinct `TrainConfig`s.
      compile_seconds: tracing and compiling.
      train_seconds: running the programs, host transfers included.
    """

    settings: tuple[dict[str, Any], ...]
    test_loss: np.ndarray
    test_accuracy: np.ndarray
    val_loss: np.ndarray
    val_accuracy: np.ndarray
    train_loss: np.ndarray
    diverged: np.ndarray
    history: tuple[EpochMetrics, ...]
    epochs_run: np.ndarray
    stopped: np.ndarray
    rungs: tuple[Rung, ...]
    member_epochs: int
    member_epochs_full: int
    member_epochs_computed: int
    params: tuple | None
    groups: int
    compile_seconds: float
    train_seconds: float

    def members(self) -> list[dict[str, Any]]:
        """One JSON-ready dict per member: its setting, results, epochs run and whether stopped."""
        rows = []
        for i, setting in enumerate(self.settings):
            row = {k: (list(v) if isinstance(v, tuple) else v) for k, v in setting.items()}
            for name in ("test_loss", "test_accuracy", "val_loss", "val_accuracy", "train_loss"):
                value = float(getattr(self, name)[i])
                row[name] = value if math.isfinite(value) else None
            row["diverged"] = bool(self.diverged[i])
            row["epochs_run"] = int(self.epochs_run[i])
            row["stopped"] = bool(self.stopped[i])
            rows.append(row)
        return rows


def _resolve(config: TrainConfig, settings: Sequence[Mapping[str, Any]]):
    """Each member's checked config, scalar hyperparameters (checked), seed and full setting."""
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    if len(settings) == 0:
        raise ValueError("settings is empty: a sweep needs at least one member")
    known = set(TrainConfig._fields) | set(HParams._fields) | {"seed"}
    cache: dict[TrainConfig, TrainConfig] = {}
    out = []
    for i, s in enumerate(settings):
        bad = sorted(set(s) - known)
        if bad:
            raise ValueError(f"settings[{i}] has unknown key(s) {bad}")
        fields = {k: (tuple(v) if k == "sizes" else v) for k, v in s.items() if k in config._fields}
        c = config._replace(**fields)
        if c not in cache:
            cache[c] = check_config(c)
        c = cache[c]
        h = {
            k: float(check_hparam(k, s.get(k, HParams._field_defaults[k]))) for k in HParams._fields
        }
        seed = int(check_setting("seed", s.get("seed", 0)))
        out.append((c, h, seed, {**c._asdict(), **h, "seed": seed}))
    return out


def _take(tree: Any, index: np.ndarray) -> Any:
    return jax.tree.map(lambda x: np.asarray(x)[index], tree)


def _put(full: Any, index: np.ndarray, part: Any) -> Any:
    def put(f, p):
        f = np.array(f)
        f[index] = np.asarray(p)
        return f

    return jax.tree.map(put, full, part)


class _Programs:
    """Compiled programs by (config, chunk, epochs, first, member shapes), with compile seconds."""

    def __init__(self, mesh: Any, shared: Any) -> None:
        self.mesh, self.shared = mesh, shared
        self.cache: dict[tuple, Any] = {}
        self.compile_seconds = 0.0
        self.train_seconds = 0.0

    def run(self, config: TrainConfig, epochs: int, members: Any) -> Any:
        n = int(np.shape(jax.tree.leaves(members)[0])[0])
        chunk = _bucket(n, self.mesh.size)
        leaves, tree = jax.tree.flatten(members)
        shapes = tuple((np.shape(x)[1:], str(np.asarray(x).dtype)) for x in leaves)
        key = (config, chunk, epochs, str(tree), shapes)
        if key not in self.cache:
            program = shard_members(_segment_fn(config, epochs), self.mesh)
            compiled, seconds = compile_members(program, self.mesh, chunk, members, self.shared)
            self.cache[key] = compiled
            self.compile_seconds += seconds
        start = time.perf_counter()
        out = run_chunks(self.cache[key], self.mesh, chunk, members, self.shared)
        self.train_seconds += time.perf_counter() - start
        return out


def _segment_fn(config: TrainConfig, epochs: int):
    """One member's segment: ``epochs`` epochs from its state (the first segment starts from
    `init_state`), then its test loss and accuracy and whether it is finite."""

    def fn(member, data):
        out = {}
        if "key" in member:  # the first segment
            state = init_state(config, member["hparams"], member["key"])
            out["initial_loss"], _ = evaluate(config, state.params, data.x_train, data.y_train)
            zero = jax.tree.map(jnp.zeros_like, state.params)
            out["baseline_loss"], _ = evaluate(config, zero, data.x_train, data.y_train)
        else:
            state = member["state"]
        new, out["metrics"] = train_epochs(config, state, data, epochs)
        if "active" in member:  # frozen members keep their state; their new epochs are dropped
            new = jax.tree.map(lambda n, o: jnp.where(member["active"], n, o), new, state)
        out["state"] = new
        loss, acc = evaluate(config, new.params, data.x_test, data.y_test)
        finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(p)) for p in jax.tree.leaves(new.params)]))
        out.update(test_loss=loss, test_accuracy=acc, finite=finite & jnp.isfinite(loss))
        return out

    return fn


class _Group:
    """The members of one `TrainConfig`: their states, who is live, their history and tests."""

    def __init__(self, config: TrainConfig, index: list[int], hparams: HParams, keys) -> None:
        self.config, self.index = config, np.asarray(index)
        self.epochs = int(config.epochs)
        self.start = {"hparams": hparams, "key": keys}
        self.done = 0  # epochs every live member has run
        self.live = np.ones(len(index), bool)
        self.states: Any = None
        self.history: list[list[np.ndarray]] = [[] for _ in index]  # per member: (4, epochs) parts
        self.initial_loss = np.zeros(len(index), np.float32)
        self.baseline_loss = np.zeros(len(index), np.float32)
        self.test = np.zeros((3, len(index)), np.float32)  # loss, accuracy, finite


def _oriented(values: np.ndarray, goal: str) -> np.ndarray:
    """Values where smaller is better, NaN as the worst."""
    v = -values if goal == "maximize" else values.copy()
    return np.where(np.isnan(v), np.inf, v)


def successive_halving(
    config: TrainConfig,
    settings: Sequence[Mapping[str, Any]],
    data: Dataset,
    hyperband: Hyperband,
    *,
    metric: str = "val_accuracy",
    goal: str = "maximize",
    compact: bool = True,
    rung_values: dict[int, list[float]] | None = None,
    devices: int | Sequence[jax.Device] | None = None,
    keep_params: bool = False,
) -> HyperbandResult:
    """Trains one network per setting with successive halving at the hyperband rungs.

    Args:
      config: the base `TrainConfig`; a setting's `TrainConfig` fields replace its fields.
      settings: one mapping per member, as for `jaxnn.sweep` (`TrainConfig` fields, `HParams`
        fields, ``seed``).
      data: the `Dataset` every member trains on.
      hyperband: the rungs and ``eta`` (`Hyperband`, from ``early_terminate`` of a sweep config).
      metric: the value compared at a rung: ``val_accuracy``, ``val_loss``, ``train_loss``,
        ``train_accuracy`` (of the rung's epoch), or ``test_accuracy``, ``test_loss``.
      goal: ``maximize`` or ``minimize``.
      compact: gather the survivors into a smaller program after a cut (else freeze the stopped
        members in place).
      rung_values: earlier members' values at each rung (updated in place): the thresholds are
        taken over every member so far, as wandb's are over every run of the sweep.
      devices: ``None`` for every device, an int n for the first n, or a list of devices.
      keep_params: keep every member's final network in the result.

    Returns:
      A `HyperbandResult`.
    """
    if goal not in ("maximize", "minimize"):
        raise ValueError(f"goal must be maximize or minimize, got {goal!r}")
    valid_metrics = (*_EPOCH_METRICS, "test_loss", "test_accuracy")
    if metric not in valid_metrics:
        raise ValueError(f"metric must be one of {', '.join(valid_metrics)}, got {metric!r}")
    members = _resolve(config, settings)
    data = check_dataset(data)
    mesh = member_mesh(devices)
    programs = _Programs(mesh, replicate(data, mesh))
    rung_values = {} if rung_values is None else rung_values
    k = len(members)

    by_config: dict[TrainConfig, list[int]] = {}
    for i, (c, *_rest) in enumerate(members):
        by_config.setdefault(c, []).append(i)
    groups = {}
    for c, index in by_config.items():
        hp = HParams(
            *(np.array([members[i][1][f] for i in index], np.float32) for f in HParams._fields)
        )
        keys = np.stack([np.asarray(jax.random.PRNGKey(members[i][2])) for i in index])
        groups[c] = _Group(c, index, hp, keys)

    computed = 0

    def advance(g: _Group, to: int) -> None:
        """Trains the live members of ``g`` from ``g.done`` to epoch ``to``."""
        nonlocal computed
        length = to - g.done
        if length <= 0 or not g.live.any():
            g.done = max(g.done, to)
            return
        live = np.flatnonzero(g.live)
        if g.states is None:  # the first segment: every member, from init_state
            out = programs.run(g.config, length, g.start)
            g.initial_loss = np.asarray(out["initial_loss"])
            g.baseline_loss = np.asarray(out["baseline_loss"])
            g.states, rows = out["state"], live
        elif compact:
            out = programs.run(g.config, length, {"state": _take(g.states, live)})
            g.states, rows = _put(g.states, live, out["state"]), np.arange(len(live))
        else:
            out = programs.run(g.config, length, {"state": g.states, "active": g.live.copy()})
            g.states, rows = out["state"], live
        computed += (len(live) if compact else len(g.index)) * length
        metrics = np.stack([np.asarray(out["metrics"][n]) for n in range(4)], axis=1)
        test = np.stack([np.asarray(out[k], np.float32) for k in _TEST])
        for j, r in zip(live, rows):
            g.history[j].append(metrics[r])
            g.test[:, j] = test[:, r]
        g.done = to

    def value_at(g: _Group, j: int, epoch: int) -> float:
        if metric in _EPOCH_METRICS:
            series = np.concatenate(g.history[j], axis=1)[_EPOCH_METRICS.index(metric)]
            return float(series[epoch - 1])
        return float(g.test[_TEST.index(metric), j])

    def best_so_far(g: _Group, j: int) -> float:
        series = np.concatenate(g.history[j], axis=1)[_EPOCH_METRICS.index(metric)]
        return float(np.nanmax(series) if goal == "maximize" else np.nanmin(series))

    cuts = []
    rung_list = sorted({r for g in groups.values() for r in hyperband.rungs(g.epochs)})
    for b in rung_list:
        reached = []  # (group, member position) of every member with a value at b
        for g in groups.values():
            if g.epochs >= b:
                advance(g, b)
                reached += [(g, j) for j in np.flatnonzero(g.live)]
        values = np.array([value_at(g, j, b) for g, j in reached])
        pool = rung_values.setdefault(b, [])
        pool.extend(float(v) for v in values)
        oriented_pool = np.sort(_oriented(np.asarray(pool, float), goal))
        threshold = float(oriented_pool[int((1.0 / hyperband.eta) * len(oriented_pool))])
        stopped = 0
        for (g, j), v in zip(reached, values):
            if g.epochs <= b:  # finished at this rung: nothing to stop
                continue
            compared = v if hyperband.strict or metric not in _EPOCH_METRICS else best_so_far(g, j)
            if _oriented(np.array([compared]), goal)[0] > threshold:
                g.live[j] = False
                stopped += 1
        shown = -threshold if goal == "maximize" else threshold
        cuts.append(Rung(b, len(reached), len(pool), shown, stopped))
    for g in groups.values():
        advance(g, g.epochs)

    test_loss, test_accuracy = np.empty(k, np.float32), np.empty(k, np.float32)
    finals = {name: np.empty(k, np.float32) for name in _EPOCH_METRICS}
    diverged, epochs_run = np.empty(k, bool), np.empty(k, int)
    history: list[Any] = [None] * k
    params: list[Any] = [None] * k
    for g in groups.values():
        for j, i in enumerate(g.index):
            if keep_params:
                params[i] = jax.tree.map(lambda x, j=j: np.asarray(x)[j], g.states.params)
            series = np.concatenate(g.history[j], axis=1)
            history[i] = EpochMetrics(*series)
            epochs_run[i] = series.shape[1]
            for n, name in enumerate(_EPOCH_METRICS):
                finals[name][i] = series[n, -1]
            test_loss[i], test_accuracy[i], finite = g.test[:, j]
            finite = bool(finite) and bool(np.all(np.isfinite(series[0])))
            blown = loss_diverged(series[0, -1], g.initial_loss[j], g.baseline_loss[j])
            diverged[i] = not finite or bool(blown)
    full = sum(int(c.epochs) for c, *_ in members)
    return HyperbandResult(
        settings=tuple(m[3] for m in members),
        test_loss=test_loss,
        test_accuracy=test_accuracy,
        val_loss=finals["val_loss"],
        val_accuracy=finals["val_accuracy"],
        train_loss=finals["train_loss"],
        diverged=diverged,
        history=tuple(history),
        epochs_run=epochs_run,
        stopped=np.array([epochs_run[i] < members[i][0].epochs for i in range(k)]),
        rungs=tuple(cuts),
        member_epochs=int(epochs_run.sum()),
        member_epochs_full=full,
        member_epochs_computed=computed,
        params=tuple(params) if keep_params else None,
        groups=len(groups),
        compile_seconds=programs.compile_seconds,
        train_seconds=programs.train_seconds,
    )

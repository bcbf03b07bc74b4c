r"""Successive halving inside a sweep: wandb's hyperband early termination, on the engine.

The members start together. At each rung (an epoch count, `Hyperband.rungs`) every member that
reached it is ranked by the metric, and a running member worse than the threshold stops there, as
wandb's hyperband decides (``hyperband_stopping.py``): over the values at the rung of every member
so far (this sweep's, and earlier rounds' when ``rung_values`` is shared between calls),

.. math:: t_b = \mathrm{sort}(v_b)\big[\lfloor |v_b| / \eta \rfloor\big], \qquad
    \text{stop } i \text{ at } b \iff v_{i,b} > t_b \quad (\text{for a minimized metric})

so about the best 1/eta continue. Survivors continue from their states: a member's epochs are
segments from rung to rung, each a call of the engine's training program with the rung as its
target epoch, and its result equals its solo run (`jaxnn.train`) up to float rounding.

Members are planned into programs as `jaxnn.sweep` plans them (members of different optimizers,
activations, inits and epochs share one; different depths and widths are packed when the cost
model says it pays) and vmapped and sharded over the devices. Every segment of a program runs the
same two compiled programs (init and train, cached for the process): ``compact=True`` gathers the
survivors into as few calls of the program's chunk as they fill (the stopped members cost nothing
more); ``compact=False`` keeps every member in the calls and freezes the stopped ones (their target
is where they stopped: the same results, the full compute).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import jax
import numpy as np

from jaxnn.sweeps._config import Hyperband
from jaxnn.sweeps._packed import member_params
from jaxnn.sweeps._plan import ENVELOPE, _bucket, plan
from jaxnn.sweeps._ranking import oriented
from jaxnn.sweeps._run import (
    Collected,
    Envelope,
    keys,
    member_records,
    members_of,
    program_static,
    requests,
    resolve,
    run,
)
from jaxnn.sweeps._search_space import check_settings
from jaxnn.sweeps._sharding import member_mesh, replicate
from jaxnn.training._config import EpochMetrics, HParams, TrainConfig
from jaxnn.training._data import Dataset, check_dataset
from jaxnn.training._programs import compiled

__all__ = ["HyperbandResult", "Rung", "successive_halving"]

_EPOCH_METRICS = EpochMetrics._fields


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
      groups: how many programs ran the members (one per packed set or network).
      compile_seconds: tracing and compiling.
      train_seconds: running the programs, host transfers included.
      confusion_matrix: int32 (K, k, k), each member's test confusion matrix where it stopped,
        as `jaxnn.sweep`'s; None for regression.
      regression: per member its regression metrics, as `jaxnn.sweep`'s; None for
        classification.
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
    confusion_matrix: np.ndarray | None = None
    regression: tuple[dict[str, Any], ...] | None = None

    def members(self) -> list[dict[str, Any]]:
        """One JSON-ready dict per member: its setting, results, epochs run and whether stopped."""
        return member_records(self, extra=("epochs_run", "stopped"))


def _take(tree: Any, rows: np.ndarray) -> Any:
    return jax.tree.map(lambda x: np.asarray(x)[rows], tree)


def _put(full: Any, rows: np.ndarray, part: Any) -> Any:
    def put(f, p):
        f = np.array(f)
        f[rows] = np.asarray(p)
        return f

    return jax.tree.map(put, full, part)


class _Group:
    """The members of one program: their arrays, states, who is live, and what they measured
    (each member's outputs of its last segment, its history over the segments)."""

    def __init__(self, program, static, index: np.ndarray, members, compiled_pair) -> None:
        self.program, self.static, self.index = program, static, index
        self.members, self.compiled = members, compiled_pair
        k = len(index)
        self.epochs = np.asarray(members.epochs, int)
        self.done = np.zeros(k, int)  # epochs each member has run
        self.live = np.ones(k, bool)
        self.states: Any = None
        self.history = np.full((k, len(EpochMetrics._fields), static.epochs), np.nan, np.float32)
        self.initial_loss = np.zeros(k, np.float32)
        self.baseline_loss = np.zeros(k, np.float32)
        self.last: dict[str, Any] = {}  # per member: its last segment's outputs (test split)
        self.val_errors: Any = None  # (k, epochs, 2, columns)

    def advance(self, targets: np.ndarray, compact: bool, mesh, data, clock: dict) -> None:
        """Trains the live members to ``targets`` (where beyond what they ran): with
        ``compact``, only those (a segment from their states); else every member in the calls,
        the others frozen where they are."""
        moving = self.live & (targets > self.done)
        if not moving.any():
            return
        everyone = not compact or self.states is None
        rows = np.arange(len(self.index)) if everyone else np.flatnonzero(moving)
        goal = np.where(moving, targets, self.done)[rows]
        inputs = {
            "member": _take(self.members, rows),
            "target": goal.astype(np.int32),
            "test": np.ones(len(rows), bool),
        }
        if self.states is not None:
            inputs["state"] = _take(self.states, rows)
        start = time.perf_counter()
        out = run(self.compiled, mesh, self.program.chunk, inputs, data, keep="state")
        clock["train"] += time.perf_counter() - start
        done = self.done[rows]
        if compact:
            clock["computed"] += int((goal - done).sum())
        else:
            clock["computed"] += len(rows) * int(goal.max() - done[moving[rows]].min())
        self.states = out["state"] if self.states is None else _put(self.states, rows, out["state"])
        if "initial_loss" in out:
            self.initial_loss, self.baseline_loss = out["initial_loss"], out["baseline_loss"]
        self._record(out, rows, moving, goal)

    def _record(self, out: dict, rows: np.ndarray, moving: np.ndarray, goal: np.ndarray) -> None:
        metrics = np.stack([np.asarray(m) for m in out["metrics"]], axis=1)  # (rows, 4, E)
        errors = np.asarray(out["val_errors"])  # (rows, E, 2, columns)
        if self.val_errors is None:
            self.val_errors = np.full((len(self.index), *errors.shape[1:]), np.nan, np.float32)
        for r, j in enumerate(rows):
            if moving[j]:
                e = slice(self.done[j], goal[r])
                self.history[j, :, e] = metrics[r, :, e]
                self.val_errors[j, e] = errors[r, e]
                self.last[j] = {k: out[k][r] for k in _LAST}
                self.done[j] = goal[r]

    def value_at(self, j: int, epoch: int, metric: str) -> float:
        """Member ``j``'s ``metric`` at ``epoch`` (its history's, or its last test's)."""
        if metric in _EPOCH_METRICS:
            return float(self.history[j, _EPOCH_METRICS.index(metric), epoch - 1])
        return float(self.last[j][metric])

    def best_so_far(self, j: int, metric: str, goal: str) -> float:
        series = self.history[j, _EPOCH_METRICS.index(metric), : self.done[j]]
        return float(np.nanmax(series) if goal == "maximize" else np.nanmin(series))


_LAST = ("test_loss", "test_accuracy", "finite", "confusion", "test_errors")


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
    envelope: Envelope | None = None,
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
      envelope: size the programs for a whole search space (as `jaxnn.sweep`'s), so that the
        rounds of a Bayesian search run the same compiled programs.

    Returns:
      A `HyperbandResult`.
    """
    if goal not in ("maximize", "minimize"):
        raise ValueError(f"goal must be maximize or minimize, got {goal!r}")
    valid_metrics = (*_EPOCH_METRICS, "test_loss", "test_accuracy")
    if metric not in valid_metrics:
        raise ValueError(f"metric must be one of {', '.join(valid_metrics)}, got {metric!r}")
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    known = set(TrainConfig._fields) | set(HParams._fields) | {"seed"}
    settings = check_settings(settings, known.__contains__)
    resolved = resolve(config, settings, {})
    configs = resolved.configs
    data = check_dataset(data)
    mesh = member_mesh(devices)
    shared = replicate(data, mesh)
    rung_values = {} if rung_values is None else rung_values
    groups, compile_seconds = _groups(resolved, data, mesh, shared, hyperband, envelope)
    clock = {"train": 0.0, "computed": 0}
    cuts = []
    for b in sorted({r for c in configs for r in hyperband.rungs(c.epochs)}):
        for g in groups:
            g.advance(np.where(g.epochs >= b, b, 0), compact, mesh, shared, clock)
        cuts.append(_cut(groups, b, hyperband, metric, goal, rung_values))
    for g in groups:
        g.advance(g.epochs, compact, mesh, shared, clock)
    collected = _collect(groups, configs, keep_params)
    epochs_run = np.empty(len(configs), int)
    for g in groups:
        epochs_run[g.index] = g.done
    return HyperbandResult(
        settings=tuple(resolved.full),
        **collected.fields(data, keep_params),
        epochs_run=epochs_run,
        stopped=np.array([epochs_run[i] < c.epochs for i, c in enumerate(configs)]),
        rungs=tuple(cuts),
        member_epochs=int(epochs_run.sum()),
        member_epochs_full=sum(int(c.epochs) for c in configs),
        member_epochs_computed=clock["computed"],
        groups=len(groups),
        compile_seconds=compile_seconds,
        train_seconds=clock["train"],
    )


def _cut(groups, b: int, hyperband: Hyperband, metric, goal, rung_values) -> Rung:
    """Rung ``b``: the threshold over every value at it so far, and the running members above
    it stopped (wandb's rule)."""
    reached = [(g, j) for g in groups for j in np.flatnonzero(g.live & (g.epochs >= b))]
    values = np.array([g.value_at(j, b, metric) for g, j in reached])
    pool = rung_values.setdefault(b, [])
    pool.extend(float(v) for v in values)
    oriented_pool = np.sort(oriented(np.asarray(pool, float), goal))
    threshold = float(oriented_pool[int((1.0 / hyperband.eta) * len(oriented_pool))])
    stopped = 0
    for (g, j), v in zip(reached, values):
        if g.epochs[j] <= b:  # finished at this rung: nothing to stop
            continue
        strict = hyperband.strict or metric not in _EPOCH_METRICS
        compared = v if strict else g.best_so_far(j, metric, goal)
        if oriented(np.array([compared]), goal)[0] > threshold:
            g.live[j] = False
            stopped += 1
    shown = -threshold if goal == "maximize" else threshold
    return Rung(b, len(reached), len(pool), shown, stopped)


def _groups(resolved, data, mesh, shared, hyperband, envelope) -> tuple[list[_Group], float]:
    """One `_Group` per program of the plan, its init and train programs compiled (side by
    side) for a chunk that the survivors of the first rung fill: every segment runs them."""
    configs = resolved.configs
    shape = {f"n_{s}": int(np.shape(getattr(data, f"x_{s}"))[0]) for s in ("train", "val", "test")}
    mode = ENVELOPE if envelope is not None and envelope.packed else "auto"
    programs, _ = plan(configs, mode, shape, 2**20, mesh.size, mesh.devices.flat[0].platform)
    all_keys = keys(resolved.seeds)
    pending = []
    for program in programs:
        index = np.asarray(program.members)
        survivors = math.ceil(len(index) / hyperband.eta)
        program = program._replace(chunk=min(256, _bucket(survivors, mesh.size)))
        static = program_static(program, configs, envelope)
        members = members_of(static, configs, index, resolved.columns, all_keys)
        pending.append((program, static, index, members))
    asked = [r for p, st, _, m in pending for r in requests(st, m, mesh, p.chunk, shared)]
    done, seconds = compiled(asked)
    groups = [
        _Group(p, st, index, m, done[2 * n : 2 * n + 2])
        for n, (p, st, index, m) in enumerate(pending)
    ]
    return groups, seconds


def _collect(groups, configs, keep_params: bool) -> Collected:
    """Each member's results from its group, in the settings' order."""
    collected = Collected(len(configs))
    for g in groups:
        for j, i in enumerate(g.index):
            done = g.done[j]
            history = EpochMetrics(*g.history[j, :, :done])
            last = g.last[j]
            out = {k: [v] for k, v in last.items()}
            out["val_errors"] = [g.val_errors[j]]
            collected.put(i, history, out, 0, g.initial_loss[j], g.baseline_loss[j])
            if keep_params:
                mine = jax.tree.map(lambda x, j=j: np.asarray(x)[j], g.states.params)
                sizes = configs[i].sizes
                collected.params[i] = member_params(mine, sizes) if g.program.packed else mine
    return collected

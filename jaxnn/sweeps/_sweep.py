r"""Hyperparameter sweeps: many training runs in one compiled program, spread over every device.

Training is a pure function of (config, hyperparameters, key, data), so a sweep is ``vmap`` of it
over the traced hyperparameters and the PRNG key, with the data shared:

.. math:: \theta^{(i)} = \mathrm{train}(c, h^{(i)}, \mathrm{key}(s^{(i)}), D), \quad i = 1..K

Every member runs the training engine (`jaxnn.training._engine`), the same function a solo
`jaxnn.fit` compiles, with its optimizer, activation, weight init, schedule and epochs traced:
members that differ only in those share a program. Members of different depths or widths can
share one packed program (each embedded in the envelope network, `jaxnn.sweeps._packed`); a cost
model (`jaxnn.sweeps._plan`) decides between that, one packed program per hidden width, and one
program per network. The other static settings (loss, output, gradient method, batch size,
dtype, a user's own optimizer) always group. A sweep's programs are compiled side by side and
cached for the process. Within a program the member axis is split over every device (see
`jaxnn.sweeps`), padded to a multiple of the device count and run in fixed-size chunks, so memory
stays bounded and new values never recompile. Members never read each other's values: a
diverging member shows NaN in its own results only.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import jax
import numpy as np

from jaxnn._util import cache_counts, progress_bar
from jaxnn._validation import check_int_range
from jaxnn.sweeps._packed import member_params
from jaxnn.sweeps._plan import ENVELOPE, MODES, SweepMemoryError, check_memory, plan
from jaxnn.sweeps._ranking import rank
from jaxnn.sweeps._run import (
    Collected,
    Envelope,
    keys,
    loss_diverged,
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

__all__ = ["Envelope", "SweepMemoryError", "SweepResult", "loss_diverged", "sweep"]


class SweepResult(NamedTuple):
    """What a sweep measured, one entry per member in the order of the settings.

    Attributes:
      settings: each member's full setting: every `TrainConfig` field, every `HParams` field and
        ``seed``.
      test_loss: float (K,), the final network's loss on the test split.
      test_accuracy: float (K,).
      val_loss: float (K,), after the member's last epoch.
      val_accuracy: float (K,), after the member's last epoch.
      train_loss: float (K,), the mean minibatch loss of the member's last epoch.
      diverged: bool (K,): a NaN or infinite loss or parameter in the member's run, or a last
        epoch's training loss more than twice the loss of the initial network (training made it
        worse) or more than ten times that of the all-zero network (a constant prediction).
      history: each member's `EpochMetrics`, arrays of shape (its epochs,).
      params: each member's final network (its own shapes), or None unless
        ``keep_params=True``.
      devices: how many devices the members were spread over.
      groups: how many compiled programs the sweep ran (the same as ``programs``).
      chunk_size: members per call of a compiled program (a multiple of ``devices``).
      compile_seconds: tracing and compiling, summed over programs (0 for a program cached by an
        earlier sweep in this process; small for one read from the persistent cache).
      train_seconds: running the compiled programs, host transfers included.
      programs: compiled programs: one per packed set of members, one per `TrainConfig` of
        grouped members.
      packed_programs: how many of them packed members of different configs.
      padded_fraction: the share of the executed floating-point work that was padding: padded
        units and layers, epochs after a member's own, and the filler members of the last call.
      pack: the mode asked: ``auto``, ``on`` or ``off``.
      choices: for each set of members that could share a packed program: its size, the choice
        made (``packed`` or ``grouped``) and the cost model's estimate of both.
      cache_hits: programs read from JAX's persistent compilation cache.
      cache_requests: compilations that consulted it (``cache_requests - cache_hits`` were
        compiled and written); both 0 while it is off.
      wall_seconds: the whole call, compilation included.
      confusion_matrix: int32 (K, k, k), each member's test confusion matrix (rows true,
        columns predicted), computed inside its program; None for regression (and beyond
        `MAX_CONFUSION_CLASSES` classes).
      regression: for regression, per member its validation RMSE, MAE (in the targets' units)
        and R^2 of every epoch (``val_rmse``, ``val_mae``, ``val_r2``: arrays of its epochs) and
        its test split's ``test_mse``, ``test_rmse``, ``test_mae`` and ``test_r2``; None for
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
    params: tuple | None
    devices: int
    groups: int
    chunk_size: int
    compile_seconds: float
    train_seconds: float
    programs: int = 0
    packed_programs: int = 0
    padded_fraction: float = 0.0
    pack: str = "off"
    choices: tuple[dict[str, Any], ...] = ()
    cache_hits: int = 0
    cache_requests: int = 0
    wall_seconds: float = float("nan")
    confusion_matrix: np.ndarray | None = None
    regression: tuple[dict[str, Any], ...] | None = None

    @property
    def members_per_second(self) -> float:
        """Members per second of wall time, compilation included."""
        return len(self.settings) / self.wall_seconds

    def ranked(self) -> np.ndarray:
        """Member indices, best first: by validation accuracy (by validation loss for
        regression), ties by validation loss; diverged members last."""
        return rank(self.val_accuracy, "maximize", diverged=self.diverged, ties=self.val_loss)

    def members(self) -> list[dict[str, Any]]:
        """One JSON-ready dict per member: its setting and its results (with its test confusion
        matrix, or its regression metrics)."""
        return member_records(self)


_KNOWN = set(TrainConfig._fields) | set(HParams._fields) | {"seed"}
SPLITS = ("train", "val", "test")


def _shape(data: Dataset) -> dict[str, int]:
    return {f"n_{split}": int(np.shape(getattr(data, f"x_{split}"))[0]) for split in SPLITS}


_WARNED_DEVICES: list[bool] = []


def _one_device_per_core(mesh: Any) -> None:
    """One line, once per process, when a CPU sweep runs on fewer devices than cores."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    platform = mesh.devices.flat[0].platform
    if platform != "cpu" or mesh.size >= (cores or 1) or _WARNED_DEVICES:
        return
    _WARNED_DEVICES.append(True)
    print(
        f"jaxnn.sweep: {mesh.size} CPU device(s) for {cores} cores; to use every core, set "
        f"XLA_FLAGS=--xla_force_host_platform_device_count={cores} before importing jax (the "
        f"jaxnn command line does)",
        file=sys.stderr,
    )


def sweep(
    config: TrainConfig,
    settings: Sequence[Mapping[str, Any]],
    data: Dataset,
    *,
    hparams: Mapping[str, Any] | None = None,
    devices: int | Sequence[jax.Device] | None = None,
    chunk_size: int = 256,
    keep_params: bool = False,
    progress: bool = False,
    pack: str = "auto",
    envelope: Envelope | None = None,
) -> SweepResult:
    r"""Trains one network per setting, vmapped in as few compiled programs as pays, sharded.

    .. math:: \text{member } i:\ \mathrm{train}(c_i, h_i, \mathrm{PRNGKey}(s_i), D), \quad
        \text{vmapped over } (h_i, s_i) \text{ (and packed } c_i\text{)}, \text{ sharded over
        devices}

    What shares a program, how packing and the cost model choose, and what each member equals
    are in the documentation (docs/sweeps.md).

    Args:
      config: the base `TrainConfig`; a setting's `TrainConfig` fields replace its fields.
      settings: one mapping per member from names to values: `TrainConfig` fields, `HParams`
        fields and ``seed``, or the names ``jaxnn train`` and a sweep config take
        (``num_layers``, ``hidden_size``, ``lr``, ...). `jaxnn.grid` and
        `jaxnn.random_settings` make them.
      data: the `Dataset` every member trains on.
      hparams: base values of `HParams` fields for every member (defaults of `make_hparams`).
      devices: ``None`` for every device, an int n for the first n, or a list of devices.
      chunk_size: at most this many members per call (rounded up to a multiple of the device
        count); bounds memory.
      keep_params: keep every member's final network in the result.
      progress: show a progress bar (tqdm) over members.
      pack: ``auto`` (the cost model chooses), ``on`` (pack whatever can be: one program per
        batch size) or ``off`` (no padded widths or depths: one program per network).
      envelope: size the programs for a whole search space (`Envelope`), so that sweeps over
        parts of it (the rounds of a Bayesian search) run the same compiled programs.

    Returns:
      A `SweepResult`.

    Raises:
      ValueError: for bad settings (named), ``pack="on"`` with members that differ in a setting
        that cannot be packed, or a program whose estimated memory exceeds what the devices have
        (`SweepMemoryError`, before compiling).
    """
    started = time.perf_counter()
    settings = check_settings(settings, _KNOWN.__contains__, sizes=getattr(config, "sizes", None))
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    if not isinstance(pack, str) or pack not in MODES:
        raise ValueError(f"pack must be one of {', '.join(MODES)}, got {pack!r}")
    resolved = resolve(config, settings, dict(hparams or {}))
    check_int_range("chunk_size", chunk_size, 1, 2**20)
    data = check_dataset(data)
    mesh = member_mesh(devices)
    _one_device_per_core(mesh)
    chunk = math.ceil(chunk_size / mesh.size) * mesh.size
    mode = ENVELOPE if envelope is not None and envelope.packed and pack == "auto" else pack
    cache_before = cache_counts()
    plan_ = _Planned(resolved, data, mesh, chunk, mode, envelope)
    collected, train_seconds = _train(plan_, resolved, keep_params, progress)
    cache_after = cache_counts()
    return SweepResult(
        settings=tuple(resolved.full),
        **collected.fields(data, keep_params),
        devices=mesh.size,
        chunk_size=chunk,
        compile_seconds=plan_.compile_seconds,
        train_seconds=train_seconds,
        **plan_.counts(),
        pack=pack,
        choices=tuple(plan_.choices),
        cache_hits=cache_after["hits"] - cache_before["hits"],
        cache_requests=cache_after["requests"] - cache_before["requests"],
        wall_seconds=time.perf_counter() - started,
    )


class _Planned:
    """A sweep's programs: planned, their members' arrays stacked, compiled side by side."""

    def __init__(self, resolved, data, mesh, chunk: int, mode: str, envelope) -> None:
        configs = resolved.configs
        shape = _shape(data)
        backend = mesh.devices.flat[0].platform
        self.programs, self.choices = plan(configs, mode, shape, chunk, mesh.size, backend)
        for program in self.programs:
            check_memory(program, shape, list(mesh.devices.flat))
        self.mesh, self.data = mesh, replicate(data, mesh)
        all_keys = keys(resolved.seeds)
        self.runs, asked = [], []
        for program in self.programs:
            static = program_static(program, configs, envelope)
            index = np.asarray(program.members)
            members = members_of(static, configs, index, resolved.columns, all_keys)
            self.runs.append((program, index, members))
            asked += requests(static, members, mesh, program.chunk, self.data, fresh=True)
        self.compiled, self.compile_seconds = compiled(asked)

    def counts(self) -> dict[str, Any]:
        """`SweepResult`'s ``groups``, ``programs``, ``packed_programs`` and ``padded_fraction``."""
        flops = sum(p.cost.flops for p in self.programs)
        useful = sum(p.cost.useful_flops for p in self.programs)
        return {
            "groups": len(self.programs),
            "programs": len(self.programs),
            "packed_programs": sum(p.packed for p in self.programs),
            "padded_fraction": float(1 - useful / flops) if flops > 0 else 0.0,
        }


def _train(planned: _Planned, resolved, keep_params: bool, progress: bool):
    """Runs every program of the plan: each member's results (`Collected`), and the seconds."""
    k = len(resolved.configs)
    collected = Collected(k)
    bar = progress_bar(k, desc="sweep", unit="member", enabled=progress)
    start = time.perf_counter()
    for n, (program, index, members) in enumerate(planned.runs):
        epochs = np.asarray(members.epochs)
        inputs = {"member": members, "target": epochs, "test": np.ones(len(index), bool)}
        out = run(
            planned.compiled[n : n + 1],
            planned.mesh,
            program.chunk,
            inputs,
            planned.data,
            keep="params" if keep_params else None,
            on_chunk=bar.update,
        )
        for j, i in enumerate(index):
            own = int(epochs[j])
            history = EpochMetrics(*(m[j][:own] for m in out["metrics"]))
            collected.put(i, history, out, j, out["initial_loss"][j], out["baseline_loss"][j])
            if keep_params:
                mine = jax.tree.map(lambda x, j=j: x[j], out["params"])
                sizes = resolved.configs[i].sizes
                collected.params[i] = member_params(mine, sizes) if program.packed else mine
    bar.close()
    return collected, time.perf_counter() - start

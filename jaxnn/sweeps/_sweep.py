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
    Envelope,
    diverged,
    keys,
    loss_diverged,
    members_of,
    program_static,
    requests,
    resolve,
    run,
    setting_value,
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

    @property
    def members_per_second(self) -> float:
        """Members per second of wall time, compilation included."""
        return len(self.settings) / self.wall_seconds

    def ranked(self) -> np.ndarray:
        """Member indices, best first: by validation accuracy (by validation loss for
        regression), ties by validation loss; diverged members last."""
        return rank(self.val_accuracy, "maximize", diverged=self.diverged, ties=self.val_loss)

    def members(self) -> list[dict[str, Any]]:
        """One JSON-ready dict per member: its setting and its results."""
        rows = []
        for i, setting in enumerate(self.settings):
            row = {k: setting_value(v) for k, v in setting.items()}
            for name in ("test_loss", "test_accuracy", "val_loss", "val_accuracy", "train_loss"):
                value = float(getattr(self, name)[i])
                row[name] = value if math.isfinite(value) else None
            row["diverged"] = bool(self.diverged[i])
            rows.append(row)
        return rows


_KNOWN = set(TrainConfig._fields) | set(HParams._fields) | {"seed"}
_FINAL = ("val_loss", "val_accuracy", "train_loss")  # the last epoch's metrics in the result
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

    Members that differ only in the optimizer, activation, weight init, schedule and epochs share
    one program (they are traced). Members of different depths and widths can share one packed
    program, each embedded in the largest network (its padding held at 0, its init the solo
    run's); the cost model of `jaxnn.sweeps._plan` chooses packing, packing per hidden width, or
    one program per network (``pack="auto"``). Other settings (loss, output, gradient method,
    batch size, dtype, a user's own optax transformation) always group. The programs are
    compiled side by side and cached for the process: a second sweep of the same shapes
    compiles nothing.

    Each member's result equals its solo run (`jaxnn.train` or ``jaxnn train``) with the same
    settings up to float rounding (packed: matrix products of padded widths sum in another
    order); a member that diverges is flagged and leaves the others as they would be without it.

    Args:
      config: the base `TrainConfig`; a setting's `TrainConfig` fields replace its fields.
      settings: one mapping per member from names to values: `TrainConfig` fields (``sizes``,
        ``activation``, ``optimizer``, ``batch_size``, ``epochs``, ``loss``, ``weight_init``, ...),
        `HParams` fields (``learning_rate``, ``momentum``, ``beta``, ``beta1``, ``beta2``,
        ``eps``, ``weight_decay``, ``init_scale``) and ``seed`` (the PRNG seed, default 0),
        or the names ``jaxnn train`` and a sweep config take (``num_layers``, ``hidden_size``,
        ``lr``, ``epsilon``, ...). `jaxnn.grid` and `jaxnn.random_settings` make them.
      data: the `Dataset` every member trains on.
      hparams: base values of `HParams` fields for every member (defaults of `make_hparams`).
      devices: ``None`` for every device, an int n for the first n, or a list of devices.
      chunk_size: at most this many members per call (rounded up to a multiple of the device
        count); bounds memory. Bigger chunks vectorize more. A smaller program runs in one call
        (padded to a power of two members per device when grouped, to a multiple of the
        device count when packed).
      keep_params: keep every member's final network in the result.
      progress: show a progress bar (tqdm) over members.
      pack: ``auto`` (the cost model chooses), ``on`` (pack whatever can be: one program per
        batch size) or ``off`` (no padded widths or depths: one program per network).
      envelope: size the programs for a whole search space (`Envelope`: its largest network,
        its activations and most epochs; with ``pack="auto"`` every set of members is packed
        into it when the space's networks differ), so that sweeps over parts of it (the rounds
        of a Bayesian search) run the same compiled programs.

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
    configs, columns, seeds, full = resolve(config, settings, dict(hparams or {}))
    check_int_range("chunk_size", chunk_size, 1, 2**20)
    data = check_dataset(data)
    mesh = member_mesh(devices)
    _one_device_per_core(mesh)
    n_dev = mesh.size
    chunk = math.ceil(chunk_size / n_dev) * n_dev
    shape = _shape(data)
    backend = mesh.devices.flat[0].platform
    mode = ENVELOPE if envelope is not None and envelope.packed and pack == "auto" else pack
    programs, choices = plan(configs, mode, shape, chunk, n_dev, backend)
    for program in programs:
        check_memory(program, shape, list(mesh.devices.flat))
    cache_before = cache_counts()
    shared = replicate(data, mesh)
    all_keys = keys(seeds)
    runs = []
    for program in programs:
        static = program_static(program, configs, envelope)
        index = np.asarray(program.members)
        members = members_of(static, configs, index, columns, all_keys)
        runs.append((program, static, index, members))
    asked = []
    for program, static, _, members in runs:
        asked += requests(static, members, mesh, program.chunk, shared, fresh=True)
    compiled_all, compile_seconds = compiled(asked)
    k = len(settings)
    test_loss, test_accuracy = np.empty(k, np.float32), np.empty(k, np.float32)
    diverged_ = np.empty(k, bool)
    history: list[Any] = [None] * k
    params: list[Any] = [None] * k
    bar = progress_bar(k, desc="sweep", unit="member", enabled=progress)
    start = time.perf_counter()
    for n, (program, static, index, members) in enumerate(runs):
        epochs = np.asarray(members.epochs)
        inputs = {"member": members, "target": epochs, "test": np.ones(len(index), bool)}
        out = run(
            compiled_all[n : n + 1],
            mesh,
            program.chunk,
            inputs,
            shared,
            keep="params" if keep_params else None,
            on_chunk=bar.update,
        )
        test_loss[index], test_accuracy[index] = out["test_loss"], out["test_accuracy"]
        for j, i in enumerate(index):
            own = int(epochs[j])
            history[i] = EpochMetrics(*(m[j][:own] for m in out["metrics"]))
            diverged_[i] = diverged(
                history[i].train_loss,
                out["initial_loss"][j],
                out["baseline_loss"][j],
                out["test_loss"][j],
                out["finite"][j],
            )
            if keep_params:
                mine = jax.tree.map(lambda x, j=j: x[j], out["params"])
                params[i] = member_params(mine, configs[i].sizes) if program.packed else mine
    train_seconds = time.perf_counter() - start
    bar.close()
    cache_after = cache_counts()
    final = {name: np.array([getattr(h, name)[-1] for h in history]) for name in _FINAL}
    flops = sum(p.cost.flops for p in programs)
    useful = sum(p.cost.useful_flops for p in programs)
    return SweepResult(
        settings=tuple(full),
        test_loss=test_loss,
        test_accuracy=test_accuracy,
        **final,
        diverged=diverged_,
        history=tuple(history),
        params=tuple(params) if keep_params else None,
        devices=n_dev,
        groups=len(programs),
        chunk_size=chunk,
        compile_seconds=compile_seconds,
        train_seconds=train_seconds,
        programs=len(programs),
        packed_programs=sum(p.packed for p in programs),
        padded_fraction=float(1 - useful / flops) if flops > 0 else 0.0,
        pack=pack,
        choices=tuple(choices),
        cache_hits=cache_after["hits"] - cache_before["hits"],
        cache_requests=cache_after["requests"] - cache_before["requests"],
        wall_seconds=time.perf_counter() - started,
    )

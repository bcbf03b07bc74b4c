r"""Hyperparameter sweeps: many training runs in one compiled program, spread over every device.

Training is a pure function of (config, hyperparameters, key, data), so a sweep is ``vmap`` of it
over the traced hyperparameters and the PRNG key, with the data shared:

.. math:: \theta^{(i)} = \mathrm{train}(c, h^{(i)}, \mathrm{key}(s^{(i)}), D), \quad i = 1..K

Members that differ in the optimizer, activation, weight init, epochs, depth or width can share
one packed program (`jaxnn.sweeps._packed`: each member embedded in the largest network, its
choices traced); a cost model (`jaxnn.sweeps._plan`) decides between that and one program per
`TrainConfig`. The other static settings (loss, output, gradient method, schedule, batch size)
always group. Within a program the member axis is split over every device
(see `jaxnn.sweeps`), padded to a multiple of the device count and run in fixed-size
chunks, so memory stays bounded and new values never recompile. Members never read each other's
values: a diverging member shows NaN in its own results only.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxnn._util import cache_counts, progress_bar
from jaxnn._validation import check_int_range
from jaxnn.sweeps._packed import Pack, PackedMember, member_params, packed_members, packed_train
from jaxnn.sweeps._plan import MODES, SweepMemoryError, check_memory, plan
from jaxnn.sweeps._search_space import check_settings
from jaxnn.sweeps._sharding import (
    compile_members,
    member_mesh,
    replicate,
    run_chunks,
    shard_members,
)
from jaxnn.training._data import Dataset, check_dataset
from jaxnn.training._loop import (
    EpochMetrics,
    HParams,
    TrainConfig,
    check_config,
    check_hparam,
    evaluate,
    init_state,
    train,
)
from jaxnn.training._settings import check_setting

__all__ = ["SweepMemoryError", "SweepResult", "sweep"]


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
        accuracy = np.nan_to_num(self.val_accuracy, nan=-np.inf)
        loss = np.nan_to_num(self.val_loss, nan=np.inf, posinf=np.inf)
        return np.lexsort((loss, -accuracy, self.diverged))

    def members(self) -> list[dict[str, Any]]:
        """One JSON-ready dict per member: its setting and its results."""
        rows = []
        for i, setting in enumerate(self.settings):
            row = {k: (list(v) if isinstance(v, tuple) else v) for k, v in setting.items()}
            for name in ("test_loss", "test_accuracy", "val_loss", "val_accuracy", "train_loss"):
                value = float(getattr(self, name)[i])
                row[name] = value if math.isfinite(value) else None
            row["diverged"] = bool(self.diverged[i])
            rows.append(row)
        return rows


_HPARAM_DEFAULTS = dict(HParams._field_defaults)
_KNOWN = set(TrainConfig._fields) | set(HParams._fields) | {"seed"}
_FINAL = ("val_loss", "val_accuracy", "train_loss")  # the last epoch's metrics in the result


def loss_diverged(last, initial_loss, baseline_loss):
    """The loss half of `_outcome`'s divergence test, for JAX or NumPy values: the last train
    loss above twice the initial network's or ten times the all-zero network's."""
    return (last > 2 * initial_loss) | (last > 10 * baseline_loss)


def _outcome(params, initial_params, metrics, evaluate_fn, data, epochs=None) -> dict:
    r"""A member's results after training: test split, divergence (its own values only).

    .. math:: \text{diverged} = \neg\text{finite}(\theta, \mathcal{L}) \ \lor\
        \mathcal{L}_{\rm train}(\text{last epoch}) > \min(2\, \mathcal{L}_{\rm train}(\theta_0),\
        10\, \mathcal{L}_{\rm train}(0))

    where theta_0 is the member's initial network and 0 the all-zero one (a_L = 0: the uniform
    prediction of softmax, 1/2 of a sigmoid, 0 of a linear output), so that a network that was
    garbage from the start (an init scale of 1e30) counts as diverged too.

    ``epochs``: the member's own epochs of ``metrics`` (None: all of them).
    """
    test_loss, test_accuracy = evaluate_fn(params, data.x_test, data.y_test)
    initial_loss, _ = evaluate_fn(initial_params, data.x_train, data.y_train)
    zero = jax.tree.map(jnp.zeros_like, initial_params)
    baseline, _ = evaluate_fn(zero, data.x_train, data.y_train)
    losses = metrics.train_loss
    if epochs is None:
        ran, last = jnp.isfinite(losses), losses[-1]
    else:
        ran = jnp.isfinite(losses) | (jnp.arange(losses.shape[0]) >= epochs)
        last = losses[epochs - 1]
    finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(p)) for p in jax.tree.leaves(params)]))
    finite &= jnp.all(ran) & jnp.isfinite(test_loss)
    return {
        "params": params,
        "metrics": metrics,
        "test": (test_loss, test_accuracy),
        "diverged": ~finite | loss_diverged(last, initial_loss, baseline),
    }


def _train_member(config: TrainConfig, member: dict, data: Dataset) -> dict:
    """One grouped member's run: `train`, then `_outcome`."""
    state, metrics = train(config, member["hparams"], member["key"], data)
    start = init_state(config, member["hparams"], member["key"]).params
    return _outcome(state.params, start, metrics, lambda p, x, y: evaluate(config, p, x, y), data)


def _train_packed(pack: Pack, member: PackedMember, data: Dataset) -> dict:
    """One packed member's run: `packed_train`, then `_outcome` over its own epochs."""
    start, state, metrics, pieces = packed_train(pack, member, data)
    return _outcome(state.params, start, metrics, pieces.evaluate, data, member.epochs)


def _member_outputs(program, keep_params: bool, member, data: Dataset) -> dict:
    """A member's outputs, without the final parameters unless they are kept (less to
    transfer); ``program`` is a `TrainConfig` (grouped) or a `Pack`."""
    run = _train_packed if isinstance(program, Pack) else _train_member
    out = run(program, member, data)
    return out if keep_params else {k: v for k, v in out.items() if k != "params"}


# Compiled programs by (program, keep_params, mesh, chunk, member shapes, data shapes): a second
# sweep of the same shapes, with any values, reuses them.
_PROGRAMS: dict[tuple, Any] = {}
_MAX_PROGRAMS = 32


def _avals(tree: Any, skip: int = 0) -> tuple:
    return tuple((tuple(np.shape(x))[skip:], str(x.dtype)) for x in jax.tree.leaves(tree))


def _compiled(program, keep_params: bool, mesh: Any, chunk: int, members: Any, shared: Any):
    """The compiled program for chunks of ``chunk`` members, and its compile seconds (0 when
    cached in this process)."""
    key = (program, keep_params, mesh, chunk, _avals(members, skip=1), _avals(shared))
    if key in _PROGRAMS:
        return _PROGRAMS[key], 0.0
    fn = shard_members(functools.partial(_member_outputs, program, keep_params), mesh)
    compiled, seconds = compile_members(fn, mesh, chunk, members, shared)
    if len(_PROGRAMS) >= _MAX_PROGRAMS:
        _PROGRAMS.pop(next(iter(_PROGRAMS)))
    _PROGRAMS[key] = compiled
    return compiled, seconds


def _resolve(
    config: TrainConfig, settings: list[dict[str, Any]], hparams: Mapping[str, Any]
) -> tuple[list[TrainConfig], dict[str, np.ndarray], np.ndarray, list[dict[str, Any]]]:
    """Each member's config, the hyperparameter columns (validated, float32), the seeds, and
    each member's full setting (values as given)."""
    bad = [k for k in hparams if k not in HParams._fields]
    if bad:
        raise ValueError(f"hparams has unknown key(s) {bad}; valid: {', '.join(HParams._fields)}")
    base = {**_HPARAM_DEFAULTS, **hparams}
    configs: dict[TrainConfig, TrainConfig] = {}
    member_configs = []
    for s in settings:
        fields = {k: (tuple(v) if k == "sizes" else v) for k, v in s.items() if k in config._fields}
        c = config._replace(**fields)
        if c not in configs:
            configs[c] = check_config(c)
        member_configs.append(configs[c])
    columns = {
        name: check_hparam(name, [s.get(name, base[name]) for s in settings])
        for name in HParams._fields
    }
    seeds = np.array([check_setting("seed", s.get("seed", 0)) for s in settings], np.int64)
    full = [
        {**c._asdict(), **{k: float(s.get(k, base[k])) for k in HParams._fields}, "seed": int(n)}
        for c, s, n in zip(member_configs, settings, seeds)
    ]
    return member_configs, columns, seeds, full


def _keys(seeds: np.ndarray) -> np.ndarray:
    """``jax.random.PRNGKey(seed)`` for each seed, as a solo run makes it."""
    made = {int(s): np.asarray(jax.random.PRNGKey(int(s))) for s in np.unique(seeds)}
    return np.stack([made[int(s)] for s in seeds])


def _shape(data: Dataset) -> dict[str, int]:
    return {f"n_{split}": int(np.shape(getattr(data, f"x_{split}"))[0]) for split in SPLITS}


SPLITS = ("train", "val", "test")


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
) -> SweepResult:
    r"""Trains one network per setting, vmapped in as few compiled programs as pays, sharded.

    .. math:: \text{member } i:\ \mathrm{train}(c_i, h_i, \mathrm{PRNGKey}(s_i), D), \quad
        \text{vmapped over } (h_i, s_i) \text{ (and packed } c_i\text{)}, \text{ sharded over
        devices}

    Members that differ only in the optimizer, activation, weight init, epochs, number of hidden
    layers and their widths can share one packed program, each embedded in the largest network
    (its padding held at 0, its init the solo run's); the cost model of `jaxnn.sweeps._plan`
    chooses packing or one program per `TrainConfig` (``pack="auto"``). Other settings (loss,
    output, gradient method, schedule, batch size) always group.

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
        batch size) or ``off`` (one program per `TrainConfig`).

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
    configs, columns, seeds, full = _resolve(config, settings, dict(hparams or {}))
    check_int_range("chunk_size", chunk_size, 1, 2**20)
    data = check_dataset(data)
    mesh = member_mesh(devices)
    n_dev = mesh.size
    chunk = math.ceil(chunk_size / n_dev) * n_dev
    shape = _shape(data)
    backend = mesh.devices.flat[0].platform
    programs, choices = plan(configs, pack, shape, chunk, n_dev, backend)
    for program in programs:
        check_memory(program, shape, list(mesh.devices.flat))
    cache_before = cache_counts()
    shared = replicate(data, mesh)
    keys = _keys(seeds)
    k = len(settings)
    test_loss, test_accuracy = np.empty(k, np.float32), np.empty(k, np.float32)
    diverged = np.empty(k, bool)
    history: list[Any] = [None] * k
    params: list[Any] = [None] * k
    bar = progress_bar(k, desc="sweep", unit="member", enabled=progress)
    compile_seconds = train_seconds = 0.0
    for program in programs:
        index = list(program.members)
        hp = HParams(*(columns[name][index] for name in HParams._fields))
        if program.packed:
            spec, members = packed_members([configs[i] for i in index], hp, keys[index])
        else:
            spec, members = program.config, {"hparams": hp, "key": keys[index]}
        compiled, seconds = _compiled(spec, keep_params, mesh, program.chunk, members, shared)
        compile_seconds += seconds
        start = time.perf_counter()
        out = run_chunks(compiled, mesh, program.chunk, members, shared, on_chunk=bar.update)
        train_seconds += time.perf_counter() - start
        test_loss[index], test_accuracy[index] = out["test"]
        diverged[index] = out["diverged"]
        for j, i in enumerate(index):
            epochs = configs[i].epochs
            history[i] = EpochMetrics(*(m[j][:epochs] for m in out["metrics"]))
            if keep_params:
                own = jax.tree.map(lambda x, j=j: x[j], out["params"])
                params[i] = member_params(own, configs[i].sizes) if program.packed else own
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
        diverged=diverged,
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

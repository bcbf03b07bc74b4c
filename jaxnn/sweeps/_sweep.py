r"""Hyperparameter sweeps: many training runs in one compiled program, spread over every device.

Training is a pure function of (config, hyperparameters, key, data), so a sweep is ``vmap`` of it
over the traced hyperparameters and the PRNG key, with the data shared:

.. math:: \theta^{(i)} = \mathrm{train}(c, h^{(i)}, \mathrm{key}(s^{(i)}), D), \quad i = 1..K

Settings that fix shapes or programs (the `TrainConfig`: sizes, activation, optimizer, batch size,
epochs, loss, weight init) group the members: one compiled program per group. Within a group the
member axis is split over every device (see `jaxnn.sweeps`), padded to a multiple of the device
count and run in fixed-size chunks, so memory stays bounded and new values never recompile. Members
never read each other's values: a diverging member shows NaN in its own results only.
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

from jaxnn._util import progress_bar
from jaxnn._validation import check_int_range
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

__all__ = ["SweepResult", "sweep"]


class SweepResult(NamedTuple):
    """What a sweep measured, one entry per member in the order of the settings.

    Attributes:
      settings: each member's full setting: every `TrainConfig` field, every `HParams` field and
        ``seed``.
      test_loss: float (K,), the final network's loss on the test split.
      test_accuracy: float (K,).
      val_loss: float (K,), after the last epoch.
      val_accuracy: float (K,), after the last epoch.
      train_loss: float (K,), the mean minibatch loss of the last epoch.
      diverged: bool (K,): a NaN or infinite loss or parameter in the member's run, or a last
        epoch's training loss more than twice the loss of the initial network (training made it
        worse).
      history: each member's `EpochMetrics`, arrays of shape (epochs,).
      params: each member's final network, or None unless ``keep_params=True``.
      devices: how many devices the members were spread over.
      groups: how many compiled programs (distinct `TrainConfig`s) the sweep needed.
      chunk_size: members per call of a compiled program (a multiple of ``devices``).
      compile_seconds: tracing and compiling, summed over groups (0 for a program cached by an
        earlier sweep in this process).
      train_seconds: running the compiled programs, host transfers included.
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


def _train_member(config: TrainConfig, member: dict, data: Dataset) -> dict:
    r"""One member's run: train, evaluate on the test split, flag divergence (per member).

    .. math:: \text{diverged} = \neg\text{finite}(\theta, \mathcal{L}) \ \lor\
        \mathcal{L}_{\rm train}(\text{last epoch}) > 2\, \mathcal{L}_{\rm train}(\theta_0)
    """
    state, metrics = train(config, member["hparams"], member["key"], data)
    test_loss, test_accuracy = evaluate(config, state.params, data.x_test, data.y_test)
    start = init_state(config, member["hparams"], member["key"]).params
    initial_loss, _ = evaluate(config, start, data.x_train, data.y_train)
    finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(p)) for p in jax.tree.leaves(state.params)]))
    finite &= jnp.all(jnp.isfinite(metrics.train_loss)) & jnp.isfinite(test_loss)
    return {
        "params": state.params,
        "metrics": metrics,
        "test": (test_loss, test_accuracy),
        "diverged": ~finite | (metrics.train_loss[-1] > 2 * initial_loss),
    }


def _member_outputs(config: TrainConfig, keep_params: bool, member: dict, data: Dataset) -> dict:
    """`_train_member`, without the final parameters unless they are kept (less to transfer)."""
    out = _train_member(config, member, data)
    return out if keep_params else {k: v for k, v in out.items() if k != "params"}


# Compiled programs by (config, keep_params, mesh, chunk, member shapes, data shapes): a second
# sweep of the same shapes, with any values, reuses them.
_PROGRAMS: dict[tuple, Any] = {}
_MAX_PROGRAMS = 32


def _avals(tree: Any, skip: int = 0) -> tuple:
    return tuple((tuple(np.shape(x))[skip:], str(x.dtype)) for x in jax.tree.leaves(tree))


def _compiled(
    config: TrainConfig, keep_params: bool, mesh: Any, chunk: int, members: Any, shared: Any
):
    """The compiled program of one group for chunks of ``chunk`` members, and its compile seconds
    (0 when cached)."""
    key = (config, keep_params, mesh, chunk, _avals(members, skip=1), _avals(shared))
    if key in _PROGRAMS:
        return _PROGRAMS[key], 0.0
    program = shard_members(functools.partial(_member_outputs, config, keep_params), mesh)
    compiled, seconds = compile_members(program, mesh, chunk, members, shared)
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


def _bucket(members: int, devices: int) -> int:
    """Members per call for a small group: a power of two per device, so that groups of similar
    sizes (3 or 4 members, 5 to 8, ...) share one compiled program and give bitwise-equal members.
    """
    per_device = math.ceil(members / devices)
    return devices * (1 << (per_device - 1).bit_length())


def _keys(seeds: np.ndarray) -> np.ndarray:
    """``jax.random.PRNGKey(seed)`` for each seed, as a solo run makes it."""
    made = {int(s): np.asarray(jax.random.PRNGKey(int(s))) for s in np.unique(seeds)}
    return np.stack([made[int(s)] for s in seeds])


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
) -> SweepResult:
    r"""Trains one network per setting, all vmapped in one program per group and sharded.

    .. math:: \text{member } i:\ \mathrm{train}(c_i, h_i, \mathrm{PRNGKey}(s_i), D), \quad
        \text{grouped by } c_i, \text{ vmapped over } (h_i, s_i), \text{ sharded over devices}

    Each member's result equals its solo run (`jaxnn.train` or ``jaxnn train``) with the same
    settings up to float rounding; a member that diverges is flagged and leaves the others as they
    would be without it.

    Args:
      config: the base `TrainConfig`; a setting's `TrainConfig` fields replace its fields.
      settings: one mapping per member from names to values: `TrainConfig` fields (``sizes``,
        ``activation``, ``optimizer``, ``batch_size``, ``epochs``, ``loss``, ``weight_init``, ...),
        `HParams` fields (``learning_rate``, ``momentum``, ``beta``, ``beta1``, ``beta2``,
        ``eps``, ``weight_decay``, ``init_scale``) and ``seed`` (the PRNG seed, default 0).
        `jaxnn.grid` and `jaxnn.random_settings` make them.
      data: the `Dataset` every member trains on.
      hparams: base values of `HParams` fields for every member (defaults of `make_hparams`).
      devices: ``None`` for every device, an int n for the first n, or a list of devices.
      chunk_size: at most this many members per call (rounded up to a multiple of the device
        count); bounds memory. Bigger chunks vectorize more. A smaller group runs in one call of
        a power of two members per device (padded).
      keep_params: keep every member's final network in the result.
      progress: show a progress bar (tqdm) over members.

    Returns:
      A `SweepResult`.
    """
    settings = check_settings(settings, _KNOWN.__contains__)
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    configs, columns, seeds, full = _resolve(config, settings, dict(hparams or {}))
    check_int_range("chunk_size", chunk_size, 1, 2**20)
    data = check_dataset(data)
    mesh = member_mesh(devices)
    n_dev = mesh.size
    shared = replicate(data, mesh)
    keys = _keys(seeds)
    groups: dict[TrainConfig, list[int]] = {}
    for i, c in enumerate(configs):
        groups.setdefault(c, []).append(i)
    chunk = math.ceil(chunk_size / n_dev) * n_dev
    k = len(settings)
    test_loss, test_accuracy = np.empty(k, np.float32), np.empty(k, np.float32)
    diverged = np.empty(k, bool)
    history: list[Any] = [None] * k
    params: list[Any] = [None] * k
    bar = progress_bar(k, desc="sweep", unit="member", enabled=progress)
    compile_seconds = train_seconds = 0.0
    for c, index in groups.items():
        members = {
            "hparams": HParams(*(columns[name][index] for name in HParams._fields)),
            "key": keys[index],
        }
        group_chunk = min(chunk, _bucket(len(index), n_dev))
        compiled, seconds = _compiled(c, keep_params, mesh, group_chunk, members, shared)
        compile_seconds += seconds
        start = time.perf_counter()
        out = run_chunks(compiled, mesh, group_chunk, members, shared, on_chunk=bar.update)
        train_seconds += time.perf_counter() - start
        test_loss[index], test_accuracy[index] = out["test"]
        diverged[index] = out["diverged"]
        for j, i in enumerate(index):
            history[i] = EpochMetrics(*(m[j] for m in out["metrics"]))
            if keep_params:
                params[i] = jax.tree.map(lambda x, j=j: x[j], out["params"])
    bar.close()
    final = {name: np.array([getattr(h, name)[-1] for h in history]) for name in _FINAL}
    return SweepResult(
        settings=tuple(full),
        test_loss=test_loss,
        test_accuracy=test_accuracy,
        **final,
        diverged=diverged,
        history=tuple(history),
        params=tuple(params) if keep_params else None,
        devices=n_dev,
        groups=len(groups),
        chunk_size=chunk,
        compile_seconds=compile_seconds,
        train_seconds=train_seconds,
    )

r"""Which members share a compiled program: packing against grouping, by a cost model; memory.

Every program traces the optimizer, activation, weight init, schedule and epochs of its members,
so members that differ only in those always share one. Members that also differ in depth or width
(`PACKED`) can run in one packed program, each embedded in the envelope network; or bucketed, one
packed program per hidden width (only depths padded); or grouped, one program per network,
each running exactly its members' shapes. Packing computes padding (wider and deeper layers,
epochs after a member's own); grouping compiles more programs. The estimate of each, in seconds:

.. math::
    T = \frac{P}{\min(P, n_{\rm cores})}\,c + \sum_{\rm programs} \Big(\text{calls} \cdot E
        \cdot S \cdot s + \frac{\text{FLOPs}}{F}\Big)

with P programs of c seconds to compile (compiled side by side, one per core), each call of a
program running E epochs of S sequential steps of s seconds of fixed cost (dispatching the kernels
of a step), and the executed FLOPs at F per second. Members that differ in anything else (loss,
output, gradient method, batch size, dtype, input or output width, a user's own optimizer or
schedule) always get programs of their own.

Before compiling, the memory of one call is estimated (parameters, gradients and both optimizer
moments per member, the activations of a minibatch and of the evaluated splits) and a program
that would not fit is refused.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any, NamedTuple

import jax

from jaxnn.sweeps._packed import PACKED, envelope, pack_key
from jaxnn.training._config import TrainConfig
from jaxnn.training._optimizers import custom_name

__all__ = [
    "COSTS",
    "MODES",
    "SweepMemoryError",
    "Cost",
    "Program",
    "available_bytes",
    "check_memory",
    "member_bytes",
    "plan",
    "unpackable",
]

MODES = ("auto", "on", "off")
ENVELOPE = "envelope"
"""The planning mode of a search space's rounds: every set of members packed (`Envelope`)."""


class Cost(NamedTuple):
    """What a way of running some members is estimated to cost.

    Attributes:
      programs: compiled programs.
      flops: floating-point operations executed (padding included).
      useful_flops: those the members' own networks need.
      seconds: the estimated wall time, compilation included.
    """

    programs: int
    flops: float
    useful_flops: float
    seconds: float


class Program(NamedTuple):
    """One compiled program of a sweep.

    Attributes:
      members: indices of its members, in the sweep's order.
      config: its network: the members' `TrainConfig` (grouped), or the envelope (packed), with
        the longest epochs of its members.
      packed: whether it packs members of different depths or widths.
      chunk: members per call.
      cost: its `Cost` estimate.
    """

    members: tuple[int, ...]
    config: TrainConfig
    packed: bool
    chunk: int
    cost: Cost


# The constants of the cost model, by backend: compile seconds per program, fixed seconds per
# sequential optimizer step, and the floating-point rate of a sweep's matrix products. The CPU
# ones are fitted to `benchmarks/course_sweep.py` runs on a 2-core CPU (one XLA device per core;
# see benchmarks/RESULTS.md). The GPU and TPU ones are not measured (no accelerator was at hand):
# they compile about as slowly and compute far faster, which only favours packing more.
COSTS = {
    "cpu": {"compile": 6.0, "step": 1e-4, "flops": 8e10},
    "gpu": {"compile": 6.0, "step": 2e-5, "flops": 5e13},
    "tpu": {"compile": 6.0, "step": 2e-5, "flops": 1e14},
}


def _forward_flops(sizes: Sequence[int]) -> float:
    return 2.0 * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


def _run_flops(sizes, epochs: int, steps: int, batch: int, evaluated: int, n_val: int) -> float:
    """A member's FLOPs: forward and backward of every step (3 forward passes' worth), the
    validation split every epoch and the evaluated examples (test split, initial loss)."""
    f = _forward_flops(sizes)
    return epochs * (steps * batch * 3 * f + n_val * f) + evaluated * f


def _bucket(members: int, devices: int, packed: bool = False) -> int:
    """Members per call for a program of ``members``: a grouped program gets a power of two per
    device (groups of similar sizes share one compiled program and give bitwise-equal members);
    a packed one, which other sweeps rarely share, just enough (less filler to compute)."""
    per_device = math.ceil(members / devices)
    if packed:
        return devices * per_device
    return devices * (1 << (per_device - 1).bit_length())


def _cost(
    configs: Sequence[TrainConfig],
    run_sizes: Sequence[int],
    shape: dict,
    chunk: int,
    devices: int,
    backend: str,
    packed: bool,
) -> Cost:
    """The cost of running ``configs`` in one program of the network ``run_sizes`` (their own,
    or the envelope), compilation aside: every member computes the longest epochs."""
    constants = COSTS.get(backend, COSTS["cpu"])
    batch = configs[0].batch_size
    steps = shape["n_train"] // batch
    evaluated = shape["n_test"] + shape["n_train"]
    epochs_run = max(c.epochs for c in configs)
    useful = sum(
        _run_flops(c.sizes, c.epochs, steps, batch, evaluated, shape["n_val"]) for c in configs
    )
    call = min(chunk, _bucket(len(configs), devices, packed))
    calls = math.ceil(len(configs) / call)
    slots = calls * call  # members computed, chunk filler included
    per_slot = _run_flops(run_sizes, epochs_run, steps, batch, evaluated, shape["n_val"])
    flops = per_slot * slots
    seconds = calls * epochs_run * steps * constants["step"] + flops / constants["flops"]
    return Cost(1, flops, useful, seconds)


def _compile_seconds(programs: int, backend: str) -> float:
    """Compiling ``programs`` side by side, one per core."""
    cores = os.cpu_count() or 1
    return COSTS.get(backend, COSTS["cpu"])["compile"] * programs / min(max(programs, 1), cores)


def _sum(costs: Sequence[Cost]) -> Cost:
    return Cost(*(sum(c[i] for c in costs) for i in range(len(Cost._fields))))


def unpackable(configs: Sequence[TrainConfig]) -> list[tuple[str, list]]:
    """The settings (other than batch size) in which members differ that no program packs:
    ``[(name, values), ...]``; empty when ``pack="on"`` can run them with one program per batch
    size."""
    out = []
    for name in TrainConfig._fields:
        if name in PACKED or name == "batch_size":
            continue
        values = list(dict.fromkeys(getattr(c, name) for c in configs))
        if len(values) > 1:
            out.append((name, values))
    for what, part in (("input width", 0), ("output width", -1)):
        values = list(dict.fromkeys(c.sizes[part] for c in configs))
        if len(values) > 1:
            out.append((what, values))
    if len({len(c.sizes) > 2 for c in configs}) > 1:
        out.append(("num_layers", ["0", ">= 1"]))
    return out


def _programs_of(
    configs: Sequence[TrainConfig],
    index: list[int],
    key,
    packed: bool,
    shape: dict,
    chunk: int,
    devices: int,
    backend: str,
) -> list[Program]:
    """One program per distinct ``key(config)`` of the members ``index``: the envelope of its
    members when ``packed``, else their own network."""
    parts: dict[Any, list[int]] = {}
    for i in index:
        parts.setdefault(key(configs[i]), []).append(i)
    programs = []
    for part in parts.values():
        members = [configs[i] for i in part]
        sizes = envelope(members) if packed else members[0].sizes
        config = members[0]._replace(sizes=sizes, epochs=max(c.epochs for c in members))
        cost = _cost(members, sizes, shape, chunk, devices, backend, packed)
        call = min(chunk, _bucket(len(part), devices, packed))
        programs.append(Program(tuple(part), config, packed, call, cost))
    return programs


def _option(programs: Sequence[Program], backend: str) -> dict[str, Any]:
    total = _sum([p.cost for p in programs])
    seconds = _compile_seconds(len(programs), backend) + total.seconds
    return {"programs": len(programs), "estimated_seconds": seconds, "cost": total}


def plan(
    configs: Sequence[TrainConfig],
    mode: str,
    shape: dict,
    chunk: int,
    devices: int,
    backend: str,
) -> tuple[list[Program], list[dict[str, Any]]]:
    """The programs of a sweep, and for each set of members of different networks the choice.

    Members whose networks are the same always share a program (their optimizer, activation,
    init, schedule and epochs are traced). Members of different depths or widths that could be
    packed get the cheapest of: one packed program (the envelope), one packed program per
    hidden width (``bucketed``: only depths padded), or one program per network (``grouped``).

    Args:
      configs: each member's checked `TrainConfig`.
      mode: ``auto`` (the cost model chooses), ``on`` (pack) or ``off`` (no padded widths or
        depths: one program per network); ``envelope``: every set packed, even of one network
        (the rounds of a search space that varies its networks).
      shape: ``n_train``, ``n_val`` and ``n_test``, the sizes of the data splits.
      chunk: at most this many members per call.
      devices: the devices the members are spread over.
      backend: ``cpu``, ``gpu`` or ``tpu`` (the cost model's constants).

    Returns:
      ``(programs, choices)``: the programs in order of first member, and one dict per set of
      members that could share a packed program: its members, its distinct networks, the choice
      (``packed``, ``bucketed`` or ``grouped``) and every estimate; and one per set run with a
      user's own optimizer or schedule (``grouped``: it cannot be traced).

    Raises:
      ValueError: for an unknown mode, or ``on`` with members that differ in a setting that
        cannot be packed (named, with its values).
    """
    if mode not in (*MODES, ENVELOPE):
        raise ValueError(f"pack must be one of {', '.join(MODES)}, got {mode!r}")
    if mode == "on":
        _check_packable(configs)
    sets: dict[tuple, list[int]] = {}
    for i, c in enumerate(configs):
        sets.setdefault(pack_key(c), []).append(i)
    programs, choices = [], []
    args = (shape, chunk, devices, backend)
    for key, index in sets.items():
        own = _custom(key)
        if own:
            choices.append({"members": len(index), **own, "choice": "grouped"})
        chosen, choice = _choose(configs, index, mode, args)
        programs += chosen
        if choice is not None:
            choices.append(choice)
    programs.sort(key=lambda p: p.members[0])
    return programs, choices


def _check_packable(configs: Sequence[TrainConfig]) -> None:
    """Refuses ``pack="on"`` for members that differ in a setting no program packs (named)."""
    bad = unpackable(configs)
    if bad:
        name, values = bad[0]
        shown = ", ".join(map(str, values))
        raise ValueError(
            f"pack='on': the members differ in {name} ({shown}), which cannot be packed "
            f"(one program per value); use pack='auto' or 'off'"
        )


def _choose(
    configs: Sequence[TrainConfig], index: list[int], mode: str, args: tuple
) -> tuple[list[Program], dict[str, Any] | None]:
    """The programs of one set of members that could share a packed program (``args``: shape,
    chunk, devices, backend), and the choice made for it (None where there was none to make:
    one network, no hidden layer, or the envelope)."""
    backend = args[-1]
    networks = {configs[i].sizes for i in index}
    hidden = len(configs[index[0]].sizes) > 2
    if mode == ENVELOPE and hidden:  # one packed program per set, whatever its networks
        return _programs_of(configs, index, lambda c: 0, True, *args), None
    grouped = _programs_of(configs, index, lambda c: c.sizes, False, *args)
    if len(networks) == 1 or not hidden:
        return grouped, None
    options = {
        "packed": _programs_of(configs, index, lambda c: 0, True, *args),
        "bucketed": _programs_of(configs, index, lambda c: max(c.sizes[1:-1]), True, *args),
        "grouped": grouped,
    }
    estimates = {name: _option(p, backend) for name, p in options.items()}
    if mode == "on":
        choice = "packed"
    elif mode == "off":
        choice = "grouped"
    else:
        choice = min(estimates, key=lambda n: estimates[n]["estimated_seconds"])
    cost = estimates["packed"]["cost"]
    return options[choice], {
        "members": len(index),
        "configs": len(networks),
        "choice": choice,
        **{n: {k: v for k, v in e.items() if k != "cost"} for n, e in estimates.items()},
        "padded_fraction": 1 - cost.useful_flops / cost.flops,
    }


def _custom(key: tuple) -> dict[str, str]:
    """A user's own optimizer or schedule in a `pack_key`, by name, for the choices."""
    out = {}
    for item in key:
        if isinstance(item, tuple) and len(item) == 2 and item[0] in ("optimizer", "lr_schedule"):
            out[item[0]] = f"a user's own ({custom_name(item[1])}): grouped, not traced"
    return out


def member_bytes(config: TrainConfig, shape: dict) -> int:
    """The estimated memory of one member in a call: its parameters with their gradients,
    updates and two optimizer moments, the activations of a minibatch (forward and backward)
    and of the largest evaluated split, and its shuffled indices (float32, int64)."""
    sizes = config.sizes
    params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    units = sum(sizes[1:])
    batch = config.batch_size * (4 * units + sizes[0])
    evaluated = max(shape["n_val"], shape["n_test"], shape["n_train"]) * 2 * max(sizes[1:])
    return 4 * (5 * params + batch + evaluated) + 8 * shape["n_train"]


def available_bytes(devices: Sequence[jax.Device]) -> int | None:
    """Memory one device can use: its own (GPU, TPU), or this host's available memory shared
    by its CPU devices; None when unknown."""
    device = devices[0]
    if device.platform != "cpu":
        try:
            stats = device.memory_stats() or {}
        except Exception:  # noqa: BLE001  (a backend without memory statistics)
            stats = {}
        limit = stats.get("bytes_limit")
        return int(limit) if limit else None
    total = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    total = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    if total is None:
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
        except (ValueError, OSError, AttributeError):
            return None
    local = sum(1 for d in devices if d.process_index == jax.process_index())
    return total // max(1, local)


class SweepMemoryError(ValueError):
    """A program of a sweep would not fit in memory (estimated before compiling).

    Attributes:
      chunk: the members per call asked for.
      fits: how many members per call would fit (a multiple of the device count; 0: none).
      needed: the estimated bytes per device.
      available: the bytes per device.
      sizes: the program's network.
      packed: whether it is a packed program.
    """

    def __init__(self, chunk, fits, needed, available, sizes, packed):
        self.chunk, self.fits, self.needed = chunk, fits, needed
        self.available, self.sizes, self.packed = available, sizes, packed
        super().__init__(self.describe("chunk_size"))

    def network(self) -> str:
        hidden = self.sizes[1:-1]
        same = len(set(hidden)) == 1
        body = (
            f"{hidden[0]}x{len(hidden)}" if same and len(hidden) > 1 else "-".join(map(str, hidden))
        )
        return (
            f"{self.sizes[0]}-{body}-{self.sizes[-1]}" if hidden else "-".join(map(str, self.sizes))
        )

    def describe(self, chunk_label: str, width_label: str = "the hidden sizes") -> str:
        gib = 2.0**30
        what = f"{'packed ' if self.packed else ''}network {self.network()}"
        if self.fits:
            return (
                f"{chunk_label} {self.chunk}: a call of {self.chunk} members of the {what} needs "
                f"an estimated {self.needed / gib:.1f} GiB per device, more than the "
                f"{self.available / gib:.1f} GiB available; at most {self.fits} members per "
                f"call fit"
            )
        return (
            f"{width_label} {max(self.sizes[1:-1], default=self.sizes[-1])}: one member of the "
            f"{what} needs an estimated {self.needed / gib:.1f} GiB per device, more than the "
            f"{self.available / gib:.1f} GiB available"
        )


def check_memory(program: Program, shape: dict, devices: Sequence[jax.Device]) -> int:
    """Refuses a program whose call would not fit in memory; returns the estimate per device.

    Raises:
      SweepMemoryError: with the estimate, the memory available and the members per call that fit.
    """
    per_member = member_bytes(program.config, shape)
    data = 4 * (shape["n_train"] + shape["n_val"] + shape["n_test"]) * (program.config.sizes[0] + 1)
    n = len(devices)
    per_device = math.ceil(program.chunk / n)
    needed = per_device * per_member + data
    available = available_bytes(devices)
    if available is None or needed <= available:
        return needed
    fits = max(0, (available - data) // per_member) * n
    raise SweepMemoryError(
        program.chunk, int(fits), needed, available, program.config.sizes, program.packed
    )

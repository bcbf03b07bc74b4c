"""Spreading the members of a sweep over every device: vmap inside, shard_map across devices.

A function of one member, ``fn(member, shared)``, becomes a function of a batch of members: ``vmap``
stacks them on a leading axis, and ``shard_map`` over a 1-D mesh splits that axis into equal blocks,
one per device, with the shared arguments (the data) replicated. No member ever reads another's
values, so there is no communication and a diverging member affects nobody else. Batches are padded
to a multiple of the device count with copies of the last member and run in fixed-size chunks (one
compiled program, bounded memory).

The same code runs on several hosts: after ``jax.distributed.initialize()``, ``jax.devices()`` lists
every process's devices, inputs are assembled as global arrays with ``jax.make_array_from_callback``
(each process supplies its own blocks) and results are gathered to every process.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

__all__ = [
    "MEMBER_AXIS",
    "compile_members",
    "initialize_hosts",
    "map_chunks",
    "member_mesh",
    "pad_members",
    "replicate",
    "run_chunks",
    "shard_members",
    "to_host",
]

MEMBER_AXIS = "members"


def initialize_hosts(coordinator: str, num_processes: int, process_id: int) -> None:
    """Joins this process to a multi-host run: ``jax.distributed.initialize`` (before any JAX work).

    Every process runs the same program; afterwards ``jax.devices()`` lists the devices of all
    processes and a sweep spreads its members over all of them. CPU processes exchange data through
    gloo collectives.

    Args:
      coordinator: ``HOST:PORT`` of process 0, reachable from every process.
      num_processes: how many processes take part.
      process_id: this process's index, 0 .. num_processes - 1.
    """
    host, _, port = coordinator.rpartition(":") if isinstance(coordinator, str) else ("", "", "")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(
            f"coordinator must be HOST:PORT with a port in 1..65535, got {coordinator!r}"
        )
    if not 1 <= num_processes:
        raise ValueError(f"num_processes must be >= 1, got {num_processes}")
    if not 0 <= process_id < num_processes:
        raise ValueError(f"process_id must be in [0, {num_processes - 1}], got {process_id}")
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(
        coordinator_address=coordinator, num_processes=num_processes, process_id=process_id
    )


def member_mesh(devices: int | Sequence[jax.Device] | None = None) -> Mesh:
    """A 1-D mesh with axis ``"members"`` over ``devices``.

    Args:
      devices: ``None`` for every device (of every process), an int n for the first n of them, or
        a list of devices.

    Returns:
      A `jax.sharding.Mesh`.
    """
    available = jax.devices()
    if devices is None:
        chosen = list(available)
    elif isinstance(devices, int) and not isinstance(devices, bool):
        if not 1 <= devices <= len(available):
            raise ValueError(f"devices must be between 1 and {len(available)}, got {devices}")
        chosen = list(available[:devices])
    else:
        chosen = list(devices)
        if not chosen:
            raise ValueError("devices is an empty list: a sweep needs at least one device")
    return Mesh(np.array(chosen), (MEMBER_AXIS,))


def _leading(tree: Any) -> int:
    sizes = {np.shape(x)[0] if np.ndim(x) else None for x in jax.tree.leaves(tree)}
    if len(sizes) != 1 or None in sizes:
        raise ValueError(f"every member array needs the same leading axis, got sizes {sizes}")
    return sizes.pop()


def pad_members(tree: Any, size: int) -> Any:
    """Pads the leading (member) axis of every array to ``size`` with copies of the last member.

    Args:
      tree: a pytree of arrays sharing a leading axis of length n <= size.
      size: the padded length.

    Returns:
      The same structure with NumPy arrays of leading length ``size``.
    """
    n = _leading(tree)
    if n > size:
        raise ValueError(f"cannot pad {n} members down to {size}")

    def pad(x):
        x = np.asarray(x)
        return np.concatenate([x, np.repeat(x[-1:], size - n, axis=0)]) if size > n else x

    return jax.tree.map(pad, tree)


def shard_members(fn: Callable[[Any, Any], Any], mesh: Mesh) -> Callable[[Any, Any], Any]:
    r"""Turns ``fn(member, shared)`` into a jitted function of a block of members.

    .. math:: F(M, s)_i = \mathrm{fn}(M_i, s), \quad i = 1..K, \text{ with } K / D
        \text{ members on each of the } D \text{ devices}

    Args:
      fn: a pure function of one member's pytree and the shared pytree.
      mesh: a mesh from `member_mesh`.

    Returns:
      ``jax.jit(shard_map(vmap(fn)))``: takes members with a leading axis divisible by the mesh
      size (sharded over it) and the shared pytree (replicated); outputs have the leading axis.
    """
    members = PartitionSpec(MEMBER_AXIS)
    block = jax.shard_map(
        jax.vmap(fn, in_axes=(0, None)),
        mesh=mesh,
        in_specs=(members, PartitionSpec()),
        out_specs=members,
        # No collectives: members are independent, so per-device values need no varying-axis
        # typing (zero-initialized carries, e.g. biases, would otherwise need pcast).
        check_vma=False,
    )
    return jax.jit(block)


def _global(x: Any, sharding: NamedSharding) -> jax.Array:
    x = np.asarray(x)
    return jax.make_array_from_callback(x.shape, sharding, lambda index: x[index])


def replicate(tree: Any, mesh: Mesh) -> Any:
    """Places a pytree of arrays on every device of ``mesh`` (a global array on every host)."""
    sharding = NamedSharding(mesh, PartitionSpec())
    return jax.tree.map(lambda x: _global(x, sharding), tree)


def _split(tree: Any, mesh: Mesh) -> Any:
    sharding = NamedSharding(mesh, PartitionSpec(MEMBER_AXIS))
    return jax.tree.map(lambda x: _global(x, sharding), tree)


def to_host(tree: Any) -> Any:
    """Copies a pytree of (possibly sharded, possibly multi-host) arrays to NumPy on this host."""
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils

        return multihost_utils.process_allgather(tree, tiled=True)
    return jax.tree.map(np.asarray, tree)


def compile_members(
    program: Callable[[Any, Any], Any], mesh: Mesh, chunk: int, members: Any, shared: Any
) -> tuple[Any, float]:
    """Compiles ``program`` (from `shard_members`) ahead of time for chunks of ``chunk`` members.

    Args:
      program: the jitted block function.
      mesh: its mesh; ``chunk`` must be a multiple of its size.
      chunk: members per call.
      members: an example member pytree with any leading length (arrays or
        `jax.ShapeDtypeStruct`: only shapes and dtypes are used).
      shared: the shared pytree, as placed by `replicate`.

    Returns:
      ``(compiled, seconds)``: the executable and the seconds tracing and compiling took.
    """
    if chunk % mesh.size:
        raise ValueError(f"chunk {chunk} is not a multiple of the {mesh.size} devices")
    sharding = NamedSharding(mesh, PartitionSpec(MEMBER_AXIS))
    spec = jax.tree.map(
        lambda x: jax.ShapeDtypeStruct((chunk, *x.shape[1:]), x.dtype, sharding=sharding),
        members,
    )
    start = time.perf_counter()
    compiled = program.lower(spec, shared).compile()
    return compiled, time.perf_counter() - start


def run_chunks(
    compiled: Callable[[Any, Any], Any],
    mesh: Mesh,
    chunk: int,
    members: Any,
    shared: Any,
    *,
    on_chunk: Callable[[int], None] | None = None,
) -> Any:
    """Runs all members through ``compiled`` in chunks; returns their outputs on the host.

    Args:
      compiled: from `compile_members` for this ``mesh`` and ``chunk``.
      mesh: the mesh.
      chunk: members per call.
      members: the member pytree, leading axis K (any K >= 1); padded here, padding dropped.
      shared: the shared pytree, as placed by `replicate`.
      on_chunk: called with the number of real members after each chunk (progress).

    Returns:
      The output pytree as NumPy arrays with leading axis K.
    """
    return map_chunks(
        lambda block: compiled(block, shared), mesh, chunk, members, on_chunk=on_chunk
    )


def map_chunks(
    call: Callable[[Any], Any],
    mesh: Mesh,
    chunk: int,
    members: Any,
    *,
    on_chunk: Callable[[int], None] | None = None,
) -> Any:
    """``call`` on every chunk of members, sharded over ``mesh``; the outputs on the host.

    Args:
      call: takes a chunk's member pytree (global arrays, leading axis ``chunk``, sharded over
        the mesh) and returns device outputs with the same leading axis (dispatched, not waited
        for: the next chunk is queued before the previous one is copied back).
      mesh: the mesh.
      chunk: members per call (a multiple of the mesh's size).
      members: NumPy member pytree, leading axis K (any K >= 1); padded here, padding dropped.
      on_chunk: called with the number of real members after each chunk (progress).

    Returns:
      The output pytree as NumPy arrays with leading axis K.
    """
    n = _leading(members)
    padded = pad_members(members, math.ceil(n / chunk) * chunk)
    outputs = []

    def collect(out: Any, count: int) -> None:
        outputs.append(to_host(out))
        if on_chunk is not None:
            on_chunk(count)

    previous = None
    for start in range(0, n, chunk):
        block = jax.tree.map(lambda x: x[start : start + chunk], padded)
        # Dispatch is asynchronous: the next chunk is queued before the previous one is copied
        # back, so the devices stay busy and at most two chunks' outputs are held at once.
        current = (call(_split(block, mesh)), min(chunk, n - start))
        if previous is not None:
            collect(*previous)
        previous = current
    collect(*previous)
    return jax.tree.map(lambda *xs: np.concatenate(xs)[:n], *outputs)

"""The engine's compiled programs, cached for the whole process and compiled concurrently.

Two programs run a member: ``train`` (`train_member`: epochs to a target, then the test split
where asked), and ``init`` (`init_member`: the initial state from its seed) for a sweep or
``solo`` (`init_and_test`: the initial state, and the test split's evaluation) for a solo run.
A solo run compiles them under ``jit``; a sweep vmaps them over a leading member axis and shards
that axis over a mesh.
The cache is keyed only by what fixes shapes or code: the `Static` (layer sizes or envelope, batch
size, loss, output, gradient method, dtype, the activation set, the metrics buffer, a user's
transformation or schedule by identity), the shapes and dtypes of the arguments (the data, the
members per call), the devices, and whether XLA optimizes (``jax_disable_most_optimizations``). So
a `jaxnn.fit` that changes only the optimizer, activation, init, learning rate, seed or epochs
(within the buffer), a second sweep of the same shapes, the rounds of a Bayesian search and the
segments of successive halving reuse programs.

Programs missing from the cache are compiled together, one thread each: XLA compiles outside
Python's lock, so on a machine with several cores they compile side by side.
"""

from __future__ import annotations

import collections
import functools
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

import jax
import numpy as np

from jaxnn.training import _engine as engine

__all__ = ["MAX_PROGRAMS", "Request", "clear", "compiled", "compiled_count", "solo_test"]

MAX_PROGRAMS = 64
_CACHE: collections.OrderedDict[tuple, Any] = collections.OrderedDict()
_LOCK = threading.Lock()
_COUNT = [0]


class Request(NamedTuple):
    """A program to run.

    Attributes:
      kind: ``init``, ``train``, ``fresh`` (a sweep's: init then train, one program) or
        ``solo``.
      static: the `Static` of its members.
      args: example arguments, arrays or `jax.ShapeDtypeStruct` (only shapes and dtypes are
        read): ``(member, data)`` for init, ``(member, state, target, test, data)`` for train,
        ``(member, target, test, data)`` for fresh, ``(member, params, x, y)`` for solo;
        with a mesh, every argument but the data has a leading member axis (any length).
      mesh: None for one member under ``jit`` (a train program then donates the state it is
        given: do not use it after the call); a mesh from `member_mesh` to vmap members and
        shard them over its devices, ``chunk`` per call.
      chunk: members per call (a multiple of the mesh's size).
      divergence: for init, also compute the losses of the divergence test.
      test: for train, evaluate the test split where the call asks (a solo run evaluates it
        in its ``solo`` program instead).
    """

    kind: str
    static: engine.Static
    args: tuple
    mesh: Any = None
    chunk: int | None = None
    divergence: bool = False
    test: bool = True


def _avals(tree: Any, skip: int = 0) -> tuple:
    leaves, treedef = jax.tree.flatten(tree)
    return str(treedef), tuple((tuple(np.shape(x))[skip:], str(x.dtype)) for x in leaves)


def _key(r: Request) -> tuple:
    static = r.static
    if r.kind in ("init", "solo"):  # neither trains: one program for every batch size and length
        static = static._replace(batch_size=0, epochs=0)
    if r.mesh is None:
        shapes = _avals(r.args)
    else:
        shapes = (_avals(r.args[:-1], skip=1), _avals(r.args[-1]))
    devices = None if r.mesh is None else tuple(d.id for d in r.mesh.devices.flat)
    # programs compiled with XLA's optimizations off are not handed to a run with them on
    optimized = not jax.config.read("jax_disable_most_optimizations")
    return (r.kind, static, r.divergence, r.test, devices, r.chunk, shapes, optimized)


def _function(r: Request):
    """The function of one member (init or train) with the static parts bound."""
    if r.kind == "init":
        return lambda member, data: engine.init_member(r.static, member, data, r.divergence)
    if r.kind == "train":
        return functools.partial(engine.train_member, r.static, with_test=r.test)
    if r.kind == "fresh":
        return functools.partial(engine.fresh_member, r.static)
    if r.kind == "solo":
        return functools.partial(engine.init_and_test, r.static)
    raise ValueError(f"unknown program kind {r.kind!r}")


def _spec(x: Any) -> jax.ShapeDtypeStruct:
    return jax.ShapeDtypeStruct(np.shape(x), x.dtype)


def _compile(r: Request) -> Any:
    fn = _function(r)
    if r.mesh is None:
        # a solo run's training program takes over the state it is given (its buffers are
        # reused for the new state: a call per epoch copies nothing)
        donate = (1,) if r.kind == "train" else ()
        jitted = jax.jit(fn, donate_argnums=donate)
        return jitted.lower(*jax.tree.map(_spec, r.args)).compile()
    from jaxnn.sweeps._sharding import compile_members, shard_members  # (sweeps import training)

    block = shard_members(lambda members, data: fn(*members, data), r.mesh)
    compiled, _ = compile_members(block, r.mesh, r.chunk, r.args[:-1], r.args[-1])
    return compiled


def compiled(requests: Sequence[Request]) -> tuple[list[Any], float]:
    """The compiled programs of ``requests``: from the cache, or compiled, side by side.

    Returns:
      ``(programs, seconds)``: one executable per request, and the wall seconds spent tracing
      and compiling those that were not cached (0 when all were).
    """
    keys = [_key(r) for r in requests]
    with _LOCK:
        found = {k: _CACHE[k] for k in keys if k in _CACHE}
        for k in found:
            _CACHE.move_to_end(k)
    missing = {k: r for k, r in zip(keys, requests) if k not in found}
    seconds = 0.0
    if missing:
        start = time.perf_counter()
        workers = min(len(missing), os.cpu_count() or 1)
        if workers > 1:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                done = list(pool.map(_compile, missing.values()))
        else:
            done = [_compile(r) for r in missing.values()]
        seconds = time.perf_counter() - start
        found.update(zip(missing, done))
        with _LOCK:
            _CACHE.update(zip(missing, done))
            _COUNT[0] += len(done)
            while len(_CACHE) > MAX_PROGRAMS:
                _CACHE.popitem(last=False)
    return [found[k] for k in keys], seconds


def solo_test(config, params, x, y) -> engine.Test:
    """`Test` of ``params`` on (x, y) by the ``solo`` program of ``config`` (a solo run's: the
    numbers `jaxnn.fit` gives for its test split)."""
    static = engine.static_of(
        config,
        activations=engine.solo_activations(config.activation),
        epochs=engine.epochs_bucket(config.epochs),
    )
    member = engine.member_of(static, config, None, None)
    (program,), _ = compiled([Request("solo", static, (member, params, x, y))])
    return program(member, params, x, y)[1]


def compiled_count() -> int:
    """How many programs this process has compiled for the engine."""
    return _COUNT[0]


def clear() -> None:
    """Empties the cache (the next run compiles again)."""
    with _LOCK:
        _CACHE.clear()

"""The member-sharding machinery on a toy pure function (no training involved)."""

import json
import os
import subprocess
import sys
import textwrap

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnn.sweeps._sharding import (
    compile_members,
    member_mesh,
    pad_members,
    replicate,
    run_chunks,
    shard_members,
)


def toy(member, shared):
    """A small iterated map: member i's result depends only on member i."""

    def body(c, _):
        return jnp.tanh(c * member["rate"] + shared["x"]), None

    c, _ = jax.lax.scan(body, member["start"], None, length=20)
    return {"c": c, "id": member["id"]}


def members(k):
    return {
        "rate": np.linspace(0.1, 2.0, k, dtype=np.float32),
        "start": np.arange(k, dtype=np.float32) / k,
        "id": np.arange(k, dtype=np.int32),
    }


def test_pad_members_repeats_the_last_member():
    padded = pad_members({"a": np.arange(3), "b": np.ones((3, 2))}, 5)
    np.testing.assert_array_equal(padded["a"], [0, 1, 2, 2, 2])
    chex.assert_shape(padded["b"], (5, 2))
    with pytest.raises(ValueError, match="cannot pad 3 members down to 2"):
        pad_members({"a": np.arange(3)}, 2)
    with pytest.raises(ValueError, match="same leading axis"):
        pad_members({"a": np.arange(3), "b": np.arange(4)}, 5)


def test_member_mesh_bad_devices():
    assert member_mesh().size == len(jax.devices())
    assert member_mesh(1).size == 1
    with pytest.raises(ValueError, match="devices must be between 1 and"):
        member_mesh(len(jax.devices()) + 1)
    with pytest.raises(ValueError, match="empty list"):
        member_mesh([])


@pytest.mark.parametrize("k, chunk", [(1, 4), (7, 4), (8, 8), (10, 16)])
def test_run_chunks_equals_plain_vmap(k, chunk):
    mesh = member_mesh()
    shared = {"x": np.float32(0.3)}
    program = shard_members(toy, mesh)
    placed = replicate(shared, mesh)
    compiled, seconds = compile_members(program, mesh, chunk, members(k), placed)
    assert seconds > 0
    seen = []
    out = run_chunks(compiled, mesh, chunk, members(k), placed, on_chunk=seen.append)
    assert sum(seen) == k
    reference = jax.vmap(toy, in_axes=(0, None))(members(k), shared)
    np.testing.assert_array_equal(out["id"], np.arange(k))
    np.testing.assert_array_equal(out["c"], np.asarray(reference["c"]))


def test_one_trace_for_new_values():
    mesh = member_mesh()
    counted = chex.assert_max_traces(toy, n=1)
    program = shard_members(counted, mesh)
    shared = replicate({"x": np.float32(0.3)}, mesh)
    compiled, _ = compile_members(program, mesh, 4, members(4), shared)
    for k in (3, 4, 9):  # new values, new member counts: the same executable
        run_chunks(compiled, mesh, 4, members(k), shared)
    chex.clear_trace_counter()


def test_nan_member_leaves_the_others_bitwise_equal():
    mesh = member_mesh()
    program = shard_members(toy, mesh)
    shared = replicate({"x": np.float32(0.3)}, mesh)
    compiled, _ = compile_members(program, mesh, 8, members(8), shared)
    clean = run_chunks(compiled, mesh, 8, members(8), shared)
    poisoned = members(8)
    poisoned["rate"][3] = np.nan
    dirty = run_chunks(compiled, mesh, 8, poisoned, shared)
    assert np.isnan(dirty["c"][3])
    keep = np.arange(8) != 3
    np.testing.assert_array_equal(dirty["c"][keep], clean["c"][keep])


_CHILD = textwrap.dedent(
    """
    import json, sys
    import jax, numpy as np
    sys.path.insert(0, {tests!r})
    from test_sweep_sharding import members, toy
    from jaxnn.sweeps._sharding import (
        compile_members, member_mesh, replicate, run_chunks, shard_members)
    mesh = member_mesh()
    shared = replicate({{"x": np.float32(0.3)}}, mesh)
    compiled, _ = compile_members(shard_members(toy, mesh), mesh, 16, members(13), shared)
    out = run_chunks(compiled, mesh, 16, members(13), shared)
    used = len(compiled.input_shardings[0][0]["rate"].device_set)
    try:
        compile_members(shard_members(toy, mesh), mesh, 12, members(13), shared)
        refused = ""
    except ValueError as e:
        refused = str(e)
    print(json.dumps({{"devices": jax.device_count(), "c": out["c"].tolist(), "used": used,
                      "refused": refused}}))
    """
)


def test_eight_simulated_devices_equal_one_device():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=8")
    env["JAX_PLATFORMS"] = "cpu"
    code = _CHILD.format(tests=os.path.dirname(__file__))
    child = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert child.returncode == 0, child.stderr
    result = json.loads(child.stdout.strip().splitlines()[-1])
    assert result["devices"] == 8 and result["used"] == 8
    assert result["refused"] == "chunk 12 is not a multiple of the 8 devices"
    reference = jax.vmap(toy, in_axes=(0, None))(members(13), {"x": np.float32(0.3)})
    np.testing.assert_allclose(result["c"], np.asarray(reference["c"]), rtol=1e-6)

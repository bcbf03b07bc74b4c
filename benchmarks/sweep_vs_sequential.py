"""A sweep of K members (vmapped, sharded over devices) against K sequential solo runs."""

from __future__ import annotations

import json
import os
import sys

from benchmarks._common import Bench, Timing, child_json, devices_env, ratio

TITLE = "Sweeps: vmap + sharding over devices vs K sequential training runs"
ORDER = 50

KS = (16, 64, 256)
SIZES = (64, 32, 10)
EPOCHS = 5
SEQUENTIAL_CAP = 64  # sequential runs timed at most; more are extrapolated linearly


def _settings(k: int) -> list[dict]:
    from jaxnn import grid, log_range

    seeds = 4 if k >= 4 else 1
    return grid(learning_rate=log_range(1e-4, 1e-1, k // seeds), seed=list(range(seeds)))


def _measure(ks: tuple[int, ...], epochs: int, cap: int, repeats: int) -> dict:
    """Runs in a child process whose devices were set before JAX started."""
    import functools
    import statistics
    import time

    import jax

    from jaxnn import TrainConfig, evaluate, load_dataset, make_hparams, sweep, train

    data = load_dataset("digits")
    config = TrainConfig(sizes=SIZES, epochs=epochs, batch_size=32, optimizer="adam")

    # The sequential baseline: one member's run (train, then the test split), jitted once.
    @jax.jit
    def solo_run(member, data):
        state, metrics = train(config, member["hparams"], member["key"], data)
        return metrics, evaluate(config, state.params, data.x_test, data.y_test)

    solo = solo_run
    on_device = jax.device_put(data)

    def member(s):
        return {
            "hparams": make_hparams(learning_rate=s["learning_rate"]),
            "key": jax.random.PRNGKey(s["seed"]),
        }

    start = time.perf_counter()
    solo.lower(member({"learning_rate": 1e-3, "seed": 0}), on_device).compile()
    solo_compile = time.perf_counter() - start
    rows, runs = [], []
    for k in ks:
        settings = _settings(k)
        timed = settings[:cap]
        members = [member(s) for s in timed]
        jax.block_until_ready(solo(members[0], on_device))  # warm (compiled above)
        row = {"k": k, "sequential_timed": len(timed)}

        def sequential(members=members):  # one run after the other, each waited for
            for m in members:
                jax.block_until_ready(solo(m, on_device))

        fns = {"sequential": sequential}
        for name, devices in (("vmap_1_device", 1), ("sharded", None)):
            first = sweep(config, settings, data, devices=devices, chunk_size=k)  # compiles
            row[name + "_compile"] = first.compile_seconds
            row[name + "_devices"] = first.devices
            row[name + "_test_loss"] = first.test_loss.tolist()
            fns[name] = functools.partial(
                sweep, config, settings, data, devices=devices, chunk_size=k
            )
        rows.append(row)
        runs.append(fns)
    # Interleaved rounds over every K and column: a burst of other work on the machine hits a
    # few rounds of every column rather than all rounds of one.
    times = [{name: [] for name in fns} for fns in runs]
    for _ in range(repeats):
        for fns, measured in zip(runs, times):
            for name, fn in fns.items():
                start = time.perf_counter()
                jax.block_until_ready(fn())
                measured[name].append(time.perf_counter() - start)
    for row, measured in zip(rows, times):
        scale = row["k"] / row["sequential_timed"]
        measured["sequential"] = [t * scale for t in measured["sequential"]]
        for name, ts in measured.items():
            row[name] = Timing(statistics.median(ts), min(ts), max(ts), len(ts)).asdict()
    return {
        "rows": rows,
        "solo_compile": solo_compile,
        "devices": jax.device_count(),
        "backend": jax.default_backend(),
    }


def _timing(d: dict) -> Timing:
    return Timing(d["median"], d["min"], d["max"], d["runs"])


def run(quick: bool = False) -> Bench:
    import jax

    from jaxnn import markdown_table

    ks, epochs, cap, repeats = ((4, 8), 1, 4, 2) if quick else (KS, EPOCHS, SEQUENTIAL_CAP, 7)
    # one XLA host device per core on CPU, set before JAX starts
    env = devices_env() if jax.default_backend() == "cpu" else dict(os.environ)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load_before = os.getloadavg()
    result = child_json("benchmarks.sweep_vs_sequential", [ks, epochs, cap, repeats], env)
    load_after = os.getloadavg()
    rows, data_rows = [], []
    for r in result["rows"]:
        seq, vmap, shard = (_timing(r[n]) for n in ("sequential", "vmap_1_device", "sharded"))
        note = "" if r["sequential_timed"] == r["k"] else f" ({r['sequential_timed']} timed)"
        rows.append(
            (
                r["k"],
                f"{seq}{note}",
                str(vmap),
                str(shard),
                ratio(seq, vmap),
                ratio(seq, shard),
                f"{seq.min / shard.min:.2f}x",
                f"{r['vmap_1_device_compile']:.1f} / {r['sharded_compile']:.1f}",
            )
        )
        data_rows.append(r)
    table = markdown_table(
        [
            "K",
            "K sequential runs",
            "sweep, vmap, 1 device",
            f"sweep, vmap + sharded, {result['devices']} devices",
            "speedup vmap",
            "speedup sharded",
            "sharded, best / best",
            "compile s (vmap / sharded)",
        ],
        rows,
    )
    notes = (
        f"Each member trains a {'-'.join(map(str, SIZES))} tanh network with adam for {epochs} "
        f"epoch(s) on digits (batch 32) and is evaluated on the test split; members differ in "
        f"learning rate (log-spaced) and seed. The sequential column calls one jitted "
        f"single-member function (the sweep's own member function; compiled once beforehand, "
        f"{result['solo_compile']:.1f} s) K times; where fewer than K were timed the time is "
        f"scaled linearly to K (said in the cell). The sweep columns time the whole "
        f"`jaxnn.sweep(...)` call (host transfers included) after a first call that compiled; "
        f"compile seconds are beside. All columns of all K are timed interleaved, {repeats} "
        f"rounds; "
        f"speedups are ratios of medians [range from the extremes], and 'best / best' is the "
        f"fastest sequential round over the fastest sharded round (the least disturbed by other "
        f"work: the sharded run needs both cores free at once). "
        f"Backend {result['backend']}, {result['devices']} device(s) "
        f"in the child process ({cores} cores). Load average (1, 5, 15 min) before "
        f"{tuple(round(x, 2) for x in load_before)}, after "
        f"{tuple(round(x, 2) for x in load_after)}: other work on this machine distorts timings."
    )
    return Bench(
        table=table,
        notes=notes,
        data={
            "rows": data_rows,
            "devices": result["devices"],
            "backend": result["backend"],
            "solo_compile_seconds": result["solo_compile"],
            "load_before": load_before,
            "load_after": load_after,
            "epochs": epochs,
        },
    )


if __name__ == "__main__":
    ks, epochs, cap, repeats = json.loads(sys.argv[1])
    print(json.dumps(_measure(tuple(ks), epochs, cap, repeats)))

"""Successive halving (wandb's hyperband) against the same members run to the end; compacting the
survivors into smaller programs against freezing the stopped members in place."""

from __future__ import annotations

import json
import os
import sys

from benchmarks._common import Bench, child_json, digits_data

TITLE = "Hyperband: successive halving vs the same members run to the end (compact vs frozen)"
TARGET = 1.5  # the target: compacted successive halving against the full run, wall time, digits
ORDER = 61

SIZES = (64, 64, 10)
EPOCHS = 27
ETA, MIN_ITER = 3.0, 1  # rungs 1, 3, 9
COPIES = 16  # the larger workload: digits' training split 16 times (noisy copies)


def _settings(k: int) -> list[dict]:
    from jaxnn import grid, log_range

    return grid(learning_rate=log_range(1e-4, 3e-1, k // 4), seed=[0, 1, 2, 3])


def _measure(mode: str, k: int, epochs: int, copies: int) -> dict:
    """One run in this (fresh) process: ``full`` (`jaxnn.sweep` to the end), ``compact`` or
    ``frozen`` (successive halving)."""
    import time

    import jax
    import numpy as np

    import jaxnn
    from jaxnn.sweeps._config import Hyperband
    from jaxnn.sweeps._hyperband import successive_halving

    data = digits_data(copies)
    config = jaxnn.TrainConfig(sizes=SIZES, epochs=epochs, batch_size=32, optimizer="adam")
    settings = _settings(k)
    start = time.perf_counter()
    if mode == "full":
        result = jaxnn.sweep(config, settings, data)
        computed = trained = k * epochs
        stopped = 0
    else:
        result = successive_halving(
            config, settings, data, Hyperband(eta=ETA, min_iter=MIN_ITER), compact=mode == "compact"
        )
        computed, trained = result.member_epochs_computed, result.member_epochs
        stopped = int(result.stopped.sum())
    seconds = time.perf_counter() - start
    val = np.nan_to_num(np.asarray(result.val_accuracy, float), nan=-1.0)
    return {
        "mode": mode,
        "train_samples": int(data.x_train.shape[0]),
        "seconds": seconds,
        "compile_seconds": result.compile_seconds,
        "train_seconds": result.train_seconds,
        "member_epochs_trained": trained,
        "member_epochs_computed": computed,
        "stopped": stopped,
        "best": int(np.argmax(val)),
        "best_val_accuracy": float(val.max()),
        "test_loss": [float(x) for x in result.test_loss],
        "devices": jax.device_count(),
        "backend": jax.default_backend(),
    }


def run(quick: bool = False) -> Bench:
    from jaxnn import markdown_table

    k, epochs = (8, 3) if quick else (64, EPOCHS)
    workloads = [1] if quick else [1, COPIES]
    modes = ("full", "compact", "frozen")
    load_before = os.getloadavg()
    every = {n: {m: child_json(__name__, [m, k, epochs, n]) for m in modes} for n in workloads}
    load_after = os.getloadavg()
    labels = {
        "full": "every member to the end (jaxnn.sweep)",
        "compact": "successive halving, survivors compacted",
        "frozen": "successive halving, stopped members frozen",
    }
    rows = []
    for runs in every.values():
        full = runs["full"]
        for mode, r in runs.items():
            same = " (same member)" if r["best"] == full["best"] else ""
            rows.append(
                (
                    r["train_samples"],
                    labels[mode],
                    f"{r['seconds']:.2f}",
                    f"{r['compile_seconds']:.2f}",
                    f"{r['train_seconds']:.3f}",
                    f"{r['member_epochs_trained']} / {r['member_epochs_computed']}",
                    f"{1 - r['member_epochs_trained'] / full['member_epochs_trained']:.0%}",
                    f"{full['train_seconds'] / r['train_seconds']:.2f}x",
                    f"{full['seconds'] / r['seconds']:.2f}x",
                    r["stopped"],
                    f"{r['best_val_accuracy']:.4f}{same}",
                )
            )
    table = markdown_table(
        [
            "train samples",
            "run",
            "wall s (with compile)",
            "compile s",
            "train s",
            "member-epochs trained / computed",
            "compute saved",
            "train speedup",
            "wall speedup",
            "stopped",
            "best val accuracy",
        ],
        rows,
    )
    runs = every[workloads[-1]]
    full = runs["full"]
    c, f = runs["compact"], runs["frozen"]
    first = every[workloads[0]]
    small = first["full"]["seconds"] / first["compact"]["seconds"]
    rungs = [int(MIN_ITER * ETA**i) for i in range(8) if MIN_ITER * ETA**i < epochs]
    notes = (
        f"{k} members ({k // 4} learning rates log-spaced 1e-4..3e-1 x 4 seeds), "
        f"{'-'.join(map(str, SIZES))} tanh, adam, batch 32, {epochs} epochs on digits (1293 "
        f"training samples) and on its training split {COPIES} times (noisy copies); "
        f"hyperband eta {ETA:g}, min_iter {MIN_ITER} (rungs at epochs "
        f"{', '.join(map(str, rungs))}), "
        f"the metric validation accuracy. Each run is a fresh process on {full['devices']} "
        f"{full['backend']} device(s), so its wall time includes compiling; train seconds "
        f"exclude it. 'Compute saved' counts member-epochs trained against running every "
        f"member to the end; the frozen run keeps every member in the program, so it computes "
        f"all of them. Compacting the survivors (the larger set): train "
        f"{c['train_seconds']:.3f} s against "
        f"{f['train_seconds']:.3f} s frozen ({f['train_seconds'] / c['train_seconds']:.2f}x), "
        f"compile {c['compile_seconds']:.2f} s against {f['compile_seconds']:.2f} s (every "
        f"segment and rung calls the same two programs, init and train, compiled once: the "
        f"target epoch is traced; compacting gathers the survivors into fewer calls of the "
        f"program's chunk, a power of two per device that the first rung's survivors fill). "
        f"Target: compacted >= {TARGET}x the full run's wall time on digits: "
        f"{small:.2f}x, {'met' if small >= TARGET else 'NOT met'} (it was 0.42x, every rung "
        f"compiling programs of its own). Load average (1, 5, 15 min) "
        f"before {tuple(round(x, 2) for x in load_before)}, after "
        f"{tuple(round(x, 2) for x in load_after)}: other work on this machine distorts timings."
    )
    return Bench(table=table, notes=notes, data={"runs": {str(n): r for n, r in every.items()}})


if __name__ == "__main__":
    print(json.dumps(_measure(*json.loads(sys.argv[1]))))

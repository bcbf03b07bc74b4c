"""The course's sweep: 100 settings of its space, packed, grouped, as a loop of fit, in torch.

The settings are drawn with a fixed seed from the space of the course's assignment: epochs 5 or
10; 3, 4 or 5 hidden layers of 32, 64 or 128; weight decay 0, 5e-4 or 0.5; learning rate 1e-3 or
1e-4; sgd, momentum, nag, rmsprop, adam or nadam; batch 16, 32 or 64; random or xavier init;
sigmoid, tanh or relu. Every contender trains the same 100 networks on digits, timed as a user
waits for them: wall time, compilation included, each in a fresh process (no compiled program
carried over; JAX's persistent compilation cache off).
"""

from __future__ import annotations

import json
import os
import re
import sys
import time

from benchmarks._common import Bench, child_json, torch_run

TITLE = "The course's sweep: 100 settings in one program per batch size vs a loop of fit"
ORDER = 55

AXES = {
    "epochs": [5, 10],
    "num_layers": [3, 4, 5],
    "hidden_size": [32, 64, 128],
    "weight_decay": [0.0, 5e-4, 0.5],
    "learning_rate": [1e-3, 1e-4],
    "optimizer": ["sgd", "momentum", "nag", "rmsprop", "adam", "nadam"],
    "batch_size": [16, 32, 64],
    "weight_init": ["random", "xavier"],
    "activation": ["sigmoid", "tanh", "relu"],
}
MEMBERS = 100
SAMPLE_SEED = 0
TORCH_SUBSAMPLE = 10  # torch runs timed; scaled linearly to all members
TARGET_SPEEDUP = 5.0  # packed sweep vs the loop of fit
TARGET_TORCH = 6.0  # packed sweep vs the PyTorch eager loop (it was 2.2x)
COLUMNS = {
    "packed": "jaxnn.sweep (pack auto)",
    "grouped": "jaxnn.sweep (pack off: one program per network)",
    "fit": "loop of jaxnn.fit, one process",
    "torch": "loop of PyTorch eager runs (subsample, scaled)",
}


def settings(n: int = MEMBERS) -> list[dict]:
    """The ``n`` settings of the benchmark, in the order drawn."""
    from jaxnn import random_settings

    return random_settings(AXES, n, sample_seed=SAMPLE_SEED)


def _sizes(s: dict) -> tuple[int, ...]:
    return (64, *[s["hidden_size"]] * s["num_layers"], 10)


def _jaxnn_sweep(drawn: list[dict], pack: str) -> dict:
    from jaxnn import TrainConfig, load_dataset, sweep

    data = load_dataset("digits")
    base = TrainConfig(sizes=(64, 32, 10))
    members = [
        {
            **{k: v for k, v in s.items() if k not in ("num_layers", "hidden_size")},
            "sizes": _sizes(s),
        }
        for s in drawn
    ]
    start = time.perf_counter()
    result = sweep(base, members, data, pack=pack)
    wall = time.perf_counter() - start
    return {
        "wall": wall,
        "compile": result.compile_seconds,
        "train": result.train_seconds,
        "programs": result.programs,
        "packed_programs": result.packed_programs,
        "padded_fraction": result.padded_fraction,
        "choices": list(result.choices),
        "devices": result.devices,
        "test_loss": result.test_loss.tolist(),
        "diverged": result.diverged.tolist(),
    }


def _fit_loop(drawn: list[dict]) -> dict:
    from jaxnn import fit, load_dataset

    data = load_dataset("digits")
    start = time.perf_counter()
    losses, compile_seconds, train_seconds = [], 0.0, 0.0
    for s in drawn:
        r = fit(data, **s)
        losses.append(r.test_loss)
        compile_seconds += r.compile_seconds
        train_seconds += r.train_seconds
    return {
        "wall": time.perf_counter() - start,
        "compile": compile_seconds,
        "train": train_seconds,
        "programs": None,
        "test_loss": losses,
    }


def _torch_loop(drawn: list[dict]) -> dict:
    import torch

    from jaxnn import load_dataset

    data = load_dataset("digits")
    torch.set_num_threads(1)  # as fast as two for these sizes, and immune to oversubscription
    start = time.perf_counter()
    losses = [torch_run(data, {**s, "sizes": _sizes(s)}) for s in drawn]
    return {
        "wall": time.perf_counter() - start,
        "compile": 0.0,
        "train": None,
        "programs": None,
        "test_loss": losses,
        "version": torch.__version__,
    }


def _measure(column: str, n: int, subsample: int) -> dict:
    drawn = settings(n)
    if column == "packed":
        return _jaxnn_sweep(drawn, "auto")
    if column == "grouped":
        return _jaxnn_sweep(drawn, "off")
    if column == "fit":
        return _fit_loop(drawn)
    return _torch_loop(drawn[:subsample])


def _child(column: str, n: int, subsample: int, cores: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAX_COMPILATION_CACHE")}
    env["JAX_PLATFORMS"] = env.get("JAX_PLATFORMS", "")
    if not env["JAX_PLATFORMS"]:
        env.pop("JAX_PLATFORMS")
    flags = re.sub(r"--xla_force_host_platform_device_count=\S*", "", env.get("XLA_FLAGS", ""))
    if column in ("packed", "grouped"):  # one XLA host device per core, as `jaxnn sweep` does
        flags = f"{flags.strip()} --xla_force_host_platform_device_count={cores}"
    env["XLA_FLAGS"] = flags.strip()
    return child_json("benchmarks.course_sweep", [column, n, subsample], env)


def _have_torch() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def run(quick: bool = False) -> Bench:
    import numpy as np

    from jaxnn import markdown_table

    n, subsample = (12, 3) if quick else (MEMBERS, TORCH_SUBSAMPLE)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load_before = os.getloadavg()
    columns = ["packed", "grouped", "fit"] + (["torch"] if _have_torch() else [])
    results = {}
    for c in columns:
        results[c] = _child(c, n, subsample, cores)
        print(f"  {COLUMNS[c]}: {results[c]['wall']:.1f} s", flush=True)
    load_after = os.getloadavg()
    if "torch" in results:
        results["torch"]["scaled_wall"] = results["torch"]["wall"] * n / subsample
    packed = results["packed"]
    rows = []
    for c in columns:
        r = results[c]
        wall = r.get("scaled_wall", r["wall"])
        cell = f"{wall:.1f}" + (f" ({subsample} run: {r['wall']:.1f})" if c == "torch" else "")
        rows.append(
            (
                COLUMNS[c],
                cell,
                "-" if r["programs"] is None else r["programs"],
                f"{r['compile']:.1f}" if c != "torch" else "-",
                f"{r['train']:.1f}" if r["train"] is not None else "-",
                f"{n / wall:.2f}",
                f"{wall / packed['wall']:.2f}x",
            )
        )
    table = markdown_table(
        [
            "contender",
            "wall s (compile included)",
            "programs",
            "compile s",
            "train s",
            "members / s",
            "time / packed sweep's",
        ],
        rows,
    )
    drawn = settings(n)
    batches = sorted({s["batch_size"] for s in drawn})
    speedup = results["fit"]["wall"] / packed["wall"]
    ok = ~np.array(packed["diverged"])
    fit_loss, packed_loss = np.array(results["fit"]["test_loss"]), np.array(packed["test_loss"])
    rel = np.abs(packed_loss - fit_loss)[ok] / np.abs(fit_loss[ok])
    choice = ", ".join(
        f"{ch['members']} members of {ch['configs']} configs: {ch['choice']} (estimated "
        f"{ch['packed']['estimated_seconds']:.0f} s packed, "
        f"{ch['grouped']['estimated_seconds']:.0f} s grouped)"
        for ch in packed["choices"]
    )
    torch_target = ""
    if "torch" in results:
        vs_torch = results["torch"]["scaled_wall"] / packed["wall"]
        verdict = "met" if vs_torch >= TARGET_TORCH else "NOT met"
        torch_target = (
            f"- packed sweep >= {TARGET_TORCH:.0f}x faster than the PyTorch eager loop: "
            f"{vs_torch:.2f}x, {verdict}\n"
        )
    torch_note = (
        f"PyTorch eager: torch {results['torch']['version']}, torch.set_num_threads(1), the first "
        f"{subsample} settings run and the time scaled to {n}; its nadam is torch's (its "
        f"momentum schedule differs from optax's), the rest as jaxnn's"
        if "torch" in results
        else "PyTorch eager: skipped (torch is not installed: `pip install -r "
        "benchmarks/requirements.txt`)"
    )
    notes = (
        f"{n} settings drawn with `jaxnn.random_settings(AXES, {n}, sample_seed={SAMPLE_SEED})` "
        f"from the course's space (epochs 5/10; 3/4/5 hidden layers of 32/64/128; weight decay "
        f"0/5e-4/0.5; lr 1e-3/1e-4; sgd, momentum, nag, rmsprop, adam, nadam; batch 16/32/64; "
        f"random/xavier init; sigmoid/tanh/relu), trained on digits (1293 training samples). "
        f"Each contender runs in a fresh process (nothing compiled beforehand, no persistent "
        f"cache) and is timed from the first call to the last result: wall time with "
        f"compilation. The sweeps run on {packed['devices']} XLA host devices (one per core, as "
        f"`jaxnn sweep` does); the fit loop as a user's script would (default devices). "
        f"{torch_note}.\n\n"
        f"Packed: {packed['programs']} program(s) ({packed['packed_programs']} packed) for "
        f"{len(batches)} batch sizes; cost model: {choice}. Padded compute: "
        f"{packed['padded_fraction']:.0%} of the packed programs' floating-point work "
        f"(members run in the largest network of their batch size, for the longest epochs). "
        f"Packed members against their `fit` runs: test loss within {rel.max():.1e} relative "
        f"(largest, {int(ok.sum())} members that did not diverge; {int((~ok).sum())} diverged).\n\n"
        f"Targets:\n\n"
        f"- packed sweep >= {TARGET_SPEEDUP:.0f}x faster than the loop of fit: "
        f"{speedup:.2f}x, {'met' if speedup >= TARGET_SPEEDUP else 'NOT met'}\n"
        f"{torch_target}"
        f"- at most one program per batch size: {packed['programs']} programs for "
        f"{len(batches)} batch sizes, {'met' if packed['programs'] <= len(batches) else 'NOT met'}"
        f"\n\nLoad average (1, 5, 15 min) before {tuple(round(x, 2) for x in load_before)}, after "
        f"{tuple(round(x, 2) for x in load_after)}: other work on this machine inflates every "
        f"column (compilation most)."
    )
    return Bench(
        table=table,
        notes=notes,
        data={"results": results, "speedup_vs_fit": speedup, "load": [load_before, load_after]},
    )


if __name__ == "__main__":
    column, n, subsample = json.loads(sys.argv[1])
    print(json.dumps(_measure(column, n, subsample)))

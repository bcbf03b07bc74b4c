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
    import jax

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
        "backend": jax.default_backend(),
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


def plan(quick: bool = False) -> tuple[list[int], list[str]]:
    """The member counts and contenders to run.

    ``COURSE_SWEEP_MEMBERS`` (comma-separated counts) and ``COURSE_SWEEP_COLUMNS`` (names of
    `COLUMNS`) set them. Otherwise: 100 members with every contender on a CPU; 100 and 1024
    with the packed sweep and PyTorch on a GPU (a loop of fit or one program per network over
    1024 members would outlast a lent GPU's time). ``quick``: 12 members.
    """
    members = os.environ.get("COURSE_SWEEP_MEMBERS")
    names = os.environ.get("COURSE_SWEEP_COLUMNS")
    gpu = not (members and names) and _gpu()
    if members:
        counts = [int(k) for k in members.split(",")]
    else:
        counts = [12] if quick else [MEMBERS, 1024] if gpu else [MEMBERS]
    columns = names.split(",") if names else ["packed", "torch"] if gpu else list(COLUMNS)
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown or "packed" not in columns:
        raise ValueError(
            f"COURSE_SWEEP_COLUMNS: {names!r}; expected names of {', '.join(COLUMNS)}, packed "
            f"among them"
        )
    if "torch" in columns and not _have_torch():
        columns.remove("torch")
    return counts, columns


def _gpu() -> bool:
    """Whether JAX runs on a GPU here (``python -m benchmarks`` has started JAX already, to
    describe the machine)."""
    import jax

    return jax.default_backend() == "gpu"


def run(quick: bool = False) -> Bench:
    from jaxnn import markdown_table

    counts, columns = plan(quick)
    subsample = 3 if quick else TORCH_SUBSAMPLE
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load_before = os.getloadavg()
    runs = {}
    for n in counts:
        results = {}
        for c in columns:
            results[c] = _child(c, n, subsample, cores)
            print(f"  {n} members, {COLUMNS[c]}: {results[c]['wall']:.1f} s", flush=True)
        if "torch" in results:
            results["torch"]["scaled_wall"] = results["torch"]["wall"] * n / subsample
        runs[n] = results
    load_after = os.getloadavg()
    several = len(counts) > 1
    rows = []
    for n, results in runs.items():
        packed = results["packed"]
        for c, r in results.items():
            wall = r.get("scaled_wall", r["wall"])
            cell = f"{wall:.1f}" + (f" ({subsample} run: {r['wall']:.1f})" if c == "torch" else "")
            rows.append(
                ((n,) if several else ())
                + (
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
        (["members"] if several else [])
        + [
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
    first = next(iter(runs.values()))
    torch_note = (
        f"PyTorch eager: torch {first['torch']['version']} on the CPU, "
        f"torch.set_num_threads(1), the first {subsample} settings run and the time scaled to "
        f"all members; its nadam is torch's (its momentum schedule differs from optax's), the "
        f"rest as jaxnn's"
        if "torch" in first
        else "PyTorch eager: skipped (torch is not installed: `pip install -r "
        "benchmarks/requirements.txt`)"
    )
    notes = (
        f"{' and '.join(map(str, counts))} settings drawn with `jaxnn.random_settings(AXES, n, "
        f"sample_seed={SAMPLE_SEED})` from the course's space (epochs 5/10; 3/4/5 hidden layers "
        f"of 32/64/128; weight decay 0/5e-4/0.5; lr 1e-3/1e-4; sgd, momentum, nag, rmsprop, "
        f"adam, nadam; batch 16/32/64; random/xavier init; sigmoid/tanh/relu), trained on digits "
        f"(1293 training samples). Each contender runs in a fresh process (nothing compiled "
        f"beforehand, no persistent cache) and is timed from the first call to the last result: "
        f"wall time with compilation. The sweeps run on {first['packed']['devices']} "
        f"{first['packed']['backend']} device(s) (on a CPU, one XLA host device per "
        f"core, as `jaxnn sweep` does); the fit loop as a user's script would (default devices). "
        f"{torch_note}."
        + "".join(_verdicts(n, results, subsample) for n, results in runs.items())
        + f"\n\nLoad average (1, 5, 15 min) before {tuple(round(x, 2) for x in load_before)}, "
        f"after {tuple(round(x, 2) for x in load_after)}: other work on this machine inflates "
        f"every column (compilation most)."
    )
    return Bench(
        table=table,
        notes=notes,
        data={"runs": {str(n): r for n, r in runs.items()}, "load": [load_before, load_after]},
    )


def _verdicts(n: int, results: dict, subsample: int) -> str:
    """The packed programs, the cost model's choices, the packed members' agreement with their
    fit runs (where the loop of fit ran) and the targets, for ``n`` members."""
    import numpy as np

    packed = results["packed"]
    batches = sorted({s["batch_size"] for s in settings(n)})
    choice = ", ".join(
        f"{ch['members']} members of {ch['configs']} configs: {ch['choice']} (estimated "
        f"{ch['packed']['estimated_seconds']:.0f} s packed, "
        f"{ch['grouped']['estimated_seconds']:.0f} s grouped)"
        for ch in packed["choices"]
    )
    text = (
        f"\n\n{n} members. Packed: {packed['programs']} program(s) ({packed['packed_programs']} "
        f"packed) for {len(batches)} batch sizes; cost model: {choice}. Padded compute: "
        f"{packed['padded_fraction']:.0%} of the packed programs' floating-point work (members "
        f"run in the largest network of their batch size, for the longest epochs)."
    )
    targets = []
    if "fit" in results:
        ok = ~np.array(packed["diverged"])
        fit_loss, packed_loss = np.array(results["fit"]["test_loss"]), np.array(packed["test_loss"])
        rel = np.abs(packed_loss - fit_loss)[ok] / np.abs(fit_loss[ok])
        text += (
            f" Packed members against their `fit` runs: test loss within {rel.max():.1e} "
            f"relative (largest, {int(ok.sum())} members that did not diverge; "
            f"{int((~ok).sum())} diverged)."
        )
        speedup = results["fit"]["wall"] / packed["wall"]
        targets.append(
            f"- packed sweep >= {TARGET_SPEEDUP:.0f}x faster than the loop of fit: "
            f"{speedup:.2f}x, {'met' if speedup >= TARGET_SPEEDUP else 'NOT met'}"
        )
    if "torch" in results:
        vs_torch = results["torch"]["scaled_wall"] / packed["wall"]
        targets.append(
            f"- packed sweep >= {TARGET_TORCH:.0f}x faster than the PyTorch eager loop: "
            f"{vs_torch:.2f}x, {'met' if vs_torch >= TARGET_TORCH else 'NOT met'}"
        )
    met = packed["programs"] <= len(batches)
    targets.append(
        f"- at most one program per batch size: {packed['programs']} programs for "
        f"{len(batches)} batch sizes, {'met' if met else 'NOT met'}"
    )
    return text + "\n\nTargets:\n\n" + "\n".join(targets)


if __name__ == "__main__":
    column, n, subsample = json.loads(sys.argv[1])
    print(json.dumps(_measure(column, n, subsample)))

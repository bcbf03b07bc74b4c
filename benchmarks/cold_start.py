"""Cold start: the wall time of `jaxnn train -e 1` in a fresh process, and compile seconds; the
CPU seconds of `import jaxnn` and of loading digits, against the scikit-learn path it replaced."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._common import Bench, Timing, fresh_json

TITLE = "Cold start: `jaxnn train -e 1` in a fresh process"
ORDER = 90


def _once(args: list[str]) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "run.json"
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "jaxnn", "train", *args, "--quiet", "--json", str(path)],
            check=True,
            capture_output=True,
        )
        wall = time.perf_counter() - start
        return wall, json.loads(path.read_text())


# Each child prints the CPU seconds (time.process_time) of `import jaxnn` and of one data path.
_LOAD = {
    "jaxnn.load_dataset('digits') (embedded .npz, split in NumPy)": "jaxnn.load_dataset('digits')",
    "the path it replaced: scikit-learn's load_digits + train_test_split, then jaxnn's "
    "validation split and scaling": (
        "from sklearn.datasets import load_digits\n"
        "from sklearn.model_selection import train_test_split\n"
        "b = load_digits()\n"
        "x, xt, y, yt = train_test_split(b.data, b.target, test_size=0.2, stratify=b.target, "
        "random_state=0)\n"
        "jaxnn.split_dataset(x, y, x_test=xt, y_test=yt)"
    ),
}
_CHILD = """import json, sys, time
t0 = time.process_time()
import jaxnn
t1 = time.process_time()
{load}
t2 = time.process_time()
names = ("sklearn", "scipy", "matplotlib", "optuna", "wandb", "tqdm")
heavy = [m for m in names if m in sys.modules]
print(json.dumps([t1 - t0, t2 - t1, heavy]))
"""


def _cpu_seconds(load: str) -> tuple[float, float, list[str]]:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return tuple(fresh_json(_CHILD.format(load=load), env={**os.environ, "PYTHONPATH": root}))


def _load_table(repeats: int) -> tuple[str, dict]:
    rows, data = [], {}
    for label, load in _LOAD.items():
        runs = [_cpu_seconds(load) for _ in range(repeats)]
        imports = [r[0] for r in runs]
        loads = [r[1] for r in runs]
        heavy = sorted({m for r in runs for m in r[2]})
        rows.append(
            f"| {label} | {statistics.median(imports):.3f} | {statistics.median(loads):.3f} "
            f"[{min(loads):.3f}, {max(loads):.3f}] | {', '.join(heavy) or 'none'} |"
        )
        data[label] = {"import_cpu": imports, "load_cpu": loads, "heavy_modules": heavy}
    table = "\n".join(
        [
            "| digits loaded by | `import jaxnn` CPU s | load CPU s | heavy modules imported |",
            "|---|---|---|---|",
            *rows,
        ]
    )
    return table, data


def run(quick: bool = False) -> Bench:
    repeats = 1 if quick else 3
    load_start = os.getloadavg()
    rows, data = [], {}
    for label, args in [
        ("digits, 1 epoch", ["-e", "1"]),
        ("digits, 1 epoch, -b 256", ["-e", "1", "-b", "256"]),
    ]:
        walls, compiles, trains = [], [], []
        for _ in range(repeats):
            wall, result = _once(args)
            walls.append(wall)
            compiles.append(result["compile_seconds"])
            trains.append(result["train_seconds"])
        t = Timing(sorted(walls)[len(walls) // 2], min(walls), max(walls), repeats)
        rows.append(
            f"| {label} | {t} | {sorted(compiles)[len(compiles) // 2]:.2f} | "
            f"{sorted(trains)[len(trains) // 2]:.3f} |"
        )
        data[label] = {"wall": t.asdict(), "compile_seconds": compiles, "train_seconds": trains}
    loads, data["digits_load"] = _load_table(3 if quick else 7)
    table = "\n".join(
        [
            "| run | process wall time | compile seconds | train seconds |",
            "|---|---|---|---|",
            *rows,
            "",
            loads,
        ]
    )
    notes = (
        "Wall time covers interpreter start, importing jax, loading digits, compiling and training;"
        " compile and train seconds are what the run reports in its JSON. The second table runs"
        " each loader in fresh processes (median [min, max] of the load's CPU seconds,"
        " `time.process_time`, after `import jaxnn`); both give the same arrays (tested in"
        " tests/training/test_data.py). Load average (1, 5, 15 min) at the start "
        + ", ".join(f"{v:.1f}" for v in load_start)
        + " and at the end "
        + ", ".join(f"{v:.1f}" for v in os.getloadavg())
        + " on the machine's cores (other work shared it when above the core count)."
    )
    return Bench(table=table, notes=notes, data=data)

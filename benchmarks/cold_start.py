"""Cold start: the wall time of `jaxnn train -e 1` in a fresh process, and compile seconds."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._common import Bench, Timing

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


def run(quick: bool = False) -> Bench:
    repeats = 1 if quick else 3
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
    table = "\n".join(
        [
            "| run | process wall time | compile seconds | train seconds |",
            "|---|---|---|---|",
            *rows,
        ]
    )
    notes = (
        "Wall time covers interpreter start, importing jax, loading digits, compiling and training;"
        " compile and train seconds are what the run reports in its JSON."
    )
    return Bench(table=table, notes=notes, data=data)

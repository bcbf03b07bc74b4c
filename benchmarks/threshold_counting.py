"""Counting the threshold functions of n = 5, 6, 7 variables exactly: times, and scipy LPs beside.

``THRESHOLD_COUNT_N8=1 python -m benchmarks threshold_counting`` also counts n = 8 once, in a fresh
process (several minutes and GiB on 2 cores).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks._common import Bench, Timing, fresh_json, time_fn, timing

TITLE = "Threshold functions of n variables counted exactly by symmetry (n = 5, 6, 7)"
ORDER = 75

KNOWN = {5: 94572, 6: 15028134, 7: 8378070864, 8: 17561539552946}  # OEIS A000609
TARGET = {5: 1.0, 6: 10.0, 7: 600.0}  # the first call's budget in seconds on 2 CPU cores
COLD_RUNS = 3
ROOT = Path(__file__).resolve().parent.parent

_COLD = """
import json, resource, sys, time
start = time.perf_counter()
import jaxnn
imported = time.perf_counter()
r = jaxnn.count_threshold_functions({n}, force=True)
done = time.perf_counter()
print(json.dumps({{"import": imported - start, "count": done - imported,
                  "threshold_functions": r.threshold_functions, "classes": r.np_classes,
                  "candidates": r.candidates, "rejected": r.rejected,
                  "fallbacks": r.exact_fallbacks,
                  "max_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}}))
"""


def _fresh(n: int) -> dict:
    return fresh_json(_COLD.format(n=n))


def _cli_seconds(runs: int) -> Timing:
    """Wall time of ``jaxnn boolean --count 6`` in a fresh process (startup included)."""
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "jaxnn", "boolean", "--count", "6"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
        walls.append(time.perf_counter() - start)
        if "15028134" not in out:
            raise RuntimeError("jaxnn boolean --count 6 did not print 15028134")
    return timing(walls)


def run(quick: bool = False) -> Bench:
    from jaxnn.perceptrons import (
        count_threshold_functions,
        decide_canonical,
        estimate_cost,
        separable_by_lp,
        threshold_candidates,
    )

    load_start = os.getloadavg()
    sizes = [5, 6] if quick else [5, 6, 7]
    rows, data = [], {}
    for n in sizes:
        cold = [_fresh(n) for _ in range(1 if quick else COLD_RUNS)]

        def warm_call(n=n):
            count_threshold_functions(n, cache=False)

        warm = time_fn(warm_call, repeats=2 if quick or n == 7 else 5)
        r = count_threshold_functions(n)
        first = timing([c["count"] for c in cold])
        ok = r.threshold_functions == KNOWN[n] and all(
            c["threshold_functions"] == KNOWN[n] for c in cold
        )
        rows.append(
            [
                n,
                r.threshold_functions,
                "yes" if ok else "NO",
                r.np_classes,
                r.candidates,
                r.rejected,
                r.exact_fallbacks,
                str(first),
                str(warm),
                f"{max(c['max_rss_gib'] for c in cold):.2f}",
                f"< {TARGET[n]:g} s: {'met' if first.max < TARGET[n] else 'MISSED'}",
            ]
        )
        data[n] = {
            "count": r.threshold_functions,
            "classes": r.np_classes,
            "candidates": r.candidates,
            "rejected": r.rejected,
            "first_call": first.asdict(),
            "warm": warm.asdict(),
            "import": statistics.median(c["import"] for c in cold),
        }

    # the same candidates decided by scipy's HiGHS, one LP each (a float answer, no certificate)
    n_lp = 6 if quick else 7
    found = threshold_candidates(n_lp)
    accepted = found.accepted
    candidates = np.concatenate([accepted, found.rejected]).astype(np.int64)
    x = found.inputs.astype(float)
    separable_by_lp(x, candidates[0])  # warm-up: scipy's imports
    start = time.perf_counter()
    lp = np.array([separable_by_lp(x, t) for t in candidates])
    lp_seconds = time.perf_counter() - start
    agree = int(lp[: len(accepted)].sum() + (~lp[len(accepted) :]).sum())
    level = candidates.sum(1)
    start = time.perf_counter()  # decided level by level, as the search does
    for k in np.unique(level):
        decide_canonical(candidates[level == k].astype(bool))
    ours = time.perf_counter() - start
    data["lp"] = {
        "n": n_lp,
        "candidates": len(candidates),
        "scipy_seconds": lp_seconds,
        "jaxnn_seconds": ours,
        "agree": agree,
    }

    cli = _cli_seconds(1 if quick else 3)
    data["cli_count_6"] = cli.asdict()
    n8 = None
    if os.environ.get("THRESHOLD_COUNT_N8") and not quick:
        estimate = estimate_cost(8)  # from the warm n = 5, 6, 7 above
        n8 = _fresh(8)
        n8["estimate_seconds"], n8["estimate_bytes"] = estimate
        data[8] = n8
        ok = n8["threshold_functions"] == KNOWN[8]
        rows.append(
            [
                8,
                n8["threshold_functions"],
                "yes" if ok else "NO",
                n8["classes"],
                n8["candidates"],
                n8["rejected"],
                n8["fallbacks"],
                f"{n8['count']:.4g} s (1 run)",
                "-",
                f"{n8['max_rss_gib']:.2f}",
                "no target (needs --force)",
            ]
        )
    heads = [
        "n",
        "threshold functions",
        "= OEIS A000609",
        "canonical classes",
        "candidates",
        "rejected",
        "exact fallbacks",
        "first call, fresh process",
        "warm",
        "peak memory (GiB)",
        "target",
    ]
    table = "| " + " | ".join(heads) + " |\n|" + "---|" * len(heads) + "\n"
    table += "\n".join("| " + " | ".join(str(v) for v in row) + " |" for row in rows)
    table += (
        f"\n\n| measurement | value |\n|---|---|\n"
        f"| `jaxnn boolean --count 6`, fresh process, startup included | {cli} |\n"
        f"| deciding the {len(candidates)} candidates of n = {n_lp}: jaxnn (batched simplex, "
        f"exact certificates) | {ours:.3g} s |\n"
        f"| the same candidates, one scipy HiGHS LP each (float, no certificate) | "
        f"{lp_seconds:.3g} s ({lp_seconds / ours:.0f}x slower) |"
    )
    notes = (
        f"Every count is exact: each canonical class carries an integer (w, theta) checked on "
        f"all 2^n rows and each rejected candidate an integer Gordan certificate checked exactly; "
        f"`exact fallbacks` counts candidates the float simplex left to the rational one. "
        f"`first call` is the count in a fresh Python process after `import jaxnn` (median "
        f"[min, max] over {1 if quick else COLD_RUNS} processes; the import took "
        f"{statistics.median(d['import'] for k, d in data.items() if isinstance(k, int)):.2f} s "
        f"more); `warm` recounts in the same process (the cube's tables cached, nothing else). "
        f"Peak memory is the fresh process's maximum resident set, Python and NumPy included. "
        f"scipy agreed with jaxnn on {agree}/{len(candidates)} candidates. The targets are budgets "
        f"for the first call on 2 CPU cores."
    )
    if n8 is not None:
        notes += (
            f" n = 8 was counted once with `force=True` ({n8['count']:.0f} s, "
            f"{n8['max_rss_gib']:.1f} GiB; the refusal message's estimate was "
            f"{n8['estimate_seconds']:.0f} s and {n8['estimate_bytes'] / 2**30:.1f} GiB)."
        )
    load_end = os.getloadavg()
    data["load_average"] = {"start": load_start, "end": load_end}
    notes += (
        f" Load average (1, 5, 15 min) at the start {', '.join(f'{v:.1f}' for v in load_start)}"
        f" and at the end {', '.join(f'{v:.1f}' for v in load_end)} on {os.cpu_count()} cores:"
        f" other work shared the machine when it is above the core count."
    )
    return Bench(table=table, notes=notes, data=data)

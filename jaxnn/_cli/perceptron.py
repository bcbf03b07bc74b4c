"""``jaxnn perceptron``: perceptron learning against its convergence bound (notes 2.3)."""

from __future__ import annotations

import argparse

ALGORITHMS = ("random", "modified", "cyclic")


HELP = (
    "run the perceptron learning algorithm on random separable data sets and compare "
    "its corrections with the bound of the convergence proof"
)


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument("--datasets", type=int, default=20, help="number of data sets (default 20)")
    p.add_argument("--points", type=int, default=100, help="points per data set (default 100)")
    p.add_argument("--dim", type=int, default=5, help="input dimension n (default 5)")
    p.add_argument(
        "--margin",
        type=float,
        default=0.1,
        help="smallest normalized margin of the data, in (0, 1) (default 0.1)",
    )
    p.add_argument(
        "--algorithm",
        choices=ALGORITHMS,
        default="modified",
        help="random: Algorithm 1; modified: Algorithm 2 (normalized); cyclic: "
        "Algorithm 1, points in turn (default modified)",
    )
    p.add_argument(
        "--init-scale",
        type=float,
        default=0.0,
        help="start from init-scale times a normal draw (default 0: w0 = 0)",
    )
    p.add_argument("--max-steps", type=int, default=100_000, help="cap on points inspected")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> dict:
    import time

    import jax
    import numpy as np

    from jaxnn._cli import UsageError, int_flag, seed_flag
    from jaxnn._util import markdown_table
    from jaxnn.perceptrons._convergence import convergence_trials

    for name in ("datasets", "points", "dim", "max_steps"):
        int_flag(f"--{name.replace('_', '-')}", getattr(args, name), 1)
    seed_flag(args.seed)
    if not 0 < args.margin < 1:
        raise UsageError(f"--margin must be in (0, 1), got {args.margin}")
    if not np.isfinite(args.init_scale) or args.init_scale < 0:
        raise UsageError(f"--init-scale must be finite and >= 0, got {args.init_scale}")
    start = time.perf_counter()
    trials = convergence_trials(
        jax.random.key(args.seed),
        args.margin,
        args.dim,
        init_scale=args.init_scale,
        datasets=args.datasets,
        num_points=args.points,
        algorithm=args.algorithm,
        max_steps=args.max_steps,
    )
    t = jax.tree.map(np.asarray, trials)
    seconds = time.perf_counter() - start
    if not t.margin_met.all():
        raise UsageError(
            f"--margin {args.margin} is too large for --dim {args.dim}: in "
            f"{int((~t.margin_met).sum())} data set(s) too few random points reach it"
        )
    within = t.corrections <= t.bound
    rows = [
        [
            i,
            float(t.delta[i]),
            float(t.bound[i]),
            int(t.corrections[i]),
            int(t.steps[i]),
            bool(t.converged[i]),
            bool(within[i]),
        ]
        for i in range(args.datasets)
    ]
    print(
        markdown_table(
            ["data set", "delta", "bound", "corrections", "steps", "converged", "within bound"],
            rows,
        )
    )
    print(
        f"\n{int(within.sum())}/{args.datasets} within the bound, {int(t.converged.sum())}/"
        f"{args.datasets} converged; largest corrections/bound "
        f"{float((t.corrections / t.bound).max()):.3f}; {seconds:.2f} s"
    )
    keys = ["dataset", "delta", "bound", "corrections", "steps", "converged", "within_bound"]
    return {
        "config": {
            k: getattr(args, k)
            for k in (
                "datasets",
                "points",
                "dim",
                "margin",
                "algorithm",
                "init_scale",
                "max_steps",
                "seed",
            )
        },
        "runs": [dict(zip(keys, r)) for r in rows],
        "within_bound": int(within.sum()),
        "converged": int(t.converged.sum()),
        "seconds": round(seconds, 3),
    }

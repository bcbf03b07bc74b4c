"""``jaxnn boolean --n N``: boolean functions of 1..N inputs, counted and classified (notes 2.4).

``jaxnn boolean --count N``: the threshold functions of 0..N variables counted exactly by symmetry,
without enumerating the functions (N up to 9; N >= 8 needs ``--force``).
"""

from __future__ import annotations

import argparse

HELP = (
    "count the boolean functions of 1..N inputs that are linearly separable, that an MP "
    "neuron represents and that the network of perceptrons reproduces"
)


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument("--n", type=int, default=4, help="largest number of inputs, 1 to 4 (default 4)")
    p.add_argument(
        "--count",
        type=int,
        metavar="N",
        help="count the threshold functions of 0..N variables exactly, by symmetry (N <= 9; "
        "N >= 8 needs --force)",
    )
    p.add_argument(
        "--witnesses",
        metavar="PATH",
        help="with --count: write the canonical classes of N variables with integer weights and "
        "thresholds as JSON",
    )
    p.add_argument(
        "--force", action="store_true", help="with --count: run N >= 8 (minutes to days)"
    )
    p.set_defaults(func=run, outputs=lambda args: ({"--witnesses": args.witnesses}, {}))


def run(args: argparse.Namespace) -> dict:
    if args.count is not None:
        return run_count(args)
    if args.witnesses or args.force:
        from jaxnn._cli import UsageError

        raise UsageError("--witnesses and --force go with --count N")
    import time

    import numpy as np

    from jaxnn._cli import UsageError
    from jaxnn._util import markdown_table
    from jaxnn.perceptrons._boolean import MAX_ENUMERATION_N, classify
    from jaxnn.perceptrons._mp_neuron import mp_representable
    from jaxnn.perceptrons._network import network_exact

    if not 1 <= args.n <= MAX_ENUMERATION_N:
        raise UsageError(
            f"--n must be between 1 and {MAX_ENUMERATION_N}, got {args.n} "
            f"(n = 5 has 2**32 functions, too many to enumerate); to count the threshold "
            f"functions of {args.n} variables without enumerating them: --count {args.n}"
        )
    results, classified = [], None
    for n in range(1, args.n + 1):
        start = time.perf_counter()
        classified = classify(n)
        mp = mp_representable(n)
        exact = network_exact(n)
        separable = int(np.sum(np.asarray(classified.separable)))
        row = {
            "n": n,
            "functions": int(classified.outputs.shape[0]),
            "separable": separable,
            "mp_representable": int(np.sum(np.asarray(mp))),
            "network_exact": int(np.sum(np.asarray(exact))),
        }
        row["seconds"] = round(time.perf_counter() - start, 3)
        results.append(row)
    keys = ["n", "functions", "separable", "mp_representable", "network_exact", "seconds"]
    print(markdown_table(keys, [[r[k] for k in keys] for r in results]))
    print(
        "\nseparable: exact (a separating (w, b) checked in integers, or a circuit certificate); "
        "network_exact: 2**n hidden perceptrons, output weights learned by the perceptron algorithm"
    )
    inputs = np.asarray(classified.inputs).tolist()
    functions = []
    for out, sep, w, b in zip(
        np.asarray(classified.outputs),
        np.asarray(classified.separable),
        np.asarray(classified.w),
        np.asarray(classified.b),
    ):
        item = {"outputs": out.tolist(), "separable": bool(sep)}
        if sep:
            item["w"] = [float(v) for v in w]
            item["b"] = float(b)
        functions.append(item)
    return {"results": results, "detail": {"inputs": inputs, "functions": functions}}


def run_count(args: argparse.Namespace) -> dict:
    """``--count N``: one row per number of variables 0..N, the classes of N as witnesses."""
    import sys

    from jaxnn._cli import UsageError
    from jaxnn._util import markdown_table
    from jaxnn.perceptrons._counting import count_threshold_functions, write_witnesses

    def progress(level: int, levels: int, classes: int) -> None:
        if levels >= 128 and level % (levels // 16) == 0:  # n >= 8: minutes
            print(f"  level {level}/{levels}: {classes} classes so far", file=sys.stderr)

    try:
        top = count_threshold_functions(args.count, force=args.force, progress=progress)
    except ValueError as e:
        message = str(e).replace("force=True", "--force")
        raise UsageError(f"--count {args.count}: {message}") from None
    n = top.n
    results = []
    for m in range(n + 1):
        r = top if m == n else count_threshold_functions(m)
        results.append(
            {
                "n": m,
                "threshold_functions": r.threshold_functions,
                "exactly_n": r.exactly_n,
                "n_classes": r.n_classes,
                "npn_classes_exactly_n": r.npn_classes_exactly_n,
                "canonical_classes": r.np_classes,
                "candidates": r.candidates,
                "rejected": r.rejected,
                "seconds": round(r.seconds, 3),
            }
        )
    heads = [
        "n",
        "threshold functions",
        "exactly n",
        "N-classes",
        "NPN-classes, exactly n",
        "canonical",
        "candidates",
        "rejected",
        "seconds",
    ]
    print(markdown_table(heads, [list(row.values()) for row in results]))
    print(
        "\nexact: every canonical class has integer weights checked on all 2^n rows, every "
        "rejected candidate an integer Gordan certificate; compare OEIS A000609, A000615, "
        "A002078, A001530"
    )
    out = {"count": results}
    if args.witnesses:
        out["witnesses"] = write_witnesses(args.witnesses, top)
        print(f"witnesses: {len(top.classes.tables)} classes of {n} variables in {args.witnesses}")
    return out

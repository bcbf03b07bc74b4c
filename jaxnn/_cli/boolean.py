"""``jaxnn boolean --n N``: boolean functions of 1..N inputs, counted and classified (notes 2.4)."""

from __future__ import annotations

import argparse


def register(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "boolean",
        help="count the boolean functions of 1..N inputs that are linearly separable, that an MP "
        "neuron represents and that the network of perceptrons reproduces",
    )
    p.add_argument("--n", type=int, default=4, help="largest number of inputs, 1 to 4 (default 4)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> dict:
    import time

    import numpy as np

    from jaxnn._cli import UsageError
    from jaxnn._util import markdown_table
    from jaxnn.perceptrons._boolean import MAX_ENUMERATION_N, classify_boolean_functions
    from jaxnn.perceptrons._mp_neuron import mp_representable
    from jaxnn.perceptrons._network import perceptron_network_exact

    if not 1 <= args.n <= MAX_ENUMERATION_N:
        raise UsageError(
            f"--n must be between 1 and {MAX_ENUMERATION_N}, got {args.n} "
            f"(n = 5 has 2**32 functions, too many to enumerate)"
        )
    results, classified = [], None
    for n in range(1, args.n + 1):
        start = time.perf_counter()
        classified = classify_boolean_functions(n)
        mp = mp_representable(n)
        exact = perceptron_network_exact(n)
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

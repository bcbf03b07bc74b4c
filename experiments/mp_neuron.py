"""Notes 2.1: which boolean functions a single McCulloch-Pitts neuron represents."""

from __future__ import annotations

import sys
from pathlib import Path

import jax
import numpy as np

import jaxnn

from ._common import Result, main, plt, save_figure

TITLE = "McCulloch-Pitts neuron: representable boolean functions"
SECTION = "2.1"
ORDER = 2.1


def _setting(theta: int, mask: np.ndarray) -> str:
    inhibitory = [f"x{i + 1}" for i in np.flatnonzero(mask)]
    return f"θ={theta}" + (f", inhibitory {{{', '.join(inhibitory)}}}" if inhibitory else "")


def run(out: Path, *, seed: int = 0) -> Result:
    del seed  # exhaustive search: nothing random
    tables = np.asarray(jaxnn.boolean_functions(2))
    separable2 = np.asarray(jaxnn.classify_boolean_functions(2).separable)
    search = jax.jit(jax.vmap(jaxnn.mp_neuron_search))(tables)
    thetas, masks = np.asarray(search.thetas[0]), np.asarray(search.inhibitory[0])
    rows, grid = [], []
    for j, matches in enumerate(np.asarray(search.matches)):
        found = sorted(zip(*np.nonzero(matches)), key=lambda ts: (masks[ts[1]].sum(), ts[0]))
        settings = [_setting(thetas[t], masks[s]) for t, s in found]
        grid.append(matches.T.reshape(-1))  # columns: inhibitory set major, threshold minor
        shown = "; ".join(settings[:2]) + (f" (+{len(settings) - 2})" if len(settings) > 2 else "")
        rows.append(
            [f"f{j + 1}", jaxnn.TWO_INPUT_FUNCTION_NAMES[j], bool(separable2[j]), shown or "none"]
        )

    counts, subset = [], True
    for n in range(1, 5):
        mp = np.asarray(jaxnn.mp_representable(n))
        sep = np.asarray(jaxnn.classify_boolean_functions(n).separable)
        subset &= bool(np.all(sep[mp]))
        counts.append(
            {"n": n, "functions": mp.size, "mp": int(mp.sum()), "separable": int(sep.sum())}
        )

    tautology = np.asarray(jaxnn.mp_neuron(jaxnn.boolean_inputs(2), 0, np.zeros(2, bool)))
    set_names = ["{}", "{x1}", "{x2}", "{x1,x2}"]

    fig, ax = plt.subplots(figsize=(11, 7.5))
    image = np.array(grid, float)
    ax.imshow(image, cmap="Blues", vmin=0, vmax=1.6, aspect="auto")
    labels = [
        f"f{j + 1} {jaxnn.TWO_INPUT_FUNCTION_NAMES[j]}" + ("" if separable2[j] else "  (not sep.)")
        for j in range(16)
    ]
    ax.set_yticks(range(16), labels)
    ax.set_xticks(
        range(16), [f"θ={int(t)}\n{s}" for s in set_names for t in np.asarray(thetas)], fontsize=8
    )
    for k in range(1, 4):
        ax.axvline(4 * k - 0.5, color="0.4", lw=1)
    for j, t in zip(*np.nonzero(image)):
        ax.text(t, j, "✓", ha="center", va="center", color="white", fontsize=11, weight="bold")
    ax.set_xlabel("MP-neuron setting: threshold θ and inhibitory set")
    ax.set_ylabel("function of two inputs (notes' Table 2)")
    ax.set_title(
        f"Which settings of one MP neuron give each function of 2 inputs "
        f"({sum(r[3] != 'none' for r in rows)} of 16 representable)"
    )
    figure = save_figure(fig, out, "mp_neuron_representability.png")

    table = jaxnn.markdown_table(["f", "name", "linearly separable", "MP settings"], rows)
    table += "\n\n" + jaxnn.markdown_table(
        ["n", "functions", "MP-representable", "linearly separable"],
        [[c["n"], c["functions"], c["mp"], c["separable"]] for c in counts],
    )
    ok = subset and bool(np.all(tautology == 1))
    mp_counts = ", ".join(f"{c['mp']}/{c['separable']}" for c in counts)
    return Result(
        claim="A single McCulloch-Pitts neuron (sum of binary inputs >= θ, any active inhibitory "
        "input forces 0) represents linearly separable functions only, and θ = 0 gives the "
        "tautology.",
        table=table,
        figures=[figure],
        data={"counts": counts, "two_inputs": rows, "subset_of_separable": subset},
        held=bool(ok),
        verdict="every MP-representable function is linearly "
        f"separable for n = 1..4 (MP/separable: {mp_counts}); θ = 0 without inhibition gives "
        f"TRUE. With no weights an MP neuron misses most separable functions (e.g. x1 alone).",
    )


if __name__ == "__main__":
    raise SystemExit(main(sys.modules[__name__]))

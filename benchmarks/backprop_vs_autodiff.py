"""Explicit backprop (Algorithm 6) against `jax.grad` in a jitted SGD training step."""

from __future__ import annotations

import time

from benchmarks._common import Bench, Timing, machine, ratio, time_fn

TITLE = "Explicit backprop (Algorithm 6) vs jax.grad in a jitted SGD step"
ORDER = 30

ARCHS = ((64, 128, 128, 10), (784, 256, 256, 10))
BATCHES = (32, 256)
STEPS_PER_CALL = 10  # SGD steps inside one jitted call (lax.scan), so dispatch is not timed
KW = {"activation": "tanh", "output": "softmax", "loss": "cross_entropy"}


def _steppers():
    import jax

    from jaxnn import backprop, forward, loss_fn

    def explicit_grads(params, x, y):
        _, cache = forward(params, x, activation=KW["activation"], output=KW["output"])
        return backprop(params, cache, y, **KW)

    def autodiff_grads(params, x, y):
        return jax.grad(loss_fn)(params, x, y, **KW)

    def make(grads_fn):
        def train(params, x, y, lr):
            def step(p, _):
                g = grads_fn(p, x, y)
                return jax.tree.map(lambda w, dw: w - lr * dw, p, g), None

            return jax.lax.scan(step, params, None, length=STEPS_PER_CALL)[0]

        return jax.jit(train)

    return {"explicit": make(explicit_grads), "autodiff": make(autodiff_grads)}


def _merge(timings: list[Timing]) -> Timing:
    medians = sorted(t.median for t in timings)
    return Timing(
        medians[len(medians) // 2],
        min(t.min for t in timings),
        max(t.max for t in timings),
        sum(t.runs for t in timings),
    )


def run(quick: bool = False) -> Bench:
    import jax
    import jax.numpy as jnp

    from jaxnn import init_mlp
    from jaxnn._table import markdown_table

    archs = ((8, 16, 4),) if quick else ARCHS
    batches = (4,) if quick else BATCHES
    rounds, repeats = (1, 2) if quick else (3, 7)
    steppers = _steppers()
    rows, data = [], []
    for arch in archs:
        for batch in batches:
            kx, kp, ky = jax.random.split(jax.random.key(0), 3)
            params = init_mlp(kp, arch)
            x = jax.random.normal(kx, (batch, arch[0]))
            y = jax.random.randint(ky, (batch,), 0, arch[-1])
            lr = jnp.float32(0.01)
            compiled, compile_s = {}, {}
            for name, fn in steppers.items():
                start = time.perf_counter()
                compiled[name] = fn.lower(params, x, y, lr).compile()
                compile_s[name] = time.perf_counter() - start
            # the same update, so both must agree before they are timed
            out = {n: c(params, x, y, lr) for n, c in compiled.items()}
            diff = max(
                float(jnp.max(jnp.abs(a - b)))
                for a, b in zip(jax.tree.leaves(out["explicit"]), jax.tree.leaves(out["autodiff"]))
            )
            per_round: dict[str, list[Timing]] = {n: [] for n in compiled}
            for _ in range(rounds):  # interleaved, so drift hits both alike
                for name, c in compiled.items():
                    call = lambda c=c: jax.block_until_ready(c(params, x, y, lr))  # noqa: E731
                    per_round[name].append(time_fn(call, repeats=repeats))
            t = {n: _merge(ts) for n, ts in per_round.items()}
            us = {n: t[n].median / STEPS_PER_CALL * 1e6 for n in t}
            r = t["explicit"].median / t["autodiff"].median
            rows.append(
                (
                    "-".join(map(str, arch)),
                    batch,
                    f"{us['explicit']:.1f}",
                    f"{us['autodiff']:.1f}",
                    ratio(t["explicit"], t["autodiff"]),
                    "yes" if r <= 1.0 else "no",
                    f"{compile_s['explicit']:.2f}",
                    f"{compile_s['autodiff']:.2f}",
                )
            )
            data.append(
                {
                    "sizes": list(arch),
                    "batch": batch,
                    "explicit_us_per_step": us["explicit"],
                    "autodiff_us_per_step": us["autodiff"],
                    "ratio_explicit_over_autodiff": r,
                    "explicit": t["explicit"].asdict(),
                    "autodiff": t["autodiff"].asdict(),
                    "compile_s": compile_s,
                    "max_abs_param_diff_after_steps": diff,
                }
            )
    table = markdown_table(
        [
            "sizes",
            "batch",
            "explicit us/step",
            "jax.grad us/step",
            "explicit / jax.grad",
            "<= 1.00",
            "compile explicit s",
            "compile jax.grad s",
        ],
        rows,
    )
    notes = (
        f"Each call runs {STEPS_PER_CALL} SGD steps (tanh hidden layers, softmax output, "
        "cross-entropy, float32) inside one jitted `lax.scan`; us/step is the median call time "
        f"divided by {STEPS_PER_CALL}. Ratio: median [min/max, max/min] over {rounds} interleaved "
        f"rounds of {repeats} calls. Target: explicit / jax.grad <= 1.00. Both steps give the same "
        f"parameters (largest difference after {STEPS_PER_CALL} steps: "
        f"{max(d['max_abs_param_diff_after_steps'] for d in data):.1e})."
    )
    return Bench(table=table, notes=notes, data={"machine": machine(), "cases": data})

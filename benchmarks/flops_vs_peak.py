"""Training throughput of a 784-256-256-10 network against the machine's float32 matmul peak."""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks._common import Bench, time_fn

TITLE = "784-256-256-10 training: achieved GFLOP/s against the float32 matmul peak"
ORDER = 60
TARGET = 0.85  # achieved / peak FLOP/s of the epoch
# Where the epoch's time goes: a jax.profiler trace of one jitted epoch on this machine,
# shares of the summed op time.
WHERE_TIME_GOES = (
    "The 6 x params count credits each sample with 2 x 784 x 256 multiply-adds for the gradient "
    "w.r.t. the input, which backpropagation never forms: the 8 matrix products per step execute "
    "310 of the 414 MFLOP counted. A jax.profiler trace of the epoch puts 79% of op time in those "
    "products; the 256-wide ones (256 x 256 x 256) are too small to keep both cores as busy as the "
    "2048^2 product, so the products average about 0.7 of that peak. The other 21%: the "
    "minibatch gather (256 random rows of the 188 MB training array, 5%), SGD updates (5%), "
    "softmax/loss/select fusions (4%), tanh (2.5%), bias sums (2%), the shuffle (1%), copies "
    "and transposes (2.5%). On one core (`taskset -c 0`) the same epoch reaches 1.16x the "
    "one-core peak: what keeps the two-core ratio down is how the small products scale to two "
    "threads, not per-step overhead. XLA_FLAGS=--xla_cpu_multi_thread_eigen=false lowered the "
    "peak more than the epoch in one run (347 to 323 GFLOP/s, 0.34 to 0.35 s), so it would only "
    "flatter the ratio; the benchmark leaves XLA's defaults. Two changes raised it: the "
    "shuffle (23 ms to 3.6 ms per epoch, the same permutation) and the weight gradients of the "
    "two 256-input layers (grad a^T written out, then XLA's fused kernel); before them this "
    "ratio was 0.77-0.79."
)


def _matmul_peak(n: int, repeats: int):
    a = jax.random.normal(jax.random.PRNGKey(0), (n, n), jnp.float32)
    b = jax.random.normal(jax.random.PRNGKey(1), (n, n), jnp.float32)
    mm = jax.jit(jnp.matmul)
    mm(a, b).block_until_ready()
    timing = time_fn(lambda: mm(a, b).block_until_ready(), repeats=repeats)
    return timing, 2 * n**3


def run(quick: bool = False) -> Bench:
    import jaxnn

    n_samples = 2048 if quick else 60000
    sizes = (784, 256, 256, 10)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n_samples, sizes[0]), dtype=np.float32)
    y = rng.integers(0, 10, n_samples).astype(np.int32)
    small_x, small_y = x[:256], y[:256]
    data = jaxnn.Dataset(x, y, small_x, small_y, small_x, small_y)
    data = jax.tree.map(jnp.asarray, data)
    config = jaxnn.TrainConfig(
        sizes=sizes, activation="tanh", optimizer="sgd", batch_size=256, epochs=1
    )
    hparams = jaxnn.make_hparams(learning_rate=1e-3)
    state = jaxnn.init_state(config, hparams, jax.random.PRNGKey(0))
    epoch = jax.jit(jaxnn.train_epoch, static_argnums=0)
    start = time.perf_counter()
    jax.block_until_ready(epoch(config, state, data))
    compile_s = time.perf_counter() - start
    repeats = 2 if quick else 5
    train = time_fn(lambda: jax.block_until_ready(epoch(config, state, data)), repeats=repeats)
    n_params = sum(w.size + b.size for w, b in state.params)
    steps = n_samples // config.batch_size
    flops = 6 * n_params * steps * config.batch_size
    peak_t, peak_flops = _matmul_peak(512 if quick else 2048, repeats)
    achieved = flops / train.median / 1e9
    peak = peak_flops / peak_t.median / 1e9
    table = "\n".join(
        [
            "| measure | value |",
            "|---|---|",
            f"| parameters | {n_params} |",
            f"| samples per epoch (batch 256, last partial batch dropped) | {steps * 256} |",
            f"| epoch time | {train} |",
            f"| epoch compile seconds | {compile_s:.2f} |",
            f"| achieved GFLOP/s (6 x params x samples / time) | {achieved:.1f} |",
            f"| float32 matmul peak GFLOP/s ({'512' if quick else '2048'}^2, same run) | "
            f"{peak:.1f} |",
            f"| fraction of peak (target >= {TARGET}) | {achieved / peak:.2f} |",
        ]
    )
    fraction = achieved / peak
    verdict = (
        "met"
        if fraction >= TARGET
        else f"NOT met, missed by {TARGET - fraction:.2f} ({100 * (1 - fraction / TARGET):.0f}%)"
    )
    notes = (
        f"Epoch time is the median of {repeats} runs of the jitted `jaxnn.train_epoch` (SGD), the "
        f"peak the median of {repeats} 2048 x 2048 float32 products in the same process. Target "
        f"fraction >= {TARGET}: {fraction:.2f}, {verdict}. Both numbers move with other load on "
        f"the machine (the peak more than the epoch): four earlier runs after the faster shuffle "
        f"and weight gradients "
        f"gave 0.83, 0.85, 0.88 and 0.88, so the target is met narrowly, not with margin."
        f"\n\n{WHERE_TIME_GOES}"
    )
    return Bench(
        table=table,
        notes=notes,
        data={
            "achieved_gflops": achieved,
            "peak_gflops": peak,
            "fraction": achieved / peak,
            "epoch": train.asdict(),
            "compile_seconds": compile_s,
            "target": TARGET,
            "met": fraction >= TARGET,
        },
    )

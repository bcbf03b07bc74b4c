"""Training throughput of a 784-256-256-10 network against the machine's float32 matmul peak."""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks._common import Bench, time_fn

TITLE = "784-256-256-10 training: achieved GFLOP/s against the float32 matmul peak"
ORDER = 60


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
            f"| fraction of peak (target >= 0.85) | {achieved / peak:.2f} |",
        ]
    )
    return Bench(
        table=table,
        data={
            "achieved_gflops": achieved,
            "peak_gflops": peak,
            "fraction": achieved / peak,
            "epoch": train.asdict(),
            "compile_seconds": compile_s,
        },
    )

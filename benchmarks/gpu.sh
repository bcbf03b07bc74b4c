#!/usr/bin/env bash
# The GPU figures the issues ask for, as one prepared command for a lent GPU machine (the
# `device` tool's `run`, from the repository root): its python3 holds JAX with CUDA, optax and
# PyTorch, and jaxnn runs from this checkout. It runs course_sweep with 100 and 1024 members (the
# packed sweep against the PyTorch eager loop; COURSE_SWEEP_MEMBERS and COURSE_SWEEP_COLUMNS
# change that) and writes the GPU section, course_sweep.gpu.md, into $OUT (or
# benchmarks/results). Copy it into benchmarks/results/ here, then `python -m benchmarks
# --assemble` rebuilds RESULTS.md with it.
set -euo pipefail
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
# every contender runs in a process of its own: none may take the GPU's memory ahead of them
export XLA_PYTHON_CLIENT_PREALLOCATE=false
out="${OUT:-benchmarks/results}"
# GPU_BENCH_DRY_RUN=1 skips this check, to try the script on a CPU
[ -n "${GPU_BENCH_DRY_RUN:-}" ] ||
    python3 -c "import jax; assert jax.default_backend() == 'gpu', f'no GPU: {jax.devices()}'"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
timeout "${GPU_BENCH_SECONDS:-540}" python3 -m benchmarks course_sweep --sections "$out" \
    --out "$out/RESULTS.md"

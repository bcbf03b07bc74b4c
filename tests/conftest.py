"""Strict numerics for every test: no implicit rank promotion, matplotlib off-screen."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import jax  # noqa: E402

jax.config.update("jax_numpy_rank_promotion", "raise")

"""Hyperparameter sweeps: many training runs in one compiled program, sharded over devices, and
their search spaces (grids, log ranges, random samples).
"""

from jaxnn.sweeps._search_space import grid as grid
from jaxnn.sweeps._search_space import log_range as log_range
from jaxnn.sweeps._search_space import random_settings as random_settings
from jaxnn.sweeps._sweep import SweepResult as SweepResult
from jaxnn.sweeps._sweep import sweep as sweep

__all__ = [
    "grid",
    "log_range",
    "random_settings",
    "sweep",
    "SweepResult",
]

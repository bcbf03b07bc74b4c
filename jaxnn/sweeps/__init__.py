"""Hyperparameter sweeps: many training runs in one compiled program, sharded over devices, and
their search spaces (grids, log ranges, random samples); wandb sweep configs, Bayesian rounds,
successive halving and parameter importance.
"""

from jaxnn.sweeps._bayes import bayes_search as bayes_search
from jaxnn.sweeps._config import SweepSpec as SweepSpec
from jaxnn.sweeps._config import load_sweep_config as load_sweep_config
from jaxnn.sweeps._config import parse_sweep_config as parse_sweep_config
from jaxnn.sweeps._config_file import SweepConfigError as SweepConfigError
from jaxnn.sweeps._early_terminate import Hyperband as Hyperband
from jaxnn.sweeps._hyperband import HyperbandResult as HyperbandResult
from jaxnn.sweeps._hyperband import successive_halving as successive_halving
from jaxnn.sweeps._importance import parameter_importance as parameter_importance
from jaxnn.sweeps._run import Envelope as Envelope
from jaxnn.sweeps._search_space import grid as grid
from jaxnn.sweeps._search_space import log_range as log_range
from jaxnn.sweeps._search_space import random_settings as random_settings
from jaxnn.sweeps._sweep import SweepResult as SweepResult
from jaxnn.sweeps._sweep import sweep as sweep

# every name imported above, and nothing else, is public (a private one starts with "_")
__all__ = sorted((name for name in globals() if not name.startswith("_")), key=str.lower)

"""Every training setting, declared once: `SETTINGS`, the one table and the one index.

Each row (`Setting`) gives a name, the command-line flags (the course's ``train.py`` names), a
kind, a type, a default, a range or the valid choices and a help line. Everything else is derived
from it when it is used: the fields and defaults of `TrainConfig` (the static settings, which fix
shapes and programs) and `HParams` (the traced ones, which a sweep varies without recompiling; a
test checks both types against the table), the checks of `make_config` and `make_hparams`, the
keywords of `jaxnn.fit`, the flags of ``jaxnn train`` and ``jaxnn sweep``, a sweep's axes and the
spellings a sweep config takes, the JSON keys (the name) and the course's names in wandb's config
(the long flag). Every lookup is a method of `SETTINGS` (`Settings`): by name, by destination, by
any spelling.

**A new hyperparameter** is

1. one row here, ``_optimizer_hyperparameter(name, flags, default, range, help)`` (a `Setting`
   of kind ``traced`` with ``used_by="optimizer"``);
2. its field in `HParams` (``jaxnn/training/_config.py``), the same name and default, with its
   line under the class's Attributes, so that it has a static type (a test in
   ``tests/training/test_settings.py`` names a missing or different field);
3. its use in the update rule (``jaxnn/training/_update_rule.py``): the coefficient or step that
   reads it from ``state.hyperparams``.

Nothing else changes: the optimizer takes it as a keyword and its state holds it (its
``HYPERPARAMETERS`` are the rows of ``used_by="optimizer"``), `jaxnn.fit` takes it as a keyword,
``jaxnn train`` and ``jaxnn sweep`` as a flag (a sweep as a list of values), a sweep config as a
parameter under any of its spellings, `jaxnn.sweep` as an axis, and it is in the JSON of every
run under its name (``tests/training/test_settings.py`` adds one and follows it through). A new
static setting is a row of kind ``static`` and its `TrainConfig` field. A new choice of a
setting (activation, loss, output, optimizer, init) is an entry of its registry, which the row
reads when it checks.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from jaxnn._validation import is_concrete
from jaxnn.feedforward._activations import ACTIVATIONS, Activation
from jaxnn.feedforward._losses import LOSS_ALIASES, LOSSES, OUTPUTS, Loss, Output
from jaxnn.feedforward._network import INITS
from jaxnn.training._table import Range, Setting, Settings
from jaxnn.training._update_rule import OPTIMIZERS, SCHEDULES, check_schedule, is_transformation

__all__ = [
    "DTYPES",
    "GRADS",
    "MAX_SEED",
    "SETTINGS",
    "STANDARDIZE",
    "STANDARDIZE_TARGETS",
    "TASKS",
    "Range",
    "Setting",
    "Settings",
    "check_setting",
]

GRADS = ("explicit", "autodiff")
DTYPES = ("float32", "float64", "bfloat16")
"""The floating-point types a run computes in: parameters, optimizer state and data."""
STANDARDIZE = ("auto", "none", "zscore", "minmax")
"""How raw inputs are scaled (the statistics come from the training split and are saved)."""
TASKS = ("auto", "classification", "regression")
"""What the targets are: class labels, real targets, or inferred from their dtype."""
STANDARDIZE_TARGETS = ("zscore", "none")
"""How regression targets are scaled for training (the statistics are saved with the model)."""
MAX_SEED = 2**31 - 1
"""Seeds are integers in [0, 2**31 - 1] everywhere: the API, ``train``, ``sweep``, checkpoints."""


def _optimizer_hyperparameter(
    name: str, flags: tuple[str, ...], default: float, valid: Range, help: str
) -> Setting:
    """A row of a hyperparameter of the update rule: traced (an `HParams` field a sweep varies),
    a float, held in the optimizer state (``used_by="optimizer"``)."""
    return Setting(name, flags, "traced", float, default, valid, help, used_by="optimizer")


SETTINGS = Settings(
    (
        # --- data ---
        Setting(
            "dataset",
            ("-d", "--dataset"),
            "data",
            str,
            "digits",
            None,
            "digits, iris, wine, breast_cancer, diabetes (regression), mnist1d, mnist, "
            "fashion_mnist, kmnist (downloaded once into $XDG_CACHE_HOME/jaxnn/data and verified, "
            "unless --data-dir), xor, blobs, sine, or a file: npz:PATH, csv:PATH, idx:PATH",
            sweep=False,
        ),
        Setting(
            "data_dir",
            ("--data-dir",),
            "data",
            str,
            None,
            None,
            "directory of the IDX files for mnist / fashion_mnist / kmnist; nothing is downloaded "
            "then (default: download once into $XDG_CACHE_HOME/jaxnn/data, checksums verified)",
            sweep=False,
        ),
        Setting(
            "data_seed",
            ("--data-seed",),
            "data",
            int,
            0,
            Range(0, MAX_SEED, True, True),
            "seed of the train/validation/test split and of synthetic data",
            sweep=False,
        ),
        Setting(
            "val_fraction",
            ("--val-fraction",),
            "data",
            float,
            0.1,
            Range(0.0, 1.0, False, False),
            "share of the training data held out for validation",
            sweep=False,
        ),
        Setting(
            "standardize",
            ("--standardize",),
            "data",
            str,
            "auto",
            lambda: STANDARDIZE,
            "input scaling, statistics from the training split, saved with the model: auto "
            "(default: uint8 inputs / 255, anything else z-scores), none, zscore, minmax",
            sweep=False,
        ),
        Setting(
            "label_column",
            ("--label-column",),
            "data",
            str,
            None,
            None,
            "the label column of a csv:PATH data set: a header name or a 0-based index (default: "
            "the last column; none: no labels)",
            sweep=False,
        ),
        Setting(
            "task",
            ("--task",),
            "data",
            str,
            "auto",
            lambda: TASKS,
            "classification (integer class labels 0..k-1) or regression (real targets); auto: "
            "integer targets are labels, float targets regression targets",
            sweep=False,
        ),
        Setting(
            "standardize_targets",
            ("--standardize-targets",),
            "data",
            str,
            "zscore",
            lambda: STANDARDIZE_TARGETS,
            "regression targets: zscore (training-split statistics, saved with the model; "
            "predictions come back in the original units) or none",
            sweep=False,
        ),
        # --- the static config, in the order of TrainConfig's fields ---
        Setting(
            "sizes",
            (),
            "static",
            tuple,
            None,
            None,
            "layer sizes (n_in, hidden..., n_out)",
            packed=True,
        ),
        Setting(
            "activation",
            ("-a", "--activation"),
            "static",
            str,
            "tanh",
            lambda: tuple(ACTIVATIONS),
            "hidden activation g",
            packed=True,
        ),
        Setting(
            "output",
            ("--output",),
            "static",
            str,
            "auto",
            lambda: ("auto", *OUTPUTS),
            "output function O; auto: softmax for cross_entropy, sigmoid for binary_cross_entropy, "
            "for mse softmax on class labels and linear on regression targets",
        ),
        Setting(
            "loss",
            ("-l", "--loss"),
            "static",
            str,
            "cross_entropy",
            lambda: tuple(LOSSES),
            "loss (mean_squared_error is mse); regression targets default to mse",
            aliases=LOSS_ALIASES,
        ),
        Setting(
            "optimizer",
            ("-o", "--optimizer"),
            "static",
            str,
            "adam",
            lambda: OPTIMIZERS,
            "optimizer (nesterov is nag)",
            aliases={"nesterov": "nag"},
            packed=True,
        ),
        Setting(
            "batch_size",
            ("-b", "--batch_size"),
            "static",
            int,
            32,
            Range(1),
            "minibatch size; the last partial batch of an epoch is dropped",
        ),
        Setting(
            "epochs",
            ("-e", "--epochs"),
            "static",
            int,
            30,
            Range(1),
            "epochs (when resuming: the total to reach)",
            packed=True,
        ),
        Setting(
            "weight_init",
            ("-w_i", "--weight_init"),
            "static",
            str,
            "xavier",
            lambda: INITS,
            "initial weights: normal with std 0.1, sqrt(2/(n_in+n_out)) or sqrt(2/n_in)",
            packed=True,
        ),
        Setting(
            "grad",
            ("--grad",),
            "static",
            str,
            "explicit",
            lambda: GRADS,
            "gradients by Algorithm 6 (explicit) or jax.grad (autodiff)",
            sweep=False,
        ),
        Setting(
            "lr_schedule",
            ("--lr_schedule",),
            "static",
            str,
            "constant",
            lambda: tuple(SCHEDULES),
            "learning-rate schedule; cosine decays to lr/100 over the run",
            packed=True,
        ),
        Setting(
            "dtype",
            ("--dtype",),
            "static",
            str,
            "float32",
            lambda: DTYPES,
            "the dtype of parameters, optimizer state and data (default float32; float64 turns on "
            "64-bit JAX)",
            sweep=False,
        ),
        # --- the architecture, from which the sizes are built ---
        Setting(
            "num_layers",
            ("-nhl", "--num_layers"),
            "shape",
            int,
            2,
            Range(0),
            "number of hidden layers (0: softmax regression)",
            packed=True,
        ),
        Setting(
            "hidden_size",
            ("-sz", "--hidden_size"),
            "shape",
            int,
            128,
            Range(1),
            "width of every hidden layer",
            packed=True,
        ),
        # --- traced hyperparameters, in the order of HParams' fields ---
        _optimizer_hyperparameter(
            "learning_rate",
            ("-lr", "--learning_rate"),
            1e-3,
            Range(0.0, math.inf, False),
            "learning rate eta",
        ),
        _optimizer_hyperparameter(
            "momentum", ("-m", "--momentum"), 0.9, Range(0.0, 1.0), "momentum of momentum and nag"
        ),
        _optimizer_hyperparameter(
            "beta", ("-beta", "--beta"), 0.9, Range(0.0, 1.0), "decay of rmsprop"
        ),
        _optimizer_hyperparameter(
            "beta1",
            ("-beta1", "--beta1"),
            0.9,
            Range(0.0, 1.0),
            "first-moment decay of adam, nadam and adamw",
        ),
        _optimizer_hyperparameter(
            "beta2",
            ("-beta2", "--beta2"),
            0.999,
            Range(0.0, 1.0),
            "second-moment decay of adam, nadam and adamw",
        ),
        _optimizer_hyperparameter(
            "eps",
            ("-eps", "--epsilon"),
            1e-8,
            Range(0.0, math.inf, False),
            "epsilon of rmsprop, adagrad, adam, nadam and adamw",
        ),
        _optimizer_hyperparameter(
            "weight_decay",
            ("-w_d", "--weight_decay"),
            0.0,
            Range(0.0),
            "L2 coefficient on the weight matrices (not the biases); decoupled for adamw",
        ),
        Setting(
            "init_scale",
            ("--init_scale",),
            "traced",
            float,
            1.0,
            Range(0.0, math.inf, False),
            "multiplies the initial weights",
            used_by="init",
        ),
        # --- the run ---
        Setting(
            "seed",
            ("--seed",),
            "run",
            int,
            0,
            Range(0, MAX_SEED, True, True),
            f"training seed, 0 to {MAX_SEED}: the key is jax.random.PRNGKey(seed)",
        ),
    )
)


def _check_number(s: Setting, value: Any, label: str) -> np.ndarray:
    if isinstance(value, bool) or (isinstance(value, str) and s.type is not str):
        raise TypeError(
            f"{label} must be {'an integer' if s.type is int else 'a number'}, got {value!r}"
        )
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        kind = "an integer" if s.type is int else "a real number"
        raise TypeError(f"{label} must be {kind}, got {value!r}") from None
    if s.type is int:
        if not (
            isinstance(value, int | np.integer)
            or np.issubdtype(np.asarray(value).dtype, np.integer)
        ):
            raise TypeError(f"{label} must be an integer, got {value!r}")
    if s.valid is not None and not np.all(s.valid.contains(a)):  # NaN fails every comparison
        bad = a[~s.valid.contains(a)].ravel()[0]
        shown = f"{int(bad)}" if s.type is int and math.isfinite(bad) else f"{bad:g}"
        raise ValueError(f"{label} must be {s.valid.describe(s.type is int)}, got {shown}")
    return a


def check_setting(name: str, value: Any, *, label: str | None = None) -> Any:
    """Checks one value of setting ``name`` and returns it in canonical form.

    Numbers are checked against the setting's range when concrete (a traced value inside ``jit``
    or ``vmap`` passes: it was checked where it entered). Choices are matched case-insensitively
    and through the aliases (``mean_squared_error`` -> ``mse``, ``nesterov`` -> ``nag``);
    `Activation`, `Loss` and `Output` values, an optax transformation for ``optimizer`` and a
    schedule (a function of the step) for ``lr_schedule`` pass as they are.

    Args:
      name: the setting's name.
      value: the value.
      label: how to name it in the message (default: its flags, or its name).

    Returns:
      The value: an int for integers, a float32 NumPy array for traced settings, the canonical
      name for choices.

    Raises:
      ValueError: naming ``label``, the value and the valid range or choices.
      TypeError: for a value of the wrong type.
    """
    s = SETTINGS.named(name)
    label = label or name
    if s.type is str:
        if isinstance(value, Activation | Loss | Output) or value is None:
            return value
        if name in ("optimizer", "lr_schedule") and not isinstance(value, str):
            if name == "optimizer" and is_transformation(value):
                return value  # a user's own optimizer
            if name == "lr_schedule" and callable(value):
                return check_schedule(value, label)
        if not isinstance(value, str):
            if name == "optimizer":
                raise TypeError(
                    f"{label} must be a name ({', '.join(s.choices())}) or an "
                    f"optax.GradientTransformation, got {value!r} ({type(value).__name__})"
                )
            raise TypeError(f"{label} must be a name, got {value!r}")
        if not callable(s.valid):
            return value
        valid = s.choices()
        text = value.strip()
        lowered = {v.lower(): v for v in (*valid, *s.aliases)}
        canonical = lowered.get(text.lower())
        if canonical is None:
            extra = f" (or {', '.join(s.aliases)})" if s.aliases else ""
            what = f"unknown {name}" if label == name else f"{label}: unknown value"
            raise ValueError(f"{what} {value!r}; valid: {', '.join(valid)}{extra}")
        return s.aliases.get(canonical, canonical)
    if s.type is tuple:
        return value
    if not is_concrete(value):
        return value
    a = _check_number(s, value, label)
    if s.kind == "traced":
        return a.astype(np.float32)
    if s.type is int:
        return int(value)
    return float(value)

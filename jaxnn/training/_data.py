"""The `Dataset` of training: the data {x_i, y_i} of notes 3.2, split into train, validation and
test, and its checks. Where data come from is `jaxnn.training._sources`.

The split rules, the same for every source:

1. **Test.** A source with its own test split keeps it (MNIST's t10k files, MNIST-1D's 1000 test
   sequences, an npz's ``x_test``/``y_test``); the scikit-learn sets use scikit-learn's stratified
   80/20 ``train_test_split(random_state=seed)`` (reproduced in NumPy); any other source holds
   out 20% (stratified by class for labels).
2. **Validation.** A source with its own validation split keeps it (an npz's ``x_val``/``y_val``);
   otherwise ``val_fraction`` of the training data is held out, stratified by class.
3. **Scaling** (``standardize``): its statistics come from the training split only and are applied
   to every split; they travel with the `Dataset` (``data.preprocessing``) into the checkpoint, so
   that a loaded model takes raw inputs. ``auto`` scales uint8 inputs (images) by 1/255 and gives
   anything else z-scores; floats are never divided by 255.

Splits are seeded with ``seed``, so the same source and seed give the same arrays on every machine.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxnn._validation import (
    check_finite,
    check_fits_dtype,
    check_matrix,
    check_numeric,
    check_same_length,
    is_concrete,
)
from jaxnn.training._scaling import Preprocessing, remember_rows
from jaxnn.training._targets import check_classes, check_task, read_targets

__all__ = [
    "Dataset",
    "Preprocessing",
    "check_dataset",
    "default_output",
    "is_classification",
    "num_outputs",
    "output_width",
    "split_dataset",
    "split_source",
]


def _standardize_kind(standardize: Any) -> str | Preprocessing:
    """``standardize`` as a kind name or a `Preprocessing` (True: zscore, False: none)."""
    if isinstance(standardize, Preprocessing):
        return standardize
    if isinstance(standardize, bool | np.bool_):
        return "zscore" if standardize else "none"
    from jaxnn.training._settings import check_setting

    return check_setting("standardize", standardize)


class Dataset(NamedTuple):
    """Train, validation and test arrays (a pytree: it can be passed to jitted functions).

    A `Dataset` holds the network's data. One made by `split_dataset` or `load_dataset` also knows
    how they were made from the raw data: ``data.preprocessing`` (the inputs' scaling) and
    ``data.target_preprocessing`` (regression targets' z-scores), which `jaxnn.fit` saves with the
    model; one built by hand has both None (its arrays are the network's data as they are).
    A model given a `Dataset`, or arrays of one, knows them for network data and scales nothing
    twice (`jaxnn.predict`, `jaxnn.evaluate`).

    Attributes:
      x_train: float inputs, shape (n_train, features); likewise x_val, x_test.
      y_train: int32 class labels of shape (n_train,) for classification, or float targets of
        shape (n_train, k) for regression; likewise y_val, y_test.
    """

    x_train: jax.Array
    y_train: jax.Array
    x_val: jax.Array
    y_val: jax.Array
    x_test: jax.Array
    y_test: jax.Array

    @property
    def preprocessing(self) -> Preprocessing | None:
        """How the raw inputs were scaled, or None (a `Dataset` built by hand)."""
        return None

    @property
    def target_preprocessing(self) -> Preprocessing | None:
        """How the raw regression targets were scaled, or None (none, or built by hand)."""
        return None


class _Prepared(Dataset):
    """A `Dataset` with its `Preprocessing` values (pytree metadata: kept by jit, device_put,
    tree_map)."""

    preprocessing = None  # the instance's values shadow Dataset's properties
    target_preprocessing = None
    source: dict[str, str] | None = None  # where load_dataset read it (not pytree metadata)

    def __repr__(self) -> str:
        extra = f", preprocessing={self.preprocessing!r}"
        if self.target_preprocessing is not None:
            extra += f", target_preprocessing={self.target_preprocessing!r}"
        return super().__repr__()[:-1].replace("_Prepared", "Dataset", 1) + extra + ")"

    def _replace(self, **changes) -> Dataset:
        out = _with_preprocessing(
            Dataset._replace(self, **changes), self.preprocessing, self.target_preprocessing
        )
        out.source = self.source
        return out


def _with_preprocessing(
    data: Dataset, preprocessing: Preprocessing | None, target: Preprocessing | None = None
) -> Dataset:
    """``data`` carrying ``preprocessing`` and ``target`` (``data.target_preprocessing``)."""
    out = _Prepared(*tuple(data))
    out.preprocessing = preprocessing
    out.target_preprocessing = target
    return out


jax.tree_util.register_pytree_node(
    _Prepared,
    lambda d: (tuple(d), (d.preprocessing, d.target_preprocessing)),
    lambda pre, arrays: _with_preprocessing(Dataset(*arrays), *pre),
)


def is_classification(data: Dataset) -> bool:
    """True when the targets are integer class labels (False: regression targets)."""
    return bool(np.issubdtype(np.dtype(data.y_train.dtype), np.integer))


def num_outputs(data: Dataset) -> int:
    """The output width k a network needs: the number of classes, or the target width."""
    if is_classification(data):
        return int(max(int(np.max(y)) for y in (data.y_train, data.y_val, data.y_test))) + 1
    return int(data.y_train.shape[1])


def output_width(data: Dataset, loss: Any = "cross_entropy") -> int:
    """The output width for ``loss`` on ``data``: `num_outputs`, or 1 for binary labels under a
    loss of unit targets (binary cross-entropy on one sigmoid unit)."""
    from jaxnn.feedforward._losses import get_loss

    k = num_outputs(data)
    if is_classification(data) and k <= 2 and get_loss(loss).targets == "unit":
        return 1
    return k


def default_output(data: Dataset, loss: Any, output: Any = "auto") -> Any:
    """``output`` unless it is ``auto``; ``auto`` is `auto_output` of ``loss`` on these targets
    (linear for mse on regression targets, else the loss's first output)."""
    if isinstance(output, str) and output == "auto":
        from jaxnn.feedforward._losses import auto_output

        return auto_output(loss, regression=not is_classification(data))
    return output


def check_dataset(data: Dataset) -> Dataset:
    """Checks every split: 2-D finite inputs of one width, matching targets; returns ``data``.

    Raises:
      ValueError: naming the split that is empty, misshapen, holds NaN or infinity, or whose
        integer labels are negative.
      TypeError: for non-numeric arrays.
    """
    if not isinstance(data, Dataset):
        raise TypeError(f"data must be a jaxnn Dataset, got {type(data).__name__}")
    arrays = {}
    for name, value in data._asdict().items():
        if not hasattr(value, "dtype"):  # nested lists: NumPy arrays, or a clear TypeError
            check_numeric(name, value)
            value = np.asarray(value)
        arrays[name] = value
    data = data._replace(**arrays)  # keeps data.preprocessing
    features = None
    for split in ("train", "val", "test"):
        x, y = getattr(data, f"x_{split}"), getattr(data, f"y_{split}")
        _check_split_pair(f"x_{split}", x, f"y_{split}", y, features)
        features = np.shape(x)[1]
        if np.issubdtype(np.dtype(y.dtype), np.integer):
            if is_concrete(y):  # int64 labels beyond int32 would wrap on the device
                read_targets(f"y_{split}", np.asarray(y), "classification")
            elif np.ndim(y) != 1:
                raise ValueError(f"y_{split} labels must be 1-D, got shape {np.shape(y)}")
        elif np.ndim(y) != 2:
            raise ValueError(f"y_{split} regression targets must be 2-D (n, k), got {np.shape(y)}")
    if is_classification(data) != bool(np.issubdtype(np.dtype(data.y_test.dtype), np.integer)):
        raise TypeError("y_train and y_test must both be labels or both be regression targets")
    if is_classification(data) and all(is_concrete(getattr(data, f"y_{s}")) for s in _SPLITS):
        check_classes([np.asarray(getattr(data, f"y_{s}")) for s in _SPLITS])
    return data


_SPLITS = ("train", "val", "test")


def _split_indices(n: int, fraction: float, labels, rng: np.random.Generator):
    """Indices (rest, held) with ``round(fraction * n)`` held out, stratified by ``labels``."""
    total = int(round(fraction * n))
    if labels is None:
        held = rng.permutation(n)[:total]
    else:
        classes, counts = np.unique(labels, return_counts=True)
        # each class's share of ``total`` in proportion to its size (largest remainders round up)
        quota = fraction * counts
        take = np.floor(quota).astype(int)
        order = np.argsort(-(quota - take), kind="stable")
        take[order[: total - take.sum()]] += 1
        held = np.concatenate(
            [rng.permutation(np.flatnonzero(labels == c))[:t] for c, t in zip(classes, take)]
        )
    mask = np.zeros(n, bool)
    mask[held] = True
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def _check_split_pair(x_name: str, x, y_name: str, y, features: int | None = None) -> None:
    check_matrix(x_name, x, features=features)
    check_numeric(y_name, y)
    check_same_length(x_name, x, y_name, y)
    check_finite(x_name, x)
    check_finite(y_name, y)


def split_source(raw: dict[str, np.ndarray], **kwargs: Any) -> Dataset:
    """`split_dataset` of a source read by `read_source`: its ``x``, ``y`` and, where the source
    has them, its own test and validation splits."""
    optional = ("x_test", "y_test", "x_val", "y_val")
    return split_dataset(raw["x"], raw["y"], **{k: raw.get(k) for k in optional}, **kwargs)


def split_dataset(
    x: ArrayLike,
    y: ArrayLike,
    *,
    test_fraction: float = 0.2,
    val_fraction: float = 0.1,
    seed: int = 0,
    standardize: bool | str | Preprocessing = "auto",
    x_test: ArrayLike | None = None,
    y_test: ArrayLike | None = None,
    x_val: ArrayLike | None = None,
    y_val: ArrayLike | None = None,
    dtype: Any = "float32",
    task: str = "auto",
    standardize_targets: str | Preprocessing = "zscore",
) -> Dataset:
    r"""Splits raw (x, y) into a `Dataset`: test, then validation from the rest, both stratified.

    The rules: ``x_test``/``y_test``, when given, are the test split, else ``test_fraction`` of
    (x, y) is held out; ``x_val``/``y_val``, when given, are the validation split, else
    ``val_fraction`` of the rest is held out. Held-out shares are stratified by class (each
    class keeps its share, largest remainders rounding up) and drawn with ``seed``. The inputs of
    every split are then scaled with statistics of the training split only, and so are
    regression targets (``standardize_targets``):

    .. math:: x \leftarrow (x - \mu_{train}) / \sigma_{train} \quad \text{(zscore)}

    Args:
      x: raw inputs, shape (n, features).
      y: integer labels (n,) (classification) or float targets (n,) or (n, k) (regression).
      test_fraction: the share of (x, y) held out for testing, in (0, 1); ignored when ``x_test``
        and ``y_test`` are given.
      val_fraction: the share of the remaining training data held out for validation, in (0, 1);
        ignored when ``x_val`` and ``y_val`` are given.
      seed: the seed of the splits (NumPy's default_rng).
      standardize: ``auto`` (uint8 inputs / 255, anything else z-scores), ``none``, ``zscore``,
        ``minmax`` (True: zscore, False: none), or a `Preprocessing` to apply as it is (a saved
        model's statistics).
      x_test: an existing test split (e.g. MNIST's t10k files), or None.
      y_test: its targets.
      x_val: an existing validation split, or None.
      y_val: its targets.
      dtype: the inputs' (and regression targets') dtype: float32, float64 or bfloat16.
      task: ``classification`` (labels 0..k-1), ``regression`` (real targets) or ``auto``:
        integer targets are labels (more than 20 classes inferred say so on stderr).
      standardize_targets: regression targets ``zscore`` (the network learns targets of mean 0
        and variance 1; a model answers in the original units), ``none``, or a `Preprocessing`.

    Returns:
      A `Dataset` with ``dtype`` inputs and int32 labels (or ``dtype`` (n, k) targets); its
      ``preprocessing`` and ``target_preprocessing`` hold the statistics.

    Raises:
      ValueError: naming the array: misshapen, NaN, a value beyond ``dtype``'s range, labels that
        are negative or beyond int32, too many classes, too little data to split.
      TypeError: non-numeric arrays.
    """
    x, y = np.asarray(x), np.asarray(y)
    kind = _standardize_kind(standardize)
    dtype = jnp.dtype(_check_dtype(dtype))
    _check_split_arguments(x, y, x_test, y_test, x_val, y_val, val_fraction, test_fraction, dtype)
    asked = check_task(task)
    y, task = read_targets("y", y, asked)
    classification = task == "classification"

    def targets(name: str, t) -> np.ndarray:
        return read_targets(name, np.asarray(t), asked, like=task)[0]

    rng = np.random.default_rng(seed)
    split = functools.partial(_hold_out, classification=classification, rng=rng, targets=targets)
    x, y, x_te, y_te = split(x, y, (x_test, y_test), "test", test_fraction)
    x_tr, y_tr, x_va, y_va = split(x, y, (x_val, y_val), "val", val_fraction)
    if len(x_tr) == 0 or len(x_va) == 0 or len(x_te) == 0:
        raise ValueError(
            f"too little data to split: {len(x_tr) + len(x_va) + len(x_te)} samples give "
            f"{len(x_tr)} train, {len(x_va)} validation, {len(x_te)} test"
        )
    if classification:
        check_classes([y_tr, y_va, y_te], announce=asked == "auto")
    return _scaled((x_tr, y_tr, x_va, y_va, x_te, y_te), kind, standardize_targets, dtype)


def _hold_out(x, y, given, split, fraction, *, classification, rng, targets) -> tuple:
    """``(x_rest, y_rest, x_held, y_held)``: the split ``given`` as ``(x, y)``, checked, with all of
    (x, y) kept; or ``fraction`` of (x, y) held out, stratified by class (drawn from ``rng``)."""
    if given[0] is None:
        rest, held = _split_indices(len(x), fraction, y if classification else None, rng)
        return x[rest], y[rest], x[held], y[held]
    x_held, y_held = np.asarray(given[0]), np.asarray(given[1])
    _check_split_pair(f"x_{split}", x_held, f"y_{split}", y_held, features=x.shape[1])
    return x, y, x_held, targets(f"y_{split}", y_held)


def _check_split_arguments(x, y, x_test, y_test, x_val, y_val, val_fraction, test_fraction, dtype):
    """`split_dataset`'s checks before any split: shapes, fractions, pairs, and values that the
    run's dtype can hold, named by the user's own rows."""
    _check_split_pair("x", x, "y", y)
    for name, f in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0 < float(f) < 1:
            raise ValueError(f"{name} must be in (0, 1), got {f}")
    for a, b, xa, yb in (("x_test", "y_test", x_test, y_test), ("x_val", "y_val", x_val, y_val)):
        if (xa is None) != (yb is None):
            missing = b if yb is None else a
            raise ValueError(f"{a} and {b} go together: {missing} is missing")
    work = np.float64 if dtype == np.float64 else np.float32
    for name, a in (("x", x), ("x_test", x_test), ("x_val", x_val)):
        if a is not None:
            check_fits_dtype(name, a, work)


def _scaled(splits: tuple, kind: Any, standardize_targets: Any, dtype) -> Dataset:
    """The raw splits ``(x_tr, y_tr, x_va, y_va, x_te, y_te)`` scaled with statistics of the
    training split (inputs; regression targets), as a `Dataset` whose rows are remembered as
    network data (`remember_rows`)."""
    x_tr, y_tr, x_va, y_va, x_te, y_te = splits
    if isinstance(kind, Preprocessing):
        pre = kind
        pre.check_width(x_tr.shape[1])
    else:
        pre = Preprocessing.from_training(x_tr, kind, dtype)
    xs = [pre.apply(a, dtype, name=n) for a, n in ((x_tr, "x"), (x_va, "x_val"), (x_te, "x_test"))]
    target_pre, ys = None, [y_tr, y_va, y_te]
    if not np.issubdtype(y_tr.dtype, np.integer):
        target_pre = _target_preprocessing(standardize_targets, y_tr, dtype)
        ys = [target_pre.apply(t, dtype, name="y") for t in ys]
        for t in ys:
            remember_rows(target_pre, t)
    for a in xs:
        remember_rows(pre, a)
    return _with_preprocessing(Dataset(xs[0], ys[0], xs[1], ys[1], xs[2], ys[2]), pre, target_pre)


def _target_preprocessing(standardize_targets: Any, y_train: np.ndarray, dtype) -> Preprocessing:
    """The targets' `Preprocessing`: z-scores of the training split, none, or one given."""
    if isinstance(standardize_targets, Preprocessing):
        standardize_targets.check_width(y_train.shape[1], "y")
        return standardize_targets
    from jaxnn.training._settings import check_setting

    kind = check_setting("standardize_targets", standardize_targets)
    return Preprocessing.from_training(y_train, kind, dtype, name="y")


def _check_dtype(dtype: Any) -> str:
    """A dtype of `DTYPES` by name (NumPy and JAX dtypes accepted)."""
    from jaxnn.training._settings import DTYPES

    try:
        name = jnp.dtype(dtype).name
    except TypeError:
        name = str(dtype)
    if name not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    return name

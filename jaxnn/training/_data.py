"""Data sets for training: the data {x_i, y_i} of notes 3.2, split into train, validation and test.

``digits``, ``iris``, ``wine``, ``breast_cancer`` (scikit-learn's arrays) and ``diabetes`` ship
inside jaxnn (`jaxnn.training._embedded`); ``mnist1d`` is generated offline by the ``mnist1d``
package; ``mnist``, ``fashion_mnist`` and ``kmnist`` are the standard IDX files, read from a
directory the user names or else downloaded once, verified and cached
(`jaxnn.training._download`); ``npz:PATH``, ``csv:PATH`` and ``idx:PATH`` read the user's own
files; ``xor``, ``blobs`` and ``sine`` are generated from a seed.

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

import csv
import functools
import gzip
import hashlib
import os
import random
import zipfile
import zlib
from pathlib import Path
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxnn._util import check_npz, require
from jaxnn._validation import (
    check_finite,
    check_fits_dtype,
    check_matrix,
    check_numeric,
    check_same_length,
    is_concrete,
)
from jaxnn.training._embedded import EMBEDDED, embedded_source
from jaxnn.training._scaling import Preprocessing, remember_rows
from jaxnn.training._targets import check_classes, check_task, read_targets

__all__ = [
    "DATASETS",
    "FILE_FORMATS",
    "IDX_FILES",
    "Dataset",
    "Preprocessing",
    "check_dataset",
    "is_classification",
    "default_output",
    "load_dataset",
    "num_outputs",
    "output_width",
    "read_csv",
    "read_idx",
    "read_npz",
    "read_source",
    "split_dataset",
    "write_idx",
]

DATASETS = (
    "digits",
    "mnist",
    "fashion_mnist",
    "kmnist",
    "xor",
    "blobs",
    "sine",
    "iris",
    "wine",
    "breast_cancer",
    "diabetes",
    "mnist1d",
)
FILE_FORMATS = ("npz", "csv", "idx")
"""The prefixes of the user's own files: ``npz:PATH``, ``csv:PATH``, ``idx:PATH`` (a directory)."""
_DOWNLOADED = ("mnist", "fashion_mnist", "kmnist")  # 10-class IDX sets: data_dir, or the cache
# The four files of an MNIST-style directory: (split, kind) -> base name (".gz" optional).
IDX_FILES = {
    ("train", "images"): "train-images-idx3-ubyte",
    ("train", "labels"): "train-labels-idx1-ubyte",
    ("test", "images"): "t10k-images-idx3-ubyte",
    ("test", "labels"): "t10k-labels-idx1-ubyte",
}
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


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
    """``output`` unless it is ``auto``; for ``auto``, linear for regression targets, else
    ``auto`` (the loss's own default: softmax for cross-entropy and mse, sigmoid for binary
    cross-entropy)."""
    if isinstance(output, str) and output == "auto" and not is_classification(data):
        from jaxnn.feedforward._losses import get_loss

        if get_loss(loss).targets == "real":
            return "linear"
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
      task: ``classification`` (``y`` holds class labels 0..k-1), ``regression`` (real
        targets) or ``auto``: integer targets are labels, float targets regression targets
        (more than 20 classes inferred say so on stderr).
      standardize_targets: regression targets ``zscore`` (default: the network learns targets
        of mean 0 and variance 1; a model gives its outputs back in the original units), ``none``,
        or a `Preprocessing` to apply as it is. Ignored for classification.

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
    strata = y if classification else None
    if x_test is None:
        rest, test = _split_indices(len(x), test_fraction, strata, rng)
        x_te, y_te = x[test], y[test]
        x, y = x[rest], y[rest]
        strata = y if classification else None
    else:
        x_te, y_te = np.asarray(x_test), np.asarray(y_test)
        _check_split_pair("x_test", x_te, "y_test", y_te, features=x.shape[1])
        y_te = targets("y_test", y_te)
    if x_val is None:
        train, val = _split_indices(len(x), val_fraction, strata, rng)
        x_tr, y_tr, x_va, y_va = x[train], y[train], x[val], y[val]
    else:
        x_va, y_va = np.asarray(x_val), np.asarray(y_val)
        _check_split_pair("x_val", x_va, "y_val", y_va, features=x.shape[1])
        x_tr, y_tr, y_va = x, y, targets("y_val", y_va)
    if len(x_tr) == 0 or len(x_va) == 0 or len(x_te) == 0:
        raise ValueError(
            f"too little data to split: {len(x_tr) + len(x_va) + len(x_te)} samples give "
            f"{len(x_tr)} train, {len(x_va)} validation, {len(x_te)} test"
        )
    if classification:
        check_classes([y_tr, y_va, y_te], announce=asked == "auto")
    return _scaled((x_tr, y_tr, x_va, y_va, x_te, y_te), kind, standardize_targets, dtype)


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


def _xor(rng: np.random.Generator, n: int = 800) -> tuple[np.ndarray, np.ndarray]:
    """Four Gaussian clusters at (+-1, +-1); the label is the XOR of the two signs."""
    corners = rng.integers(0, 2, size=(n, 2))
    x = (2.0 * corners - 1.0) + 0.35 * rng.standard_normal((n, 2))
    return x, (corners[:, 0] ^ corners[:, 1]).astype(np.int32)


def _blobs(rng: np.random.Generator, n: int = 900, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """``k`` Gaussian blobs with centres on a circle of radius 2."""
    y = rng.integers(0, k, size=n)
    angle = 2 * np.pi * y / k
    centres = 2.0 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return centres + 0.6 * rng.standard_normal((n, 2)), y.astype(np.int32)


def _sine(rng: np.random.Generator, n: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """The 1-D regression target y = sin(x) + 0.05 noise, x uniform on [-pi, pi]."""
    x = rng.uniform(-np.pi, np.pi, size=(n, 1))
    return x, (np.sin(x) + 0.05 * rng.standard_normal((n, 1))).astype(np.float32)


@functools.lru_cache(maxsize=1)
def _mnist1d_arrays() -> tuple[np.ndarray, ...]:

    require("mnist1d", "-d mnist1d (the MNIST-1D generator)")
    from mnist1d.data import get_dataset_args, make_dataset

    # make_dataset reseeds the global RNGs of random and NumPy: put them back
    state, py_state = np.random.get_state(), random.getstate()
    try:
        # the paper's defaults: 5000 sequences of length 40, 4000 train / 1000 test, seed 42;
        # generated here, never downloaded (mnist1d's get_dataset would fetch a pickle)
        d = make_dataset(get_dataset_args())
    finally:
        np.random.set_state(state)
        random.setstate(py_state)
    out = tuple(np.asarray(d[k]) for k in ("x", "y", "x_test", "y_test"))
    for a in out:
        a.setflags(write=False)
    return out


def _mnist1d_source() -> dict[str, np.ndarray]:
    x, y, x_test, y_test = _mnist1d_arrays()
    return {"x": x, "y": y.astype(np.int32), "x_test": x_test, "y_test": y_test.astype(np.int32)}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Reads one IDX file (the MNIST format), gzipped or not.

    The header is two zero bytes, a type code (0x08 = unsigned byte, ...), the number of dimensions
    d, then d big-endian 32-bit sizes; the data follow in C order.

    Args:
      path: the file.

    Returns:
      The array, in native byte order.

    Raises:
      FileNotFoundError: if the file does not exist.
      ValueError: naming the file, if it is not a valid IDX file or is truncated.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as e:
            raise ValueError(f"{path}: corrupt or truncated gzip data ({e})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{path}: not an IDX file (bad magic number {raw[:4].hex() or 'empty'})")
    dtype, ndim = _IDX_DTYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header ({len(raw)} bytes, {ndim} dimensions)")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected = int(np.prod(shape)) * dtype.itemsize
    got = len(raw) - header
    if got != expected:
        what = "truncated" if got < expected else "too long"
        raise ValueError(
            f"{path}: {what}: header says shape {shape} ({expected} data bytes), file holds {got}"
        )
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path: str | os.PathLike, array: ArrayLike) -> Path:
    """Writes ``array`` as an IDX file (gzipped if ``path`` ends in .gz); returns the path."""
    a = np.asarray(array)
    codes = {v.newbyteorder("="): k for k, v in _IDX_DTYPES.items()}
    if a.dtype not in codes:
        raise TypeError(f"IDX stores uint8, int8, int16, int32, float32, float64; got {a.dtype}")
    data = bytes([0, 0, codes[a.dtype], a.ndim]) + np.asarray(a.shape, ">u4").tobytes()
    data += a.astype(a.dtype.newbyteorder(">")).tobytes()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def read_npz(path: str | os.PathLike, *, labels: bool = True) -> dict[str, np.ndarray]:
    """Reads a data set from an ``.npz`` archive: ``x``, ``y``, optionally ``x_test``, ``y_test``,
    ``x_val``, ``y_val``.

    Inputs of more than two dimensions (images) are flattened to (samples, features).

    Args:
      path: the file (``np.savez(path, x=..., y=...)``).
      labels: whether ``y`` is required (False: inputs alone, for predictions).

    Returns:
      The arrays by name.

    Raises:
      FileNotFoundError: if the file does not exist.
      ValueError: naming the file: not an npz, no ``x`` or ``y``, a split without its
        partner, lengths that differ, an array that is not numeric.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"npz:{path}: no such file")
    with path.open("rb") as f:
        magic = f.read(4)
    if magic == b"PK\x03\x04":
        check_npz(path, str(path))  # headers against the archive and the memory, first
    try:
        if magic != b"PK\x03\x04":
            raise ValueError("not an archive")
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as e:
        why = "object arrays are refused" if "allow_pickle" in str(e) else "not an .npz archive"
        raise ValueError(f"{path}: {why} (np.savez(path, x=..., y=...) writes one)") from None
    known = ("x", "y", "x_test", "y_test", "x_val", "y_val")
    needed = ("x", "y") if labels else ("x",)
    for name in needed:
        if name not in arrays:
            raise ValueError(
                f"{path}: no array {name!r} (it holds {', '.join(sorted(arrays)) or 'nothing'}; "
                f"a data set needs x and y, optionally x_test, y_test, x_val, y_val)"
            )
    out = {}
    for name in known:
        if name not in arrays:
            continue
        a = arrays[name]
        if not (np.issubdtype(a.dtype, np.number) or a.dtype == bool) or a.dtype.kind == "c":
            raise ValueError(f"{path}: {name} must be numeric, got dtype {a.dtype}")
        if name.startswith("x"):
            if a.ndim < 2:
                raise ValueError(f"{path}: {name} must be (samples, features), got {a.shape}")
            a = a.reshape(len(a), -1)
        out[name] = a
    for split in ("", "_test", "_val"):
        xs, ys = f"x{split}", f"y{split}"
        if split and (xs in out) != (ys in out) and (labels or xs not in out):
            missing = ys if xs in out else xs
            raise ValueError(f"{path}: {missing} is missing ({xs} and {ys} go together)")
        if xs in out and ys in out and len(out[xs]) != len(out[ys]):
            raise ValueError(f"{path}: {xs} has {len(out[xs])} samples, {ys} has {len(out[ys])}")
        if xs in out and len(out[xs]) == 0:
            raise ValueError(f"{path}: {xs} has 0 samples")
    return out


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def read_csv(
    path: str | os.PathLike, *, label_column: str | int | None = None
) -> dict[str, np.ndarray]:
    """Reads a data set from a CSV file: one row per sample, numbers only, an optional header.

    The first row is a header when any of its cells is not a number. The labels are one column:
    ``label_column`` (a header name or a 0-based index, negative from the end; default: the last
    column; ``"none"``: no labels). A label column of whole numbers >= 0 holds integer targets
    (class labels unless the task is regression); any other numbers make regression targets.
    A UTF-8 byte-order mark is not part of the first header name.

    Args:
      path: the file.
      label_column: which column holds the labels.

    Returns:
      ``{"x": (n, features) float64, "y": (n,) int64 labels or (n, 1) float64 targets}`` (no
      ``y`` for ``label_column="none"``).

    Raises:
      FileNotFoundError: if the file does not exist.
      ValueError: naming the file and, for a cell that is not a number, its row and column
        (1-based, as an editor shows them); a missing label column; rows of other lengths.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"csv:{path}: no such file")
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:  # a byte-order mark is no name
            lines = enumerate(csv.reader(f), start=1)
            rows = [(i, r) for i, r in lines if any(c.strip() for c in r)]
    except (UnicodeDecodeError, csv.Error) as e:
        raise ValueError(f"{path}: not a readable CSV file ({e})") from None
    if not rows:
        raise ValueError(f"{path}: the file is empty")
    header = None
    if any(_number(c) is None for c in rows[0][1]):
        header = [c.strip() for c in rows[0][1]]
        rows = rows[1:]
    if not rows:
        raise ValueError(f"{path}: a header and no data rows")
    width = len(header) if header is not None else len(rows[0][1])
    columns = header or [str(j) for j in range(width)]
    values = np.empty((len(rows), width), np.float64)
    for r, (line, cells) in enumerate(rows):
        if len(cells) != width:
            raise ValueError(f"{path}: row {line} has {len(cells)} columns, expected {width}")
        for j, cell in enumerate(cells):
            v = _number(cell)
            if v is None or not np.isfinite(v):
                named = f" ({header[j]})" if header is not None else ""
                raise ValueError(
                    f"{path}: row {line}, column {j + 1}{named}: {cell.strip()!r} is not a "
                    f"finite number"
                )
            values[r, j] = v
    if isinstance(label_column, str) and label_column.strip().lower() == "none":
        return {"x": values}
    j = _label_index(path, label_column, columns, header is not None)
    x = np.delete(values, j, axis=1)
    if x.shape[1] == 0:
        raise ValueError(f"{path}: only the label column; no feature columns")
    labels = values[:, j]
    if np.all(labels == np.round(labels)) and np.all(labels >= 0) and labels.max() < 2**63:
        return {"x": x, "y": labels.astype(np.int64)}  # labels beyond int32 are refused by name
    return {"x": x, "y": labels.reshape(-1, 1)}


def _label_index(path: Path, label_column: Any, columns: list[str], has_header: bool) -> int:
    width = len(columns)
    if label_column is None:
        return width - 1
    text = str(label_column).strip()
    if has_header and text in columns:
        return columns.index(text)
    try:
        j = int(text)
    except ValueError:
        where = f"columns: {', '.join(columns)}" if has_header else "the file has no header"
        raise ValueError(
            f"{path}: no label column {text!r} ({where}); a file without labels takes "
            f"--label-column none"
        ) from None
    if not -width <= j < width:
        raise ValueError(
            f"{path}: label column {j} is out of range: the file has {width} columns "
            f"(0..{width - 1})"
        )
    return j % width


def _find_idx(directory: Path, base: str, dataset: str) -> Path:
    names = [base, base + ".gz", base.replace("-idx", ".idx"), base.replace("-idx", ".idx") + ".gz"]
    for name in names:
        if (directory / name).is_file():
            return directory / name
    raise FileNotFoundError(
        f"{dataset}: no {base}[.gz] in {directory} (put the four IDX files "
        f"{', '.join(IDX_FILES.values())} there)"
    )


def _idx_source(directory: str | os.PathLike, dataset: str) -> dict[str, np.ndarray]:
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"{dataset}: data directory {directory} does not exist")
    arrays, files = {}, {}
    for (split, kind), base in IDX_FILES.items():
        files[split, kind] = path = _find_idx(directory, base, dataset)
        a = read_idx(path)
        if kind == "images" and a.ndim not in (2, 3):
            raise ValueError(
                f"{path}: expected 3-D images (n, rows, columns) or 2-D (n, features), got "
                f"shape {a.shape}"
            )
        if kind == "labels" and a.ndim != 1:
            raise ValueError(f"{path}: expected 1-D labels, got shape {a.shape}")
        if len(a) == 0:
            raise ValueError(f"{path}: holds 0 {kind}; a data set needs at least one")
        if kind == "labels" and np.issubdtype(a.dtype, np.floating):
            whole = np.isfinite(a) & (a == np.round(a))
            if not np.all(whole):
                bad = a[~whole].ravel()[0]
                raise ValueError(
                    f"{path}: class labels must be whole numbers, got {bad:g} (an IDX file of "
                    f"{a.dtype} values)"
                )
        arrays[split, kind] = a
    for split in ("train", "test"):
        n_img, n_lab = len(arrays[split, "images"]), len(arrays[split, "labels"])
        if n_img != n_lab:
            raise ValueError(
                f"{files[split, 'images']} has {n_img} images, "
                f"{files[split, 'labels']} has {n_lab} labels"
            )
        labels = arrays[split, "labels"]
        if np.any(labels < 0):
            raise ValueError(f"{files[split, 'labels']}: negative labels; labels must be 0..k-1")
        if dataset in _DOWNLOADED and np.any(labels > 9):
            raise ValueError(f"{files[split, 'labels']}: labels above 9 in a 10-class data set")
    if arrays["train", "images"].shape[1:] != arrays["test", "images"].shape[1:]:
        raise ValueError(
            f"train images are {arrays['train', 'images'].shape[1:]}, "
            f"test images {arrays['test', 'images'].shape[1:]}"
        )
    flat = lambda a: a.reshape(len(a), -1)  # noqa: E731
    return {
        "x": flat(arrays["train", "images"]),
        "y": arrays["train", "labels"].astype(np.int32),
        "x_test": flat(arrays["test", "images"]),
        "y_test": arrays["test", "labels"].astype(np.int32),
    }


def _check_name(name: Any) -> str:
    """The canonical source name (lower-case names; ``npz:``/``csv:``/``idx:`` paths as given)."""
    if not isinstance(name, str):
        raise TypeError(f"dataset name must be a string, got {type(name).__name__}")
    prefix, sep, _ = name.partition(":")
    if sep and prefix.lower() in FILE_FORMATS:
        return name
    if name.strip().lower() in DATASETS:
        return name.strip().lower()
    raise ValueError(
        f"unknown dataset {name!r}; valid: {', '.join(DATASETS)}, "
        + ", ".join(f"{f}:PATH" for f in FILE_FORMATS)
    )


def read_source(
    name: str,
    *,
    data_dir: str | os.PathLike | None = None,
    label_column: str | int | None = None,
    seed: int = 0,
    labels: bool = True,
) -> dict[str, np.ndarray]:
    """The raw arrays of a data set, before splitting and scaling (see `load_dataset`).

    Returns:
      ``x``, ``y`` and, where the source has them, ``x_test``, ``y_test``, ``x_val``, ``y_val``
      (``y`` may be absent when ``labels`` is False: an npz without ``y``, a CSV with
      ``label_column="none"``).
    """
    name = _check_name(name)
    prefix, sep, rest = name.partition(":")
    if sep:
        kind = prefix.lower()
        if kind == "npz":
            return read_npz(rest, labels=labels)
        if kind == "csv":
            out = read_csv(rest, label_column=label_column)
            if labels and "y" not in out:
                raise ValueError(f"{rest}: no labels (--label-column none); training needs them")
            return out
        return _idx_source(rest, name)
    if name in _DOWNLOADED:
        if data_dir is None:  # the verified files of the cache, downloaded once
            from jaxnn.training._download import download_idx

            data_dir = download_idx(name)
        return _idx_source(data_dir, name)
    if name in EMBEDDED:
        return embedded_source(name, seed)
    if name == "mnist1d":
        return _mnist1d_source()
    x, y = {"xor": _xor, "blobs": _blobs, "sine": _sine}[name](np.random.default_rng(seed))
    return {"x": x, "y": y}


def load_dataset(
    name: str = "digits",
    *,
    data_dir: str | os.PathLike | None = None,
    val_fraction: float = 0.1,
    seed: int = 0,
    standardize: bool | str | Preprocessing = "auto",
    label_column: str | int | None = None,
    dtype: Any = "float32",
    task: str = "auto",
    standardize_targets: str | Preprocessing = "zscore",
) -> Dataset:
    """Loads a data set by name or file, split into train, validation and test, and scaled.

    ================  ==========================================================================
    digits            scikit-learn's 1797 8x8 digits (64 features, 10 classes), shipped in jaxnn
    iris              scikit-learn's 150 irises (4 features, 3 classes), likewise
    wine              scikit-learn's 178 wines (13 features, 3 classes), likewise
    breast_cancer     scikit-learn's 569 tumours (30 features, 2 classes: binary), likewise
    diabetes          scikit-learn's 442 diabetes patients, raw (10 features, regression: 1 target)
    mnist1d           MNIST-1D (Greydanus 2020), generated by the ``mnist1d`` package with its
                      paper's defaults: 4000 train and 1000 test sequences of length 40 (seed 42)
    mnist             the IDX files in ``data_dir``, or downloaded once, verified and cached in
    fashion_mnist     ``$XDG_CACHE_HOME/jaxnn/data`` (784 uint8 pixels, 10 classes); test = the
    kmnist            t10k files
    idx:PATH          any directory of the four MNIST-named IDX files (3-D or 2-D inputs)
    npz:PATH          an archive of ``x``, ``y`` and optionally ``x_test``, ``y_test``, ``x_val``,
                      ``y_val`` (integer ``y``: class labels; float ``y``: regression targets)
    csv:PATH          numbers, one sample per row, optional header; labels in ``label_column``
    xor               800 points around (+-1, +-1), label = XOR of the signs (2 classes)
    blobs             900 points in 3 Gaussian blobs (3 classes)
    sine              1000 points of y = sin(x) + noise on [-pi, pi] (regression, 1 output)
    ================  ==========================================================================

    The scikit-learn sets are split by scikit-learn's stratified 80/20 ``train_test_split``
    (``random_state=seed``); sources without a test split lose 20% to it (stratified); then
    ``val_fraction`` of the training data (stratified) is held out for validation, unless the
    source has a validation split. Inputs are scaled by ``standardize`` with statistics of the
    training split, kept in ``data.preprocessing``; regression targets get z-scores
    (``standardize_targets``), kept in ``data.target_preprocessing``. Only mnist, fashion_mnist
    and kmnist without ``data_dir`` download anything (once; see
    `jaxnn.training._download.download_idx`).

    Args:
      name: a name from the table.
      data_dir: the directory of the IDX files for mnist, fashion_mnist and kmnist (nothing is
        downloaded then); None: the download cache.
      val_fraction: the share of the training data held out for validation, in (0, 1).
      seed: the seed of the splits and of the synthetic data (default 0: the same data for every
        training seed).
      standardize: ``auto`` (uint8 inputs / 255, anything else z-scores), ``none``, ``zscore``,
        ``minmax``, or a saved `Preprocessing` to apply.
      label_column: the label column of a CSV file (a header name or index; default the last).
      dtype: the inputs' dtype (float32, float64 or bfloat16).
      task: ``classification``, ``regression`` or ``auto`` (integer targets are class labels,
        float targets regression targets); see `split_dataset`.
      standardize_targets: ``zscore`` or ``none`` for regression targets (see `split_dataset`).

    Returns:
      A `Dataset` of NumPy arrays (``dtype`` inputs; int32 labels or (n, k) targets).

    Raises:
      ValueError: for an unknown name, a malformed or truncated file (named), NaN in the data.
      FileNotFoundError: for a missing directory or file (named).
      OSError: a download that failed (`DownloadError`: one line naming the URL and the manual
        step), a cache directory that is a file.
      ImportError: for a source whose package is missing (mnist1d), naming the extra that
        installs it.
    """
    raw = read_source(name, data_dir=data_dir, label_column=label_column, seed=seed)
    where = _check_name(name)
    try:
        data = split_source(
            raw,
            val_fraction=val_fraction,
            seed=seed,
            standardize=standardize,
            dtype=dtype,
            task=task,
            standardize_targets=standardize_targets,
        )
    except (ValueError, TypeError) as e:
        if ":" in where:  # the user's file: name it
            raise type(e)(f"{where.partition(':')[2]}: {e}") from None
        raise
    data.source = source_of(where)
    return data


def source_of(name: str) -> dict[str, str]:
    """What identifies a data source, saved with a model so that ``jaxnn evaluate`` knows its
    training data from a held-out file: the name, and a file's SHA-256 (a directory's path)."""
    prefix, sep, rest = name.partition(":")
    if not sep:
        return {"dataset": name}
    path = Path(rest).expanduser()
    out = {"dataset": f"{prefix.lower()}:{path.resolve()}"}
    if path.is_file():
        out["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out

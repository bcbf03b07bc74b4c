"""Data sets for training: the data {x_i, y_i} of notes 3.2, split into train, validation and test.

Nothing is ever downloaded. ``digits`` is scikit-learn's embedded 8x8 handwritten digits; ``mnist``
and ``fashion_mnist`` are read from the standard IDX files in a directory the user names; ``xor``,
``blobs`` and ``sine`` are generated from a seed. Splits are stratified by class and seeded, so the
same name and seed give the same arrays on every machine.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path
from typing import Any, NamedTuple

import jax
import numpy as np
from jax.typing import ArrayLike

from jaxnn._util import require
from jaxnn._validation import check_finite, check_matrix, check_numeric, check_same_length

__all__ = [
    "DATASETS",
    "IDX_FILES",
    "Dataset",
    "check_dataset",
    "is_classification",
    "default_output",
    "load_dataset",
    "num_outputs",
    "output_width",
    "read_idx",
    "split_dataset",
    "write_idx",
]

DATASETS = ("digits", "mnist", "fashion_mnist", "xor", "blobs", "sine")
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


class Dataset(NamedTuple):
    """Train, validation and test arrays (a pytree: it can be passed to jitted functions).

    Attributes:
      x_train: float32 inputs, shape (n_train, features); likewise x_val, x_test.
      y_train: int32 class labels of shape (n_train,) for classification, or float32 targets of
        shape (n_train, k) for regression; likewise y_val, y_test.
    """

    x_train: jax.Array
    y_train: jax.Array
    x_val: jax.Array
    y_val: jax.Array
    x_test: jax.Array
    y_test: jax.Array


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
    data = Dataset(**arrays)
    features = None
    for split in ("train", "val", "test"):
        x, y = getattr(data, f"x_{split}"), getattr(data, f"y_{split}")
        check_matrix(f"x_{split}", x, features=features)
        features = np.shape(x)[1]
        check_numeric(f"y_{split}", y)
        check_same_length(f"x_{split}", x, f"y_{split}", y)
        check_finite(f"x_{split}", x)
        check_finite(f"y_{split}", y)
        if np.issubdtype(np.dtype(y.dtype), np.integer):
            if np.ndim(y) != 1:
                raise ValueError(f"y_{split} labels must be 1-D, got shape {np.shape(y)}")
            if np.any(np.asarray(y) < 0):
                raise ValueError(f"y_{split} has negative label(s); labels must be 0..k-1")
        elif np.ndim(y) != 2:
            raise ValueError(f"y_{split} regression targets must be 2-D (n, k), got {np.shape(y)}")
    if is_classification(data) != bool(np.issubdtype(np.dtype(data.y_test.dtype), np.integer)):
        raise TypeError("y_train and y_test must both be labels or both be regression targets")
    return data


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


def split_dataset(
    x: ArrayLike,
    y: ArrayLike,
    *,
    test_fraction: float = 0.2,
    val_fraction: float = 0.1,
    seed: int = 0,
    standardize: bool = True,
    x_test: ArrayLike | None = None,
    y_test: ArrayLike | None = None,
) -> Dataset:
    r"""Splits (x, y) into a `Dataset`: test, then validation from what is left, both stratified.

    With ``standardize``, every feature is shifted and scaled by the mean and standard deviation of
    the training split (features constant on it are only shifted):

    .. math:: x \leftarrow (x - \mu_{train}) / \sigma_{train}

    Args:
      x: inputs, shape (n, features).
      y: integer labels (n,) (classification) or float targets (n,) or (n, k) (regression).
      test_fraction: the share of (x, y) held out for testing, in (0, 1); ignored when ``x_test``
        and ``y_test`` are given.
      val_fraction: the share of the remaining training data held out for validation, in (0, 1).
      seed: the seed of the splits (NumPy's default_rng).
      standardize: whether to standardize with the training statistics.
      x_test: an existing test split (e.g. MNIST's t10k files), or None.
      y_test: its targets.

    Returns:
      A `Dataset` with float32 inputs and int32 labels (or float32 (n, k) targets).
    """
    x, y = np.asarray(x), np.asarray(y)
    check_matrix("x", x)
    check_numeric("y", y)
    check_same_length("x", x, "y", y)
    check_finite("x", x)
    check_finite("y", y)
    for name, f in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0 < float(f) < 1:
            raise ValueError(f"{name} must be in (0, 1), got {f}")
    classification = np.issubdtype(y.dtype, np.integer)
    if classification:
        if y.ndim != 1:
            raise ValueError(f"integer labels y must be 1-D, got shape {y.shape}")
        y = y.astype(np.int32)
    else:
        y = y.astype(np.float32).reshape(len(y), -1)
    rng = np.random.default_rng(seed)
    strata = y if classification else None
    if x_test is None:
        rest, test = _split_indices(len(x), test_fraction, strata, rng)
        x_te, y_te = x[test], y[test]
        x, y = x[rest], y[rest]
        strata = y if classification else None
    else:
        x_te, y_te = np.asarray(x_test), np.asarray(y_test).astype(y.dtype)
        check_matrix("x_test", x_te, features=x.shape[1])
        check_same_length("x_test", x_te, "y_test", y_te)
        check_finite("x_test", x_te)
        if not classification:
            y_te = y_te.reshape(len(y_te), -1)
    train, val = _split_indices(len(x), val_fraction, strata, rng)
    if len(train) == 0 or len(val) == 0 or len(x_te) == 0:
        raise ValueError(
            f"too little data to split: {len(x) + len(x_te)} samples give {len(train)} train, "
            f"{len(val)} validation, {len(x_te)} test"
        )
    x_tr, x_va = x[train].astype(np.float32), x[val].astype(np.float32)
    x_te = x_te.astype(np.float32)
    if standardize:
        mu = x_tr.mean(axis=0)
        sd = x_tr.std(axis=0)
        sd = np.where(sd > 0, sd, 1.0).astype(np.float32)
        x_tr, x_va, x_te = ((a - mu) / sd for a in (x_tr, x_va, x_te))
    return Dataset(x_tr, y[train], x_va, y[val], x_te, y_te)


def _digits(val_fraction: float, seed: int) -> Dataset:
    require("sklearn", "the digits data set")
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    # The conventional split: scikit-learn's stratified 80/20 train_test_split, random_state=seed.
    x_tr, x_te, y_tr, y_te = train_test_split(
        bunch.data, bunch.target, test_size=0.2, stratify=bunch.target, random_state=seed
    )
    return split_dataset(x_tr, y_tr, x_test=x_te, y_test=y_te, val_fraction=val_fraction, seed=seed)


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


def _find_idx(directory: Path, base: str, dataset: str) -> Path:
    names = [base, base + ".gz", base.replace("-idx", ".idx"), base.replace("-idx", ".idx") + ".gz"]
    for name in names:
        if (directory / name).is_file():
            return directory / name
    raise FileNotFoundError(
        f"{dataset}: no {base}[.gz] in {directory} (jaxnn never downloads data: put the four "
        f"IDX files {', '.join(IDX_FILES.values())} there)"
    )


def _idx_dataset(directory: str | os.PathLike, dataset: str, val_fraction: float, seed: int):
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"{dataset}: data directory {directory} does not exist")
    arrays, files = {}, {}
    for (split, kind), base in IDX_FILES.items():
        files[split, kind] = path = _find_idx(directory, base, dataset)
        a = read_idx(path)
        want = 3 if kind == "images" else 1
        if a.ndim != want:
            raise ValueError(f"{path}: expected {want}-D {kind}, got shape {a.shape}")
        arrays[split, kind] = a
    for split in ("train", "test"):
        n_img, n_lab = len(arrays[split, "images"]), len(arrays[split, "labels"])
        if n_img != n_lab:
            raise ValueError(
                f"{files[split, 'images']} has {n_img} images, "
                f"{files[split, 'labels']} has {n_lab} labels"
            )
        if dataset in ("mnist", "fashion_mnist") and np.any(arrays[split, "labels"] > 9):
            raise ValueError(f"{files[split, 'labels']}: labels above 9 in a 10-class data set")
    if arrays["train", "images"].shape[1:] != arrays["test", "images"].shape[1:]:
        raise ValueError(
            f"train images are {arrays['train', 'images'].shape[1:]}, "
            f"test images {arrays['test', 'images'].shape[1:]}"
        )
    flat = lambda a: a.reshape(len(a), -1).astype(np.float32) / 255.0  # noqa: E731
    return split_dataset(
        flat(arrays["train", "images"]),
        arrays["train", "labels"].astype(np.int32),
        x_test=flat(arrays["test", "images"]),
        y_test=arrays["test", "labels"].astype(np.int32),
        val_fraction=val_fraction,
        seed=seed,
        standardize=False,
    )


def load_dataset(
    name: str = "digits",
    *,
    data_dir: str | os.PathLike | None = None,
    val_fraction: float = 0.1,
    seed: int = 0,
) -> Dataset:
    """Loads a data set by name, split into train, validation and test.

    ================  ==========================================================================
    digits            scikit-learn's 1797 8x8 digits (64 features, 10 classes); the stratified
                      80/20 ``train_test_split(..., random_state=seed)`` of scikit-learn,
                      standardized with the training split's statistics
    mnist             the IDX files in ``data_dir`` (784 features scaled to [0, 1], 10 classes);
    fashion_mnist     test = the t10k files
    idx:PATH          any directory of the four MNIST-named IDX files
    xor               800 points around (+-1, +-1), label = XOR of the signs (2 classes)
    blobs             900 points in 3 Gaussian blobs (3 classes)
    sine              1000 points of y = sin(x) + noise on [-pi, pi] (regression, 1 output)
    ================  ==========================================================================

    In every case ``val_fraction`` of the training data (stratified) is held out for validation,
    and synthetic sets use an 80/20 train/test split. Nothing is downloaded.

    Args:
      name: a name from the table.
      data_dir: the directory of the IDX files for mnist and fashion_mnist.
      val_fraction: the share of the training data held out for validation, in (0, 1).
      seed: the seed of the splits and of the synthetic data (default 0: the same data for every
        training seed).

    Returns:
      A `Dataset` of NumPy arrays (float32 inputs; int32 labels or float32 (n, 1) targets).

    Raises:
      ValueError: for an unknown name, a malformed or truncated file (named), NaN in the data.
      FileNotFoundError: for a missing directory or file (named).
    """
    if not isinstance(name, str):
        raise TypeError(f"dataset name must be a string, got {type(name).__name__}")
    if name.startswith("idx:"):
        return _idx_dataset(name[4:], name, val_fraction, seed)
    if name in ("mnist", "fashion_mnist"):
        if data_dir is None:
            raise ValueError(
                f"dataset {name!r} is read from IDX files: name their directory with --data-dir "
                f"PATH (or -d idx:PATH); jaxnn never downloads data"
            )
        return _idx_dataset(data_dir, name, val_fraction, seed)
    if name == "digits":
        return _digits(val_fraction, seed)
    makers = {"xor": _xor, "blobs": _blobs, "sine": _sine}
    if name not in makers:
        raise ValueError(f"unknown dataset {name!r}; valid: {', '.join(DATASETS)}, idx:PATH")
    x, y = makers[name](np.random.default_rng(seed))
    return split_dataset(x, y, val_fraction=val_fraction, seed=seed, standardize=False)

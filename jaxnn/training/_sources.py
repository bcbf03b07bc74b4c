"""Where data sets come from: their names, the sources behind them, and `load_dataset`.

``digits``, ``iris``, ``wine``, ``breast_cancer`` (scikit-learn's arrays) and ``diabetes`` ship
inside jaxnn (`jaxnn.training._embedded`); ``mnist1d`` is generated offline by the ``mnist1d``
package; ``mnist``, ``fashion_mnist`` and ``kmnist`` are the standard IDX files, read from a
directory the user names or else downloaded once, verified and cached
(`jaxnn.training._download`); ``npz:PATH``, ``csv:PATH`` and ``idx:PATH`` read the user's own
files (`jaxnn.training._formats`); ``xor``, ``blobs`` and ``sine`` are generated from a seed.
A source gives raw arrays (`read_source`); `load_dataset` splits and scales them by the rules of
`jaxnn.training._data`.
"""

from __future__ import annotations

import functools
import hashlib
import os
import random
from pathlib import Path
from typing import Any

import numpy as np

from jaxnn._util import require
from jaxnn.training._data import Dataset, Preprocessing, split_source
from jaxnn.training._embedded import EMBEDDED, embedded_source
from jaxnn.training._formats import IDX_FILES, read_csv, read_idx, read_npz

__all__ = ["DATASETS", "FILE_FORMATS", "load_dataset", "read_source", "source_of"]

FILE_FORMATS = ("npz", "csv", "idx")
"""The prefixes of the user's own files: ``npz:PATH``, ``csv:PATH``, ``idx:PATH`` (a directory)."""
_DOWNLOADED = ("mnist", "fashion_mnist", "kmnist")  # 10-class IDX sets: data_dir, or the cache


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


_SYNTHETIC = {"xor": _xor, "blobs": _blobs, "sine": _sine}  # generated from the seed
DATASETS = (*EMBEDDED, "mnist1d", *_DOWNLOADED, *_SYNTHETIC)
"""The data sets by name: those inside jaxnn, the generated MNIST-1D, the downloaded IDX sets and
the synthetic ones."""


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
    x, y = _SYNTHETIC[name](np.random.default_rng(seed))
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

    The splits and the scaling follow `jaxnn.training.split_dataset` (the scikit-learn sets:
    scikit-learn's stratified 80/20 ``train_test_split(random_state=seed)``). Only mnist,
    fashion_mnist and kmnist without ``data_dir`` download anything (once, verified).

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
      OSError: a download that failed (naming the URL and the manual step).
      ImportError: for a source whose package is missing (mnist1d), naming the extra.
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

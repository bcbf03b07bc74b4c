"""Data sets: digits split, IDX files (written here), synthetic sets, and clear errors."""

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from jaxnn import Dataset, load_dataset, read_idx, split_dataset, write_idx
from jaxnn.training._data import check_dataset, is_classification, num_outputs
from jaxnn.training._embedded import embedded_arrays, stratified_split
from jaxnn.training._formats import IDX_FILES
from jaxnn.training._sources import read_source

ROOT = Path(__file__).resolve().parents[2]


def test_digits_split_is_stratified_standardized_and_fixed():
    d = load_dataset("digits")
    assert [len(a) for a in d] == [1293, 1293, 144, 144, 360, 360]
    assert d.x_train.dtype == np.float32 and d.y_train.dtype == np.int32
    assert d.x_train.shape[1] == 64 and num_outputs(d) == 10 and is_classification(d)
    np.testing.assert_allclose(d.x_train.mean(axis=0), 0.0, atol=1e-5)
    std = d.x_train.std(axis=0)
    assert np.all((np.abs(std - 1) < 1e-4) | (std == 0))
    for y, size in ((d.y_val, 144), (d.y_test, 360)):
        counts = np.bincount(y, minlength=10)
        assert counts.min() >= size // 10 - 2 and counts.max() <= size // 10 + 3  # stratified
    again = load_dataset("digits")
    for a, b in zip(d, again):
        np.testing.assert_array_equal(a, b)
    other = load_dataset("digits", seed=1)
    assert not np.array_equal(other.y_test, d.y_test)


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.float32])
def test_idx_roundtrip(tmp_path, suffix, dtype):
    a = (np.arange(24).reshape(2, 3, 4) % 7).astype(dtype)
    path = write_idx(tmp_path / f"a{suffix}", a)
    b = read_idx(path)
    assert b.dtype == np.dtype(dtype) and b.shape == (2, 3, 4)
    np.testing.assert_array_equal(a, b)


def _mnist_dir(tmp_path, n_train=60, n_test=20, gz=False, labels_hi=10, side=6):
    rng = np.random.default_rng(0)
    files = {}
    for (split, kind), base in IDX_FILES.items():
        n = n_train if split == "train" else n_test
        if kind == "images":
            a = rng.integers(0, 256, size=(n, side, side), dtype=np.uint8)
        else:
            a = (np.arange(n) % labels_hi).astype(np.uint8)
        files[split, kind] = write_idx(tmp_path / (base + (".gz" if gz else "")), a)
    return files


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_from_idx_files(tmp_path, gz):
    files = _mnist_dir(tmp_path, gz=gz)
    d = load_dataset("mnist", data_dir=tmp_path)
    assert [len(a) for a in d] == [54, 54, 6, 6, 20, 20]
    assert d.x_train.shape[1] == 36 and d.x_train.dtype == np.float32
    assert d.x_train.min() >= 0 and d.x_train.max() <= 1
    images = read_idx(files["test", "images"]).reshape(20, 36) / np.float32(255)
    np.testing.assert_array_equal(d.x_test, images.astype(np.float32))  # test = the t10k files
    np.testing.assert_array_equal(d.y_test, np.arange(20) % 10)
    same = load_dataset(f"idx:{tmp_path}")
    np.testing.assert_array_equal(same.x_val, d.x_val)
    fashion = load_dataset("fashion_mnist", data_dir=tmp_path)
    np.testing.assert_array_equal(fashion.y_train, d.y_train)


def test_a_data_dir_must_exist_and_hold_the_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="data directory .*nope does not exist"):
        load_dataset("mnist", data_dir=tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="no train-images-idx3-ubyte"):
        load_dataset("mnist", data_dir=tmp_path)


def test_missing_file_is_named(tmp_path):
    files = _mnist_dir(tmp_path)
    files["test", "labels"].unlink()
    with pytest.raises(FileNotFoundError, match=r"no t10k-labels-idx1-ubyte\[.gz\] in"):
        load_dataset("mnist", data_dir=tmp_path)


def test_truncated_file_is_named(tmp_path):
    files = _mnist_dir(tmp_path)
    path = files["train", "images"]
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match=rf"{path}: truncated: header says shape \(60, 6, 6\)"):
        load_dataset("mnist", data_dir=tmp_path)


def test_truncated_gzip_is_named(tmp_path):
    files = _mnist_dir(tmp_path, gz=True)
    path = files["train", "labels"]
    path.write_bytes(path.read_bytes()[:20])
    with pytest.raises(ValueError, match=rf"{path}: corrupt or truncated gzip"):
        load_dataset("mnist", data_dir=tmp_path)


def test_malformed_files_are_named(tmp_path):
    files = _mnist_dir(tmp_path)
    path = files["train", "labels"]
    path.write_bytes(b"hello world, not idx")
    with pytest.raises(ValueError, match=rf"{path}: not an IDX file"):
        load_dataset("mnist", data_dir=tmp_path)
    write_idx(path, np.zeros((60, 2), np.uint8))
    with pytest.raises(ValueError, match=rf"{path}: expected 1-D labels"):
        load_dataset("mnist", data_dir=tmp_path)
    write_idx(path, np.zeros(59, np.uint8))
    with pytest.raises(ValueError, match="has 60 images, .*has 59 labels"):
        load_dataset("mnist", data_dir=tmp_path)
    write_idx(path, np.full(60, 12, np.uint8))
    with pytest.raises(ValueError, match="labels above 9 in a 10-class data set"):
        load_dataset("mnist", data_dir=tmp_path)
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(empty)
    too_long = tmp_path / "long"
    too_long.write_bytes(gzip.decompress(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x02abc")))
    with pytest.raises(ValueError, match="too long"):
        read_idx(too_long)


def test_nan_in_idx_data_is_refused(tmp_path):
    files = _mnist_dir(tmp_path)
    images = read_idx(files["train", "images"]).astype(np.float32)
    images[3, 2, 2] = np.nan
    write_idx(files["train", "images"], images)
    with pytest.raises(ValueError, match=r"x contains 1 NaN or infinite value\(s\)"):
        load_dataset(f"idx:{tmp_path}")


@pytest.mark.parametrize(
    "name, features, k, classification",
    [("xor", 2, 2, True), ("blobs", 2, 3, True), ("sine", 1, 1, False)],
)
def test_synthetic_sets(name, features, k, classification):
    d = load_dataset(name)
    check_dataset(d)
    assert d.x_train.shape[1] == features and num_outputs(d) == k
    assert is_classification(d) == classification
    n = sum(len(x) for x in (d.x_train, d.x_val, d.x_test))
    assert len(d.x_test) == round(0.2 * n) or abs(len(d.x_test) - 0.2 * n) <= k
    if not classification:
        assert d.y_train.dtype == np.float32 and d.y_train.shape == (len(d.x_train), 1)
        np.testing.assert_allclose([d.y_train.mean(), d.y_train.std()], [0, 1], atol=1e-5)
        raw = load_dataset(name, standardize="none", standardize_targets="none")  # z-scores
        np.testing.assert_allclose(raw.y_train, np.sin(raw.x_train), atol=0.25)
    else:
        xor_ok = name != "xor" or np.mean(
            (np.sign(d.x_train[:, 0]) != np.sign(d.x_train[:, 1])) == (d.y_train == 1)
        )
        assert xor_ok is True or xor_ok > 0.9


def test_split_dataset_checks_input():
    x = np.ones((10, 2))
    with pytest.raises(ValueError, match="x has 10 samples, y has 9"):
        split_dataset(x, np.zeros(9, int))
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="x contains 1 NaN"):
        split_dataset(bad, np.zeros(10, int))
    with pytest.raises(ValueError, match=r"val_fraction must be in \(0, 1\), got 0"):
        split_dataset(x, np.zeros(10, int), val_fraction=0)
    with pytest.raises(TypeError, match="real numeric"):
        split_dataset(np.array([["a", "b"]] * 10), np.zeros(10, int))
    with pytest.raises(ValueError, match="too little data"):
        split_dataset(x[:2], np.zeros(2, int))


def test_check_dataset_rejects_bad_splits():
    d = load_dataset("xor")
    bad = d._replace(y_val=-d.y_val)
    with pytest.raises(ValueError, match="y_val has negative label"):
        check_dataset(bad)
    with pytest.raises(ValueError, match="x_test has 3 features, expected 2"):
        check_dataset(d._replace(x_test=np.ones((5, 3), np.float32)))
    with pytest.raises(TypeError, match="must be a jaxnn Dataset"):
        check_dataset(tuple(d))
    assert isinstance(check_dataset(d), Dataset)


def test_embedded_sets_load_without_scikit_learn_in_a_fresh_process():
    code = """
import sys, time
import jaxnn
heavy = ("sklearn", "scipy", "matplotlib", "optuna", "wandb", "tqdm")
imported = [m for m in heavy if m in sys.modules]
start = time.process_time()
d = jaxnn.load_dataset("digits")
cpu = time.process_time() - start
for name in ("iris", "wine", "breast_cancer", "diabetes"):
    jaxnn.load_dataset(name)
print(json.dumps([imported, [m for m in heavy if m in sys.modules], len(d.x_test), cpu]))
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", "import json\n" + code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    at_import, after_loads, n_test, cpu = json.loads(done.stdout)
    assert at_import == [] and after_loads == [] and n_test == 360
    # a loose bound (benchmarks/cold_start.py measures the 0.2 s target): no scikit-learn import
    assert cpu < 1.0, done.stdout


@pytest.mark.parametrize("name", ["digits", "iris", "wine", "breast_cancer"])
def test_embedded_arrays_and_splits_equal_scikit_learns(name):
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    from sklearn.model_selection import train_test_split

    bunch = getattr(sklearn_datasets, f"load_{name}")()
    x, y = embedded_arrays(name)
    assert x.dtype == bunch.data.dtype and np.array_equal(x, bunch.data)
    np.testing.assert_array_equal(y, bunch.target)
    for seed in (0, 1, 2, 7, 42, 2024, 2**31 - 1):
        parts = train_test_split(x, y, test_size=0.2, stratify=y, random_state=seed)
        raw = read_source(name, seed=seed)
        for got, want in zip((raw["x"], raw["x_test"], raw["y"], raw["y_test"]), parts):
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("test_size", [0.1, 0.2, 0.35])
def test_stratified_split_equals_scikit_learns_on_uneven_classes(test_size):
    pytest.importorskip("sklearn")
    from sklearn.model_selection import train_test_split

    y = np.repeat(np.arange(7), [2, 3, 5, 8, 13, 21, 34])  # ties and remainders to break
    rows = np.arange(len(y))
    for seed in range(12):
        want = train_test_split(rows, test_size=test_size, stratify=y, random_state=seed)
        for got, expected in zip(stratified_split(y, test_size, seed), want):
            np.testing.assert_array_equal(got, expected)


def test_diabetes_is_embedded_regression_data():
    x, y = embedded_arrays("diabetes")
    assert x.shape == (442, 10) and y.shape == (442, 1) and y.dtype == np.float64
    assert y.min() == 25 and y.max() == 346
    d = load_dataset("diabetes")
    check_dataset(d)
    assert not is_classification(d) and num_outputs(d) == 1
    assert [len(a) for a in d] == [319, 319, 35, 35, 88, 88]
    assert d.y_train.dtype == np.float32 and d.preprocessing.kind == "zscore"
    np.testing.assert_allclose([d.y_train.mean(), d.y_train.std()], [0, 1], atol=1e-5)
    raw = load_dataset("diabetes", standardize="none", standardize_targets="none")
    rows = np.concatenate([raw.y_train, raw.y_val, raw.y_test])
    np.testing.assert_array_equal(np.sort(rows, axis=0), np.sort(y, axis=0).astype(np.float32))
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    bunch = sklearn_datasets.load_diabetes(scaled=False)
    np.testing.assert_array_equal(x, bunch.data)
    np.testing.assert_array_equal(y[:, 0], bunch.target)


def test_unknown_dataset():
    with pytest.raises(ValueError, match="unknown dataset 'cifar'; valid: digits, iris"):
        load_dataset("cifar")

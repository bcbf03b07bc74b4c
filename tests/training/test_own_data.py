"""The user's own data: npz and CSV files written here, arrays from Python, the split rules, the
saved preprocessing, IDX edge cases, and the other embedded sets (iris, wine, breast_cancer,
MNIST-1D)."""

import pickle
import random
import sys

import jax
import numpy as np
import pytest

import jaxnn
from jaxnn import Dataset, Preprocessing, fit, load_dataset, split_dataset, write_idx
from jaxnn.training._data import check_dataset, num_outputs
from jaxnn.training._formats import IDX_FILES, read_csv, read_npz

TINY = {"epochs": 2, "num_layers": 1, "hidden_size": 8, "batch_size": 16}


def _arrays(n=200, features=5, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % classes).astype(np.int64)
    x = rng.normal(3.0, 2.0, size=(n, features)) + y[:, None]
    return x, y


# --- npz ---


def test_npz_with_x_and_y_gets_a_stratified_test_and_validation_split(tmp_path):
    x, y = _arrays(200)
    np.savez(tmp_path / "d.npz", x=x, y=y)
    d = load_dataset(f"npz:{tmp_path / 'd.npz'}")
    assert [len(a) for a in d] == [144, 144, 16, 16, 40, 40]  # 20% test, then 10% validation
    for labels, size in ((d.y_test, 40), (d.y_val, 16)):
        counts = np.bincount(labels, minlength=3)
        assert counts.max() - counts.min() <= 1 and counts.sum() == size  # stratified
    assert d.x_train.dtype == np.float32 and d.y_train.dtype == np.int32
    # z-scores from the training split only (auto for floats)
    np.testing.assert_allclose(d.x_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(d.x_train.std(axis=0), 1, atol=1e-4)
    assert d.preprocessing.kind == "zscore"
    again = load_dataset(f"npz:{tmp_path / 'd.npz'}")
    for a, b in zip(d, again):
        np.testing.assert_array_equal(a, b)


def test_npz_keeps_its_own_test_and_validation_splits(tmp_path):
    x, y = _arrays(120)
    xt, yt = _arrays(30, seed=1)
    xv, yv = _arrays(12, seed=2)
    np.savez(tmp_path / "d.npz", x=x, y=y, x_test=xt, y_test=yt, x_val=xv, y_val=yv)
    d = load_dataset(f"npz:{tmp_path / 'd.npz'}", standardize="none")
    np.testing.assert_array_equal(d.x_train, x.astype(np.float32))  # nothing held out
    np.testing.assert_array_equal(d.x_test, xt.astype(np.float32))
    np.testing.assert_array_equal(d.y_val, yv)
    np.savez(tmp_path / "t.npz", x=x, y=y, x_test=xt, y_test=yt)
    d = load_dataset(f"npz:{tmp_path / 't.npz'}", standardize="none")
    assert [len(a) for a in d] == [108, 108, 12, 12, 30, 30]


def test_npz_images_are_flattened_and_float_targets_are_regression(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(50, 4, 3), dtype=np.uint8)
    np.savez(tmp_path / "img.npz", x=images, y=np.arange(50) % 2)
    d = load_dataset(f"npz:{tmp_path / 'img.npz'}")
    assert d.x_train.shape[1] == 12 and d.preprocessing.kind == "scale255"
    assert d.x_train.max() <= 1 and d.x_train.min() >= 0
    np.savez(tmp_path / "reg.npz", x=rng.normal(size=(50, 2)), y=rng.normal(size=50))
    r = load_dataset(f"npz:{tmp_path / 'reg.npz'}")
    assert r.y_train.dtype == np.float32 and r.y_train.shape == (len(r.x_train), 1)


@pytest.mark.parametrize(
    "arrays, message",
    [
        ({"y": np.zeros(10, int)}, r"no array 'x' \(it holds y; a data set needs x and y"),
        ({"x": np.zeros((10, 2))}, r"no array 'y' \(it holds x;"),
        ({"x": np.zeros((10, 2)), "y": np.zeros(9, int)}, "x has 10 samples, y has 9"),
        (
            {"x": np.zeros((10, 2)), "y": np.zeros(10, int), "x_test": np.zeros((3, 2))},
            r"y_test is missing \(x_test and y_test go together\)",
        ),
        ({"x": np.zeros(10), "y": np.zeros(10, int)}, r"x must be \(samples, features\)"),
        ({"x": np.array(["a"] * 10), "y": np.zeros(10, int)}, "x must be numeric"),
    ],
)
def test_bad_npz_is_one_line_naming_the_file(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=rf"^{path}: {message}") as e:
        load_dataset(f"npz:{path}")
    assert "\n" not in str(e.value)


def test_npz_that_is_not_an_archive_or_missing(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip at all")
    with pytest.raises(ValueError, match=rf"^{junk}: not an .npz archive"):
        read_npz(junk)
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_dataset(f"npz:{tmp_path / 'none.npz'}")
    objects = tmp_path / "obj.npz"
    np.savez(objects, x=np.array([{"a": 1}] * 3, dtype=object), y=np.zeros(3, int))
    with pytest.raises(ValueError, match="object arrays are refused"):
        read_npz(objects)


# --- CSV ---


def _csv(path, rows, header=None):
    lines = ([",".join(header)] if header else []) + [",".join(map(str, r)) for r in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_csv_label_column_by_name_index_or_last(tmp_path):
    x, y = _arrays(60, features=3)
    rows = [[*xi, yi] for xi, yi in zip(x, y)]
    path = _csv(tmp_path / "d.csv", rows, header=["a", "b", "c", "label"])
    last = read_csv(path)
    np.testing.assert_array_equal(last["y"], y)
    np.testing.assert_allclose(last["x"], x)
    by_name = read_csv(path, label_column="label")
    np.testing.assert_array_equal(by_name["y"], y)
    first = read_csv(path, label_column="a")
    assert first["x"].shape == (60, 3) and first["y"].shape == (60, 1)  # floats: regression
    by_index = read_csv(path, label_column=-1)
    np.testing.assert_array_equal(by_index["y"], y)
    plain = _csv(tmp_path / "p.csv", [[yi, *xi] for xi, yi in zip(x, y)])
    np.testing.assert_array_equal(read_csv(plain, label_column="0")["y"], y)
    assert "y" not in read_csv(plain, label_column="none")
    d = load_dataset(f"csv:{path}", label_column="label")
    assert d.x_train.shape[1] == 3 and num_outputs(d) == 3
    check_dataset(d)


def test_csv_non_numeric_cell_names_row_and_column(tmp_path):
    path = _csv(tmp_path / "d.csv", [[1, 2, 0], [3, "oops", 1], [5, 6, 0]], header=["a", "b", "y"])
    with pytest.raises(ValueError, match=rf"^{path}: row 3, column 2 \(b\): 'oops' is not a"):
        load_dataset(f"csv:{path}")
    headless = _csv(tmp_path / "h.csv", [[1, 2, 0], [3, 4, 1], [5, "nan", 0]])
    with pytest.raises(ValueError, match=r"row 3, column 2: 'nan' is not a finite number"):
        read_csv(headless)


def test_csv_missing_label_column_and_ragged_rows(tmp_path):
    path = _csv(tmp_path / "d.csv", [[1, 2, 0], [3, 4, 1]], header=["a", "b", "y"])
    with pytest.raises(ValueError, match=rf"^{path}: no label column 'class' \(columns: a, b, y\)"):
        load_dataset(f"csv:{path}", label_column="class")
    with pytest.raises(ValueError, match="label column 3 is out of range: the file has 3 columns"):
        read_csv(path, label_column=3)
    ragged = tmp_path / "r.csv"
    ragged.write_text("1,2,0\n3,4\n")
    with pytest.raises(ValueError, match="row 2 has 2 columns, expected 3"):
        read_csv(ragged)
    empty = tmp_path / "e.csv"
    empty.write_text("\n\n")
    with pytest.raises(ValueError, match="the file is empty"):
        read_csv(empty)


# --- arrays from Python, the split rules, the preprocessing ---


def test_fit_takes_arrays_and_equals_fit_of_split_dataset():
    x, y = _arrays(150)
    a = fit((x, y), **TINY)
    b = fit(split_dataset(x, y), **TINY)
    assert a.params_sha256 == b.params_sha256 and a.test_accuracy == b.test_accuracy
    assert a.preprocessing == b.preprocessing and a.preprocessing.kind == "zscore"
    xt, yt = _arrays(30, seed=5)
    c = fit((x, y, xt, yt), **TINY)
    d = fit(split_dataset(x, y, x_test=xt, y_test=yt), **TINY)
    assert c.params_sha256 == d.params_sha256
    assert c.confusion_matrix.sum() == 30  # the given test split
    with pytest.raises(ValueError, match="data as a tuple is"):
        fit((x,), **TINY)


def test_standardize_kinds_use_training_statistics_only():
    x, y = _arrays(100)
    x[:, 0] = 7.0  # a constant feature is only shifted
    for kind in ("zscore", "minmax", "none"):
        d = split_dataset(x, y, standardize=kind)
        pre = d.preprocessing
        assert pre.kind == kind
        if kind == "zscore":
            np.testing.assert_allclose(d.x_train[:, 1:].mean(axis=0), 0, atol=1e-5)
            np.testing.assert_array_equal(d.x_train[:, 0], 0)
        if kind == "minmax":
            np.testing.assert_allclose(d.x_train.min(axis=0), 0, atol=1e-6)
            np.testing.assert_allclose(d.x_train[:, 1:].max(axis=0), 1, atol=1e-6)
        if kind == "none":
            assert pre == Preprocessing()
    # floats are never divided by 255, even when they look like pixels
    pixels = np.random.default_rng(0).integers(0, 256, size=(100, 4)).astype(np.float32)
    d = split_dataset(pixels, y)
    assert d.preprocessing.kind == "zscore" and d.x_train.max() < 10
    d8 = split_dataset(pixels.astype(np.uint8), y)
    assert d8.preprocessing.kind == "scale255"
    np.testing.assert_array_equal(d8.x_test * np.float32(255), np.round(d8.x_test * 255))


def test_saved_statistics_reproduce_the_split_bitwise():
    x, y = _arrays(150)
    d = split_dataset(x, y, seed=3)
    again = split_dataset(x, y, seed=3, standardize=d.preprocessing)
    for a, b in zip(d, again):
        np.testing.assert_array_equal(a, b)
    raw = split_dataset(x, y, seed=3, standardize="none")
    np.testing.assert_array_equal(d.preprocessing.apply(raw.x_test), d.x_test)


def test_preprocessing_travels_with_the_dataset():
    d = split_dataset(*_arrays(100))
    assert jax.device_put(d).preprocessing == d.preprocessing
    assert jax.tree.map(lambda a: a, d).preprocessing == d.preprocessing
    assert d._replace(x_val=d.x_test, y_val=d.y_test).preprocessing == d.preprocessing
    assert pickle.loads(pickle.dumps(d)).preprocessing == d.preprocessing
    assert isinstance(d, Dataset) and len(tuple(d)) == 6
    seen = jax.jit(lambda data: data.x_train.sum())(d)
    assert np.isfinite(seen)
    by_hand = Dataset(*tuple(d))
    assert by_hand.preprocessing is None
    assert "preprocessing=Preprocessing('zscore', features=5)" in repr(d)


def test_preprocessing_refuses_bad_statistics():
    with pytest.raises(ValueError, match="unknown preprocessing 'log'"):
        Preprocessing("log", np.zeros(2), np.ones(2))
    with pytest.raises(ValueError, match="scale must be nonzero"):
        Preprocessing("zscore", np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="needs shift and scale"):
        Preprocessing("zscore")
    with pytest.raises(ValueError, match="unknown standardize 'log'|standardize"):
        split_dataset(*_arrays(50), standardize="log")


# --- IDX files ---


def _idx_dir(tmp_path, images, labels, test_images=None, test_labels=None):
    test_images = images if test_images is None else test_images
    test_labels = labels if test_labels is None else test_labels
    arrays = {
        ("train", "images"): images,
        ("train", "labels"): labels,
        ("test", "images"): test_images,
        ("test", "labels"): test_labels,
    }
    return {k: write_idx(tmp_path / IDX_FILES[k], a) for k, a in arrays.items()}


def test_two_dimensional_idx_images_are_accepted(tmp_path):
    x, y = _arrays(60, features=7)
    _idx_dir(tmp_path, x.astype(np.float32), y.astype(np.uint8))
    d = load_dataset(f"idx:{tmp_path}")
    assert d.x_train.shape[1] == 7 and d.preprocessing.kind == "zscore"  # floats: z-scores


def test_float_idx_labels_that_are_not_whole_are_refused(tmp_path):
    x, y = _arrays(60, features=4)
    files = _idx_dir(tmp_path, x.astype(np.float32), y.astype(np.float32) + 0.5)
    with pytest.raises(
        ValueError, match=rf"{files['train', 'labels']}: class labels must be whole"
    ):
        load_dataset(f"idx:{tmp_path}")
    _idx_dir(tmp_path, x.astype(np.float32), y.astype(np.float32))  # whole numbers are labels
    assert load_dataset(f"idx:{tmp_path}").y_train.dtype == np.int32


def test_idx_file_of_zero_images_is_named(tmp_path):
    files = _idx_dir(tmp_path, np.zeros((0, 4, 4), np.uint8), np.zeros(0, np.uint8))
    with pytest.raises(ValueError, match=rf"{files['train', 'images']}: holds 0 images"):
        load_dataset(f"idx:{tmp_path}")


# --- the embedded sets ---


@pytest.mark.parametrize(
    "name, features, classes, total",
    [("iris", 4, 3, 150), ("wine", 13, 3, 178), ("breast_cancer", 30, 2, 569)],
)
def test_scikit_learn_sets(name, features, classes, total):
    d = load_dataset(name)
    check_dataset(d)
    assert d.x_train.shape[1] == features and num_outputs(d) == classes
    assert sum(len(a) for a in (d.x_train, d.x_val, d.x_test)) == total
    assert len(d.x_test) == round(0.2 * total) or len(d.x_test) == int(0.2 * total) + 1
    assert set(np.unique(d.y_test)) == set(range(classes))  # stratified: every class in test


def test_breast_cancer_trains_one_sigmoid_unit_with_binary_cross_entropy():
    r = fit("breast_cancer", loss="binary_cross_entropy", **{**TINY, "epochs": 5})
    assert r.config.sizes[-1] == 1 and r.config.output == "sigmoid"
    assert r.test_accuracy > 0.85 and r.confusion_matrix.shape == (2, 2)
    p = jaxnn.predict(r, load_dataset("breast_cancer", standardize="none").x_test)
    assert p.shape == (114, 2)
    np.testing.assert_allclose(np.asarray(p).sum(axis=1), 1, atol=1e-6)


def test_mnist1d_is_the_papers_data_generated_offline():
    import mnist1d.data as mnist1d  # in the mnist1d extra (and in all): required here

    state = np.random.get_state()
    py_state = random.getstate()
    d = load_dataset("mnist1d", standardize="none")
    assert np.array_equal(np.random.get_state()[1], state[1]) and random.getstate() == py_state
    assert [len(a) for a in d] == [3600, 3600, 400, 400, 1000, 1000]
    assert d.x_train.shape[1] == 40 and num_outputs(d) == 10
    ref = mnist1d.make_dataset(mnist1d.get_dataset_args())  # the paper's defaults, seed 42
    np.random.set_state(state)
    np.testing.assert_array_equal(d.x_test, ref["x_test"].astype(np.float32))
    np.testing.assert_array_equal(d.y_test, ref["y_test"])
    both = np.sort(np.concatenate([d.y_train, d.y_val]))
    np.testing.assert_array_equal(both, np.sort(ref["y"]))


def test_mnist1d_missing_package_names_the_extra(monkeypatch):
    from jaxnn.training import _sources

    _sources._mnist1d_arrays.cache_clear()
    monkeypatch.setitem(sys.modules, "mnist1d", None)  # import mnist1d raises ImportError
    with pytest.raises(
        ImportError, match=r'^-d mnist1d .*needs mnist1d: pip install "jaxnn\[mnist1d\]"$'
    ):
        load_dataset("mnist1d")
    _sources._mnist1d_arrays.cache_clear()

"""``jaxnn predict`` and ``jaxnn evaluate``, and ``jaxnn train`` on the user's own files: the
accuracy training reported, bad input as one line with nothing written, dtypes."""

import json
import sys

import numpy as np
import pytest
from helpers import run_python

from jaxnn._cli import main

SMALL = ["-sz", "8", "-nhl", "1", "-e", "3", "-b", "16", "-lr", "0.01", "--quiet"]


def _arrays(n=200, features=5, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % classes).astype(np.int64)
    return rng.normal(3.0, 2.0, size=(n, features)) + 2 * y[:, None], y


def _main(argv, capsys):
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture
def trained(tmp_path, capsys):
    x, y = _arrays()
    np.savez(tmp_path / "d.npz", x=x, y=y)
    spec = f"npz:{tmp_path / 'd.npz'}"
    argv = ["train", "-d", spec, *SMALL, "--data-seed", "3", "--save", str(tmp_path / "m.npz")]
    rc, out, err = _main([*argv, "--json", str(tmp_path / "t.json")], capsys)
    assert rc == 0, err
    assert "zscore scaling, float32" in out
    return tmp_path, spec, json.loads((tmp_path / "t.json").read_text())


def test_predict_and_evaluate_give_exactly_the_test_accuracy_of_training(trained, capsys):
    tmp_path, spec, t = trained
    model = str(tmp_path / "m.npz")
    rc, out, err = _main(
        ["evaluate", "--model", model, "-d", spec, "--json", str(tmp_path / "e.json")], capsys
    )
    assert rc == 0, err
    e = json.loads((tmp_path / "e.json").read_text())
    rc, out, err = _main(
        ["predict", "--model", model, "-d", spec, "--json", str(tmp_path / "p.json")], capsys
    )
    assert rc == 0, err
    p = json.loads((tmp_path / "p.json").read_text())
    # the data seed 3 came from the model file: the same test split
    assert e["accuracy"] == p["accuracy"] == t["test_accuracy"]
    assert e["loss"] == p["loss"] == t["test_loss"]
    assert e["confusion_matrix"] == p["confusion_matrix"] == t["confusion_matrix"]
    assert p["samples"] == 40 and len(p["predictions"]) == 40 and len(p["probabilities"]) == 40
    assert np.allclose(np.sum(p["probabilities"], axis=1), 1, atol=1e-6)
    correct = np.mean(np.array(p["predictions"]) == np.array(p["labels"]))
    assert correct == pytest.approx(t["test_accuracy"], abs=1e-7)
    assert "confusion matrix" in out and "accuracy" in out


def test_predict_on_new_inputs_without_labels(trained, capsys):
    tmp_path, _, _ = trained
    x, _ = _arrays(17, seed=9)
    np.savez(tmp_path / "new.npz", x=x)
    out_json = tmp_path / "new.json"
    rc, out, err = _main(
        [
            "predict",
            "--model",
            str(tmp_path / "m.npz"),
            "-d",
            f"npz:{tmp_path / 'new.npz'}",
            "--json",
            str(out_json),
        ],
        capsys,
    )
    assert rc == 0, err
    p = json.loads(out_json.read_text())
    assert p["split"] == "all" and p["samples"] == 17 and p["accuracy"] is None
    assert p["labels"] is None and len(p["predictions"]) == 17
    import jaxnn

    expected = np.asarray(jaxnn.predict(jaxnn.load_model(tmp_path / "m.npz"), x))
    np.testing.assert_allclose(p["probabilities"], expected, atol=1e-7)
    rc, _, err = _main(
        ["evaluate", "--model", str(tmp_path / "m.npz"), "-d", f"npz:{tmp_path / 'new.npz'}"],
        capsys,
    )
    assert rc == 2 and "no labels to evaluate against" in err


def test_predict_with_the_wrong_number_of_features_writes_nothing(trained, capsys):
    tmp_path, _, _ = trained
    x, y = _arrays(30, features=4)
    np.savez(tmp_path / "four.npz", x=x, y=y)
    out_json = tmp_path / "never.json"
    rc, out, err = _main(
        [
            "predict",
            "--model",
            str(tmp_path / "m.npz"),
            "-d",
            f"npz:{tmp_path / 'four.npz'}",
            "--json",
            str(out_json),
        ],
        capsys,
    )
    assert rc == 2 and not out_json.exists()
    line = err.strip()
    assert "\n" not in line and "four.npz: 4 features, the model" in line and "takes 5" in line


def test_bad_model_files_are_one_line(tmp_path, capsys):
    x, y = _arrays(30)
    np.savez(tmp_path / "d.npz", x=x, y=y)
    spec = f"npz:{tmp_path / 'd.npz'}"
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"PK\x03\x04 truncated")
    for model, message in (
        (junk, "not a jaxnn checkpoint"),
        (tmp_path / "d.npz", "not a jaxnn checkpoint (no __jaxnn_meta__ entry)"),
        (tmp_path / "none.npz", "does not exist"),
    ):
        rc, _, err = _main(["evaluate", "--model", str(model), "-d", spec], capsys)
        assert rc == 2 and message in err and err.count("\n") == 1, err


def test_train_on_csv_with_a_label_column_then_predict(tmp_path, capsys):
    x, y = _arrays(120, features=3)
    lines = ["label,a,b,c"] + [f"{yi},{a},{b},{c}" for (a, b, c), yi in zip(x, y)]
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n")
    spec = f"csv:{tmp_path / 'd.csv'}"
    model = str(tmp_path / "m.npz")
    rc, out, err = _main(
        [
            "train",
            "-d",
            spec,
            "--label-column",
            "label",
            *SMALL,
            "--save",
            model,
            "--json",
            str(tmp_path / "t.json"),
        ],
        capsys,
    )
    assert rc == 0, err
    t = json.loads((tmp_path / "t.json").read_text())
    assert t["config"]["sizes"][0] == 3 and t["config"]["label_column"] == "label"
    rc, out, err = _main(
        ["evaluate", "--model", model, "-d", spec, "--json", str(tmp_path / "e.json")], capsys
    )
    assert rc == 0, err  # the label column came from the model file
    assert json.loads((tmp_path / "e.json").read_text())["accuracy"] == t["test_accuracy"]


@pytest.mark.parametrize(
    "write, message",
    [
        (lambda p: np.savez(p, x=np.zeros((10, 2))), "d.npz: no array 'y'"),
        (
            lambda p: np.savez(p, x=np.zeros((10, 2)), y=np.zeros(8, int)),
            "d.npz: x has 10 samples, y has 8",
        ),
    ],
)
def test_bad_npz_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, write, message):
    write(tmp_path / "d.npz")
    save = tmp_path / "m.npz"
    rc, _, err = _main(
        ["train", "-d", f"npz:{tmp_path / 'd.npz'}", *SMALL, "--save", str(save)], capsys
    )
    assert rc == 2 and message in err and err.count("\n") == 1 and not save.exists()


def test_bad_csv_exits_2_naming_row_and_column(tmp_path, capsys):
    (tmp_path / "d.csv").write_text("a,b,y\n1,2,0\n3,x,1\n")
    rc, _, err = _main(["train", "-d", f"csv:{tmp_path / 'd.csv'}", *SMALL], capsys)
    assert rc == 2 and "d.csv: row 3, column 2 (b): 'x' is not a finite number" in err
    (tmp_path / "d.csv").write_text("a,b,y\n1,2,0\n3,4,1\n")
    rc, _, err = _main(
        ["train", "-d", f"csv:{tmp_path / 'd.csv'}", "--label-column", "class", *SMALL], capsys
    )
    assert rc == 2 and "no label column 'class' (columns: a, b, y)" in err


def test_breast_cancer_with_binary_cross_entropy(tmp_path, capsys):
    path = tmp_path / "bc.json"
    rc, out, err = _main(
        ["train", "-d", "breast_cancer", "-l", "binary_cross_entropy", *SMALL, "--json", str(path)],
        capsys,
    )
    assert rc == 0, err
    d = json.loads(path.read_text())
    assert d["config"]["sizes"] == [30, 8, 1] and d["config"]["output"] == "sigmoid"
    assert d["test_accuracy"] > 0.85 and np.array(d["confusion_matrix"]).sum() == 114


def test_standardize_flag_and_unknown_value(tmp_path, capsys):
    rc, out, err = _main(["train", "-d", "iris", "--standardize", "minmax", *SMALL], capsys)
    assert rc == 0 and "minmax scaling" in out
    rc, _, err = _main(["train", "-d", "iris", "--standardize", "log", *SMALL], capsys)
    assert (
        rc == 2 and "--standardize: unknown value 'log'; valid: auto, none, zscore, minmax" in err
    )


def test_mnist1d_without_the_package_names_the_extra(monkeypatch, capsys):
    from jaxnn.training import _sources

    _sources._mnist1d_arrays.cache_clear()
    monkeypatch.setitem(sys.modules, "mnist1d", None)
    rc, _, err = _main(["train", "-d", "mnist1d", *SMALL], capsys)
    _sources._mnist1d_arrays.cache_clear()
    assert rc == 2 and err.count("\n") == 1
    assert 'needs mnist1d: pip install "jaxnn[mnist1d]"' in err


def test_float64_on_a_backend_without_it_exits_2(tmp_path, monkeypatch, capsys):
    from jaxnn.training import _precision

    monkeypatch.setattr(_precision, "backend_has_float64", lambda backend=None: False)
    save = tmp_path / "m.npz"
    rc, _, err = _main(
        [
            "train",
            "-d",
            "xor",
            "--dtype",
            "float64",
            "--grad",
            "explicit",
            *SMALL,
            "--save",
            str(save),
        ],
        capsys,
    )
    assert rc == 2 and not save.exists() and err.count("\n") == 1
    assert (
        "--dtype float64 with --grad explicit (Algorithm 6): the cpu backend has no float64" in err
    )


FLOAT64 = """
import json, sys
from jaxnn._cli import main
assert main(["train", "-d", "digits", "--dtype", "float64", "-e", "2", "-sz", "16", "-nhl", "1",
             "--quiet", "--save", "m.npz", "--json", "t.json"]) == 0
assert main(["evaluate", "--model", "m.npz", "-d", "digits", "--json", "e.json"]) == 0
import jax, jaxnn
m = jaxnn.load_model("m.npz")
t, e = json.load(open("t.json")), json.load(open("e.json"))
assert t["config"]["dtype"] == "float64" and m.config.dtype == "float64"
assert {str(p.dtype) for p in jax.tree.leaves(m.params)} == {"float64"}
assert e["accuracy"] == t["test_accuracy"], (e["accuracy"], t["test_accuracy"])
print("ok")
"""


@pytest.mark.slow
def test_float64_from_the_command_line(tmp_path):
    out = run_python(FLOAT64, tmp_path)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-3000:]


# --- held-out files are evaluated whole; the training file by its test split ---


def test_a_held_out_file_is_evaluated_whole(trained, capsys):
    tmp_path, spec, t = trained
    x, y = _arrays(n=36, seed=7)  # another file: every row of it
    held = tmp_path / "held.csv"
    np.savetxt(held, np.c_[x, y], delimiter=",", fmt="%.6f")
    model = str(tmp_path / "m.npz")
    out_json = tmp_path / "h.json"
    rc, out, err = _main(
        ["evaluate", "--model", model, "-d", f"csv:{held}", "--json", str(out_json)], capsys
    )
    assert rc == 0, err
    h = json.loads(out_json.read_text())
    assert h["samples"] == 36 and h["split"] == "all" and h["training_data"] is False
    assert "every row (held out: not the model's training data): 36 rows" in out
    rc, out, err = _main(
        ["predict", "--model", model, "-d", f"csv:{held}", "--json", str(out_json)], capsys
    )
    assert rc == 0 and json.loads(out_json.read_text())["samples"] == 36
    # --split test still splits it as training would
    rc, out, err = _main(
        [
            "evaluate",
            "--model",
            model,
            "-d",
            f"csv:{held}",
            "--split",
            "test",
            "--json",
            str(out_json),
        ],
        capsys,
    )
    assert rc == 0 and json.loads(out_json.read_text())["samples"] == 7
    # a copy of the training file under another name is still the training data (by content)
    copy = tmp_path / "copy.npz"
    copy.write_bytes((tmp_path / "d.npz").read_bytes())
    rc, out, err = _main(
        ["evaluate", "--model", model, "-d", f"npz:{copy}", "--json", str(out_json)], capsys
    )
    e = json.loads(out_json.read_text())
    assert rc == 0 and e["split"] == "test" and e["accuracy"] == t["test_accuracy"]


def test_regression_from_a_csv_of_integer_targets(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 4))
    y = np.clip(np.round(150 + 60 * x[:, 0] - 30 * x[:, 1] ** 2), 25, 346).astype(int)
    data = tmp_path / "diabetes.csv"
    np.savetxt(data, np.c_[x, y], delimiter=",", fmt="%.6g", header="a,b,c,d,target", comments="")
    spec = f"csv:{data}"
    model = str(tmp_path / "r.npz")
    argv = [
        "train",
        "-d",
        spec,
        *SMALL,
        "-e",
        "10",
        "--save",
        model,
        "--json",
        str(tmp_path / "t.json"),
    ]
    rc, out, err = _main([*argv, "--task", "regression"], capsys)
    assert rc == 0, err
    t = json.loads((tmp_path / "t.json").read_text())
    assert t["config"]["sizes"][-1] == 1 and t["config"]["task"] == "regression"
    assert t["test_accuracy"] is None and t["confusion_matrix"] is None
    assert t["test_rmse"] > 0 and t["test_mae"] > 0 and t["test_r2"] > 0.3
    assert "test RMSE" in out and "test R^2" in out and "val RMSE" in out
    assert {"val_rmse", "val_mae", "val_r2"} <= set(t["epochs"][0]) and "val MAE" in out
    rc, out, err = _main(
        ["evaluate", "--model", model, "-d", spec, "--json", str(tmp_path / "e.json")], capsys
    )
    e = json.loads((tmp_path / "e.json").read_text())
    assert rc == 0 and e["loss"] == t["test_loss"]
    for k in ("rmse", "mae", "r2"):
        assert e[k] == pytest.approx(t[f"test_{k}"], rel=1e-9)
    # without --task: a 300-row classifier of the integers, said in one line naming the flag
    rc, out, err = _main(["train", "-d", spec, *SMALL, "-e", "1"], capsys)
    assert rc == 0 and "--task regression" in err and "class labels" in err
    assert "too large to print" in out

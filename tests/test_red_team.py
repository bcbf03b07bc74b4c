"""Every finding of the red team (782 probes), one regression test each, in its categories: data
lost, a model that cannot be loaded, a resumed log, hangs, tracebacks, silently wrong, clear but
late or vague; then the hints and the bad input the issue lists.

As the red team did, the CLI probes run in a directory holding ``model.npz`` and ``d.npz`` from
``jaxnn train -d npz:d.npz --save model.npz``. Probes that would hang or exhaust memory where they
are not fixed run in a child process with a memory limit and a timeout.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnn
from jaxnn._cli import main

SMALL = ["-e", "2", "-sz", "8", "-b", "16", "--quiet"]


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """A directory with d.npz (three classes) and model.npz trained on it."""
    root = tmp_path_factory.mktemp("red")
    rng = np.random.default_rng(0)
    y = np.arange(150) % 3
    np.savez(root / "d.npz", x=rng.normal(size=(150, 5)) + y[:, None], y=y)
    np.savez(root / "new.npz", x=rng.normal(size=(20, 5)))
    args = ["train", "-d", f"npz:{root / 'd.npz'}", "--save", str(root / "model.npz"), *SMALL]
    assert main(args) == 0
    return root


def _one_line_exit_2(argv, capsys) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("jaxnn: error: "), err
    return err[0]


def _unchanged(path: Path):
    before = path.read_bytes()
    return lambda: path.read_bytes() == before


def _bounded(code: str, cwd, seconds: int = 120) -> subprocess.CompletedProcess:
    """Runs ``code`` in a child process limited to 3 GiB of address space and ``seconds``."""
    prelude = "import resource; resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))\n"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    try:
        return subprocess.run(
            [sys.executable, "-c", prelude + textwrap.dedent(code)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=seconds,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"hung: still running after {seconds} s")


# --- data lost: an output flag that names an input file ---


def test_predict_json_over_the_model_is_refused(home, capsys):
    same = _unchanged(home / "model.npz")
    m = str(home / "model.npz")
    line = _one_line_exit_2(
        ["predict", "--model", m, "-d", f"npz:{home / 'new.npz'}", "--json", m], capsys
    )
    assert "is the --model input" in line and same()


def test_evaluate_json_over_the_data_is_refused(home, capsys):
    same = _unchanged(home / "d.npz")
    d = str(home / "d.npz")
    argv = ["evaluate", "--model", str(home / "model.npz"), "-d", f"npz:{d}", "--json", d]
    assert "is the -d input" in _one_line_exit_2(argv, capsys) and same()


@pytest.mark.parametrize("flag", ["--log", "--json", "--save"])
def test_train_outputs_over_the_data_are_refused(home, capsys, flag):
    same = _unchanged(home / "d.npz")
    d = str(home / "d.npz")
    line = _one_line_exit_2(["train", "-d", f"npz:{d}", flag, d, *SMALL], capsys)
    assert f"{flag} {d} is the -d input" in line and same()


def test_train_log_over_the_resumed_checkpoint_is_refused(tmp_path, capsys):
    ck = tmp_path / "ck.npz"
    assert main(["train", "-d", "xor", "--save", str(ck), *SMALL]) == 0
    same = _unchanged(ck)
    argv = ["train", "-d", "xor", *SMALL, "-e", "3", "--resume", str(ck), "--log", str(ck)]
    assert "is the --resume input" in _one_line_exit_2(argv, capsys) and same()
    # saving where it resumes from is what resuming does
    assert (
        main(["train", "-d", "xor", *SMALL, "-e", "3", "--resume", str(ck), "--save", str(ck)]) == 0
    )


def test_sweep_log_over_the_config_is_refused(tmp_path, capsys):
    config = tmp_path / "c.yaml"
    config.write_text("method: grid\nparameters:\n  learning_rate: {values: [0.01]}\n")
    same = _unchanged(config)
    argv = ["sweep", "--config", str(config), "--log", str(config), "-d", "xor", "--quiet"]
    assert "is the --config input" in _one_line_exit_2(argv, capsys) and same()


def test_boolean_witnesses_and_json_at_one_path_are_refused(tmp_path, capsys):
    r = tmp_path / "r.json"
    r.write_text("{}")
    same = _unchanged(r)
    argv = ["boolean", "--count", "4", "--witnesses", str(r), "--json", str(r)]
    assert "name the same path" in _one_line_exit_2(argv, capsys) and same()


def test_fit_save_over_its_data_file_is_refused(home):
    same = _unchanged(home / "d.npz")
    with pytest.raises(ValueError, match="is the data input"):
        jaxnn.fit(f"npz:{home / 'd.npz'}", save=home / "d.npz", epochs=1)
    assert same()


# --- a model that cannot be loaded ---


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_save_load_predict_round_trip(tmp_path, dtype):
    r = jaxnn.fit("xor", dtype=dtype, save=tmp_path / "m.npz", epochs=2, hidden_size=8)
    m = jaxnn.load_model(tmp_path / "m.npz")  # bfloat16: "dtype |V2 in checkpoint" before
    assert m.config.dtype == dtype
    for a, b in zip(jax.tree.leaves(m.params), jax.tree.leaves(r.params)):
        assert a.dtype == b.dtype and np.array_equal(
            np.asarray(a, np.float32), b.astype(np.float32)
        )
    x = jaxnn.load_dataset("xor", standardize="none").x_test
    np.testing.assert_array_equal(np.asarray(jaxnn.predict(m, x)), np.asarray(jaxnn.predict(r, x)))
    resumed = jaxnn.fit("xor", dtype=dtype, resume=tmp_path / "m.npz", epochs=3, hidden_size=8)
    assert resumed.history["epoch"] == [1, 2, 3]


def test_save_load_predict_round_trip_float64(tmp_path):
    out = _bounded(
        """
        import jax
        jax.config.update("jax_enable_x64", True)
        import numpy as np, jaxnn
        for name, loss in (("xor", "cross_entropy"), ("sine", "mse")):
            r = jaxnn.fit(name, dtype="float64", loss=loss, save="m.npz", epochs=2, hidden_size=8)
            m = jaxnn.load_model("m.npz")
            assert m.config.dtype == "float64"
            x = jaxnn.load_dataset(name, standardize="none").x_test
            p = jaxnn.predict(m, x)
            assert p.dtype == np.float64, p.dtype
            np.testing.assert_array_equal(np.asarray(p), np.asarray(jaxnn.predict(r, x)))
        print("ok")
        """,
        tmp_path,
    )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


# --- a resumed log erases history ---


def test_a_resumed_log_keeps_the_killed_runs_epochs(tmp_path):
    ck, log = tmp_path / "ck.npz", tmp_path / "l.jsonl"
    base = ["train", "-d", "xor", "-sz", "8", "--quiet", "--save", str(ck), "--log", str(log)]
    assert main([*base, "-e", "3", "--save-every", "1"]) == 0
    first = log.read_text().splitlines()
    # the kill: the log got a line of epoch 4 and half a line, the checkpoint has epoch 3
    log.write_text("\n".join(first) + '\n{"epoch": 4, "train_loss": 0.1}\n{"epoch": 5, "tr')
    assert main([*base, "-e", "5", "--save-every", "1", "--resume", str(ck)]) == 0
    lines = log.read_text().splitlines()
    assert lines[:3] == first  # epochs 1-3 of the killed run, untouched
    assert [json.loads(line)["epoch"] for line in lines] == [1, 2, 3, 4, 5]


# --- hangs: work sized before it is built ---


def test_a_config_grid_of_a_billion_members_is_sized_not_built(tmp_path):
    out = _bounded(
        """
        from jaxnn.sweeps._config import parse_sweep_config
        spec = parse_sweep_config({"method": "grid", "parameters": {
            "seed": {"min": 0, "max": 999999999},
            "learning_rate": {"distribution": "q_uniform", "min": 1e-12, "max": 1.0, "q": 1e-12},
            "epochs": {"values": [1, 2, 3]}}})
        print(spec.grid_size())
        first = spec.grid(4)
        print(len(first), first[0]["seed"], first[3]["epochs"])
        seeds = parse_sweep_config({"method": "grid", "parameters": {
            "seed": {"min": 0, "max": 2147483647}}})
        print(seeds.grid_size(), seeds.grid(2))
        """,
        tmp_path,
        seconds=60,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert int(lines[0]) == 10**9 * 10**12 * 3
    assert lines[1] == "4 0 1"  # the last parameter varies fastest: epochs 1, 2, 3, 1
    assert lines[2] == "2147483648 [{'seed': 0}, {'seed': 1}]"


def test_hyperband_eta_is_bounded():
    from jaxnn.sweeps import SweepConfigError, parse_sweep_config

    raw = {
        "method": "random",
        "metric": {"name": "val_accuracy", "goal": "maximize"},
        "early_terminate": {"type": "hyperband", "eta": 1.0000000001, "min_iter": 1},
        "parameters": {"epochs": {"value": 3}},
    }
    with pytest.raises(SweepConfigError, match=r"eta: expected a number in \[1.01, 1000\]"):
        parse_sweep_config(raw)


@pytest.mark.parametrize("where", ["npz", "csv"])
def test_one_label_of_a_billion_is_refused_by_name(tmp_path, where):
    x, y = np.ones((10, 2)), np.r_[np.zeros(9, np.int64), 10**9]
    if where == "npz":
        np.savez(tmp_path / "d.npz", x=x, y=y)
    else:
        np.savetxt(tmp_path / "d.csv", np.c_[x, y], delimiter=",", fmt="%d")
    with pytest.raises(ValueError, match="label 1000000000 makes 1000000001 classes, more than"):
        jaxnn.load_dataset(f"{where}:{tmp_path / f'd.{where}'}")


# --- tracebacks ---


def test_one_label_of_50000_trains_without_a_50001_squared_matrix(tmp_path):
    out = _bounded(
        """
        import numpy as np, jaxnn
        rng = np.random.default_rng(0)
        y = np.arange(120) % 3
        y[7] = 50000
        r = jaxnn.fit((rng.normal(size=(120, 3)), y), epochs=1, hidden_size=4, batch_size=16)
        print(r.config.sizes[-1], r.confusion_matrix)
        """,
        tmp_path,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["50001", "None"]


def _huge_header_npz(path: Path) -> None:
    """An .npz whose x header claims (5e12, 1) float64: 40 TB."""
    import io
    import zipfile

    buf = io.BytesIO()
    np.savez(buf, x=np.zeros((4, 2)), y=np.zeros(4, np.int64))
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z, zipfile.ZipFile(path, "w") as out:
        for info in z.infolist():
            data = z.read(info)
            if info.filename == "x.npy":
                data = data.replace(b"(4, 2)", b"(5000000000000, 1)")
            out.writestr(info.filename, data)


def test_an_npy_header_claiming_40_tb_is_one_line(tmp_path, capsys):
    path = tmp_path / "h.npz"
    _huge_header_npz(path)
    claim = "claims shape (5000000000000, 1) of float64 (40000000000000 bytes)"
    assert claim in _one_line_exit_2(["train", "-d", f"npz:{path}", *SMALL], capsys)
    assert claim in _one_line_exit_2(["evaluate", "--model", str(path), "-d", "xor"], capsys)


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_a_config_nested_100000_deep_is_one_line(tmp_path, capsys, suffix):
    deep = "[" * 100000 + "]" * 100000
    path = tmp_path / f"c.{suffix}"
    if suffix == "json":
        path.write_text('{"method": "grid", "parameters": ' + deep + "}")
    else:
        path.write_text("method: grid\nparameters: " + deep + "\n")
    line = _one_line_exit_2(["sweep", "--config", str(path), "-d", "xor", "--quiet"], capsys)
    assert "nested more than 32 deep" in line


def test_checked_train_under_jit_reports_through_checkify():
    from jax.experimental import checkify

    data = jax.device_put(jaxnn.load_dataset("xor"))
    cfg = jaxnn.make_config((2, 4, 2), epochs=1)
    hp, key = jaxnn.make_hparams(), jax.random.PRNGKey(0)
    run = checkify.checkify(jax.jit(lambda d: jaxnn.checked_train(cfg, hp, key, d)))
    err, (state, _) = run(data)
    assert err.get() is None and int(state.epoch) == 1
    err, _ = run(data._replace(y_train=data.y_train.at[0].set(7)))
    assert "y_train has 1 label(s) outside [0, 1]" in err.get()


@pytest.mark.parametrize("path", [b"m.npz", None, 3])
def test_load_model_of_a_non_path_is_one_line(path):
    with pytest.raises(TypeError, match="a checkpoint path must be a str or os.PathLike, got"):
        jaxnn.load_model(path)


def test_predict_under_jit_takes_raw_inputs(home):
    model = jaxnn.load_model(home / "model.npz")
    x = np.load(home / "new.npz")["x"]
    jitted = jax.jit(lambda a: jaxnn.predict(model, a))(x)
    np.testing.assert_allclose(np.asarray(jitted), np.asarray(jaxnn.predict(model, x)), rtol=1e-5)


# --- silently wrong ---


@pytest.mark.parametrize(
    "label, dtype", [(2**32 + 1, np.int64), (2**31, np.int64), (2**63, np.uint64)]
)
def test_labels_beyond_int32_are_refused_by_name(tmp_path, capsys, label, dtype):
    x, y = np.ones((10, 2)), np.r_[np.zeros(9), label].astype(dtype)
    with pytest.raises(ValueError, match=f"label {label} is beyond int32"):
        jaxnn.split_dataset(x, y)
    np.savez(tmp_path / "d.npz", x=x, y=y)
    line = _one_line_exit_2(["train", "-d", f"npz:{tmp_path / 'd.npz'}", *SMALL], capsys)
    assert f"label {label} is beyond int32" in line


def test_a_float64_value_beyond_float32_is_refused_not_made_inf(home):
    x = np.random.default_rng(0).normal(size=(60, 3))
    x[5, 2] = 1e39
    with pytest.raises(
        ValueError, match=r"^x: row 5, column 2 holds 1e\+39, beyond the range of float32"
    ):
        jaxnn.split_dataset(x, np.arange(60) % 2, standardize="none")
    model = jaxnn.load_model(home / "model.npz")
    big = np.zeros((2, 5))
    big[1, 4] = 1e39
    with pytest.raises(ValueError, match="row 1, column 4 holds 1e\\+39"):
        jaxnn.predict(model, big)


def _rewrite(src: Path, dst: Path, change) -> None:
    with np.load(src) as z:
        arrays = {k: z[k] for k in z.files}
    change(arrays)
    np.savez(dst, **arrays)


def test_preprocessing_statistics_of_the_wrong_shape_are_refused(home, tmp_path):
    bad = tmp_path / "bad.npz"
    _rewrite(
        home / "model.npz",
        bad,
        lambda a: a.update(
            {
                "__preprocessing__.shift": np.zeros(1, np.float32),
                "__preprocessing__.scale": np.ones(1, np.float32),
            }
        ),
    )
    with pytest.raises(
        ValueError,
        match=r"preprocessing has statistics of shape \(1,\), the network's inputs need \(5,\)",
    ):
        jaxnn.load_model(bad)


def test_a_model_with_nan_weights_is_refused(home, tmp_path, capsys):
    bad = tmp_path / "nan.npz"
    _rewrite(home / "model.npz", bad, lambda a: a["params[1].W"].__setitem__((0, 0), np.nan))
    with pytest.raises(ValueError, match=r"params\[1\].W holds NaN or infinity"):
        jaxnn.load_model(bad)
    argv = ["predict", "--model", str(bad), "-d", f"npz:{home / 'new.npz'}"]
    assert "holds NaN or infinity" in _one_line_exit_2(argv, capsys)


def test_gradient_descent_refuses_an_infinite_learning_rate():
    with pytest.raises(ValueError, match="learning_rate must be finite, got inf"):
        jaxnn.gradient_descent(lambda p: p**2, jnp.array(1.0), learning_rate=np.inf, steps=2)
    params = jaxnn.SigmoidNeuronParams(jnp.array(0.0), jnp.array(0.0))
    with pytest.raises(ValueError, match="learning_rate must be finite, got inf"):
        jaxnn.sigmoid_neuron_gradient_descent(
            params, jnp.array([1.0]), jnp.array([0.5]), learning_rate=np.inf, steps=2
        )


def test_float16_cross_entropy_of_huge_logits_is_optaxs():
    optax = pytest.importorskip("optax")
    with np.errstate(over="ignore"):  # float16 logits of +-1e9 overflow to +-inf
        logits = jnp.asarray(np.array([[1e9, -1e9], [-1e9, 1e9]]).astype(np.float16))
    labels = jnp.asarray([1, 1])
    ours = jaxnn.loss_from_logits(logits[:1], labels[:1], output="softmax", loss="cross_entropy")
    theirs = optax.softmax_cross_entropy_with_integer_labels(logits, labels)
    assert float(ours) == float(theirs[0]) == np.inf
    right = jaxnn.loss_from_logits(logits[1:], labels[1:], output="softmax", loss="cross_entropy")
    assert float(right) == 0.0


# --- clear, but late or vague ---


def test_a_yaml_alias_bomb_is_refused_small_and_fast(tmp_path):
    lines = ["method: grid", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 8):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    lines += ["parameters:", "  learning_rate: {values: *a7}"]
    (tmp_path / "bomb.yaml").write_text("\n".join(lines) + "\n")
    out = _bounded(
        """
        from jaxnn._cli import main
        raise SystemExit(main(["sweep", "--config", "bomb.yaml", "-d", "xor", "--quiet"]))
        """,
        tmp_path,
        seconds=60,
    )
    assert out.returncode == 2
    assert "more than 100000 values with its aliases expanded" in out.stderr
    assert len(out.stderr) < 300


def test_boolean_witnesses_directory_is_refused_before_the_count(tmp_path, monkeypatch, capsys):
    from jaxnn.perceptrons import _counting

    def never(*args, **kwargs):
        raise AssertionError("counted before the output path was checked")

    monkeypatch.setattr(_counting, "count_threshold_functions", never)
    line = _one_line_exit_2(["boolean", "--count", "4", "--witnesses", str(tmp_path)], capsys)
    assert "is a directory" in line


def test_a_byte_order_mark_does_not_hide_the_first_header(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufefflabel,a,b\n0,1,2\n1,3,4\n".encode())
    raw = jaxnn.training._data.read_csv(path, label_column="label")
    np.testing.assert_array_equal(raw["y"], [0, 1])
    np.testing.assert_array_equal(raw["x"], [[1, 2], [3, 4]])


@pytest.mark.parametrize(
    "flag, value, message",
    [
        ("--val-fraction", "2", "--val-fraction must be in (0, 1), got 2"),
        ("--data-seed", "-1", "--data-seed must be between 0 and 2147483647, got -1"),
    ],
)
def test_evaluate_names_the_flag_of_a_bad_value(home, capsys, flag, value, message):
    argv = ["evaluate", "--model", str(home / "model.npz"), "-d", f"npz:{home / 'd.npz'}"]
    assert message in _one_line_exit_2([*argv, flag, value], capsys)


# --- hints ---


def test_predict_on_an_unlabelled_csv_names_label_column_none(tmp_path, capsys):
    data = tmp_path / "train.csv"
    rng = np.random.default_rng(0)
    rows = [f"{a:.3f},{b:.3f},{i % 2}" for i, (a, b) in enumerate(rng.normal(size=(60, 2)))]
    data.write_text("a,b,label\n" + "\n".join(rows) + "\n")
    model = tmp_path / "m.npz"
    argv = ["train", "-d", f"csv:{data}", "--label-column", "label", "--save", str(model)]
    assert main([*argv, *SMALL]) == 0
    new = tmp_path / "new.csv"
    new.write_text("a,b\n0.1,0.2\n")
    line = _one_line_exit_2(["predict", "--model", str(model), "-d", f"csv:{new}"], capsys)
    assert "no label column 'label'" in line and "--label-column none" in line


def test_boolean_n_5_points_to_count_5(capsys):
    line = _one_line_exit_2(["boolean", "--n", "5"], capsys)
    assert "--count 5" in line


# --- bad input (the list) ---


def test_non_numeric_regression_targets_are_one_line(tmp_path, capsys):
    np.savez(tmp_path / "s.npz", x=np.ones((10, 2)), y=np.array(["a"] * 10))
    argv = ["train", "-d", f"npz:{tmp_path / 's.npz'}", "--task", "regression", *SMALL]
    assert "y must be numeric" in _one_line_exit_2(argv, capsys)
    (tmp_path / "s.csv").write_text("a,y\n1,x\n2,y\n")
    argv = ["train", "-d", f"csv:{tmp_path / 's.csv'}", "--task", "regression", *SMALL]
    assert "row 2, column 2 (y): 'x' is not a finite number" in _one_line_exit_2(argv, capsys)

"""Downloads of the IDX data sets, against an HTTP server on 127.0.0.1 that the tests start.

The server serves small gzipped IDX files written here, under ``/<mode>/<dataset>/<file>``:
``ok`` serves them whole, ``drop`` closes the connection halfway through a file, ``html``
answers an HTML page, ``race`` holds each file until two clients fetch it at once. The
published checksums are replaced by those of the files written here. No test touches the
internet: ``JAXNN_DATA_URL`` (or a patched ``MIRRORS``) points every download at the server.
"""

import hashlib
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from jaxnn import load_dataset, read_idx, write_idx
from jaxnn._cli import main
from jaxnn.training import _download
from jaxnn.training._formats import IDX_FILES

ROOT = Path(__file__).resolve().parents[2]
NAMES = [base + ".gz" for base in IDX_FILES.values()]


def _idx_files(tmp: Path, n_train=30, n_test=10) -> dict[str, bytes]:
    rng = np.random.default_rng(0)
    files = {}
    for (split, kind), base in IDX_FILES.items():
        n = n_train if split == "train" else n_test
        if kind == "images":
            a = rng.integers(0, 256, size=(n, 5, 5), dtype=np.uint8)
        else:
            a = (np.arange(n) % 10).astype(np.uint8)
        files[base + ".gz"] = write_idx(tmp / (base + ".gz"), a).read_bytes()
    return files


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 (http.server's name)
        server = self.server
        mode, _, rest = self.path.lstrip("/").partition("/")
        dataset, _, name = rest.partition("/")
        server.hits.append((mode, name))
        body = server.files.get(name) if dataset in _download.MD5 else None
        if body is None or mode not in ("ok", "drop", "html", "race"):
            self.send_error(404)
            return
        if mode == "html":
            page = b"<!DOCTYPE html><html><body>Please log in</body></html>"
            self._head(len(page), "text/html; charset=utf-8")
            self.wfile.write(page)
            return
        self._head(len(body), "application/gzip")
        half = len(body) // 2
        if mode == "race":  # both clients are midway through this file at once
            server.barrier(name).wait()
        self.wfile.write(body[:half])
        self.wfile.flush()
        if mode == "drop":
            self.close_connection = True
            return
        if mode == "race":
            server.barrier(name).wait()
        self.wfile.write(body[half:])

    def _head(self, length: int, kind: str):
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, files):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files, self.hits = files, []
        self._barriers, self._lock = {}, threading.Lock()

    def barrier(self, name):
        with self._lock:
            return self._barriers.setdefault(name, threading.Barrier(2, timeout=60))

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def server(tmp_path):
    srv = _Server(_idx_files(tmp_path / "served"))
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def cache(tmp_path, monkeypatch, server):
    """XDG_CACHE_HOME in tmp_path, downloads from the server's ``ok`` files, their checksums."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv(_download.URL_ENV, f"{server.url}/ok")
    sums = {name: hashlib.md5(body).hexdigest() for name, body in server.files.items()}
    for dataset in _download.MD5:
        monkeypatch.setitem(_download.MD5, dataset, dict(sums))
    return tmp_path / "xdg" / "jaxnn" / "data"


def _listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []


def _cli_error(capsys, *argv) -> str:
    capsys.readouterr()
    assert main(["train", *argv, "-e", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("jaxnn: error: "), err
    return lines[0]


@pytest.mark.parametrize("dataset", ["mnist", "fashion_mnist", "kmnist"])
def test_download_verifies_caches_and_a_second_run_reads_the_cache(dataset, cache, server, capsys):
    d = load_dataset(dataset)
    assert [len(a) for a in d] == [27, 27, 3, 3, 10, 10]
    assert sorted(server.hits) == sorted(("ok", n) for n in NAMES)
    assert _listing(cache / dataset) == sorted(NAMES)  # no temporaries, nothing else
    for name, body in server.files.items():
        assert (cache / dataset / name).read_bytes() == body
    test_images = read_idx(cache / dataset / "t10k-images-idx3-ubyte.gz").reshape(10, 25)
    np.testing.assert_array_equal(d.x_test, (test_images / np.float32(255)).astype(np.float32))
    assert capsys.readouterr().err.strip().splitlines() == [
        f"jaxnn: {dataset}: downloaded and verified 4 file(s) into {cache / dataset}"
    ]
    again = load_dataset(dataset)  # from the cache: no request, no message
    assert len(server.hits) == 4 and capsys.readouterr().err == ""
    for a, b in zip(d, again):
        np.testing.assert_array_equal(a, b)


def test_a_corrupt_cached_file_is_fetched_again(cache, server, capsys):
    load_dataset("mnist")
    path = cache / "mnist" / "train-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-5])
    capsys.readouterr()
    load_dataset("mnist")
    assert server.hits[4:] == [("ok", "train-labels-idx1-ubyte.gz")]
    assert path.read_bytes() == server.files[path.name]
    assert "1 cached file(s) had failed their MD5 check" in capsys.readouterr().err


def test_data_dir_reads_the_given_directory_and_downloads_nothing(cache, server, tmp_path):
    d = load_dataset("mnist", data_dir=tmp_path / "served")
    assert len(d.x_test) == 10 and server.hits == [] and not cache.exists()


def _refused(match: str, cache: Path) -> None:
    with pytest.raises(_download.DownloadError, match=match) as e:
        load_dataset("mnist")
    assert "\n" not in str(e.value)
    assert _listing(cache / "mnist") == []  # nothing under the final name, no temporary


def test_a_checksum_mismatch_leaves_no_file(cache, monkeypatch):
    monkeypatch.setitem(_download.MD5["mnist"], "train-images-idx3-ubyte.gz", "0" * 32)
    _refused(r"checksum mismatch: MD5 [0-9a-f]{32}, expected 0{32}", cache)


def test_a_connection_dropped_midway_leaves_no_file(cache, server, monkeypatch):
    monkeypatch.setenv(_download.URL_ENV, f"{server.url}/drop")
    size = len(server.files["train-images-idx3-ubyte.gz"])
    _refused(rf"the connection closed after {size // 2} of {size} bytes", cache)


def test_a_404_leaves_no_file_and_names_the_url(cache, server, monkeypatch):
    monkeypatch.setenv(_download.URL_ENV, f"{server.url}/missing")
    url = f"{server.url}/missing/mnist/train-images-idx3-ubyte.gz"
    _refused(rf"cannot download train-images-idx3-ubyte.gz \({url}: HTTP 404 ", cache)


def test_the_next_mirror_is_tried(cache, server, monkeypatch, capsys):
    monkeypatch.delenv(_download.URL_ENV)
    mirrors = (f"{server.url}/missing/mnist/", f"{server.url}/ok/mnist/")
    monkeypatch.setitem(_download.MIRRORS, "mnist", mirrors)
    assert len(load_dataset("mnist").x_test) == 10
    assert [mode for mode, _ in server.hits] == ["missing", "ok"] * 4


def test_html_instead_of_gzip_exits_2_with_one_line(cache, server, monkeypatch, capsys):
    monkeypatch.setenv(_download.URL_ENV, f"{server.url}/html")
    line = _cli_error(capsys, "-d", "mnist")
    assert f"{server.url}/html/mnist/train-images-idx3-ubyte.gz: answered an HTML page" in line
    assert _listing(cache / "mnist") == []


@pytest.mark.parametrize("blocker", ["xdg/jaxnn/data", "xdg/jaxnn", "xdg"])
def test_a_cache_directory_that_is_a_file_exits_2_with_one_line(
    cache, server, tmp_path, capsys, blocker
):
    (tmp_path / blocker).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / blocker).write_text("not a directory")
    line = _cli_error(capsys, "-d", "fashion_mnist")
    assert f"data cache {cache / 'fashion_mnist'}: {tmp_path / blocker} is a file" in line
    assert "--data-dir DIR" in line and server.hits == []


def test_offline_names_the_url_and_the_manual_step(cache, monkeypatch, capsys):
    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv(_download.URL_ENV, f"http://127.0.0.1:{port}")
    line = _cli_error(capsys, "-d", "kmnist")
    url = f"http://127.0.0.1:{port}/kmnist/train-images-idx3-ubyte.gz"
    assert f"({url}: no connection (" in line
    target = cache / "kmnist" / "train-images-idx3-ubyte.gz"
    assert f"Download it by hand and save it as {target} (MD5 " in line
    assert "--data-dir DIR" in line and _listing(cache / "kmnist") == []


_CLIENT = """
import json, sys
from jaxnn.training import _download
from jaxnn.training._sources import read_source
_download.MD5["mnist"] = json.loads(sys.argv[1])
raw = read_source("mnist")
print(json.dumps([int(raw["x"].sum()), len(raw["x_test"])]))
"""


def test_two_processes_downloading_into_one_cache_both_end_verified(cache, server):
    env = {**os.environ, "PYTHONPATH": str(ROOT), _download.URL_ENV: f"{server.url}/race"}
    sums = json.dumps(_download.MD5["mnist"])
    clients = [
        subprocess.Popen(
            [sys.executable, "-c", _CLIENT, sums],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [c.communicate(timeout=300) for c in clients]
    for client, (out, err) in zip(clients, outs):
        assert client.returncode == 0, err[-2000:]
    assert outs[0][0] == outs[1][0]
    # every file was fetched by both at once (the server held each until both were midway)
    assert sorted(server.hits) == sorted(("race", n) for n in NAMES for _ in range(2))
    assert not any(server.barrier(n).broken for n in NAMES)
    assert _listing(cache / "mnist") == sorted(NAMES)
    for name, body in server.files.items():
        assert (cache / "mnist" / name).read_bytes() == body

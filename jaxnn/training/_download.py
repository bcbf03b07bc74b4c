"""Downloads of the course's IDX data sets (MNIST, Fashion-MNIST, Kuzushiji-MNIST), verified.

The four gzipped IDX files of each set come from the sources torchvision uses (``MIRRORS``, tried
in order), are checked against their published MD5 sums (``MD5``) and kept in
``$XDG_CACHE_HOME/jaxnn/data/<dataset>/`` (default ``~/.cache/jaxnn/data``), so a set is
downloaded once. A file in the cache is checked again on every use; one that fails is fetched
again.

Every file is streamed into a temporary file beside its final name, fsynced, verified, and only
then renamed over the final name (`jaxnn._util.atomic_writer`): a dropped connection, a wrong
checksum or an HTML page never leaves a file under the final name, and two processes filling one
cache at once each rename whole, verified content. Standard library only (urllib); the progress
bar is tqdm's when tqdm is installed, else there is none.

``JAXNN_DATA_URL`` replaces the mirrors by one base URL holding ``<dataset>/<file>`` (a local
mirror, or the tests' server); the checksums still apply.
"""

from __future__ import annotations

import hashlib
import http.client
import importlib.util
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

from jaxnn._util import atomic_writer, progress_bar

__all__ = ["MD5", "MIRRORS", "URL_ENV", "DownloadError", "data_cache_dir", "download_idx"]

MIRRORS = {
    "mnist": (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    "fashion_mnist": (
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    ),
    "kmnist": (
        "http://codh.rois.ac.jp/kmnist/dataset/kmnist/",
        "https://storage.googleapis.com/kuzushiji-mnist/",
    ),
}
"""The base URLs of each set's four files, tried in order (torchvision's, then a second source
its authors or Keras publish)."""

MD5 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    },
    "fashion_mnist": {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    },
    "kmnist": {
        "train-images-idx3-ubyte.gz": "bdb82020997e1d708af4cf47b453dcf7",
        "train-labels-idx1-ubyte.gz": "e144d726b3acfaa3e44228e80efcd344",
        "t10k-images-idx3-ubyte.gz": "5c965bf0a639b31b8f53240b1b52f4d7",
        "t10k-labels-idx1-ubyte.gz": "7320c461ea6c1c855c0b718fb2a4b134",
    },
}
"""The published MD5 sum of each file (torchvision's table; Fashion-MNIST's README lists the
same sums)."""

URL_ENV = "JAXNN_DATA_URL"
TIMEOUT = 60.0  # seconds without a byte before a connection counts as lost
MAX_BYTES = 64 << 20  # larger than any of the files (Fashion-MNIST's largest is 26 MB)
_CHUNK = 1 << 16


class DownloadError(OSError):
    """A data set file that could not be downloaded or cached; the message is one line."""


class _Failed(Exception):
    """One URL's failure (the caller tries the next mirror)."""


def data_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/jaxnn/data``, or ``~/.cache/jaxnn/data``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "jaxnn" / "data"


def _mirrors(dataset: str) -> tuple[str, ...]:
    base = os.environ.get(URL_ENV)
    if base:
        return (base.rstrip("/") + f"/{dataset}/",)
    return MIRRORS[dataset]


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _make_cache(directory: Path) -> None:
    """Creates ``directory``, or raises a one-line `DownloadError` (a file in the way)."""
    hint = "remove it, set XDG_CACHE_HOME to another directory, or pass --data-dir DIR"
    for p in (directory, *directory.parents):
        if p.exists() or p.is_symlink():
            if not p.is_dir():
                raise DownloadError(f"data cache {directory}: {p} is a file, not a folder; {hint}")
            break
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DownloadError(f"data cache {directory}: cannot create it ({e.strerror}); {hint}")


def _bar(total: int | None, name: str):
    # tqdm when installed and stderr is a terminal (disable=None); else no bar and no notice
    enabled = importlib.util.find_spec("tqdm") is not None
    return progress_bar(total, desc=name, unit="B", enabled=enabled, unit_scale=True, disable=None)


def _read(response, size: int) -> bytes:
    try:
        return response.read(size)
    except (OSError, http.client.HTTPException) as e:
        raise _Failed(f"the connection failed midway ({type(e).__name__}: {e})") from None


def _stream(url: str, md5: str, path: Path) -> None:
    """Streams ``url`` into a temporary beside ``path``, renamed over it only when whole, gzip
    and of the right MD5; raises `_Failed` naming what went wrong."""
    request = urllib.request.Request(url, headers={"User-Agent": "jaxnn"})
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT)
    except urllib.error.HTTPError as e:
        raise _Failed(f"HTTP {e.code} {e.reason}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
        reason = getattr(e, "reason", e)
        raise _Failed(f"no connection ({reason})") from None
    with response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        if total is not None and total > MAX_BYTES:
            raise _Failed(f"the server announces {total} bytes, more than any IDX file")
        first = _read(response, _CHUNK)
        if not first:
            raise _Failed("an empty response")
        if first[:2] != b"\x1f\x8b":
            kind = response.headers.get_content_type()
            what = "an HTML page" if "html" in kind or first.lstrip()[:1] == b"<" else kind
            raise _Failed(f"answered {what}, not gzip data")
        digest, got = hashlib.md5(usedforsecurity=False), 0
        bar = _bar(total, path.name)
        try:
            with atomic_writer(path) as f:
                chunk = first
                while chunk:
                    f.write(chunk)
                    digest.update(chunk)
                    got += len(chunk)
                    bar.update(len(chunk))
                    if got > MAX_BYTES:
                        raise _Failed(f"more than {MAX_BYTES} bytes, more than any IDX file")
                    chunk = _read(response, _CHUNK)
                if total is not None and got != total:
                    raise _Failed(f"the connection closed after {got} of {total} bytes")
                if digest.hexdigest() != md5:
                    raise _Failed(f"checksum mismatch: MD5 {digest.hexdigest()}, expected {md5}")
        finally:
            bar.close()


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _fetch(dataset: str, name: str, md5: str, path: Path) -> None:
    failures = []
    for base in _mirrors(dataset):
        url = base + name
        try:
            _stream(url, md5, path)
            return
        except _Failed as e:
            failures.append(f"{url}: {_one_line(e)}")
    raise DownloadError(
        f"{dataset}: cannot download {name} ({'; '.join(failures)}). Download it by hand and "
        f"save it as {path} (MD5 {md5}), or pass --data-dir DIR (data_dir=) naming a directory "
        f"that holds the four IDX files"
    )


def download_idx(dataset: str, cache: str | os.PathLike | None = None) -> Path:
    """The directory of the four verified IDX files of ``dataset``, downloading what is missing.

    Each file in ``cache/<dataset>/`` is checked against its MD5; a missing file, or one that
    fails the check, is downloaded from the mirrors in turn and renamed into place only when it
    is whole, gzip and of the published MD5.

    Args:
      dataset: ``mnist``, ``fashion_mnist`` or ``kmnist``.
      cache: the cache root (default `data_cache_dir`).

    Returns:
      ``cache/<dataset>``, holding ``train-images-idx3-ubyte.gz`` and the three others.

    Raises:
      DownloadError: one line: the cache directory is a file or cannot be made, or a file could
        not be had from any mirror (each URL with its reason: no connection, an HTTP status, an
        HTML page, a dropped connection, a checksum mismatch), with the manual step.
    """
    if dataset not in MD5:
        raise ValueError(f"no download for {dataset!r}; valid: {', '.join(MD5)}")
    directory = Path(cache if cache is not None else data_cache_dir()) / dataset
    _make_cache(directory)
    fetched, replaced = 0, 0
    for name, md5 in MD5[dataset].items():
        path = directory / name
        if path.is_file():
            if _md5(path) == md5:
                continue
            replaced += 1
        _fetch(dataset, name, md5, path)
        fetched += 1
    if fetched:  # one line, once the files are in place (a failure is the error's one line)
        again = f"; {replaced} cached file(s) had failed their MD5 check" if replaced else ""
        print(
            f"jaxnn: {dataset}: downloaded and verified {fetched} file(s) into {directory}{again}",
            file=sys.stderr,
        )
    return directory

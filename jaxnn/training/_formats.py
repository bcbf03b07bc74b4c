"""The file formats of the user's own data: IDX (the MNIST format), NPZ archives and CSV tables.

Each reader checks its file at the boundary and names the file (and, for a CSV cell, its row and
column) in every error; it returns NumPy arrays by name (``x``, ``y``, optionally ``x_test``,
``y_test``, ``x_val``, ``y_val``), which `jaxnn.training._sources` splits and scales.
"""

from __future__ import annotations

import csv
import gzip
import os
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from jax.typing import ArrayLike

from jaxnn._util import check_npz

__all__ = ["IDX_FILES", "read_csv", "read_idx", "read_npz", "write_idx"]

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

"""Checkpoints: a `TrainState` (params, optimizer state, epoch, PRNG key) and its config in a file.

The file is a NumPy ``.npz`` archive with one array per leaf, named by its path in the state
(``params[1].W``, ``opt_state.m[0].W``, ``epoch``, ``key``), the statistics of the input
preprocessing (``__preprocessing__.shift`` and ``.scale``) and of regression targets'
(``__target_preprocessing__.``), and a JSON entry holding the config, the hyperparameters, the data
set's name and settings, the preprocessings' kinds and the metrics so far. bfloat16 leaves, which
``.npz`` cannot name, are stored as their uint16 bit patterns and listed in the JSON. A custom
`Activation`, `Output` or `Loss`, a user's optax transformation or learning-rate schedule
(functions, which no file can hold) is stored by name and must be passed again to load. The file
is written atomically (temporary file, fsync, rename), so a crash never leaves half a checkpoint
under the final name. Loading checks the config, then every leaf's presence, shape and dtype and
the statistics' shapes, and names the file and the leaf path of the first mismatch; array headers
are checked against the archive and the memory before anything is allocated; nothing is written
while loading.

Format 2 holds the optimizer state of `jaxnn.training._optimizers.optimizer` (codes,
hyperparameters, moments). A format-1 file (the earlier optax chains) still loads for prediction
and evaluation (its parameters, config and preprocessing); resuming it is refused.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any, NamedTuple

import jax
import numpy as np

from jaxnn._util import atomic_writer, check_npz
from jaxnn.feedforward._activations import Activation
from jaxnn.feedforward._losses import Loss, Output
from jaxnn.training._loop import (
    HParams,
    TrainConfig,
    TrainState,
    check_config,
    init_state,
    make_hparams,
)
from jaxnn.training._optimizers import custom_name, is_transformation
from jaxnn.training._scaling import Preprocessing

__all__ = [
    "Checkpoint",
    "leaf_paths",
    "load_checkpoint",
    "params_sha256",
    "read_checkpoint_metadata",
    "save_checkpoint",
]

FORMAT = "jaxnn-checkpoint"
VERSION = 2
READABLE = (1, 2)
"""Formats that load; only `VERSION` resumes (format 1 held another optimizer state)."""
_META = "__jaxnn_meta__"
_PRE = "__preprocessing__."
_TARGET_PRE = "__target_preprocessing__."
_CUSTOM = {"activation": Activation, "output": Output, "loss": Loss}
_CODE = (*_CUSTOM, "optimizer", "lr_schedule")  # the config fields that may hold a user's code


class Checkpoint(NamedTuple):
    """What `load_checkpoint` returns.

    Attributes:
      state: the restored `TrainState` (jax arrays).
      config: the `TrainConfig` it was saved with.
      hparams: the hyperparameters it was saved with, as a dict of floats (or None).
      dataset: the name of the data set it was trained on (or None).
      history: the per-epoch metrics saved with it: a dict of lists (or None).
      preprocessing: the `Preprocessing` of the inputs (``none`` for files without one).
      data: the data settings it was trained with (``data_seed``, ``val_fraction``, ...), or
        None.
      target_preprocessing: the `Preprocessing` of regression targets (``none`` for files
        without one).
    """

    state: TrainState
    config: TrainConfig
    hparams: dict[str, Any] | None
    dataset: str | None
    history: dict[str, list] | None
    preprocessing: Preprocessing = Preprocessing()
    data: dict[str, Any] | None = None
    target_preprocessing: Preprocessing = Preprocessing()


def leaf_paths(tree: Any) -> list[str]:
    """The path of every leaf of ``tree`` as text, in tree order (``params[1].W``, ...)."""
    flat, _ = jax.tree_util.tree_flatten_with_path(tree)
    return [jax.tree_util.keystr(path).lstrip(".") for path, _ in flat]


def params_sha256(params: Any) -> str:
    """The SHA-256 of the bytes of every parameter array, in tree order (hex)."""
    h = hashlib.sha256()
    for leaf in jax.tree_util.tree_leaves(params):
        h.update(np.ascontiguousarray(np.asarray(leaf)).tobytes())
    return h.hexdigest()


def _hparams_dict(hparams: HParams | dict | None) -> dict[str, Any] | None:
    if hparams is None:
        return None
    items = hparams._asdict() if isinstance(hparams, HParams) else dict(hparams)
    # float32 values written as their shortest decimal (0.001, not 0.0010000000474974513)
    short = np.vectorize(lambda x: float(str(np.float32(x))), otypes=[float])
    return {k: short(np.asarray(v, np.float32)).tolist() for k, v in items.items()}


def _is_custom(field: str, value: Any) -> bool:
    if field == "optimizer":
        return is_transformation(value)
    if field == "lr_schedule":
        return callable(value)
    return isinstance(value, _CUSTOM[field])


def config_json(config: TrainConfig) -> dict[str, Any]:
    """The config as JSON: custom `Activation`, `Output` and `Loss` values, a user's optax
    transformation and schedule by name, ``{"custom": "activation", "name": ...}``."""
    out = config._asdict()
    for field in _CODE:
        value = out[field]
        if _is_custom(field, value):
            name = value.name if field in _CUSTOM else custom_name(value)
            out[field] = {"custom": field, "name": name}
    return out


def save_checkpoint(
    path: str | os.PathLike,
    state: TrainState,
    config: TrainConfig,
    *,
    hparams: HParams | dict | None = None,
    dataset: str | None = None,
    history: dict[str, list] | None = None,
    preprocessing: Preprocessing | None = None,
    data: dict[str, Any] | None = None,
    target_preprocessing: Preprocessing | None = None,
) -> Path:
    """Writes ``state`` and its config to ``path`` atomically.

    Args:
      path: the file to write (conventionally ``.npz``); its directory is created.
      state: the `TrainState` (possibly with a leading member axis, for a sweep).
      config: the `TrainConfig` it was trained with.
      hparams: the hyperparameters (`HParams` or a dict), stored for checking on resume.
      dataset: the data set's name, stored for checking on resume.
      history: per-epoch metrics so far (a dict of lists), restored on resume.
      preprocessing: how raw inputs become the network's inputs (`Dataset.preprocessing`), so
        that a loaded model takes raw inputs; None: ``none``.
      data: the data settings (``data_seed``, ``val_fraction``, ...), so that ``jaxnn
        evaluate`` splits the data as training did.
      target_preprocessing: how regression targets were scaled, so that a loaded model gives
        outputs in their units; None: ``none``.

    Returns:
      The path written.
    """
    config = check_config(config)
    preprocessing = preprocessing if preprocessing is not None else Preprocessing()
    target = target_preprocessing if target_preprocessing is not None else Preprocessing()
    arrays = dict(zip(leaf_paths(state), (np.asarray(x) for x in jax.tree_util.tree_leaves(state))))
    bfloat16 = [k for k, a in arrays.items() if a.dtype == jax.numpy.bfloat16]
    for k in bfloat16:  # .npz writes bfloat16 as an anonymous void type: keep the bits
        arrays[k] = arrays[k].view(np.uint16)
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "config": config_json(config),
        "hparams": _hparams_dict(hparams),
        "dataset": dataset,
        "data": data,
        "preprocessing": preprocessing.kind,
        "target_preprocessing": target.kind,
        "history": history,
        "leaves": list(arrays),
        "bfloat16": bfloat16,
    }
    for prefix, pre in ((_PRE, preprocessing), (_TARGET_PRE, target)):
        for name, a in pre.to_arrays().items():
            arrays[prefix + name] = np.asarray(a)
    arrays[_META] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    with atomic_writer(path) as f:  # streamed: no second copy of a large state in memory
        np.savez(f, **arrays)
    return Path(path)


def _path(path: Any) -> Path:
    """A checkpoint's path as a `Path`; a one-line TypeError for anything else (bytes, None)."""
    if not isinstance(path, str | os.PathLike):
        raise TypeError(
            f"a checkpoint path must be a str or os.PathLike, got {type(path).__name__}"
        )
    return Path(path)


def _open(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The state's arrays (the preprocessing's apart, under ``meta["preprocessing_arrays"]``)
    and the metadata."""
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    raw = path.read_bytes()
    if not raw.startswith(b"PK"):
        raise ValueError(f"{path}: not a jaxnn checkpoint (not an .npz archive)")
    check_npz(io.BytesIO(raw), str(path))  # headers against the archive and the memory
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        meta = json.loads(arrays.pop(_META).tobytes().decode())
    except (zipfile.BadZipFile, EOFError, OSError):
        raise ValueError(
            f"{path}: not a jaxnn checkpoint (a corrupt or truncated archive)"
        ) from None
    except KeyError:
        raise ValueError(f"{path}: not a jaxnn checkpoint (no {_META} entry)") from None
    except ValueError:  # object arrays, bad JSON: nothing a checkpoint of ours holds
        raise ValueError(f"{path}: not a jaxnn checkpoint (unexpected contents)") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"{path}: not a jaxnn checkpoint (no {FORMAT} header)")
    if meta.get("version") not in READABLE:
        raise ValueError(
            f"{path}: checkpoint version {meta.get('version')}, expected one of "
            f"{', '.join(map(str, READABLE))}"
        )
    for key, prefix in (("preprocessing_arrays", _PRE), ("target_arrays", _TARGET_PRE)):
        names = [k for k in arrays if k.startswith(prefix)]
        meta[key] = {k[len(prefix) :]: arrays.pop(k) for k in names}
    bfloat16 = meta.get("bfloat16") or []
    for k in bfloat16 if isinstance(bfloat16, list) else []:
        if k in arrays and arrays[k].dtype == np.uint16:
            arrays[k] = arrays[k].view(jax.numpy.bfloat16)
    return arrays, meta


def _preprocessing(path: Path, meta: dict, config: TrainConfig, target: bool = False):
    """The stored input (or ``target``) `Preprocessing`, its statistics' shapes checked against
    the network's input (output) width: a statistic of shape (1,) is never broadcast."""
    what = "target preprocessing" if target else "preprocessing"
    kind = meta.get("target_preprocessing" if target else "preprocessing") or "none"
    try:
        pre = Preprocessing(kind, **meta["target_arrays" if target else "preprocessing_arrays"])
    except (TypeError, ValueError) as e:
        raise ValueError(f"{path}: the stored {what} is invalid ({e})") from None
    width = config.sizes[-1] if target else config.sizes[0]
    expected = () if pre.kind == "scale255" else (width,)
    if pre.kind != "none" and np.shape(pre.shift) != expected:
        raise ValueError(
            f"{path}: the stored {what} has statistics of shape {np.shape(pre.shift)}, the "
            f"network's {'outputs' if target else 'inputs'} need {expected}"
        )
    return pre


def read_checkpoint_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The JSON metadata of a checkpoint: config, hparams, dataset, data, preprocessing,
    history, leaves."""
    meta = _open(_path(path))[1]
    meta.pop("preprocessing_arrays")
    meta.pop("target_arrays")
    return meta


def saved_config(path: str | os.PathLike, meta: dict, **custom: Any) -> TrainConfig:
    """The config stored in a checkpoint's metadata; ``custom`` values (``activation=``,
    ``output=``, ``loss=``, ``optimizer=``, ``lr_schedule=``) stand for the custom ones stored by
    name.

    Raises:
      ValueError: naming the file, for an invalid config or a custom value not passed.
    """
    try:
        fields = dict(meta["config"])
        fields["sizes"] = tuple(fields["sizes"])
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"{path}: the stored config is invalid ({e})") from None
    for field in _CODE:
        stored = fields.get(field)
        if isinstance(stored, dict):
            name = stored.get("name")
            if custom.get(field) is None:
                raise ValueError(
                    f"{path} was trained with a custom {field} {name!r}, which a file cannot "
                    f"hold (it is code): pass it again, jaxnn.load_model(path, {field}=...) "
                    f"(or {field}=... with resume)"
                )
            fields[field] = custom[field]
    try:
        return check_config(TrainConfig(**fields))
    except (KeyError, TypeError, ValueError) as e:
        hint = ""
        if "unknown" in str(e):
            hint = "; a loss or activation added to a registry must be added again before loading"
        raise ValueError(f"{path}: the stored config is invalid ({e}){hint}") from None


def _check_x64(path: Path, config: TrainConfig) -> None:
    if config.dtype == "float64" and not jax.config.jax_enable_x64:
        raise ValueError(
            f"{path} holds a float64 model: turn on 64-bit JAX before loading it, "
            f"jax.config.update('jax_enable_x64', True) (jaxnn predict and evaluate do)"
        )


def _compare(path: Path, what: str, saved: dict, now: dict) -> None:
    diffs = [
        f"{k} {saved.get(k)!r} in checkpoint, {now[k]!r} now"
        for k in now
        if k in saved and saved[k] != now[k]
    ]
    if diffs:
        raise ValueError(
            f"{path} was saved with other {what}: {'; '.join(diffs)}; resume with the same "
            f"settings (only the number of epochs may change)"
        )


def load_checkpoint(
    path: str | os.PathLike,
    config: TrainConfig | None = None,
    *,
    hparams: HParams | dict | None = None,
    dataset: str | None = None,
    like: TrainState | None = None,
    activation: Any = None,
    output: Any = None,
    loss: Any = None,
    optimizer: Any = None,
    lr_schedule: Any = None,
) -> Checkpoint:
    """Reads a checkpoint, refusing one of another config, structure, shape or dtype.

    Args:
      path: the file written by `save_checkpoint`.
      config: the config of the run that resumes; every field but ``epochs`` must equal the
        stored one. None: the stored config (a custom activation or loss, stored by name, must
        then be passed: see `jaxnn.load_model`).
      hparams: if given, must equal the stored hyperparameters (``init_scale`` aside: it only
        matters at initialization).
      dataset: if given, must equal the stored data set name.
      like: a template `TrainState` (arrays or `jax.ShapeDtypeStruct`); by default the shapes
        `init_state` gives for ``config``.
      activation: with ``config`` None, the `Activation` of a model trained with a custom one
        (the file holds its name); likewise ``output``, ``loss``, ``optimizer`` (a user's optax
        transformation) and ``lr_schedule`` (a user's schedule).

    Returns:
      A `Checkpoint`. A format-1 file (written before the optimizer state changed) loads with
      ``config`` None only, its state holding the parameters, epoch and key (``opt_state`` None).

    Raises:
      FileNotFoundError: if ``path`` does not exist.
      ValueError: naming the file and what differs: the config field, the data set, a
        hyperparameter, or a leaf path with its shape or dtype in the file and the one expected.
    """
    path = _path(path)
    arrays, meta = _open(path)
    old_format = meta["version"] != VERSION
    custom = dict(activation=activation, output=output, loss=loss)
    custom.update(optimizer=optimizer, lr_schedule=lr_schedule)
    config, saved = _configs(path, meta, config, custom)
    _check_x64(path, saved)
    if dataset is not None and meta.get("dataset") not in (None, dataset):
        raise ValueError(f"{path} was trained on {meta['dataset']!r}, this run uses {dataset!r}")
    if hparams is not None and meta.get("hparams") is not None:
        now = _hparams_dict(hparams)
        now.pop("init_scale", None)
        _compare(path, "hyperparameters", meta["hparams"], now)
    if like is None:
        like = jax.eval_shape(
            functools.partial(init_state, config), make_hparams(), jax.random.PRNGKey(0)
        )
    if old_format:  # the parameters, epoch and key; not the optimizer state of format 1
        like = like._replace(opt_state=None)
        arrays = {k: v for k, v in arrays.items() if not k.startswith("opt_state")}
    return Checkpoint(
        _state(path, arrays, like),
        saved,
        meta.get("hparams"),
        meta.get("dataset"),
        meta.get("history"),
        _preprocessing(path, meta, saved),
        meta.get("data"),
        _preprocessing(path, meta, saved, target=True),
    )


def _configs(path: Path, meta: dict, config, custom: dict) -> tuple:
    """``(config, saved)``: the run's config (the stored one when None) and the stored one, which
    must equal it but for the epochs; a format-1 file resumes nothing."""
    if config is None:
        saved = saved_config(path, meta, **{k: v for k, v in custom.items() if v is not None})
        return saved, saved
    if meta["version"] != VERSION:
        raise ValueError(
            f"{path} is a checkpoint of format {meta['version']}, whose optimizer state this "
            f"version of jaxnn no longer has: it loads for predict and evaluate "
            f"(jaxnn.load_model), but cannot be resumed; train again"
        )
    config = check_config(config)
    given = {f: getattr(config, f) for f in _CODE if _is_custom(f, getattr(config, f))}
    saved = saved_config(path, meta, **given)
    now, stored = (config_json(c._replace(epochs=0)) for c in (config, saved))
    _compare(path, "settings", stored, now)
    return config, saved


def _state(path: Path, arrays: dict, like):
    """The state of the file's arrays in the structure of ``like``: every leaf there, with the
    shape and dtype expected (each named in the error)."""
    names = leaf_paths(like)
    templates, treedef = jax.tree_util.tree_flatten(like)
    extra = sorted(set(arrays) - set(names))
    if extra:
        raise ValueError(f"{path}: unexpected leaf {extra[0]} (the state has no such entry)")
    leaves = []
    for name, t in zip(names, templates):
        if name not in arrays:
            raise ValueError(f"{path}: {name} is missing from the checkpoint")
        a = arrays[name]
        if a.shape != tuple(t.shape):
            raise ValueError(
                f"{path}: {name}: shape {a.shape} in checkpoint, {tuple(t.shape)} expected"
            )
        if a.dtype != np.dtype(t.dtype):
            raise ValueError(
                f"{path}: {name}: dtype {a.dtype} in checkpoint, {np.dtype(t.dtype)} expected"
            )
        leaves.append(jax.device_put(a))  # placed (an eager conversion compiles per shape)
    return jax.tree_util.tree_unflatten(treedef, leaves)

"""Run logs: per-epoch JSON lines (``--log``) and Weights & Biases runs (``-wp``/``-we``).

`JsonLinesLog` writes one JSON object per line and flushes it at once, so a killed run keeps every
line up to its last epoch (NaN and infinity become ``null``: every line is standard JSON).

`WandbLogger` logs what the course's ``train.py`` logs: the config, per-epoch ``train_loss``,
``train_accuracy``, ``val_loss`` and ``val_accuracy``, then ``test_loss``, ``test_accuracy`` and the
confusion matrix. wandb is optional (the ``wandb`` extra): without it `start_wandb` returns None
and prints one line. It runs offline unless ``WANDB_MODE`` is set or the user is logged in (an API
key in the environment or in ``~/.netrc``, checked locally, with no network and no wandb import).
"""

from __future__ import annotations

import json
import math
import netrc
import os
import sys
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

import numpy as np

from jaxnn._util import optional

__all__ = [
    "JsonLinesLog",
    "WandbLogger",
    "json_safe",
    "start_wandb",
    "wandb_credentials_present",
    "wandb_mode",
]

_WANDB_HOSTS = ("api.wandb.ai", "api.forge.coreweave.com")


def json_safe(x: Any) -> Any:
    """``x`` with NumPy scalars and arrays as Python values and NaN/infinity as None."""
    if isinstance(x, np.ndarray):
        return json_safe(x.tolist())
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, Mapping):
        return {str(k): json_safe(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [json_safe(v) for v in x]
    return x


class JsonLinesLog:
    """A file of JSON lines, one object per `write`, each flushed to the OS at once.

    Args:
      path: the file; it is truncated when opened, unless ``resume``.
      resume: the epochs a resumed run has already completed: the log's lines of those epochs are
        kept (a killed run's lines after them, and a line cut by the kill, are dropped, as an
        atomic rewrite) and the new lines are appended.
    """

    def __init__(self, path: str | os.PathLike, *, resume: int | None = None) -> None:
        self.path = os.fspath(path)
        mode = "w"
        if resume is not None and os.path.exists(self.path):
            _keep_epochs(self.path, resume)
            mode = "a"
        self._file = open(self.path, mode, encoding="utf-8")  # closed by close()

    def write(self, row: Mapping[str, Any]) -> None:
        """Appends ``row`` as one line and flushes it."""
        self._file.write(json.dumps(json_safe(row), allow_nan=False) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> JsonLinesLog:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _keep_epochs(path: str, epochs: int) -> None:
    """Rewrites the JSON-lines log at ``path`` (atomically) with its lines of epochs 1..epochs."""
    from jaxnn._util import atomic_write_bytes

    kept = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                row = json.loads(line)
            except ValueError:
                continue  # a line cut by the kill
            epoch = row.get("epoch") if isinstance(row, dict) else None
            if isinstance(epoch, int) and 1 <= epoch <= epochs:
                kept.append(line if line.endswith("\n") else line + "\n")
    atomic_write_bytes(path, "".join(kept).encode())


def wandb_credentials_present() -> bool:
    """Whether wandb would find an API key: ``WANDB_API_KEY``, an identity token file, or a
    ``~/.netrc`` (``$NETRC``) entry for the wandb API host. Local only: no network, no import."""
    if os.environ.get("WANDB_API_KEY") or os.environ.get("WANDB_IDENTITY_TOKEN_FILE"):
        return True
    path = os.environ.get("NETRC") or os.path.expanduser("~/.netrc")
    try:
        entries = netrc.netrc(path)
    except (OSError, netrc.NetrcParseError):
        return False
    hosts = set(_WANDB_HOSTS)
    if os.environ.get("WANDB_BASE_URL"):
        hosts.add(urlparse(os.environ["WANDB_BASE_URL"]).hostname or "")
    return any(entries.authenticators(h) for h in hosts if h)


def wandb_mode() -> str:
    """``$WANDB_MODE`` if set, else ``online`` when the user is logged in, else ``offline``."""
    return os.environ.get("WANDB_MODE") or ("online" if wandb_credentials_present() else "offline")


def _say(message: str) -> None:
    print(f"jaxnn: {message}", file=sys.stderr)


class WandbLogger:
    """One wandb run: per-epoch rows, then the test metrics and the confusion matrix.

    Made by `start_wandb`; every method is safe to call after an error turned logging off.
    """

    def __init__(self, wandb: Any, run: Any) -> None:
        self._wandb = wandb
        self.run = run

    @property
    def dir(self) -> str:
        """The run's directory (``.../wandb/offline-run-.../files`` offline)."""
        return str(self.run.dir)

    def log_epoch(self, row: Mapping[str, Any]) -> None:
        """Logs one epoch's row (``epoch``, ``train_loss``, ``train_accuracy``, ``val_loss``,
        ``val_accuracy``); NaN metrics (accuracies of a regression) are left out."""
        self.run.log({k: v for k, v in json_safe(row).items() if v is not None})

    def log_test(
        self,
        test_loss: float,
        test_accuracy: float,
        confusion_matrix: np.ndarray | None = None,
        summary: Mapping[str, Any] | None = None,
    ) -> None:
        """Logs ``test_loss``, ``test_accuracy`` (into the summary too) and the confusion matrix
        (a wandb confusion-matrix chart of the test split), plus any further summary values."""
        values = {"test_loss": test_loss, "test_accuracy": test_accuracy, **(summary or {})}
        values = {k: v for k, v in json_safe(values).items() if v is not None}
        if confusion_matrix is not None:
            m = np.asarray(confusion_matrix)
            names = [str(i) for i in range(m.shape[0])]
            y_true, y_pred = _pairs(m)
            values["confusion_matrix"] = self._wandb.plot.confusion_matrix(
                y_true=y_true, preds=y_pred, class_names=names, title="test confusion matrix"
            )
        self.run.log(values)
        for k, v in values.items():
            if k != "confusion_matrix":
                self.run.summary[k] = v

    def finish(self, exit_code: int = 0) -> None:
        self.run.finish(exit_code=exit_code)


def _pairs(m: np.ndarray) -> tuple[list[int], list[int]]:
    """(true, predicted) class pairs with the counts of confusion matrix ``m``."""
    rows, cols = np.nonzero(m)
    counts = m[rows, cols]
    return np.repeat(rows, counts).tolist(), np.repeat(cols, counts).tolist()


def start_wandb(
    project: str | None,
    entity: str | None,
    *,
    config: Mapping[str, Any],
    name: str | None = None,
    group: str | None = None,
    job_type: str = "train",
    announce: bool = True,
) -> WandbLogger | None:
    """Starts a wandb run, or returns None (one line on stderr) when wandb is not installed or
    cannot start; the caller's run goes on either way.

    Args:
      project: the wandb project (``-wp``); None with an entity gives ``jaxnn``.
      entity: the wandb entity (``-we``), or None for the user's default.
      config: the run's settings, logged as its config.
      name: the run's display name.
      group: the group of the run (a sweep's name: its members are grouped under it).
      job_type: wandb's job type.
      announce: print where an offline run is written and how to upload it.

    Returns:
      A `WandbLogger`, or None.
    """
    wandb = optional("wandb", "logging to wandb (-wp/-we)")
    if wandb is None:
        return None
    mode = wandb_mode()
    try:
        run = wandb.init(
            project=project or "jaxnn",
            entity=entity,
            config=json_safe(dict(config)),
            name=name,
            group=group,
            job_type=job_type,
            mode=mode,
            # read now: wandb's process-wide settings keep the value of its first run
            dir=os.environ.get("WANDB_DIR") or os.getcwd(),
            reinit="create_new",
            settings=wandb.Settings(
                silent=True, console="off", x_disable_stats=True, disable_git=True, save_code=False
            ),
        )
    except Exception as e:  # wandb's own errors (no API key online, a bad entity): log off
        _say(f"wandb ({mode}) could not start, logging to wandb is off: {e}".splitlines()[0])
        return None
    if announce and mode == "offline":
        root = os.path.dirname(str(run.dir))
        _say(f"wandb offline run in {root}; upload it with: wandb sync {root}")
    return WandbLogger(wandb, run)

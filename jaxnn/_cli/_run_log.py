"""The run-log flags of ``jaxnn train`` and ``jaxnn sweep``: ``-wp``/``-we`` (wandb) and ``--log``.

They are output flags, like ``--save`` and ``--out``, not training settings: they change where a
run's numbers go, never the numbers, so they live here and not in the settings table (whose rows
are `TrainConfig`/`HParams` fields, `jaxnn.fit` keywords and README flags).

`SweepLogs` writes a sweep's members: one JSON line per member per epoch (``--log``) and one wandb
run per member, grouped under the sweep, with the keys of a ``jaxnn train`` run.
"""

from __future__ import annotations

import argparse
import datetime
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from jaxnn._logging import JsonLinesLog, WandbLogger, start_wandb
from jaxnn.training._settings import SETTINGS

__all__ = [
    "SweepLogs",
    "TrainLogs",
    "add_run_log_arguments",
    "course_config",
    "member_name",
]

_EPOCH_KEYS = ("train_loss", "train_accuracy", "val_loss", "val_accuracy")
_REGRESSION_KEYS = ("val_rmse", "val_mae", "val_r2")


def add_run_log_arguments(parser: argparse.ArgumentParser, *, sweep: bool = False) -> None:
    """Adds ``-wp/--wandb_project``, ``-we/--wandb_entity`` and ``--log PATH``."""
    g = parser.add_argument_group("logging (wandb: offline unless WANDB_MODE is set or logged in)")
    g.add_argument(
        "-wp",
        "--wandb_project",
        metavar="PROJECT",
        help="log to this wandb project (the wandb extra; default jaxnn when only -we is given)",
    )
    g.add_argument(
        "-we", "--wandb_entity", metavar="ENTITY", help="log under this wandb entity (user, team)"
    )
    g.add_argument(
        "--log",
        metavar="PATH",
        help="write per-epoch metrics as JSON lines to PATH, flushed every epoch"
        + (" (one line per member per epoch)" if sweep else ""),
    )


def course_config(setting: Mapping[str, Any], data: Mapping[str, Any] | None = None) -> dict:
    """A run's config under the course's names (``epsilon``, ``num_layers``, ``hidden_size``).

    Args:
      setting: every `TrainConfig` field, every `HParams` field and ``seed``.
      data: the data settings (``dataset``, ``data_seed``, ``val_fraction``, ...).

    Returns:
      A dict for wandb's config.
    """
    out = {}
    for k, v in setting.items():
        if isinstance(v, tuple):
            v = list(v)
        elif not isinstance(v, int | float | str | bool | type(None) | list):
            v = getattr(v, "name", str(v))  # an Activation, Loss or Output value
        row = SETTINGS.get(k)
        out[row.dest if row is not None else k] = v  # the long flag: eps -> epsilon
    sizes = list(setting.get("sizes", ()))
    hidden = sizes[1:-1]
    out["num_layers"] = len(hidden)
    out["hidden_size"] = hidden[0] if hidden and len(set(hidden)) == 1 else hidden or 0
    return {**out, **dict(data or {})}


def member_name(index: int, setting: Mapping[str, Any]) -> str:
    """A run name, the course's style (``003-hl_3_sz_64_bs_16_ac_tanh_o_adam_lr_0.001``)."""
    hidden = list(setting.get("sizes", ()))[1:-1]
    size = hidden[0] if hidden else 0
    return (
        f"{index:03d}-hl_{len(hidden)}_sz_{size}_bs_{setting.get('batch_size')}"
        f"_ac_{setting.get('activation')}_o_{setting.get('optimizer')}"
        f"_lr_{float(setting.get('learning_rate', 0)):g}"
    )


def wandb_dirs(args: argparse.Namespace) -> dict[str, str]:
    """The directory wandb writes its runs into (``$WANDB_DIR/wandb``, else ``./wandb``) when
    ``-wp``/``-we`` ask for wandb: an output, checked like the others."""
    import os

    if not wants_wandb(args):
        return {}
    return {"wandb": os.path.join(os.environ.get("WANDB_DIR") or os.getcwd(), "wandb")}


def wants_wandb(args: argparse.Namespace) -> bool:
    """Whether ``-wp``/``-we`` ask for wandb logging."""
    return bool(args.wandb_project or args.wandb_entity)


class TrainLogs:
    """The logs of one ``jaxnn train`` run: ``on_epoch`` for `jaxnn.fit`, then `finish`."""

    def __init__(self, args: argparse.Namespace, config: Mapping[str, Any], name: str) -> None:
        resume = _completed_epochs(args.resume) if getattr(args, "resume", None) else None
        self.file = JsonLinesLog(args.log, resume=resume) if args.log else None
        self.wandb: WandbLogger | None = None
        if wants_wandb(args):
            self.wandb = start_wandb(
                args.wandb_project, args.wandb_entity, config=config, name=name
            )

    @property
    def active(self) -> bool:
        """Whether anything is logged per epoch."""
        return self.file is not None or self.wandb is not None

    def on_epoch(self, row: Mapping[str, Any]) -> None:
        if self.file is not None:
            self.file.write(row)
        if self.wandb is not None:
            self.wandb.log_epoch(row)

    def finish(self, result: Any = None) -> None:
        """Logs the test metrics and the confusion matrix of ``result`` (a `FitResult`; None when
        the run failed) and closes the logs."""
        if self.file is not None:
            self.file.close()
        if self.wandb is not None:
            if result is not None:
                regression = {
                    k: getattr(result, k, None) for k in ("test_rmse", "test_mae", "test_r2")
                }
                self.wandb.log_test(
                    result.test_loss,
                    result.test_accuracy,
                    result.confusion_matrix,
                    summary=regression,
                )
            self.wandb.finish(exit_code=0 if result is not None else 1)

    @property
    def wandb_dir(self) -> str | None:
        return self.wandb.dir if self.wandb is not None else None


def _completed_epochs(checkpoint: str) -> int | None:
    """The epochs a checkpoint has completed (its history), or None when it cannot be read (the
    run then fails on it with its own message)."""
    from jaxnn.training._checkpoint import read_checkpoint_metadata

    try:
        history = read_checkpoint_metadata(checkpoint).get("history") or {}
    except (OSError, ValueError, TypeError):
        return None
    epochs = history.get("epoch") if isinstance(history, dict) else None
    return int(epochs[-1]) if isinstance(epochs, list) and epochs else 0


class SweepLogs:
    """The logs of a sweep: JSON lines per member per epoch, one wandb run per member.

    Args:
      args: the parsed flags (``--log``, ``-wp``, ``-we``).
      group: the wandb group of the members (the sweep's name).
      project: the wandb project when ``-wp`` is not given (a config's ``project``).
      entity: the wandb entity when ``-we`` is not given.
    """

    def __init__(
        self,
        args: argparse.Namespace,
        *,
        group: str | None = None,
        project: str | None = None,
        entity: str | None = None,
    ) -> None:
        self.file = JsonLinesLog(args.log) if args.log else None
        self.project = args.wandb_project or project
        self.entity = args.wandb_entity or entity
        self.enabled = bool(self.project or self.entity)
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        self.group = group or f"sweep-{stamp}"
        self.runs = 0
        self._off = False

    def add(
        self,
        members: Sequence[Mapping[str, Any]],
        indices: Sequence[int],
        histories: Sequence[Any],
        settings: Sequence[Mapping[str, Any]],
        *,
        line_keys: Sequence[str],
        confusion: Sequence[np.ndarray | None] | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        """Logs a batch of finished members.

        Args:
          members: the members' records (results and parameter values).
          indices: each member's index in the sweep.
          histories: each member's `EpochMetrics` (arrays over its epochs).
          settings: each member's full setting (for wandb's config).
          line_keys: the record keys written on every JSON line (the swept parameters).
          confusion: each member's test confusion matrix, or None.
          data: the data settings, for wandb's config.
        """
        for n, (record, i, history) in enumerate(zip(members, indices, histories)):
            rows = _rows(history, record.get("history"))
            if self.file is not None:
                head = {"member": i, **({"round": record["round"]} if "round" in record else {})}
                for row in rows:
                    self.file.write({**head, **row, **{k: record[k] for k in line_keys}})
            if not self.enabled or self._off:
                continue
            run = start_wandb(
                self.project,
                self.entity,
                config=course_config(settings[n], data),
                name=member_name(i, settings[n]),
                group=self.group,
                job_type="sweep",
                announce=self.runs == 0,
            )
            if run is None:  # wandb missing or failing: said once, the sweep goes on
                self._off = True
                continue
            for row in rows:
                run.log_epoch(row)
            keys = (
                "diverged",
                "epochs_run",
                "stopped",
                "test_mse",
                "test_rmse",
                "test_mae",
                "test_r2",
                "val_rmse",
                "val_mae",
                "val_r2",
            )
            summary = {k: record[k] for k in keys if k in record}
            run.log_test(
                record.get("test_loss"),
                record.get("test_accuracy"),
                None if confusion is None else confusion[n],
                summary=summary,
            )
            run.finish()
            self.runs += 1

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


def _rows(history: Any, lists: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """A member's `EpochMetrics` as one row per epoch (``epoch`` from 1), with a regression's
    ``val_rmse``, ``val_mae`` and ``val_r2`` from its record's history ``lists``."""
    columns = {k: np.asarray(getattr(history, k), dtype=float) for k in _EPOCH_KEYS}
    for k in _REGRESSION_KEYS:
        if lists and k in lists:
            columns[k] = np.array([np.nan if v is None else v for v in lists[k]], float)
    n = len(columns["train_loss"])
    return [{"epoch": e + 1, **{k: float(v[e]) for k, v in columns.items()}} for e in range(n)]

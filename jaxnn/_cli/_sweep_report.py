"""What every sweep reports besides its ranked table: logs, parameter importance and its figure,
confusion matrices, and the next step: the best member's ``jaxnn train`` command and its test
confusion matrix (drawn in ``--out``), and per-member histories (with, for a regression on one
output, RMSE and R^2 derived exactly from the losses).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from jaxnn._cli._run_log import SweepLogs

__all__ = [
    "best_member",
    "confusion_matrices",
    "flag_sweep_logs",
    "importance_figure",
    "importance_report",
    "member_history",
    "regression_columns",
    "results_table",
]


def results_table(
    records: list[dict[str, Any]],
    order: Sequence[int],
    columns: Sequence[str],
    top: int,
    say: Any = print,
    *,
    abbreviate: bool = True,
    labels: dict[str, str] | None = None,
) -> int:
    """Prints the ranked table (``rank`` and ``columns``, the first ``top`` members; 0: all) and
    writes each record's ``rank``; returns how many rows it showed.

    Args:
      records: the member records.
      order: member indices, best first.
      columns: the record keys to show after the rank.
      top: rows to show (0: every member).
      say: where to print.
      abbreviate: headers as ``val acc``, ``RMSE``, ``R^2`` (else ``val accuracy``).
      labels: the header of a column, where it is not the key with spaces.
    """
    from jaxnn._util import markdown_table

    for rank, i in enumerate(order, start=1):
        records[i]["rank"] = rank
    shown = list(order) if top == 0 else list(order)[:top]
    keys = ["rank", *columns]
    headers = [(labels or {}).get(c) or c.replace("_", " ") for c in keys]
    if abbreviate:
        headers = [
            h.replace("accuracy", "acc").replace("rmse", "RMSE").replace("r2", "R^2")
            for h in headers
        ]
    rows = [[records[i].get(c) for c in keys] for i in shown]
    say(markdown_table(headers, [["-" if v is None else v for v in r] for r in rows]))
    return len(shown)


def confusion_matrices(settings: Sequence[Mapping[str, Any]], params: Sequence[Any], data) -> list:
    """Each member's test confusion matrix (None for regression), one vmapped program per
    config."""
    import jax

    from jaxnn.training._data import is_classification
    from jaxnn.training._loop import TrainConfig, predict_classes
    from jaxnn.training._metrics import confusion_matrix

    if not is_classification(data):
        return [None] * len(settings)
    out: list = [None] * len(settings)
    groups: dict[TrainConfig, list[int]] = {}
    for i, s in enumerate(settings):
        c = TrainConfig(
            **{
                k: (tuple(v) if k == "sizes" else v)
                for k, v in s.items()
                if k in TrainConfig._fields
            }
        )
        groups.setdefault(c, []).append(i)
    x, y = jax.numpy.asarray(data.x_test), jax.numpy.asarray(data.y_test)
    for c, index in groups.items():
        stacked = jax.tree.map(lambda *p: np.stack(p), *(params[i] for i in index))
        predict = jax.jit(jax.vmap(lambda p, c=c: predict_classes(c, p, x)))
        predictions = np.asarray(predict(stacked))
        k = max(2, c.sizes[-1])
        for j, i in enumerate(index):
            out[i] = np.asarray(confusion_matrix(y, predictions[j], k))
    return out


def importance_report(
    members: Sequence[Mapping[str, Any]],
    parameters: Sequence[str],
    metric: str,
    say: Any = print,
) -> dict[str, Any]:
    """Parameter importance and correlation with ``metric``: printed as a table, returned for the
    JSON (``importance``: a list of rows, ``importance_metric``)."""
    from jaxnn._util import markdown_table
    from jaxnn.sweeps._importance import MIN_MEMBERS, parameter_importance

    rows = parameter_importance(members, parameters, metric)
    if not rows:
        if parameters:
            say(
                f"\nparameter importance: needs {MIN_MEMBERS} or more members with a finite "
                f"{metric}"
            )
        return {"importance": [], "importance_metric": metric}
    table = [
        (
            r.name,
            "-" if r.importance is None else f"{r.importance:.3f}",
            "-" if r.correlation is None else f"{r.correlation:+.3f}",
        )
        for r in rows
    ]
    n = sum(1 for m in members if m.get(metric) is not None)
    say(f"\nparameter importance (random forest) and correlation with {metric}, over {n} members\n")
    say(markdown_table(["parameter", "importance", "correlation"], table))
    return {"importance": [r._asdict() for r in rows], "importance_metric": metric}


def importance_figure(report: Mapping[str, Any], out) -> list[str]:
    """Writes ``importance.png`` to ``out`` when there is a table; returns the paths."""
    from pathlib import Path

    from jaxnn._plots import plot_parameter_importance, save_png

    if not report["importance"]:
        return []
    fig = plot_parameter_importance(report["importance"], metric=report["importance_metric"])
    return [str(save_png(fig, Path(out) / "importance.png"))]


def flag_sweep_logs(
    args: argparse.Namespace,
    members: list[dict[str, Any]],
    settings: Sequence[Mapping[str, Any]],
    result: Any,
    swept: Mapping[str, Sequence[Any]],
    data: Any,
    data_settings: Mapping[str, Any],
) -> dict[str, Any]:
    """The logs of a flag sweep (``--log``, ``-wp``/``-we``) and its parameter importance;
    returns the JSON entries to add.

    Args:
      args: the parsed flags.
      members: the member records (settings by name, results).
      settings: each member's full setting as given to the sweep (values as typed).
      result: the `SweepResult`.
      swept: the swept axes by setting name.
      data: the `Dataset`.
      data_settings: the data settings by name, for wandb's config.
    """
    logs = SweepLogs(args)
    try:
        confusion = None
        if logs.wants_params and result.params is not None:
            confusion = confusion_matrices(result.settings, result.params, data)
        logs.add(
            members,
            range(len(members)),
            result.history,
            settings,
            line_keys=list(swept),
            confusion=confusion,
            data=data_settings,
        )
    finally:
        logs.close()
    metric = "val_accuracy"
    if all(m.get("val_accuracy") is None for m in members):
        metric = "val_loss"
    report = importance_report(members, list(swept), metric)
    if args.log:
        print(f"log: {args.log}")
    return {
        **report,
        "wandb_group": logs.group if logs.enabled else None,
        "wandb_runs": logs.runs,
        "log": args.log,
    }


def member_history(history: Any) -> dict[str, list]:
    """A member's `EpochMetrics` as JSON lists (NaN as None)."""
    import math

    return {
        k: [None if not math.isfinite(v) else v for v in map(float, getattr(history, k))]
        for k in history._fields
    }


def regression_columns(records: Sequence[dict[str, Any]], settings: Sequence[Mapping], data):
    """Adds ``val_rmse``, ``val_r2``, ``test_rmse`` and ``test_r2`` to the records of a regression
    on one output with the mse loss, derived exactly from the members' losses (of z-scored
    targets): RMSE = scale * sqrt(loss), R^2 = 1 - loss / Var(y) (`regression_from_loss`)."""
    from jaxnn.training._data import is_classification
    from jaxnn.training._metrics import regression_from_loss

    if is_classification(data) or np.shape(data.y_val)[1] != 1:
        return
    target = data.target_preprocessing
    scale = 1.0 if target is None or target.kind == "none" else float(np.ravel(target.scale)[0])
    variance = {
        s: float(np.var(np.asarray(getattr(data, f"y_{s}"), np.float64))) for s in ("val", "test")
    }
    for record, setting in zip(records, settings):
        if str(setting.get("loss")) != "mse":
            continue
        for split in ("val", "test"):
            loss = record.get(f"{split}_loss")
            derived = regression_from_loss(
                float("nan") if loss is None else loss, scale, variance[split]
            )
            for k, v in derived.items():
                record[f"{split}_{k}"] = v if np.isfinite(v) else None


def best_member(
    args: argparse.Namespace,
    index: int,
    setting: Mapping[str, Any],
    data: Any,
    spec: Any,
    params: Any = None,
    say: Any = print,
) -> dict[str, Any]:
    """The best member's next step: the ``jaxnn train`` command that reruns it alone, and (a
    classifier, with its network kept) its test confusion matrix, drawn in ``--out`` as
    ``confusion_matrix.png``.

    Args:
      args: the parsed flags (``--out``).
      index: the member's index.
      setting: its full setting (`TrainConfig` and `HParams` fields and ``seed``).
      data: the `Dataset`.
      spec: the data settings (`data_settings`).
      params: its final network, or None.
      say: where to print.

    Returns:
      The JSON entries ``best_command``, ``best_confusion_matrix`` and the figures written.
    """
    from jaxnn._cli._train_args import train_command
    from jaxnn.training._data import is_classification

    command = train_command(setting, spec)
    say(f"\nbest member ({index}), alone: {command}")
    out: dict[str, Any] = {"best_command": command, "best_confusion_matrix": None, "figures": []}
    if params is None or not is_classification(data):
        return out
    cm = confusion_matrices([setting], [params], data)[0]
    out["best_confusion_matrix"] = None if cm is None else cm.tolist()
    if args.out and cm is not None:
        from pathlib import Path

        from jaxnn._plots import plot_confusion_matrix, save_png

        accuracy = np.trace(cm) / max(1, cm.sum())
        title = f"best member {index}: test accuracy {accuracy:.4f}"
        fig = plot_confusion_matrix(cm, title=title)
        out["figures"].append(str(save_png(fig, Path(args.out) / "confusion_matrix.png")))
    return out

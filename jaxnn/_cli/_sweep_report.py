"""What every sweep reports besides its ranked table: logs, parameter importance and its figure,
confusion matrices, and the next step: the best member's ``jaxnn train`` command and its test
confusion matrix (drawn in ``--out``), and per-member histories (with, for a regression, its
RMSE, MAE and R^2 per epoch).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from jaxnn._cli._run_log import SweepLogs

__all__ = [
    "KEPT",
    "REGRESSION",
    "best_member",
    "flag_sweep_logs",
    "importance_figure",
    "importance_report",
    "member_history",
    "results_table",
]

REGRESSION = ("val_rmse", "val_mae", "val_r2", "test_mse", "test_rmse", "test_mae", "test_r2")
"""A regression member's results in the JSON: its last epoch's and its test split's."""
KEPT = (*REGRESSION, "confusion_matrix")
"""A member's results besides its losses and accuracies: a regression's metrics, or a
classifier's test confusion matrix (counted inside its program)."""


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
            h.replace("accuracy", "acc")
            .replace("rmse", "RMSE")
            .replace("mae", "MAE")
            .replace("r2", "R^2")
            for h in headers
        ]
    rows = [[records[i].get(c) for c in keys] for i in shown]
    say(markdown_table(headers, [["-" if v is None else v for v in r] for r in rows]))
    return len(shown)


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
        confusion = result.confusion_matrix
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


def member_history(history: Any, regression: Mapping[str, Any] | None = None) -> dict[str, list]:
    """A member's `EpochMetrics` as JSON lists (NaN as None), with a regression's per-epoch
    ``val_rmse``, ``val_mae`` and ``val_r2`` (a member's entry of ``SweepResult.regression``)."""
    import math

    columns = {k: getattr(history, k) for k in history._fields}
    columns.update({k: v for k, v in (regression or {}).items() if np.ndim(v)})
    return {
        k: [None if not math.isfinite(v) else v for v in map(float, values)]
        for k, values in columns.items()
    }


def best_member(
    args: argparse.Namespace,
    index: int,
    setting: Mapping[str, Any],
    spec: Any,
    confusion: Any = None,
    say: Any = print,
) -> dict[str, Any]:
    """The best member's next step: the ``jaxnn train`` command that reruns it alone, and (a
    classifier) its test confusion matrix, drawn in ``--out`` as ``confusion_matrix.png``.

    Args:
      args: the parsed flags (``--out``).
      index: the member's index.
      setting: its full setting (`TrainConfig` and `HParams` fields and ``seed``).
      spec: the data settings (`data_settings`).
      confusion: its test confusion matrix (the sweep's, measured in its program), or None.
      say: where to print.

    Returns:
      The JSON entries ``best_command``, ``best_confusion_matrix`` and the figures written.
    """
    from jaxnn._cli._train_args import train_command

    command = train_command(setting, spec)
    say(f"\nbest member ({index}), alone: {command}")
    out: dict[str, Any] = {"best_command": command, "best_confusion_matrix": None, "figures": []}
    if confusion is None:
        return out
    cm = np.asarray(confusion)
    out["best_confusion_matrix"] = cm.tolist()
    if args.out:
        from pathlib import Path

        from jaxnn._plots import plot_confusion_matrix, save_png

        accuracy = np.trace(cm) / max(1, cm.sum())
        title = f"best member {index}: test accuracy {accuracy:.4f}"
        fig = plot_confusion_matrix(cm, title=title)
        out["figures"].append(str(save_png(fig, Path(args.out) / "confusion_matrix.png")))
    return out

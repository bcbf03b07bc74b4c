"""``jaxnn predict --model PATH -d SPEC``: a saved model's predictions on a data set's raw inputs.

The inputs are scaled with the statistics saved in the model; regression outputs come back in the
targets' units. A held-out file is used whole; on the data the model was trained on, its test
split. With labels, the accuracy and the confusion matrix (or RMSE, MAE and R^2) are reported
too: on the training data exactly the ones training reported. ``--json OUT`` writes every
prediction.
"""

from __future__ import annotations

import argparse

from jaxnn._cli._model_args import model_command

SHOWN = 10

EXAMPLE = (
    "jaxnn predict --model model.npz -d csv:new.csv --label-column none --json predictions.json"
)


HELP = "predictions of a saved model on a data set (class probabilities or outputs)"


def register(p: argparse.ArgumentParser) -> None:
    model_command(p, run)


def run(args: argparse.Namespace) -> dict:
    import numpy as np

    from jaxnn._cli._model_args import json_result, load_model_data, measure, print_summary
    from jaxnn._util import markdown_table

    md = load_model_data(args)
    m = measure(md)
    outputs = m["outputs"]
    shown = min(SHOWN, len(outputs))
    headers = ["row", *(["class"] if "classes" in m else [])]
    labels = md.raw_targets  # the labels, or regression targets in their own units
    if md.targets is not None and labels is None:
        labels = np.asarray(md.model.target_preprocessing.invert(md.targets))
    headers += ["label"] if labels is not None else []
    headers += [f"p{j}" if "classes" in m else f"y{j}" for j in range(outputs.shape[1])]
    rows = []
    for i in range(shown):
        row = [i, *([int(m["classes"][i])] if "classes" in m else [])]
        row += [labels[i].tolist()] if labels is not None else []
        rows.append(row + [float(v) for v in outputs[i]])
    print(markdown_table(headers, rows))
    if shown < len(outputs):
        print(f"\n(the first {shown} of {len(outputs)} rows; --json PATH writes them all)")
    print()
    print_summary(md, m)
    result = json_result(args, md, m)
    key = "probabilities" if "classes" in m else "outputs"
    result[key] = np.round(outputs, 8).tolist()
    result["predictions"] = m["classes"].tolist() if "classes" in m else None
    result["labels"] = None if labels is None else labels.tolist()
    return result

"""``jaxnn predict --model PATH -d SPEC``: a saved model's predictions on a data set's raw inputs.

The inputs are scaled with the statistics saved in the model. With labels, the accuracy and the
confusion matrix are reported too; on the data the model was trained on they are exactly the test
accuracy and confusion matrix training reported. ``--json OUT`` writes every prediction.
"""

from __future__ import annotations

import argparse

from jaxnn._cli._model_args import add_model_arguments

SHOWN = 10


def register(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "predict",
        help="predictions of a saved model on a data set (class probabilities or outputs)",
        description=__doc__.splitlines()[0],
        epilog="example: jaxnn predict --model model.npz -d csv:new.csv --label-column none "
        "--json predictions.json",
    )
    add_model_arguments(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> dict:
    import numpy as np

    from jaxnn._cli._model_args import (
        json_result,
        load_model_data,
        measure,
        print_summary,
    )
    from jaxnn._util import markdown_table

    md = load_model_data(args)
    m = measure(md)
    outputs = m["outputs"]
    shown = min(SHOWN, len(outputs))
    headers = ["row", *(["class"] if "classes" in m else [])]
    headers += ["label"] if md.labels is not None else []
    headers += [f"p{j}" if "classes" in m else f"y{j}" for j in range(outputs.shape[1])]
    rows = []
    for i in range(shown):
        row = [i, *([int(m["classes"][i])] if "classes" in m else [])]
        row += [md.labels[i].tolist()] if md.labels is not None else []
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
    result["labels"] = None if md.labels is None else md.labels.tolist()
    return result

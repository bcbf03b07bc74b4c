"""``jaxnn evaluate --model PATH -d SPEC``: a saved model's loss, accuracy and confusion matrix,
or for regression its RMSE, MAE and R^2.

A held-out file is evaluated whole. The data the model was trained on are split as training split
them and scaled with the statistics saved in the model, so there the test metrics are exactly the
ones training reported.
"""

from __future__ import annotations

import argparse

from jaxnn._cli._model_args import model_command

EXAMPLE = "jaxnn evaluate --model model.npz -d digits"


HELP = "loss, accuracy and confusion matrix of a saved model on a data set"


def register(p: argparse.ArgumentParser) -> None:
    model_command(p, run)


def run(args: argparse.Namespace) -> dict:
    from jaxnn._cli import UsageError
    from jaxnn._cli._model_args import json_result, load_model_data, measure, print_summary

    md = load_model_data(args)
    if md.targets is None:
        raise UsageError(
            f"-d {args.dataset}: no labels to evaluate against (use jaxnn predict for "
            f"predictions alone)"
        )
    m = measure(md)
    print_summary(md, m)
    return json_result(args, md, m)

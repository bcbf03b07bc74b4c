"""Reading wandb's offline run files back, without network and without wandb's internals.

wandb 0.31 has no Python reader for its ``.wandb`` files any more. The file is a leveldb log
(header ``:W&B``, magic 0xBEE1, version 0; 32 KiB blocks of chunks ``<crc32, length, type>``,
FULL/FIRST/MIDDLE/LAST) of the protobuf ``Record`` messages wandb still ships
(``wandb.proto.wandb_internal_pb2``).
"""

import glob
import json
import os
import struct
import zlib

BLOCK, HEADER = 32768, 7


def iter_records(path):
    from wandb.proto import wandb_internal_pb2 as pb

    with open(path, "rb") as f:
        data = f.read()
    ident, magic, version = struct.unpack("<4sHB", data[:7])
    assert ident == b":W&B" and magic == 0xBEE1 and version == 0, f"{path}: not a .wandb file"
    i, buf = 7, b""
    while i + HEADER <= len(data):
        left = BLOCK - i % BLOCK
        if left < HEADER:  # a block's zero padding
            i += left
            continue
        crc, n, kind = struct.unpack("<IHB", data[i : i + HEADER])
        if n == 0 and kind == 0:
            break
        chunk = data[i + HEADER : i + HEADER + n]
        assert zlib.crc32(chunk, zlib.crc32(bytes([kind]))) & 0xFFFFFFFF == crc, "bad crc"
        i += HEADER + n
        if kind == 2:  # FIRST
            buf = chunk
            continue
        if kind == 3:  # MIDDLE
            buf += chunk
            continue
        buf = chunk if kind == 1 else buf + chunk  # FULL, LAST
        record = pb.Record()
        record.ParseFromString(buf)
        yield record


def _key(item):
    return item.key or "/".join(item.nested_key)


def read_run(path):
    """One run's id, group, job type, project, entity, name, config, history rows and summary."""
    config, history, summary, run = {}, [], {}, None
    for record in iter_records(path):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            run = record.run
            config.update({_key(it): json.loads(it.value_json) for it in run.config.update})
        elif kind == "config":
            config.update({_key(it): json.loads(it.value_json) for it in record.config.update})
        elif kind == "history":
            history.append({_key(it): json.loads(it.value_json) for it in record.history.item})
        elif kind == "summary":
            summary.update({_key(it): json.loads(it.value_json) for it in record.summary.update})
    config = {
        k: (v["value"] if isinstance(v, dict) and "value" in v else v)
        for k, v in config.items()
        if not k.startswith("_wandb")
    }
    return {
        "id": run.run_id,
        "group": run.run_group,
        "job_type": run.job_type,
        "project": run.project,
        "entity": run.entity,
        "name": run.display_name,
        "config": config,
        "history": history,
        "summary": summary,
        "dir": os.path.dirname(path),
    }


def offline_runs(root):
    """Every offline run under ``root`` (``root/wandb/offline-run-*``), oldest first."""
    paths = sorted(glob.glob(os.path.join(root, "wandb", "offline-run-*", "run-*.wandb")))
    return [read_run(p) for p in paths]


def epoch_rows(run):
    """The run's per-epoch rows (those with an ``epoch`` key), without wandb's own keys."""
    return [
        {k: v for k, v in row.items() if not k.startswith("_")}
        for row in run["history"]
        if "epoch" in row
    ]


def confusion_table(run):
    """The logged confusion matrix's table (columns Actual, Predicted, nPredictions)."""
    row = next(r for r in run["history"] if "confusion_matrix_table/path" in r)
    path = os.path.join(run["dir"], "files", row["confusion_matrix_table/path"])
    with open(path) as f:
        return json.load(f)

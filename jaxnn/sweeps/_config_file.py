"""Reading a sweep config file (YAML or JSON) within limits, before anything is built, and the
one-line error of a bad config with the checks of its values.

A config is at most `MAX_CONFIG_BYTES`, nested at most `MAX_DEPTH` deep, and holds at most
`MAX_NODES` values once YAML's aliases are expanded: the size is counted from the parser's events,
so a 1 KB alias bomb is refused without being expanded, and deep nesting is refused before any
recursive parser runs. The values read go to `jaxnn.sweeps._config.parse_sweep_config`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jaxnn._util import require

__all__ = [
    "MAX_CONFIG_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "SweepConfigError",
    "check_keys",
    "mapping",
    "number",
    "read_config_file",
    "shown",
]

MAX_CONFIG_BYTES = 1 << 20
"""The largest sweep config read (1 MiB)."""
MAX_DEPTH = 32
"""The deepest nesting of mappings and lists a sweep config may have."""
MAX_NODES = 100_000
"""The most values (scalars, lists, mappings) a sweep config may hold, aliases expanded."""


class SweepConfigError(ValueError):
    """A bad sweep config: one line naming the file, the key and what was expected."""


def shown(raw: Any) -> str:
    """A value for a message: its repr, shortened (a config's value can be huge)."""
    import reprlib

    short = reprlib.Repr()
    short.maxstring, short.maxother, short.maxlist, short.maxdict, short.maxlevel = 60, 60, 6, 6, 3
    return short.repr(raw)


def number(source: str, key: str, raw: Any, *, integer: bool = False) -> float | int:
    """A number of the file: a number, or a string of one (``"1e-3"``)."""
    from jaxnn.sweeps._search_space import parse_number

    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        what = "an integer" if integer else "a number"
        raise SweepConfigError(f"{source}: {key}: expected {what}, got {shown(raw)}")
    try:
        value = parse_number(f"{source}: {key}", str(raw), integer=integer)
    except ValueError as e:
        raise SweepConfigError(str(e)) from None
    return int(raw) if isinstance(raw, int) else value


def mapping(source: str, key: str, raw: Any, what: str) -> Mapping:
    """``raw`` if it is a mapping, else the error naming ``key`` and what was expected."""
    if not isinstance(raw, Mapping):
        raise SweepConfigError(f"{source}: {key}: expected {what}, got {shown(raw)}")
    return raw


def check_keys(source: str, key: str, raw: Mapping, valid: Sequence[str]) -> None:
    """Refuses the first key of ``raw`` that is not in ``valid``, listing the valid ones."""
    bad = [k for k in raw if k not in valid]
    if bad:
        raise SweepConfigError(
            f"{source}: {key}.{bad[0]}: unknown key; expected one of {', '.join(valid)}"
        )


def read_config_file(path: str | os.PathLike) -> tuple[Any, str]:
    """A sweep config file read into Python values, within the limits, and its name.

    Args:
      path: the file: YAML (``.yaml``, ``.yml``) or JSON (``.json``); another suffix is read as
        JSON if it starts with ``{``, else as YAML.

    Returns:
      ``(raw, source)``: the values and the file's name for messages.

    Raises:
      SweepConfigError: naming the file: missing, unreadable, too large, too deep, too many
        values, or a syntax error (with its line).
      ImportError: a YAML file without PyYAML (naming the ``search`` extra).
    """
    source = os.fspath(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise SweepConfigError(
                f"{source}: {size} bytes, more than a sweep config may have ({MAX_CONFIG_BYTES})"
            )
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SweepConfigError(f"{source}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SweepConfigError(f"{source}: cannot read it: {e}") from None
    suffix = Path(source).suffix.lower()
    as_json = suffix == ".json" or (suffix not in (".yaml", ".yml") and text.lstrip()[:1] == "{")
    if as_json:
        _check_json_depth(source, text)
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as e:
            raise SweepConfigError(
                f"{source}: line {e.lineno}, column {e.colno}: JSON syntax error: {e.msg}"
            ) from None
    else:
        yaml = require("yaml", f"reading the YAML sweep config {source}")
        try:
            _check_yaml_size(source, yaml, text)
            raw = yaml.safe_load(text)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            problem = getattr(e, "problem", None) or str(e).splitlines()[0]
            raise SweepConfigError(f"{source}: {where}YAML syntax error: {problem}") from None
    return raw, source


def _check_json_depth(source: str, text: str) -> None:
    """Refuses JSON nested deeper than `MAX_DEPTH` before parsing it (a scan of the brackets
    outside strings), so that no parser recursion can overflow."""
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise SweepConfigError(
                    f"{source}: nested more than {MAX_DEPTH} deep; a sweep config is a mapping "
                    f"of parameters"
                )
        elif ch in "]}":
            depth -= 1


def _check_yaml_size(source: str, yaml: Any, text: str) -> None:
    """Refuses YAML nested deeper than `MAX_DEPTH`, or holding more than `MAX_NODES` values with
    its aliases expanded, from its parse events alone: nothing is built (an alias bomb never
    expands)."""
    sizes: dict[str, int] = {}
    stack: list[list] = []  # [anchor, count] of each open mapping or list
    total = 0

    def add(n: int) -> None:
        nonlocal total
        if stack:
            stack[-1][1] += n
        else:
            total += n
        if (stack[0][1] if stack else total) > MAX_NODES or total > MAX_NODES:
            raise SweepConfigError(
                f"{source}: more than {MAX_NODES} values with its aliases expanded; a sweep "
                f"config is a mapping of parameters"
            )

    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.ScalarEvent):
            if event.anchor:
                sizes[event.anchor] = 1
            add(1)
        elif isinstance(event, yaml.AliasEvent):
            add(sizes.get(event.anchor, 1))
        elif isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            stack.append([event.anchor, 1])
            if len(stack) > MAX_DEPTH:
                raise SweepConfigError(
                    f"{source}: nested more than {MAX_DEPTH} deep; a sweep config is a mapping "
                    f"of parameters"
                )
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            anchor, count = stack.pop()
            if anchor:
                sizes[anchor] = count
            add(count)

"""The types of the settings table: `Range`, a `Setting` (one row) and `Settings` (the table with
every lookup). The rows themselves are `jaxnn.training.SETTINGS` (`jaxnn.training._settings`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

__all__ = ["KINDS", "Range", "Setting", "Settings"]

KINDS = ("data", "static", "shape", "traced", "run")
"""The kinds of settings (see `Setting.kind`)."""


class Range(NamedTuple):
    """The valid interval of a number: ``low <(=) value <(=) high``."""

    low: float
    high: float = math.inf
    low_inclusive: bool = True
    high_inclusive: bool = False

    def contains(self, a: np.ndarray) -> np.ndarray:
        """Whether each value of ``a`` lies in the interval (NaN never does)."""
        lo = a >= self.low if self.low_inclusive else a > self.low
        hi = a <= self.high if self.high_inclusive else a < self.high
        return lo & hi

    def describe(self, integer: bool = False) -> str:
        """The interval as a message says it (``>= 1``, ``in (0, 1]``, ``between 0 and 9``)."""
        if integer and self.low_inclusive and self.high_inclusive:
            return f"between {int(self.low)} and {int(self.high)}"
        if integer and self.high == math.inf:
            return f"{'>=' if self.low_inclusive else '>'} {int(self.low)}"
        if self.high == math.inf:
            return f"{'>=' if self.low_inclusive else '>'} {self.low:g}"
        left, right = "[" if self.low_inclusive else "(", "]" if self.high_inclusive else ")"
        return f"in {left}{self.low:g}, {self.high:g}{right}"


class Setting(NamedTuple):
    """One row of the settings table.

    Attributes:
      name: the Python name: a `TrainConfig` or `HParams` field, a `jaxnn.fit` keyword and the
        JSON key.
      flags: the command-line spellings, the course's ``train.py`` names first
        (``("-lr", "--learning_rate")``); empty for a setting with no flag.
      kind: ``data`` (which data set, and how it is split), ``static`` (a `TrainConfig` field: a
        new value compiles a new program), ``shape`` (builds the layer sizes), ``traced`` (an
        `HParams` field, a float32 array a sweep vmaps over) or ``run`` (the PRNG seed).
      type: ``int``, ``float``, ``str`` or ``tuple`` (the layer sizes).
      default: the default value.
      valid: a `Range` for numbers, or a function returning the valid names for choices (read when
        checked, so that entries added to a registry count); None for anything.
      help: one line for ``--help`` and the docs.
      sweep: whether ``jaxnn sweep`` takes a list of values for it.
      aliases: other accepted spellings of choices, mapped to the canonical name.
      packed: for a static or shape setting, whether members with different values share one
        compiled program (traced, or packed for the sizes); the other static settings group
        members.
      used_by: for a traced setting, what reads it: ``optimizer`` (the update rule, in the
        optimizer state) or ``init`` (the initial network).
    """

    name: str
    flags: tuple[str, ...]
    kind: str
    type: type
    default: Any
    valid: Range | Callable[[], tuple[str, ...]] | None
    help: str
    sweep: bool = True
    aliases: Mapping[str, str] = {}
    packed: bool = False
    used_by: str = ""

    @property
    def flag(self) -> str:
        """The flags as a user reads them in a message (``-lr/--learning_rate``), or the name."""
        return "/".join(self.flags) or self.name

    @property
    def dest(self) -> str:
        """The argparse destination: the long flag without dashes (``epsilon`` for eps)."""
        return _spelling(self.flags[-1]) if self.flags else self.name

    @property
    def short(self) -> str:
        """The first flag without dashes (``lr``, ``nhl``), or the name: the course's column."""
        return _spelling(self.flags[0]) if self.flags else self.name

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every name it goes by: its name, then each flag without dashes (``eps``, ``epsilon``)."""
        return tuple(dict.fromkeys((self.name, *(_spelling(f) for f in self.flags))))

    def choices(self) -> tuple[str, ...]:
        """The valid names of a choice, read from its registry now; () for anything else."""
        return self.valid() if callable(self.valid) else ()


def _spelling(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


class Settings(Sequence[Setting]):
    """The settings table: a sequence of `Setting` rows in table order, with every lookup.

    Iterating, indexing and ``len`` are those of the rows. A setting is found by its name
    (`named`), by its command-line destination (`by_dest`) or by any spelling (`get`): its name,
    its long or short flag without dashes, the course's names (``lr``, ``epsilon``, ``nhl``,
    ``w_d``), case-insensitively. Every derived map (flags, fit keywords, sweep axes, JSON keys)
    is read from here when it is used, never copied.
    """

    def __init__(self, rows: Sequence[Setting]) -> None:
        self._rows = tuple(rows)
        self._cache: tuple = ((), ({}, {}, {}))
        self._maps()  # two settings spelled alike are refused here

    def __getitem__(self, i):
        return self._rows[i]

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[Setting]:
        return iter(self._rows)

    def __repr__(self) -> str:
        return f"Settings({', '.join(s.name for s in self._rows)})"

    def _maps(self) -> tuple[dict, dict, dict]:
        if self._cache[0] is not self._rows:  # the rows were replaced (a test's own row)
            self._cache = (self._rows, _index(self._rows))
        return self._cache[1]

    def names(self) -> tuple[str, ...]:
        """Every setting's name, in table order."""
        return tuple(s.name for s in self._rows)

    def named(self, name: str) -> Setting:
        """The row called ``name`` (exactly).

        Raises:
          KeyError: for a name the table does not have.
        """
        try:
            return self._maps()[0][name]
        except KeyError:
            raise KeyError(f"no setting {name!r}; valid: {', '.join(self.names())}") from None

    def by_dest(self, dest: str) -> Setting:
        """The row whose command-line flag stores into ``dest`` (``epsilon`` -> eps)."""
        return self.dests()[dest]

    def dests(self) -> dict[str, Setting]:
        """Every setting with a flag, by its argparse destination, in table order."""
        return dict(self._maps()[1])

    def get(self, spelling: str, default: Any = None) -> Setting | Any:
        """The row of any spelling (``lr``, ``learning_rate``, ``Epsilon``), or ``default``."""
        if not isinstance(spelling, str):
            return default
        return self._maps()[2].get(_spelling(spelling.strip()).lower(), default)

    def of_kind(self, *kinds: str) -> tuple[Setting, ...]:
        """The rows of the given kinds, in table order."""
        return tuple(s for s in self._rows if s.kind in kinds)

    def json_record(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` (any spellings) under the settings' names, the one JSON key of each; the keys
        of `JSON_ALIASES` are written beside their setting. Keys that are no setting stay."""
        out: dict[str, Any] = {}
        for key, value in values.items():
            row = self.get(key)
            out[row.name if row is not None else key] = value
        for alias, name in JSON_ALIASES.items():
            if name in out:
                out[alias] = out[name]
        return out


JSON_ALIASES = {"lr": "learning_rate"}
"""JSON keys kept beside a setting's name in a sweep's member records, because earlier versions
documented them (``members[i]["lr"]``). Every other spelling is accepted on input only."""


def _index(rows: tuple[Setting, ...]) -> tuple[dict, dict, dict]:
    """The maps of a table: by name, by destination, by lower-case spelling (unambiguous)."""
    by_name = {s.name: s for s in rows}
    by_dest = {s.dest: s for s in rows if s.flags}
    by_spelling: dict[str, Setting] = {}
    for s in rows:
        for spelling in {x.lower() for x in s.spellings}:
            other = by_spelling.setdefault(spelling, s)
            if other is not s:
                raise ValueError(f"settings {other.name} and {s.name} are both spelled {spelling}")
    if len(by_name) != len(rows):
        raise ValueError("two settings share a name")
    return by_name, by_dest, by_spelling

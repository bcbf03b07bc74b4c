"""The generated parts of the docs: the command-line reference (from the argparse parsers and the
settings table) and the table of jaxnn's flat names (from the ``__all__`` lists).

Each generated part sits in a page between ``<!-- NAME -->`` and ``<!-- /NAME -->``. ``python -m
docs._generate`` rewrites them (``make docs`` runs it before building); ``--check`` only says
whether the committed pages match, and ``tests/test_docs.py`` checks the same.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from pathlib import Path

DOCS = Path(__file__).resolve().parent
# The public namespaces: jaxnn's flat names and the chapter and layer subpackages.
PUBLIC = ("jaxnn", "jaxnn.perceptrons", "jaxnn.sigmoid", "jaxnn.feedforward", "jaxnn.training")
PUBLIC += ("jaxnn.sweeps",)


def _cell(text: str) -> str:
    """Text for a table cell: one line, pipes escaped, and dollars as entities so that no help
    text ($XDG_CACHE_HOME, ...) is read as a formula."""
    return " ".join(text.split()).replace("|", "\\|").replace("$", "&#36;")


def _help(action: argparse.Action) -> str:
    text = action.help or ""
    if "%(" in text:
        text = text % {**vars(action), "default": action.default}
    return _cell(text)


def _flag(action: argparse.Action) -> str:
    if not action.option_strings:
        return f"`{action.metavar or action.dest.upper()}`"
    takes_value = action.nargs != 0
    metavar = action.metavar or (
        "{" + ",".join(map(str, action.choices)) + "}" if action.choices else action.dest.upper()
    )
    names = ", ".join(f"`{o}`" for o in action.option_strings)
    return names + (f" `{metavar}`" if takes_value else "")


def _subcommands() -> dict[str, tuple[str, argparse.ArgumentParser]]:
    from jaxnn._cli import build_parser

    parser = build_parser()
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {c.dest: c.help or "" for c in sub._choices_actions}
    return {name: (helps[name], sub.choices[name]) for name in sorted(sub.choices)}


_SHARED = "compilation cache"  # the option group every subcommand has: listed once


def _group_table(title: str, actions: list[argparse.Action]) -> list[str]:
    rows = [f"| {_flag(a)} | {_help(a)} |" for a in actions]
    return [f"*{_cell(title)}*", "", "| flag | meaning |", "|---|---|", *rows, ""]


def commands_reference() -> str:
    """Every subcommand of ``jaxnn``: what it does and each option group as a table (the
    compilation-cache flags, which every subcommand takes, once at the end)."""
    out, shared = [], []
    for name, (summary, parser) in _subcommands().items():
        out += [f"### `jaxnn {name}`", "", _cell(summary) + ".", ""]
        for group in parser._action_groups:
            actions = [
                a
                for a in group._group_actions
                if a.help != argparse.SUPPRESS and not isinstance(a, argparse._HelpAction)
            ]
            if group.title == _SHARED:
                shared = actions
            elif actions:
                title = "arguments" if group.title == "positional arguments" else group.title
                out += _group_table(title, actions)
    out += ["### Flags every subcommand takes", "", *_group_table(_SHARED, shared)]
    return "\n".join(out).rstrip()


def flags_table() -> str:
    """The training settings as a table (flag, default, kind, meaning), from the settings table."""
    from jaxnn._cli._train_args import flags_table

    return flags_table()


def _public_names() -> dict[str, list[str]]:
    return {m: list(importlib.import_module(m).__all__) for m in PUBLIC}


def namespaced_name(flat: str) -> str | None:
    """Where the flat name ``jaxnn.<flat>`` lives in a subpackage (``jaxnn.perceptrons.learn``
    for ``learn_perceptron``), or None for a name that only the flat namespace has."""
    import jaxnn

    obj = getattr(jaxnn, flat)
    if f"jaxnn.{flat}" in PUBLIC:  # a namespace, not a name
        return None
    for module in PUBLIC[1:]:
        mod = importlib.import_module(module)
        for name in mod.__all__:
            if getattr(mod, name) is obj:
                return f"{module}.{name}"
    return None


def aliases_table() -> str:
    """jaxnn's flat names, each with the namespaced name it stands for (linked to its docs)."""
    import jaxnn

    rows = ["| flat name | documented as |", "|---|---|"]
    for flat in sorted(jaxnn.__all__, key=str.lower):
        if f"jaxnn.{flat}" in PUBLIC:
            target = f"[`jaxnn.{flat}`]({flat}.md)"
        else:
            home = namespaced_name(flat) or f"jaxnn.{flat}"
            target = f"[`{home}`][{home}]"
        rows.append(f"| `jaxnn.{flat}` | {target} |")
    return "\n".join(rows)


# page -> {marker: generator}
GENERATED: dict[str, dict[str, Callable[[], str]]] = {
    "cli.md": {"flags": flags_table, "commands": commands_reference},
    "api/jaxnn.md": {"aliases": aliases_table},
}


def block(text: str, marker: str) -> str:
    """The text of a page between ``<!-- marker -->`` and ``<!-- /marker -->``."""
    start, end = f"<!-- {marker} -->\n", f"<!-- /{marker} -->"
    if start not in text or end not in text:
        raise ValueError(f"the page has no {start.strip()} ... {end} block")
    return text.split(start, 1)[1].split(end, 1)[0].strip()


def render(text: str, marker: str, body: str) -> str:
    """The page with its ``marker`` block replaced by ``body``."""
    start, end = f"<!-- {marker} -->\n", f"<!-- /{marker} -->"
    head, rest = text.split(start, 1)
    return head + start + body + "\n" + end + rest.split(end, 1)[1]


def stale_pages() -> list[str]:
    """The pages whose generated blocks differ from what the code generates now."""
    stale = []
    for page, parts in GENERATED.items():
        text = (DOCS / page).read_text()
        if any(block(text, m) != gen() for m, gen in parts.items()):
            stale.append(page)
    return stale


def write_pages() -> list[str]:
    """Rewrite every generated block; the pages that changed."""
    changed = []
    for page in stale_pages():
        path = DOCS / page
        text = path.read_text()
        for marker, gen in GENERATED[page].items():
            text = render(text, marker, gen())
        path.write_text(text)
        changed.append(page)
    return changed


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        stale = stale_pages()
        for page in stale:
            print(f"docs/{page} is out of date: run python -m docs._generate", file=sys.stderr)
        return 1 if stale else 0
    for page in write_pages():
        print(f"rewrote docs/{page}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

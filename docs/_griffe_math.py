"""A griffe extension of the docs build: the reStructuredText that jaxnn's docstrings use, made
Markdown. A ``.. math::`` block (the notes' formula) becomes a ``$$ ... $$`` block, which the site
turns into MathML like the pages' own formulas (``docs/_hooks.py``); a role such as
``:func:`jaxnn.fit``` becomes the code span ``jaxnn.fit``."""

from __future__ import annotations

import re

import griffe

# ".. math:: formula" on one line, or ".. math::" followed by indented lines; ends at a blank
# line or a line indented no deeper than the directive.
_MATH = re.compile(r"^([ \t]*)\.\. math::[ \t]*(.*)\n((?:\1[ \t]+\S.*\n?)*)", re.M)
_ROLE = re.compile(r":(?:func|class|meth|attr|data|mod|obj|exc):`~?([^`]+)`")


def math_blocks(text: str) -> str:
    """The docstring with every ``.. math::`` directive written as a ``$$`` block."""

    def block(m: re.Match) -> str:
        indent, first, rest = m[1], m[2], m[3]
        lines = [first.strip()] + [line.strip() for line in rest.splitlines()]
        formula = " ".join(line for line in lines if line)
        return f"{indent}$$\n{indent}{formula}\n{indent}$$\n"

    return _ROLE.sub(r"`\1`", _MATH.sub(block, text))


class MathBlocks(griffe.Extension):
    def on_object(self, *, obj: griffe.Object, **kwargs) -> None:
        del kwargs
        if obj.docstring is not None:
            obj.docstring.value = math_blocks(obj.docstring.value)

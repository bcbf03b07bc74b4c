"""MkDocs hooks of the docs site: formulas become MathML at build time.

``pymdownx.arithmatex`` (generic mode) finds ``$...$`` and ``$$...$$`` in the pages and leaves
them as ``<span class="arithmatex">\\(...\\)</span>`` and
``<div class="arithmatex">\\[...\\]</div>``. This hook converts each one with ``latex2mathml``
into MathML, which browsers draw natively: no MathJax, no script, nothing fetched. A formula that
does not convert fails the build.
"""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert

_INLINE = re.compile(r'<span class="arithmatex">\\\((.*?)\\\)</span>', re.S)
_BLOCK = re.compile(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', re.S)


def to_mathml(latex: str, display: str) -> str:
    """One formula (LaTeX, as the page writes it) as MathML."""
    try:
        return convert(latex.strip(), display=display)
    except Exception as e:  # latex2mathml raises several kinds; name the formula
        raise ValueError(f"formula {latex!r} does not convert to MathML: {e}") from e


def on_page_content(content: str, page, config, files) -> str:
    del page, config, files
    content = _BLOCK.sub(
        lambda m: f'<div class="math">{to_mathml(html.unescape(m[1]), "block")}</div>', content
    )
    return _INLINE.sub(lambda m: to_mathml(html.unescape(m[1]), "inline"), content)

"""Markdown output for the report's cells: inert text, pipe tables, lists and code blocks.

Text from the workbook or the configuration reaches the report's Markdown only through
:func:`escape_markdown`, so that a study label such as ``<script>…</script>``, ``[x](javascript:…)``,
``@fig-x`` or ``$\\foo$`` is shown as written under both renderers (pandoc and Quarto) and can neither run,
link, embed a file nor break the render.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from qolreview.formatting import MISSING, is_missing

_MARKUP = re.compile(r"[!#$%()*+,\-./:;=?@\[\\\]^_`{|}~]")
"""ASCII punctuation that can start or close pandoc Markdown: all of it, except the quotes (left to pandoc's
``smart`` extension, which only makes them typographic) and ``&``, ``<``, ``>`` (written as entities)."""
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")


def escape_markdown(text: object) -> str:
    """``text`` as inert Markdown: pandoc and Quarto render it as the same plain text, whatever it holds.

    Markdown punctuation is backslash-escaped (pandoc manual, "Backslash escapes": any escaped ASCII
    punctuation is a literal character), so no emphasis, code, link, image, citation or cross-reference
    (``@``), math (``$``), fenced div (``:::``), attribute, shortcode, list or table cell can start; ``&``,
    ``<`` and ``>`` become HTML entities, so no raw HTML or entity can; runs of whitespace, line breaks
    included, become one space, so the text stays in its paragraph, heading or table cell.
    """
    flat = _WHITESPACE.sub(" ", str(text))
    escaped = _MARKUP.sub(lambda match: "\\" + match.group(), flat)
    return re.sub("[&<>]", lambda match: _ENTITIES[match.group()], escaped)


def attribute_text(text: object) -> str:
    """Plain text as the value of a double-quoted pandoc attribute (``{key="…"}``): on one line, with ``\\`` and
    ``"`` backslash-escaped, so it can neither close the quotes nor the attribute list."""
    return " ".join(str(text).split()).replace("\\", "\\\\").replace('"', '\\"')


def _pipe_table(table: pd.DataFrame) -> str:
    """A pipe table of plain-text cells, without the index; missing values read "not reported"."""

    def cell(value: object) -> str:
        return escape_markdown(MISSING if is_missing(value) else value)

    lines = [
        "| " + " | ".join(cell(c) for c in table.columns) + " |",
        "|" + "|".join("---" for _ in table.columns) + "|",
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def markdown_table(table: pd.DataFrame, caption: str, label: str) -> str:
    """A pipe table of plain-text cells with a numbered, cross-referenceable plain-text caption (for
    ``output: asis`` cells); missing values read "not reported"."""
    return _pipe_table(table) + f"\n: {escape_markdown(caption)} {{#{label}}}\n"


def table_or_note(table: pd.DataFrame, caption: str, label: str, note: str = "") -> str:
    """:func:`markdown_table`, or the plain-text ``note`` saying why there is nothing to show (empty when the text
    around says it) when ``table`` has no rows: no table is shown with a header alone (for ``output: asis``
    cells)."""
    return markdown_table(table, caption, label) if len(table) else escape_markdown(note) + "\n"


def bullet_list(items: list[str]) -> str:
    """A Markdown bullet list of plain-text items (for ``output: asis`` cells), one item per line."""
    return "".join(f"- {escape_markdown(item)}\n" for item in items)


def code_block(text: str, language: str) -> str:
    """A fenced Markdown code block (for ``output: asis`` cells); its fence is longer than any backtick run in
    ``text``, so the text cannot close it."""
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    return f"{fence}{language}\n{text.rstrip()}\n{fence}\n"


def show(table: pd.DataFrame) -> Any:
    """Display a table without its index as a Markdown pipe table of plain-text cells (missing values read "not
    reported"), for a cell labelled ``tbl-...``. Its ``text/markdown`` output is inserted as Markdown by both
    renderers; an HTML (``text/html``) display would make Quarto add the remote scripts of Jupyter widgets
    (quarto-cli, ``src/core/jupyter/widgets.ts``), and the report would no longer be self-contained."""
    from IPython.display import Markdown

    return Markdown(_pipe_table(table))

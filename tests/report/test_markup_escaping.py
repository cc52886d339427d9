"""Text from the workbook reaches the report's Markdown inert: pandoc reads escaped text back as the same plain
text, never as markup (``qolreview.report.markup.escape_markdown``)."""

from __future__ import annotations

import json
import re
import string
import subprocess

import pandas as pd
import pypandoc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qolreview.report.markup import bullet_list, escape_markdown, markdown_table

HOSTILE = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "[x](javascript:alert(3))",
    '<img src="/some/secret.txt">',
    "![x](/some/file)",
    "@fig-x",
    "[@sec-methods]",
    "$\\foo$",
    "`code` and ``more``",
    "::: {.callout-note}",
    "{{< env HOME >}}",
    "# heading\n\n- item\n1. item\n> quote",
    "a | b || c",
    "**bold** _em_ ~sub~ ^sup^ [span]{.x} ^[note]",
    "&amp; &#x3C; &lt;",
    "line\\\nbreak\\",
    "<!-- comment -->",
    "http://example.org <https://example.org> mail@example.org",
)
"""Texts that are markup, raw HTML, a citation, a cross-reference, math, a div or a shortcode when unescaped."""

INERT_INLINES = {"Str", "Space", "SoftBreak", "Quoted", "SingleQuote", "DoubleQuote"}
"""Inlines plain text may become: words, spaces and (pandoc's ``smart`` extension) typographic quotes."""
CHARACTERS = st.characters(exclude_categories=("Cs",)) | st.sampled_from(string.punctuation + " \n\t\r\x00\xa0")
"""Any character (but lone surrogates, which are not text), with ASCII punctuation and whitespace drawn often."""
TEXTS = st.lists(CHARACTERS | st.sampled_from(("a", "x1", "fig-x", "img", "http", "\n\n", "    ")), max_size=20).map(
    "".join
)
"""Texts mixing those characters with words, so that punctuation meets what markup needs around it."""


def _normalised(text: str) -> str:
    return re.sub(r"[ \t\n\r\f\v]+", " ", text).strip(" ")


def _pandoc_json(markdown: str, reader: str = "markdown") -> dict:
    result = subprocess.run(
        [pypandoc.get_pandoc_path(), f"--from={reader}", "--to=json"],
        input=markdown,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def _inline_types(node: object) -> set[str]:
    """Every inline element type below ``node`` (a pandoc JSON AST fragment)."""
    if isinstance(node, list):
        return set().union(*(_inline_types(item) for item in node)) if node else set()
    if isinstance(node, dict) and "t" in node:
        return {node["t"]} | _inline_types(node.get("c", []))
    return set()


def _text(inlines: list[dict]) -> str:
    """The plain text of a list of inlines (Str, Space, SoftBreak only: read without ``smart``)."""
    return "".join(item["c"] if item["t"] == "Str" else " " for item in inlines)


def _paragraphs(markdown: str, reader: str) -> list[list[dict]]:
    blocks = _pandoc_json(markdown, reader)["blocks"]
    assert all(block["t"] == "Para" for block in blocks), [block["t"] for block in blocks]
    return [block["c"] for block in blocks]


def _check_round_trip(texts: list[str]) -> None:
    """Each non-blank text, escaped and set as its own paragraph, reads back as itself and as inert inlines."""
    texts = [t for t in texts if _normalised(t)]
    markdown = "\n\n".join(escape_markdown(t) for t in texts)
    literal = _paragraphs(markdown, "markdown-smart")
    assert [_text(p) for p in literal] == [_normalised(t) for t in texts]
    inert = _paragraphs(markdown, "markdown")
    assert len(inert) == len(texts)
    assert _inline_types(inert) <= INERT_INLINES


def test_hostile_texts_read_back_as_themselves() -> None:
    _check_round_trip(list(HOSTILE))
    assert escape_markdown("<b>@x $y$</b>") == "&lt;b&gt;\\@x \\$y\\$&lt;\\/b&gt;"
    assert escape_markdown("two\nlines\t ") == "two lines "


CONTEXTS = (
    "{c}",
    "{c}x",
    "x{c}",
    "{c}x{c}",
    "{c}{c}x{c}{c}",
    "{c} x",
    "{c}{c}{c} x",
    "1{c} x",
    "a {c}x1 b",
    "x{c}y{c}z",
    "[x]{c}(y)",
    "{c}[x](y)",
    "<{c}x>",
    "x {c}\n{c} y",
)
"""Places around a punctuation character where it may start or close markup."""


def test_every_punctuation_character_in_every_context() -> None:
    for context in CONTEXTS:
        _check_round_trip([context.format(c=c) for c in string.punctuation])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXTS, min_size=1, max_size=12))
def test_any_text_reads_back_as_itself(texts: list[str]) -> None:
    _check_round_trip(texts)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from("ab |\\`*$@<>&[]()!#:-_{}\n'\""), min_size=1, max_size=12),
        min_size=2,
        max_size=2,
    )
)
def test_table_cells_and_list_items_keep_their_place(cells: list[str]) -> None:
    """Escaped text cannot split a pipe-table cell, end a list item or start a block of its own."""
    table = markdown_table(pd.DataFrame({"A": [cells[0]], "B": [cells[1]]}), cells[1], "tbl-x")
    blocks = _pandoc_json(table, "markdown-smart")["blocks"]
    assert [block["t"] for block in blocks] == ["Table"]
    body = blocks[0]["c"][4][0][3][0][1]  # the first row of the table body: [attr, cells]
    assert [_text(cell[4][0]["c"]) if cell[4] else "" for cell in body] == [_normalised(c) for c in cells]
    items = _pandoc_json(bullet_list(cells), "markdown-smart")["blocks"]
    assert [block["t"] for block in items] == ["BulletList"]
    assert len(items[0]["c"]) == 2

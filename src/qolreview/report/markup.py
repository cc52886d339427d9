"""Markdown and HTML output for the report's cells: pipe tables, code blocks and HTML tables."""

from __future__ import annotations

from typing import Any

import pandas as pd

from qolreview.formatting import MISSING, is_missing


def markdown_table(table: pd.DataFrame, caption: str, label: str) -> str:
    """A pipe table with a numbered, cross-referenceable caption (for ``output: asis`` cells)."""

    def cell(value: object) -> str:
        return (MISSING if is_missing(value) else str(value)).replace("|", "\\|").replace("\n", " ")

    lines = [
        "| " + " | ".join(cell(c) for c in table.columns) + " |",
        "|" + "|".join("---" for _ in table.columns) + "|",
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines) + f"\n\n: {caption} {{#{label}}}\n"


def bullet_list(items: list[str]) -> str:
    """A Markdown bullet list (for ``output: asis`` cells), one item per line."""
    return "".join(f"- {item}\n" for item in items)


def code_block(text: str, language: str) -> str:
    """A fenced Markdown code block (for ``output: asis`` cells)."""
    return f"```{language}\n{text.rstrip()}\n```\n"


def show(table: pd.DataFrame) -> Any:
    """Display a table without its index; missing values read "not reported"."""
    from IPython.display import HTML

    return HTML(table.to_html(index=False, border=0, na_rep=MISSING, escape=True))

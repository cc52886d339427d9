"""The output formats of a report: self-contained HTML, Word and PDF (docs/rendering.md, "Formats")."""

from __future__ import annotations

from typing import Literal

Format = Literal["html", "docx", "pdf"]
FORMATS: tuple[Format, ...] = ("html", "docx", "pdf")

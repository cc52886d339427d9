"""What the reader sees of generated Markdown, for assertions on wording: escapes removed, entities decoded."""

from __future__ import annotations

import html
import re


def plain(markdown: str) -> str:
    """``markdown`` with pandoc's backslash escapes of ASCII punctuation removed and HTML entities decoded."""
    return html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown))

"""The figures stage's output as the report uses it: SVG files found by stem, with captions and alt texts, embedded
up to a size budget and linked after it."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from qolreview.report.markup import attribute_text, escape_markdown


class Figures:
    """Figures written by the figures stage, found by file stem, with their captions and alt texts.

    The report embeds figures in the order it asks for them until their files reach ``budget_mb`` megabytes (the
    ``report.figure_budget_mb`` setting); each later figure is a numbered figure holding a link to its file, relative
    to the report's folder (``<results_dir>/report``), with its caption and its alt text as the link's title.
    """

    def __init__(self, project_dir: str | Path, results_dir: str | Path, budget_mb: float = math.inf) -> None:
        self.project_dir = Path(project_dir)
        captions = self.project_dir / results_dir / "figures" / "captions.json"
        self.captions = json.loads(captions.read_text(encoding="utf-8"))
        self.report_dir = self.project_dir / results_dir / "report"
        self.budget = budget_mb * 1e6
        self.embedded_bytes = 0

    def budget_note(self) -> str:
        """A sentence saying that figures are linked rather than embedded, when their files exceed the budget."""
        total = sum(path.stat().st_size for stem in self.captions if (path := self._file(stem)) is not None)
        if total <= self.budget:
            return ""
        return (
            f"The figure files of this review take {total / 1e6:,.1f} MB: the report embeds them up to "
            f"{self.budget / 1e6:g} MB (setting `report.figure_budget_mb`) and links each later one to its file under "
            "the results folder, so open the report where it was written to follow those links."
        )

    def stems(self, prefix: str) -> list[str]:
        return sorted(stem for stem in self.captions if stem.startswith(prefix))

    def all_markdown(self, prefix: str, label: str) -> str:
        """Every figure whose stem starts with ``prefix``, labelled ``{label}-1``, ``{label}-2``, ..."""
        return "\n".join(self.markdown(stem, f"{label}-{i + 1}") for i, stem in enumerate(self.stems(prefix)))

    def _file(self, stem: str) -> Path | None:
        """The SVG file of ``stem`` (its captions entry names it, relative to the project), None when not drawn."""
        entry = self.captions.get(stem)
        path = self.project_dir / entry["file"] if entry is not None else None
        return path if path is not None and path.is_file() else None

    def has(self, stem: str) -> bool:
        """True when the figures stage drew this figure (a caption and an SVG file)."""
        return self._file(stem) is not None

    def markdown_pages(self, stem: str, label: str) -> str:
        """The figure ``stem`` and its continuation pages (``<stem>-page-2``, ... of a long forest plot), labelled
        ``{label}``, ``{label}-page-2``, ..."""
        parts, page = [self.markdown(stem, label)], 2
        while f"{stem}-page-{page}" in self.captions:
            parts.append(self.markdown(f"{stem}-page-{page}", f"{label}-page-{page}"))
            page += 1
        return "\n".join(parts)

    def markdown(self, stem: str, label: str) -> str:
        """A cross-referenceable Markdown figure (its caption and alt text inert); an explicit note when the figure
        does not exist."""
        path = self._file(stem)
        if path is None:
            return f"*No figure: {stem.replace('-', ' ')} has no data in this review.*\n"
        entry = self.captions[stem]
        caption, alt = escape_markdown(entry["caption"]), attribute_text(entry["alt"])
        size = path.stat().st_size
        if self.embedded_bytes + size <= self.budget:
            self.embedded_bytes += size
            return f'![{caption}](<{path.as_posix()}>){{#{label} fig-alt="{alt}"}}\n'
        link = Path(os.path.relpath(path, self.report_dir)).as_posix()
        return (
            f"\n::: {{#{label}}}\n[Open the figure ({path.suffix[1:].upper()}, {math.ceil(size / 1e3):,} kB)]"
            f'(<{link}> "{alt}")\n\n{caption}\n:::\n'
        )

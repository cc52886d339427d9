"""The figures stage's output as the report uses it: SVG files found by stem, with captions and alt texts."""

from __future__ import annotations

import json
from pathlib import Path

from qolreview.report.markup import attribute_text, escape_markdown


class Figures:
    """Figures written by the figures stage, found by file stem, with their captions and alt texts."""

    def __init__(self, project_dir: str | Path, results_dir: str | Path) -> None:
        self.root = Path(project_dir) / results_dir / "figures"
        self.relative_root = Path(results_dir) / "figures"
        self.project_dir = Path(project_dir)
        self.captions = json.loads((self.root / "captions.json").read_text(encoding="utf-8"))

    def stems(self, prefix: str) -> list[str]:
        return sorted(stem for stem in self.captions if stem.startswith(prefix))

    def all_markdown(self, prefix: str, label: str) -> str:
        """Every figure whose stem starts with ``prefix``, labelled ``{label}-1``, ``{label}-2``, ..."""
        return "\n".join(self.markdown(stem, f"{label}-{i + 1}") for i, stem in enumerate(self.stems(prefix)))

    def _files(self, stem: str) -> list[Path]:
        return sorted(self.root.glob(f"*/{stem}.svg")) + sorted(self.root.glob(f"{stem}.svg"))

    def has(self, stem: str) -> bool:
        """True when the figures stage drew this figure (a caption and an SVG file)."""
        return stem in self.captions and bool(self._files(stem))

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
        matches = self._files(stem)
        if stem not in self.captions or not matches:
            return f"*No figure: {stem.replace('-', ' ')} has no data in this review.*\n"
        entry = self.captions[stem]
        path = self.project_dir / matches[0].relative_to(self.project_dir)
        caption, alt = escape_markdown(entry["caption"]), attribute_text(entry["alt"])
        return f'![{caption}](<{path.as_posix()}>){{#{label} fig-alt="{alt}"}}\n'

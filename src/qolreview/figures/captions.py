"""Captions and alt texts generated from the data (numbers formatted by :mod:`qolreview.formatting`), and the
deterministic ``captions.json`` writer."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from qolreview.atomic import write_bytes_atomic
from qolreview.formatting import figure_number, figure_p_statement, finite


@dataclass
class Captioned:
    """A figure with its caption and its alt text."""

    figure: Figure
    caption: str
    alt: str


def require_columns(table: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise a ValueError naming ``what`` and the missing columns when ``table`` lacks any of ``columns``."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{what} lacks columns {missing}")


def heterogeneity_text(pooled: Mapping[str, object]) -> str:
    """Heterogeneity statistics as printed by metafor's forest(): tau^2, I^2, Q (df) and its p value; the
    variance within studies too when the analysis has one (the CHE model)."""
    within = pooled.get("sigma2_within")
    within_text = f", \u03c3\u00b2 within = {figure_number(within, 3)}" if finite(within) else ""
    return (
        f"\u03c4\u00b2 = {figure_number(pooled.get('tau2'), 3)}{within_text}, "
        f"I\u00b2 = {figure_number(pooled.get('i2'), 1)}%, "
        f"Q = {figure_number(pooled.get('q'), 2)} (df = {figure_number(pooled.get('q_df'), 0)}), "
        f"{figure_p_statement(pooled.get('q_p'))}"
    )


def write_captions(entries: Mapping[str, Mapping[str, str]], path: str | Path) -> Path:
    """Write ``{figure_file_stem: {caption, alt, file}}`` (``file``: the SVG file, relative to the working
    directory) as sorted, indented UTF-8 JSON (atomically, with ordinary permissions). Captions and alt texts are
    plain text; the report escapes them where it puts them in Markdown."""
    data = {stem: {key: str(value) for key, value in entry.items()} for stem, entry in entries.items()}
    path = Path(path)
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    write_bytes_atomic({path: text.encode("utf-8")})
    return path


def merge_captions(parts: list[str | Path], path: str | Path) -> Path:
    """Merge several ``captions.json`` fragments into one file; a stem defined twice is an error."""
    merged: dict[str, Mapping[str, str]] = {}
    for part in parts:
        for stem, entry in json.loads(Path(part).read_text(encoding="utf-8")).items():
            if stem in merged:
                raise ValueError(f"figure stem {stem!r} appears in more than one captions file")
            merged[stem] = entry
    return write_captions(merged, path)

"""Captions and alt texts generated from the data, number formatting shared by the figures, and the
deterministic ``captions.json`` writer."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from qolreview.figures import style
from qolreview.formatting import is_missing, number, p_value


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


def fmt(value: object, decimals: int = 2) -> str:
    """A number with fixed decimals, or "NA" when missing."""
    return number(value, decimals, missing="NA")


def fmt_p(p: object) -> str:
    """A p value: "< 0.001" below one in a thousand, else three decimals."""
    return p_value(p, missing="NA")


def fmt_p_eq(p: object) -> str:
    """``p = 0.123`` or ``p < 0.001``."""
    text = fmt_p(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def fmt_ci(lb: object, ub: object, decimals: int = 2) -> str:
    """A confidence interval as "lb to ub"."""
    return f"{fmt(lb, decimals)} to {fmt(ub, decimals)}"


def fmt_n(n: object) -> str:
    """A count, or "NR" when not reported."""
    return style.NR_LABEL if is_missing(n) else str(int(n))  # type: ignore[call-overload]


def heterogeneity_text(pooled: Mapping[str, object]) -> str:
    """Heterogeneity statistics as printed by metafor's forest(): tau^2, I^2, Q (df) and its p value."""
    return (
        f"\u03c4\u00b2 = {fmt(pooled.get('tau2'), 3)}, I\u00b2 = {fmt(pooled.get('i2'), 1)}%, "
        f"Q = {fmt(pooled.get('q'), 2)} (df = {fmt(pooled.get('q_df'), 0)}), {fmt_p_eq(pooled.get('q_p'))}"
    )


def plural(n: int, word: str) -> str:
    """``1 study`` / ``2 studies`` style counts."""
    if n == 1:
        return f"1 {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") else f"{n} {word}s"


def write_captions(entries: Mapping[str, Captioned | Mapping[str, str]], path: str | Path) -> Path:
    """Write ``{figure_file_stem: {caption, alt}}`` as sorted, indented UTF-8 JSON (atomically)."""
    data = {}
    for stem, entry in entries.items():
        if isinstance(entry, Captioned):
            data[stem] = {"caption": entry.caption, "alt": entry.alt}
        else:
            data[stem] = {"caption": str(entry["caption"]), "alt": str(entry["alt"])}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
        json.dump(data, stream, ensure_ascii=False, indent=2, sort_keys=True)
        stream.write("\n")
    os.replace(tmp, path)
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

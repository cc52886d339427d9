"""Display labels and file-name stems shared by the figures and the report."""

from __future__ import annotations

import re

import pandas as pd

from qolreview.instruments import Registry


def domain_labels(registry: Registry) -> dict[str, str]:
    """The registry's domains -> their names in the report, in display order (quality-of-life domains first)."""
    return {name: domain.label for name, domain in registry.domains.items()}


def short_domain_labels(registry: Registry) -> dict[str, str]:
    """The registry's domains -> their shorter names for the figures' headers, panels and subgroups, in display
    order."""
    return {name: domain.short_label for name, domain in registry.domains.items()}


COMPARISON_LABELS = {"between_arms": "between arms", "within_arm_prepost": "within arm, pre-post"}
"""What an effect compares, in words."""


def study_labels(studies: pd.DataFrame) -> dict[str, str]:
    """``study_id`` -> the study's display label (the id itself when no label was entered)."""
    labels = studies.set_index("study_id")["label"] if "label" in studies else pd.Series(dtype=str)
    return {sid: (lab if isinstance(lab, str) and lab else sid) for sid, lab in labels.items()}


def slug(text: str) -> str:
    """A file-name-safe stem: lower case, runs of other characters replaced by one hyphen."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")

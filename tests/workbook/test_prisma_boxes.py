"""The PRISMA box keys: one list, offered in the template's drop-down and documented for review authors."""

from __future__ import annotations

import re

from conftest import ROOT
from qolreview.workbook.spec import PRISMA_BOXES, workbook_spec


def test_the_box_column_accepts_exactly_the_prisma2020_keys() -> None:
    prisma = next(sheet for sheet in workbook_spec() if sheet.name == "prisma")
    box = next(column for column in prisma.columns if column.name == "box")
    assert box.vocabulary == PRISMA_BOXES and not box.open_vocabulary


def test_every_box_key_is_documented_once() -> None:
    doc = (ROOT / "docs" / "new_review.md").read_text(encoding="utf-8")
    section = doc.split("### PRISMA counts", 1)[1].split("\n#", 1)[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")][1:]  # below the header
    documented = [key for cell in rows for key in re.findall(r"`([a-z_]+)`", cell)]
    assert sorted(documented) == sorted(PRISMA_BOXES)

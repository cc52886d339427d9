"""The template rule: a blank extraction workbook that follows the contract (``make template``)."""

from __future__ import annotations

from qolreview.workbook.spec import workbook_spec
from qolreview.workbook.writer import write_template
from qolreview.workflow import Files, Settings


def run(inputs: Files, outputs: Files, settings: Settings) -> None:
    """Write the blank template, with drop-down lists (the review's ``vocabularies``, from ``settings``) and
    instructions, to output ``template``."""
    write_template(outputs["template"], workbook_spec(settings["vocabularies"]))

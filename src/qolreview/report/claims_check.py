"""The claims check: published statements about the review compared with the extracted data."""

from __future__ import annotations

import pandas as pd

from qolreview.formatting import plural
from qolreview.report.claims import check_claims
from qolreview.report.data import ReportData
from qolreview.report.markup import escape_markdown
from qolreview.report.wording import join_words, source_cells_text


def checked_claims(data: ReportData) -> pd.DataFrame:
    """The workbook's claims checked against the clean tables (:func:`qolreview.report.claims.check_claims`)."""
    claims = data["claims"]
    if claims.empty:
        return pd.DataFrame(
            columns=["claim_id", "statement", "source_id", "study_id", "cell_statement", "verdict", "evidence", "cells"]
        )
    registry = data.registry
    qol = {name for name in registry.names if registry.instrument(name).qol}
    return check_claims(claims, data["studies"], data["outcomes"], qol)


def claims_table(data: ReportData) -> pd.DataFrame:
    """The claims check: each published statement, what the data show, and the verdict."""
    checked = checked_claims(data)
    sources = data["sources"].set_index("source_id")["citation"]
    return pd.DataFrame(
        {
            "Statement": checked["statement"],
            "Source": checked["source_id"].map(lambda s: sources.get(s, s)),
            "Data": checked["evidence"],
            "Verdict": checked["verdict"],
            "Cells": (checked["cell_statement"] + "; " + checked["cells"]).map(source_cells_text),
        }
    )


def claims_summary(data: ReportData) -> str:
    """One sentence (Markdown, for an inline expression) counting the claims by verdict."""
    checked = checked_claims(data)
    if checked.empty:
        return "The workbook records no published statements to check."
    counts = checked["verdict"].value_counts()
    verdicts = join_words([f"{n} {verdict}" for verdict, n in counts.items()])
    sentence = (
        f"The workbook records {plural(len(checked), 'checkable statement')} from the review and its "
        f"summaries; the extracted data find {verdicts}"
    )
    return f"{escape_markdown(sentence)} (@tbl-claims)."

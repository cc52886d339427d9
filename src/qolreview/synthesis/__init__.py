"""Stage 3, synthesis: risk of bias, meta-analysis, narrative synthesis (SWiM) and GRADE."""

DIAGNOSTIC_METHODS = ("meta_regression", "small_study_effects", "influence", "cumulative", "gosh")
"""The diagnostics of the pooled analyses, one rule each (here, with no import, for the workflow to read)."""

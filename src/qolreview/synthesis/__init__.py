"""Stage 3, synthesis: risk of bias, meta-analysis, narrative synthesis (SWiM) and GRADE."""

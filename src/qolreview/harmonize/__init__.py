"""Stage 2, harmonize: clean results to signed effect sizes with known variances, the rest with a reason."""

"""Reproducible systematic-review pipeline for quality-of-life outcomes."""

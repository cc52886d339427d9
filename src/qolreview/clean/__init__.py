"""Stage 1, clean: read the extraction workbook once, normalise and validate it, write typed tables."""

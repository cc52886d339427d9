"""The extraction workbook: its contract (sheets, columns, vocabularies), the safe reader, the
writer of workbooks and templates, and the located problems it reports."""

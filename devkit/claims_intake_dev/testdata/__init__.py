"""Builders of test and sample uploads (invoice workbooks, CSVs)."""

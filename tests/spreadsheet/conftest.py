"""Helpers for the spreadsheet tests: build an upload in memory and read it like extract does."""

import csv
import io

import pytest

from claims_intake.extract import extract_bytes
from claims_intake_dev.testdata.invoices import xlsx_bytes


def rows_csv(rows, encoding="utf-8", delimiter=","):
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.fixture
def read_rows():
    """read_rows(rows, kind='xlsx') -> ExtractResult for a sheet given as rows of cells."""

    def read(rows, kind="xlsx", filename=None, sheet="Invoice"):
        data = xlsx_bytes({sheet: rows}) if kind == "xlsx" else rows_csv(rows)
        return extract_bytes(data, filename or f"upload.{kind}")

    return read

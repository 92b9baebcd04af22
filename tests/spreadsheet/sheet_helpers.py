"""Rows for the spreadsheet tests: a header and a service line with sensible defaults."""

HEADER = [
    "Invoice Number",
    "Invoice Date",
    "Billing Provider NPI",
    "Member CIN",
    "Member Last Name",
    "HCPCS",
    "Modifier",
    "DOS From",
    "DOS To",
    "Units",
    "POS",
    "Diagnosis Code",
    "Charge Amount",
]


def line(
    invoice="INV-1",
    code="G9012",
    mods="U2",
    start="03/04/2024",
    end="03/04/2024",
    units=1,
    pos="04",
    dx="Z59.01",
    charge="45.00",
    npi="1234567893",
    cin="90000001A",
    last="GARCIA",
    invoice_date="04/01/2024",
):
    return [invoice, invoice_date, npi, cin, last, code, mods, start, end, units, pos, dx, charge]

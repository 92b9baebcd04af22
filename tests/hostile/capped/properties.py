"""Property-based tests (Hypothesis) of the readers and the staff API, run by test_hostile_properties.py
in a subprocess whose address space is capped (RLIMIT_AS): a reader that tried to allocate its way
through a hostile file would die with MemoryError or be killed, and the run would fail.

Properties: whatever the bytes, a reader answers with claims or an IntakeError (never another
exception); whatever the request, the API answers 2xx or 4xx (never 5xx), and a refused request
changes nothing."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims_intake.extract import IntakeError, extract_bytes
from claims_intake_dev.testdata import hostile

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HEADER = [
    "Invoice Number",
    "Member CIN",
    "Billing Provider NPI",
    "Procedure Code",
    "Service Start Date",
    "Units",
    "Charge Amount",
    "Member Last Name",
]
cells = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["", "=cmd|x", "90000001A", "٩٠٠٠٠٠٠١A", "1456700016", "G9008", "3/4/2026", "1e308", "-0", "\x00", "NaN"]
    ),
)


def answered(data: bytes, filename: str) -> None:
    try:
        extract_bytes(data, filename)
    except IntakeError as error:
        assert error.code and error.message and len(error.message) < 600


@SETTINGS
@given(
    rows=st.lists(st.lists(cells, max_size=10), max_size=30),
    encoding=st.sampled_from(["utf-8", "cp1252", "utf-16", "latin-1"]),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
)
def test_csv_reader_answers_any_table(rows, encoding, delimiter):
    text = "\n".join(delimiter.join(row) for row in [HEADER, *rows])
    answered(text.encode(encoding, errors="replace"), "invoice.csv")


@SETTINGS
@given(data=st.binary(max_size=4096), name=st.sampled_from(["a.csv", "a.xlsx", "a.pdf", "a.png", "a.tif", "a"]))
def test_any_bytes_under_any_name_are_answered(data, name):
    answered(data, name)


@SETTINGS
@given(column=st.integers(1, 16384), row=st.integers(1, 1_048_576), value=cells)
def test_xlsx_with_a_cell_anywhere_is_answered(column, row, value):
    letters = ""
    number = column
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace("\x00", "")
    cell = f'<row r="{row}"><c r="{letters}{row}" t="inlineStr"><is><t>{escaped}</t></is></c></row>'.encode()

    def add(name, data):
        return data.replace(b"</sheetData>", cell + b"</sheetData>") if name == "xl/worksheets/sheet1.xml" else data

    answered(hostile.rewrite_zip(hostile.good_invoice_xlsx(), add), "invoice.xlsx")


@SETTINGS
@given(width=st.integers(1, 2**31 - 1), height=st.integers(1, 2**31 - 1), depth=st.sampled_from([1, 8]))
def test_png_of_any_declared_size_is_answered_from_its_header(width, height, depth):
    header = struct.pack(">IIBBBBB", width, height, depth, 0, 0, 0, 0)
    body = zlib.compress(b"\x00" * 64)
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    answered(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b""), "claim.png")


@settings(max_examples=15, deadline=None)
@given(width=st.floats(1, 14400), height=st.floats(1, 14400))
def test_pdf_page_of_any_size_is_answered(width, height):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=width, height=height)
    buffer = io.BytesIO()
    writer.write(buffer)
    answered(buffer.getvalue(), "claim.pdf")


@SETTINGS
@given(
    parts=st.dictionaries(
        st.sampled_from(
            [
                "xl/workbook.xml",
                "xl/worksheets/sheet1.xml",
                "[Content_Types].xml",
                "xl/sharedStrings.xml",
                "xl/styles.xml",
            ]
        ),
        st.binary(max_size=512),
        min_size=1,
    )
)
def test_a_zip_of_junk_parts_is_answered(parts):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    answered(buffer.getvalue(), "invoice.xlsx")


# ---- the staff API ----------------------------------------------------------------------------------

ELEMENTS = [
    "member_cin",
    "member_last_name",
    "procedure_code",
    "service_start_date",
    "unit_count",
    "charge_amount",
    "billing_provider_npi",
    "no_such_element",
    "",
]
values = st.one_of(st.text(max_size=60), st.text(min_size=400, max_size=2000), st.sampled_from(["A" * 600_000]))


API_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)


@API_SETTINGS
@given(
    element=st.sampled_from(ELEMENTS),
    line=st.one_of(st.none(), st.integers(-3, 12)),
    value=values,
    note=st.one_of(st.none(), st.text(max_size=50), st.just("n" * 5000)),
)
def test_a_correction_is_answered_and_a_refused_one_changes_nothing(new_claim, element, line, value, note):
    from tests.api.conftest import call

    claim_id, _ = new_claim()
    before = call("GET", f"/api/claims/{claim_id}")[1]
    body = {
        "element": element,
        "value": value,
        **({"line": line} if line is not None else {}),
        **({"note": note} if note is not None else {}),
    }
    status, answer = call("PATCH", f"/api/claims/{claim_id}/values", body=body)
    assert status < 500, (status, answer)
    if status != 200:
        after = call("GET", f"/api/claims/{claim_id}")[1]
        assert (after["elements"], after["lines"], len(after["audit"])) == (
            before["elements"],
            before["lines"],
            len(before["audit"]),
        )


@API_SETTINGS
@given(
    corrections=st.lists(st.fixed_dictionaries({"element": st.sampled_from(ELEMENTS), "value": values}), max_size=4),
    names=st.lists(st.sampled_from(["lease.pdf", "../lease.pdf", "..", "a/b/c.pdf", "", "é.pdf"]), max_size=3),
    empty=st.booleans(),
)
def test_an_answer_is_all_or_nothing(new_claim, corrections, names, empty):
    import base64

    from tests.api.conftest import BUCKET, call

    claim_id, item = new_claim()
    documents = [
        {"name": name, "content_base64": "" if empty else base64.b64encode(b"%PDF-1.4 x").decode()} for name in names
    ]
    before = call("GET", f"/api/claims/{claim_id}")[1]
    status, answer = call(
        "POST", f"/api/claims/{claim_id}/items/{item}/answer", body={"corrections": corrections, "documents": documents}
    )
    assert status < 500, (status, answer)
    stored = api_documents(BUCKET, claim_id)
    if status == 200:
        assert len(stored) == len(names)  # every document kept, none overwriting another
    else:
        after = call("GET", f"/api/claims/{claim_id}")[1]
        assert (after["elements"], after["lines"]) == (before["elements"], before["lines"])
        assert stored == [] and after["queue_items"][0]["status"] == "OPEN"


def api_documents(bucket: str, claim_id: str) -> list[str]:
    import boto3

    listed = boto3.client("s3", region_name="us-west-2").list_objects_v2(Bucket=bucket, Prefix=f"documents/{claim_id}/")
    return [item["Key"] for item in listed.get("Contents", [])]

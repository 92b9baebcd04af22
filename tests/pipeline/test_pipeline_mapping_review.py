"""A workbook with a new layout and a doubtful column waits for staff; confirming reads it again and is remembered."""

import pytest

from claims_intake.api import mapping_reviews
from claims_intake.api.auth import Caller, Forbidden
from claims_intake.api.service import BadRequest, Conflict, Services
from claims_intake.spreadsheet.headers import normalize_header

from .invoices import EXPECTED, PROVIDER, three_claim_invoice

STAFF = Caller("dev-staff", frozenset({"staff"}))


def renamed_cin_column(suffix: str = "") -> bytes:
    """The invoice with its CIN column headed 'Reference': only the values say what the column holds."""
    text = three_claim_invoice(suffix).decode("utf-8")
    header, _, rest = text.partition("\r\n")
    cells = header.split(",")
    cells = ["Reference" if "cin" in normalize_header(cell).split() else cell for cell in cells]
    return (",".join(cells) + "\r\n" + rest).encode("utf-8")


def test_a_new_doubtful_layout_is_held_then_read_with_the_confirmed_mapping(reference_loaded, intake_app):
    stack = reference_loaded
    stack.upload(f"uploads/{PROVIDER}/december.csv", renamed_cin_column())
    assert stack.poll("intake", intake_app.lambda_handler) == [{"batchItemFailures": []}]
    (upload,), _ = stack.store.list_uploads(provider=PROVIDER)
    assert upload.status == "MAPPING_REVIEW" and upload.claim_ids == [] and stack.executions() == []
    assert stack.notices() == []  # the provider hears nothing: doubt goes to staff

    services = Services(
        store=stack.store, s3=stack.s3, sfn=None, uploads_bucket=None, reread=lambda obj: intake_app.reread(obj)
    )
    (listed,) = mapping_reviews.list_reviews(services, STAFF)
    review = mapping_reviews.get_review(services, STAFF, listed["ref"])
    (sheet,) = review["sheets"]
    reference = next(c for c in sheet["columns"] if c["header"] == "Reference")
    assert reference["proposed"] == "member_cin" and reference["doubtful"] and reference["samples"][0] == "90000001A"

    confirmed = {c["column"]: c["proposed"] for c in sheet["columns"]}
    with pytest.raises(BadRequest, match="member_shoe_size"):
        mapping_reviews.confirm_review(services, STAFF, listed["ref"], {sheet["signature"]: {"A": "member_shoe_size"}})
    with pytest.raises(Forbidden):
        mapping_reviews.list_reviews(services, Caller("someone", frozenset(), provider_npi=PROVIDER))
    mapping_reviews.confirm_review(services, STAFF, listed["ref"], {sheet["signature"]: confirmed})
    with pytest.raises(Conflict):  # confirmed once
        mapping_reviews.confirm_review(services, STAFF, listed["ref"], {sheet["signature"]: confirmed})
    (upload,), _ = stack.store.list_uploads(provider=PROVIDER)
    assert upload.status == "PROCESSED"
    assert {stack.store.get_claim(c).output["elements"]["invoice_number"] for c in upload.claim_ids} == set(EXPECTED)
    claim = stack.store.get_claim(upload.claim_ids[0])
    assert claim.output["provenance"]["member_cin"]["match_score"] == 1.0  # confirmed by staff
    assert mapping_reviews.list_reviews(services, STAFF) == []

    stack.upload(f"uploads/{PROVIDER}/january.csv", renamed_cin_column("-B"))  # the same layout again
    stack.poll("intake", intake_app.lambda_handler)
    uploads, _ = stack.store.list_uploads(provider=PROVIDER)
    assert sorted(u.status for u in uploads) == ["PROCESSED", "PROCESSED"]
    assert mapping_reviews.list_reviews(services, STAFF) == []

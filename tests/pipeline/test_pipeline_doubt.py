"""A page the reader was unsure of goes to staff as a REVIEW of the file: no refusal, no notice to the provider."""

from __future__ import annotations

from claims_intake.model import ExtractError, ExtractResult, SourceInfo
from claims_intake.pipeline import Intake
from claims_intake.pipeline.objects import S3Object

from .invoices import PROVIDER, three_claim_invoice
from .stack import BUCKET

UNCERTAIN = ExtractError(
    code="form_uncertain",
    page=2,
    message=("page 2 looks like a CMS-1500 (red form ink, box labels) but did not register well enough to be read."),
)


def intake_reading(stack, read) -> Intake:
    intake = Intake.from_env()
    intake.extract = read
    return intake


def uploaded(stack, key: str, data: bytes) -> S3Object:
    put = stack.upload(key, data)
    return S3Object(BUCKET, key, put.get("VersionId"), put["ETag"], len(data))


def test_an_uncertain_page_is_a_staff_review_not_a_refusal(reference_loaded):
    stack = reference_loaded
    read = lambda data, name, limits: ExtractResult(
        source=SourceInfo(file=name, kind="pdf", pages=2), errors=[UNCERTAIN]
    )
    obj = uploaded(stack, f"uploads/{PROVIDER}/grey-copy.pdf", b"%PDF-1.4 a grey photocopy")
    outcome = intake_reading(stack, read).process(obj)

    assert outcome.status == "PROCESSED" and outcome.quarantine_key is None
    (claim_outcome,) = outcome.claims
    assert claim_outcome.disposition == "REVIEW" and claim_outcome.lines == 0
    stored = stack.store.require_claim(claim_outcome.claim_id)
    (finding,) = stored.findings
    assert (finding.rule, finding.severity, finding.doubts[0].kind) == ("form_uncertain", "review", "form_uncertain")
    assert stored.upload_key == obj.upload_id and stored.pages == [2]  # staff open the very upload, page 2
    assert stack.notices() == []  # the provider hears nothing until staff have read it
    assert [e["input"]["claim_id"] for e in stack.executions()] == [claim_outcome.claim_id]  # its flow waits on staff
    assert stack.s3.get_object(Bucket=BUCKET, Key=obj.key)["Body"].read() == b"%PDF-1.4 a grey photocopy"
    # The flow's re-check keeps it with staff: nothing was read, so nothing can be told to the provider.
    from claims_intake.check import check_claim

    again = check_claim(stored.claim, stored.plan, None, None)
    assert again.disposition == "REVIEW" and again.findings[0].rule == "form_uncertain"


def test_an_uncertain_page_beside_read_claims_is_reviewed_too(reference_loaded):
    stack = reference_loaded
    from claims_intake.extract import extract_bytes

    def read(data, name, limits):
        result = extract_bytes(data, name, limits)
        result.errors.append(UNCERTAIN)
        return result

    obj = uploaded(stack, f"uploads/{PROVIDER}/november.csv", three_claim_invoice())
    outcome = intake_reading(stack, read).process(obj)
    assert [c.disposition for c in outcome.claims][-1] == "REVIEW" and len(outcome.claims) == 4
    assert stack.notices() == []


def test_a_page_that_is_no_form_is_still_refused(reference_loaded):
    stack = reference_loaded
    not_form = ExtractError(code="not_cms1500", page=1, message="page 1 is not a CMS-1500 claim form.")
    read = lambda data, name, limits: ExtractResult(
        source=SourceInfo(file=name, kind="pdf", pages=1), errors=[not_form]
    )
    outcome = intake_reading(stack, read).process(uploaded(stack, f"uploads/{PROVIDER}/letter.pdf", b"%PDF-1.4 x"))
    assert outcome.status == "QUARANTINED" and outcome.error_code == "not_cms1500"
    assert stack.notices()[0]["MessageAttributes"]["code"]["Value"] == "not_cms1500"

"""Reference files under reference/ -> loader handler -> ReferenceTable; reload replaces; bad files quarantined."""

from datetime import date

from claims_intake.store import DynamoHistory, DynamoReference, Tables

from .stack import ROOT

SAMPLES = ROOT / "samples" / "reference"


def reference(stack) -> DynamoReference:
    return DynamoReference(Tables(), client=stack.dynamodb)


def test_sample_reference_files_are_loaded(reference_loaded):
    stack = reference_loaded
    spans = reference(stack).eligibility("90000002B")
    assert [(s.plan, s.start, s.end) for s in spans] == [("phc", date(2025, 7, 1), date(2026, 10, 15))]
    assert reference(stack).authorization("TAR-PHC-1001").units == 12
    assert reference(stack).provider("1456700024").plans == ("phc", "kp")
    assert any(
        line.claim_id == "H-0001" for line in DynamoHistory(Tables(), client=stack.dynamodb).member_lines("90000001A")
    )
    uploads, _ = stack.store.list_uploads(status="PROCESSED")
    assert sorted(u.kind for u in uploads) == [
        "reference:authorizations",
        "reference:contract_rates",
        "reference:eligibility",
        "reference:history",
        "reference:providers",
    ]
    rates = reference(stack).contract_rates("1456700032")
    assert ("kp", "T2033-U6", "210.00") in {(r.plan, r.combination, str(r.rate)) for r in rates}
    assert reference(stack).provider("1987600123").licence_type == "non_clinical"


def test_reloading_a_file_replaces_its_previous_load(reference_loaded, reference_app):
    stack = reference_loaded
    lines = (SAMPLES / "eligibility.csv").read_text().splitlines()
    kept = [line for line in lines if not line.startswith("90000002B")]
    assert len(kept) == len(lines) - 1
    stack.upload("reference/eligibility.csv", ("\n".join(kept) + "\n").encode())
    assert stack.poll("reference", reference_app.lambda_handler) == [{"batchItemFailures": []}]
    assert reference(stack).eligibility("90000002B") == []  # removed from the file: gone
    assert len(reference(stack).eligibility("90000001A")) == 1  # still in the file: still there
    assert reference(stack).provider("1456700016") is not None  # another file: untouched


def test_a_bad_reference_file_loads_nothing_and_is_quarantined(reference_loaded, reference_app):
    stack = reference_loaded
    text = (SAMPLES / "eligibility.csv").read_text().replace("2025-07-01", "the first of July", 1)
    stack.upload("reference/eligibility.csv", text.encode())
    assert stack.poll("reference", reference_app.lambda_handler) == [{"batchItemFailures": []}]  # not retried
    assert len(reference(stack).eligibility("90000002B")) == 1  # the previous load is still in use
    rejected = stack.store.list_uploads(status="QUARANTINED")[0]
    assert len(rejected) == 1 and rejected[0].error_code == "invalid_reference_file"
    assert "row 3" in rejected[0].error_message and "start_date" in rejected[0].error_message
    assert rejected[0].quarantine_key.startswith("quarantine/reference/")
    notice = stack.notices()[0]
    assert notice["MessageAttributes"]["kind"]["Value"] == "reference_load_failed"


def test_an_unknown_reference_file_name_is_rejected(stack, reference_app):
    stack.upload("reference/members.csv", b"member_cin,plan\n90000001A,phc\n")
    stack.poll("reference", reference_app.lambda_handler)
    rejected = stack.store.list_uploads(status="QUARANTINED")[0][0]
    assert "eligibility.csv" in rejected.error_message

"""Bad input through the pipeline: every hostile file of claims_intake_dev.testdata.hostile is
uploaded in one burst with good invoices around it, and the intake Lambda (moto stack of
tests/pipeline) must record a clear error, keep the original in quarantine/ with its reason, send the
provider a notice saying what to fix, and store the good invoices as if nothing had happened."""

import pytest
from moto import mock_aws

from claims_intake_dev.testdata import hostile
from tests.pipeline.invoices import EXPECTED, PROVIDER, three_claim_invoice
from tests.pipeline.stack import ROOT, build_stack, load_handler

from .conftest import hostile_bytes

REFUSED = [name for name, case in hostile.CASES.items() if case.refused]
ACCEPTED = [name for name, case in hostile.CASES.items() if not case.refused]
GOOD = [f"uploads/{PROVIDER}/good-{n}.csv" for n in ("before", "after")]


def key_of(name):
    return f"uploads/{PROVIDER}/{name}--{hostile.CASES[name].filename}"


@pytest.fixture(scope="module")
def run():
    """One burst: a good invoice, every hostile file, another good invoice; then the queue drained."""
    with pytest.MonkeyPatch.context() as monkeypatch, mock_aws():
        stack = build_stack(monkeypatch)
        for path in sorted((ROOT / "samples" / "reference").glob("*.csv")):
            stack.upload(f"reference/{path.name}", path.read_bytes())
        stack.poll("reference", load_handler("reference_loader").lambda_handler)
        originals = {}
        stack.upload(GOOD[0], three_claim_invoice("-A"))
        for name in hostile.CASES:
            originals[name] = hostile_bytes(name)
            stack.upload(key_of(name), originals[name])
        stack.upload(GOOD[1], three_claim_invoice("-B"))
        responses = stack.poll("intake", load_handler("intake").lambda_handler, rounds=20)
        uploads = {u.key: u for u in stack.store.list_uploads(provider=PROVIDER, limit=1000)[0]}
        notices = []
        while batch := stack.notices():
            notices.extend(batch)
        quarantined = {}
        for upload in uploads.values():
            if upload.quarantine_key:
                moved = stack.s3.get_object(Bucket=upload.bucket, Key=upload.quarantine_key)
                quarantined[upload.key] = (moved["Metadata"], moved["Body"].read())
        yield {
            "stack": stack,
            "responses": responses,
            "uploads": uploads,
            "notices": notices,
            "quarantined": quarantined,
            "originals": originals,
            "dlq": stack.depth("intake-dlq"),
            "left": stack.depth("intake"),
        }


def test_the_burst_had_no_failed_message_and_nothing_left_over(run):
    assert sum(len(r["batchItemFailures"]) for r in run["responses"]) == 0
    assert run["dlq"] == 0 and run["left"] == 0
    assert len(run["uploads"]) == len(hostile.CASES) + len(GOOD)  # every file has a record


def test_the_good_invoices_around_the_hostile_files_are_stored(run):
    store = run["stack"].store
    stored = {}
    for key in GOOD:
        upload = run["uploads"][key]
        assert upload.status == "PROCESSED" and len(upload.claim_ids) == 3
        stored.update(
            {
                store.get_claim(c).output["elements"]["invoice_number"]: store.get_claim(c).disposition.value
                for c in upload.claim_ids
            }
        )
    # The first invoice is checked as usual; the second bills the same services again (the history rules
    # see the first), so only its invoice numbers are compared.
    assert {k: v for k, v in stored.items() if k.endswith("-A")} == {k + "-A": v for k, v in EXPECTED.items()}
    assert {k for k in stored if k.endswith("-B")} == {k + "-B" for k in EXPECTED}


@pytest.mark.parametrize("name", REFUSED)
def test_hostile_file_is_quarantined_with_its_reason_and_the_provider_told(run, name):
    case = hostile.CASES[name]
    upload = run["uploads"][key_of(name)]
    assert upload.status == "QUARANTINED" and upload.error_code == case.code
    assert upload.error_message and upload.claim_ids in (None, [])
    metadata, body = run["quarantined"][key_of(name)]
    assert metadata["reason-code"] == case.code and metadata["reason"]
    assert body == run["originals"][name]  # the original, byte for byte
    notice = [
        n
        for n in run["notices"]
        if n["MessageAttributes"]["code"]["Value"] == case.code and f"{name}--{case.filename}" in n["Message"]
    ]
    assert len(notice) == 1, f"{name}: {len(notice)} notice(s)"
    assert notice[0]["MessageAttributes"]["provider"]["Value"] == PROVIDER
    assert "Reason:" in notice[0]["Message"] and "What to do" in notice[0]["Message"]


@pytest.mark.parametrize("name", ACCEPTED)
def test_file_with_a_neutralised_danger_is_read_and_stored(run, name):
    upload = run["uploads"][key_of(name)]
    assert upload.status == "PROCESSED" and upload.claim_ids
    assert not upload.quarantine_key
    assert not [n for n in run["notices"] if f"{name}--" in n["Message"]]


def test_no_claim_flow_was_started_for_a_hostile_file(run):
    started = {e["input"]["claim_id"] for e in run["stack"].executions()}
    for name in REFUSED:  # claim ids are C-{upload ref}-{n}: none of a refused upload's
        assert not [c for c in started if c.startswith(f"C-{run['uploads'][key_of(name)].ref}-")]

"""Upload -> S3 notification -> SQS -> intake handler -> DynamoDB, flow started; duplicates, failures, quarantine."""

import json

from claims_intake.flow.start import execution_name
from claims_intake.store import DynamoHistory, Tables

from .invoices import EXPECTED, PROVIDER, three_claim_invoice


def dispositions(stack, upload):
    return {
        stack.store.get_claim(c).output["elements"]["invoice_number"]: stack.store.get_claim(c).disposition.value
        for c in upload.claim_ids
    }


def test_upload_is_extracted_checked_stored_and_the_flow_started(reference_loaded, intake_app):
    stack = reference_loaded
    put = stack.upload(f"uploads/{PROVIDER}/november.csv", three_claim_invoice())
    responses = stack.poll("intake", intake_app.lambda_handler)
    assert responses == [{"batchItemFailures": []}]

    uploads, _ = stack.store.list_uploads(provider=PROVIDER)
    assert len(uploads) == 1
    upload = uploads[0]
    assert upload.status == "PROCESSED" and upload.kind == "csv" and upload.version_id == put["VersionId"]
    assert dispositions(stack, upload) == EXPECTED

    clean = stack.store.get_claim(upload.claim_ids[0])
    assert [line["allowed_amount"] for line in clean.output["lines"]] == ["400.00", "386.00"]
    assert clean.upload_key == upload.upload_id and clean.status == "CHECKED"
    history = DynamoHistory(Tables(), client=stack.dynamodb)
    assert {line.claim_id for line in history.member_lines("90000001A")} >= {clean.claim_id}

    executions = (
        stack.executions()
    )  # one starter (flow.start): named claim-{id}, the flow reads the rest from the store
    assert sorted(e["name"] for e in executions) == sorted(execution_name(claim_id) for claim_id in upload.claim_ids)
    assert sorted(e["input"]["claim_id"] for e in executions) == sorted(upload.claim_ids)
    assert stack.depth("intake") == 0 and stack.depth("intake-dlq") == 0


def test_the_same_notification_twice_gives_one_set_of_claims(reference_loaded, intake_app):
    stack = reference_loaded
    stack.upload(f"uploads/{PROVIDER}/november.csv", three_claim_invoice())
    notification = stack.receive("intake")[0]
    for _ in range(2):  # S3 and SQS deliver at least once: the same message body arrives again
        stack.sqs.send_message(QueueUrl=stack.queues["intake"], MessageBody=notification["Body"])
    stack.sqs.delete_message(QueueUrl=stack.queues["intake"], ReceiptHandle=notification["ReceiptHandle"])
    stack.poll("intake", intake_app.lambda_handler)

    headers = [item for item in stack.dynamodb.scan(TableName="ClaimsTable")["Items"] if item["sk"]["S"] == "HEADER"]
    assert len(headers) == 3
    assert len(stack.executions()) == 3
    claim = stack.store.get_claim(headers[0]["claim_id"]["S"])
    assert [entry.action for entry in claim.audit] == ["checked"]  # written once, not re-checked


def test_a_new_version_of_the_same_key_is_a_new_upload(reference_loaded, intake_app):
    stack = reference_loaded
    stack.upload(f"uploads/{PROVIDER}/november.csv", three_claim_invoice())
    stack.poll("intake", intake_app.lambda_handler)
    stack.upload(f"uploads/{PROVIDER}/november.csv", three_claim_invoice(suffix="-B"))
    stack.poll("intake", intake_app.lambda_handler)
    uploads, _ = stack.store.list_uploads(provider=PROVIDER)
    assert len(uploads) == 2 and len({u.version_id for u in uploads}) == 2
    assert sum(len(u.claim_ids) for u in uploads) == 6


def test_a_failing_record_is_retried_then_dead_lettered_and_the_rest_stored(reference_loaded, intake_app):
    stack = reference_loaded
    stack.upload(f"uploads/{PROVIDER}/november.csv", three_claim_invoice())
    good = stack.receive("intake")[0]
    stack.sqs.change_message_visibility(
        QueueUrl=stack.queues["intake"], ReceiptHandle=good["ReceiptHandle"], VisibilityTimeout=0
    )
    # A notification for an object that is gone (deleted before intake read it): get_object fails.
    body = json.loads(good["Body"])
    body["Records"][0]["s3"]["object"].update(key=f"uploads/{PROVIDER}/gone.csv", versionId="no-such-version")
    stack.sqs.send_message(QueueUrl=stack.queues["intake"], MessageBody=json.dumps(body))

    responses = stack.poll("intake", intake_app.lambda_handler)
    failures = [item for response in responses for item in response["batchItemFailures"]]
    assert len(failures) == 3  # received 3 times (maxReceiveCount), reported failed each time
    assert stack.depth("intake") == 0 and stack.depth("intake-dlq") == 1
    dead = stack.receive("intake-dlq")[0]
    assert json.loads(dead["Body"])["Records"][0]["s3"]["object"]["key"].endswith("gone.csv")

    uploads = {u.key: u for u in stack.store.list_uploads(provider=PROVIDER)[0]}
    assert uploads[f"uploads/{PROVIDER}/november.csv"].status == "PROCESSED"
    assert len(uploads[f"uploads/{PROVIDER}/november.csv"].claim_ids) == 3
    assert uploads[f"uploads/{PROVIDER}/gone.csv"].status == "FAILED"  # recorded, even though it failed


def test_an_unreadable_file_is_quarantined_and_the_provider_told(reference_loaded, intake_app):
    stack = reference_loaded
    key = f"uploads/{PROVIDER}/claim.pdf"
    stack.upload(key, b"\x00\x01\x02 this is not a PDF \xff\xfe" * 10)
    assert stack.poll("intake", intake_app.lambda_handler) == [{"batchItemFailures": []}]

    upload = stack.store.list_uploads(provider=PROVIDER)[0][0]
    assert upload.status == "QUARANTINED" and upload.error_code == "unsupported_type"
    assert "claim.pdf" in upload.error_message and upload.quarantine_key.startswith(f"quarantine/{PROVIDER}/")
    moved = stack.s3.get_object(Bucket=upload.bucket, Key=upload.quarantine_key)
    assert moved["Metadata"]["reason-code"] == "unsupported_type"
    assert moved["Body"].read().startswith(b"\x00\x01\x02")
    versions = stack.s3.list_object_versions(Bucket=upload.bucket, Prefix=key)
    assert not versions.get("Versions")  # moved: the upload's version now lives in quarantine/
    assert stack.store.list_uploads(status="QUARANTINED")[0][0].upload_id == upload.upload_id

    notice = stack.notices()[0]
    assert notice["MessageAttributes"]["provider"]["Value"] == PROVIDER
    assert "claim.pdf" in notice["Message"] and "upload it again" in notice["Message"]
    assert stack.executions() == []


def test_an_empty_file_is_quarantined_without_disturbing_the_batch(reference_loaded, intake_app):
    stack = reference_loaded
    stack.upload(f"uploads/{PROVIDER}/empty.xlsx", b"")
    stack.upload(f"uploads/{PROVIDER}/november.csv", three_claim_invoice())
    responses = stack.poll("intake", intake_app.lambda_handler)
    assert all(not r["batchItemFailures"] for r in responses)
    by_key = {u.key: u for u in stack.store.list_uploads(provider=PROVIDER)[0]}
    assert by_key[f"uploads/{PROVIDER}/empty.xlsx"].error_code == "empty_file"
    assert by_key[f"uploads/{PROVIDER}/november.csv"].status == "PROCESSED"


def test_a_spreadsheet_without_claims_is_quarantined_with_the_reason(reference_loaded, intake_app):
    stack = reference_loaded
    header_only = three_claim_invoice().decode().splitlines()[0] + "\n"
    stack.upload(f"uploads/{PROVIDER}/blank.csv", header_only.encode())
    assert stack.poll("intake", intake_app.lambda_handler) == [{"batchItemFailures": []}]
    upload = stack.store.list_uploads(provider=PROVIDER)[0][0]
    # The reader's own reason when all its errors agree (hostile files), else no_claims.
    assert upload.status == "QUARANTINED" and upload.error_code == "no_rows"
    assert "no claim could be read" in upload.error_message
    assert stack.notices()[0]["MessageAttributes"]["code"]["Value"] == "no_rows"


def test_a_claim_too_large_for_one_transaction_is_reported_and_the_rest_stored(reference_loaded, intake_app):
    from claims_intake_dev.testdata.invoices import invoice_bytes
    from tests.check.builders import claim, line

    stack = reference_loaded
    days = [f"2026-{month:02d}-{day:02d}" for month in (7, 8, 9, 10) for day in range(1, 29)][:99]
    huge = claim(
        *[line("T2033", "U6", start=day, cost="204.00") for day in days],
        member="90000009J",
        provider=PROVIDER,
        invoice="SCCN-BIG-1",
    )
    small = claim(line("G9008", "U1", cost="400.00"), invoice="SCCN-SMALL-1")
    stack.upload(f"uploads/{PROVIDER}/big.csv", invoice_bytes([huge, small], "dhcs_template", "csv"))
    assert stack.poll("intake", intake_app.lambda_handler) == [{"batchItemFailures": []}]
    upload = stack.store.list_uploads(provider=PROVIDER)[0][0]
    assert upload.status == "PROCESSED" and len(upload.claim_ids) == 1
    assert [e["code"] for e in upload.errors if e.get("code") == "claim_too_large"] == ["claim_too_large"]
    notice = stack.notices()[0]
    assert notice["MessageAttributes"]["code"]["Value"] == "claim_too_large"
    assert "SCCN-BIG-1" in notice["Message"] and "98 lines" in notice["Message"]

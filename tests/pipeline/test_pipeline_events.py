"""Each handler runs on its sample event (events/*.json, the ones `sam local invoke -e` takes)."""

import json

from .invoices import three_claim_invoice
from .stack import REGION, ROOT, LambdaContext


def event_with_object(stack, name: str, data: bytes) -> tuple[dict, str]:
    """The sample event, with the object it names created in moto (and its real version id)."""
    event = json.loads((ROOT / "events" / f"{name}.json").read_text())
    body = json.loads(event["Records"][0]["body"])
    s3 = body["Records"][0]["s3"]
    bucket, key = s3["bucket"]["name"], s3["object"]["key"].replace("+", " ")
    stack.s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    stack.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    put = stack.s3.put_object(Bucket=bucket, Key=key, Body=data)
    s3["object"].update(versionId=put["VersionId"], eTag=put["ETag"].strip('"'), size=len(data))
    event["Records"][0]["body"] = json.dumps(body)
    return event, key


def test_intake_handler_on_its_sample_event(reference_loaded, intake_app):
    event, key = event_with_object(reference_loaded, "intake", three_claim_invoice())
    assert intake_app.lambda_handler(event, LambdaContext()) == {"batchItemFailures": []}
    upload = reference_loaded.store.list_uploads(provider="1456700016")[0][0]
    assert upload.key == key == "uploads/1456700016/november invoice.csv"
    assert upload.status == "PROCESSED" and len(upload.claim_ids) == 3


def test_reference_loader_handler_on_its_sample_event(stack, reference_app):
    data = (ROOT / "samples" / "reference" / "eligibility.csv").read_bytes()
    event, _ = event_with_object(stack, "reference_loader", data)
    assert reference_app.lambda_handler(event, LambdaContext()) == {"batchItemFailures": []}
    assert stack.store.list_uploads(status="PROCESSED")[0][0].kind == "reference:eligibility"

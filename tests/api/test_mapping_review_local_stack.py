"""The mapping review as staff use it, on the whole local stack: a provider's workbook with a new layout and a
column only its values place waits for staff; staff confirm the columns through the HTTP API (the template's
route, the API function in process); the API function asks the intake function to read the file again
(lambda:Invoke, asynchronous); its claims appear; the provider's next upload with the same layout is read with
the remembered mapping, without a review."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest
import requests

from claims_intake_dev.dev_auth import dev_staff_token
from tests.pipeline.invoices import EXPECTED, PROVIDER
from tests.pipeline.test_pipeline_mapping_review import renamed_cin_column

from .test_uploads_local_stack import logging_restored

STAFF = {"Authorization": f"Bearer {dev_staff_token()}"}


@pytest.fixture(scope="module")
def api():
    from claims_intake.api import resolver
    from claims_intake_dev.local import demo
    from claims_intake_dev.local.stack import LocalStack
    from claims_intake_dev.local.web import WebServer

    resolver.use_services(None)
    with logging_restored(), LocalStack() as stack:
        demo.load_reference(stack)
        web = WebServer(stack).start()  # the template's API routes only, as API Gateway serves them
        try:
            yield stack, web.url
        finally:
            web.stop()
            resolver.use_services(None)


def get(url: str, path: str):
    response = requests.get(url + path, headers=STAFF, timeout=60)
    assert response.status_code == 200, (path, response.status_code, response.text)
    return response.json()


def wait_for_upload(url: str, key: str, statuses: set[str], timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    listed = None
    while time.monotonic() < deadline:
        listed = next((item for item in get(url, "/api/uploads")["items"] if item["key"] == key), None)
        if listed and listed["status"] in statuses:
            return listed
        time.sleep(0.5)
    raise AssertionError(f"{key} did not reach {statuses} within {timeout}s: {listed}")


@pytest.mark.slow
def test_staff_confirm_a_mapping_through_the_api_and_the_file_and_the_next_upload_are_read_with_it(api):
    stack, url = api
    s3 = stack.client("s3")
    first = f"uploads/{PROVIDER}/december.csv"
    s3.put_object(Bucket=stack.bucket(), Key=first, Body=renamed_cin_column())
    held = wait_for_upload(url, first, {"MAPPING_REVIEW", "PROCESSED", "QUARANTINED"})
    assert held["status"] == "MAPPING_REVIEW" and held["claim_ids"] == []

    (listed,) = get(url, "/api/mapping-reviews")
    review = get(url, f"/api/mapping-reviews/{quote(listed['ref'], safe='')}")
    (sheet,) = review["sheets"]
    reference = next(column for column in sheet["columns"] if column["header"] == "Reference")
    assert reference["proposed"] == "member_cin" and reference["doubtful"]
    confirmed = {column["column"]: column["proposed"] for column in sheet["columns"]}
    response = requests.post(
        f"{url}/api/mapping-reviews/{quote(listed['ref'], safe='')}/confirm",
        json={"sheets": {sheet["signature"]: confirmed}},
        headers=STAFF,
        timeout=120,
    )
    assert response.status_code == 200, response.text
    assert response.json()["reread"] is True

    read = wait_for_upload(url, first, {"PROCESSED", "QUARANTINED"})
    assert read["status"] == "PROCESSED" and len(read["claim_ids"]) == len(EXPECTED)
    claims = [get(url, f"/api/claims/{quote(claim_id, safe='')}") for claim_id in read["claim_ids"]]
    assert {claim["elements"]["invoice_number"] for claim in claims} == set(EXPECTED)
    assert get(url, "/api/mapping-reviews") == []

    following = f"uploads/{PROVIDER}/january.csv"  # the same layout, the provider's next month
    s3.put_object(Bucket=stack.bucket(), Key=following, Body=renamed_cin_column("-B"))
    again = wait_for_upload(url, following, {"MAPPING_REVIEW", "PROCESSED", "QUARANTINED"})
    assert again["status"] == "PROCESSED" and len(again["claim_ids"]) == len(EXPECTED)
    assert get(url, "/api/mapping-reviews") == []
    stack.wait_until_settled(timeout=120)

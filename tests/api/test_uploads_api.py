"""Provider uploads through the API: a presigned POST bound to the caller's NPI folder, recorded with who
asked for it, that really uploads into the (moto) bucket where the intake reads it; and the list of uploads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
import requests
from botocore.config import Config

from claims_intake.api.service import Services
from claims_intake.limits import default_limits
from claims_intake.pipeline import Intake, S3Object
from claims_intake.store import SENT_BY_METADATA, UploadStatus, upload_request_id
from claims_intake.validators import npi_check_digit

from .conftest import BUCKET, REGION, STAFF, call, provider_claims
from .post_policy import signed_policy, violations

NPI = "1456700016"
OTHER_NPI = "1456700024"
PROVIDER = provider_claims(NPI)
OTHER = provider_claims(OTHER_NPI)
PDF = "application/pdf"


@pytest.fixture(autouse=True)
def sigv4(services):
    """The API's S3 client signs with SigV4 (Services.from_env), as S3 requires for KMS-encrypted objects."""
    services.s3 = boto3.client("s3", region_name=REGION, config=Config(signature_version="s3v4"))


def ask(claims=PROVIDER, **body):
    return call("POST", "/api/uploads", claims, body={"file_name": "claims november.pdf", "content_type": PDF, **body})


def post_file(presigned: dict, content: bytes, **overrides) -> requests.Response:
    """What the browser does with the answer: the form fields, then the file as the last field."""
    form = {**presigned["fields"], **overrides}
    return requests.post(presigned["url"], data=form, files={"file": ("upload", content)}, timeout=30)


def test_the_presigned_post_uploads_into_the_callers_folder_with_who_sent_it(services):
    status, presigned = ask(plan="PHC")
    assert status == 200, presigned
    key = presigned["key"]
    assert key.startswith(f"uploads/{NPI}/phc/") and key.endswith("-claims_november.pdf")
    response = post_file(presigned, b"%PDF-1.4 a claim")
    assert response.status_code in (200, 204), response.text
    head = services.s3.head_object(Bucket=BUCKET, Key=key)
    assert head["ContentType"] == PDF
    assert head["Metadata"] == {SENT_BY_METADATA: PROVIDER["cognito:username"]}
    request = services.store.get_upload(upload_request_id(BUCKET, key))
    assert (request.status, request.provider, request.plan, request.sent_by) == (
        UploadStatus.REQUESTED,
        NPI,
        "phc",
        PROVIDER["cognito:username"],
    )
    assert request.received_at and request.expires_at > request.received_at


def test_the_intake_takes_the_sender_from_the_object_and_retires_the_request(services):
    _, presigned = ask(file_name="not-a-claim.csv", content_type="text/csv")
    post_file(presigned, b"hello,world\n1,2\n")
    key = presigned["key"]
    head = services.s3.head_object(Bucket=BUCKET, Key=key)
    intake = Intake(
        services.store,
        services.s3,
        reference=lambda: None,
        check=lambda *args, **kwargs: pytest.fail("a file without claims is never checked"),
    )
    outcome = intake.process(
        S3Object(
            bucket=BUCKET, key=key, version_id=head.get("VersionId"), etag=head["ETag"], size=head["ContentLength"]
        )
    )
    assert outcome.status == UploadStatus.QUARANTINED.value
    status, page = call("GET", "/api/uploads", PROVIDER)
    assert status == 200
    (listed,) = page["items"]  # the request gave way to the upload's own record
    assert listed["status"] == "QUARANTINED" and listed["sent_by"] == PROVIDER["cognito:username"]
    assert listed["reason_code"] and listed["reason"]
    assert listed["file_name"] == key.rpartition("/")[2]
    assert services.store.get_upload(upload_request_id(BUCKET, key)) is None


def test_the_api_signs_with_sigv4(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    assert Services.from_env().s3.meta.config.signature_version == "s3v4"


def test_the_signed_policy_binds_key_size_type_and_sender(services):
    _, presigned = ask()
    policy = signed_policy(presigned["fields"])
    assert presigned["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    max_bytes = default_limits().max_file_bytes
    assert ["content-length-range", 1, max_bytes] in policy["conditions"]
    assert {"key": presigned["key"]} in policy["conditions"]
    assert {"Content-Type": PDF} in policy["conditions"]
    assert {f"x-amz-meta-{SENT_BY_METADATA}": PROVIDER["cognito:username"]} in policy["conditions"]
    assert presigned["max_bytes"] == max_bytes
    fields = presigned["fields"]
    assert violations(fields, BUCKET, size=1024) == []
    assert violations(fields, BUCKET, size=max_bytes + 1) == [f"size {max_bytes + 1} outside [1, {max_bytes}]"]
    assert violations(fields, BUCKET, size=0)  # an empty file is no claim
    assert violations({**fields, "Content-Type": "text/html"}, BUCKET, size=10) == [
        f"content-type: 'text/html' is not {PDF!r}"
    ]
    other_folder = {**fields, "key": f"uploads/{OTHER_NPI}/claims.pdf"}
    assert violations(other_folder, BUCKET, size=10) == [
        f"key: 'uploads/{OTHER_NPI}/claims.pdf' is not {presigned['key']!r}"
    ]
    assert violations({**fields, f"x-amz-meta-{SENT_BY_METADATA}": "someone-else"}, BUCKET, size=10)
    assert violations({**fields, "x-amz-meta-extra": "1"}, BUCKET, size=10) == [
        "field x-amz-meta-extra is in no condition"
    ]
    assert violations(fields, "another-bucket", size=10)
    later = datetime.now(UTC) + timedelta(minutes=16)  # boto3 signs with the real clock
    assert violations(fields, BUCKET, size=10, now=later) == ["policy expired"]


def test_a_provider_never_gets_a_url_for_another_npis_folder(services):
    status, body = ask(provider_npi=OTHER_NPI)
    assert status == 404, body  # another provider's folder is as unknown to the caller as its claims
    # Whatever the name says, the key stays in the caller's folder, one segment deep.
    status, presigned = ask(file_name=f"../../{OTHER_NPI}/claims.pdf")
    assert status == 200 and presigned["key"].startswith(f"uploads/{NPI}/")
    assert presigned["key"].count("/") == 2 and ".." not in presigned["key"]
    status, presigned = ask(file_name="a/b\\c..pdf", plan="kp")
    assert presigned["key"].startswith(f"uploads/{NPI}/kp/") and presigned["key"].count("/") == 3
    assert ask(provider_claims("../1456700024"))[0] == 403  # an account whose NPI is no NPI
    assert ask(plan="../1456700024")[0] == 400
    assert ask(plan="nosuchplan")[0] == 400
    two = {ask()[1]["key"] for _ in range(2)}
    assert len(two) == 2  # unique: a second upload of the same name never replaces the first


def test_staff_upload_only_on_a_named_providers_behalf(services):
    assert ask(STAFF)[0] == 403
    status, presigned = ask(STAFF, provider_npi=OTHER_NPI)
    assert status == 200 and presigned["key"].startswith(f"uploads/{OTHER_NPI}/")
    bad = NPI[:9] + str((int(NPI[9]) + 1) % 10)
    assert npi_check_digit(NPI[:9]) != bad[9]
    assert ask(STAFF, provider_npi=bad)[0] == 400
    staff_with_npi = {**STAFF, "custom:provider_npi": NPI}
    assert ask(staff_with_npi)[1]["key"].startswith(f"uploads/{NPI}/")


@pytest.mark.parametrize(
    ("file_name", "content_type", "expected"),
    [
        ("claims.exe", "application/octet-stream", 400),
        ("claims", PDF, 400),
        ("claims.pdf", "text/html", 400),
        ("claims.xlsx", PDF, 400),
        ("claims.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 200),
        ("claims.CSV", "text/csv; charset=utf-8", 200),
        ("fax.tif", "image/tiff", 200),
    ],
)
def test_only_files_the_intake_reads_with_their_own_media_type(services, file_name, content_type, expected):
    status, body = ask(file_name=file_name, content_type=content_type)
    assert status == expected, body
    if expected == 200:
        assert {"Content-Type": body["content_type"]} in signed_policy(body["fields"])["conditions"]


def test_moto_stores_what_the_policy_allows(services):
    _, presigned = ask()
    assert post_file(presigned, b"%PDF-1.4").status_code in (200, 204)
    assert services.s3.get_object(Bucket=BUCKET, Key=presigned["key"])["Body"].read() == b"%PDF-1.4"


def test_each_provider_lists_its_own_uploads_and_staff_all(services):
    mine = [ask()[1]["key"] for _ in range(3)]
    theirs = ask(OTHER)[1]["key"]
    status, page = call("GET", "/api/uploads", PROVIDER)
    assert status == 200
    assert {item["key"] for item in page["items"]} == set(mine)
    assert all(item["status"] == "REQUESTED" and not item["expired"] for item in page["items"])
    assert all(not item["upload_id"].startswith(("request:", "s3://")) for item in page["items"])
    assert call("GET", "/api/uploads", PROVIDER, query={"provider": OTHER_NPI})[1]["items"] == []
    _, staff_page = call("GET", "/api/uploads", STAFF)
    assert {item["key"] for item in staff_page["items"]} == {*mine, theirs}
    _, one_provider = call("GET", "/api/uploads", STAFF, query={"provider": OTHER_NPI})
    assert [item["key"] for item in one_provider["items"]] == [theirs]


def test_uploads_are_paged_newest_first_and_expire_unused(services, clock):
    keys = []
    for _ in range(3):
        keys.append(ask()[1]["key"])
        clock.advance(minutes=1)
    seen, token = [], None
    while True:
        query = {"limit": "2", **({"next_token": token} if token else {})}
        status, page = call("GET", "/api/uploads", PROVIDER, query=query)
        assert status == 200 and len(page["items"]) <= 2
        seen += [item["key"] for item in page["items"]]
        token = page["next_token"]
        if not token:
            break
    assert seen == keys[::-1]
    clock.advance(minutes=13, seconds=30)  # the two older URLs (15 minutes each) have run out
    _, page = call("GET", "/api/uploads", PROVIDER)
    assert [item["expired"] for item in page["items"]] == [False, True, True]
    assert call("GET", "/api/uploads", PROVIDER, query={"next_token": "not-a-token"})[0] == 400


def test_uploads_need_a_signed_in_caller(services):
    assert call("POST", "/api/uploads", None, body={"file_name": "a.pdf", "content_type": PDF})[0] == 401
    assert call("GET", "/api/uploads", None)[0] == 401
    assert boto3.client("s3", region_name=REGION).list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0

"""The local server: the page, its dev config, and /api through the Lambda's resolver with dev tokens."""

import json
import urllib.error
import urllib.request

import pytest

from tests.api.queue_factories import NPI_A, NPI_B, queued


def fetch(url, token=None, method="GET", body=None):
    request = urllib.request.Request(
        url,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            **({"Authorization": f"Bearer {token}"} if token else {}),
            **({"Content-Type": "application/json"} if body is not None else {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_the_page_and_its_files_are_served(site):
    status, headers, body = fetch(site + "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html") and b"staff queue" in body
    assert fetch(site + "/static/app.js")[0] == 200
    assert fetch(site + "/static/../server.py")[0] == 404
    assert fetch(site + "/static/nope.js")[0] == 404
    config = json.loads(fetch(site + "/config.json")[2])
    assert config == {"apiRoot": "", "auth": "dev", "devToken": "dev-staff"}


def test_api_needs_a_development_token_and_scopes_providers(site, services):
    queued(services, "C-1", npi=NPI_A)
    queued(services, "C-2", npi=NPI_B)
    assert fetch(site + "/api/queue")[0] == 401
    assert fetch(site + "/api/queue", token="guess")[0] == 401
    status, _, body = fetch(site + "/api/queue?queue=RFI", token="dev-staff")
    assert status == 200 and len(json.loads(body)["items"]) == 2
    status, _, body = fetch(site + "/api/queue", token=f"dev-provider-{NPI_B}")
    assert [i["claim_id"] for i in json.loads(body)["items"]] == ["C-2"]
    assert fetch(site + "/api/claims/C-1", token=f"dev-provider-{NPI_B}")[0] == 404


def test_the_staff_token_can_be_set_by_environment(monkeypatch, services):
    from claims_intake_dev.web_server import serve_in_thread

    monkeypatch.setenv("CLAIMS_INTAKE_DEV_TOKEN", "s3cret-local")
    server, url = serve_in_thread(services)
    try:
        assert fetch(url + "/api/me", token="dev-staff")[0] == 401
        status, _, body = fetch(url + "/api/me", token="s3cret-local")
        assert status == 200 and json.loads(body)["staff"] is True
        assert json.loads(fetch(url + "/config.json")[2])["devToken"] == "s3cret-local"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("body", [{"element": "member_cin", "value": "91234567A"}])
def test_api_writes_go_through_the_same_resolver(site, services, body):
    queued(services, "C-1")
    status, _, answer = fetch(site + "/api/claims/C-1/values", token="dev-staff", method="PATCH", body=body)
    assert status == 200 and json.loads(answer)["audit"][-1]["actor"] == "dev-staff"


def test_the_module_level_app_builds_its_services_from_the_environment(aws, monkeypatch):
    """What `claims-intake serve --app claims_intake_dev.web_server:app` mounts: resources from the env."""
    from wsgiref.util import setup_testing_defaults

    import boto3

    from claims_intake.api import resolver
    from claims_intake.store import Tables
    from claims_intake_dev.local.moto_stack import create_tables
    from claims_intake_dev.web_server import app

    create_tables(boto3.client("dynamodb", region_name="us-west-2"), Tables(claims="LocalClaims"))
    monkeypatch.setenv("CLAIMS_TABLE", "LocalClaims")
    monkeypatch.setenv("UPLOADS_BUCKET", "local-uploads")
    resolver.use_services(None)
    environ = {"PATH_INFO": "/api/queue", "REQUEST_METHOD": "GET", "HTTP_AUTHORIZATION": "Bearer dev-staff"}
    setup_testing_defaults(environ)
    statuses = []
    body = b"".join(app(environ, lambda status, headers: statuses.append(status)))
    try:
        assert statuses == ["200 OK"] and json.loads(body) == {"items": [], "next_token": None}
        assert resolver.services().store.tables.claims == "LocalClaims"
        assert resolver.services().uploads_bucket == "local-uploads"
    finally:
        resolver.use_services(None)


def test_parallel_requests_each_get_their_own_answer(site, services):
    """The page asks for the queue and the metrics at once; each answer must match its own route."""
    from concurrent.futures import ThreadPoolExecutor

    queued(services, "C-1")
    paths = ["/api/queue", "/api/metrics", "/api/me", "/api/claims/C-1?crops=false"] * 6
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda path: fetch(site + path, token="dev-staff"), paths))
    for path, (status, _, body) in zip(paths, answers, strict=False):
        assert status == 200, (path, body[:300])
        data = json.loads(body)
        key = {"/api/queue": "items", "/api/metrics": "payment_targets", "/api/me": "user"}.get(path, "claim_id")
        assert key in data, (path, data)

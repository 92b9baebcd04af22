"""docs/openapi.json is the schema the resolver generates (regenerate: see docs/api.md)."""

import json
from pathlib import Path

from claims_intake.api.openapi import schema_json

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_published_schema_is_current():
    assert (DOCS / "openapi.json").read_text("utf-8") == schema_json(), (
        "docs/openapi.json is stale: PYTHONPATH=shared python -m claims_intake.api.openapi > docs/openapi.json"
    )


def test_every_route_is_documented_with_its_inputs():
    schema = json.loads(schema_json())
    paths = schema["paths"]
    assert set(paths) == {
        "/api/me",
        "/api/queue",
        "/api/metrics",
        "/api/claims",
        "/api/claims/{claim_id}",
        "/api/claims/{claim_id}/values",
        "/api/claims/{claim_id}/items/{item_id}/assign",
        "/api/claims/{claim_id}/items/{item_id}/answer",
        "/api/claims/{claim_id}/items/{item_id}/reject",
        "/api/claims/{claim_id}/items/{item_id}/extend",
        "/api/claims/{claim_id}/reopen-review",
        "/api/claims/{claim_id}/in-words",
        "/api/claims/{claim_id}/rfi/uploads",
        "/api/claims/{claim_id}/rfi/answer",
        "/api/uploads",
        "/api/mapping-reviews",
        "/api/mapping-reviews/{ref}",
        "/api/mapping-reviews/{ref}/confirm",
    }
    queue_parameters = {p["name"] for p in paths["/api/queue"]["get"]["parameters"]}
    assert queue_parameters == {
        "queue",
        "status",
        "plan",
        "provider",
        "min_age_days",
        "due_before",
        "limit",
        "next_token",
        "assigned_to_me",
    }
    search_parameters = {p["name"] for p in paths["/api/claims"]["get"]["parameters"]}
    assert search_parameters == {"q", "plan", "status", "disposition", "provider", "limit", "next_token"}
    answer_body = paths["/api/claims/{claim_id}/items/{item_id}/answer"]["post"]["requestBody"]
    assert answer_body["content"]["application/json"]["schema"]["$ref"].endswith("AnswerBody")
    assert set(paths["/api/uploads"]) == {"get", "post"}
    upload_body = paths["/api/uploads"]["post"]["requestBody"]
    assert upload_body["content"]["application/json"]["schema"]["$ref"].endswith("UploadRequestBody")
    assert schema["security"] == [{"cognito": []}]

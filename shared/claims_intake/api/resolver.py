"""REST routes under /api for the staff queues (Powertools APIGatewayRestResolver).

The same resolver serves API Gateway (functions/api/app.py) and the local server
(claims_intake_dev.web_server); routes only parse, authorize and shape, the logic is in service.py.
The OpenAPI schema (docs/openapi.json) is generated from these routes: `python -m claims_intake.api.openapi`.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Annotated

from aws_lambda_powertools.event_handler import CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel, Field

from ..limits import default_limits
from ..store.claims import ClaimNotFound, ConcurrentUpdate, QueueItemNotFound
from . import audit, mapping_reviews, portal, service, uploads
from .auth import Caller, Forbidden, Unauthorized, caller_from_event
from .views import ClaimView, Me, Metrics, QueueItemView, QueuePage, SearchPage

# The page is served from its own origin (CloudFront) in AWS; locally from the same origin as the API.
# The token travels in the Authorization header, never a cookie, so allowing any origin exposes nothing
# to a page that has no token; set STAFF_SITE_ORIGIN to pin the page's origin.
CORS = CORSConfig(allow_origin=os.environ.get("STAFF_SITE_ORIGIN", "*"), allow_headers=["Authorization"])
# A response that does not match its model is our bug: 500, not a 422 blamed on the caller.
# Every request is audited once answered (api/audit.py).
app = audit.AuditedResolver(enable_validation=True, cors=CORS, response_validation_error_http_code=500)

_services: service.Services | None = None


def services() -> service.Services:
    global _services
    if _services is None:
        _services = service.Services.from_env()
    return _services


def use_services(value: service.Services | None) -> None:
    """Tests and the local server inject their own store and clients."""
    global _services
    _services = value


def caller() -> Caller:
    return caller_from_event(app.current_event.raw_event)


# ---- request bodies ------------------------------------------------------------------------------
# Every text is bounded: an unbounded value is stored, shown, audited and printed in letters.
MAX_VALUE = default_limits().max_value_chars
MAX_NOTE = 2000


class Correction(BaseModel):
    element: str = Field(max_length=64, description="DHCS element key, e.g. member_cin or procedure_code")
    line: int | None = Field(
        None, ge=1, le=9999, description="service line number for line elements; omit for claim elements"
    )
    value: str = Field(max_length=MAX_VALUE, description="the value as it should read; parsed like an extracted value")


class CorrectValueBody(Correction):
    note: str | None = Field(None, max_length=MAX_NOTE, description="why (kept in the audit trail)")


class Document(BaseModel):
    name: str = Field(max_length=255)
    content_type: str | None = Field(None, max_length=127)
    content_base64: str = Field(max_length=7_000_000, description="the file, base64-encoded (5 MB at most)")


class AnswerBody(BaseModel):
    corrections: list[Correction] = Field(default_factory=list, max_length=50)
    documents: list[Document] = Field(default_factory=list, max_length=10)
    note: str | None = Field(None, max_length=MAX_NOTE)


class RejectBody(BaseModel):
    reason: str = Field(min_length=3, max_length=MAX_NOTE, description="what the rejection letter tells the provider")


class ExtendBody(BaseModel):
    due: date = Field(description="the new due date (after the current one)")
    note: str | None = Field(None, max_length=MAX_NOTE)


class ReopenBody(BaseModel):
    note: str | None = Field(None, max_length=MAX_NOTE, description="why (kept in the audit trail)")


# ---- routes --------------------------------------------------------------------------------------


@app.get("/api/me", summary="The caller: user, groups, staff or provider")
def me() -> Me:
    return Me.model_validate(caller().to_output())


@app.get("/api/queue", summary="One page of a staff queue, soonest due first, with age and due clocks")
def list_queue(
    queue: Annotated[str, Query(pattern="^(RFI|REVIEW)$", description="RFI or REVIEW")] = "RFI",
    status: Annotated[str, Query(pattern="^(OPEN|ANSWERED|EXPIRED|CLOSED)$")] = "OPEN",
    plan: Annotated[str | None, Query(description="plan profile id: kp, phc, khs")] = None,
    provider: Annotated[str | None, Query(description="billing provider NPI")] = None,
    min_age_days: Annotated[int | None, Query(ge=0, description="only items open at least this many days")] = None,
    due_before: Annotated[date | None, Query(description="only items due before this date")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    next_token: Annotated[str | None, Query(description="from the previous page")] = None,
    assigned_to_me: Annotated[bool, Query(description="only items assigned to the caller")] = False,
) -> QueuePage:
    return QueuePage.model_validate(
        service.list_queue(
            services(),
            caller(),
            queue,
            status,
            plan,
            provider,
            min_age_days,
            due_before,
            limit,
            next_token,
            assigned_to_me,
        )
    )


@app.get(
    "/api/claims",
    summary="Find claims by claim id, invoice number, member CIN or name, or billing NPI "
    "(words match the start of a term; a provider finds only its own claims)",
)
def search_claims(
    q: Annotated[
        str | None,
        Query(
            min_length=2,
            max_length=200,
            description="what staff have in hand, e.g. 'BHP-2026' or 'quintero rosa'; without it, one provider's "
            "claims newest first (a provider's own; staff name provider)",
        ),
    ] = None,
    plan: Annotated[str | None, Query(description="plan profile id: kp, phc, khs")] = None,
    status: Annotated[str | None, Query(description="workflow status, e.g. WAITING_RFI, CLOSED")] = None,
    disposition: Annotated[str | None, Query(description="CLEAN, PARTIAL, DENIED, RFI, REVIEW, REJECTED")] = None,
    provider: Annotated[str | None, Query(description="billing provider NPI")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    next_token: Annotated[str | None, Query(description="from the previous page")] = None,
) -> SearchPage:
    filters = {"plan": plan, "status": status, "disposition": disposition, "provider_npi": provider}
    return SearchPage.model_validate(portal.claims_page(services(), caller(), q, filters, limit, next_token))


@app.get("/api/metrics", summary="Queue counts and the clean-claim payment targets (000; 004 IV.B.2)")
def metrics() -> Metrics:
    return Metrics.model_validate(service.metrics(services(), caller()))


@app.get("/api/claims/<claim_id>", summary="A claim: lines, findings, letters, audit trail, scanned values with crops")
def get_claim(
    claim_id: Annotated[str, Path()],
    crops: Annotated[bool, Query(description="include the box crops (data URLs)")] = True,
) -> ClaimView:
    return ClaimView.model_validate(service.get_claim(services(), caller(), claim_id, crops))


@app.patch("/api/claims/<claim_id>/values", summary="Correct one value; the old value stays in the audit trail")
def correct_value(claim_id: Annotated[str, Path()], body: CorrectValueBody) -> ClaimView:
    return ClaimView.model_validate(
        service.correct_value(services(), caller(), claim_id, body.element, body.line, body.value, body.note)
    )


@app.post("/api/claims/<claim_id>/items/<item_id>/assign", summary="Assign the queue item to me")
def assign(claim_id: Annotated[str, Path()], item_id: Annotated[str, Path()]) -> QueueItemView:
    return QueueItemView.model_validate(service.assign(services(), caller(), claim_id, item_id))


@app.post(
    "/api/claims/<claim_id>/items/<item_id>/answer",
    summary="Record the provider's answer (RFI) or the verification (REVIEW) and resume the flow",
)
def answer(claim_id: Annotated[str, Path()], item_id: Annotated[str, Path()], body: AnswerBody) -> QueueItemView:
    return QueueItemView.model_validate(
        service.answer(
            services(),
            caller(),
            claim_id,
            item_id,
            [c.model_dump() for c in body.corrections],
            [d.model_dump() for d in body.documents],
            body.note,
        )
    )


@app.post("/api/claims/<claim_id>/items/<item_id>/reject", summary="Reject the claim; the flow sends the letter")
def reject(claim_id: Annotated[str, Path()], item_id: Annotated[str, Path()], body: RejectBody) -> QueueItemView:
    return QueueItemView.model_validate(service.reject(services(), caller(), claim_id, item_id, body.reason))


@app.post("/api/claims/<claim_id>/items/<item_id>/extend", summary="Extend the item's due date")
def extend(claim_id: Annotated[str, Path()], item_id: Annotated[str, Path()], body: ExtendBody) -> QueueItemView:
    return QueueItemView.model_validate(
        service.extend_due(services(), caller(), claim_id, item_id, body.due, body.note)
    )


@app.post(
    "/api/claims/<claim_id>/reopen-review",
    summary="Reopen the review of a claim left to staff (REVIEW_OVERDUE): its flow opens a new REVIEW item",
)
def reopen_review(claim_id: Annotated[str, Path()], body: ReopenBody) -> ClaimView:
    return ClaimView.model_validate(service.reopen_review(services(), caller(), claim_id, body.note))


class ConfirmMappingBody(BaseModel):
    sheets: dict[str, dict[str, str | None]] = Field(
        description="layout signature -> column letter -> element key ('procedure_modifiers:2' for the 2nd of "
        "several columns; null: not an invoice element)"
    )


@app.get("/api/mapping-reviews", summary="Workbooks held until staff confirm their column mapping")
def list_mapping_reviews() -> list[dict]:
    return mapping_reviews.list_reviews(services(), caller())


@app.get("/api/mapping-reviews/<ref>", summary="A held workbook: each column's header, sample values, proposed element")
def get_mapping_review(ref: Annotated[str, Path()]) -> dict:
    return mapping_reviews.get_review(services(), caller(), ref)


@app.post(
    "/api/mapping-reviews/<ref>/confirm",
    summary="Confirm the columns; the layout is remembered for the provider and the file is read again",
)
def confirm_mapping_review(ref: Annotated[str, Path()], body: ConfirmMappingBody) -> dict:
    return mapping_reviews.confirm_review(services(), caller(), ref, body.sheets)


# Provider uploads (presigned POST into the caller's NPI folder, the list of uploads): api/uploads.py.
uploads.register(app, services, caller)
# The provider's claim page and RFI answers: api/portal.py.
portal.register(app, services, caller)


# ---- errors --------------------------------------------------------------------------------------


def _error(status: int, message: str) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body={"message": message})


@app.exception_handler(Unauthorized)
def _unauthorized(error: Unauthorized) -> Response:
    return _error(401, str(error))


@app.exception_handler(Forbidden)
def _forbidden(error: Forbidden) -> Response:
    return _error(403, str(error))


@app.exception_handler([service.NotFound, ClaimNotFound, QueueItemNotFound])
def _not_found(error: Exception) -> Response:
    return _error(404, str(error))


@app.exception_handler([service.Conflict, ConcurrentUpdate])
def _conflict(error: Exception) -> Response:
    return _error(409, str(error))


@app.exception_handler(service.BadRequest)
def _bad_request(error: service.BadRequest) -> Response:
    return _error(400, str(error))

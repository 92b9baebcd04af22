"""The provider's side of the API: its claims listed with what a provider needs to follow them, a claim told
in plain words (lines with decisions and reasons, letters, what is waiting on whom), and answering an RFI.

A provider only ever reaches its own claims: every claim is read through service._visible_claim, which
answers 404 for another provider's claim exactly as for a claim that does not exist. Staff see everything.

Answering an RFI takes the provider's S3 path (docs/flow.md): the API signs a POST of one document under
rfi/{claim}/{item}/, and the object's arrival closes the open RFI item and resumes the claim's flow
(flow.start.answer_from_upload, run by the RfiUpload function). Corrections are stored first
(ClaimStore.correct_values, audited with the provider's user); when no document follows, the answer
closes the item and resumes the flow itself with the same answer document.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import BaseModel, Field

from ..limits import default_limits
from ..store.records import ClaimStatus, QueueStatus, StoredClaim
from .auth import Caller
from .service import (
    BadRequest,
    Conflict,
    Services,
    _close_and_resume,
    _visible_claim,
    apply_corrections,
    letter_view,
    listed_claim,
    search_claims,
)
from .uploads import URL_LIFETIME, SignedPostView, accepted_content_type, safe_unique_name, signed_post

logger = logging.getLogger(__name__)

RFI_PREFIX = "rfi/"
MAX_VALUE = default_limits().max_value_chars
MAX_NOTE = 2000
LIST_FILTERS = ("plan", "status", "disposition")

# What is waiting on whom, by workflow status, in the provider's words.
WAITING = {
    ClaimStatus.WAITING_RFI.value: ("you", "The plan needs more information from you: answer the request below."),
    ClaimStatus.WAITING_REVIEW.value: ("the plan", "Plan staff are checking the claim; nothing is needed from you."),
    ClaimStatus.REVIEW_OVERDUE.value: ("the plan", "Plan staff are checking the claim; nothing is needed from you."),
    ClaimStatus.CHECKED.value: ("the plan", "The claim is being processed."),
    ClaimStatus.ERROR.value: ("the plan", "The plan is looking into a processing problem; nothing is needed from you."),
    ClaimStatus.REJECTED.value: (
        "you",
        "The claim was rejected: the letter says what to fix before you send it again.",
    ),
    ClaimStatus.CLOSED.value: ("nobody", "The claim is decided: the letters give the details."),
}
DISPOSITION_WORDS = {
    "CLEAN": "Accepted: every line is payable.",
    "PARTIAL": "Partly accepted: some lines are payable, some denied.",
    "DENIED": "Denied: no line is payable.",
    "REJECTED": "Rejected: the claim could not be entered as sent.",
    "RFI": "Waiting for information from you.",
    "REVIEW": "Being checked by the plan.",
}


# ---- listing ---------------------------------------------------------------------------------------


def claims_page(
    services: Services,
    caller: Caller,
    query: str | None,
    filters: dict[str, str | None],
    limit: int = 25,
    next_token: str | None = None,
) -> dict[str, Any]:
    """GET /api/claims: a search when there is a query (the staff search, a provider's own partition), else
    one provider's claims newest first. A provider's rows carry what it follows a claim by (dates, billed,
    allowed, letters, what is waiting on whom)."""
    if query:
        page = search_claims(services, caller, query, filters, limit, next_token)
    else:
        page = _list_claims(services, caller, filters, limit, next_token)
    if not caller.is_staff:
        outlines = services.store.claim_outlines([summary["claim_id"] for summary in page["items"]])
        page["items"] = [
            _provider_row(services, summary, outlines[summary["claim_id"]])
            for summary in page["items"]
            if summary["claim_id"] in outlines and caller.may_see(outlines[summary["claim_id"]]["provider_npi"])
        ]
    return page


def _list_claims(
    services: Services, caller: Caller, filters: dict[str, str | None], limit: int, next_token: str | None
) -> dict[str, Any]:
    provider = filters.get("provider_npi")
    if not caller.is_staff:
        if provider and provider != caller.provider_npi:
            return {"items": [], "next_token": None}
        provider = caller.provider_npi
    if not provider:
        raise BadRequest("name a provider (provider=NPI) or type what to search for (q)")
    wanted = {name: value for name, value in filters.items() if name in LIST_FILTERS and value}
    try:
        listed, token = services.store.list_claims(provider, page_token=next_token, limit=limit, filters=wanted)
    except ValueError as problem:  # a page token that is not ours
        raise BadRequest(str(problem)) from problem
    summaries = services.store.claim_summaries([row["claim_id"] for row in listed])
    items = [
        listed_claim(services, summaries[row["claim_id"]])
        for row in listed
        if row["claim_id"] in summaries and caller.may_see(summaries[row["claim_id"]].get("provider_npi"))
    ]
    return {"items": items, "next_token": token}


def _waiting(status: str, rfi_open: bool) -> tuple[str, str]:
    """Who the claim waits on, in words: an open request for information waits on the provider, whatever
    step of the flow the claim's status names."""
    if rfi_open:
        return WAITING[ClaimStatus.WAITING_RFI.value]
    return WAITING.get(status, ("the plan", "The claim is being processed."))


def _provider_row(services: Services, summary: dict[str, Any], outline: dict[str, Any]) -> dict[str, Any]:
    lines = outline["lines"]
    starts = [line.get("service_start_date") for line in lines if line.get("service_start_date")]
    ends = [line.get("service_end_date") or line.get("service_start_date") for line in lines]
    waiting_on, waiting = _waiting(summary["status"], outline["rfi_due"] is not None)
    return {
        **summary,
        "service_from": min(starts) if starts else None,
        "service_to": max(filter(None, ends)) if any(ends) else None,
        "billed": _money(_sum(line.get("charge_amount") for line in lines)),
        "allowed": _money(outline["allowed_amount"]) if summary["disposition"] in _DECIDED else None,
        "waiting_on": waiting_on,
        "waiting": waiting,
        "rfi_due": outline["rfi_due"],
        "letters": [_letter(services, letter) for letter in outline["letters"]],
    }


_DECIDED = ("CLEAN", "PARTIAL", "DENIED")


def _sum(values) -> Decimal | None:
    total, seen = Decimal("0"), False
    for value in values:
        try:
            total += Decimal(str(value))
            seen = True
        except (InvalidOperation, ValueError):
            continue
    return total if seen else None


def _money(value: Any) -> str | None:
    if value in (None, ""):
        return None
    try:
        return f"{Decimal(str(value)).quantize(Decimal('0.01'))}"
    except InvalidOperation:
        return None


def _letter(services: Services, letter: dict[str, Any]) -> dict[str, Any]:
    view = letter_view(services, letter)
    return {"kind": view["kind"], "at": view["at"], "url": view.get("url"), "name": view["s3_key"].rsplit("/", 1)[-1]}


# ---- one claim in plain words --------------------------------------------------------------------------


def _open_rfi(stored: StoredClaim):
    return next(
        (i for i in reversed(stored.queue_items) if i.queue == "RFI" and i.status == QueueStatus.OPEN.value), None
    )


def claim_in_plain_words(services: Services, caller: Caller, claim_id: str) -> dict[str, Any]:
    """What a provider reads on its claim's page: the decision and each line's, with the reasons; the
    letters; the open request for information (what is asked, by when); what is waiting on whom.
    Findings staff still verify (severity review) are the plan's business and are not told."""
    stored = _visible_claim(services, caller, claim_id)
    output = stored.output
    elements = output.get("elements", {})
    told = [f for f in output.get("findings", []) if f.get("severity") != "review"]
    open_rfi = _open_rfi(stored)
    waiting_on, waiting = _waiting(stored.status, open_rfi is not None)
    return {
        "claim_id": stored.claim_id,
        "invoice_number": elements.get("invoice_number"),
        "plan": stored.plan,
        "provider_npi": elements.get("billing_provider_npi"),
        "member_name": " ".join(filter(None, (elements.get("member_first_name"), elements.get("member_last_name"))))
        or None,
        "member_cin": elements.get("member_cin"),
        "received": stored.created_at,
        "disposition": stored.disposition.value,
        "decision": DISPOSITION_WORDS.get(stored.disposition.value, stored.disposition.value),
        "status": stored.status,
        "waiting_on": waiting_on,
        "waiting": waiting,
        "billed": _money(_sum(line.get("charge_amount") for line in output.get("lines", []))),
        "allowed": _money(output.get("allowed_amount")) if stored.disposition.value in _DECIDED else None,
        "claim_reasons": [_reason(f) for f in told if f.get("line") is None],
        "lines": [_line_in_words(line, told, stored.disposition.value in _DECIDED) for line in output.get("lines", [])],
        "letters": [_letter(services, letter) for letter in stored.to_output().get("letters", [])],
        "rfi": _rfi_in_words(open_rfi, told) if open_rfi else None,
    }


def _reason(finding: dict[str, Any]) -> dict[str, Any]:
    return {
        "message": finding.get("message"),
        "severity": finding.get("severity"),
        "cite": finding.get("cite"),
        "element": finding.get("element"),
    }


def _line_in_words(line: dict[str, Any], findings: list[dict[str, Any]], decided: bool) -> dict[str, Any]:
    """A service line; its decision and allowed amount only once the claim is decided (an RFI or a review
    still open can change them)."""
    number = line.get("line_number")
    decision = line.get("disposition") if decided else None
    return {
        "line_number": number,
        "procedure": " ".join(filter(None, [line.get("procedure_code"), *(line.get("procedure_modifiers") or [])])),
        "service_from": line.get("service_start_date"),
        "service_to": line.get("service_end_date") or line.get("service_start_date"),
        "units": line.get("unit_count"),
        "billed": _money(line.get("charge_amount")),
        "allowed": _money(line.get("allowed_amount")) if decision else None,
        "decision": {"PAYABLE": "Payable", "DENIED": "Denied"}.get(decision or "", "Not decided yet"),
        "reasons": [_reason(f) for f in findings if f.get("line") == number],
    }


def _rfi_in_words(item, findings: list[dict[str, Any]]) -> dict[str, Any]:
    asked = [f for f in findings if f.get("severity") == "rfi"]
    return {
        "item_id": item.item_id,
        "due": item.due,
        "asked": [_reason(f) for f in asked],
        "correctable": _correctable(asked),
    }


def _correctable(asked: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The values the request rests on: what a provider may correct in its answer."""
    values: dict[tuple[str, int | None], None] = {}
    for finding in asked:
        for value in finding.get("rests_on") or []:
            values[(value["element"], value.get("line"))] = None
        if finding.get("element") and not finding.get("rests_on"):
            values[(finding["element"], finding.get("line"))] = None
    return [{"element": element, "line": line} for element, line in values]


# ---- answering an RFI ------------------------------------------------------------------------------


def _open_rfi_of(services: Services, caller: Caller, claim_id: str) -> tuple[StoredClaim, Any]:
    stored = _visible_claim(services, caller, claim_id)  # 404 for another provider's claim
    item = _open_rfi(stored)
    if item is None:
        raise Conflict(f"claim {claim_id} has no open request for information")
    return stored, item


def rfi_upload(services: Services, caller: Caller, claim_id: str, file_name: str, content_type: str) -> dict[str, Any]:
    """A presigned POST of one document under rfi/{claim}/{item}/: its arrival answers the open RFI and
    resumes the claim's flow (the RfiUpload function). The policy pins the key, size, type and sender."""
    _stored, item = _open_rfi_of(services, caller, claim_id)
    content_type = accepted_content_type(file_name, content_type)
    now = services.clock()
    key = f"{RFI_PREFIX}{claim_id}/{item.item_id}/{safe_unique_name(file_name, now)}"
    post = signed_post(services, caller, key, content_type)
    services.store.append_audit(claim_id, caller.user, "rfi_upload_url_issued", None, {"item_id": item.item_id})
    return {
        "url": post["url"],
        "fields": post["fields"],
        "key": key,
        "max_bytes": default_limits().max_file_bytes,
        "content_type": content_type,
        "expires_at": (now + URL_LIFETIME).isoformat().replace("+00:00", "Z"),
        "item_id": item.item_id,
    }


def answer_rfi(
    services: Services,
    caller: Caller,
    claim_id: str,
    corrections: list[dict[str, Any]],
    note: str | None,
    documents_follow: bool,
) -> dict[str, Any]:
    """The provider's corrections to the values the open RFI rests on, stored now (audited). With
    documents to follow, the item stays open until the first document arrives under rfi/ and resumes
    the flow; without, the item is closed as ANSWERED and the flow resumed here, with the answer
    document a provider's upload sends (docs/flow.md)."""
    stored, item = _open_rfi_of(services, caller, claim_id)
    if not corrections and not documents_follow and not note:
        raise BadRequest("an answer needs corrections, documents or a note")
    allowed = {(v["element"], v["line"]) for v in _rfi_in_words(item, stored.output.get("findings", []))["correctable"]}
    for correction in corrections:
        if not caller.is_staff and (correction["element"], correction.get("line")) not in allowed:
            raise BadRequest(
                f"{correction['element']} is not one of the values this request asks about: "
                "send a corrected claim for anything else"
            )
    applied = apply_corrections(services, claim_id, corrections, caller.user, note)
    if documents_follow:
        return {"item_id": item.item_id, "status": item.status, "corrections": applied, "flow_resumed": False}
    resolution = {"action": "answered", "corrections": applied, "documents": [], "note": note}
    view = _close_and_resume(services, caller, claim_id, item.item_id, QueueStatus.ANSWERED.value, resolution)
    return {
        "item_id": item.item_id,
        "status": view["status"],
        "corrections": applied,
        "flow_resumed": view["flow_resumed"],
    }


# ---- routes ----------------------------------------------------------------------------------------


class RfiUploadBody(BaseModel):
    file_name: str = Field(min_length=1, max_length=255, description="the document's name, with its extension")
    content_type: str = Field(min_length=1, max_length=127, description="its media type, e.g. application/pdf")


class RfiUploadView(SignedPostView):
    key: str = Field(description="where the document lands: rfi/{claim}/{item}/{unique name}")
    item_id: str = Field(description="the RFI item the document answers")


class ProviderCorrection(BaseModel):
    element: str = Field(max_length=64, description="a value the request rests on (rfi.correctable)")
    line: int | None = Field(None, ge=1, le=9999)
    value: str = Field(max_length=MAX_VALUE)


class RfiAnswerBody(BaseModel):
    corrections: list[ProviderCorrection] = Field(default_factory=list, max_length=50)
    note: str | None = Field(None, max_length=MAX_NOTE)
    documents_follow: bool = Field(
        False,
        description="documents are being uploaded (POST …/rfi/uploads): the first to arrive resumes the flow",
    )


class RfiAnswerView(BaseModel):
    item_id: str
    status: str
    corrections: list[dict[str, Any]]
    flow_resumed: bool


class LetterLink(BaseModel):
    kind: str
    at: str
    name: str
    url: str | None = Field(None, description="presigned: opens the PDF for a quarter of an hour")


class Reason(BaseModel):
    message: str | None = None
    severity: str | None = None
    cite: str | None = None
    element: str | None = None


class LineInWords(BaseModel):
    line_number: int | None = None
    procedure: str
    service_from: str | None = None
    service_to: str | None = None
    units: Any = None
    billed: str | None = None
    allowed: str | None = None
    decision: str
    reasons: list[Reason]


class RfiInWords(BaseModel):
    item_id: str
    due: str
    asked: list[Reason]
    correctable: list[dict[str, Any]]


class ClaimInWords(BaseModel):
    claim_id: str
    invoice_number: str | None = None
    plan: str
    provider_npi: str | None = None
    member_name: str | None = None
    member_cin: str | None = None
    received: str
    disposition: str
    decision: str
    status: str
    waiting_on: str = Field(description="you, the plan, or nobody")
    waiting: str
    billed: str | None = None
    allowed: str | None = None
    claim_reasons: list[Reason]
    lines: list[LineInWords]
    letters: list[LetterLink]
    rfi: RfiInWords | None = None


def register(app: APIGatewayRestResolver, services: Callable[[], Services], caller: Callable[[], Caller]) -> None:
    """Add the provider's claim page and RFI answer routes (api/resolver.py calls this once)."""

    @app.get(
        "/api/claims/<claim_id>/in-words", summary="A claim told to its provider: decisions, reasons, letters, RFI"
    )
    def get_claim_in_words(claim_id: Annotated[str, Path()]) -> ClaimInWords:
        return ClaimInWords.model_validate(claim_in_plain_words(services(), caller(), claim_id))

    @app.post(
        "/api/claims/<claim_id>/rfi/uploads",
        summary="A presigned S3 POST of one document answering the claim's open RFI (rfi/{claim}/{item}/)",
    )
    def create_rfi_upload(claim_id: Annotated[str, Path()], body: RfiUploadBody) -> RfiUploadView:
        return RfiUploadView.model_validate(
            rfi_upload(services(), caller(), claim_id, body.file_name, body.content_type)
        )

    @app.post(
        "/api/claims/<claim_id>/rfi/answer",
        summary="Corrections to the values the open RFI asks about; without documents to follow, resumes the flow",
    )
    def post_rfi_answer(claim_id: Annotated[str, Path()], body: RfiAnswerBody) -> RfiAnswerView:
        corrections = [c.model_dump() for c in body.corrections]
        return RfiAnswerView.model_validate(
            answer_rfi(services(), caller(), claim_id, corrections, body.note, body.documents_follow)
        )

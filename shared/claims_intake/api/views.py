"""Response shapes of the staff API: they validate what the routes return and document it (OpenAPI).

The claim itself keeps the open shape of `CheckResult.to_output()` (DHCS element keys, lines,
provenance; docs/data-model.md); the fields the page relies on are typed here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..store.records import QueueItemFields


class Me(BaseModel):
    user: str
    groups: list[str]
    staff: bool
    provider_npi: str | None = None


class Age(BaseModel):
    hours: float = Field(description="since the item was opened")
    days: int


class DueIn(BaseModel):
    hours: float = Field(description="until the due date; negative when overdue")
    days: int
    overdue: bool


class CleanClaimClockView(BaseModel):
    """000 Clean Claims: finalize within 30 business days of receipt."""

    received: str
    due: str
    business_days: int
    business_days_elapsed: int
    business_days_left: int
    overdue: bool
    finalized: str | None = None


class QueueItemView(QueueItemFields):
    model_config = ConfigDict(extra="allow")

    age: Age
    due_in: DueIn
    clean_claim_clock: CleanClaimClockView | None = None
    flow_resumed: bool | None = Field(
        None,
        description="after answer/reject/extend: the waiting flow was resumed (after extend: to wait again until the new due date)",
    )


class QueuePage(BaseModel):
    items: list[QueueItemView]
    next_token: str | None = Field(None, description="pass as next_token for the next page")


class ClaimSummary(BaseModel):
    """A claim found by search: enough to pick it from a list (open it with GET /api/claims/{id})."""

    model_config = ConfigDict(extra="allow")

    claim_id: str
    invoice_number: str | None = None
    plan: str
    provider_npi: str | None = None
    member_name: str | None = None
    member_cin: str | None = None
    disposition: str
    status: str
    created_at: str = Field(description="when the claim was received")
    updated_at: str
    clean_claim_clock: CleanClaimClockView


class SearchPage(BaseModel):
    items: list[ClaimSummary]
    next_token: str | None = Field(
        None,
        description="pass as next_token for the next page; a page can be short "
        "when the search read its limit of index entries",
    )


class QueueCounts(BaseModel):
    open: int
    overdue: int
    due_today: int
    unassigned: int
    oldest_days: float | None = None
    stopped_claims: int = Field(
        0,
        description="claims whose flow stopped waiting on this queue and need staff: "
        "REVIEW counts status REVIEW_OVERDUE (docs/flow.md)",
    )


class TargetWindow(BaseModel):
    days: int
    target: str = Field(description="share of clean claims to pay within `days`, e.g. '0.9'")
    paid_in_time: int
    late: int
    open: int = Field(description="unpaid and still inside the window")
    at_risk: int = Field(description="open claims whose window closes within 5 days")
    ratio: str | None = Field(None, description="paid_in_time / (paid_in_time + late); null before any window closed")
    met: bool | None = None
    still_reachable: bool | None = None


class PlanTargets(BaseModel):
    clean_claims: int
    within_30_days: TargetWindow
    within_90_days: TargetWindow
    cite: str


class Metrics(BaseModel):
    as_of: str
    queues: dict[str, QueueCounts]
    payment_targets: dict[str, PlanTargets] = Field(description="by plan (kp, phc, khs): 000; 004 IV.B.2")


class ScannedValue(BaseModel):
    element: str
    line: int | None = None
    value: Any = None
    raw: str | None = None
    confidence: float | None = None
    page: int | None = None
    box: str | None = None
    corrected: bool = False
    verified: str | None = Field(None, description="who confirmed or corrected the value against the upload, and when")
    invalid: str | None = Field(None, description="the text as read, when it does not parse")
    doubt: str | None = Field(
        None, description="why staff must verify the value (below the plan's OCR threshold, repaired by the reader)"
    )
    crop: str | None = Field(None, description="PNG data URL of the box on the scan")
    crop_problem: str | None = None


class ClaimView(BaseModel):
    model_config = ConfigDict(extra="allow")

    claim_id: str
    plan: str
    disposition: str
    status: str
    source_kind: str | None = None
    elements: dict[str, Any]
    lines: list[dict[str, Any]]
    findings: list[dict[str, Any]] = Field(default_factory=list)
    letters: list[dict[str, Any]] = Field(default_factory=list)
    audit: list[dict[str, Any]] | None = Field(None, description="staff only: who changed what, when, old and new")
    queue_items: list[QueueItemView] = Field(default_factory=list)
    clean_claim_clock: CleanClaimClockView
    values: list[ScannedValue] = Field(default_factory=list)

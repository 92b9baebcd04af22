"""What the store keeps: upload records, stored claims, audit entries, letters, staff queue items."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from ..check.result import CheckResult, ClaimDisposition, Finding, LineDisposition, LineResult
from ..model import Claim


class UploadStatus(StrEnum):
    REQUESTED = "REQUESTED"  # a presigned upload was issued (provider portal); the file has not arrived yet
    RECEIVED = "RECEIVED"  # recorded before anything else happens to it
    PROCESSED = "PROCESSED"  # extracted and checked; claims stored (maybe none, with errors)
    QUARANTINED = "QUARANTINED"  # unreadable: moved to quarantine/, provider notified
    MAPPING_REVIEW = "MAPPING_REVIEW"  # a workbook with a new layout held until staff confirm its columns
    FAILED = "FAILED"  # an infrastructure error; the message is retried, then goes to the DLQ


class Upload(BaseModel):
    """One uploaded object version. Every upload gets one, whatever happens to it."""

    upload_id: str  # s3://bucket/key?versionId=... (see upload_id())
    ref: str | None = None  # short hash of upload_id: what logs and claim ids show
    bucket: str
    key: str
    version_id: str | None = None
    etag: str | None = None
    size: int | None = None
    provider: str | None = None  # the uploads/{provider}/ prefix
    plan: str | None = None  # the plan the file was sent to, when the prefix says
    status: UploadStatus = UploadStatus.RECEIVED
    kind: str | None = None  # detected from the content: xlsx, csv, pdf, tiff, ...
    sha256: str | None = None
    pages: int | None = None
    claim_ids: list[str] = Field(default_factory=list)
    errors: list[dict[str, Any]] = Field(default_factory=list)  # ExtractError.model_dump()s
    error_code: str | None = None
    error_message: str | None = None
    quarantine_key: str | None = None
    sent_by: str | None = None  # the signed-in user the upload URL was issued to (object metadata SENT_BY_METADATA)
    expires_at: str | None = None  # REQUESTED only: when the upload URL stops working
    received_at: str | None = None  # REQUESTED: when the URL was issued
    updated_at: str | None = None

    def failed(self, error: Exception, message: str) -> Upload:
        """This upload as FAILED by an infrastructure error: the error's type, never its text (it may hold PHI)."""
        return self.model_copy(
            update={"status": UploadStatus.FAILED, "error_code": type(error).__name__, "error_message": message}
        )


# The presigned upload pins this user metadata to the signed-in user, so the object itself says who sent it.
SENT_BY_METADATA = "sent-by"


def upload_id(bucket: str, key: str, version_id: str | None, etag: str | None = None) -> str:
    """One object version: its version id (versioned bucket) or else its ETag (content)."""
    if version_id and version_id != "null":
        return f"s3://{bucket}/{key}?versionId={version_id}"
    return f"s3://{bucket}/{key}" + (f"?etag={etag.strip(chr(34))}" if etag else "")


def upload_request_id(bucket: str, key: str) -> str:
    """The record of an issued upload URL: its own id, never an object version's (upload_id)."""
    return f"request:s3://{bucket}/{key}"


class ClaimStatus(StrEnum):
    """Workflow status. The flow moves a claim on from CHECKED; any string is accepted."""

    CHECKED = "CHECKED"
    WAITING_RFI = "WAITING_RFI"
    WAITING_REVIEW = "WAITING_REVIEW"
    REVIEW_OVERDUE = "REVIEW_OVERDUE"  # nobody verified it after MAX_REVIEW_REOPENINGS reopenings: staff must act
    REJECTED = "REJECTED"
    CLOSED = "CLOSED"
    ERROR = "ERROR"


class AuditEntry(BaseModel):
    at: str
    actor: str
    action: str
    note: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class Letter(BaseModel):
    kind: str  # rejection, rfi, denial, ...
    s3_key: str
    at: str
    actor: str
    note: str | None = None


class QueueName(StrEnum):
    RFI = "RFI"
    REVIEW = "REVIEW"


class QueueStatus(StrEnum):
    OPEN = "OPEN"
    ANSWERED = "ANSWERED"  # the answer was recorded and the flow resumed
    EXPIRED = "EXPIRED"  # the response window ran out
    CLOSED = "CLOSED"


class QueueItemFields(BaseModel):
    """A staff queue item as anyone may see it (the API's view adds its clocks)."""

    claim_id: str
    item_id: str
    queue: str = Field(description="RFI or REVIEW")
    status: str = Field(description="OPEN, ANSWERED, EXPIRED or CLOSED")
    due: str
    opened_at: str
    plan: str | None = None
    provider_npi: str | None = None
    invoice_number: str | None = None
    reason: str | None = None
    doubts: list[dict[str, Any]] = Field(
        default_factory=list,
        description="REVIEW: each value staff verify, where it is, why the intake doubts it "
        "(kind, reason) and what its findings would become once verified (would_be, rules)",
    )
    assigned_to: str | None = None
    closed_at: str | None = None
    closed_by: str | None = None
    resolution: dict[str, Any] = Field(default_factory=dict)


class QueueItem(QueueItemFields):
    task_token: str | None = None  # the waiting flow's: never shown outside the store and the flow


class QueuePage(BaseModel):
    items: list[QueueItem]
    next_token: str | None = None


class StoredClaim(BaseModel):
    """A claim as stored: the check result's output plus workflow status, audit, letters, queue items."""

    claim_id: str
    plan: str
    disposition: ClaimDisposition
    status: str
    upload_key: str | None = None
    created_at: str
    updated_at: str
    version: int
    pages: list[int] = Field(default_factory=list)
    output: dict[str, Any]  # exactly CheckResult.to_output() of the last check (and corrections)
    audit: list[AuditEntry] = Field(default_factory=list)
    letters: list[Letter] = Field(default_factory=list)
    queue_items: list[QueueItem] = Field(default_factory=list)

    @property
    def claim(self) -> Claim:
        claim = Claim.from_output(self.output)
        claim.pages = list(self.pages)
        return claim

    @property
    def findings(self) -> list[Finding]:
        return [Finding(**finding) for finding in self.output.get("findings", [])]

    @property
    def allowed_amount(self) -> Decimal:
        return Decimal(self.output.get("allowed_amount", "0.00"))

    def check_result(self) -> CheckResult:
        findings = self.findings
        lines = [
            LineResult(
                line_number=line["line_number"],
                disposition=LineDisposition(line["disposition"]),
                allowed_amount=Decimal(line.get("allowed_amount", "0.00")),
                findings=[f for f in findings if f.line == line["line_number"]],
            )
            for line in self.output.get("lines", [])
            if line.get("disposition")
        ]
        return CheckResult(
            claim=self.claim, plan=self.plan, disposition=self.disposition, findings=findings, lines=lines
        )

    def to_output(self) -> dict[str, Any]:
        return {
            **self.output,
            "status": self.status,
            "upload_key": self.upload_key,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "audit": [entry.model_dump(exclude_none=True) for entry in self.audit],
            "letters": [letter.model_dump(exclude_none=True) for letter in self.letters],
            "queue_items": [item.model_dump(exclude={"task_token"}, exclude_none=True) for item in self.queue_items],
        }

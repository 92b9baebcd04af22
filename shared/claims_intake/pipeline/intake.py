"""The intake of one uploaded object, without any AWS event types (the Lambda handler adapts to it).

    read the object -> extract (kind detected from the bytes) -> check against reference data and
    the member's history -> store each claim with its lines -> start the claim flow per claim

Every upload gets a record in the uploads table first, whatever happens next. A file that cannot
be read (IntakeError) is moved to quarantine/ with its reason and the provider gets a notice; a page
the reader was unsure of (`form_uncertain`: form-like but not registered well enough; or a workbook
whose required columns it could not place, `unmapped_columns`, with no claim read) goes to staff as
a REVIEW of the file instead, and the provider hears nothing until staff have read it; any
other exception is an infrastructure failure: the upload is marked FAILED and the exception goes
up, so the message is retried and ends in the dead-letter queue if it keeps failing.

Nothing here logs PHI: log lines carry the upload's short ref, the provider id, kinds, counts and
error codes, never a file name, a value or a message written from the file's contents.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from ..check import check_extract
from ..check.doubt import FILE_REVIEW_CODES, file_review, thresholds
from ..check.result import CheckResult
from ..errors import IntakeError
from ..extract import extract_bytes
from ..flow.start import start_flow
from ..limits import Limits, default_limits
from ..model import Claim, ExtractError, ExtractResult
from ..reference.model import ReferenceSource
from ..store import (
    SENT_BY_METADATA,
    ClaimStore,
    ClaimTooLarge,
    DynamoHistory,
    DynamoReference,
    Upload,
    UploadStatus,
)
from ..store.layouts import LayoutMemory
from ..validators import is_valid_npi
from .notices import unreadable_file_notice
from .objects import S3Object, claim_id_for, open_object, quarantine_key, upload_place

if TYPE_CHECKING:
    from ..spreadsheet.mapping import ConfirmedMapping

logger = Logger(child=True)


@dataclass
class ClaimOutcome:
    claim_id: str
    plan: str
    disposition: str
    lines: int
    execution_arn: str | None = None


@dataclass
class IntakeOutcome:
    """What happened to one upload; the handler turns it into metrics, tests read it."""

    upload_id: str
    ref: str
    status: str
    provider: str | None = None
    kind: str | None = None
    claims: list[ClaimOutcome] = field(default_factory=list)
    errors: int = 0  # cell/box errors reported by the reader
    error_code: str | None = None
    quarantine_key: str | None = None
    pages: int | None = None
    extract_seconds: float | None = None
    ocr_confidences: list[float] = field(default_factory=list)

    @property
    def lines(self) -> int:
        return sum(claim.lines for claim in self.claims)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IntakeOutcome:
        return cls(**{**data, "claims": [ClaimOutcome(**claim) for claim in data.get("claims", [])]})


class Intake:
    def __init__(
        self,
        store: ClaimStore,
        s3,
        stepfunctions=None,
        sns=None,
        *,
        reference: Callable[[], ReferenceSource] | None = None,
        state_machine_arn: str | None = None,
        notice_topic_arn: str | None = None,
        limits: Limits | None = None,
        today: Callable[[], date] | None = None,
        extract: Callable[..., ExtractResult] = extract_bytes,
        check: Callable[..., list[CheckResult]] = check_extract,
        layouts: LayoutMemory | None = None,
    ):
        self.store = store
        self.s3 = s3
        self.stepfunctions = stepfunctions
        self.sns = sns
        self.reference = reference or (lambda: DynamoReference(store.tables, store.client))
        self.state_machine_arn = state_machine_arn or None
        self.notice_topic_arn = notice_topic_arn or None
        self.limits = limits or default_limits()
        self.today = today or (lambda: datetime.now(UTC).date())
        self.extract = extract
        self.check = check
        # the provider's confirmed workbook layouts (claims-table items; a store without a table has none)
        self.layouts = layouts or (LayoutMemory(store.tables, store.client) if hasattr(store, "client") else None)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Intake:
        """Clients and names as template.yaml sets them (CLAIMS_TABLE..., STATE_MACHINE_ARN, NOTICE_TOPIC_ARN)."""
        environ = os.environ if environ is None else environ
        received = environ.get("INTAKE_RECEIVED_DATE")  # pins "today" for reproducible demos and tests only
        return cls(
            ClaimStore(),
            boto3.client("s3"),
            boto3.client("stepfunctions"),
            boto3.client("sns"),
            state_machine_arn=environ.get("STATE_MACHINE_ARN"),
            notice_topic_arn=environ.get("NOTICE_TOPIC_ARN"),
            today=(lambda: date.fromisoformat(received)) if received else None,
        )

    # ---- one upload ----------------------------------------------------------------------------

    def identify(self, obj: S3Object) -> S3Object:
        """The object with its version id (and ETag) filled in when the notification left them out, so a
        delivery with and one without a versionId are the same upload (same record, same claim ids)."""
        if obj.version_id and obj.etag:
            return obj
        request = {"Bucket": obj.bucket, "Key": obj.key}
        if obj.version_id and obj.version_id != "null":
            request["VersionId"] = obj.version_id  # the ETag of that version, not of a newer one
        try:
            head = self.s3.head_object(**request)
        except ClientError:
            return obj  # gone or unreadable: the read will say so
        version = obj.version_id or head.get("VersionId")
        return replace(
            obj, version_id=version if version and version != "null" else None, etag=obj.etag or head.get("ETag")
        )

    def process(self, obj: S3Object) -> IntakeOutcome:
        obj = self.identify(obj)
        place = upload_place(obj.key)
        upload = self.store.put_upload(obj.received(provider=place.provider, plan=place.plan))
        self.store.drop_upload_request(obj.bucket, obj.key)
        outcome = IntakeOutcome(
            upload_id=obj.upload_id, ref=obj.ref, status=UploadStatus.RECEIVED.value, provider=place.provider
        )
        logger.info("upload received", extra={"upload_ref": obj.ref, "provider": place.provider, "size": obj.size})
        version_read = None
        try:
            if not place.provider:
                raise IntakeError(
                    "no_provider_folder",
                    f"{obj.filename}: the file was not uploaded into a provider's "
                    "folder (uploads/<billing NPI>/), so it cannot be filed for anyone. "
                    "Upload it again through the provider portal.",
                )
            response = open_object(self.s3, obj)
            version_read = response.get("VersionId")
            if version_read and version_read != "null" and not upload.version_id:
                upload = upload.model_copy(update={"version_id": version_read})  # the notification did not say
            if sender := (response.get("Metadata") or {}).get(SENT_BY_METADATA):
                upload = upload.model_copy(update={"sent_by": sender})  # uploaded through the portal's URL
            data = self._read(obj, response)
            mapping = self._confirmed_layouts(place.provider)
            started = time.perf_counter()
            result = self.extract(data, obj.filename, self.limits, **({"mapping": mapping} if mapping else {}))
            outcome.extract_seconds = round(time.perf_counter() - started, 3)
            reviews = _mapping_reviews(result)
            if reviews and self.layouts is not None:
                return self._hold_for_mapping(self.layouts, obj, upload, outcome, result, reviews)
            if not result.claims and not _pages_for_staff(result):
                raise IntakeError(_no_claims_code(result), _no_claims_message(obj.filename, result))
            check_billing_npi(result, place.provider, obj.filename)
        except IntakeError as problem:
            return self._quarantine(obj, upload, outcome, problem, version_read)
        except Exception as error:
            self._mark_failed(obj, upload, error)
            raise
        try:
            return self._store_claims(obj, upload, outcome, result)
        except Exception as error:  # DynamoDB or Step Functions down after retries: recorded, then retried
            self._mark_failed(obj, upload, error)
            raise

    def _confirmed_layouts(self, provider: str | None) -> ConfirmedMapping | None:
        """The workbook layouts staff confirmed for this provider (None: none)."""
        layouts = self.layouts.layouts_for(provider) if self.layouts is not None else {}
        if not layouts:
            return None
        from ..spreadsheet.mapping import ConfirmedMapping  # only the intake function reads workbooks

        return ConfirmedMapping.from_dict({"layouts": layouts})

    def _hold_for_mapping(
        self,
        layouts: LayoutMemory,
        obj: S3Object,
        upload: Upload,
        outcome: IntakeOutcome,
        result: ExtractResult,
        reviews: list[dict[str, Any]],
    ) -> IntakeOutcome:
        """A workbook whose new layout has doubtful or unplaced columns waits for staff to confirm its mapping
        (the provider hears nothing: doubt goes to staff). Confirming reads the file again (api: mapping reviews)."""
        layouts.hold(
            {
                "ref": obj.ref,
                "upload_id": obj.upload_id,
                "object": obj.to_dict(),
                "provider": upload.provider,
                "plan": upload.plan,
                "filename": obj.filename,
                "kind": result.source.kind,
                "sheets": reviews,
            }
        )
        self.store.put_upload(
            upload.model_copy(
                update={
                    "status": UploadStatus.MAPPING_REVIEW,
                    "kind": result.source.kind,
                    "sha256": result.source.sha256,
                }
            )
        )
        outcome.status = UploadStatus.MAPPING_REVIEW.value
        outcome.kind = result.source.kind
        logger.info(
            "upload held for mapping review",
            extra={"upload_ref": obj.ref, "provider": upload.provider, "sheets": len(reviews)},
        )
        return outcome

    def _mark_failed(self, obj: S3Object, upload: Upload, error: Exception) -> None:
        self.store.put_upload(upload.failed(error, "processing failed; the upload will be retried"))
        logger.error("upload failed", extra={"upload_ref": obj.ref, "error_type": type(error).__name__})

    def _read(self, obj: S3Object, response: dict[str, Any]) -> bytes:
        """The object's bytes; over the size limit, IntakeError without reading them."""
        size = response.get("ContentLength", 0)
        if size > self.limits.max_file_bytes:
            response["Body"].close()
            raise IntakeError(
                "file_too_large",
                f"{obj.filename}: {size / 1048576:.1f} MiB is over the "
                f"{self.limits.max_file_bytes / 1048576:.0f} MiB limit. Split the upload into smaller files.",
            )
        return response["Body"].read()

    def _store_claims(
        self, obj: S3Object, upload: Upload, outcome: IntakeOutcome, result: ExtractResult
    ) -> IntakeOutcome:
        claim_ids = [claim_id_for(obj, index) for index in range(1, len(result.claims) + 1)]
        for claim, claim_id in zip(result.claims, claim_ids, strict=False):
            claim.claim_id = claim_id
        reference = self.reference()
        history = DynamoHistory(self.store.tables, self.store.client, exclude_claim_ids=claim_ids)
        plan = self._plan_for(upload, result, reference)
        checked = self.check(result, plan, reference, history, received=self.today())
        checked += self._file_reviews(obj, upload, result, plan, reference, first=len(result.claims) + 1)
        errors = [error.model_dump(exclude_none=True) for error in result.errors]
        stored: list[CheckResult] = []
        for claim_result in checked:
            try:
                self.store.save_checked_claim(claim_result, upload_key=obj.upload_id)
                stored.append(claim_result)
            except ClaimTooLarge as problem:
                errors.append({"code": "claim_too_large", "message": str(problem)})
                self._notify(
                    obj,
                    upload.provider,
                    "claim_too_large",
                    f"invoice {claim_result.claim.invoice_number or '(no number)'} has "
                    f"{len(claim_result.claim.lines)} service lines, more than one claim can hold; "
                    "send it again split into invoices of at most 98 lines. The other claims of the file were received.",
                )
        for claim_result in stored:
            stored_id = claim_result.claim.claim_id
            if stored_id is None:  # every claim got its id above
                raise ValueError("a checked claim has no claim id")
            outcome.claims.append(
                ClaimOutcome(
                    claim_id=stored_id,
                    plan=claim_result.plan,
                    disposition=claim_result.disposition.value,
                    lines=len(claim_result.claim.lines),
                    execution_arn=self._start_flow(obj, stored_id),
                )
            )
        outcome.status = UploadStatus.PROCESSED.value
        outcome.kind = result.source.kind
        outcome.errors = len(errors)
        outcome.pages = result.source.pages
        outcome.ocr_confidences = _confidences(result)
        self.store.put_upload(
            upload.model_copy(
                update={
                    "status": UploadStatus.PROCESSED,
                    "kind": result.source.kind,
                    "sha256": result.source.sha256,
                    "pages": result.source.pages,
                    "claim_ids": [c.claim_id for c in outcome.claims],
                    "errors": errors,
                }
            )
        )
        logger.info(
            "upload processed",
            extra={
                "upload_ref": obj.ref,
                "provider": outcome.provider,
                "kind": outcome.kind,
                "claims": len(outcome.claims),
                "lines": outcome.lines,
                "extract_errors": outcome.errors,
                "dispositions": [c.disposition for c in outcome.claims],
            },
        )
        return outcome

    def _file_reviews(
        self,
        obj: S3Object,
        upload: Upload,
        result: ExtractResult,
        plan: str | None,
        reference: ReferenceSource,
        first: int,
    ) -> list[CheckResult]:
        """One REVIEW claim per page (or sheet) the reader was unsure of, for staff to read from the upload."""
        reviews = []
        for index, error in enumerate(_pages_for_staff(result), start=first):
            claim = Claim(
                claim_id=claim_id_for(obj, index),
                source_kind=_source_kind(result),
                pages=[error.page] if error.page else [],
            )
            claim.extras["upload_provider"] = upload.provider
            reviews.append(file_review(claim, plan or self._provider_plan(upload, reference) or "", error))
        if reviews:
            logger.info(
                "pages sent to staff review",
                extra={"upload_ref": obj.ref, "provider": upload.provider, "pages": len(reviews)},
            )
        return reviews

    def _provider_plan(self, upload: Upload, reference: ReferenceSource) -> str | None:
        provider = reference.provider(upload.provider) if upload.provider else None
        return provider.plans[0] if provider is not None and len(provider.plans) == 1 else None

    def _plan_for(self, upload: Upload, result: ExtractResult, reference: ReferenceSource) -> str | None:
        """The plan folder of the upload; else the claims' payer (None), unless no payer is recognisable
        and the provider's roster entry names a single plan."""
        if upload.plan:
            return upload.plan
        from ..check import resolve_plan

        if all(resolve_plan(claim, None) is not None for claim in result.claims) or not upload.provider:
            return None
        return self._provider_plan(upload, reference)

    def _start_flow(self, obj: S3Object, claim_id: str) -> str | None:
        """One execution per claim (flow.start names it after the claim): a second start is a no-op."""
        if not self.state_machine_arn or self.stepfunctions is None:
            logger.warning("no state machine configured: claim flow not started", extra={"upload_ref": obj.ref})
            return None
        return start_flow(self.stepfunctions, self.state_machine_arn, claim_id)

    # ---- unreadable files ----------------------------------------------------------------------

    def _notify(self, obj: S3Object, provider: str | None, code: str, message: str) -> None:
        if self.notice_topic_arn and self.sns is not None:
            self.sns.publish(TopicArn=self.notice_topic_arn, **unreadable_file_notice(obj, provider, code, message))

    def _quarantine(
        self, obj: S3Object, upload: Upload, outcome: IntakeOutcome, problem: IntakeError, version_read: str | None
    ) -> IntakeOutcome:
        """Move the file to quarantine/ (the original version stays in the bucket's history), record why,
        and tell the provider what to fix."""
        target = quarantine_key(obj)
        source = {"Bucket": obj.bucket, "Key": obj.key}
        version = upload.version_id or version_read
        if version and version != "null":
            source["VersionId"] = version  # exactly the version read: a newer upload of the key is untouched
        self.s3.copy_object(
            Bucket=obj.bucket,
            Key=target,
            CopySource=source,
            MetadataDirective="REPLACE",
            Metadata={"reason-code": problem.code, "upload-ref": obj.ref, "reason": _ascii(problem.message)[:1500]},
        )
        self.s3.delete_object(**source)
        self.store.put_upload(
            upload.model_copy(
                update={
                    "status": UploadStatus.QUARANTINED,
                    "error_code": problem.code,
                    "error_message": problem.message,
                    "quarantine_key": target,
                }
            )
        )
        self._notify(obj, upload.provider, problem.code, problem.message)
        outcome.status = UploadStatus.QUARANTINED.value
        outcome.error_code = problem.code
        outcome.quarantine_key = target
        logger.warning(
            "upload quarantined", extra={"upload_ref": obj.ref, "provider": upload.provider, "error_code": problem.code}
        )
        return outcome


DOUBTFUL_CONFIDENCE = 0.5  # what a repaired OCR value is given: below every review threshold


def review_confidence() -> float:
    """The OCR confidence (calibrated: P(value right)) below which a value is staff's to verify: the check's
    one threshold, plans.yaml check.ocr_confidence_threshold."""
    return thresholds().confidence


def check_billing_npi(result: ExtractResult, folder_npi: str, filename: str) -> None:
    """The uploader's folder is its billing NPI: a file billing another NPI is refused whole, never filed
    as that provider (who would then see the member's claim). A claim with no billing NPI is the uploader's.

    An NPI that fails its check digit belongs to no provider: it is left for the check, which rejects
    the claim for it (the provider hears about what it wrote). An NPI read by OCR below the review
    confidence is not the provider's writing: it is replaced by the uploader's NPI, marked repaired
    with low confidence, and the claim goes to staff review rather than a refusal to the provider."""
    others = set()
    for claim in result.claims:
        written = (claim.billing_provider_npi or "").strip()
        if not written or written == folder_npi or not is_valid_npi(written):
            continue
        source = claim.provenance.get("billing_provider_npi")
        if source is not None and source.confidence is not None and source.confidence < review_confidence():
            claim.billing_provider_npi = folder_npi
            claim.provenance["billing_provider_npi"] = source.model_copy(
                update={
                    "confidence": min(source.confidence, DOUBTFUL_CONFIDENCE),
                    "repaired": f"read as {written}, not the uploader's NPI; the uploader's NPI put in its place "
                    "for staff to confirm",
                }
            )
            continue
        others.add(written)
    if others:
        shown = ", ".join(sorted(others)[:3]) + (" ..." if len(others) > 3 else "")
        raise IntakeError(
            "npi_mismatch",
            f"{filename}: the billing NPI in the file ({shown}) is not the NPI of "
            f"the account that uploaded it ({folder_npi}). Nothing was filed. Each provider uploads "
            "its own claims; correct the billing NPI or upload from the right account.",
        )


def _pages_for_staff(result: ExtractResult) -> list[ExtractError]:
    """Pages the reader was unsure of (form_uncertain), and, when no claim was read at all, sheets whose
    columns it could not place (unmapped_columns): staff read them, the provider gets no refusal."""
    codes = FILE_REVIEW_CODES if not result.claims else FILE_REVIEW_CODES - {"unmapped_columns"}
    found, seen = [], set()
    for error in result.errors:
        place = (error.code, error.page, error.sheet)
        if error.code in codes and place not in seen:
            seen.add(place)
            found.append(error)
    return found


def _source_kind(result: ExtractResult) -> str:
    return "spreadsheet" if result.source.kind in ("xlsx", "xlsm", "xls", "csv") else "scan"


def _mapping_reviews(result: ExtractResult) -> list[dict[str, Any]]:
    """The review proposals of the sheets the spreadsheet reader could not map surely (spreadsheet/review.py)."""
    sheets = (result.source.column_map or {}).get("sheets", {})
    return [report["review"] for report in sheets.values() if isinstance(report, dict) and "review" in report]


def _no_claims_code(result: ExtractResult) -> str:
    """The pages' own reason when they agree (not_cms1500, no_data, blank_page...), else no_claims."""
    codes = {error.code for error in result.errors}
    return codes.pop() if len(codes) == 1 else "no_claims"


def _no_claims_message(filename: str, result: ExtractResult) -> str:
    reasons = "; ".join(error.message for error in result.errors[:3])
    return (
        f"{filename}: no claim could be read from the file"
        + (f" ({reasons})" if reasons else "")
        + ". Send the DHCS invoice with one row per service line, or a filled-in CMS-1500."
    )


def _confidences(result: ExtractResult) -> list[float]:
    values: list[float] = []
    for claim in result.claims:
        for item in (claim, *claim.lines):
            values.extend(p.confidence for p in item.provenance.values() if p.confidence is not None)
    return values


def _ascii(text: str) -> str:
    return text.encode("ascii", "replace").decode("ascii")

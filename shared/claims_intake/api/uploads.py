"""Provider uploads through the API: a presigned S3 POST bound to the caller's NPI folder, and the list of uploads.

The browser sends the file straight to S3 with the form fields returned here; the intake pipeline then
reads it exactly as any upload under uploads/{NPI}/. The POST policy the API signs is what makes the
binding hold: the key is fixed (uploads/{the caller's NPI}/[{plan}/]{unique name}), the size is within
data/limits.yaml's max_file_bytes, the Content-Type is one we read for the file's extension
(filetypes.KIND_MEDIA_TYPES), and the object's metadata names the signed-in user (SENT_BY_METADATA),
which the intake copies onto the upload record. Each issued URL is recorded (REQUESTED: who, when,
key) until its file arrives.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, Field

from ..catalog import plan_ids
from ..filetypes import EXTENSION_KINDS, media_types_for
from ..limits import default_limits
from ..store.codec import iso
from ..store.records import SENT_BY_METADATA, Upload, UploadStatus, upload_request_id
from ..validators import is_valid_npi
from .auth import Caller, Forbidden
from .service import BadRequest, NotFound, Services

logger = logging.getLogger(__name__)

UPLOADS_PREFIX = "uploads/"
URL_LIFETIME = timedelta(minutes=15)  # long enough to start a 50 MiB upload on a slow line; S3 checks it at the start
MAX_NAME_CHARS = 120
_UNSAFE = str.maketrans(dict.fromkeys(" /\\?#%&+:;=@\"'<>|*{}[]^`~$,", "_"))


# ---- request and response shapes ---------------------------------------------------------------


class UploadRequestBody(BaseModel):
    file_name: str = Field(min_length=1, max_length=255, description="the file's name, with its extension")
    content_type: str = Field(min_length=1, max_length=127, description="its media type, e.g. application/pdf")
    plan: str | None = Field(None, description="plan profile id (kp, phc, khs) when the file is for one plan")
    provider_npi: str | None = Field(
        None,
        description="staff only: the provider whose folder receives the file (a provider always uploads into its own)",
    )


class SignedPostView(BaseModel):
    """What `signed_post` gives a browser: the form to POST the file straight to S3."""

    url: str = Field(description="POST the form here: the fields below, then the file as the last field `file`")
    fields: dict[str, str]
    key: str = Field(description="where the file lands")
    max_bytes: int
    content_type: str
    expires_at: str


class PresignedUpload(SignedPostView):
    key: str = Field(description="where the file lands: uploads/{NPI}/[{plan}/]{unique name}")
    upload_id: str = Field(description="the record of this request (REQUESTED until the file arrives)")


class UploadView(BaseModel):
    upload_id: str
    ref: str | None = None
    file_name: str
    key: str
    provider: str | None = None
    plan: str | None = None
    status: str = Field(
        description="REQUESTED (URL issued, no file yet), RECEIVED (being read), PROCESSED, "
        "QUARANTINED (with the reason) or FAILED (being retried)"
    )
    expired: bool = Field(False, description="REQUESTED only: the upload URL has expired unused")
    kind: str | None = None
    size: int | None = None
    pages: int | None = None
    claim_ids: list[str] = Field(default_factory=list, description="the claims read from the file")
    reason_code: str | None = Field(None, description="QUARANTINED/FAILED: why")
    reason: str | None = None
    sent_by: str | None = Field(None, description="the signed-in user who asked for the upload URL")
    received_at: str | None = None
    updated_at: str | None = None


class UploadPage(BaseModel):
    items: list[UploadView]
    next_token: str | None = Field(None, description="pass as next_token for the next page")


# ---- logic -----------------------------------------------------------------------------------


def target_npi(caller: Caller, named: str | None) -> str:
    """The folder the caller may upload into: a provider's own; staff's only when they name one."""
    if caller.is_staff and (named or not caller.provider_npi):
        if not named:
            raise Forbidden("plan staff upload on a provider's behalf: name its provider_npi")
        if not is_valid_npi(named):
            raise BadRequest(f"{named!r} is not a valid NPI")
        return named
    if not caller.provider_npi:
        raise Forbidden("this account is linked to no provider folder")
    if named and named != caller.provider_npi:  # another provider's folder: as unknown as its claims (404)
        raise NotFound(f"no provider folder {named} for this account")
    if not is_valid_npi(caller.provider_npi):  # the account's NPI becomes a key segment: never anything else
        raise Forbidden("this account's provider NPI is not a valid NPI")
    return caller.provider_npi


def safe_unique_name(file_name: str, now: datetime) -> str:
    """A key segment unique to this request (time + random token) that keeps the extension (the intake checks
    it against the content) and cannot climb."""
    token = now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(4)
    name = PurePosixPath(file_name.replace("\\", "/")).name.translate(_UNSAFE).strip("._") or "upload"
    path = PurePosixPath(name)
    stem = path.stem[: MAX_NAME_CHARS - len(path.suffix)] if len(path.suffix) < MAX_NAME_CHARS else "upload"
    return f"{token}-{stem}{path.suffix.lower()}"


def accepted_content_type(file_name: str, content_type: str) -> str:
    accepted = media_types_for(file_name)
    if not accepted:
        kinds = ", ".join(sorted({f".{ext}" for ext in EXTENSION_KINDS}))
        raise BadRequest(
            f"{PurePosixPath(file_name).suffix or 'a file without an extension'} is not a file we "
            f"read: send one of {kinds}"
        )
    declared = content_type.split(";")[0].strip().lower()
    if declared not in accepted:
        raise BadRequest(
            f"a {PurePosixPath(file_name).suffix} file is sent as {' or '.join(sorted(accepted))}, not {content_type}"
        )
    return declared


def uploads_bucket(services: Services) -> str:
    if not services.uploads_bucket:
        raise RuntimeError("UPLOADS_BUCKET is not set: no upload URL can be issued")
    return services.uploads_bucket


def signed_post(services: Services, caller: Caller, key: str, content_type: str) -> dict[str, Any]:
    """A presigned POST of one file at `key`: the policy pins the key, the size limit, the type and the sender."""
    max_bytes = default_limits().max_file_bytes
    fields = {"Content-Type": content_type, f"x-amz-meta-{SENT_BY_METADATA}": caller.user}
    conditions: list[Any] = [["content-length-range", 1, max_bytes], *({name: value} for name, value in fields.items())]
    return services.s3.generate_presigned_post(
        Bucket=uploads_bucket(services),
        Key=key,
        Fields=fields,
        Conditions=conditions,
        ExpiresIn=int(URL_LIFETIME.total_seconds()),
    )


def request_upload(services: Services, caller: Caller, body: UploadRequestBody) -> dict[str, Any]:
    """Sign a POST of one file into the caller's folder, and record who asked for it, when, and where."""
    npi = target_npi(caller, body.provider_npi)
    content_type = accepted_content_type(body.file_name, body.content_type)
    plan = body.plan.lower() if body.plan else None
    if plan and plan not in plan_ids():
        raise BadRequest(f"no plan {body.plan!r}: one of {', '.join(plan_ids())}")
    now = services.clock()
    key = f"{UPLOADS_PREFIX}{npi}/{plan + '/' if plan else ''}{safe_unique_name(body.file_name, now)}"
    post = signed_post(services, caller, key, content_type)
    expires_at = iso(now + URL_LIFETIME)
    record = services.store.put_upload(
        Upload(
            upload_id=upload_request_id(uploads_bucket(services), key),
            bucket=uploads_bucket(services),
            key=key,
            provider=npi,
            plan=plan,
            status=UploadStatus.REQUESTED,
            sent_by=caller.user,
            expires_at=expires_at,
        )
    )
    logger.info("upload URL issued", extra={"provider": npi, "plan": plan, "actor": caller.user})
    return {
        "url": post["url"],
        "fields": post["fields"],
        "key": key,
        "max_bytes": default_limits().max_file_bytes,
        "content_type": content_type,
        "expires_at": expires_at,
        "upload_id": record.upload_id,
    }


def upload_view(upload: Upload, now: str, staff: bool) -> dict[str, Any]:
    view = {
        "upload_id": upload.upload_id,
        "ref": upload.ref,
        "file_name": PurePosixPath(upload.key).name,
        "key": upload.key,
        "provider": upload.provider,
        "plan": upload.plan,
        "status": upload.status.value,
        "expired": upload.status == UploadStatus.REQUESTED and (upload.expires_at or now) < now,
        "kind": upload.kind,
        "size": upload.size,
        "pages": upload.pages,
        "claim_ids": upload.claim_ids,
        "sent_by": upload.sent_by,
        "received_at": upload.received_at,
        "updated_at": upload.updated_at,
    }
    if upload.status in (UploadStatus.QUARANTINED, UploadStatus.FAILED):
        # The quarantine message is written for the provider (what was wrong, what to send instead).
        view.update(reason_code=upload.error_code, reason=upload.error_message)
    if not staff:
        view["upload_id"] = upload.ref or upload.key  # the bucket and versions are the plan's business
    return view


def list_uploads(
    services: Services,
    caller: Caller,
    provider: str | None = None,
    status: str | None = None,
    limit: int = 50,
    next_token: str | None = None,
) -> dict[str, Any]:
    """One page of uploads, newest first; a provider only ever sees its own folder's."""
    if not caller.is_staff:
        if provider and provider != caller.provider_npi:
            return {"items": [], "next_token": None}
        provider = caller.provider_npi
    try:
        uploads, token = services.store.list_uploads(
            provider=provider, status=status, page_token=next_token, limit=limit
        )
    except ValueError as problem:  # a page token that is not ours
        raise BadRequest(str(problem)) from problem
    now = iso(services.clock())
    items = [upload_view(upload, now, caller.is_staff) for upload in uploads if caller.may_see(upload.provider)]
    return {"items": items, "next_token": token}


# ---- routes ----------------------------------------------------------------------------------


def register(app: APIGatewayRestResolver, services: Callable[[], Services], caller: Callable[[], Caller]) -> None:
    """Add the upload routes to the API's resolver (api/resolver.py calls this once)."""

    @app.post("/api/uploads", summary="A presigned S3 POST for one file into the caller's uploads/{NPI}/ folder")
    def create_upload(body: UploadRequestBody) -> PresignedUpload:
        return PresignedUpload.model_validate(request_upload(services(), caller(), body))

    @app.get("/api/uploads", summary="The caller's uploads, newest first: status, quarantine reason, claims read")
    def get_uploads(
        status: Annotated[str | None, Query(pattern="^(REQUESTED|RECEIVED|PROCESSED|QUARANTINED|FAILED)$")] = None,
        provider: Annotated[str | None, Query(description="staff: one provider's uploads (NPI)")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        next_token: Annotated[str | None, Query(description="from the previous page")] = None,
    ) -> UploadPage:
        return UploadPage.model_validate(list_uploads(services(), caller(), provider, status, limit, next_token))

"""Where an uploaded object sits in the bucket, and what its key says about it."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event

from ..catalog import plan_ids
from ..store.records import Upload, upload_id

UPLOADS_PREFIX = "uploads/"  # uploads/{provider NPI}/[{plan}/]{file}
REFERENCE_PREFIX = "reference/"  # reference/[{anything}/]{eligibility|authorizations|providers|history}.csv
QUARANTINE_PREFIX = "quarantine/"
LETTERS_PREFIX = "letters/"


@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str
    version_id: str | None = None
    etag: str | None = None
    size: int | None = None

    @property
    def upload_id(self) -> str:
        return upload_id(self.bucket, self.key, self.version_id, self.etag)

    @property
    def ref(self) -> str:
        """A short id for logs and claim ids: it says which upload without saying what is in its name."""
        return hashlib.sha256(self.upload_id.encode()).hexdigest()[:12]

    @property
    def filename(self) -> str:
        return PurePosixPath(self.key).name

    def to_dict(self) -> dict:
        return asdict(self)

    def received(self, **details: Any) -> Upload:
        """The upload record of this exact object version, as it is first written."""
        return Upload(
            upload_id=self.upload_id,
            ref=self.ref,
            bucket=self.bucket,
            key=self.key,
            version_id=self.version_id,
            etag=self.etag,
            size=self.size,
            **details,
        )


def open_object(s3: Any, obj: S3Object) -> dict[str, Any]:
    """GetObject for the exact version the event named, so a later overwrite is never read in its place."""
    request = {"Bucket": obj.bucket, "Key": obj.key}
    if obj.version_id and obj.version_id != "null":
        request["VersionId"] = obj.version_id
    return s3.get_object(**request)


@dataclass(frozen=True)
class UploadPlace:
    provider: str | None  # the provider's prefix (its billing NPI)
    plan: str | None  # a plan folder under it, when the provider uses one


def upload_place(key: str) -> UploadPlace:
    """uploads/{provider}/{file} or uploads/{provider}/{plan}/{file}."""
    parts = key.split("/")
    if len(parts) < 3 or parts[0] + "/" != UPLOADS_PREFIX:
        return UploadPlace(None, None)
    plan = parts[2].lower() if len(parts) >= 4 and parts[2].lower() in plan_ids() else None
    return UploadPlace(parts[1] or None, plan)


def claim_id_for(obj: S3Object, index: int) -> str:
    """Derived from the upload: processing the same object version again gives the same claim ids."""
    return f"C-{obj.ref}-{index:03d}"


MAX_KEY_BYTES = 1024  # S3's limit on an object key (UTF-8)


def quarantine_key(obj: S3Object) -> str:
    """quarantine/{provider}/{ref}/{file}, the file name shortened (its extension kept) to fit S3's 1,024 bytes."""
    place = upload_place(obj.key)
    provider = _fit_bytes(place.provider or "unknown", 64)
    prefix = f"{QUARANTINE_PREFIX}{provider}/{obj.ref}/"
    return prefix + _fit_name(obj.filename or "file", MAX_KEY_BYTES - len(prefix.encode()))


def _fit_name(name: str, budget: int) -> str:
    if len(name.encode()) <= budget:
        return name
    stem, dot, suffix = name.rpartition(".")
    suffix = _fit_bytes(suffix, 16) if dot else ""
    marker = "~" + ("." + suffix if suffix else "")
    return _fit_bytes(stem if dot else name, budget - len(marker.encode())) + marker


def _fit_bytes(text: str, budget: int) -> str:
    """The longest prefix of text whose UTF-8 is at most budget bytes (never half a character)."""
    return text.encode()[: max(budget, 0)].decode("utf-8", errors="ignore")


def objects_in_notification(body: Any) -> list[S3Object]:
    """The objects created in an S3 event notification as S3 sends it to SQS, read with Powertools' S3Event.

    Keys arrive URL-encoded ('+' for a space). The s3:TestEvent S3 sends when notifications are configured has
    no records, and a record that is not ObjectCreated (a deletion, a restore) is not an upload."""
    if not isinstance(body, dict) or not body.get("Records"):
        return []
    objects = []
    for record in S3Event(body).records:
        if not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        item = record.s3.get_object
        objects.append(
            S3Object(
                bucket=record.s3.bucket.name,
                key=unquote_plus(item.key),
                version_id=item.version_id or None,
                etag=item.etag or None,
                size=item.get("size"),
            )
        )
    return objects

"""Reference files dropped under reference/ are loaded into DynamoDB (same CSV formats as the CLI).

The kind comes from the file name (`eligibility.csv`, `authorizations.csv`, `providers.csv`,
`history.csv`, possibly with a prefix such as `phc-eligibility.csv`). Every row is parsed before
anything is written, so a bad row loads nothing: the file is quarantined with the row and column
named, the previous data stays in use, and operations get a notice. Reloading a file replaces what
its previous load wrote (ReferenceWriter.load).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import boto3
from aws_lambda_powertools import Logger

from ..reference import (
    ReferenceDataError,
    parse_authorization_row,
    parse_contract_rate_row,
    parse_eligibility_row,
    parse_history_row,
    parse_provider_row,
)
from ..store import ClaimStore, ReferenceWriter, Upload, UploadStatus
from .notices import reference_load_failed_notice
from .objects import S3Object, quarantine_key

logger = Logger(child=True)

PARSERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "eligibility": parse_eligibility_row,
    "authorizations": parse_authorization_row,
    "providers": parse_provider_row,
    "contract_rates": parse_contract_rate_row,
    "history": parse_history_row,
}
MAX_REFERENCE_BYTES = 200 * 1048576


@dataclass
class ReferenceOutcome:
    upload_id: str
    ref: str
    status: str
    kind: str | None = None
    written: int = 0
    removed: int = 0
    error_code: str | None = None
    quarantine_key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def reference_kind(filename: str) -> str | None:
    stem, _, suffix = filename.lower().rpartition(".")
    if suffix not in ("csv", "txt"):
        return None
    return next((kind for kind in PARSERS if stem == kind or stem.endswith(("-" + kind, "_" + kind))), None)


class ReferenceLoader:
    def __init__(self, store: ClaimStore, s3, sns=None, notice_topic_arn: str | None = None):
        self.store = store
        self.writer = ReferenceWriter(store.tables, store.client)
        self.s3 = s3
        self.sns = sns
        self.notice_topic_arn = notice_topic_arn or None

    @classmethod
    def from_env(cls) -> ReferenceLoader:
        return cls(ClaimStore(), boto3.client("s3"), boto3.client("sns"), os.environ.get("NOTICE_TOPIC_ARN"))

    def load(self, obj: S3Object) -> ReferenceOutcome:
        kind = reference_kind(obj.filename)
        upload = self.store.put_upload(Upload(upload_id=obj.upload_id, ref=obj.ref, bucket=obj.bucket, key=obj.key,
                                              version_id=obj.version_id, etag=obj.etag, size=obj.size,
                                              kind=f"reference:{kind}" if kind else "reference"))
        outcome = ReferenceOutcome(upload_id=obj.upload_id, ref=obj.ref, status=UploadStatus.RECEIVED.value, kind=kind)
        request = {"Bucket": obj.bucket, "Key": obj.key}
        if obj.version_id and obj.version_id != "null":
            request["VersionId"] = obj.version_id
        response = self.s3.get_object(**request)
        version_read = response.get("VersionId")
        try:
            if kind is None:
                raise ReferenceDataError(f"{obj.filename}: not a reference file name; use one of "
                                         + ", ".join(f"{k}.csv" for k in PARSERS))
            records = self._parse(obj, kind, response)
        except ReferenceDataError as problem:
            response["Body"].close()
            return self._reject(obj, upload, outcome, "invalid_reference_file", str(problem), version_read)
        if kind == "history":
            outcome.written = self.writer.load_history(records)
        else:
            summary = self.writer.load(obj.key, records)
            outcome.written, outcome.removed = summary.written, summary.removed
        outcome.status = UploadStatus.PROCESSED.value
        self.store.put_upload(upload.model_copy(update={"status": UploadStatus.PROCESSED}))
        logger.info("reference loaded", extra={"upload_ref": obj.ref, "kind": kind, "written": outcome.written,
                                               "removed": outcome.removed})
        return outcome

    def _parse(self, obj: S3Object, kind: str, body: dict[str, Any]) -> list[Any]:
        if body.get("ContentLength", 0) > MAX_REFERENCE_BYTES:
            raise ReferenceDataError(f"{obj.filename}: over the {MAX_REFERENCE_BYTES // 1048576} MiB limit; split it")
        try:
            text = body["Body"].read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ReferenceDataError(f"{obj.filename}: not UTF-8 text; save it as CSV UTF-8") from None
        parse = PARSERS[kind]
        records = []
        for number, row in enumerate(csv.DictReader(io.StringIO(text, newline="")), start=2):
            if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
                continue
            try:
                records.append(parse(row))
            except ReferenceDataError as problem:
                raise ReferenceDataError(f"{obj.filename} row {number}: {problem}") from None
        if not records:
            raise ReferenceDataError(f"{obj.filename}: no rows (a header row and one row per record are expected)")
        return records

    def _reject(self, obj: S3Object, upload: Upload, outcome: ReferenceOutcome, code: str, message: str,
                version_read: str | None) -> ReferenceOutcome:
        target = quarantine_key(obj).replace("quarantine/unknown/", "quarantine/reference/", 1)
        source = {"Bucket": obj.bucket, "Key": obj.key}
        version = obj.version_id or version_read
        if version and version != "null":
            source["VersionId"] = version  # exactly the version read: a newer file at the key is untouched
        self.s3.copy_object(Bucket=obj.bucket, Key=target, CopySource=source, MetadataDirective="REPLACE",
                            Metadata={"reason-code": code, "upload-ref": obj.ref})
        self.s3.delete_object(**source)
        self.store.put_upload(upload.model_copy(update={"status": UploadStatus.QUARANTINED, "error_code": code,
                                                        "error_message": message, "quarantine_key": target}))
        if self.notice_topic_arn and self.sns is not None:
            self.sns.publish(TopicArn=self.notice_topic_arn, **reference_load_failed_notice(obj, code, message))
        outcome.status, outcome.error_code, outcome.quarantine_key = UploadStatus.QUARANTINED.value, code, target
        logger.warning("reference file rejected", extra={"upload_ref": obj.ref, "error_code": code})
        return outcome

"""Reference files dropped under reference/ are loaded into DynamoDB (same CSV formats as the CLI).

The kind comes from the file name (`eligibility.csv`, `authorizations.csv`, `providers.csv`,
`history.csv`, possibly with a prefix such as `phc-eligibility.csv`). Every row is parsed before
anything is written, so a bad row loads nothing: the file is quarantined with the row and column
named, the previous data stays in use, and operations get a notice. Reloading a file replaces what
its previous load wrote (ReferenceWriter.load), all or nothing: readers see the previous load until
the new one is complete. Two rows for one record with different values are a bad row; a reload that
would remove more than half of the file's records (a one-row eligibility file replacing fourteen
members) is refused unless the object carries the metadata `replace: all`.
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
from ..store.reference import DuplicateRecord
from .notices import reference_load_failed_notice
from .objects import S3Object, open_object, quarantine_key

logger = Logger(child=True)

PARSERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "eligibility": parse_eligibility_row,
    "authorizations": parse_authorization_row,
    "providers": parse_provider_row,
    "contract_rates": parse_contract_rate_row,
    "history": parse_history_row,
}
MAX_REFERENCE_BYTES = 200 * 1048576
MIN_RECORDS_GUARDED = 4  # below this, any reload is taken as meant


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
        upload = self.store.put_upload(obj.received(kind=f"reference:{kind}" if kind else "reference"))
        outcome = ReferenceOutcome(upload_id=obj.upload_id, ref=obj.ref, status=UploadStatus.RECEIVED.value, kind=kind)
        response = open_object(self.s3, obj)
        version_read = response.get("VersionId")
        try:
            if kind is None:
                raise ReferenceDataError(
                    f"{obj.filename}: not a reference file name; use one of " + ", ".join(f"{k}.csv" for k in PARSERS)
                )
            records, rows = self._parse(obj, kind, response)
            if kind != "history":
                self._check_shrink(obj, len(records), response)
        except ReferenceDataError as problem:
            response["Body"].close()
            return self._reject(obj, upload, outcome, "invalid_reference_file", str(problem), version_read)
        try:
            if kind == "history":
                outcome.written = self.writer.load_history(records)
            else:
                summary = self.writer.load(obj.key, records)
                outcome.written, outcome.removed = summary.written, summary.removed
        except DuplicateRecord as duplicate:
            message = (
                f"{obj.filename} rows {rows[duplicate.first - 1]} and {rows[duplicate.second - 1]}: the same "
                f"record ({duplicate.key}) twice with different values; keep one row per record"
            )
            return self._reject(obj, upload, outcome, "invalid_reference_file", message, version_read)
        except Exception as error:  # DynamoDB failed part-way: nothing is in use; recorded, then retried
            message = "loading failed; the previous data stays in use and the file will be retried"
            self.store.put_upload(upload.failed(error, message))
            logger.error("reference load failed", extra={"upload_ref": obj.ref, "error_type": type(error).__name__})
            raise
        outcome.status = UploadStatus.PROCESSED.value
        self.store.put_upload(upload.model_copy(update={"status": UploadStatus.PROCESSED}))
        logger.info(
            "reference loaded",
            extra={"upload_ref": obj.ref, "kind": kind, "written": outcome.written, "removed": outcome.removed},
        )
        return outcome

    def _check_shrink(self, obj: S3Object, count: int, response: dict[str, Any]) -> None:
        """A reload that drops most of the file's records is more often a partial export than a decision."""
        if (response.get("Metadata") or {}).get("replace", "").lower() == "all":
            return
        previous = self.writer.current_count(obj.key)
        if previous >= MIN_RECORDS_GUARDED and count * 2 < previous:
            raise ReferenceDataError(
                f"{obj.filename}: {count} record(s) where the file in use has {previous}; loading it would remove "
                f"{previous - count}. Nothing was changed. Upload the complete file, or upload it with the object "
                "metadata replace=all to replace the data on purpose"
            )

    def _parse(self, obj: S3Object, kind: str, body: dict[str, Any]) -> tuple[list[Any], list[int]]:
        if body.get("ContentLength", 0) > MAX_REFERENCE_BYTES:
            raise ReferenceDataError(f"{obj.filename}: over the {MAX_REFERENCE_BYTES // 1048576} MiB limit; split it")
        try:
            text = body["Body"].read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ReferenceDataError(f"{obj.filename}: not UTF-8 text; save it as CSV UTF-8") from None
        parse = PARSERS[kind]
        records, rows = [], []
        for number, row in enumerate(csv.DictReader(io.StringIO(text, newline="")), start=2):
            if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
                continue
            try:
                records.append(parse(row))
            except ReferenceDataError as problem:
                raise ReferenceDataError(f"{obj.filename} row {number}: {problem}") from None
            rows.append(number)
        if not records:
            raise ReferenceDataError(f"{obj.filename}: no rows (a header row and one row per record are expected)")
        return records, rows

    def _reject(
        self,
        obj: S3Object,
        upload: Upload,
        outcome: ReferenceOutcome,
        code: str,
        message: str,
        version_read: str | None,
    ) -> ReferenceOutcome:
        target = quarantine_key(obj).replace("quarantine/unknown/", "quarantine/reference/", 1)
        source = {"Bucket": obj.bucket, "Key": obj.key}
        version = obj.version_id or version_read
        if version and version != "null":
            source["VersionId"] = version  # exactly the version read: a newer file at the key is untouched
        self.s3.copy_object(
            Bucket=obj.bucket,
            Key=target,
            CopySource=source,
            MetadataDirective="REPLACE",
            Metadata={"reason-code": code, "upload-ref": obj.ref},
        )
        self.s3.delete_object(**source)
        self.store.put_upload(
            upload.model_copy(
                update={
                    "status": UploadStatus.QUARANTINED,
                    "error_code": code,
                    "error_message": message,
                    "quarantine_key": target,
                }
            )
        )
        if self.notice_topic_arn and self.sns is not None:
            self.sns.publish(TopicArn=self.notice_topic_arn, **reference_load_failed_notice(obj, code, message))
        outcome.status, outcome.error_code, outcome.quarantine_key = UploadStatus.QUARANTINED.value, code, target
        logger.warning("reference file rejected", extra={"upload_ref": obj.ref, "error_code": code})
        return outcome

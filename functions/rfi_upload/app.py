"""A provider's upload under rfi/{claim}/ answers the claim's open RFI: S3 -> SQS -> here -> SendTaskSuccess.

Partial batch failures (Powertools batch): a message that fails is retried, then goes to the DLQ; the
rest of the batch is done. Keys are never logged (a provider's file name may carry a member's name).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from claims_intake.flow.start import answer_from_upload, rfi_upload_claim_id
from claims_intake.pipeline.objects import objects_in_notification
from claims_intake.store import SENT_BY_METADATA, ClaimStore

logger = Logger()
tracer = Tracer()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@cache
def clients() -> tuple[ClaimStore, Any, Any]:
    return ClaimStore(), boto3.client("stepfunctions"), boto3.client("s3")


def sender(s3: Any, bucket: str, key: str, version_id: str | None) -> str | None:
    """Who sent the document: the portal's upload URL pins the signed-in user in the object's metadata."""
    request = {"Bucket": bucket, "Key": key, **({"VersionId": version_id} if version_id else {})}
    try:
        return (s3.head_object(**request).get("Metadata") or {}).get(SENT_BY_METADATA)
    except ClientError:
        return None  # an upload from outside the portal: the answer is the provider's


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    store, sfn, s3 = clients()
    for obj in objects_in_notification(record.json_body):
        if obj.size == 0 or obj.key.endswith("/"):
            continue  # an empty object or a console's folder marker answers nothing
        logger.set_correlation_id(obj.ref)
        actor = sender(s3, obj.bucket, obj.key, obj.version_id) or "provider"
        item = answer_from_upload(store, sfn, obj.bucket, obj.key, actor=actor)
        logger.info(
            "rfi upload",
            extra={
                "claim_id": rfi_upload_claim_id(obj.key),
                "resumed": item is not None,
                "item_id": item.item_id if item else None,
            },
        )


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)

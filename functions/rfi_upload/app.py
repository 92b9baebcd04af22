"""A provider's upload under rfi/{claim}/ answers the claim's open RFI: S3 -> SQS -> here -> SendTaskSuccess.

Partial batch failures (Powertools batch): a message that fails is retried, then goes to the DLQ; the
rest of the batch is done. Keys are never logged (a provider's file name may carry a member's name).
"""

from functools import cache

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from claims_intake.flow import answer_from_upload, rfi_upload_claim_id, s3_objects
from claims_intake.store import ClaimStore

logger = Logger()
tracer = Tracer()
processor = BatchProcessor(event_type=EventType.SQS)


@cache
def clients() -> tuple[ClaimStore, object]:
    return ClaimStore(), boto3.client("stepfunctions")


def record_handler(record: SQSRecord) -> None:
    store, sfn = clients()
    for bucket, key in s3_objects(record.body):
        item = answer_from_upload(store, sfn, bucket, key)
        logger.info("rfi upload", extra={"claim_id": rfi_upload_claim_id(key),
                                         "resumed": item is not None, "item_id": item.item_id if item else None})


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)

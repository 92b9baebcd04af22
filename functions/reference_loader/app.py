"""Reference loader Lambda: SQS messages carrying S3 notifications for reference/ -> ReferenceLoader.

A file with a bad row is quarantined (nothing of it is loaded) and is not retried; an AWS error is a
batch item failure (retried, then the dead-letter queue).
"""

from __future__ import annotations

from functools import cache

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from claims_intake.pipeline import ReferenceLoader, objects_in_notification

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class ReferenceLoadFailed(Exception):
    pass


@cache
def loader() -> ReferenceLoader:
    return ReferenceLoader.from_env()


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    for obj in objects_in_notification(record.json_body):
        logger.set_correlation_id(obj.ref)
        try:
            outcome = loader().load(obj)
        except Exception as error:
            logger.error(
                "reference load failed; the message will be retried",
                extra={"upload_ref": obj.ref, "error_type": type(error).__name__},
            )
            raise ReferenceLoadFailed(f"reference {obj.ref} failed ({type(error).__name__})") from None
        metrics.add_metric(name="ReferenceFiles", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="ReferenceRecordsWritten", unit=MetricUnit.Count, value=outcome.written)
        metrics.add_metric(name="ReferenceRecordsRemoved", unit=MetricUnit.Count, value=outcome.removed)
        if outcome.status == "QUARANTINED":
            metrics.add_metric(name="ReferenceFilesRejected", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)

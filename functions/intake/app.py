"""Intake Lambda: SQS messages carrying S3 ObjectCreated notifications for uploads/ -> claims_intake.pipeline.

Thin: parse the event, call the core once per object, turn outcomes into metrics. A message whose
object fails is reported as a batch item failure (retried, then the dead-letter queue); the rest of
the batch is kept.
"""

from __future__ import annotations

import os
from functools import cache

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from claims_intake.pipeline import IdempotentIntake, Intake, IntakeOutcome, objects_in_notification
from claims_intake.pipeline.objects import S3Object

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class UploadFailed(Exception):
    """Raised instead of the original error, whose message could quote the file's contents."""


@cache
def intake() -> IdempotentIntake:
    return IdempotentIntake(Intake.from_env(), os.environ["IDEMPOTENCY_TABLE"])


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    for obj in objects_in_notification(record.json_body):
        logger.set_correlation_id(obj.ref)
        try:
            outcome, executed = intake().process(obj)
        except Exception as error:
            logger.error(
                "upload failed; the message will be retried",
                extra={"upload_ref": obj.ref, "error_type": type(error).__name__},
            )
            metrics.add_metric(name="FilesFailed", unit=MetricUnit.Count, value=1)
            raise UploadFailed(f"upload {obj.ref} failed ({type(error).__name__})") from None
        if executed:
            publish_metrics(outcome)
        else:
            logger.info("upload already processed", extra={"upload_ref": obj.ref})
            metrics.add_metric(name="DuplicateDeliveries", unit=MetricUnit.Count, value=1)


def publish_metrics(outcome: IntakeOutcome) -> None:
    metrics.add_metric(name="Files", unit=MetricUnit.Count, value=1)
    if outcome.status == "QUARANTINED":
        metrics.add_metric(name="FilesQuarantined", unit=MetricUnit.Count, value=1)
        return
    if outcome.status == "MAPPING_REVIEW":
        metrics.add_metric(name="FilesHeldForMapping", unit=MetricUnit.Count, value=1)
        return
    metrics.add_metric(name="Claims", unit=MetricUnit.Count, value=len(outcome.claims))
    metrics.add_metric(name="ServiceLines", unit=MetricUnit.Count, value=outcome.lines)
    metrics.add_metric(name="ExtractErrors", unit=MetricUnit.Count, value=outcome.errors)
    for claim in outcome.claims:
        metrics.add_metric(name=f"Disposition{claim.disposition.title()}", unit=MetricUnit.Count, value=1)
    if outcome.ocr_confidences:
        mean = sum(outcome.ocr_confidences) / len(outcome.ocr_confidences)
        metrics.add_metric(name="OcrConfidence", unit=MetricUnit.Percent, value=round(100 * mean, 1))
    if outcome.pages and outcome.extract_seconds is not None:
        metrics.add_metric(
            name="SecondsPerPage", unit=MetricUnit.Seconds, value=round(outcome.extract_seconds / outcome.pages, 3)
        )


def reread(upload: dict) -> dict:
    """Staff confirmed a held workbook's columns (the API invokes this asynchronously): read it again, now
    with the provider's confirmed layout. Not through the idempotency record: that delivery is done."""
    obj = S3Object(**upload)
    logger.set_correlation_id(obj.ref)
    outcome = intake().intake.process(obj)
    publish_metrics(outcome)
    return {"upload_ref": obj.ref, "status": outcome.status}


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    intake().register_lambda_context(context)
    if "reread" in event:
        return reread(event["reread"])
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)

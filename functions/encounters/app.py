"""Scheduled encounter run (EventBridge, daily): decided claims -> one 837P in s3://{bucket}/encounters/YYYY/MM/DD/.

All logic is in claims_intake.encounters.job; the summary logged holds counts, claim ids and keys (no PHI).
"""

from functools import cache

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from claims_intake.encounters.job import EncounterJob, job_from_env

logger = Logger()
tracer = Tracer()


@cache
def job() -> EncounterJob:
    return job_from_env()


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    summary = job().run().to_json()
    logger.info("encounter run done", extra=summary)
    return summary

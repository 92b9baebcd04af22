"""At-least-once delivery, processed once: Powertools idempotency keyed by bucket, key and version (or ETag).

S3 may send a notification twice and SQS may deliver a message twice; the second delivery of the same
object version returns the first outcome without touching anything. The record expires after a day;
a delivery after that still cannot duplicate claims, because claim ids derive from the upload and
Step Functions executions are named after them.
"""

from __future__ import annotations

import threading
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from .intake import Intake, IntakeOutcome
from .objects import S3Object

KEY = "[bucket, key, version_id || etag]"
ONE_DAY = 24 * 3600


class IdempotentIntake:
    def __init__(self, intake: Intake, table_name: str, client=None, expires_after_seconds: int = ONE_DAY):
        self.intake = intake
        self.config = IdempotencyConfig(
            event_key_jmespath=KEY, raise_on_no_idempotency_key=True, expires_after_seconds=expires_after_seconds
        )
        persistence = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client)
        self._calls = threading.local()  # one Intake may serve several poller threads (local stack)

        @idempotent_function(data_keyword_argument="upload", persistence_store=persistence, config=self.config)
        def process_upload(upload: dict[str, Any]) -> dict[str, Any]:
            self._calls.executed = True
            return self.intake.process(S3Object(**upload)).to_dict()

        self._process = process_upload

    def register_lambda_context(self, context) -> None:
        """So a record left IN_PROGRESS by a timed-out invocation can be retried once the invocation is over."""
        self.config.register_lambda_context(context)

    def process(self, obj: S3Object) -> tuple[IntakeOutcome, bool]:
        """The outcome, and whether this call did the work (False: an earlier delivery did)."""
        self._calls.executed = False
        obj = self.intake.identify(obj)  # a redelivery without its versionId is still the same object version
        outcome = IntakeOutcome.from_dict(self._process(upload=obj.to_dict()))
        return outcome, self._calls.executed

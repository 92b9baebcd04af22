"""The serverless pipeline's core: intake of uploads and loading of reference files (no AWS event types).

    from claims_intake.pipeline import Intake, S3Object
    outcome = Intake.from_env().process(S3Object(bucket, key, version_id))

The Lambda handlers (functions/intake, functions/reference_loader) only adapt SQS/S3 events to these
calls and outcomes to metrics. docs/pipeline.md describes the whole flow.
"""

from .idempotency import IdempotentIntake  # noqa: F401
from .intake import ClaimOutcome, Intake, IntakeOutcome  # noqa: F401
from .objects import (  # noqa: F401
    QUARANTINE_PREFIX,
    REFERENCE_PREFIX,
    UPLOADS_PREFIX,
    S3Object,
    claim_id_for,
    objects_in_notification,
    quarantine_key,
    upload_place,
)
from .reference_load import ReferenceLoader, ReferenceOutcome  # noqa: F401

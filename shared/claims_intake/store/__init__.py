"""DynamoDB store shared by the intake Lambda, the Step Functions tasks, the staff API and the local demo.

    from claims_intake.store import ClaimStore, DynamoReference, DynamoHistory, Tables
    store = ClaimStore(Tables.from_env())

Table design and access patterns: docs/dynamodb.md.
"""

from .claims import (  # noqa: F401
    ClaimNotFound,
    ClaimStore,
    ClaimTooLarge,
    ConcurrentUpdate,
    QueueItemNotFound,
    QueueItemNotOpen,
    StoreError,
)
from .records import (  # noqa: F401
    SENT_BY_METADATA,
    AuditEntry,
    ClaimStatus,
    Letter,
    QueueItem,
    QueueName,
    QueuePage,
    QueueStatus,
    StoredClaim,
    Upload,
    UploadStatus,
    upload_id,
    upload_request_id,
)
from .reference import DynamoHistory, DynamoReference, LoadSummary, ReferenceWriter  # noqa: F401
from .tables import Tables  # noqa: F401

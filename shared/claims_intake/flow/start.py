"""Starting the claim flow (intake, and staff reopening a review) and resuming it from outside a staff queue
(provider RFI uploads). `start_flow` is the one way an execution is started.

The staff API resumes a waiting flow itself (SendTaskSuccess with the queue item's token);
both send the same answer document: {"action": "answered" | "rejected", "claim_id", "item_id",
"queue", "actor", "corrections": [...], "documents": [...], "note" | "reason"}.
"""

from __future__ import annotations

import json
import re
from typing import Any

from botocore.exceptions import ClientError

from ..store import ClaimStore, QueueItem, QueueItemNotOpen, QueueName, QueueStatus

RFI_PREFIX = "rfi/"


def execution_name(claim_id: str, attempt: str | None = None) -> str:
    """One execution per claim (and per re-drive attempt): Step Functions refuses a second start."""
    name = re.sub(r"[^A-Za-z0-9_-]", "-", f"claim-{claim_id}" + (f"-{attempt}" if attempt else ""))
    return name[:80]


def start_flow(sfn, state_machine_arn: str, claim_id: str, attempt: str | None = None) -> str:
    """Start the flow for a checked, stored claim; a repeated start (at-least-once delivery) is a no-op.

    Returns the execution ARN. `attempt` names a re-drive of a claim whose flow ended in ERROR.
    """
    name = execution_name(claim_id, attempt)
    try:
        return sfn.start_execution(
            stateMachineArn=state_machine_arn, name=name, input=json.dumps({"claim_id": claim_id})
        )["executionArn"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "ExecutionAlreadyExists":
            raise
        arn = state_machine_arn.replace(":stateMachine:", ":execution:")
        return f"{arn}:{name}"


def rfi_upload_claim_id(key: str) -> str | None:
    """The claim a provider's RFI upload answers: rfi/{claim_id}/{file}."""
    if not key.startswith(RFI_PREFIX):
        return None
    parts = key[len(RFI_PREFIX) :].split("/", 1)
    return parts[0] if len(parts) == 2 and parts[0] and parts[1] else None


def _named_item(key: str, items: list[QueueItem]) -> QueueItem | None:
    """The RFI item a key under rfi/{claim}/{item}/{file} names, if it names one of the claim's."""
    parts = key[len(RFI_PREFIX) :].split("/")
    if len(parts) < 3:
        return None
    return next((item for item in items if item.item_id == parts[1]), None)


def answer_from_upload(store: ClaimStore, sfn, bucket: str, key: str, actor: str = "provider") -> QueueItem | None:
    """A provider uploaded documents under rfi/{claim}/: close the open RFI item and resume the flow.

    A key under rfi/{claim}/{item}/ (the portal's upload URLs) answers that item only: a further document
    of the same answer, arriving after the first closed the item, is kept and audited on the claim rather
    than taken as the answer to a later round. Returns the closed item, or None when no RFI is open for
    that claim (the upload is kept and audited; a late answer does not reopen a rejected claim).
    """
    claim_id = rfi_upload_claim_id(key)
    if claim_id is None:
        raise ValueError(f"'{key}' is not an RFI upload: expected rfi/{{claim_id}}/{{file}}")
    stored = store.require_claim(claim_id)
    rfi_items = [i for i in stored.queue_items if i.queue == QueueName.RFI.value]
    named = _named_item(key, rfi_items)
    open_items = [i for i in ([named] if named else rfi_items) if i.status == QueueStatus.OPEN.value]
    document = {"bucket": bucket, "key": key}
    if not open_items:
        action = "rfi_document_added" if named else "rfi_upload_without_open_rfi"
        store.append_audit(claim_id, actor, action, key, {"document": document})
        return None
    item = open_items[-1]
    resolution: dict[str, Any] = {
        "action": "answered",
        "corrections": [],
        "documents": [document],
        "note": "documents uploaded by the provider",
    }
    try:
        closed = store.close_queue_item(
            claim_id, item.item_id, actor, resolution, status=QueueStatus.ANSWERED.value, note=resolution["note"]
        )
    except QueueItemNotOpen:
        return None  # staff answered it first
    if closed.task_token:
        sfn.send_task_success(
            taskToken=closed.task_token,
            output=json.dumps(
                {**resolution, "claim_id": claim_id, "item_id": item.item_id, "queue": item.queue, "actor": actor}
            ),
        )
    return closed

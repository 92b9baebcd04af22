"""The Step Functions claim flow's task functions (statemachine/claim_flow.asl.json calls them by `action`).

Every task takes the flow state (a small JSON document: claim id, disposition, RFI round, response
windows, rejection cause) and returns the next one. The claim itself lives in DynamoDB (ClaimStore);
letters go to S3 under letters/{claim}/{execution}/, notices to SNS. Tasks are safe to retry: a
letter has a key fixed by execution, kind and round, and is recorded once; opening a queue item
first expires any item of the same queue left open by an earlier attempt.

Claim statuses the flow leaves behind (no claim is left without a final or waiting status):
WAITING_RFI, WAITING_REVIEW (waiting); REVIEW_OVERDUE (nobody verified the values after
MAX_REVIEW_REOPENINGS reopened REVIEW items: the flow stops and staff are notified); REJECTED, CLOSED with the CLEAN/PARTIAL/DENIED disposition
(final); ERROR (a task kept failing: the error is on the claim, staff are notified, and a new
execution re-drives it from the stored disposition).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from aws_lambda_powertools import Logger

from ..check.result import CheckResult, ClaimDisposition, LineDisposition, Severity
from ..letters import RejectionCause, denial_notice, rejection_letter, render_pdf, rfi_letter
from ..letters.compose import LetterContent
from ..store import ClaimStatus, ClaimStore, QueueItemNotOpen, QueueName, QueueStatus, StoredClaim
from ..store.codec import iso
from .config import FlowConfig, due_after, seconds_until

logger = Logger(child=True)

ACTOR = "flow"
FINAL_STATUSES = frozenset({ClaimStatus.REJECTED.value, ClaimStatus.CLOSED.value})
Checker = Callable[[StoredClaim], CheckResult]


class InvalidFlowInput(ValueError):
    """The execution input or task event is malformed: retrying will not help."""


class ItemResolvedMeanwhile(Exception):
    """Staff answered or rejected the extended item while the flow was not holding a token on it:
    the flow takes the item's resolution as the answer (ASL Catch -> TakeResolution)."""


class DueMovedAgain(Exception):
    """The item was extended again while the flow re-entered its wait: compute the timeout again
    (ASL Catch -> Extend*Wait)."""


class FlowTasks:
    def __init__(
        self,
        store: ClaimStore,
        s3,
        sns,
        config: FlowConfig,
        checker: Checker,
        clock: Callable[[], datetime] | None = None,
    ):
        self.store = store
        self.s3 = s3
        self.sns = sns
        self.config = config
        self.checker = checker
        self._clock = clock or (lambda: datetime.now(UTC))

    def run(self, event: dict[str, Any]) -> dict[str, Any]:
        """Dispatch one task event {"action", "state", "execution"[, "task_token"]} to its task."""
        action = event.get("action")
        task = self.ACTIONS.get(action) if isinstance(action, str) else None
        if task is None:
            raise InvalidFlowInput(f"unknown flow action '{action}': one of {', '.join(sorted(self.ACTIONS))}")
        state = event.get("state")
        if not isinstance(state, dict) or not state.get("claim_id"):
            raise InvalidFlowInput("the flow state needs a claim_id")
        logger.info("flow task", extra={"action": action, "claim_id": state["claim_id"]})
        return task(self, dict(state), event)

    # ---- tasks -------------------------------------------------------------------------------

    def prepare(self, state: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        """Read the checked claim and set the flow's counters and windows from configuration."""
        stored = self.store.require_claim(state["claim_id"])
        config = self.config
        return {
            "claim_id": stored.claim_id,
            "plan": stored.plan,
            "disposition": stored.disposition.value,
            "already_final": stored.status in FINAL_STATUSES,
            "rfi_round": 0,
            "max_rfi_rounds": config.max_rfi_rounds,
            "rfi_window_seconds": int(config.rfi_window.total_seconds()),
            "review_window_seconds": int(config.review_window.total_seconds()),
            "review_reopenings": 0,
            "max_review_reopenings": config.max_review_reopenings,
            "rejection_cause": None,
        }

    def send_rfi(self, state: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        """RFI letter (what is needed, by when) to S3, recorded on the claim; WAITING_RFI; notice."""
        stored = self.store.require_claim(state["claim_id"])
        now = self._clock()
        round_number = int(state.get("rfi_round", 0)) + 1
        due = due_after(now, self.config.rfi_window)
        letter = rfi_letter(stored.check_result(), stored.claim_id, now.date(), due, round_number)
        key = self._letter(stored, letter, event, round_number)
        self._set_status(stored, ClaimStatus.WAITING_RFI.value, note=f"RFI {round_number} due {_iso(due)}")
        self._notify(stored, "rfi", key, due=_iso(due))
        return {
            **state,
            "rfi_round": round_number,
            "rfi_sent": _iso(now),
            "rfi_due": _iso(due),
            "rfi_window_seconds": seconds_until(now, due),
        }

    def wait_rfi(self, state: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        """Open the RFI item in the staff queue holding the task token, due when the letter says."""
        token = _token(event)
        stored = self.store.require_claim(state["claim_id"])
        if state.get("resume_item"):
            return self._wait_again(stored, state, token, state["rfi_due"])
        self._expire_open_items(stored, QueueName.RFI.value, note="superseded by a new RFI item")
        item = self.store.open_queue_item(
            stored.claim_id,
            QueueName.RFI.value,
            token,
            state["rfi_due"],
            actor=ACTOR,
            reason=_reasons(stored, Severity.RFI),
        )
        return {"item_id": item.item_id, "due": item.due}

    def wait_review(self, state: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        """Open a REVIEW item (staff verify low-confidence OCR values) holding the task token."""
        token = _token(event)
        stored = self.store.require_claim(state["claim_id"])
        if state.get("resume_item"):
            return self._wait_again(stored, state, token, state["review_due"])
        now = self._clock()
        due = now + self.config.review_window
        self._set_status(stored, ClaimStatus.WAITING_REVIEW.value, note="values to verify against the scan")
        self._expire_open_items(stored, QueueName.REVIEW.value, note="superseded by a new REVIEW item")
        item = self.store.open_queue_item(
            stored.claim_id, QueueName.REVIEW.value, token, due, actor=ACTOR, reason=_reasons(stored, Severity.REVIEW)
        )
        return {"item_id": item.item_id, "due": item.due}

    def review_overdue(self, state: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        """Nobody verified the values in time: expire the item, tell staff; the flow opens a new one,
        at most MAX_REVIEW_REOPENINGS times; then the claim goes to REVIEW_OVERDUE and the flow stops."""
        stored = self.store.require_claim(state["claim_id"])
        overdue = int(state.get("review_reopenings", 0)) + 1
        limit = int(state.get("max_review_reopenings", self.config.max_review_reopenings))
        next_state = {k: v for k, v in state.items() if k not in ("error", "resume_item", "review_due")}
        self._expire_open_items(stored, QueueName.REVIEW.value, note="review window ran out")
        if overdue > limit:
            note = f"review window ran out {overdue} times: nobody verified the values"
            self._set_status(stored, ClaimStatus.REVIEW_OVERDUE.value, note=note)
            self._notify(stored, "review_escalated", None, reopenings=limit)
            return {
                **next_state,
                "review_reopenings": overdue,
                "review_escalated": True,
                "status": ClaimStatus.REVIEW_OVERDUE.value,
            }
        self.store.append_audit(
            stored.claim_id, ACTOR, "review_overdue", f"verification item reopened ({overdue} of {limit})"
        )
        self._notify(stored, "review_overdue", None, reopenings=overdue)
        return {
            **next_state,
            "review_reopenings": overdue,
            "review_escalated": False,
            "review_window_seconds": int(self.config.review_window.total_seconds()),
        }

    def extend_wait(self, state: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        """Staff extended the open item's due date: wait again until the item's (new) due date, on the
        same item, without a new letter or RFI round. event["queue"] says which wait (RFI or REVIEW)."""
        queue = _queue(event)
        stored = self.store.require_claim(state["claim_id"])
        item = _open_item(stored, queue)
        if item is None:
            raise ItemResolvedMeanwhile(f"no open {queue} item on claim {stored.claim_id} to wait on")
        due = _parse(item.due)
        if due is None:
            raise InvalidFlowInput(f"queue item {item.item_id} has no due date to wait until")
        seconds = seconds_until(self._clock(), due)
        self.store.append_audit(
            stored.claim_id,
            ACTOR,
            "wait_extended",
            f"the flow waits until {item.due}",
            {"queue": queue, "item_id": item.item_id, "due": item.due},
        )
        prefix = queue.lower()
        return {
            **{k: v for k, v in state.items() if k not in ("answer", "error")},
            f"{prefix}_due": item.due,
            f"{prefix}_window_seconds": seconds,
            "resume_item": item.item_id,
        }

    def take_resolution(self, state: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        """The extended item was answered or rejected while the flow held no token on it: that is the answer."""
        queue = _queue(event)
        stored = self.store.require_claim(state["claim_id"])
        closed = [
            i
            for i in stored.queue_items
            if i.queue == queue
            and i.status != QueueStatus.OPEN.value
            and (not state.get("resume_item") or i.item_id == state["resume_item"])
        ]
        if not closed:
            raise InvalidFlowInput(f"no resolved {queue} item on claim {stored.claim_id}")
        item = max(closed, key=lambda i: i.closed_at or "")
        answer = {
            **item.resolution,
            "claim_id": stored.claim_id,
            "item_id": item.item_id,
            "queue": queue,
            "actor": item.closed_by or ACTOR,
        }
        return {**{k: v for k, v in state.items() if k not in ("error", "resume_item")}, "answer": answer}

    def recheck(self, state: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        """Check the claim again with what the answer brought (corrections are already on the stored claim)."""
        answer = state.get("answer") or {}
        next_state = {k: v for k, v in state.items() if k not in ("answer", "error", "resume_item")}
        if answer.get("action") == "rejected":
            return {
                **next_state,
                "disposition": ClaimDisposition.REJECTED.value,
                "rejection_cause": RejectionCause.STAFF.value,
                "rejection_note": answer.get("reason"),
            }
        stored = self.store.require_claim(state["claim_id"])
        result = self.checker(stored)
        queue = answer.get("queue") or "queue"
        self.store.save_checked_claim(
            result, upload_key=None, actor=answer.get("actor") or ACTOR, note=f"re-check after the {queue} answer"
        )
        return {**next_state, "disposition": result.disposition.value}

    def send_rejection(self, state: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        """Rejection letter (every reason, how to resubmit) to S3, recorded; REJECTED; notice."""
        stored = self.store.require_claim(state["claim_id"])
        cause = RejectionCause(state.get("rejection_cause") or RejectionCause.FINDINGS.value)
        now = self._clock()
        letter = rejection_letter(
            stored.check_result(),
            stored.claim_id,
            now.date(),
            cause,
            note=state.get("rejection_note"),
            rfi_sent=_parse(state.get("rfi_sent")),
            rfi_due=_parse(state.get("rfi_due")),
            rounds=int(state.get("rfi_round", 0)),
        )
        key = self._letter(stored, letter, event, int(state.get("rfi_round", 0)))
        expired = QueueStatus.EXPIRED.value if cause is RejectionCause.NO_RESPONSE else QueueStatus.CLOSED.value
        self._expire_open_items(stored, None, note=f"claim rejected ({cause.value})", status=expired)
        self._set_status(
            stored, ClaimStatus.REJECTED.value, note=f"rejected: {cause.value}", disposition=ClaimDisposition.REJECTED
        )
        self._notify(stored, "rejection", key, disposition=ClaimDisposition.REJECTED.value, cause=cause.value)
        return {
            **state,
            "disposition": ClaimDisposition.REJECTED.value,
            "status": ClaimStatus.REJECTED.value,
            "letter": key,
        }

    def finalize(self, state: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        """Record the final disposition; a denial notice (what the RA says) when any line is denied."""
        stored = self.store.require_claim(state["claim_id"])
        result = stored.check_result()
        key = None
        if any(line.disposition is LineDisposition.DENIED for line in result.lines):
            now = self._clock()
            key = self._letter(stored, denial_notice(result, stored.claim_id, now.date()), event, 0)
        self._set_status(
            stored, ClaimStatus.CLOSED.value, note=f"final: {result.disposition.value}", disposition=result.disposition
        )
        self._notify(stored, "denial" if key else "final", key, disposition=result.disposition.value)
        return {
            **state,
            "disposition": result.disposition.value,
            "status": ClaimStatus.CLOSED.value,
            **({"letter": key} if key else {}),
        }

    def record_error(self, state: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        """A task kept failing: put the error on the claim (status ERROR, audited) and tell staff."""
        error = state.get("error") or {}
        name, cause = str(error.get("Error", "Unknown")), str(error.get("Cause", ""))[:2000]
        stored = self.store.get_claim(state["claim_id"])
        if stored is not None:
            self.store.append_audit(
                stored.claim_id,
                ACTOR,
                "flow_error",
                name,
                {"error": name, "cause": cause, "execution": event.get("execution")},
            )
            self._set_status(stored, ClaimStatus.ERROR.value, note=f"flow error: {name}")
        self._notify(stored, "error", None, error=name, claim_id=state["claim_id"])
        return {**state, "status": ClaimStatus.ERROR.value}

    ACTIONS: ClassVar[dict[str, Callable[[FlowTasks, dict[str, Any], dict[str, Any]], dict[str, Any]]]] = {
        "prepare": prepare,
        "send_rfi": send_rfi,
        "wait_rfi": wait_rfi,
        "wait_review": wait_review,
        "review_overdue": review_overdue,
        "extend_wait": extend_wait,
        "take_resolution": take_resolution,
        "recheck": recheck,
        "send_rejection": send_rejection,
        "finalize": finalize,
        "record_error": record_error,
    }

    # ---- helpers -----------------------------------------------------------------------------

    def _wait_again(self, stored: StoredClaim, state: dict[str, Any], token: str, due: str) -> dict[str, Any]:
        """Re-enter a wait on the extended item: it gets the new task token (no new item, no new letter)."""
        item_id = state["resume_item"]
        if self.store.attach_task_token(stored.claim_id, item_id, token, due):
            return {"item_id": item_id, "due": due}
        if self.store.get_queue_item(stored.claim_id, item_id).status != QueueStatus.OPEN.value:
            raise ItemResolvedMeanwhile(f"queue item {item_id} was resolved while the flow re-entered its wait")
        raise DueMovedAgain(f"queue item {item_id} was extended again while the flow re-entered its wait")

    def _letter(self, stored: StoredClaim, letter: LetterContent, event: dict[str, Any], number: int) -> str:
        """Render, store in S3 and record on the claim, once per execution, kind and round."""
        execution = _safe(event.get("execution") or "manual")
        key = f"letters/{_safe(stored.claim_id)}/{execution}/{letter.kind.value}-{number}.pdf"
        if any(existing.s3_key == key for existing in stored.letters):
            return key
        self.s3.put_object(
            Bucket=self.config.letters_bucket,
            Key=key,
            Body=render_pdf(letter),
            ContentType="application/pdf",
            Metadata={"claim-id": stored.claim_id, "kind": letter.kind.value, "plan": stored.plan},
        )
        self.store.record_letter(stored.claim_id, letter.kind.value, key, ACTOR, note=letter.title)
        return key

    def _set_status(
        self, stored: StoredClaim, status: str, note: str, disposition: ClaimDisposition | None = None
    ) -> None:
        current = self.store.require_claim(stored.claim_id)
        if current.status == status and (disposition is None or current.disposition == disposition):
            return  # a retried task: already there
        self.store.set_status(stored.claim_id, status, ACTOR, note=note, disposition=disposition)

    def _expire_open_items(
        self, stored: StoredClaim, queue: str | None, note: str, status: str = QueueStatus.EXPIRED.value
    ) -> None:
        current = self.store.require_claim(stored.claim_id)
        for item in current.queue_items:
            if item.status == QueueStatus.OPEN.value and (queue is None or item.queue == queue):
                with contextlib.suppress(QueueItemNotOpen):  # staff closed it meanwhile
                    self.store.close_queue_item(
                        stored.claim_id, item.item_id, ACTOR, {"action": "expired"}, status=status, note=note
                    )

    def _notify(self, stored: StoredClaim | None, kind: str, key: str | None, **details: Any) -> None:
        """One SNS notice per event; ids and codes only (no member names, CIN or dates of birth)."""
        if not self.config.topic_arn:
            return
        elements = stored.output.get("elements", {}) if stored else {}
        message = {
            "kind": kind,
            "claim_id": stored.claim_id if stored else details.get("claim_id"),
            "plan": stored.plan if stored else None,
            "provider_npi": elements.get("billing_provider_npi"),
            "invoice_number": elements.get("invoice_number"),
            **({"letter": {"bucket": self.config.letters_bucket, "key": key}} if key else {}),
            **{k: v for k, v in details.items() if k != "claim_id"},
        }
        attributes = {"kind": {"DataType": "String", "StringValue": kind}}
        for name in ("plan", "provider_npi"):
            if message.get(name):
                attributes[name] = {"DataType": "String", "StringValue": str(message[name])}
        self.sns.publish(
            TopicArn=self.config.topic_arn,
            Message=json.dumps(message),
            Subject=f"Claim {message['claim_id']}: {kind.replace('_', ' ')}"[:100],
            MessageAttributes=attributes,
        )


def _reasons(stored: StoredClaim, severity: Severity) -> str:
    messages = [f.message for f in stored.findings if f.severity is severity]
    return " | ".join(messages)[:1000] or severity.value


def _queue(event: dict[str, Any]) -> str:
    queue = event.get("queue")
    if queue not in (QueueName.RFI.value, QueueName.REVIEW.value):
        raise InvalidFlowInput(f"this task needs the queue (RFI or REVIEW), not {queue!r}")
    return queue


def _open_item(stored: StoredClaim, queue: str):
    items = [i for i in stored.queue_items if i.queue == queue and i.status == QueueStatus.OPEN.value]
    return items[-1] if items else None


def _token(event: dict[str, Any]) -> str:
    token = event.get("task_token")
    if not token:
        raise InvalidFlowInput("this task waits for an answer: the event needs the task_token")
    return token


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._=-]", "_", text)[:120]


def _iso(value: datetime) -> str:
    return iso(value)  # the store's fixed-width UTC format


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None

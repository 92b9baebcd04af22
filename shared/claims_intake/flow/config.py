"""Flow configuration from the environment (template.yaml sets it; tests set seconds instead of days).

LETTERS_BUCKET          S3 bucket for letters (keys under letters/)
NOTICE_TOPIC_ARN       SNS topic for provider/staff notices (optional: no notice when unset)
RFI_RESPONSE_WINDOW     how long a provider has to answer an RFI: "30d", "12h", "45m", "20s" or seconds
REVIEW_RESPONSE_WINDOW  how long staff have to verify low-confidence OCR values before the item is overdue
MAX_RFI_ROUNDS          how many RFI letters one claim may get before it is rejected as undecidable
MAX_REVIEW_REOPENINGS   how many times an overdue REVIEW item is reopened before the claim goes to
                        REVIEW_OVERDUE (the flow stops; staff are notified)
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

_DURATION = re.compile(r"^\s*(\d+)\s*([dhms]?)\s*$", re.IGNORECASE)
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds", "": "seconds"}


def parse_duration(text: str | int) -> timedelta:
    """'30d' -> 30 days, '20s' -> 20 seconds, '90' -> 90 seconds."""
    match = _DURATION.match(str(text))
    if not match or int(match.group(1)) <= 0:
        raise ValueError(f"'{text}' is not a duration: use a positive number with d, h, m or s (e.g. 30d, 20s)")
    return timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})


def due_after(now: datetime, window: timedelta) -> datetime:
    """When a response window opened `now` ends: the end of that day (UTC) for windows of a day or more."""
    due = now + window
    if window >= timedelta(days=1):
        due = datetime.combine(due.date(), time(23, 59, 59), tzinfo=UTC)
    return due


def seconds_until(now: datetime, due: datetime) -> int:
    """Whole seconds from now to due, at least 1 (Step Functions TimeoutSeconds must be positive)."""
    return max(1, math.ceil((due - now).total_seconds()))


@dataclass(frozen=True)
class FlowConfig:
    letters_bucket: str
    topic_arn: str | None = None
    rfi_window: timedelta = timedelta(days=30)
    review_window: timedelta = timedelta(days=3)
    max_rfi_rounds: int = 2
    max_review_reopenings: int = 3

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> FlowConfig:
        env = os.environ if environ is None else environ
        bucket = env.get("LETTERS_BUCKET")
        if not bucket:
            raise ValueError("LETTERS_BUCKET is not set: the flow needs a bucket for its letters")
        rounds = int(env.get("MAX_RFI_ROUNDS", "2"))
        if rounds < 1:
            raise ValueError("MAX_RFI_ROUNDS must be at least 1")
        reopenings = int(env.get("MAX_REVIEW_REOPENINGS", "3"))
        if reopenings < 0:
            raise ValueError("MAX_REVIEW_REOPENINGS must be 0 or more")
        return cls(
            letters_bucket=bucket,
            topic_arn=env.get("NOTICE_TOPIC_ARN") or None,
            rfi_window=parse_duration(env.get("RFI_RESPONSE_WINDOW", "30d")),
            review_window=parse_duration(env.get("REVIEW_RESPONSE_WINDOW", "3d")),
            max_rfi_rounds=rounds,
            max_review_reopenings=reopenings,
        )

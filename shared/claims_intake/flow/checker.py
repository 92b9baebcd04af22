"""The re-check: the claim check run on the stored claim against DynamoDB reference data and history."""

from __future__ import annotations

from datetime import date

from ..check import check_claim
from ..check.result import CheckResult
from ..store import DynamoHistory, DynamoReference, StoredClaim, Tables


class StoreChecker:
    """Checks a stored claim as the intake did: same plan, same date of receipt, the member's history
    without this claim's own lines (they would count against it)."""

    def __init__(self, tables: Tables | None = None, client=None):
        self.tables = tables or Tables.from_env()
        self.client = client

    def __call__(self, stored: StoredClaim) -> CheckResult:
        reference = DynamoReference(self.tables, client=self.client)
        history = DynamoHistory(self.tables, client=self.client, exclude_claim_id=stored.claim_id)
        received = date.fromisoformat(stored.created_at[:10])
        return check_claim(stored.claim, stored.plan, reference, history, received=received)

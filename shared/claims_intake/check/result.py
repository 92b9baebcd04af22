"""What the claim check decides: findings, line decisions and the claim's disposition.

Dispositions:
- REJECTED: missing or invalid required elements; a rejection letter follows.
- RFI: more information is needed to decide (a written Request for Information).
- REVIEW: low-confidence OCR values that staff must verify before deciding.
- CLEAN / PARTIAL / DENIED: decided from the lines, each PAYABLE or DENIED with an allowed amount.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from ..model import Claim


class ClaimDisposition(StrEnum):
    REJECTED = "REJECTED"
    RFI = "RFI"
    REVIEW = "REVIEW"
    CLEAN = "CLEAN"
    PARTIAL = "PARTIAL"
    DENIED = "DENIED"


FINAL_DISPOSITIONS = frozenset({ClaimDisposition.CLEAN, ClaimDisposition.PARTIAL, ClaimDisposition.DENIED})


class LineDisposition(StrEnum):
    PAYABLE = "PAYABLE"
    DENIED = "DENIED"


class Category(StrEnum):
    MISSING_ELEMENT = "missing_element"
    INVALID_VALUE = "invalid_value"
    CATALOG = "catalog"
    MODIFIER = "modifier"
    UNITS = "units"
    DATE_SPAN = "date_span"
    FREQUENCY = "frequency"
    ELIGIBILITY = "eligibility"
    AUTHORIZATION = "authorization"
    PROVIDER = "provider"
    DUPLICATE = "duplicate"
    DIAGNOSIS = "diagnosis"
    AMOUNT = "amount"
    DOCUMENTATION = "documentation"
    TIMELY_FILING = "timely_filing"


class Severity(StrEnum):
    REJECT = "reject"    # the claim cannot be entered: rejection letter
    RFI = "rfi"          # information is missing: request it
    REVIEW = "review"    # staff must verify an OCR value
    DENY = "deny"        # the line is denied
    WARNING = "warning"  # noted, does not change the decision


class Finding(BaseModel):
    category: Category
    severity: Severity
    element: str | None = None
    line: int | None = None  # service line number; None for the claim
    message: str             # what the provider can do about it
    cite: str                # seed and section of the rule
    rule: str                # the rule function that found it

    def to_output(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class LineResult(BaseModel):
    line_number: int
    disposition: LineDisposition
    allowed_amount: Decimal = Decimal("0.00")
    findings: list[Finding] = Field(default_factory=list)


class CheckResult(BaseModel):
    claim: Claim
    plan: str
    disposition: ClaimDisposition
    findings: list[Finding] = Field(default_factory=list)  # every finding, claim and line level
    lines: list[LineResult] = Field(default_factory=list)

    @property
    def allowed_total(self) -> Decimal:
        return sum((line.allowed_amount for line in self.lines), Decimal("0.00"))

    def to_output(self) -> dict[str, Any]:
        """The extract output of the claim plus `disposition`, `findings`, and per line `disposition` and `allowed_amount`."""
        output = self.claim.to_output()
        output["plan"] = self.plan
        output["disposition"] = self.disposition.value
        output["findings"] = [finding.to_output() for finding in self.findings]
        by_number = {line.line_number: line for line in self.lines}
        for line_output in output["lines"]:
            decided = by_number.get(line_output["line_number"])
            if decided:
                line_output["disposition"] = decided.disposition.value
                line_output["allowed_amount"] = str(decided.allowed_amount)
        output["allowed_amount"] = str(self.allowed_total)
        return output

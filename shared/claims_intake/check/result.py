"""What the claim check decides: findings, line decisions and the claim's disposition.

Dispositions (precedence in engine.py):
- REVIEW: the intake is unsure of what the provider wrote (a doubtful reading, an unplaced column):
  staff verify or correct the values, then the claim is checked again. Never sent to the provider.
- REJECTED: missing or invalid required elements; a rejection letter follows.
- RFI: more information is needed to decide (a written Request for Information).
- CLEAN / PARTIAL / DENIED: decided from the lines, each PAYABLE or DENIED with an allowed amount.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any

from pydantic import BaseModel, Field

from ..elements import claim_keys, line_keys
from ..elements import element as element_of
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
    FORM = "form"  # the page itself: a form the reader could not register with certainty


class Severity(StrEnum):
    REJECT = "reject"  # the claim cannot be entered: rejection letter
    RFI = "rfi"  # information is missing: request it
    REVIEW = "review"  # staff must verify an OCR value
    DENY = "deny"  # the line is denied
    WARNING = "warning"  # noted, does not change the decision


class Value(BaseModel):
    """One value a finding rests on: a claim element (line None) or a service line's element."""

    element: str
    line: int | None = None


class Doubt(Value):
    """A value the intake is unsure it read as the provider wrote it, and why (claims_intake.check.doubt)."""

    kind: str  # low_confidence, repaired, derived, low_match_score, unparseable, unmapped_column
    reason: str  # for staff: what the reader saw or did (no PHI: confidence, box, column, note)


class Finding(BaseModel):
    category: Category
    severity: Severity
    element: str | None = None
    line: int | None = None  # service line number; None for the claim
    message: str  # what the provider can do about it
    cite: str  # seed and section of the rule
    rule: str  # the rule function that found it
    rests_on: list[Value] = Field(default_factory=list)  # the values the rule read to find it
    # Set when the finding rests on doubtful values: severity is then REVIEW, `would_be` what it
    # becomes once staff verified those values (reject, deny or rfi), `doubts` which values and why.
    would_be: Severity | None = None
    doubts: list[Doubt] = Field(default_factory=list)

    def to_output(self) -> dict[str, Any]:
        output = self.model_dump(mode="json", exclude_none=True)
        if not output["doubts"]:
            del output["doubts"]
        return output


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


# ---- what staff see on a REVIEW item (claims_intake.check.doubt) -----------------------------------


@cache
def line_level() -> frozenset[str]:
    """The elements of a service line (and the minutes the check reads)."""
    return frozenset(line_keys()) | {"minutes"}


@cache
def claim_level() -> frozenset[str]:
    return frozenset(claim_keys())


SEVERITY_ORDER = ("reject", "deny", "rfi", "review")


def review_values(findings: Iterable[Any]) -> list[dict[str, Any]]:
    """Each doubtful value the REVIEW rests on, once: where it is, why it is doubtful, and what the
    findings resting on it would become once verified (`would_be`: reject, deny or rfi; review when a
    value is only to be verified) with the rules that found them."""
    values: dict[tuple[str, int | None], dict[str, Any]] = {}
    for finding in findings:
        if str(finding.severity) != "review":
            continue
        would_be = str(finding.would_be) if finding.would_be else "review"
        for doubt in finding.doubts:
            entry = values.setdefault(
                (doubt.element, doubt.line),
                {
                    "element": doubt.element,
                    "line": doubt.line,
                    "label": describe_value(doubt.element, doubt.line) if doubt.element != "form" else "The page",
                    "kind": doubt.kind,
                    "reason": doubt.reason,
                    "would_be": would_be,
                    "rules": [],
                },
            )
            if SEVERITY_ORDER.index(would_be) < SEVERITY_ORDER.index(entry["would_be"]):
                entry["would_be"] = would_be
            if finding.rule not in entry["rules"]:
                entry["rules"].append(finding.rule)
    return [{k: v for k, v in entry.items() if v is not None} for entry in values.values()]


def is_element(element: str, line: int | None) -> bool:
    """Whether staff can verify this value on the claim (a whole page under review is not one value)."""
    return element in (line_level() if line is not None else claim_level())


def describe_value(element: str, line: int | None) -> str:
    """'Line 2: Service Unit Count(s)' or 'Member CIN', for staff."""
    return (f"Line {line}: " if line is not None else "") + label(element)


def label(element: str) -> str:
    try:
        return element_of(element).label
    except KeyError:  # an extra the check reads (minutes)
        return element.replace("_", " ")

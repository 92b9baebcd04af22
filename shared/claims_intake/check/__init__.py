"""The claim check (issue 5): catalog, plan rules, eligibility, authorization, history, decision."""

from .result import (  # noqa: F401
    Category,
    CheckResult,
    ClaimDisposition,
    FINAL_DISPOSITIONS,
    Finding,
    LineDisposition,
    LineResult,
    Severity,
)

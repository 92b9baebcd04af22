"""The claim check: catalog, plan rules, eligibility, authorization, history, decision.

Public API: `check_claim`, `check_extract`, `history_lines` (see engine.py for the disposition
precedence and docs/rules.md for every rule with its seed citation).
"""

from .engine import check_claim, check_extract, decide, history_lines, resolve_plan  # noqa: F401
from .result import (  # noqa: F401
    FINAL_DISPOSITIONS,
    Category,
    CheckResult,
    ClaimDisposition,
    Finding,
    LineDisposition,
    LineResult,
    Severity,
)

"""Checked claims for store and pipeline tests, built through the real model (set_raw parses every value)."""

from __future__ import annotations

from decimal import Decimal

from claims_intake.check.result import (
    Category,
    CheckResult,
    ClaimDisposition,
    Finding,
    LineDisposition,
    LineResult,
    Severity,
)
from claims_intake.model import Claim, Provenance, ServiceLine

MEMBER = {
    "member_cin": "91234567A",
    "member_first_name": "Rosalind",
    "member_last_name": "Quintero",
    "member_dob": "03/14/1957",
    "member_address": "4410 Magnolia Ave",
    "member_city": "Bakersfield",
    "member_zip": "93305",
}
PROVIDER_NPI = "1234567893"


def checked_claim(
    claim_id: str = "C-1",
    disposition: ClaimDisposition = ClaimDisposition.CLEAN,
    lines: int = 2,
    invoice: str = "INV-100",
    member: dict | None = None,
    start_day: int = 3,
) -> CheckResult:
    claim = Claim(claim_id=claim_id, source_kind="scan", pages=[1])
    for key, raw in {**MEMBER, **(member or {})}.items():
        claim.set_raw(key, raw, Provenance(file="scan.pdf", page=1, box="2", raw=raw, confidence=0.93))
    claim.set_raw("billing_provider_npi", PROVIDER_NPI)
    claim.set_raw("billing_provider_name", "Valley Care Partners")
    claim.set_raw("invoice_number", invoice)
    claim.set_raw("invoice_amount", f"{100 * lines}.00")
    claim.set_raw("primary_payer_id", "KHS")
    for number in range(1, lines + 1):
        line = ServiceLine(line_number=number)
        line.set_raw("procedure_code", "G9008", Provenance(page=1, box="24D", raw="G9008", confidence=0.61))
        line.set_raw("procedure_modifiers", "U1")
        line.set_raw("service_start_date", f"2026-09-{start_day + number:02d}")
        line.set_raw("unit_count", "1")
        line.set_raw("charge_amount", "100.00")
        claim.lines.append(line)
    findings = [
        Finding(
            category=Category.UNITS,
            severity=Severity.WARNING,
            line=1,
            element="unit_count",
            message="one unit a day",
            cite="001 ECM",
            rule="units_per_day",
        )
    ]
    decided = [
        LineResult(
            line_number=n,
            disposition=LineDisposition.PAYABLE,
            allowed_amount=Decimal("87.50"),
            findings=findings if n == 1 else [],
        )
        for n in range(1, lines + 1)
    ]
    return CheckResult(claim=claim, plan="khs", disposition=disposition, findings=findings, lines=decided)

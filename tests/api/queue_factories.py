"""Checked, stored claims waiting in a staff queue, built through the real model and store."""

from __future__ import annotations

from datetime import timedelta
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

NPI_A = "1234567893"  # valid NPIs (Luhn with prefix 80840)
NPI_B = "1245319599"


def rfi_claim(
    claim_id: str,
    npi: str = NPI_A,
    plan: str = "khs",
    cin: str = "9123456A",
    disposition: ClaimDisposition = ClaimDisposition.RFI,
) -> CheckResult:
    """A scanned claim whose CIN was misread (8 characters, one digit short): the check asks for it."""
    claim = Claim(claim_id=claim_id, source_kind="scan", pages=[1])
    claim.set_raw("member_cin", cin, Provenance(file="scan.png", page=1, box="1a", raw=cin, confidence=0.58))
    claim.set_raw("member_first_name", "Rosalind", Provenance(page=1, box="2", raw="Rosalind", confidence=0.95))
    claim.set_raw("member_last_name", "Quintero")
    claim.set_raw("billing_provider_npi", npi)
    claim.set_raw("invoice_number", f"INV-{claim_id}")
    claim.set_raw("invoice_amount", "400.00")
    line = ServiceLine(line_number=1)
    line.set_raw("procedure_code", "G9008", Provenance(page=1, box="24D", raw="G9008", confidence=0.97))
    line.set_raw("procedure_modifiers", "U1")
    line.set_raw("service_start_date", "2026-10-05")
    line.set_raw("unit_count", "1")
    line.set_raw("charge_amount", "400.00")
    claim.lines.append(line)
    finding = Finding(
        category=Category.INVALID_VALUE,
        severity=Severity.RFI,
        element="member_cin",
        message="The member's CIN must be 8 digits and a letter: send the CIN from the member's card.",
        cite="000 Table 1 (Member CIN)",
        rule="member_cin_format",
    )
    return CheckResult(
        claim=claim,
        plan=plan,
        disposition=disposition,
        findings=[finding],
        lines=[LineResult(line_number=1, disposition=LineDisposition.PAYABLE, allowed_amount=Decimal("400.00"))],
    )


def queued(
    services,
    claim_id: str,
    queue: str = "RFI",
    npi: str = NPI_A,
    plan: str = "khs",
    token: str | None = None,
    due_days: int = 14,
    upload_key: str | None = "uploads/a/scan.png",
):
    """Store the claim and open its queue item (as the flow does), due `due_days` from the store clock."""
    store = services.store
    store.save_checked_claim(rfi_claim(claim_id, npi, plan), upload_key=upload_key)
    return store.open_queue_item(
        claim_id, queue, token, services.clock() + timedelta(days=due_days), reason="member CIN unreadable"
    )

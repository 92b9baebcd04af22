"""835 remittance advice (005010X221A1) from decided claims: one per billing provider per payment run.

The EDI form of the remittance advice Kaiser sends ("The remittance advice (RA) will include detailed rationale
for any denied services", KP Claims Guidance for ECM and CS — ECM Outreach and Core Services): every line of
every decided claim, what was paid (the allowed amount) and, for the rest, the claim adjustment reason of the
finding that decided it. Unlike the encounter, the remittance reports every line the provider billed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from ..catalog import plan_profile
from ..check.result import FINAL_DISPOSITIONS, CheckResult, LineDisposition
from . import x12, x835
from .build import NotEncodable, _adjustments, settings
from .control import ControlNumbers


@dataclass(frozen=True)
class RemittanceFile:
    payee_npi: str
    plan: str
    control_number: int
    text: str
    claim_ids: tuple[str, ...]


def write_remittances(
    results: Iterable[CheckResult], counter: ControlNumbers, *, paid_on: date, created: datetime
) -> tuple[list[RemittanceFile], list[tuple[str, str]]]:
    """One 835 per (plan, billing provider) of the decided claims; and the claims left out, with the reason."""
    by_payee: dict[tuple[str, str], list[CheckResult]] = {}
    left_out = []
    for result in results:
        if result.disposition not in FINAL_DISPOSITIONS:
            left_out.append((result.claim.claim_id or "", f"disposition {result.disposition.value} is not a decision"))
        elif not result.claim.billing_provider_npi:
            left_out.append((result.claim.claim_id or "", "no billing provider NPI"))
        else:
            by_payee.setdefault((result.plan, result.claim.billing_provider_npi), []).append(result)
    files = []
    for (plan, npi), claims in sorted(by_payee.items()):
        try:
            files.append(_remittance(plan, npi, claims, counter, paid_on, created))
        except NotEncodable as reason:
            left_out += [(c.claim.claim_id or "", str(reason)) for c in claims]
    return files, left_out


def _remittance(
    plan: str, npi: str, results: list[CheckResult], counter: ControlNumbers, paid_on: date, created: datetime
) -> RemittanceFile:
    profile = plan_profile(plan)
    first = results[0].claim
    payee_name = first.billing_provider_name or first.billing_provider_last_name
    if not (
        first.billing_provider_address
        and first.billing_provider_city
        and first.billing_provider_zip
        and first.billing_provider_tin
        and x12.text(payee_name, 60)
    ):
        raise NotEncodable("billing provider name, address or TIN missing")
    setting = profile.data["remittance"]
    encounter_setting = profile.data.get("encounters", {})
    default = settings()["default_contact"]
    payer = x835.PayerIdentification(
        name=profile.name,
        address=x12.Address(
            **{k: setting["address"][k] for k in ("city", "state", "street")}, zip_code=setting["address"]["zip"]
        ),
        contact=encounter_setting.get("contact", default["name"]),
        phone=encounter_setting.get("contact_phone", ""),
        email=encounter_setting.get(
            "contact_email", "" if encounter_setting.get("contact_phone") else default["email"]
        ),
    )
    payee = x835.PayeeIdentification(
        name=payee_name or "",
        npi=npi,
        tin=first.billing_provider_tin,
        address=x12.Address(
            first.billing_provider_address,
            first.billing_provider_city,
            first.billing_provider_state or "CA",
            first.billing_provider_zip,
        ),
    )
    claims = tuple(claim for claim in (_claim_payment(result) for result in results) if claim.lines)
    interchange_number, group_number = counter.take(2)
    remittance = x835.Remittance(
        payer,
        payee,
        claims,
        paid_on,
        trace_number=f"{plan.upper()}{interchange_number:09d}",
        originating_company=setting["originating_company"],
    )
    interchange = x12.Interchange(
        "ZZ", profile.payer_id, "XX", npi, interchange_number, created, usage=settings()["interchange"]["usage"]
    )
    text = x835.write_remittance(interchange, profile.payer_id, npi, group_number, remittance)
    return RemittanceFile(npi, plan, interchange_number, text, tuple(r.claim.claim_id or "" for r in results))


def _claim_payment(result: CheckResult) -> x835.ClaimPayment:
    claim = result.claim
    decided = {line.line_number: line for line in result.lines}
    lines = []
    for number, line in enumerate(claim.lines, start=1):
        decision = decided.get(line.line_number or number)
        if decision is None or not line.procedure_code or line.service_start_date is None:
            continue
        units = line.unit_count if line.unit_count is not None and line.unit_count > 0 else Decimal(1)
        charge = (
            line.charge_amount
            if line.charge_amount is not None
            else ((line.unit_cost or Decimal("0")) * units).quantize(Decimal("0.01"))
        )
        paid = decision.allowed_amount if decision.disposition is LineDisposition.PAYABLE else Decimal("0.00")
        lines.append(
            x835.ServicePayment(
                code=line.procedure_code,
                modifiers=tuple(line.procedure_modifiers),
                charge=charge,
                paid=paid,
                units=units,
                start=line.service_start_date,
                end=line.service_end_date,
                adjustments=_adjustments(charge, paid, decision),
                allowed=paid,
                line_reference=str(line.line_number or number),
            )
        )
    denied = all(line.paid == 0 for line in lines)
    return x835.ClaimPayment(
        patient_control_number=claim.invoice_number or claim.claim_id or "",
        status="4" if denied else "1",
        payer_claim_number=claim.claim_id or "",
        place_of_service=next((line.place_of_service for line in claim.lines if line.place_of_service), "99"),
        member_id=claim.member_cin or "",
        member_last=claim.member_last_name or "",
        member_first=claim.member_first_name or "",
        lines=tuple(lines),
        claim_filing=settings()["claim_filing_indicator"],
    )

"""A decided claim (the check's result, as the store keeps it) -> the loops of its 837P encounter.

What goes: the lines the plan's profile says (`encounters.lines`: `payable`, or `all` to report denied lines
as denied encounters with a zero payment and the reason). A line whose code is not one of the DHCS catalog
(Partnership's own G9012 without modifier) never goes: DHCS accepts no code beyond its list. A claim that
cannot make a valid encounter (no line to send, no diagnosis, no member address) is held with the reason,
never dropped silently: the job records it on the claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import yaml

from ..catalog import PlanProfile, dhcs_catalog, plan_profile
from ..check.result import FINAL_DISPOSITIONS, Category, CheckResult, LineDisposition, LineResult, Severity
from ..model import Claim as ClaimElements
from ..model import ServiceLine as LineElements
from ..reference.model import ReferenceSource
from . import x12
from .icd10 import CODE_SET, is_billable_icd10

ORIGINAL = "1"
REPLACEMENT = "7"
MEDI_CAL_STATE = "CA"  # a Medi-Cal member's residence (the invoice gives street, city and ZIP only)
ZERO = Decimal("0")


class NotEncodable(ValueError):
    """The claim cannot make a valid encounter; the message says why (for staff, without PHI)."""


class NothingToReport(NotEncodable):
    """No line of the claim goes under the plan's setting (e.g. every line denied, payable lines only)."""


@cache
def settings() -> dict[str, Any]:
    return yaml.safe_load(resources.files("claims_intake").joinpath("data/encounters.yaml").read_text("utf-8"))


def line_policy(profile: PlanProfile) -> str:
    """`payable` or `all`: the plan-profile setting that says which lines go."""
    policy = profile.data.get("encounters", {}).get("lines", "payable")
    if policy not in ("payable", "all"):
        raise ValueError(f"plan {profile.plan_id}: encounters.lines must be 'payable' or 'all', not '{policy}'")
    return policy


@dataclass(frozen=True)
class EncounterClaim:
    """One claim's encounter: the billing provider and subscriber it goes under, and its 2300 loop."""

    claim_id: str
    plan: str
    provider: x12.BillingProvider
    subscriber: x12.Subscriber
    claim: x12.Claim


def build_encounter(
    result: CheckResult,
    *,
    decided_on: date,
    frequency: str = ORIGINAL,
    original_reference: str = "",
    reference: ReferenceSource | None = None,
) -> EncounterClaim:
    """The encounter of one decided claim; NotEncodable when it cannot be one."""
    if result.disposition not in FINAL_DISPOSITIONS:
        raise NotEncodable(f"disposition {result.disposition.value} is not a decision")
    profile = plan_profile(result.plan)
    claim = result.claim
    lines = _lines(result, profile)
    if not lines:
        raise NothingToReport(f"no line to report under the plan's encounter setting '{line_policy(profile)}'")
    diagnoses = _diagnoses(claim)
    if not diagnoses:
        raise NotEncodable("no diagnosis code (HI is required)")
    served_on = min(line.service_start_date for line, _ in lines if line.service_start_date is not None)
    unbillable = [code for code in diagnoses if not is_billable_icd10(code, served_on)]
    if unbillable:
        raise NotEncodable(
            f"diagnosis {', '.join(unbillable)} is not a billable ICD-10-CM code ({CODE_SET}): "
            "staff correct it, the next run reports the claim"
        )
    pointers = {code: index for index, code in enumerate(diagnoses, start=1)}
    encoded = tuple(
        _service_line(line, decided, profile, pointers, decided_on, claim, reference) for line, decided in lines
    )
    place = lines[0][0].place_of_service or "99"
    encoded = tuple(_claim_place(line, place) for line in encoded)
    other_payer = x12.OtherPayer(
        payer_name=profile.name,
        payer_id=profile.payer_id,
        paid=sum((decided.allowed_amount for _, decided in lines), Decimal("0.00")),
        member_id=claim.member_cin or "",
        member_last=claim.member_last_name or "",
        member_first=claim.member_first_name or "",
        claim_filing=settings()["claim_filing_indicator"],
    )
    return EncounterClaim(
        claim_id=claim.claim_id or "",
        plan=profile.plan_id,
        provider=_billing_provider(claim),
        subscriber=_subscriber(claim),
        claim=x12.Claim(
            patient_control_number=claim.invoice_number or claim.claim_id or "",
            place_of_service=place,
            frequency=frequency,
            diagnoses=tuple(diagnoses),
            lines=encoded,
            prior_authorization=claim.authorization_number or "",
            original_reference=original_reference,
            claim_identifier=claim.claim_id or "",
            other_payer=other_payer,
        ),
    )


def _lines(result: CheckResult, profile: PlanProfile) -> list[tuple[LineElements, LineResult]]:
    policy = line_policy(profile)
    decided = {line.line_number: line for line in result.lines}
    chosen = []
    for number, line in enumerate(result.claim.lines, start=1):
        decision = decided.get(line.line_number or number)
        if decision is None or not line.procedure_code or line.service_start_date is None:
            continue
        if policy == "payable" and decision.disposition is not LineDisposition.PAYABLE:
            continue
        if dhcs_catalog().lookup(line.procedure_code, line.procedure_modifiers)[0] is None:
            continue  # DHCS accepts only its catalog's combinations (Coding Options, Overview)
        chosen.append((line, decision))
    return chosen


def _diagnoses(claim: ClaimElements) -> list[str]:
    seen: dict[str, None] = {}
    for line in claim.lines:
        for code in line.diagnosis_codes:
            seen.setdefault(code.replace(".", "").upper(), None)
    return list(seen)[:12]


def _service_line(
    line: LineElements,
    decided: LineResult,
    profile: PlanProfile,
    pointers: dict[str, int],
    decided_on: date,
    claim: ClaimElements,
    reference,
) -> x12.ServiceLine:
    units = line.unit_count if line.unit_count is not None and line.unit_count > 0 else Decimal(1)
    charge = (
        line.charge_amount
        if line.charge_amount is not None
        else ((line.unit_cost or ZERO) * units).quantize(Decimal("0.01"))
    )
    own = [
        pointers[code.replace(".", "").upper()]
        for code in line.diagnosis_codes
        if code.replace(".", "").upper() in pointers
    ]
    modifiers = tuple(line.procedure_modifiers)
    paid = decided.allowed_amount if decided.disposition is LineDisposition.PAYABLE else Decimal("0.00")
    adjudication = x12.LineAdjudication(
        payer_id=profile.payer_id,
        paid=paid,
        code=line.procedure_code or "",
        modifiers=modifiers,
        units=units,
        adjustments=_adjustments(charge, paid, decided),
        adjudicated=decided_on,
    )
    if line.service_start_date is None:
        raise NotEncodable(f"line {line.line_number} has no service date")
    return x12.ServiceLine(
        code=line.procedure_code or "",
        modifiers=modifiers,
        charge=charge,
        units=units,
        diagnosis_pointers=tuple(dict.fromkeys(own))[:4] or (1,),
        start=line.service_start_date,
        end=line.service_end_date,
        place_of_service=line.place_of_service or "",
        rendering=_rendering(line, claim, reference),
        adjudication=adjudication,
    )


def _claim_place(line: x12.ServiceLine, claim_place: str) -> x12.ServiceLine:
    """SV105 only where the line's place of service differs from the claim's (CLM05-1)."""
    if line.place_of_service in ("", claim_place):
        return _replace(line, place_of_service="")
    return line


def _replace(line: x12.ServiceLine, **changes: Any) -> x12.ServiceLine:
    fields = {name: getattr(line, name) for name in x12.ServiceLine.__dataclass_fields__}
    return x12.ServiceLine(**{**fields, **changes})


def _adjustments(charge: Decimal, paid: Decimal, decided: LineResult) -> tuple[x12.Adjustment, ...]:
    """CAS CO: the difference between what was billed and what was paid, with the reason that decided it."""
    difference = charge - paid
    if difference == 0:
        return ()
    reasons = settings()["adjustment_reasons"]
    if decided.disposition is LineDisposition.DENIED:
        deciding = next((f for f in decided.findings if f.severity in (Severity.DENY, Severity.REJECT)), None)
        reason = reasons.get(deciding.category.value if deciding else Category.MISSING_ELEMENT.value, "16")
    else:
        reason = reasons["reduced"]
    return (x12.Adjustment("CO", reason, difference),)


def _rendering(line: LineElements, claim: ClaimElements, reference) -> x12.RenderingProvider | None:
    """Loop 2420A when another provider rendered the line and the roster knows its name."""
    npi = line.rendering_provider_npi
    if not npi or npi == claim.billing_provider_npi or reference is None:
        return None
    provider = reference.provider(npi)
    return x12.RenderingProvider(npi, provider.name) if provider and provider.name else None


def _billing_provider(claim: ClaimElements) -> x12.BillingProvider:
    person = not claim.billing_provider_name and bool(claim.billing_provider_last_name)
    name = claim.billing_provider_last_name if person else claim.billing_provider_name
    if not (
        claim.billing_provider_npi
        and x12.text(name, 60)
        and claim.billing_provider_address
        and claim.billing_provider_city
        and claim.billing_provider_state
        and claim.billing_provider_zip
        and claim.billing_provider_tin
    ):
        raise NotEncodable("billing provider NPI, name, address or TIN missing")
    return x12.BillingProvider(
        npi=claim.billing_provider_npi,
        name=name or "",
        first_name=claim.billing_provider_first_name or "",
        person=person,
        tin=claim.billing_provider_tin,
        address=x12.Address(
            claim.billing_provider_address,
            claim.billing_provider_city,
            claim.billing_provider_state,
            claim.billing_provider_zip,
        ),
    )


def _subscriber(claim: ClaimElements) -> x12.Subscriber:
    if not (claim.member_cin and x12.text(claim.member_last_name, 60) and claim.member_dob):
        raise NotEncodable("member CIN, name or date of birth missing")
    if not (x12.text(claim.member_address, 55) and x12.text(claim.member_city, 30) and claim.member_zip):
        raise NotEncodable("member address missing (2010BA N3/N4 are required when the member is the patient)")
    return x12.Subscriber(
        member_id=claim.member_cin,
        last=claim.member_last_name or "",
        first=claim.member_first_name or "",
        dob=claim.member_dob,
        claim_filing=settings()["claim_filing_indicator"],
        address=x12.Address(claim.member_address or "", claim.member_city or "", MEDI_CAL_STATE, claim.member_zip),
    )

"""The plan's records for generated claims: reference data (member file, roster, TARs, contract rates) that
matches what the provider wrote, and that truth for a generated scan (the same form read as a fillable PDF).

The benches read a generated file and check it against these records, as a plan's intake checks a real one
against its own: a member record has the name and date of birth written, the roster the TIN written.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from claims_intake.extract import extract_bytes
from claims_intake.model import Claim
from claims_intake.reference import Authorization, ContractRate, EligibilitySpan, InMemoryReference, Provider

from . import scans

OUTREACH = ("U8", "GQ")  # never on a TAR


def matching_reference(claims: list[Claim], plan: str) -> InMemoryReference:
    """Roster, eligibility, TARs and contract rates that let every claim, as written, through: the member
    eligible, the provider contracted, each billed service authorized for its dates and priced at the rate
    it was billed at (a plan paying contract rates sends a line with no rate on file to staff)."""
    spans, tars, providers, rates = [], [], {}, {}
    for claim in claims:
        if claim.billing_provider_npi:
            npi = claim.billing_provider_npi
            providers[npi] = Provider(
                npi,
                claim.billing_provider_tin or "",
                claim.billing_provider_name or "",
                (plan,),
                phone=claim.billing_provider_phone or "",
                address=claim.billing_provider_address or "",
            )
        if not claim.member_cin:
            continue
        spans.append(
            EligibilitySpan(
                claim.member_cin,
                plan,
                date(2020, 1, 1),
                None,
                first_name=claim.member_first_name or "",
                last_name=claim.member_last_name or "",
                dob=claim.member_dob,
                address=claim.member_address or "",
                zip=claim.member_zip or "",
            )
        )
        dated = [line for line in claim.lines if line.service_start_date]
        if not dated:
            continue
        first = min(line.service_start_date for line in dated)
        last = max(line.service_end_date or line.service_start_date for line in dated)
        services = dict.fromkeys(
            (line.procedure_code, tuple(m for m in line.procedure_modifiers if m not in OUTREACH))
            for line in dated
            if line.procedure_code
        )
        for line in dated:
            if line.procedure_code and line.charge_amount is not None and line.unit_count:
                rate = (line.charge_amount / line.unit_count).quantize(Decimal("0.01"))
                key = (claim.billing_provider_npi or "", line.combination)
                rates.setdefault(key, ContractRate(key[0], plan, key[1], rate, date(2020, 1, 1)))
        for index, (code, modifiers) in enumerate(services):
            number = (
                claim.authorization_number
                if index == 0 and claim.authorization_number
                else f"BENCH-{claim.member_cin}-{claim.invoice_number}-{index}"
            )
            tars.append(
                Authorization(
                    number, claim.member_cin, claim.billing_provider_npi or "", plan, code, modifiers, first, last
                )
            )
    return InMemoryReference(spans, tars, list(providers.values()), list(rates.values()))


def received_after(claims: list[Claim]) -> date:
    """A week after the latest invoice or service date: inside every plan's timely filing."""
    days = [
        d
        for c in claims
        for d in [c.invoice_date, *(line.service_end_date or line.service_start_date for line in c.lines)]
        if d
    ]
    return max(days) + timedelta(days=7)


def scan_truth(sample: scans.SampleClaim) -> Claim:
    """The same form as a fillable PDF, read from its fields (no OCR): the claim exactly as written."""
    result = extract_bytes(scans.fill_form(sample.pages[0]), "truth.pdf")
    (claim,) = result.claims
    return claim

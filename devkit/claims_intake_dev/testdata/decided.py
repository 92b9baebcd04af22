"""Decided claims (check results) for the encounter tests and bench, reproducible by seed.

Wider than the samples: every plan, every combination each plan accepts (Partnership's own G9012 too, which
DHCS does not take), telehealth GQ, date spans, decimal units, odd cents, lines the plan denied for every
reason category, lines allowed less than billed, person and organization billing providers, rendering
providers, names with accents and apostrophes, text holding X12 delimiters, names longer than the element,
members without an address.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from claims_intake.catalog import dhcs_catalog, plan_ids, plan_profile
from claims_intake.check.result import (
    Category,
    CheckResult,
    ClaimDisposition,
    Finding,
    LineDisposition,
    LineResult,
    Severity,
)
from claims_intake.model import Claim, ServiceLine

from .invoices import sample_npi

# ICD-10-CM codes billable in FY2026 (the generated service dates) seen on ECM/CS claims: homelessness, housing,
# now and then Z91.19, a category that is not billable (the claim is held for staff).
DIAGNOSES = [
    "Z5900",
    "Z5901",
    "Z5902",
    "Z5910",
    "Z5941",
    "Z59811",
    "Z59869",
    "Z600",
    "Z602",
    "Z604",
    "Z6372",
    "Z658",
    "F329",
    "F1020",
    "E119",
    "I10",
    "J449",
    "N184",
    "Z7189",
]
FIRST = ["Maria", "José", "Ana", "Nguyễn Văn", "Grace", "Tomás", "Keisha", "Duc", "Zoë", "Li"]
LAST = [
    "García",
    "Nguyen",
    "Smith",
    "Hernández",
    "O'Brien",
    "Johnson-Lee",
    "Peña",
    "Van der Berg",
    "Wolfeschlegelsteinhausenbergerdorff-Montgomery-Castellanos y Quintanilla",
    "Lopez*Star~Tilde",
]
STREETS = ["Main St", "Oak Ave, Apt #4", "2nd St ~ Unit 5", "Mission Blvd: Rear", "Palm Dr ^ B", "General Delivery"]
CITIES = [
    ("Oakland", "94607"),
    ("Fresno", "937211234"),
    ("Bakersfield", "93301"),
    ("Santa Rosa", "95404"),
    ("Vallejo", "94590"),
]
PROVIDERS = [
    "Golden State Community Care",
    "Peña Housing Partners, LLC",
    "Valley Recuperative Care & Respite",
    "Bay Area Care Coordination (BACC)",
    "Kern Community Supports",
]
DENIAL_CATEGORIES = [
    Category.ELIGIBILITY,
    Category.AUTHORIZATION,
    Category.FREQUENCY,
    Category.DUPLICATE,
    Category.PROVIDER,
    Category.UNITS,
    Category.CATALOG,
    Category.TIMELY_FILING,
    Category.DIAGNOSIS,
]
PER_DAY = {"per_diem", "per_month"}


def decided_results(count: int, seed: int = 0, *, start: date = date(2026, 9, 1)) -> list[CheckResult]:
    """`count` decided claims (CLEAN, PARTIAL or DENIED) spread over the plans, reproducible by `seed`."""
    rng = random.Random(seed)
    return [_result(rng, number, seed, start) for number in range(count)]


def _result(rng: random.Random, number: int, seed: int, start: date) -> CheckResult:
    plan = rng.choice(plan_ids())
    claim = _claim(rng, plan, number, seed, start)
    lines = []
    for line in claim.lines:
        denied = rng.random() < 0.2
        charge = line.charge_amount or Decimal("0.00")
        if denied:
            category = rng.choice(DENIAL_CATEGORIES)
            finding = Finding(
                category=category,
                severity=Severity.DENY,
                line=line.line_number,
                element="procedure_code",
                message=f"Line {line.line_number}: denied ({category.value}).",
                cite="test",
                rule="test",
            )
            lines.append(
                LineResult(line_number=line.line_number, disposition=LineDisposition.DENIED, findings=[finding])
            )
        else:
            allowed = (
                charge
                if rng.random() < 0.7
                else (charge * Decimal(rng.choice(["0.5", "0.8", "0.99"]))).quantize(Decimal("0.01"))
            )
            lines.append(
                LineResult(line_number=line.line_number, disposition=LineDisposition.PAYABLE, allowed_amount=allowed)
            )
    payable = sum(1 for line in lines if line.disposition is LineDisposition.PAYABLE)
    disposition = (
        ClaimDisposition.CLEAN
        if payable == len(lines)
        else ClaimDisposition.DENIED
        if payable == 0
        else ClaimDisposition.PARTIAL
    )
    return CheckResult(
        claim=claim,
        plan=plan,
        disposition=disposition,
        findings=[f for line in lines for f in line.findings],
        lines=lines,
    )


def _claim(rng: random.Random, plan: str, number: int, seed: int, start: date) -> Claim:
    profile = plan_profile(plan)
    person = rng.random() < 0.2
    city, zip_code = rng.choice(CITIES)
    npi = sample_npi(rng)
    claim = Claim(
        claim_id=f"C-{seed:04d}-{number:06d}",
        source_kind=rng.choice(["spreadsheet", "scan", "fillable_pdf"]),
        billing_provider_npi=npi,
        billing_provider_tin=f"{rng.randint(10, 99)}{rng.randint(0, 9999999):07d}",
        billing_provider_name=None if person else rng.choice(PROVIDERS),
        billing_provider_first_name=rng.choice(FIRST) if person else None,
        billing_provider_last_name=rng.choice(LAST) if person else None,
        billing_provider_phone="5105550100",
        billing_provider_address=f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
        billing_provider_city=city,
        billing_provider_state="CA",
        billing_provider_zip=zip_code,
        member_cin=f"9{rng.randint(0, 9999999):07d}{rng.choice('ABCDEFGHJK')}",
        member_first_name=rng.choice(FIRST),
        member_last_name=rng.choice(LAST),
        member_address=None if rng.random() < 0.03 else f"{rng.randint(1, 999)} {rng.choice(STREETS)}",
        member_city=city,
        member_zip=zip_code[:5],
        member_dob=date(1940, 1, 1) + timedelta(days=rng.randint(0, 29000)),
        primary_payer_id=profile.payer_id,
        payer_name=profile.name,
        invoice_number=f"INV-{seed:04d}-{number:06d}",
        invoice_date=start + timedelta(days=40),
        authorization_number=f"TAR-{plan.upper()}-{rng.randint(1000, 99999)}" if rng.random() < 0.7 else None,
    )
    accepted = _accepted(plan)
    for line_number in range(1, rng.randint(1, 6) + 1):
        key = rng.choice(accepted)
        code, *modifiers = key.split("-")
        combination = dhcs_catalog().by_key.get(key)
        unit = combination.unit if combination else "per_encounter"
        day = start + timedelta(days=rng.randint(0, 27))
        span = rng.randint(0, 20) if unit in PER_DAY and rng.random() < 0.5 else 0
        units = Decimal(span + 1) if span else Decimal(rng.choice(["1", "1", "2", "4", "1.5", "0.25", "8"]))
        cost = Decimal(rng.randint(1, 40000)) / 100
        claim.lines.append(
            ServiceLine(
                line_number=line_number,
                procedure_code=code,
                procedure_modifiers=modifiers,
                service_start_date=day,
                service_end_date=day + timedelta(days=span),
                unit_count=units,
                unit_cost=cost,
                charge_amount=(cost * units).quantize(Decimal("0.01")),
                place_of_service=rng.choice(["04", "12", "99", "02"]),
                diagnosis_codes=rng.sample(DIAGNOSES, rng.randint(1, 4)) + (["Z9119"] if rng.random() < 0.01 else []),
                rendering_provider_npi=rng.choice([None, npi, sample_npi(rng)]),
            )
        )
    claim.invoice_amount = sum((line.charge_amount for line in claim.lines), Decimal("0.00"))
    return claim


def _accepted(plan: str) -> list[str]:
    profile = plan_profile(plan)
    accepted = profile.data["accepted"]
    return sorted(dhcs_catalog().by_key) if accepted == "dhcs" else list(accepted)

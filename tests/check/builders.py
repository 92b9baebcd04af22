"""Claims built in code (helpers for tests/check) against the sample reference data (samples/reference, docs/reference-data.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from claims_intake.model import Claim, Provenance, ServiceLine

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "reference"
RECEIVED = date(2026, 11, 30)

PAYERS = {
    "phc": ("PHC01", "Partnership HealthPlan of California"),
    "kp": ("94135", "Kaiser Permanente"),
    "khs": ("KHS01", "Kern Health Systems"),
}
PROVIDERS = {  # npi: (tin, name)
    "1456700016": ("941234501", "Solano Community Care Network"),
    "1456700024": ("941234502", "Bay Housing Partners"),
    "1456700032": ("951234503", "Valley Lead Care LLC"),
    "1456700040": ("771234504", "Kern Recovery Homes"),
    "1456700057": ("941234505", "Sunrise Medically Tailored Meals"),
    "1456700065": ("941234506", "Golden Gate Respite Services"),
    "1456700073": ("941234507", "Unlisted Wellness Group"),
}
MEMBERS = {  # cin: (first, last, dob)
    "90000001A": ("Maria", "Lopez", date(1968, 4, 12)),
    "90000002B": ("James", "Carter", date(1975, 9, 30)),
    "90000003C": ("Linda", "Nguyen", date(1952, 1, 22)),
    "90000004D": ("Robert", "Kim", date(1960, 6, 5)),
    "90000005E": ("Angela", "Brooks", date(1985, 11, 17)),
    "90000006F": ("Daniel", "Reyes", date(1979, 3, 8)),
    "90000007G": ("Patricia", "Moore", date(1990, 7, 14)),
    "90000008H": ("Kevin", "Walker", date(1971, 12, 2)),
    "90000009J": ("Sofia", "Martinez", date(1964, 8, 25)),
    "90000010K": ("Thomas", "Allen", date(1958, 2, 11)),
    "90000011L": ("Grace", "Hall", date(1982, 5, 29)),
    "90000012M": ("Michael", "Scott", date(1966, 10, 3)),
    "90000013N": ("Emily", "Davis", date(1993, 2, 19)),
    "90000014P": ("Carlos", "Ramirez", date(1987, 4, 9)),
}


def line(
    code: str,
    modifiers: str = "",
    start: str = "2026-11-05",
    end: str | None = None,
    units="1",
    cost="400.00",
    *,
    name: str | None = None,
    dx: str = "Z59.01",
    minutes: int | None = None,
    charge: str | None = None,
    number: int = 1,
) -> ServiceLine:
    units_d, cost_d = Decimal(units), Decimal(cost)
    return ServiceLine(
        line_number=number,
        procedure_code=code,
        procedure_modifiers=[m for m in modifiers.split("-") if m],
        service_start_date=date.fromisoformat(start),
        service_end_date=date.fromisoformat(end or start),
        service_name=name,
        unit_count=units_d,
        place_of_service="12",
        diagnosis_codes=dx.replace(".", "").split(),
        unit_cost=cost_d,
        charge_amount=Decimal(charge) if charge else (units_d * cost_d).quantize(Decimal("0.01")),
        minutes=minutes,
    )


def claim(
    *lines: ServiceLine,
    member: str = "90000001A",
    provider: str = "1456700016",
    plan: str = "phc",
    invoice: str = "INV-TEST-1",
    tar: str | None = None,
    source_kind: str = "scan",
    **elements,
) -> Claim:
    for index, item in enumerate(lines, start=1):
        item.line_number = index
    first, last, dob = MEMBERS[member]
    tin, name = PROVIDERS[provider]
    payer_id, payer_name = PAYERS[plan]
    values = {
        "claim_id": f"test-{invoice}",
        "source_kind": source_kind,
        "billing_provider_npi": provider,
        "billing_provider_tin": tin,
        "billing_provider_name": name,
        "billing_provider_phone": "7075551234",
        "billing_provider_address": "100 Main Street",
        "billing_provider_city": "Fairfield",
        "billing_provider_state": "CA",
        "billing_provider_zip": "94534",
        "member_cin": member,
        "member_first_name": first,
        "member_last_name": last,
        "member_homeless_indicator": True,
        "member_address": "200 Oak Avenue",
        "member_city": "Vallejo",
        "member_zip": "94590",
        "member_dob": dob,
        "primary_payer_id": payer_id,
        "payer_name": payer_name,
        "invoice_amount": sum((item.charge_amount or Decimal(0) for item in lines), Decimal("0.00")),
        "invoice_date": date(2026, 11, 20),
        "invoice_number": invoice,
        "authorization_number": tar,
        "lines": list(lines),
    }
    values.update(elements)
    return Claim(**values)


def low_confidence(item, key: str, confidence: float = 0.41, raw: str | None = None):
    item.provenance[key] = Provenance(page=1, box="24F", raw=raw, confidence=confidence)
    return item

"""The 37 DHCS minimum data elements (seed 000 Tables 1-4), read from the packaged CSV.

`KIND` says how each element is parsed and validated; everything else (label, requiredness,
claim or line level, usual CMS-1500 box) comes from `data/minimum-data-elements.csv`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

KIND = {
    "billing_provider_npi": "npi",
    "billing_provider_tin": "tin",
    "billing_provider_name": "text",
    "billing_provider_first_name": "text",
    "billing_provider_last_name": "text",
    "billing_provider_phone": "phone",
    "billing_provider_address": "text",
    "billing_provider_city": "text",
    "billing_provider_state": "state",
    "billing_provider_zip": "zip",
    "rendering_provider_npi": "npi",
    "member_cin": "cin",
    "medical_record_number": "text",
    "member_first_name": "text",
    "member_last_name": "text",
    "member_homeless_indicator": "bool",
    "member_address": "text",
    "member_city": "text",
    "member_zip": "zip",
    "member_dob": "date",
    "primary_payer_id": "text",
    "payer_name": "text",
    "procedure_code": "hcpcs",
    "procedure_modifiers": "modifiers",
    "service_start_date": "date",
    "service_end_date": "date",
    "service_name": "text",
    "unit_count": "units",
    "place_of_service": "pos",
    "diagnosis_codes": "icd10_list",
    "unit_cost": "money",
    "charge_amount": "money",
    "invoice_amount": "money",
    "invoice_date": "date",
    "invoice_number": "text",
    "control_number": "text",
    "authorization_number": "text",
}

# Elements that carry protected health information: never logged, masked in summaries.
PHI_ELEMENTS = frozenset(
    {
        "member_cin",
        "medical_record_number",
        "member_first_name",
        "member_last_name",
        "member_address",
        "member_city",
        "member_zip",
        "member_dob",
    }
)


@dataclass(frozen=True)
class Element:
    key: str
    label: str
    table: str
    required: bool
    level: str  # "claim" or "line"
    cms1500_source: str
    notes: str

    @property
    def kind(self) -> str:
        return KIND[self.key]


@cache
def all_elements() -> tuple[Element, ...]:
    text = resources.files("claims_intake").joinpath("data/minimum-data-elements.csv").read_text("utf-8")
    return tuple(
        Element(
            key=row["key"],
            label=row["label"],
            table=row["table"],
            required=row["required"] == "yes",
            level=row["level"],
            cms1500_source=row["cms1500_usual_source"],
            notes=row["notes"],
        )
        for row in csv.DictReader(text.splitlines())
    )


@cache
def element(key: str) -> Element:
    return {e.key: e for e in all_elements()}[key]


def claim_keys() -> list[str]:
    return [e.key for e in all_elements() if e.level == "claim"]


def line_keys() -> list[str]:
    return [e.key for e in all_elements() if e.level == "line"]


def required_keys(level: str) -> list[str]:
    return [e.key for e in all_elements() if e.level == level and e.required]

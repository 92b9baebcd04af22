"""Typed DHCS claims: one claim per invoice (or CMS-1500 form), with its service lines.

Every element value can carry its provenance (file, sheet/row/column or page/box) and an OCR
confidence. A value that could not be parsed is kept as written in `invalid`, so the check can
tell the provider exactly what to fix; nothing the provider sent is dropped.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .elements import claim_keys, line_keys
from .normalize import clip, normalize

# A repair note names the independent check that confirmed it ("... confirmed by box 28 total");
# "unconfirmed" and other mentions are no confirmation.
CONFIRMED_BY = re.compile(r"\bconfirmed by\b")


class Provenance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    page: int | None = None
    box: str | None = None
    raw: str | None = None
    confidence: float | None = None
    derived: str | None = None  # how a value with no source cell was derived
    # What the reader changed from what it saw, and why (a code snapped to the catalog, a year aligned with
    # the claim's other dates). A repaired value is the intake's reading, not the provider's writing.
    repaired: str | None = None
    # How sure the reader is that the value's column or box holds this element (0-1; header and content).
    match_score: float | None = None
    # Who confirmed or corrected the value against the scan or sheet (staff): a verified value is sure,
    # whatever the reading's confidence, repair or match score were (claims_intake.check.doubt).
    verified: str | None = None

    @property
    def unconfirmed_repair(self) -> bool:
        """The reader changed what it saw and no independent check confirmed the change: staff verify it."""
        return bool(self.repaired) and not CONFIRMED_BY.search(self.repaired or "")

    def needs_verification(self, threshold: float) -> bool:
        """Staff verify this reading against the scan: read below `threshold`, or repaired without confirmation."""
        if self.verified:
            return False
        return (self.confidence is not None and self.confidence < threshold) or self.unconfirmed_repair


class _Elements(BaseModel):
    """Shared machinery: provenance, unparseable values, extra columns."""

    model_config = ConfigDict(validate_assignment=False)

    provenance: dict[str, Provenance] = Field(default_factory=dict)
    invalid: dict[str, str] = Field(default_factory=dict)
    extras: dict[str, Any] = Field(default_factory=dict)

    def set_raw(self, key: str, raw: Any, source: Provenance | None = None) -> str | None:
        """Parse `raw` into element `key`; on failure keep the text in `invalid` and return why."""
        if source is not None:
            self.provenance[key] = source
        try:
            value = normalize(key, raw)
        except ValueError as problem:
            self.invalid[key] = clip(str(raw))  # kept to show the provider, never unbounded
            return str(problem)
        if key in self.__class__.__pydantic_fields__:
            # What pydantic's __setattr__ does without validate_assignment, minus its dispatch:
            # this runs for every cell of a spreadsheet (bench/bench_spreadsheet.py).
            self.__dict__[key] = value
            self.__pydantic_fields_set__.add(key)
        else:
            setattr(self, key, value)
        return None

    def confidence(self, key: str) -> float | None:
        source = self.provenance.get(key)
        return source.confidence if source else None


class ServiceLine(_Elements):
    line_number: int = 1
    procedure_code: str | None = None
    procedure_modifiers: list[str] = Field(default_factory=list)
    service_start_date: date | None = None
    service_end_date: date | None = None
    service_name: str | None = None
    unit_count: Decimal | None = None
    place_of_service: str | None = None
    diagnosis_codes: list[str] = Field(default_factory=list)
    unit_cost: Decimal | None = None
    charge_amount: Decimal | None = None
    rendering_provider_npi: str | None = None
    minutes: int | None = None  # service minutes when the invoice gives them (rule of eights)

    @property
    def combination(self) -> str:
        """The catalog key: CODE-MOD1-MOD2 ('G9008-U1-GQ', 'G9007')."""
        return "-".join([self.procedure_code or "", *self.procedure_modifiers])


class Claim(_Elements):
    claim_id: str | None = None
    source_kind: str | None = None  # spreadsheet, scan, fillable_pdf
    pages: list[int] = Field(default_factory=list)

    billing_provider_npi: str | None = None
    billing_provider_tin: str | None = None
    billing_provider_name: str | None = None
    billing_provider_first_name: str | None = None
    billing_provider_last_name: str | None = None
    billing_provider_phone: str | None = None
    billing_provider_address: str | None = None
    billing_provider_city: str | None = None
    billing_provider_state: str | None = None
    billing_provider_zip: str | None = None
    member_cin: str | None = None
    medical_record_number: str | None = None
    member_first_name: str | None = None
    member_last_name: str | None = None
    member_homeless_indicator: bool | None = None
    member_address: str | None = None
    member_city: str | None = None
    member_zip: str | None = None
    member_dob: date | None = None
    primary_payer_id: str | None = None
    payer_name: str | None = None
    invoice_amount: Decimal | None = None
    invoice_date: date | None = None
    invoice_number: str | None = None
    control_number: str | None = None
    authorization_number: str | None = None

    lines: list[ServiceLine] = Field(default_factory=list)

    def to_output(self) -> dict[str, Any]:
        """The claim as the CLI and the API print it: DHCS keys, ISO dates, money as '0.00'."""
        output = {
            "claim_id": self.claim_id,
            "source_kind": self.source_kind,
            "elements": {key: to_json_value(getattr(self, key)) for key in claim_keys()},
            "lines": [line_output(line) for line in self.lines],
            "provenance": {
                **_provenance_output(self),
                "lines": [_provenance_output(line) for line in self.lines],
            },
        }
        if self.invalid:
            output["invalid"] = dict(self.invalid)
        if self.extras:
            output["extras"] = {k: to_json_value(v) for k, v in self.extras.items()}
        confidence = {k: p.confidence for k, p in self.provenance.items() if p.confidence is not None}
        if confidence or any(p.confidence is not None for line in self.lines for p in line.provenance.values()):
            output["confidence"] = {
                **confidence,
                "lines": [
                    {k: p.confidence for k, p in line.provenance.items() if p.confidence is not None}
                    for line in self.lines
                ],
            }
        return output

    @classmethod
    def from_output(cls, data: dict[str, Any]) -> Claim:
        """Rebuild a claim from `to_output()` (stored claims, API payloads)."""
        provenance = data.get("provenance", {})
        line_sources = provenance.get("lines", [])
        lines = []
        for index, line_data in enumerate(data.get("lines", [])):
            fields = {k: v for k, v in line_data.items() if k not in ("invalid", "extras")}
            lines.append(
                ServiceLine(
                    **fields,
                    invalid=line_data.get("invalid", {}),
                    extras=line_data.get("extras", {}),
                    provenance=line_sources[index] if index < len(line_sources) else {},
                )
            )
        return cls(
            claim_id=data.get("claim_id"),
            source_kind=data.get("source_kind"),
            **data.get("elements", {}),
            lines=lines,
            invalid=data.get("invalid", {}),
            extras=data.get("extras", {}),
            provenance={k: v for k, v in provenance.items() if k != "lines"},
        )


def line_output(line: ServiceLine) -> dict[str, Any]:
    output: dict[str, Any] = {"line_number": line.line_number}
    output.update({key: to_json_value(getattr(line, key)) for key in line_keys()})
    if line.minutes is not None:
        output["minutes"] = line.minutes
    if line.invalid:
        output["invalid"] = dict(line.invalid)
    if line.extras:
        output["extras"] = {k: to_json_value(v) for k, v in line.extras.items()}
    return output


def _provenance_output(item: _Elements) -> dict[str, Any]:
    return {key: source.model_dump(exclude_none=True) for key, source in item.provenance.items()}


def to_json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # money is quantized to cents when parsed; units stay as written
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [to_json_value(v) for v in value]
    return value


class ExtractError(BaseModel):
    """Something a provider must fix, located as precisely as the source allows."""

    code: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    page: int | None = None
    box: str | None = None
    element: str | None = None


class SourceInfo(BaseModel):
    file: str
    kind: str  # xlsx, xlsm, xls, csv, pdf, fillable_pdf, tiff, png, jpeg
    sha256: str | None = None
    pages: int | None = None
    sheets: list[str] = Field(default_factory=list)
    column_map: dict[str, Any] = Field(default_factory=dict)


class ExtractResult(BaseModel):
    source: SourceInfo
    claims: list[Claim] = Field(default_factory=list)
    errors: list[ExtractError] = Field(default_factory=list)

    def to_output(self) -> dict[str, Any]:
        return {
            "source": self.source.model_dump(exclude_none=True),
            "claims": [claim.to_output() for claim in self.claims],
            "errors": [error.model_dump(exclude_none=True) for error in self.errors],
        }

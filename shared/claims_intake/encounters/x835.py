"""A small typed writer for the ASC X12 835 Health Care Claim Payment/Advice (005010X221A1): one model per loop.

The remittance advice the plan sends a provider for one payment run: what each claim and line was paid, and why
the rest was not (CAS with claim adjustment reason codes). It reuses the 837 writer's safe text, numbers and
envelope; `write_remittance` orders the loops and counts the segments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from .x12 import (
    COMPONENT,
    Address,
    Adjustment,
    Interchange,
    Segment,
    _join,
    contact_segment,
    d8,
    number,
    procedure,
    text,
)

IMPLEMENTATION = "005010X221A1"


@dataclass(frozen=True, slots=True)
class PayerIdentification:
    """Loop 1000A: the plan that pays, with its address and technical contact."""

    name: str
    address: Address
    contact: str
    phone: str = ""
    email: str = ""

    def segments(self) -> list[Segment]:
        return [
            ("N1", "PR", text(self.name, 60)),
            *self.address.segments(),
            contact_segment("BL", self.contact, self.phone, self.email),
        ]


@dataclass(frozen=True, slots=True)
class PayeeIdentification:
    """Loop 1000B: the billing provider paid, by NPI, with its tax id."""

    name: str
    npi: str
    address: Address
    tin: str

    def segments(self) -> list[Segment]:
        return [("N1", "PE", text(self.name, 60), "XX", self.npi), *self.address.segments(), ("REF", "TJ", self.tin)]


@dataclass(frozen=True, slots=True)
class ServicePayment:
    """Loop 2110: one line: billed, paid, the adjustments in between, the service date, the allowed amount."""

    code: str
    modifiers: tuple[str, ...]
    charge: Decimal
    paid: Decimal
    units: Decimal
    start: date
    end: date | None
    adjustments: tuple[Adjustment, ...]
    allowed: Decimal
    line_reference: str

    def segments(self) -> list[Segment]:
        segments: list[Segment] = [
            (
                "SVC",
                procedure(self.code, self.modifiers),
                number(self.charge),
                number(self.paid),
                "",
                number(self.units),
            )
        ]
        if self.end is not None and self.end != self.start:
            segments += [("DTM", "150", d8(self.start)), ("DTM", "151", d8(self.end))]
        else:
            segments.append(("DTM", "472", d8(self.start)))
        for adjustment in self.adjustments:
            segments.append(("CAS", adjustment.group, adjustment.reason, number(adjustment.amount)))
        segments.append(("REF", "6R", text(self.line_reference, 50)))
        segments.append(("AMT", "B6", number(self.allowed)))
        return segments


@dataclass(frozen=True, slots=True)
class ClaimPayment:
    """Loop 2100: one claim: status, billed, paid, the member, the plan's claim number, its lines."""

    patient_control_number: str
    status: str  # 1 processed as primary, 4 denied
    payer_claim_number: str
    place_of_service: str
    member_id: str
    member_last: str
    member_first: str
    lines: tuple[ServicePayment, ...]
    claim_filing: str = "MC"

    @property
    def charge(self) -> Decimal:
        return sum((line.charge for line in self.lines), Decimal("0"))

    @property
    def paid(self) -> Decimal:
        return sum((line.paid for line in self.lines), Decimal("0"))

    def segments(self) -> list[Segment]:
        segments: list[Segment] = [
            (
                "CLP",
                text(self.patient_control_number, 38),
                self.status,
                number(self.charge),
                number(self.paid),
                "0",
                self.claim_filing,
                text(self.payer_claim_number, 50),
                self.place_of_service,
            ),
            (
                "NM1",
                "QC",
                "1",
                text(self.member_last, 60),
                text(self.member_first, 35),
                "",
                "",
                "",
                "MI",
                text(self.member_id, 80),
            ),
        ]
        for line in self.lines:
            segments += line.segments()
        return segments


@dataclass(frozen=True, slots=True)
class Remittance:
    """One transaction (ST/SE): one payer's payment run to one payee."""

    payer: PayerIdentification
    payee: PayeeIdentification
    claims: tuple[ClaimPayment, ...]
    paid_on: date
    trace_number: str
    originating_company: str  # TRN03: 1 followed by the payer's 9-digit tax id

    @property
    def total(self) -> Decimal:
        return sum((claim.paid for claim in self.claims), Decimal("0"))

    def segments(self, control: str, created: datetime) -> list[Segment]:
        total = self.total
        handling = "I" if total > 0 else "H"  # remittance information only / notification only (nothing paid)
        method = "CHK" if total > 0 else "NON"
        segments: list[Segment] = [
            ("ST", "835", control),
            ("BPR", handling, number(total), "C", method, *([""] * 11), d8(self.paid_on)),
            ("TRN", "1", text(self.trace_number, 50), self.originating_company),
            ("DTM", "405", d8(created.date())),
            *self.payer.segments(),
            *self.payee.segments(),
        ]
        for index, claim in enumerate(self.claims, start=1):
            if index == 1:
                segments.append(("LX", "1"))
            segments += claim.segments()
        segments.append(("SE", str(len(segments) + 1), control))
        return segments


def write_remittance(
    interchange: Interchange, sender_code: str, receiver_code: str, group_control: int, remittance: Remittance
) -> str:
    """One interchange to one payee: ISA, GS (HP), the 835, GE, IEA."""
    created = interchange.created
    lines = [
        _join(interchange.header()),
        _join(
            (
                "GS",
                "HP",
                text(sender_code, 15),
                text(receiver_code, 15),
                d8(created),
                created.strftime("%H%M"),
                str(group_control),
                "X",
                IMPLEMENTATION,
            )
        ),
    ]
    lines += [_join(segment) for segment in remittance.segments("0001", created)]
    lines += [_join(("GE", "1", str(group_control))), _join(("IEA", "1", f"{interchange.control_number:09d}"))]
    return "".join(lines)


__all__ = [
    "COMPONENT",
    "ClaimPayment",
    "PayeeIdentification",
    "PayerIdentification",
    "Remittance",
    "ServicePayment",
    "write_remittance",
]

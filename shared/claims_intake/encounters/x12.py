"""A small typed writer for the ASC X12 837 Professional (005010X222A1): one model per loop.

Each model knows the segments of its own loop and nothing else; `write_interchange` puts them in the
order the implementation guide gives, numbers the HL segments, counts each transaction's segments for
SE01 and closes the envelopes. Values are made safe here (upper case, no delimiter characters, cut to
the element's maximum length), so callers hand over what the claim says.

Why not a library: LinuxForHealth x12 models 837P loops well but needs pydantic 1 (this project runs
pydantic 2); pyx12 validates and converts but does not build documents from data; the other X12
packages on PyPI parse only. docs/encounters.md has the comparison.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

ELEMENT = "*"
COMPONENT = ":"
REPETITION = "^"
SEGMENT = "~"
IMPLEMENTATION = "005010X222A1"
MAX_CLAIMS_PER_TRANSACTION = 5000  # X222A1 1.4.1: at most 5000 CLM segments in one ST-SE

_UNSAFE = re.compile(r"[^A-Z0-9 !\"&'()+,\-./;?=%@\[\]_{}\\|<>#$]")
_SPACES = re.compile(r"\s+")

Segment = tuple[str, ...]


def text(value: object, limit: int) -> str:
    """An AN element: upper case, X12 extended characters only (no delimiters), at most `limit` long.
    Accented letters lose their accent ('Peña' -> 'PENA'); anything else outside the set becomes a space."""
    ascii_text = unicodedata.normalize("NFKD", str(value or "")).encode("ascii", "ignore").decode("ascii")
    cleaned = _UNSAFE.sub(" ", ascii_text.upper())
    return _SPACES.sub(" ", cleaned).strip()[:limit].rstrip()


def number(value: Decimal | int) -> str:
    """An R element: no exponent, no trailing zeros ('150.00' -> '150', '1.50' -> '1.5')."""
    if isinstance(value, int):
        return str(value)
    formatted = f"{value:f}"
    if "." in formatted:
        formatted = formatted.rstrip("0").rstrip(".")
    return "0" if formatted in ("-0", "") else formatted


def d8(day: date) -> str:
    return day.strftime("%Y%m%d")


def service_dates(start: date, end: date | None) -> tuple[str, str]:
    """DTP format qualifier and value: D8 for one day, RD8 for a span."""
    if end is None or end == start:
        return "D8", d8(start)
    return "RD8", f"{d8(start)}-{d8(end)}"


def procedure(code: str, modifiers: Iterable[str]) -> str:
    """SV101 / SVD03: HC:code:mod1:mod2... (at most four modifiers)."""
    return COMPONENT.join(["HC", code, *list(modifiers)[:4]])


@dataclass(frozen=True, slots=True)
class Address:
    street: str
    city: str
    state: str
    zip_code: str

    def segments(self) -> list[Segment]:
        return [
            ("N3", text(self.street, 55)),
            ("N4", text(self.city, 30), text(self.state, 2), text(self.zip_code, 15)),
        ]


@dataclass(frozen=True, slots=True)
class PartyName:
    """NM1 of a person (last, first) or an organization (last = its name, no first)."""

    entity: str  # NM101: 85 billing, IL subscriber, PR payer, 82 rendering, 41 submitter, 40 receiver
    last: str
    first: str = ""
    id_qualifier: str = ""  # XX (NPI), MI (member id), PI (payer id), 46 (ETIN)
    identifier: str = ""
    person: bool = False

    def segment(self) -> Segment:
        first = text(self.first, 35) if self.person else ""
        return (
            "NM1",
            self.entity,
            "1" if self.person else "2",
            text(self.last, 60),
            first,
            "",
            "",
            "",
            self.id_qualifier,
            text(self.identifier, 80),
        )


def contact_segment(function: str, name: str, phone: str, email: str) -> Segment:
    """PER: a contact reached by telephone when one is given, else by e-mail."""
    channel = ("TE", phone) if phone else ("EM", email)
    return ("PER", function, text(name, 60), channel[0], text(channel[1], 256))


@dataclass(frozen=True, slots=True)
class Submitter:
    """Loop 1000A: the plan that submits the encounters."""

    name: str
    identifier: str
    contact: str
    phone: str = ""
    email: str = ""

    def segments(self) -> list[Segment]:
        return [
            PartyName("41", self.name, id_qualifier="46", identifier=self.identifier).segment(),
            contact_segment("IC", self.contact, self.phone, self.email),
        ]


@dataclass(frozen=True, slots=True)
class Receiver:
    """Loop 1000B: who receives the transaction (DHCS)."""

    name: str
    identifier: str

    def segments(self) -> list[Segment]:
        return [PartyName("40", self.name, id_qualifier="46", identifier=self.identifier).segment()]


@dataclass(frozen=True, slots=True)
class BillingProvider:
    """Loops 2000A / 2010AA: the provider who billed, by NPI, with address and tax id."""

    npi: str
    name: str
    address: Address
    tin: str
    first_name: str = ""
    person: bool = False

    def segments(self) -> list[Segment]:
        return [
            PartyName("85", self.name, self.first_name, "XX", self.npi, self.person).segment(),
            *self.address.segments(),
            ("REF", "EI", self.tin),
        ]


@dataclass(frozen=True, slots=True)
class Subscriber:
    """Loops 2000B / 2010BA: the member (CIN as the member id); the member is always the patient here."""

    member_id: str
    last: str
    first: str
    dob: date
    address: Address | None
    payer_responsibility: str = "P"
    claim_filing: str = "MC"  # Medicaid

    def segments(self) -> list[Segment]:
        name = PartyName("IL", self.last, self.first, "MI", self.member_id, person=True).segment()
        address = self.address.segments() if self.address else []
        return [
            ("SBR", self.payer_responsibility, "18", "", "", "", "", "", "", self.claim_filing),
            name,
            *address,
            ("DMG", "D8", d8(self.dob), "U"),
        ]


@dataclass(frozen=True, slots=True)
class Payer:
    """Loop 2010BB: the payer the encounter is reported to."""

    name: str
    identifier: str

    def segments(self) -> list[Segment]:
        return [PartyName("PR", self.name, id_qualifier="PI", identifier=self.identifier).segment()]


@dataclass(frozen=True, slots=True)
class RenderingProvider:
    """Loop 2420A: the provider who rendered a line, when it is not the billing provider."""

    npi: str
    name: str

    def segments(self) -> list[Segment]:
        return [PartyName("82", self.name, id_qualifier="XX", identifier=self.npi).segment()]


@dataclass(frozen=True, slots=True)
class Adjustment:
    group: str  # CO contractual obligation, PR patient responsibility, OA other
    reason: str  # claim adjustment reason code (CARC)
    amount: Decimal


@dataclass(frozen=True, slots=True)
class LineAdjudication:
    """Loop 2430: what the plan (the other payer of loop 2330B) did with the line."""

    payer_id: str
    paid: Decimal
    code: str
    modifiers: tuple[str, ...]
    units: Decimal
    adjustments: tuple[Adjustment, ...]
    adjudicated: date

    def segments(self) -> list[Segment]:
        segments: list[Segment] = [
            (
                "SVD",
                text(self.payer_id, 80),
                number(self.paid),
                procedure(self.code, self.modifiers),
                "",
                number(self.units),
            )
        ]
        by_group: dict[str, list[Adjustment]] = {}
        for adjustment in self.adjustments:
            by_group.setdefault(adjustment.group, []).append(adjustment)
        for group, adjustments in by_group.items():
            elements = [group]
            for adjustment in adjustments[:6]:  # CAS holds six reason/amount/quantity triples
                elements += [adjustment.reason, number(adjustment.amount), ""]
            segments.append(("CAS", *elements))
        segments.append(("DTP", "573", "D8", d8(self.adjudicated)))
        return segments


@dataclass(frozen=True, slots=True)
class ServiceLine:
    """Loop 2400: one service line (LX, SV1, DTP 472), its rendering provider and adjudication."""

    code: str
    modifiers: tuple[str, ...]
    charge: Decimal
    units: Decimal
    diagnosis_pointers: tuple[int, ...]
    start: date
    end: date | None = None
    place_of_service: str = ""  # only when it differs from the claim's
    rendering: RenderingProvider | None = None
    adjudication: LineAdjudication | None = None

    def segments(self, number_in_claim: int) -> list[Segment]:
        pointers = COMPONENT.join(str(p) for p in self.diagnosis_pointers[:4])
        sv1: Segment = (
            "SV1",
            procedure(self.code, self.modifiers),
            number(self.charge),
            "UN",
            number(self.units),
            self.place_of_service,
            "",
            pointers,
        )
        qualifier, dates = service_dates(self.start, self.end)
        segments = [("LX", str(number_in_claim)), sv1, ("DTP", "472", qualifier, dates)]
        if self.rendering:
            segments += self.rendering.segments()
        if self.adjudication:
            segments += self.adjudication.segments()
        return segments


@dataclass(frozen=True, slots=True)
class OtherPayer:
    """Loops 2320 / 2330A / 2330B: the plan's adjudication of the claim, reported as the other payer's."""

    payer_name: str
    payer_id: str
    paid: Decimal
    member_id: str
    member_last: str
    member_first: str
    payer_responsibility: str = "P"
    claim_filing: str = "MC"

    def segments(self) -> list[Segment]:
        return [
            ("SBR", self.payer_responsibility, "18", "", "", "", "", "", "", self.claim_filing),
            ("AMT", "D", number(self.paid)),
            ("OI", "", "", "Y", "P", "", "Y"),
            PartyName("IL", self.member_last, self.member_first, "MI", self.member_id, person=True).segment(),
            PartyName("PR", self.payer_name, id_qualifier="PI", identifier=self.payer_id).segment(),
        ]


@dataclass(frozen=True, slots=True)
class Claim:
    """Loop 2300: the claim (CLM, REF G1/F8/D9, HI) with its other payer and service lines."""

    patient_control_number: str
    place_of_service: str
    frequency: str  # 1 original, 7 replacement, 8 void
    diagnoses: tuple[str, ...]  # ICD-10-CM without the dot, principal first
    lines: tuple[ServiceLine, ...]
    prior_authorization: str = ""
    original_reference: str = ""  # REF F8 on a replacement
    claim_identifier: str = ""  # REF D9: the plan's claim id, to trace the encounter back
    other_payer: OtherPayer | None = None

    @property
    def total(self) -> Decimal:
        """CLM02 is the sum of the lines' SV102: computed, never copied from the invoice."""
        return sum((line.charge for line in self.lines), Decimal("0"))

    def segments(self) -> list[Segment]:
        clm: Segment = (
            "CLM",
            text(self.patient_control_number, 38),
            number(self.total),
            "",
            "",
            COMPONENT.join((self.place_of_service, "B", self.frequency)),
            "Y",
            "A",
            "Y",
            "Y",
        )
        segments: list[Segment] = [clm]
        if self.prior_authorization:
            segments.append(("REF", "G1", text(self.prior_authorization, 50)))
        if self.original_reference:
            segments.append(("REF", "F8", text(self.original_reference, 50)))
        if self.claim_identifier:
            segments.append(("REF", "D9", text(self.claim_identifier, 50)))
        codes = [code.replace(".", "") for code in self.diagnoses[:12]]
        segments.append(("HI", *(COMPONENT.join(("ABK" if i == 0 else "ABF", code)) for i, code in enumerate(codes))))
        if self.other_payer:
            segments += self.other_payer.segments()
        for index, line in enumerate(self.lines, start=1):
            segments += line.segments(index)
        return segments


@dataclass(slots=True)
class SubscriberGroup:
    subscriber: Subscriber
    payer: Payer
    claims: list[Claim] = field(default_factory=list)


@dataclass(slots=True)
class BillingGroup:
    provider: BillingProvider
    subscribers: list[SubscriberGroup] = field(default_factory=list)

    @property
    def claim_count(self) -> int:
        return sum(len(group.claims) for group in self.subscribers)


@dataclass(frozen=True, slots=True)
class Interchange:
    """ISA / IEA: who sends to whom, when, under which control number, test or production."""

    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    control_number: int
    created: datetime
    usage: str = "T"  # P production, T test

    def header(self) -> Segment:
        return (
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            self.sender_qualifier,
            self.sender_id.ljust(15)[:15],
            self.receiver_qualifier,
            self.receiver_id.ljust(15)[:15],
            self.created.strftime("%y%m%d"),
            self.created.strftime("%H%M"),
            REPETITION,
            "00501",
            f"{self.control_number:09d}",
            "0",
            self.usage,
            COMPONENT,
        )


@dataclass(slots=True)
class FunctionalGroup:
    """GS / GE: one plan's encounters (GS02 = the plan's submitter code) in one or more transactions."""

    sender_code: str
    receiver_code: str
    control_number: int
    submitter: Submitter
    receiver: Receiver
    billing: list[BillingGroup] = field(default_factory=list)
    reference: str = ""  # BHT03: the batch's own reference


def write_interchange(interchange: Interchange, groups: list[FunctionalGroup]) -> str:
    """The whole file: ISA, one GS per group, transactions of at most 5000 claims, GE, IEA."""
    out: list[str] = [_join(interchange.header())]
    created = interchange.created
    for group in groups:
        out.append(
            _join(
                (
                    "GS",
                    "HC",
                    text(group.sender_code, 15),
                    text(group.receiver_code, 15),
                    d8(created),
                    created.strftime("%H%M"),
                    str(group.control_number),
                    "X",
                    IMPLEMENTATION,
                )
            )
        )
        chunks = list(_transactions(group.billing))
        for index, billing in enumerate(chunks, start=1):
            out.extend(_transaction(group, billing, f"{index:04d}", created))
        out.append(_join(("GE", str(len(chunks)), str(group.control_number))))
    out.append(_join(("IEA", str(len(groups)), f"{interchange.control_number:09d}")))
    return "".join(out)


def _transactions(billing: list[BillingGroup]) -> Iterator[list[BillingGroup]]:
    """Split the billing groups so that no transaction holds more than 5000 claims."""
    chunk: list[BillingGroup] = []
    count = 0
    for provider_group in billing:
        for subscriber_group in provider_group.subscribers:
            for start in range(0, len(subscriber_group.claims), MAX_CLAIMS_PER_TRANSACTION):
                claims = subscriber_group.claims[start : start + MAX_CLAIMS_PER_TRANSACTION]
                if count + len(claims) > MAX_CLAIMS_PER_TRANSACTION:
                    yield chunk
                    chunk, count = [], 0
                part = SubscriberGroup(subscriber_group.subscriber, subscriber_group.payer, claims)
                if chunk and chunk[-1].provider is provider_group.provider:
                    chunk[-1].subscribers.append(part)
                else:
                    chunk.append(BillingGroup(provider_group.provider, [part]))
                count += len(claims)
    if chunk:
        yield chunk


def _transaction(group: FunctionalGroup, billing: list[BillingGroup], control: str, created: datetime) -> list[str]:
    segments: list[Segment] = [
        ("ST", "837", control, IMPLEMENTATION),
        ("BHT", "0019", "00", text(group.reference or control, 50), d8(created), created.strftime("%H%M"), "RP"),
        *group.submitter.segments(),
        *group.receiver.segments(),
    ]
    hl = 0
    for provider_group in billing:
        hl += 1
        provider_hl = hl
        segments.append(("HL", str(provider_hl), "", "20", "1"))
        segments += provider_group.provider.segments()
        for subscriber_group in provider_group.subscribers:
            hl += 1
            segments.append(("HL", str(hl), str(provider_hl), "22", "0"))
            segments += subscriber_group.subscriber.segments()
            segments += subscriber_group.payer.segments()
            for claim in subscriber_group.claims:
                segments += claim.segments()
    segments.append(("SE", str(len(segments) + 1), control))
    return [_join(segment) for segment in segments]


def _join(segment: Segment) -> str:
    """Elements joined, trailing empty elements dropped (X12 5: no trailing delimiters), terminated."""
    elements = list(segment)
    while len(elements) > 1 and elements[-1] == "":
        elements.pop()
    return ELEMENT.join(elements) + SEGMENT + "\n"

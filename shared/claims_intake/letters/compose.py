"""What each letter says, built from a checked claim: pure data, no PDF (pdf.py draws it).

Three letters (seed 000 Unclean Claims):
- rejection: the claim could not be entered; every reason, in words the provider can act on; how to resubmit.
- rfi: what information is needed to decide the claim, and by when.
- denial: for denied service lines, what the remittance advice would say (reason code and rationale).

A letter states only what the provider wrote: findings staff must still verify (severity review,
or any finding resting on a doubtful reading: `Finding.doubts`) are never cited to the provider.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

import yaml

from ..catalog import plan_profile
from ..check.result import CheckResult, Finding, LineDisposition, Severity
from ..citations import for_people
from ..elements import element


class LetterKind(StrEnum):
    REJECTION = "rejection"
    RFI = "rfi"
    DENIAL = "denial"


class RejectionCause(StrEnum):
    FINDINGS = "findings"  # the check rejected it upfront
    NO_RESPONSE = "no_response"  # the RFI response window ran out
    RFI_EXHAUSTED = "rfi_exhausted"  # still undecidable after the last RFI round
    STAFF = "staff"  # claims staff rejected it from the queue


@dataclass(frozen=True)
class LetterItem:
    """One reason (rejection), one request (RFI) or one denied line (denial)."""

    where: str  # "Claim" or "Line 2 (G9008-U1, 11/05/2026)"
    text: str  # what to do about it
    cite: str


@dataclass(frozen=True)
class DeniedLine:
    line_number: int
    service_dates: str
    service: str
    billed: Decimal
    allowed: Decimal
    reason_codes: str  # "CO-27, CO-197"
    rationale: list[str]  # the findings, as the RA would explain them


@dataclass
class LetterContent:
    kind: LetterKind
    title: str
    plan_id: str
    letterhead: list[str]
    issued: date
    claim_id: str
    invoice_number: str | None
    provider: list[str]
    member: str
    service_dates: str
    intro: list[str]
    items: list[LetterItem] = field(default_factory=list)
    denied_lines: list[DeniedLine] = field(default_factory=list)
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    cites: list[str] = field(default_factory=list)
    due: datetime | None = None


@cache
def letters_data() -> dict[str, Any]:
    return yaml.safe_load(resources.files("claims_intake").joinpath("data/letters.yaml").read_text("utf-8"))


def rejection_letter(
    result: CheckResult,
    claim_id: str,
    issued: date,
    cause: RejectionCause | str = RejectionCause.FINDINGS,
    *,
    note: str | None = None,
    rfi_sent: datetime | None = None,
    rfi_due: datetime | None = None,
    rounds: int = 0,
) -> LetterContent:
    """Every reason the claim could not be entered, and how to resubmit it."""
    cause = RejectionCause(cause)
    data, plan = letters_data(), _plan_text(result.plan)
    wording = data["rejection_causes"][cause.value].format(
        rfi_sent=_day(rfi_sent) if rfi_sent else "an earlier date",
        rfi_due=_when(rfi_due) if rfi_due else "the due date",
        rounds=rounds,
        note=note or "no reason was recorded",
    )
    wanted = {Severity.REJECT} if cause is RejectionCause.FINDINGS else {Severity.REJECT, Severity.RFI}
    reasons = [_item(result, f) for f in provider_findings(result, wanted)]
    if not reasons and cause is not RejectionCause.STAFF:
        # A rejection always says why: fall back to every finding about what the provider wrote.
        reasons = [_item(result, f) for f in provider_findings(result, {Severity.REJECT, Severity.RFI, Severity.DENY})]
    letter = _base(result, claim_id, issued, LetterKind.REJECTION, "Claim Rejection Notice")
    letter.intro = [wording]
    letter.items = reasons
    letter.sections = [
        ("How to resubmit", list(plan["resubmit"])),
        ("Contact", [plan["contact"]]),
    ]
    letter.cites = [for_people(c) for c in (data["cite"]["rejection"], plan["resubmit_cite"], plan["contact_cite"])]
    return letter


def rfi_letter(result: CheckResult, claim_id: str, issued: date, due: datetime, round_number: int = 1) -> LetterContent:
    """What is needed to decide the claim, and by when."""
    data, plan = letters_data(), _plan_text(result.plan)
    requests = [_item(result, f) for f in provider_findings(result, {Severity.RFI})]
    letter = _base(result, claim_id, issued, LetterKind.RFI, "Request for Information")
    letter.due = due
    follow_up = f" This is request number {round_number}." if round_number > 1 else ""
    letter.intro = [
        "We need more information before we can make a payment decision on this claim. "
        f"Please send everything listed below by {_when(due)}.{follow_up}",
        f"If we do not receive it by {_when(due)}, the claim will be rejected for no response and you will "
        "need to submit it again.",
    ]
    letter.items = requests
    letter.sections = [
        (f"Respond by {_when(due)}", [plan["rfi_reply"]]),
        ("Contact", [plan["contact"]]),
    ]
    letter.cites = [for_people(c) for c in (data["cite"]["rfi"], plan["contact_cite"])]
    return letter


def denial_notice(result: CheckResult, claim_id: str, issued: date) -> LetterContent:
    """The denied service lines with the rationale a remittance advice (EOP) would give."""
    data, plan = letters_data(), _plan_text(result.plan)
    remittance = data["remittance"]
    by_number = {line.line_number: line for line in result.claim.lines}
    denied = []
    for decided in result.lines:
        if decided.disposition is not LineDisposition.DENIED:
            continue
        line = by_number.get(decided.line_number)
        denials = provider_findings(result, {Severity.DENY})
        findings = [f for f in denials if f.line == decided.line_number] + [f for f in denials if f.line is None]
        codes = []
        for finding in findings:
            carc = remittance["carc_by_rule"].get(finding.rule) or remittance["carc"].get(finding.category.value)
            if carc and f"{remittance['group_code']}-{carc['code']}" not in codes:
                codes.append(f"{remittance['group_code']}-{carc['code']}")
        denied.append(
            DeniedLine(
                line_number=decided.line_number,
                service_dates=_line_dates(line) if line else "",
                service=line.combination if line else "",
                billed=(line.charge_amount if line and line.charge_amount is not None else Decimal("0.00")),
                allowed=decided.allowed_amount,
                reason_codes=", ".join(codes) or f"{remittance['group_code']}-16",
                rationale=[f.message for f in findings] or ["Denied during processing."],
            )
        )
    paid = [line for line in result.lines if line.disposition is LineDisposition.PAYABLE]
    letter = _base(result, claim_id, issued, LetterKind.DENIAL, "Notice of Denied Services")
    summary = (
        f"{len(denied)} of {len(result.lines)} service lines on this claim were denied during processing"
        if paid
        else "Every service line on this claim was denied during processing"
    )
    letter.intro = [
        f"{summary}. The rationale for each denied service is below, as it will appear on your "
        "remittance advice (Evidence of Payment).",
        f"Allowed on this claim: ${result.allowed_total:,.2f}.",
    ]
    letter.denied_lines = denied
    used = sorted({code for line in denied for code in line.reason_codes.split(", ")})
    letter.sections = [
        ("Reason codes", [f"{code}: {_carc_text(remittance, code)}" for code in used]),
        ("If you disagree", [plan["dispute"]]),
        ("Contact", [plan["contact"]]),
    ]
    letter.cites = [for_people(c) for c in (data["cite"]["denial"], remittance["cite"], plan["dispute_cite"])]
    return letter


# ---- pieces ----------------------------------------------------------------------------------------


def provider_findings(result: CheckResult, severities: set[Severity]) -> list[Finding]:
    """The findings of these severities that rest only on what the provider wrote (no doubtful reading)."""
    return [f for f in result.findings if f.severity in severities and not f.doubts]


def _base(result: CheckResult, claim_id: str, issued: date, kind: LetterKind, title: str) -> LetterContent:
    claim = result.claim
    letterhead = plan_profile(result.plan).letterhead if result.plan else letters_data()["no_plan"]["letterhead"]
    name = (
        claim.billing_provider_name
        or " ".join(p for p in (claim.billing_provider_first_name, claim.billing_provider_last_name) if p)
        or "Billing provider"
    )
    provider = [name]
    if claim.billing_provider_address:
        provider.append(claim.billing_provider_address)
    city = ", ".join(
        p
        for p in (
            claim.billing_provider_city,
            " ".join(p for p in (claim.billing_provider_state, claim.billing_provider_zip) if p),
        )
        if p
    )
    if city:
        provider.append(city)
    provider.append(
        f"NPI {claim.billing_provider_npi or 'not given'}"
        + (f" | TIN {claim.billing_provider_tin}" if claim.billing_provider_tin else "")
    )
    member_name = " ".join(p for p in (claim.member_first_name, claim.member_last_name) if p) or "Name not given"
    member = f"{member_name} (CIN {claim.member_cin or 'not given'})"
    return LetterContent(
        kind=kind,
        title=title,
        plan_id=result.plan,
        letterhead=list(letterhead),
        issued=issued,
        claim_id=claim_id,
        invoice_number=claim.invoice_number or claim.invalid.get("invoice_number"),
        provider=provider,
        member=member,
        service_dates=_claim_dates(result),
        intro=[],
    )


def _item(result: CheckResult, finding: Finding) -> LetterItem:
    where = "Claim"
    if finding.line is not None:
        line = next((item for item in result.claim.lines if item.line_number == finding.line), None)
        where = f"Line {finding.line}" + (
            f" ({line.combination}, {_line_dates(line)})" if line and line.procedure_code else ""
        )
    text = finding.message
    label = _label(finding.element) if finding.element else None
    if label and label.lower() not in text.lower():
        text = f"{label}: {text}"
    return LetterItem(where=where, text=text, cite=for_people(finding.cite))  # results stored before titles: keys


def _label(key: str) -> str | None:
    try:
        return element(key).label
    except KeyError:
        return None


def _plan_text(plan_id: str) -> dict[str, Any]:
    if not plan_id:  # rejected for naming no plan we serve
        return letters_data()["no_plan"]
    plans = letters_data()["plans"]
    if plan_id not in plans:
        raise KeyError(f"no letter wording for plan '{plan_id}' in data/letters.yaml")
    return plans[plan_id]


def _carc_text(remittance: dict[str, Any], code: str) -> str:
    number = code.split("-", 1)[1]
    codes = [*remittance["carc_by_rule"].values(), *remittance["carc"].values()]
    return next((c["text"] for c in codes if c["code"] == number), "")


def _line_dates(line) -> str:
    start, end = line.service_start_date, line.service_end_date
    if start is None:
        return "date of service not given"
    return _day(start) if end in (None, start) else f"{_day(start)} - {_day(end)}"


def _claim_dates(result: CheckResult) -> str:
    starts = [item.service_start_date for item in result.claim.lines if item.service_start_date]
    ends = [item.service_end_date or item.service_start_date for item in result.claim.lines if item.service_start_date]
    if not starts:
        return "not given"
    first, last = min(starts), max(ends)
    return _day(first) if first == last else f"{_day(first)} - {_day(last)}"


def _day(value: date | datetime) -> str:
    return value.strftime("%m/%d/%Y")


def _when(value: datetime) -> str:
    """A due date in words; with the time (UTC) when the window is shorter than a day (tests)."""
    return (
        value.strftime("%B %d, %Y at %H:%M UTC")
        if (value.hour, value.minute, value.second) != (23, 59, 59)
        else value.strftime("%B %d, %Y")
    )

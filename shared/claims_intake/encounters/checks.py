"""What the X12 validator does not check, checked on the written file itself (not on the data it came from).

- every NPI (NM1 with qualifier XX) has a right check digit;
- CLM02 equals the sum of the claim's SV102, and every line balances: SVD02 + its CAS amounts = SV102;
- the claim frequency code (CLM05-3) is 1 (original), 7 (replacement) or 8 (void);
- every SV101 and SVD03 code/modifier combination is one of the DHCS catalog (GQ as the additional modifier
  where the catalog allows it);
- every HI code is a billable ICD-10-CM code (the CMS code set shipped in data/).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from ..catalog import dhcs_catalog
from ..validators import is_valid_icd10, is_valid_npi
from .icd10 import CODE_SET, is_billable_icd10
from .x12 import COMPONENT, ELEMENT, SEGMENT

IcdLookup = Callable[[str], bool]
FREQUENCY_CODES = {"1", "7", "8"}  # original, replacement, void (X222A1 CLM05-3, NUBC frequency codes)


@dataclass
class _ClaimTotals:
    clm: str
    total: Decimal
    lines: Decimal = Decimal("0")
    line_charge: Decimal | None = None
    line_number: int = 0
    problems: list[str] = field(default_factory=list)


def check_encounter_file(text: str, icd10_exists: IcdLookup = is_billable_icd10) -> list[str]:
    """The problems found (empty: the file passes), each naming the segment it is about."""
    problems: list[str] = []
    claim: _ClaimTotals | None = None
    adjudicated = Decimal("0")
    for position, raw in enumerate(text.split(SEGMENT), start=1):
        segment = raw.strip()
        if not segment:
            continue
        elements = segment.split(ELEMENT)
        tag = elements[0]
        if tag == "NM1" and len(elements) > 9 and elements[8] == "XX" and not is_valid_npi(elements[9]):
            problems.append(f"segment {position}: NM1*{elements[1]} NPI {elements[9]} has a wrong check digit")
        elif tag == "CLM":
            frequency = elements[5].split(COMPONENT)[-1] if len(elements) > 5 else ""
            if frequency not in FREQUENCY_CODES:
                problems.append(
                    f"segment {position}: claim {elements[1]} frequency code '{frequency}' is not 1, 7 or 8"
                )
            if claim is not None:
                _close_line(claim, adjudicated)
            _close_claim(claim, problems)
            claim, adjudicated = _ClaimTotals(elements[1], Decimal(elements[2])), Decimal("0")
        elif tag == "HI":
            problems += [f"segment {position}: {p}" for p in _diagnosis_problems(elements[1:], icd10_exists)]
        elif tag == "LX" and claim is not None:
            _close_line(claim, adjudicated)
            claim.line_number, claim.line_charge, adjudicated = int(elements[1]), None, Decimal("0")
        elif tag == "SV1" and claim is not None:
            charge = Decimal(elements[2])
            claim.lines += charge
            claim.line_charge = charge
            problems += [f"segment {position}: {p}" for p in _code_problems(elements[1])]
        elif tag == "SVD":
            adjudicated += Decimal(elements[2])
            problems += [f"segment {position}: {p}" for p in _code_problems(elements[3])]
        elif tag == "CAS":
            adjudicated += sum((Decimal(elements[i]) for i in range(3, len(elements), 3) if elements[i]), Decimal("0"))
        elif tag in ("SE", "HL") and claim is not None:
            _close_line(claim, adjudicated)
            adjudicated = Decimal("0")
            _close_claim(claim, problems)
            claim = None
    return problems


def _close_line(claim: _ClaimTotals, adjudicated: Decimal) -> None:
    if claim.line_charge is not None and adjudicated and adjudicated != claim.line_charge:
        claim.problems.append(
            f"claim {claim.clm} line {claim.line_number}: SVD02 + CAS = {adjudicated}, "
            f"not the line charge {claim.line_charge}"
        )


def _close_claim(claim: _ClaimTotals | None, problems: list[str]) -> None:
    if claim is None:
        return
    if claim.total != claim.lines:
        problems.append(f"claim {claim.clm}: CLM02 {claim.total} is not the sum of its SV102 ({claim.lines})")
    problems.extend(claim.problems)
    claim.problems = []
    claim.line_charge = None


def _code_problems(composite: str) -> list[str]:
    parts = composite.split(COMPONENT)
    if len(parts) < 2 or parts[0] != "HC":
        return [f"procedure '{composite}' is not an HCPCS code (HC qualifier)"]
    found, _ = dhcs_catalog().lookup(parts[1], tuple(parts[2:]))
    return [] if found else [f"procedure {'-'.join(parts[1:])} is not a DHCS ECM/CS code and modifier combination"]


def _diagnosis_problems(composites: list[str], icd10_exists: IcdLookup) -> list[str]:
    problems = []
    for index, composite in enumerate(composites):
        qualifier, _, code = composite.partition(COMPONENT)
        expected = "ABK" if index == 0 else "ABF"
        if qualifier != expected:
            problems.append(f"diagnosis {index + 1} has qualifier {qualifier}, not {expected} (ICD-10-CM)")
        if not is_valid_icd10(code):
            problems.append(f"diagnosis {code} is not shaped like an ICD-10-CM code")
        elif not icd10_exists(code):
            problems.append(f"diagnosis {code} is not a billable code of {CODE_SET}")
    return problems


def check_remittance_file(text: str) -> list[str]:
    """An 835 balances: BPR02 = the sum of CLP04; CLP04 = the sum of its SVC03; each line's SVC02 - SVC03 = its
    CAS amounts; the payee's NPI has a right check digit."""
    problems: list[str] = []
    total, claims_paid = Decimal("0"), Decimal("0")
    claim: list | None = None  # [clm id, CLP04, sum of SVC03]
    line: list | None = None  # [SVC02 - SVC03, sum of CAS]
    for raw in text.split(SEGMENT):
        elements = raw.strip().split(ELEMENT)
        tag = elements[0]
        if tag in ("CLP", "SVC", "SE"):
            _close_remittance_line(line, claim, problems)
            line = None
        if tag in ("CLP", "SE") and claim is not None:
            if claim[1] != claim[2]:
                problems.append(f"claim {claim[0]}: CLP04 {claim[1]} is not the sum of its SVC03 ({claim[2]})")
            claim = None
        if tag == "BPR":
            total = Decimal(elements[2])
        elif (
            tag == "N1"
            and elements[1] == "PE"
            and len(elements) > 4
            and elements[3] == "XX"
            and not is_valid_npi(elements[4])
        ):
            problems.append(f"payee NPI {elements[4]} has a wrong check digit")
        elif tag == "CLP":
            claim = [elements[1], Decimal(elements[4]), Decimal("0")]
            claims_paid += Decimal(elements[4])
        elif tag == "SVC" and claim is not None:
            claim[2] += Decimal(elements[3])
            line = [Decimal(elements[2]) - Decimal(elements[3]), Decimal("0")]
        elif tag == "CAS" and line is not None:
            line[1] += sum((Decimal(elements[i]) for i in range(3, len(elements), 3) if elements[i]), Decimal("0"))
    if total != claims_paid:
        problems.append(f"BPR02 {total} is not the sum of the claims' CLP04 ({claims_paid})")
    return problems


def _close_remittance_line(line: list | None, claim: list | None, problems: list[str]) -> None:
    if line is not None and claim is not None and line[0] != line[1]:
        problems.append(f"claim {claim[0]}: a line's billed - paid {line[0]} is not its CAS amounts ({line[1]})")

"""Reference data the check needs: eligibility, authorizations (TARs), provider roster, claims history.

The CLI reads them from CSV files (`--reference DIR`, `--history FILE`; formats in
docs/reference-data.md); in the cloud the same files are loaded into DynamoDB. Both sides answer
the `ReferenceSource` and `HistorySource` protocols, so the rules never know where data lives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

# the claims history model lives beside its index (history.py); imported from here as before
from .history import HistoryLine as HistoryLine
from .history import HistorySource as HistorySource
from .history import InMemoryHistory as InMemoryHistory


@dataclass(frozen=True)
class EligibilitySpan:
    member_cin: str
    plan: str  # kp, phc, khs
    start: date
    end: date | None  # None: open-ended
    county: str = ""
    dsnp: bool = False  # enrolled in a D-SNP (001: ECM through the D-SNP, not Partnership)
    other_primary: str = ""  # other primary coverage, e.g. "kaiser" (001: coordinated through Kaiser)
    ecm_enrollment_date: date | None = None  # outreach must precede ECM enrollment (001)
    first_name: str = ""  # for staff and sample builders; the check never logs them (PHI)
    last_name: str = ""
    dob: date | None = None
    address: str = ""  # residential street address on file (PHI): a scanned box 5 is checked against it
    zip: str = ""

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


def authorization_key(number: str) -> str:
    """How TAR numbers are matched: letters and digits, upper case. 'TAR-PHC-1006' on an invoice,
    'TARPHC1006' read from CMS-1500 box 23 and 'tar phc 1006' typed by staff are one TAR."""
    return re.sub(r"[^0-9A-Za-z]", "", number).upper()


@dataclass(frozen=True)
class Authorization:
    number: str  # TAR / prior authorization number
    member_cin: str
    provider_npi: str
    plan: str
    code: str
    modifiers: tuple[str, ...]  # authorized modifiers; U8 and GQ are never on a TAR (001 ECM TAR tips)
    start: date
    end: date
    units: Decimal | None = None  # authorized units; None: not limited by units
    amount: Decimal | None = None  # authorized amount (e.g. housing deposit)
    documents_on_file: bool = True  # required documentation received (001 housing-deposit TAR)


@dataclass(frozen=True)
class Provider:
    npi: str
    tin: str
    name: str
    plans: tuple[str, ...]  # plans the provider is contracted with
    contracted: tuple[str, ...] = ()  # combination keys or categories the provider is contracted for; empty: all
    email: str = ""  # where notices go
    licence_type: str = ""  # rendering staff: "clinical" (licensed, 003 footnote 4), "non_clinical", ""
    phone: str = ""  # digits; a scanned box-33 phone is checked against it (check.records)
    address: str = ""  # street address on file; a scanned box-33 address likewise


@dataclass(frozen=True)
class ContractRate:
    """A provider's contracted rate for one combination, for plans that pay "the provider's fully executed
    contract" rates (Kaiser 000 FAQ 2; Kern 004 IV.B.1). Allowed = rate x units, never more than billed."""

    provider_npi: str
    plan: str
    combination: str  # CODE-MOD1-MOD2 as the catalog keys it (e.g. H2016-U6, G9008-U1-GQ)
    rate: Decimal  # per unit
    start: date
    end: date | None = None  # None: open-ended

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


class ReferenceSource(Protocol):
    def eligibility(self, member_cin: str) -> list[EligibilitySpan]: ...
    def authorizations(self, member_cin: str) -> list[Authorization]: ...
    def authorization(self, number: str) -> Authorization | None: ...
    def provider(self, npi: str) -> Provider | None: ...
    def contract_rates(self, npi: str) -> list[ContractRate]: ...

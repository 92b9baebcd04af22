"""Scanned values against the plan's own records: the member file, the provider roster, the TARs on file.

A misreading that looks like a value (one digit of a CIN, a TIN or a TAR number; a letter of a name) passes every
check of the value alone, and the reader can be sure of it. The plan's records can tell: a member record whose
name and date of birth are the ones read, a roster entry whose TIN is the one read. So, for a scanned claim only
(typed values are what the provider wrote, whatever they say). The reasons name no member value (PHI): staff
see the claim and the records beside them.

- **disagreement** makes a value doubtful, so a finding resting on it goes to staff, never to the provider:
  - the member record of the CIN read has another last name, first name or date of birth than the reading (and
    the CIN itself is doubtful when at most one of the three agrees: it may be another member's CIN misread);
  - the CIN read is on no member record, but a CIN one character away is, with the name and date of birth read;
  - the TIN or the phone number read is one or two digits off the roster's for the NPI read, the provider name or
    address a letter or two off the roster's; the member's street a letter or two off, or ZIP a digit or two off,
    the address on the member's record;
  - the TAR number read is on file for no one, but one of the member's TARs has a number one or two characters off;
  - a date read (birth, invoice, service) is after the day the plan received the claim.
- **agreement** confirms a value the reader was unsure of (low confidence, or its own repair): a CIN whose
  record has at least two of the last name, first name and date of birth read, and those values; a TIN equal
  to the roster's for the NPI read, and that NPI (and a name, address or phone number equal to the roster's, a
  street or ZIP equal to the member's); a TAR number
  on file for the member read. Such a value is what the provider wrote but for a misreading that lands exactly on
  the plan's record.

Only the reference protocol's own lookups are used (`ReferenceSource`): a CIN on no record costs one lookup
per CIN one character away (8 digit places x 9 + the letter's 25), only on scanned claims, only then.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from string import ascii_uppercase, digits

from rapidfuzz.distance import Hamming, Levenshtein

from ..model import Claim
from ..reference.model import EligibilitySpan, ReferenceSource, authorization_key

ValueRef = tuple[str, int | None]
IDENTITY = ("member_last_name", "member_first_name", "member_dob")
NAMES = {"member_last_name": "last name", "member_first_name": "first name", "member_dob": "date of birth"}
CIN = re.compile(r"[0-9]{8}[A-Z]")
NEAR_DIGITS = 2  # a TIN this many digits off the roster's is a misreading, not another TIN
NEAR_TAR_EDITS = 2  # a TAR number this many edits off one of the member's
SHORTEST_NEAR_TAR = 6  # shorter numbers are too near each other to tell a misreading from another TAR


@dataclass
class RecordCheck:
    """What the plan's records say about a claim's scanned values: value -> reason."""

    doubtful: dict[ValueRef, str] = field(default_factory=dict)
    confirmed: dict[ValueRef, str] = field(default_factory=dict)


NO_RECORDS = RecordCheck()


def compare_with_records(claim: Claim, reference: ReferenceSource, received: date | None = None) -> RecordCheck:
    """The record check of one claim; NO_RECORDS for a claim that was not read from a scan. `received`: the
    day the plan received the claim (a date read after it is doubtful)."""
    if claim.source_kind != "scan":
        return NO_RECORDS
    found = RecordCheck()
    _member(claim, reference, found)
    _provider(claim, reference, found)
    _authorization(claim, reference, found)
    if received is not None:
        _dates_after(claim, received, found)
    return found


def _dates_after(claim: Claim, received: date, found: RecordCheck) -> None:
    """A scanned date after the day the claim arrived was not written that way, or was written wrong: either
    way staff look first (a misread month or year, `06` for `05`, is the likelier)."""
    reason = "read as a date after the day the claim was received"
    for key in ("member_dob", "invoice_date"):
        value = getattr(claim, key)
        if isinstance(value, date) and value > received and key not in claim.invalid:
            found.doubtful[(key, None)] = reason
    for number, line in enumerate(claim.lines, start=1):
        for key in ("service_start_date", "service_end_date"):
            value = getattr(line, key)
            if isinstance(value, date) and value > received and key not in line.invalid:
                found.doubtful[(key, line.line_number or number)] = reason


# ---- the member ------------------------------------------------------------------------------------


def _member(claim: Claim, reference: ReferenceSource, found: RecordCheck) -> None:
    cin = claim.member_cin
    if not cin or "member_cin" in claim.invalid:
        return
    spans = reference.eligibility(cin)
    if not spans:
        _near_cin(claim, reference, found)
        return
    residence = next((span for span in spans if span.address or span.zip), None)
    if residence is not None:
        _near_text(claim, "member_address", residence.address, "the member's address on file", found)
        _near_digits(claim, "member_zip", residence.zip, "the member's ZIP code on file", found)
    record = _identity(spans)
    if record is None:
        return
    agree, differ = _compare_identity(claim, record)
    for key in differ:
        found.doubtful[(key, None)] = f"the member record of the CIN read has another {NAMES[key]}"
    if len(agree) >= 2:
        reason = "the member record of the CIN read has the " + " and ".join(NAMES[key] for key in agree) + " read"
        for key in ("member_cin", *agree):
            found.confirmed[(key, None)] = reason
    elif differ:
        found.doubtful[("member_cin", None)] = (
            f"the member record of the CIN read has another {' and '.join(NAMES[k] for k in differ)}: "
            "the CIN may be misread"
        )


def _near_cin(claim: Claim, reference: ReferenceSource, found: RecordCheck) -> None:
    """A CIN on no record: is a CIN one character away the record of the member read?"""
    cin = claim.member_cin or ""
    if not CIN.fullmatch(cin):
        return
    for near in _one_character_away(cin):
        record = _identity(reference.eligibility(near))
        if record is not None and len(_compare_identity(claim, record)[0]) >= 2:
            found.doubtful[("member_cin", None)] = (
                "the CIN read is on no member record; a CIN one character away is the record of the member "
                "named and born as read"
            )
            return


def _one_character_away(cin: str):
    for place, character in enumerate(cin):
        for other in digits if character.isdigit() else ascii_uppercase:
            if other != character:
                yield cin[:place] + other + cin[place + 1 :]


def _identity(spans: list[EligibilitySpan]) -> EligibilitySpan | None:
    """The member's name and date of birth on file (any span that has them)."""
    return next((span for span in spans if span.last_name or span.first_name or span.dob), None)


def _compare_identity(claim: Claim, record: EligibilitySpan) -> tuple[list[str], list[str]]:
    """(identity values read that agree with the record, those that differ); a value missing on either side is
    neither."""
    agree: list[str] = []
    differ: list[str] = []
    for key, on_file in zip(IDENTITY, (record.last_name, record.first_name, record.dob), strict=True):
        read = getattr(claim, key)
        if not on_file or read in (None, "") or key in claim.invalid:
            continue
        same = read == on_file if isinstance(on_file, date) else _same_name(str(read), on_file)
        (agree if same else differ).append(key)
    return agree, differ


def _same_name(read: str, on_file: str) -> bool:
    """Letters alike, case, spaces, hyphens and apostrophes aside; a first name read with its middle initial
    (`MARIA L`) is the same as `MARIA`."""
    read_words, file_words = _words(read), _words(on_file)
    if "".join(read_words) == "".join(file_words):
        return True
    return len(read_words) == 2 and len(read_words[1]) == 1 and read_words[0] == "".join(file_words)


def _words(name: str) -> list[str]:
    return [word for word in re.sub(r"[^A-Z ]", "", name.upper().replace("-", " ")).split() if word]


# ---- the provider and the TAR --------------------------------------------------------------------------


def _provider(claim: Claim, reference: ReferenceSource, found: RecordCheck) -> None:
    npi = claim.billing_provider_npi
    if not npi or "billing_provider_npi" in claim.invalid:
        return
    provider = reference.provider(npi)
    if provider is None:
        return
    _near_text(claim, "billing_provider_name", provider.name, "the provider name on the roster", found, letters=True)
    _near_text(claim, "billing_provider_address", provider.address, "the provider address on the roster", found)
    _near_digits(claim, "billing_provider_phone", provider.phone, "the phone number on the provider roster", found)
    _near_digits(claim, "billing_provider_tin", provider.tin, "the TIN on the provider roster for the NPI read", found)
    # a misread NPI would have to land on another roster entry with the very TIN read: the pair confirms both
    if ("billing_provider_tin", None) in found.confirmed:
        found.confirmed[("billing_provider_npi", None)] = "the provider roster has the TIN read for this NPI"


def _near_text(claim: Claim, key: str, on_file: str, where: str, found: RecordCheck, letters: bool = False) -> None:
    """A name or street read against the one on file (letters and digits, case and punctuation aside; `letters`:
    a name's letters alone, a digit in it being a misread letter): the same confirms it; a character or two off
    is a misreading; further off is the provider's own (a trade name, a new address, `AVENUE` for `AVE`):
    nothing said."""
    read = getattr(claim, key)
    if not read or not on_file or key in claim.invalid:
        return
    plain = _letters if letters else _plain
    read_plain, file_plain = plain(str(read)), plain(on_file)
    edits = Levenshtein.distance(read_plain, file_plain)
    if edits == 0:
        found.confirmed[(key, None)] = f"equal to {where}"
    elif edits <= max(1, len(file_plain) // 8):
        found.doubtful[(key, None)] = f"{edits} character(s) off {where}"


def _letters(text: str) -> str:
    return " ".join(_words(text))


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^A-Z0-9 ]", " ", text.upper()).split())


def _near_digits(claim: Claim, key: str, on_file: str, where: str, found: RecordCheck) -> None:
    """A number read against the one on file: equal confirms it, one or two digits off is a misreading."""
    read = getattr(claim, key)
    if not read or not on_file or key in claim.invalid:
        return
    if read == on_file:
        found.confirmed[(key, None)] = f"equal to {where}"
    elif len(read) == len(on_file) and Hamming.distance(read, on_file) <= NEAR_DIGITS:
        found.doubtful[(key, None)] = f"{Hamming.distance(read, on_file)} digit(s) off {where}"


def _authorization(claim: Claim, reference: ReferenceSource, found: RecordCheck) -> None:
    number = claim.authorization_number
    if not number or "authorization_number" in claim.invalid:
        return
    tar = reference.authorization(number)
    if tar is not None:
        if tar.member_cin == claim.member_cin:
            found.confirmed[("authorization_number", None)] = "a TAR of the member read has this number"
        return
    key = authorization_key(number)
    if len(key) < SHORTEST_NEAR_TAR or not claim.member_cin:
        return
    for tar in reference.authorizations(claim.member_cin):
        edits = Levenshtein.distance(key, authorization_key(tar.number), score_cutoff=NEAR_TAR_EDITS)
        if edits <= NEAR_TAR_EDITS:
            found.doubtful[("authorization_number", None)] = (
                f"no TAR on file has this number; a TAR of the member read has a number {edits} character(s) off it"
            )
            return

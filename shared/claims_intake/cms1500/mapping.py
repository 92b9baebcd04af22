"""CMS-1500 box readings -> DHCS claims (the 37 minimum data elements, seed 000 Tables 1-4).

Both sources feed this module: the fields of a filled fillable PDF (confidence 1.0) and the boxes
read by OCR (Tesseract's confidence). One claim per form page; a page whose patient and billing
provider repeat the previous page's, after a page with all six lines used, continues that claim
(NUCC: a claim with more than six lines goes on further forms, total charge on the last).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from ..catalog import combination_key, dhcs_catalog, plan_ids, plan_profile
from ..elements import element, required_keys
from ..model import Claim, ExtractError, Provenance, ServiceLine
from ..validators import NPI_LENGTH, is_valid_icd10, is_valid_npi
from . import parse, places
from .parse import Fixed

LINES_PER_PAGE = 6
DIAGNOSIS_LETTERS = "ABCDEFGHIJKL"
HOMELESS_DIAGNOSES = ("Z5900", "Z5901", "Z5902")  # ICD-10-CM Z59.0x homelessness
HOMELESS_WORDS = re.compile(r"\b(homeless|unhoused|no fixed address|general delivery)\b", re.IGNORECASE)


@dataclass(frozen=True)
class CinDecode:
    """Box 1a read as a CIN: the eight digits with the probability that all of them are right (each
    glyph's share among the digits, multiplied), and the letter with its share among the letters. The
    network learnt every CIN letter from box 1a's glyphs too, yet a lone letter has no code set to check
    it against, so the letter counts for less than the digits (`_weigh_cin_decode`). Made by ocr/codes.py."""

    digits: str
    share: float
    letter: str
    letter_share: float


@dataclass(frozen=True)
class Reading:
    """The text of one box and how sure the reader is of it (1.0 for a fillable PDF's field)."""

    text: str
    confidence: float = 1.0
    read_again: bool = False  # taken from a second reading because the first did not parse
    repaired: str | None = None  # the reader took another reader's characters over Tesseract's, and why
    # whole values the readers make plausible (another reader's, a reader's second choices), for an
    # independent check of the value (an NPI's check digit) to choose among
    alternatives: tuple[str, ...] = ()
    # two independent readers agree on all but at most one character: a check that picks one
    # alternative differing there confirms it (else the pick is a repair for staff)
    readers_agree: bool = False
    # a code cell of a fax (24D, box 21, 24E): the code reader's share of the probability for its
    # decode, which is `alternatives`[0] (ocr/codes.py)
    decode_share: float | None = None
    # box 1a of a fax: the code reader's reading of it as a CIN's eight digits and letter (ocr/codes.py)
    cin_decode: CinDecode | None = None
    # a code cell whose reading breaks its shape (a box-21 code starting with a digit): the line recogniser's own
    # sure reading of it (ocr/lines.py), which confirms a parse rule's repair that reaches the same code
    recognised: str | None = None
    # the check a reader chose this value by (an NPI taken among values that pass the NPI check digit): that check
    # passing is then no confirmation of it
    chosen_by: str | None = None


@dataclass
class FormPage:
    page: int  # 1-based page of the file
    readings: dict[str, Reading] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # e.g. "rotated 180 degrees"

    def text(self, name: str) -> str:
        reading = self.readings.get(name)
        return reading.text.strip() if reading else ""

    def confidence(self, *names: str) -> float:
        values = [self.readings[n].confidence for n in names if n in self.readings]
        return min(values) if values else 1.0

    def alternatives(self, name: str) -> tuple[str, ...]:
        reading = self.readings.get(name)
        return reading.alternatives if reading else ()

    def sure_decode(self, name: str, least: float | None = None) -> str | None:
        """The fax code reader's decode of the cell, when it is sure of it (share >= `least`, SURE_DECODE unless
        given)."""
        reading = self.readings.get(name)
        least = SURE_DECODE if least is None else least
        if reading is None or reading.decode_share is None or reading.decode_share < least:
            return None
        return reading.alternatives[0] if reading.alternatives else None

    def recognised(self, name: str) -> str | None:
        reading = self.readings.get(name)
        return reading.recognised if reading else None

    def readers_agree(self, name: str) -> bool:
        reading = self.readings.get(name)
        return bool(reading and reading.readers_agree)

    def has_data(self) -> bool:
        return any(r.text.strip() for r in self.readings.values())


TOTAL_CONFIRMED = 0.95  # an amount the box-28 total agrees with
REPAIRED_CONFIDENCE = 0.7  # a value the reader changed, unconfirmed: below any review threshold in use
# Box 28 is taken from the 24F sum (for staff) only when its reading is at least this much less sure than the
# least sure charge's (on misprinted copies a total whose typing crossed the box's print read 0.0-0.45, its
# charges 0.8-0.96)
TOTAL_DOUBT_MARGIN = 0.3
TOTAL_FROM_CHARGES = "taken as the sum of the 24F charges"
NAME_WITHOUT_COMMA_CONFIDENCE = 0.5


class ClaimBuilder:
    """Sets elements on a claim or line with provenance (page, box, raw text, confidence).

    OCR readings go through the parse rules' repairs; a fillable PDF's values are what the provider
    typed, so a rule that would change characters (a CIN's last digit taken for a letter, a leading 2
    for a Z) leaves them as typed, for the check to judge."""

    def __init__(self, file: str, page: FormPage, ocr: bool = True):
        self.file = file
        self.page = page
        self.ocr = ocr

    def put(self, target, key: str, fixed: Fixed, box: str, names: tuple[str, ...], raw: str | None = None) -> None:
        raw_text = raw if raw is not None else " ".join(self.page.text(n) for n in names if self.page.text(n))
        if fixed.repaired and not self.ocr:
            fixed = Fixed(" ".join(raw_text.split()))
        if self.ocr:
            fixed = _with_reading_repairs(fixed, [self.page.readings[n] for n in names if n in self.page.readings])
        if not fixed.text:
            return
        confidence = round(max(self.page.confidence(*names) * fixed.factor, fixed.floor), 3)
        if fixed.repaired and fixed.floor < parse.CONFIRMED:
            confidence = min(confidence, REPAIRED_CONFIDENCE)
        source = Provenance(
            file=self.file,
            page=self.page.page,
            box=box,
            raw=raw_text,
            confidence=confidence,
            derived=None if fixed.repaired else fixed.note,
            repaired=fixed.repaired,
        )
        target.set_raw(key, fixed.text, source)


def _with_reading_repairs(fixed: Fixed, readings: list[Reading]) -> Fixed:
    """A value built from cells another reader changed is a repair; an independent check of the value
    confirms it only when the parse rule says which check did (`Fixed.confirmed_by`), and the note
    names that check. A confidence floor without a named check confirms no reader's repair, nor does a check the
    reader chose the value by (`Reading.chosen_by`)."""
    notes = [r.repaired for r in readings if r.repaired]
    if not notes or not fixed.text:
        return fixed
    chosen_by_the_check = any(r.chosen_by and r.chosen_by == fixed.confirmed_by for r in readings)
    if fixed.floor >= parse.CONFIRMED and fixed.confirmed_by and not chosen_by_the_check:
        notes = [f"{note}, confirmed by {fixed.confirmed_by}" if "confirmed" not in note else note for note in notes]
        floor = fixed.floor
    else:
        floor = min(fixed.floor, REPAIRED_CONFIDENCE)
    repaired = "; ".join(dict.fromkeys(filter(None, [fixed.repaired, *notes])))
    return Fixed(fixed.text, fixed.factor, fixed.note, floor, repaired, fixed.confirmed_by)


def page_claim(file: str, page: FormPage, ocr: bool = True) -> Claim:
    claim = Claim(source_kind="scan", pages=[page.page])
    put = ClaimBuilder(file, page, ocr).put
    text = page.text

    put(claim, "member_cin", _member_cin(page, ocr), "1a", ("insurance_id",))
    _member_name(claim, page, put, ocr)
    if text("birth_mm") or text("birth_yy"):
        put(
            claim,
            "member_dob",
            parse.date_from_cells(text("birth_mm"), text("birth_dd"), text("birth_yy"), birth=True),
            "3",
            ("birth_mm", "birth_dd", "birth_yy"),
        )
    put(claim, "member_address", parse.fix_street(text("pt_street")), "5", ("pt_street",))
    put(claim, "member_city", parse.fix_address(text("pt_city")), "5", ("pt_city",))
    put(claim, "member_zip", parse.fix_zip(text("pt_zip")), "5", ("pt_zip",))
    if text("pt_state"):
        claim.extras["member_state"] = parse.fix_state(text("pt_state")).text

    payer = text("insurance_name") or text("ins_plan_name")
    payer_box = ("insurance_name",) if text("insurance_name") else ("ins_plan_name",)
    put(
        claim,
        "payer_name",
        parse.fix_payer(payer, payer_names()),
        "carrier" if text("insurance_name") else "11c",
        payer_box,
    )
    _derive_payer_id(claim)

    put(claim, "billing_provider_tin", parse.fix_tin(text("tax_id")), "25", ("tax_id",))
    if text("ssn"):
        claim.extras["billing_provider_tin_type"] = text("ssn")  # SSN or EIN mark of box 25
    put(claim, "medical_record_number", parse.fix_identifier(text("pt_account")), "26", ("pt_account",))
    put(claim, "invoice_number", parse.fix_identifier(text("pt_account")), "26", ("pt_account",))
    if text("t_charge"):
        put(claim, "invoice_amount", parse.fix_money(text("t_charge")), "28", ("t_charge",))
    put(
        claim,
        "invoice_date",
        parse.fix_date(text("physician_date")) if text("physician_date") else Fixed(""),
        "31",
        ("physician_date",),
    )
    put(claim, "control_number", parse.fix_identifier(text("original_ref")), "22", ("original_ref",))
    put(claim, "authorization_number", parse.fix_authorization(text("prior_auth")), "23", ("prior_auth",))
    _billing_provider(claim, page, put)

    diagnoses = _diagnoses(claim, page, ocr)
    page_lines = []  # each claim line's row on the form (24, rows 1-6): its boxes' names
    for number in range(1, LINES_PER_PAGE + 1):
        line = _service_line(file, page, number, diagnoses, ocr)
        if line is not None:
            line.line_number = len(claim.lines) + 1
            claim.lines.append(line)
            page_lines.append(number)
    if ocr:
        choose_amounts(claim, page, page_lines)
        for city, state, zip_code in places.ADDRESSES:
            check_address(claim, city, state, zip_code)
    return claim


def check_address(claim: Claim, city_key: str, state_key: str, zip_key: str) -> None:
    """A city, state and ZIP that no place of the ZIP code table has, taken for the one place a letter or two
    (or one ZIP digit) away when exactly one is (`places.repair`): each changed value is a `repaired` value,
    below the review threshold unless city and ZIP pointed to the place independently."""
    city, zip_code = getattr(claim, city_key), getattr(claim, zip_key) or claim.invalid.get(zip_key)
    state = getattr(claim, state_key, None) or claim.extras.get(state_key) or claim.invalid.get(state_key)
    found = places.repair(city, state, zip_code)
    if found is None:
        return
    if found.confirmed and _zip_read_again(claim, zip_key):
        # the ZIP is itself a second reader's repair: what it points to is for staff as well
        found = replace(found, confirmed=False, note=found.note.replace(f", {places.CONFIRMED_BY_TABLE}", ""))
    plus_four = str(zip_code)[5:] if len(str(zip_code)) == 9 else ""
    # the table's name as USPS writes it, in capitals (a reading's small letters are often misreadings: 'SClO')
    new = {"city": found.city, "state": found.state, "zip": found.zip_code + plus_four}
    for label, key in (("city", city_key), ("state", state_key), ("zip", zip_key)):
        if label not in found.changed:
            continue
        if key not in claim.provenance:  # box 5's state: read for the extras, no element of its own
            claim.extras[f"{key}_read"], claim.extras[key] = claim.extras.get(key), new[label]
            continue
        source = claim.provenance[key]
        confidence = source.confidence or 0.0
        confidence = max(confidence, parse.CONFIRMED) if found.confirmed else min(confidence, REPAIRED_CONFIDENCE)
        repaired = "; ".join(filter(None, [source.repaired, found.note]))
        claim.invalid.pop(key, None)
        claim.set_raw(key, new[label], source.model_copy(update={"confidence": confidence, "repaired": repaired}))


def _zip_read_again(claim: Claim, zip_key: str) -> bool:
    source = claim.provenance.get(zip_key)
    return bool(source and source.repaired and "fax digit reader" in source.repaired)


# Choices among the amounts' readings (the product of their counts): a sum to the cent that one of this many
# choices meets by chance is rare (their differences run to tens or hundreds of dollars); more, and it is no evidence
MAX_AMOUNT_CHOICES = 64


def choose_amounts(claim: Claim, page: FormPage, page_lines: list[int]) -> None:
    """Box 28 and the 24F charges of one page, each read by Tesseract and, where it read otherwise,
    by the fax digit reader (the reading's `alternatives`), and each whose dollars end in a '1' also without
    that '1' (`_without_rule`): when the amounts as read do not add up and exactly one choice among the
    readings does (box 28 = the sum of 24F), that choice is taken, confirmed by box 28 total. Several
    choices that add up: the one whose changed lines all equal units x the combination's known rate, if
    only one; else staff. `page_lines`: the form's row (24, 1-6) each of the claim's lines was read from."""
    boxes: list[tuple[Claim | ServiceLine, str, str]] = [(claim, "invoice_amount", "t_charge")]
    boxes += [(line, "charge_amount", f"ch{row}") for line, row in zip(claim.lines, page_lines, strict=True)]
    if any(getattr(target, key) is None for target, key, _ in boxes):
        return
    options = [_amount_options(getattr(target, key), page.alternatives(name)) for target, key, name in boxes]
    choices = math.prod(len(o) for o in options)
    if choices == 1 or choices > MAX_AMOUNT_CHOICES or sum(claim_charges(claim)) == claim.invoice_amount:
        return
    fits = [choice for choice in itertools.product(*options) if sum(choice[1:], Decimal(0)) == choice[0]]
    confirmation = "confirmed by box 28 total"
    if len(fits) > 1:
        fits = [
            choice
            for choice in fits
            if all(
                _priced(line, value, known_rates(claim, without=line))
                for line, value, read in zip(claim.lines, choice[1:], options[1:], strict=True)
                if value != read[0]
            )
        ]
        confirmation = "confirmed by box 28 total and 24G units x the rate"
    if len(fits) != 1:
        return
    for (target, key, _), value, read in zip(boxes, fits[0], options, strict=True):
        if value == read[0]:
            continue
        setattr(target, key, value)
        target.invalid.pop(key, None)
        source = target.provenance[key]
        box = "box 28" if key == "invoice_amount" else "24F"
        if value == _without_rule(read[0]):
            how = f"its last dollar digit '1' taken for the dollars/cents rule ({value})"
        else:
            how = f"the fax digit reader read {value}"
        why = f"{box} read {read[0]}; {how}, with which box 28 equals the sum of 24F"
        target.provenance[key] = source.model_copy(
            update={"repaired": f"{why}, {confirmation}", "confidence": min(source.confidence or 1.0, parse.CONFIRMED)}
        )
        if isinstance(target, ServiceLine):
            _derive_unit_cost(target)


def claim_charges(claim: Claim) -> list[Decimal]:
    return [line.charge_amount for line in claim.lines if line.charge_amount is not None]


def _amount_options(read: Decimal, alternatives: tuple[str, ...]) -> list[Decimal]:
    """The amount as read first, then each other reader's amount that parses, then the amount without a '1'
    ending its dollars (`_without_rule`)."""
    options = [read]
    for text in alternatives:
        fixed = parse.fix_money(text)
        if fixed.factor > parse.INVALID:
            value = Decimal(fixed.text)
            if value not in options:
                options.append(value)
    ruled = _without_rule(read)
    if ruled is not None and ruled not in options:
        options.append(ruled)
    return options


def _without_rule(amount: Decimal) -> Decimal | None:
    """The amount without the '1' that ends its dollars: the form's dashed dollars/cents rule, kept beside typing
    that touched it or lay off its box, reads as a '1' before the cents ('2241 50' for 224.50). None when the
    dollars do not end in '1' after another digit."""
    dollars, cents = f"{amount:.2f}".split(".")
    if len(dollars) < 2 or not dollars.endswith("1"):
        return None
    return Decimal(f"{dollars[:-1]}.{cents}")


def _member_name(claim: Claim, page: FormPage, put, ocr: bool = True) -> None:
    """Box 2 as the form instructs: 'LAST, FIRST, MI'. Written without a comma, the name is kept as
    read (first word as the last name, the rest as the first name, the form's order) and flagged."""
    written = parse.fix_text(page.text("pt_name")).text
    if not written:
        return
    name = parse.split_person_name(written)
    commas = parse.period_for_comma(written) if ocr else None
    if commas:
        name = parse.split_person_name(commas)
    if name:
        for key, value in (("member_last_name", name[0]), ("member_first_name", name[1])):
            fixed = parse.fix_text(value)
            repairs = ["box 2: a '.' or ';' read where the comma belongs"] if commas else []
            trimmed = parse.trim_stray_ends(fixed.text) if ocr else fixed.text
            if trimmed != fixed.text:
                repairs.append(f"read {fixed.text!r}: a mark no name holds at its end dropped (a speck)")
            if repairs:
                fixed = Fixed(trimmed, parse.CORRECTED, repaired="; ".join(repairs))
            put(claim, key, fixed, "2", ("pt_name",))
        if name[2]:
            claim.extras["member_middle_initial"] = name[2]
        return
    words = written.split()
    last, first = words[0], " ".join(words[1:])
    note = "box 2 written without a comma: split in the form's order (LAST FIRST MI); staff confirm which is which"
    for key, value in (("member_last_name", last), ("member_first_name", first)):
        if value:
            claim.set_raw(
                key,
                value,
                Provenance(
                    box="2",
                    page=page.page,
                    raw=page.text("pt_name"),
                    confidence=NAME_WITHOUT_COMMA_CONFIDENCE,
                    repaired=note,
                ),
            )
    claim.extras["member_name_as_written"] = written


def _billing_provider(claim: Claim, page: FormPage, put) -> None:
    text = page.text
    put(
        claim,
        "billing_provider_npi",
        parse.fix_npi(text("pin"), page.alternatives("pin"), page.readers_agree("pin")),
        "33a",
        ("pin",),
    )
    put(claim, "billing_provider_name", parse.fix_address(text("doc_name")), "33", ("doc_name",))
    person = parse.split_person_name(parse.fix_text(text("doc_name")).text)
    if person:  # an individual billing provider writes 'LAST, FIRST'
        put(claim, "billing_provider_last_name", parse.fix_text(person[0]), "33", ("doc_name",))
        put(claim, "billing_provider_first_name", parse.fix_text(person[1]), "33", ("doc_name",))
    put(claim, "billing_provider_address", parse.fix_street(text("doc_street")), "33", ("doc_street",))
    location = text("doc_location")
    city_state_zip = parse.split_city_state_zip(location)
    zip_names: tuple[str, ...] = ("doc_location",)
    read_again = text(LOCATION_ZIP)
    if read_again:
        if city_state_zip and re.fullmatch(r"\d{5}", city_state_zip[2]):  # a second opinion on a clean ZIP
            city_state_zip = (city_state_zip[0], city_state_zip[1], read_again)
        else:
            city_state_zip = _with_zip_read_again(location, read_again) or city_state_zip
        zip_names = ("doc_location", LOCATION_ZIP)
    if city_state_zip:
        city, state, zip_code = city_state_zip
        put(claim, "billing_provider_city", parse.fix_address(city), "33", ("doc_location",))
        put(claim, "billing_provider_state", parse.fix_state(state), "33", ("doc_location",))
        put(claim, "billing_provider_zip", parse.fix_zip(zip_code), "33", zip_names, raw=location)
    elif location:
        claim.invalid["billing_provider_city"] = location
    phone = text("doc_phone area") + text("doc_phone")
    if phone:
        put(claim, "billing_provider_phone", parse.fix_digits(phone, 10), "33", ("doc_phone area", "doc_phone"))


LOCATION_ZIP = "doc_location zip"  # box 33's ZIP read again by the fax digit reader (ocr/digits.py)
WORDS_A_ZIP_READS_AS = 3  # Tesseract's reading of a ZIP as letters: at most this many words ('US ti', 'Y todd')


def _with_zip_read_again(location: str, digits: str) -> tuple[str, str, str] | None:
    """Box 33's line split with its ZIP as the fax digit reader read it: the last one to three words Tesseract
    read (the ZIP as letters) replaced by the digits; of the lines that split, the first whose state is the
    ZIP's ('PUY NOEL CA US ti': 'CA', not 'US'), else the one with the fewest words replaced."""
    words = location.split()
    splits = [
        split
        for count in range(1, min(WORDS_A_ZIP_READS_AS, len(words) - 1) + 1)
        if (split := parse.split_city_state_zip(" ".join([*words[:-count], digits]))) and split[2] == digits
    ]
    entry = places.zip_entry(digits)
    in_its_state = [split for split in splits if entry is not None and split[1] == entry.state]
    best = in_its_state or splits
    return best[0] if best else None


def _diagnoses(claim: Claim, page: FormPage, ocr: bool = True) -> dict[str, tuple[str, float, str | None]]:
    """Box 21 A-L: letter -> (ICD-10 code, confidence, what was repaired)."""
    codes = {}
    for index, letter in enumerate(DIAGNOSIS_LETTERS, start=1):
        name = f"diagnosis{index}"
        if page.text(name):
            fixed = parse.fix_icd10(page.text(name))
            if ocr:
                fixed = _confirmed_by_recogniser(fixed, page.recognised(name), parse.fix_icd10)
            typed = re.sub(r"[^0-9A-Za-z]", "", page.text(name)).upper()
            if not ocr and (fixed.repaired or is_valid_icd10(typed)):  # typed into a fillable PDF: as typed
                fixed = Fixed(typed)
            decoded = page.sure_decode(name) if ocr else None
            if decoded:
                fixed = _weigh_icd_decode(fixed, decoded)
            elif ocr and _no_code(fixed) and (likely := page.sure_decode(name, LIKELY_DECODE)):
                fixed = _likeliest_icd_decode(fixed, likely)
            if ocr:  # the reader's doubt about the box (typing the form's erase cut) stays with its code
                fixed = _with_reading_repairs(fixed, [page.readings[name]])
            confidence = round(max(page.confidence(name) * fixed.factor, fixed.floor), 3)
            if fixed.repaired and fixed.floor < parse.CONFIRMED:
                confidence = min(confidence, REPAIRED_CONFIDENCE)
            codes[letter] = (fixed.text, confidence, f"21{letter}: {fixed.repaired}" if fixed.repaired else None)
    if codes:
        claim.extras["diagnoses_box21"] = {letter: code for letter, (code, _, _) in codes.items()}
    return codes


def _service_line(
    file: str, page: FormPage, n: int, diagnoses: dict[str, tuple[str, float, str | None]], ocr: bool = True
) -> ServiceLine | None:
    text = page.text
    # A line is there when its code, its charge or its From date is: a speck read in one other cell
    # (a fax's noise in 24G) is not a service line.
    start_cells = [f"sv{n}_mm_from", f"sv{n}_dd_from", f"sv{n}_yy_from"]
    if not (text(f"cpt{n}") or text(f"ch{n}") or sum(bool(text(c)) for c in start_cells) >= 2):
        return None
    line = ServiceLine()
    put = ClaimBuilder(file, page, ocr).put
    box = lambda label: f"{label} line {n}"
    start = (f"sv{n}_mm_from", f"sv{n}_dd_from", f"sv{n}_yy_from")
    end = (f"sv{n}_mm_end", f"sv{n}_dd_end", f"sv{n}_yy_end")
    start_cells, end_cells = [text(c) for c in start], [text(c) for c in end]
    filled: list[str] = []
    if ocr:
        start_cells, end_cells, filled = parse.complete_line_dates(start_cells, end_cells, service_year(page))
        start_cells, end_cells, chosen = _dates_in_order(page, (start, end), (start_cells, end_cells))
        filled += chosen + _read_again_notes(page, start, end)
    if any(start_cells):
        put(line, "service_start_date", _line_date(start_cells, filled, "From"), box("24A"), start)
    if any(end_cells):
        put(line, "service_end_date", _line_date(end_cells, filled, "To"), box("24A"), end)
    elif line.service_start_date:  # NUCC: the To date may be left blank for a one-day service
        line.service_end_date = line.service_start_date
        line.provenance["service_end_date"] = line.provenance["service_start_date"].model_copy(
            update={"derived": "To date blank: same as From (one-day service)"}
        )
    if ocr and not filled and any(end_cells):
        _vouch_for_each_other(line, page, start, end)
    if text(f"place{n}"):
        put(line, "place_of_service", parse.fix_cell(text(f"place{n}"), 2), box("24B"), (f"place{n}",))
    _procedure(line, page, n, put, ocr)
    if text(f"diag{n}"):
        _line_diagnoses(line, page, n, diagnoses, file)
        if not ocr:
            _drop_repairs(line)
    if text(f"ch{n}"):
        put(line, "charge_amount", parse.fix_money(text(f"ch{n}")), box("24F"), (f"ch{n}",))
    put(
        line, "unit_count", parse.fix_units(text(f"day{n}")) if text(f"day{n}") else Fixed(""), box("24G"), (f"day{n}",)
    )
    put(
        line,
        "rendering_provider_npi",
        parse.fix_npi(text(f"local{n}"), page.alternatives(f"local{n}"), page.readers_agree(f"local{n}"))
        if text(f"local{n}") or page.alternatives(f"local{n}")  # a cell read empty may hold a reader's candidate
        else Fixed(""),
        box("24J"),
        (f"local{n}",),
    )
    if text(f"type{n}"):
        line.extras["emergency"] = text(f"type{n}")  # 24C EMG
    _confirm_by_catalog(line)
    _derive_unit_cost(line)
    _derive_service_name(line)
    return line


def _procedure(line: ServiceLine, page: FormPage, n: int, put, ocr: bool) -> None:
    """24D: the code and its modifiers. A code not read as a catalog code (or read only by a shape
    repair) is taken with its modifiers for the one DHCS combination nearest to both
    (`parse.snap_combination`): a flagged repair. Otherwise, or when none or several are that near,
    the modifiers alone are fitted to the code as read; when they needed that, the code, which may be
    the misread half of the pair, is doubted too. On a fax, the code reader's catalog decode is then
    weighed against the result (`_weigh_code_decode`)."""
    box = f"24D line {n}"
    modifier_fields = (f"mod{n}", f"mod{n}a", f"mod{n}b", f"mod{n}c")
    code, modifiers = _procedure_as_read(page, n, modifier_fields, ocr)
    decoded = page.sure_decode(f"cpt{n}") if ocr else None
    if decoded:
        code, modifiers = _weigh_code_decode(code, modifiers, decoded.split())
    put(line, "procedure_code", code, box, (f"cpt{n}",))
    if modifiers is not None:
        put(line, "procedure_modifiers", modifiers, box, modifier_fields)


def _procedure_as_read(page: FormPage, n: int, modifier_fields, ocr: bool) -> tuple[Fixed, Fixed | None]:
    text = page.text
    code = parse.fix_hcpcs(text(f"cpt{n}")) if text(f"cpt{n}") else Fixed("")
    if ocr:
        code = _confirmed_by_recogniser(code, page.recognised(f"cpt{n}"), parse.fix_hcpcs)
    modifiers = [parse.fix_modifier(text(m)) for m in modifier_fields if text(m)]
    read = [m.text for m in modifiers]
    as_read = dhcs_catalog().lookup(code.text, read)[0] is not None
    code_in_doubt = code.text not in dhcs_catalog().codes() or code.repaired is not None
    snapped = parse.snap_combination(text(f"cpt{n}"), read) if ocr and code_in_doubt and not as_read else None
    if snapped is not None:
        chosen_code, chosen_modifiers, why = snapped
        if chosen_code != code.text or code.repaired:
            code = Fixed(chosen_code, parse.CORRECTED * 0.9, "DHCS combination", repaired=why)
        if chosen_modifiers != read or any(m.repaired for m in modifiers):
            return code, Fixed(" ".join(chosen_modifiers), parse.CORRECTED, repaired=why)
        return code, Fixed(" ".join(read)) if modifiers else None
    corrected, note = parse.fix_modifiers_for_code(code.text, read) if modifiers else (read, None)
    if ocr and note and not code.repaired:  # the pair did not fit as read: either half may be the misread one
        code = Fixed(code.text, min(code.factor, parse.INVALID), code.note)
    if not modifiers:
        return code, None
    factor = min(m.factor for m in modifiers) * (parse.CORRECTED if note else 1.0)
    if ocr and not note and not set(corrected) <= parse.known_modifiers():
        # Read as a modifier no catalog combination uses ('YL'), and no one combination near it:
        # a misreading more likely than a new modifier. Staff read it.
        factor = min(factor, parse.INVALID)
    repaired = "; ".join(filter(None, [*(m.repaired for m in modifiers), note])) or None
    return code, Fixed(
        " ".join(corrected), factor, note or next((m.note for m in modifiers if m.note), None), repaired=repaired
    )


CODE_READER = "the fax code reader"
SURE_DECODE = 0.9  # the code reader's share for its decode at least this: it confirms, or is offered as a repair


def _weigh_code_decode(code: Fixed, modifiers: Fixed | None, decoded: list[str]) -> tuple[Fixed, Fixed | None]:
    """Tesseract's 24D line against the code reader's sure catalog decode. Agreement (the decode equal
    to the line, as read or as snapped) confirms both halves: two readers that share no recognition
    reached one combination out of the catalog's. A decode that differs is offered to staff as a
    repair. (An unsure decode is not weighed at all.)"""
    ours = [code.text, *(modifiers.text.split() if modifiers is not None else [])]
    if decoded == ours:
        return _confirmed(code), _confirmed(modifiers) if modifiers is not None else None
    why = f"read by {CODE_READER} as {' '.join(decoded)!r} (Tesseract read {' '.join(ours)!r})"
    taken = Fixed(" ".join(decoded[1:]), parse.CORRECTED, repaired=why) if len(decoded) > 1 else None
    return Fixed(decoded[0], parse.CORRECTED, repaired=why), taken


def _weigh_icd_decode(fixed: Fixed, decoded: str) -> Fixed:
    """A box-21 code against the code reader's sure decode over the ICD-10-CM code set, as for 24D: it
    confirms the code as parsed, or is offered to staff as a repair."""
    if decoded == fixed.text:
        return _confirmed(fixed)
    return Fixed(
        decoded, parse.CORRECTED, repaired=f"read by {CODE_READER} as {decoded!r} (Tesseract read {fixed.text!r})"
    )


# the code reader's decode at least this share of its length's codes (likelier than all others together): the
# cell's reading when what Tesseract read is no code at all, as a repair for staff
LIKELY_DECODE = 0.5


def _no_code(fixed: Fixed) -> bool:
    """A box-21 reading that is no ICD-10-CM code, billable or a category ('10' for I10, 'I25902' for Z5902)."""
    return fixed.factor == parse.INVALID and not parse.icd10_category(fixed.text)


def _likeliest_icd_decode(fixed: Fixed, decoded: str) -> Fixed:
    """A box-21 reading that is no code, replaced by the code reader's likeliest code (unsure: staff check it)."""
    why = f"read {fixed.text!r}, no ICD-10-CM code: {CODE_READER} reads {decoded!r}, unsure"
    return Fixed(decoded, parse.CORRECTED, repaired=why)


def _weigh_pointer_decode(pointers: Fixed, decoded: str) -> Fixed:
    """24E pointers against the code reader's sure decode among box 21's filled letters: one that differs
    (a letter lost, 'A' for 'AB', or misread) is offered to staff as a repair; agreeing, box 21 already
    confirms the pointers."""
    if decoded == pointers.text:
        return pointers
    why = f"pointers read by {CODE_READER} as {decoded!r} (Tesseract read {pointers.text or '?'!r})"
    return Fixed(decoded, parse.CORRECTED, repaired=why)


def _member_cin(page: FormPage, ocr: bool) -> Fixed:
    """Box 1a as a CIN, weighed against the fax code reader's reading of it when there is one."""
    fixed = parse.fix_cin(page.text("insurance_id"))
    reading = page.readings.get("insurance_id")
    if not ocr or reading is None or reading.cin_decode is None or not fixed.text:
        return fixed
    return _weigh_cin_decode(fixed, reading.text, reading.cin_decode)


LETTER_TAKEN = 0.5  # the code reader's letter at least this share of the letters: it may fill a CIN's last place


def _weigh_cin_decode(fixed: Fixed, read: str, decoded: CinDecode) -> Fixed:
    """A CIN against the code reader's reading of its ink as eight digits and a letter. Sure of the digits
    (share >= SURE_DECODE): the digits and the letter Tesseract read (else the reader's own, when likelier
    than not) make the CIN; equal to the parsed one, it stands, confirmed when the reader's letter is sure and
    the same; different, it is a repair for staff. Unsure digits that differ from Tesseract's: the CIN is
    kept as read but goes to staff (a digit misread at Tesseract's full confidence, '10459237D' for
    10450237D, had passed silently). The network learnt few of the letters a CIN may end in, so its letter
    never overrules a letter Tesseract read."""
    ours, digits = fixed.text, decoded.digits
    if decoded.share < SURE_DECODE:
        if ours[: len(digits)] == digits:
            return fixed
        why = f"{CODE_READER} reads the digits as {digits!r}, unsure (Tesseract read {read!r}): staff read the box"
        return Fixed(ours, fixed.factor, fixed.note, fixed.floor, "; ".join(filter(None, [fixed.repaired, why])))
    letter = _letter_read(read) or (decoded.letter if decoded.letter_share >= LETTER_TAKEN else "")
    if not letter:
        return fixed
    if digits + letter == ours:
        agree = decoded.letter == letter and decoded.letter_share >= SURE_DECODE
        return _confirmed(fixed) if agree else fixed
    why = f"read by {CODE_READER} as {digits + letter!r} (Tesseract read {read!r})"
    return Fixed(digits + letter, parse.CORRECTED, repaired=why)


def _letter_read(read: str) -> str:
    """The letter Tesseract read at the end of box 1a, if it read one there."""
    cleaned = re.sub(r"[^0-9A-Za-z]", "", read).upper()
    return cleaned[-1] if cleaned and cleaned[-1].isalpha() else ""


LINE_RECOGNISER = "the line recogniser"


def _confirmed_by_recogniser(fixed: Fixed, recognised: str | None, rule: Callable[[str], Fixed]) -> Fixed:
    """A code a parse rule repaired (a box-21 '259.02' read as Z59.02) is confirmed when the line recogniser,
    which shares no recognition with Tesseract, read the cell as that code with nothing to repair."""
    if not fixed.repaired or not recognised:
        return fixed
    own = rule(recognised)
    if own.repaired or own.text != fixed.text or own.factor < 1.0:
        return fixed
    return _confirmed(fixed, LINE_RECOGNISER)


def _confirmed(fixed: Fixed, by: str = CODE_READER) -> Fixed:
    repaired = f"{fixed.repaired}, confirmed by {by}" if fixed.repaired else None
    return Fixed(fixed.text, fixed.factor, fixed.note, parse.CONFIRMED, repaired, by)


def _line_date(cells: list[str], filled: list[str], side: str) -> Fixed:
    """One 24A date from its cells. A cell taken from elsewhere (complete_line_dates) makes it a
    repair; a date that lent its cells to the other is marked too: the two now agree by
    construction, so their agreement confirms nothing and only staff can."""
    date = parse.date_from_cells(*cells)
    if not filled:
        return date
    notes = [note for note in filled if note.startswith(side)]
    if not notes:
        notes = ["kept as read, unconfirmed: the line's other date took its unreadable cells from this one"]
    repaired = "; ".join(filter(None, [date.repaired, *notes]))
    return Fixed(date.text, min(date.factor, parse.INVALID), date.note, repaired=repaired)


def _dates_in_order(
    page: FormPage, names: tuple[tuple[str, ...], tuple[str, ...]], cells: tuple[list[str], list[str]]
) -> tuple[list[str], list[str], list[str]]:
    """A From read after its To: one of them was misread. When a cell's other reading (a second reader's, kept
    among its `alternatives`) puts the From on or before the To, and exactly one such reading does, it is taken
    for the cell, a repair for staff; both dates say so (`_line_date`). Returns the cells and the notes."""
    start, end = _cells_date(cells[0]), _cells_date(cells[1])
    if start is None or end is None or start <= end:
        return cells[0], cells[1], []
    fits = []
    for side, (side_names, side_cells) in enumerate(zip(names, cells, strict=True)):
        for index, ((label, _, _), name) in enumerate(zip(parse.DATE_CELLS, side_names, strict=True)):
            if side_cells[index] != page.text(name):
                continue  # a cell taken from the other date: no reading of its own
            for other in page.alternatives(name):
                trial = [list(cells[0]), list(cells[1])]
                trial[side][index] = other
                first, last = _cells_date(trial[0]), _cells_date(trial[1])
                if first is not None and last is not None and first <= last:
                    fits.append((trial, side, label, side_cells[index], other))
    if len({(tuple(trial[0]), tuple(trial[1])) for trial, *_ in fits}) != 1:
        return cells[0], cells[1], []
    trial, side, label, read, other = fits[0]
    changed, kept = ("From", "To") if side == 0 else ("To", "From")
    notes = [
        f"{changed} {label} read {read!r}, another reader read {other!r}: the one reading that puts the From on or"
        " before the To",
        f"{kept} kept as read, unconfirmed: the line's From was after its To as read",
    ]
    return trial[0], trial[1], notes


def _vouch_for_each_other(line: ServiceLine, page: FormPage, start: tuple[str, ...], end: tuple[str, ...]) -> None:
    """A line's From and To read as one day, each from its own cells: a cell one reader chose over another's
    reading (a repair) is confirmed when the same cell of the other date reads the same two digits with no
    repair, since two pieces of ink read apart agree. A date whose every chosen cell is so vouched for is a
    confirmed repair (the calibration still weighs it); a cell chosen on both dates confirms nothing."""
    if line.service_start_date is None or line.service_start_date != line.service_end_date:
        return
    clean = {name: _clean_cell(page, name) for name in (*start, *end)}
    for key, own, other, vouching in (
        ("service_start_date", start, end, "To"),
        ("service_end_date", end, start, "From"),
    ):
        source = line.provenance.get(key)
        if source is None or not source.unconfirmed_repair:
            continue
        chosen = [(mine, theirs) for mine, theirs in zip(own, other, strict=True) if clean[mine] is None]
        if chosen and all(clean[theirs] is not None for _, theirs in chosen):
            line.provenance[key] = _vouched(source, f"the line's {vouching} date, its cells read apart and alike")


def _clean_cell(page: FormPage, name: str) -> str | None:
    """A 24A cell's two digits when they read as two digits with no reader's choice or repair, else None."""
    reading = page.readings.get(name)
    if reading is None or reading.repaired or not re.fullmatch(r"\d{2}", reading.text.strip()):
        return None
    return reading.text.strip()


def _cells_date(cells: list[str]) -> date | None:
    """The date of a 24A date's MM, DD and YY cells, None when they do not read as one."""
    fixed = parse.date_from_cells(*cells)
    if fixed.factor <= parse.INVALID:
        return None
    try:
        return datetime.strptime(fixed.text, "%m/%d/%Y").date()
    except ValueError:
        return None


def _read_again_notes(page: FormPage, start: tuple[str, ...], end: tuple[str, ...]) -> list[str]:
    """A 24A cell taken from a second reading was chosen because it parsed: staff verify it."""
    notes = []
    for side, cells in (("From", start), ("To", end)):
        for (label, _, _), name in zip(parse.DATE_CELLS, cells, strict=True):
            reading = page.readings.get(name)
            if reading is not None and reading.read_again:
                notes.append(f"{side} {label} read a second time, enlarged: the first reading was not two digits")
    return notes


def service_year(page: FormPage) -> str | None:
    """The two-digit year most 24A cells of the page read cleanly, when at least two agree."""
    years = Counter(
        year
        for n in range(1, LINES_PER_PAGE + 1)
        for side in ("from", "end")
        if (year := parse.readable_cell(page.text(f"sv{n}_yy_{side}"), 0, 99))
    )
    if not years:
        return None
    year, count = years.most_common(1)[0]
    return year if count >= 2 else None


def _line_diagnoses(line: ServiceLine, page: FormPage, n: int, diagnoses, file: str) -> None:
    """24E pointers (letters A-L) resolved to the codes of box 21."""
    pointers = parse.fix_pointers(page.text(f"diag{n}"))
    decoded = page.sure_decode(f"diag{n}")
    if decoded:
        pointers = _weigh_pointer_decode(pointers, decoded)
    if f"diag{n}" in page.readings:
        pointers = _with_reading_repairs(pointers, [page.readings[f"diag{n}"]])
    pointers = _pointers_to_filled_letters(pointers, page.alternatives(f"diag{n}"), diagnoses)
    missing = [p for p in pointers.text if p not in diagnoses]
    codes = [diagnoses[p][0] for p in pointers.text if p in diagnoses]
    read_by = page.readings.get(f"diag{n}")
    if read_by is not None and read_by.repaired and not pointers.repaired:  # another reader's, not Tesseract's
        pointers = Fixed(pointers.text, pointers.factor, pointers.note, pointers.floor, read_by.repaired)
    notes = [pointers.repaired] + [diagnoses[p][2] for p in pointers.text if p in diagnoses]
    repairs = "; ".join(note for note in notes if note) or None
    # A pointer that names a filled box-21 letter is confirmed by box 21 (only those letters are possible).
    pointer_confidence = page.confidence(f"diag{n}") * pointers.factor
    if pointers.text and not missing and not pointers.repaired:
        pointer_confidence = max(pointer_confidence, parse.CONFIRMED)
    if pointers.repaired:
        pointer_confidence = min(pointer_confidence, REPAIRED_CONFIDENCE)
    confidence = min([pointer_confidence] + [diagnoses[p][1] for p in pointers.text if p in diagnoses])
    source = Provenance(
        file=file,
        page=page.page,
        box=f"24E line {n}",
        raw=page.text(f"diag{n}"),
        confidence=round(confidence, 3),
        derived=f"pointers {pointers.text or '?'} -> box 21",
        repaired=repairs,
    )
    if missing or not codes:
        line.provenance["diagnosis_codes"] = source
        line.invalid["diagnosis_codes"] = page.text(f"diag{n}")
        line.extras["diagnosis_pointer_problem"] = (
            f"pointer(s) {''.join(missing) or page.text(f'diag{n}')} name no code in box 21"
        )
        if codes:
            line.diagnosis_codes = codes
        return
    line.set_raw("diagnosis_codes", " ".join(codes), source)
    line.extras["diagnosis_pointers"] = pointers.text


def _pointers_to_filled_letters(pointers: Fixed, alternatives: tuple[str, ...], diagnoses) -> Fixed:
    """24E read as naming a box-21 letter left blank, when another reader's reading of the cell names only filled
    letters: that reading, as a repair for staff (a pointer can only name a code box 21 holds)."""
    if not pointers.text or all(letter in diagnoses for letter in pointers.text):
        return pointers
    for other in alternatives:
        fixed = parse.fix_pointers(other)
        if fixed.text and all(letter in diagnoses for letter in fixed.text):
            why = f"24E read {pointers.text!r}, a box-21 letter left blank: another reader's {fixed.text!r} taken"
            return Fixed(fixed.text, parse.CORRECTED, repaired="; ".join(filter(None, [why, pointers.repaired])))
    return pointers


def _drop_repairs(line: ServiceLine) -> None:
    """A fillable PDF's pointers resolve to box 21 as typed: no repair notes to carry."""
    source = line.provenance.get("diagnosis_codes")
    if source and source.repaired:
        line.provenance["diagnosis_codes"] = source.model_copy(update={"repaired": None})


def _confirm_by_catalog(line: ServiceLine) -> None:
    """A code and modifiers that form a DHCS catalog combination as read confirm each other (43 valid
    combinations among ~10^9 possible strings): their confidence is at least CONFIRMED. Not when the
    combination was made by a repair: the repair chose it from the catalog, so the catalog cannot
    confirm it."""
    if dhcs_catalog().lookup(line.procedure_code, line.procedure_modifiers or ())[0] is None:
        return
    sources = [line.provenance.get(key) for key in ("procedure_code", "procedure_modifiers")]
    if any(source is not None and source.repaired for source in sources):
        return
    for key in ("procedure_code", "procedure_modifiers"):
        source = line.provenance.get(key)
        if source and source.confidence is not None and source.confidence < parse.CONFIRMED:
            line.provenance[key] = source.model_copy(update={"confidence": parse.CONFIRMED})


def _derive_unit_cost(line: ServiceLine) -> None:
    """Unit cost is 24F divided by 24G (seed 000 Table 3, 'Service Unit Cost(s)')."""
    if line.charge_amount is None or not line.unit_count:
        return
    cost = (line.charge_amount / line.unit_count).quantize(Decimal("0.01"))
    confidence = min(line.confidence("charge_amount") or 1.0, line.confidence("unit_count") or 1.0)
    line.set_raw(
        "unit_cost",
        str(cost),
        Provenance(box="24F/24G", confidence=confidence, derived="24F charge divided by 24G units"),
    )


def _derive_service_name(line: ServiceLine) -> None:
    combination, telehealth = dhcs_catalog().lookup(line.procedure_code, line.procedure_modifiers or ())
    if combination is None:
        return
    name = combination.service + (" (telehealth)" if telehealth and "GQ" not in combination.modifiers else "")
    line.set_raw(
        "service_name",
        name,
        Provenance(
            box="24D",
            confidence=line.confidence("procedure_code"),
            derived="DHCS catalog name of the billed code and modifiers",
        ),
    )


@cache
def payer_names() -> dict[str, str]:
    """Every plan's payer names (data/plans.yaml), upper case, each with its plan."""
    return {
        name.upper(): plan_id for plan_id in plan_ids() for name in plan_profile(plan_id).data.get("payer_names", [])
    }


def _derive_payer_id(claim: Claim) -> None:
    """The payer's id from the plan profile whose names match the carrier block (data/plans.yaml)."""
    if not claim.payer_name:
        return
    matches = [plan_id for plan_id in plan_ids() if plan_profile(plan_id).matches_payer(None, claim.payer_name)]
    if len(matches) == 1:
        profile = plan_profile(matches[0])
        claim.set_raw(
            "primary_payer_id",
            profile.payer_id,
            Provenance(
                box=claim.provenance["payer_name"].box,
                confidence=claim.confidence("payer_name"),
                derived=f"payer name matches plan profile '{matches[0]}'",
            ),
        )


def derive_homeless_indicator(claim: Claim) -> None:
    """No CMS-1500 box carries it: a Z59.0x diagnosis or a 'homeless' address says yes; else leave it missing."""
    for line in claim.lines:
        for code in line.diagnosis_codes:
            if code.startswith(HOMELESS_DIAGNOSES):
                claim.set_raw(
                    "member_homeless_indicator",
                    True,
                    Provenance(
                        box="21",
                        confidence=line.confidence("diagnosis_codes"),
                        page=claim.pages[0] if claim.pages else None,
                        derived=f"diagnosis {code} (ICD-10-CM Z59.0x homelessness)",
                    ),
                )
                return
    address = " ".join(filter(None, [claim.member_address, claim.member_city]))
    if HOMELESS_WORDS.search(address):
        claim.set_raw(
            "member_homeless_indicator",
            True,
            Provenance(
                box="5",
                confidence=claim.confidence("member_address"),
                page=claim.pages[0] if claim.pages else None,
                derived="box 5 address says the member is homeless",
            ),
        )


def continues(previous: Claim, claim: Claim) -> bool:
    """A page continues the previous claim: six lines used there, same member and billing provider."""
    return (
        len(previous.lines) == LINES_PER_PAGE
        and _same(claim.member_cin, previous.member_cin)
        and _same(claim.billing_provider_npi, previous.billing_provider_npi)
        and (
            not claim.invoice_number
            or not previous.invoice_number
            or _same(claim.invoice_number, previous.invoice_number)
        )
    )


def _same(read: str | None, before: str | None) -> bool:
    """The same identifier on two pages, allowing one character OCR read differently."""
    from rapidfuzz.distance import Levenshtein

    return bool(read and before) and Levenshtein.distance(read or "", before or "") <= 1


def merge_continuation(previous: Claim, claim: Claim) -> None:
    for line in claim.lines:
        line.line_number = len(previous.lines) + 1
        previous.lines.append(line)
    previous.pages.extend(claim.pages)
    if claim.invoice_amount is not None:  # the total is on the last page
        previous.invoice_amount = claim.invoice_amount
        previous.provenance["invoice_amount"] = claim.provenance["invoice_amount"]
        previous.invalid.pop("invoice_amount", None)


def repair_amounts_by_total(claim: Claim) -> None:
    """Box 28 and the 24F charges disagree: when changing exactly one of them by a misread-sized edit
    (one digit changed, dropped or added) makes them agree, take that reading; the other amounts
    confirm it ('confirmed by box 28 total'). More than one way, or a bigger change: leave it to staff."""
    charges = [line.charge_amount for line in claim.lines if line.charge_amount is not None]
    if claim.invoice_amount is None or not charges or len(charges) != len(claim.lines):
        return
    total = sum(charges, Decimal(0))
    if total == claim.invoice_amount:
        return
    options: list[tuple[Claim | ServiceLine, str, Decimal, str]] = []
    if _one_misread_apart(claim.invoice_amount, total):
        options.append((claim, "invoice_amount", total, "box 28 read {read}: the sum of the 24F charges is {value}"))
    for line, charge in zip(claim.lines, charges, strict=True):
        fitting = claim.invoice_amount - (total - charge)
        if fitting > 0 and _one_misread_apart(charge, fitting):
            options.append(
                (line, "charge_amount", fitting, "24F read {read}: box 28 total less the other lines is {value}")
            )
    confirmation = "confirmed by box 28 total"
    if len(options) > 1:  # several single-digit readings fit the total: units x a known rate chooses
        options = [
            o
            for o in options
            if isinstance(o[0], ServiceLine) and _priced(o[0], o[2], known_rates(claim, without=o[0]))
        ]
        confirmation = "confirmed by box 28 total and 24G units x the rate"
    if len(options) != 1:
        return
    target, key, value, why = options[0]
    source = target.provenance.get(key)
    read = getattr(target, key)
    setattr(target, key, value)
    if source is not None:
        target.provenance[key] = source.model_copy(
            update={
                "repaired": why.format(read=read, value=value) + f" (one digit apart), {confirmation}",
                "confidence": min(source.confidence or 1.0, parse.CONFIRMED),
            }
        )
    if isinstance(target, ServiceLine):
        _derive_unit_cost(target)


def total_from_surer_charges(claim: Claim) -> None:
    """Box 28 still disagrees with the 24F sum and no one-misread repair explains it, but its reading is far less
    sure than every charge's (TOTAL_DOUBT_MARGIN): the sum is the likelier total, taken as a repair for staff,
    never confirmed (a provider may add wrong; staff see both). The charges are left as read."""
    charges = claim_charges(claim)
    source = claim.provenance.get("invoice_amount")
    if claim.invoice_amount is None or source is None or not charges or len(charges) != len(claim.lines):
        return
    total = sum(charges, Decimal(0))
    least_sure_charge = min(_confidence_of(line, "charge_amount") for line in claim.lines)
    if total == claim.invoice_amount or (source.confidence or 0.0) > least_sure_charge - TOTAL_DOUBT_MARGIN:
        return
    read = claim.invoice_amount
    claim.invoice_amount = total
    claim.invalid.pop("invoice_amount", None)
    claim.provenance["invoice_amount"] = source.model_copy(
        update={
            "repaired": f"box 28 read {read}, less sure than every 24F charge: {TOTAL_FROM_CHARGES}, {total}",
            "confidence": min(source.confidence or 0.0, REPAIRED_CONFIDENCE),
        }
    )


def total_from_charges(claim: Claim) -> bool:
    """Box 28 was taken from the 24F sum (total_from_surer_charges): agreeing with it is no evidence for them."""
    source = claim.provenance.get("invoice_amount")
    return source is not None and TOTAL_FROM_CHARGES in (source.repaired or "")


def _confidence_of(target: Claim | ServiceLine, key: str) -> float:
    confidence = target.confidence(key)
    return 1.0 if confidence is None else confidence


def known_rates(claim: Claim, without: ServiceLine | None = None) -> dict[str, Decimal]:
    """Charge per unit by combination (code-modifiers), from evidence independent of the line
    `without`: the plan's published rate (data/plans.yaml, the payer read in the carrier block), else
    a rate two or more other lines of the claim agree on (a provider bills one rate per service)."""
    rates = billed_rates(claim, without)
    plans = [p for p in plan_ids() if plan_profile(p).matches_payer(None, claim.payer_name)] if claim.payer_name else []
    if len(plans) == 1:
        for line in claim.lines:
            key = combination_key(line.procedure_code or "", line.procedure_modifiers or ())
            published = plan_profile(plans[0]).rate(key)
            if published is not None:
                rates[key] = published
    return rates


def billed_rates(claim: Claim, without: ServiceLine | None = None) -> dict[str, Decimal]:
    """Charge per unit by combination that two or more lines of the claim other than `without` agree on."""
    per_line: dict[str, list[Decimal]] = {}
    for line in claim.lines:
        if line is not without and line.procedure_code and line.charge_amount is not None and line.unit_count:
            key = combination_key(line.procedure_code, line.procedure_modifiers or ())
            per_line.setdefault(key, []).append((line.charge_amount / line.unit_count).quantize(Decimal("0.01")))
    rates: dict[str, Decimal] = {}
    for key, values in per_line.items():
        rate, count = Counter(values).most_common(1)[0]
        if count >= 2:
            rates[key] = rate
    return rates


def _rate_of(line: ServiceLine, rates: dict[str, Decimal]) -> Decimal | None:
    return rates.get(combination_key(line.procedure_code or "", line.procedure_modifiers or ()))


def _priced(line: ServiceLine, charge: Decimal, rates: dict[str, Decimal]) -> bool:
    """The charge equals the line's units times the known rate of its combination."""
    rate, units = _rate_of(line, rates), line.unit_count
    return rate is not None and units is not None and units > 0 and charge == (units * rate).quantize(Decimal("0.01"))


def check_units_by_rate(claim: Claim) -> None:
    """24F against 24G x a known rate (known_rates): when they agree, the units and the charge confirm
    each other. When a charge box 28 confirmed divides by the rate into a whole number of units that
    is one misread from the 24G reading (or 24G is blank), that number is taken, confirmed by both; for
    a 24G that was read, only the provider's own rate (billed_rates) may change it: a plan's published
    rate is what it pays, and providers bill their own charges ('1' unit at 205.00 is not 41 at 5.00).
    The rate a line's own reading would give is never used to confirm that line."""
    for line in claim.lines:
        rates = known_rates(claim, without=line)
        rate = _rate_of(line, rates)
        charge = line.charge_amount
        if rate is None or not rate or charge is None:
            continue
        if _priced(line, charge, rates):
            _confirm(line, ("unit_count", "charge_amount"), "24F = 24G units x the combination's known rate")
            continue
        units = charge / rate
        if units != units.to_integral_value() or units < 1 or not _charge_confirmed(line):
            continue
        read = "" if line.unit_count is None else f"{line.unit_count.normalize():f}"
        if read and _rate_of(line, billed_rates(claim, without=line)) != rate:
            continue
        wanted = str(int(units))
        from rapidfuzz.distance import Levenshtein

        if read and Levenshtein.distance(read, wanted) != 1:
            continue
        line.unit_count = Decimal(wanted)
        source = line.provenance.get("unit_count") or Provenance(box="24G")
        line.provenance["unit_count"] = source.model_copy(
            update={
                "repaired": f"24G read {read or 'blank'}: 24F {charge} / rate {rate} = {wanted} units, "
                "confirmed by box 28 total and the known rate",
                "confidence": parse.CONFIRMED,
            }
        )
        _derive_unit_cost(line)


def _charge_confirmed(line: ServiceLine) -> bool:
    """24F agreed with box 28 as read (check_total raised it to 0.95), not a repair."""
    source = line.provenance.get("charge_amount")
    return source is not None and not source.repaired and (source.confidence or 0) >= TOTAL_CONFIRMED


def _confirm(line: ServiceLine, keys: tuple[str, ...], why: str) -> None:
    for key in keys:
        source = line.provenance.get(key)
        if source is None or source.repaired or source.confidence is None or source.confidence >= parse.CONFIRMED:
            continue
        line.provenance[key] = source.model_copy(
            update={"confidence": parse.CONFIRMED, "derived": source.derived or f"confirmed: {why}"}
        )


def _one_misread_apart(read: Decimal, other: Decimal) -> bool:
    """One digit changed, dropped or added between the two amounts (cents included)."""
    from rapidfuzz.distance import Levenshtein

    a, b = f"{read:.2f}".replace(".", ""), f"{other:.2f}".replace(".", "")
    return a != b and Levenshtein.distance(a, b) == 1


YEAR_CONFUSIONS = {
    ("5", "6"),
    ("6", "5"),
    ("6", "8"),
    ("8", "6"),
    ("5", "3"),
    ("3", "5"),
    ("0", "8"),
    ("8", "0"),
    ("1", "7"),
    ("7", "1"),
    ("4", "1"),
    ("1", "4"),
    ("9", "8"),
    ("8", "9"),
    ("0", "6"),
    ("6", "0"),
}


def check_dates(claim: Claim) -> None:
    """Service dates against each other and box 31: a year that differs from all the others' by one
    confusable digit (2026 read for 2025) is taken as theirs (repaired, for staff to verify)."""
    dates: list[tuple[Claim | ServiceLine, str, Any]] = [
        (line, key, getattr(line, key))
        for line in claim.lines
        for key in ("service_start_date", "service_end_date")
        if getattr(line, key) is not None
    ]
    if claim.invoice_date is not None:
        dates.append((claim, "invoice_date", claim.invoice_date))
    years = [d.year for _, _, d in dates]
    if len(years) < 3:
        return
    wanted, count = Counter(years).most_common(1)[0]
    if count < max(2, 2 * len(years) / 3):
        return
    majority = [d for _, _, d in dates if d.year == wanted]
    for target, key, value in dates:
        read, want = str(value.year), str(wanted)
        differing = [(a, b) for a, b in zip(read, want, strict=False) if a != b]
        if len(differing) != 1 or differing[0] not in YEAR_CONFUSIONS:
            continue
        try:
            repaired = value.replace(year=wanted)
        except ValueError:  # 29 February
            continue
        # Only a year that puts the date among the others, when as read it is far from all of them
        # (a December service billed in January keeps its year).
        if min(abs((value - d).days) for d in majority) <= 62 or min(abs((repaired - d).days) for d in majority) > 120:
            continue
        setattr(target, key, repaired)
        source = target.provenance.get(key)
        if source is not None:
            target.provenance[key] = source.model_copy(
                update={
                    "repaired": f"year read {read}; the claim's other dates are in {want}",
                    "confidence": min(source.confidence or 1.0, REPAIRED_CONFIDENCE),
                }
            )


def check_line_dates(claim: Claim) -> None:
    """A From after its To, a service after the invoice date (box 31), or a From and To one
    confusable digit apart (08/12 and 09/12: most likely one day with one cell misread; 09/01 and
    09/02 are two days) lower both dates' confidence."""
    for line in claim.lines:
        start, end = line.service_start_date, line.service_end_date
        late = claim.invoice_date is not None and start is not None and start > claim.invoice_date
        misread = bool(start and end and start != end and dates_one_digit_apart(start, end))
        if (start and end and start > end) or late or misread:
            for key in ("service_start_date", "service_end_date"):
                source = line.provenance.get(key)
                if source is not None:
                    line.provenance[key] = source.model_copy(update={"confidence": min(source.confidence or 1.0, 0.5)})


MAX_NPI_EDITS = 2  # digits a 24J reading may differ from the NPI the other lines agree on


def agree_rendering_npis(claim: Claim) -> None:
    """24J NPIs across the claim's lines (a claim's lines mostly share one rendering provider). When two or
    more lines read the same NPI whole (check digit valid as read, no repair), a line whose reading is within
    MAX_NPI_EDITS digits of it (a fax lost a digit, or a one-digit repair chose another valid NPI) takes it,
    confirmed by those lines' independent readings. With weaker evidence, one line's whole NPI or the one
    NPI that the lines' ten-digit readings point to (`_npi_between_readings`), such lines take it as a repair
    for staff. A line that read a different valid NPI keeps it (another rendering provider)."""
    whole = Counter(
        line.rendering_provider_npi
        for line in claim.lines
        if line.rendering_provider_npi and _read_whole(line.provenance.get("rendering_provider_npi"))
    )
    if whole and whole.most_common(1)[0][1] >= 2:
        npi, count = whole.most_common(1)[0]
        _take_npi(claim, npi, f"the NPI {count} other lines read whole, confirmed by them", parse.CONFIRMED)
    elif len(whole) == 1:
        _take_npi(claim, next(iter(whole)), "the NPI another line read whole", None)
    elif not whole and (between := _npi_between_readings(claim)):
        _take_npi(claim, between, "the one NPI the lines' readings, one digit apart, allow by its check digit", None)


def agree_places_of_service(claim: Claim) -> None:
    """24B across the claim's lines: a line's place of service that one reader chose over another's reading (a
    repair) is confirmed when another line read the same code whole (no repair, read sure): two pieces of ink read
    apart agree. A code no other line read whole stays a repair for staff (lines may have other places)."""
    whole = {
        line.place_of_service
        for line in claim.lines
        if line.place_of_service and _read_whole(line.provenance.get("place_of_service"))
    }
    for line in claim.lines:
        source = line.provenance.get("place_of_service")
        if source is None or not source.unconfirmed_repair or line.place_of_service not in whole:
            continue
        line.provenance["place_of_service"] = _vouched(source, "another line's 24B read whole")


def _vouched(source: Provenance, by: str) -> Provenance:
    """A reader's choice another piece of ink read apart agrees with: a confirmed repair, at least CONFIRMED."""
    return source.model_copy(
        update={
            "repaired": f"{source.repaired}, confirmed by {by}",
            "confidence": max(source.confidence or 0.0, parse.CONFIRMED),
        }
    )


def _read_whole(source: Provenance | None) -> bool:
    return source is not None and not source.repaired and (source.confidence or 0) >= parse.CONFIRMED


def _take_npi(claim: Claim, npi: str, why: str, confirmed: float | None) -> None:
    """Lines whose 24J reading lies within MAX_NPI_EDITS digits of `npi` take it: confirmed at `confirmed`,
    or (None) as a repair for staff, below the confidence of a value read."""
    from rapidfuzz.distance import Levenshtein

    for line in claim.lines:
        source = line.provenance.get("rendering_provider_npi")
        if source is None or line.rendering_provider_npi == npi or _read_whole(source):
            continue  # a valid NPI read whole stays: another rendering provider on this line
        digits = re.sub(r"\D", "", source.raw or "")
        if not digits or Levenshtein.distance(digits, npi) > MAX_NPI_EDITS:
            continue
        confidence = confirmed if confirmed is not None else min(source.confidence or 1.0, parse.CORRECTED * 0.9)
        line.rendering_provider_npi = npi
        line.invalid.pop("rendering_provider_npi", None)
        line.provenance["rendering_provider_npi"] = source.model_copy(
            update={"repaired": f"24J read {source.raw}: {why}", "confidence": confidence}
        )


def _npi_between_readings(claim: Claim) -> str | None:
    """Lines that read ten digits failing the check digit and differing from each other in one place only
    ('1037397085', '1037307085'): the error is likely there, and the check digit allows one digit in any one
    place, so one NPI fits them. Readings alike on every digit point nowhere."""
    readings = {
        digits
        for line in claim.lines
        if (source := line.provenance.get("rendering_provider_npi")) is not None
        and len(digits := re.sub(r"\D", "", source.raw or "")) == NPI_LENGTH
        and not is_valid_npi(digits)
    }
    differing = {
        i for first, second in itertools.combinations(readings, 2) for i in range(NPI_LENGTH) if first[i] != second[i]
    }
    if len(differing) != 1:
        return None
    place = differing.pop()
    known = next(iter(readings))
    passing = [n for d in "0123456789" if is_valid_npi(n := known[:place] + d + known[place + 1 :])]
    return passing[0] if len(passing) == 1 else None


def dates_one_digit_apart(first, second) -> bool:
    """The two dates differ in one digit, a pair OCR confuses (8/9, 6/8, 1/7...; not 1/2)."""
    a, b = (f"{day.month:02d}{day.day:02d}{day.year:04d}" for day in (first, second))  # %Y: no zeros before year 26
    differing = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    if len(differing) != 1:
        return False
    x, y = differing[0]
    return (x, y) in YEAR_CONFUSIONS or y in parse.DIGIT_CONFUSIONS.get(x, "") or x in parse.DIGIT_CONFUSIONS.get(y, "")


def check_total(claim: Claim) -> None:
    """Box 28 must equal the sum of the 24F charges; when it does not, the amounts need a person."""
    charges = [line.charge_amount for line in claim.lines if line.charge_amount is not None]
    if claim.invoice_amount is None or not charges or len(charges) < len(claim.lines):
        return
    if total_from_charges(claim):
        return
    if sum(charges, Decimal(0)) == claim.invoice_amount:
        for target, key in [(claim, "invoice_amount"), *[(line, "charge_amount") for line in claim.lines]]:
            source = target.provenance.get(key)
            if source and source.confidence is not None and source.confidence < 1.0:
                # The total agreeing with the lines confirms every amount read.
                target.provenance[key] = source.model_copy(
                    update={"confidence": max(source.confidence, TOTAL_CONFIRMED)}
                )
        return
    claim.extras["total_mismatch"] = f"box 28 {claim.invoice_amount} != sum of 24F {sum(charges, Decimal(0))}"
    for target, key in [(claim, "invoice_amount"), *[(line, "charge_amount") for line in claim.lines]]:
        source = target.provenance.get(key)
        if source:
            target.provenance[key] = source.model_copy(update={"confidence": min(source.confidence or 1.0, 0.5)})


def mark_for_verification(claim: Claim, threshold: float) -> None:
    """List the required values staff verify: read with confidence below `threshold`, or repaired by the reader
    with no independent check confirming the repair (Provenance.needs_verification)."""
    flagged = [key for key, source in claim.provenance.items() if _verify(key, source, threshold)]
    for line in claim.lines:
        flagged += [
            f"lines[{line.line_number}].{key}"
            for key, source in line.provenance.items()
            if _verify(key, source, threshold)
        ]
    if flagged:
        claim.extras["needs_verification"] = flagged
    else:
        claim.extras.pop("needs_verification", None)


def _verify(key: str, source: Provenance, threshold: float) -> bool:
    return source.confidence is not None and source.needs_verification(threshold) and _required(key)


def _required(key: str) -> bool:
    return key in _required_keys()  # a provenance note of the reader's own is no DHCS element: not required


@cache
def _required_keys() -> frozenset[str]:
    return frozenset(required_keys("claim")) | frozenset(required_keys("line"))


def claims_from_pages(
    file: str, pages: list[FormPage], *, source_kind: str, claim_id_prefix: str, review_confidence: float
) -> tuple[list[Claim], list[ExtractError]]:
    claims: list[Claim] = []
    errors: list[ExtractError] = []
    for page in pages:
        if not page.has_data():
            errors.append(
                ExtractError(
                    code="no_data",
                    page=page.page,
                    message=f"page {page.page}: the CMS-1500 has no data filled in. Fill in the claim and send it again.",
                )
            )
            continue
        claim = page_claim(file, page, ocr=source_kind != "fillable_pdf")
        if not claim.lines and not _has_values(claim):
            # Specks or the form's own print read as text: nothing on the page parsed into an element.
            errors.append(
                ExtractError(
                    code="no_data",
                    page=page.page,
                    message=f"page {page.page}: the CMS-1500 has no data filled in. Fill in the claim and send it again.",
                )
            )
            continue
        claim.source_kind = source_kind
        if page.notes:
            claim.extras.setdefault("scan_notes", []).extend(f"page {page.page}: {n}" for n in page.notes)
        if claims and continues(claims[-1], claim):
            merge_continuation(claims[-1], claim)
            continue
        claim.claim_id = f"{claim_id_prefix}-p{page.page}"
        claims.append(claim)
    for claim in claims:
        if source_kind != "fillable_pdf":
            repair_amounts_by_total(claim)
            total_from_surer_charges(claim)
            check_dates(claim)
            check_line_dates(claim)
            agree_rendering_npis(claim)
            agree_places_of_service(claim)
        check_total(claim)
        if source_kind != "fillable_pdf":
            check_units_by_rate(claim)
        derive_homeless_indicator(claim)
        mark_for_verification(claim, review_confidence)
    return claims, errors


def _has_values(claim: Claim) -> bool:
    """Any claim-level value besides an amount (a lone box-28 total of 0.00 is the form's print misread)."""
    return any(
        value not in (None, "", []) and element(key).kind != "money"
        for key, value in claim.to_output()["elements"].items()
    )

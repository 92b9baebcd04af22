"""OCR confidence calibration: each scanned value's confidence becomes the probability that it is right.

The reader's own confidence (Tesseract's least sure word, times the parse rules' factors and floors)
orders values well but is not a probability: on degraded scans most values it scored below 0.80 were
read right. This module maps the reader's signals for one value to P(value is right), with a model
fitted on generated scans whose truth is known (the TUNING seeds; `python -m
claims_intake_dev.calibrate` refits it, `make calibrate`), kept as data in `data/ocr_calibration.json`.

Signals per value (`value_signals`):
- the reader's confidence (as a logit), per kind of element (identifiers with a check digit, dates,
  amounts, codes, ...), each kind with its own intercept and slope;
- whether the parse rules repaired it, and whether an independent check confirmed the repair;
- whether it failed to parse (kept in `invalid`), whether it was derived;
- cross-checks on the claim: the NPI/TIN/CIN shape and check digit, the code and modifiers forming a
  DHCS catalog combination, box 28 agreeing with the sum of the 24F charges, service dates in order
  and near the claim's other dates, a birth year that makes a plausible age;
- how well the page registered to the form (score and coverage of the blank form's rules), and how coarse
  the file's resolution was (a 204 x 98 dpi fax loses stroke detail a 300-dpi scan keeps).

A logistic model (ridge-regularised) combines them; an isotonic map (pool-adjacent-violators) over
its output then fixes what the logistic shape gets wrong, so the final number is a calibrated
probability. The check's review threshold (plans.yaml `check.ocr_confidence_threshold`) therefore
reads "staff verify a value whose probability of being right is below x".

Applied in one place: `ocr.scan.read_scan`, on every scanned claim, after the reader's own
cross-checks (box 28, dates) and before the check. Fillable PDFs keep confidence 1.0.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from ..catalog import combination_key, dhcs_catalog, plans_data
from ..cms1500 import places, text_grammar
from ..cms1500.mapping import billed_rates, dates_one_digit_apart, mark_for_verification, total_from_charges
from ..codesets import icd10cm
from ..model import Claim, Provenance, ServiceLine
from ..validators import (
    is_valid_cin,
    is_valid_icd10,
    is_valid_npi,
    is_valid_phone,
    is_valid_pos,
    is_valid_tin,
    is_valid_zip,
)

TABLE = "data/ocr_calibration.json"
REGISTRATION_EXTRA = "registration"  # claim.extras: the worst page's registration score, coverage, resolution

# Kinds of element: each has its own intercept and slope on the reader's confidence.
GROUPS: dict[str, tuple[str, ...]] = {
    "npi": ("billing_provider_npi", "rendering_provider_npi"),
    "tin_cin": ("billing_provider_tin", "member_cin"),
    "date": ("member_dob", "invoice_date", "service_start_date", "service_end_date"),
    "money": ("invoice_amount", "charge_amount", "unit_cost"),
    "code": ("procedure_code", "procedure_modifiers", "service_name"),
    "diagnosis": ("diagnosis_codes",),
    "homeless": ("member_homeless_indicator",),  # derived from a Z59.0x code: far surer than the code's reading
    "cell": ("unit_count", "place_of_service"),
    "identifier": ("invoice_number", "medical_record_number", "authorization_number", "control_number"),
    "text": (),  # names, addresses, phone, payer: everything else
}
GROUP_OF = {key: group for group, keys in GROUPS.items() for key in keys}
# Per kind of element: intercept, slope on the reader's confidence (logit), an unconfirmed repair, and
# the claim's cross-check agreeing or disagreeing (a check digit says more than a date's neighbours).
PER_GROUP = ("intercept", "logit_confidence", "repaired", "check_agrees", "check_fails", "coarse_scan")
SHARED = (
    "repair_confirmed",
    "unparsed",
    "derived",
    "raw_noise",
    "registration_score",
    "registration_coverage",
    "dotted_print",
    "word_noise",
    "own_check_fails",
    "page_doubt",
)
# The signal that caps a value's probability: a value failing its own check is never vouched for, whatever its
# other signals (the logistic shape alone let an 11-digit NPI reach 0.96 on a well-registered page).
CEILING_SIGNAL = "own_check_fails"
# A page scanned below this resolution (in either direction) has lost stroke detail no reader restores:
# a 204 x 98 dpi fax keeps a third of a 300-dpi page's rows. The calibration learns how much that costs.
FULL_DETAIL_DPI = 300.0
EPSILON = 1e-3
CENT = Decimal("0.01")


def feature_names() -> list[str]:
    return [f"{group}:{name}" for group in GROUPS for name in PER_GROUP] + list(SHARED)


def group_of(key: str) -> str:
    return GROUP_OF.get(key, "text")


def logit(p: float) -> float:
    p = min(max(p, EPSILON), 1 - EPSILON)
    return math.log(p / (1 - p))


@dataclass(frozen=True)
class ValueRef:
    """One scanned value: the claim or line it is on, its element, and its line number (None: claim)."""

    item: Claim | ServiceLine
    key: str
    line: int | None

    @property
    def source(self) -> Provenance:
        return self.item.provenance[self.key]

    @property
    def label(self) -> str:
        return self.key if self.line is None else f"lines[{self.line}].{self.key}"


def scanned_values(claim: Claim) -> Iterator[ValueRef]:
    """Every value with an OCR confidence on the claim and its lines."""
    for key, source in claim.provenance.items():
        if source.confidence is not None:
            yield ValueRef(claim, key, None)
    for number, line in enumerate(claim.lines, start=1):
        for key, source in line.provenance.items():
            if source.confidence is not None:
                yield ValueRef(line, key, line.line_number or number)


def value_signals(claim: Claim, ref: ValueRef) -> np.ndarray:
    """The feature vector of one value (feature_names() order)."""
    refs, vectors = claim_signals(claim)
    return vectors[next(i for i, other in enumerate(refs) if other == ref)]


def claim_signals(claim: Claim) -> tuple[list[ValueRef], np.ndarray]:
    """Every scanned value of the claim and its feature vector, the page's doubt included."""
    refs = list(scanned_values(claim))
    vectors = np.array([_own_signals(claim, ref) for ref in refs]).reshape(len(refs), len(feature_names()))
    vectors[:, feature_names().index("page_doubt")] = page_doubt(vectors)
    return refs, vectors


# The signs that a value was read badly; on a page where many of the OTHER values show one (an illegible fax,
# a smudged copy), a value that shows none is less sure than the same value on a clean page.
DOUBT_SIGNS = (
    *(f"{group}:{name}" for group in GROUPS for name in ("repaired", "check_fails")),
    "unparsed",
    "raw_noise",
    "word_noise",
    "own_check_fails",
)


def page_doubt(vectors: np.ndarray) -> np.ndarray:
    """Per value, the share of the claim's other scanned values that show a sign of a bad reading."""
    names = feature_names()
    doubtful = (vectors[:, [names.index(sign) for sign in DOUBT_SIGNS]] > 0).any(axis=1).astype(float)
    others = len(doubtful) - 1
    if others < 1:
        return np.zeros(len(doubtful))
    return (doubtful.sum() - doubtful) / others


def _own_signals(claim: Claim, ref: ValueRef) -> np.ndarray:
    source = ref.source
    repaired = bool(source.repaired)
    confirmed = repaired and not source.unconfirmed_repair
    agreement = cross_check(claim, ref)
    registration = claim.extras.get(REGISTRATION_EXTRA) or {}
    vector = np.zeros(len(feature_names()))
    start = list(GROUPS).index(group_of(ref.key)) * len(PER_GROUP)
    vector[start : start + len(PER_GROUP)] = (
        1.0,
        logit(float(source.confidence or 0.0)),
        float(repaired and not confirmed),
        float(agreement > 0),
        float(agreement < 0),
        coarse_scan(registration),
    )
    vector[len(GROUPS) * len(PER_GROUP) :] = (
        float(confirmed),
        float(ref.key in ref.item.invalid),
        float(bool(source.derived) and not repaired),
        float(raw_noise(claim, ref)),
        float(registration.get("score", 1.0)),
        float(registration.get("coverage", 1.0)),
        1.0 - float(registration.get("solid_print", 1.0)),  # dot-matrix print: joined dots misread more
        float(word_noise(ref)),
        float(own_check_fails(claim, ref)),
        0.0,  # page_doubt: set by claim_signals, from the claim's other values
    )
    return vector


def coarse_scan(registration: dict) -> float:
    """0 for a page scanned at 300 dpi or finer, about 0.5 at 200 dpi, 1 at a fax's 98 dpi."""
    resolution = min(float(registration.get("resolution", FULL_DETAIL_DPI)), FULL_DETAIL_DPI)
    return (FULL_DETAIL_DPI - resolution) / 200.0


# What a box may hold besides letters and digits; anything else in the text read ('18= 00', '4€ 50') is a mark
# the parse rules dropped: a sign that a character of the value was lost or misread next to it.
ORDINARY = re.compile(r"[A-Za-z0-9 .,/$#&'():-]*")
# A number's box (date, amount, NPI, cell) holds digits and the separators numbers are written with: a parenthesis,
# a quote or a '#' beside its digits is a speck or a rule's remnant ('(11/26/2026' for 01/26/2026).
ORDINARY_NUMBER = re.compile(r"[0-9 .,/$-]*")
DIGIT_GROUPS = frozenset({"money", "cell", "npi", "date"})
# Values computed from others (no text of their own) take the noise of what they were computed from.
COMPUTED_FROM = {
    "unit_cost": ("charge_amount", "unit_count"),
    "service_name": ("procedure_code", "procedure_modifiers"),
    "primary_payer_id": ("payer_name",),
}
MONEY = ("invoice_amount", "charge_amount")


def raw_noise(claim: Claim, ref: ValueRef) -> bool:
    """The text read for the value (or what it was computed from) holds marks the parse dropped, or letters
    where only digits belong. Box 28 and the 24F amounts confirm each other, so noise in any amount counts
    for them all."""
    group = group_of(ref.key)
    if ref.key in MONEY or ref.key == "unit_cost":
        texts = [_raw(claim, "invoice_amount"), *(_raw(line, "charge_amount") for line in claim.lines)]
        texts += [_raw(ref.item, "unit_count")] if ref.key == "unit_cost" else []
    else:
        texts = [_raw(ref.item, key) for key in COMPUTED_FROM.get(ref.key, (ref.key,))]
    return any(_noisy(text, group in DIGIT_GROUPS or ref.key in MONEY) for text in texts if text)


STREETS = ("member_address", "billing_provider_address")


def word_noise(ref: ValueRef) -> bool:
    """A name, address or account number holds a mark its grammar does not allow (`cms1500.text_grammar`)."""
    group = group_of(ref.key)
    if group not in ("text", "identifier"):
        return False
    value = getattr(ref.item, ref.key, None)
    if not isinstance(value, str) or not value:
        return False
    if group == "identifier":
        return text_grammar.identifier_noise(value)
    return text_grammar.text_noise(value) or (ref.key in STREETS and text_grammar.street_end_noise(value))


def _raw(item: Claim | ServiceLine, key: str) -> str | None:
    source = item.provenance.get(key)
    return source.raw if source is not None else None


def _noisy(text: str, digits_only: bool) -> bool:
    return not (ORDINARY_NUMBER if digits_only else ORDINARY).fullmatch(text)


def cross_check(claim: Claim, ref: ValueRef) -> int:
    """+1 when an independent check on the claim agrees with the value, -1 when it disagrees, 0: none."""
    key, item = ref.key, ref.item
    value = getattr(item, key, None)
    if key in item.invalid or value in (None, "", []):
        return -1 if key in item.invalid else 0
    shape = SHAPE_CHECKS.get(key)
    if shape is not None and not shape(str(value)):
        return -1
    if key == "billing_provider_phone" and isinstance(item, Claim):
        return _phone_state_check(str(value), _state_read(item, "billing_provider_state"))
    if shape is not None:
        return 1
    if key in ("invoice_amount", "charge_amount", "unit_cost"):
        return _total_agrees(claim)
    if key in ("procedure_code", "procedure_modifiers", "service_name") and isinstance(item, ServiceLine):
        if dhcs_catalog().lookup(item.procedure_code, item.procedure_modifiers or ())[0] is None:
            return -1
        repaired = (
            item.provenance[k].repaired for k in ("procedure_code", "procedure_modifiers") if k in item.provenance
        )
        return 0 if any(repaired) else 1  # a repair chose the combination from the catalog: no agreement
    if key == "diagnosis_codes":
        statuses = _code_statuses(value, item, claim)
        return 1 if statuses and statuses <= {"billable"} else -1
    if key in ADDRESS_OF and isinstance(item, Claim):
        return _address_agrees(item, ADDRESS_OF[key]) or _zip_state_check(item, key)
    if key in ("service_start_date", "service_end_date") and isinstance(item, ServiceLine):
        return _line_dates_agree(claim, item)
    if key == "unit_count" and isinstance(item, ServiceLine):
        return _units_fit_charge(claim, item)
    if key == "member_dob" and isinstance(value, date):
        reference = claim.invoice_date or _first_service(claim)
        if reference is None:
            return 0
        age = (reference - value).days / 365.25
        return 1 if 0 <= age <= 110 else -1
    if key == "invoice_date" and isinstance(value, date):
        last = max(_vouching_service_dates(claim), default=None)
        return 0 if last is None else (1 if 0 <= (value - last).days <= 400 else -1)
    return 0


AREA_CODE_TABLE = "data/area_codes.yaml"


def _evidence_table(path: str) -> dict[str, Any]:
    import yaml

    return yaml.safe_load(resources.files("claims_intake").joinpath(path).read_text("utf-8"))


@cache
def area_code_states() -> dict[int, str]:
    """Each US telephone area code and the USPS code of its state (`other`: toll-free, personal)."""
    return {int(npa): state for state, npas in _evidence_table(AREA_CODE_TABLE)["states"].items() for npa in npas}


def is_dialable_phone(value: str) -> bool:
    """Ten digits whose area code a US state uses (or a toll-free one) and whose exchange the North American
    Numbering Plan allows: it starts 2-9 and is no N11 service code ('707 199-4520' has a 1 misread)."""
    if not is_valid_phone(value) or int(value[:3]) not in area_code_states():
        return False
    exchange = value[3:6]
    return exchange[0] not in "01" and exchange[1:] != "11"


def _phone_state_check(phone: str, state: str | None) -> int:
    """+1 when the area code is one of the state's read in box 33 (or toll-free), -1 when it is another state's
    (a California provider's 530 read 430, a Texas code), 0 with no state read."""
    if not state:
        return 0
    found = area_code_states()[int(phone[:3])]
    return 1 if found in (state, "other") else -1


SHAPE_CHECKS = {
    "billing_provider_npi": is_valid_npi,
    "rendering_provider_npi": is_valid_npi,
    "billing_provider_tin": is_valid_tin,
    "member_cin": is_valid_cin,
    "place_of_service": is_valid_pos,
    "billing_provider_phone": is_dialable_phone,
}
# Each ZIP element and where the state read beside it is (an element, or the claim's extras for box 5).
ZIP_STATE = {"billing_provider_zip": "billing_provider_state", "member_zip": "member_state"}
STATE_ZIP = {"billing_provider_state": "billing_provider_zip"}
ADDRESS_OF = {key: address for address in places.ADDRESSES for key in address}  # each element's city, state, ZIP


def _address_agrees(claim: Claim, address: tuple[str, str, str]) -> int:
    """+1 when the city, state and ZIP name one place of the ZIP code table, -1 when they name none; 0 when one of
    them is missing, or when the reader took one of them from the table (the agreement is then its own doing)."""
    if any(places.CHOSEN_BY_TABLE in (claim.provenance[k].repaired or "") for k in address if k in claim.provenance):
        return 0
    city, state_key, zip_key = (getattr(claim, address[0], None), address[1], address[2])
    return places.agreement(city, _state_read(claim, state_key), getattr(claim, zip_key, None))


def _zip_state_check(claim: Claim, key: str) -> int:
    """The ZIP's prefix against the state read beside it (USPS L002): -1 when they contradict, else 0."""
    if key in ZIP_STATE:
        zip_code = getattr(claim, key, None)
        return _zip_agrees_with_state(str(zip_code), _state_read(claim, ZIP_STATE[key])) if zip_code else 0
    if key in STATE_ZIP:  # one of the pair was misread: both go to staff
        zip_code = getattr(claim, STATE_ZIP[key], None)
        return _zip_agrees_with_state(str(zip_code), _state_read(claim, key)) if zip_code else 0
    return 0


def _state_read(claim: Claim, key: str) -> str | None:
    state = getattr(claim, key, None) or claim.extras.get(key)
    return str(state).upper() if state else None


def _zip_agrees_with_state(zip_code: str, state: str | None) -> int:
    """-1 when the ZIP's prefix is not one of the state's, or the state is no USPS code; 0 otherwise (a prefix
    that fits says little about the other digits). A malformed ZIP fails its own check instead."""
    if not is_valid_zip(zip_code.replace("-", "")):
        return 0
    if not state:
        return 0
    spans = places.zip_prefixes().get(state)
    if spans is None:
        return -1  # no USPS state or territory code: the state was misread
    if not spans:
        return 0  # military and Pacific codes: not in the table
    prefix = int(zip_code[:3])
    return 0 if any(low <= prefix <= high for low, high in spans) else -1


# Checks a value carries in itself (its check digit, its shape, box 21 naming billable codes once), as against
# checks that compare it with other values of the claim (dates in order, box 28 and the charges).
OWN_CHECKS = frozenset({*SHAPE_CHECKS, "diagnosis_codes"})


def own_check_fails(claim: Claim, ref: ValueRef) -> bool:
    """The value fails a check that leaves it no chance: its own check digit or shape, box 21 codes no release
    bills or named twice, a ZIP and the state beside it that contradict each other (one of the two was
    misread, and staff see both), or a city, state and ZIP that name no place of the ZIP code table (one of the
    three was misread, and staff see all three: a shared weight let a right-looking ZIP of another town through)."""
    if ref.key in ADDRESS_OF and isinstance(ref.item, Claim) and _address_agrees(ref.item, ADDRESS_OF[ref.key]) < 0:
        return True
    if ref.key in ZIP_STATE or ref.key in STATE_ZIP:
        value = getattr(ref.item, ref.key, None)
        malformed = ref.key in ZIP_STATE and bool(value) and not is_valid_zip(str(value).replace("-", ""))
        unknown = ref.key in ZIP_STATE and bool(value) and not malformed and places.zip_entry(str(value)) is None
        return ref.key in ref.item.invalid or malformed or unknown or _zip_state_check(claim, ref.key) < 0
    if ref.key in ref.item.invalid:
        return ref.key in OWN_CHECKS
    if ref.key == "billing_provider_phone":  # another state's area code may be the provider's: weighed only
        value = getattr(ref.item, ref.key, None)
        return bool(value) and not is_dialable_phone(str(value))
    if ref.key == "diagnosis_codes":  # a category may be the provider's: it weighs as a failed cross-check only
        codes: list[str] = getattr(ref.item, ref.key, None) or []
        return bool(codes) and bool(_code_statuses(codes, ref.item, claim) - {"billable", "category"})
    return ref.key in OWN_CHECKS and cross_check(claim, ref) < 0


def _code_statuses(codes: list[str], item: Claim | ServiceLine, claim: Claim) -> set[str]:
    """The code set's verdicts on a line's box-21 codes: `billable`, `category`, `unknown` (a code no release
    knows, 'B1020', or malformed: a misreading), and `repeated` (24E names each box-21 letter once: the same code
    twice is a pointer misread, 'CC' for 'C'). A category ('T329' for F32.9, a T read for an F) is mostly a
    misreading too, and the check rejects it: it must not be vouched for as a billable code is."""
    day = getattr(item, "service_start_date", None) or claim.invoice_date or date.today()
    statuses = {icd10cm().verdict(code, day).status if is_valid_icd10(code) else "unknown" for code in codes}
    return statuses | ({"repeated"} if len(set(codes)) != len(codes) else set())


def _total_agrees(claim: Claim) -> int:
    """Box 28 against the sum of the 24F charges: 1 agree, -1 differ, 0 no evidence (a charge missing, or box 28
    taken from the charges' sum: agreeing by construction)."""
    charges = [line.charge_amount for line in claim.lines]
    if claim.invoice_amount is None or not charges or any(c is None for c in charges):
        return 0
    if total_from_charges(claim):
        return 0
    return 1 if sum((c for c in charges if c is not None), Decimal(0)) == claim.invoice_amount else -1


def _units_fit_charge(claim: Claim, line: ServiceLine) -> int:
    """-1 when 24F is no whole-cent rate times the 24G units, or not the rate two other lines of the claim bill
    for the same service: a provider bills one rate per unit, so a charge of 135.75 on 43 units (or on none)
    says one of the two was misread, mostly the cell (a speck read as a leading digit, a lost `1`). 0
    otherwise: a charge that divides says little about a one-unit line. The plan's published rate is no
    evidence here: a provider may bill more than the plan pays."""
    units, charge = line.unit_count, line.charge_amount
    if units is None or charge is None or not charge:
        return 0
    if units <= 0:
        return -1
    billed = billed_rates(claim, without=line).get(
        combination_key(line.procedure_code or "", line.procedure_modifiers or ())
    )
    if billed is not None:
        return 0 if (billed * units).quantize(CENT) == charge else -1
    rate = (charge / units).quantize(CENT)
    return 0 if any((near * units).quantize(CENT) == charge for near in (rate - CENT, rate, rate + CENT)) else -1


def _vouching_service_dates(claim: Claim) -> list[date]:
    """Each line's last service date, when it rests on no unconfirmed repair: a date a reader guessed for staff
    to verify (a cell only the fax reader read, a cell taken from the line's other date) vouches for nothing."""
    dates = []
    for line in claim.lines:
        if not line.service_start_date:
            continue
        key = "service_end_date" if line.service_end_date else "service_start_date"
        source = line.provenance.get(key)
        if source is None or not source.unconfirmed_repair:
            dates.append(getattr(line, key))
    return dates


def _first_service(claim: Claim) -> date | None:
    return min((line.service_start_date for line in claim.lines if line.service_start_date), default=None)


def _line_dates_agree(claim: Claim, line: ServiceLine) -> int:
    start, end = line.service_start_date, line.service_end_date
    if start is None or end is None or start > end or (end - start).days > 62:
        return -1
    if start != end and dates_one_digit_apart(start, end):
        return -1  # 08/13 to 09/13: most likely one day with one cell misread (cms1500.mapping.check_line_dates)
    others = [
        other.service_start_date for other in claim.lines if other is not line and other.service_start_date is not None
    ]
    if claim.invoice_date is not None:
        if start > claim.invoice_date:
            return -1
        others.append(claim.invoice_date)
    if not others:
        return 0
    return 1 if min(abs((start - other).days) for other in others) <= 62 else -1


# ---- the fitted table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calibration:
    """A fitted model: logistic weights over feature_names(), then an isotonic map (x knots -> y), then a
    ceiling for values that fail their own check: the share of such values read right in the fitted forms."""

    weights: np.ndarray
    knots_x: np.ndarray
    knots_y: np.ndarray
    own_check_ceiling: float = 1.0

    def probability(self, vectors: np.ndarray) -> np.ndarray:
        raw = 1.0 / (1.0 + np.exp(-np.clip(vectors @ self.weights, -30, 30)))
        calibrated = np.interp(raw, self.knots_x, self.knots_y)
        failing = vectors[:, feature_names().index(CEILING_SIGNAL)] > 0
        return np.where(failing, np.minimum(calibrated, self.own_check_ceiling), calibrated)

    @classmethod
    def from_table(cls, table: dict[str, Any]) -> Calibration:
        names = feature_names()
        weights = np.array([float(table["weights"].get(name, 0.0)) for name in names])
        isotonic = table["isotonic"]
        ceiling = float(table.get("ceilings", {}).get(CEILING_SIGNAL, 1.0))
        return cls(weights, np.array(isotonic["x"], dtype=float), np.array(isotonic["y"], dtype=float), ceiling)


@cache
def fitted() -> Calibration | None:
    """The table shipped in the runtime package; None when there is none (the reader's confidences stand)."""
    path = resources.files("claims_intake").joinpath(TABLE)
    if not path.is_file():
        return None
    return Calibration.from_table(json.loads(path.read_text("utf-8")))


def calibrate_claims(claims: list[Claim], calibration: Calibration | None = None) -> None:
    """Replace each scanned value's confidence by its calibrated probability of being right, and refresh
    the list of values staff must verify."""
    calibration = calibration or fitted()
    if calibration is None:
        return
    for claim in claims:
        refs, vectors = claim_signals(claim)
        if not refs:
            continue
        probabilities = calibration.probability(vectors)
        for ref, probability in zip(refs, probabilities, strict=True):
            ref.item.provenance[ref.key] = ref.source.model_copy(update={"confidence": round(float(probability), 3)})
        mark_for_verification(claim, review_threshold())


def review_threshold() -> float:
    """The one OCR review threshold (plans.yaml check.ocr_confidence_threshold): P(right) below it goes to staff."""
    return float(plans_data()["check"]["ocr_confidence_threshold"])

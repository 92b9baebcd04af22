"""What a column's values look like, scored against each element's own validator (0-1).

A sample of the column's values (the first non-blank ones under the header) is tried as each kind of
element: NPIs must pass the check digit, HCPCS codes score higher when in the DHCS catalog, dates
must parse (and a date of birth lies years before the sheet's service dates), money must parse, and
so on. The share of values that pass is the column's content score for that element. Text elements
(names, addresses, invoice numbers) take any text, so their score says little and weighs little.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import cache
from statistics import median
from typing import Any

from ..catalog import dhcs_catalog
from ..elements import KIND, all_elements
from ..normalize import parse_bool, parse_date, parse_digits, parse_money, parse_units
from ..validators import (
    is_valid_cin,
    is_valid_hcpcs,
    is_valid_icd10,
    is_valid_modifier,
    is_valid_npi,
    is_valid_phone,
    is_valid_tin,
    is_valid_zip,
)
from .cells import is_blank

SAMPLE_SIZE = 40
SAMPLE_ROWS = 400
OLD_DATE_DAYS = 3 * 365  # a column of dates this much older than the sheet's latest ones: birth dates
NEUTRAL = 0.5  # an empty column says nothing about what it holds
US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "PR",
        "GU",
        "VI",
        "AS",
        "MP",
    ]
)
_LETTERS = re.compile(r"[A-Za-z]")
_STREET = re.compile(r"^\s*\d+[A-Za-z]?\s+\S+")
_PERSON_COMMA = re.compile(r"^[A-Za-z'. -]+,\s*[A-Za-z'. -]+$")
_MODIFIER_SPLIT = re.compile(r"[\s,;/|+&-]+")
_DIAGNOSIS_SPLIT = re.compile(r"[\s,;/|]+")
_DURATION = re.compile(r"\d{1,2}:[0-5]\d")
_DATE_LIKE = re.compile(r"\d{1,4}[-/. ]\d{1,2}[-/. ]\d{2,4}\b|\d{5,8}(\.0+)?$")

# Composite column kinds (see header_synonyms.yaml) and how their content is typed.
COMPOSITE_KINDS = {"service_date": "date", "member_name": "person", "minutes": "minutes"}


@cache
def _catalog_codes() -> frozenset[str]:
    return frozenset(dhcs_catalog().codes())


@cache
def _catalog_modifiers() -> frozenset[str]:
    return frozenset(m for c in dhcs_catalog().combinations for m in c.modifiers)


def sample_values(rows: list[list[Any]], column: int, start: int, size: int = SAMPLE_SIZE) -> list[Any]:
    """Up to `size` non-blank values of `column` in the first SAMPLE_ROWS rows under the header.

    A column blank that far down is read as empty: scanning all of a 10,000-row sheet for each empty
    optional column would cost more than reading the sheet.
    """
    values = []
    for row in rows[start : start + SAMPLE_ROWS]:
        if column < len(row) and not is_blank(row[column]):
            values.append(row[column])
            if len(values) >= size:
                break
    return values


def _digits(value: Any, width: int, kind: str) -> str | None:
    try:
        return parse_digits(value, width, kind)
    except (ValueError, TypeError):
        return None


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _share(values: list[Any], test: Callable[[Any], float]) -> float:
    return sum(test(v) for v in values) / len(values)


def _npi(value: Any) -> float:
    digits = _digits(value, 10, "npi")
    return 1.0 if digits and is_valid_npi(digits) else 0.0


def _tin(value: Any) -> float:
    text = _text(value)
    digits = _digits(value, 9, "tin")
    if not digits or not is_valid_tin(digits):
        return 0.0
    return 1.0 if "-" in text or len(text) == 9 else 0.7  # '12-3456789' or nine digits as typed


def _cin(value: Any) -> float:
    return 1.0 if is_valid_cin(_text(value).replace(" ", "").upper()) else 0.0


def _zip(value: Any) -> float:
    digits = _digits(value, 5, "zip")
    return 0.8 if digits and is_valid_zip(digits) and 5 <= len(_text(value).replace("-", "")) <= 9 else 0.0


def _phone(value: Any) -> float:
    digits = _digits(value, 10, "phone")
    return 1.0 if digits and is_valid_phone(digits) else 0.0


def _pos(value: Any) -> float:
    if isinstance(value, bool):
        return 0.0
    text = _text(value)
    if not text.isdigit() or not 1 <= int(text) <= 99:
        return 0.0
    return 1.0 if len(text) == 2 else 0.5  # '04' is a POS code; 4 could be a unit count


def _hcpcs(value: Any) -> float:
    code = _text(value).replace(" ", "").upper()
    if code in _catalog_codes():
        return 1.0
    return 0.6 if is_valid_hcpcs(code) else 0.0


def _modifiers(value: Any) -> float:
    parts = [p for p in _MODIFIER_SPLIT.split(_text(value).upper()) if p]
    if not parts or not all(is_valid_modifier(p) and _LETTERS.search(p) for p in parts):
        return 0.0
    return 1.0 if all(p in _catalog_modifiers() for p in parts) else 0.5


def _icd10(value: Any) -> float:
    text = _text(value).upper()
    parts = [p for p in _DIAGNOSIS_SPLIT.split(text) if p]
    codes = [p.replace(".", "") for p in parts]
    if not codes or not all(is_valid_icd10(c) for c in codes) or any(c in _catalog_codes() for c in codes):
        return 0.0
    return 1.0 if "." in text or any(len(c) != 5 for c in codes) else 0.7  # five characters also fit HCPCS


def _money(value: Any) -> float:
    if isinstance(value, bool):
        return 0.0
    if isinstance(value, (int, float, Decimal)):
        return 0.8 if float(value) != int(value) else 0.5
    text = _text(value)
    try:
        parse_money(text)
    except ValueError:
        return 0.0
    return 1.0 if "$" in text or "." in text or "(" in text else 0.5


def _units(value: Any) -> float:
    try:
        units = parse_units(value)
    except ValueError:
        return 0.0
    return 1.0 if 0 < units <= 1000 else 0.0


def _minutes(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return 0.7 if 0 < value <= 1440 and float(value).is_integer() else 0.0
    text = _text(value).lower().removesuffix("min").removesuffix("mins").strip()
    return 0.9 if _DURATION.fullmatch(text) else (0.7 if text.isdigit() else 0.0)


def _bool(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return 0.0  # 1 and 0 are more often counts
    try:
        parse_bool(value)
    except ValueError:
        return 0.0
    return 1.0


def _state(value: Any) -> float:
    return 1.0 if _text(value).upper() in US_STATES else 0.0


def _name_text(value: Any) -> float:
    text = _text(value)
    return 1.0 if text and not any(c.isdigit() for c in text) and _LETTERS.search(text) else 0.0


def _id_text(value: Any) -> float:
    text = _text(value)
    return 1.0 if text and len(text) <= 40 else 0.0


def _address(value: Any) -> float:
    return 1.0 if _STREET.match(_text(value)) else 0.0


def _person(value: Any) -> float:
    text = _text(value)
    if _PERSON_COMMA.match(text):
        return 1.0
    return 0.7 if _name_text(text) and len(text.split()) >= 2 else 0.0


def _date(value: Any) -> date | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and not 20000 <= value <= 80000:
        return None  # serial numbers of 1954-2119 only: other numbers are not dates
    if isinstance(value, str) and not _DATE_LIKE.match(value.strip()):
        return None  # parse_date would try a dozen formats on every name and address
    try:
        parsed = parse_date(value)
    except (ValueError, TypeError, OverflowError):
        return None
    return parsed if 1900 <= parsed.year <= 2100 else None


KIND_TESTS: dict[str, Callable[[Any], float]] = {
    "npi": _npi,
    "tin": _tin,
    "cin": _cin,
    "zip": _zip,
    "phone": _phone,
    "pos": _pos,
    "hcpcs": _hcpcs,
    "modifiers": _modifiers,
    "icd10_list": _icd10,
    "money": _money,
    "units": _units,
    "bool": _bool,
    "state": _state,
    "minutes": _minutes,
    "person": _person,
}
TEXT_TESTS = {
    "billing_provider_address": _address,
    "member_address": _address,
    "member_first_name": _name_text,
    "member_last_name": _name_text,
    "member_city": _name_text,
    "billing_provider_city": _name_text,
    "billing_provider_name": _name_text,
    "payer_name": _name_text,
    "service_name": _name_text,
}
# How much a column's content alone (with no header naming it) says it holds an element of this kind.
CONTENT_ONLY_WEIGHT = {
    "npi": 0.55,
    "cin": 0.6,
    "hcpcs": 0.6,
    "icd10_list": 0.5,
    "modifiers": 0.5,
    "tin": 0.45,
    "phone": 0.5,
    "state": 0.45,
    "date": 0.45,
    "money": 0.4,
    "bool": 0.4,
    "zip": 0.4,
}


def kind_of(key: str) -> str:
    return COMPOSITE_KINDS.get(key) or KIND[key]


@cache
def element_kinds() -> dict[str, str]:
    keys = [e.key for e in all_elements()] + list(COMPOSITE_KINDS)
    return {key: kind_of(key) for key in keys}


class ColumnContent:
    """One column's sample, typed once per kind; `score(key)` is the column's content score for an element."""

    def __init__(self, values: list[Any], latest_date: date | None = None):
        self.values = values
        self.by_kind: dict[str, float] = {}
        self.dates = [d for d in (_date(v) for v in values) if d is not None] if values else []
        self.latest_date = latest_date

    @property
    def median_date(self) -> date | None:
        if not self.dates:
            return None
        return date.fromordinal(int(median(d.toordinal() for d in self.dates)))

    def kind_score(self, kind: str) -> float:
        if not self.values:
            return NEUTRAL
        if kind not in self.by_kind:
            if kind == "date":
                self.by_kind[kind] = len(self.dates) / len(self.values)
            elif kind in KIND_TESTS:
                self.by_kind[kind] = _share(self.values, KIND_TESTS[kind])
            else:
                self.by_kind[kind] = NEUTRAL
        return self.by_kind[kind]

    def score(self, key: str) -> float:
        kind = element_kinds()[key]
        if not self.values:
            return NEUTRAL
        if kind == "date":
            return self.kind_score("date") * self._date_age_fits(key)
        if kind == "text":
            test = TEXT_TESTS.get(key, _id_text)
            return 0.3 + 0.4 * _share(self.values, test)  # text takes anything: it never says much
        return self.kind_score(kind)

    def _date_age_fits(self, key: str) -> float:
        middle = self.median_date
        if middle is None or self.latest_date is None:
            return 1.0
        old = (self.latest_date - middle).days > OLD_DATE_DAYS
        return 1.0 if old == (key == "member_dob") else 0.15


def latest_date(contents: list[ColumnContent]) -> date | None:
    """The latest median among the sheet's date columns: the service period (birth dates lie years before it)."""
    medians = [c.median_date for c in contents if len(c.dates) >= max(1, len(c.values) // 2)]
    return max((m for m in medians if m is not None), default=None)

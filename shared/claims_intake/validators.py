"""Format validators for the DHCS minimum data elements.

Each `is_valid_*` takes an already normalized string and answers True/False;
`format_problem(key, value)` says in words what is wrong, for findings and letters.
"""

from __future__ import annotations

import re

NPI_LENGTH = 10  # digits of an NPI, its check digit last
NPI_PREFIX = "80840"  # ISO card issuer prefix the NPI check digit is computed with (CMS NPI standard)

_TIN = re.compile(r"\d{9}", re.ASCII)
_CIN = re.compile(r"\d{8}[A-Z]", re.ASCII)
_ZIP = re.compile(r"\d{5}(\d{4})?", re.ASCII)
_PHONE = re.compile(r"\d{10}", re.ASCII)
_POS = re.compile(r"\d{2}", re.ASCII)
_HCPCS = re.compile(r"[A-Z]\d{4}", re.ASCII)
_MODIFIER = re.compile(r"[A-Z0-9]{2}", re.ASCII)
# ICD-10-CM without the dot: a letter, a digit, a letter or digit, then up to four more.
_ICD10 = re.compile(r"[A-TV-Z]\d[0-9A-Z][0-9A-Z]{0,4}", re.ASCII)
_STATE = re.compile(r"[A-Z]{2}", re.ASCII)


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def npi_check_digit(first_nine: str) -> str:
    """The tenth digit that makes `first_nine` a valid NPI."""
    for digit in "0123456789":
        if luhn_valid(NPI_PREFIX + first_nine + digit):
            return digit
    raise AssertionError("unreachable: one Luhn digit always fits")


def is_valid_npi(value: str) -> bool:
    return (
        len(value) == NPI_LENGTH
        and value.isascii()
        and value.isdigit()
        and value[0] in "12"
        and luhn_valid(NPI_PREFIX + value)
    )


def is_valid_tin(value: str) -> bool:
    return bool(_TIN.fullmatch(value)) and value != "000000000"


def is_valid_cin(value: str) -> bool:
    return bool(_CIN.fullmatch(value))


def is_valid_zip(value: str) -> bool:
    return bool(_ZIP.fullmatch(value))


def is_valid_phone(value: str) -> bool:
    return bool(_PHONE.fullmatch(value)) and value[0] not in "01"


def is_valid_pos(value: str) -> bool:
    return bool(_POS.fullmatch(value)) and value != "00"


def is_valid_hcpcs(value: str) -> bool:
    return bool(_HCPCS.fullmatch(value))


def is_valid_modifier(value: str) -> bool:
    return bool(_MODIFIER.fullmatch(value))


def is_valid_icd10(value: str) -> bool:
    return bool(_ICD10.fullmatch(value))


def is_valid_state(value: str) -> bool:
    return bool(_STATE.fullmatch(value))


_CHECKS = {
    "npi": (is_valid_npi, "must be a 10-digit NPI whose check digit is right"),
    "tin": (is_valid_tin, "must be a 9-digit tax ID"),
    "cin": (is_valid_cin, "must be a Medi-Cal CIN: 8 digits then a letter"),
    "zip": (is_valid_zip, "must be a 5- or 9-digit ZIP code"),
    "phone": (is_valid_phone, "must be a 10-digit phone number"),
    "pos": (is_valid_pos, "must be a two-digit CMS place-of-service code"),
    "hcpcs": (is_valid_hcpcs, "must be a HCPCS code: a letter and 4 digits"),
    "modifier": (is_valid_modifier, "must be two-character modifiers"),
    "icd10": (is_valid_icd10, "must be ICD-10-CM codes (a letter, then digits)"),
    "state": (is_valid_state, "must be a USPS two-letter state code"),
}


def format_problem(kind: str, value: str) -> str | None:
    """None when `value` is a valid `kind`, else what it must be."""
    check, requirement = _CHECKS[kind]
    return None if check(value) else requirement

"""Turn what a provider wrote (a cell, an OCR'd box) into a typed DHCS element value.

`normalize(key, raw)` returns the typed value or raises ValueError with a message a provider
can act on. Spreadsheet and OCR readers share it so both produce the same claims.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache

from .elements import KIND

CENTS = Decimal("0.01")
EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 (1900 date system, after its leap-year bug)
_EXCEL_SERIAL_RANGE = (1, 2958465)  # 1900-01-01 .. 9999-12-31
_DATE_FORMATS = (
    "%m/%d/%Y",
    "%m/%d/%y",
    "%Y-%m-%d",
    "%m-%d-%Y",
    "%m-%d-%y",
    "%m.%d.%Y",
    "%Y/%m/%d",
    "%m %d %Y",
    "%m %d %y",
    "%m%d%Y",
    "%m%d%y",
)
_COMMON_DATE = re.compile(r"(?:(\d{1,2})/(\d{1,2})/(\d{4}))|(?:(\d{4})-(\d{2})-(\d{2}))", re.ASCII)
# Precompiled: these run for every cell of a spreadsheet.
_ZIP9 = re.compile(r"\d{5}-\d{4}", re.ASCII)
_DIGIT_PUNCTUATION = re.compile(r"[\s().\-]")
_SERIAL_TEXT = re.compile(r"\d{5}(\.0+)?", re.ASCII)
_MIDNIGHT = re.compile(r"[T ]00:00(:00)?$")
_MONEY_NOISE = re.compile(r"[$,\s()]|USD")
_SPACE = re.compile(r"\s")
_SPACE_OR_DOT = re.compile(r"[\s.]")
_MODIFIER_SPLIT = re.compile(r"[\s,;/|+&-]+")
_DIAGNOSIS_SPLIT = re.compile(r"[\s,;/|]+")
_CONTROL = {code: " " if chr(code).isspace() else None for code in (*range(0x20), 0x7F)}
_FIXED_WIDTH = {"npi": 10, "tin": 9, "zip": 5, "pos": 2, "phone": 10}


def normalize(key: str, raw):
    """The typed value of element `key`, or None when the cell is empty (a list element's empty cell: no codes)."""
    if raw is None or (isinstance(raw, str) and (not raw or raw.isspace())):
        return [] if KIND[key] in LIST_KINDS else None
    if raw.__class__ is str and len(raw) > max_value_chars():
        raise ValueError(
            f"{len(raw):,} characters is longer than any value of this element (at most {max_value_chars():,})"
        )
    parser = _BY_KEY.get(key)
    if parser is None:
        parser = _BY_KEY[key] = _parser_for(KIND[key])  # KeyError for an unknown element, as before
    return parser(raw)


@cache
def max_value_chars() -> int:
    """The longest text a value may be (limits.yaml `max_value_chars`): a 20,000-character name breaks
    every page, letter and table it is shown in."""
    from .limits import default_limits

    return default_limits().max_value_chars


def clip(text: str, limit: int | None = None) -> str:
    """Text cut to `limit` characters (default: the value limit), with an ellipsis when it was longer."""
    limit = limit or max_value_chars()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _parser_for(kind: str):
    """The parser of an element kind, resolved once per element (normalize runs for every cell)."""
    if kind in _FIXED_WIDTH:
        width = _FIXED_WIDTH[kind]
        return lambda raw: parse_digits(raw, width, kind)
    return _PARSERS.get(kind, parse_text)


def parse_text(raw) -> str:
    """Text with its runs of white space made one space and control characters (NUL, escape...) dropped:
    they are never part of a name or an address, and break whatever shows or prints the value next."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return " ".join(str(raw).translate(_CONTROL).split())


def parse_digits(raw, width: int, kind: str) -> str:
    """Digits only, keeping leading zeros; a spreadsheet number that lost them is padded back."""
    if isinstance(raw, bool):
        raise ValueError(f"'{raw}' is not a {kind}")
    if isinstance(raw, (int, float, Decimal)):
        if raw != int(raw):
            raise ValueError(f"'{raw}' is not a {kind}")
        return str(int(raw)).zfill(width)
    text = str(raw).strip()
    if kind == "zip" and _ZIP9.fullmatch(text):
        return text.replace("-", "")
    digits = _DIGIT_PUNCTUATION.sub("", text)
    if kind == "phone" and len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if not (digits.isascii() and digits.isdigit()):  # '١٢٣' is digits to Python, not to DHCS
        raise ValueError(f"'{text}' is not a {kind}: only digits 0-9 are expected")
    return digits


def parse_date(raw) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if _EXCEL_SERIAL_RANGE[0] <= raw <= _EXCEL_SERIAL_RANGE[1]:
            return EXCEL_EPOCH + timedelta(days=int(raw))
        raise ValueError(f"'{raw}' is not a date")
    text = str(raw).strip()
    if _SERIAL_TEXT.fullmatch(text):  # an Excel serial number that arrived as text
        return EXCEL_EPOCH + timedelta(days=int(float(text)))
    text = _MIDNIGHT.sub("", text)
    if match := _COMMON_DATE.fullmatch(text):  # fast path for MM/DD/YYYY and ISO (strptime is slow)
        month, day, year = match.group(1, 2, 3) if match.group(1) else match.group(5, 6, 4)
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(f"'{text}' is not a date: write it as MM/DD/YYYY") from None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date: write it as MM/DD/YYYY")


def _finite(text: str, error: str, places: Decimal | None = None) -> Decimal:
    """`text` as a Decimal (to `places`), or ValueError(error): also for NaN and Infinity, which Decimal accepts
    ('NAN' in a units column) and no amount or count is."""
    try:
        value = Decimal(text)
        if not value.is_finite():
            raise ValueError(error)
        return value.quantize(places) if places is not None else value
    except InvalidOperation:
        raise ValueError(error) from None


def parse_money(raw) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError(f"'{raw}' is not an amount")
    if isinstance(raw, (int, float, Decimal)):
        return _finite(str(raw), f"'{raw}' is not an amount", CENTS)
    text = str(raw).strip()
    negative = text.startswith("(") and text.endswith(")")
    amount = _finite(_MONEY_NOISE.sub("", text), f"'{text}' is not an amount: write it as 1234.50", CENTS)
    return -amount if negative else amount


def parse_units(raw) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError(f"'{raw}' is not a unit count")
    units = _finite(str(raw).strip().replace(",", ""), f"'{raw}' is not a unit count: write a number")
    return Decimal(int(units)) if units == units.to_integral() else units


def parse_code(raw) -> str:
    return _SPACE.sub("", str(raw)).upper()


def parse_modifiers(raw) -> list[str]:
    parts = raw if isinstance(raw, (list, tuple)) else _MODIFIER_SPLIT.split(str(raw))
    return [parse_code(part) for part in parts if str(part).strip()]


def parse_diagnoses(raw) -> list[str]:
    parts = raw if isinstance(raw, (list, tuple)) else _DIAGNOSIS_SPLIT.split(str(raw))
    return [normalize_icd10(part) for part in parts if str(part).strip()]


def normalize_icd10(raw) -> str:
    """ICD-10-CM upper case without the dot: 'z59.01' -> 'Z5901'."""
    return _SPACE_OR_DOT.sub("", str(raw)).upper()


_TRUE = {"y", "yes", "true", "t", "1", "x", "homeless"}
_FALSE = {"n", "no", "false", "f", "0", "housed", "not homeless"}


def parse_bool(raw) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"'{raw}' is not yes or no")


def parse_state(raw) -> str:
    return str(raw).strip().upper()


_PARSERS = {
    "text": parse_text,
    "date": parse_date,
    "money": parse_money,
    "units": parse_units,
    "hcpcs": parse_code,
    "cin": parse_code,
    "modifiers": parse_modifiers,
    "icd10_list": parse_diagnoses,
    "bool": parse_bool,
    "state": parse_state,
}
_BY_KEY: dict = {}  # element key -> parser
LIST_KINDS = frozenset({"modifiers", "icd10_list"})

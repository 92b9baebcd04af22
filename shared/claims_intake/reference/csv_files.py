"""Reference data as CSV: one row parser per file, shared by the CLI and the DynamoDB loader.

Formats (one table per file) are in docs/reference-data.md. Each `parse_*_row(dict)` takes one
CSV row as `csv.DictReader` gives it (column name -> text) and returns the dataclass, or raises
`ReferenceDataError` saying which column is wrong; `load_*` add the file and row number.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from ..normalize import parse_date, parse_modifiers
from .memory import InMemoryReference
from .model import Authorization, ContractRate, EligibilitySpan, HistoryLine, InMemoryHistory, Provider

ELIGIBILITY_FILE = "eligibility.csv"
AUTHORIZATIONS_FILE = "authorizations.csv"
PROVIDERS_FILE = "providers.csv"
CONTRACT_RATES_FILE = "contract_rates.csv"
HISTORY_FILE = "history.csv"

ELIGIBILITY_COLUMNS = (
    "member_cin",
    "plan",
    "start_date",
    "end_date",
    "county",
    "dsnp",
    "other_primary",
    "ecm_enrollment_date",
    "first_name",
    "last_name",
    "dob",
)
AUTHORIZATION_COLUMNS = (
    "tar_number",
    "member_cin",
    "provider_npi",
    "plan",
    "procedure_code",
    "modifiers",
    "start_date",
    "end_date",
    "units",
    "amount",
    "documents_on_file",
)
PROVIDER_COLUMNS = ("npi", "tin", "name", "plans", "contracted", "email", "licence_type")
CONTRACT_RATE_COLUMNS = ("provider_npi", "plan", "combination", "rate", "start_date", "end_date")
LICENCE_TYPES = {
    "clinical": "clinical",
    "licensed": "clinical",
    "non-clinical": "non_clinical",
    "non_clinical": "non_clinical",
    "nonclinical": "non_clinical",
    "unlicensed": "non_clinical",
    "": "",
}
HISTORY_COLUMNS = (
    "claim_id",
    "member_cin",
    "provider_npi",
    "invoice_number",
    "combination",
    "start_date",
    "end_date",
    "units",
    "charge",
    "allowed",
    "status",
)

_TRUE = {"y", "yes", "true", "1", "x"}
_FALSE = {"", "n", "no", "false", "0"}
_HISTORY_STATUSES = {"PAYABLE", "DENIED", "PENDING"}

T = TypeVar("T")


class ReferenceDataError(ValueError):
    """A reference row that cannot be used; the message names the file, row and column."""


def _text(row: dict[str, Any], column: str) -> str:
    value = row.get(column)
    return "" if value is None else str(value).strip()


def _required(row: dict[str, Any], column: str) -> str:
    value = _text(row, column)
    if not value:
        raise ReferenceDataError(f"column '{column}' is empty")
    return value


def _date(row, column, required=True):
    text = _required(row, column) if required else _text(row, column)
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError:
        raise ReferenceDataError(f"column '{column}': '{text}' is not a date (YYYY-MM-DD or MM/DD/YYYY)") from None


def _decimal(row, column) -> Decimal | None:
    text = _text(row, column).replace(",", "").replace("$", "")
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ReferenceDataError(f"column '{column}': '{text}' is not a number") from None


def _bool(row, column, default: bool = False) -> bool:
    text = _text(row, column).lower()
    if not text:
        return default
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ReferenceDataError(f"column '{column}': '{text}' is not yes or no")


def _list(row, column) -> tuple[str, ...]:
    return tuple(part.strip() for part in _text(row, column).replace(",", ";").split(";") if part.strip())


def parse_eligibility_row(row: dict[str, Any]) -> EligibilitySpan:
    return EligibilitySpan(
        member_cin=_required(row, "member_cin").upper(),
        plan=_required(row, "plan").lower(),
        start=_date(row, "start_date"),
        end=_date(row, "end_date", required=False),
        county=_text(row, "county"),
        dsnp=_bool(row, "dsnp"),
        other_primary=_text(row, "other_primary").lower(),
        ecm_enrollment_date=_date(row, "ecm_enrollment_date", required=False),
        first_name=_text(row, "first_name"),
        last_name=_text(row, "last_name"),
        dob=_date(row, "dob", required=False),
        address=_text(row, "address"),
        zip="".join(character for character in _text(row, "zip") if character.isdigit()),
    )


def parse_authorization_row(row: dict[str, Any]) -> Authorization:
    start, end = _date(row, "start_date"), _date(row, "end_date")
    if end < start:
        raise ReferenceDataError(f"end_date {end} is before start_date {start}")
    return Authorization(
        number=_required(row, "tar_number").upper(),
        member_cin=_required(row, "member_cin").upper(),
        provider_npi=_required(row, "provider_npi"),
        plan=_required(row, "plan").lower(),
        code=_required(row, "procedure_code").upper(),
        modifiers=tuple(parse_modifiers(_text(row, "modifiers"))),
        start=start,
        end=end,
        units=_decimal(row, "units"),
        amount=_decimal(row, "amount"),
        documents_on_file=_bool(row, "documents_on_file", default=True),
    )


def parse_provider_row(row: dict[str, Any]) -> Provider:
    return Provider(
        npi=_required(row, "npi"),
        tin=_required(row, "tin"),
        name=_required(row, "name"),
        plans=tuple(plan.lower() for plan in _list(row, "plans")),
        contracted=tuple(
            item.upper() if item[:1].isalpha() and item[1:5].isdigit() else item.lower()
            for item in _list(row, "contracted")
        ),
        email=_text(row, "email"),
        licence_type=_licence_type(row),
        phone="".join(character for character in _text(row, "phone") if character.isdigit()),
        address=_text(row, "address"),
    )


def _licence_type(row) -> str:
    text = _text(row, "licence_type").lower()
    if text not in LICENCE_TYPES:
        raise ReferenceDataError(f"column 'licence_type': '{text}' is not clinical or non-clinical (or empty)")
    return LICENCE_TYPES[text]


def parse_contract_rate_row(row: dict[str, Any]) -> ContractRate:
    start, end = _date(row, "start_date"), _date(row, "end_date", required=False)
    if end is not None and end < start:
        raise ReferenceDataError(f"end_date {end} is before start_date {start}")
    rate = _decimal(row, "rate")
    if rate is None or rate < 0:
        raise ReferenceDataError("column 'rate': a contract rate of zero or more per unit is required")
    combination = "-".join(part for part in _required(row, "combination").upper().replace("/", "-").split("-") if part)
    return ContractRate(
        provider_npi=_required(row, "provider_npi"),
        plan=_required(row, "plan").lower(),
        combination=combination,
        rate=rate,
        start=start,
        end=end,
    )


def parse_history_row(row: dict[str, Any]) -> HistoryLine:
    status = (_text(row, "status") or "PAYABLE").upper()
    if status not in _HISTORY_STATUSES:
        raise ReferenceDataError(f"column 'status': '{status}' is not one of {', '.join(sorted(_HISTORY_STATUSES))}")
    start = _date(row, "start_date")
    return HistoryLine(
        claim_id=_text(row, "claim_id"),
        member_cin=_required(row, "member_cin").upper(),
        provider_npi=_required(row, "provider_npi"),
        invoice_number=_text(row, "invoice_number"),
        combination=_required(row, "combination").upper(),
        start=start,
        end=_date(row, "end_date", required=False) or start,
        units=_decimal(row, "units") or Decimal(1),
        charge=_decimal(row, "charge") or Decimal("0.00"),
        allowed=_decimal(row, "allowed") or Decimal("0.00"),
        status=status,
    )


def read_rows(path: Path, parse: Callable[[dict[str, Any]], T]) -> Iterator[T]:
    """Parsed rows of a CSV file; a bad row raises with file and row number (header is row 1)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
                continue  # blank line
            try:
                yield parse(row)
            except ReferenceDataError as problem:
                raise ReferenceDataError(f"{path.name} row {number}: {problem}") from None


def load_reference_dir(path: str | Path) -> InMemoryReference:
    """eligibility.csv, authorizations.csv, providers.csv and contract_rates.csv from `path` (each may be absent)."""
    folder = Path(path)
    if not folder.is_dir():
        raise ReferenceDataError(f"reference directory '{folder}' does not exist")
    files = {
        name: folder / name for name in (ELIGIBILITY_FILE, AUTHORIZATIONS_FILE, PROVIDERS_FILE, CONTRACT_RATES_FILE)
    }
    if not any(file.exists() for file in files.values()):
        raise ReferenceDataError(f"'{folder}' holds none of {', '.join(files)}")

    def rows(name, parse):
        return list(read_rows(files[name], parse)) if files[name].exists() else []

    return InMemoryReference(
        eligibility_spans=rows(ELIGIBILITY_FILE, parse_eligibility_row),
        authorization_list=rows(AUTHORIZATIONS_FILE, parse_authorization_row),
        providers=rows(PROVIDERS_FILE, parse_provider_row),
        rates=rows(CONTRACT_RATES_FILE, parse_contract_rate_row),
    )


def load_history_csv(path: str | Path) -> InMemoryHistory:
    return InMemoryHistory(list(read_rows(Path(path), parse_history_row)))

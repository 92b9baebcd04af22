"""What a confirmed column mapping may say a column holds: an element key, 'key:N' (the N-th of several
columns), or nothing. Shared by the spreadsheet reader, the layout memory and the staff API, which must
not load the spreadsheet reader to check a staff member's choice."""

from __future__ import annotations

from typing import Any

from .elements import all_elements

# Column kinds that are not one DHCS element (data/header_synonyms.yaml).
COMPOSITE_KEYS = ("service_date", "member_name", "minutes")
Spec = tuple[str | None, int | None]


def known_keys() -> set[str]:
    return {e.key for e in all_elements()} | set(COMPOSITE_KEYS)


def parse_spec(value: Any) -> Spec:
    """'procedure_modifiers:2' -> ('procedure_modifiers', 2); None or '' -> (None, None)."""
    if value is None or value == "":
        return None, None
    text = str(value).strip()
    key, _, number = text.partition(":")
    if key not in known_keys():
        raise ValueError(f"'{key}' is not an invoice element (one of: {', '.join(sorted(known_keys()))})")
    if number and not number.isdigit():
        raise ValueError(f"'{text}': the column number after ':' must be a whole number")
    return key, int(number) if number else None


def spec_text(spec: Spec) -> str | None:
    key, number = spec
    return None if key is None else (f"{key}:{number}" if number else key)

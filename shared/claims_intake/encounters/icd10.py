"""Is a diagnosis a billable ICD-10-CM code? The check's code set (claims_intake.codesets: the CDC/NCHS releases
by fiscal year), so an encounter never disagrees with the check that decided its claim. A category that has
subcodes (Z91.19 is one: Z91.190...) is not billable, and DHCS rejects an encounter whose diagnosis is not."""

from __future__ import annotations

from datetime import date

from ..codesets import icd10cm

CODE_SET = "ICD-10-CM (billable codes of the release in force on the date of service)"


def is_billable_icd10(code: str, day: date | None = None) -> bool:
    """Billable on `day` (the date of service); without a date, in the latest release on file."""
    code_set = icd10cm()
    return code_set.verdict(code, day or code_set.releases[-1].last_day).status == "billable"

"""Doubt: whether a value is what the provider wrote, or only what the intake understood.

Readers fill each value's provenance (model.Provenance: OCR `confidence`, `repaired`, `derived`,
column `match_score`); this module alone decides from it whether the value is doubtful. The engine
asks only about the values a finding rests on, and only for findings that would reject, deny or ask
the provider: such a finding resting on a doubtful value goes to staff (severity REVIEW, its
original severity kept as `would_be`), so a provider never hears about a value the intake misread.

A value is doubtful when (first that applies):
- staff have not verified it (`Provenance.verified`: a value staff corrected or confirmed is sure), and
- the plan's records contradict the scanned value (check.records: a member record with another name, a TIN
  two digits off the roster's);
- its OCR confidence is below the threshold (plans.yaml check.ocr_confidence_threshold; for a scan the
  confidence is calibrated, the probability that the value is right: ocr/calibration.py);
- the reader repaired it (changed what it saw: the repair is the intake's, not the provider's);
- its column or box matched the element with a low score (check.match_score_threshold, the one setting the
  workbook reader's mapping review uses too);
- it was derived (computed by the intake, not read) and the reader gave it no confidence: a derived
  value with a confidence (the OCR gives a computed value the lowest confidence of what it was
  computed from) is judged by that confidence, like a read one;
- it is a required element, missing while its sheet has columns the reader could not place (the
  element may be in one of them: a mapping review, not "missing" to the provider);
- it is a required element with a box on the CMS-1500, missing on a scanned form: the reader cannot tell
  a blank box from writing it lost (faint typing, strokes erased with the form's rules), so staff look at
  the box first; once they confirm it blank (`verified`), the provider is told it is missing.
A low confidence or a repair is settled when the plan's records agree with the value (check.records: the
member record of the CIN read has the name and date of birth read).
A value kept in `invalid` (unparseable) is doubtful only with one of the marks above: text that
was read cleanly and still does not parse is the provider's to fix.

Rules name the values they read with `rests_on(...)`: one call, e.g.
`Issue(..., rests_on=rests_on("service_start_date", "service_end_date", line=lc.number))`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..catalog import plans_data
from ..elements import element as element_of
from ..model import Claim, ExtractError, ExtractResult, Provenance
from .records import NO_RECORDS, RecordCheck
from .result import claim_level, is_element, label, line_level, review_values  # noqa: F401  (public names)

LOW_CONFIDENCE = "low_confidence"
REPAIRED = "repaired"
LOW_MATCH_SCORE = "low_match_score"
DERIVED = "derived"
UNPARSEABLE = "unparseable"
UNMAPPED_COLUMN = "unmapped_column"
FORM_UNCERTAIN = "form_uncertain"
BLANK_ON_SCAN = "blank_on_scan"
DISAGREES_WITH_RECORD = "disagrees_with_record"
# The doubts a record's agreement settles: the reader's own unsureness, not a value it could not parse.
SETTLED_BY_RECORD = frozenset({LOW_CONFIDENCE, REPAIRED})

ValueRef = tuple[str, int | None]  # (element, service line number or None for a claim element)


def rests_on(*elements: str, line: int | None = None) -> tuple[ValueRef, ...]:
    """The values a finding rests on: line elements on `line`, claim elements on the claim."""
    line_elements = line_level()
    return tuple((key, line if key in line_elements else None) for key in elements)


def every_line(claim: Claim, element: str) -> tuple[ValueRef, ...]:
    """One line element on every service line (a claim rule reading all the lines)."""
    return tuple((element, line.line_number or number) for number, line in enumerate(claim.lines, start=1))


@dataclass(frozen=True)
class Thresholds:
    confidence: float
    match_score: float


@cache
def thresholds() -> Thresholds:
    """plans.yaml `check`: the OCR confidence and column match score below which a reading is doubtful."""
    config = plans_data()["check"]
    return Thresholds(float(config["ocr_confidence_threshold"]), float(config["match_score_threshold"]))


def provenance_doubt(source: Provenance | None, limits: Thresholds | None = None) -> tuple[str, str] | None:
    """(kind, reason) when the reading recorded in `source` is doubtful; None when it is sure."""
    if source is None or source.verified:
        return None
    limits = limits or thresholds()
    where = _where(source)
    if source.confidence is not None and source.confidence < limits.confidence:
        return LOW_CONFIDENCE, (
            f"read{where} with OCR confidence {source.confidence:.2f} (below {limits.confidence:.2f})"
        )
    if source.repaired:
        return REPAIRED, f"repaired by the reader{where}: {source.repaired}"
    if source.match_score is not None and source.match_score < limits.match_score:
        return LOW_MATCH_SCORE, (
            f"column{where} matched to this element with score {source.match_score:.2f} "
            f"(below {limits.match_score:.2f})"
        )
    if source.derived and source.confidence is None:
        return DERIVED, f"derived by the intake{where}, not read: {source.derived}"
    return None


def _where(source: Provenance) -> str:
    if source.box:
        return f" from box {source.box}" + (f" on page {source.page}" if source.page else "")
    if source.column:
        return (
            f" from column {source.column}"
            + (f" row {source.row}" if source.row else "")
            + (f" of sheet {source.sheet}" if source.sheet else "")
        )
    return ""


class ClaimDoubts:
    """The doubt of each value of one claim, worked out only for the values findings ask about."""

    def __init__(
        self, claim: Claim, unplaced_columns: dict[str, list[str]] | None = None, records: RecordCheck = NO_RECORDS
    ):
        self.claim = claim
        self.unplaced_columns = unplaced_columns or {}  # element -> headers of columns the reader could not place
        self.records = records  # the scanned values against the plan's records (check.records)
        self._lines: dict[int, Any] | None = None
        self._found: dict[ValueRef, tuple[str, str] | None] = {}
        self._all_sure: bool | None = None

    def of(self, element: str, line: int | None) -> tuple[str, str] | None:
        key = (element, line)
        if key not in self._found:
            self._found[key] = self._doubt(element, line)
        return self._found[key]

    def doubtful(self, values: Iterable[ValueRef]) -> list[tuple[str, int | None, str, str]]:
        """(element, line, kind, reason) of each doubtful value among `values`."""
        if self._all_sure is None:
            # No reading recorded anywhere and no unplaced column (a typed sheet, a re-check): nothing is doubtful.
            claim = self.claim
            self._all_sure = not (
                self.unplaced_columns or claim.provenance or any(line.provenance for line in claim.lines)
            )
        if self._all_sure:
            return []
        found = []
        for element, line in values:
            doubt = self.of(element, line)
            if doubt is not None:
                found.append((element, line, *doubt))
        return found

    def _item(self, line: int | None):
        if line is None:
            return self.claim
        if self._lines is None:
            self._lines = {(item.line_number or number): item for number, item in enumerate(self.claim.lines, start=1)}
        return self._lines.get(line)

    def _doubt(self, element: str, line: int | None) -> tuple[str, str] | None:
        item = self._item(line)
        if item is None:
            return None
        source = item.provenance.get(element)
        if source is not None and source.verified:
            return None
        against_record = self.records.doubtful.get((element, line))
        if against_record is not None:
            return DISAGREES_WITH_RECORD, against_record
        found = provenance_doubt(source)
        if found is not None:
            if element in item.invalid:
                return UNPARSEABLE, f"could not be parsed and was {found[1]}"
            if found[0] in SETTLED_BY_RECORD and (element, line) in self.records.confirmed:
                return None
            return found
        if element in self.unplaced_columns and _required(element) and _is_empty(item, element):
            headers = ", ".join(f"'{header}'" for header in self.unplaced_columns[element][:6])
            return UNMAPPED_COLUMN, (
                f"no column was recognised as {label(element)} while the sheet has columns "
                f"the reader could not place ({headers}): staff map the column"
            )
        if self.claim.source_kind == "scan" and _boxed_required(element) and _is_empty(item, element):
            return BLANK_ON_SCAN, (
                f"nothing was read in {element_of(element).cms1500_source} of the scan: staff check the box "
                "before the provider is told it is missing"
            )
        return None


@cache
def _required(element: str) -> bool:
    try:
        return element_of(element).required
    except KeyError:
        return False


@cache
def _boxed_required(element: str) -> bool:
    """A required element written in a box of the CMS-1500 (not derived, assigned or taken from the plan)."""
    return _required(element) and element_of(element).cms1500_source.startswith("Box")


def _is_empty(item, element: str) -> bool:
    if element in item.invalid:
        return False
    value = getattr(item, element, None)
    return value is None or (isinstance(value, (str, list)) and not value)


# ---- what the reader could not place (workbooks) -----------------------------------------------


def unplaced_columns(result: ExtractResult, claim: Claim) -> dict[str, list[str]]:
    """For each element with no column on the claim's sheet: the headers of the columns the reader could
    not place, when there are any (an `unmapped_columns` error, or the sheet's column_map extras)."""
    return sheet_unplaced_columns(result, claim_sheet(claim))


def unplaced_columns_by_sheet(result: ExtractResult) -> Callable[[Claim], dict[str, list[str]]]:
    """unplaced_columns for each claim of one file, worked out once per sheet."""
    if not _has_unplaced_columns(result):
        return _none_unplaced  # the reader placed every column: no claim needs its sheet looked up
    by_sheet: dict[str | None, dict[str, list[str]]] = {}

    def of(claim: Claim) -> dict[str, list[str]]:
        sheet = claim_sheet(claim)
        if sheet not in by_sheet:
            by_sheet[sheet] = sheet_unplaced_columns(result, sheet)
        return by_sheet[sheet]

    return of


# The keys of a sheet's column_map report that list columns the reader could not place.
UNPLACED_REPORT_KEYS = ("unplaced", "unmapped", "extras")


def _has_unplaced_columns(result: ExtractResult) -> bool:
    """Whether any sheet of the file reports columns it could not place (else every sheet's answer is {})."""
    sheets = result.source.column_map.get("sheets") or {}
    return any(error.code == "unmapped_columns" for error in result.errors) or any(
        isinstance(report, dict) and any(report.get(key) for key in UNPLACED_REPORT_KEYS) for report in sheets.values()
    )


def _none_unplaced(claim: Claim) -> dict[str, list[str]]:
    return {}


def sheet_unplaced_columns(result: ExtractResult, sheet: str | None) -> dict[str, list[str]]:
    if sheet is None:
        return {}
    headers = _unplaced_headers(result, sheet)
    named = {
        error.element
        for error in result.errors
        if error.code == "unmapped_columns" and error.element and error.sheet in (None, sheet)
    }
    if not headers and not named:
        return {}
    placed = _placed_elements(result, sheet)
    elements = (set(claim_level()) | set(line_level())) - placed
    return {element: headers or ["(see the mapping review)"] for element in elements | named}


def claim_sheet(claim: Claim) -> str | None:
    for item in (claim, *claim.lines):
        for source in item.provenance.values():
            if source.sheet:
                return source.sheet
    return None


def _sheet_report(result: ExtractResult, sheet: str) -> dict[str, Any]:
    sheets = result.source.column_map.get("sheets") or {}
    report = sheets.get(sheet)
    return report if isinstance(report, dict) else {}


def _unplaced_headers(result: ExtractResult, sheet: str) -> list[str]:
    report = _sheet_report(result, sheet)
    headers = []
    for key in UNPLACED_REPORT_KEYS:
        for column in report.get(key) or []:
            text = column.get("header") if isinstance(column, dict) else column
            if text and str(text).strip() and str(text) not in headers:
                headers.append(str(text))
    for error in result.errors:
        if error.code == "unmapped_columns" and error.sheet in (None, sheet) and error.column:
            headers.append(f"column {error.column}")
    return headers


def _placed_elements(result: ExtractResult, sheet: str) -> set[str]:
    report = _sheet_report(result, sheet)
    placed = {column.get("element") for column in report.get("columns") or [] if isinstance(column, dict)}
    placed |= set(report.get("title_block") or {})
    return _with_parts(placed)


# A composite column fills several elements ('Member Name' -> first and last name, 'Mod 1' -> modifiers).
_COMPOSITES = {
    "member_name": ("member_first_name", "member_last_name"),
    "billing_provider_name": ("billing_provider_first_name", "billing_provider_last_name"),
    "service_date": ("service_start_date", "service_end_date"),
}


def _with_parts(placed: set[Any]) -> set[str]:
    names = {str(key) for key in placed if key}
    for key in list(names):
        names.update(_COMPOSITES.get(key, ()))
        if key.startswith("modifier"):
            names.add("procedure_modifiers")
        if key.startswith("dx"):
            names.add("diagnosis_codes")
    if "service_start_date" in names:
        names.add("service_end_date")  # a one-day service: the end date is the start date
    return names


# ---- a whole file (page) the reader was unsure of --------------------------------------------------

FILE_REVIEW_CODES = frozenset({"form_uncertain", "unmapped_columns"})
FILE_REVIEW_CITE = (
    "Kaiser Permanente, Claims Guidance for ECM and CS — Clean Claims: a claim is rejected only for "
    "missing or invalid information; a page the intake could not read with certainty is read by staff"
)


FILE_REVIEW_EXTRA = "file_review"


def file_review(claim: Claim, plan: str, error: ExtractError):
    """A REVIEW result for a page (or sheet) the reader could not read with certainty: staff read it from
    the upload and reject it with the reason the provider should hear (or ask for a clearer copy); the
    provider is told nothing until then. The claim keeps the error (extras), so a re-check keeps it in
    REVIEW: no value was read, so there is nothing a check could tell the provider."""
    claim.extras[FILE_REVIEW_EXTRA] = error.model_dump(exclude_none=True)
    return _file_review_result(claim, plan, error)


def pending_file_review(claim: Claim, plan: str):
    """The REVIEW result again for a claim made from a page staff have to read, else None."""
    recorded = claim.extras.get(FILE_REVIEW_EXTRA)
    if not isinstance(recorded, dict) or "code" not in recorded or "message" not in recorded:
        return None
    return _file_review_result(claim, plan, ExtractError(**recorded))


def _file_review_result(claim: Claim, plan: str, error: ExtractError):
    from .result import Category, CheckResult, ClaimDisposition, Doubt, Finding, Severity

    where = f"Page {error.page}" if error.page else (f"Sheet {error.sheet}" if error.sheet else "The file")
    message = (
        f"{where}: {error.message} Staff read it from the upload and reject it with the reason the provider "
        "should hear, or ask the provider for a clearer copy."
    )
    finding = Finding(
        category=Category.FORM,
        severity=Severity.REVIEW,
        element=None,
        message=message,
        cite=FILE_REVIEW_CITE,
        rule=error.code,
        doubts=[Doubt(element="form", kind=error.code, reason=error.message)],
    )
    return CheckResult(claim=claim, plan=plan, disposition=ClaimDisposition.REVIEW, findings=[finding])

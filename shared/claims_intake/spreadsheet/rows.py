"""Turn one sheet's rows into DHCS claims, the way a claims clerk reads an invoice.

One row is one service line. Rows group into a claim by invoice number (else by billing NPI,
member CIN and invoice date); a row that leaves the grouping cells blank continues the claim
above it (sheets often write the invoice values on its first line only). Blank, total and note
rows are skipped and listed in the column map. Claim-level values written on the title block
above the header ('Provider NPI: 1234567893') apply to every claim of the sheet. Every value keeps
its cell (Provenance); a value that cannot be parsed is kept as written and reported with its
sheet, row and column, and the rest of the sheet is still read.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import Any

from ..citations import for_people
from ..elements import PHI_ELEMENTS, claim_keys, element, required_keys
from ..model import Claim, ExtractError, Provenance, ServiceLine
from ..normalize import clip, normalize, parse_money
from .cells import cell_text, column_letter, is_blank
from .columns import find_header
from .grid import Grid
from .headers import (
    MAX_HEADER_COLUMNS,
    MEMBER_NAME,
    MINUTES,
    SERVICE_DATE,
    ColumnMap,
    level_of,
    match_header,
    normalize_header,
    synonyms,
)
from .mapping import ConfirmedMapping

_UNSET = object()
CLAIM_KEYS = frozenset(claim_keys())
TITLE_KEYS = CLAIM_KEYS | {MEMBER_NAME}
LINE_SIGNALS = frozenset(
    {"procedure_code", "service_start_date", "service_end_date", SERVICE_DATE, "unit_count", "charge_amount"}
)
_new_provenance = Provenance.__pydantic_validator__.validate_python
_TOTAL_START = re.compile(r"^(grand |sub |invoice |claim )?totals?\b")
_TOTAL_HINT = re.compile(r"total|sum|due|balance", re.IGNORECASE)  # cheap test before _is_total_word
# Columns a total row sums: a row holding only these, each the sum of the lines above, is a total row.
SUMMED = frozenset({"charge_amount", "unit_count", "unit_cost", "minutes"})


@dataclass
class SheetResult:
    claims: list[Claim] = field(default_factory=list)
    errors: list[ExtractError] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)
    has_header: bool = False
    column_map: ColumnMap | None = None


class _Cell:
    """A cell value; its Provenance is built only when a value is kept (most repeats are not)."""

    __slots__ = ("_column", "_score", "_source", "_where", "raw")

    def __init__(
        self,
        raw: Any,
        source: Provenance | None = None,
        where: tuple[str, str, int] = ("", "", 0),
        column: str = "",
        score: float | None = None,
    ):
        self.raw, self._source, self._where, self._column = raw, source, where, column  # where: (file, sheet, row)
        self._score = score  # the column's joint header+content score (Provenance.match_score)

    @property
    def source(self) -> Provenance:
        return self.source_with_text(None)

    def source_with_text(self, text: str | None) -> Provenance:
        """The cell's Provenance; `text`: the cell as the provider sees it, when already known."""
        if self._source is None:
            file, sheet, row = self._where
            raw = text if text is not None else self.raw if self.raw.__class__ is str else cell_text(self.raw)
            # the validator without Provenance.__init__'s Python frame: one of these per kept cell
            self._source = _new_provenance(
                {
                    "file": file,
                    "sheet": sheet,
                    "row": row,
                    "column": self._column,
                    "raw": raw,
                    "match_score": self._score,
                }
            )
        return self._source


@dataclass
class _Row:
    number: int
    claim: dict[str, _Cell]
    line: dict[str, _Cell]
    extras: dict[str, Any]
    has_line: bool = False  # any line-level value
    has_signal: bool = False  # a code, date, unit count or charge: this row is a service line
    repeats_claim: bool = False  # every claim-level cell equals the row above's (nothing new to set)


def read_sheet(grid: Grid, filename: str, file_sha: str, confirmed: ConfirmedMapping | None = None) -> SheetResult:
    column_map = find_header(grid.rows, confirmed)
    if column_map is None:
        return SheetResult(report={"skipped": "no header row naming the DHCS invoice columns"})
    reader = _SheetReader(grid, filename, file_sha, column_map)
    return reader.read()


class _SheetReader:
    def __init__(self, grid: Grid, filename: str, file_sha: str, column_map: ColumnMap):
        self.grid, self.filename, self.file_sha, self.map = grid, filename, file_sha, column_map
        self.header = column_map.header
        self.result = SheetResult(has_header=True, column_map=column_map)
        self.skipped: list[dict[str, Any]] = []
        self.totals: list[_Row] = []
        self.parsed: dict[tuple[str, type, Any], tuple[Any, str | None, str]] = {}  # see _set_line_value
        self.lines_read: list[ServiceLine] = []  # every line so far, in sheet order (sums for total rows)
        self.block_starts = (0, 0)  # lines_read index after the last (total row, blank row)
        self.current: Claim | None = None
        self.claims: dict[str, Claim] = {}
        self.first_rows: dict[tuple[str, str], int | None] = {}  # (claim id, key) -> row that set it
        self.first_values: dict[tuple[str, str], Any] = {}  # (claim id, key) -> the cell value kept
        self.block = self._title_block()
        multi = synonyms().multi_column
        self.map_keys = column_map.keys()
        # (column index, element, level, several columns?) for every mapped column, computed once
        # several columns of one element are read in the order of their header numbers ('Modifier 2' after 'Modifier 1')
        ordered = sorted(column_map.columns.items(), key=lambda item: (item[1].index or 0, item[0]))
        self.plan = [(index, m.key, level_of(m.key), m.key in multi) for index, m in ordered]
        self.scores = {index: m.match for index, m in column_map.columns.items()}
        self.letters = {index: column_letter(index) for index in range(max(column_map.columns, default=0) + 1)}
        self.claim_plan = [(index, key) for index, key, level, _ in self.plan if level == "claim"]
        self.line_plan = [(index, key, multi) for index, key, level, multi in self.plan if level == "line"]
        self.claim_columns = [index for index, _ in self.claim_plan]
        self.claim_getter = _tuple_getter(self.claim_columns)
        self.width = max(column_map.columns, default=-1) + 1
        self.previous_claim: tuple[tuple, dict[str, _Cell]] = ((), {})
        self.previous_group_key: str | None = None
        self.invoice_members: dict[str, tuple[str, Any]] = {}  # invoice key -> (its first claim's key, member)

    # -- the sheet as a whole ---------------------------------------------------------------

    def read(self) -> SheetResult:
        self._report_column_problems()
        self._report_excel_errors()
        current: Claim | None = None
        for offset, cells in enumerate(self.grid.rows[self.map.header_row :]):
            row = self._row(self.map.header_row + 1 + offset, cells)
            if row is None:
                continue
            current = self.current = self._claim_for(row, current)
            if not row.repeats_claim:
                self._add_claim_values(current, row)
            if row.has_line:
                self._add_line(current, row)
        self._finish()
        return self.result

    def _report_column_problems(self) -> None:
        for key, indexes in self.map.duplicates:
            letters = ", ".join(f"{column_letter(i)} ('{cell_text(self.header[i])}')" for i in indexes)
            self._error(
                "duplicate_column",
                f"{_label(key)} is claimed by columns {letters}; keep one (the others were kept as extras).",
                row=self.map.header_row,
                column=column_letter(indexes[0]),
                element=_element_key(key),
            )
        present = self.map.keys() | set(self.block)
        if SERVICE_DATE in present:
            present |= {"service_start_date", "service_end_date"}
        if MEMBER_NAME in present:
            present |= {"member_first_name", "member_last_name"}
        absent_ok = synonyms().may_be_absent
        missing = [
            key for key in required_keys("claim") + required_keys("line") if key not in present and key not in absent_ok
        ]
        held = self._unplaced_holders(missing)
        if held:
            self._report_unmapped(held)
        for key in missing:
            if key in held:
                continue
            self._error(
                "missing_column",
                f"no column for the required element '{_label(key)}' ({for_people('000 Table ' + element(key).table)}); add a column with that header.",
                row=self.map.header_row,
                element=key,
            )

    def _unplaced_holders(self, missing: list[str]) -> dict[str, list[int]]:
        """Missing required elements that an unplaced column may hold (its values fit), with those columns."""
        aliases = {
            "service_start_date": SERVICE_DATE,
            "service_end_date": SERVICE_DATE,
            "member_first_name": MEMBER_NAME,
            "member_last_name": MEMBER_NAME,
        }
        held: dict[str, list[int]] = {}
        for key in missing:
            columns = [i for i, fits in sorted(self.map.could_hold.items()) if key in fits or aliases.get(key) in fits]
            if columns:
                held[key] = columns
        return held

    def _report_unmapped(self, held: dict[str, list[int]]) -> None:
        """Required elements unplaced while columns that may hold them could not be placed: staff review the mapping."""
        indexes = sorted({i for columns in held.values() for i in columns})
        columns = "; ".join(
            f"{column_letter(i)} ('{cell_text(self.header[i]) if i < len(self.header) else ''}'): "
            f"{self.map.unplaced[i]}"
            for i in indexes
        )
        missing = list(held)
        names = ", ".join(f"'{_label(key)}'" for key in missing)
        self._error(
            "unmapped_columns",
            f"no column was placed for {names}, and these columns could not be placed: "
            f"{columns}. Staff review the column mapping.",
            row=self.map.header_row,
            element=missing[0],
        )

    def _report_excel_errors(self) -> None:
        """A mapped cell that Excel shows as an error (#REF!, #DIV/0!...) reads as empty: say what it shows."""
        mapped = {index: key for index, key, _, _ in self.plan}
        for (row, column), error in sorted(self.grid.errors.items()):
            key = mapped.get(column)
            if key is None or row < self.map.header_row:
                continue
            letter = column_letter(column)
            self._error(
                "excel_error",
                f"{_label(key)} in {letter}{row + 1}: the cell shows the Excel error {error} "
                "(a broken formula or reference), so it has no value; fix it and upload again.",
                row=row + 1,
                column=letter,
                element=_element_key(key),
            )

    def _title_block(self) -> dict[str, _Cell]:
        """'Label: value' pairs above the header row (provider and invoice facts for the whole sheet)."""
        block: dict[str, _Cell] = {}
        top = self.map.first_header_row or self.map.header_row
        for row_index, cells in enumerate(self.grid.rows[: top - 1]):
            for column, value in enumerate(cells[:MAX_HEADER_COLUMNS]):
                if not isinstance(value, str) or is_blank(value):
                    continue
                label, _, inline = value.partition(":")
                match = match_header(label)
                if match is None or match.key not in TITLE_KEYS or match.key in block:
                    continue
                raw, at = (inline.strip(), column) if inline.strip() else _next_value(cells, column)
                if is_blank(raw):
                    continue
                source = self._source(row_index + 1, at, raw).model_copy(update={"match_score": match.score / 100})
                if match.key == MEMBER_NAME:
                    block.update(_split_name_cell(raw, source))
                else:
                    block[match.key] = _Cell(raw, source)
        return block

    # -- one row ----------------------------------------------------------------------------

    def _row(self, number: int, cells: list[Any]) -> _Row | None:
        """The row's mapped cells, or None for a blank, total or note row. Runs once per sheet row: kept lean."""
        row = _Row(number, {}, {}, {})
        if len(cells) < self.width:
            cells = list(cells) + [None] * (self.width - len(cells))
        width, where, letters, scores = len(cells), (self.filename, self.grid.name, number), self.letters, self.scores
        claim_values = self.claim_getter(cells) if self.claim_columns else ()
        if claim_values and claim_values == self.previous_claim[0]:  # invoice values repeated on each line
            row.claim, row.repeats_claim = self.previous_claim[1], True
        else:
            for index, key in self.claim_plan:
                value = cells[index]
                if not (value == "" or value is None or (value.__class__ is str and value.isspace())):
                    row.claim[key] = _Cell(value, None, where, letters[index], scores[index])
        line, has_line, has_signal = row.line, False, False
        for index, key, multi in self.line_plan:
            value = cells[index]
            if not (value == "" or value is None or (value.__class__ is str and value.isspace())):
                has_line = True
                has_signal = has_signal or key in LINE_SIGNALS
            if multi:
                self._add_multi(line, key, where, letters[index], value, scores[index])
            else:
                line[key] = _Cell(value, None, where, letters[index], scores[index])
        row.has_line, row.has_signal = has_line, has_signal
        for index, header_text in self.map.extras.items():
            if index < width and not _blank(cells[index]):
                row.extras[header_text or column_letter(index)] = cell_text(cells[index])
        reason = self._skip_reason(row, cells)
        if reason is None:
            self.previous_claim = (claim_values, row.claim)
            return row
        if reason != "blank":  # blank rows are not worth listing
            self.skipped.append({"row": number, "reason": reason})
        if reason == "total":
            self.totals.append(row)
            self.block_starts = (len(self.lines_read), self.block_starts[1])
        elif reason == "blank":
            self.block_starts = (self.block_starts[0], len(self.lines_read))
        return None

    def _add_multi(
        self, target: dict[str, _Cell], key: str, where: tuple, letter: str, value: Any, score: float | None
    ) -> None:
        """Modifiers or diagnoses over several columns: one value 'U2, GQ' from columns 'D,E'."""
        existing = target.get(key)
        if _blank(value):
            if existing is None:
                target[key] = _Cell("", None, where, letter, score)
            return
        text = cell_text(value)
        if existing is None or _blank(existing.raw):
            target[key] = _Cell(text, None, where, letter, score)
        else:  # provenance is built later, from the joined text and columns
            existing.raw = f"{existing.raw}, {text}"
            existing._column = f"{existing._column},{letter}"
            if score is not None and (existing._score is None or score < existing._score):
                existing._score = score

    def _skip_reason(self, row: _Row, cells: list[Any]) -> str | None:
        code = row.line["procedure_code"].raw if "procedure_code" in row.line else None
        has_code = not _blank(code)
        if has_code and _is_total_label(code) and self._only_sums(row, besides="procedure_code") is not None:
            return "total"  # 'Total' written in the code column, the sums beside it
        if has_code and row.has_signal:
            return None  # the common case: a service line
        filled = [i for i, value in enumerate(cells) if not _blank(value)]
        if not filled:
            return "blank"
        if not has_code and any(_is_total_label(cells[i]) for i in filled):
            return "total"
        if not has_code and len(filled) == self._only_sums(row) and self._are_sums_above(row):
            return "total"  # a total row without its label: only numbers, each the sum of its column above
        if not row.has_signal and len(filled) == 1:
            return "note"  # a single cell under the table: a footnote or signature line
        if not row.has_line and not row.claim:
            return "only unmapped columns: " + ",".join(column_letter(i) for i in filled)
        return None

    @staticmethod
    def _only_sums(row: _Row, besides: str = "") -> int | None:
        """How many values the row has (`besides` one element), if all are under summed columns; else None."""
        if any(not _blank(cell.raw) for cell in row.claim.values()):
            return None
        values = [key for key, cell in row.line.items() if key != besides and not _blank(cell.raw)]
        return len(values) if all(key in SUMMED for key in values) else None

    def _are_sums_above(self, row: _Row) -> bool:
        """Every value equals its column's sum over the lines above: since the last total row, the last blank
        row, the start of the current invoice, or the start of the sheet (a grand total)."""
        after_total, after_blank = self.block_starts
        spans = [self.lines_read[after_total:], self.lines_read[after_blank:], self.lines_read]
        if self.current is not None:
            spans.append(self.current.lines)
        for key, cell in row.line.items():
            if _blank(cell.raw):
                continue
            try:
                value = parse_money(cell.raw)
            except ValueError:
                return False
            sums = {sum((getattr(line, key) or 0 for line in span), Decimal(0)) for span in spans if span}
            if value not in sums:
                return False
        return True

    # -- grouping into claims ---------------------------------------------------------------

    def _claim_for(self, row: _Row, current: Claim | None) -> Claim:
        key = self._group_key(row)
        if key is None:
            if current is not None:
                return current
            key = f"row:{row.number}"
        if key not in self.claims:
            claim = Claim(claim_id=self._claim_id(key), source_kind="spreadsheet")
            for element_key, cell in self.block.items():
                self._set_claim_value(claim, element_key, cell, row_number=None)
            self.claims[key] = claim
        return self.claims[key]

    def _group_key(self, row: _Row) -> str | None:
        if row.repeats_claim:
            return self.previous_group_key  # same invoice cells as the row above
        self.previous_group_key = key = self._new_group_key(row)
        return key

    def _new_group_key(self, row: _Row) -> str | None:
        invoice = row.claim.get("invoice_number") or self.block.get("invoice_number")
        if "invoice_number" in self.map_keys or "invoice_number" in self.block:
            if invoice is None:
                return None
            return self._invoice_member_key(f"invoice:{_comparable('invoice_number', invoice.raw)}", row)
        parts = []
        for key in ("billing_provider_npi", "member_cin", "invoice_date"):
            cell = row.claim.get(key)
            parts.append(_comparable(key, cell.raw) if cell else "")
        return "member:" + "|".join(parts) if any(parts) else None

    def _invoice_member_key(self, invoice_key: str, row: _Row) -> str:
        """One claim is one member's: rows of one invoice number naming a second member make a claim of
        their own (never lines of the first member's claim), and the provider is told."""
        cell = row.claim.get("member_cin")
        if cell is None:  # a row without a CIN continues the invoice's member above it
            previous = self.previous_group_key or ""
            if previous == invoice_key or previous.startswith(invoice_key + "|"):
                return previous
            return self.invoice_members.get(invoice_key, (invoice_key, None))[0]
        member = _comparable("member_cin", cell.raw)
        first_key, first_member = self.invoice_members.setdefault(invoice_key, (invoice_key, member))
        if member == first_member:
            return first_key
        key = f"{invoice_key}|member:{member}"
        if key not in self.claims:
            invoice = row.claim.get("invoice_number") or self.block.get("invoice_number")
            self._error(
                "invoice_two_members",
                f"row {row.number}: invoice number {cell_text(invoice.raw) if invoice else '?'} is used for "
                "more than one member; each member's rows were made a claim of their own. "
                "Give each member's claim its own invoice number.",
                row=row.number,
                column=cell.source.column,
                element="invoice_number",
            )
        return key

    def _claim_id(self, key: str) -> str:
        digest = hashlib.sha256(f"{self.grid.name}|{key}".encode()).hexdigest()[:12]
        return f"{self.file_sha[:12]}-{digest}"

    def _add_claim_values(self, claim: Claim, row: _Row) -> None:
        first_values, claim_id = self.first_values, claim.claim_id or ""
        for key, cell in row.claim.items():  # only non-blank cells are here
            if key == MEMBER_NAME:
                self._set_member_name(claim, cell, row.number)
            elif first_values.get((claim_id, key), _UNSET) != cell.raw:  # the same cell again is the common case
                self._set_claim_value(claim, key, cell, row.number)

    def _set_claim_value(self, claim: Claim, key: str, cell: _Cell, row_number: int | None) -> None:
        slot = (claim.claim_id or "", key)
        if slot not in self.first_values:
            self._set(claim, key, cell)
            self.first_rows[slot], self.first_values[slot] = row_number, cell.raw
            return
        kept = self.first_values[slot]
        if cell.raw == kept or _comparable(key, cell.raw) == _comparable(key, kept):
            return
        first = self.first_rows.get(slot)
        where = f"row {first}" if first else "the title block"
        shown = "" if key in PHI_ELEMENTS else f" ('{cell_text(kept)}' vs '{cell_text(cell.raw)}')"
        self._error(
            "conflicting_value",
            f"invoice {claim.invoice_number or '?'}: {_label(key)} differs between {where} and row {row_number}{shown}; "
            "one invoice has one value (the first was kept).",
            row=row_number,
            column=cell.source.column,
            element=key,
        )

    def _set_member_name(self, claim: Claim, cell: _Cell, row_number: int) -> None:
        if "member_first_name" in self.map_keys or "member_last_name" in self.map_keys or is_blank(cell.raw):
            return
        last, first = split_person_name(cell_text(cell.raw))
        for key, part in (("member_last_name", last), ("member_first_name", first)):
            if part:
                source = cell.source.model_copy(update={"derived": "split from a full-name column"})
                self._set_claim_value(claim, key, _Cell(part, source), row_number)

    # -- lines ------------------------------------------------------------------------------

    def _add_line(self, claim: Claim, row: _Row) -> None:
        line = ServiceLine(line_number=len(claim.lines) + 1, extras=row.extras)
        for key, cell in row.line.items():
            if key == SERVICE_DATE:  # one cell, two elements, one error at most
                problems = [
                    self._parse_into(line, date_key, cell)
                    for date_key in ("service_start_date", "service_end_date")
                    if date_key not in row.line
                ]
                if any(problems):
                    self._cell_error(cell, SERVICE_DATE, next(p for p in problems if p))
            elif key == MINUTES:
                self._set_minutes(line, cell)
            else:
                self._set_line_value(line, key, cell)
        if "service_end_date" not in row.line and SERVICE_DATE not in row.line and line.service_start_date:
            # no end-date column: a single-day service, as a clerk reads it
            line.service_end_date = line.service_start_date
            line.provenance["service_end_date"] = line.provenance["service_start_date"].model_copy(
                update={"derived": "no service end date column: the start date"}
            )
        claim.lines.append(line)
        self.lines_read.append(line)

    def _set_line_value(self, line: ServiceLine, key: str, cell: _Cell) -> None:
        problem = self._parse_into(line, key, cell)
        if problem is not None:
            self._cell_error(cell, key, problem)

    def _set_minutes(self, line: ServiceLine, cell: _Cell) -> None:
        if is_blank(cell.raw):
            return
        line.provenance["minutes"] = cell.source
        try:
            line.minutes = parse_minutes(cell.raw)
        except ValueError as problem:
            line.invalid["minutes"] = cell_text(cell.raw)
            self._cell_error(cell, "minutes", str(problem))

    def _set(self, item: Claim | ServiceLine, key: str, cell: _Cell) -> None:
        problem = self._parse_into(item, key, cell)
        if problem:
            self._cell_error(cell, key, problem)

    def _parse_into(self, item: Claim | ServiceLine, key: str, cell: _Cell) -> str | None:
        """What set_raw does, with the cell's provenance, and with each distinct (element, cell value) parsed
        once per sheet: codes, dates, rates and the provider's own facts repeat down an invoice sheet, and this
        runs for every kept cell (bench/bench_spreadsheet.py). A blank cell keeps the default (None, []) but is
        remembered."""
        raw = cell.raw
        if raw == "" or raw is None or (raw.__class__ is str and raw.isspace()):
            item.provenance[key] = cell.source
            return None
        memo_key = (key, raw.__class__, raw)
        parsed = self.parsed.get(memo_key)
        if parsed is None:
            parsed = self.parsed[memo_key] = _parse_cell(key, raw)
        value, problem, text = parsed
        item.provenance[key] = cell.source_with_text(text)
        if problem is not None:
            item.invalid[key] = clip(str(raw))  # kept to show the provider, never unbounded
            return problem
        if key not in item.__class__.__pydantic_fields__:
            return item.set_raw(key, raw, item.provenance[key])
        item.__dict__[key] = value.copy() if value.__class__ is list else value  # each item owns its lists
        item.__pydantic_fields_set__.add(key)
        if key == "member_dob" and item.__class__ is Claim:
            _birth_date_in_the_past(item)
        return None

    # -- the end of the sheet ---------------------------------------------------------------

    def _finish(self) -> None:
        claims = list(self.claims.values())
        if not claims:
            self._error("no_rows", "the sheet has a header row but no invoice rows under it.", row=self.map.header_row)
        self._invoice_amount_from_total_row(claims)
        for claim in claims:
            if not claim.lines:
                self._error(
                    "no_lines",
                    f"invoice {claim.invoice_number or '?'} has no service lines (no procedure code, dates, units or charge on its rows).",
                    row=min((p.row for p in claim.provenance.values() if p.row), default=None),
                )
        self.result.claims = claims
        self.result.report = {
            **self.map.describe(),
            "title_block": {
                key: {"row": cell.source.row, "column": cell.source.column} for key, cell in self.block.items()
            },
            "grouped_by": "invoice_number"
            if "invoice_number" in self.map.keys() | set(self.block)
            else "billing_provider_npi+member_cin+invoice_date",
            "skipped_rows": self.skipped,
        }

    def _invoice_amount_from_total_row(self, claims: list[Claim]) -> None:
        """One invoice with no amount column and one total row: the total is the invoice amount."""
        if (
            len(claims) != 1
            or len(self.totals) != 1
            or claims[0].invoice_amount is not None
            or "invoice_amount" in claims[0].invalid
        ):
            return
        cells = self.totals[0].line
        cell = cells.get("charge_amount")
        if cell is None or is_blank(cell.raw):
            return
        try:
            parse_money(cell.raw)
        except ValueError:
            return
        source = cell.source.model_copy(update={"derived": "invoice total row"})
        self._set(claims[0], "invoice_amount", _Cell(cell.raw, source))

    # -- helpers ----------------------------------------------------------------------------

    def _source(self, row: int, column: int, value: Any) -> Provenance:
        return Provenance(
            file=self.filename, sheet=self.grid.name, row=row, column=column_letter(column), raw=cell_text(value)
        )

    def _cell_error(self, cell: _Cell, key: str, problem: str) -> None:
        self._error(
            "invalid_value",
            f"{_label(key)} in {cell.source.column}{cell.source.row}: {problem}",
            row=cell.source.row,
            column=cell.source.column,
            element=_element_key(key),
        )

    def _error(self, code: str, message: str, **where: Any) -> None:
        self.result.errors.append(
            ExtractError(code=code, message=f"{self.grid.name}: {message}", sheet=self.grid.name, **where)
        )


def _split_name_cell(raw: Any, source: Provenance) -> dict[str, _Cell]:
    """A 'Member Name: DOE, JANE' title line: the last and first names."""
    last, first = split_person_name(cell_text(raw))
    derived = source.model_copy(update={"derived": "split from a full-name line"})
    return {
        key: _Cell(part, derived) for key, part in (("member_last_name", last), ("member_first_name", first)) if part
    }


def _birth_date_in_the_past(claim: Claim) -> None:
    """A birth date written with a two-digit year ('03/15/55') is in the last century, not the next."""
    born = claim.member_dob
    if born is not None and born > date.today():
        claim.member_dob = born.replace(year=born.year - 100)


def _tuple_getter(indexes: list[int]):
    """cells -> tuple of the cells at `indexes` (operator.itemgetter returns a bare value for one index)."""
    if len(indexes) == 1:
        return lambda cells: (cells[indexes[0]],)
    return itemgetter(*indexes) if indexes else (lambda cells: ())


def _blank(value: Any) -> bool:
    return value == "" or value is None or (value.__class__ is str and value.isspace())


def _next_value(cells: list[Any], column: int) -> tuple[Any, int]:
    for index in range(column + 1, min(len(cells), column + 4)):
        if not is_blank(cells[index]):
            return cells[index], index
    return None, column


def _parse_cell(key: str, raw: Any) -> tuple[Any, str | None, str]:
    """(value, None, text) or (None, why it does not parse, text) for one cell of element `key`."""
    text = raw if raw.__class__ is str else cell_text(raw)
    try:
        return normalize(key, raw), None, text
    except ValueError as problem:
        return None, str(problem), text


def _is_total_label(value: Any) -> bool:
    return value.__class__ is str and _TOTAL_HINT.search(value) is not None and _is_total_word(value)


def _is_total_word(text: str) -> bool:
    normalized = normalize_header(text)
    return normalized in synonyms().total_words or bool(_TOTAL_START.match(normalized))


def _comparable(key: str, raw: Any) -> str:
    """A value as compared between rows: its parsed form, else its text ('04' equals 4 for POS), any case."""
    try:
        value = normalize(key, raw)
    except (ValueError, KeyError):
        return cell_text(raw).upper()
    return "" if value is None else str(value).upper()  # 'inv-7' and 'INV-7' are one invoice to a clerk


def _element_key(key: str) -> str:
    """The DHCS element an error is about (a date-of-service column is the start date first)."""
    return {SERVICE_DATE: "service_start_date", MEMBER_NAME: "member_last_name"}.get(key, key)


def _label(key: str) -> str:
    names = {SERVICE_DATE: "Date of Service", MEMBER_NAME: "Member Name", MINUTES: "Minutes"}
    return names.get(key) or element(key).label


_DURATION = re.compile(r"(\d+):([0-5]\d)(?::00)?")


def parse_minutes(raw: Any) -> int:
    """Service minutes: 38, '38', '38 min', a time-formatted cell (0:38) or '1:15' (h:mm)."""
    if isinstance(raw, timedelta):
        seconds = raw.total_seconds()
    elif isinstance(raw, time):
        seconds = raw.hour * 3600 + raw.minute * 60 + raw.second
    elif isinstance(raw, str) and (match := _DURATION.fullmatch(raw.strip())):
        seconds = int(match.group(1)) * 3600 + int(match.group(2)) * 60
    else:
        text = str(raw).strip().lower()
        for unit in ("minutes", "mins", "min"):
            text = text.removesuffix(unit).strip()
        try:
            seconds = float(text) * 60
        except ValueError:
            seconds = -1
    if seconds < 0 or seconds % 60:
        raise ValueError(f"'{cell_text(raw)}' is not a whole number of minutes")
    return int(seconds // 60)


def split_person_name(text: str) -> tuple[str, str]:
    """'DOE, JANE' -> ('DOE', 'JANE'); 'Jane Q Doe' -> ('Doe', 'Jane Q')."""
    if "," in text:
        last, _, first = text.partition(",")
        return last.strip(), first.strip()
    words = text.split()
    if len(words) < 2:
        return text.strip(), ""
    return words[-1], " ".join(words[:-1])

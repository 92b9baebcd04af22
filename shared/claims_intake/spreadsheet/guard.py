"""Checks made before a workbook is opened: zip bombs, XML entity tricks, encryption, rows, columns, cells.

An .xlsx/.xlsm is a zip of XML parts. Before any parser sees it, every part is decompressed in
a stream (never all at once) while the real byte count is checked against the configured limits,
and each XML part's prolog is checked for a DTD: a real workbook never has one, and a DTD is how
entity-expansion ("billion laughs") and external-entity attacks start. workbook.xml itself is
parsed with defusedxml so any such trick is refused by the parser too.

The workbook reader builds a dense grid (every cell from A1 to the last used row and column), so one
stray cell at XFD20000 in a 6 KB file costs gigabytes. While each worksheet streams past, the guard
notes the furthest row and column any cell reaches (its `r="XFD20000"` reference, or its position
when a writer leaves references out), and the used area is refused before the reader allocates it.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from io import BytesIO

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from ..errors import IntakeError
from ..limits import Limits

_CHUNK = 1 << 20
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_DIMENSION = re.compile(rb'<dimension[^>]*\bref="[A-Z]+\d+:[A-Z]+(\d+)"')
_OLE_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ERROR_TYPE = b't="e"'
# A row (its r="20000" if written) or a cell (its r="XFD20000" if written): one pass over the part.
_TOKENS = re.compile(rb'<(row)(?=[\s/>])(?:[^>]*?\sr="(\d{1,9})")?|<c(?=[\s/>])(?:[^>]*?\sr="([A-Z]{1,3})(\d{1,9})")?')
# The same facts when every cell gives its reference (Excel and most writers): counted by C loops, not Python ones.
_CELL_TAG = re.compile(rb"<c[\s/>]")
_ROW_TAG = re.compile(rb"<row[\s/>]")
_CELL_COLUMN = re.compile(rb'<c\s[^>]*?\br="([A-Z]{1,3})\d')
_CELL_ROW = re.compile(rb'<c\s[^>]*?\br="[A-Z]{1,3}(\d{1,9})"')
_ROW_NUMBER = re.compile(rb'<row\s[^>]*?\br="(\d{1,9})"')
_CARRY = 4096  # bytes of an unfinished tag carried over to the next chunk
_WORKSHEET_ROOT = re.compile(rb"<(\w+:)?(worksheet|dialogsheet)[\s>]")


@dataclass
class SheetExtent:
    """How far a worksheet's cells reach: its last row and column (1-based), counted while it streams.

    A cell without a reference sits right of the cell before it in its row (the OOXML rule the reader
    follows too), so the column is counted along each row whether or not the writer wrote references."""

    last_row: int = 0
    last_column: int = 0
    rows: int = 0
    column: int = 0  # the column of the last cell seen, in the current row

    def scan(self, text: bytes) -> None:
        if not self._scan_referenced(text):
            self._scan_tags(text)

    def _scan_referenced(self, text: bytes) -> bool:
        """The chunk's extent when every cell tag in it has its reference; False (nothing counted) otherwise."""
        letters = _CELL_COLUMN.findall(text)
        cell_rows = _CELL_ROW.findall(text)
        if not (len(letters) == len(cell_rows) == len(_CELL_TAG.findall(text))):
            return False
        self.rows += len(_ROW_TAG.findall(text))
        numbers = {int(n) for n in cell_rows} | {int(n) for n in _ROW_NUMBER.findall(text)}
        self.last_row = max(self.last_row, *numbers) if numbers else self.last_row
        if letters:
            self.last_column = max(self.last_column, *(column_number(word) for word in set(letters)))
        if text.rfind(b"<row") > _last_cell_tag(text):
            self.column = 0  # a row started after the chunk's last cell
        elif letters:
            self.column = column_number(letters[-1])
        return True

    def _scan_tags(self, text: bytes) -> None:
        """Tag by tag: a cell without a reference sits right of the cell before it in its row."""
        last_row, last_column, rows, column = self.last_row, self.last_column, self.rows, self.column
        for row, row_number, letters, cell_row in _TOKENS.findall(text):
            if row:
                rows, column = rows + 1, 0
                if row_number:
                    last_row = max(last_row, int(row_number))
                continue
            column = column_number(letters) if letters else column + 1
            last_column = max(last_column, column)
            if cell_row:
                last_row = max(last_row, int(cell_row))
        self.last_row, self.last_column, self.rows, self.column = last_row, last_column, rows, column

    @property
    def height(self) -> int:
        return max(self.last_row, self.rows)

    @property
    def width(self) -> int:
        return self.last_column


def _last_cell_tag(text: bytes) -> int:
    at = text.rfind(b"<c")
    while at >= 0 and text[at + 2 : at + 3] not in (b" ", b"\t", b"\n", b"\r", b"/", b">"):
        at = text.rfind(b"<c", 0, at)  # '<col', '<cfRule'...
    return at


def column_number(letters: bytes) -> int:
    """b'A' -> 1, b'XFD' -> 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


@dataclass
class OfficeZip:
    """What the guard saw while it unpacked the workbook."""

    dimensions: dict[str, int]  # worksheet part -> its declared last row (<dimension>)
    parts_with_error_cells: set[str]  # parts holding a cell Excel shows as an error (t="e")
    extents: dict[str, SheetExtent] = field(default_factory=dict)  # worksheet part -> how far its cells reach


def check_office_zip(data: bytes, filename: str, limits: Limits) -> OfficeZip:
    """Refuse zip bombs and DTDs; note each worksheet's declared rows and which parts hold error cells."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile:
        raise IntakeError(
            "corrupt_workbook",
            f"{filename}: the workbook is damaged (not a readable zip). Save it again from Excel and re-upload.",
        ) from None
    with archive:
        declared = sum(info.file_size for info in archive.infolist())
        _check_size(declared, len(data), filename, limits)
        unpacked = 0
        seen = OfficeZip({}, set())
        for info in archive.infolist():
            # Every XML part is measured: a worksheet is wherever workbook.xml.rels says, not only in worksheets/
            extent = SheetExtent() if info.filename.lower().endswith(".xml") else None
            unpacked, head, error_cells = _stream_member(archive, info, unpacked, len(data), filename, limits, extent)
            if info.filename.lower().endswith(_XML_SUFFIXES):
                _check_prolog(head, info.filename, filename)
            match = _DIMENSION.search(head[:8192])
            if info.filename.startswith("xl/worksheets/"):
                if match:
                    seen.dimensions[info.filename] = int(match.group(1))
                if error_cells:
                    seen.parts_with_error_cells.add(info.filename)
            if extent is not None and _WORKSHEET_ROOT.search(head):
                seen.extents[info.filename] = extent
        check_extents(seen.extents, filename, limits)
        _parse_workbook_part(archive, filename)
    return seen


def _check_size(unpacked: int, packed: int, filename: str, limits: Limits) -> None:
    if unpacked > limits.max_unzipped_bytes or unpacked > limits.max_zip_ratio * max(packed, 1):
        raise IntakeError(
            "zip_bomb",
            f"{filename}: the workbook unpacks to {unpacked / 1048576:.0f}+ MiB from {packed / 1048576:.1f} MiB "
            f"(limits: {limits.max_unzipped_bytes / 1048576:.0f} MiB, {limits.max_zip_ratio}x). "
            "It is not read; send the invoice rows in a smaller workbook or as CSV.",
        )


def _stream_member(
    archive, info, unpacked, packed, filename, limits, extent: SheetExtent | None = None
) -> tuple[int, bytes, bool]:
    """Decompress one part in chunks, counting real bytes; return the running total, its head, and
    whether it has a cell of error type (t="e", looked for on the way: no second pass for most files).
    A worksheet's cell references go into `extent` on the way too."""
    head, tail, error_cells, carry = b"", b"", False, b""
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                unpacked += len(chunk)
                _check_size(unpacked, packed, filename, limits)
                if len(head) < 65536:
                    head += chunk[: 65536 - len(head)]
                error_cells = error_cells or _ERROR_TYPE in tail + chunk[:8]
                error_cells = error_cells or _ERROR_TYPE in chunk
                tail = chunk[-8:]
                if extent is not None:
                    carry = _scan_whole_tags(extent, carry + chunk)
        if extent is not None and carry:
            extent.scan(carry)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as error:
        code, what = (
            ("encrypted_workbook", "is password protected")
            if "encrypted" in str(error).lower()
            else ("corrupt_workbook", "is damaged")
        )
        raise IntakeError(
            code, f"{filename}: the workbook {what} ({info.filename}). Save an unprotected copy and re-upload."
        ) from None
    return unpacked, head, error_cells


def _scan_whole_tags(extent: SheetExtent, text: bytes) -> bytes:
    """Scan up to the last complete tag; the rest (a tag cut by the chunk) is carried to the next chunk."""
    cut = text.rfind(b">") + 1
    extent.scan(text[:cut])
    return text[cut:][-_CARRY:]


def check_extents(extents: dict[str, SheetExtent], filename: str, limits: Limits) -> None:
    """Refuse a worksheet whose cells reach too far right, or whose used area is too large, before reading."""
    cells = 0
    for part, extent in extents.items():
        sheet = part.rsplit("/", 1)[-1].removesuffix(".xml")
        if extent.width > limits.max_sheet_columns:
            raise IntakeError(
                "too_many_columns",
                f"{filename}: a cell of {sheet} is in column {extent.width:,} (the limit is "
                f"{limits.max_sheet_columns:,} columns). Delete the cells right of the invoice table and upload again.",
            )
        cells += extent.height * extent.width
        if cells > limits.max_sheet_cells:
            raise IntakeError(
                "too_many_cells",
                f"{filename}: the sheets' used area ({extent.height:,} rows x {extent.width:,} columns in {sheet}) "
                f"is over the {limits.max_sheet_cells:,}-cell limit. Delete stray cells below and right of the "
                "invoice table, or split the invoice into several files.",
            )


def check_grid_area(height: int, width: int, filename: str, sheet: str, limits: Limits) -> None:
    """The same limits for a workbook format the guard cannot look into (.xls), from the reader's size."""
    extent = SheetExtent(last_row=height, last_column=width)
    check_extents({sheet: extent}, filename, limits)


def _check_prolog(head: bytes, part: str, filename: str) -> None:
    root = _ROOT_START.search(head)
    prolog = head[: root.start()] if root else head
    if _DTD.search(prolog) or (root is None and len(head) >= 65536):
        raise IntakeError(
            "xml_entities",
            f"{filename}: the workbook part {part} declares a DTD/entities, which Excel never writes. "
            "The file is not read; save the invoice again from Excel or as CSV.",
        )


def _parse_workbook_part(archive: zipfile.ZipFile, filename: str) -> None:
    try:
        root = SafeET.fromstring(archive.read("xl/workbook.xml"), forbid_dtd=True)
    except (DefusedXmlException, SafeET.ParseError, KeyError) as error:
        raise IntakeError(
            "corrupt_workbook",
            f"{filename}: the workbook's sheet list cannot be read ({type(error).__name__}). Save it again from Excel and re-upload.",
        ) from None
    if root.find(f"{_MAIN_NS}sheets") is None:
        raise IntakeError("corrupt_workbook", f"{filename}: the workbook lists no sheets.")


def check_ole(data: bytes, filename: str) -> None:
    """An encrypted .xlsx is an OLE2 file holding an 'EncryptedPackage' stream: say so plainly."""
    if _OLE_ENCRYPTED in data:
        raise IntakeError(
            "encrypted_workbook",
            f"{filename}: the workbook is password protected. Remove the password (File > Info > Protect Workbook) and re-upload.",
        )


def check_row_count(rows: int, filename: str, limits: Limits, where: str = "") -> None:
    if rows > limits.max_sheet_rows:
        raise IntakeError(
            "too_many_rows",
            f"{filename}: {where}{rows:,} rows is over the {limits.max_sheet_rows:,}-row limit for one upload. "
            "Split the invoice into several files.",
        )

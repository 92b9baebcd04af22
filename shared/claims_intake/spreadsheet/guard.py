"""Checks made before a workbook is opened: zip bombs, XML entity tricks, encryption, row counts.

An .xlsx/.xlsm is a zip of XML parts. Before any parser sees it, every part is decompressed in
a stream (never all at once) while the real byte count is checked against the configured limits,
and each XML part's prolog is checked for a DTD: a real workbook never has one, and a DTD is how
entity-expansion ("billion laughs") and external-entity attacks start. workbook.xml itself is
parsed with defusedxml so any such trick is refused by the parser too.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
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


@dataclass
class OfficeZip:
    """What the guard saw while it unpacked the workbook."""

    dimensions: dict[str, int]  # worksheet part -> its declared last row (<dimension>)
    parts_with_error_cells: set[str]  # parts holding a cell Excel shows as an error (t="e")


def check_office_zip(data: bytes, filename: str, limits: Limits) -> OfficeZip:
    """Refuse zip bombs and DTDs; note each worksheet's declared rows and which parts hold error cells."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile:
        raise IntakeError("corrupt_workbook", f"{filename}: the workbook is damaged (not a readable zip). Save it again from Excel and re-upload.") from None
    with archive:
        declared = sum(info.file_size for info in archive.infolist())
        _check_size(declared, len(data), filename, limits)
        unpacked = 0
        seen = OfficeZip({}, set())
        for info in archive.infolist():
            unpacked, head, error_cells = _stream_member(archive, info, unpacked, len(data), filename, limits)
            if info.filename.lower().endswith(_XML_SUFFIXES):
                _check_prolog(head, info.filename, filename)
            match = _DIMENSION.search(head[:8192])
            if info.filename.startswith("xl/worksheets/"):
                if match:
                    seen.dimensions[info.filename] = int(match.group(1))
                if error_cells:
                    seen.parts_with_error_cells.add(info.filename)
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


def _stream_member(archive, info, unpacked, packed, filename, limits) -> tuple[int, bytes, bool]:
    """Decompress one part in chunks, counting real bytes; return the running total, its head, and
    whether it has a cell of error type (t="e", looked for on the way: no second pass for most files)."""
    head, tail, error_cells = b"", b"", False
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
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as error:
        code, what = ("encrypted_workbook", "is password protected") if "encrypted" in str(error).lower() else ("corrupt_workbook", "is damaged")
        raise IntakeError(code, f"{filename}: the workbook {what} ({info.filename}). Save an unprotected copy and re-upload.") from None
    return unpacked, head, error_cells


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
        raise IntakeError("corrupt_workbook", f"{filename}: the workbook's sheet list cannot be read ({type(error).__name__}). Save it again from Excel and re-upload.") from None
    if root.find(f"{_MAIN_NS}sheets") is None:
        raise IntakeError("corrupt_workbook", f"{filename}: the workbook lists no sheets.")


def check_ole(data: bytes, filename: str) -> None:
    """An encrypted .xlsx is an OLE2 file holding an 'EncryptedPackage' stream: say so plainly."""
    if _OLE_ENCRYPTED in data:
        raise IntakeError("encrypted_workbook", f"{filename}: the workbook is password protected. Remove the password (File > Info > Protect Workbook) and re-upload.")


def check_row_count(rows: int, filename: str, limits: Limits, where: str = "") -> None:
    if rows > limits.max_sheet_rows:
        raise IntakeError(
            "too_many_rows",
            f"{filename}: {where}{rows:,} rows is over the {limits.max_sheet_rows:,}-row limit for one upload. "
            "Split the invoice into several files.",
        )

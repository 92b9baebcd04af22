"""What an upload is, by its content (magic bytes), not by its extension alone."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import PurePath

SPREADSHEET_KINDS = frozenset({"xlsx", "xlsm", "xls", "csv"})
SCAN_KINDS = frozenset({"pdf", "tiff", "png", "jpeg"})

_MAGIC = [
    (b"%PDF-", "pdf"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xls"),  # OLE2 compound file (Excel 97-2003)
]


def detect_kind(data: bytes, filename: str = "") -> str | None:
    """The file's kind from its first bytes: pdf, tiff, png, jpeg, xls, xlsx, xlsm, csv; None if unknown."""
    head = data[:16]
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith(b"PK\x03\x04"):
        return _office_zip_kind(data)
    if _looks_like_text(data[:65536]):
        return "csv"
    return None


def _office_zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return None
    if "xl/workbook.xml" not in names:
        return None
    return "xlsm" if "xl/vbaProject.bin" in names else "xlsx"


def _looks_like_text(sample: bytes) -> bool:
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte-order mark (Excel "Unicode Text")
        return _printable(sample[: len(sample) & ~1].decode("utf-16", errors="replace"))
    if not sample or b"\x00" in sample:
        return False
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        return _printable(text)
    return False


def _printable(text: str) -> bool:
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return bool(text) and printable / len(text) > 0.97


def extension(filename: str) -> str:
    return PurePath(filename).suffix.lower().lstrip(".")


EXTENSION_KINDS = {
    "xlsx": "xlsx",
    "xlsm": "xlsm",
    "xls": "xls",
    "csv": "csv",
    "txt": "csv",
    "pdf": "pdf",
    "tif": "tiff",
    "tiff": "tiff",
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
}

# The media types a browser or billing system sends for each kind we read (IANA registrations; a CSV saved
# by Excel on Windows often goes out as application/vnd.ms-excel, a .txt export as text/plain). A presigned
# upload pins one of them as its Content-Type; the intake still decides the kind from the content.
KIND_MEDIA_TYPES = {
    "pdf": frozenset({"application/pdf"}),
    "tiff": frozenset({"image/tiff"}),
    "png": frozenset({"image/png"}),
    "jpeg": frozenset({"image/jpeg"}),
    "xlsx": frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    "xlsm": frozenset(
        {
            "application/vnd.ms-excel.sheet.macroenabled.12",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    ),
    "xls": frozenset({"application/vnd.ms-excel"}),
    "csv": frozenset({"text/csv", "text/plain", "application/vnd.ms-excel"}),
}


def media_types_for(filename: str) -> frozenset[str]:
    """The media types an upload of this name may declare; empty when the name is no kind we read."""
    kind = EXTENSION_KINDS.get(extension(filename))
    return KIND_MEDIA_TYPES.get(kind, frozenset()) if kind else frozenset()


# Extensions that may carry each kind: an .xlsx holding a macro project is still a workbook
# (Excel names it .xlsm, but the data is read the same way and macros never run), and a
# password-protected .xlsx is an OLE2 file like an .xls (the reader then says it is encrypted).
_COMPATIBLE = {"xlsx": {"xlsx", "xlsm"}, "xlsm": {"xlsx", "xlsm"}, "xls": {"xls", "xlsx", "xlsm"}}


def extension_matches(filename: str, kind: str) -> bool:
    """False when the name claims another kind than the content is, or a kind we never read (.exe, .html):
    such a file is opened by the next person's program for what its name says. A name without an
    extension passes (the content decides)."""
    suffix = extension(filename)
    if not suffix.isascii() or not suffix.isalnum() or len(suffix) > 8:
        return True  # no extension ('Invoice Dec. 2024' ends in a sentence, not a type)
    claimed = EXTENSION_KINDS.get(suffix)
    return claimed is not None and claimed in _COMPATIBLE.get(kind, {kind})

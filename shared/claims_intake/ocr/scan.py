"""CMS-1500 scans and fillable PDFs -> DHCS claims.

`read_scan(data, filename, kind, limits)` is what `claims_intake.extract.extract_bytes` calls for
pdf, tiff, png and jpeg uploads:

- a PDF whose CMS-1500 form fields are filled is read from the fields (source_kind "fillable_pdf");
- anything else is rasterized (300 dpi), each page registered to the template (skew, shift, scale,
  upside down), the red form ink dropped, the filled boxes OCR'd by Tesseract and parsed box by box.

One claim per form page (a continuation page joins the claim before it). A page that is blank, is
not a CMS-1500, carries no data or cannot be read gives an ExtractError for that page; problems with
the whole file raise IntakeError. Nothing is logged from a page's content (PHI).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml
from aws_lambda_powertools import Logger

from ..cms1500.fillable import filled_form_page
from ..cms1500.mapping import FormPage, claims_from_pages
from ..limits import Limits
from ..model import ExtractError, ExtractResult, SourceInfo
from .pages import PageImage, check_pdf_content, image_pages, pdf_pages, pdf_reader
from .recognize import Slot, page_slots, read_pages, thread_limit_env
from .register import register as register_page

logger = Logger(child=True)


@cache
def ocr_settings() -> dict:
    """data/ocr.yaml: review threshold, form-recognition threshold."""
    return yaml.safe_load(resources.files("claims_intake").joinpath("data/ocr.yaml").read_text("utf-8"))


def read_scan(data: bytes, filename: str, kind: str, limits: Limits) -> ExtractResult:
    thread_limit_env()
    settings = ocr_settings()
    claim_id_prefix = "cms1500-" + hashlib.sha256(data).hexdigest()[:16]
    if kind == "pdf":
        reader = pdf_reader(data, filename)
        check_pdf_content(reader, filename, limits)
        page_count = len(reader.pages)
        filled = filled_form_page(reader)
        if filled is not None:
            claims, form_errors = claims_from_pages(filename, [filled], source_kind="fillable_pdf",
                                                    claim_id_prefix=claim_id_prefix,
                                                    review_confidence=settings["review_confidence"])
            return ExtractResult(source=SourceInfo(file=filename, kind="fillable_pdf", pages=page_count),
                                 claims=claims, errors=form_errors)
        pages = pdf_pages(data, filename, limits)
    else:
        page_count = None
        pages = image_pages(data, filename, kind, limits)

    prepared: list[PreparedPage] = []
    errors: list[ExtractError] = []
    deadline = time.monotonic() + limits.max_seconds_per_file
    seen = 0
    for page in pages:
        seen += 1
        if time.monotonic() > deadline:
            errors.append(ExtractError(code="time_limit", page=page.number, message=(
                f"page {page.number}: not read, the file took longer than {limits.max_seconds_per_file} s. "
                "Send fewer pages per file.")))
            continue
        outcome = prepare_page(page, settings)
        if isinstance(outcome, ExtractError):
            errors.append(outcome)
        else:
            prepared.append(outcome)
    form_pages, read_errors = read_prepared(prepared)
    claims, page_errors = claims_from_pages(filename, form_pages, source_kind="scan", claim_id_prefix=claim_id_prefix,
                                            review_confidence=settings["review_confidence"])
    errors = sorted(errors + read_errors + page_errors, key=lambda e: e.page or 0)
    logger.info("scan read", extra={"pages": seen, "claims": len(claims), "page_errors": len(errors)})
    return ExtractResult(source=SourceInfo(file=filename, kind=kind, pages=page_count or seen), claims=claims, errors=errors)


@dataclass
class PreparedPage:
    """A page found to be a CMS-1500, registered, its filled boxes cut out for Tesseract."""

    number: int
    slots: list[Slot]
    notes: list[str]


def prepare_page(page: PageImage, settings: dict) -> PreparedPage | ExtractError:
    """Register one page and cut out its boxes, or say why it has none. Never raises for a bad page."""
    number = page.number
    if page.image is None:
        return ExtractError(code="page_unreadable", page=number, message=f"page {number}: {page.problem}. Scan it again.")
    try:
        registration = register_page(page.image, page.dpi)
        if registration is None:
            return ExtractError(code="blank_page", page=number, message=f"page {number} is blank.")
        if registration.score < settings["min_form_score"] or registration.coverage < settings["min_form_coverage"]:
            return ExtractError(code="not_cms1500", page=number, message=(
                f"page {number} is not a CMS-1500 (02/12) claim form. Send the claim on the CMS-1500 form, "
                "or the DHCS invoice as a spreadsheet."))
        slots = page_slots(page.image, registration)
    except (ValueError, MemoryError, OSError) as error:
        logger.warning("page could not be processed", extra={"page": number, "error": type(error).__name__})
        return ExtractError(code="page_unreadable", page=number,
                            message=f"page {number} could not be read ({type(error).__name__}). Scan it again at 300 dpi.")
    notes = []
    if registration.upside_down:
        notes.append("scanned upside down; turned 180 degrees before reading")
    if registration.rotated_quarter:
        notes.append("scanned sideways; turned 90 degrees before reading")
    return PreparedPage(number, slots, notes)


def read_prepared(prepared: list[PreparedPage]) -> tuple[list[FormPage], list[ExtractError]]:
    """OCR every prepared page in one Tesseract run; a page with writing but no characters is an error."""
    form_pages, errors = [], []
    for page, readings in zip(prepared, read_pages([p.slots for p in prepared]), strict=False):
        if readings and not any(r.text for r in readings.values()):
            errors.append(ExtractError(code="page_unreadable", page=page.number, message=(
                f"page {page.number}: the boxes have writing but no characters could be read. "
                "Scan it again at 300 dpi, in colour if possible.")))
            continue
        notes = list(page.notes)
        unread = sorted(name for name, r in readings.items() if not r.text)
        if unread:
            notes.append("writing that could not be read in: " + ", ".join(unread))
        form_pages.append(FormPage(page.number, {k: v for k, v in readings.items() if v.text}, notes))
    return form_pages, errors

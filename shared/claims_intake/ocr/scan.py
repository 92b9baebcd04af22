"""CMS-1500 scans and fillable PDFs -> DHCS claims.

`read_scan(data, filename, kind, limits)` is what `claims_intake.extract.extract_bytes` calls for
pdf, tiff, png and jpeg uploads:

- a PDF whose CMS-1500 form fields are filled is read from the fields (source_kind "fillable_pdf");
- anything else is rasterized (300 dpi), each page made 8-bit with square pixels (normalise.py),
  registered to the template (a homography: skew, shift, scale, perspective, turned), the form ink
  dropped, the filled boxes OCR'd by Tesseract and parsed box by box.

One claim per form page (a continuation page joins the claim before it). A page that is blank, is
not a CMS-1500, is an older version of the form (12/90, 08/05), looks like a form but does not
register well enough (`form_uncertain`: staff review), carries no data or cannot be read gives an
ExtractError for that page; problems with the whole file raise IntakeError. No page ever raises.
Nothing is logged from a page's content (PHI).
"""

from __future__ import annotations

import hashlib
import re
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
from .calibration import REGISTRATION_EXTRA, calibrate_claims, review_threshold
from .codes import second_code_reading
from .digits import npi_cell, second_reading
from .engine import TesseractMissing
from .lines import (
    FREE_TEXT,
    IDENTIFIER_BOXES,
    PHONE_BOXES,
    WORD_BOXES,
    doubted_by_recogniser,
    first_likelier,
    likeliest_billing_npi,
    recognised_codes,
    second_cell_reading,
    second_line_reading,
    shared_rendering_npi,
)
from .normalise import normalise
from .pages import PageImage, check_pdf_content, image_pages, pdf_pages, pdf_reader
from .recognize import VERSION_FIELDS, Slot, read_pages, reading_slots, thread_limit_env, with_lost_dashes
from .register import register as register_page

logger = Logger(child=True)
FAX_DPI = 250  # a bilevel page at or below this resolution is a fax: ocr.digits reads its digit cells again


@cache
def ocr_settings() -> dict:
    """data/ocr.yaml: form-recognition thresholds (the review threshold is the check's: calibration.review_threshold)."""
    return yaml.safe_load(resources.files("claims_intake").joinpath("data/ocr.yaml").read_text("utf-8"))


def read_scan(data: bytes, filename: str, kind: str, limits: Limits, calibrate: bool = True) -> ExtractResult:
    """`calibrate=False` keeps the reader's own confidences (what ocr.calibration is fitted on)."""
    thread_limit_env()
    settings = ocr_settings()
    digest = hashlib.sha256(data).hexdigest()  # the file's, once: a 16-bit scan is tens of MB
    claim_id_prefix = "cms1500-" + digest[:16]
    if kind == "pdf":
        reader = pdf_reader(data, filename)
        check_pdf_content(reader, filename, limits)
        page_count = len(reader.pages)
        filled = filled_form_page(reader)
        if filled is not None:
            claims, form_errors = claims_from_pages(
                filename,
                [filled],
                source_kind="fillable_pdf",
                claim_id_prefix=claim_id_prefix,
                review_confidence=review_threshold(),
            )
            return ExtractResult(
                source=SourceInfo(file=filename, kind="fillable_pdf", pages=page_count, sha256=digest),
                claims=claims,
                errors=form_errors,
            )
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
            errors.append(
                ExtractError(
                    code="time_limit",
                    page=page.number,
                    message=(
                        f"page {page.number}: not read, the file took longer than {limits.max_seconds_per_file} s. "
                        "Send fewer pages per file."
                    ),
                )
            )
            continue
        outcome = prepare_page(page, settings)
        if isinstance(outcome, ExtractError):
            errors.append(outcome)
        else:
            prepared.append(outcome)
    form_pages, read_errors = read_prepared(prepared)
    claims, page_errors = claims_from_pages(
        filename,
        form_pages,
        source_kind="scan",
        claim_id_prefix=claim_id_prefix,
        review_confidence=review_threshold(),
    )
    record_registration(claims, prepared)
    if calibrate:
        calibrate_claims(claims)
    errors = sorted(errors + read_errors + page_errors, key=lambda e: e.page or 0)
    logger.info("scan read", extra={"pages": seen, "claims": len(claims), "page_errors": len(errors)})
    return ExtractResult(
        source=SourceInfo(file=filename, kind=kind, pages=page_count or seen, sha256=digest),
        claims=claims,
        errors=errors,
    )


@dataclass
class PreparedPage:
    """A page found to be a CMS-1500, registered, its filled boxes cut out for Tesseract."""

    number: int
    slots: list[Slot]
    notes: list[str]
    registration: dict[str, float] | None = None  # how well the page lined up (score, coverage); its resolution
    fax: bool = False  # a bilevel page at fax resolution: its digit cells are read a second time (ocr.digits)


def prepare_page(page: PageImage, settings: dict) -> PreparedPage | ExtractError:
    """Register one page and cut out its boxes, or say why it has none. Never raises for a bad page."""
    number = page.number
    if page.image is None:
        return ExtractError(
            code="page_unreadable", page=number, message=f"page {number}: {page.problem}. Scan it again."
        )
    try:
        image, dpi = normalise(page.image, page.dpi, page.vertical_dpi)
        registration = register_page(image, dpi)
        if registration is None:
            return ExtractError(code="blank_page", page=number, message=f"page {number} is blank.")
        verdict = form_verdict(registration, settings)
        if verdict != "form":
            return _refusal(verdict, number)
        slots = reading_slots(image, registration)
    except Exception as error:
        logger.warning("page could not be processed", extra={"page": number, "error": type(error).__name__})
        return ExtractError(
            code="page_unreadable",
            page=number,
            message=f"page {number} could not be read ({type(error).__name__}). Scan it again at 300 dpi.",
        )
    notes = []
    if registration.upside_down:
        notes.append("scanned upside down; turned 180 degrees before reading")
    if registration.rotated_quarter:
        notes.append("scanned sideways; turned 90 degrees before reading")
    quality = {
        "score": float(registration.score),
        "coverage": float(registration.coverage),
        "resolution": float(min(page.dpi, page.vertical_dpi or page.dpi)),  # the file's, before resampling
        # 0 when the boxes are printed in dots (joined before reading): the worst of a claim's pages is kept
        "solid_print": 0.0 if any(slot.dotted for slot in slots) else 1.0,
    }
    fax = page.image.mode == "1" and quality["resolution"] <= FAX_DPI
    for slot in slots:
        slot.fax = fax
    return PreparedPage(number, slots, notes, quality, fax)


def record_registration(claims: list, prepared: list[PreparedPage]) -> None:
    """Each claim keeps how well its pages lined up with the form (the worst page): a calibration signal."""
    by_page = {page.number: page.registration for page in prepared if page.registration}
    for claim in claims:
        found = [by_page[number] for number in claim.pages if number in by_page]
        if found:
            claim.extras[REGISTRATION_EXTRA] = {key: round(min(q[key] for q in found), 3) for key in found[0]}


def form_verdict(registration, settings: dict) -> str:
    """'form' (read it), 'uncertain' (form-like, not registered well enough: staff) or 'not_form'."""
    fits = registration.coverage >= settings["min_form_coverage"] and (
        registration.score >= settings["min_form_score"]
        or (registration.refined and registration.coverage >= settings["min_refined_coverage"])
    )
    # A red form faxed to black and white keeps only its heavy ink: judged on that.
    fits = fits or (
        registration.core_coverage >= settings["min_core_coverage"] and registration.score >= settings["min_core_score"]
    )
    # ... or on the rule patches: many of the form's, from top to bottom of the form, agree with one
    # fit of the page (a fax whose rules broke up too far for either coverage).
    fits = fits or (
        registration.agreeing_patches >= settings["min_form_patches"]
        and registration.thinnest_band >= settings["min_band_patches"]
    )
    if fits:
        return "form"
    form_like = registration.coverage >= settings["form_like_coverage"] and (
        registration.score >= settings["form_like_score"] or registration.refined
    )
    return "uncertain" if form_like else "not_form"


def _refusal(verdict: str, number: int) -> ExtractError:
    if verdict == "uncertain":
        return ExtractError(
            code="form_uncertain",
            page=number,
            message=(
                f"page {number} looks like a CMS-1500 but could not be lined up with the form well enough to read "
                "it safely; staff will read this page."
            ),
        )
    return ExtractError(
        code="not_cms1500",
        page=number,
        message=(
            f"page {number} is not a CMS-1500 (02/12) claim form. Send the claim on the CMS-1500 form, "
            "or the DHCS invoice as a spreadsheet."
        ),
    )


OLD_VERSION = re.compile(r"HCFA|0938-?0999|0938-?0008|\(?(12|08)[-/ ]?(90|05)\)?\s*$|\b(12|08)[-/](90|05)\b")
CURRENT_VERSION = re.compile(r"0?2[-/ ]?12\)?\s*$|1197")


def old_form_version(readings: dict) -> str | None:
    """'12/90' or '08/05' when the form's printed version labels say so; None for the 02/12 (or unread)."""
    labels = " ".join(readings.pop(name).text for name in VERSION_FIELDS if name in readings).upper()
    if not labels or CURRENT_VERSION.search(labels):
        return None
    found = OLD_VERSION.search(labels)
    if not found:
        return None
    return "12/90" if ("HCFA" in labels or "90" in found.group(0) or "0008" in found.group(0)) else "08/05"


TOP_LABEL, FOOTER_LABEL = VERSION_FIELDS
LEGIBLE_FOOTER = 12  # letters and digits: a footer read this far says the form's version (or that it is not old)


def read_with_labels(prepared: list[PreparedPage]) -> list[dict]:
    """Every page's boxes and its footer label in one Tesseract run; the label under the title (an
    eighth of a page's recognition time) only for the pages whose footer gave too little to judge the
    form's version by (cut off, blank): every version of the form prints its version in the footer."""
    first = [[slot for slot in page.slots if slot.members[0][0] != TOP_LABEL] for page in prepared]
    readings = read_pages(first, dates_again=[not page.fax for page in prepared], judge=first_likelier)
    again = [
        index
        for index, page_readings in enumerate(readings)
        if len(re.sub(r"[^A-Za-z0-9]", "", page_readings[FOOTER_LABEL].text if FOOTER_LABEL in page_readings else ""))
        < LEGIBLE_FOOTER
    ]
    tops = [[slot for slot in prepared[index].slots if slot.members[0][0] == TOP_LABEL] for index in again]
    for index, top in zip(again, read_pages(tops, dates_again=[False] * len(tops)) if again else [], strict=True):
        readings[index].update(top)
    return readings


def second_readings(page: PreparedPage, readings: dict) -> dict:
    """Tesseract's readings of a page weighed with the readers that learnt its kind of print. On a fax: the line
    recogniser on the free text and box 33's phone, the digit reader, the line recogniser on the cells, the code
    reader (whose decodes take the best reading so far as their least length or count), the 24J NPI the recogniser
    finds likeliest on all the claim's 24J cells (`shared_rendering_npi`), the valid NPI it finds likeliest in box 33a
    when what was read there is none (`likeliest_billing_npi`), and last the dashes of box 26 and box 23 that the fax
    thinned to dots (`with_lost_dashes`). On a page whose typing lies off its boxes: the line
    recogniser on the identifiers and box 33's phone (boxes 1a, 23, 26, 33), the payer's and the provider's names
    and the street and city lines (whose words the word lists weigh: not the member's name), then on the cells,
    read from their place (the erase or the drop-out took the strokes that crossed the form's rules with the
    rules), and box 33a's likeliest valid NPI (typed onto the form's thick rule). On any other page printed in dots:
    the digit reader, which learnt dotted glyphs where Tesseract is as sure of a dotted '9' read '8' as of a solid
    one. On a page other than a fax the recogniser also reads each code
    cell whose reading breaks its shape (`recognised_codes`): a box-21 '259.02' its parse rule repairs to Z59.02 is
    confirmed when the recogniser read Z59.02 (a fax has the code reader); and where its digits differ from
    Tesseract's in box 33's phone or a cell it has not weighed yet, the box goes to staff (`doubted_by_recogniser`:
    Tesseract is as sure of a blurred dotted 5 read as 3 as of any digit)."""
    if page.fax:
        lines_read = second_line_reading(page.slots, readings, fax=True, boxes=(*FREE_TEXT, *PHONE_BOXES))
        digits_read = second_reading(page.slots, lines_read)
        cells_read = second_code_reading(page.slots, second_cell_reading(page.slots, digits_read, fax=True))
        cells_read = likeliest_billing_npi(page.slots, shared_rendering_npi(page.slots, cells_read))
        return with_lost_dashes(page.slots, cells_read)
    cells_weighed = any(slot.typing_off_boxes for slot in page.slots)
    if cells_weighed:
        identifiers = second_line_reading(page.slots, readings, boxes=IDENTIFIER_BOXES | PHONE_BOXES | WORD_BOXES)
        readings = likeliest_billing_npi(page.slots, second_cell_reading(page.slots, identifiers))
    elif any(slot.dotted for slot in page.slots):
        readings = second_reading(page.slots, readings)
    return recognised_codes(page.slots, doubted_by_recogniser(page.slots, readings, cells=not cells_weighed))


def read_prepared(prepared: list[PreparedPage]) -> tuple[list[FormPage], list[ExtractError]]:
    """OCR every prepared page in one Tesseract run; a page with writing but no characters is an error."""
    form_pages, errors = [], []
    try:
        all_readings = read_with_labels(prepared)
        all_readings = [second_readings(p, readings) for p, readings in zip(prepared, all_readings, strict=True)]
    except Exception as error:
        if isinstance(error, TesseractMissing):
            raise  # the machine lacks the OCR engine: no page's fault, the caller says how to install it
        logger.warning("OCR failed", extra={"error": type(error).__name__})
        return [], [
            ExtractError(
                code="page_unreadable",
                page=page.number,
                message=(f"page {page.number} could not be read ({type(error).__name__}); staff will read it."),
            )
            for page in prepared
        ]
    for page, readings in zip(prepared, all_readings, strict=False):
        version = old_form_version(readings)
        if version:
            errors.append(
                ExtractError(
                    code="cms1500_old_version",
                    page=page.number,
                    message=(
                        f"page {page.number} is on the old {'HCFA' if version == '12/90' else 'CMS'}-1500 ({version}) form, which "
                        "is no longer accepted. Send the claim on the current CMS-1500 (02/12) form."
                    ),
                )
            )
            continue
        if readings and not any(r.text for r in readings.values()):
            errors.append(
                ExtractError(
                    code="page_unreadable",
                    page=page.number,
                    message=(
                        f"page {page.number}: the boxes have writing but no characters could be read. "
                        "Scan it again at 300 dpi, in colour if possible."
                    ),
                )
            )
            continue
        notes = list(page.notes)
        unread = sorted(name for name, r in readings.items() if not r.text)
        if unread:
            notes.append("writing that could not be read in: " + ", ".join(unread))
        form_pages.append(FormPage(page.number, {k: v for k, v in readings.items() if _kept(k, v)}, notes))
    return form_pages, errors


def _kept(name: str, reading) -> bool:
    """A reading the mapping gets: one with text, or an NPI cell read empty whose readers offered a candidate
    for its check digit to choose (lines._unsure_candidate)."""
    return bool(reading.text) or (bool(reading.alternatives) and npi_cell(name))

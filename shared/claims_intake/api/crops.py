"""Crops of the original scan: the box an OCR'd value was read from, as a PNG staff can compare.

A value's `Provenance` names its page and box; the box's rectangle is in *template coordinates*
(the coordinate space of the form template the OCR reads with, e.g. PDF points of the CMS-1500
page). The crop scales that rectangle onto the page image, whatever resolution it was scanned at.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Protocol

from PIL import Image, ImageOps


class CropError(ValueError):
    """The scan or the box cannot give a crop (unknown page, box outside the page, unreadable file)."""


@dataclass(frozen=True)
class BoxGeometry:
    """A rectangle (left, top, right, bottom; origin top left) on a template page of `width` x `height`."""

    left: float
    top: float
    right: float
    bottom: float
    width: float
    height: float

    def scaled_to(self, pixels_wide: int, pixels_high: int, margin: float = 0.0) -> tuple[int, int, int, int]:
        """The rectangle in pixels of an image of the page, with `margin` template units around it."""
        sx, sy = pixels_wide / self.width, pixels_high / self.height
        left = max(0, int((self.left - margin) * sx))
        top = max(0, int((self.top - margin) * sy))
        right = min(pixels_wide, round((self.right + margin) * sx))
        bottom = min(pixels_high, round((self.bottom + margin) * sy))
        if right <= left or bottom <= top:
            raise CropError("the box lies outside the page")
        return left, top, right, bottom


class BoxLocator(Protocol):
    """Where the value of `element`, read from the box labelled `box`, sits on the template."""

    def __call__(self, element: str, box: str | None) -> BoxGeometry | None: ...


PDF_MAGIC = b"%PDF"
RENDER_DPI = 150


def page_image(scan: bytes, page: int, dpi: float = RENDER_DPI) -> Image.Image:
    """Page `page` (1-based) of a PDF (rendered at `dpi`) or (multi-page) image scan, as an RGB image."""
    if page < 1:
        raise CropError(f"page {page} does not exist")
    if scan[:4] == PDF_MAGIC:
        return _pdf_page(scan, page, dpi)
    try:
        image = Image.open(io.BytesIO(scan))
        frames = getattr(image, "n_frames", 1)
        if page > frames:
            raise CropError(f"page {page} does not exist (the scan has {frames})")
        image.seek(page - 1)
        return ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, EOFError) as problem:
        raise CropError(f"the scan cannot be read as an image: {problem}") from problem


def _pdf_page(scan: bytes, page: int, dpi: float) -> Image.Image:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(scan)
    except pdfium.PdfiumError as problem:
        raise CropError(f"the scan cannot be read as a PDF: {problem}") from problem
    try:
        if page > len(document):
            raise CropError(f"page {page} does not exist (the scan has {len(document)})")
        document.init_forms()  # fillable PDFs: draw the filled fields too
        bitmap = document[page - 1].render(scale=dpi / 72, may_draw_forms=True)
        return bitmap.to_pil().convert("RGB")
    finally:
        document.close()


def crop_png(
    scan: bytes | Image.Image, page: int, box: BoxGeometry, margin: float = 4.0, max_width: int | None = None
) -> bytes:
    """PNG of `box` on page `page` of `scan` (or on an already prepared page image), with a small
    margin so the box's edges show; at the page's own resolution unless `max_width` says otherwise
    (staff compare characters: a downscaled wide box could not be read)."""
    image = scan if isinstance(scan, Image.Image) else page_image(scan, page)
    crop = image.crop(box.scaled_to(image.width, image.height, margin))
    if max_width and crop.width > max_width:
        crop = crop.resize((max_width, max(1, round(crop.height * max_width / crop.width))))
    out = io.BytesIO()
    crop.save(out, format="PNG", compress_level=1)  # fast: a crop is a few KB either way
    return out.getvalue()


# ---- CMS-1500 scans: where each element was read, and the page turned onto the template ----------


def _element_table() -> tuple[dict, dict, dict]:
    """(claim, by_box, line) fields per element: data/cms1500_elements.yaml, the table the OCR reads by."""
    from ..cms1500.template import element_fields

    table = element_fields()
    claim = {key: tuple(fields) for key, fields in table["claim"].items()}
    by_box = {key: {str(box): tuple(fields) for box, fields in boxes.items()} for key, boxes in table["by_box"].items()}
    line = {key: tuple(fields) for key, fields in table["line"].items()}
    return claim, by_box, line


# The fillable-form fields each claim element is read from; a value's box is the union of its fields'
# rectangles in the OCR template. Payer and homeless indicator: by the box the value was found in.
CLAIM_FIELDS, BOX_FIELDS, LINE_FIELDS = _element_table()
LINE_ROW = re.compile(r"\bline (\d+)\b")
# A line's diagnosis codes are read from box 21 through its 24E pointer letters: their crop is the
# box-21 codes the letters name ("21 AB"), the pointer box only while a pointer names no code.
DIAGNOSIS_LETTERS = "ABCDEFGHIJKL"
DIAGNOSIS_BOX = re.compile(r"^21 ([A-L]+)$")
POINTERS = re.compile(r"^pointers ([A-L]+) -> box 21$")


def crop_box_label(element: str, box: str | None, derived: str | None, invalid: bool) -> str | None:
    """The box a value's crop shows: where the value itself is written, not where it was pointed to."""
    pointers = POINTERS.match(derived or "")
    if element == "diagnosis_codes" and pointers and not invalid:
        return f"21 {pointers.group(1)}"
    return box


def cms1500_box(element: str, box: str | None) -> BoxGeometry | None:
    """Where `element` sits on the CMS-1500 template; line elements by the row in their box label."""
    from ..cms1500.template import PAGE_HEIGHT_PT, PAGE_WIDTH_PT, text_boxes

    diagnoses = DIAGNOSIS_BOX.match(box or "") if element == "diagnosis_codes" else None
    if diagnoses:
        names = tuple(f"diagnosis{DIAGNOSIS_LETTERS.index(letter) + 1}" for letter in diagnoses.group(1))
    elif element in BOX_FIELDS:
        names = BOX_FIELDS[element].get(box or "", ())
    elif element in LINE_FIELDS:
        row = LINE_ROW.search(box or "")
        names = tuple(name.format(n=row.group(1)) for name in LINE_FIELDS[element]) if row else ()
    else:
        names = CLAIM_FIELDS.get(element, ())
    rects = [text_boxes()[name].rect for name in names if name in text_boxes()]
    if not rects:
        return None
    return BoxGeometry(
        min(r[0] for r in rects),
        min(r[1] for r in rects),
        max(r[2] for r in rects),
        max(r[3] for r in rects),
        PAGE_WIDTH_PT,
        PAGE_HEIGHT_PT,
    )


def cms1500_page(scan: bytes, page: int) -> Image.Image:
    """The page registered onto the CMS-1500 template (deskewed, shifted, scaled, turned upright) by the
    profile fit, the affine first stage of the OCR's registration: this function ships without OpenCV,
    so the OCR's homography (perspective of a photographed page) is not applied here. The image's
    `info["registration"]` says which was used ("profile fit", or "none" for a page that does not
    register, returned as scanned), so a caller can tell staff how far to trust the box's position."""
    from ..limits import default_limits
    from ..ocr.profile_fit import register_affine, warp_to_template

    image = page_image(scan, page, dpi=default_limits().ocr_dpi)  # a PDF as the OCR renders it
    dpi = image.width / 8.5  # a letter-size page across, whatever the file says
    registration = register_affine(image, dpi)
    if registration is None:
        image.info["registration"] = "none"
        return image
    warped = warp_to_template(image, registration, dpi=round(dpi))  # the page's own resolution: nothing lost
    warped.info["registration"] = registration.method
    return warped

"""Crops of the original scan: the box an OCR'd value was read from, as a PNG staff can compare.

A value's `Provenance` names its page and box; the box's rectangle is in *template coordinates*
(the coordinate space of the form template the OCR reads with, e.g. PDF points of the CMS-1500
page). The crop scales that rectangle onto the page image, whatever resolution it was scanned at.
"""

from __future__ import annotations

import io
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
        right = min(pixels_wide, int(round((self.right + margin) * sx)))
        bottom = min(pixels_high, int(round((self.bottom + margin) * sy)))
        if right <= left or bottom <= top:
            raise CropError("the box lies outside the page")
        return left, top, right, bottom


class BoxLocator(Protocol):
    """Where a named box sits on the template (the OCR module's template geometry)."""

    def __call__(self, box: str, page: int | None) -> BoxGeometry | None: ...


PDF_MAGIC = b"%PDF"
RENDER_DPI = 150


def page_image(scan: bytes, page: int) -> Image.Image:
    """Page `page` (1-based) of a PDF or (multi-page) image scan, as an RGB image."""
    if page < 1:
        raise CropError(f"page {page} does not exist")
    if scan[:4] == PDF_MAGIC:
        return _pdf_page(scan, page)
    try:
        image = Image.open(io.BytesIO(scan))
        frames = getattr(image, "n_frames", 1)
        if page > frames:
            raise CropError(f"page {page} does not exist (the scan has {frames})")
        image.seek(page - 1)
        return ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, EOFError) as problem:
        raise CropError(f"the scan cannot be read as an image: {problem}") from problem


def _pdf_page(scan: bytes, page: int) -> Image.Image:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(scan)
    except pdfium.PdfiumError as problem:
        raise CropError(f"the scan cannot be read as a PDF: {problem}") from problem
    try:
        if page > len(document):
            raise CropError(f"page {page} does not exist (the scan has {len(document)})")
        document.init_forms()  # fillable PDFs: draw the filled fields too
        bitmap = document[page - 1].render(scale=RENDER_DPI / 72, may_draw_forms=True)
        return bitmap.to_pil().convert("RGB")
    finally:
        document.close()


def crop_png(scan: bytes, page: int, box: BoxGeometry, margin: float = 4.0, max_width: int = 640) -> bytes:
    """PNG of `box` on page `page` of `scan`, with a small margin so the box's edges show."""
    image = page_image(scan, page)
    crop = image.crop(box.scaled_to(image.width, image.height, margin))
    if crop.width > max_width:  # a wide box (an address line) stays readable without being huge
        crop = crop.resize((max_width, max(1, round(crop.height * max_width / crop.width))))
    out = io.BytesIO()
    crop.save(out, format="PNG", optimize=True)
    return out.getvalue()

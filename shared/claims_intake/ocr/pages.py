"""Open an uploaded scan safely and yield its pages as images, within the configured limits.

Whole-file problems raise IntakeError: a PDF that is corrupt, truncated or encrypted, carries
document-level JavaScript or embedded files, has too many pages; a TIFF with too many frames; an
image over the pixel limit (decompression bomb). Nothing in a PDF is ever executed: pages are
rasterized by PDFium without a JavaScript engine and without initialising the form environment.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyspng
from PIL import Image

from .. import page_guard
from ..budget import budget_spent
from ..errors import IntakeError
from ..limits import Limits
from .normalise import eight_bit_values

LETTER_WIDTH_IN, LETTER_HEIGHT_IN = 8.5, 11.0
# Above this many pixels an 8-bit grey or colour PNG is decoded by libspng: on a 600-dpi colour page
# (34 MP) Pillow's decoder takes ~0.5 s CPU, of which libspng needs about half. Below it the difference
# is a few hundredths of a second.
SPNG_MIN_PIXELS = 12_000_000


@dataclass
class PageImage:
    number: int  # 1-based
    image: Image.Image | None
    dpi: float  # horizontal
    problem: str | None = None  # why this page could not be rasterized
    vertical_dpi: float | None = None  # when the pixels are not square (a 204 x 98 dpi fax)


def pdf_reader(data: bytes, filename: str):
    """pypdf's reader for the structural checks, or IntakeError when the PDF cannot be opened."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        page_guard.unlock_pdf(reader, filename)
        len(reader.pages)
    except IntakeError:
        raise
    except (
        PdfReadError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        OSError,
        RecursionError,
    ) as error:
        raise IntakeError(
            "pdf_corrupt",
            f"{filename}: the PDF is damaged or incomplete ({type(error).__name__}). Scan or export it again.",
        ) from None
    return reader


def check_pdf_content(reader, filename: str, limits: Limits) -> None:
    pages = len(reader.pages)
    if pages > limits.max_pdf_pages:
        raise IntakeError(
            "too_many_pages",
            f"{filename}: {pages} pages is over the limit of {limits.max_pdf_pages}. "
            "Send each claim (1-2 pages) or a smaller batch as its own file.",
        )
    root = reader.trailer["/Root"]
    names = root.get("/Names")
    names = names.get_object() if names is not None else {}
    if "/EmbeddedFiles" in names or _has_file_attachments(reader):
        raise IntakeError(
            "pdf_embedded_files",
            f"{filename}: the PDF carries embedded files. Send the claim form alone, without attachments.",
        )
    open_action = root.get("/OpenAction")
    open_action = open_action.get_object() if open_action is not None else None
    has_document_script = (
        "/JavaScript" in names
        or "/AA" in root
        or (isinstance(open_action, dict) and open_action.get("/S") == "/JavaScript")
    )
    if has_document_script:
        raise IntakeError(
            "pdf_javascript",
            f"{filename}: the PDF runs JavaScript when opened. Print it to a plain PDF or scan it, and send that.",
        )
    page_guard.check_pdf_actions(reader, filename)


def _has_file_attachments(reader) -> bool:
    for page in reader.pages[:50]:
        for annotation in page.get("/Annots") or []:
            if annotation.get_object().get("/Subtype") == "/FileAttachment":
                return True
    return False


def pdf_pages(data: bytes, filename: str, limits: Limits) -> Iterator[PageImage]:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        raise IntakeError(
            "pdf_corrupt", f"{filename}: the PDF cannot be rendered ({error}). Scan or export it again."
        ) from None
    try:
        page_guard.check_pdf_page_sizes(document, filename, limits)
        for index in range(len(document)):
            if budget_spent():
                yield PageImage(index + 1, None, float(limits.ocr_dpi), "not read: the file's time budget was spent")
                continue
            page = document[index]
            scanned = _scanned_image(page, limits)
            if scanned is not None:
                page.close()
                yield PageImage(index + 1, scanned[0], scanned[1], vertical_dpi=scanned[2])
                continue
            width_pt, height_pt = page.get_size()
            dpi = float(limits.ocr_dpi)
            pixels = (width_pt * dpi / 72) * (height_pt * dpi / 72)
            if pixels > limits.max_image_pixels:  # an oversized page box: render it smaller, not bigger
                dpi *= (limits.max_image_pixels / pixels) ** 0.5
            try:
                bitmap = page.render(scale=dpi / 72, grayscale=False)
                image = bitmap.to_pil()
            except pdfium.PdfiumError as error:
                yield PageImage(index + 1, None, dpi, f"page {index + 1} cannot be rendered ({error})")
                continue
            finally:
                page.close()
            yield PageImage(index + 1, image, dpi)
    finally:
        document.close()


def _scanned_image(page, limits: Limits) -> tuple[Image.Image, float, float | None] | None:
    """A scanned page is one image covering the page: take its pixels as they are (3x faster than
    rendering, and a 200-dpi fax stays 200 dpi), turned upright as the page shows it (a phone
    scanner's landscape image placed with a 90-degree matrix or /Rotate) by a lossless quarter turn
    or flip. Returns the image, its horizontal resolution and its vertical one when the pixels are
    not square (a 204 x 98 dpi fax made into a PDF); None when the page is anything else."""
    import pypdfium2.raw as pdfium_c

    images = list(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=1))
    if len(images) != 1:
        return None
    width_pt, height_pt = page.get_size()
    left, bottom, right, top = images[0].get_bounds()
    if (right - left) * (top - bottom) < 0.9 * width_pt * height_pt:
        return None
    pixel_width, pixel_height = images[0].get_px_size()
    if pixel_width * pixel_height > limits.max_image_pixels or min(pixel_width, pixel_height) < 200:
        return None  # rendering caps the pixels; a tiny image is no scan
    matrix = images[0].get_matrix()
    turn = upright_turn((matrix.a, matrix.b, matrix.c, matrix.d), page.get_rotation())
    if turn is None:
        return None  # placed at an angle or skewed: let PDFium draw it
    try:
        image = images[0].get_bitmap(render=False).to_pil()
    except Exception:  # an image filter PDFium cannot decode raw: render the page instead
        return None
    if image.size != (pixel_width, pixel_height):
        return None
    image = turned(image, *turn)
    # the page as shown: its box turned by /Rotate (get_size already reports it so)
    dpi_x, dpi_y = image.width / (width_pt / 72), image.height / (height_pt / 72)
    return image, dpi_x, (dpi_y if abs(dpi_y - dpi_x) > 0.02 * dpi_x else None)


def upright_turn(linear: tuple[float, float, float, float], rotate: int) -> tuple[bool, bool, bool] | None:
    """How to lay an image's pixels out as the page shows them: (transpose, flip left-right, flip top-bottom),
    from the image's placement matrix (a, b, c, d: PDF image space, y up, its first row at the top) and the
    page's /Rotate (clockwise, degrees). None when the image is not placed along the page's axes."""
    a, b, c, d = linear
    # pixel (x right, y down) -> page (x right, y down): the image's first row is at v = 1 in image space
    m = np.array([[a, -c], [-b, d]], dtype=float)
    quarter = np.array([[0.0, -1.0], [1.0, 0.0]])  # a quarter turn clockwise in y-down coordinates
    m = np.linalg.matrix_power(quarter, (rotate // 90) % 4) @ m
    scale = np.abs(m).max()
    if scale == 0:
        return None
    m = m / scale
    if abs(m[0, 1]) < 1e-3 and abs(m[1, 0]) < 1e-3 and min(abs(m[0, 0]), abs(m[1, 1])) > 1e-3:
        return False, bool(m[0, 0] < 0), bool(m[1, 1] < 0)
    if abs(m[0, 0]) < 1e-3 and abs(m[1, 1]) < 1e-3 and min(abs(m[0, 1]), abs(m[1, 0])) > 1e-3:
        # display x follows the pixel rows' index, display y the columns': transposed first
        return True, bool(m[0, 1] < 0), bool(m[1, 0] < 0)
    return None


def turned(image: Image.Image, transpose: bool, flip_x: bool, flip_y: bool) -> Image.Image:
    """The image laid out by upright_turn's answer (lossless)."""
    if transpose:
        image = image.transpose(Image.Transpose.TRANSPOSE)
    if flip_x:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if flip_y:
        image = image.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    return image


def image_pages(data: bytes, filename: str, kind: str, limits: Limits) -> Iterator[PageImage]:
    """TIFF (every frame), PNG or JPEG; the pixel limit is checked before any frame is decoded."""
    Image.MAX_IMAGE_PIXELS = limits.max_image_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            frames = getattr(image, "n_frames", 1)
            if kind == "tiff" and frames > limits.max_tiff_pages:
                raise IntakeError(
                    "too_many_pages",
                    f"{filename}: {frames} TIFF pages is over the limit of "
                    f"{limits.max_tiff_pages}. Send each claim as its own file.",
                )
            for index in range(frames if kind == "tiff" else 1):
                image.seek(index)
                page_guard.check_image_frame(image, filename, limits)
                if budget_spent():
                    yield PageImage(index + 1, None, 0.0, "not read: the file's time budget was spent")
                    continue
                dpi, vertical_dpi = _dpi(image)
                # a single-image file is its own page: decoded in place, not copied (100 MB at 600 dpi)
                frame = image.copy() if kind == "tiff" and frames > 1 else _decoded(image, data)
                yield PageImage(index + 1, frame, dpi, vertical_dpi=vertical_dpi)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise IntakeError(
            "image_too_large",
            f"{filename}: the image is larger than {limits.max_image_pixels:,} pixels. Scan at 300 dpi.",
        ) from None
    except IntakeError:
        raise
    except (OSError, ValueError, SyntaxError, EOFError, OverflowError) as error:
        raise IntakeError(
            "image_corrupt", f"{filename}: the image is damaged or truncated ({error}). Scan it again."
        ) from None


def _decoded(image: Image.Image, data: bytes) -> Image.Image:
    """The single image of the file, its pixels decoded (the header is read and checked already)."""
    tiles = getattr(image, "tile", [])  # how the file stores its pixels: raw "L" / "RGB" is 8 bits a sample
    eight_bit = image.mode in ("L", "RGB") and len(tiles) > 0 and tiles[0].args == image.mode
    if image.format == "PNG" and eight_bit and image.width * image.height >= SPNG_MIN_PIXELS:
        try:
            return Image.fromarray(pyspng.load(data, format=image.mode))
        except RuntimeError:
            pass  # libspng refuses what Pillow may still read (a damaged chunk): Pillow says what is wrong
    if image.format == "PNG" and image.mode == "I;16" and len(tiles) > 0 and tiles[0].args == "I;16B":
        grey = _sixteen_bit_grey_png(data, image.size)
        if grey is not None:
            return grey
    image.load()
    return image


def _sixteen_bit_grey_png(data: bytes, size: tuple[int, int]) -> Image.Image | None:
    """A 16-bit grey PNG decoded by OpenCV's libpng and made 8-bit (normalise.eight_bit_values: the same
    pixels as Pillow's decode then eight_bit), in about two thirds of Pillow's CPU plus a quarter of
    the conversion's. None when OpenCV refuses the file or decodes it as anything but one 16-bit
    channel of the header's size (transparency, a damaged stream): Pillow then decodes it and names
    what is wrong."""
    import cv2

    values = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    if values is None or values.dtype != np.uint16 or values.shape != (size[1], size[0]):
        return None
    return Image.fromarray(eight_bit_values(values), "L")


def _dpi(image: Image.Image) -> tuple[float, float | None]:
    """The page's (horizontal, vertical) resolution: the file's resolution tags when they describe a
    page of paper (a 204 x 98 dpi fax has non-square pixels), else from its width (a letter page spans
    8.5 in); vertical None when the pixels are square."""
    tagged = image.info.get("dpi")
    try:
        x_dpi, y_dpi = (float(v) for v in tagged) if tagged else (0.0, 0.0)
    except (TypeError, ValueError):
        x_dpi = y_dpi = 0.0
    if 50 <= x_dpi <= 1300 and 50 <= y_dpi <= 1300:
        width_in, height_in = image.width / x_dpi, image.height / y_dpi
        if 5 <= min(width_in, height_in) <= 15 and 7 <= max(width_in, height_in) <= 20:
            return x_dpi, (y_dpi if abs(x_dpi - y_dpi) > 0.02 * x_dpi else None)
    long_side, short_side = max(image.size), min(image.size)
    return (short_side / LETTER_WIDTH_IN if long_side / short_side > 1.2 else long_side / LETTER_HEIGHT_IN), None

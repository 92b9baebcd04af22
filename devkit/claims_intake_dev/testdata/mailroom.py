"""CMS-1500 pages as a plan's mailroom really receives them, far wider than `scans.PROFILES`.

Every family draws its own parameters per page from the seed (nothing fixed per family):

| family | what |
| --- | --- |
| bw_copy | the form printed in black or grey (no red left), a photocopy: low contrast, toner noise, specks, stains, PDF/PNG |
| fax200 | bilevel 200 dpi, CCITT G3 or G4 TIFF with resolution tags, a few % out of proportion, black streaks (dirty glass) and white ones (a dead sensor element), specks |
| fax_standard | bilevel 204 x 98 dpi (non-square pixels), CCITT G3 TIFF with its resolution tags |
| photo | phone photo: the sheet on a table in perspective (corners up to 5% off), uneven light, a shadow, coffee stains, a warm, cool, neutral or green colour cast, blur, JPEG |
| deep16 | 16-bit greyscale or 48-bit colour PNG or TIFF, 300 dpi |
| dpi600 | colour or grey at 600 dpi (PNG/TIFF) |
| rotated_pdf | a phone-scanner PDF at 200 dpi: the image stored turned by 90, 180 or 270 degrees, set upright by the page matrix or by /Rotate |
| old_version | the older HCFA-1500 (12/90) or CMS-1500 (08/05): the form's printed version labels changed |

Fonts (Helvetica, Courier, Times; dot-matrix-like dots), amounts right-aligned flush against the
dollars/cents rule and black-printed forms vary across all families.

The split: tuning uses seeds from TUNING_SEEDS, the bench reports HELD_OUT_SEEDS, never looked at
while tuning the reader.

    from claims_intake_dev.testdata import mailroom
    case = mailroom.make_case("fax_standard", seed=900_123)
    case.data, case.filename, case.sample.expected
"""

from __future__ import annotations

import io
import random
import zlib
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from . import scans

TUNING_SEEDS = range(1, 100_000)
HELD_OUT_SEEDS = range(900_000, 1_000_000)
FAMILIES = ("bw_copy", "fax200", "fax_standard", "photo", "deep16", "dpi600", "rotated_pdf", "misprint")
OLD_VERSIONS = ("12/90", "08/05")
FONTS = ("Helv", "Cour", "TiRo")


@dataclass
class Case:
    family: str
    seed: int
    sample: scans.SampleClaim
    data: bytes
    filename: str
    expected_error: str | None = None  # the ExtractError code the page must give (old versions)
    # Where the form truly lies on the page: template point (1/72 inch, x right, y down) -> pixel of the
    # page as stored (continuous coordinates, a pixel's centre at +0.5; rotated_pdf: of the page turned
    # upright, as the reader sees it), a 3x3 matrix. Registration error is measured against it.
    template_to_page: np.ndarray | None = None


def make_case(family: str, seed: int, lines: int | None = None) -> Case:
    """One upload of `family`, its claim and its expected values, all from `seed`."""
    rng = _case_rng(family, seed)
    sample = scans.sample_claim(seed, lines=lines or rng.randint(1, 6))
    style = _drawn_style(rng, family)
    dpi = 600 if family == "dpi600" else 300
    page = render(sample.pages[0], style, dpi)
    np_rng = np.random.default_rng(seed)
    maker = {
        "bw_copy": _bw_copy,
        "fax200": _fax200,
        "fax_standard": _fax_standard,
        "photo": _photo,
        "deep16": _deep16,
        "dpi600": _dpi600,
        "rotated_pdf": _rotated_pdf,
        "misprint": _misprint,
        "old_version": _old_version,
    }[family]
    _PLACEMENT.clear()
    data, suffix, error = maker(page, rng, np_rng)
    placement = _PLACEMENT.pop() if _PLACEMENT else None
    truth = None if placement is None else placement @ np.diag([dpi / 72, dpi / 72, 1.0])
    return Case(family, seed, sample, data, f"{family}-{seed}.{suffix}", error, truth)


def print_style(family: str, seed: int) -> PrintStyle:
    """How `make_case(family, seed)` prints its claim (font, dots, ...), drawn as it draws it."""
    rng = _case_rng(family, seed)
    rng.randint(1, 6)  # the claim's line count
    return _drawn_style(rng, family)


def _case_rng(family: str, seed: int) -> random.Random:
    return random.Random(seed * 7919 + zlib.crc32(family.encode()) % 1000)


def _drawn_style(rng: random.Random, family: str) -> PrintStyle:
    return PrintStyle(
        font=rng.choice(FONTS),
        flush_amounts=rng.random() < 0.5,
        dot_matrix=rng.random() < 0.15,
        black_form=family in ("bw_copy", "fax200", "fax_standard") and rng.random() < 0.5,
    )


# The last placement a family made (rendered page pixel -> stored pixel, continuous coordinates):
# `make_case` turns it into Case.template_to_page. Recorded aside so the families' draws stay as they were.
_PLACEMENT: list[np.ndarray] = []


@dataclass(frozen=True)
class PrintStyle:
    font: str = "Helv"
    flush_amounts: bool = False  # dollars printed flush against the dollars/cents rule ('400|00')
    dot_matrix: bool = False
    black_form: bool = False  # the form itself printed in black (a copy of a copy), not drop-out red


def render(fields: dict[str, str], style: PrintStyle, dpi: int = 300) -> Image.Image:
    """The filled form printed in `style` at `dpi` (RGB)."""
    import pypdfium2 as pdfium

    fields = dict(fields)
    if style.flush_amounts:
        for name, value in list(fields.items()):
            if name.startswith("ch") or name in ("t_charge", "amt_paid"):
                fields[name] = " ".join(value.split())  # one space: the last dollar digit meets the rule
    document = pdfium.PdfDocument(_with_font(scans.fill_form(fields), style.font))
    try:
        document.init_forms()
        page = document[0].render(scale=dpi / 72, may_draw_forms=True).to_pil().convert("RGB")
    finally:
        document.close()
    if style.dot_matrix:
        page = _dot_matrix(page, dpi)
    if style.black_form:
        page = page.convert("L").convert("RGB")  # red rules become mid grey, as on a black-and-white print
    return page


def _with_font(pdf: bytes, font: str) -> bytes:
    """The filled PDF with every field's default appearance set to `font` (a PDF standard font)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    acro = writer._root_object["/AcroForm"]
    resources = acro.setdefault(NameObject("/DR"), DictionaryObject())
    fonts = resources.setdefault(NameObject("/Font"), DictionaryObject())
    base = {"Helv": "/Helvetica", "Cour": "/Courier", "TiRo": "/Times-Roman"}[font]
    fonts[NameObject(f"/{font}")] = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject(base),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
    )
    for annotation in writer.pages[0].get("/Annots", []):
        widget = annotation.get_object()
        da = str(widget.get("/DA") or acro.get("/DA") or "/Helv 0 Tf 0 g")
        parts = da.split()
        if "Tf" in parts:
            index = parts.index("Tf")
            parts[index - 2] = f"/{font}"
        widget[NameObject("/DA")] = TextStringObject(" ".join(parts))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _dot_matrix(page: Image.Image, dpi: int) -> Image.Image:
    """Black type printed by a dot-matrix head: the page is a grid of cells 1/100 inch across, each with a dot
    that fills it but for its first row and column. The glyph's black on a dot's pixels prints, the rest of it
    turns paper grey. A stroke thinner than a cell prints the dot of every cell it crosses whole (where two of its
    nine pixels or more are black, more than on either side across the stroke): a printer's own fonts print such
    a stroke one dot wide, as no pin prints a dot smaller than its pitch (0.2 mm on a 24-pin head, 0.3 mm on a
    9-pin one); on the dots' pixels alone, a 1-px stroke down a row or column of gaps would vanish."""
    pixels = np.asarray(page).astype(np.int16)
    black = pixels.max(axis=2) < 110
    pitch = max(2, round(dpi / 100))
    rows, columns = -(-black.shape[0] // pitch), -(-black.shape[1] // pitch)
    cells = np.zeros((rows * pitch, columns * pitch), bool)
    cells[: black.shape[0], : black.shape[1]] = black
    coverage = cells.reshape(rows, pitch, columns, pitch).mean(axis=(1, 3))
    thin = (coverage >= 2 / 9) & _across_a_thin_stroke(coverage)
    dot = np.ones((pitch, pitch), bool)
    dot[0, :] = dot[:, 0] = False
    on_dots = np.tile(dot, (rows, columns))[: black.shape[0], : black.shape[1]]
    whole_dots = np.kron(thin, dot)[: black.shape[0], : black.shape[1]]
    out = pixels.copy()
    out[black & ~on_dots & ~whole_dots] = 200
    out[whole_dots & ~black] = 0
    return Image.fromarray(out.astype(np.uint8))


def _across_a_thin_stroke(coverage: np.ndarray) -> np.ndarray:
    """Cells more covered than their neighbours on both sides, along a row or down a column: the middle of a
    stroke thinner than a cell, not the fringe of a wide one (whose inner neighbour is as black or more)."""
    padded = np.pad(coverage, 1)
    across_row = coverage > np.maximum(padded[1:-1, :-2], padded[1:-1, 2:])
    down_column = coverage > np.maximum(padded[:-2, 1:-1], padded[2:, 1:-1])
    return across_row | down_column


# --- families -------------------------------------------------------------------------------------


def _place(
    page: Image.Image,
    np_rng,
    *,
    dpi_x: float,
    dpi_y: float,
    rotation: float,
    shift: float,
    anisotropy: float,
    source_dpi: int = 300,
) -> Image.Image:
    """The page as a scanner lays it: rotated, shifted, scaled per axis, resampled to dpi_x x dpi_y."""
    width, height = round(8.5 * dpi_x), round(11 * dpi_y)
    original_width, original_height = page.size
    # The sensor integrates over its pixel: average the page down to the output grid first (a plain
    # resampling would skip hair-thin rules at 98 dpi), then lay it with a near 1:1 transform.
    page = page.resize((round(page.width * dpi_x / source_dpi), round(page.height * dpi_y / source_dpi)), Image.BOX)
    angle = np.radians(np_rng.uniform(-rotation, rotation))
    scale_x = 1 + np_rng.uniform(-0.01, 0.01)
    scale_y = scale_x * (1 + np_rng.uniform(-anisotropy, anisotropy))
    dx, dy = np_rng.uniform(-shift, shift, 2)
    # output (u, v) -> source pixels: diag(dpi) @ rotation (in inches) @ diag(1 / (dpi * scale)).
    cos, sin = np.cos(angle), np.sin(angle)
    a, b = cos / scale_x, sin * dpi_x / (dpi_y * scale_y)
    d, e = -sin * dpi_y / (dpi_x * scale_x), cos / scale_y
    cx_out, cy_out = width / 2 + dx * dpi_x, height / 2 + dy * dpi_y
    cx_in, cy_in = page.width / 2, page.height / 2
    c = cx_in - a * cx_out - b * cy_out
    f = cy_in - d * cx_out - e * cy_out
    rendered_to_resized = np.diag([page.width / original_width, page.height / original_height, 1.0])
    out_to_in = np.array([[a, b, c], [d, e, f], [0.0, 0.0, 1.0]])
    _PLACEMENT.append(np.linalg.inv(out_to_in) @ rendered_to_resized)
    return page.transform(
        (width, height), Image.AFFINE, (a, b, c, d, e, f), resample=Image.BILINEAR, fillcolor=(255, 255, 255)
    )


def _grey_copy(
    page: Image.Image,
    np_rng,
    *,
    ink: float,
    paper: float,
    noise: float,
    specks: float,
    blur: float,
    aspect: float = 1.0,
) -> np.ndarray:
    """A photocopier's grey: contrast squeezed between `ink` and `paper`, toner noise and specks. `blur` is
    the optics' spread in the page's horizontal pixels; `aspect` is the pixels' height over their width (2
    on a 204 x 98 fax), since a lens spreads as far each way on paper, however coarse the rows."""
    grey = page.convert("L")
    if blur:
        grey = grey.filter(ImageFilter.GaussianBlur((blur, blur / aspect)))
    pixels = np.asarray(grey).astype(np.float32) / 255.0
    pixels = ink + (paper - ink) * pixels
    pixels += np_rng.normal(0, noise, pixels.shape)
    pixels[np_rng.random(pixels.shape) < specks] = np_rng.uniform(0, ink + 20)
    return np.clip(pixels, 0, 255).astype(np.uint8)


def _streaks(pixels: np.ndarray, np_rng, count: int) -> np.ndarray:
    """Vertical scanner streaks: a dirty sensor pixel draws a line down the whole page."""
    for _ in range(count):
        x = int(np_rng.integers(0, pixels.shape[1] - 2))
        pixels[:, x : x + int(np_rng.integers(1, 3))] = 0
    return pixels


def _bw_copy(page: Image.Image, rng: random.Random, np_rng) -> tuple[bytes, str, None]:
    placed = _place(
        page.convert("L").convert("RGB"), np_rng, dpi_x=300, dpi_y=300, rotation=2.0, shift=0.15, anisotropy=0.01
    )
    pixels = _grey_copy(
        placed,
        np_rng,
        ink=rng.uniform(30, 110),
        paper=rng.uniform(200, 245),
        noise=rng.uniform(3, 10),
        specks=rng.uniform(0.0001, 0.001),
        blur=rng.uniform(0.3, 1.0),
    )
    suffix = rng.choice(["pdf", "png", "jpeg"])
    if rng.random() < 0.3:  # a coffee ring or a water mark on the copy
        pixels = _stains(pixels[..., None].astype(np.float32), rng, np_rng, count=1)[..., 0].astype(np.uint8)
    image = Image.fromarray(pixels)
    return _encode(image, suffix, (300, 300), jpeg_quality=rng.randint(60, 85)), suffix, None


def _bilevel(page: Image.Image, rng: random.Random, np_rng, dpi_x: float, dpi_y: float) -> Image.Image:
    placed = _place(page, np_rng, dpi_x=dpi_x, dpi_y=dpi_y, rotation=1.5, shift=0.12, anisotropy=0.035)
    paper = rng.uniform(230, 255)
    pixels = _grey_copy(
        placed,
        np_rng,
        ink=rng.uniform(0, 40),
        paper=paper,
        noise=rng.uniform(2, 8),
        specks=rng.uniform(0.0001, 0.0006),
        blur=rng.uniform(0.3, 0.7),
        aspect=dpi_x / dpi_y,
    )
    if rng.random() < 0.5:
        pixels = _streaks(pixels, np_rng, rng.randint(1, 3))
    # A fax machine cuts at 60-80% of the paper's brightness (it keeps faint writing: a cut at half
    # the paper level would lose 10-pt type averaged over a 200-dpi sensor pixel).
    threshold = paper * rng.uniform(0.6, 0.8)
    bilevel = np.where(pixels < threshold, 0, 255).astype(np.uint8)
    if rng.random() < 0.25:  # a dead sensor element: a white line down the page, through rules and type
        for x in np_rng.integers(0, bilevel.shape[1] - 1, rng.randint(1, 2)):
            bilevel[:, int(x)] = 255
    return Image.fromarray(bilevel).convert("1")


def _fax200(page: Image.Image, rng: random.Random, np_rng) -> tuple[bytes, str, None]:
    image = _bilevel(page, rng, np_rng, 200, 200)
    return _encode(image, "tiff", (200, 200), compression=rng.choice(["group3", "group4"])), "tif", None


def _fax_standard(page: Image.Image, rng: random.Random, np_rng) -> tuple[bytes, str, None]:
    dpi = rng.choice([(204, 98), (204, 98), (204, 196)])
    image = _bilevel(page, rng, np_rng, *dpi)
    return _encode(image, "tiff", dpi, compression=rng.choice(["group3", "group4"])), "tif", None


def _photo(page: Image.Image, rng: random.Random, np_rng) -> tuple[bytes, str, None]:
    """The sheet on a table, photographed at an angle: perspective, light falloff, colour cast."""
    import cv2

    out_w, out_h = rng.choice([(2250, 3000), (2448, 3264), (1800, 2400)])
    table = np.array([rng.randint(40, 120), rng.randint(40, 110), rng.randint(30, 100)], dtype=np.float32)
    margin_x, margin_y = out_w * rng.uniform(0.03, 0.08), out_h * rng.uniform(0.03, 0.07)
    sheet = np.float32(
        [
            [margin_x, margin_y],
            [out_w - margin_x, margin_y],
            [out_w - margin_x, out_h - margin_y],
            [margin_x, out_h - margin_y],
        ]
    )
    corners = (sheet + np_rng.uniform(-0.05, 0.05, (4, 2)) * out_w).astype(np.float32)  # perspective
    source = np.float32([[0, 0], [page.width, 0], [page.width, page.height], [0, page.height]])
    homography = cv2.getPerspectiveTransform(source, corners)
    _PLACEMENT.append(homography.astype(np.float64))
    rgb = np.asarray(page, dtype=np.uint8)
    warped = cv2.warpPerspective(rgb, homography, (out_w, out_h), flags=cv2.INTER_AREA, borderValue=(0, 0, 0))
    mask = cv2.warpPerspective(np.full(rgb.shape[:2], 255, np.uint8), homography, (out_w, out_h)) > 127
    pixels = np.where(mask[..., None], warped.astype(np.float32), table)
    ys, xs = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    cx, cy = rng.uniform(0.2, 0.8) * out_w, rng.uniform(0.2, 0.8) * out_h
    falloff = 1 - rng.uniform(0.15, 0.4) * (((xs - cx) / out_w) ** 2 + ((ys - cy) / out_h) ** 2) * 2
    cast = np.array(CASTS[rng.choice(list(CASTS))], dtype=np.float32) * np.float32(rng.uniform(0.9, 1.05))
    pixels = pixels * falloff[..., None] * cast
    if rng.random() < 0.3:  # the phone's (or the photographer's) shadow across part of the sheet
        pixels *= _shadow(out_w, out_h, rng)[..., None]
    if rng.random() < 0.4:
        pixels = _stains(pixels, rng, np_rng, count=rng.randint(1, 2))
    pixels += np_rng.normal(0, rng.uniform(2, 6), pixels.shape[:2])[..., None]
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(rng.uniform(0.4, 1.0))
    )
    return _encode(image, "jpeg", None, jpeg_quality=rng.randint(70, 92)), "jpg", None


# The light's colour on a phone photo (R, G, B gains): warm bulb, cool daylight or LED, green fluorescent.
CASTS = {
    "tungsten": (1.0, 0.85, 0.65),
    "warm": (1.0, 0.93, 0.8),
    "neutral": (0.97, 0.97, 0.97),
    "daylight": (0.85, 0.92, 1.0),
    "fluorescent": (0.88, 1.0, 0.85),
}


def _shadow(width: int, height: int, rng: random.Random) -> np.ndarray:
    """A soft-edged shadow over one side of the picture: brightness factor per pixel (0.55-1)."""
    angle = rng.uniform(0, 2 * np.pi)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    along = (xs - width / 2) * np.cos(angle) + (ys - height / 2) * np.sin(angle)
    edge = rng.uniform(0.15, 0.45) * max(width, height)
    softness = rng.uniform(0.02, 0.08) * max(width, height)
    inside = 1 / (1 + np.exp(-(along - edge) / softness))
    return 1 - rng.uniform(0.2, 0.45) * inside


def _stains(pixels: np.ndarray, rng: random.Random, np_rng, count: int) -> np.ndarray:
    """Coffee rings and water marks: a brownish ring (darker rim, lighter inside) somewhere on the page."""
    height, width = pixels.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    for _ in range(count):
        cx, cy = rng.uniform(0.1, 0.9) * width, rng.uniform(0.1, 0.9) * height
        radius = rng.uniform(0.05, 0.14) * width
        squash = rng.uniform(0.8, 1.2)
        distance = np.hypot(xs - cx, (ys - cy) * squash) / radius
        rim = np.exp(-(((distance - 1) / rng.uniform(0.03, 0.08)) ** 2))
        inside = (distance < 1) * rng.uniform(0.03, 0.1)
        strength = rng.uniform(0.12, 0.3) * rim + inside
        # brown: blue darkens most, red least; a grey copy darkens evenly
        tint = np.array([0.6, 0.8, 1.1], dtype=np.float32) if pixels.shape[2] == 3 else np.float32(1.0)
        pixels = pixels * np.clip(1 - strength[..., None] * tint, 0, 1)
    return pixels


def _deep16(page: Image.Image, rng: random.Random, np_rng) -> tuple[bytes, str, None]:
    """16 bits per sample: greyscale (Pillow's I;16) or, on a third of the pages, colour (48-bit RGB,
    written by OpenCV: Pillow cannot write it), PNG or TIFF."""
    placed = _place(page, np_rng, dpi_x=300, dpi_y=300, rotation=1.5, shift=0.1, anisotropy=0.005)
    grey = np.asarray(placed.convert("L")).astype(np.float32)
    gain = rng.uniform(0.85, 1.0)
    deep = np.clip(grey * 257 * gain + np_rng.normal(0, 300, grey.shape), 0, 65535).astype(np.uint16)
    image = Image.fromarray(deep)  # mode I;16
    suffix = rng.choice(["png", "tiff"])
    if rng.random() < 1 / 3:
        return _deep_colour(placed, gain, suffix, np_rng), "tif" if suffix == "tiff" else "png", None
    return _encode(image, suffix, (300, 300)), "tif" if suffix == "tiff" else "png", None


TIFF_ADOBE_DEFLATE = 8  # libtiff's COMPRESSION_ADOBE_DEFLATE


def _deep_colour(placed: Image.Image, gain: float, suffix: str, np_rng) -> bytes:
    import cv2

    rgb = np.asarray(placed.convert("RGB")).astype(np.float32)
    deep = np.clip(rgb * 257 * gain + np_rng.normal(0, 300, rgb.shape), 0, 65535).astype(np.uint16)
    # Deflate, as scanner software writes deep TIFFs: OpenCV's default LZW grows noisy 16-bit samples to
    # about 50 MiB a page, over the intake's upload limit.
    params = [cv2.IMWRITE_TIFF_RESUNIT, 2, cv2.IMWRITE_TIFF_XDPI, 300, cv2.IMWRITE_TIFF_YDPI, 300]
    params += [cv2.IMWRITE_TIFF_COMPRESSION, TIFF_ADOBE_DEFLATE]
    ok, encoded = cv2.imencode(
        ".tif" if suffix == "tiff" else ".png", deep[..., ::-1], params if suffix == "tiff" else []
    )
    assert ok, "OpenCV could not encode the 16-bit page"
    return encoded.tobytes()


def _dpi600(page: Image.Image, rng: random.Random, np_rng) -> tuple[bytes, str, None]:
    placed = _place(page, np_rng, dpi_x=600, dpi_y=600, rotation=1.0, shift=0.1, anisotropy=0.005, source_dpi=600)
    if rng.random() < 0.5:
        placed = placed.convert("L")
    placed = placed.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.5)))
    suffix = rng.choice(["png", "tiff"])
    return _encode(placed, suffix, (600, 600)), "tif" if suffix == "tiff" else "png", None


def _rotated_pdf(page: Image.Image, rng: random.Random, np_rng) -> tuple[bytes, str, None]:
    """A phone-scanner app's PDF: the image stored landscape, turned upright by the page matrix or /Rotate."""
    placed = _place(page, np_rng, dpi_x=200, dpi_y=200, rotation=1.0, shift=0.1, anisotropy=0.005)
    turn = rng.choice([90, 180, 270])  # how the app stored the image, counter-clockwise from upright
    by_rotate = rng.random() < 0.5
    stored = placed.rotate(turn, expand=True)
    if by_rotate:
        return _pdf_with_rotate(stored, turn), "pdf", None
    return _pdf_with_matrix(stored, turn), "pdf", None


def _pdf_with_rotate(landscape: Image.Image, rotate: int) -> bytes:
    from pypdf import PdfReader, PdfWriter

    buffer = io.BytesIO()
    landscape.save(buffer, "PDF", resolution=200.0)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buffer.getvalue())))
    writer.pages[0].rotate(rotate)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pdf_with_matrix(stored: Image.Image, turn: int) -> bytes:
    """A portrait letter page whose content stream draws the stored image turned upright by the page
    matrix (a quarter turn for a landscape image, a half turn for one stored upside down)."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(612, 792))
    pdf.saveState()
    if turn == 90:  # the image was turned counter-clockwise: draw it turned back clockwise
        pdf.translate(0, 792)
        pdf.rotate(-90)
    elif turn == 270:
        pdf.translate(612, 0)
        pdf.rotate(90)
    else:
        pdf.translate(612, 792)
        pdf.rotate(180)
    width, height = (612, 792) if turn == 180 else (792, 612)
    pdf.drawImage(ImageReader(stored.convert("RGB")), 0, 0, width=width, height=height)
    pdf.restoreState()
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


# --- older form versions --------------------------------------------------------------------------

# Where the 02/12 prints its version (template points): the top line under the title, the footer's right end.
VERSION_LABELS = {"top": (18, 73, 260, 83), "footer": (400, 754, 592, 767)}
OLD_LABELS = {
    "12/90": ("PLEASE DO NOT STAPLE IN THIS AREA", "FORM HCFA-1500 (12-90)"),
    "08/05": ("APPROVED BY NATIONAL UNIFORM CLAIM COMMITTEE 08/05", "APPROVED OMB-0938-0999 FORM CMS-1500 (08-05)"),
}


def old_version_page(page: Image.Image, version: str, dpi: int = 300) -> Image.Image:
    """The page with the printed version labels of an older form (no copy of the 12/90 or 08/05 form
    ships with the project: the layout stays the 02/12's, the labels say which form it is)."""
    page = page.copy()
    draw = ImageDraw.Draw(page)
    scale = dpi / 72
    for (where, box), text in zip(VERSION_LABELS.items(), OLD_LABELS[version], strict=False):
        left, top, right, bottom = (round(v * scale) for v in box)
        draw.rectangle((left, top, right, bottom), fill=(255, 255, 255))
        font = ImageFont.load_default(size=round((bottom - top) * 0.9))
        x = left if where == "top" else right - draw.textlength(text, font=font)
        draw.text((x, top), text, fill=(200, 30, 40), font=font)
    return page


MISPRINT_MM = 3.0  # how far the typing may lie off its boxes, either way on each axis


def _misprint(page: Image.Image, rng: random.Random, np_rng) -> tuple[bytes, str, None]:
    """Typing printed off its boxes: a printer feeding pre-printed stock (or a page typed on another program's
    layout) puts every value up to MISPRINT_MM off where the form's widgets have it; scanned in colour, or
    copied grey."""
    dpi = 300
    dx, dy = (round(rng.uniform(-MISPRINT_MM, MISPRINT_MM) / 25.4 * dpi) for _ in range(2))
    printed = typing_shifted(page, dx, dy, dpi)
    placed = _place(printed, np_rng, dpi_x=dpi, dpi_y=dpi, rotation=1.0, shift=0.1, anisotropy=0.005)
    if rng.random() < 0.4:
        grey = _grey_copy(
            placed, np_rng, ink=rng.uniform(10, 60), paper=rng.uniform(225, 250), noise=3, specks=0, blur=0.4
        )
        return _encode(Image.fromarray(grey), "png", (dpi, dpi)), "png", None
    suffix = rng.choice(["pdf", "jpeg"])
    return _encode(placed, suffix, (dpi, dpi), jpeg_quality=rng.randint(75, 90)), suffix, None


def typing_shifted(page: Image.Image, dx: int, dy: int, dpi: int = 300) -> Image.Image:
    """The filled form `page` (rendered at `dpi`) with its typing moved (dx, dy) pixels against the form."""
    filled = np.asarray(page, dtype=np.int16)
    blank = np.asarray(render({}, PrintStyle(), dpi), dtype=np.int16)
    typed = np.abs(filled - blank).sum(axis=2) > 60
    typing = np.full_like(filled, 255)
    typing[typed] = filled[typed]
    typing = np.roll(typing, (dy, dx), axis=(0, 1))
    return Image.fromarray(np.minimum(blank, typing).astype(np.uint8))


def _old_version(page: Image.Image, rng: random.Random, np_rng) -> tuple[bytes, str, str]:
    aged = old_version_page(page, rng.choice(OLD_VERSIONS))
    placed = _place(aged, np_rng, dpi_x=300, dpi_y=300, rotation=1.0, shift=0.1, anisotropy=0.005)
    return _encode(placed, "pdf", (300, 300)), "pdf", "cms1500_old_version"


def _encode(
    image: Image.Image,
    suffix: str,
    dpi: tuple[float, float] | None,
    *,
    compression: str | None = None,
    jpeg_quality: int = 85,
) -> bytes:
    buffer = io.BytesIO()
    if suffix == "pdf":
        image.save(buffer, "PDF", resolution=float(dpi[0] if dpi else 300))
    elif suffix == "tiff":
        options = {"compression": compression or "tiff_lzw"}
        if dpi:
            options["dpi"] = dpi
        image.save(buffer, "TIFF", **options)
    elif suffix == "png":
        image.save(buffer, "PNG", **({"dpi": dpi} if dpi else {}))
    else:
        image.convert("RGB" if image.mode not in ("L", "RGB") else image.mode).save(
            buffer, "JPEG", quality=jpeg_quality
        )
    return buffer.getvalue()

"""One page image, whatever the file made of it, as the reader wants it: 8-bit, square pixels, <= 300 dpi.

- 16-bit greyscale (PNG/TIFF "I;16", "I") is scaled to 8 bits: PIL's own conversion clips everything
  above 255 to white, which made such a page blank.
- Non-square pixels (a standard-resolution fax, 204 x 98 dpi) are resampled to the horizontal resolution.
- A page above 400 dpi is reduced to 300 dpi (box filter): thin strokes average instead of aliasing,
  and every later step costs a quarter. A whole-number factor (600 dpi to 300) averages blocks of pixels
  (`Image.reduce`: the same box filter in integer arithmetic, a fifth of `resize`'s CPU on a 600-dpi page).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

READ_DPI = 300
MAX_DPI = 400


def normalise(image: Image.Image, dpi: float, vertical_dpi: float | None = None) -> tuple[Image.Image, float]:
    """The page in mode 1, L or RGB with square pixels at <= MAX_DPI, and its resolution."""
    image = eight_bit(image)
    if vertical_dpi and abs(vertical_dpi - dpi) > 0.02 * dpi:
        height = max(1, round(image.height * dpi / vertical_dpi))
        image = (image.convert("L") if image.mode == "1" else image).resize(
            (image.width, height), Image.Resampling.BILINEAR
        )
    if dpi > MAX_DPI:
        return _reduced(image.convert("L") if image.mode == "1" else image, dpi)
    return image, dpi


def _reduced(image: Image.Image, dpi: float) -> tuple[Image.Image, float]:
    """The page shrunk to about READ_DPI with a box filter, and its resolution then."""
    factor = dpi / READ_DPI
    whole = round(factor)
    if abs(factor - whole) < 0.01:
        return image.reduce(whole), dpi / whole
    size = (max(1, round(image.width / factor)), max(1, round(image.height / factor)))
    return image.resize(size, Image.Resampling.BOX), READ_DPI


def eight_bit(image: Image.Image) -> Image.Image:
    if image.mode in ("1", "L", "RGB"):
        return image
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        return Image.fromarray(eight_bit_values(np.asarray(image)), "L")
    if image.mode in ("LA", "La"):
        return image.convert("L")
    return image.convert("RGB")  # P, RGBA, CMYK, YCbCr...


def eight_bit_values(values: np.ndarray) -> np.ndarray:
    """Wide grey samples (16-bit, 32-bit or float) as 8-bit: 8-bit values in a wide container kept as
    they are, anything wider scaled by 255/65535 (rounded down)."""
    if values.dtype.kind == "f":
        values = np.clip(values, 0, 65535).astype(np.uint32)
    if values.max(initial=0) <= 255:  # 8-bit values in a wide container
        return np.clip(values, 0, 255).astype(np.uint8)
    if values.dtype != np.uint16:
        values = np.clip(values, 0, 65535).astype(np.uint16)
    # floor(v * 255 / 65535) = floor(v / 257) = (v - v // 256) // 256 for every 16-bit v, in 16-bit
    # arithmetic: a quarter of the CPU of scaling in 32 bits, the same values
    scaled = values >> 8
    np.subtract(values, scaled, out=scaled)
    scaled >>= 8
    return scaled.astype(np.uint8)

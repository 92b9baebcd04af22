"""Drop the form ink, find the filled boxes, and read them with Tesseract in one call per strip.

Red drop-out: the CMS-1500 is printed in red so that a scanner looking through the red channel
sees white paper where the form is and black where someone typed. A colour scan therefore keeps
only its red channel. A grey or bitonal scan (fax, photocopy) has lost the colour, so the blank
form's own ink, registered onto the page, is erased instead.

Tesseract is started once per page, not once per box: the filled boxes are cut out and stacked
one under another, with gaps, into one strip; each word found is given back to the box whose slot
it sits in, and each box is then parsed by its own rules (cms1500.parse).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image, ImageFilter

from ..cms1500.mapping import Reading
from ..cms1500.template import MONEY_FIELDS, Box, render_blank_form, text_boxes

DPI = 300
SCALE = DPI / 72
INK = 150            # grey level below which a pixel is ink in the cleaned page
MIN_INK_PIXELS = 40  # fewer dark pixels than this in a box is dust, not an entry
SLOT_GAP = 24        # blank pixels between stacked boxes in a strip
TEXT_HEIGHT = 30     # pixels: smaller writing (24G units, 24A dates) is enlarged to about this height
MARGIN = 10          # blank pixels around each box's ink

# Boxes whose content is digits only (dates, amounts, units, POS, NPIs, tax id, zip, phone).
DIGIT_FIELDS = frozenset(
    {f"sv{n}_{part}_{end}" for n in range(1, 7) for part in ("mm", "dd", "yy") for end in ("from", "end")}
    | {f"place{n}" for n in range(1, 7)} | {f"day{n}" for n in range(1, 7)} | {f"local{n}" for n in range(1, 7)}
    | {"birth_mm", "birth_dd", "birth_yy", "tax_id", "pin", "pin1", "pt_zip", "pt_AreaCode", "pt_phone",
       "doc_phone area", "doc_phone", "physician_date"}
    | set(MONEY_FIELDS)
)
# The boxes the DHCS elements come from (others on the form are not read: less to OCR, less to get wrong).
READ_FIELDS = frozenset(
    DIGIT_FIELDS
    | {f"cpt{n}" for n in range(1, 7)} | {f"diag{n}" for n in range(1, 7)} | {f"type{n}" for n in range(1, 7)}
    | {f"mod{n}{s}" for n in range(1, 7) for s in ("", "a", "b", "c")}
    | {f"diagnosis{n}" for n in range(1, 13)}
    | {"insurance_name", "insurance_id", "pt_name", "pt_street", "pt_city", "pt_state", "ins_plan_name", "pt_account",
       "prior_auth", "original_ref", "doc_name", "doc_street", "doc_location"}
) - {"amt_paid", "pin1", "pt_AreaCode", "pt_phone"}
# Cells that sit edge to edge (24A dates, box 3) get little horizontal padding; free-text boxes more.
PAD_CELL_PT, PAD_FREE_PT, PAD_Y_PT = 1.0, 4.0, 2.5


@dataclass
class Slot:
    name: str
    image: Image.Image
    cents: bool | None = None  # money boxes: is there writing right of the dollars/cents rule?


@cache
def form_ink_mask() -> np.ndarray:
    """Where the blank form has ink at 300 dpi, widened a little for registration error."""
    blank = render_blank_form(DPI)
    ink = (255 - np.asarray(blank, dtype=np.uint8).min(axis=2)) > 40
    widened = Image.fromarray(ink.astype(np.uint8) * 255).filter(ImageFilter.MaxFilter(5))
    return np.asarray(widened) > 0


def red_channel(page: Image.Image) -> Image.Image:
    """Colour scans: the red channel, in which the red form ink vanishes."""
    return page.getchannel("R") if page.mode == "RGB" else page.convert("L")


def is_color(page: Image.Image) -> bool:
    if page.mode not in ("RGB", "RGBA", "P"):
        return False
    small = np.asarray(page.convert("RGB").resize((170, 220), Image.BOX), dtype=np.int16)
    redness = small[..., 0] - small[..., 1:].max(axis=2)
    return bool((redness > 40).mean() > 0.005)  # the red form shows up in a colour scan


def erase_form(registered: np.ndarray) -> np.ndarray:
    """Grey/bitonal scans: paint the registered blank form's ink white."""
    cleaned = registered.copy()
    cleaned[form_ink_mask()[: cleaned.shape[0], : cleaned.shape[1]]] = 255
    return cleaned


def box_crops(page: np.ndarray, speckled: bool) -> list[Slot]:
    """The boxes with something written in them, each cut to its ink."""
    slots = []
    for name, box in text_boxes().items():
        if name not in READ_FIELDS:
            continue
        pad = PAD_CELL_PT if (box.max_length or 99) <= 4 or "_mm_" in name or "_dd_" in name or "_yy_" in name else PAD_FREE_PT
        crop = _ink_crop(page, box, pad, speckled)
        if crop is not None:
            slots.append(Slot(name, crop, cents=_has_cents(page, box) if box.cents_rule_x else None))
    return slots


def _has_cents(page: np.ndarray, box: Box) -> bool:
    """Whether anything is written right of the dollars/cents rule of a money box."""
    left, right = int((box.cents_rule_x + 2) * SCALE), int(box.rect[2] * SCALE)
    top, bottom = int(box.rect[1] * SCALE), int(box.rect[3] * SCALE)
    return int((page[top:bottom, left:right] < INK).sum()) >= MIN_INK_PIXELS // 2


def _ink_crop(page: np.ndarray, box: Box, pad_x: float, speckled: bool) -> Image.Image | None:
    x0, top, x1, bottom = box.rect
    left, right = int((x0 - pad_x) * SCALE), int((x1 + pad_x) * SCALE)
    upper, lower = int((top - PAD_Y_PT) * SCALE), int((bottom + PAD_Y_PT) * SCALE)
    region = page[max(upper, 0):lower, max(left, 0):right]
    ink = region < INK
    if speckled and ink.any():
        ink = np.asarray(Image.fromarray(ink.astype(np.uint8) * 255).filter(ImageFilter.MedianFilter(3))) > 0
    if ink.sum() < MIN_INK_PIXELS:
        return None
    first, last = _main_band(ink.sum(axis=1))
    if last - first < 10:  # a stray rule fragment, not characters
        return None
    band = ink[first:last + 1]
    cols = np.nonzero(band.any(axis=0))[0]
    crop = region[first:last + 1, cols[0]:cols[-1] + 1]
    if speckled:
        crop = np.where(band[:, cols[0]:cols[-1] + 1], crop, 255).astype(np.uint8)
    return Image.fromarray(crop)


def _main_band(row_ink: np.ndarray, max_gap: int = 4) -> tuple[int, int]:
    """The run of inked rows holding the most ink: the box's own line of text, not the tails of
    the line above or below that the padding let in."""
    runs, start, gap = [], None, 0
    for index, count in enumerate(row_ink):
        if count:
            if start is None:
                start = index
            gap, end = 0, index
        elif start is not None:
            gap += 1
            if gap > max_gap:
                runs.append((start, end))
                start = None
    if start is not None:
        runs.append((start, end))
    return max(runs, key=lambda run: row_ink[run[0]:run[1] + 1].sum())


def build_strip(slots: list[Slot]) -> tuple[Image.Image, list[tuple[int, int, str]]]:
    """Stack the slots one per line (Tesseract reads a line of one box far more reliably than a line
    mixing boxes of several sizes); small text is enlarged to a common height. Return the image and
    each slot's (top, bottom, name)."""
    images = [_to_text_height(slot.image) for slot in slots]
    width = max(image.width for image in images) + 2 * MARGIN + 2 * SLOT_GAP
    strip = Image.new("L", (width, sum(image.height + SLOT_GAP for image in images) + 2 * MARGIN), 255)
    spans, y = [], MARGIN
    for slot, image in zip(slots, images):
        strip.paste(image, (MARGIN + SLOT_GAP, y))
        spans.append((y, y + image.height, slot.name))
        y += image.height + SLOT_GAP
    return strip, spans


def _to_text_height(image: Image.Image) -> Image.Image:
    if image.height >= TEXT_HEIGHT:
        return image
    factor = min(TEXT_HEIGHT / image.height, 2.0)
    return image.resize((max(1, round(image.width * factor)), round(image.height * factor)), Image.BICUBIC)


def tesseract_words(image: Image.Image) -> list[tuple[int, int, str, float]]:
    """(x, y_center, text, confidence 0-1) for each word Tesseract finds in the strip.

    No character whitelist: on a strip mixing boxes it made the LSTM run words together; each box's
    own parser corrects letters read as digits (and back) instead. No dictionaries: codes and names
    are not English words.
    """
    import pytesseract

    config = "--oem 1 --psm 6 --dpi 300 -c load_system_dawg=0 -c load_freq_dawg=0"
    data = pytesseract.image_to_data(image, lang="eng", config=config, output_type=pytesseract.Output.DICT)
    words = []
    for text, conf, left, top, height in zip(data["text"], data["conf"], data["left"], data["top"], data["height"]):
        if text.strip() and float(conf) >= 0:
            words.append((int(left), int(top) + int(height) // 2, text.strip(), float(conf) / 100))
    return words


def read_strip(slots: list[Slot]) -> dict[str, Reading]:
    if not slots:
        return {}
    strip, spans = build_strip(slots)
    words = tesseract_words(strip)
    found: dict[str, list[tuple[int, str, float]]] = {}
    for x, y, text, conf in words:
        for top, bottom, name in spans:
            if top - SLOT_GAP // 2 <= y <= bottom + SLOT_GAP // 2:
                found.setdefault(name, []).append((x, text, conf))
                break
    readings = {}
    for _, _, name in spans:
        parts = sorted(found.get(name, []))
        if parts:
            readings[name] = Reading(" ".join(p[1] for p in parts), min(p[2] for p in parts))
        else:  # ink but no characters recognised: keep the box, with no confidence at all
            readings[name] = Reading("", 0.0)
    return readings


def recognize_page(registered: Image.Image, color: bool) -> dict[str, Reading]:
    """Box readings of one registered page (template coordinates, 300 dpi)."""
    pixels = np.asarray(registered.convert("L"), dtype=np.uint8)
    if not color:
        pixels = erase_form(pixels)
    slots = box_crops(pixels, speckled=not color)
    return _split_cents(read_strip(slots), slots)


def _split_cents(readings: dict[str, Reading], slots: list[Slot]) -> dict[str, Reading]:
    """A money box read as one run of digits ('12500') with writing right of the rule: the last two
    digits are the cents ('125 00'), as the printed rule says."""
    for slot in slots:
        reading = readings.get(slot.name)
        if slot.cents and reading and reading.text.isdigit() and len(reading.text) >= 3:
            readings[slot.name] = Reading(f"{reading.text[:-2]} {reading.text[-2:]}", reading.confidence)
    return readings


def thread_limit_env() -> None:
    """Tesseract's OpenMP threads fight over a small machine; one thread per process is faster."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")

"""Dot-matrix print: characters made of separate dots, joined before they are read.

A 9-pin printer's character is a grid of dots. Scanned at 200 dpi, or faxed, the dots no longer
touch: a stroke arrives as a row of fragments one to three pixels apart (at the template's 300 dpi),
which Tesseract reads as broken letters and which the speck filter partly removes. Joining the dots
of every page would also join what should stay apart on solid print (the small counters of 7-pt
digits, neighbouring letters): measured on tuning faxes, joining every page lost more fields on solid
print than it gained.

So the page is looked at once: the boxes' ink is opened (grey opening: light gaps narrower than the
kernel filled with the darker ink around them) and the marks that merge are counted. Solid type
merges few marks (a character's broken serif, two touching letters): 0.4-1.8 per 1,000 ink pixels
on 115 solid tuning pages of five families. Dotted type on a fax or a 200-dpi scan merges up to 30
(each character is many fragments); a dotted photo's blur has joined its dots already. Only a page
over the threshold has its boxes joined, before the speck filter, Tesseract and the fax digit reader
see them.

A fax keeps fewer dots than the opening can join: of a thin stroke or a 7-pt date, single dots two or
three pitches apart. So on a dotted page the speck filter groups marks across wider gaps (`mark_reach`),
and a character's lone dots are not dropped as specks; and on a dotted fax Tesseract reads the boxes
with every stroke a pixel wider and its edges softened (`for_recogniser`): its line model reads a soft,
solid stroke where it read the thin broken one as other letters or nothing. (A dotted grey page, a
200-dpi PDF or a copy, kept its dots whole enough: thickened, it read worse.)
"""

from __future__ import annotations

import numpy as np

from .levels import INK

DOT_GAP_PX = 3  # opening kernel at 300 dpi: fills gaps up to 2 px, a dot pitch up to 1/100 inch
MIN_MARK_PX = 3  # a mark smaller than this is a speck either way; not counted
MERGED_PER_KILO_INK = 2.0  # marks merged by the opening per 1,000 ink pixels above which the page is dotted
MIN_PAGE_INK = 2000  # pixels: a page with less ink in its boxes has too few characters to tell
SOLID_REACH_PX = 3  # the speck filter's grouping on solid print: marks up to 2 px apart are one character's
# on a dotted page: up to 6 px, two dot pitches at 300 dpi (a fax drops single dots of thin strokes)
DOTTED_REACH_PX = 7
THICKEN_PX = 2  # Tesseract's frames of a dotted page: each stroke one pixel wider ...
SOFTEN_SIGMA = 1.0  # ... and its edges blurred over about a dot pitch (measured: 0.7 and 1.5 px read fewer)


def joined(region: np.ndarray, gap: int = DOT_GAP_PX) -> np.ndarray:
    """The region with light gaps narrower than `gap` pixels inside and between dark marks filled."""
    import cv2

    return cv2.morphologyEx(region, cv2.MORPH_OPEN, np.ones((gap, gap), np.uint8))


def _marks(ink: np.ndarray) -> int:
    import cv2

    count, labels = cv2.connectedComponents(ink.view(np.uint8), connectivity=8)
    if count <= 1:
        return 0
    return int((np.bincount(labels.ravel(), minlength=count)[1:] >= MIN_MARK_PX).sum())


def merged_marks(region: np.ndarray) -> tuple[int, int]:
    """(ink pixels, marks that joining merges) of one box region."""
    ink = region < INK
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if not len(rows):
        return 0, 0
    # only the ink's bounding box (and a margin the opening can reach across): most of a box is paper
    top, left = max(int(rows[0]) - DOT_GAP_PX, 0), max(int(cols[0]) - DOT_GAP_PX, 0)
    window = (slice(top, int(rows[-1]) + DOT_GAP_PX + 1), slice(left, int(cols[-1]) + DOT_GAP_PX + 1))
    return int(ink.sum()), _marks(ink[window]) - _marks(joined(region[window]) < INK)


def dotted(regions: list[np.ndarray]) -> bool:
    """Whether the page's boxes are printed in dots: joining merges many marks for their ink."""
    ink = merged = 0
    for region in regions:
        count, merges = merged_marks(region)
        ink += count
        merged += merges
    return ink >= MIN_PAGE_INK and 1000 * merged / ink > MERGED_PER_KILO_INK


def mark_reach(dotted: bool) -> int:
    """How far apart (kernel size, 300 dpi) two marks may lie and still be one character's, for the speck filter."""
    return DOTTED_REACH_PX if dotted else SOLID_REACH_PX


def for_recogniser(image: np.ndarray) -> np.ndarray:
    """A dotted box's crop as Tesseract reads it best: every stroke a pixel wider, its edges softened."""
    import cv2

    thick = cv2.erode(image, np.ones((THICKEN_PX, THICKEN_PX), np.uint8))  # the darkest of 2 x 2: ink grows
    return cv2.GaussianBlur(thick, (0, 0), SOFTEN_SIGMA)

"""Find the CMS-1500 on a scanned page and map the page onto the template, as the OCR reads it.

1. The profile fit (profile_fit.py: skew, scale and offset per axis, orientation; numpy only).
2. Homography: the page is warped onto the template by that first fit, every patch of the form's
   rules finds its remaining shift by phase correlation, and OpenCV fits a homography (RANSAC) to
   the shifted patches, twice (perspective of a phone photo, a fax a few percent out of proportion).
   A page the profiles cannot place (a photo of the sheet on a table) starts from the sheet's own
   four corners instead (the largest bright quadrilateral).
The fit's correlation and coverage (share of the blank form's ink landing on page ink) say whether
the page is a CMS-1500 at all.

OpenCV is a hard dependency here (the intake function's container image ships it): without it this
module does not import. The staff page's crops, which run without OpenCV, use
`profile_fit.register_affine` and say so (Registration.method).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import combinations

import cv2
import numpy as np
from PIL import Image

from ..cms1500.template import PAGE_HEIGHT_PT, PAGE_WIDTH_PT
from .profile_fit import (
    COARSE_DPI,
    CONFIDENT_SCORE,
    HOMOGRAPHY,
    PAPER_BLUR,
    PAPER_CLOSING,
    PROFILE_FIT,
    Registration,
    coverage,
    downscale,
    fit_profiles,
    is_landscape,
    page_ink,
    template_core_points,
    template_ink_image,
)

SETTLED_COVERAGE = 0.9  # with a confident score, a fit this good needs no homography refinement
MIN_AGREEMENT = 0.5  # share of rule patches the homography must agree with (photos of the form: 0.97-0.99)
# ... or this many agreeing patches, spread over the form: a faxed red form whose thin rules broke up
# leaves many patches with nothing to correlate (tuning faxes: 44-120 agree, 44-77%); the pages that
# are not the form, 15 at most (back page, ruled invoice, letter, text PDF; plain and faxed).
MIN_AGREEING_PATCHES = 25
BANDS = 3  # the form cut into this many horizontal bands: the agreeing patches must reach every band
MIN_BAND_PATCHES = 4
MAX_STARTS = 2  # starting fits refined (best coverage first) until one gives a homography


def register(page: Image.Image, dpi: float) -> Registration | None:
    """The page's registration to the template, or None when the page is blank."""
    ink = page_ink(page, dpi, paper_of=_paper_level)
    if ink.mean() < 0.002:
        return None
    matrix, angle, scale, score, turns = fit_profiles(ink, is_landscape(page))
    covered = _Coverages(ink)
    refined = None
    if score >= CONFIDENT_SCORE:
        # A clear profile fit that already puts the form's ink on the page's is an affine scan: no
        # perspective to fit (saves ~0.15 s a page).
        if covered(matrix) < SETTLED_COVERAGE:
            refined = _refine(matrix, ink)
    else:
        # The profiles found no clear form (a photo in perspective): start from the profile fit or
        # from the sheet's own corners (four ways the page may sit on them), whichever already puts
        # most of the form's ink on the page's; the next start only when that refinement fails
        # (each costs ~0.15 s CPU).
        starts = [(matrix, None)] + [(fit, "corners") for fit in _sheet_corner_fits(downscale(page, dpi, COARSE_DPI))]
        for start, source in sorted(starts, key=lambda s: covered(s[0]), reverse=True)[:MAX_STARTS]:
            refined = _refine(start, ink)
            if refined is not None and not _patches_agree(refined):
                refined = None  # the patches disagree: no form there to fit (the form's back page: 0.1)
            if refined is not None:
                if source == "corners":
                    turns = _quarter_turns(refined.matrix)
                break
    # the patches' evidence counts for the verdict even when the profile fit keeps the page (its
    # coverage higher: the homography agreed with it to within the patches' tolerance)
    evidence = refined
    if refined is not None and covered(refined.matrix) >= covered(matrix):
        matrix = refined.matrix
    else:
        refined = None
    to_page = np.diag([dpi / COARSE_DPI, dpi / COARSE_DPI, 1.0])
    return Registration(
        to_page @ matrix,
        angle,
        scale,
        score,
        covered(matrix),
        upside_down=turns % 4 == 2,
        rotated_quarter=turns % 2,
        refined=refined is not None,
        method=PROFILE_FIT if refined is None else HOMOGRAPHY,
        core_coverage=coverage(matrix, ink, template_core_points()),
        agreeing_patches=0 if evidence is None else evidence.agreeing,
        thinnest_band=0 if evidence is None else evidence.thinnest_band,
    )


class _Coverages:
    """`coverage` of one page's ink by each fit, worked out once a fit: registration asks for the same fit's
    more than once (to rank the starts, to keep the better fit, for the verdict)."""

    def __init__(self, ink: np.ndarray):
        self.ink = ink
        self.known: dict[bytes, float] = {}

    def __call__(self, matrix: np.ndarray) -> float:
        key = np.asarray(matrix, dtype=np.float64).tobytes()  # the same bytes: the same fit, the same coverage
        if key not in self.known:
            self.known[key] = coverage(matrix, self.ink)
        return self.known[key]


def _paper_level(level: np.ndarray) -> np.ndarray:
    """profile_fit.paper_level by OpenCV (the same closing and blur, a tenth of the CPU)."""
    closed = cv2.morphologyEx(level, cv2.MORPH_CLOSE, np.ones((PAPER_CLOSING, PAPER_CLOSING), np.uint8))
    return np.maximum(cv2.blur(closed, (PAPER_BLUR, PAPER_BLUR)), 1.0)


@dataclass(frozen=True)
class Refinement:
    """A homography (template -> page, 100 dpi) and how the form's rule patches back it."""

    matrix: np.ndarray
    agreement: float  # share of the correlated patches that agree with it
    agreeing: int  # how many patches agree
    thinnest_band: int  # agreeing patches in the form's band (top, middle, bottom) that has fewest


def _patches_agree(refined: Refinement) -> bool:
    """The patches show a form there: most agree, or many do from every band of the form."""
    spread = refined.agreeing >= MIN_AGREEING_PATCHES and refined.thinnest_band >= MIN_BAND_PATCHES
    return refined.agreement >= MIN_AGREEMENT or spread


def _refine(matrix: np.ndarray, ink: np.ndarray) -> Refinement | None:
    """A homography (template -> page, 100 dpi) fitted to the form's own rules, from `matrix`: the page
    is warped onto the template, each patch of rules finds its local shift by phase correlation, and
    OpenCV fits a homography to the shifted patch centres (RANSAC drops patches fooled by writing).
    None when no fit."""
    page = cv2.GaussianBlur(ink.astype(np.float32), (3, 3), 0)
    current = Refinement(matrix / matrix[2, 2], 0.0, 0, 0)
    for patch in PATCH_SIZES:
        fitted = _fit_patches(current.matrix, page, patch)
        if fitted is None:
            return None if current.agreeing == 0 else current
        current = fitted
    return current


PATCH_SIZES = (128, 64)  # template pixels at 100 dpi: a wide first pass catches a photo's perspective
MIN_PATCH_INK = 0.03  # a patch with less of the form's ink than this has no rules to correlate
MIN_RESPONSE = 0.08  # phase-correlation peak below this: the patch found nothing reliable
MIN_PATCHES = 8  # fewer agreeing patches than this: no homography


def _fit_patches(matrix: np.ndarray, page: np.ndarray, patch: int) -> Refinement | None:
    height, width = template_ink_image().shape
    warped = cv2.warpPerspective(page, matrix, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
    window = cv2.createHanningWindow((patch, patch), cv2.CV_32F)
    sources, targets = [], []
    for top, left, form in _form_patches(patch):
        # a copy: OpenCV may work in place on a view (the form's patch is a copy of the cached template's)
        (dx, dy), response = cv2.phaseCorrelate(
            form.copy(), warped[top : top + patch, left : left + patch].copy(), window
        )
        if response < MIN_RESPONSE or abs(dx) > patch / 3 or abs(dy) > patch / 3:
            continue
        centre = (left + patch / 2, top + patch / 2)
        sources.append(centre)
        targets.append((centre[0] + dx, centre[1] + dy))
    if len(sources) < MIN_PATCHES:
        return None
    sources_arr, targets_arr = np.array(sources, dtype=np.float32), np.array(targets, dtype=np.float32)
    # targets are in the warped (template) frame: send them to the page through the current matrix
    targets_page = cv2.perspectiveTransform(targets_arr[None], matrix)[0]
    fitted, inliers = cv2.findHomography(sources_arr, targets_page, cv2.RANSAC, 2.0)
    if fitted is None or not np.all(np.isfinite(fitted)):
        return None
    agreeing = inliers.ravel().astype(bool)
    bands = np.bincount((sources_arr[agreeing, 1] * BANDS // height).astype(np.int64), minlength=BANDS)
    return Refinement(fitted / fitted[2, 2], float(agreeing.mean()), int(agreeing.sum()), int(bands[:BANDS].min()))


@cache
def _form_patches(patch: int) -> tuple[tuple[int, int, np.ndarray], ...]:
    """(top, left, the template's patch) of every patch of the form with rules to correlate, in the order they
    are correlated: the same on every page, so found once (a tenth of a page's patch fitting went to telling
    them)."""
    template = template_ink_image()
    height, width = template.shape
    stride = patch // 2 if patch >= 128 else patch  # the fine pass needs no overlap: half the cost
    patches = []
    for top in range(0, height - patch + 1, stride):
        for left in range(0, width - patch + 1, stride):
            form = template[top : top + patch, left : left + patch]
            if form.mean() >= MIN_PATCH_INK:
                form = form.copy()
                form.flags.writeable = False
                patches.append((top, left, form))
    return tuple(patches)


def _quarter_turns(matrix: np.ndarray) -> int:
    """How many quarter turns (counter-clockwise, np.rot90) the homography's page is from upright."""
    h = matrix / matrix[2, 2]
    angle = np.degrees(np.arctan2(h[1, 0], h[0, 0])) % 360  # where the template's x axis points (y down)
    return round(angle / 90) % 4


def _sheet_corner_fits(small: Image.Image) -> list[np.ndarray]:
    """Homographies that put the letter page on the largest bright quadrilateral of the image (a
    photographed sheet), one per orientation of the sheet."""
    level = cv2.GaussianBlur(np.asarray(small.convert("L"), dtype=np.uint8), (5, 5), 0)
    # Light falls on sheet and table alike: a shadow or the lamp's falloff multiplies both, so the sheet is told
    # from the table by their ratio. Otsu's split on the log of the level, not on the level (a phone's shadow
    # over a third of the sheet took that third for table).
    logs = cv2.LUT(level, _log_levels())
    _, bright = cv2.threshold(logs, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return []
    sheet = max(contours, key=cv2.contourArea)
    if cv2.contourArea(sheet) < 0.2 * level.size:
        return []
    width, height = PAGE_WIDTH_PT * COARSE_DPI / 72, PAGE_HEIGHT_PT * COARSE_DPI / 72
    letter = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    return [
        cv2.getPerspectiveTransform(letter, np.roll(_clockwise(quad), shift, axis=0)).astype(np.float64)
        for quad in _quadrilaterals(sheet)
        for shift in range(4)
    ]


@cache
def _log_levels() -> np.ndarray:
    """`(np.log1p(level.astype(np.float32)) * (255 / np.log(256))).astype(np.uint8)` for each of the 256 levels:
    looked up, the page's log levels cost a table look-up a pixel instead of a float logarithm (the same
    elementwise arithmetic, so the same bytes)."""
    levels = np.arange(256, dtype=np.float32)
    return (np.log1p(levels) * (255 / np.log(256))).astype(np.uint8)


SHEET_SIDES = 5  # the outline's longest sides tried four at a time: the sheet's four, and a shadow's cut


def _quadrilaterals(contour: np.ndarray) -> list[np.ndarray]:
    """The sheet's four corners from its outline, as candidates: the lines of four of the longest sides of its convex
    hull, intersected. A corner lost in shadow or a stain (the outline cut across it) is found where its two sides
    meet, not at the cut; when the cut is longer than one of the sheet's sides, only another choice of four skips
    it, and the form's ink on the page says which choice is the sheet (the caller's coverage)."""
    hull = cv2.convexHull(contour)
    polygon = cv2.approxPolyDP(hull, 0.01 * cv2.arcLength(hull, True), True).reshape(-1, 2).astype(np.float64)
    if len(polygon) < 4:
        return []
    following = np.roll(polygon, -1, axis=0)
    lengths = np.hypot(*(following - polygon).T)
    longest = sorted(np.argsort(lengths)[-SHEET_SIDES:].tolist())  # in order around the outline
    quads = []
    for sides in combinations(longest, 4):
        quad = _quadrilateral(polygon, following, list(sides))
        if quad is not None:
            quads.append(quad)
    return quads


def _quadrilateral(polygon: np.ndarray, following: np.ndarray, sides: list[int]) -> np.ndarray | None:
    """The corners where the lines of four sides of the outline (in order round it) meet, or None when two of them
    are nearly parallel."""
    corners = []
    for first, second in zip(sides, sides[1:] + sides[:1], strict=True):
        corner = _intersection(polygon[first], following[first], polygon[second], following[second])
        if corner is None:
            return None
        corners.append(corner)
    quad = np.array(corners, dtype=np.float32)
    span = np.ptp(polygon, axis=0)
    if np.any(np.abs(quad - polygon.mean(axis=0)) > span):  # sides nearly parallel: no sheet corner
        return None
    return quad


def _intersection(a0: np.ndarray, a1: np.ndarray, b0: np.ndarray, b1: np.ndarray) -> np.ndarray | None:
    """Where the line through a0, a1 meets the line through b0, b1 (None when parallel)."""
    direction_a, direction_b = a1 - a0, b1 - b0
    denominator = direction_a[0] * direction_b[1] - direction_a[1] * direction_b[0]
    if abs(denominator) < 1e-9:
        return None
    t = ((b0[0] - a0[0]) * direction_b[1] - (b0[1] - a0[1]) * direction_b[0]) / denominator
    return a0 + t * direction_a


def _clockwise(points: np.ndarray) -> np.ndarray:
    """Four corners in clockwise order on screen, starting at the top-left one."""
    centre = points.mean(axis=0)
    angles = np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0])
    ordered = points[np.argsort(angles)]  # y grows down: increasing angle is clockwise on screen
    start = int(np.argmin(ordered.sum(axis=1)))
    return np.roll(ordered, -start, axis=0)

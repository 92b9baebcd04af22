"""Find the CMS-1500 on a scanned page and map the page onto the template.

The form is a grid of long printed rules, so its row and column ink profiles are a fingerprint.
1. Skew: the angle that makes the horizontal rules sharpest (a projection-profile search).
2. Scale and offset per axis: the stretch and shift that best correlate the page's deskewed profiles
   with the blank form's (FFT cross-correlation per scale, coarse over 0.85-1.15, then fine).
3. Orientation: when the upright fit is poor, the same on the page turned 180 degrees (90/270 for
   a landscape page); the better fit wins.
4. Homography: the page is warped onto the template by that first fit, every patch of the form's
   rules finds its remaining shift by phase correlation, and OpenCV fits a homography (RANSAC) to
   the shifted patches, twice (perspective of a phone photo, a fax a few percent out of proportion).
   A page the profiles cannot place (a photo of the sheet on a table) starts from the sheet's own
   four corners instead (the largest bright quadrilateral).
Ink is found against the local paper level (background divided out), so grey, low-contrast copies,
shaded photos and colour casts give the same rules as a clean scan; full-height scanner streaks are
dropped. The fit's correlation and coverage (share of the blank form's ink landing on page ink) say
whether the page is a CMS-1500 at all. Everything runs at 100 dpi on ink pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image

from ..cms1500.template import PAGE_HEIGHT_PT, PAGE_WIDTH_PT, render_blank_form

try:  # the intake function's image ships OpenCV; without it the profile fit (affine) is used alone
    import cv2
except ImportError:  # pragma: no cover - exercised only where OpenCV is absent
    cv2 = None  # type: ignore[assignment]

COARSE_DPI = 100
SKEW_SAMPLE = 60000
MAX_ANISOTROPY = 0.04  # |horizontal - vertical scale| a scan may have (mailroom faxes run a few % out)
INK_LEVEL = 70  # darkness (0-255) above which a pixel of the blank form counts as ink
INK_CONTRAST = 0.22  # a page pixel this much darker than its local paper level is ink
STREAK_SHARE = 0.96  # a column dark over this share of the page is a scanner streak, not the form
CONFIDENT_SCORE = 0.6  # a fit this good is the form the right way up (upside down it scores < 0.45)
SETTLED_COVERAGE = 0.9  # with a confident score, a fit this good needs no homography refinement


@dataclass(frozen=True)
class Registration:
    """Template pixel (at 100 dpi) -> page pixel: page ~ H @ [x, y, 1] (a homography, 3x3)."""

    matrix: np.ndarray  # 3x3
    angle: float  # degrees
    scale: tuple[float, float]
    score: float
    coverage: float  # share of the blank form's ink that lands on ink of the page (1.0: every rule found)
    upside_down: bool
    rotated_quarter: int = 0  # quarter turns applied before registration (landscape scans)
    refined: bool = False  # the homography was fitted to the rules' patches (False: the profile fit alone)
    # share of the form's HEAVY ink (what a bilevel fax keeps of the red form: bars, bold titles, the
    # line numbers) on page ink: high on a red form faxed to black and white, whose thin rules are gone
    core_coverage: float = 0.0

    def perspective_for(self, template_dpi: float, left: float = 0.0, top: float = 0.0) -> tuple[float, ...]:
        """PIL's PERSPECTIVE data mapping output pixels (template at template_dpi, shifted by left/top)
        to input (page pixels)."""
        factor = COARSE_DPI / template_dpi
        to_template = np.array([[factor, 0, left * factor], [0, factor, top * factor], [0, 0, 1.0]])
        h = self.matrix @ to_template
        h = h / h[2, 2]
        return (h[0, 0], h[0, 1], h[0, 2], h[1, 0], h[1, 1], h[1, 2], h[2, 0], h[2, 1])


def darkness(image: Image.Image) -> np.ndarray:
    """0 (paper) .. 255 (ink) for any mode: the darkest channel, so red form ink counts as ink."""
    if image.mode in ("1", "L", "I;16", "I", "F"):
        return 255 - np.asarray(image.convert("L"), dtype=np.int16)
    rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    # channel by channel: numpy's min over a 3-wide last axis is ~20x slower
    return 255 - np.minimum(np.minimum(rgb[..., 0], rgb[..., 1]), rgb[..., 2]).astype(np.int16)


def page_ink(page: Image.Image, dpi: float) -> np.ndarray:
    """Ink of the page at 100 dpi against its local paper level: the same rules on a clean scan, a
    faint grey copy, a shaded or colour-cast photo. Each 100-dpi pixel takes the darkest of the pixels
    it covers, so a hair-thin rule keeps its full darkness. Full-height streaks are not the form's."""
    level = _darkest_level(page, dpi)
    paper = _paper_level(level)
    ink = level < paper * (1 - INK_CONTRAST)
    ink &= paper > 40  # a dark table around a photographed sheet is no ink
    streaks = ink.mean(axis=0) > STREAK_SHARE
    ink[:, streaks] = False
    return ink


def _darkest_level(page: Image.Image, dpi: float) -> np.ndarray:
    """Brightness (0 ink .. 255 paper) at 100 dpi, each pixel the darkest of those it covers."""
    if cv2 is None:
        return (255 - darkness(downscale(page, dpi, COARSE_DPI))).astype(np.float32)
    level: np.ndarray = (255 - darkness(page)).astype(np.uint8)
    ratio = dpi / COARSE_DPI
    if ratio >= 1.5:
        level = cv2.erode(level, np.ones((round(ratio), round(ratio)), np.uint8))
    size = (max(1, round(level.shape[1] / ratio)), max(1, round(level.shape[0] / ratio)))
    return cv2.resize(level, size, interpolation=cv2.INTER_AREA).astype(np.float32)


def _paper_level(level: np.ndarray) -> np.ndarray:
    """The brightness of the paper around each pixel: a grey closing (ink removed) then a wide blur."""
    if cv2 is None:
        return np.full(level.shape, float(np.percentile(level, 95)), dtype=np.float32)
    closed = cv2.morphologyEx(level, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    return np.maximum(cv2.blur(closed, (31, 31)), 1.0)


def downscale(image: Image.Image, from_dpi: float, to_dpi: float) -> Image.Image:
    if image.mode == "1":
        image = image.convert("L")
    elif image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    size = (max(1, round(image.width * to_dpi / from_dpi)), max(1, round(image.height * to_dpi / from_dpi)))
    return image.resize(size, Image.Resampling.BOX)


@cache
def template_profiles(dpi: int) -> tuple[np.ndarray, np.ndarray]:
    ink = darkness(downscale(render_blank_form(300), 300, dpi)) > INK_LEVEL
    return _highpass(ink.sum(axis=1).astype(np.float64)), _highpass(ink.sum(axis=0).astype(np.float64))


def _highpass(profile: np.ndarray, width: int = 9) -> np.ndarray:
    """Keep the sharp peaks of rules; drop the slow swell of text and shading."""
    kernel = np.ones(width) / width
    return np.clip(profile - np.convolve(profile, kernel, mode="same"), 0, None)


def _skew_angle(ys: np.ndarray, xs: np.ndarray, max_angle: float = 6.0) -> float:
    """Degrees the page is turned (positive: clockwise on screen), from the sharpest row profile."""

    def sharpness(angle: float) -> float:
        t = np.radians(angle)
        rows = np.round(-xs * np.sin(t) + ys * np.cos(t)).astype(np.int64)
        counts = np.bincount(rows - rows.min())
        return float(np.dot(counts, counts))

    best = max(np.arange(-max_angle, max_angle + 1e-9, 0.5), key=sharpness)
    best = max(np.arange(best - 0.5, best + 0.5 + 1e-9, 0.1), key=sharpness)
    return float(max(np.arange(best - 0.1, best + 0.1 + 1e-9, 0.025), key=sharpness))


def _fit_axis(scan: np.ndarray, template: np.ndarray, scales: np.ndarray) -> tuple[float, float, float]:
    """(scale, offset, score) with scan(s * t + o) ~ template(t): a coarse pass over `scales`, then
    a fine one around the best."""
    coarse = _fit_axis_scales(scan, template, scales)
    step = float(scales[1] - scales[0]) if len(scales) > 1 else 0.01
    return _fit_axis_scales(scan, template, np.arange(coarse[0] - step, coarse[0] + step + 1e-9, step / 8))


def _fit_axis_scales(scan: np.ndarray, template: np.ndarray, scales: np.ndarray) -> tuple[float, float, float]:
    """The best (scale, offset, score) among `scales`, by FFT cross-correlation per scale."""
    best = (1.0, 0.0, -1.0)
    length = 1 << int(np.ceil(np.log2(len(template) * 2 + len(scan))))
    template_fft = np.conj(np.fft.rfft(template, length))
    template_norm = np.linalg.norm(template)
    positions = np.arange(len(scan))
    for scale in scales:
        # Resample the scan profile onto the template's unit: u = y / s.
        u = np.arange(int(len(scan) / scale))
        resampled = np.interp(u * scale, positions, scan)
        correlation = np.fft.irfft(np.fft.rfft(resampled, length) * template_fft, length)
        shift = int(np.argmax(correlation))
        norm = np.linalg.norm(resampled) * template_norm
        score = correlation[shift] / norm if norm else 0.0
        if score > best[2]:
            offset_u = shift if shift < length // 2 else shift - length
            best = (float(scale), float(offset_u * scale), float(score))
    return best


def _profiles(
    ys: np.ndarray, xs: np.ndarray, angle: float, shape: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, float, float]:
    t = np.radians(angle)
    rows = -xs * np.sin(t) + ys * np.cos(t)
    cols = xs * np.cos(t) + ys * np.sin(t)
    row_origin, col_origin = rows.min(), cols.min()
    row_profile = np.bincount(np.round(rows - row_origin).astype(np.int64)).astype(np.float64)
    col_profile = np.bincount(np.round(cols - col_origin).astype(np.int64)).astype(np.float64)
    return _highpass(row_profile), _highpass(col_profile), float(row_origin), float(col_origin)


def _register_ink(ink: np.ndarray, scales: np.ndarray) -> tuple[np.ndarray, float, tuple[float, float], float]:
    ys, xs = np.nonzero(ink)
    ys, xs = ys.astype(np.float64), xs.astype(np.float64)
    step = max(1, len(xs) // SKEW_SAMPLE)  # every n-th ink pixel is plenty to find the skew
    angle = _skew_angle(ys[::step], xs[::step])
    row_profile, col_profile, row_origin, col_origin = _profiles(ys, xs, angle, ink.shape)
    template_rows, template_cols = template_profiles(COARSE_DPI)
    sy, oy, score_y = _fit_axis(row_profile, template_rows, scales)
    # The form's columns are fewer and less distinct than its rows: search the horizontal scale
    # only near the vertical one (scanners and faxes stretch the axes alike within ~1.5%).
    near = np.arange(sy - MAX_ANISOTROPY, sy + MAX_ANISOTROPY + 1e-9, 0.0005)
    sx, ox, score_x = _fit_axis_scales(col_profile, template_cols, near)
    # deskewed (c, r) = (sx * xt + ox + col_origin, sy * yt + oy + row_origin); page = R(angle) @ deskewed
    t = np.radians(angle)
    rotation = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    linear = rotation @ np.diag([sx, sy])
    offset = rotation @ np.array([ox + col_origin, oy + row_origin])
    matrix = np.hstack([linear, offset[:, None]])
    return matrix, angle, (sx, sy), min(score_x, score_y)


def register(page: Image.Image, dpi: float) -> Registration | None:
    """The page's registration to the template, or None when the page is blank."""
    small = downscale(page, dpi, COARSE_DPI)
    ink = page_ink(page, dpi)
    if ink.mean() < 0.002:
        return None
    quarter = 0
    if small.width > small.height * 1.2:  # a landscape scan of a portrait form
        quarter = 1
    candidates = []
    for turns in (quarter, quarter + 2) if quarter else (0, 2):
        turned = np.rot90(ink, k=turns) if turns else ink
        matrix, angle, scale, score = _register_ink(turned, np.arange(0.85, 1.15, 0.004))
        candidates.append((score, turns, matrix, angle, scale))
        if score >= CONFIDENT_SCORE:  # clearly the right way up: no need to try it upside down
            break
    score, turns, matrix, angle, scale = max(candidates, key=lambda c: c[0])
    # Express the fit in the original page's 100-dpi pixels.
    matrix = np.vstack([_unrotate(matrix, turns, ink.shape), [0.0, 0.0, 1.0]])
    # A clear profile fit that already puts the form's ink on the page's is an affine scan: no
    # perspective to fit (saves ~0.2 s a page).
    clear = score >= CONFIDENT_SCORE and _coverage(matrix, ink) >= SETTLED_COVERAGE
    refined = None if clear else _refine(matrix, ink)
    if score < CONFIDENT_SCORE:  # the profiles found no clear form: try the sheet's own corners
        for corner_fit in _sheet_corner_fits(small, ink):
            candidate = _refine(corner_fit, ink)
            if candidate is not None and (refined is None or candidate[1] > refined[1]):
                refined, turns = candidate, _quarter_turns(candidate[0])
    if refined is not None and _coverage(refined[0], ink) >= _coverage(matrix, ink):
        matrix = refined[0]
    coverage = _coverage(matrix, ink)
    core_coverage = _coverage(matrix, ink, _template_core_points())
    to_page = np.diag([dpi / COARSE_DPI, dpi / COARSE_DPI, 1.0])
    return Registration(
        to_page @ matrix,
        angle,
        scale,
        score,
        coverage,
        upside_down=turns % 4 == 2,
        rotated_quarter=turns % 2,
        refined=refined is not None and matrix is refined[0],
        core_coverage=core_coverage,
    )


@cache
def _template_ink_image() -> np.ndarray:
    ink = darkness(downscale(render_blank_form(300), 300, COARSE_DPI)) > INK_LEVEL
    return ink.astype(np.float32)


def _refine(matrix: np.ndarray, ink: np.ndarray) -> tuple[np.ndarray, float] | None:
    """A homography (template -> page, 100 dpi) fitted to the form's own rules, from `matrix`: the page
    is warped onto the template, each patch of rules finds its local shift by phase correlation, and
    OpenCV fits a homography to the shifted patch centres (RANSAC drops patches fooled by writing).
    Returns the homography and the share of patches that agree, or None (OpenCV absent, no fit)."""
    if cv2 is None:
        return None
    template = _template_ink_image()
    page = cv2.GaussianBlur(ink.astype(np.float32), (3, 3), 0)
    current, agreement = matrix / matrix[2, 2], 0.0
    for patch in PATCH_SIZES:
        fitted = _fit_patches(current, template, page, patch)
        if fitted is None:
            return None if agreement == 0.0 else (current, agreement)
        current, agreement = fitted
    return current, agreement


PATCH_SIZES = (128, 64)  # template pixels at 100 dpi: a wide first pass catches a photo's perspective
MIN_PATCH_INK = 0.03  # a patch with less of the form's ink than this has no rules to correlate
MIN_RESPONSE = 0.08  # phase-correlation peak below this: the patch found nothing reliable
MIN_PATCHES = 8  # fewer agreeing patches than this: no homography


def _fit_patches(
    matrix: np.ndarray, template: np.ndarray, page: np.ndarray, patch: int
) -> tuple[np.ndarray, float] | None:
    height, width = template.shape
    warped = cv2.warpPerspective(page, matrix, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
    window = cv2.createHanningWindow((patch, patch), cv2.CV_32F)
    sources, targets = [], []
    stride = patch // 2 if patch >= 128 else patch  # the fine pass needs no overlap: half the cost
    for top in range(0, height - patch + 1, stride):
        for left in range(0, width - patch + 1, stride):
            form = template[top : top + patch, left : left + patch]
            if form.mean() < MIN_PATCH_INK:
                continue
            # copies: OpenCV may work in place on a view, and the template is cached
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
    return fitted / fitted[2, 2], float(inliers.mean())


def _quarter_turns(matrix: np.ndarray) -> int:
    """How many quarter turns (counter-clockwise, np.rot90) the homography's page is from upright."""
    h = matrix / matrix[2, 2]
    angle = np.degrees(np.arctan2(h[1, 0], h[0, 0])) % 360  # where the template's x axis points (y down)
    return round(angle / 90) % 4


def _sheet_corner_fits(small: Image.Image, ink: np.ndarray) -> list[np.ndarray]:
    """Homographies that put the letter page on the largest bright quadrilateral of the image (a
    photographed sheet), one per orientation of the sheet."""
    if cv2 is None:
        return []
    level = np.asarray(small.convert("L"), dtype=np.uint8)
    _, bright = cv2.threshold(cv2.GaussianBlur(level, (5, 5), 0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return []
    sheet = max(contours, key=cv2.contourArea)
    if cv2.contourArea(sheet) < 0.2 * level.size:
        return []
    quad = cv2.approxPolyDP(sheet, 0.02 * cv2.arcLength(sheet, True), True)
    if len(quad) != 4:
        return []
    corners = _clockwise(quad.reshape(4, 2).astype(np.float32))
    width, height = PAGE_WIDTH_PT * COARSE_DPI / 72, PAGE_HEIGHT_PT * COARSE_DPI / 72
    letter = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    return [
        cv2.getPerspectiveTransform(letter, np.roll(corners, shift, axis=0)).astype(np.float64) for shift in range(4)
    ]


def _clockwise(points: np.ndarray) -> np.ndarray:
    """Four corners in clockwise order on screen, starting at the top-left one."""
    centre = points.mean(axis=0)
    angles = np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0])
    ordered = points[np.argsort(angles)]  # y grows down: increasing angle is clockwise on screen
    start = int(np.argmin(ordered.sum(axis=1)))
    return np.roll(ordered, -start, axis=0)


@cache
def _template_ink_points() -> np.ndarray:
    ys, xs = np.nonzero(_template_ink_image())
    return np.vstack([xs, ys, np.ones_like(xs)]).astype(np.float64)


FAX_CUT = 0.6  # a harsh fax machine keeps only what is darker than 60% of the paper's brightness


@cache
def _template_core_points() -> np.ndarray:
    """The blank form's ink that survives a bilevel fax of the red form: the sensor averages over its
    200-dpi pixel, the optics blur, the machine cuts at FAX_CUT. The heavy bars, bold titles and line
    numbers survive; the thin red rules do not."""
    from PIL import ImageFilter

    sensed = render_blank_form(300).convert("L").resize((1700, 2200), Image.Resampling.BOX)
    grey = np.asarray(sensed.filter(ImageFilter.GaussianBlur(0.6)), dtype=np.uint8)
    kept = Image.fromarray(np.where(grey < FAX_CUT * 255, 0, 255).astype(np.uint8))
    ys, xs = np.nonzero(darkness(downscale(kept, 200, COARSE_DPI)) > INK_LEVEL)
    return np.vstack([xs, ys, np.ones_like(xs)]).astype(np.float64)


def _coverage(matrix: np.ndarray, ink: np.ndarray, points: np.ndarray | None = None) -> float:
    """Share of the blank form's ink pixels (or of `points`) that fall on (or next to) ink of the page."""
    near = ink | np.roll(ink, 1, 0) | np.roll(ink, -1, 0) | np.roll(ink, 1, 1) | np.roll(ink, -1, 1)
    projected = matrix @ (_template_ink_points() if points is None else points)
    with np.errstate(divide="ignore", invalid="ignore"):
        xs, ys = projected[:2] / projected[2]
    if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(ys))):
        return 0.0
    xs, ys = np.round(xs).astype(np.int64), np.round(ys).astype(np.int64)
    inside = (xs >= 0) & (ys >= 0) & (xs < ink.shape[1]) & (ys < ink.shape[0])
    if not inside.any():
        return 0.0
    return float(near[ys[inside], xs[inside]].sum() / len(xs))


def _unrotate(matrix: np.ndarray, turns: int, shape: tuple[int, int]) -> np.ndarray:
    """Compose with the inverse of np.rot90(k=turns) so the matrix points into the unturned image."""
    height, width = shape
    turns %= 4
    if turns == 0:
        return matrix
    # np.rot90 (counter-clockwise) maps original (x, y) to turned coordinates; invert that map.
    if turns == 1:  # turned (x', y') = (y, W - 1 - x)  ->  original x = W - 1 - y', y = x'
        back = np.array([[0.0, -1.0, width - 1], [1.0, 0.0, 0.0]])
    elif turns == 2:  # turned = (W - 1 - x, H - 1 - y)
        back = np.array([[-1.0, 0.0, width - 1], [0.0, -1.0, height - 1]])
    else:  # turns == 3: turned (x', y') = (H - 1 - y, x)  ->  x = y', y = H - 1 - x'
        back = np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, height - 1]])
    full = np.vstack([matrix, [0, 0, 1]])
    return (np.vstack([back, [0, 0, 1]]) @ full)[:2]


def warp_to_template(page: Image.Image, registration: Registration, dpi: int = 300) -> Image.Image:
    """The page resampled into template coordinates at `dpi` (the blank form's pixel grid): the staff
    page cuts each value's box crop from it (api/crops.py)."""
    size = (round(PAGE_WIDTH_PT * dpi / 72), round(PAGE_HEIGHT_PT * dpi / 72))
    mode = "L" if page.mode in ("1", "L") else "RGB"
    source = page.convert(mode) if page.mode != mode else page
    return source.transform(
        size,
        Image.Transform.PERSPECTIVE,
        registration.perspective_for(dpi),
        resample=Image.Resampling.BILINEAR,
        fillcolor=255 if mode == "L" else (255, 255, 255),
    )

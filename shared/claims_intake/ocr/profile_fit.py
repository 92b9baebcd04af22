"""The profile fit: the CMS-1500 found on a page by its rules' row and column profiles (numpy only).

The form is a grid of long printed rules, so its row and column ink profiles are a fingerprint.
1. Skew: the angle that makes the horizontal rules sharpest (a projection-profile search).
2. Scale and offset per axis: the stretch and shift that best correlate the page's deskewed profiles
   with the blank form's (FFT cross-correlation per scale, coarse over 0.85-1.15, then fine).
3. Orientation: when the upright fit is poor, the same on the page turned 180 degrees (90/270 for
   a landscape page); the better fit wins.
Ink is found against the local paper level (background divided out), so grey, low-contrast copies,
shaded photos and colour casts give the same rules as a clean scan; full-height scanner streaks are
dropped. Everything runs at 100 dpi on ink pixels.

This is the affine part of the OCR's registration (register.py adds the OpenCV homography). It needs
no OpenCV, so the staff page's box crops (the API function, a zip without OpenCV) use it alone:
`register_affine`, whose Registration says `method="profile fit"`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image, ImageChops

from ..cms1500.template import PAGE_HEIGHT_PT, PAGE_WIDTH_PT, render_blank_form

COARSE_DPI = 100
SKEW_SAMPLE = 60000
MAX_ANISOTROPY = 0.04  # |horizontal - vertical scale| a scan may have (mailroom faxes run a few % out)
INK_LEVEL = 70  # darkness (0-255) above which a pixel of the blank form counts as ink
INK_CONTRAST = 0.22  # a page pixel this much darker than its local paper level is ink
STREAK_SHARE = 0.96  # a column dark over this share of the page is a scanner streak, not the form
CONFIDENT_SCORE = 0.6  # a fit this good is the form the right way up (upside down it scores < 0.45)
PAPER_CLOSING, PAPER_BLUR = 9, 31  # 100-dpi pixels: ink narrower than the closing is not paper
PROFILE_FIT = "profile fit"
HOMOGRAPHY = "homography"


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
    method: str = PROFILE_FIT  # PROFILE_FIT (affine, numpy) or HOMOGRAPHY (register.py, OpenCV)
    # share of the form's HEAVY ink (what a bilevel fax keeps of the red form: bars, bold titles, the
    # line numbers) on page ink: high on a red form faxed to black and white, whose thin rules are gone
    core_coverage: float = 0.0
    # how many of the form's rule patches agree with the homography fitted to them (kept as the matrix
    # or not), and how many of those fall in the form's band (top, middle, bottom third) with fewest
    agreeing_patches: int = 0
    thinnest_band: int = 0

    def homography_for(self, template_dpi: float, left: float = 0.0, top: float = 0.0) -> np.ndarray:
        """The 3 x 3 map from output pixels (template at template_dpi, shifted by left/top) to input (page
        pixels), scaled so its last entry is 1."""
        factor = COARSE_DPI / template_dpi
        to_template = np.array([[factor, 0, left * factor], [0, factor, top * factor], [0, 0, 1.0]])
        h = self.matrix @ to_template
        return h / h[2, 2]

    def perspective_for(self, template_dpi: float, left: float = 0.0, top: float = 0.0) -> tuple[float, ...]:
        """PIL's PERSPECTIVE data: `homography_for`'s first eight entries."""
        return tuple(self.homography_for(template_dpi, left, top).ravel()[:8])


def darkness(image: Image.Image) -> np.ndarray:
    """0 (paper) .. 255 (ink) for any mode: the darkest channel, so red form ink counts as ink."""
    if image.mode in ("1", "L", "I;16", "I", "F"):
        return 255 - np.asarray(image.convert("L"), dtype=np.int16)
    rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    # channel by channel: numpy's min over a 3-wide last axis is ~20x slower
    return 255 - np.minimum(np.minimum(rgb[..., 0], rgb[..., 1]), rgb[..., 2]).astype(np.int16)


def page_ink(page: Image.Image, dpi: float, paper_of=None) -> np.ndarray:
    """Ink of the page at 100 dpi against its local paper level: the same rules on a clean scan, a
    faint grey copy, a shaded or colour-cast photo. Each 100-dpi pixel takes the darkest of the pixels
    it covers, so a hair-thin rule keeps its full darkness. Full-height streaks are not the form's.
    `paper_of`: another implementation of `paper_level` (register.py passes OpenCV's, 10x faster)."""
    level = darkest_level(page, dpi)
    paper = (paper_of or paper_level)(level)
    ink = level < paper * (1 - INK_CONTRAST)
    ink &= paper > 40  # a dark table around a photographed sheet is no ink
    streaks = ink.mean(axis=0) > STREAK_SHARE
    ink[:, streaks] = False
    return ink


def brightness(image: Image.Image) -> np.ndarray:
    """0 (ink) .. 255 (paper), uint8, for any mode: the darkest channel, so red form ink counts as ink."""
    if image.mode == "L":  # no converted copy of the page first
        return np.asarray(image, dtype=np.uint8)
    if image.mode in ("1", "I;16", "I", "F"):
        return np.asarray(image.convert("L"), dtype=np.uint8)
    # PIL's per-channel darker-of on the split bands: no copy of the whole RGB page into numpy (40% less CPU)
    red, green, blue = (image if image.mode == "RGB" else image.convert("RGB")).split()
    return np.asarray(ImageChops.darker(ImageChops.darker(red, green), blue), dtype=np.uint8)


def darkest_level(page: Image.Image, dpi: float) -> np.ndarray:
    """Brightness (0 ink .. 255 paper) at 100 dpi, each pixel the darkest of those it covers: the
    minimum over whole blocks of the page (strided passes over the full-resolution pixels), then resized."""
    level = brightness(page)
    block = max(1, int(dpi / COARSE_DPI))
    if block > 1:
        height, width = level.shape[0] // block, level.shape[1] // block
        rows = level[: height * block]
        level = rows[0::block].copy()
        for offset in range(1, block):
            np.minimum(level, rows[offset::block], out=level)
        cols = level[:, : width * block]
        level = cols[:, 0::block].copy()
        for offset in range(1, block):
            np.minimum(level, cols[:, offset::block], out=level)
    size = (max(1, round(page.width * COARSE_DPI / dpi)), max(1, round(page.height * COARSE_DPI / dpi)))
    if (level.shape[1], level.shape[0]) != size:
        level = np.asarray(Image.fromarray(level).resize(size, Image.Resampling.BOX))
    return level.astype(np.float32)


def paper_level(level: np.ndarray) -> np.ndarray:
    """The brightness of the paper around each pixel: a grey closing (ink removed) then a wide blur."""
    closed = _filter(_filter(level, PAPER_CLOSING, np.maximum), PAPER_CLOSING, np.minimum)
    return np.maximum(_box_blur(closed, PAPER_BLUR), 1.0)


def _filter(image: np.ndarray, size: int, reduce) -> np.ndarray:
    """A separable size x size max or min filter (np.maximum / np.minimum; edges repeated), by
    shifted slices: contiguous passes, several times faster than a reduction over a window view."""
    half = size // 2
    rows = np.pad(image, ((half, half), (0, 0)), mode="edge")
    out = rows[: image.shape[0]].copy()
    for shift in range(1, size):
        reduce(out, rows[shift : shift + image.shape[0]], out=out)
    cols = np.pad(out, ((0, 0), (half, half)), mode="edge")
    out = cols[:, : image.shape[1]].copy()
    for shift in range(1, size):
        reduce(out, cols[:, shift : shift + image.shape[1]], out=out)
    return out


def _box_blur(image: np.ndarray, size: int) -> np.ndarray:
    """Mean over a size x size window (edges repeated), by running sums."""
    half = size // 2
    rows = np.cumsum(np.pad(image, ((half + 1, half), (0, 0)), mode="edge"), axis=0, dtype=np.float64)
    image = rows[size:] - rows[:-size]
    cols = np.cumsum(np.pad(image, ((0, 0), (half + 1, half)), mode="edge"), axis=1)
    return ((cols[:, size:] - cols[:, :-size]) / (size * size)).astype(np.float32)


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

    # the row of every point at an angle, -x sin + y cos rounded, in two reused buffers: the same
    # numbers as the expression (a sign moved onto the sine is exact), without 4 temporaries per angle
    float_xs, float_ys = xs.astype(np.float64), ys.astype(np.float64)
    across, down = np.empty(len(xs)), np.empty(len(xs))

    def sharpness(angle: float) -> float:
        t = np.radians(angle)
        np.multiply(float_xs, -np.sin(t), out=across)
        np.multiply(float_ys, np.cos(t), out=down)
        np.add(across, down, out=across)
        rows = np.rint(across, out=across).astype(np.int64)
        rows -= rows.min()
        counts = np.bincount(rows)
        return float(np.dot(counts, counts))

    once = cache(sharpness)  # a finer pass's grid holds the coarser best and its neighbours: each angle once
    best = max(np.arange(-max_angle, max_angle + 1e-9, 0.5), key=once)
    best = max(np.arange(best - 0.5, best + 0.5 + 1e-9, 0.1), key=once)
    return float(max(np.arange(best - 0.1, best + 0.1 + 1e-9, 0.025), key=once))


def _fit_axis(scan: np.ndarray, template: np.ndarray, scales: np.ndarray) -> tuple[float, float, float]:
    """(scale, offset, score) with scan(s * t + o) ~ template(t): a coarse pass over `scales`, then
    a fine one around the best."""
    coarse = _fit_axis_scales(scan, template, scales)
    step = float(scales[1] - scales[0]) if len(scales) > 1 else 0.01
    return _fit_axis_scales(scan, template, np.arange(coarse[0] - step, coarse[0] + step + 1e-9, step / 8))


def _fit_axis_scales(scan: np.ndarray, template: np.ndarray, scales: np.ndarray) -> tuple[float, float, float]:
    """The best (scale, offset, score) among `scales`, by FFT cross-correlation per scale (every scale's
    resampled profile in one batch of FFTs: the same numbers as one FFT per scale, less Python per scale)."""
    length = 1 << int(np.ceil(np.log2(len(template) * 2 + len(scan))))
    template_fft = np.conj(np.fft.rfft(template, length))
    template_norm = np.linalg.norm(template)
    resampled = np.zeros((len(scales), length))
    norms = np.empty(len(scales))
    for row, profile in enumerate(_resampled_profiles(scan, scales, length)):
        resampled[row, : len(profile)] = profile
        norms[row] = math.sqrt(profile.dot(profile)) * template_norm  # np.linalg.norm's own sum, without its checks
    correlation = np.fft.irfft(np.fft.rfft(resampled, axis=1) * template_fft, length, axis=1)
    shifts = np.argmax(correlation, axis=1)
    peaks = correlation[np.arange(len(scales)), shifts]
    scores = np.divide(peaks, norms, out=np.zeros_like(peaks), where=norms != 0)
    if not len(scales) or scores.max() <= -1.0:
        return (1.0, 0.0, -1.0)
    best = int(np.argmax(scores))  # the first of equal scores, as a scan from the smallest scale keeps
    shift = int(shifts[best])
    offset_u = shift if shift < length // 2 else shift - length
    return (float(scales[best]), float(offset_u * scales[best]), float(scores[best]))


def _resampled_profiles(scan: np.ndarray, scales: np.ndarray, length: int) -> list[np.ndarray]:
    """The scan profile resampled onto the template's unit (u = y / s) at every scale, at most `length` long
    each: `np.interp(np.arange(int(len(scan) / scale)) * scale, positions, scan)` per scale, all interpolated
    in one call (each point's value depends on that point alone) instead of one call a scale."""
    counts = [min(int(len(scan) / scale), length) for scale in scales]
    if not counts:
        return []
    ends = np.cumsum(counts)
    steps = np.arange(int(ends[-1])) - np.repeat(ends - counts, counts)  # 0, 1, .. count - 1 for each scale
    points = steps * np.repeat(scales, counts)
    values = np.interp(points, np.arange(len(scan)), scan)
    return np.split(values, ends[:-1])


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


def fit_profiles(ink: np.ndarray, landscape: bool) -> tuple[np.ndarray, float, tuple[float, float], float, int]:
    """The profile fit of the page's 100-dpi ink: (3x3 template -> page matrix, angle, scale, score,
    quarter turns). Upright first; turned 180 degrees (a landscape page: 90 and 270) when unclear."""
    quarter = 1 if landscape else 0
    candidates = []
    for turns in (quarter, quarter + 2):
        turned = np.rot90(ink, k=turns) if turns else ink
        matrix, angle, scale, score = _register_ink(turned, np.arange(0.85, 1.15, 0.004))
        candidates.append((score, turns, matrix, angle, scale))
        if score >= CONFIDENT_SCORE:  # clearly the right way up: no need to try it upside down
            break
    score, turns, matrix, angle, scale = max(candidates, key=lambda c: c[0])
    # Express the fit in the original page's 100-dpi pixels.
    matrix = np.vstack([_unrotate(matrix, turns, ink.shape), [0.0, 0.0, 1.0]])
    return matrix, angle, scale, score, turns


def is_landscape(page: Image.Image) -> bool:
    """A landscape scan of the portrait form (a phone scanner's page, a sideways fax)."""
    return page.width > page.height * 1.2


def register_affine(page: Image.Image, dpi: float) -> Registration | None:
    """The profile fit alone (skew, scale and offset per axis, turned): no OpenCV. None when blank."""
    ink = page_ink(page, dpi)
    if ink.mean() < 0.002:
        return None
    matrix, angle, scale, score, turns = fit_profiles(ink, is_landscape(page))
    return Registration(
        np.diag([dpi / COARSE_DPI, dpi / COARSE_DPI, 1.0]) @ matrix,
        angle,
        scale,
        score,
        coverage(matrix, ink),
        upside_down=turns % 4 == 2,
        rotated_quarter=turns % 2,
        core_coverage=coverage(matrix, ink, template_core_points()),
    )


@cache
def template_ink_image() -> np.ndarray:
    ink = darkness(downscale(render_blank_form(300), 300, COARSE_DPI)) > INK_LEVEL
    return ink.astype(np.float32)


@cache
def _template_ink_points() -> np.ndarray:
    ys, xs = np.nonzero(template_ink_image())
    return np.vstack([xs, ys, np.ones_like(xs)]).astype(np.float64)


FAX_CUT = 0.6  # a harsh fax machine keeps only what is darker than 60% of the paper's brightness


@cache
def template_core_points() -> np.ndarray:
    """The blank form's ink that survives a bilevel fax of the red form: the sensor averages over its
    200-dpi pixel, the optics blur, the machine cuts at FAX_CUT. The heavy bars, bold titles and line
    numbers survive; the thin red rules do not."""
    from PIL import ImageFilter

    sensed = render_blank_form(300).convert("L").resize((1700, 2200), Image.Resampling.BOX)
    grey = np.asarray(sensed.filter(ImageFilter.GaussianBlur(0.6)), dtype=np.uint8)
    kept = Image.fromarray(np.where(grey < FAX_CUT * 255, 0, 255).astype(np.uint8))
    ys, xs = np.nonzero(darkness(downscale(kept, 200, COARSE_DPI)) > INK_LEVEL)
    return np.vstack([xs, ys, np.ones_like(xs)]).astype(np.float64)


_last_near: tuple[np.ndarray, np.ndarray] | None = None


def _near_ink(ink: np.ndarray) -> np.ndarray:
    """Page ink widened by one pixel; the last page's is kept (registration asks for the coverage of
    several fits of one page)."""
    global _last_near
    last = _last_near
    if last is not None and last[0] is ink:
        return last[1]
    near = ink | np.roll(ink, 1, 0) | np.roll(ink, -1, 0) | np.roll(ink, 1, 1) | np.roll(ink, -1, 1)
    _last_near = (ink, near)
    return near


def coverage(matrix: np.ndarray, ink: np.ndarray, points: np.ndarray | None = None) -> float:
    """Share of the blank form's ink pixels (or of `points`) that fall on (or next to) ink of the page."""
    near = _near_ink(ink)
    projected = matrix @ (_template_ink_points() if points is None else points)
    with np.errstate(divide="ignore", invalid="ignore"):
        xs, ys = projected[:2] / projected[2]
    if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(ys))):
        return 0.0
    xs, ys = np.round(xs).astype(np.int64), np.round(ys).astype(np.int64)
    inside = (xs >= 0) & (ys >= 0) & (xs < ink.shape[1]) & (ys < ink.shape[0])
    if not inside.any():
        return 0.0
    # near[ys, xs] as one look-up in the flat array: the same pixels, without the 2-D fancy index
    on_ink = np.count_nonzero(near.ravel().take(ys[inside] * ink.shape[1] + xs[inside]))
    return float(on_ink / len(xs))


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

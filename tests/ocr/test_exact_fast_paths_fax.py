"""The fax reader's cheaper paths (box cleaning, registration, glyph and code readers, Tesseract's TSV) give
exactly what the code they replaced gave: each is checked against that code, written out here."""

import math

import numpy as np
import pytest

from claims_intake.ocr import codes, digits, engine, print_offset, profile_fit, recognize, register


def _masks(rng, count=40):
    for _ in range(count):
        shape = tuple(int(n) for n in rng.integers(1, 70, 2))
        yield rng.random(shape) < rng.uniform(0.05, 0.9)


def test_four_neighbours_are_the_rolled_union():
    rng = np.random.default_rng(31)
    for ink in [*_masks(rng), np.ones((1, 1), bool), np.zeros((1, 9), bool), rng.random((9, 1)) < 0.5]:
        rolled = ink | np.roll(ink, 1, 0) | np.roll(ink, -1, 0) | np.roll(ink, 1, 1) | np.roll(ink, -1, 1)
        assert np.array_equal(recognize.with_four_neighbours(ink), rolled)


def test_rule_level_too_dark_to_tell_typing_means_no_typing_darker_than_the_rules():
    rng = np.random.default_rng(33)
    masks, window = recognize.form_masks(), (slice(1000, 1060), slice(300, 700))
    for _ in range(20):
        region = rng.integers(0, 256, (60, 400)).astype(np.uint8)
        for rule_level in (0.0, 20.0, recognize.FORM_LEVEL_GAP - 0.5):
            assert not recognize.level_can_tell(rule_level)
            assert not recognize._darker_than_rules(region, region < 128, masks, window, rule_level).any()


def test_marks_beside_characters_as_mark_by_mark():
    rng = np.random.default_rng(34)
    for _ in range(50):
        count = int(rng.integers(1, 30))
        stats = np.column_stack(
            [
                rng.integers(0, 500, count),
                rng.integers(0, 60, count),
                rng.integers(1, 40, count),
                rng.integers(1, 40, count),
            ]
        ).astype(np.int32)
        small, character = rng.random(count) < 0.5, float(rng.uniform(12, 40))
        left, top = stats[:, 0], stats[:, 1]
        right, bottom, big = left + stats[:, 2], top + stats[:, 3], ~small
        expected = np.zeros(count, dtype=bool)
        for index in np.nonzero(small)[0]:
            gap = np.maximum(left[big] - right[index], left[index] - right[big])
            level = (top[index] < bottom[big]) & (bottom[index] > top[big] - character / 2)
            expected[index] = bool(np.any((gap < character / 2) & level))
        assert np.array_equal(recognize._beside_characters(stats, small, character), expected)


def test_rule_shift_windows_are_sliding_windows():
    rng = np.random.default_rng(35)
    for _ in range(60):
        form = rng.integers(0, 40, int(rng.integers(20, 200))).astype(np.float32)
        margin = int(rng.integers(1, 8))
        page = rng.integers(0, 40, len(form) + 2 * margin).astype(np.float32)
        windows = np.lib.stride_tricks.sliding_window_view(page[: 2 * margin + len(form)], len(form))
        overlaps = np.minimum(form, windows).sum(axis=1).tolist()
        total, top = float(form.sum()), max(overlaps)
        expected = (
            0
            if total < 2 * recognize.RULE_MIN_LENGTH or top < recognize.MIN_SHIFT_EVIDENCE * total
            else min((s for s in range(-margin, margin + 1) if overlaps[s + margin] >= 0.97 * top), key=abs)
        )
        assert recognize._profile_shift(form, page, margin, 60) == expected


def test_resampled_profiles_are_one_interpolation_a_scale():
    rng = np.random.default_rng(36)
    scan = rng.random(900) * 50
    for scales, length in (
        (np.arange(0.85, 1.15, 0.004), 4096),
        (np.arange(0.95, 1.05, 0.0005), 700),
        (np.array([]), 64),
    ):
        profiles = profile_fit._resampled_profiles(scan, scales, length)
        assert len(profiles) == len(scales)
        for profile, scale in zip(profiles, scales, strict=True):
            expected = np.interp(np.arange(int(len(scan) / scale)) * scale, np.arange(len(scan)), scan)[:length]
            assert np.array_equal(profile, expected)
            assert math.sqrt(profile.dot(profile)) == np.linalg.norm(expected)


def test_log_levels_are_the_per_pixel_logarithm():
    levels = np.arange(256, dtype=np.uint8)
    expected = (np.log1p(levels.astype(np.float32)) * (255 / np.log(256))).astype(np.uint8)
    assert np.array_equal(register._log_levels(), expected)


def test_icd_spelling_scores_are_the_row_sums():
    rng = np.random.default_rng(37)
    for length, (_, columns) in codes.icd_spellings().items():
        index = columns.T
        for _ in range(5):
            logs = np.log(np.maximum(rng.random((length, len(codes.code_net().alphabet))) ** 4, codes.LOG_FLOOR))
            assert np.array_equal(codes.spelling_scores(logs, columns), logs[np.arange(length), index].sum(axis=1))


def test_the_cin_reads_the_same_from_each_distinct_division():
    piece = np.full((30, 130), 255, dtype=np.uint8)
    for left in [4 + 12 * i for i in range(8)] + [104]:
        piece[8:22, left : left + 8] = 0
    text = codes._inked_columns(codes.main_rows(codes.text_rows(piece)))
    every = [d for split in codes._letter_starts(text) if (d := codes._cin_at(text, split)) is not None]
    best = max(every, key=lambda division: division[0])
    kept = codes._best_cin_division(piece)
    assert len(codes._distinct_divisions(text)) < len(codes._letter_starts(text))
    assert kept[:3] == best[:3]
    assert all(np.array_equal(a[0], b[0]) and a[1:] == b[1:] for a, b in zip(kept[3], best[3], strict=True))


def test_glyph_features_are_the_separately_cut_ones():
    from PIL import Image

    def plain(text, x0, x1):
        width = text.shape[1]
        left = min(max(int(np.floor(x0)), 0), width - 1)
        part = text[:, left : min(max(int(np.ceil(x1)), left + 1), width)]
        ink_rows = np.nonzero((part < digits.INK).any(axis=1))[0]
        cut = part[max(ink_rows[0] - 1, 0) : ink_rows[-1] + 2] if len(ink_rows) else part
        image = Image.fromarray(cut.astype(np.uint8)).resize(digits.GLYPH_SIZE, Image.Resampling.BOX)
        bitmap = (1.0 - np.asarray(image, dtype=np.float32) / 255.0).ravel()
        ink = part < digits.INK
        rows, cols = np.nonzero(ink.any(axis=1))[0], np.nonzero(ink.any(axis=0))[0]
        height = text.shape[0]
        shape = [
            (cols[-1] - cols[0] + 1) / height if len(cols) else 0.0,
            (rows[-1] - rows[0] + 1) / height if len(rows) else 0.0,
            rows[0] / height if len(rows) else 0.0,
            float(ink.mean()),
        ]
        return np.concatenate([bitmap, np.asarray(shape, dtype=np.float32)])

    rng = np.random.default_rng(38)
    for _ in range(200):
        text = np.where(rng.random((int(rng.integers(6, 40)), int(rng.integers(3, 90)))) < 0.3, 0, 255).astype(np.uint8)
        x0 = float(rng.uniform(-2, text.shape[1]))
        x1 = x0 + float(rng.uniform(0, 20))
        assert np.array_equal(digits.glyph_features(text, x0, x1), plain(text, x0, x1))


@pytest.mark.parametrize("cell", ["0", "7", "42", "-1", "96.482391", "", "abc", "007", "1e3", "\u00b2", "9" * 20])
def test_tsv_numbers_parse_as_int_of_float(cell):
    try:
        expected = int(float(cell))
    except ValueError:
        expected = cell
    assert engine._number(cell) == expected


def test_cells_scores_for_one_row_are_that_row_of_the_grid():
    rng = np.random.default_rng(39)
    typing = rng.random((825, 638)) < 0.02
    boxes = print_offset._box_pixels(cells_only=True)
    grid, reach = print_offset._scores(typing, boxes)
    for dy in (-reach, -3, 0, 5, reach):
        row, _ = print_offset._scores(typing, boxes, row=dy)
        assert np.array_equal(row[0], grid[dy + reach])


def test_page_window_samples_the_page_as_pil_perspective_transform_does():
    """OpenCV's warp in place of PIL's: the same pixel centres and bilinear weights, the sample cut to a
    byte as PIL cuts it; OpenCV places a sample to 1/32 of a pixel, so a rare pixel is one grey level off."""
    from PIL import Image

    rng = np.random.default_rng(36)
    for _ in range(12):
        page = Image.fromarray(np.where(rng.random((330, 255)) < 0.3, 0, 255).astype(np.uint8))
        page = page.resize((int(rng.integers(200, 700)), int(rng.integers(150, 900))), Image.Resampling.BILINEAR)
        scale = np.diag([page.width / 255 * rng.uniform(0.95, 1.05), page.height / 330 * rng.uniform(0.95, 1.05), 1])
        tilt = np.array(
            [[1, rng.uniform(-0.03, 0.03), rng.uniform(-9, 9)], [rng.uniform(-0.03, 0.03), 1, 4], [0, 0, 1]]
        )
        tilt[2, :2] = rng.uniform(-2e-4, 2e-4, 2)
        registration = profile_fit.Registration(scale @ tilt, 0.0, (1.0, 1.0), 1.0, 1.0, upside_down=False)
        window = recognize.PageWindow(page, registration)
        left, top = int(rng.integers(-40, 200)), int(rng.integers(-40, 300))
        size = (int(rng.integers(1, 700)), int(rng.integers(1, 120)))
        data = registration.perspective_for(recognize.DPI, left, top)
        expected = np.asarray(
            page.transform(size, Image.Transform.PERSPECTIVE, data, Image.Resampling.BILINEAR, fillcolor=255)
        )
        sampled = window.region(left, top, left + size[0], top + size[1])
        assert sampled.dtype == np.uint8 and sampled.shape == expected.shape
        # where each output pixel's centre lands on the page: within a pixel of its edge PIL repeats the
        # edge pixel and OpenCV blends it with paper (a cleaned page's edge is paper: no reading changes)
        xs, ys = np.meshgrid(np.arange(size[0]) + 0.5, np.arange(size[1]) + 0.5)
        a, b, c, d, e, f, g, h = data
        at_x, at_y = (a * xs + b * ys + c) / (g * xs + h * ys + 1), (d * xs + e * ys + f) / (g * xs + h * ys + 1)
        inside = (at_x >= 1.5) & (at_x <= page.width - 1.5) & (at_y >= 1.5) & (at_y <= page.height - 1.5)
        outside = (at_x < -1) | (at_x > page.width + 1) | (at_y < -1) | (at_y > page.height + 1)
        difference = np.abs(sampled.astype(int) - expected.astype(int))[inside]
        assert inside.any() and difference.max() <= 1 and (difference > 0).mean() < 0.002
        assert (sampled[outside] == 255).all() and (expected[outside] == 255).all()

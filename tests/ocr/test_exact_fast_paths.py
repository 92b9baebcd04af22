"""The reader's faster paths give exactly what the slower ones gave (decode, 16-to-8-bit scaling, rule
runs, percentiles), and the file limits still apply before any pixel is decoded."""

import dataclasses
import io

import cv2
import numpy as np
import pytest
from PIL import Image

from claims_intake.errors import IntakeError
from claims_intake.limits import default_limits
from claims_intake.ocr.byte_percentile import byte_percentile
from claims_intake.ocr.normalise import eight_bit_values, normalise
from claims_intake.ocr.pages import image_pages
from claims_intake.ocr.recognize import in_runs_of, run_lengths


def _sixteen_bit_png(values: np.ndarray, dpi: int = 30) -> bytes:  # 255 x 330 px: a letter page
    buffer = io.BytesIO()
    Image.fromarray(values).save(buffer, "PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


def _page_values(rng, shape=(330, 255)) -> np.ndarray:
    values = rng.integers(0, 65536, shape, dtype=np.uint16)
    values[0, :4] = [0, 256, 257, 65535]  # the edges of the scaling
    return values


def test_every_16_bit_value_scales_as_the_integer_formula():
    values = np.arange(65536, dtype=np.uint16)
    expected = (values.astype(np.uint32) * 255 // 65535).astype(np.uint8)
    assert np.array_equal(eight_bit_values(values), expected)
    assert np.array_equal(eight_bit_values(values.astype(">u2")), expected)  # big-endian, as PIL's I;16B
    assert np.array_equal(eight_bit_values(values.astype(np.int32)), expected)


def test_a_16_bit_grey_png_decodes_straight_to_8_bits_with_pillows_pixels():
    rng = np.random.default_rng(11)
    values = _page_values(rng)
    data = _sixteen_bit_png(values)
    assert Image.open(io.BytesIO(data)).mode == "I;16"
    (page,) = image_pages(data, "deep.png", "png", default_limits())
    assert page.image.mode == "L"  # OpenCV's decode, already 8-bit
    assert round(page.dpi) == 30 and page.vertical_dpi is None
    pillow = np.asarray(Image.open(io.BytesIO(data)), dtype=np.uint32)  # Pillow's decode, scaled as before
    expected = (pillow * 255 // 65535).astype(np.uint8)
    assert np.array_equal(np.asarray(page.image), expected)
    image, dpi = normalise(page.image, page.dpi)
    assert np.array_equal(np.asarray(image), expected) and round(dpi) == 30


def test_8_bit_values_in_a_16_bit_png_are_kept():
    values = np.random.default_rng(12).integers(0, 256, (330, 255), dtype=np.uint16)
    (page,) = image_pages(_sixteen_bit_png(values), "low.png", "png", default_limits())
    assert np.array_equal(np.asarray(page.image), values.astype(np.uint8))


def test_the_pixel_limit_refuses_a_16_bit_png_before_opencv_decodes_it(monkeypatch):
    data = _sixteen_bit_png(_page_values(np.random.default_rng(13)))
    small = dataclasses.replace(default_limits(), max_image_pixels=330 * 255 - 1)

    def must_not_decode(*args, **kwargs):
        raise AssertionError("pixels decoded before the limit was checked")

    monkeypatch.setattr(cv2, "imdecode", must_not_decode)
    with pytest.raises(IntakeError) as error:
        list(image_pages(data, "deep.png", "png", small))
    assert error.value.code == "image_too_large"


def test_a_truncated_16_bit_png_is_reported_corrupt():
    data = _sixteen_bit_png(_page_values(np.random.default_rng(14)))
    with pytest.raises(IntakeError) as error:
        list(image_pages(data[: len(data) // 2], "cut.png", "png", default_limits()))
    assert error.value.code == "image_corrupt"


def test_a_16_bit_png_opencv_will_not_take_whole_is_left_to_pillow(monkeypatch):
    data = _sixteen_bit_png(_page_values(np.random.default_rng(15)))
    monkeypatch.setattr(cv2, "imdecode", lambda *args, **kwargs: None)
    (page,) = image_pages(data, "deep.png", "png", default_limits())
    assert page.image.mode == "I;16"  # Pillow's decode; normalise makes it 8-bit as before
    expected = (np.asarray(Image.open(io.BytesIO(data)), dtype=np.uint32) * 255 // 65535).astype(np.uint8)
    assert np.array_equal(np.asarray(normalise(page.image, page.dpi)[0]), expected)


@pytest.mark.parametrize("length", [1, 2, 5, 9, 12])
def test_long_runs_by_opening_match_run_lengths(length):
    rng = np.random.default_rng(length)
    for _ in range(40):
        shape = tuple(int(n) for n in rng.integers(1, 80, 2))
        dark = rng.random(shape) < rng.uniform(0.1, 0.95)
        assert np.array_equal(in_runs_of(dark, length, vertical=False), run_lengths(dark) >= length)
        assert np.array_equal(in_runs_of(dark, length, vertical=True), length <= run_lengths(dark.T).T)


def test_byte_percentile_matches_numpy():
    rng = np.random.default_rng(16)
    for size in (1, 2, 3, 10, 257, 5000):
        for values in (
            rng.integers(0, 256, size).astype(np.uint8),
            rng.integers(100, 103, size).astype(np.uint8),  # few levels: neighbouring ranks differ often
            np.clip(rng.normal(230, 30, size), 0, 255).astype(np.uint8),
        ):
            for q in (0, 0.1, 0.5, 5, 25, 50, 99.9, 100):
                assert byte_percentile(values, q) == float(np.percentile(values, q))


def test_skew_angle_is_the_one_the_plain_expression_finds():
    from claims_intake.ocr.profile_fit import _skew_angle

    def plain(ys, xs, max_angle=6.0):
        def sharpness(angle):
            t = np.radians(angle)
            rows = np.round(-xs * np.sin(t) + ys * np.cos(t)).astype(np.int64)
            counts = np.bincount(rows - rows.min())
            return float(np.dot(counts, counts))

        best = max(np.arange(-max_angle, max_angle + 1e-9, 0.5), key=sharpness)
        best = max(np.arange(best - 0.5, best + 0.5 + 1e-9, 0.1), key=sharpness)
        return float(max(np.arange(best - 0.1, best + 0.1 + 1e-9, 0.025), key=sharpness))

    rng = np.random.default_rng(17)
    for turn in (-4.3, -0.6, 0.0, 1.1, 5.2):
        xs = rng.integers(0, 850, 4000)
        ys = np.repeat(np.arange(40, 1040, 25), 100) + np.round(xs * np.tan(np.radians(turn))).astype(np.int64)
        assert _skew_angle(ys, xs) == plain(ys, xs)

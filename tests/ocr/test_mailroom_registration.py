"""Pages as a mailroom receives them are found and placed on the form (no OCR: registration only).

One tuning-split page per family; the bench measures the held-out split (bench/bench_ocr.py).
"""

import io

import numpy as np
import pytest
from PIL import Image

from claims_intake.limits import default_limits
from claims_intake.ocr import form_verdict, ocr_settings
from claims_intake.ocr.normalise import normalise
from claims_intake.ocr.pages import image_pages, pdf_pages
from claims_intake.ocr.register import register
from claims_intake_dev.testdata import mailroom

TUNING_SEED = mailroom.TUNING_SEEDS.start + 40


def _first_page(case):
    kind = {"tif": "tiff", "jpg": "jpeg"}.get(case.filename.rsplit(".", 1)[1], case.filename.rsplit(".", 1)[1])
    pages = (
        pdf_pages(case.data, case.filename, default_limits())
        if kind == "pdf"
        else image_pages(case.data, case.filename, kind, default_limits())
    )
    return next(iter(pages))


@pytest.mark.slow
@pytest.mark.parametrize("family", mailroom.FAMILIES)
def test_each_family_registers_as_the_form(family):
    case = mailroom.make_case(family, TUNING_SEED, lines=2)
    page = _first_page(case)
    image, dpi = normalise(page.image, page.dpi, page.vertical_dpi)
    registration = register(image, dpi)
    assert registration is not None
    assert form_verdict(registration, ocr_settings()) == "form", (registration.score, registration.coverage)
    # The form's top-left corner lands where the template says, within a few points.
    corner = registration.matrix @ np.array([0.0, 0.0, 1.0])
    assert corner[2] > 0


def test_fax_resolution_tags_give_square_pixels():
    frame = Image.new("1", (1728, 1078), 1)
    buffer = io.BytesIO()
    frame.save(buffer, "TIFF", compression="group3", dpi=(204, 98))
    page = next(iter(image_pages(buffer.getvalue(), "fax.tif", "tiff", default_limits())))
    assert (round(page.dpi), round(page.vertical_dpi)) == (204, 98)
    image, dpi = normalise(page.image, page.dpi, page.vertical_dpi)
    assert dpi == pytest.approx(204, abs=1)
    assert image.height == pytest.approx(1078 * 204 / 98, abs=2)


def test_16_bit_greyscale_keeps_its_ink():
    deep = np.full((1100, 850), 60000, dtype=np.uint16)
    deep[500:520, 100:700] = 2000  # a dark rule
    image, _ = normalise(Image.fromarray(deep), 100)
    pixels = np.asarray(image)
    assert image.mode == "L" and pixels[510, 400] < 20 and pixels[100, 100] > 200


def test_600_dpi_pages_are_read_at_300():
    image, dpi = normalise(Image.new("L", (5100, 6600), 255), 600)
    assert dpi == 300 and image.size == (2550, 3300)


def test_a_prepared_page_keeps_the_files_coarsest_resolution_for_the_calibration():
    from claims_intake.ocr.scan import prepare_page

    case = mailroom.make_case("fax_standard", TUNING_SEED, lines=1)
    prepared = prepare_page(_first_page(case), ocr_settings())
    assert prepared.registration is not None
    assert round(prepared.registration["resolution"]) == 98  # 204 x 98 dpi: the rows are the coarse side


def test_a_whole_number_reduction_averages_blocks_of_pixels():
    page = np.full((1200, 900), 255, dtype=np.uint8)
    page[600:603, 0:900] = 0  # a rule three pixels thick at 900 dpi: one pixel at 300
    image, dpi = normalise(Image.fromarray(page), 900)
    pixels = np.asarray(image)
    assert dpi == 300 and image.size == (300, 400)
    assert pixels[200, 150] == 0 and pixels[199, 150] == 255


def test_other_high_resolutions_are_resampled_to_300():
    image, dpi = normalise(Image.new("RGB", (4250, 5500), "white"), 500)
    assert dpi == 300 and image.size == (2550, 3300) and image.mode == "RGB"


def test_the_sheets_corners_are_found_under_a_shadow_over_a_third_of_the_sheet():
    import cv2

    from claims_intake.ocr import register as register_module
    from claims_intake.ocr.profile_fit import COARSE_DPI

    height, width = 500, 400
    corners = np.float32([[60, 40], [350, 60], [340, 470], [40, 450]])
    level = np.full((height, width), 70, np.float32)  # the table
    cv2.fillConvexPoly(level, corners.astype(np.int32), 210)  # the sheet
    ys, xs = np.mgrid[0:height, 0:width]
    level *= np.where(xs + ys < 330, 0.55, 1.0)  # the phone's shadow: sheet 115 there, table 38 (lit: 70)
    found = register_module._sheet_corner_fits(Image.fromarray(level.astype(np.uint8)))
    assert found, "no sheet"
    page_w, page_h = 8.5 * COARSE_DPI, 11 * COARSE_DPI
    letter = np.float32([[[0, 0], [page_w, 0], [page_w, page_h], [0, page_h]]])
    placed = cv2.perspectiveTransform(letter, found[0].astype(np.float32))[0]
    assert np.abs(placed - corners).max() < 6  # the shadowed corner too, not where the shadow's edge cuts the sheet

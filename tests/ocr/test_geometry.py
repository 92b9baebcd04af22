"""Registration geometry, normalisation and the drop-out steps that depend on them (no OCR)."""

import io
import json
import subprocess
import sys
import textwrap

import cv2
import numpy as np
import pytest
from PIL import Image

from claims_intake.limits import default_limits
from claims_intake.ocr import profile_fit, recognize, register
from claims_intake.ocr.normalise import eight_bit, normalise
from claims_intake.ocr.pages import image_pages, pdf_pages
from claims_intake_dev.testdata import mailroom

TUNING_SEED = mailroom.TUNING_SEEDS.start + 41


def _first_page(case):
    suffix = case.filename.rsplit(".", 1)[1]
    kind = {"tif": "tiff", "jpg": "jpeg"}.get(suffix, suffix)
    pages = (
        pdf_pages(case.data, case.filename, default_limits())
        if kind == "pdf"
        else image_pages(case.data, case.filename, kind, default_limits())
    )
    return next(iter(pages))


def test_staff_crops_register_without_opencv_and_say_which_fit(tmp_path):
    """The API function ships without OpenCV: its crops use the profile fit and say so; the OCR's
    registration refuses to import rather than silently falling back."""
    case = mailroom.make_case("deep16", TUNING_SEED, lines=1)
    scan = tmp_path / "scan.bin"
    scan.write_bytes(case.data)
    script = textwrap.dedent(
        f"""
        import json, sys
        sys.modules["cv2"] = None  # as in the zip function: no OpenCV
        from claims_intake.api.crops import cms1500_page
        page = cms1500_page(open({str(scan)!r}, "rb").read(), 1)
        try:
            import claims_intake.ocr.register
            ocr_registration = "imported"
        except ImportError:
            ocr_registration = "ImportError"
        print(json.dumps({{"registration": page.info.get("registration"), "size": page.size,
                          "ocr_registration": ocr_registration}}))
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    answer = json.loads(run.stdout.strip().splitlines()[-1])
    assert answer["registration"] == profile_fit.PROFILE_FIT
    assert answer["ocr_registration"] == "ImportError"
    assert answer["size"] == [2550, 3300]  # the template page at the scan's 300 dpi


def test_a_photo_is_registered_by_the_homography_and_says_so():
    case = mailroom.make_case("photo", TUNING_SEED, lines=1)
    page = _first_page(case)
    image, dpi = normalise(page.image, page.dpi, page.vertical_dpi)
    registration = register.register(image, dpi)
    assert registration is not None and registration.refined
    assert registration.method == profile_fit.HOMOGRAPHY
    assert registration.coverage > 0.9


def _outline_of(corners: np.ndarray, cut: list[list[int]]) -> np.ndarray:
    mask = np.zeros((1133, 850), dtype=np.uint8)
    cv2.fillConvexPoly(mask, corners.astype(np.int32), 255)
    cv2.fillConvexPoly(mask, np.array(cut, dtype=np.int32), 0)  # the corner in shadow
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return max(contours, key=cv2.contourArea)


def _nearest_candidate(outline: np.ndarray, corners: np.ndarray) -> float:
    candidates = [register._clockwise(quad) for quad in register._quadrilaterals(outline)]
    return min(float(np.abs(found - corners).max()) for found in candidates)


def test_the_sheet_corner_lost_in_shadow_is_found_where_its_sides_meet():
    corners = np.array([[120, 80], [700, 110], [760, 1050], [90, 1000]], dtype=np.float32)
    assert _nearest_candidate(_outline_of(corners, [[760, 1050], [700, 1050], [760, 980]]), corners) < 4


def test_a_shadow_cutting_more_than_a_side_of_the_sheet_leaves_its_corner_among_the_candidates():
    corners = np.array([[120, 80], [700, 110], [760, 1050], [90, 1000]], dtype=np.float32)
    # the cut runs from the right side's middle to the bottom side's left third: longer than the sides it leaves
    outline = _outline_of(corners, [[733, 600], [1000, 600], [1000, 1133], [300, 1133], [300, 1016]])
    assert _nearest_candidate(outline, corners) < 6


def test_numpy_paper_level_is_opencvs_inside_the_page():
    rng = np.random.default_rng(3)
    level = np.clip(200 + rng.normal(0, 20, (400, 300)), 0, 255).astype(np.float32)
    level[100:104, 20:280] = 40  # a rule: not paper
    numpy_paper, opencv_paper = profile_fit.paper_level(level), register._paper_level(level)
    inner = (slice(20, -20), slice(20, -20))  # the borders are extended differently
    assert np.abs(numpy_paper[inner] - opencv_paper[inner]).max() < 1e-3
    assert numpy_paper[102, 150] > 150  # the rule is taken out of the paper level


def test_darkest_level_keeps_a_hair_thin_rule_at_100_dpi():
    page = np.full((600, 510), 250, dtype=np.uint8)
    page[301, :] = 30  # one 300-dpi pixel thick
    level = profile_fit.darkest_level(Image.fromarray(page), 300)
    assert level.shape == (200, 170)
    assert level[100].max() == 30 and level[50].min() == 250


def test_16_bit_values_scale_to_8_bits_by_integer_maths():
    deep = np.array([[0, 257, 32768, 65535]], dtype=np.uint16)
    assert np.asarray(eight_bit(Image.fromarray(deep))).tolist() == [[0, 1, 127, 255]]
    low = np.array([[0, 100, 255]], dtype=np.uint16)  # 8-bit values in a 16-bit container stay as they are
    assert np.asarray(eight_bit(Image.fromarray(low))).tolist() == [[0, 100, 255]]


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_48_bit_colour_pages_open_as_colour(suffix):
    deep = np.full((1100, 850, 3), 60000, dtype=np.uint16)
    deep[500:505, 100:700] = (60000, 8000, 8000)  # a red rule (OpenCV's channel order is BGR)
    ok, encoded = cv2.imencode(suffix, deep)
    assert ok
    page = next(iter(image_pages(encoded.tobytes(), "page" + suffix, suffix.strip("."), default_limits())))
    image, _ = normalise(page.image, page.dpi, page.vertical_dpi)
    assert image.mode == "RGB"
    assert image.getpixel((400, 502))[2] > 200 and image.getpixel((400, 502))[0] < 50  # still red (B, G, R)


def test_generator_makes_48_bit_colour_and_rotate_180_pages():
    colour = [
        seed
        for seed in range(TUNING_SEED, TUNING_SEED + 12)
        if Image.open(io.BytesIO(mailroom.make_case("deep16", seed, lines=1).data)).mode == "RGB"
    ]
    assert colour, "no 48-bit colour page among 12 deep16 seeds"
    turned = [
        seed
        for seed in range(TUNING_SEED, TUNING_SEED + 40)
        if b"/Rotate 180" in mailroom.make_case("rotated_pdf", seed, lines=1).data
    ]
    assert turned, "no /Rotate 180 page among 40 rotated_pdf seeds"
    case = mailroom.make_case("rotated_pdf", turned[0], lines=1)
    page = _first_page(case)
    image, dpi = normalise(page.image, page.dpi, page.vertical_dpi)
    registration = register.register(image, dpi)
    assert registration is not None and not registration.upside_down and registration.score > 0.6


def _money_region(digit_left_pt: float) -> tuple[np.ndarray, list, int]:
    """The ch1 money box as a clean region: two dollar digits, the last starting `digit_left_pt`
    from the dollars/cents rule, and two cents digits after a space."""
    boxes = recognize.reading_boxes()
    dollars, cents = boxes["ch1" + recognize.DOLLARS], boxes["ch1" + recognize.CENTS]
    scale, pad = recognize.SCALE, recognize.PAD_CELL_PT
    left, top = int((dollars.rect[0] - pad) * scale), int((dollars.rect[1] - 2.5) * scale)
    right, bottom = int((cents.rect[2] + pad) * scale), int((dollars.rect[3] + 2.5) * scale)
    region = np.full((bottom - top, right - left), 255, dtype=np.uint8)
    rule = dollars.rect[2]

    def digit(at_pt: float) -> None:
        x = int(at_pt * scale) - left
        region[8:36, x : x + 16] = 0

    digit(rule + digit_left_pt - 6.0)
    digit(rule + digit_left_pt)  # the last dollar digit, 4 pt wide
    digit(rule + digit_left_pt + 7.0)  # cents after a 3-pt space
    digit(rule + digit_left_pt + 11.0)
    return region, [dollars, cents], left


def test_a_dollar_digit_printed_across_the_rule_stays_in_the_dollars():
    region, members, left = _money_region(digit_left_pt=-1.5)  # the digit straddles the rule
    dollars, cents = recognize.split_money_at_gap(region, members, left, recognize.PAD_CELL_PT, speckled=False)
    rule, pad, digit_width = members[0].rect[2], recognize.PAD_CELL_PT, 16 / recognize.SCALE
    split = dollars.rect[2] + pad
    assert split == pytest.approx(cents.rect[0] - pad)
    assert rule - 1.5 + digit_width < split < rule + 5.5, "between the straddling digit and the cents"


def test_money_cells_divide_at_the_rule_when_the_amount_is_clear_of_it():
    region, members, left = _money_region(digit_left_pt=-6.0)  # dollars end 2 pt before the rule
    dollars, _cents = recognize.split_money_at_gap(region, members, left, recognize.PAD_CELL_PT, speckled=False)
    rule = members[0].rect[2]
    assert rule - 2.5 < dollars.rect[2] + recognize.PAD_CELL_PT < rule + 1.5


def _grey_box_with_digit(typed: int) -> tuple[np.ndarray, tuple[slice, slice], int]:
    """Box 24F line 1 of the blank red form as a grey scan sees it, with a `typed`-dark bar (a digit's
    stroke) drawn across its dollars/cents rule."""
    blank = np.asarray(recognize.render_blank_form(recognize.DPI).convert("L"), dtype=np.uint8)
    box = recognize.reading_boxes()["ch1"]
    scale = recognize.SCALE
    top, bottom = int((box.rect[1] - 2.5) * scale), int((box.rect[3] + 2.5) * scale)
    left, right = int((box.rect[0] - 1) * scale), int((box.rect[2] + 1) * scale)
    region = blank[top:bottom, left:right].copy()
    rule_x = int(box.cents_rule_x * scale) - left
    region[15:30, rule_x - 1 : rule_x + 3] = typed  # a vertical stroke on the rule: its run is rule-thin
    region[10:34, rule_x - 30 : rule_x - 26] = typed  # other typing in the box (off the form's ink)
    return region, (slice(top, bottom), slice(left, right)), rule_x


def test_typing_darker_than_the_red_forms_rules_survives_their_erasure():
    region, window, rule_x = _grey_box_with_digit(typed=10)
    rule_level = float(np.percentile(region[:, rule_x][region[:, rule_x] < 200], 50))
    assert rule_level > 60, "the red form's rule is mid grey in a grey scan"
    cleaned = recognize.erase_form(region, window, rule_level=rule_level)
    assert (cleaned[15:30, rule_x] < 60).all(), "the stroke on the rule is kept"
    above = cleaned[2:12, rule_x]
    assert (above > 200).all(), "the rule itself is erased"


def test_on_a_black_printed_form_rules_are_erased_as_before():
    region, window, _rule_x = _grey_box_with_digit(typed=10)
    black = np.where(region < 200, 10, region).astype(np.uint8)  # the form printed as dark as the typing
    assert (recognize.erase_form(black, window, rule_level=10.0) == recognize.erase_form(black, window)).all()

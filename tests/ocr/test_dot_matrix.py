"""Dot-matrix print: a page whose type is made of separate dots is found once, and its boxes' dots are
joined before reading; solid print is left as it is. The generated pages are TUNING seeds."""

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from claims_intake.ocr import dots
from claims_intake.ocr.recognize import Slot, _as_read, _drop_marks


def _region(text: str, size: int = 40, width: int = 900) -> np.ndarray:
    image = Image.new("L", (width, 60), 255)
    ImageDraw.Draw(image).text((10, 8), text, fill=0, font=ImageFont.load_default(size=size))
    return np.asarray(image).copy()


def _dotted(region: np.ndarray, pitch: int = 3) -> np.ndarray:
    """As a 9-pin printer at this pitch: a light row and column of gaps through every dark stroke."""
    out = region.copy()
    ys, xs = np.mgrid[0 : region.shape[0], 0 : region.shape[1]]
    holes = (region < 110) & ((ys % pitch == 0) | (xs % pitch == 0))
    out[holes] = 255
    return out


TEXTS = ("RODRIGUEZ, DARNELL R", "1737721983", "07 18 26 99213", "EUREKA CA 95501")


def test_dotted_print_is_found_and_solid_print_is_not():
    solid = [_region(text) for text in TEXTS]
    assert not dots.dotted(solid)
    assert dots.dotted([_dotted(region) for region in solid])


def test_joining_gives_the_dots_back_their_strokes():
    solid = _region("1737721983")
    dotted = _dotted(solid)
    joined = dots.joined(dotted)
    ink, dotted_ink, joined_ink = solid < 150, dotted < 150, joined < 150
    # the dots were separate marks; joined, each digit is whole again
    assert dots.merged_marks(dotted)[1] > 5 * 10
    assert abs(int(joined_ink.sum()) - int(ink.sum())) < 0.15 * ink.sum() < int(ink.sum() - dotted_ink.sum())
    assert (joined_ink & ~ink).sum() < 0.1 * ink.sum()  # nothing much added outside the strokes


def test_a_page_with_little_ink_is_not_judged():
    assert not dots.dotted([_dotted(_region("7", width=60))])


def _lone_dots_and_a_speck() -> np.ndarray:
    """A solid '1', a '1' of which a fax kept only single dots two pitches apart, and a speck far off."""
    ink = np.zeros((40, 200), dtype=bool)
    ink[8:32, 20:22] = True
    for row in range(8, 32, 6):
        ink[row : row + 2, 60:62] = True  # 4 px between dots: more than the solid grouping's 2 px
    ink[4:6, 150:152] = True
    return ink


def test_a_dotted_page_keeps_a_character_s_lone_dots_and_still_drops_specks():
    ink = _lone_dots_and_a_speck()
    kept = _drop_marks(ink, cells=True, dotted=True)
    assert kept[8:32, 60:62].sum() == ink[8:32, 60:62].sum()  # every dot of the faint '1' stays
    assert not kept[4:6, 150:152].any()
    solid = _drop_marks(ink, cells=True)
    assert not solid[8:32, 60:62].any()  # on solid print such dots are specks: that grouping is as it was


def _slot(image: Image.Image, dotted: bool, fax: bool) -> Slot:
    return Slot(image, [("pin", float("-inf"), float("inf"))], {}, dotted=dotted, fax=fax)


def _grown(ink: np.ndarray, size: int) -> np.ndarray:
    import cv2

    return cv2.dilate(ink.astype(np.uint8), np.ones((size, size), np.uint8)).astype(bool)


def test_tesseract_reads_a_dotted_fax_crop_thickened_and_the_crop_stays_as_cut():
    image = Image.fromarray(_dotted(_region("1737721983")))
    slot = _slot(image, dotted=True, fax=True)
    read, cut = np.asarray(_as_read(slot)), np.asarray(image)
    assert slot.image is image  # the fax digit and code readers read the crop as it was cut
    assert (read < 150).sum() > 1.3 * (cut < 150).sum()  # the strokes are wider ...
    assert not ((read < 150) & ~_grown(cut < 150, 5)).any()  # ... and nothing is drawn away from them
    assert read.min() < 60  # still dark ink, not a grey haze


@pytest.mark.parametrize(("dotted", "fax"), [(True, False), (False, True), (False, False)])
def test_other_crops_go_to_tesseract_as_cut(dotted, fax):
    # a dotted grey page (a 200-dpi PDF, a copy) reads worse thickened: its dots are whole enough
    image = Image.fromarray(_dotted(_region("1737721983")))
    assert _as_read(_slot(image, dotted, fax)) is image


@pytest.mark.slow
@pytest.mark.parametrize(("family", "seed", "dotted"), [("fax200", 5014, True), ("fax200", 5002, False)])
def test_a_faxed_dot_matrix_page_is_found(family, seed, dotted):
    from claims_intake.limits import default_limits
    from claims_intake.ocr.normalise import normalise
    from claims_intake.ocr.pages import image_pages
    from claims_intake.ocr.recognize import PageWindow, box_regions, drop_out_source
    from claims_intake.ocr.register import register
    from claims_intake_dev.testdata import mailroom

    case = mailroom.make_case(family, seed)
    page = next(image_pages(case.data, case.filename, "tiff", default_limits()))
    image, dpi = normalise(page.image, page.dpi, page.vertical_dpi)
    registration = register(image, dpi)
    source, color = drop_out_source(image)
    regions = box_regions(PageWindow(source, registration), color)
    assert dots.dotted([box.region for box in regions]) is dotted


def test_training_knows_each_generated_page_s_print_style():
    from claims_intake_dev.digit_training import print_style

    styles = [print_style("fax200", seed) for seed in range(20_000, 22_000)]
    assert set(styles) == {"dots", "Helv", "Cour", "TiRo"}
    assert 0.12 < styles.count("dots") / len(styles) < 0.18  # the generator prints 15% of pages in dots


def test_dot_matrix_glyphs_can_be_weighted_up():
    from claims_intake_dev.digit_training import weighted

    features = np.arange(8, dtype=np.float32).reshape(4, 2)
    labels = np.array([1, 2, 3, 4])
    styles = np.array(["dots", "Helv", "dots", "TiRo"])
    same_features, same_labels = weighted(features, labels, styles, 1)
    assert (same_labels == labels).all() and len(same_features) == 4
    more_features, more_labels = weighted(features, labels, styles, 3)
    assert sorted(more_labels.tolist()) == [1, 1, 1, 2, 3, 3, 3, 4]
    assert len(more_features) == 8


@pytest.mark.slow
@pytest.mark.parametrize(("family", "seed", "dotted"), [("fax200", 5014, True), ("fax200", 5002, False)])
def test_a_prepared_page_tells_the_calibration_its_print_was_dotted(family, seed, dotted):
    from claims_intake.limits import default_limits
    from claims_intake.ocr.pages import image_pages
    from claims_intake.ocr.scan import ocr_settings, prepare_page
    from claims_intake_dev.testdata import mailroom

    case = mailroom.make_case(family, seed)
    prepared = prepare_page(next(image_pages(case.data, case.filename, "tiff", default_limits())), ocr_settings())
    assert prepared.registration["solid_print"] == (0.0 if dotted else 1.0)
    assert prepared.fax and all(slot.fax for slot in prepared.slots)  # Tesseract reads its dotted crops thickened


def _printed_in_dots(page: np.ndarray) -> np.ndarray:
    from claims_intake_dev.testdata.mailroom import _dot_matrix

    return np.asarray(_dot_matrix(Image.fromarray(np.repeat(page[..., None], 3, axis=2)), 300)).max(axis=2) < 110


def test_the_generator_prints_a_thin_stroke_as_whole_dots():
    # A pin prints its dot wherever the glyph crosses its cell: a stroke one pixel wide, running down a
    # column the grid leaves blank between dots, must not vanish (no printer has a pin that small).
    page = np.full((60, 60), 255, np.uint8)
    page[12:48, 30] = 0
    ink = _printed_in_dots(page)
    assert ink[12:48].any(axis=1).mean() >= 0.6  # a dot every pitch down the stroke
    assert not ink[:, :30].any() and not ink[:, 33:].any()  # each within the stroke's own cells
    pitch_blocks = ink[12:48, 30:33].reshape(12, 3, 3)
    assert all(block.sum() in (0, 4) for block in pitch_blocks)  # whole 2 x 2 dots, as a solid glyph's


def test_the_generator_s_dots_leave_a_solid_glyph_its_grid_of_gaps():
    page = np.full((60, 60), 255, np.uint8)
    page[13:47, 16:44] = 0  # edges off the grid: its cells there are partly black
    ink = _printed_in_dots(page)
    assert abs(ink[13:47, 16:44].mean() - 4 / 9) < 0.05  # 2 x 2 dots on a 3-pixel grid: a dot-matrix print's gaps
    assert ink.sum() == ink[13:47, 16:44].sum()  # and a wide glyph is not made bolder


@pytest.mark.parametrize("dotted", [True, False])
def test_a_dotted_grey_page_s_digit_cells_get_the_glyph_reader_s_second_opinion(monkeypatch, dotted):
    # Tesseract is as sure of a dotted '9' read '8' as of a solid one; the fax digit reader learnt dotted
    # glyphs, so on a dotted page of any kind it reads the digit cells again (agreeing, or for staff).
    from claims_intake.ocr import scan

    seen = []
    monkeypatch.setattr(scan, "second_reading", lambda slots, readings: seen.append(slots) or readings)
    slot = _slot(Image.new("L", (40, 20), 255), dotted=dotted, fax=False)
    scan.second_readings(scan.PreparedPage(1, [slot], [], {}, fax=False), {})
    assert seen == ([[slot]] if dotted else [])

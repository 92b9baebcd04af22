"""Bilevel and low-contrast pages: rule remnants and specks dropped, digit boxes read as digits, a
red form faxed to black and white still found. One tuning-split page per slow test; the bench
measures the held-out split (bench/bench_ocr.py)."""

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from claims_intake.cms1500.template import Box
from claims_intake.ocr import form_verdict, ocr_settings, recognize
from claims_intake.ocr.recognize import Slot, _drop_marks, _ink_band, _ink_crop, read_pages, reading_groups
from claims_intake.ocr.register import Registration
from claims_intake_dev.testdata import mailroom


def _ink_of(text: str, size: int = 28, width: int = 400) -> np.ndarray:
    image = Image.new("L", (width, 50), 255)
    ImageDraw.Draw(image).text((10, 8), text, fill=0, font=ImageFont.load_default(size=size))
    return np.asarray(image) < 150


def test_specks_and_rule_remnants_between_cells_are_dropped():
    ink = _ink_of("07 18 26")
    marked = ink.copy()
    marked[20:23, 150:152] = True  # a dotted rule's remnant between two cells
    marked[5:7, 300:302] = True  # a fax speck
    kept = _drop_marks(marked, cells=True)
    assert not kept[20:23, 150:152].any() and not kept[5:7, 300:302].any()
    assert (kept == ink).all()  # every stroke of the digits stays


def test_a_hyphen_inside_a_free_text_word_is_kept():
    ink = _ink_of("CS-2026-00954")
    assert (_drop_marks(ink, cells=False) == ink).all()


def _region_of(text: str, width: int = 600) -> np.ndarray:
    return np.where(_ink_of(text, width=width), 0, 255).astype(np.uint8)


def test_a_bar_the_box_took_in_is_not_its_line_of_text():
    region = np.vstack([np.zeros((6, 600), np.uint8), np.full((10, 600), 255, np.uint8), _region_of("76595330N")])
    _, first, last = _ink_band(region, speckled=True)
    assert first >= 16 and last - first >= 12  # the digits' rows, not the bar's


def test_a_box_holding_only_a_rule_holds_no_line_of_text():
    region = np.full((40, 600), 255, np.uint8)
    region[18:21, :] = 0
    assert _ink_band(region, speckled=True) is None and _ink_crop(region, speckled=False, free_text=True) is None


def test_a_thin_mark_far_right_of_a_name_is_not_read_with_it():
    region = _region_of("VALLEY RESPITE CENTER")
    text_width = _ink_crop(region, speckled=False, free_text=True)[0].width
    marked = region.copy()
    marked[10:40, 520:523] = 0  # the end of the next box's parenthesis
    assert _ink_crop(marked, speckled=False, free_text=True)[0].width == text_width
    assert _ink_crop(marked, speckled=False)[0].width > text_width  # a cell keeps all its marks


def test_the_dashes_a_rule_left_far_right_of_an_identifier_are_not_read_with_it():
    region = _region_of("TAR204896013")
    text_width = _ink_crop(region, speckled=False, free_text=True)[0].width
    marked = region.copy()
    for left in (420, 470, 500):  # a rule's remnants, wider than a character's stroke and flat, some close together
        marked[36:39, left : left + 22] = 0
    assert _ink_crop(marked, speckled=False, free_text=True)[0].width == text_width


def test_a_word_far_right_of_a_name_is_kept():
    region = _region_of("SMITH         APT 4")
    whole = _ink_crop(region, speckled=False)[0].width
    assert _ink_crop(region, speckled=False, free_text=True)[0].width == whole


def test_a_name_ending_in_an_initial_keeps_it():
    region = _region_of("SMITH, JOHN A")
    whole = _ink_crop(region, speckled=False)[0].width
    assert _ink_crop(region, speckled=False, free_text=True)[0].width == whole


def test_dot_matrix_dots_join_into_their_character():
    ink = _ink_of("8", size=40, width=80)
    dotted = ink.copy()
    dotted[::3, :] = False  # a 9-pin printer's gaps between its dot rows
    assert _drop_marks(dotted, cells=True).sum() == dotted.sum()


def test_service_line_dates_and_codes_are_read_as_separate_lines():
    groups = {group[0]: group for group in reading_groups()}
    dates, codes = groups["sv1_mm_from"], groups["type1"]
    assert "place1" in dates and "cpt1" not in dates
    assert {"cpt1", "mod1", "diag1"} <= set(codes) and "day1" in dates


def _slot(text: str, members: list[tuple[str, float, float]]) -> Slot:
    image = Image.new("L", (320, 40), 255)
    ImageDraw.Draw(image).text((4, 4), text, fill=0, font=ImageFont.load_default(size=26))
    return Slot(image, members, {})


def test_digit_only_boxes_keep_their_word_gaps_and_read_no_letters():
    dates = _slot("07 18 26", [("sv1_mm_from", 0, 38), ("sv1_dd_from", 38, 80), ("sv1_yy_from", 80, 320)])
    code = _slot("G9008 U1", [("cpt1", 0, 88), ("mod1", 88, 320)])
    assert dates.digits_only and not code.digits_only
    readings = read_pages([[dates, code]])[0]
    assert readings["sv1_mm_from"].text == "07" and readings["sv1_yy_from"].text == "26"
    assert readings["cpt1"].text.startswith("G") and readings["mod1"].text.startswith("U")  # letters allowed there


def _registration(score: float, coverage: float, core: float) -> Registration:
    return Registration(np.eye(3), 0.0, (1.0, 1.0), score, coverage, False, core_coverage=core)


def test_a_red_form_faxed_to_black_and_white_is_judged_on_its_heavy_ink():
    settings = ocr_settings()
    # thin red rules lost: the whole form's coverage is low, its heavy ink is all there
    assert form_verdict(_registration(0.39, 0.48, 0.80), settings) == "form"
    # a ruled invoice or the form's back page: neither the rules nor the heavy ink line up
    assert form_verdict(_registration(0.29, 0.43, 0.45), settings) != "form"
    assert form_verdict(_registration(0.30, 0.31, 0.80), settings) != "form"  # heavy ink alone, no profile fit


@pytest.mark.slow
def test_a_faxed_red_form_registers_as_the_form():
    from claims_intake.limits import default_limits
    from claims_intake.ocr.normalise import normalise
    from claims_intake.ocr.pages import image_pages
    from claims_intake.ocr.register import register

    case = mailroom.make_case("fax200", mailroom.TUNING_SEEDS.start + 206)  # red form (not black), 200 dpi
    page = next(iter(image_pages(case.data, case.filename, "tiff", default_limits())))
    image, dpi = normalise(page.image, page.dpi, page.vertical_dpi)
    registration = register(image, dpi)
    assert registration.coverage < ocr_settings()["min_refined_coverage"]  # the thin rules are gone
    assert form_verdict(registration, ocr_settings()) == "form"


def test_a_money_box_read_whole_takes_its_last_two_digits_as_cents():
    from claims_intake.cms1500.mapping import Reading
    from claims_intake.ocr.recognize import _split_cents

    slot = Slot(Image.new("L", (10, 10), 255), [("ch1", float("-inf"), float("inf"))], {"ch1": True})
    for read in ("21675", "216 75", "2167 5", "21 675"):
        assert _split_cents({"ch1": Reading(read, 0.9)}, [slot])["ch1"].text == "216 75"
    no_cents = Slot(slot.image, slot.members, {"ch1": False})
    assert _split_cents({"ch1": Reading("216", 0.9)}, [no_cents])["ch1"].text == "216"


def test_the_dollars_cents_rule_is_erased_but_a_digit_across_it_keeps_its_strokes(monkeypatch):
    from claims_intake.cms1500.template import Box
    from claims_intake.ocr import recognize

    monkeypatch.setattr(recognize, "erase_form", lambda region, window, **_: region.copy())
    region = np.full((64, 200), 255, dtype=np.uint8)
    region[:, 100:102] = 0  # the printed rule, the box's full height
    region[20:45, 98:104] = 0  # a digit's stroke printed across the rule ('216|75')
    region[20:24, 88:98] = 0  # ... and its top bar, reaching the rule from the dollars side
    box = Box("ch1", (0.0, 0.0, 48.0, 15.0), None, 100 / recognize.SCALE)
    cleaned = recognize.money_region(region, (slice(0, 64), slice(0, 200)), box.cents_rule_x, 0)
    assert (cleaned[20:45, 98:104] == 0).all()  # the digit whole, the rule's columns inside it too
    assert (cleaned[:18, 100:102] == 255).all() and (cleaned[47:, 100:102] == 255).all()  # the rule gone


def test_a_digit_stroke_alone_near_the_rule_is_not_taken_for_the_rule(monkeypatch):
    from claims_intake.cms1500.template import Box
    from claims_intake.ocr import recognize

    monkeypatch.setattr(recognize, "erase_form", lambda region, window, **_: region.copy())
    region = np.full((64, 200), 255, dtype=np.uint8)
    region[18:46, 99:102] = 0  # the right side of an '8' where a faint fax lost the rule
    box = Box("ch1", (0.0, 0.0, 48.0, 15.0), None, 100 / recognize.SCALE)
    cleaned = recognize.money_region(region, (slice(0, 64), slice(0, 200)), box.cents_rule_x, 0)
    assert (cleaned == region).all()


def test_typing_darker_than_the_rules_keeps_its_stroke_on_the_dollars_cents_rule(monkeypatch):
    from claims_intake.cms1500.template import Box
    from claims_intake.ocr import recognize

    monkeypatch.setattr(recognize, "erase_form", lambda region, window, **_: region.copy())
    region = np.full((64, 200), 255, dtype=np.uint8)
    region[:, 100:102] = 120  # a grey copy's rule, the box's full height
    region[20:45, 80:92] = 0  # the last dollar digit, black
    region[20:45, 100:102] = 0  # the cents' first stroke printed on the rule, nothing beside it
    box = Box("ch1", (0.0, 0.0, 48.0, 15.0), None, 100 / recognize.SCALE)
    window = (slice(0, 64), slice(0, 200))
    cleaned = recognize.money_region(region, window, box.cents_rule_x, 0, rule_level=120.0)
    assert (cleaned[20:45, 100:102] == 0).all()  # the stroke kept
    assert (cleaned[:18, 100:102] == 255).all()  # the rule above it gone
    blind = recognize.money_region(region, window, box.cents_rule_x, 0)
    assert (blind[20:45, 100:102] == 255).all()  # without the rules' level the stroke went with the rule


def test_colour_drop_out_takes_the_forms_dark_reds_and_keeps_black_typing():
    from claims_intake.ocr.recognize import _without_dark_red

    rgb = np.full((10, 30, 3), 255, np.uint8)
    rgb[:, 0:10] = (128, 0, 0)  # a widget's maroon border
    rgb[:, 10:20] = (230, 40, 40)  # the form's red
    rgb[:, 20:30] = (40, 30, 30)  # black typing, a warm cast
    red = np.asarray(_without_dark_red(Image.fromarray(rgb)))
    assert (red[:, 0:20] >= 230).all() and (red[:, 20:30] == 40).all()


def _two_cells() -> tuple[np.ndarray, list]:
    """A region (template pixels) holding two date cells side by side, 'MM' and 'DD', left at column 0."""
    region = np.full((64, 200), 255, np.uint8)
    region[20:44, 12:22] = region[20:44, 26:36] = 0  # the first cell's two digits
    region[20:44, 112:122] = region[20:44, 126:136] = 0  # the second's
    scale = recognize.SCALE
    boxes = [
        Box("sv1_mm_from", (5 / scale, 0, 95 / scale, 64 / scale)),
        Box("sv1_dd_from", (105 / scale, 0, 195 / scale, 64 / scale)),
    ]
    return region, boxes


def test_a_sliver_of_a_divider_in_a_cells_padding_is_no_part_of_it():
    region, boxes = _two_cells()
    plain = recognize._group_slot(region, boxes, 0, recognize.PAD_CELL_PT, speckled=True)
    slivered = region.copy()
    slivered[16:48, 97:100] = 0  # what the erase left of the dotted divider between the cells, in their padding
    cut = recognize._group_slot(slivered, boxes, 0, recognize.PAD_CELL_PT, speckled=True)
    assert [m[2] - m[1] for m in cut.members] == [m[2] - m[1] for m in plain.members]
    # a character reaching over the cell's edge keeps the part in the padding
    reaching = region.copy()
    reaching[20:44, 90:100] = 0
    wide = recognize._group_slot(reaching, boxes, 0, recognize.PAD_CELL_PT, speckled=True)
    assert wide.members[0][2] - wide.members[0][1] > plain.members[0][2] - plain.members[0][1]


def test_a_rule_left_across_a_line_of_cells_is_not_its_text():
    region, boxes = _two_cells()
    ruled = region.copy()
    ruled[:, 60:62] = 0  # a vertical rule the erase left, inside the first cell, the region's full height
    cut = recognize._group_slot(ruled, boxes, 0, recognize.PAD_CELL_PT, speckled=True)
    plain = recognize._group_slot(region, boxes, 0, recognize.PAD_CELL_PT, speckled=True)
    assert cut.image.size == plain.image.size  # the band is the digits' rows, the piece the digits' columns


def test_a_digit_box_is_cut_to_its_digits_not_to_a_rule_left_in_its_padding():
    region = _region_of("1234567893", width=400)
    plain = _ink_crop(region, speckled=True, inner=(5, 380))[0].width
    ruled = region.copy()
    ruled[12:44, 388:390] = 0  # the box's dashed right border, a few pixels off the template's
    ruled[14:44:4, 388:390] = 255
    assert _ink_crop(ruled, speckled=True, inner=(5, 380))[0].width == plain
    assert _ink_crop(ruled, speckled=True)[0].width > plain  # told where the box ends, not before


def test_an_upright_stroke_the_fax_broke_into_pieces_stays_in_its_cell():
    ink = np.zeros((50, 120), dtype=bool)
    ink[10:34, 40:52] = ink[10:34, 70:82] = True  # two whole digits, 24 px tall
    ink[11:18, 20:23] = ink[26:33, 20:23] = True  # a '1' the fax broke: its top and its foot, 7 px each
    kept = _drop_marks(ink, cells=True)
    assert kept[:, 20:23].sum() == ink[:, 20:23].sum()
    # two specks farther apart than a character's height are no stroke
    specks = ink.copy()
    specks[11:18, 20:23] = specks[26:33, 20:23] = False
    specks[0:3, 100:103] = specks[45:48, 100:103] = True
    assert not _drop_marks(specks, cells=True)[:, 100:103].any()

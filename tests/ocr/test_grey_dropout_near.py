"""Grey drop-out and box crops on copies and photos: boxes laid on their own rules, the form's bold
parentheses and dashed rules erased, a lone '1' in 24G, and words placed in their cells (no OCR)."""

import numpy as np
import pytest

from claims_intake.ocr import recognize, strokes


def _blank_region(name: str, pad_pt: float = 4.0) -> tuple[np.ndarray, tuple[slice, slice]]:
    """The blank red form around box `name` as a grey scan sees it, and its template window."""
    blank = np.asarray(recognize.render_blank_form(recognize.DPI).convert("L"), dtype=np.uint8)
    box = recognize.reading_boxes()[name]
    scale = recognize.SCALE
    top, bottom = int((box.rect[1] - 2.5) * scale), int((box.rect[3] + 2.5) * scale)
    left, right = int((box.rect[0] - pad_pt) * scale), int((box.rect[2] + pad_pt) * scale)
    return blank[top:bottom, left:right].copy(), (slice(top, bottom), slice(left, right))


def _page_margin_region(name: str, dx: int, dy: int) -> tuple[np.ndarray, tuple[slice, slice], int]:
    """Box `name` of the blank form with a margin, its content moved by (dx, dy) pixels, as black ink."""
    margin = recognize.SHIFT_SEARCH_PX
    blank = np.asarray(recognize.render_blank_form(recognize.DPI).convert("L"), dtype=np.uint8)
    box = recognize.reading_boxes()[name]
    scale = recognize.SCALE
    top, bottom = int((box.rect[1] - 2.5) * scale), int((box.rect[3] + 2.5) * scale)
    left, right = int((box.rect[0] - 4) * scale), int((box.rect[2] + 4) * scale)
    wide = blank[top - margin - dy : bottom + margin - dy, left - margin - dx : right + margin - dx]
    return np.where(wide < 200, 0, 255).astype(np.uint8), (slice(top, bottom), slice(left, right)), margin


@pytest.mark.parametrize(("dx", "dy"), [(3, -2), (-2, 4), (0, 0)])
def test_a_box_a_few_pixels_off_is_laid_back_on_its_rules(dx, dy):
    wide, window, margin = _page_margin_region("doc_phone", dx, dy)
    assert recognize.local_shift(wide, window, margin) == (dx, dy)


def test_a_box_without_rules_along_an_axis_stays_where_the_registration_put_it():
    wide, window, margin = _page_margin_region("doc_phone", 2, 1)
    wide[:, :] = 255  # nothing of the form on the page (a box cut off, a blank region)
    assert recognize.local_shift(wide, window, margin) == (0, 0)


def test_the_phone_boxs_bold_parentheses_are_erased_though_darker_than_the_rules():
    """A grey copy of the red form: hair rules print mid grey, the bold parentheses nearly black. They
    are the form's, not typing across a rule, and go with the form."""
    region, window = _blank_region("doc_phone area")
    ink = region < 200
    masks = recognize.form_masks()
    rules = (masks.vertical | masks.horizontal)[window] & ~masks.dots[window]
    grey = np.full(region.shape, 255, dtype=np.uint8)
    grey[ink] = 30  # the bold print (parentheses)
    grey[ink & rules] = 120  # the hair rules, lighter
    grey[20:45, 70:76] = 10  # typing in the box, off the form's ink
    cleaned = recognize.erase_form(grey, window, rule_level=120.0)
    left_over = (cleaned < recognize.INK) & ~((np.arange(grey.shape[1]) >= 70) & (np.arange(grey.shape[1]) < 76))
    assert not left_over.any(), "nothing of the form left beside the typing"
    assert (cleaned[20:45, 70:76] == 10).all(), "the typing kept"


def test_the_long_rules_stay_rules_and_the_parentheses_leave_them():
    masks = recognize.form_masks()
    region, window = _blank_region("doc_phone area")
    parenthesis = (region < 120) & ~masks.horizontal[window]
    assert parenthesis.any()
    assert masks.dots[window][parenthesis].mean() > 0.95, "the parentheses are erased as the form's lettering"
    assert not masks.vertical[window][parenthesis].all()


def _money_box_with_dashed_rule() -> tuple[np.ndarray, object]:
    from claims_intake.cms1500.template import Box

    region = np.full((64, 200), 255, dtype=np.uint8)
    for top in range(0, 64, 8):  # a copy's rule: dashes of 4 rows every 8, between two pixel columns
        region[top : top + 4, 100:102] = 90
    region[20:45, 80:92] = 0  # the last dollar digit, clear of the rule
    return region, Box("ch1", (0.0, 0.0, 48.0, 15.0), None, 100 / recognize.SCALE)


def test_a_dashed_dollars_cents_rule_is_erased(monkeypatch):
    monkeypatch.setattr(recognize, "erase_form", lambda region, window, **_: region.copy())
    region, box = _money_box_with_dashed_rule()
    cleaned = recognize.money_region(region, (slice(0, 64), slice(0, 200)), box.cents_rule_x, 0)
    assert (cleaned[:, 99:103] == 255).all(), "the dashes gone: they read as a '1' before the cents"
    assert (cleaned[20:45, 80:92] == 0).all()


def _composed_line(cells: dict[str, list[tuple[int, int]]]) -> tuple[np.ndarray, list]:
    """A composed service line: each cell's marks as (width, height) rectangles, cells a word gap apart."""
    gap = recognize.WORD_GAP
    image = np.full((30, 400), 255, dtype=np.uint8)
    members, x = [], 0
    for name, marks in cells.items():
        start = x
        for width, height in marks:
            image[28 - height : 28, x : x + width] = 0
            x += width + 4
        members.append((name, start - gap / 2, x + gap / 2))
        x += gap
    return image, members


def test_a_units_cell_holding_one_upright_stroke_reads_one():
    image, members = _composed_line({"place1": [(12, 20), (12, 20)], "day1": [(3, 20)]})
    found = strokes.lone_stroke_units(image, members, recognize.WORD_GAP)
    assert list(found) == ["day1"]


@pytest.mark.parametrize(
    "marks",
    [
        [(4, 19), (5, 19)],  # a '0' whose thin top and bottom were lost: two strokes, not taken
        [(12, 20)],  # a wide digit
        [(3, 8)],  # a short mark: a speck or a stray dot
    ],
)
def test_other_marks_in_the_units_cell_are_not_read_as_one(marks):
    image, members = _composed_line({"place1": [(12, 20), (12, 20)], "day1": marks})
    assert strokes.lone_stroke_units(image, members, recognize.WORD_GAP) == {}


def test_the_stroke_reading_fills_only_an_empty_units_cell_and_at_a_low_confidence():
    from PIL import Image

    image, members = _composed_line({"place1": [(12, 20), (12, 20)], "day1": [(3, 20)]})
    slot = recognize.Slot(Image.fromarray(image), members, {})
    words: dict = {(0, "place1"): [(10.0, "11", 0.9)]}
    recognize.read_lone_strokes([(0, slot)], words)
    assert words[(0, "day1")][0][1:] == ("1", strokes.LONE_STROKE_CONFIDENCE)
    assert strokes.LONE_STROKE_CONFIDENCE < 0.95
    read = {(0, "day1"): [(60.0, "7", 0.9)]}
    recognize.read_lone_strokes([(0, slot)], read)
    assert read[(0, "day1")] == [(60.0, "7", 0.9)], "what Tesseract read is kept"


def test_a_word_whose_box_runs_to_the_lines_end_is_placed_by_its_left_edge():
    frame_height = 30 + 2 * recognize.FRAME_MARGIN[1]
    # 'G9008' read with a box over the whole line (320 px): its centre would fall in the modifiers' cell
    assert recognize._word_centre(20, 320, "G9008", frame_height) < 20 + 5 * 30
    # an ordinary word: its box's centre
    assert recognize._word_centre(154, 54, "U4", frame_height) == 154 + 27


def test_colour_money_cells_run_together_keep_their_cents():
    from PIL import Image

    from claims_intake.cms1500.mapping import Reading

    slot = recognize.Slot(
        Image.new("L", (10, 10), 255), [("ch4.dollars", 0.0, 40.0), ("ch4.cents", 40.0, 80.0)], {"ch4": True}
    )
    joined = recognize._join_money({"ch4.dollars": Reading("7325", 0.2)})  # '73 25' read as one word
    assert recognize._split_cents(joined, [slot])["ch4"].text == "73 25"
    apart = recognize._join_money({"ch4.dollars": Reading("73", 0.9), "ch4.cents": Reading("25", 0.9)})
    assert recognize._split_cents(apart, [slot])["ch4"].text == "73 25"

"""Typing printed off its boxes (ocr/print_offset.py): the offset is found from the typing itself, the boxes are
cut where the typing lies, and a page printed in place keeps its boxes. Tuning-split pages only."""

import io

import numpy as np
import pytest
from PIL import Image

from claims_intake.extract import extract_bytes
from claims_intake.ocr.normalise import normalise
from claims_intake.ocr.print_offset import print_offset
from claims_intake.ocr.recognize import drop_out_source, page_form_ink
from claims_intake.ocr.register import register
from claims_intake_dev.testdata import mailroom, scans

SEED = mailroom.TUNING_SEEDS.start + 77
POINT = 300 / 72  # pixels of a 300-dpi page per point
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"


def _page(dx_pt: float, dy_pt: float, grey: bool = False) -> Image.Image:
    sample = scans.sample_claim(SEED, lines=3)
    page = mailroom.render(sample.pages[0], mailroom.PrintStyle())
    page = mailroom.typing_shifted(page, round(dx_pt * POINT), round(dy_pt * POINT))
    return page.convert("L") if grey else page


def _offset(page: Image.Image) -> tuple[float, float]:
    image, dpi = normalise(page, 300)
    registration = register(image, dpi)
    assert registration is not None
    source, _ = drop_out_source(image)
    return print_offset(source, registration, page_form_ink())


def test_a_page_printed_in_place_keeps_its_boxes():
    assert _offset(_page(0, 0)) == (0.0, 0.0)


@pytest.mark.parametrize("dy_pt", [-7.0, 6.0])
@pytest.mark.parametrize("grey", [False, True])
def test_typing_moved_down_or_up_is_found(dy_pt, grey):
    dx, dy = _offset(_page(0, dy_pt, grey))
    assert dy == pytest.approx(dy_pt, abs=2.5) and abs(dx) <= 2.5


def test_typing_a_few_millimetres_low_is_read_where_it_lies():
    sample = scans.sample_claim(SEED, lines=3)
    buffer = io.BytesIO()
    _page(0, 7.0).save(buffer, "PNG", dpi=(300, 300))
    (claim,) = extract_bytes(buffer.getvalue(), "misprint.png").claims
    expected = sample.expected["elements"]
    read = claim.to_output()["elements"]
    for key in ("member_cin", "member_last_name", "member_first_name", "billing_provider_npi"):
        assert read[key] == expected[key], key
    lines = claim.to_output()["lines"]
    assert [line["procedure_code"] for line in lines] == [line["procedure_code"] for line in sample.expected["lines"]]


@pytest.mark.parametrize("dx_pt", [5.0, 7.0])
def test_typing_moved_right_is_found_within_a_point_and_a_half(dx_pt):
    dx, dy = _offset(_page(dx_pt, 0))
    assert dx == pytest.approx(dx_pt, abs=1.5) and abs(dy) <= 1.5


def test_typing_moved_only_a_little_right_is_found_by_the_cells():
    # the wide free-text boxes hold a line 3 pt right as well as in place: the whole page gains too little,
    # and only the cells (dates, amounts) tell; an amount 3 pt right has its dollars/cents rule in its digits
    dx, dy = _offset(_page(3.0, 0, grey=True))
    assert dx == pytest.approx(3.0, abs=1.0) and dy == 0.0


def test_an_amount_whose_typing_lies_across_its_printed_rule_goes_to_staff():
    from claims_intake.cms1500.template import Box
    from claims_intake.ocr.recognize import reading_boxes, rule_through_typing

    box = reading_boxes()["ch1"]
    assert rule_through_typing(box) is None  # in place
    x0, top, x1, bottom = box.rect
    moved = Box(box.name, (x0 + 3.8, top, x1 + 3.8, bottom), box.max_length, box.cents_rule_x + 3.8)
    assert "dollars/cents rule runs through the amount" in rule_through_typing(moved)
    near = Box(box.name, box.rect, box.max_length, box.cents_rule_x + 1.0)
    assert rule_through_typing(near) is None  # the box's padding holds it


def test_a_slot_in_doubt_marks_its_readings_for_staff():
    from claims_intake.cms1500.mapping import Reading
    from claims_intake.ocr.recognize import Slot, _with_doubts

    slot = Slot(Image.new("L", (4, 4), 255), [("ch1", 0, 4)], {"ch1": True}, doubts={"ch1": "the rule runs through it"})
    readings = _with_doubts({"ch1": Reading("14 10", 0.99), "ch2": Reading("37 20", 0.99)}, [slot], {})
    assert readings["ch1"].repaired == "the rule runs through it" and readings["ch1"].text == "14 10"
    assert readings["ch2"].repaired is None


def _typing_beside_the_left_rule(gap_px: int, offset_pt: float = -3.0) -> dict[str, str]:
    """Box 26 typed `offset_pt` along the row, its first letter `gap_px` right of the box's left rule, before
    and after the erase took the rule (with the E's stem when it stood on the rule); the rest of the line clear."""
    from claims_intake.ocr.recognize import erased_from_typing

    before, after, window, typed, left, _ = _e_on_the_left_rule(gap_px, offset_pt)
    return erased_from_typing(before, after, window, [typed], left)


def _e_on_the_left_rule(gap_px: int, offset_pt: float):
    from claims_intake.ocr.recognize import SCALE, _typed_at, form_masks, reading_boxes

    typed = _typed_at(reading_boxes()["pt_account"], (offset_pt, 0.0))
    left, upper = int((typed.rect[0] - 4) * SCALE), int((typed.rect[1] - 2) * SCALE)
    right, lower = int((typed.rect[2] + 4) * SCALE), int((typed.rect[3] + 2) * SCALE)
    window = (slice(upper, lower), slice(left, right))
    after = np.full((lower - upper, right - left), 255, np.uint8)
    band = slice(after.shape[0] // 2 - 14, after.shape[0] // 2 + 14)
    rule = np.nonzero(form_masks().vertical[window][band].mean(axis=0) > 0.9)[0]
    rule = rule[rule < after.shape[1] // 2]
    first = int(rule.max()) + 1 + gap_px  # right of the box's left rule (as the masks widen it)
    for top in (band.start, band.start + 12, band.stop - 3):  # the E's three bars
        after[top : top + 3, first : first + 14] = 0
    after[band, first + 40 : first + 200 : 6] = 0  # the rest of the line: strokes clear of any rule
    before = after.copy()
    before[:, rule.min() + 2 : rule.max() - 1] = 0  # the printed rule, 3 px wide
    if gap_px == 0:
        before[band, rule.max() - 3 : first] = 0  # the E's stem, on the rule's right edge
    return before, after, window, typed, left, (band, slice(rule.max() - 3, first))


def test_typing_off_its_box_and_cut_by_a_printed_rule_goes_to_staff():
    assert "was erased with part of it" in _typing_beside_the_left_rule(0)["pt_account"]
    assert _typing_beside_the_left_rule(6) == {}  # clear of the rule: nothing of it was erased
    assert _typing_beside_the_left_rule(0, offset_pt=0.0) == {}  # typing in its box: its padding holds it


def test_the_recheck_keeps_the_stroke_a_mark_took_and_not_the_mark_away_from_the_typing():
    from claims_intake.ocr.recognize import with_touched_marks

    before, after, window, _, _, (band, stem) = _e_on_the_left_rule(0, -3.0)
    kept = with_touched_marks(before, after, window)
    for top in (band.start, band.start + 12, band.stop - 3):  # the E's stem is back where its bars meet it
        assert (kept[top : top + 3, stem.stop - 2 : stem.stop] == 0).all()
    assert (kept[: band.start - 4, stem] == 255).all()  # the rule above the letter stays erased
    assert (kept[band.stop + 4 :, stem] == 255).all()  # ... and below it


def test_a_box_cut_by_the_form_takes_its_recheck_when_other_characters_come_back():
    from claims_intake.cms1500.mapping import Reading
    from claims_intake.ocr.recognize import TYPING_CUT, Slot, _with_doubts

    image = Image.new("L", (4, 4), 255)
    members = [("pt_account", 0, 4), ("pt_name", 4, 8), ("ch1", 8, 12)]
    doubts = {"pt_account": TYPING_CUT, "pt_name": TYPING_CUT, "ch1": "the rule runs through it"}
    slot = Slot(image, members, {}, doubts=doubts, recheck=Slot(image, members, {}))
    first = {"pt_account": Reading("HCM-2026-17453", 0.97), "pt_name": Reading("BROWN, PATRICIA", 0.9)}
    first["ch1"] = Reading("14 10", 0.99)
    again = {"pt_account": Reading("ECM-2026-17453", 0.99), "pt_name": Reading("BROWN; PATRICIA", 0.99)}
    again["ch1"] = Reading("141 00", 0.99)
    readings = _with_doubts(first, [slot], again)
    account = readings["pt_account"]
    assert account.text == "ECM-2026-17453" and account.confidence == 0.97  # the less sure of the two
    assert "first read 'HCM-2026-17453'" in account.repaired and TYPING_CUT in account.repaired  # still staff's
    assert readings["pt_name"].text == "BROWN, PATRICIA"  # a mark's stub read as punctuation: no stroke back
    assert readings["ch1"].text == "14 10"  # the dollars/cents rule's doubt has no recheck


def test_the_line_recogniser_keeps_a_cut_box_s_first_reading_when_the_recheck_is_less_likely():
    from claims_intake.cms1500.mapping import Reading
    from claims_intake.ocr.recognize import TYPING_CUT, Slot, _with_doubts

    image = Image.new("L", (4, 4), 255)
    asked = []

    def judge(box_image, first, second):
        asked.append((box_image, first, second))
        return first.startswith("CS-2025")

    one = Slot(image, [("pt_account", 0, 4)], {}, doubts={"pt_account": TYPING_CUT})
    one.recheck = Slot(image, one.members, {})
    cells = Slot(image, [("sv1_dd_from", 0, 2), ("sv1_mm_from", 2, 4)], {}, doubts={"sv1_dd_from": TYPING_CUT})
    cells.recheck = Slot(image, cells.members, {})
    first = {"pt_account": Reading("CS-2025-27174", 0.5), "sv1_dd_from": Reading("03", 0.5)}
    again = {"pt_account": Reading("CS-2625-27174 \u00a9", 0.51), "sv1_dd_from": Reading("13", 0.9)}
    readings = _with_doubts(first, [one, cells], again, judge)
    account = readings["pt_account"]
    assert account.text == "CS-2025-27174" and account.confidence == 0.5
    assert "'CS-2625-27174 \u00a9', which the line recogniser finds less likely" in account.repaired
    assert TYPING_CUT in account.repaired  # staff verify it either way
    assert asked == [(one.recheck.image, "CS-2025-27174", "CS-2625-27174 \u00a9")]  # judged on the marks kept
    assert readings["sv1_dd_from"].text == "13"  # a cell of a group: its own reader weighs it later


def test_the_line_recogniser_finds_the_text_on_the_line_likelier_than_a_misreading():
    from PIL import ImageDraw, ImageFont

    from claims_intake.ocr.lines import first_likelier

    line = Image.new("L", (400, 44), 255)
    ImageDraw.Draw(line).text((10, 6), "CS-2025-27174", font=ImageFont.truetype(FONT, 28), fill=0)
    assert first_likelier(line, "CS-2025-27174", "CS-2625-27174 \u00a9")
    assert not first_likelier(line, "CS-2625-27174", "cs-2025-27174")  # read case-folded
    assert not first_likelier(Image.new("L", (400, 44), 255), "A", "B")  # no line: no choice


def test_a_box_21_code_the_form_cut_goes_to_staff_on_every_line_pointing_at_it():
    from claims_intake.cms1500.mapping import FormPage, Reading, claims_from_pages
    from claims_intake.ocr.recognize import TYPING_CUT

    texts = {"cpt1": "G9008", "mod1": "U1", "ch1": "100 00", "day1": "1", "diag1": "A", "diagnosis1": "F17.220"}
    readings = {name: Reading(text, 0.999) for name, text in texts.items()}
    readings["diagnosis1"] = Reading("F17.220", 0.999, repaired=TYPING_CUT)
    claims, _ = claims_from_pages(
        "f.pdf", [FormPage(1, readings)], source_kind="scan", claim_id_prefix="t", review_confidence=0.8
    )
    source = claims[0].lines[0].provenance["diagnosis_codes"]
    assert TYPING_CUT in source.repaired and source.confidence < 0.8


def _prepared(page: Image.Image):
    from claims_intake.ocr.pages import PageImage
    from claims_intake.ocr.scan import ocr_settings, prepare_page

    return prepare_page(PageImage(1, page, 300), ocr_settings())


@pytest.mark.parametrize(("dx_pt", "dy_pt", "off"), [(0.0, 0.0, False), (0.0, 7.0, True), (6.0, 0.0, True)])
def test_a_page_says_whether_its_typing_lies_off_its_boxes(dx_pt, dy_pt, off):
    prepared = _prepared(_page(dx_pt, dy_pt, grey=True))
    assert prepared.slots and {slot.typing_off_boxes for slot in prepared.slots if slot.places} == {off}


def test_the_cells_of_a_page_typed_off_its_boxes_are_read_again_from_their_place(monkeypatch):
    from claims_intake.ocr import scan

    weighed = []
    monkeypatch.setattr(scan, "second_cell_reading", lambda slots, readings: weighed.append(slots) or readings)
    for dy_pt in (0.0, 7.0):
        prepared = _prepared(_page(0, dy_pt, grey=True))
        scan.second_readings(prepared, {})
    assert len(weighed) == 1 and all(slot.typing_off_boxes for slot in weighed[0] if slot.places)


def _letters_on_the_rule_under_box_5(offset_pt: float = 7.7):
    """Box 5's street typed `offset_pt` low on a grey copy: the full-width rule under it (drawn across a pixel
    boundary, so 4 px thick) runs through the letters' feet. Each letter is a stem crossing the rule and a foot
    lying on it; returns the region before and after the erase, the window, the typed box, its left, the rule's
    rows and the stems' columns."""
    from claims_intake.ocr.recognize import INK, SCALE, _typed_at, erase_form, form_masks, reading_boxes

    typed = _typed_at(reading_boxes()["pt_street"], (0.0, offset_pt))
    left, upper = int((typed.rect[0] - 4) * SCALE), int((typed.rect[1] - 2) * SCALE)
    right, lower = int((typed.rect[2] + 4) * SCALE), int((typed.rect[3] + 2) * SCALE)
    window = (slice(upper, lower), slice(left, right))
    rule_rows = np.nonzero(form_masks().y_marks[window].mean(axis=1) > 0.9)[0]
    assert 4 <= len(rule_rows) <= 5 and form_masks().thick_rules[window][rule_rows].all()
    before = np.full((lower - upper, right - left), 250, np.uint8)
    before[rule_rows] = 70  # the printed rule, as dark as the typing on a grey copy
    stems = [slice(x, x + 3) for x in range(60, before.shape[1] - 60, 40)]
    for stem in stems:
        before[rule_rows[0] - 24 : rule_rows[-1] + 3, stem] = 40
        before[rule_rows[-2] : rule_rows[-1] + 1, stem.start - 4 : stem.stop + 4] = 40  # its foot, on the rule
    after = erase_form(before, window, typing_on_lettering=True)
    assert INK > 70
    return before, after, window, typed, left, rule_rows, stems


def test_typing_crossing_a_thick_rule_keeps_its_strokes_and_goes_to_staff():
    from claims_intake.ocr.recognize import INK, erase_form, erased_from_typing

    before, after, window, typed, left, rule_rows, stems = _letters_on_the_rule_under_box_5()
    between = slice(stems[0].stop + 8, stems[1].start - 8)
    assert (after[rule_rows[0] : rule_rows[-1] + 1, between] == 255).all()  # the rule between the letters: gone
    for stem in stems:  # each stem whole where it crosses the rule
        assert (after[rule_rows[0] - 24 : rule_rows[-1] + 1, stem] < INK).all()
    # its foot went with the rule it lay on: the letter may read as another ('B' as 'R'), so staff look
    assert "was erased with part of it" in erased_from_typing(before, after, window, [typed], left)["pt_street"]
    # a page typed in its boxes (a fax thickens the rule past what marks typing): the rule's band is erased whole
    in_place = erase_form(before, window)
    assert (in_place[rule_rows[0] : rule_rows[-1] + 1] == 255).all()


def test_on_a_page_typed_off_its_boxes_the_recogniser_reads_the_phone_and_the_identifiers_too():
    from PIL import ImageDraw, ImageFont

    from claims_intake.cms1500.mapping import Reading
    from claims_intake.ocr.recognize import Slot
    from claims_intake.ocr.scan import PreparedPage, second_readings

    def typed(field: str, text: str, off_boxes: bool) -> Slot:
        image = Image.new("L", (300, 44), 255)
        ImageDraw.Draw(image).text((10, 6), text, font=ImageFont.truetype(FONT.replace("Mono", ""), 28), fill=0)
        return Slot(image, [(field, 0, 300)], {}, typing_off_boxes=off_boxes)

    tesseract = {"doc_phone area": Reading("561", 0.9), "insurance_id": Reading("335872856", 0.9)}
    for off_boxes in (True, False):
        slots = [typed("doc_phone area", "661", off_boxes), typed("insurance_id", "33587285G", off_boxes)]
        read = second_readings(PreparedPage(1, slots, []), dict(tesseract))
        if off_boxes:  # taken, for staff
            assert read["doc_phone area"].text == "661" and "line recogniser" in read["doc_phone area"].repaired
            assert read["insurance_id"].text == "33587285G"
        else:  # typed in place: the phone's other digits only send it to staff, box 1a is Tesseract's alone
            assert read["doc_phone area"].text == "561" and read["doc_phone area"].repaired
            assert read["insurance_id"] == tesseract["insurance_id"]


def test_on_a_page_typed_off_its_boxes_the_recogniser_weighs_the_street_lines_but_not_the_members_name():
    from PIL import ImageDraw, ImageFont

    from claims_intake.cms1500.mapping import Reading
    from claims_intake.ocr.recognize import Slot
    from claims_intake.ocr.scan import PreparedPage, second_readings

    def typed(field: str, text: str) -> Slot:
        image = Image.new("L", (520, 44), 255)
        ImageDraw.Draw(image).text((10, 6), text, font=ImageFont.truetype(FONT.replace("Mono", ""), 28), fill=0)
        return Slot(image, [(field, 0, 520)], {}, typing_off_boxes=True)

    tesseract = {"doc_street": Reading("2549 DNIVERSITY AVE", 0.9), "pt_name": Reading("GARGIA, SOPHIA", 0.9)}
    slots = [typed("doc_street", "2549 UNIVERSITY AVE"), typed("pt_name", "GARCIA, SOPHIA")]
    read = second_readings(PreparedPage(1, slots, []), dict(tesseract))
    assert read["doc_street"].text == "2549 UNIVERSITY AVE" and read["doc_street"].repaired  # for staff
    assert read["pt_name"] == tesseract["pt_name"]  # few people's names are on a word list: not weighed so


def test_on_a_fax_the_recogniser_weighs_box_33s_phone_with_the_free_text():
    from PIL import ImageDraw, ImageFont

    from claims_intake.cms1500.mapping import Reading
    from claims_intake.ocr.recognize import Slot
    from claims_intake.ocr.scan import PreparedPage, second_readings

    image = Image.new("L", (300, 44), 255)
    ImageDraw.Draw(image).text((10, 6), "372-7266", font=ImageFont.truetype(FONT.replace("Mono", ""), 28), fill=0)
    slot = Slot(image, [("doc_phone", 0, 300)], {}, fax=True)
    read = second_readings(PreparedPage(1, [slot], [], fax=True), {"doc_phone": Reading("372-7286", 0.9)})
    assert read["doc_phone"].text.replace("-", "").replace(" ", "") == "3727266"
    assert "line recogniser" in read["doc_phone"].repaired  # for staff

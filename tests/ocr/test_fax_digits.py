"""The fax digit reader (ocr.digits): cells split by their known geometry, glyphs classified by a
network trained on generated faxes (TUNING seeds), and its reading combined with Tesseract's with
evidence: agreement raises confidence, disagreement sends the box to staff, a value taken from the
fax reader is a repair unless the NPI check digit confirms it."""

import numpy as np
import pytest
from PIL import Image

from claims_intake.cms1500.mapping import REPAIRED_CONFIDENCE, FormPage, Reading, claims_from_pages
from claims_intake.limits import default_limits
from claims_intake.ocr import digits
from claims_intake.ocr.pages import image_pages, pdf_pages
from claims_intake.ocr.recognize import Slot
from claims_intake.ocr.scan import ocr_settings, prepare_page
from claims_intake_dev import digit_training
from claims_intake_dev.testdata import mailroom


def _blobs(*spans: tuple[int, int], height: int = 20, width: int | None = None) -> np.ndarray:
    """White text line with solid dark columns at `spans`."""
    image = np.full((height, width or max(b for _, b in spans)), 255, dtype=np.uint8)
    for a, b in spans:
        image[:, a:b] = 0
    return image


def test_fixed_cells_have_their_printed_digit_count():
    assert digits.fixed_width("sv3_dd_from") == 2
    assert digits.fixed_width("place4") == 2
    assert digits.fixed_width("birth_yy") == 4
    assert digits.fixed_width("local2") == 10 and digits.fixed_width("pin") == 10
    assert digits.fixed_width("tax_id") == 9
    assert digits.fixed_width("day1") is None and digits.fixed_width("ch1") is None


def test_variable_cells_are_tried_at_tesseracts_count_and_one_either_side():
    assert digits.candidate_counts("day2", "12") == [2, 1, 3]
    assert digits.candidate_counts("day2", "") == [1, 2, 3]
    assert digits.candidate_counts("ch1", "40000") == [5, 4, 6]
    assert digits.candidate_counts("ch1", "100") == [3, 4]  # an amount has cents: three digits at least
    assert digits.candidate_counts("sv1_mm_from", "1") == [2]


def test_even_cuts_move_into_the_blank_gap_beside_a_narrow_one():
    # '1' then a wide digit: the ink's middle (column 11) falls inside the second digit; the blank
    # gap between them (columns 4-12) is within reach and takes the cut.
    text = _blobs((0, 4), (13, 22))
    (a0, a1), (b0, b1) = digits.segment(text, 2)
    assert (a0, b1) == (0.0, 22.0)
    assert 4 <= a1 < 13 and a1 == b0


def test_even_cuts_stay_even_where_digits_touch():
    text = _blobs((0, 30))
    assert digits.segment(text, 3) == [(0.0, 10.0), (10.0, 20.0), (20.0, 30.0)]


def test_money_is_split_at_the_gap_the_dollars_cents_rule_leaves_and_a_rule_remnant_is_no_digit():
    piece = _blobs((0, 30), (44, 45), (60, 80), height=20, width=84)
    spans = digits.money_spans(piece, 3)
    assert spans is not None and len(spans) == 5
    assert [round(x1 - x0) for _, x0, x1 in spans] == [10, 10, 10, 10, 10]


def test_an_amounts_ink_is_one_more_digit_count_to_try():
    # three dollar digits left of the rule (column 50), two cents right of it: 5 digits, whatever Tesseract saw
    piece = _blobs((0, 8), (12, 20), (24, 32), (60, 68), (72, 80), height=20, width=84)
    assert digits.money_glyph_count(piece, 50.0) == [5]
    assert digits.money_glyph_count(piece, None) == [5]  # no rule known: the cents are the last word
    touching = _blobs((0, 32), (60, 68), (72, 80), height=20, width=84)
    assert digits.money_glyph_count(touching, 50.0) == [3]  # touching digits make one run: a candidate only
    assert digits.money_glyph_count(_blobs((0, 8), (60, 80), height=20, width=84), 50.0) == []  # cents not two


def _tess(text: str, confidence: float = 0.9) -> Reading:
    return Reading(text, confidence)


def test_agreement_keeps_tesseracts_text_and_raises_its_confidence():
    combined = digits.combine("sv1_dd_from", _tess("07", 0.6), digits.DigitReading("07", (0.99, 0.97)))
    assert combined.text == "07" and combined.confidence == pytest.approx(0.97) and combined.repaired is None


def test_a_sure_fax_reading_replaces_a_malformed_tesseract_one_as_a_repair():
    combined = digits.combine("sv1_yy_from", _tess("2", 0.8), digits.DigitReading("26", (0.99, 0.98)))
    assert combined.text == "26" and "fax digit reader" in combined.repaired and "'2'" in combined.repaired


def test_a_sure_fax_reading_replaces_an_unsure_tesseract_digit():
    combined = digits.combine("place1", _tess("17", 0.5), digits.DigitReading("11", (0.99, 0.95)))
    assert combined.text == "11" and combined.repaired


def test_disagreement_with_an_unsure_fax_reading_keeps_tesseract_but_sends_it_to_staff():
    combined = digits.combine("sv1_dd_from", _tess("07", 0.95), digits.DigitReading("01", (0.99, 0.6)))
    assert combined.text == "07" and combined.confidence == digits.DISAGREE_CONFIDENCE and not combined.repaired


def test_an_unsure_fax_reading_of_a_cell_tesseract_left_empty_adds_nothing():
    assert digits.combine("day1", None, digits.DigitReading("1", (0.5,))) is None
    assert digits.combine("day1", Reading("", 0.0), digits.DigitReading("1", (0.5,))) is None


def test_a_fairly_sure_fax_reading_of_a_cell_tesseract_left_empty_goes_to_staff():
    for tesseract in (None, Reading("", 0.0)):
        combined = digits.combine("sv1_dd_from", tesseract, digits.DigitReading("18", (0.97, 0.7)))
        assert combined.text == "18" and combined.confidence == digits.DISAGREE_CONFIDENCE
        assert "alone" in combined.repaired and "Tesseract read nothing" in combined.repaired


def _line_slot(*names: str) -> Slot:
    members = [(name, 40.0 * i - 16, 40.0 * i + 24) for i, name in enumerate(names)]
    image = np.full((20, 40 * len(names)), 255, dtype=np.uint8)
    for i in range(len(names)):
        image[4:16, 40 * i : 40 * i + 8] = 0
    return Slot(Image.fromarray(image), members, {})


def test_cells_tesseract_left_empty_are_read_on_a_written_line_not_beside_a_lone_speck(monkeypatch):
    monkeypatch.setattr(
        digits, "read_cell", lambda field, piece, counts, rule_x=None: digits.DigitReading("12", (0.8,))
    )
    # a line with ink in three cells and no word Tesseract could read: each cell is the fax reader's, for staff
    written = digits.second_reading([_line_slot("sv1_mm_from", "sv1_dd_from", "place1")], {})
    assert written["sv1_dd_from"].text == "12" and written["sv1_dd_from"].repaired
    # one inked cell on a line (a speck the filter kept): not read into a value
    assert "place1" not in digits.second_reading([_line_slot("place1")], {})


def test_money_taken_from_the_fax_reader_keeps_its_cents_apart():
    combined = digits.combine("ch1", _tess("40 00", 0.5), digits.DigitReading("40000", (0.99,) * 5))
    assert combined.text == "400 00"


def _claim(readings: dict[str, Reading]):
    base = {n: Reading(t, 0.97) for n, t in {"cpt1": "G9008", "ch1": "100 00", "day1": "1", "diag1": "A"}.items()}
    claims, errors = claims_from_pages(
        "f.tif", [FormPage(1, {**base, **readings})], source_kind="scan", claim_id_prefix="t", review_confidence=0.8
    )
    assert not errors
    return claims[0]


def test_a_value_taken_from_the_fax_reader_is_a_repair_below_review():
    note = "read by the fax digit reader as '3' (Tesseract read '8')"
    claim = _claim({"day1": Reading("3", 0.99, repaired=note)})
    source = claim.lines[0].provenance["unit_count"]
    assert claim.lines[0].unit_count == 3
    assert source.repaired == note and source.confidence <= REPAIRED_CONFIDENCE


def test_an_npi_taken_from_the_fax_reader_is_confirmed_by_its_check_digit():
    note = "read by the fax digit reader as '1234567893' (Tesseract read '1284567893')"
    claim = _claim({"local1": Reading("1234567893", 0.99, repaired=note)})
    source = claim.lines[0].provenance["rendering_provider_npi"]
    assert "confirmed by the NPI check digit" in source.repaired
    assert source.confidence > REPAIRED_CONFIDENCE


def test_the_shipped_weights_say_how_they_were_trained():
    from importlib import resources

    with resources.files("claims_intake").joinpath(digits.WEIGHTS).open("rb") as handle:
        data = np.load(handle)
        assert "TUNING" in str(data["seeds"]) and "glyphs" in str(data["trained_on"])
    net = digits.digit_net()
    assert net.w2.shape[-1] == 10 and net.w1.shape[0] == digit_training.MEMBERS


def test_training_is_deterministic_for_the_same_glyphs():
    rng = np.random.default_rng(1)
    features = rng.random((60, 8)).astype(np.float32)
    labels = np.arange(60) % 10
    first = digit_training.fit(features, labels, hidden=6, epochs=2, members=2)
    second = digit_training.fit(features, labels, hidden=6, epochs=2, members=2)
    assert np.array_equal(first.w1, second.w1) and np.array_equal(first.w2, second.w2)
    assert first.w1.shape == (2, 8, 6) and not np.array_equal(first.w1[0], first.w1[1])  # two random starts


def test_the_members_probabilities_are_averaged():
    one = {"w1": np.eye(2, dtype=np.float32), "b1": np.zeros(2, np.float32), "b2": np.zeros(2, np.float32)}
    members = [{**one, "w2": np.float32(sign) * np.eye(2, dtype=np.float32)} for sign in (1, -1)]
    stacked = {key: np.stack([member[key] for member in members]) for key in members[0]}
    net = digits.DigitNet(np.zeros(2, np.float32), np.ones(2, np.float32), **stacked)
    probabilities = net.probabilities(np.array([3.0, 0.0], np.float32))
    assert np.allclose(probabilities, 0.5)  # one member sure of the first class, the other of the second


def test_restroked_cells_are_learnt_as_their_own_characters_and_deterministically():
    text = _blobs((2, 6), (10, 14), height=16)
    cells = [("fax200", "sv1_mm_from", "11", 20_000, text)]
    first, labels, _, _ = digit_training.glyph_set(cells, jitter=(-1, 0, 1), variants=3)
    second, _, _, _ = digit_training.glyph_set(cells, jitter=(-1, 0, 1), variants=3)
    assert len(first) == 2 * (3 + 3) and set(labels.tolist()) == {1}
    assert np.array_equal(first, second)


def _prepared(family: str, seed: int):
    case = mailroom.make_case(family, seed, lines=3)
    suffix = case.filename.rsplit(".", 1)[1]
    pages = (
        pdf_pages(case.data, case.filename, default_limits())
        if suffix == "pdf"
        else image_pages(case.data, case.filename, {"tif": "tiff", "jpg": "jpeg"}.get(suffix, suffix), default_limits())
    )
    page = next(iter(pages))
    return case, prepare_page(page, ocr_settings())


@pytest.mark.slow
def test_a_fax_page_is_marked_for_the_second_reading_and_its_date_cells_read_right():
    case, prepared = _prepared("fax200", 4321)  # a TUNING seed outside the training range
    assert prepared.fax
    printed = case.sample.pages[0]
    cells = {n: p for n, p in digits.cell_pieces(prepared.slots).items() if digits.fixed_width(n) == 2}
    right = sum((r := digits.read_cell(n, p, [2])) is not None and r.digits == printed[n] for n, p in cells.items())
    assert len(cells) >= 18 and right >= 0.9 * len(cells)


@pytest.mark.slow
def test_a_grey_page_is_not_read_a_second_time():
    _, prepared = _prepared("bw_copy", 4321)
    assert not prepared.fax


def test_fax_pages_skip_the_second_tesseract_reading_of_date_cells(monkeypatch):
    from PIL import Image, ImageDraw

    from claims_intake.ocr import recognize

    seen = []
    monkeypatch.setattr(recognize, "read_date_cells_again", lambda flat, words: seen.append([p for p, _ in flat]))
    image = Image.new("L", (60, 30), 255)
    ImageDraw.Draw(image).text((5, 5), "12", fill=0)
    slot = recognize.Slot(image, [("sv1_mm_from", float("-inf"), float("inf"))], {})
    recognize.read_pages([[slot], [slot]], dates_again=[False, True])
    assert seen == [[1]]

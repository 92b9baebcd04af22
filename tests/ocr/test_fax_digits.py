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


def test_an_npi_a_reader_chose_among_values_that_pass_the_check_digit_is_not_confirmed_by_it():
    note = "24J read '': 1234567893, the NPI the line recogniser finds likeliest on the claim's 24J cells"
    claim = _claim({"local1": Reading("1234567893", 0.99, repaired=note, chosen_by="the NPI check digit")})
    source = claim.lines[0].provenance["rendering_provider_npi"]
    assert "confirmed" not in source.repaired
    assert source.confidence <= REPAIRED_CONFIDENCE


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


def test_box_33s_zip_read_as_letters_is_read_again_from_the_lines_last_word(monkeypatch):
    glyphs = _blobs((0, 30), (40, 52), (64, 76), (90, 150), height=20)  # 'ORANGE VA' and a five-character word
    slot = type("Slot", (), {"image": glyphs, "members": [("doc_location", float("-inf"), float("inf"))]})()
    cut = []

    def read(spans):
        cut.append([(x0, x1) for _, x0, x1 in spans])
        return digits.DigitReading("92869", (0.6, 0.99, 0.8, 0.97, 0.98))

    monkeypatch.setattr(digits, "read_spans", read)
    read_again = digits.location_zip_reading([slot], {"doc_location": Reading("ORANGE VA THO", 0.4)})
    assert cut == [[(0.0, 12.0), (12.0, 24.0), (24.0, 36.0), (36.0, 48.0), (48.0, 60.0)]]  # the last word, in five
    zip_reading = read_again[digits.LOCATION_ZIP]
    assert zip_reading.text == "92869" and "fax digit reader" in zip_reading.repaired
    # a ZIP Tesseract read as five digits that the fax reader reads alike changes nothing; nor is an unsure
    # reading of a ZIP read as letters kept
    assert digits.LOCATION_ZIP not in digits.location_zip_reading([slot], {"doc_location": Reading("ORANGE CA 92869")})
    monkeypatch.setattr(digits, "read_spans", lambda spans: digits.DigitReading("90560", (0.9, 0.29, 0.9, 1.0, 0.7)))
    assert digits.LOCATION_ZIP not in digits.location_zip_reading([slot], {"doc_location": Reading("SOLEDAD CA Gsuet")})


def test_a_wide_last_word_is_no_zip_to_read_again():
    assert digits._last_word_digits(_blobs((0, 30), (45, 400), height=20)) is None  # two words run together


def test_box_33s_zip_read_again_replaces_the_letters_and_is_a_repair_the_table_does_not_confirm():
    note = "box 33's ZIP read by the fax digit reader as '92869' (Tesseract read the line 'ORANGE VA THO')"
    claim = _claim(
        {"doc_location": Reading("ORANGE VA THO", 0.7), digits.LOCATION_ZIP: Reading("92869", 0.8, repaired=note)}
    )
    assert (claim.billing_provider_city, claim.billing_provider_state, claim.billing_provider_zip) == (
        "ORANGE",
        "CA",
        "92869",
    )
    for key in ("billing_provider_zip", "billing_provider_state"):
        source = claim.provenance[key]
        assert source.repaired and "confirmed" not in source.repaired and source.confidence <= REPAIRED_CONFIDENCE
    assert claim.provenance["billing_provider_zip"].raw == "ORANGE VA THO"


def test_box_33s_zip_read_again_keeps_the_state_the_zip_is_in():
    note = "box 33's ZIP read by the fax digit reader as '95669'"
    claim = _claim(
        {"doc_location": Reading("PLYMOUTH CA US ti", 0.5), digits.LOCATION_ZIP: Reading("95669", 0.8, repaired=note)}
    )
    assert (claim.billing_provider_city, claim.billing_provider_state, claim.billing_provider_zip) == (
        "PLYMOUTH",
        "CA",
        "95669",
    )


def _street_slot(name: str = "doc_street"):
    glyphs = _blobs((0, 48), (60, 120), (132, 150), height=20)  # a four-digit number, a street, a suffix
    return type("Slot", (), {"image": glyphs, "members": [(name, float("-inf"), float("inf"))]})()


def _reads(monkeypatch, digits_read: str, least: float = 0.99) -> list[int]:
    counts = []

    def read(spans):
        counts.append(len(spans))
        return digits.DigitReading(digits_read[: len(spans)], (least,) * len(spans))

    monkeypatch.setattr(digits, "read_spans", read)
    return counts


def test_a_house_number_a_sure_second_reader_reads_otherwise_is_repaired_when_tesseract_was_less_sure(monkeypatch):
    counts = _reads(monkeypatch, "4305")
    out = digits.house_number_reading([_street_slot()], {"doc_street": Reading("4306 MAIN ST", 0.8)})
    assert counts == [4]  # split into as many digits as Tesseract read
    assert out["doc_street"].text == "4305 MAIN ST" and "'4305' (Tesseract read '4306')" in out["doc_street"].repaired


def test_a_house_number_tesseract_was_surer_of_goes_to_staff_unchanged(monkeypatch):
    _reads(monkeypatch, "4305", least=0.95)
    out = digits.house_number_reading([_street_slot("pt_street")], {"pt_street": Reading("4306 MAIN ST", 0.99)})
    assert out["pt_street"].text == "4306 MAIN ST" and out["pt_street"].repaired is None
    assert out["pt_street"].confidence <= digits.DISAGREE_CONFIDENCE


def test_a_house_number_with_a_mark_among_its_digits_is_read_again_at_its_length_and_one_fewer(monkeypatch):
    counts = _reads(monkeypatch, "6148")
    out = digits.house_number_reading([_street_slot()], {"doc_street": Reading("614% UNIVERSITY AVE", 0.05)})
    assert counts == [4, 3] and out["doc_street"].text == "6148 UNIVERSITY AVE" and out["doc_street"].repaired


@pytest.mark.parametrize("line", ["12B MAIN ST", "PO BOX 12", "4305 MAIN ST"])
def test_a_written_number_no_number_or_agreement_leaves_the_street_as_read(monkeypatch, line):
    _reads(monkeypatch, "4305")
    read = Reading(line, 0.9)
    assert digits.house_number_reading([_street_slot()], {"doc_street": read})["doc_street"] is read


def test_an_unsure_second_reading_of_a_house_number_changes_nothing(monkeypatch):
    _reads(monkeypatch, "4305", least=0.6)
    read = Reading("4306 MAIN ST", 0.5)
    assert digits.house_number_reading([_street_slot()], {"doc_street": read})["doc_street"] is read


def _line_of(*blobs: tuple[int, int, int, int], height: int = 30, width: int = 60) -> np.ndarray:
    """A white cell with dark rectangles (x0, x1, y0, y1)."""
    image = np.full((height, width), 255, dtype=np.uint8)
    for x0, x1, y0, y1 in blobs:
        image[y0:y1, x0:x1] = 0
    return image


def test_a_rule_remnant_at_a_cells_edge_is_no_digit():
    # a 2-px rule each side of two digits, reaching above and below them
    piece = _line_of((0, 2, 0, 30), (8, 16, 8, 24), (20, 28, 8, 24), (56, 58, 0, 26))
    cleaned = digits.without_edge_rules(piece)
    assert (cleaned[:, :2] == 255).all() and (cleaned[:, 56:] == 255).all()
    assert (cleaned[:, 8:28] == piece[:, 8:28]).all()


def test_a_narrow_one_as_tall_as_the_digits_beside_it_stays():
    narrow_one = _line_of((3, 5, 8, 24), (12, 20, 8, 24), (24, 32, 8, 24))
    assert (digits.without_edge_rules(narrow_one) == narrow_one).all()
    alone = _line_of((3, 5, 0, 30))  # a lone mark is the cell's only ink: left for the reader to judge
    assert (digits.without_edge_rules(alone) == alone).all()


def _phone_slot() -> object:
    """'900-5788' as blocks: three digits, a low hyphen with blank columns each side, four digits."""
    image = np.full((20, 130), 255, dtype=np.uint8)
    for x in (0, 14, 28, 62, 76, 90, 104):
        image[:, x : x + 10] = 0
    image[9:12, 44:54] = 0  # the hyphen: low, off the digits' top and bottom
    return type("Slot", (), {"image": image, "members": [("doc_phone", float("-inf"), float("inf"))]})()


def test_a_phone_is_split_at_its_hyphen_into_three_and_four_digits(monkeypatch):
    counts = _reads(monkeypatch, "9005788", least=0.6)
    digits.phone_reading([_phone_slot()], {"doc_phone": Reading("900-5768", 0.97)})
    assert counts == [7]
    text = np.full((20, 60), 255, dtype=np.uint8)
    text[:, 0:20] = 0
    text[:, 40:60] = 0
    assert digits._split_at_hyphen(text) is None  # no hyphen: not a phone's shape


def test_a_phone_digit_the_fax_reader_reads_otherwise_sends_the_box_to_staff(monkeypatch):
    _reads(monkeypatch, "9005788", least=0.6)
    read = Reading("900-5768", 0.97)
    out = digits.phone_reading([_phone_slot()], {"doc_phone": read})["doc_phone"]
    assert out.text == read.text and "staff read the box" in out.repaired
    _reads(monkeypatch, "9005788", least=0.3)  # the fax reader unsure where they differ: nothing changes
    assert digits.phone_reading([_phone_slot()], {"doc_phone": read})["doc_phone"] is read


def test_a_sure_fax_reading_of_a_phone_is_its_value_as_a_repair(monkeypatch):
    _reads(monkeypatch, "9005788", least=0.99)
    out = digits.phone_reading([_phone_slot()], {"doc_phone": Reading("900-5768", 0.97)})["doc_phone"]
    assert out.text == "9005788" and out.repaired.startswith("read by the fax digit reader")
    _reads(monkeypatch, "9005768", least=0.99)  # agreement changes nothing
    read = Reading("900-5768", 0.97)
    assert digits.phone_reading([_phone_slot()], {"doc_phone": read})["doc_phone"] is read


def test_a_five_digit_zip_the_fax_reader_reads_otherwise_goes_to_staff(monkeypatch):
    glyphs = _blobs((0, 30), (40, 52), (64, 76), (90, 150), height=20)
    slot = type("Slot", (), {"image": glyphs, "members": [("doc_location", float("-inf"), float("inf"))]})()
    line = {"doc_location": Reading("HEMET CA 92546", 0.9)}
    # unsure overall, but sure of the digit that differs: Tesseract's ZIP kept, for staff
    monkeypatch.setattr(digits, "read_spans", lambda spans: digits.DigitReading("92545", (0.6, 0.99, 0.8, 0.97, 0.8)))
    doubted = digits.location_zip_reading([slot], line)[digits.LOCATION_ZIP]
    assert doubted.text == "92546" and "staff read it" in doubted.repaired
    # sure of every digit: its ZIP, as a repair
    monkeypatch.setattr(digits, "read_spans", lambda spans: digits.DigitReading("92545", (0.95,) * 5))
    taken = digits.location_zip_reading([slot], line)[digits.LOCATION_ZIP]
    assert taken.text == "92545" and "fax digit reader as '92545'" in taken.repaired
    # unsure of the digit that differs: nothing
    monkeypatch.setattr(digits, "read_spans", lambda spans: digits.DigitReading("92545", (0.9, 0.9, 0.9, 0.9, 0.3)))
    assert digits.LOCATION_ZIP not in digits.location_zip_reading([slot], line)


def test_a_second_opinion_on_a_clean_zip_flags_it_and_the_city_stays_as_read():
    note = "box 33's ZIP: the fax digit reader read '92545' where Tesseract read '92546': staff read it"
    claim = _claim(
        {"doc_location": Reading("HEMET CA 92546", 0.9), digits.LOCATION_ZIP: Reading("92546", 0.9, repaired=note)}
    )
    assert (claim.billing_provider_city, claim.billing_provider_zip) == ("HEMET", "92546")
    source = claim.provenance["billing_provider_zip"]
    assert source.repaired and source.confidence <= REPAIRED_CONFIDENCE
    assert not claim.provenance["billing_provider_city"].repaired


def test_the_zip_is_the_last_word_wide_enough_for_five_digits_not_what_follows_a_narrow_one():
    # 'CA 92145': the '1' leaves blanks nearly a space wide either side of it
    line = _blobs((0, 30), (40, 56), (66, 78), (80, 92), (98, 101), (107, 119), (121, 133), height=20)
    word = digits._last_word(line)
    assert word is not None and word.shape[1] == 133 - 66
    assert digits._last_word(_blobs((0, 30), (36, 48), height=20)) is None  # nothing ZIP-wide after a space


def test_a_house_number_is_the_first_word_wide_enough_for_its_digits():
    # '41 MAIN ST' read as four digits? No: '4106 MAIN', its '1' leaving a near-space blank after it
    line = _blobs((0, 12), (15, 18), (24, 36), (38, 50), (60, 120), height=20)
    word = digits._first_word(line, 4)
    assert word is not None and word.shape[1] == 50
    assert digits._first_word(_blobs((0, 12), (20, 80), height=20), 4) is None  # a one-digit word: not four


def test_a_digit_cell_is_learnt_as_the_reader_cuts_it_without_a_rules_remnant_at_its_edge():
    clean = np.full((40, 120), 255, dtype=np.uint8)
    for left in range(6, 114, 12):  # nine digits of one width
        clean[10:30, left : left + 8] = 0
    ruled = clean.copy()
    ruled[:, 1:3] = 0  # a box's side rule the erase left, taller than the digits
    learnt = [digit_training.glyph_set([("fax200", "tax_id", "123456789", 20_000, piece)]) for piece in (clean, ruled)]
    assert len(learnt[0][0]) == 9 and np.array_equal(learnt[0][0], learnt[1][0])

"""The fax line recogniser (ocr/lines.py): its decoding, how its reading is weighed against Tesseract's,
and the shipped network on boxes of generated faxes (TUNING seeds)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from claims_intake.cms1500 import parse
from claims_intake.cms1500.mapping import Reading
from claims_intake.ocr import lines
from claims_intake.ocr.scan import ocr_settings, prepare_page
from claims_intake.validators import is_valid_npi
from claims_intake_dev import line_training


@pytest.fixture(autouse=True)
def probabilities_read_afresh():
    """Tests stand in for the network; the probabilities kept of crops read before came from another."""
    lines._width_probabilities.cache_clear()
    yield
    lines._width_probabilities.cache_clear()


def _probabilities(path: str, sure: float = 0.95) -> np.ndarray:
    """Step probabilities whose best path is `path` ('_' the blank)."""
    classes = len(lines.ALPHABET) + 1
    out = np.full((len(path), classes), (1 - sure) / (classes - 1))
    for step, char in enumerate(path):
        out[step, 0 if char == "_" else lines.ALPHABET.index(char) + 1] = sure
    return out


def test_the_best_path_merges_repeats_and_drops_blanks():
    assert lines.decode(_probabilities("_AA_B__BB_ 1__")).text == "ABB 1"


def test_a_doubled_letter_needs_a_blank_between():
    assert lines.decode(_probabilities("LL_L")).text == "LL"


def test_a_readings_confidence_is_its_least_sure_character():
    probabilities = _probabilities("A_B_C")
    probabilities[2] = _probabilities("B", sure=0.55)[0]
    assert lines.decode(probabilities).confidence == pytest.approx(0.55)


def test_spaces_at_the_ends_and_doubled_are_dropped():
    assert lines.decode(_probabilities("  A_  _B ")).text == "A B"


def test_a_line_is_cut_to_its_band_of_ink_and_resampled_to_the_networks_height():
    piece = np.full((60, 300), 255, np.uint8)
    piece[20:40, 30:250] = 0  # the line
    piece[55:57, 100:102] = 0  # a speck under it
    line = lines.line_image(piece)
    assert line is not None and line.shape[0] == lines.HEIGHT and line.dtype == np.float32
    assert line.max() == pytest.approx(1.0) and line[0].max() == 0.0  # paper round the ink
    assert abs(line.shape[1] / lines.HEIGHT - (220 + 2 * lines.PAD) / (20 + 2 * lines.PAD)) < 0.1


def test_a_blank_box_or_a_speck_is_no_line():
    assert lines.line_image(np.full((40, 100), 255, np.uint8)) is None
    speck = np.full((40, 100), 255, np.uint8)
    speck[10:13, 10:13] = 0
    assert lines.line_image(speck) is None


def test_the_same_text_keeps_tesseracts_reading_and_raises_its_confidence():
    tesseract = Reading("Main st", 0.4)
    weighed = lines.weigh("pt_street", tesseract, lines.LineReading("MAIN ST", 0.97))
    assert weighed.text == "Main st" and weighed.confidence == 0.97 and weighed.repaired is None


def test_a_sure_different_reading_replaces_tesseracts_as_a_repair():
    weighed = lines.weigh(
        "pt_street", Reading("293/ I4 CAMINO REAL", 0.6), lines.LineReading("2937 EL CAMINO REAL", 0.95)
    )
    assert weighed.text == "2937 EL CAMINO REAL"
    assert "line recogniser" in weighed.repaired and "293/ I4" in weighed.repaired


@pytest.mark.parametrize(
    ("read", "recognised", "taken"),
    [
        ("4324 TRUXTUN AVE", "4324 TRUXTUN AV6", False),  # the suffix table vouches for AVE, not for AV6
        ("4324 TRUXTUN AV6", "4324 TRUXTUN AVE", True),
        ("4324 TRUXTAN AVE", "4324 TRUXTUN AVE", True),  # both end as the table allows: the recogniser decides
    ],
)
def test_a_street_line_keeps_the_suffix_the_usps_table_allows(read, recognised, taken):
    weighed = lines.weigh("doc_street", Reading(read, 0.9), lines.LineReading(recognised, 0.95))
    assert (weighed.text == recognised) is taken
    assert weighed.confidence <= lines.DISAGREE_CONFIDENCE or weighed.repaired  # staff read the box either way


@pytest.mark.parametrize(
    ("field", "read", "recognised", "taken"),
    [
        ("doc_name", "VALLEY RESPITE CENTER", "VALLEY RESPITE 0ENTER", False),  # a digit among a name's letters
        ("doc_name", "VALLEY RESP1TE CENTER", "VALLEY RESPITE CENTER", True),
        ("pt_account", "CS-2026-87581", "CS~2026-87581", False),  # a mark no account number holds
        ("doc_name", "VALLEY RESPITE 0ENTER", "VALLEY RESP1TE CENTER", True),  # both noisy: the recogniser decides
    ],
)
def test_the_recogniser_does_not_replace_a_clean_reading_with_a_noisy_one(field, read, recognised, taken):
    weighed = lines.weigh(field, Reading(read, 0.9), lines.LineReading(recognised, 0.95))
    assert (weighed.text == recognised) is taken


@pytest.mark.parametrize(("fax", "dotted", "taken"), [(True, True, True), (True, False, False), (False, True, False)])
def test_on_a_dotted_fax_a_less_sure_reading_of_the_recogniser_takes_over(monkeypatch, fax, dotted, taken):
    from types import SimpleNamespace

    unsure = (lines.TAKE_OVER_DOTTED_FAX + lines.TAKE_OVER) / 2
    monkeypatch.setattr(lines, "read_line", lambda piece, fax=False: lines.LineReading("159 00", unsure))
    slot = SimpleNamespace(dotted=dotted, places={"ch1": np.zeros((20, 60), np.uint8)}, members=[("ch1", 0, 0)])
    weighed = lines.second_cell_reading([slot], {"ch1": Reading("15 00", 0.9)}, fax=fax)["ch1"]
    assert (weighed.text == "159 00") is taken
    assert weighed.repaired if taken else weighed.confidence == lines.DISAGREE_CONFIDENCE  # staff verify either


def test_an_unsure_different_reading_keeps_tesseracts_text_for_staff():
    weighed = lines.weigh("insurance_name", Reading("KERN HEALTH", 0.99), lines.LineReading("KERN HEALIH", 0.5))
    assert weighed.text == "KERN HEALTH" and weighed.confidence == lines.DISAGREE_CONFIDENCE


def test_a_box_tesseract_left_empty_gets_a_fairly_sure_reading_for_staff_only():
    assert lines.weigh("pt_city", None, lines.LineReading("FRESNO", lines.FILL_SURE - 0.01)) is None
    weighed = lines.weigh("pt_city", Reading("", 0.0), lines.LineReading("FRESNO", 0.8))
    assert weighed.text == "FRESNO" and weighed.repaired and weighed.confidence == lines.DISAGREE_CONFIDENCE


def test_cells_agree_on_their_characters_not_on_how_they_are_spaced():
    assert lines.agreeing_text("ch3", "126.50") == lines.agreeing_text("ch3", "126 50") == "12650"
    assert lines.agreeing_text("sv1_dd_from", " 06") == "06"
    assert lines.agreeing_text("cpt1", "t1019") == lines.agreeing_text("cpt1", "T 1019")
    assert lines.agreeing_text("pt_street", "12 Main  St") != lines.agreeing_text("pt_street", "12 MAINST")


def test_an_amount_the_recogniser_takes_over_keeps_the_other_reading_for_box_28_to_choose():
    weighed = lines.weigh("ch2", Reading("40 00", 0.8, alternatives=("46 00",)), lines.LineReading("400 00", 0.95))
    assert weighed.text == "400 00" and weighed.repaired
    assert set(weighed.alternatives) == {"46 00", "40 00"}


def test_an_npi_the_readers_disagree_on_offers_the_recogniser_s_reading_to_the_check_digit():
    weighed = lines.weigh("local1", Reading("1234567890", 0.9), lines.LineReading("1234567899", 0.6))
    assert weighed.text == "1234567890" and weighed.confidence == lines.DISAGREE_CONFIDENCE
    assert weighed.alternatives == ("1234567899",)


def test_an_empty_npi_cell_offers_an_unsure_reading_to_the_check_digit_not_as_its_text():
    unsure = lines.FILL_SURE - 0.1
    weighed = lines.weigh("local2", Reading("", 0.0), lines.LineReading("1234567893", unsure))
    assert weighed.text == "" and weighed.alternatives == ("1234567893",)
    assert lines.weigh("local2", None, lines.LineReading("1234567893", unsure)).alternatives == ("1234567893",)
    assert lines.weigh("local2", None, lines.LineReading("123456789", unsure)) is None  # not an NPI's length
    spaced = lines.weigh("local2", None, lines.LineReading("12345 67893", unsure))  # as any other reading is offered
    assert spaced.alternatives == ("1234567893",)
    assert lines.weigh("pt_city", None, lines.LineReading("FRESNO", unsure)) is None  # no check to choose it


def test_the_check_digit_chooses_an_empty_npi_cells_unsure_reading_for_staff():
    from claims_intake.cms1500 import parse

    offered = lines.weigh("local2", None, lines.LineReading("1234567893", lines.FILL_SURE - 0.1))
    fixed = parse.fix_npi(offered.text, offered.alternatives)
    assert fixed.text == "1234567893" and fixed.repaired and not fixed.confirmed_by


def test_an_amount_read_without_the_gap_at_the_rule_keeps_its_cents():
    weighed = lines.weigh("ch1", Reading("24 50", 0.4), lines.LineReading("24500", 0.96))
    assert weighed.text == "245 00"


def test_a_reading_no_such_cell_holds_is_no_evidence_either_way():
    assert lines.weigh("sv1_dd_from", Reading("06", 0.8), lines.LineReading("0", 0.99)) is None
    assert lines.weigh("sv1_dd_from", None, lines.LineReading("U6", 0.99)) is None
    assert lines.weigh("local2", Reading("1234567893", 0.8), lines.LineReading("123456789", 0.99)) is None
    assert lines.weigh("day1", Reading("", 0.0), lines.LineReading("1", 0.95)) is not None  # units: any count
    assert lines.weigh("diag3", Reading("B", 0.8), lines.LineReading("1", 0.99)) is None  # 24E holds letters A-L
    assert lines.weigh("diagnosis1", Reading("Z59.02", 0.8), lines.LineReading("259.02", 0.99)) is None
    assert lines.weigh("diagnosis1", Reading("Z59.62", 0.8), lines.LineReading("Z59.02", 0.99)).text == "Z59.02"


def test_a_free_text_box_the_recogniser_fairly_surely_reads_otherwise_goes_to_staff_with_both_readings():
    read = Reading("REDWOOH 130M PARTNERS", 0.97)
    weighed = lines.weigh("doc_name", read, lines.LineReading("REDWOOD ECM PARTNERS", lines.NOTE_SURE))
    assert weighed.text == "REDWOOH 130M PARTNERS" and weighed.confidence <= 0.3
    assert "REDWOOD ECM PARTNERS" in weighed.repaired and "staff read the box" in weighed.repaired
    unsure = lines.weigh("doc_name", read, lines.LineReading("REDWOOD ECM PARTNERS", lines.NOTE_SURE - 0.01))
    assert unsure.confidence <= 0.3 and not unsure.repaired  # the calibration weighs it
    between = (lines.NOTE_SURE + lines.TAKE_OVER) / 2
    cell = lines.weigh("sv1_mm_from", Reading("06", 0.9), lines.LineReading("05", between))
    assert cell.confidence <= 0.3 and not cell.repaired  # a cell has its own checks (dates in order, box 28)
    taken = lines.weigh("sv1_mm_from", Reading("06", 0.9), lines.LineReading("05", lines.TAKE_OVER))
    assert taken.text == "05" and taken.repaired  # sure enough to replace it, as a repair for staff


def test_a_reading_that_differs_only_in_its_word_breaks_keeps_tesseracts_for_staff():
    weighed = lines.weigh("doc_name", Reading("SOLANO CARE LINK", 0.97), lines.LineReading("SOLANO CARELINK", 0.99))
    assert weighed.text == "SOLANO CARE LINK" and weighed.confidence <= 0.3  # one of the two spaced it wrong
    assert "staff read the box" in weighed.repaired
    weighed = lines.weigh("doc_name", Reading("SOLANO CARE LINK", 0.97), lines.LineReading("SOLANO CARE LINE", 0.99))
    assert weighed.text == "SOLANO CARE LINE" and weighed.repaired  # other characters: the sure reading, for staff


def test_box_31s_date_is_weighed_only_as_a_date_a_provider_writes():
    read_wrong = Reading("06/22/2026", 0.99)
    weighed = lines.weigh("physician_date", read_wrong, lines.LineReading("05/22/2026", 0.97))
    assert weighed.text == "05/22/2026" and weighed.repaired  # a repair, for staff
    weighed = lines.weigh("physician_date", read_wrong, lines.LineReading("05/22/2026", 0.6))
    assert weighed.text == "06/22/2026" and weighed.confidence <= 0.3  # the readers disagree: staff read it
    for written in ("10 01 26", "100126", "10-01-2026"):
        assert lines.weigh("physician_date", Reading("IOAN /2026", 0.2), lines.LineReading(written, 0.95))
    for not_a_date in ("IOAN /2026", "10/01", "SIGNED 10/01/2026"):
        assert lines.weigh("physician_date", read_wrong, lines.LineReading(not_a_date, 0.99)) is None


def test_a_cell_read_alike_is_confirmed_at_the_surer_confidence():
    weighed = lines.weigh("sv1_mm_from", Reading("06", 0.2), lines.LineReading("06", 0.93))
    assert weighed.text == "06" and weighed.confidence == 0.93 and weighed.repaired is None


def test_random_box_text_is_as_long_as_the_boxs_and_printable_by_the_recogniser():
    rng = random.Random(3)
    for like in ("KERN COMMUNITY HEALTH PARTNERS", "CA", "TAR781778564"):
        text = line_training.random_text(rng, like)
        assert 1 <= len(text) <= len(like) + 2
        assert all(char in lines.ALPHABET for char in text)


def test_a_ruled_training_line_keeps_its_ink_and_gains_a_rule_across_or_down():
    rng = np.random.default_rng(5)
    line = np.zeros((lines.HEIGHT, 120), np.float32)
    line[8:24, 10:110:12] = 1.0  # the strokes of a few characters
    for _ in range(40):
        ruled = line_training._ruled(line.copy(), rng)
        inked = ruled >= 0.4  # the rule: grey (0.4) to black
        assert inked.mean(axis=1).max() >= 0.75 or inked.all(axis=0).any()
        shifts = range(ruled.shape[1] - line.shape[1] + 1)  # paper the rule ran on past the typing
        assert any((ruled[:, shift : shift + line.shape[1]] >= line).all() for shift in shifts)


def test_the_shipped_network_reads_a_line_as_a_whole_not_a_window_at_a_time():
    """Its LSTM carries each step's evidence along the line: ink far to the right moves the first steps'
    probabilities, as a convolution's window of a few characters could not."""
    line = np.zeros((lines.HEIGHT, 400), np.float32)
    line[8:24, 20:60:8] = 1.0
    other = line.copy()
    other[8:24, 360:390:6] = 1.0
    first, second = lines.class_probabilities(line), lines.class_probabilities(other)
    assert first.shape == (100, len(lines.ALPHABET) + 1)
    assert np.abs(first[:10] - second[:10]).max() > 1e-4


def test_training_pages_are_tuning_seeds_only():
    with pytest.raises(SystemExit):
        line_training.training_case("fax200", 900_001)


def test_a_randomised_page_names_the_boxes_it_filled_with_random_text():
    from claims_intake_dev.testdata import mailroom

    case = line_training.randomised_case("fax200", 7953)
    plain = mailroom.make_case("fax200", 7953).sample.pages[0]
    assert case.sample.randomised and case.sample.randomised <= line_training.RANDOMISED
    changed = {name for name in line_training.RANDOMISED if case.sample.pages[0].get(name) != plain.get(name)}
    assert changed == case.sample.randomised


@pytest.mark.parametrize(("family", "seed"), [("fax200", 7951), ("fax_standard", 7952)])
def test_the_shipped_network_reads_most_free_text_boxes_of_a_fax_exactly(family, seed):
    from claims_intake.limits import default_limits
    from claims_intake.ocr.pages import image_pages
    from claims_intake_dev.testdata import mailroom

    case = mailroom.make_case(family, seed, lines=2)
    printed = case.sample.pages[0]
    (page,) = image_pages(case.data, case.filename, "tiff", default_limits())
    prepared = prepare_page(page, ocr_settings())
    read, right = 0, 0
    for slot in prepared.slots:
        field = slot.members[0][0]
        if len(slot.members) == 1 and field in lines.FREE_TEXT and printed.get(field):
            reading = lines.read_line(np.asarray(slot.image.convert("L")))
            read += 1
            right += reading is not None and reading.text == " ".join(printed[field].upper().split())
    assert read >= 8 and right >= 0.6 * read


def _prepared_fax(family: str, seed: int):
    from claims_intake.limits import default_limits
    from claims_intake.ocr.pages import image_pages
    from claims_intake_dev.testdata import mailroom

    case = mailroom.make_case(family, seed, lines=2)
    (page,) = image_pages(case.data, case.filename, "tiff", default_limits())
    return case.sample.pages[0], prepare_page(page, ocr_settings())


def test_every_cell_of_a_written_line_has_its_place_on_the_page_even_one_the_speck_filter_emptied():
    _, prepared = _prepared_fax("fax200", 7953)
    line_slots = [slot for slot in prepared.slots if any(name == "sv1_mm_from" for name, _, _ in slot.members)]
    assert line_slots
    (slot,) = line_slots
    assert {name for name, _, _ in slot.members} <= set(slot.places)
    assert {"sv1_mm_from", "sv1_dd_from", "sv1_yy_from", "place1"} <= set(slot.places)
    for place in slot.places.values():
        assert place.dtype == np.uint8 and place.shape[0] >= slot.image.height  # not cut to the ink's band


@pytest.mark.parametrize(("family", "seed"), [("fax200", 7954), ("fax_standard", 7955)])
def test_the_shipped_network_reads_most_cells_of_a_fax_from_their_place_exactly(family, seed):
    printed, prepared = _prepared_fax(family, seed)
    read, right = 0, 0
    for slot in prepared.slots:
        for field, place in slot.places.items():
            if lines.CELLS.fullmatch(field) and printed.get(field):
                reading = lines.read_line(place)
                read += 1
                right += reading is not None and reading.text == " ".join(printed[field].upper().split())
    assert read >= 20 and right >= 0.9 * read


def test_extra_dotted_training_pages_are_pages_the_generator_prints_in_dots():
    from claims_intake_dev.testdata import mailroom

    seeds = line_training.dotted_seeds("fax_standard", 5)
    assert len(seeds) == 5 and all(seed in mailroom.TUNING_SEEDS for seed in seeds)
    assert all(mailroom.print_style("fax_standard", seed).dot_matrix for seed in seeds)
    later = line_training.dotted_seeds("fax_standard", 5, first=seeds[-1] + 1)  # a further round's pages
    assert not set(later) & set(seeds) and all(mailroom.print_style("fax_standard", s).dot_matrix for s in later)
    share = sum(mailroom.print_style("fax200", seed).dot_matrix for seed in range(1, 2001)) / 2000
    assert 0.1 < share < 0.2  # one page in seven or so, as make_case prints them


def test_a_code_cell_that_breaks_its_shape_gets_the_recognisers_sure_reading(monkeypatch):
    """Only the cells whose reading breaks the shape are read again, and only a sure reading that keeps the
    shape is kept; the reading itself is left as it was."""
    read = []

    def recogniser(place):
        read.append(place)
        return {"A": lines.LineReading("Z59.02", 0.99), "B": lines.LineReading("259.00", 0.99)}.get(place)

    monkeypatch.setattr(lines, "read_line", recogniser)
    slot = type("Slot", (), {"places": {"diagnosis1": "A", "diagnosis2": "B", "diagnosis3": "C", "cpt1": "D"}})()
    readings = {
        "diagnosis1": Reading("259.02", 0.9),
        "diagnosis2": Reading("259.00", 0.9),
        "diagnosis3": Reading("Z59.41", 0.9),
        "cpt1": Reading("G9008", 0.9),
    }
    out = lines.recognised_codes([slot], readings)
    assert read == ["A", "B"]  # Z59.41 and G9008 fit their shapes: not read again
    assert out["diagnosis1"].recognised == "Z59.02" and out["diagnosis1"].text == "259.02"
    assert out["diagnosis2"].recognised is None  # the recogniser's reading breaks the shape too


def test_the_shipped_network_confirms_box_21s_letter_tesseract_reads_as_a_2_on_office_scans():
    """On clean office scans (TUNING seeds) Tesseract reads box 21's Z as 2; the recogniser reads the Z, so the
    repair goes to no one's verification list."""
    from claims_intake.extract import extract_bytes
    from claims_intake_dev.testdata import mailroom, scans

    repaired = confirmed = 0
    for seed in range(7000, 7004):
        assert seed in mailroom.TUNING_SEEDS
        sample = scans.sample_claim(seed)
        result = extract_bytes(scans.make_scan([sample], "office", "pdf", seed=seed), f"office-{seed}.pdf")
        for line in result.claims[0].lines:
            note = line.provenance["diagnosis_codes"].repaired or ""
            repaired += "start with a letter" in note
            confirmed += "start with a letter" in note and "confirmed by the line recogniser" in note
    assert repaired >= 3 and confirmed == repaired


def test_a_pointer_the_recogniser_replaces_stays_among_the_cells_alternatives():
    weighed = lines.weigh("diag1", Reading("C", 0.9), lines.LineReading("G", 0.99))
    assert weighed.text == "G" and weighed.alternatives == ("C",)


def test_digits_the_recogniser_reads_otherwise_send_the_box_to_staff_as_read(monkeypatch):
    """On a page that is not a fax the recogniser only doubts: box 33's phone and the digit cells whose digits it
    reads otherwise keep Tesseract's reading with a note for staff; the code cells are `recognised_codes`' own."""
    recognised = {0: "510", 1: "125 00", 2: "G9009"}  # each piece is an array holding its key
    monkeypatch.setattr(lines, "read_line", lambda piece: lines.LineReading(recognised[int(piece.flat[0])], 0.99))
    image = type("Image", (), {"convert": lambda self, mode: np.zeros((1, 1), np.uint8)})()
    phone = type("Slot", (), {"members": [("doc_phone area",)], "image": image, "places": {}})()
    places = {"ch1": np.ones((1, 1), np.uint8), "cpt1": np.full((1, 1), 2, np.uint8)}
    cells = type("Slot", (), {"members": [("ch1",), ("cpt1",)], "places": places})()
    readings = {"doc_phone area": Reading("310", 0.96), "ch1": Reading("125 00", 0.9), "cpt1": Reading("G9008", 0.9)}
    out = lines.doubted_by_recogniser([phone, cells], readings)
    assert out["doc_phone area"].text == "310" and out["doc_phone area"].confidence <= 0.3
    assert "staff read the box" in out["doc_phone area"].repaired
    assert out["ch1"] == readings["ch1"] and out["cpt1"] == readings["cpt1"]  # the same digits; a code cell
    recognised[1] = "126 00"
    assert "staff read the box" in lines.doubted_by_recogniser([cells], readings)["ch1"].repaired
    recognised[1] = "12 00"  # fewer digits: the recogniser's own loss of a narrow digit, no doubt
    assert lines.doubted_by_recogniser([cells], readings)["ch1"] == readings["ch1"]
    recognised[1] = "126 00"
    assert lines.doubted_by_recogniser([cells], readings, cells=False)["ch1"] == readings["ch1"]


def test_a_blurred_dotted_area_code_tesseract_is_sure_of_goes_to_staff():
    """A phone photo of a dot-matrix page (TUNING seed 7352): Tesseract reads box 33's area code 510 as 310 at
    0.99; the recogniser reads 510, so the phone is on the verification list."""
    from claims_intake.extract import extract_bytes
    from claims_intake_dev.testdata import mailroom

    assert 7352 in mailroom.TUNING_SEEDS
    case = mailroom.make_case("photo", 7352)
    claim = extract_bytes(case.data, case.filename).claims[0]
    assert claim.billing_provider_phone != case.sample.expected["elements"]["billing_provider_phone"]
    assert "billing_provider_phone" in claim.extras["needs_verification"]


def test_a_date_cell_the_readers_disagree_on_keeps_the_other_reading_for_the_lines_from_and_to():
    weighed = lines.weigh("sv1_dd_from", Reading("13", 0.9), lines.LineReading("18", 0.95))
    assert weighed.text == "18" and weighed.alternatives == ("13",)
    kept = lines.weigh("sv1_dd_from", Reading("13", 0.9), lines.LineReading("18", 0.5))
    assert kept.text == "13" and kept.alternatives == ("18",)


@pytest.mark.parametrize(
    ("read", "recognised", "sure", "kept"),
    [
        ("CS-2026-05515", "CS-2026 05515", 0.95, "CS-2026-05515"),  # the fax thinned a dash away: not taken over
        ("CS 2026 05515", "CS-2026-05515", 0.5, "CS-2026-05515"),  # the dashes the recogniser saw, even unsure
    ],
)
def test_an_account_number_read_alike_but_for_its_dashes_keeps_the_reading_with_more(read, recognised, sure, kept):
    weighed = lines.weigh("pt_account", Reading(read, 0.9), lines.LineReading(recognised, sure))
    assert weighed.text == kept
    assert weighed.confidence <= lines.DISAGREE_CONFIDENCE or weighed.repaired  # the readers differ: staff verify


def test_a_cin_whose_stray_mark_the_parse_drops_is_not_replaced_by_one_with_the_mark_read_into_it():
    tesseract = Reading("15344353W A", 0.9)
    weighed = lines.weigh("insurance_id", tesseract, lines.LineReading("15344353W1", 0.95))
    assert weighed.text == "15344353W A" and weighed.confidence <= lines.DISAGREE_CONFIDENCE  # staff read it
    taken = lines.weigh("insurance_id", Reading("335872856", 0.9), lines.LineReading("33587285G", 0.95))
    assert taken.text == "33587285G" and "line recogniser" in taken.repaired  # a CIN for one that is none


def test_a_members_name_is_not_replaced_by_one_that_lost_a_comma_the_form_asks_for():
    tesseract = Reading("MARTINEZ, ROBERT, A.", 0.9)
    weighed = lines.weigh("pt_name", tesseract, lines.LineReading("MARTINEZ ROBERT, A", 0.99))
    assert weighed.text == "MARTINEZ, ROBERT, A." and weighed.confidence <= lines.DISAGREE_CONFIDENCE
    taken = lines.weigh("pt_name", Reading("MARTlNEZ, ROBERT, A", 0.9), lines.LineReading("MARTINEZ, ROBERT, A", 0.99))
    assert taken.text == "MARTINEZ, ROBERT, A" and "line recogniser" in taken.repaired


def test_a_box_the_erase_cut_is_read_again_with_the_marks_the_typing_touched_kept():
    from PIL import Image, ImageDraw, ImageFont

    from claims_intake.ocr.recognize import Slot

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 28)
    cut, kept = Image.new("L", (400, 44), 255), Image.new("L", (400, 44), 255)
    ImageDraw.Draw(cut).text((10, 6), "33587285 ", font=font, fill=0)  # the letter's strokes went with a rule
    ImageDraw.Draw(kept).text((10, 6), "33587285G", font=font, fill=0)
    slot = Slot(cut, [("insurance_id", 0, 400)], {}, recheck=Slot(kept, [("insurance_id", 0, 400)], {}))
    read = lines.second_line_reading([slot], {"insurance_id": Reading("335872856", 0.9)}, boxes=lines.IDENTIFIER_BOXES)
    assert read["insurance_id"].text == "33587285G"
    unread = lines.second_line_reading([slot], {"pt_name": Reading("X", 0.9)}, boxes=("pt_name",))
    assert unread == {"pt_name": Reading("X", 0.9)}  # only the boxes asked for


def test_a_fax_line_is_read_at_three_widths_and_the_text_they_make_likeliest_together_is_taken(monkeypatch):
    classes = len(lines.ALPHABET) + 1

    def steps(text: str, sure: float, other: str) -> np.ndarray:
        out = np.full((len(text), classes), 1e-4)
        for step, (char, alt) in enumerate(zip(text, other, strict=True)):
            out[step, lines.ALPHABET.index(char) + 1] = sure
            if alt != char:
                out[step, lines.ALPHABET.index(alt) + 1] = 1 - sure
        return out / out.sum(axis=1, keepdims=True)

    as_cut = 100
    monkeypatch.setattr(lines, "line_image", lambda piece: np.zeros((lines.HEIGHT, as_cut), np.float32))

    def probabilities(line, net=None):  # as cut: CAT, barely; narrower and wider: CAR, plainly
        return steps("CAT", 0.55, "CAR") if line.shape[1] == as_cut else steps("CAR", 0.9, "CAT")

    monkeypatch.setattr(lines, "class_probabilities", probabilities)
    read = lines.read_line(np.zeros((40, 200), np.uint8), fax=True)
    assert read.text == "CAR" and read.confidence == pytest.approx(0.9, abs=0.01)
    assert lines.read_line(np.zeros((40, 200), np.uint8)).text == "CAT"  # a 300-dpi page: as cut only
    monkeypatch.setattr(lines, "class_probabilities", lambda line, net=None: steps("CAT", 0.8, "CAR"))
    lines._width_probabilities.cache_clear()  # the same crop, another network
    assert lines.read_line(np.zeros((40, 200), np.uint8), fax=True).text == "CAT"  # the three agree


def test_a_24j_cell_takes_the_npi_the_claims_cells_make_likeliest_together_unless_it_plainly_read_another(monkeypatch):
    from types import SimpleNamespace

    classes = len(lines.ALPHABET) + 1

    def steps(text: str, unsure: dict[int, str] | None = None) -> np.ndarray:
        """One step a character, a blank between; at the `unsure` places another digit is read, barely."""
        out = np.full((2 * len(text) + 1, classes), 1e-4)
        out[0::2, 0] = 1.0
        for place, char in enumerate(text):
            other = (unsure or {}).get(place)
            out[2 * place + 1, lines.ALPHABET.index(other or char) + 1] = 0.55 if other else 1.0
            if other:
                out[2 * place + 1, lines.ALPHABET.index(char) + 1] = 0.45
        return out / out.sum(axis=1, keepdims=True)

    shared, other = "1538961750", "1835077359"
    cells = {1: steps(shared), 2: steps(shared), 3: steps(shared, {1: "6", 6: "8"}), 4: steps(other)}
    monkeypatch.setattr(lines, "line_image", lambda piece: piece.astype(np.float32))
    monkeypatch.setattr(lines, "class_probabilities", lambda line, net=None: cells[int(line.flat[0])])
    places = {f"local{n}": np.full((lines.HEIGHT, 40), n, np.uint8) for n in cells}
    slot = SimpleNamespace(places=places, members=[(name, 0, 0) for name in places])
    read = {"local1": Reading(shared, 0.99), "local2": Reading(shared, 0.99), "local4": Reading(other, 0.99)}
    read["local3"] = Reading("1638968750", 0.4)  # fails the check digit
    out = lines.shared_rendering_npi([slot], read)
    assert out["local3"].text == shared and "likeliest on the claim's 24J cells" in out["local3"].repaired
    assert out["local3"].confidence <= lines.DISAGREE_CONFIDENCE  # for staff
    assert out["local3"].chosen_by == parse.NPI_CHECK  # every candidate passes it: it confirms none
    assert out["local4"] == read["local4"]  # another rendering provider, read plainly
    assert out["local1"] == read["local1"] and out["local2"] == read["local2"]


def test_some_generated_claims_name_two_rendering_providers_on_their_lines():
    from claims_intake_dev.testdata import scans

    claims = [scans.sample_claim(seed) for seed in range(7100, 7160)]
    providers = [{line["rendering_provider_npi"] for line in claim.expected["lines"]} for claim in claims]
    assert 5 <= sum(len(npis) == 2 for npis in providers) <= 20 and all(len(npis) <= 2 for npis in providers)
    for claim in claims:  # what the page prints is what the claim expects
        printed = [claim.pages[0][f"local{slot}"] for slot in range(1, min(6, len(claim.expected["lines"])) + 1)]
        assert printed == [line["rendering_provider_npi"] for line in claim.expected["lines"][:6]]


def test_box_33s_phone_readings_agree_on_their_digits_whatever_marks_round_them():
    weighed = lines.weigh("doc_phone area", Reading("(707", 0.8), lines.LineReading("707", 0.99))
    assert weighed.text == "(707" and weighed.confidence == 0.99 and weighed.repaired is None
    other = lines.weigh("doc_phone", Reading("372-7286", 0.8), lines.LineReading("372-7266", 0.99))
    assert other.text == "372-7266" and "line recogniser" in other.repaired  # other digits: a repair for staff


def test_a_lone_narrow_glyph_gets_paper_round_it_and_is_read():
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 30)
    image = Image.new("L", (40, 44), 255)
    ImageDraw.Draw(image).text((12, 4), "1", font=font, fill=0)
    ink = np.nonzero((np.asarray(image) < 128).any(axis=0))[0]
    narrow = image.crop((int(ink[0]), 0, int(ink[-1]) + 1, 44)).resize((3, 44), Image.NEAREST)  # a condensed 1
    crop = np.asarray(narrow)
    assert lines.line_image(crop).shape[1] >= lines.MIN_WIDTH
    assert lines.read_line(crop, fax=True).text == "1"


def test_a_crop_read_again_reuses_its_probabilities_and_another_crop_is_read_afresh(monkeypatch):
    """A fax's 24J cells are read by the cell reader and weighed together again for the shared NPI: the network
    runs once a crop, and a crop is known by its pixels, not by where it lies in memory."""
    crop = np.full((40, 120), 255, np.uint8)
    crop[10:30, 10:110:12] = 0
    other = crop.copy()
    other[10:30, 16:110:12] = 0
    runs = []
    real = lines.class_probabilities
    monkeypatch.setattr(lines, "class_probabilities", lambda line: runs.append(line) or real(line))
    first = lines.width_probabilities(crop.copy(), fax=True)
    assert len(runs) == len(lines.READ_WIDTHS)
    assert lines.width_probabilities(crop.copy(), fax=True) is first
    assert len(runs) == len(lines.READ_WIDTHS)
    lines.width_probabilities(other, fax=True)
    assert len(runs) == 2 * len(lines.READ_WIDTHS)
    assert not first[0].flags.writeable
    assert lines.read_line(crop, fax=True).probabilities is not None


def test_training_goes_on_at_the_learning_rate_asked_for(monkeypatch, tmp_path):
    import pickle

    found = tmp_path / "lines.pickle"
    found.write_bytes(pickle.dumps([]))
    asked = []
    monkeypatch.setattr(line_training, "train", lambda *args: asked.append(args))
    line_training.main(["train", str(found), "--epochs", "2", "--start-from", "net.onnx", "--learning-rate", "5e-4"])
    line_training.main(["train", str(found)])
    assert asked[0][1:] == (2, line_training.ONNX_PATH, Path("net.onnx"), 5e-4)
    assert asked[1][4] == line_training.LEARNING_RATE


def test_box_33a_read_with_marks_of_the_rule_or_a_digit_lost_may_be_the_npi_its_digits_allow():
    npi = "1308956816"
    assert is_valid_npi(npi)
    assert npi in lines._near_npis("4" + npi + "4", spare=2)  # the rule's two ends read as digits
    assert npi in lines._near_npis(npi[:4] + npi[5:], spare=2)  # a digit lost
    assert npi in lines._near_npis(npi[:3] + "7" + npi[4:], spare=0)  # a digit misread
    assert lines._near_npis("4" + npi, spare=0) == set()  # 24J: ten digits read, no more
    assert lines._near_npis("44" + npi + "4", spare=2) == set()
    assert all(is_valid_npi(near) for near in lines._near_npis("4" + npi + "4", spare=2))


def test_box_33a_read_as_no_valid_npi_takes_the_one_the_recogniser_finds_likeliest_for_staff(monkeypatch):
    from types import SimpleNamespace

    npi, classes = "1308956816", len(lines.ALPHABET) + 1

    def steps(text: str, marks: set[int]) -> np.ndarray:
        """One step a character, a blank between; at `marks` a digit read where there may be none."""
        out = np.full((2 * len(text) + 1, classes), 1e-4)
        out[0::2, 0] = 1.0
        for place, char in enumerate(text):
            out[2 * place + 1, lines.ALPHABET.index(char) + 1] = 0.6 if place in marks else 1.0
            out[2 * place + 1, 0] = 0.4 if place in marks else 1e-4
        return out / out.sum(axis=1, keepdims=True)

    read_on_the_rule = steps("4" + npi + "4", {0, 11})
    monkeypatch.setattr(lines, "line_image", lambda piece: piece.astype(np.float32))
    monkeypatch.setattr(lines, "class_probabilities", lambda line, net=None: read_on_the_rule)
    slot = SimpleNamespace(places={"pin": np.zeros((lines.HEIGHT, 40), np.uint8)}, members=[("pin", 0, 0)])
    out = lines.likeliest_billing_npi([slot], {"pin": Reading("12020454 14", 0.3)})
    assert out["pin"].text == npi and "valid NPI the line recogniser finds likeliest" in out["pin"].repaired
    assert out["pin"].confidence <= lines.DISAGREE_CONFIDENCE and out["pin"].chosen_by == parse.NPI_CHECK
    valid = {"pin": Reading("1245319599", 0.9)}  # a valid NPI read: the check digit vouches for it, nothing chosen
    assert lines.likeliest_billing_npi([slot], valid) == valid
    lines._width_probabilities.cache_clear()
    read_on_the_rule = steps("9999999999", set())  # the box plainly reads no NPI near what Tesseract read
    unsure = {"pin": Reading("1202045414", 0.3)}
    assert lines.likeliest_billing_npi([slot], unsure) == unsure

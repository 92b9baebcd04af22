"""The fax code reader (ocr.codes): a 24D line's glyphs scored against every catalog combination, and
the decode weighed against Tesseract's reading: agreement confirms, a sure disagreement is a repair for
staff, a doubtful one puts the line in doubt."""

from string import ascii_uppercase

import numpy as np
import pytest

from claims_intake.cms1500 import parse
from claims_intake.cms1500.mapping import CODE_READER, REPAIRED_CONFIDENCE, FormPage, Reading, claims_from_pages
from claims_intake.ocr import codes
from claims_intake_dev.testdata import mailroom

ALPHABET = "0123456789" + ascii_uppercase


def _logs(spelling: str, sure: float = 0.9, unsure: dict[int, dict[str, float]] | None = None) -> np.ndarray:
    """Log-probabilities of glyphs that read `spelling` with probability `sure`, except the places in
    `unsure`, which spread their probability as given."""
    probabilities = np.full((len(spelling), len(ALPHABET)), (1 - sure) / (len(ALPHABET) - 1))
    for place, char in enumerate(spelling):
        probabilities[place, ALPHABET.index(char)] = sure
    for place, spread in (unsure or {}).items():
        probabilities[place] = (1 - sum(spread.values())) / (len(ALPHABET) - len(spread))
        for other, p in spread.items():
            probabilities[place, ALPHABET.index(other)] = p
    return np.log(probabilities)


def test_the_combination_whose_spelling_the_glyphs_favour_wins_even_with_its_letter_unsure():
    # the letter is as likely an I as a T: only T1019 is a catalog code, so the four digits decide
    code = _logs("T1019", unsure={0: {"T": 0.4, "I": 0.4}})
    decoded = codes.rank(code, [_logs("U6")], parse.combination_options(), ALPHABET)
    assert (decoded.code, decoded.modifiers) == ("T1019", ("U6",)) and decoded.share > 0.9


def test_two_combinations_the_glyphs_cannot_tell_apart_share_the_probability():
    code = _logs("G9008")
    modifier = _logs("U1", unsure={1: {"1": 0.45, "8": 0.45}})  # G9008 U1 and G9008 U8 are both in the catalog
    decoded = codes.rank(code, [modifier], parse.combination_options(), ALPHABET)
    assert decoded.code == "G9008" and decoded.share < 0.6


def test_only_combinations_with_as_many_modifiers_as_inked_cells_are_scored():
    decoded = codes.rank(_logs("G9008"), [_logs("U1"), _logs("GQ")], parse.combination_options(), ALPHABET)
    assert decoded.modifiers == ("U1", "GQ")
    assert codes.rank(_logs("G9008"), [_logs("U1")] * 4, parse.combination_options(), ALPHABET) is None


def _line(cpt: str, mod: str, decoded: str, share: float):
    readings = {
        "cpt1": Reading(cpt, 0.97, alternatives=(decoded,), decode_share=share),
        "mod1": Reading(mod, 0.97),
        "ch1": Reading("100 00", 0.97),
        "day1": Reading("1", 0.97),
        "diag1": Reading("A", 0.97),
        "diagnosis1": Reading("Z59.01", 0.97),
    }
    claims, _ = claims_from_pages(
        "f.tif", [FormPage(1, readings)], source_kind="scan", claim_id_prefix="t", review_confidence=0.8
    )
    line = claims[0].lines[0]
    return line, line.provenance["procedure_code"], line.provenance["procedure_modifiers"]


def test_a_sure_decode_agreeing_with_tesseract_confirms_both_halves():
    line, code, modifiers = _line("G9008", "U1", "G9008 U1", 0.97)
    assert (line.procedure_code, line.procedure_modifiers) == ("G9008", ["U1"])
    assert code.confidence >= parse.CONFIRMED and modifiers.confidence >= parse.CONFIRMED


def test_a_decode_confirms_a_snapped_line_and_says_so():
    line, code, _ = _line("G90O8", "UI", "G9008 U1", 0.97)  # read with an O and an I: snapped, then confirmed
    assert line.procedure_code == "G9008"
    assert f"confirmed by {CODE_READER}" in code.repaired and code.confidence >= parse.CONFIRMED


def test_a_sure_decode_that_differs_is_a_repair_for_staff():
    line, code, modifiers = _line("TIOW", "WB", "T1019 U6", 0.97)
    assert (line.procedure_code, line.procedure_modifiers) == ("T1019", ["U6"])
    assert CODE_READER in code.repaired and "TIOW" in code.repaired
    assert code.confidence <= REPAIRED_CONFIDENCE and modifiers.confidence <= REPAIRED_CONFIDENCE


def test_an_unsure_decode_changes_nothing():
    _, sure_code, _ = _line("G9008", "U1", "G9008 U8", 0.3)
    _, plain_code, _ = _line("G9008", "U1", "G9008 U1", 0.3)
    assert sure_code.confidence == plain_code.confidence and sure_code.repaired is None


def test_the_shipped_weights_know_every_character_of_the_catalogs_combinations_and_how_they_were_trained():
    from importlib import resources

    net = codes.code_net()
    needed = {ch for code, mods in parse.combination_options() for ch in code + "".join(mods)}
    assert needed <= set(net.alphabet) and net.net.w2.shape[-1] == len(net.alphabet)
    with resources.files("claims_intake").joinpath(codes.WEIGHTS).open("rb") as handle:
        data = np.load(handle)
        assert "TUNING" in str(data["seeds"]) and "glyphs" in str(data["trained_on"])


@pytest.mark.slow
def test_the_24d_lines_of_a_generated_fax_decode_to_their_printed_combinations():
    from claims_intake.limits import default_limits
    from claims_intake.ocr.pages import image_pages
    from claims_intake.ocr.scan import ocr_settings, prepare_page

    case = mailroom.make_case("fax200", 4321, lines=4)  # a TUNING seed outside the training range
    page = next(iter(image_pages(case.data, case.filename, "tiff", default_limits())))
    pieces = codes.code_pieces(prepare_page(page, ocr_settings()).slots)
    printed = case.sample.pages[0]
    right = 0
    for n in range(1, 5):
        decoded = codes.decode_line(pieces, n, parse.combination_options())
        wanted = " ".join(printed[f] for f in (f"cpt{n}", f"mod{n}", f"mod{n}a") if printed.get(f))
        right += decoded is not None and decoded.text == wanted
    assert right >= 3


def _text(*blobs: tuple[int, int, int, int], height: int = 20, width: int = 60) -> np.ndarray:
    """A white text line with dark rectangles (x0, x1, y0, y1)."""
    image = np.full((height, width), 255, dtype=np.uint8)
    for x0, x1, y0, y1 in blobs:
        image[y0:y1, x0:x1] = 0
    return image


def test_a_box_21_code_splits_at_its_period_into_the_category_and_the_rest():
    # three characters, a period on the baseline, two characters
    text = _text((0, 8, 0, 20), (10, 18, 0, 20), (20, 28, 0, 20), (31, 34, 16, 20), (37, 45, 0, 20), (47, 55, 0, 20))
    left, right = codes.split_at_period(text)
    assert left.shape[1] == 31 and (right < 128).any(axis=0).sum() == 16
    spans = codes.icd_spans(text, 3, 2)
    assert len(spans) == 5 and all(x1 - x0 >= 7 for _, x0, x1 in spans)


def test_a_code_without_a_period_does_not_split():
    assert codes.split_at_period(_text((0, 8, 0, 20), (10, 18, 0, 20), (20, 28, 0, 20))) is None
    # a mark on the baseline at the end is no period: nothing is right of it
    assert codes.split_at_period(_text((0, 8, 0, 20), (10, 18, 0, 20), (20, 23, 16, 20))) is None


def _box21(read: str, decoded: str, share: float):
    readings = {
        "cpt1": Reading("G9008", 0.97),
        "mod1": Reading("U1", 0.97),
        "ch1": Reading("100 00", 0.97),
        "day1": Reading("1", 0.97),
        "diag1": Reading("A", 0.97),
        "diagnosis1": Reading(read, 0.8, alternatives=(decoded,), decode_share=share),
    }
    claims, _ = claims_from_pages(
        "f.tif", [FormPage(1, readings)], source_kind="scan", claim_id_prefix="t", review_confidence=0.8
    )
    line = claims[0].lines[0]
    return line.diagnosis_codes, line.provenance["diagnosis_codes"]


def test_a_sure_icd_decode_confirms_the_box_21_code_or_is_a_repair_for_staff():
    codes_read, source = _box21("Z59.01", "Z5901", 0.97)
    assert codes_read == ["Z5901"] and source.confidence >= parse.CONFIRMED
    codes_read, source = _box21("I449", "J449", 0.97)
    assert codes_read == ["J449"] and CODE_READER in source.repaired and source.confidence <= REPAIRED_CONFIDENCE
    codes_read, source = _box21("I449", "J449", 0.4)
    assert codes_read == ["I449"] and (source.repaired is None or CODE_READER not in source.repaired)


def test_a_box_21_reading_that_is_no_code_takes_the_likeliest_decode_for_staff():
    # '10' (the I of I10 lost) and 'I25902' (a speck before Z5902's Z, read 2) are no code of the code set
    for read, decoded in (("10", "I10"), ("1259.02", "Z5902")):
        codes_read, source = _box21(read, decoded, 0.6)
        assert codes_read == [decoded] and "no ICD-10-CM code" in source.repaired
        assert source.confidence <= REPAIRED_CONFIDENCE
    codes_read, _ = _box21("10", "I10", 0.4)  # the decode no likelier than the other codes together: as read
    assert codes_read == ["10"]
    # a category is a code, only not billable: the provider may have written it, so it stays as read
    codes_read, source = _box21("J10", "I10", 0.6)
    assert codes_read == ["J10"] and CODE_READER not in (source.repaired or "")


class _FakeNet:
    """Glyph log-probabilities by character count, as if read from a cell."""

    alphabet = ALPHABET

    def __init__(self, by_count):
        self.by_count = by_count

    def log_probabilities(self, piece, count):
        return self.by_count[count]


def test_pointers_decode_among_the_filled_box_21_letters_at_the_count_the_glyphs_favour(monkeypatch):
    two = _logs("AB", sure=0.95)
    # cut as one character, 'AB' is a poor glyph of anything; cut as three, the parts are poor glyphs
    one, three = _logs("A", sure=0.2), _logs("ABC", sure=0.2)
    monkeypatch.setattr(codes, "code_net", lambda: _FakeNet({1: one, 2: two, 3: three}))
    decoded = codes.decode_pointers(np.zeros((20, 20)), "ABC")
    assert decoded.code == "AB" and decoded.share > 0.9
    # a letter no box-21 code stands behind is never a pointer
    assert codes.decode_pointers(np.zeros((20, 20)), "AC").code != "AB"


def test_pointers_tesseract_read_as_distinct_filled_letters_set_the_least_count(monkeypatch):
    # squeezed into one glyph, 'AC' can look like a sure 'C' to a network never shown letter pairs
    one, two = _logs("C", sure=0.99), _logs("AC", sure=0.8)
    monkeypatch.setattr(codes, "code_net", lambda: _FakeNet({1: one, 2: two, 3: _logs("ABC", sure=0.2)}))
    assert codes.decode_pointers(np.zeros((20, 20)), "ABC").code == "C"
    assert codes.decode_pointers(np.zeros((20, 20)), "ABC", read="AC").code == "AC"
    # a reading that is no set of filled letters ('CC', 'Bo', '?') leaves every count open
    for read in ("CC", "Bo", "?", "AD"):
        assert codes.decode_pointers(np.zeros((20, 20)), "ABC", read=read).code == "C"


def test_a_sure_pointer_decode_that_finds_a_lost_letter_is_a_repair_not_confirmed_by_box_21():
    readings = {
        "cpt1": Reading("G9008", 0.97),
        "mod1": Reading("U1", 0.97),
        "ch1": Reading("100 00", 0.97),
        "day1": Reading("1", 0.97),
        "diag1": Reading("A", 0.97, alternatives=("AB",), decode_share=0.97),
        "diagnosis1": Reading("Z59.01", 0.97),
        "diagnosis2": Reading("F20.9", 0.97),
    }
    claims, _ = claims_from_pages(
        "f.tif", [FormPage(1, readings)], source_kind="scan", claim_id_prefix="t", review_confidence=0.8
    )
    line = claims[0].lines[0]
    source = line.provenance["diagnosis_codes"]
    assert line.diagnosis_codes == ["Z5901", "F209"]
    assert CODE_READER in source.repaired and source.confidence <= REPAIRED_CONFIDENCE


def test_a_24e_cell_tesseract_gave_no_word_takes_the_sure_pointer_decode_as_a_repair(monkeypatch):
    # Tesseract ran 'GQ A' into one word placed in the modifier's cell: the 24E cell has ink but no reading
    monkeypatch.setattr(codes, "code_pieces", lambda slots: {"diag1": np.zeros((20, 12))})
    monkeypatch.setattr(codes, "decode_pointers", lambda piece, filled, read="": codes.LineDecode("A", (), 0.97))
    readings = {
        "cpt1": Reading("G9008", 0.97),
        "mod1": Reading("GOA", 0.97),
        "ch1": Reading("100 00", 0.97),
        "day1": Reading("1", 0.97),
        "diagnosis1": Reading("Z59.01", 0.97),
    }
    read = codes.second_code_reading([], readings)
    assert read["diag1"].text == "A" and "alone" in read["diag1"].repaired
    claims, _ = claims_from_pages(
        "f.tif", [FormPage(1, read)], source_kind="scan", claim_id_prefix="t", review_confidence=0.8
    )
    line = claims[0].lines[0]
    source = line.provenance["diagnosis_codes"]
    assert line.diagnosis_codes == ["Z5901"]
    assert "fax code reader alone" in source.repaired and source.confidence <= REPAIRED_CONFIDENCE
    # an unsure decode leaves the cell unread
    monkeypatch.setattr(codes, "decode_pointers", lambda piece, filled, read="": codes.LineDecode("A", (), 0.6))
    assert "diag1" not in codes.second_code_reading([], readings)


def test_a_first_glyph_read_as_a_digit_counts_for_the_letter_the_box_21_rule_reads_it_as():
    logs = codes.first_glyph_as_letter(_logs("110", sure=0.99), ALPHABET)
    assert np.exp(logs[0, ALPHABET.index("I")]) > 0.99  # '1' -> I, as parse.ICD_FIRST_LETTER reads it
    assert np.exp(logs[0, ALPHABET.index("Z")]) < 0.01
    assert np.array_equal(logs[1:], _logs("110", sure=0.99)[1:])  # only the first glyph: 'I10', not 'III'


def test_icd_decode_reads_a_code_whose_first_letter_looks_like_a_digit(monkeypatch):
    class _SpanNet:
        alphabet = ALPHABET

        def feature_log_probabilities(self, glyphs):  # decode_icd's batch: one row of features a glyph
            return _logs("110" if len(glyphs) == 3 else "1100"[: len(glyphs)].ljust(len(glyphs), "0"), sure=0.95)

    monkeypatch.setattr(codes, "code_net", lambda: _SpanNet())
    piece = np.full((30, 60), 255.0)
    piece[5:25, 5:50] = 0.0
    decoded = codes.decode_icd(piece)
    assert decoded is not None and decoded.code == "I10" and decoded.share > 0.9


def test_a_box_21_code_tesseract_read_as_a_code_sets_the_least_length_of_the_decode(monkeypatch):
    class _SpanNet:
        alphabet = ALPHABET

        def feature_log_probabilities(self, glyphs):  # squeezed into 4 glyphs, 'Z5941' looks like a sure 'Z594'
            spelling = {3: "Z59", 4: "Z594", 5: "Z5941"}.get(len(glyphs), "Z5941".ljust(len(glyphs), "0"))
            return _logs(spelling, sure=0.99 if len(glyphs) == 4 else 0.9)

    monkeypatch.setattr(codes, "code_net", lambda: _SpanNet())
    piece = np.full((30, 80), 255.0)
    piece[5:25, 5:75] = 0.0
    assert codes.decode_icd(piece).code == "Z594"
    assert codes.decode_icd(piece, read="Z59.41").code == "Z5941"
    assert codes.decode_icd(piece, read="?").code == "Z594"  # no code: every length stays open
    assert codes.decode_icd(piece, read="259.41").code == "Z5941"  # as the parse reads it: a leading 2 is a Z


def test_glyphs_that_fit_a_billable_code_and_a_category_alike_read_as_the_billable_code(monkeypatch):
    class _SpanNet:  # the first glyph an I or a J, equally: I10 is billable, J10 only a category (J10.0-J10.8)
        alphabet = ALPHABET

        def feature_log_probabilities(self, glyphs):
            if len(glyphs) == 3:
                return _logs("I10", sure=0.95, unsure={0: {"I": 0.45, "J": 0.45}})
            return _logs("J10".ljust(len(glyphs), "0"), sure=0.3)

    monkeypatch.setattr(codes, "code_net", lambda: _SpanNet())
    piece = np.full((30, 60), 255.0)
    piece[5:25, 5:50] = 0.0
    decoded = codes.decode_icd(piece)
    assert decoded is not None and decoded.code == "I10" and decoded.share > 0.9
    assert parse.billable_icd10("I10") and parse.icd10_category("J10") and not parse.billable_icd10("J10")


def test_the_code_reader_decodes_a_fax_page_after_the_line_recogniser_has_read_its_cells(monkeypatch):
    """24E read 'te' by Tesseract and 'BC' by the line recogniser: the pointer decode takes 'BC' as the least
    count, as it would Tesseract's reading (decoded against 'te', every count open, it had chosen 'B')."""
    from claims_intake.ocr import scan

    monkeypatch.setattr(scan, "second_reading", lambda slots, readings: readings)
    monkeypatch.setattr(scan, "second_line_reading", lambda slots, readings, fax, boxes: readings)
    recogniser = lambda slots, readings, fax: {**readings, "diag1": Reading("BC", 0.9)}
    monkeypatch.setattr(scan, "second_cell_reading", recogniser)
    decoded_with = []
    monkeypatch.setattr(codes, "code_pieces", lambda slots: {"diag1": np.zeros((20, 40))})
    monkeypatch.setattr(
        codes,
        "decode_pointers",
        lambda piece, filled, read="": decoded_with.append(read) or codes.LineDecode(read, (), 0.97),
    )
    readings = {
        "diagnosis2": Reading("F20.9", 0.97),
        "diagnosis3": Reading("Z59.10", 0.97),
        "diag1": Reading("te", 0.3),
    }
    page = scan.PreparedPage(1, [], [], {}, fax=True)
    out = scan.second_readings(page, readings)
    assert decoded_with == ["BC"] and out["diag1"].alternatives == ("BC",)

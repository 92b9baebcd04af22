"""Box 1a on faxes (ocr.codes.decode_cin, cms1500.mapping._weigh_cin_decode): the member's CIN read a
second time as eight digits and a letter by the fax code reader, and weighed against Tesseract's reading:
sure digits confirm or repair it (for staff), unsure digits that differ put it in doubt, the reader's
letter never overrules one Tesseract read."""

from types import SimpleNamespace

import numpy as np
import pytest

from claims_intake.cms1500 import parse
from claims_intake.cms1500.mapping import CODE_READER, REPAIRED_CONFIDENCE, FormPage, Reading, claims_from_pages
from claims_intake.ocr import codes, digits
from claims_intake_dev.testdata import mailroom


def _cin(read: str, decoded: codes.CinDecode | None, confidence: float = 0.97, ocr: bool = True):
    readings = {
        "insurance_id": Reading(read, confidence, cin_decode=decoded),
        "cpt1": Reading("G9008", 0.97),
        "mod1": Reading("U1", 0.97),
        "ch1": Reading("100 00", 0.97),
        "day1": Reading("1", 0.97),
    }
    claims, _ = claims_from_pages(
        "f.tif",
        [FormPage(1, readings)],
        source_kind="scan" if ocr else "fillable_pdf",
        claim_id_prefix="t",
        review_confidence=0.8,
    )
    return claims[0].member_cin, claims[0].provenance["member_cin"]


def test_sure_digits_with_the_letter_tesseract_read_repair_a_misread_cin_for_staff():
    cin, source = _cin("K5715681M", codes.CinDecode("85715681", 0.97, "B", 0.48))
    assert cin == "85715681M"  # Tesseract's M, not the reader's unsure B
    assert CODE_READER in source.repaired and "K5715681M" in source.repaired
    assert source.confidence <= REPAIRED_CONFIDENCE


def test_a_letter_tesseract_read_as_a_digit_is_the_readers_when_likelier_than_not():
    cin, source = _cin("253791088", codes.CinDecode("25379108", 0.99, "S", 0.99))
    assert cin == "25379108S" and CODE_READER in source.repaired
    cin, _ = _cin("326525063", codes.CinDecode("32652506", 0.99, "B", 0.4))
    assert cin == "326525063"  # the reader's letter too unsure to fill the place: kept as read


def test_the_readers_letter_never_overrules_the_letter_tesseract_read():
    cin, source = _cin("62207024Y", codes.CinDecode("62207024", 0.99, "T", 0.99))
    assert cin == "62207024Y" and source.repaired is None


def test_agreement_on_all_nine_characters_confirms_the_cin():
    cin, source = _cin("10009882T", codes.CinDecode("10009882", 0.98, "T", 0.99), confidence=0.6)
    assert cin == "10009882T" and source.confidence >= parse.CONFIRMED


def test_unsure_digits_that_differ_put_the_cin_read_in_doubt():
    cin, source = _cin("10459237D", codes.CinDecode("10450237", 0.55, "D", 1.0))
    assert cin == "10459237D"  # kept as read: the reader is not sure enough to change it
    assert CODE_READER in source.repaired and source.confidence <= REPAIRED_CONFIDENCE
    cin, source = _cin("10450237D", codes.CinDecode("10450237", 0.55, "D", 1.0))
    assert cin == "10450237D" and source.repaired is None  # unsure but agreeing: nothing changes


def test_a_fillable_pdf_or_a_page_without_a_decode_keeps_its_cin():
    assert _cin("K5715681M", None)[0] == "K5715681M"
    cin, source = _cin("K5715681M", codes.CinDecode("85715681", 0.99, "M", 0.99), ocr=False)
    assert cin == "K5715681M" and source.repaired is None


@pytest.mark.slow
def test_the_cin_of_a_generated_204_by_98_fax_decodes_to_its_printed_digits():
    from claims_intake.limits import default_limits
    from claims_intake.ocr.pages import image_pages
    from claims_intake.ocr.scan import ocr_settings, prepare_page

    case = mailroom.make_case("fax_standard", 7000)  # a TUNING seed outside the readers' training range
    page = next(iter(image_pages(case.data, case.filename, "tiff", default_limits())))
    piece = digits.cell_pieces(prepare_page(page, ocr_settings()).slots, lambda name: name == "insurance_id")
    decoded = codes.decode_cin(piece["insurance_id"])
    printed = case.sample.pages[0]["insurance_id"]
    assert decoded is not None and decoded.digits == printed[:8] and decoded.share >= 0.9


def _nine_glyphs() -> np.ndarray:
    """Box 1a's ink as nine solid glyphs on a white cell: eight digits at one pitch, then a letter."""
    piece = np.full((30, 130), 255, dtype=np.uint8)
    for left in [4 + 12 * i for i in range(8)] + [104]:
        piece[8:22, left : left + 8] = 0
    return piece


def test_the_cin_is_cut_for_training_as_the_reader_cuts_it():
    spans = codes.cin_spans(_nine_glyphs())
    assert spans is not None and len(spans) == codes.CIN_DIGITS + 1
    letter, x0, x1 = spans[-1]
    assert x0 == 0 and x1 == letter.shape[1] and letter.shape[1] < 14  # the letter alone, cut off the digits
    assert codes.cin_spans(np.full((30, 130), 255, dtype=np.uint8)) is None  # no ink, no glyphs


def test_the_code_reader_learns_the_cins_letter_and_the_digit_reader_skips_box_1a():
    from claims_intake_dev import digit_training

    cells = [("fax200", "insurance_id", "12345678M", 20_000, _nine_glyphs())]
    _, labels, _, _ = digit_training.glyph_set(cells, reader=digit_training.READERS["codes"])
    alphabet = digit_training.READERS["codes"].alphabet
    assert "".join(alphabet[i] for i in labels) == "12345678M"
    features, _, _, _ = digit_training.glyph_set(cells, reader=digit_training.READERS["digits"])
    assert len(features) == 0


def test_only_a_printed_cin_is_learnt_from_box_1a():
    from claims_intake_dev import digit_training

    slot = SimpleNamespace(image=_nine_glyphs(), members=[("insurance_id", float("-inf"), float("inf"))])
    assert [cell[1] for cell in digit_training._cin_cells([slot], {"insurance_id": "12345678M"})] == ["12345678M"]
    assert digit_training._cin_cells([slot], {"insurance_id": "XYZ1234567"}) == []

"""What faxes and copies do to punctuation: a comma read as '.', a '1' read as '|'. Each repair is
flagged (below the review threshold, `repaired` says what changed); typed fillable-PDF values are
never repaired."""

import pytest

from claims_intake.cms1500 import parse
from claims_intake.cms1500.mapping import FormPage, Reading, claims_from_pages

REVIEW = 0.80


def _claim(readings: dict[str, str], source_kind: str = "scan", confidence: float = 0.92):
    base = {"cpt1": "G9008", "mod1": "U1", "ch1": "100 00", "day1": "1"}
    page = FormPage(1, {name: Reading(text, confidence) for name, text in {**base, **readings}.items()})
    claims, errors = claims_from_pages(
        "f.pdf", [page], source_kind=source_kind, claim_id_prefix="t", review_confidence=REVIEW
    )
    assert not errors
    return claims[0]


def test_a_period_where_box_2_has_its_comma_splits_the_name_and_is_flagged():
    claim = _claim({"pt_name": "DAVIS. FATIMA, A"})
    assert (claim.member_last_name, claim.member_first_name) == ("DAVIS", "FATIMA")
    for key in ("member_last_name", "member_first_name"):
        assert claim.provenance[key].repaired and claim.provenance[key].confidence < REVIEW


def test_a_semicolon_where_box_2_has_its_comma_splits_the_name_and_is_flagged():
    claim = _claim({"pt_name": "DAVIS; MICHAEL, G"})
    assert (claim.member_last_name, claim.member_first_name) == ("DAVIS", "MICHAEL")
    assert claim.provenance["member_last_name"].repaired and claim.confidence("member_last_name") < REVIEW


def test_a_quote_mark_a_speck_left_before_a_name_is_dropped_and_flagged():
    claim = _claim({"pt_name": "\u2018PATEL, JAMES, J~"})
    assert (claim.member_last_name, claim.member_first_name) == ("PATEL", "JAMES")
    assert claim.provenance["member_last_name"].repaired and claim.confidence("member_last_name") < REVIEW
    assert not claim.provenance["member_first_name"].repaired


def test_a_name_with_its_commas_is_not_repaired():
    claim = _claim({"pt_name": "DAVIS, FATIMA, A."})
    assert (claim.member_last_name, claim.member_first_name) == ("DAVIS", "FATIMA")
    assert not claim.provenance["member_last_name"].repaired


def test_a_typed_name_is_never_re_punctuated():
    claim = _claim({"pt_name": "DAVIS. FATIMA, A"}, source_kind="fillable_pdf", confidence=1.0)
    assert not claim.provenance["member_last_name"].repaired


def test_a_bar_beside_the_digits_of_an_account_number_is_a_flagged_one():
    fixed = parse.fix_identifier("CS-2026-2468 |")
    assert fixed.text == "CS-2026-24681" and fixed.repaired
    claim = _claim({"pt_account": "CS-2026-2468 |"})
    assert claim.invoice_number == "CS-2026-24681"
    assert claim.provenance["invoice_number"].repaired and claim.confidence("invoice_number") < REVIEW


def test_an_account_number_without_a_bar_keeps_its_characters():
    assert parse.fix_identifier("INV-2026-50111") == parse.Fixed("INV-2026-50111")


def test_a_gap_in_an_account_number_is_flagged_even_with_no_separator_left():
    # the gap may be a lost '-': 'INV- 2026 70494' was INV-2026-70494, joined it read 'INV-202670494'; a dotted fax
    # can lose every dash ('INV 2026 53783' was INV-2026-53783), so a gap alone is doubt enough
    cases = (
        ("INV- 2026 70494", "INV-202670494"),
        ("INV-2026-501 11", "INV-2026-50111"),
        ("INV 2026 53783", "INV202653783"),
        ("ABC 123", "ABC123"),
    )
    for read, joined in cases:
        fixed = parse.fix_identifier(read)
        assert fixed.text == joined and fixed.repaired and fixed.factor < 1


@pytest.mark.parametrize(
    ("read", "taken"),
    [
        ("INV 2026-19681", "INV-2026-19681"),  # the dash the rest is written with, lost where letters meet digits
        ("CS 2026/12010", "CS/2026/12010"),
        ("ECM-2026 A7", "ECM-2026-A7"),
        ("INV-2026-501 11", "INV-2026-50111"),  # among digits a gap may be a split number: joined
        ("INV 2026-12/4", "INV2026-12/4"),  # two separators: nothing says which was lost
    ],
)
def test_a_gap_where_letters_meet_digits_is_the_separator_the_number_is_written_with(read, taken):
    fixed = parse.fix_identifier(read)
    assert fixed.text == taken and fixed.repaired and fixed.factor < 1


def test_a_modifier_no_combination_uses_is_doubted_on_a_scan_only():
    claim = _claim({"mod1": "YL"})  # G9008 has U1 and U8 (each two characters from YL): no one nearest
    assert claim.lines[0].procedure_modifiers == ["YL"]
    assert claim.lines[0].confidence("procedure_modifiers") < REVIEW
    typed = _claim({"mod1": "YL"}, source_kind="fillable_pdf", confidence=1.0)
    assert typed.lines[0].confidence("procedure_modifiers") == 1.0


def _dates(start: tuple[str, str], end: tuple[str, str]):
    return _claim(
        {
            "sv1_mm_from": start[0],
            "sv1_dd_from": start[1],
            "sv1_yy_from": "26",
            "sv1_mm_end": end[0],
            "sv1_dd_end": end[1],
            "sv1_yy_end": "26",
        }
    ).lines[0]


def test_from_and_to_one_confusable_digit_apart_are_doubted():
    line = _dates(("08", "12"), ("09", "12"))
    assert line.confidence("service_start_date") < REVIEW and line.confidence("service_end_date") < REVIEW


def test_a_two_day_service_is_not_doubted():
    line = _dates(("09", "01"), ("09", "02"))
    assert line.confidence("service_start_date") > REVIEW and line.confidence("service_end_date") > REVIEW


NPI = "1083330419"  # check digit valid


def _npi_claim(readings: list[str]):
    cells = {}
    for n, reading in enumerate(readings, start=1):
        cells.update({f"cpt{n}": "G9008", f"mod{n}": "U1", f"ch{n}": "100 00", f"day{n}": "1", f"local{n}": reading})
    return _claim(cells)


def test_a_24j_npi_the_other_lines_read_whole_is_taken_and_flagged_as_confirmed():
    claim = _npi_claim([NPI, NPI, "108333049"])  # a fax lost one digit on line 3
    line = claim.lines[2]
    assert line.rendering_provider_npi == NPI
    assert "confirmed by them" in line.provenance["rendering_provider_npi"].repaired


def test_a_different_valid_npi_on_one_line_is_kept():
    other = "1234567893"  # check digit valid: another rendering provider
    claim = _npi_claim([NPI, NPI, other])
    assert claim.lines[2].rendering_provider_npi == other
    assert not claim.lines[2].provenance["rendering_provider_npi"].repaired


def test_one_line_alone_offers_its_npi_for_staff_but_confirms_nothing():
    claim = _npi_claim([NPI, "108333049"])
    source = claim.lines[1].provenance["rendering_provider_npi"]
    assert claim.lines[1].rendering_provider_npi == NPI
    assert "another line read whole" in source.repaired and "confirmed" not in source.repaired
    assert source.confidence < parse.CONFIRMED


def test_lines_one_digit_apart_point_to_the_one_npi_their_check_digit_allows():
    # both readings fail the check digit and differ in one place: the error is there
    claim = _npi_claim([NPI[:4] + "7" + NPI[5:], NPI[:4] + "8" + NPI[5:], "10833"])
    assert [line.rendering_provider_npi for line in claim.lines[:2]] == [NPI, NPI]
    assert all("confirmed" not in line.provenance["rendering_provider_npi"].repaired for line in claim.lines[:2])
    assert claim.lines[2].rendering_provider_npi != NPI  # five digits read: too far from it


@pytest.mark.parametrize(
    "readings",
    [
        ["1083330418", "1083330418"],  # the same failing reading twice: nothing says where the error is
        ["1083390418", "1083330417"],  # two places differ
    ],
)
def test_readings_that_do_not_locate_one_digit_take_nothing(readings):
    claim = _npi_claim(readings)
    assert all(line.rendering_provider_npi != NPI for line in claim.lines)


@pytest.mark.parametrize("read", ["59352378W A", "59352378 W A", "59352378W AB"])
def test_a_short_word_read_after_a_whole_cin_is_dropped_and_flagged(read):
    fixed = parse.fix_cin(read)
    assert fixed.text == "59352378W" and fixed.repaired and fixed.factor < 1.0
    claim = _claim({"insurance_id": read})
    assert claim.member_cin == "59352378W" and claim.confidence("member_cin") < REVIEW


@pytest.mark.parametrize("read", ["59352378 W", "59352378W ABC", "5935237 8W"])
def test_a_cin_without_a_stray_word_after_it_is_not_cut(read):
    assert not (parse.fix_cin(read).repaired or "").endswith("(a speck)")


@pytest.mark.parametrize(
    ("read", "taken"),
    [
        ("INV-2025-38657\u00b0", "INV-2025-38657"),  # a rule's end read as a degree sign
        ("CS-2625-27174 \u00a9", "CS-2625-27174"),
        ("\u201cCS-2025-22433", "CS-2025-22433"),
        ("\u00b0INV 2026-19681", "INV-2026-19681"),  # and the lost separator repaired as without the mark
    ],
)
def test_a_mark_before_or_after_an_account_number_is_dropped_for_staff(read, taken):
    fixed = parse.fix_identifier(read)
    assert fixed.text == taken and fixed.factor < 1
    assert "marks no account number starts or ends with" in fixed.repaired
    claim = _claim({"pt_account": read})
    assert claim.invoice_number == taken and claim.confidence("invoice_number") < REVIEW

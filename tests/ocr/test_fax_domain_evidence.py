"""Domain evidence for what a fax loses: a 24A cell that did not read is taken from the line's other
date or from the year the page's other lines agree on; an ICD-10 reading is checked against the
billable code set. Every fill or snap is a repair for staff (`repaired`, confidence below review),
and the date it was taken from is marked too (their agreement is by construction). Typed
fillable-PDF values are never changed."""

from claims_intake.cms1500 import parse
from claims_intake.cms1500.mapping import REPAIRED_CONFIDENCE, FormPage, Reading, claims_from_pages

REVIEW = 0.80


def _claim(readings: dict[str, str], source_kind: str = "scan", confidence: float = 0.97):
    base = {"cpt1": "G9008", "mod1": "U1", "ch1": "100 00", "day1": "1", "diag1": "A"}
    page = FormPage(1, {name: Reading(text, confidence) for name, text in {**base, **readings}.items()})
    claims, errors = claims_from_pages(
        "f.tif", [page], source_kind=source_kind, claim_id_prefix="t", review_confidence=REVIEW
    )
    assert not errors
    return claims[0]


def _dates(n: int, start: tuple[str, str, str], end: tuple[str, str, str]) -> dict[str, str]:
    names = [f"sv{n}_{part}_{side}" for side in ("from", "end") for part in ("mm", "dd", "yy")]
    return dict(zip(names, (*start, *end), strict=True))


def test_a_to_day_that_did_not_read_is_taken_from_the_from_date_and_flagged():
    start, end, notes = parse.complete_line_dates(["06", "07", "26"], ["06", "0", "26"])
    assert (start, end) == (["06", "07", "26"], ["06", "07", "26"])
    assert notes == ["To day read '0': taken from the From date"]


def test_a_from_month_that_did_not_read_is_taken_from_the_to_date():
    start, _, notes = parse.complete_line_dates(["(6", "07", "26"], ["06", "07", "26"])
    assert start == ["06", "07", "26"] and notes[0].startswith("From month")


def test_dates_that_both_read_are_left_as_read_even_when_they_differ():
    start, end, notes = parse.complete_line_dates(["06", "07", "26"], ["06", "09", "26"])
    assert (start, end, notes) == (["06", "07", "26"], ["06", "09", "26"], [])


def test_a_blank_to_date_stays_blank_and_an_out_of_range_cell_is_not_a_reading():
    _, end, _ = parse.complete_line_dates(["06", "07", "2"], ["", "", ""], page_year="26")
    assert end == ["", "", ""]
    _, end, _ = parse.complete_line_dates(["06", "07", "26"], ["06", "41", "26"])
    assert end[1] == "07"  # day 41 cannot be: it did not read


def test_a_year_unreadable_in_both_dates_takes_the_year_the_page_agrees_on():
    start, end, notes = parse.complete_line_dates(["06", "07", "2"], ["06", "07", ""], page_year="26")
    assert start[2] == end[2] == "26"
    assert all("other lines are in 26" in note for note in notes)
    _, _, none = parse.complete_line_dates(["06", "07", "2"], ["06", "07", "("], page_year=None)
    assert not none


def test_a_filled_date_and_the_date_it_came_from_both_go_to_staff():
    claim = _claim({**_dates(1, ("06", "07", "26"), ("06", "0", "26"))})
    line = claim.lines[0]
    assert str(line.service_start_date) == str(line.service_end_date) == "2026-06-07"
    for key in ("service_start_date", "service_end_date"):
        source = line.provenance[key]
        assert source.repaired and source.confidence <= REPAIRED_CONFIDENCE
    assert "taken from the From date" in line.provenance["service_end_date"].repaired
    assert "unconfirmed" in line.provenance["service_start_date"].repaired


def test_the_page_year_needs_two_lines_that_read_it():
    lone = _claim(
        {
            **_dates(1, ("06", "07", "2"), ("06", "07", "")),
            "cpt2": "G9008",
            **_dates(2, ("06", "08", "26"), ("", "", "")),
        }
    )
    assert lone.lines[0].service_start_date is None  # one other reading of '26' is not agreement
    agreed = _claim(
        {
            **_dates(1, ("06", "07", "2"), ("", "", "")),
            "cpt2": "G9008",
            **_dates(2, ("06", "08", "26"), ("06", "08", "26")),
        }
    )
    assert str(agreed.lines[0].service_start_date) == "2026-06-07"
    assert agreed.lines[0].provenance["service_start_date"].repaired


def test_clean_dates_are_not_repaired():
    claim = _claim({**_dates(1, ("06", "07", "26"), ("06", "07", "26"))})
    assert not claim.lines[0].provenance["service_start_date"].repaired
    assert not claim.lines[0].provenance["service_end_date"].repaired


def test_typed_dates_are_never_filled():
    claim = _claim({**_dates(1, ("06", "07", "26"), ("06", "0", "26"))}, source_kind="fillable_pdf", confidence=1.0)
    assert claim.lines[0].service_end_date is None


def test_an_icd10_reading_one_stray_character_from_one_billable_code_is_snapped_and_flagged():
    fixed = parse.fix_icd10("F1I7.210")
    assert fixed.text == "F17210" and fixed.repaired and "F17210" in fixed.repaired


def test_an_icd10_reading_that_lost_its_letter_is_completed_only_when_one_code_fits():
    assert parse.fix_icd10("3449").factor == parse.INVALID  # H44.9, J44.9, R44.9: several fit, none chosen
    assert parse.fix_icd10("3449").text == "3449"


def test_an_icd10_reading_the_code_set_does_not_bill_stays_as_read_but_doubtful():
    fixed = parse.fix_icd10("S90.1")  # a category, not a billable code
    assert fixed.text == "S901" and fixed.factor == parse.INVALID and not fixed.repaired
    assert parse.fix_icd10("J44.9") == parse.Fixed("J449")


def test_a_typed_category_code_keeps_full_confidence_on_a_fillable_pdf():
    claim = _claim({"diagnosis1": "S90.1"}, source_kind="fillable_pdf", confidence=1.0)
    assert claim.lines[0].diagnosis_codes == ["S901"]
    assert claim.lines[0].provenance["diagnosis_codes"].confidence == 1.0


def test_a_year_read_with_leading_zeros_does_not_crash_the_date_checks():
    claim = _claim({**_dates(1, ("05", "05", "0026"), ("05", "05", "26"))})
    assert claim.lines[0].service_end_date is not None


def _claim_with_alternatives(readings: dict[str, str], alternatives: dict[str, tuple[str, ...]]):
    base = {"cpt1": "G9008", "mod1": "U1", "ch1": "100 00", "day1": "1", "diag1": "A"}
    cells = {
        name: Reading(text, 0.97, alternatives=alternatives.get(name, ()))
        for name, text in {**base, **readings}.items()
    }
    claims, errors = claims_from_pages(
        "f.tif", [FormPage(1, cells)], source_kind="scan", claim_id_prefix="t", review_confidence=REVIEW
    )
    assert not errors
    return claims[0]


def test_a_from_read_after_its_to_takes_the_other_readers_cell_that_puts_it_before():
    # the recogniser read the From day 18 where Tesseract read 13; the To is 01/13
    claim = _claim_with_alternatives(_dates(1, ("01", "18", "26"), ("01", "13", "26")), {"sv1_dd_from": ("13",)})
    line = claim.lines[0]
    assert str(line.service_start_date) == "2026-01-13"
    start, end = line.provenance["service_start_date"], line.provenance["service_end_date"]
    assert "From day read '18', another reader read '13'" in start.repaired and start.confidence <= REPAIRED_CONFIDENCE
    assert "unconfirmed" in end.repaired  # the To was part of the contradiction: staff verify it too


def test_dates_in_order_or_with_more_than_one_reading_that_fits_are_left_as_read():
    in_order = _claim_with_alternatives(_dates(1, ("01", "13", "26"), ("01", "18", "26")), {"sv1_dd_from": ("19",)})
    assert str(in_order.lines[0].service_start_date) == "2026-01-13"  # no contradiction: nothing chosen
    both = _claim_with_alternatives(
        _dates(1, ("01", "18", "26"), ("01", "13", "26")), {"sv1_dd_from": ("13",), "sv1_dd_end": ("19",)}
    )
    assert str(both.lines[0].service_start_date) == "2026-01-18"  # From 13 or To 19: two fits, staff choose
    assert str(both.lines[0].service_end_date) == "2026-01-13"


def _chosen(text: str) -> Reading:
    """A cell whose reading a second reader chose over Tesseract's (a repair for staff until confirmed)."""
    return Reading(text, 0.97, repaired=f"read by the fax digit reader as {text!r} (Tesseract read '6')")


def _claim_of_readings(readings: dict[str, Reading]):
    base = {"cpt1": "G9008", "mod1": "U1", "ch1": "100 00", "day1": "1", "diag1": "A"}
    cells = {**{name: Reading(text, 0.97) for name, text in base.items()}, **readings}
    claims, errors = claims_from_pages(
        "f.tif", [FormPage(1, cells)], source_kind="scan", claim_id_prefix="t", review_confidence=REVIEW
    )
    assert not errors
    return claims[0]


def test_a_cell_one_reader_chose_is_confirmed_by_the_same_cell_of_the_lines_other_date_read_clean():
    cells = {name: Reading(text, 0.97) for name, text in _dates(1, ("06", "01", "26"), ("06", "01", "26")).items()}
    line = _claim_of_readings({**cells, "sv1_mm_from": _chosen("06")}).lines[0]
    start = line.provenance["service_start_date"]
    assert "confirmed by the line's To date" in start.repaired and not start.unconfirmed_repair


def test_cells_chosen_on_both_dates_or_dates_that_differ_confirm_nothing():
    both = {name: Reading(text, 0.97) for name, text in _dates(1, ("06", "01", "26"), ("06", "01", "26")).items()}
    line = _claim_of_readings({**both, "sv1_mm_from": _chosen("06"), "sv1_mm_end": _chosen("06")}).lines[0]
    assert line.provenance["service_start_date"].unconfirmed_repair
    assert line.provenance["service_end_date"].unconfirmed_repair
    apart = {name: Reading(text, 0.97) for name, text in _dates(1, ("06", "01", "26"), ("06", "03", "26")).items()}
    line = _claim_of_readings({**apart, "sv1_mm_from": _chosen("06")}).lines[0]
    assert line.provenance["service_start_date"].unconfirmed_repair  # a two-day service: no cell vouches


def test_a_place_of_service_one_reader_chose_is_confirmed_by_another_line_that_read_it_whole():
    second = {"cpt2": Reading("G9008", 0.97), "mod2": Reading("U1", 0.97), "ch2": Reading("100 00", 0.97)}
    second |= {"day2": Reading("1", 0.97), "diag2": Reading("A", 0.97)}
    claim = _claim_of_readings({"place1": _chosen("14"), "place2": Reading("14", 0.97), **second})
    assert not claim.lines[0].provenance["place_of_service"].unconfirmed_repair
    alone = _claim_of_readings({"place1": _chosen("14"), "place2": Reading("12", 0.97), **second})
    assert alone.lines[0].provenance["place_of_service"].unconfirmed_repair

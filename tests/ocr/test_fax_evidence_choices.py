"""Domain evidence that chooses among the readers' candidates on a fax: the NPI check digit among the
digit reader's second choices, box 28 among two readings of the amounts, the DHCS catalog and the
ICD-10-CM code set among codes a misreading away. Each choice is a repair (`repaired`); it keeps a
confirmed confidence only when an independent check confirmed it, and it is made only when exactly
one candidate fits (several: the value stays as read, for staff)."""

from decimal import Decimal

import numpy as np
import pytest

from claims_intake.cms1500 import confusions, parse
from claims_intake.cms1500.mapping import (
    REPAIRED_CONFIDENCE,
    FormPage,
    Reading,
    _with_reading_repairs,
    claims_from_pages,
)
from claims_intake.model import Claim, Provenance, ServiceLine
from claims_intake.ocr import calibration, digits

REVIEW = 0.80
VALID_NPI = "1234567893"  # check digit right (Luhn with the 80840 prefix)
OTHER_VALID_NPI = "1234567802"


def _claim(readings: dict[str, Reading | str], source_kind: str = "scan"):
    base = {"cpt1": "G9008", "mod1": "U1", "ch1": "100 00", "day1": "1", "pt_name": "DOE, JANE"}
    merged = {**base, **readings}
    page = FormPage(1, {k: v if isinstance(v, Reading) else Reading(v, 0.97) for k, v in merged.items()})
    claims, errors = claims_from_pages(
        "f.tif", [page], source_kind=source_kind, claim_id_prefix="t", review_confidence=REVIEW
    )
    assert not errors
    return claims[0]


def _reading(best: str, unsure: dict[int, list[tuple[str, float]]]) -> digits.DigitReading:
    """A fax reading of `best`, sure of every character but those in `unsure` (place -> choices)."""
    choices = tuple(tuple(unsure.get(i, [(ch, 0.99)])) for i, ch in enumerate(best))
    return digits.DigitReading(best, tuple(c[0][1] for c in choices), choices)


# --- the digit reader's top-k --------------------------------------------------------------------


def test_each_character_keeps_its_likeliest_digits_best_first():
    rng = np.random.default_rng(0)
    spans = [(np.where(rng.random((16, 10)) < 0.4, 0, 255).astype(np.uint8), 0.0, 10.0) for _ in range(3)]
    reading = digits.read_spans(spans)
    assert len(reading.choices) == 3
    for choice, digit, p in zip(reading.choices, reading.digits, reading.probabilities, strict=True):
        assert len(choice) == digits.TOP_K and choice[0] == (digit, p)
        assert [q for _, q in choice] == sorted((q for _, q in choice), reverse=True)


def test_npi_candidates_change_one_unsure_digit_to_its_second_choices_or_tesseracts():
    mine = _reading("1234567892", {9: [("2", 0.6), ("3", 0.3), ("8", 0.01)]})
    candidates = digits.npi_candidates(mine, "1234567899")
    assert set(candidates) == {"1234567892", "1234567893", "1234567899"}  # 8 is under SECOND_CHOICE


def test_a_poor_reading_offers_no_changed_candidates():
    unsure = {i: [("5", 0.5), ("6", 0.4)] for i in range(3)}
    assert digits.npi_candidates(_reading("5554567890", unsure), "") == ()
    assert digits.npi_candidates(_reading("5554567890", unsure), "1234567893") == ("1234567893",)


def test_combine_hands_an_npi_its_candidates_and_whether_the_readers_agree():
    mine = _reading("1234567892", {9: [("2", 0.6), ("3", 0.3)]})
    agreed = digits.combine("local1", Reading("1234567892", 0.5), mine)
    assert VALID_NPI in agreed.alternatives and agreed.readers_agree
    apart = digits.combine("local1", Reading("1284567899", 0.5), mine)
    assert VALID_NPI in apart.alternatives and not apart.readers_agree
    assert digits.combine("sv1_dd_from", Reading("07", 0.5), digits.DigitReading("07", (0.9, 0.9))).alternatives == ()


# --- NPIs: the check digit chooses ---------------------------------------------------------------


def test_the_one_candidate_passing_the_check_digit_on_an_agreed_reading_is_confirmed():
    claim = _claim({"local1": Reading("1234567892", 0.3, alternatives=("1234567892", VALID_NPI), readers_agree=True)})
    line = claim.lines[0]
    source = line.provenance["rendering_provider_npi"]
    assert line.rendering_provider_npi == VALID_NPI
    assert "confirmed by the NPI check digit" in source.repaired and source.confidence >= parse.CONFIRMED


def test_the_one_passing_candidate_of_readers_that_disagree_is_a_repair_for_staff():
    claim = _claim({"local1": Reading("1284567899", 0.3, alternatives=("1234567892", VALID_NPI))})
    source = claim.lines[0].provenance["rendering_provider_npi"]
    assert claim.lines[0].rendering_provider_npi == VALID_NPI
    assert source.repaired and "confirmed" not in source.repaired and source.confidence <= REPAIRED_CONFIDENCE


def test_an_npi_cell_read_empty_takes_its_one_passing_candidate_for_staff_never_confirmed():
    # the readers "agree" on an empty cell: the check digit confirms one digit off an agreed reading, not a guess
    claim = _claim({"local1": Reading("", 0.0, alternatives=(VALID_NPI,), readers_agree=True)})
    source = claim.lines[0].provenance["rendering_provider_npi"]
    assert claim.lines[0].rendering_provider_npi == VALID_NPI
    assert "read blank" in source.repaired and "confirmed" not in source.repaired
    assert source.confidence <= REPAIRED_CONFIDENCE
    assert _claim({"local1": Reading("", 0.0)}).lines[0].rendering_provider_npi in (None, "")


def test_the_mapping_gets_an_npi_cell_read_empty_only_with_a_candidate():
    from claims_intake.ocr import scan

    assert scan._kept("local2", Reading("", 0.0, alternatives=(VALID_NPI,)))
    assert scan._kept("pin", Reading("", 0.0, alternatives=(VALID_NPI,)))
    assert not scan._kept("local2", Reading("", 0.0))
    assert not scan._kept("cpt1", Reading("", 0.0, alternatives=("T1019",)))  # the check digit is an NPI's alone
    assert scan._kept("cpt1", Reading("T1019", 0.9))


def test_several_candidates_passing_the_check_digit_go_to_staff_as_read():
    fixed = parse.fix_npi("1234567892", (VALID_NPI, OTHER_VALID_NPI), readers_agree=True)
    assert fixed.text == "1234567892" and fixed.factor == parse.INVALID and not fixed.repaired
    claim = _claim({"local1": Reading("1234567892", 0.3, alternatives=(VALID_NPI, OTHER_VALID_NPI))})
    line = claim.lines[0]
    assert line.rendering_provider_npi == "1234567892"  # as read, check digit failing: for staff
    assert line.provenance["rendering_provider_npi"].confidence < REVIEW


def test_a_reading_that_passes_as_read_ignores_its_candidates():
    assert parse.fix_npi(VALID_NPI, (OTHER_VALID_NPI,)) == parse.Fixed(
        VALID_NPI, floor=parse.CONFIRMED, confirmed_by=parse.NPI_CHECK
    )


# --- the confirmation names its own check --------------------------------------------------------


def test_a_readers_repair_is_confirmed_only_by_a_check_the_rule_names():
    reading = Reading("1234567893", 0.9, repaired="read by the fax digit reader as '1234567893'")
    unnamed = _with_reading_repairs(parse.Fixed("1234567893", floor=parse.CONFIRMED), [reading])
    assert "confirmed" not in unnamed.repaired and unnamed.floor < parse.CONFIRMED
    named = _with_reading_repairs(
        parse.Fixed("1234567893", floor=parse.CONFIRMED, confirmed_by="box 28 total"), [reading]
    )
    assert named.repaired.endswith("confirmed by box 28 total") and named.floor == parse.CONFIRMED


def test_calibration_takes_only_a_named_check_for_a_confirmation():
    claim = Claim(source_kind="scan")
    line = ServiceLine(procedure_code="G9008", procedure_modifiers=["U1"])
    claim.lines.append(line)
    for note, confirmed in (("kept as read, unconfirmed", 0.0), ("24F read 1, confirmed by box 28 total", 1.0)):
        line.provenance["procedure_code"] = Provenance(box="24D", confidence=0.8, repaired=note)
        ref = calibration.ValueRef(line, "procedure_code", 1)
        signals = dict(zip(calibration.feature_names(), calibration.value_signals(claim, ref), strict=True))
        assert signals["repair_confirmed"] == confirmed


def test_a_combination_a_repair_chose_from_the_catalog_is_no_agreement_of_the_catalog():
    claim = Claim(source_kind="scan")
    line = ServiceLine(procedure_code="G9008", procedure_modifiers=["U1"])
    claim.lines.append(line)
    line.provenance["procedure_code"] = Provenance(box="24D", confidence=0.9)
    line.provenance["procedure_modifiers"] = Provenance(box="24D", confidence=0.7, repaired="modifiers snapped")
    assert calibration.cross_check(claim, calibration.ValueRef(line, "procedure_code", 1)) == 0
    line.provenance["procedure_modifiers"] = Provenance(box="24D", confidence=0.9)
    assert calibration.cross_check(claim, calibration.ValueRef(line, "procedure_code", 1)) == 1
    line.procedure_modifiers = ["U6"]
    assert calibration.cross_check(claim, calibration.ValueRef(line, "procedure_code", 1)) == -1


# --- codes: the catalog and the code set choose --------------------------------------------------


def test_misread_cost_counts_confusable_shapes_as_half_an_edit():
    assert confusions.misread_cost("T1O16", "T1016") == confusions.CONFUSABLE_COST
    assert confusions.misread_cost("G902", "G9012") == confusions.EDIT_COST
    assert confusions.misread_cost("T2018", "T2038") == confusions.EDIT_COST


def test_a_code_and_modifiers_are_snapped_to_the_one_nearest_combination():
    assert parse.snap_combination("G902", ["U8"])[:2] == ("G9012", ["U8"])
    assert parse.snap_combination("H0O0O14", ["U6"])[:2] == ("H0014", ["U6"])
    assert parse.snap_combination("T1O16", [])[:2] == ("T1016", [])


def test_a_code_several_combinations_fit_equally_is_left_as_read():
    assert parse.snap_combination("S515", ["U6"]) is None  # S5151 and S5165 are one character away
    assert parse.snap_combination("G900K", ["UK", "GQ"]) is None  # G9008 with U8 or with U1
    assert parse.snap_combination("SSIS", ["U"]) is None  # too far from any
    assert parse.snap_combination("50077", ["U6"]) is None  # five digits: a CPT code as written


def test_a_snapped_code_is_a_flagged_repair_and_a_typed_code_is_never_snapped():
    line = _claim({"cpt1": "G902", "mod1": "U8"}).lines[0]
    assert (line.procedure_code, line.procedure_modifiers) == ("G9012", ["U8"])
    source = line.provenance["procedure_code"]
    assert "G9012" in source.repaired and source.confidence <= REPAIRED_CONFIDENCE
    typed = _claim({"cpt1": "G902", "mod1": "U8"}, source_kind="fillable_pdf").lines[0]
    assert typed.procedure_code == "G902"


def test_a_catalog_code_whose_modifiers_do_not_fit_is_doubted_with_them():
    line = _claim({"cpt1": "T2018", "mod1": "W4"}).lines[0]  # T2018-U6 and T2038-U4 both one edit per half
    assert line.procedure_code == "T2018"
    assert line.provenance["procedure_code"].confidence < REVIEW


def test_an_icd10_reading_with_one_confusable_character_is_snapped_only_to_a_unique_code():
    fixed = parse.fix_icd10("Z59.44")  # Z59.41 is a confusion away; Z59.48 a plain edit
    assert fixed.text == "Z5941" and fixed.repaired
    assert parse.fix_icd10("259,44").text == "Z5941"  # Z read as 2 and 1 as 4: two confusions
    assert parse.fix_icd10("759.01").text == "Z5901"  # 7 is a Z's shape; T59.01 is no billable code
    assert parse.fix_icd10("T59.01").factor == parse.INVALID  # A59.01, K59.01 and Z59.01 all one letter away
    assert parse.fix_icd10("59.02").factor == parse.INVALID  # A59.02, K59.02, Z59.02: the lost letter is unknown
    assert parse.fix_icd10("I72.10").text == "I7210"  # I72.0, I72.1 and others one edit away


# --- the CIN's letter ----------------------------------------------------------------------------


def test_a_digit_read_for_the_cins_letter_is_taken_only_when_its_shape_is_one_letter():
    fixed = parse.fix_cin("209693415")
    assert fixed.text == "20969341S" and fixed.repaired
    for read in ("209693417", "209693410"):  # 7: T or J; 0: O or D
        fixed = parse.fix_cin(read)
        assert fixed.text == read and fixed.factor == parse.INVALID and not fixed.repaired
    assert parse.fix_cin("20969341").factor == parse.INVALID  # a letter lost is not invented


# --- amounts: box 28 chooses between the two readers --------------------------------------------


def _amounts(total: Reading, *charges: Reading):
    readings: dict[str, Reading | str] = {"t_charge": total}
    for n, charge in enumerate(charges, start=1):
        readings |= {f"cpt{n}": "G9008", f"mod{n}": "U1", f"ch{n}": charge, f"day{n}": "1"}
        readings |= {f"sv{n}_mm_from": "03", f"sv{n}_dd_from": f"{n:02d}", f"sv{n}_yy_from": "26"}
    return _claim(readings)


def test_the_one_choice_of_readings_that_adds_up_to_box_28_is_taken_and_confirmed():
    claim = _amounts(Reading("300 00", 0.9), Reading("100 00", 0.9), Reading("180 00", 0.6, alternatives=("200 00",)))
    line = claim.lines[1]
    assert line.charge_amount == Decimal("200.00")
    assert "confirmed by box 28 total" in line.provenance["charge_amount"].repaired
    assert (
        "needs_verification" not in claim.extras or "lines[2].charge_amount" not in claim.extras["needs_verification"]
    )


def test_box_28_itself_may_be_the_misread_amount():
    claim = _amounts(Reading("3 00", 0.5, alternatives=("300 00",)), Reading("100 00", 0.9), Reading("200 00", 0.9))
    assert claim.invoice_amount == Decimal("300.00")
    assert "confirmed by box 28 total" in claim.provenance["invoice_amount"].repaired


def test_two_choices_that_add_up_leave_the_amounts_to_staff():
    tie = _amounts(
        Reading("400 00", 0.9),
        Reading("120 00", 0.6, alternatives=("100 00", "200 00")),
        Reading("110 00", 0.6, alternatives=("300 00", "200 00")),
    )  # 100 + 300 and 200 + 200 both add up to 400, no rate known for G9008-U1 on this claim: staff
    assert [line.charge_amount for line in tie.lines] == [Decimal("120.00"), Decimal("110.00")]
    assert all(not line.provenance["charge_amount"].repaired for line in tie.lines)


def test_amounts_that_add_up_as_read_are_not_changed():
    claim = _amounts(Reading("300 00", 0.9), Reading("150 00", 0.6, alternatives=("100 00",)), Reading("150 00", 0.9))
    assert [line.charge_amount for line in claim.lines] == [Decimal("150.00")] * 2


def test_money_is_split_at_the_templates_rule_when_the_reader_knows_it():
    piece = np.full((20, 90), 255, dtype=np.uint8)
    for a, b in ((0, 10), (12, 22), (24, 34), (46, 56), (58, 68)):  # '123' flush left of the rule at 35, '45'
        piece[:, a:b] = 0
    spans = digits.money_spans(piece, 3, rule_x=40.0)
    assert spans is not None and len(spans) == 5
    assert digits.money_spans(piece, 2, rule_x=40.0) is not None  # the count is the reader's to choose
    assert digits.money_spans(np.full((20, 90), 255, dtype=np.uint8), 3, rule_x=40.0) is None


@pytest.mark.parametrize("alternative", ["", "12x 00"])
def test_an_alternative_that_does_not_parse_is_no_choice(alternative):
    claim = _amounts(
        Reading("300 00", 0.9), Reading("100 00", 0.9), Reading("180 00", 0.6, alternatives=(alternative,))
    )
    assert claim.lines[1].charge_amount == Decimal("180.00")


def test_two_choices_that_add_up_are_decided_by_the_plans_rate():
    # Partnership publishes G9008-U1 at 400.00 and G9012 at 150.00 (plans.yaml). Read 480 + 170 against
    # box 28 550; the digit reader offers 400 / 70 and 150 / 480: 400 + 150 and 480 + 70 both add up,
    # only the first prices both changed lines at the plan's rate.
    readings: dict[str, Reading | str] = {
        "insurance_name": "PARTNERSHIP HEALTHPLAN",
        "t_charge": Reading("550 00", 0.9),
    }
    for n, (code, modifier) in enumerate((("G9008", "U1"), ("G9012", "")), start=1):
        readings |= {f"cpt{n}": code, f"day{n}": "1", f"sv{n}_mm_from": "03", f"sv{n}_dd_from": f"{n:02d}"}
        readings |= {f"sv{n}_yy_from": "26", f"mod{n}": modifier}
    readings["ch1"] = Reading("480 00", 0.6, alternatives=("400 00",))
    readings["ch2"] = Reading("170 00", 0.6, alternatives=("150 00", "70 00"))
    claim = _claim(readings)
    assert [line.charge_amount for line in claim.lines] == [Decimal("400.00"), Decimal("150.00")]
    assert "units x the rate" in claim.lines[0].provenance["charge_amount"].repaired


# --- one rendering NPI printed on several lines --------------------------------------------------


def test_lines_read_differently_pool_into_the_npi_they_share_and_offer_it_for_staff():
    # Three prints of 1234567893, each read with a different digit wrong but its true digit second.
    rendering = {
        "local1": _reading("1234567898", {9: [("8", 0.6), ("3", 0.35)]}),
        "local2": _reading("1234561893", {6: [("1", 0.55), ("7", 0.4)]}),
        "local3": _reading("1284567893", {2: [("8", 0.5), ("3", 0.45)]}),
    }
    readings = {field: Reading(r.digits, 0.3, readers_agree=True) for field, r in rendering.items()}
    offered = digits.offer_common_npi(readings, rendering)
    for field in rendering:
        assert VALID_NPI in offered[field].alternatives and not offered[field].readers_agree
    claim = _claim({name: offered[name] for name in offered} | {"cpt2": "G9008", "cpt3": "G9008"})
    source = claim.lines[0].provenance["rendering_provider_npi"]
    assert claim.lines[0].rendering_provider_npi == VALID_NPI
    assert "confirmed" not in source.repaired and source.confidence <= REPAIRED_CONFIDENCE


def test_a_pooled_npi_is_offered_only_to_lines_near_it_and_only_when_it_passes():
    near = _reading("1234567898", {9: [("8", 0.6), ("3", 0.35)]})
    other = _reading("1987654321", {})
    rendering = {"local1": near, "local2": near, "local3": _reading("1234567893", {})}
    readings = {field: Reading(r.digits, 0.3) for field, r in rendering.items()} | {"local4": Reading("1987654321")}
    offered = digits.offer_common_npi(readings, {**rendering, "local4": other})
    assert offered["local4"].alternatives == ()  # another rendering provider, far from the pooled NPI
    failing = {"local1": _reading("1234567898", {}), "local2": _reading("1234567898", {})}
    pooled = digits.offer_common_npi({f: Reading("1234567898") for f in failing}, failing)
    assert all(pooled[f].alternatives == () for f in failing)  # 1234567898 fails its check digit: nothing offered


# A box-21 code read with a digit where ICD-10-CM has a letter is repaired by its shape; the line recogniser's
# own reading of the cell is the independent check that confirms the repair, and only when it reached that code.
@pytest.mark.parametrize(
    ("recognised", "confirmed"),
    [("Z59.02", True), ("Z5902", True), ("Z59.01", False), ("259.02", False), (None, False)],
)
def test_a_shape_repair_of_a_code_is_confirmed_only_by_the_recognisers_same_reading(recognised, confirmed):
    claim = _claim({"diagnosis1": Reading("259.02", 0.9, recognised=recognised), "diag1": "A"})
    source = claim.lines[0].provenance["diagnosis_codes"]
    assert claim.lines[0].diagnosis_codes == ["Z5902"]
    assert ("confirmed by the line recogniser" in source.repaired) is confirmed
    assert source.unconfirmed_repair is not confirmed


def test_a_hcpcs_shape_repair_is_confirmed_by_the_recognisers_same_reading():
    claim = _claim({"cpt1": Reading("G90O8", 0.9, recognised="G9008")})
    source = claim.lines[0].provenance["procedure_code"]
    assert claim.lines[0].procedure_code == "G9008" and not source.unconfirmed_repair
    unconfirmed = _claim({"cpt1": Reading("G90O8", 0.9)}).lines[0].provenance["procedure_code"]
    assert unconfirmed.unconfirmed_repair


def test_a_pointer_naming_a_blank_box_21_letter_takes_the_other_readers_filled_one_for_staff():
    box21 = {"diagnosis1": "Z59.01", "diagnosis2": "Z59.02", "diagnosis3": "Z60.2"}
    claim = _claim({**box21, "diag1": Reading("G", 0.9, alternatives=("C",))})
    source = claim.lines[0].provenance["diagnosis_codes"]
    assert claim.lines[0].diagnosis_codes == ["Z602"] and source.unconfirmed_repair
    kept = _claim({**box21, "diag1": Reading("G", 0.9, alternatives=("H",))})  # no reading names a filled letter
    assert "diagnosis_codes" in kept.lines[0].invalid

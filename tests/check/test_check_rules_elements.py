"""Element checks: one test per rule, each citing the seed line it implements."""

from decimal import Decimal

import pytest

from claims_intake.check import check_claim

from .builders import RECEIVED, claim, line, low_confidence


def run(c, reference, history, plan="phc"):
    return check_claim(c, plan, reference, history, received=RECEIVED)


def rules(result, severity=None):
    return {f.rule for f in result.findings if severity is None or f.severity == severity}


def ecm_line(**kw):
    return line("G9008", "U1", **kw)


# 000 Table 2: "Member Date of Birth (MM/DD/YYYY) Yes"; 000 Unclean Claims: missing required fields -> rejected upfront
@pytest.mark.parametrize(
    "key", ["billing_provider_tin", "member_first_name", "member_dob", "invoice_number", "payer_name"]
)
def test_missing_required_claim_element_rejects(reference, empty_history, key):
    result = run(claim(ecm_line(), **{key: None}), reference, empty_history)
    assert result.disposition == "REJECTED"
    assert any(f.element == key and f.category == "missing_element" for f in result.findings)


# 000 Table 3: Procedure Code(s), Service Unit Count(s), Place of Services (POS) required
@pytest.mark.parametrize("key", ["unit_count", "place_of_service", "diagnosis_codes", "charge_amount"])
def test_missing_required_line_element_rejects(reference, empty_history, key):
    item = ecm_line()
    setattr(item, key, [] if key == "diagnosis_codes" else None)
    result = run(claim(item, invoice_amount=Decimal("400.00")), reference, empty_history)
    assert result.disposition == "REJECTED"
    assert any(f.element == key and f.line == 1 for f in result.findings)


# 000 Unclean Claims: "have invalid information may be rejected upfront"
def test_unparseable_value_kept_in_invalid_is_rejected(reference, empty_history):
    c = claim(ecm_line())
    c.member_dob = None
    c.invalid["member_dob"] = "13/45/1968"
    result = run(c, reference, empty_history)
    assert result.disposition == "REJECTED"
    finding = next(f for f in result.findings if f.element == "member_dob")
    assert finding.category == "invalid_value" and "13/45" not in finding.message  # PHI not echoed


# 000 Table 1: Billing Provider NPI (10 digits, check digit); Table 2: CIN
@pytest.mark.parametrize(
    "key,value",
    [
        ("billing_provider_npi", "1456700017"),
        ("member_cin", "9000001A"),
        ("billing_provider_tin", "000000000"),
        ("billing_provider_zip", "9453"),
    ],
)
def test_invalid_formats_reject(reference, empty_history, key, value):
    result = run(claim(ecm_line(), **{key: value}), reference, empty_history)
    assert result.disposition == "REJECTED"
    assert any(f.element == key and f.category == "invalid_value" for f in result.findings)


# 000 Table 3: Service Start Date / End Date; dates real and ordered, birth before service
def test_end_before_start_and_service_before_birth_reject(reference, empty_history):
    result = run(claim(ecm_line(start="2026-11-05", end="2026-11-01")), reference, empty_history)
    assert "service_dates" in rules(result, "reject")
    from datetime import date

    result = run(claim(ecm_line(), member_dob=date(2026, 11, 10)), reference, empty_history)
    assert result.disposition == "REJECTED" and any(f.element == "member_dob" for f in result.findings)


def test_future_service_date_rejects(reference, empty_history):
    result = run(claim(ecm_line(start="2026-12-05"), invoice_date=None), reference, empty_history)
    assert "service_dates" in rules(result, "reject")


# 003 Overview (2): MCPs may not allow codes or modifiers beyond those included in this guidance
def test_combination_outside_dhcs_catalog_rejects(reference, empty_history):
    result = run(claim(line("G9008", "")), reference, empty_history)
    finding = next(f for f in result.findings if f.rule == "combination_in_catalog")
    assert result.disposition == "REJECTED" and finding.category == "catalog"
    assert "G9008-U1" in finding.message  # tells the provider the valid options


# 000 CS grid lists T1002 for Recuperative Care; DHCS 003 does not (plans.yaml conflicts_with_dhcs)
def test_kaiser_t1002_is_not_in_the_catalog(reference, empty_history):
    result = run(
        claim(line("T1002", "U6", cost="200.00"), member="90000009J", provider="1456700032", plan="kp"),
        reference,
        empty_history,
        plan="kp",
    )
    assert "combination_in_catalog" in rules(result, "reject")


# 001 accepted grid: Partnership does not list T2012-U6 (day habilitation, educational)
def test_combination_not_in_plan_profile_is_denied(reference, empty_history):
    result = run(claim(line("T2012", "U6", cost="50.00")), reference, empty_history)
    assert result.disposition == "DENIED" and "combination_in_plan" in rules(result, "deny")


# 000 Coding Options: "GQ must be noted as a secondary modifier when applicable"
@pytest.mark.parametrize("modifiers", ["GQ-U1", "GQ", "U1-U1"])
def test_gq_only_as_the_additional_last_modifier(reference, empty_history, modifiers):
    result = run(claim(line("G9008", modifiers)), reference, empty_history)
    assert result.disposition == "REJECTED"
    assert any(f.category == "modifier" for f in result.findings)


# 003 Community Supports: "If a Community Supports service is provided through telehealth, the modifier GQ must be used"
def test_cs_telehealth_gq_is_accepted_as_additional_modifier(reference, empty_history):
    result = run(claim(line("H0043", "U6-GQ", cost="386.00"), tar="TAR-PHC-1002"), reference, empty_history)
    assert result.disposition == "CLEAN", result.findings


def test_gq_on_a_service_not_given_by_telehealth(reference, empty_history):
    result = run(claim(line("T2033", "U6-GQ", cost="204.00"), member="90000006F"), reference, empty_history)
    finding = next(f for f in result.findings if f.category == "modifier")
    assert "not provided by telehealth" in finding.message


# 000 FAQ 6: "ECM/CS providers should use the appropriate Z code(s) when submitting claims"
def test_community_supports_need_a_z_code(reference, empty_history):
    result = run(claim(line("H0043", "U6", cost="386.00", dx="I10")), reference, empty_history)
    assert "community_supports_z_codes" in rules(result, "reject")
    ecm = run(claim(ecm_line(dx="I10")), reference, empty_history)
    assert "community_supports_z_codes" not in rules(ecm)


# 000 Table 3: Service Name(s); 003: the code and modifier combination defines the service
def test_service_name_inconsistent_with_code_rejects(reference, empty_history):
    result = run(claim(line("H0043", "U6", cost="386.00", name="Recuperative Care")), reference, empty_history)
    assert "service_name_matches_code" in rules(result, "reject")
    ok = run(claim(line("H0043", "U6", cost="386.00", name="Housing Navigation - November")), reference, empty_history)
    assert "service_name_matches_code" not in rules(ok)


# 000 Table 3: Invoice Amount; unit cost x units = charge
def test_invoice_amount_must_equal_sum_of_lines(reference, empty_history):
    result = run(claim(ecm_line(), invoice_amount=Decimal("450.00")), reference, empty_history)
    assert "invoice_amount_is_sum_of_lines" in rules(result, "reject")


def test_unit_cost_times_units_must_equal_charge(reference, empty_history):
    result = run(claim(line("S5130", "U6", units="4", cost="8.25", charge="40.00")), reference, empty_history)
    assert "unit_cost_times_units" in rules(result, "reject")


# 003 Community Supports (added January 2024) + Figure 1: 0-7 not reportable, 8-22 = 1, 23-37 = 2 units
@pytest.mark.parametrize(
    "minutes,units,denied", [(7, 1, True), (8, 1, False), (22, 2, True), (23, 2, False), (37, 3, True), (38, 3, False)]
)
def test_rule_of_eights(reference, empty_history, minutes, units, denied):
    item = line("T1016", "U8", units=str(units), cost="0.00", minutes=minutes)
    result = run(claim(item, member="90000005E", provider="1456700024"), reference, empty_history)
    assert ("rule_of_eights" in rules(result, "deny")) is denied


# 000 ECM Procedure Codes: Payable Billing Units "1-unit per diem"
def test_per_diem_codes_pay_one_unit_a_day(reference, empty_history):
    result = run(claim(line("G9008", "U1", units="2", cost="400.00")), reference, empty_history)
    assert "per_diem_units" in rules(result, "deny")


# 000 Clean Claims: a clean claim "is accurate"; OCR values below the threshold are verified by staff
def test_low_ocr_confidence_on_required_value_is_review(reference, empty_history):
    c = claim(ecm_line())
    low_confidence(c, "member_address", 0.55, raw="200 Oak Avenue")
    result = run(c, reference, empty_history)
    assert result.disposition == "REVIEW"
    assert "Oak" not in result.findings[0].message  # PHI is not echoed
    confident = claim(ecm_line())
    low_confidence(confident, "member_address", 0.95)
    assert run(confident, reference, empty_history).disposition == "CLEAN"


# The staff page flags the exact cell: a low-confidence line value's finding names its line
def test_low_ocr_confidence_on_a_line_value_names_its_line(reference, empty_history):
    second = low_confidence(ecm_line(start="2026-10-02", end="2026-10-02"), "charge_amount", 0.5)
    c = claim(ecm_line(), second, invoice_amount=Decimal("800.00"))
    low_confidence(c, "member_address", 0.55)
    result = run(c, reference, empty_history)
    review = {(f.element, f.line) for f in result.findings if f.rule == "low_ocr_confidence"}
    assert review == {("member_address", None), ("charge_amount", 2)}
    assert result.disposition == "REVIEW"


# A value the reader changed and nothing confirmed is verified by staff, however sure the reading
def test_unconfirmed_repair_of_a_sure_reading_is_review(reference, empty_history):
    c = claim(ecm_line())
    low_confidence(c.lines[0], "charge_amount", 0.99)
    c.lines[0].provenance["charge_amount"].repaired = "read by the fax digit reader as '400 00'"
    result = run(c, reference, empty_history)
    assert result.disposition == "REVIEW"
    review = {(f.rule, f.element, f.line) for f in result.findings if f.severity.value == "review"}
    assert review == {("unconfirmed_ocr_repair", "charge_amount", 1)}
    c.lines[0].provenance["charge_amount"].repaired = "one digit changed, confirmed by box 28 total"
    assert run(c, reference, empty_history).disposition == "CLEAN"
    c.lines[0].provenance["charge_amount"].repaired = "read by the fax digit reader as '400 00'"
    c.lines[0].provenance["charge_amount"].verified = "staff"
    assert run(c, reference, empty_history).disposition == "CLEAN"


# 000 Table 2: Member Homeless Indicator required; derived from Z59.0x when not given
def test_homeless_indicator_derived_from_diagnosis(reference, empty_history):
    result = run(claim(ecm_line(dx="Z59.02"), member_homeless_indicator=None), reference, empty_history)
    assert result.disposition == "CLEAN"
    assert any(f.rule == "homeless_indicator" and f.severity == "warning" for f in result.findings)


def test_homeless_indicator_unresolvable_is_rfi(reference, empty_history):
    result = run(claim(ecm_line(dx="Z60.2"), member_homeless_indicator=None), reference, empty_history)
    assert result.disposition == "RFI" and "homeless_indicator" in rules(result, "rfi")


# Precedence: REVIEW > REJECTED > RFI > line decisions (staff verify doubtful readings before the
# provider hears anything; the re-check then rejects with every reason at once)
def test_review_beats_rejected_beats_rfi(reference, empty_history):
    item = low_confidence(ecm_line(dx="Z60.2"), "unit_count")
    both = claim(item, member_homeless_indicator=None)
    assert run(both, reference, empty_history).disposition == "REVIEW"
    both.member_dob = None
    assert run(both, reference, empty_history).disposition == "REVIEW"
    del item.provenance["unit_count"]  # staff verified it: the value is sure
    assert run(both, reference, empty_history).disposition == "REJECTED"
    both.member_dob = claim(ecm_line()).member_dob
    assert run(both, reference, empty_history).disposition == "RFI"


# 000 Unclean Claims: invalid information on a line (kept as written by the extractor) -> rejected upfront
def test_unparseable_line_value_is_rejected(reference, empty_history):
    item = ecm_line()
    item.unit_count = None
    item.invalid["unit_count"] = "one"
    result = run(claim(item, invoice_amount=Decimal("400.00")), reference, empty_history)
    finding = next(f for f in result.findings if f.rule == "invalid_line_values")
    assert result.disposition == "REJECTED" and "'one' is not a unit count" in finding.message


# 000 Table 3: Place of Services (two-digit CMS code), Procedure Code (HCPCS), Diagnosis (ICD-10-CM)
@pytest.mark.parametrize(
    "key,value", [("place_of_service", "00"), ("procedure_code", "G900"), ("diagnosis_codes", ["59.01"])]
)
def test_invalid_line_formats_reject(reference, empty_history, key, value):
    item = ecm_line()
    setattr(item, key, value)
    result = run(claim(item), reference, empty_history)
    assert result.disposition == "REJECTED" and "line_value_formats" in rules(result, "reject")


# 000 Table 2 / Table 4: Member Date of Birth and Invoice Date are real dates, not in the future
def test_claim_dates_in_the_future_reject(reference, empty_history):
    from datetime import date

    result = run(claim(ecm_line(), invoice_date=date(2026, 12, 15)), reference, empty_history)
    assert "claim_dates" in rules(result, "reject")


# 000 Table 2: homeless indicator derived from a "homeless" address when not given
def test_homeless_indicator_derived_from_address(reference, empty_history):
    result = run(
        claim(ecm_line(dx="Z60.2"), member_homeless_indicator=None, member_address="Homeless - General Delivery"),
        reference,
        empty_history,
    )
    assert result.disposition == "CLEAN"
    assert any(f.rule == "homeless_indicator" and "address" in f.message for f in result.findings)

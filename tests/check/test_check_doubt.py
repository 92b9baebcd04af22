"""Doubt goes to staff, not to the provider: a finding that would reject, deny or ask the provider but rests on
a value the intake is unsure it read goes to REVIEW; findings resting only on sure values keep their severity."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from claims_intake.check import check_claim, check_extract
from claims_intake.check.doubt import ClaimDoubts, provenance_doubt, rests_on, review_values
from claims_intake.model import ExtractError, ExtractResult, Provenance, SourceInfo

from .builders import RECEIVED, claim, line


def run(c, reference, history, plan="phc"):
    return check_claim(c, plan, reference, history, received=RECEIVED)


def ecm_line(**kw):
    return line("G9008", "U1", **kw)


def by_rule(result, rule):
    return next(f for f in result.findings if f.rule == rule)


def wrong_total(source: Provenance | None):
    """A claim whose Invoice Amount is not the sum of its lines, the amount read with `source`."""
    c = claim(ecm_line(), invoice_amount=Decimal("900.00"))
    if source is not None:
        c.provenance["invoice_amount"] = source
    return c


def test_every_finding_names_the_values_it_rests_on(reference, empty_history):
    c = claim(ecm_line(), ecm_line(start="2026-11-06"), invoice_amount=Decimal("900.00"))
    finding = by_rule(run(c, reference, empty_history), "invoice_amount_is_sum_of_lines")
    assert [(v.element, v.line) for v in finding.rests_on] == [
        ("invoice_amount", None),
        ("charge_amount", 1),
        ("charge_amount", 2),
    ]


def test_a_finding_on_sure_values_keeps_its_severity(reference, empty_history):
    for source in (None, Provenance(page=1, box="28", raw="900 00", confidence=0.97)):
        result = run(wrong_total(source), reference, empty_history)
        finding = by_rule(result, "invoice_amount_is_sum_of_lines")
        assert (result.disposition, finding.severity) == ("REJECTED", "reject")
        assert (finding.would_be, finding.doubts) == (None, [])


def test_low_confidence_value_sends_the_finding_to_review(reference, empty_history):
    result = run(wrong_total(Provenance(page=1, box="28", raw="900 00", confidence=0.55)), reference, empty_history)
    finding = by_rule(result, "invoice_amount_is_sum_of_lines")
    assert (result.disposition, finding.severity, finding.would_be) == ("REVIEW", "review", "reject")
    (doubt,) = finding.doubts
    assert (doubt.element, doubt.line, doubt.kind) == ("invoice_amount", None, "low_confidence")
    assert "0.55" in doubt.reason and "box 28" in doubt.reason


def test_repaired_value_is_doubtful_even_when_confident(reference, empty_history):
    item = ecm_line()
    item.procedure_code = "G9099"
    item.provenance["procedure_code"] = Provenance(
        page=1, box="24D line 1", raw="G9O99", confidence=0.99, repaired="letter O read as digit 0"
    )
    result = run(claim(item), reference, empty_history)
    finding = by_rule(result, "combination_in_catalog")
    assert (result.disposition, finding.severity, finding.would_be) == ("REVIEW", "review", "reject")
    assert [(d.element, d.line, d.kind) for d in finding.doubts] == [("procedure_code", 1, "repaired")]
    assert "letter O read as digit 0" in finding.doubts[0].reason


@pytest.mark.parametrize("confidence,disposition", [(None, "REVIEW"), (0.95, "REJECTED")])
def test_derived_value_without_a_confidence_is_doubtful(reference, empty_history, confidence, disposition):
    item = ecm_line(start="2026-11-05", end="2026-11-03")
    item.provenance["service_end_date"] = Provenance(
        sheet="Invoice", row=4, derived="the start date of the next row", confidence=confidence
    )
    result = run(claim(item), reference, empty_history)
    finding = next(f for f in result.findings if f.rule == "service_dates")
    assert result.disposition == disposition
    assert (finding.severity == "review") is (disposition == "REVIEW")
    if disposition == "REVIEW":
        assert [d.kind for d in finding.doubts] == ["derived"] and finding.would_be == "reject"


@pytest.mark.parametrize("score,disposition", [(0.55, "REVIEW"), (0.95, "REJECTED")])
def test_column_matched_with_a_low_score_is_doubtful(reference, empty_history, score, disposition):
    c = claim(ecm_line(), billing_provider_phone="555123")  # not ten digits: invalid as written
    c.provenance["billing_provider_phone"] = Provenance(
        sheet="Invoice", row=2, column="K", raw="555123", match_score=score
    )
    result = run(c, reference, empty_history)
    finding = by_rule(result, "claim_value_formats")
    assert result.disposition == disposition
    if disposition == "REVIEW":
        assert [d.kind for d in finding.doubts] == ["low_match_score"] and "column K" in finding.doubts[0].reason


@pytest.mark.parametrize("confidence,disposition", [(0.5, "REVIEW"), (0.97, "REJECTED")])
def test_unparseable_value_from_a_troubled_box_is_doubtful(reference, empty_history, confidence, disposition):
    item = ecm_line()
    item.unit_count = None
    item.invalid["unit_count"] = "l~"
    item.provenance["unit_count"] = Provenance(page=1, box="24G line 1", raw="l~", confidence=confidence)
    result = run(claim(item, invoice_amount=Decimal("400.00")), reference, empty_history)
    finding = by_rule(result, "invalid_line_values")
    assert result.disposition == disposition
    if disposition == "REVIEW":
        assert [(d.element, d.line, d.kind) for d in finding.doubts] == [("unit_count", 1, "unparseable")]


def test_a_denial_on_a_doubtful_date_leaves_the_line_undecided(reference, empty_history):
    old = ecm_line(start="2025-01-06")  # far outside Partnership's 180 days of timely filing
    sure = run(claim(old, invoice_date=date(2025, 1, 20)), reference, empty_history)
    assert sure.disposition == "DENIED" and by_rule(sure, "timely_filing").severity == "deny"
    old.provenance["service_end_date"] = Provenance(
        page=1, box="24A line 1", confidence=0.91, repaired="year aligned with the claim's other dates"
    )
    doubtful = run(claim(old, invoice_date=date(2025, 1, 20)), reference, empty_history)
    finding = by_rule(doubtful, "timely_filing")
    assert (doubtful.disposition, finding.severity, finding.would_be) == ("REVIEW", "review", "deny")
    assert finding.message == by_rule(sure, "timely_filing").message  # what the provider hears once verified


def test_a_value_staff_verified_is_sure(reference, empty_history):
    source = Provenance(page=1, box="28", raw="900 00", confidence=0.55, verified="verified by maria at 2026-12-01")
    result = run(wrong_total(source), reference, empty_history)
    assert result.disposition == "REJECTED" and by_rule(result, "invoice_amount_is_sum_of_lines").severity == "reject"
    assert not any(f.rule == "low_ocr_confidence" for f in result.findings)


def test_low_ocr_confidence_review_lists_its_value(reference, empty_history):
    c = claim(ecm_line())
    c.provenance["member_address"] = Provenance(page=1, box="5", confidence=0.4)
    finding = by_rule(run(c, reference, empty_history), "low_ocr_confidence")
    assert [(d.element, d.kind) for d in finding.doubts] == [("member_address", "low_confidence")]


def sheet_claim(**elements):
    c = claim(ecm_line(), source_kind="spreadsheet", **elements)
    c.provenance["invoice_number"] = Provenance(file="inv.xlsx", sheet="Invoice", row=2, column="A")
    return c


def sheet_result(c, columns, extras=(), errors=()):
    mapped = [{"column": "A", "header": key, "element": key, "score": 100} for key in columns]
    report = {"header_row": 1, "columns": mapped, "extras": [{"column": "Z", "header": h} for h in extras]}
    return ExtractResult(
        source=SourceInfo(file="inv.xlsx", kind="xlsx", column_map={"sheets": {"Invoice": report}}),
        claims=[c],
        errors=list(errors),
    )


PLACED = ["invoice_number", "billing_provider_npi", "member_cin", "procedure_code", "service_start_date"]


def test_missing_element_with_unplaced_columns_is_a_mapping_review(reference, empty_history):
    c = sheet_claim(billing_provider_phone=None)
    (result,) = check_extract(
        sheet_result(c, PLACED, extras=["Billing Phone", "Notes"]), "phc", reference, empty_history, received=RECEIVED
    )
    finding = next(f for f in result.findings if f.element == "billing_provider_phone")
    assert (result.disposition, finding.severity, finding.would_be) == ("REVIEW", "review", "reject")
    (doubt,) = finding.doubts
    assert doubt.kind == "unmapped_column" and "'Billing Phone'" in doubt.reason


def test_unmapped_columns_error_names_the_element(reference, empty_history):
    c = sheet_claim(billing_provider_phone=None)
    error = ExtractError(
        code="unmapped_columns",
        sheet="Invoice",
        element="billing_provider_phone",
        column="K",
        message="Billing Provider Phone Number has no recognised column; column K is not recognised",
    )
    (result,) = check_extract(
        sheet_result(c, [*PLACED, "billing_provider_phone"], errors=[error]),
        "phc",
        reference,
        empty_history,
        received=RECEIVED,
    )
    assert result.disposition == "REVIEW"
    assert next(f for f in result.findings if f.element == "billing_provider_phone").doubts[0].kind == "unmapped_column"


@pytest.mark.parametrize("columns,extras", [([*PLACED, "billing_provider_phone"], ["Notes"]), (PLACED, [])])
def test_missing_element_is_the_providers_when_its_column_was_placed_or_nothing_is_unplaced(
    reference, empty_history, columns, extras
):
    c = sheet_claim(billing_provider_phone=None)
    (result,) = check_extract(
        sheet_result(c, columns, extras=extras), "phc", reference, empty_history, received=RECEIVED
    )
    finding = next(f for f in result.findings if f.element == "billing_provider_phone")
    assert (result.disposition, finding.severity, finding.doubts) == ("REJECTED", "reject", [])


def test_review_values_lists_each_doubtful_value_once_with_what_it_would_become(reference, empty_history):
    c = wrong_total(Provenance(page=1, box="28", raw="900 00", confidence=0.55))
    values = review_values(run(c, reference, empty_history).findings)
    assert values == [
        {
            "element": "invoice_amount",
            "label": "Invoice Amount",
            "kind": "low_confidence",
            "reason": values[0]["reason"],
            "would_be": "reject",
            "rules": ["invoice_amount_is_sum_of_lines", "low_ocr_confidence"],
        }
    ]


def test_rests_on_places_line_and_claim_elements():
    assert rests_on("member_cin", "unit_count", "minutes", line=3) == (
        ("member_cin", None),
        ("unit_count", 3),
        ("minutes", 3),
    )


def test_provenance_doubt_needs_a_mark_of_trouble():
    assert provenance_doubt(None) is None
    assert provenance_doubt(Provenance(sheet="S", row=2, column="B")) is None
    assert provenance_doubt(Provenance(page=1, box="2", confidence=0.99)) is None
    assert provenance_doubt(Provenance(page=1, box="2", confidence=0.2))[0] == "low_confidence"
    c = claim(ecm_line())
    assert ClaimDoubts(c).of("unit_count", 7) is None  # a line the claim does not have: nothing to doubt


# ---- letters: a provider is told only about what the provider wrote --------------------------------


def test_letters_never_cite_a_doubtful_value(reference, empty_history):
    from claims_intake.letters import RejectionCause, rejection_letter, rfi_letter

    c = wrong_total(Provenance(page=1, box="28", raw="900 00", confidence=0.55))
    c.member_homeless_indicator = None  # an RFI about what the provider left out: that one may be asked
    c.lines[0].diagnosis_codes = ["Z602"]
    result = run(c, reference, empty_history)
    assert result.disposition == "REVIEW"
    for cause in RejectionCause:  # staff may still reject from the queue: the letter has only sure reasons
        letter = rejection_letter(result, "C-1", RECEIVED, cause, note="sent to the wrong plan")
        assert not any("Invoice Amount" in item.text or "confidence" in item.text for item in letter.items)
    requests = rfi_letter(result, "C-1", RECEIVED, due=datetime(2026, 12, 30, 23, 59, 59)).items
    assert [item.text.split(":")[0] for item in requests] == ["Member Homeless Indicator could not be determined"]
    assert not any("verify" in item.text for item in requests)


def test_an_optional_element_left_out_is_no_mapping_question(reference, empty_history):
    """Only a required element missing beside unplaced columns is a mapping review: an optional one (the TAR
    number: the TAR is found by member and service) is simply not given."""
    c = sheet_claim()
    c.authorization_number = None
    (result,) = check_extract(
        sheet_result(c, [*PLACED, "billing_provider_phone"], extras=["Notes"]),
        "phc",
        reference,
        empty_history,
        received=RECEIVED,
    )
    assert result.disposition == "CLEAN"
    assert ClaimDoubts(c, {"authorization_number": ["Notes"]}).of("authorization_number", None) is None


def scanned_claim_without_billing_npi(verified: str | None = None):
    """A scanned claim (values read by OCR) with box 33a read as blank."""
    c = claim(ecm_line(), billing_provider_npi=None, source_kind="scan")
    c.provenance["member_cin"] = Provenance(page=1, box="1a", raw="90000001A", confidence=0.99)
    if verified:
        c.provenance["billing_provider_npi"] = Provenance(verified=verified)
    return c


def test_a_required_box_read_as_blank_on_a_scan_goes_to_staff(reference, empty_history):
    result = run(scanned_claim_without_billing_npi(), reference, empty_history)
    finding = next(f for f in result.findings if f.element == "billing_provider_npi")
    assert (result.disposition, finding.severity, finding.would_be) == ("REVIEW", "review", "reject")
    (doubt,) = finding.doubts
    assert doubt.kind == "blank_on_scan" and "Box 33a" in doubt.reason


def test_a_blank_box_staff_confirmed_is_the_providers_to_fix(reference, empty_history):
    result = run(scanned_claim_without_billing_npi("verified by maria at 2026-12-02"), reference, empty_history)
    finding = next(f for f in result.findings if f.element == "billing_provider_npi")
    assert (result.disposition, finding.severity, finding.doubts) == ("REJECTED", "reject", [])


def test_a_missing_value_on_a_typed_form_or_sheet_is_the_providers(reference, empty_history):
    for kind in ("fillable_pdf", "spreadsheet"):
        c = claim(ecm_line(), billing_provider_npi=None, source_kind=kind)
        c.provenance["member_cin"] = Provenance(page=1, box="1a", raw="90000001A", confidence=1.0)
        result = run(c, reference, empty_history)
        assert result.disposition == "REJECTED"

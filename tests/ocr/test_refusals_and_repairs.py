"""Every refusal path gives its own clear error, no page ever raises, and every repair is flagged."""

from decimal import Decimal

import numpy as np
import pytest
from PIL import Image

from claims_intake.cms1500 import parse
from claims_intake.cms1500.mapping import FormPage, Reading, claims_from_pages
from claims_intake.extract import extract_bytes
from claims_intake.ocr import scan as ocr
from claims_intake.ocr.pages import PageImage
from claims_intake_dev.testdata import mailroom, scans

REVIEW = 0.80


def _claim(readings: dict[str, str], source_kind: str = "scan", confidence: float = 0.95):
    page = FormPage(1, {name: Reading(text, confidence) for name, text in readings.items()})
    claims, errors = claims_from_pages(
        "f.pdf", [page], source_kind=source_kind, claim_id_prefix="t", review_confidence=REVIEW
    )
    assert not errors
    return claims[0]


LINE = {
    "sv1_mm_from": "03",
    "sv1_dd_from": "04",
    "sv1_yy_from": "26",
    "cpt1": "G9008",
    "ch1": "100 00",
    "day1": "1",
    "diagnosis1": "Z59.01",
    "diag1": "A",
}


def test_empty_modifiers_never_crash_the_mapping():
    claim = _claim({**LINE, "mod1": "", "pt_name": "DOE, JANE"})
    assert claim.lines[0].procedure_code == "G9008" and not claim.lines[0].procedure_modifiers


def test_modifiers_snap_to_the_one_combination_and_are_flagged():
    combination = next(
        c
        for c in parse.dhcs_catalog().combinations
        if len([o for o in parse.dhcs_catalog().combinations if o.code == c.code]) == 1 and c.modifiers
    )
    misread = combination.modifiers[0][0] + "E"
    claim = _claim({**LINE, "cpt1": combination.code, "mod1": misread})
    line = claim.lines[0]
    assert line.procedure_modifiers[0] == combination.modifiers[0]
    source = line.provenance["procedure_modifiers"]
    assert source.repaired and source.confidence < REVIEW


def test_name_without_comma_is_kept_and_flagged():
    claim = _claim({**LINE, "pt_name": "GARCIA MARIA L"})
    assert claim.member_last_name == "GARCIA" and claim.member_first_name == "MARIA L"
    assert claim.provenance["member_last_name"].confidence < REVIEW
    assert claim.provenance["member_last_name"].repaired


def test_cin_letter_repair_is_flagged_on_scans_and_never_made_on_fillable_pdfs():
    scanned = _claim({**LINE, "insurance_id": "123456788"})
    assert scanned.member_cin == "12345678B"
    assert scanned.provenance["member_cin"].repaired and scanned.provenance["member_cin"].confidence < REVIEW
    typed = _claim({**LINE, "insurance_id": "123456788"}, source_kind="fillable_pdf", confidence=1.0)
    assert typed.member_cin != "12345678B"


def test_leading_digit_of_a_diagnosis_becomes_z_only_on_scans_and_flagged():
    scanned = _claim({**LINE, "diagnosis1": "259.01"})
    assert scanned.lines[0].diagnosis_codes == ["Z5901"]
    assert scanned.lines[0].provenance["diagnosis_codes"].repaired
    assert scanned.lines[0].provenance["diagnosis_codes"].confidence < REVIEW
    typed = _claim({**LINE, "diagnosis1": "259.01"}, source_kind="fillable_pdf", confidence=1.0)
    assert typed.lines[0].diagnosis_codes != ["Z5901"]


def test_a_year_out_of_line_with_the_claim_is_repaired_and_flagged():
    readings = {
        **LINE,
        "sv2_mm_from": "03",
        "sv2_dd_from": "05",
        "sv2_yy_from": "25",
        "cpt2": "G9008",
        "ch2": "100 00",
        "sv3_mm_from": "03",
        "sv3_dd_from": "06",
        "sv3_yy_from": "25",
        "cpt3": "G9008",
        "ch3": "100 00",
        "sv1_yy_from": "26",
        "physician_date": "03/20/2025",
    }
    claim = _claim(readings)
    line = claim.lines[0]
    assert line.service_start_date.year == 2025
    assert line.provenance["service_start_date"].repaired
    assert line.provenance["service_start_date"].confidence < REVIEW


def test_a_charge_box_28_explains_is_repaired_and_confirmed_by_the_total():
    readings = {
        **LINE,
        "ch1": "40 00",
        "sv2_mm_from": "03",
        "sv2_dd_from": "05",
        "sv2_yy_from": "26",
        "cpt2": "G9008",
        "ch2": "100 00",
        "t_charge": "500 00",
    }
    claim = _claim(readings)
    assert claim.lines[0].charge_amount == Decimal("400.00")
    assert "confirmed by box 28 total" in claim.lines[0].provenance["charge_amount"].repaired


def test_an_exception_in_registration_is_a_page_error(monkeypatch):
    def broken(*_):
        raise RuntimeError("registration blew up")

    monkeypatch.setattr(ocr, "register_page", broken)
    outcome = ocr.prepare_page(PageImage(1, Image.new("L", (850, 1100), 255), 100.0), ocr.ocr_settings())
    assert outcome.code == "page_unreadable" and "RuntimeError" in outcome.message


def test_a_form_like_page_that_does_not_register_goes_to_staff():
    page = scans.render_pages(scans.sample_claim(seed=31, lines=1))[0]
    pixels = np.asarray(page).copy()
    pixels[int(pixels.shape[0] * 0.42) :] = 255  # only the top of the form: the rest torn off
    registration = ocr.register_page(Image.fromarray(pixels), 300.0)
    verdict = ocr.form_verdict(registration, ocr.ocr_settings())
    assert verdict == "uncertain", (registration.score, registration.coverage)
    assert ocr._refusal(verdict, 1).code == "form_uncertain"


@pytest.mark.slow
def test_old_form_version_is_refused_with_its_own_code():
    case = mailroom.make_case("old_version", mailroom.TUNING_SEEDS.start + 7, lines=1)
    result = extract_bytes(case.data, case.filename)
    assert not result.claims
    assert [e.code for e in result.errors] == ["cms1500_old_version"]
    assert "02/12" in result.errors[0].message

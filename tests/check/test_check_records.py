"""Scanned values against the plan's records (check.records): a misreading that looks like a value goes to staff
when the member file, the provider roster or the TARs on file contradict it; agreement settles a low confidence."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from claims_intake.check import check_claim
from claims_intake.check.records import NO_RECORDS, compare_with_records
from claims_intake.model import Provenance
from claims_intake.reference import InMemoryReference

from .builders import RECEIVED, claim, line


def run(c, reference, history, plan="phc"):
    return check_claim(c, plan, reference, history, received=RECEIVED)


def ecm_claim(**elements):
    return claim(line("G9008", "U1"), tar="TAR-PHC-1001", **elements)


def sure(box: str, raw: str = "") -> Provenance:
    return Provenance(page=1, box=box, raw=raw, confidence=0.99)


def unsure(box: str, raw: str = "") -> Provenance:
    return Provenance(page=1, box=box, raw=raw, confidence=0.41)


def record_finding(result):
    return next((f for f in result.findings if f.rule == "scanned_values_agree_with_records"), None)


def test_a_clean_scanned_claim_agrees_with_every_record(reference, empty_history):
    c = ecm_claim()
    records = compare_with_records(c, reference)
    assert records.doubtful == {}
    assert set(records.confirmed) == {
        ("member_cin", None),
        ("member_last_name", None),
        ("member_first_name", None),
        ("member_dob", None),
        ("billing_provider_tin", None),
        ("billing_provider_npi", None),
        ("billing_provider_name", None),
        ("authorization_number", None),
    }
    assert run(c, reference, empty_history).disposition == "CLEAN"


def test_typed_claims_are_what_the_provider_wrote(reference):
    for kind in ("spreadsheet", "fillable_pdf"):
        assert compare_with_records(ecm_claim(source_kind=kind, member_first_name="Mario"), reference) is NO_RECORDS


def test_a_first_name_the_record_contradicts_goes_to_staff(reference, empty_history):
    c = ecm_claim(member_first_name="MARLA")  # a misread 'MARIA', sure of itself
    c.provenance["member_first_name"] = sure("2", "LOPEZ, MARLA")
    result = run(c, reference, empty_history)
    finding = record_finding(result)
    assert result.disposition == "REVIEW" and finding.severity == "review"
    assert [(d.element, d.kind) for d in finding.doubts] == [("member_first_name", "disagrees_with_record")]
    # two of three still agree: the CIN is confirmed, not doubted
    assert ("member_cin", None) in compare_with_records(c, reference).confirmed


def test_names_agree_across_case_hyphens_and_a_middle_initial(reference):
    c = ecm_claim(member_first_name="MARIA L", member_last_name="LOPEZ")
    records = compare_with_records(c, reference)
    assert records.doubtful == {}
    assert ("member_first_name", None) in records.confirmed


def test_a_cin_whose_record_is_another_member_is_doubtful(reference, empty_history):
    # 90000002B is James Carter's CIN: Maria Lopez's claim with that CIN read
    c = ecm_claim(member_cin="90000002B")
    c.provenance["member_cin"] = sure("1a", "90000002B")
    records = compare_with_records(c, reference)
    assert {key for key, _ in records.doubtful} == {"member_cin", "member_last_name", "member_first_name", "member_dob"}
    assert "may be misread" in records.doubtful[("member_cin", None)]
    assert run(c, reference, empty_history).disposition == "REVIEW"


def test_a_cin_on_no_record_next_to_the_members_own_is_doubtful(reference, empty_history):
    c = ecm_claim(member_cin="90000091A")  # Maria Lopez's 90000001A with one digit misread
    c.provenance["member_cin"] = sure("1a", "90000091A")
    records = compare_with_records(c, reference)
    assert "one character away" in records.doubtful[("member_cin", None)]
    assert "9000" not in records.doubtful[("member_cin", None)]  # no PHI in the reason
    result = run(c, reference, empty_history)
    # no eligibility on file for the CIN read: staff, not a denial to the provider
    assert result.disposition == "REVIEW"
    eligibility = [f for f in result.findings if f.would_be == "deny"]
    assert eligibility and all(d.kind == "disagrees_with_record" for f in eligibility for d in f.doubts)


def test_an_unknown_cin_with_no_near_record_stays_the_providers(reference, empty_history):
    c = ecm_claim(member_cin="12345678Z")
    c.provenance["member_cin"] = sure("1a", "12345678Z")
    assert compare_with_records(c, reference).doubtful == {}
    result = run(c, reference, empty_history)
    assert result.disposition != "REVIEW"


def test_a_tin_two_digits_off_the_roster_goes_to_staff_not_a_rejection(reference, empty_history):
    c = ecm_claim(billing_provider_tin="941234801")  # roster: 941234501
    c.provenance["billing_provider_tin"] = sure("25", "941234801")
    result = run(c, reference, empty_history)
    tin = next(f for f in result.findings if f.element == "billing_provider_tin" and f.would_be)
    assert (result.disposition, tin.would_be) == ("REVIEW", "reject")
    assert any(d.kind == "disagrees_with_record" for d in tin.doubts)


def test_another_tin_altogether_is_rejected_as_written(reference, empty_history):
    c = ecm_claim(billing_provider_tin="123456789")
    c.provenance["billing_provider_tin"] = sure("25", "123456789")
    assert run(c, reference, empty_history).disposition == "REJECTED"


def test_a_tar_number_one_character_off_the_members_tar_is_doubtful(reference):
    c = ecm_claim(authorization_number="TAR-PHC-1O01")
    records = compare_with_records(c, reference)
    assert "1 character" in records.doubtful[("authorization_number", None)]


def test_agreement_settles_a_low_confidence(reference, empty_history):
    c = ecm_claim()
    c.provenance["member_cin"] = unsure("1a", "90000001A")
    c.provenance["member_dob"] = unsure("3", "04 12 1968")
    assert run(c, reference, empty_history).disposition == "CLEAN"


def test_a_low_confidence_value_no_record_confirms_stays_with_staff(reference, empty_history):
    c = ecm_claim(member_dob=date(1968, 4, 13))
    c.provenance["member_dob"] = unsure("3", "04 13 1968")
    result = run(c, reference, empty_history)
    assert result.disposition == "REVIEW"
    kinds = {d.kind for f in result.findings for d in f.doubts if d.element == "member_dob"}
    assert "disagrees_with_record" in kinds


def test_a_value_staff_verified_is_settled(reference, empty_history):
    c = ecm_claim(member_first_name="MARLA")
    c.provenance["member_first_name"] = Provenance(
        page=1, box="2", raw="LOPEZ, MARLA", confidence=0.99, verified="staff"
    )
    result = run(c, reference, empty_history)
    assert record_finding(result) is None and result.disposition == "CLEAN"


def test_a_scanned_date_after_the_day_received_goes_to_staff_not_a_rejection(reference, empty_history):
    c = ecm_claim(invoice_date=date(2026, 12, 24))  # read for 2026-02-24: after RECEIVED
    c.provenance["invoice_date"] = sure("31", "12 24 2026")
    result = run(c, reference, empty_history)
    finding = next(f for f in result.findings if f.element == "invoice_date" and f.would_be)
    assert (result.disposition, finding.would_be) == ("REVIEW", "reject")
    assert [d.kind for d in finding.doubts] == ["disagrees_with_record"]
    typed = ecm_claim(invoice_date=date(2026, 12, 24), source_kind="spreadsheet")
    assert run(typed, reference, empty_history).disposition == "REJECTED"  # what the provider wrote


def test_a_provider_name_a_letter_off_the_roster_is_doubtful(reference):
    c = ecm_claim(billing_provider_name="SOLANO COMMUNITY CARI NETWORK")  # roster: Solano Community Care Network
    assert "1 character" in compare_with_records(c, reference).doubtful[("billing_provider_name", None)]
    trade_name = ecm_claim(billing_provider_name="SCCN Housing Services")  # another name altogether: the provider's
    assert ("billing_provider_name", None) not in compare_with_records(trade_name, reference).doubtful


def test_a_phone_number_a_digit_off_the_roster_is_doubtful(reference):
    with_phones = InMemoryReference(
        reference.eligibility_spans,
        reference.authorization_list,
        [replace(provider, phone="7075551234") for provider in reference.providers],
        reference.rates,
    )
    records = compare_with_records(ecm_claim(billing_provider_phone="7075551284"), with_phones)
    assert ("billing_provider_phone", None) in records.doubtful
    records = compare_with_records(ecm_claim(billing_provider_phone="7075551234"), with_phones)
    assert ("billing_provider_phone", None) in records.confirmed


def test_a_street_or_zip_a_character_off_the_records_is_doubtful(reference):
    on_file = InMemoryReference(
        [replace(span, address="200 Oak Avenue", zip="94590") for span in reference.eligibility_spans],
        reference.authorization_list,
        [replace(provider, address="100 Main Street") for provider in reference.providers],
        reference.rates,
    )
    misread = ecm_claim(member_address="200 OAK AVENLE", member_zip="94580", billing_provider_address="100 MAIN STRFET")
    records = compare_with_records(misread, on_file)
    assert {key for key, _ in records.doubtful} == {"member_address", "member_zip", "billing_provider_address"}
    written = compare_with_records(ecm_claim(), on_file)  # the builder's 200 Oak Avenue, 94590, 100 Main Street
    assert {("member_address", None), ("member_zip", None), ("billing_provider_address", None)} <= set(
        written.confirmed
    )
    moved = compare_with_records(ecm_claim(member_address="12 Elm Court"), on_file)  # another address: the provider's
    assert ("member_address", None) not in moved.doubtful

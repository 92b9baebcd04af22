"""Coverage checks: payer, provider roster, eligibility, plan exclusions, TARs, documentation, timely filing."""

from datetime import date
from decimal import Decimal

import pytest

from claims_intake.check import check_claim
from claims_intake.reference import Authorization, ContractRate, EligibilitySpan, InMemoryReference, Provider

from .builders import RECEIVED, claim, line


def run(c, reference, history, plan="phc", received=RECEIVED):
    return check_claim(c, plan, reference, history, received=received)


def rules(result, severity=None):
    return {f.rule for f in result.findings if severity is None or f.severity == severity}


# 000 Table 3: Primary Payer Identifier / Payer Name: the plan the claim is billed to
def test_claim_billed_to_another_plan_is_rejected(reference, empty_history):
    c = claim(line("G9008", "U1"), primary_payer_id="94135", payer_name="Kaiser Permanente")
    result = run(c, reference, empty_history)
    assert result.disposition == "REJECTED" and "Kaiser" in result.findings[0].message


def test_plan_inferred_from_payer_when_not_given(reference, empty_history):
    result = check_claim(claim(line("G9008", "U1")), None, reference, empty_history, received=RECEIVED)
    assert result.plan == "phc" and result.disposition == "CLEAN"


def test_claim_billed_to_no_known_plan_is_rejected(reference, empty_history):
    c = claim(line("G9008", "U1"), primary_payer_id="99999", payer_name="Acme Health")
    result = check_claim(c, None, reference, empty_history, received=RECEIVED)
    assert result.disposition == "REJECTED" and result.plan == ""
    assert result.findings[0].element == "primary_payer_id"


# 004 III: contracted CSS CBOs in the KHS Provider Network; roster NPI/TIN/contracted
def test_tin_that_does_not_match_the_roster_is_rejected(reference, empty_history):
    result = run(claim(line("G9008", "U1"), billing_provider_tin="941234599"), reference, empty_history)
    assert result.disposition == "REJECTED" and "provider_on_roster" in rules(result, "reject")


def test_provider_not_contracted_for_the_service(reference, empty_history):
    # Bay Housing Partners is contracted for housing services only
    result = run(claim(line("S9125", "U6", units="8", cost="8.25"), provider="1456700024"), reference, empty_history)
    assert result.disposition == "DENIED" and "provider_contracted_for_service" in rules(result, "deny")


# 000 Reimbursement: "Services rendered to patients without active ... coverage on the date of service will be denied"
def test_every_date_of_a_span_must_be_covered(reference, empty_history):
    # James Carter is eligible through 10/15/2026
    result = run(
        claim(line("T1019", "U6", start="2026-10-14", end="2026-10-16", units="12", cost="8.25"), member="90000002B"),
        reference,
        empty_history,
    )
    finding = next(f for f in result.findings if f.rule == "eligible_on_each_date")
    assert "10/16/2026" in finding.message and result.disposition == "DENIED"


def test_member_unknown_to_the_plan_is_denied(reference, empty_history):
    # Sofia Martinez is a Kaiser member, billed to Partnership
    result = run(claim(line("G9008", "U1"), member="90000009J"), reference, empty_history)
    assert "eligible_on_each_date" in rules(result, "deny")


def test_coverage_spans_can_be_joined():
    spans = [
        EligibilitySpan("90000001A", "phc", date(2026, 1, 1), date(2026, 10, 31)),
        EligibilitySpan("90000001A", "phc", date(2026, 11, 1), None),
    ]
    reference = InMemoryReference(spans, [], [Provider("1456700016", "941234501", "Solano", ("phc",))])
    from claims_intake.reference import InMemoryHistory

    result = run(
        claim(line("T1019", "U6", start="2026-10-30", end="2026-11-02", units="16", cost="8.25")),
        reference,
        InMemoryHistory(),
    )
    assert "eligible_on_each_date" not in rules(result)


# 001 Tips for both: "If a member has Kaiser as primary, ECM & CS services will be coordinated through Kaiser"
def test_kaiser_primary_denies_cs_too(reference, empty_history):
    result = run(claim(line("H0043", "U6", cost="386.00"), member="90000004D"), reference, empty_history)
    assert "plan_coverage_exclusions" in rules(result, "deny")


# 001 Tips for both: "Members covered by D-SNP receive ECM services through their plan, not Partnership"
def test_dsnp_excludes_ecm_only(reference, empty_history):
    ecm = run(claim(line("G9012", "U2"), member="90000003C"), reference, empty_history)
    assert "plan_coverage_exclusions" in rules(ecm, "deny")


def test_exclusions_are_partnership_only(reference, empty_history):
    kp_reference = InMemoryReference(
        [EligibilitySpan("90000008H", "kp", date(2026, 1, 1), None, dsnp=True)],
        [],
        [Provider("1456700032", "951234503", "Valley Lead Care LLC", ("kp",))],
        rates=[ContractRate("1456700032", "kp", "G9012-U2", Decimal("450.00"), date(2026, 1, 1))],
    )  # Kaiser pays contract rates
    result = run(
        claim(line("G9012", "U2", cost="450.00"), member="90000008H", provider="1456700032", plan="kp"),
        kp_reference,
        empty_history,
        plan="kp",
    )
    assert result.disposition == "CLEAN", result.findings


# 001 Community Support Services: "A TAR is required for all CS services"
def test_cs_without_any_tar_is_denied(reference, empty_history):
    result = run(claim(line("S9125", "U6", units="8", cost="8.25")), reference, empty_history)
    finding = next(f for f in result.findings if f.rule == "authorized")
    assert finding.severity == "deny" and "requires an approved TAR" in finding.message


# 001 ECM TAR Tips: "Providers should verify the codes/modifiers they are billing match an approved TAR"
def test_tar_for_another_code_does_not_authorize(reference, empty_history):
    result = run(claim(line("H2016", "U6", cost="386.00"), tar="TAR-PHC-1002"), reference, empty_history)
    finding = next(f for f in result.findings if f.rule == "authorized")
    assert "authorizes H0043-U6" in finding.message


# 001 ECM TAR Tips: "TARs should not include modifiers U8 or GQ"
def test_gq_on_the_claim_still_matches_a_tar_without_gq(reference, empty_history):
    result = run(claim(line("G9008", "U1-GQ")), reference, empty_history)
    assert "authorized" not in rules(result), result.findings


def test_tar_issued_to_another_provider(reference, empty_history):
    # TAR-PHC-1002 (H0043-U6 for Maria) was issued to Solano Community Care Network
    result = run(claim(line("H0043", "U6", cost="386.00"), provider="1456700024"), reference, empty_history)
    finding = next(f for f in result.findings if f.rule == "authorized")
    assert "another provider" in finding.message


def test_rendering_npi_may_hold_the_tar(empty_history):
    tar = Authorization(
        "TAR-1", "90000001A", "1987600115", "phc", "G9008", ("U1",), date(2026, 1, 1), date(2026, 12, 31)
    )
    reference = InMemoryReference(
        [EligibilitySpan("90000001A", "phc", date(2026, 1, 1), None)],
        [tar],
        [Provider("1456700016", "941234501", "Solano", ("phc",))],
    )
    item = line("G9008", "U1")
    item.rendering_provider_npi = "1987600115"
    assert run(claim(item), reference, empty_history).disposition == "CLEAN"


def test_tar_units_exhausted(empty_history):
    tar = Authorization(
        "TAR-2",
        "90000001A",
        "1456700016",
        "phc",
        "T1019",
        ("U6",),
        date(2026, 1, 1),
        date(2026, 12, 31),
        units=__import__("decimal").Decimal(20),
    )
    reference = InMemoryReference(
        [EligibilitySpan("90000001A", "phc", date(2026, 1, 1), None)],
        [tar],
        [Provider("1456700016", "941234501", "Solano", ("phc",))],
    )
    result = run(
        claim(
            line("T1019", "U6", start="2026-11-02", units="16", cost="8.25"),
            line("T1019", "U6", start="2026-11-03", units="8", cost="8.25"),
        ),
        reference,
        empty_history,
    )
    assert [l.disposition for l in result.lines] == ["PAYABLE", "DENIED"]
    finding = next(f for f in result.lines[1].findings if f.rule == "authorized")
    assert "20 units authorized, 16 already billed" in finding.message


# 001 CS TAR Tips: "Housing deposit TARs must include required documentation"
def test_housing_deposit_documents_missing_is_rfi(reference, empty_history):
    result = run(
        claim(line("H0044", "U2", start="2026-10-15", cost="3500.00"), member="90000005E", provider="1456700024"),
        reference,
        empty_history,
    )
    assert result.disposition == "RFI" and "authorization_documents" in rules(result, "rfi")


def test_housing_deposit_capped_at_tar_amount(reference, empty_history):
    # Angela's TAR approves $3,500 (documents aside): a $4,000 deposit is allowed $3,500 at most
    tar = Authorization(
        "TAR-9",
        "90000005E",
        "1456700024",
        "phc",
        "H0044",
        ("U2",),
        date(2026, 10, 1),
        date(2026, 12, 31),
        amount=__import__("decimal").Decimal("3500.00"),
    )
    local = InMemoryReference(reference.eligibility_spans, [tar], reference.providers)
    result = run(
        claim(line("H0044", "U2", start="2026-10-15", cost="4000.00"), member="90000005E", provider="1456700024"),
        local,
        empty_history,
    )
    assert result.disposition == "CLEAN" and str(result.allowed_total) == "3500.00"


# Timely filing from the plan profile (plans.yaml timely_filing_days)
@pytest.mark.parametrize("received,denied", [(date(2027, 5, 4), False), (date(2027, 5, 5), True)])
def test_timely_filing(reference, empty_history, received, denied):
    # service 11/05/2026 + 180 days = 05/04/2027
    result = run(claim(line("G9008", "U1")), reference, empty_history, received=received)
    assert ("timely_filing" in rules(result, "deny")) is denied


def test_plan_given_as_profile(reference, empty_history):
    from claims_intake.catalog import PlanProfile, plan_profile

    assert run(claim(line("G9008", "U1")), reference, empty_history, plan=plan_profile("phc")).disposition == "CLEAN"
    with pytest.raises(ValueError, match=r"plans\.yaml"):
        run(claim(line("G9008", "U1")), reference, empty_history, plan=PlanProfile("xyz", {}))


# 001 ECM TAR Tips: "Providers should verify the codes/modifiers they are billing match an approved TAR":
# a TAR number that matches nothing on file is asked for (RFI), not guessed
def test_tar_number_that_matches_nothing_is_rfi(reference, empty_history):
    result = run(claim(line("G9008", "U1"), tar="TAR-PHC-0000"), reference, empty_history)
    assert result.disposition == "RFI"
    assert "authorization_number_known" in rules(result, "rfi")
    written_lowercase = run(claim(line("G9008", "U1"), tar="tar-phc-1001"), reference, empty_history)
    assert written_lowercase.disposition == "CLEAN"

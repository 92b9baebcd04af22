"""The sample scenarios of docs/reference-data.md: every disposition from the sample reference data."""

import pytest

from claims_intake.check import check_claim

from .builders import RECEIVED, claim, line, low_confidence


def run(c, plan, reference, history):
    return check_claim(c, plan, reference, history, received=RECEIVED)


def categories(result):
    return {(f.category.value, f.severity.value) for f in result.findings}


def test_clean_partnership_ecm_and_housing_navigation(reference, history):
    result = run(
        claim(
            line("G9008", "U1", name="ECM Core Service"),
            line("H0043", "U6", cost="386.00", name="Housing Transition/Navigation"),
            tar="TAR-PHC-1001",
        ),
        "phc",
        reference,
        history,
    )
    assert result.disposition == "CLEAN", result.findings
    assert str(result.allowed_total) == "786.00"
    assert not result.findings


def test_partial_when_eligibility_ends_mid_claim(reference, history):
    result = run(
        claim(line("G9012", "U2", start="2026-09-15"), line("G9012", "U2", start="2026-10-20"), member="90000002B"),
        "phc",
        reference,
        history,
    )
    assert result.disposition == "PARTIAL"
    assert [l.disposition for l in result.lines] == ["PAYABLE", "DENIED"]
    assert ("eligibility", "deny") in categories(result) and str(result.allowed_total) == "400.00"


def test_denied_kaiser_primary_at_partnership(reference, history):
    result = run(claim(line("G9008", "U1", start="2026-11-03"), member="90000004D"), "phc", reference, history)
    assert result.disposition == "DENIED"
    assert any("Kaiser as primary" in f.message for f in result.findings)


def test_dsnp_member_ecm_denied_but_cs_clean(reference, history):
    ecm = run(claim(line("G9012", "U2", start="2026-11-04"), member="90000003C"), "phc", reference, history)
    assert ecm.disposition == "DENIED" and any("D-SNP" in f.message for f in ecm.findings)
    cs = run(
        claim(line("H2016", "U6", start="2026-11-04", cost="386.00"), member="90000003C", provider="1456700024"),
        "phc",
        reference,
        history,
    )
    assert cs.disposition == "CLEAN", cs.findings


def test_denied_expired_tar(reference, history):
    result = run(
        claim(
            line("T2033", "U6", start="2026-10-01", end="2026-10-10", units="10", cost="204.00"),
            member="90000006F",
            tar="TAR-PHC-1004",
        ),
        "phc",
        reference,
        history,
    )
    assert result.disposition == "DENIED"
    assert any(f.category == "authorization" and "expired" in f.message for f in result.findings)


def test_rfi_housing_deposit_without_documents(reference, history):
    result = run(
        claim(
            line("H0044", "U2", start="2026-10-15", cost="3500.00"),
            member="90000005E",
            provider="1456700024",
            tar="TAR-PHC-1003",
        ),
        "phc",
        reference,
        history,
    )
    assert result.disposition == "RFI"
    assert ("documentation", "rfi") in categories(result)


def test_rfi_tar_number_that_matches_nothing(reference, history):
    result = run(claim(line("G9008", "U1"), tar="TAR-PHC-9999"), "phc", reference, history)
    assert result.disposition == "RFI"
    assert any(f.element == "authorization_number" and f.severity == "rfi" for f in result.findings)


def test_rfi_homeless_indicator_not_derivable(reference, history):
    result = run(claim(line("G9008", "U1", dx="Z60.2"), member_homeless_indicator=None), "phc", reference, history)
    assert result.disposition == "RFI"


def test_review_low_ocr_confidence(reference, history):
    first = low_confidence(line("G9008", "U1"), "charge_amount", raw="400.00")
    result = run(claim(first), "phc", reference, history)
    assert result.disposition == "REVIEW"
    assert result.findings[0].element == "charge_amount" and "0.41" in result.findings[0].message


def test_rejected_missing_dob(reference, history):
    result = run(claim(line("G9008", "U1"), member_dob=None), "phc", reference, history)
    assert result.disposition == "REJECTED"
    assert all(l.disposition == "DENIED" and str(l.allowed_amount) == "0.00" for l in result.lines)


def test_denied_duplicate_invoice(reference, history):
    result = run(claim(line("G9008", "U1", start="2026-10-08"), invoice="SCCN-2026-1001"), "phc", reference, history)
    assert result.disposition == "DENIED"
    assert ("duplicate", "deny") in categories(result)


def test_kaiser_clean_recuperative_care(reference, history):
    result = run(
        claim(
            line("T2033", "U6", start="2026-10-01", end="2026-10-14", units="14", cost="210.00"),
            member="90000009J",
            provider="1456700032",
            plan="kp",
        ),
        "kp",
        reference,
        history,
    )
    assert result.disposition == "CLEAN", result.findings
    assert str(result.allowed_total) == "2940.00"


def test_kaiser_not_eligible(reference, history):
    result = run(
        claim(
            line("G9008", "U1", start="2026-10-15", cost="450.00"), member="90000014P", provider="1456700032", plan="kp"
        ),
        "kp",
        reference,
        history,
    )
    assert result.disposition == "DENIED"


def test_kern_stph_bed_hold_invoice_is_clean(reference, history):
    result = run(
        claim(
            line("H0043", "U3", start="2026-11-01", end="2026-11-30", units="30", cost="100.00", name="STPH bed hold"),
            member="90000010K",
            provider="1456700040",
            plan="khs",
            source_kind="spreadsheet",
        ),
        "khs",
        reference,
        history,
    )
    assert result.disposition == "CLEAN", result.findings
    assert str(result.allowed_total) == "3000.00"


@pytest.mark.parametrize("source_kind,expected", [("spreadsheet", "REJECTED"), ("scan", "CLEAN")])
def test_kern_invoice_only_for_stph(reference, history, source_kind, expected):
    result = run(
        claim(
            line("T2033", "U6", start="2026-10-01", end="2026-10-10", units="10", cost="200.00"),
            member="90000011L",
            provider="1456700040",
            plan="khs",
            source_kind=source_kind,
        ),
        "khs",
        reference,
        history,
    )
    assert result.disposition == expected, result.findings


@pytest.mark.parametrize("provider", ["1456700065", "1456700073"])
def test_provider_not_contracted_or_not_on_roster(reference, history, provider):
    result = run(
        claim(line("S9125", "U6", start="2026-11-06", units="8", cost="8.25"), provider=provider),
        "phc",
        reference,
        history,
    )
    assert result.disposition == "DENIED"
    assert ("provider", "deny") in categories(result)

"""The letters as PDFs: rendered with reportlab, read back with pdfplumber and pypdf (seed 000 Unclean Claims)."""

import io
from datetime import UTC, date, datetime

import pdfplumber
import pytest
from pypdf import PdfReader

from claims_intake.catalog import plan_profile
from claims_intake.check import check_claim
from claims_intake.letters import RejectionCause, denial_notice, rejection_letter, render_pdf, rfi_letter
from claims_intake.reference import load_reference_dir
from tests.check.builders import RECEIVED, SAMPLES, claim, line

ISSUED = date(2026, 11, 22)


@pytest.fixture(scope="module")
def reference():
    return load_reference_dir(SAMPLES)


def check(c, plan, reference):
    return check_claim(c, plan, reference, None, received=RECEIVED)


def text_of(pdf_bytes: bytes) -> str:
    assert pdf_bytes.startswith(b"%PDF-")
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        return " ".join(" ".join(page.extract_text() or "" for page in pdf.pages).split())


@pytest.mark.parametrize(
    "plan,member,provider",
    [("phc", "90000001A", "1456700016"), ("kp", "90000009J", "1456700032"), ("khs", "90000010K", "1456700040")],
)
def test_rejection_letter_has_the_plan_letterhead_and_every_reason(reference, plan, member, provider):
    rejected = claim(
        line("T2033", "U6", start="2026-10-01", units="1", cost="210.00"),
        member=member,
        provider=provider,
        plan=plan,
        member_dob=None,
        member_zip=None,
        invoice=f"INV-{plan}",
    )
    result = check(rejected, plan, reference)
    assert result.disposition == "REJECTED"
    text = text_of(render_pdf(rejection_letter(result, "C-77", ISSUED)))
    for letterhead_line in plan_profile(plan).letterhead:
        assert letterhead_line in text
    assert "Claim Rejection Notice" in text and "Date: November 22, 2026" in text
    assert f"Invoice number INV-{plan}" in text and "Claim number C-77" in text
    reasons = [f for f in result.findings if f.severity == "reject"]
    assert len(reasons) >= 2
    for finding in reasons:
        assert finding.message in text  # each reason, word for word
        assert finding.cite in text  # with the rule it comes from
    assert "How to resubmit" in text


def test_rfi_letter_says_what_is_needed_and_by_when(reference):
    result = check(
        claim(
            line("H0044", "U2", start="2026-10-15", cost="3500.00"),
            member="90000005E",
            provider="1456700024",
            tar="TAR-PHC-1003",
        ),
        "phc",
        reference,
    )
    assert result.disposition == "RFI"
    due = datetime(2026, 12, 22, 23, 59, 59, tzinfo=UTC)
    text = text_of(render_pdf(rfi_letter(result, "C-5", ISSUED, due)))
    assert "Request for Information" in text
    assert "Respond by December 22, 2026" in text and "by December 22, 2026" in text
    assert "missing its documentation" in text and "Information we need" in text
    assert "ecmclaimshelpdesksr@partnershiphp.org" in text


def test_rfi_letter_with_a_short_window_gives_the_time(reference):
    result = check(claim(line("G9008", "U1"), tar="TAR-PHC-9999"), "phc", reference)
    due = datetime(2026, 11, 22, 10, 30, 5, tzinfo=UTC)
    text = text_of(render_pdf(rfi_letter(result, "C-6", ISSUED, due, round_number=2)))
    assert "November 22, 2026 at 10:30 UTC" in text and "This is request number 2" in text


def test_rejection_for_no_response_names_the_dates_and_what_is_still_needed(reference):
    result = check(claim(line("G9008", "U1"), tar="TAR-PHC-9999"), "phc", reference)
    letter = rejection_letter(
        result,
        "C-7",
        ISSUED,
        RejectionCause.NO_RESPONSE,
        rfi_sent=datetime(2026, 10, 1, tzinfo=UTC),
        rfi_due=datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC),
        rounds=1,
    )
    text = text_of(render_pdf(letter))
    assert "asked for more information on 10/01/2026" in text and "by October 31, 2026" in text
    assert "TAR-PHC-9999 matches no approved TAR" in text


def test_denial_notice_reads_like_a_remittance_advice(reference):
    result = check(
        claim(line("G9012", "U2", start="2026-09-15"), line("G9012", "U2", start="2026-10-20"), member="90000002B"),
        "phc",
        reference,
    )
    assert result.disposition == "PARTIAL"
    pdf_bytes = render_pdf(denial_notice(result, "C-8", ISSUED))
    text = text_of(pdf_bytes)
    assert "Notice of Denied Services" in text and "1 of 2 service lines" in text
    assert "10/20/2026" in text and "G9012-U2" in text and "$400.00 $0.00 CO-27" in text
    assert "CO-27: Expenses incurred after coverage terminated or before coverage began." in text
    assert "If you disagree" in text
    # A second PDF library reads the same text and the document metadata.
    reader = PdfReader(io.BytesIO(pdf_bytes))
    assert "Notice of Denied Services" in reader.pages[0].extract_text()
    assert reader.metadata.title == "Notice of Denied Services - claim C-8"


def test_unknown_plan_wording_is_a_clear_error(reference):
    result = check(claim(line("G9008", "U1"), member_dob=None), "phc", reference)
    result.plan = "nope"
    with pytest.raises(KeyError, match="nope"):
        rejection_letter(result, "C-9", ISSUED)

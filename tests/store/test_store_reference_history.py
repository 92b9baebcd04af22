"""DynamoReference / DynamoHistory answer the check's protocols; reference loads and reloads."""

from datetime import date
from decimal import Decimal

from claims_intake.check.result import ClaimDisposition
from claims_intake.reference import Authorization, ContractRate, EligibilitySpan, HistoryLine, Provider
from claims_intake.store import DynamoHistory, DynamoReference, ReferenceWriter, Tables

from .factories import PROVIDER_NPI, checked_claim

SPAN = EligibilitySpan(member_cin="91234567A", plan="khs", start=date(2026, 1, 1), end=None, county="Kern")
TAR = Authorization(
    number="TAR-77",
    member_cin="91234567A",
    provider_npi=PROVIDER_NPI,
    plan="khs",
    code="H2016",
    modifiers=("U6",),
    start=date(2026, 1, 1),
    end=date(2026, 12, 31),
    units=Decimal("12"),
    amount=Decimal("1500.00"),
)
PROVIDER = Provider(
    npi=PROVIDER_NPI, tin="123456789", name="Valley Care Partners", plans=("khs", "kp"), email="billing@example.org"
)


def test_reference_records_round_trip(dynamodb):
    writer = ReferenceWriter(Tables(), client=dynamodb)
    assert writer.load("reference/khs/eligibility.csv", [SPAN]).written == 1
    writer.load("reference/khs/authorizations.csv", [TAR])
    writer.load("reference/providers.csv", [PROVIDER])
    reference = DynamoReference(Tables(), client=dynamodb)
    assert reference.eligibility("91234567A") == [SPAN]
    assert reference.authorizations("91234567A") == [TAR]
    assert reference.authorization("TAR-77") == TAR
    assert reference.authorization("tar 77") == TAR  # as OCR'd from box 23 or typed by staff
    assert reference.authorization("TAR-0") is None
    assert reference.provider(PROVIDER_NPI) == PROVIDER
    assert reference.provider("1111111111") is None
    assert reference.eligibility("00000000X") == []


def test_contract_rates_and_licence_type_round_trip(dynamodb):
    writer = ReferenceWriter(Tables(), client=dynamodb)
    rates = [
        ContractRate(PROVIDER_NPI, "kp", "H2016-U6", Decimal("390.00"), date(2026, 1, 1)),
        ContractRate(PROVIDER_NPI, "khs", "T2033-U6", Decimal("200.00"), date(2026, 1, 1), date(2026, 6, 30)),
    ]
    writer.load("reference/contract_rates.csv", rates)
    staff = Provider(npi="1456700115", tin="123456789", name="Luis Ortega CHW", plans=(), licence_type="non_clinical")
    writer.load("reference/providers.csv", [PROVIDER, staff])
    reference = DynamoReference(Tables(), client=dynamodb)
    assert sorted(reference.contract_rates(PROVIDER_NPI), key=lambda r: r.plan) == sorted(rates, key=lambda r: r.plan)
    assert reference.contract_rates("1111111111") == []
    assert reference.provider(PROVIDER_NPI) == PROVIDER  # the rates under the same key do not disturb the roster row
    assert reference.provider("1456700115").licence_type == "non_clinical"


def test_reload_replaces_what_the_previous_load_of_the_file_wrote(dynamodb):
    writer = ReferenceWriter(Tables(), client=dynamodb)
    others = [
        EligibilitySpan(member_cin=f"9000000{n}A", plan="khs", start=date(2026, 1, 1), end=None) for n in range(30)
    ]
    writer.load("reference/khs/eligibility.csv", [SPAN, *others])
    writer.load(
        "reference/kp/eligibility.csv",
        [EligibilitySpan(member_cin="95555555B", plan="kp", start=date(2026, 2, 1), end=None)],
    )
    ended = EligibilitySpan(member_cin="91234567A", plan="khs", start=date(2026, 1, 1), end=date(2026, 6, 30))
    summary = writer.load("reference/khs/eligibility.csv", [ended])
    assert (summary.written, summary.removed) == (1, 30)
    reference = DynamoReference(Tables(), client=dynamodb)
    assert reference.eligibility("91234567A") == [ended]
    assert reference.eligibility("90000001A") == []
    assert len(reference.eligibility("95555555B")) == 1  # another file's records stay


def test_history_is_the_stored_lines_of_entered_claims(store, dynamodb):
    store.save_checked_claim(checked_claim("C-1", lines=2), "u")
    store.save_checked_claim(checked_claim("C-2", ClaimDisposition.REJECTED, invoice="INV-2"), "u")
    history = DynamoHistory(Tables(), client=dynamodb)
    lines = history.member_lines("91234567A")
    assert [(l.claim_id, l.start, l.combination, l.allowed) for l in lines] == [
        ("C-1", date(2026, 9, 4), "G9008-U1", Decimal("87.50")),
        ("C-1", date(2026, 9, 5), "G9008-U1", Decimal("87.50")),
    ]
    assert history.invoice_exists("1234567893", "INV-100")
    assert not history.invoice_exists("1234567893", "INV-2")  # rejected: never entered
    assert DynamoHistory(Tables(), client=dynamodb, exclude_claim_id="C-1").member_lines("91234567A") == []
    assert not DynamoHistory(Tables(), client=dynamodb, exclude_claim_id="C-1").invoice_exists("1234567893", "INV-100")


def test_a_claim_rejected_later_leaves_the_history(store, dynamodb):
    store.save_checked_claim(checked_claim("C-1", ClaimDisposition.RFI), "u")
    history = DynamoHistory(Tables(), client=dynamodb)
    assert [line.status for line in history.member_lines("91234567A")] == ["PENDING", "PENDING"]
    store.set_status("C-1", "REJECTED", actor="flow", note="no answer to the RFI", disposition="REJECTED")
    assert history.member_lines("91234567A") == []
    assert not history.invoice_exists("1234567893", "INV-100")
    assert store.get_claim("C-1").disposition == ClaimDisposition.REJECTED
    store.save_checked_claim(checked_claim("C-1"), "u", actor="flow")  # resubmitted and clean
    assert [line.status for line in history.member_lines("91234567A")] == ["PAYABLE", "PAYABLE"]


def test_imported_history_counts_like_stored_lines(dynamodb):
    writer = ReferenceWriter(Tables(), client=dynamodb)
    old = HistoryLine(
        claim_id="LEGACY-1",
        member_cin="91234567A",
        provider_npi=PROVIDER_NPI,
        invoice_number="OLD-1",
        combination="H2016-U6",
        start=date(2026, 3, 1),
        end=date(2026, 3, 1),
        units=Decimal("1"),
        charge=Decimal("50.00"),
        allowed=Decimal("50.00"),
    )
    assert writer.load_history([old]) == 1
    history = DynamoHistory(Tables(), client=dynamodb)
    assert history.member_lines("91234567A") == [old]
    assert history.invoice_exists(PROVIDER_NPI, "OLD-1")

"""The member history index is built once per history and kept up to date: checks see lines added after it."""

from datetime import date
from decimal import Decimal

from claims_intake.check import check_claim
from claims_intake.reference import HistoryLine, InMemoryHistory

from .builders import RECEIVED, claim, line

MEMBER = "90000001A"
NPI = "1456700016"


def _paid(claim_id: str, combination: str, day: date, invoice: str = "OLD-1") -> HistoryLine:
    return HistoryLine(claim_id, MEMBER, NPI, invoice, combination, day, day, Decimal(1), Decimal(400), Decimal(400))


def _run(c, history):
    return check_claim(c, "phc", _reference(), history, received=RECEIVED)


def _reference():
    from claims_intake.reference import load_reference_dir

    from .builders import SAMPLES

    return load_reference_dir(SAMPLES)


def test_a_line_added_after_the_index_was_built_is_seen():
    history = InMemoryHistory()
    first = _run(claim(line("G9008", "U1", start="2026-11-04", name="ECM Core Service")), history)
    assert first.disposition == "CLEAN", first.findings
    assert history.member_index(MEMBER).counted == []  # built, empty
    history.add(_paid("C-1", "G9008-U1", date(2026, 11, 4)))
    assert [c.combination for c in history.member_index(MEMBER).counted] == ["G9008-U1"]
    again = _run(claim(line("G9008", "U1", start="2026-11-04", name="ECM Core Service")), history)
    assert again.disposition == "DENIED"
    assert {f.category.value for f in again.findings} >= {"duplicate"}


def test_a_claim_checked_again_is_not_its_own_duplicate():
    history = InMemoryHistory([_paid("C-7", "G9008-U1", date(2026, 11, 4), invoice="INV-7")])
    rechecked = claim(line("G9008", "U1", start="2026-11-04", name="ECM Core Service"))
    rechecked.claim_id, rechecked.invoice_number = "C-7", "INV-7"
    assert _run(rechecked, history).disposition == "CLEAN"
    other = claim(line("G9008", "U1", start="2026-11-04", name="ECM Core Service"))
    other.claim_id = "C-8"
    assert _run(other, history).disposition == "DENIED"


def test_pending_and_denied_lines_count_as_the_rules_say():
    history = InMemoryHistory()
    denied = HistoryLine(
        "C-2",
        MEMBER,
        NPI,
        "OLD-2",
        "G9008-U1",
        date(2026, 11, 4),
        date(2026, 11, 4),
        Decimal(1),
        Decimal(400),
        Decimal(0),
        "DENIED",
    )
    history.add(denied)
    index = history.member_index(MEMBER)
    assert index.prior == [denied] and index.counted == []  # a denied line is on file but does not count
    pending = HistoryLine(
        "C-3",
        MEMBER,
        NPI,
        "OLD-3",
        "G9008-U1",
        date(2026, 11, 4),
        date(2026, 11, 4),
        Decimal(1),
        Decimal(400),
        Decimal(400),
        "PENDING",
    )
    history.add(pending)
    assert [c.invoice_number for c in index.counted] == ["OLD-3"]


def test_a_file_batch_works_out_a_claims_lines_only_when_a_later_claim_of_the_member_reads_them():
    from claims_intake.reference.history import FileBatch

    batch, asked = FileBatch(), []

    def lines():
        asked.append(MEMBER)
        return [_paid("C-1", "G9008-U1", date(2026, 11, 4), invoice="INV-1")]

    batch.add_claim(MEMBER, lines)
    assert batch.holds(MEMBER) and not batch.holds("90000002B")
    assert asked == []  # nothing made while no later claim of the member asks
    assert [c.combination for c in batch.member_index(MEMBER).counted] == ["G9008-U1"]
    assert batch.member_index(MEMBER).counted and asked == [MEMBER]  # made once
    batch.add_lines([_paid("C-2", "G9008-U1", date(2026, 11, 5), invoice="INV-2")])
    assert batch.invoice_exists(NPI, "INV-2") and batch.invoice_exists(NPI, "INV-1")
    assert [h.claim_id for h in batch.member_lines(MEMBER)] == ["C-1", "C-2"]
    assert batch.member_lines("90000002B") == []

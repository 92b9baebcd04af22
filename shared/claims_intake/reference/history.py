"""Claims history: the lines on file for a member, and their index for the check's frequency and duplicate rules.

Each member's lines are indexed once per history (InMemoryHistory keeps one index per member and extends it
as lines are added; the check's file batch keeps one per member for the file), so a rule costs a look-up,
not a pass over every history line, and checking many claims costs their lines, not claims x history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from typing import NamedTuple, Protocol

from ..catalog import TELEHEALTH, dhcs_catalog


class HistoryLine(NamedTuple):
    """A line already on file for a member (paid or pending), for frequency and duplicate rules.

    A named tuple, not a frozen dataclass: every line of a checked file and of a loaded history becomes one,
    and a frozen dataclass's __init__ sets each field through object.__setattr__ (~5 us a line against
    ~0.9 us for the tuple). Still tracked by the garbage collector (CPython untracks only exact tuples)."""

    claim_id: str
    member_cin: str
    provider_npi: str
    invoice_number: str
    combination: str  # CODE-MOD1-MOD2
    start: date
    end: date
    units: Decimal
    charge: Decimal
    allowed: Decimal
    status: str = "PAYABLE"  # PAYABLE, DENIED, or PENDING (RFI/REVIEW not yet decided)


class HistorySource(Protocol):
    def member_lines(self, member_cin: str) -> list[HistoryLine]: ...
    def invoice_exists(self, provider_npi: str, invoice_number: str) -> bool: ...


COUNTING_STATUSES = frozenset({"PAYABLE", "PENDING"})


@cache
def history_key(combination: str) -> str:
    """A stored combination as the catalog keys it: CS lines billed with GQ count as their base service."""
    by_key = dhcs_catalog().by_key
    if combination in by_key or not combination.endswith("-" + TELEHEALTH):
        return combination
    base = combination[: -len(TELEHEALTH) - 1]
    return base if base in by_key else combination


class Counted(NamedTuple):
    """A line that counts for frequency rules: from history, or an earlier line of this claim.

    A named tuple for the same reason as HistoryLine: one per counted history line and accepted claim line."""

    key: str
    start: date
    end: date
    units: Decimal
    allowed: Decimal
    provider_npi: str
    invoice_number: str
    combination: str  # as billed, with every modifier

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class HistoryIndex:
    """Lines of one member (history, or one claim's accepted lines), indexed by what the rules ask."""

    __slots__ = ("by_key", "by_month", "claim_ids", "counted", "exact", "invoices", "prior")

    def __init__(self, lines: list[HistoryLine] | tuple[HistoryLine, ...] = ()) -> None:
        self.prior: list[HistoryLine] = []
        self.counted: list[Counted] = []
        self.claim_ids: set[str] = set()
        self.invoices: dict[tuple[str, str], HistoryLine] = {}
        self.exact: dict[tuple[str, date, date], Counted] = {}
        self.by_key: dict[str, list[Counted]] = {}
        self.by_month: dict[tuple[int, int], list[Counted]] = {}
        for line in lines:
            self.add_prior(line)

    def add_prior(self, h: HistoryLine) -> None:
        self.prior.append(h)
        self.claim_ids.add(h.claim_id)
        self.invoices.setdefault((h.invoice_number, h.provider_npi), h)
        if h.status in COUNTING_STATUSES:
            self.add_counted(
                Counted(
                    history_key(h.combination),
                    h.start,
                    h.end or h.start,
                    h.units,
                    h.allowed,
                    h.provider_npi,
                    h.invoice_number,
                    h.combination,
                )
            )

    def add_counted(self, c: Counted) -> None:
        self.counted.append(c)
        self.exact.setdefault((c.combination, c.start, c.end), c)
        self.by_key.setdefault(c.key, []).append(c)
        self.by_month.setdefault((c.start.year, c.start.month), []).append(c)


class ClaimCounted:
    """The accepted lines of the claim being checked, so far: a few lines, searched by key, else in order."""

    __slots__ = ("by_key", "counted")

    def __init__(self) -> None:
        self.counted: list[Counted] = []
        self.by_key: dict[str, list[Counted]] = {}

    def add_counted(self, c: Counted) -> None:
        self.counted.append(c)
        self.by_key.setdefault(c.key, []).append(c)


# A decided claim's lines for the file batch: the lines, or how to work them out when first read.
WaitingLines = list[HistoryLine] | Callable[[], list[HistoryLine]]


class FileBatch:
    """The lines of the file being checked, for the claims after them: only the per-member index the rules read
    (and the invoices), nothing rebuilt or kept twice.

    A decided claim's lines wait in a per-member list and join the member's index only when a later claim of
    that member asks for it (`member_index`): in most files most members have one claim, and their lines are
    never read again, so making and indexing them (two named tuples and six container insertions a line) would
    be wasted. `add_claim` takes how to work the lines out, so that is deferred too."""

    __slots__ = ("_indexes", "_invoices", "_waiting")

    def __init__(self) -> None:
        self._indexes: dict[str, HistoryIndex] = {}
        self._invoices: set[tuple[str, str]] = set()
        self._waiting: dict[str, list[WaitingLines]] = {}

    def holds(self, member_cin: str) -> bool:
        """Whether the file has (or may have: lines not worked out yet) lines of this member so far."""
        return member_cin in self._indexes or member_cin in self._waiting

    def member_index(self, member_cin: str) -> HistoryIndex:
        """The member's index, with every line added so far (the same object for the whole file)."""
        index = self._indexes.get(member_cin)
        if index is None:
            index = self._indexes[member_cin] = HistoryIndex()
        waiting = self._waiting.pop(member_cin, None)
        if waiting is not None:
            for entry in waiting:
                for line in entry() if callable(entry) else entry:
                    self._invoices.add((line.provider_npi, line.invoice_number))
                    index.add_prior(line)
        return index

    def add_claim(self, member_cin: str, lines: Callable[[], list[HistoryLine]]) -> None:
        """A decided claim of this member: `lines()` gives its lines when a later claim of the member reads them."""
        self._waiting.setdefault(member_cin, []).append(lines)

    def add_lines(self, lines: list[HistoryLine]) -> None:
        """A decided claim's lines, in order: they wait for the member's index until a later claim reads it."""
        by_member: dict[str, list[HistoryLine]] = {}
        for line in lines:
            by_member.setdefault(line.member_cin, []).append(line)
        for member, rows in by_member.items():
            self._waiting.setdefault(member, []).append(rows)

    def member_lines(self, member_cin: str) -> list[HistoryLine]:
        if not self.holds(member_cin):
            return []
        return list(self.member_index(member_cin).prior)

    def invoice_exists(self, provider_npi: str, invoice_number: str) -> bool:
        for member in list(self._waiting):  # the invoices of lines not worked out yet
            self.member_index(member)
        return (provider_npi, invoice_number) in self._invoices


@dataclass
class InMemoryHistory:
    """History held in memory: the CLI's `--history FILE`, and the pipeline within one claim batch.

    Indexed by member and by (provider, invoice) so a check costs the member's lines, not the file's;
    each member's lines are indexed for the rules once (`member_index`, kept up to date by `add`), not
    once per claim checked.
    """

    lines: list[HistoryLine] = field(default_factory=list)
    _by_member: dict[str, list[HistoryLine]] = field(default_factory=dict, init=False, repr=False)
    _invoices: set[tuple[str, str]] = field(default_factory=set, init=False, repr=False)
    _member_indexes: dict[str, HistoryIndex] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for line in self.lines:
            self._index(line)

    def _index(self, line: HistoryLine) -> None:
        self._by_member.setdefault(line.member_cin, []).append(line)
        self._invoices.add((line.provider_npi, line.invoice_number))
        index = self._member_indexes.get(line.member_cin)
        if index is not None:
            index.add_prior(line)

    def member_lines(self, member_cin: str) -> list[HistoryLine]:
        return list(self._by_member.get(member_cin, ()))

    def member_index(self, member_cin: str) -> HistoryIndex:
        """The member's lines indexed for the check's rules (built on first use; the rules only read it)."""
        index = self._member_indexes.get(member_cin)
        if index is None:
            index = self._member_indexes[member_cin] = HistoryIndex(self._by_member.get(member_cin, ()))
        return index

    def member_indexes(self, member_cin: str) -> tuple[HistoryIndex, ...]:
        """The indexes that together hold the member's history (here one; the check's file batch adds its own)."""
        return (self.member_index(member_cin),)

    def invoice_exists(self, provider_npi: str, invoice_number: str) -> bool:
        return (provider_npi, invoice_number) in self._invoices

    def add(self, line: HistoryLine) -> None:
        self.lines.append(line)
        self._index(line)

    def __len__(self) -> int:
        return len(self.lines)

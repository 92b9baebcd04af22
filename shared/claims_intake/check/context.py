"""What every rule sees: the claim, the plan, reference data, the member's history, one line at a time.

Built once per claim (and once per line) so each rule is a few comparisons: the member's history is
fetched once and pre-filtered to the lines that still count (PAYABLE or PENDING).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any, NamedTuple

from ..catalog import Combination, PlanProfile, dhcs_catalog, plans_data
from ..model import Claim, ServiceLine
from ..reference.history import COUNTING_STATUSES, ClaimCounted, Counted, HistoryIndex, history_key  # noqa: F401  (re-exported)
from ..reference.model import Authorization, EligibilitySpan, HistoryLine, HistorySource, Provider, ReferenceSource
from .doubt import ClaimDoubts
from .records import RecordCheck, compare_with_records
from .result import Category, Finding, Severity

CENTS = Decimal("0.01")
_UNSET = object()


class Issue(NamedTuple):
    """What a rule returns (or yields); the engine turns it into a `Finding` named after the rule."""

    category: Category
    severity: Severity
    message: str
    cite: str
    element: str | None = None
    rule: str | None = None  # overrides the rule function's name (one function applying several plan limits)
    line: int | None = None  # a claim rule's finding about one service line (line rules get theirs from the engine)
    # The values the rule read to find it (doubt.rests_on); None: the finding's own element.
    rests_on: tuple[tuple[str, int | None], ...] | None = None


@cache
def settings() -> dict[str, Any]:
    return plans_data()["check"]


@dataclass(frozen=True)
class PlanFacts:
    """A plan profile's lists as sets and Decimals, computed once per plan for the hot path."""

    accepted: frozenset[str]
    rates: dict[str, Decimal]
    not_reimbursable: frozenset[str]
    unit_basis: dict[str, str]
    documentation_required: dict[str, str]
    requires_authorization: frozenset[str]
    units_per_day_limited: frozenset[str]  # combinations with a plan max_units_per_day


@cache
def plan_facts(plan_id: str) -> PlanFacts:
    from ..catalog import plan_profile

    profile = plan_profile(plan_id)
    keys = [c.key for c in dhcs_catalog().combinations] + [c.key for c in profile.extra_combinations]
    return PlanFacts(
        accepted=frozenset(
            key for key in keys if profile.accepts(key) or key in {c.key for c in profile.extra_combinations}
        ),
        rates={key: Decimal(value) for key, value in profile.data.get("rates", {}).items()},
        not_reimbursable=frozenset(profile.data.get("not_reimbursable", [])),
        unit_basis=dict(profile.data.get("unit_basis", {})),
        documentation_required=dict(profile.data.get("documentation_required", {})),
        requires_authorization=frozenset(
            c.key
            for c in [*dhcs_catalog().combinations, *profile.extra_combinations]
            if profile.requires_authorization(c)
        ),
        units_per_day_limited=frozenset(
            key for limit in profile.limits_for("max_units_per_day") for key in limit["combos"]
        ),
    )


@cache
def limits_by_combination(plan_id: str) -> dict[str, tuple[dict[str, Any], ...]]:
    """The plan's limits (and DHCS's) indexed by each combination they group."""
    from ..catalog import plan_profile

    index: dict[str, list[dict[str, Any]]] = {}
    for limit in plan_profile(plan_id).all_limits():
        limit = {**limit, "combo_set": frozenset(limit["combos"])}
        for key in limit["combos"]:
            index.setdefault(key, []).append(limit)
    return {key: tuple(limits) for key, limits in index.items()}


@lru_cache(maxsize=8192)
def lookup_combination(
    plan_id: str, code: str, modifiers: tuple[str, ...]
) -> tuple[Combination | None, bool, str | None, str]:
    """(combination, telehealth, catalog key, billing unit) of a billed code + modifiers for a plan."""
    from ..catalog import plan_profile

    combination, telehealth = plan_profile(plan_id).lookup(code, modifiers)
    if combination is None:
        return None, False, None, ""
    key = combination.key
    return combination, telehealth, key, plan_facts(plan_id).unit_basis.get(key, combination.unit)


@cache
def history_category(combination: str, plan_id: str) -> str | None:
    from ..catalog import plan_profile

    key = history_key(combination)
    found = dhcs_catalog().by_key.get(key) or {c.key: c for c in plan_profile(plan_id).extra_combinations}.get(key)
    return found.category if found else None


@dataclass(slots=True)
class LineContext:
    line: ServiceLine
    number: int
    combination: Combination | None
    telehealth: bool
    start: date | None
    end: date | None
    findings: list[Finding] = field(default_factory=list)
    authorization: Authorization | None = None
    allowed_cap: Decimal | None = None  # lifetime or TAR amount still available
    cap_cite: str = ""
    contract_rate: Decimal | None = None  # the provider's contract rate on file (plans paying contract rates)

    unit: str = ""  # billing basis: the plan's unit_basis, else the catalog's
    key: str | None = None  # the catalog key of the combination (GQ dropped for CS telehealth)
    billed: str = ""  # the code and modifiers as billed (ServiceLine.combination, worked out once per line)

    @property
    def combo(self) -> Combination:
        """The line's catalog combination, for rules that run only on lines that have one (needs_combination)."""
        if self.combination is None:
            raise LookupError(f"line {self.number}: no catalog combination (a rule without needs_combination)")
        return self.combination

    @property
    def catalog_key(self) -> str:
        """The combination's catalog key, for rules that run only on lines that have one."""
        return self.key if self.key is not None else self.combo.key

    @property
    def days(self) -> int:
        if self.start is None or self.end is None:
            return 1
        return (self.end - self.start).days + 1

    @property
    def units(self) -> Decimal:
        return self.line.unit_count if self.line.unit_count is not None else Decimal(1)

    def denied(self) -> bool:
        return bool(self.findings) and any(f.severity is Severity.DENY for f in self.findings)


@dataclass
class CheckContext:
    claim: Claim
    profile: PlanProfile
    reference: ReferenceSource
    history: HistorySource
    received: date
    findings: list[Finding] = field(default_factory=list)  # claim-level
    lines: list[LineContext] = field(default_factory=list)
    # the member's history (not this claim's), as one or more indexes: stored history, then the file's earlier claims
    history_indexes: tuple[HistoryIndex, ...] = ()
    own: ClaimCounted = field(default_factory=ClaimCounted)  # this claim's accepted lines so far
    # element -> headers of sheet columns the reader could not place (doubt.unplaced_columns)
    unplaced_columns: dict[str, list[str]] = field(default_factory=dict)
    _eligibility: list[EligibilitySpan] | None = None
    _authorizations: list[Authorization] | None = None
    _excluding: list[EligibilitySpan] | None = None
    _provider: Any = None
    _doubts: ClaimDoubts | None = None
    _records: RecordCheck | None = None
    _by_keys_cached: tuple[dict[str, list[Counted]], ...] | None = None
    _tars_by_code: dict[str, list[Authorization]] | None = None

    def __post_init__(self) -> None:
        self.plan_id: str = self.profile.plan_id  # read by nearly every rule: a plain attribute
        self.member: str = self.claim.member_cin or ""
        self._provider = _UNSET

    @property
    def doubts(self) -> ClaimDoubts:
        """Which values of the claim are doubtful (worked out on demand: most claims never ask)."""
        if self._doubts is None:
            self._doubts = ClaimDoubts(self.claim, self.unplaced_columns, self.records())
        return self._doubts

    def records(self) -> RecordCheck:
        """The scanned values against the plan's records (nothing for a typed claim; worked out once)."""
        if self._records is None:
            self._records = compare_with_records(self.claim, self.reference, self.received)
        return self._records

    def provider(self) -> Provider | None:
        """The billing provider's roster entry (looked up once per claim)."""
        if self._provider is _UNSET:
            npi = self.claim.billing_provider_npi
            self._provider = self.reference.provider(npi) if npi else None
        return self._provider

    def eligibility(self) -> list[EligibilitySpan]:
        if self._eligibility is None:
            spans = self.reference.eligibility(self.member) if self.member else []
            self._eligibility = [span for span in spans if span.plan == self.plan_id]
        return self._eligibility

    def excluding_spans(self) -> list[EligibilitySpan]:
        """The member's spans with another coverage that may exclude this plan's (D-SNP, other primary)."""
        if self._excluding is None:
            self._excluding = [s for s in self.eligibility() if s.dsnp or s.other_primary]
        return self._excluding

    def authorizations(self) -> list[Authorization]:
        if self._authorizations is None:
            self._authorizations = list(self.reference.authorizations(self.member)) if self.member else []
        return self._authorizations

    def tars_for_code(self, code: str | None) -> list[Authorization]:
        """The member's TARs with this plan for one procedure code (grouped once per claim, for every line)."""
        if self._tars_by_code is None:
            by_code: dict[str, list[Authorization]] = {}
            for tar in self.authorizations():
                if tar.plan == self.plan_id:
                    by_code.setdefault(tar.code, []).append(tar)
            self._tars_by_code = by_code
        return self._tars_by_code.get(code or "", [])

    def load_history(self) -> None:
        """The member's history, indexed: the source's own indexes when it keeps them per member (built once per
        history or file, not per claim), else one built for this claim; never with this claim's own lines."""
        self._by_keys_cached = None
        if not self.member:
            return
        own = self.claim.claim_id
        kept = getattr(self.history, "member_indexes", None)
        if kept is not None:
            indexes = kept(self.member)
            if not own or not any(own in index.claim_ids for index in indexes):
                self.history_indexes = indexes
                return
        lines = self.history.member_lines(self.member)
        self.history_indexes = (HistoryIndex([h for h in lines if not own or h.claim_id != own]),)

    @property
    def prior(self) -> list[HistoryLine]:
        """Member history (every status), not this claim's."""
        return [h for index in self.history_indexes for h in index.prior]

    @property
    def counted(self) -> list[Counted]:
        """Member history that counts, then this claim's accepted lines so far (a copy: rules only read it)."""
        return [*(c for index in self.history_indexes for c in index.counted), *self.own.counted]

    def count_line(self, lc: LineContext, allowed: Decimal) -> None:
        """An accepted line of this claim counts for the lines after it."""
        if lc.key and lc.start:
            self.own.add_counted(
                Counted(
                    lc.key,
                    lc.start,
                    lc.end or lc.start,
                    lc.units,
                    allowed,
                    self.claim.billing_provider_npi or "",
                    self.claim.invoice_number or "",
                    lc.billed,
                )
            )

    def prior_invoice(self, invoice_number: str, provider_npi: str) -> HistoryLine | None:
        key = (invoice_number, provider_npi)
        for index in self.history_indexes:
            found = index.invoices.get(key)
            if found is not None:
                return found
        return None

    def counted_same(self, combination: str, start: date, end: date) -> Counted | None:
        """A counted line of exactly this combination and dates (history first, then this claim's)."""
        key = (combination, start, end)
        for index in self.history_indexes:
            found = index.exact.get(key)
            if found is not None:
                return found
        for c in self.own.counted:
            if c.combination == combination and c.start == start and c.end == end:
                return c
        return None

    def counted_in(self, keys: Iterable[str]) -> list[Counted]:
        """Counted lines of these combinations: the history's indexes in order (each key in the order given),
        then this claim's."""
        found: list[Counted] = []
        for by_key in self._by_keys():  # history's indexes, then this claim's lines
            if by_key:
                for key in keys:
                    lines = by_key.get(key)
                    if lines:
                        found += lines
        return found

    def _by_keys(self) -> tuple[dict[str, list[Counted]], ...]:
        """The by-key indexes counted_in searches (built once per claim; the dicts grow, the tuple does not)."""
        by_keys = self._by_keys_cached
        if by_keys is None:
            by_keys = self._by_keys_cached = (*(index.by_key for index in self.history_indexes), self.own.by_key)
        return by_keys

    def counted_in_month_of(self, keys: frozenset[str], year: int, month: int) -> list[Counted]:
        """Counted lines of these combinations in one calendar month, in the order they were entered (history,
        the file, then this claim): the month index holds a member's few lines of that month."""
        month_key = (year, month)
        found = [c for index in self.history_indexes for c in index.by_month.get(month_key, ()) if c.key in keys]
        found.extend(c for c in self.own.counted if c.key in keys and (c.start.year, c.start.month) == month_key)
        return found

    def counted_in_month(self, year: int, month: int) -> list[Counted]:
        month_key = (year, month)
        found = [c for index in self.history_indexes for c in index.by_month.get(month_key, ())]
        found.extend(c for c in self.own.counted if (c.start.year, c.start.month) == month_key)
        return found


def days_between(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def money(value: Decimal) -> str:
    return f"${value:,.2f}"

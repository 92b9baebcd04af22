"""The claim check: run every rule, price the lines, decide the claim.

Every finding names the values it rests on (`Finding.rests_on`). A finding that would reject, deny
or ask the provider (reject/deny/rfi) but rests on a value the intake is unsure it read right
(claims_intake.check.doubt: low OCR confidence, repaired, derived, low column match score,
unparseable from a troubled box, missing while the sheet has unplaced columns) becomes a `review`
finding: `would_be` keeps its severity and `doubts` says which values and why. A provider is
only ever told about what the provider wrote.

Disposition precedence (first that applies):
1. REVIEW — any `review` finding: staff verify or correct the doubtful values against the scan or
   sheet (the flow then checks the claim again, the verified values now sure); nothing goes to the
   provider meanwhile, even when other findings would reject the claim: the re-check decides
   with every value settled, and a rejection letter then lists every reason at once.
2. REJECTED — any finding of severity `reject` (missing/invalid required elements, codes outside the
   DHCS catalog, amounts that do not add up...): a rejection letter follows; nothing is paid, every
   line is reported DENIED with 0.00.
3. RFI — any `rfi` finding (housing-deposit documents, a TAR number that matches nothing, a homeless
   indicator that cannot be derived): a Request for Information; lines carry provisional decisions.
4. Otherwise the lines decide: a line with a `deny` finding (or under a claim-level `deny` finding:
   provider not contracted, duplicate invoice) is DENIED with 0.00, every other line PAYABLE with its
   allowed amount; the claim is CLEAN (all payable), DENIED (none) or PARTIAL.
`warning` findings never change a decision.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache, partial
from typing import Any

from ..catalog import PlanProfile, dhcs_catalog, plan_ids, plan_profile
from ..citations import for_people
from ..gc_pause import gc_paused
from ..model import Claim, ExtractResult
from ..reference.history import FileBatch
from ..reference.model import HistoryLine, HistorySource, InMemoryHistory, ReferenceSource
from . import (
    rules_codes,  # noqa: F401
    rules_coverage,  # noqa: F401
    rules_elements,  # noqa: F401  (registers the rules, in reporting order)
    rules_history,  # noqa: F401
    rules_rates,  # noqa: F401  (after the coverage rules: a line they deny needs no price)
)
from .context import (
    CENTS,
    CheckContext,
    HistoryIndex,
    Issue,
    LineContext,
    history_category,
    lookup_combination,
    money,
    plan_facts,
)
from .doubt import ClaimDoubts, pending_file_review, rests_on, unplaced_columns_by_sheet
from .registry import CLAIM_RULES, LINE_RULES
from .result import (
    FINAL_DISPOSITIONS,
    Category,
    CheckResult,
    ClaimDisposition,
    Finding,
    LineDisposition,
    LineResult,
    Severity,
)
from .result import Doubt as DoubtfulValue

ZERO = Decimal("0.00")
ONE = Decimal(1)


@cache
def line_rules_for(plan_id: str, key: str | None) -> tuple[Callable[..., Any], ...]:
    """The line rules that can find something for this plan and combination (None: not in the catalog)."""
    combination = None
    if key is not None:
        combination = (
            dhcs_catalog().by_key.get(key) or {c.key: c for c in plan_profile(plan_id).extra_combinations}[key]
        )
    unit = plan_facts(plan_id).unit_basis.get(key or "", combination.unit) if combination else ""
    return tuple(
        rule.function  # registered under its own name (registry.line_rule)
        for rule in LINE_RULES
        if (combination is not None or not rule.needs_combination)
        and (rule.applies is None or rule.applies(plan_id, combination, unit))
    )


UNKNOWN_PAYER_CITE = "000 Table 3: Primary Payer Identifier and Payer Name (the plan the claim is billed to)"


def check_claim(
    claim: Claim,
    plan: str | PlanProfile | None,
    reference: ReferenceSource,
    history: HistorySource | None,
    *,
    received: date | None = None,
    unplaced: dict[str, list[str]] | None = None,
) -> CheckResult:
    """Check one claim for one plan (or, with `plan=None`, the plan its payer names).

    `unplaced`: element -> headers of the sheet's columns the reader could not place
    (doubt.unplaced_columns; check_extract works it out from the extract result)."""
    pending = pending_file_review(claim, plan.plan_id if isinstance(plan, PlanProfile) else plan or "")
    if pending is not None:
        return pending
    profile = resolve_plan(claim, plan)
    if profile is None:
        return _unknown_payer(claim, ClaimDoubts(claim, unplaced))
    ctx = CheckContext(
        claim,
        profile,
        reference,
        history or InMemoryHistory(),
        received or date.today(),
        unplaced_columns=unplaced or {},
    )
    ctx.load_history()
    ctx.lines = [_line_context(profile, line, number) for number, line in enumerate(claim.lines, start=1)]
    for rule in CLAIM_RULES:
        found = rule.function(ctx)
        if found is not None:  # most rules find nothing: no call to _collect
            _collect(rule.name, found, ctx.findings, None, ctx)
    claim_denied = any(f.severity is Severity.DENY for f in ctx.findings)
    decided: list[tuple[int, bool, Decimal, list[Finding]]] = []  # each line: number, payable, allowed, findings
    for lc in ctx.lines:
        known = lc.combination is not None
        for check in line_rules_for(profile.plan_id, lc.key):
            found = check(ctx, lc)
            if found is not None:
                _collect(check.__name__, found, lc.findings, lc.number, ctx)
        accepted = known and not lc.denied()
        payable = accepted and not claim_denied
        allowed = _allowed_amount(ctx, lc) if payable else ZERO
        if accepted:
            ctx.count_line(lc, allowed)
        decided.append((lc.line.line_number or lc.number, payable, allowed, lc.findings))
    findings = [*ctx.findings, *(f for lc in ctx.lines for f in lc.findings)]
    disposition = _disposition(findings, sum(1 for _, payable, _, _ in decided if payable), len(decided))
    rejected = disposition is ClaimDisposition.REJECTED  # nothing is paid: every line DENIED with 0.00
    # The line results as dicts: pydantic builds them inside the CheckResult's validation (one call a claim, not a line).
    return CheckResult.model_validate(
        {
            "claim": claim,
            "plan": profile.plan_id,
            "disposition": disposition,
            "findings": findings,
            "lines": [
                {
                    "line_number": number,
                    "disposition": LineDisposition.PAYABLE if payable and not rejected else LineDisposition.DENIED,
                    "allowed_amount": ZERO if rejected else allowed,
                    "findings": found,
                }
                for number, payable, allowed, found in decided
            ],
        }
    )


def decide(findings: list[Finding], lines: list[LineResult]) -> ClaimDisposition:
    payable = sum(1 for line in lines if line.disposition is LineDisposition.PAYABLE)
    return _disposition(findings, payable, len(lines))


def _disposition(findings: list[Finding], payable: int, lines: int) -> ClaimDisposition:
    """REVIEW, REJECTED, RFI by the findings' severities (in that order), else CLEAN / PARTIAL / DENIED by the lines."""
    severities = {finding.severity for finding in findings}
    for severity, disposition in (
        (Severity.REVIEW, ClaimDisposition.REVIEW),
        (Severity.REJECT, ClaimDisposition.REJECTED),
        (Severity.RFI, ClaimDisposition.RFI),
    ):
        if severity in severities:
            return disposition
    if lines and payable == lines:
        return ClaimDisposition.CLEAN
    return ClaimDisposition.PARTIAL if payable else ClaimDisposition.DENIED


def check_extract(
    result: ExtractResult,
    plan: str | PlanProfile | None,
    reference: ReferenceSource,
    history: HistorySource | None,
    *,
    received: date | None = None,
) -> list[CheckResult]:
    """Check the claims of one file in order; earlier claims of the file count as history for later ones."""
    layered = LayeredHistory(history or InMemoryHistory(), FileBatch())
    results = []
    unplaced = unplaced_columns_by_sheet(result)
    with gc_paused():  # every result survives the batch: collect once after it (see gc_pause)
        for claim in result.claims:
            checked = check_claim(claim, plan, reference, layered, received=received, unplaced=unplaced(claim))
            if checked.claim.member_cin and checked.disposition is not ClaimDisposition.REJECTED:
                # its lines are made only if a later claim of the member reads them (history_lines gives none else)
                layered.batch.add_claim(checked.claim.member_cin, partial(history_lines, checked))
            results.append(checked)
    return results


def history_lines(result: CheckResult) -> list[HistoryLine]:
    """What to append to the member's history after a decision.

    Final decisions (CLEAN/PARTIAL/DENIED) give each line with its status and allowed amount;
    RFI/REVIEW give PENDING lines (DENIED ones stay DENIED) so a second copy is caught while the first
    waits; REJECTED gives nothing (the claim was never entered).
    """
    claim = result.claim
    if result.disposition is ClaimDisposition.REJECTED or not claim.member_cin:
        return []
    accepted = "PAYABLE" if result.disposition in FINAL_DISPOSITIONS else "PENDING"
    decided = {line.line_number: line for line in result.lines}
    claim_id, member = claim.claim_id or "", claim.member_cin
    npi, invoice = claim.billing_provider_npi or "", claim.invoice_number or ""
    rows = []
    for number, line in enumerate(claim.lines, start=1):
        decision = decided.get(line.line_number or number)
        start = line.service_start_date
        if decision is None or start is None or not line.procedure_code:
            continue
        rows.append(
            HistoryLine(  # positional: a file's every line passes here (fields in HistoryLine's order)
                claim_id,
                member,
                npi,
                invoice,
                line.combination,
                start,
                line.service_end_date or start,
                line.unit_count if line.unit_count is not None else ONE,
                line.charge_amount if line.charge_amount is not None else ZERO,
                decision.allowed_amount,
                "DENIED" if decision.disposition is LineDisposition.DENIED else accepted,
            )
        )
    return rows


class LayeredHistory:
    """Stored history plus the lines of the file being checked.

    Each member's history is indexed once, not once per claim: the stored history's own index when it keeps
    one (InMemoryHistory, built once per history), else one built here once per member per file; the lines
    of the file's checked claims go to a second, per-file index (the batch). A file of many claims for one
    member costs its lines, not claims x history (and one query per member, not per claim).
    """

    def __init__(self, stored: HistorySource, batch: FileBatch):
        self.stored, self.batch = stored, batch
        self._stored_indexes: dict[str, tuple[HistoryIndex, ...]] = {}
        self._member_indexes: dict[str, tuple[HistoryIndex, ...]] = {}

    def member_indexes(self, member_cin: str) -> tuple[HistoryIndex, ...]:
        """The member's stored indexes, then the member's index in the batch once the file has lines of the member
        (the tuple is made once per member: the indexes grow, the tuple does not). A member with no earlier claim
        in the file gets the stored indexes alone: no empty batch index made and searched by every rule."""
        indexes = self._member_indexes.get(member_cin)
        if indexes is not None:
            self.batch.member_index(member_cin)  # the member's lines decided since join the batch's index
            return indexes
        stored = self._stored_indexes.get(member_cin)
        if stored is None:
            kept = getattr(self.stored, "member_indexes", None)
            stored = kept(member_cin) if kept is not None else (HistoryIndex(self.stored.member_lines(member_cin)),)
            self._stored_indexes[member_cin] = stored
        if not self.batch.holds(member_cin):
            return stored
        indexes = self._member_indexes[member_cin] = (*stored, self.batch.member_index(member_cin))
        return indexes

    def add(self, line: HistoryLine) -> None:
        self.batch.add_lines([line])

    def member_lines(self, member_cin: str) -> list[HistoryLine]:
        return [*self.stored.member_lines(member_cin), *self.batch.member_lines(member_cin)]

    def invoice_exists(self, provider_npi: str, invoice_number: str) -> bool:
        return self.stored.invoice_exists(provider_npi, invoice_number) or self.batch.invoice_exists(
            provider_npi, invoice_number
        )


def resolve_plan(claim: Claim, plan: str | PlanProfile | None) -> PlanProfile | None:
    """The plan given, or the one the claim's payer names (PlanProfile.matches_payer)."""
    if isinstance(plan, PlanProfile):
        if plan.plan_id not in plan_ids() or plan_profile(plan.plan_id) is not plan:
            # rule tables and plan facts are cached by plan id, so only the profiles of plans.yaml are checked
            raise ValueError(f"plan profile '{plan.plan_id}' is not one of plans.yaml ({', '.join(plan_ids())})")
        return plan
    if plan:
        return plan_profile(plan)
    matches = [
        plan_profile(p) for p in plan_ids() if plan_profile(p).matches_payer(claim.primary_payer_id, claim.payer_name)
    ]
    return matches[0] if len(matches) == 1 else None


def _unknown_payer(claim: Claim, doubts: ClaimDoubts) -> CheckResult:
    billed = claim.payer_name or claim.primary_payer_id
    known = ", ".join(f"{plan_profile(p).short_name} ({plan_profile(p).payer_id})" for p in plan_ids())
    message = f"Payer '{billed}' is not a plan this intake serves" if billed else "No payer is named on the claim"
    issue = Issue(
        Category.INVALID_VALUE if billed else Category.MISSING_ELEMENT,
        Severity.REJECT,
        f"{message}: bill one of {known}.",
        UNKNOWN_PAYER_CITE,
        "primary_payer_id",
        rests_on=rests_on("primary_payer_id", "payer_name"),
    )
    finding = _finding(issue, "resolve_plan", None, doubts)
    lines = [
        LineResult(line_number=line.line_number or n, disposition=LineDisposition.DENIED)
        for n, line in enumerate(claim.lines, start=1)
    ]
    return CheckResult(claim=claim, plan="", disposition=decide([finding], lines), findings=[finding], lines=lines)


def _line_context(profile: PlanProfile, line, number: int) -> LineContext:
    combination, telehealth, key, unit = (
        lookup_combination(profile.plan_id, line.procedure_code, tuple(line.procedure_modifiers))
        if line.procedure_code
        else (None, False, None, "")
    )
    return LineContext(
        line=line,
        number=line.line_number or number,
        combination=combination,
        telehealth=telehealth,
        start=line.service_start_date,
        end=line.service_end_date or line.service_start_date,
        unit=unit,
        key=key,
        billed=line.combination,
    )


def _collect(rule_name: str, found, into: list[Finding], line_number: int | None, ctx: CheckContext) -> None:
    """A rule returns None, one Issue, or an iterable of Issues (a generator when it may find several)."""
    if found is None:
        return
    for issue in (found,) if isinstance(found, Issue) else found:
        into.append(_finding(issue, rule_name, line_number, ctx.doubts))


# A finding's citation for people: the same few cites (rule data) recur on every denied line of a file, and the
# title substitution is a regex pass, so each distinct cite is rendered once.
cite_for_people = lru_cache(maxsize=2048)(for_people)

# What a doubtful reading may not do to a provider: reject the claim, deny a line, ask for information.
PROVIDER_FACING = frozenset({Severity.REJECT, Severity.DENY, Severity.RFI})


def _finding(issue: Issue, rule_name: str, line_number: int | None, doubts: ClaimDoubts) -> Finding:
    line = issue.line if issue.line is not None else line_number
    values = (
        issue.rests_on if issue.rests_on is not None else (rests_on(issue.element, line=line) if issue.element else ())
    )
    # A dict, its values as plain dicts too: pydantic builds the Value models inside the Finding's own validation.
    finding = Finding.model_validate(
        {
            "category": issue.category,
            "severity": issue.severity,
            "element": issue.element,
            "line": line,
            "message": issue.message,
            "cite": cite_for_people(issue.cite),
            "rule": issue.rule or rule_name,
            "rests_on": [{"element": element, "line": number} for element, number in values],
        }
    )
    if issue.severity in PROVIDER_FACING or issue.severity is Severity.REVIEW:
        doubtful = doubts.doubtful(values)
        if doubtful:
            finding.doubts = [
                DoubtfulValue(element=element, line=number, kind=kind, reason=reason)
                for element, number, kind, reason in doubtful
            ]
            if issue.severity is not Severity.REVIEW:
                finding.would_be, finding.severity = issue.severity, Severity.REVIEW
    return finding


# ---- pricing -------------------------------------------------------------------------------------


def _allowed_amount(ctx: CheckContext, lc: LineContext) -> Decimal:
    """The plan's rate × units (or the billed contract amount), then the plan's payment rules and caps."""
    combo, line, profile = lc.combo, lc.line, ctx.profile
    facts = plan_facts(profile.plan_id)
    if not combo.reimbursable or lc.key in facts.not_reimbursable:
        cite = str(profile.data.get("not_reimbursable_cite") or "") if combo.reimbursable else combo.cite
        _warn(
            ctx,
            lc,
            "not_reimbursable",
            Category.AMOUNT,
            f"Line {lc.number}: {combo.key} is reported as an encounter and is not reimbursed.",
            cite,
        )
        return ZERO
    rate = lc.contract_rate if lc.contract_rate is not None else facts.rates.get(lc.key or "")
    billed = (
        line.charge_amount if line.charge_amount is not None else ((line.unit_cost or ZERO) * lc.units).quantize(CENTS)
    )
    if rate is not None:
        allowed = min((rate * lc.units).quantize(CENTS), billed) if billed else (rate * lc.units).quantize(CENTS)
        if combo.program == "CS" and line.unit_cost is not None and line.unit_cost != rate:
            contract = lc.contract_rate is not None
            rate_name = "the contract rate on file" if contract else f"{profile.short_name}'s rate"
            _warn(
                ctx,
                lc,
                "billed_at_plan_rate",
                Category.AMOUNT,
                f"Line {lc.number}: unit cost {money(line.unit_cost)} differs from {rate_name} {money(rate)}; "
                "allowed at the lesser of the two.",
                profile.rates_cite
                if contract
                else "001 Tips for both: billed amount for CS services should match contract rates",
            )
    else:
        allowed = billed
    monthly = profile.data.get("ecm_monthly_payment")
    if monthly and combo.category in ("ecm_core", "ecm_outreach"):
        allowed = _ecm_monthly_payment(ctx, lc, allowed, monthly)
    if lc.allowed_cap is not None and allowed > lc.allowed_cap:
        _warn(
            ctx,
            lc,
            "amount_cap",
            Category.AMOUNT,
            f"Line {lc.number}: allowed {money(lc.allowed_cap)} of {money(allowed)} ({lc.cap_cite}).",
            profile.data.get("documentation_cite", "") if "TAR" in lc.cap_cite else _limit_cite(ctx, lc),
        )
        allowed = lc.allowed_cap
    return allowed.quantize(CENTS)


def _limit_cite(ctx: CheckContext, lc: LineContext) -> str:
    for limit in ctx.profile.limits_for("lifetime_amount"):
        if lc.key in limit["combos"]:
            return limit["cite"]
    return ctx.profile.rates_cite


def _ecm_monthly_payment(ctx: CheckContext, lc: LineContext, allowed: Decimal, config) -> Decimal:
    """Kaiser: first core (or outreach) in a month at the rate, every later one at $0.01; core only when both (000)."""
    penny = Decimal(config["subsequent_amount"])
    month = (lc.start.year, lc.start.month) if lc.start else None
    same_month = ctx.counted_in_month(*month) if month else []
    categories = [(c, history_category(c.combination, ctx.plan_id)) for c in same_month]
    cores = [c for c, category in categories if category == "ecm_core" and c.allowed > penny]
    outreach = [c for c, category in categories if category == "ecm_outreach" and c.allowed > penny]
    cite = config["cite"]
    if lc.combo.category == "ecm_core":
        if cores:
            _warn(
                ctx,
                lc,
                "ecm_subsequent_in_month",
                Category.FREQUENCY,
                f"Line {lc.number}: a core service was already paid for {lc.start:%B %Y} ({cores[0].start:%m/%d/%Y}); "
                f"subsequent core services that month are paid {money(penny)}.",
                cite,
            )
            return penny
        paid_outreach = sum((c.allowed for c in outreach), ZERO)
        if config.get("core_only_when_both") and paid_outreach:
            _warn(
                ctx,
                lc,
                "ecm_core_only_when_both",
                Category.FREQUENCY,
                f"Line {lc.number}: outreach already paid {money(paid_outreach)} for {lc.start:%B %Y}; with a core service "
                "the month is paid the core rate only, so that amount is deducted.",
                cite,
            )
            return max(allowed - paid_outreach, penny)
        return allowed
    core_later = any(
        other is not lc
        and other.combination is not None
        and other.combination.category == "ecm_core"
        and other.start
        and (other.start.year, other.start.month) == month
        and not other.denied()
        for other in ctx.lines
    )
    if config.get("core_only_when_both") and (cores or core_later):
        _warn(
            ctx,
            lc,
            "ecm_core_only_when_both",
            Category.FREQUENCY,
            f"Line {lc.number}: outreach in a month with a core service is paid {money(penny)} (core rate only).",
            cite,
        )
        return penny
    if outreach:
        _warn(
            ctx,
            lc,
            "ecm_subsequent_in_month",
            Category.FREQUENCY,
            f"Line {lc.number}: outreach was already paid for {lc.start:%B %Y}; subsequent outreach is paid {money(penny)}.",
            cite,
        )
        return penny
    return allowed


def _warn(ctx: CheckContext, lc: LineContext, rule: str, category: Category, message: str, cite: str) -> None:
    """A pricing note: it rests on the line's service, units and amounts (never changes a decision)."""
    values = rests_on(
        "procedure_code",
        "procedure_modifiers",
        "service_start_date",
        "unit_count",
        "unit_cost",
        "charge_amount",
        line=lc.number,
    )
    lc.findings.append(
        _finding(
            Issue(category, Severity.WARNING, message, cite, "charge_amount", rests_on=values),
            rule,
            lc.number,
            ctx.doubts,
        )
    )

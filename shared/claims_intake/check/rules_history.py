"""History checks: duplicates, and the frequency and lifetime limits of the plan profiles (plans.yaml).

Each limit in plans.yaml names one of the checks marked `@limit_check` below; the numbers (counts, days,
units, amounts) always come from the limit entry, never from this code. "Counted" lines are the
member's history lines that are PAYABLE or PENDING plus the accepted earlier lines of this claim.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import NamedTuple

from .context import CheckContext, Counted, Issue, LineContext, days_between, limits_by_combination, money
from .doubt import rests_on
from .registry import claim_rule, line_rule
from .result import Category, Severity


@claim_rule
def duplicate_invoice(ctx: CheckContext):
    """The same provider and invoice number already on file (000 Clean Claims: a claim is entered once)."""
    claim = ctx.claim
    if not claim.invoice_number or not claim.billing_provider_npi:
        return
    prior = ctx.prior_invoice(claim.invoice_number, claim.billing_provider_npi)
    if prior is not None:
        return Issue(
            Category.DUPLICATE,
            Severity.DENY,
            f"Invoice {claim.invoice_number} from this provider is already on file "
            f"(claim {prior.claim_id or 'on file'}): "
            "do not resubmit; to correct it, send a corrected claim with the original claim's control number.",
            "000 Claims Submission Policy / Clean Claims; 003: claims and encounters reported once",
            "invoice_number",
            rests_on=rests_on("invoice_number", "billing_provider_npi"),
        )


@line_rule
def duplicate_service(ctx: CheckContext, lc: LineContext):
    """The same member, code, modifiers and date already paid (or pending) — also earlier in this upload."""
    if lc.start is None:
        return
    end = lc.end or lc.start
    billed = lc.billed
    counted = ctx.counted_same(billed, lc.start, end)
    if counted is not None:
        return Issue(
            Category.DUPLICATE,
            Severity.DENY,
            f"Line {lc.number}: {billed} on {lc.start:%m/%d/%Y} for this member is already billed"
            f"{' (invoice ' + counted.invoice_number + ')' if counted.invoice_number else ''}.",
            "000 ECM Outreach and Core Services: claims history is reviewed for services already paid",
            "procedure_code",
            rests_on=rests_on(
                "member_cin",
                "procedure_code",
                "procedure_modifiers",
                "service_start_date",
                "service_end_date",
                line=lc.number,
            ),
        )


@line_rule(applies=lambda plan, combination, unit: combination.key in limits_by_combination(plan))
def plan_limits(ctx: CheckContext, lc: LineContext):
    if lc.start is None:
        return None
    checks = _limit_checks(ctx.plan_id, lc.key or "")
    # One pass over the member's counted lines for every limit of the line that reads its group (month limits
    # read the month's lines instead, and some limits read neither).
    group = ctx.counted_in(checks.groups) if checks.groups else []
    issues = None
    for limit, check in checks.checks:
        issue = check(ctx, lc, limit, group)
        if issue is not None:
            issues = issues or []
            issues.append(issue._replace(rule=limit["rule"]))
    return issues


class LimitChecks(NamedTuple):
    checks: tuple[tuple[dict, Callable[..., Issue | None]], ...]  # each limit with its check function
    groups: tuple[str, ...]  # the combinations of every group a check reads whole (sorted: a fixed order)


@cache
def _limit_checks(plan_id: str, key: str) -> LimitChecks:
    """The plan's limits on a combination, each with its check function (looked up once per combination)."""
    checks, groups = [], set()
    for limit in limits_by_combination(plan_id).get(key, ()):
        check = LIMITS.get(limit["rule"])
        if check is None:
            raise KeyError(f"plans.yaml limit rule '{limit['rule']}' has no check function")
        checks.append((limit, check))
        if check in READS_GROUP:
            groups |= limit["combo_set"]
    return LimitChecks(tuple(checks), tuple(sorted(groups)))


# A plan limit reads the member, the service, its dates and units (and the history those select).
LIMIT_VALUES = (
    "member_cin",
    "procedure_code",
    "procedure_modifiers",
    "service_start_date",
    "service_end_date",
    "unit_count",
)


# Each plan-limit check by name (plans.yaml `rule`), and those that read their limit's whole group of
# lines (plan_limits gathers that group once for all of them). Filled by @limit_check where each is defined.
LIMITS: dict[str, Callable[..., Issue | None]] = {}
READS_GROUP: set[Callable[..., Issue | None]] = set()


def limit_check(function=None, *, reads_group: bool = False):
    """Register a plan-limit check under its function name."""

    def register(check):
        LIMITS[check.__name__] = check
        if reads_group:
            READS_GROUP.add(check)
        return check

    return register(function) if function is not None else register


def _deny(lc: LineContext, message: str, limit, category=Category.FREQUENCY, element="procedure_code") -> Issue:
    return Issue(
        category,
        Severity.DENY,
        f"Line {lc.number}: {message}",
        limit["cite"],
        element,
        rests_on=rests_on(*LIMIT_VALUES, *(("charge_amount",) if element == "charge_amount" else ()), line=lc.number),
    )


def _others(group: list[Counted], limit) -> list[Counted]:
    """The limit's own lines among the line's gathered group (history, the file, then this claim)."""
    keys = limit["combo_set"]
    return [c for c in group if c.key in keys]


def _in_month(ctx: CheckContext, day: date, limit) -> list[Counted]:
    """The limit's lines in the calendar month of `day` (read from the month index: no pass over the group)."""
    return ctx.counted_in_month_of(limit["combo_set"], day.year, day.month)


@limit_check
def once_per_month_group(ctx, lc, limit, group):
    used = _in_month(ctx, lc.start, limit)
    if used:
        return _deny(
            lc,
            f"{used[0].key} was already billed for {lc.start:%B %Y} ({used[0].start:%m/%d/%Y}); "
            "only one of these services is paid per member per month.",
            limit,
        )


@limit_check(reads_group=True)
def max_per_rolling_days(ctx, lc, limit, group):
    if limit.get("before_enrollment"):
        enrolled = [s.ecm_enrollment_date for s in ctx.eligibility() if s.ecm_enrollment_date]
        if enrolled and lc.start >= min(enrolled):
            return _deny(
                lc,
                f"outreach on {lc.start:%m/%d/%Y} is after the member's ECM enrollment "
                f"({min(enrolled):%m/%d/%Y}); outreach is paid only before enrollment.",
                limit,
            )
    window = busiest_window(lc.start, [c.start for c in _others(group, limit)], limit["days"])
    if window is not None and window[2] >= limit["count"]:
        first, last, count = window
        what = limit.get("noun", "outreach attempts")
        return _deny(
            lc,
            f"{count} {what} already billed in the rolling {limit['days']}-day period "
            f"{first:%m/%d/%Y}-{last:%m/%d/%Y} that includes {lc.start:%m/%d/%Y}; at most {limit['count']} "
            "are paid.",
            limit,
        )


def busiest_window(day, others, days: int):
    """The rolling `days`-day period holding `day` with the most other dates in it, looking both ways: a line
    billed late for an earlier date counts against the lines already paid after it.
    Returns (first day, last day, how many others) or None when no other date is near."""
    near = sorted(d for d in others if abs((d - day).days) < days)
    if not near:
        return None
    best = None
    for offset in range(days):  # every window [day - offset, day - offset + days - 1]
        first = day - timedelta(days=offset)
        last = first + timedelta(days=days - 1)
        count = bisect_right(near, last) - bisect_left(near, first)
        if best is None or count > best[2]:
            best = (first, last, count)
    return best


@limit_check(reads_group=True)
def lifetime_once(ctx, lc, limit, group):
    for counted in _others(group, limit):
        return _deny(
            lc, f"{counted.key} is paid once per lifetime and was already billed on {counted.start:%m/%d/%Y}.", limit
        )


@limit_check(reads_group=True)
def lifetime_amount(ctx, lc, limit, group):
    cap = Decimal(limit["amount"])
    used = sum((c.allowed for c in _others(group, limit)), Decimal("0.00"))
    remaining = cap - used
    if remaining <= 0:
        return _deny(
            lc, f"the lifetime maximum of {money(cap)} is already used.", limit, Category.AMOUNT, "charge_amount"
        )
    elif lc.allowed_cap is None or remaining < lc.allowed_cap:
        lc.allowed_cap, lc.cap_cite = remaining, f"lifetime maximum {money(cap)}, {money(used)} already paid"


@limit_check(reads_group=True)
def max_days_lifetime(ctx, lc, limit, group):
    counted = sorted(_others(group, limit), key=lambda c: c.start)
    end = lc.end or lc.start
    if limit.get("once_per_lifetime") and counted:
        stay_end = counted[0].end
        for c in counted[1:]:
            if c.start > stay_end + timedelta(days=1):
                break
            stay_end = max(stay_end, c.end)
        if lc.start > stay_end + timedelta(days=1) or lc.start < counted[0].start:
            return _deny(
                lc,
                f"this service is offered once per lifetime; the member's stay began "
                f"{counted[0].start:%m/%d/%Y} and ended {stay_end:%m/%d/%Y}.",
                limit,
            )
    used = sum(c.days for c in counted)
    this = (end - lc.start).days + 1
    if used + this > limit["days"]:
        return _deny(
            lc,
            f"{used} of the {limit['days']} lifetime days are used; {this} more days exceed the limit"
            f" ({max(limit['days'] - used, 0)} remain).",
            limit,
            Category.UNITS,
            "unit_count",
        )


@limit_check(reads_group=True)
def max_continuous_days(ctx, lc, limit, group):
    run_start, end = lc.start, lc.end or lc.start
    extended = True
    others = _others(group, limit)
    while extended:
        extended = False
        for c in others:
            if c.start < run_start <= c.end + timedelta(days=1):
                run_start, extended = c.start, True
    days = (end - run_start).days + 1
    if days > limit["days"]:
        return _deny(
            lc,
            f"the stay would last {days} continuous days (since {run_start:%m/%d/%Y}); "
            f"at most {limit['days']} are covered.",
            limit,
            Category.UNITS,
            "unit_count",
        )


@limit_check(reads_group=True)
def max_units_per_day(ctx, lc, limit, group):
    per_day: dict = defaultdict(Decimal)
    end = lc.end or lc.start
    for c in _others(group, limit):
        if c.end < lc.start or c.start > end:
            continue  # no day in common (most history): skip the division and the day loop
        share = c.units / c.days
        for day in days_between(max(c.start, lc.start), min(c.end, end)):
            per_day[day] += share
    share = lc.units / lc.days
    for day in days_between(lc.start, lc.end or lc.start):
        if per_day[day] + share > limit["units"]:
            return _deny(
                lc,
                f"{per_day[day] + share:g} units on {day:%m/%d/%Y}; at most {limit['units']} a day.",
                limit,
                Category.UNITS,
                "unit_count",
            )


@limit_check
def max_units_per_month_group(ctx, lc, limit, group):
    used = sum((c.units for c in _in_month(ctx, lc.start, limit)), Decimal(0))
    if used + lc.units > limit["units"]:
        return _deny(
            lc,
            f"{used} units already billed in {lc.start:%B %Y}; with {lc.units} more the month exceeds "
            f"{limit['units']} units.",
            limit,
            Category.UNITS,
            "unit_count",
        )


@limit_check(reads_group=True)
def max_weeks_from_first(ctx, lc, limit, group):
    starts = [c.start for c in _others(group, limit)]
    first = min([*starts, lc.start])
    last_day = first + timedelta(weeks=limit["weeks"]) - timedelta(days=1)
    if (lc.end or lc.start) > last_day:
        return _deny(
            lc,
            f"the benefit began {first:%m/%d/%Y} and covers {limit['weeks']} weeks (through {last_day:%m/%d/%Y}).",
            limit,
        )


@limit_check(reads_group=True)
def not_together(ctx, lc, limit, group):
    window = timedelta(weeks=limit.get("weeks", 0))
    for c in _others(group, limit):
        if c.key != lc.combination.key and c.start - window <= lc.start <= c.end + window:
            return _deny(
                lc,
                f"{lc.combination.key} cannot be combined with {c.key} (billed {c.start:%m/%d/%Y}): "
                "bill either one or the other.",
                limit,
            )


@limit_check(reads_group=True)
def not_same_day(ctx, lc, limit, group):
    end = lc.end or lc.start
    for c in _others(group, limit):
        if c.key != lc.combination.key and c.start <= end and lc.start <= c.end:
            return _deny(
                lc,
                f"{lc.combination.key} (per 15 minutes) and {c.key} (per diem) cannot both be billed for "
                f"the same day ({max(c.start, lc.start):%m/%d/%Y}).",
                limit,
            )


@limit_check
def per_member_per_month(ctx, lc, limit, group):
    """A service paid once per member per month: any other line of the group in the same calendar month
    (history, earlier claims of the file, earlier lines of the claim) means this one is a repeat."""
    units = limit.get("units", 1)
    used = _in_month(ctx, lc.start, limit)
    if used:
        first = min(used, key=lambda c: c.start)
        invoice = f", invoice {first.invoice_number}" if first.invoice_number else ""
        return _deny(
            lc,
            f"{lc.combination.key} is paid once per member per month and {first.key} was already billed "
            f"for {lc.start:%B %Y} ({first.start:%m/%d/%Y}{invoice}).",
            limit,
        )
    if lc.units > units:
        return _deny(
            lc,
            f"{lc.units} units billed; {lc.combination.key} is {units} unit per member per month.",
            limit,
            Category.UNITS,
            "unit_count",
        )


@limit_check
def requires_service_in_progress(ctx, lc, limit, group):
    """A service that needs another one under way (Kaiser: a housing deposit 'must be in housing navigation'):
    a line of the required group within `days` before the service, or a TAR for it covering the date."""
    required = frozenset(limit["requires"])
    since = lc.start - timedelta(days=limit["days"])
    if any(since <= c.start <= lc.start for c in ctx.counted_in(required)):
        return None
    if any(
        tar.plan == ctx.plan_id
        and "-".join([tar.code, *tar.modifiers]) in required
        and tar.start <= lc.start <= tar.end
        for tar in ctx.authorizations()
    ):
        return None
    return Issue(
        Category.DOCUMENTATION,
        Severity(limit.get("severity", "rfi")),
        f"Line {lc.number}: {lc.combination.service} is paid only while the member is in "
        f"{limit['requires_name']} ({', '.join(limit['requires'])}); none is billed or authorized in the "
        f"{limit['days']} days up to {lc.start:%m/%d/%Y}: send proof of the member's {limit['requires_name']}.",
        limit["cite"],
        "procedure_code",
        rests_on=rests_on(*LIMIT_VALUES, line=lc.number),
    )


@limit_check
def no_date_span(ctx, lc, limit, group):
    if lc.end and lc.end != lc.start:
        return _deny(
            lc,
            f"{lc.combination.key} is billed once per member per month: use a single date of service, "
            f"not {lc.start:%m/%d/%Y}-{lc.end:%m/%d/%Y}.",
            limit,
            Category.DATE_SPAN,
            "service_end_date",
        )

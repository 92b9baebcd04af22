"""The clean-claim clocks of seeds 000 and 004, for the staff queue.

- **Adjudication clock** (000 Clean Claims): a clean claim not finalized within 30 *business* days of
  receipt owes the provider interest. `CleanClaimClock` gives the deadline and the days left.
- **Payment targets** (000 Claims Submission Policy; 004 IV.B.2): 90% of clean claims paid within
  30 *calendar* days of the date of receipt, 99% within 90 days. `payment_targets` measures them.

The numbers come from each plan profile's `clean_claim` block (data/plans.yaml); the holiday
calendar from data/business_calendar.yaml. No AWS here: the API feeds these from the store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

import holidays
import yaml

from .catalog import plan_profile
from .citations import for_people


@lru_cache(maxsize=1)
def calendar_settings() -> dict[str, Any]:
    text = resources.files("claims_intake").joinpath("data/business_calendar.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=64)
def _holidays_for(year: int) -> frozenset[date]:
    settings = calendar_settings()
    calendar = holidays.country_holidays(settings["country"], subdiv=settings.get("subdiv"), years=year)
    return frozenset(calendar.keys())


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays_for(day.year)


def add_business_days(start: date, count: int) -> date:
    """The business day `count` business days after `start` (start itself not counted)."""
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            remaining -= 1
    return day


def business_days_between(start: date, end: date) -> int:
    """Business days after `start` up to and including `end` (negative when end is before start)."""
    if end < start:
        return -business_days_between(end, start)
    return sum(1 for offset in range(1, (end - start).days + 1) if is_business_day(start + timedelta(days=offset)))


def as_date(moment: date | datetime | str) -> date:
    """A stored timestamp ('2026-03-02T17:00:00.000000Z', '2026-03-02') or date -> its UTC date."""
    if isinstance(moment, datetime):
        return moment.astimezone(UTC).date() if moment.tzinfo else moment.date()
    if isinstance(moment, date):
        return moment
    text = moment.strip().replace("Z", "+00:00")
    return as_date(datetime.fromisoformat(text)) if "T" in text else date.fromisoformat(text)


@dataclass(frozen=True)
class CleanClaimClock:
    """The 30-business-day adjudication clock of one claim (000 Clean Claims)."""

    received: date
    business_days: int
    today: date
    finalized: date | None = None  # the clock stops when the claim is finalized

    @classmethod
    def for_plan(
        cls,
        plan_id: str,
        received: date | datetime | str,
        today: date | None = None,
        finalized: date | datetime | str | None = None,
    ) -> CleanClaimClock:
        rule = plan_profile(plan_id).clean_claim
        return cls(
            as_date(received),
            int(rule["adjudicate_business_days"]),
            today or date.today(),
            as_date(finalized) if finalized else None,
        )

    @property
    def _end(self) -> date:
        return self.finalized or self.today

    @property
    def due(self) -> date:
        return add_business_days(self.received, self.business_days)

    @property
    def elapsed(self) -> int:
        return business_days_between(self.received, self._end)

    @property
    def remaining(self) -> int:
        return business_days_between(self._end, self.due)

    @property
    def overdue(self) -> bool:
        """Past the due date unfinalized, or finalized after it (interest is owed: 000 Clean Claims)."""
        return self._end > self.due

    def to_output(self) -> dict[str, Any]:
        return {
            "received": self.received.isoformat(),
            "due": self.due.isoformat(),
            "business_days": self.business_days,
            "business_days_elapsed": self.elapsed,
            "business_days_left": self.remaining,
            "overdue": self.overdue,
            "finalized": self.finalized.isoformat() if self.finalized else None,
        }


@dataclass(frozen=True)
class CleanClaim:
    """What the payment targets need to know of one clean claim: when received, when paid (if yet)."""

    plan: str
    received: date
    paid: date | None = None


def _ratio(numerator: int, denominator: int) -> str | None:
    if denominator == 0:
        return None
    return str((Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP))


def _window(claims: list[CleanClaim], days: int, target: Decimal, today: date) -> dict[str, Any]:
    """One target: of the claims whose window has closed or that are paid, how many were paid in time.

    A claim still inside its window and unpaid is not yet counted either way (it can still meet
    the target); it is reported as `open`, with those that fall due within 5 days as `at_risk`.
    """
    paid_in_time = late = open_ = at_risk = 0
    for claim in claims:
        deadline = claim.received + timedelta(days=days)
        if claim.paid is not None and claim.paid <= deadline:
            paid_in_time += 1
        elif claim.paid is not None or today > deadline:
            late += 1
        else:
            open_ += 1
            at_risk += (deadline - today).days <= 5
    return _window_report(days, target, paid_in_time, late, open_, at_risk)


def _window_report(
    days: int, target: Decimal, paid_in_time: int, late: int, open_: int, at_risk: int
) -> dict[str, Any]:
    counted = paid_in_time + late
    ratio = _ratio(paid_in_time, counted)
    # Even if every open claim were paid in time, could the target still be met?
    best_case = _ratio(paid_in_time + open_, counted + open_)
    return {
        "days": days,
        "target": str(target),
        "paid_in_time": paid_in_time,
        "late": late,
        "open": open_,
        "at_risk": at_risk,
        "ratio": ratio,
        "met": None if ratio is None else Decimal(ratio) >= target,
        "still_reachable": None if best_case is None else Decimal(best_case) >= target,
    }


def _window_from_counts(
    days_received: list[tuple[date, dict[str, int]]], days: int, target: Decimal, today: date
) -> dict[str, Any]:
    """`_window` over per-day sums (clean, paid, paid_by_{days}) instead of the claims one by one."""
    paid_in_time = late = open_ = at_risk = 0
    for received, counts in days_received:
        deadline = received + timedelta(days=days)
        clean, paid, in_time = counts.get("clean", 0), counts.get("paid", 0), counts.get(f"paid_by_{days}", 0)
        paid_in_time += in_time
        late += paid - in_time
        if today > deadline:
            late += clean - paid
        else:
            open_ += clean - paid
            at_risk += (clean - paid) if (deadline - today).days <= 5 else 0
    return _window_report(days, target, paid_in_time, late, open_, at_risk)


def targets_from_counts(
    by_plan: dict[str, list[tuple[date, dict[str, int]]]], today: date | None = None
) -> dict[str, dict[str, Any]]:
    """`payment_targets` from running counters: per plan, (day received, counts) as store/counters.py keeps them."""
    today = today or date.today()
    report = {}
    for plan_id, days_received in sorted(by_plan.items()):
        if not plan_id:
            continue  # a claim naming no plan we serve has no plan's targets
        clean = sum(counts.get("clean", 0) for _, counts in days_received)
        if not clean:
            continue
        rule = plan_profile(plan_id).clean_claim
        report[plan_id] = {
            "clean_claims": clean,
            "within_30_days": _window_from_counts(days_received, 30, Decimal(str(rule["pay_within_30_days"])), today),
            "within_90_days": _window_from_counts(days_received, 90, Decimal(str(rule["pay_within_90_days"])), today),
            "cite": for_people(rule["cite"]),
        }
    return report


def payment_targets(claims: Iterable[CleanClaim], today: date | None = None) -> dict[str, dict[str, Any]]:
    """The 90%-in-30-days and 99%-in-90-days payment targets, per plan (000; 004 IV.B.2)."""
    today = today or date.today()
    by_plan: dict[str, list[CleanClaim]] = {}
    for claim in claims:
        by_plan.setdefault(claim.plan, []).append(claim)
    report = {}
    for plan_id, plan_claims in sorted(by_plan.items()):
        rule = plan_profile(plan_id).clean_claim
        report[plan_id] = {
            "clean_claims": len(plan_claims),
            "within_30_days": _window(plan_claims, 30, Decimal(str(rule["pay_within_30_days"])), today),
            "within_90_days": _window(plan_claims, 90, Decimal(str(rule["pay_within_90_days"])), today),
            "cite": for_people(rule["cite"]),
        }
    return report

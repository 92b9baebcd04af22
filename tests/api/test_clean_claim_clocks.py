"""The clean-claim clocks: 30 business days to finalize (000 Clean Claims) and the payment targets
90% within 30 days / 99% within 90 days (000 Claims Submission Policy; 004 IV.B.2)."""

from datetime import date

from claims_intake.clocks import (
    CleanClaim,
    CleanClaimClock,
    add_business_days,
    as_date,
    business_days_between,
    is_business_day,
)


def test_business_days_skip_weekends_and_federal_holidays():
    assert not is_business_day(date(2026, 11, 21))  # Saturday
    assert not is_business_day(date(2026, 11, 26))  # Thanksgiving
    assert is_business_day(date(2026, 11, 27))
    assert add_business_days(date(2026, 11, 25), 1) == date(2026, 11, 27)
    assert add_business_days(date(2026, 3, 2), 30) == date(2026, 4, 13)  # no holiday in between: 6 weeks
    assert business_days_between(date(2026, 11, 20), date(2026, 11, 30)) == 5
    assert business_days_between(date(2026, 11, 30), date(2026, 11, 20)) == -5


def test_the_clock_counts_down_from_the_plans_30_business_days():
    clock = CleanClaimClock.for_plan("kp", "2026-03-02T09:15:00.000000Z", today=date(2026, 3, 9))
    assert clock.business_days == 30  # plans.yaml kp clean_claim, from 000 Clean Claims
    assert clock.due == date(2026, 4, 13)
    assert (clock.elapsed, clock.remaining, clock.overdue) == (5, 25, False)
    late = CleanClaimClock.for_plan("khs", date(2026, 3, 2), today=date(2026, 4, 14))
    assert late.overdue and late.remaining == -1


def test_payment_targets_count_closed_windows_and_flag_what_is_at_risk():
    from claims_intake.clocks import payment_targets

    today = date(2026, 6, 30)
    claims = [CleanClaim("khs", date(2026, 5, 1), paid=date(2026, 5, 20)) for _ in range(8)]
    claims.append(CleanClaim("khs", date(2026, 5, 1), paid=date(2026, 6, 15)))  # paid on day 45
    claims.append(CleanClaim("khs", date(2026, 5, 1)))  # unpaid, 60 days old
    claims.append(CleanClaim("khs", date(2026, 6, 27)))  # unpaid, inside both windows
    report = payment_targets(claims, today)["khs"]
    within_30 = report["within_30_days"]
    assert (within_30["paid_in_time"], within_30["late"], within_30["open"]) == (8, 2, 1)
    assert within_30["ratio"] == "0.8000" and within_30["met"] is False and within_30["target"] == "0.9"
    assert within_30["still_reachable"] is False  # 9 of 11 at best
    within_90 = report["within_90_days"]
    assert (within_90["paid_in_time"], within_90["late"], within_90["open"]) == (9, 0, 2)
    assert within_90["ratio"] == "1.0000" and within_90["met"] is True
    assert (
        report["cite"] == "Kern Health Systems Policy 17.06-P, CSS Coding and Payment to CBOs — IV.B.2"
    )  # titles for people


def test_an_empty_window_is_not_a_met_target():
    from claims_intake.clocks import payment_targets

    report = payment_targets([CleanClaim("kp", date(2026, 6, 25))], date(2026, 6, 30))["kp"]
    assert report["within_30_days"]["ratio"] is None and report["within_30_days"]["met"] is None
    assert report["within_30_days"]["at_risk"] == 0 and report["within_30_days"]["open"] == 1


def test_stored_timestamps_become_dates():
    assert as_date("2026-11-20T23:59:59.000000Z") == date(2026, 11, 20)
    assert as_date("2026-11-20") == date(2026, 11, 20)


def test_the_clock_stops_when_the_claim_is_finalized():
    on_time = CleanClaimClock.for_plan("phc", "2026-03-02", today=date(2026, 6, 1), finalized="2026-03-20T10:00:00Z")
    assert on_time.to_output() == {
        "received": "2026-03-02",
        "due": "2026-04-13",
        "business_days": 30,
        "business_days_elapsed": 14,
        "business_days_left": 16,
        "overdue": False,
        "finalized": "2026-03-20",
    }
    late = CleanClaimClock.for_plan("phc", "2026-03-02", today=date(2026, 6, 1), finalized="2026-04-14")
    assert late.overdue  # finalized after 30 business days: interest is owed (000 Clean Claims)

"""History checks: duplicates, frequency and lifetime limits, Kaiser's $0.01 rule. Limits come from plans.yaml."""

from datetime import date
from decimal import Decimal

import pytest

from claims_intake.catalog import plan_profile
from claims_intake.check import check_claim
from claims_intake.reference import (
    HistoryLine,
    InMemoryHistory,
)

from .builders import RECEIVED, claim, line

MEMBER, NPI = "90000001A", "1456700016"


def past(
    combination, start, end=None, units=1, allowed="400.00", status="PAYABLE", invoice="OLD-1", member=MEMBER, npi=NPI
):
    start = date.fromisoformat(start)
    return HistoryLine(
        "old",
        member,
        npi,
        invoice,
        combination,
        start,
        date.fromisoformat(end) if end else start,
        Decimal(units),
        Decimal(allowed),
        Decimal(allowed),
        status,
    )


def run(c, reference, history_rows=(), plan="phc"):
    return check_claim(c, plan, reference, InMemoryHistory(list(history_rows)), received=RECEIVED)


def rules(result, severity=None):
    return {f.rule for f in result.findings if severity is None or f.severity == severity}


def dispositions(result):
    return [l.disposition.value for l in result.lines]


# Duplicates: same provider and invoice number
def test_duplicate_invoice_number(open_reference):
    result = run(
        claim(line("G9008", "U1", start="2026-11-10"), invoice="SCCN-7"),
        open_reference,
        [past("G9008-U1", "2026-10-05", invoice="SCCN-7")],
    )
    assert result.disposition == "DENIED" and "duplicate_invoice" in rules(result, "deny")


def test_recheck_of_the_same_claim_is_not_its_own_duplicate(open_reference):
    c = claim(line("G9008", "U1"), invoice="SCCN-8")
    own = past("G9008-U1", "2026-11-05", invoice="SCCN-8", status="PENDING")
    own = HistoryLine(
        c.claim_id,
        *[
            getattr(own, f)
            for f in (
                "member_cin",
                "provider_npi",
                "invoice_number",
                "combination",
                "start",
                "end",
                "units",
                "charge",
                "allowed",
                "status",
            )
        ],
    )
    assert run(c, open_reference, [own]).disposition == "CLEAN"


# Duplicates: same member, code, modifiers and date already paid; DENIED history does not count
@pytest.mark.parametrize("status,denied", [("PAYABLE", True), ("PENDING", True), ("DENIED", False)])
def test_duplicate_service_line(open_reference, status, denied):
    result = run(
        claim(line("H0043", "U6", cost="386.00")),
        open_reference,
        [past("H0043-U6", "2026-11-05", allowed="386.00", status=status)],
    )
    assert ("duplicate_service" in rules(result, "deny")) is denied


# 001 ECM Services: "Partnership will only reimburse either G9008-U1 or G9012-U2 once per month per member"
def test_ecm_core_once_per_month_whatever_the_combination(open_reference):
    result = run(claim(line("G9012", "U2-GQ", start="2026-11-20")), open_reference, [past("G9008-U1", "2026-11-03")])
    assert "once_per_month_group" in rules(result, "deny")
    next_month = run(claim(line("G9012", "U2", start="2026-11-20")), open_reference, [past("G9008-U1", "2026-10-28")])
    assert next_month.disposition == "CLEAN"


def test_two_core_lines_in_one_claim_same_month(open_reference):
    result = run(
        claim(line("G9008", "U1", start="2026-11-03"), line("G9012", "U2", start="2026-11-17")), open_reference
    )
    assert dispositions(result) == ["PAYABLE", "DENIED"] and result.disposition == "PARTIAL"


# 001 Unsuccessful ECM Outreach: "up to 5 times per rolling 30-day period ... prior to the date of ECM enrollment"
def test_outreach_five_per_rolling_30_days(open_reference):
    rows = [past("G9012-U8", f"2026-10-{day:02d}", allowed="5.00") for day in (1, 5, 9, 12, 15)]
    sixth = run(claim(line("G9008", "U8-GQ", start="2026-10-20", cost="5.00")), open_reference, rows)
    assert "max_per_rolling_days" in rules(sixth, "deny")
    later = run(
        claim(line("G9008", "U8", start="2026-10-31", cost="5.00")), open_reference, rows
    )  # 10/01 left the 30-day window
    assert later.disposition == "CLEAN", later.findings


def test_outreach_after_ecm_enrollment_is_denied(open_reference):
    result = run(claim(line("G9012", "U8", start="2026-11-02", cost="5.00")), open_reference)
    finding = next(f for f in result.findings if f.rule == "max_per_rolling_days")
    assert "after the member's ECM enrollment" in finding.message


# 001 ECM Services: "Successful Engagement, allowed once per lifetime - G9012 X 1 unit = $150"
def test_successful_engagement_once_per_lifetime(open_reference):
    result = run(
        claim(line("G9012", "", start="2026-11-03", cost="150.00")),
        open_reference,
        [past("G9012", "2025-03-02", allowed="150.00")],
    )
    assert "lifetime_once" in rules(result, "deny")


# 000 CS Procedure Codes: Housing Deposits "Once in an individual's lifetime" (Kaiser)
def test_kaiser_housing_deposit_once_per_lifetime(open_reference):
    result = run(
        claim(line("H0044", "U2", start="2026-11-03", cost="900.00"), plan="kp"),
        open_reference,
        [past("H0044-U2", "2025-06-01", allowed="1200.00")],
        plan="kp",
    )
    assert "lifetime_once" in rules(result, "deny")


# 001: "H0044-U2 Housing Deposits, approved up to $5000" (lifetime amount: allowed is capped)
@pytest.mark.parametrize(
    "paid,allowed,disposition",
    [("4000.00", "1000.00", "CLEAN"), ("5000.00", "0.00", "DENIED"), ("0.00", "1500.00", "CLEAN")],
)
def test_housing_deposit_lifetime_amount(open_reference, paid, allowed, disposition):
    rows = [past("H0044-U2", "2026-04-15", allowed=paid)] if paid != "0.00" else []
    result = run(claim(line("H0044", "U2", start="2026-11-03", cost="1500.00")), open_reference, rows)
    assert result.disposition == disposition and str(result.allowed_total) == allowed
    assert plan_profile("phc").limits_for("lifetime_amount")[0]["amount"] == "5000.00"  # from plans.yaml


# 001: "H0044-U3 Short Term Post Hospitalization; per diem = $108, up to 180 days (only offered once per lifetime)"
def test_short_term_post_hospitalization_180_days(open_reference):
    rows = [past("H0044-U3", "2026-06-01", "2026-10-31", units=153, allowed="16524.00")]  # 153 days
    ok = run(
        claim(line("H0044", "U3", start="2026-11-01", end="2026-11-27", units="27", cost="108.00")),
        open_reference,
        rows,
    )
    assert ok.disposition == "CLEAN", ok.findings  # 180 days exactly
    over = run(
        claim(line("H0044", "U3", start="2026-11-01", end="2026-11-28", units="28", cost="108.00")),
        open_reference,
        rows,
    )
    assert "max_days_lifetime" in rules(over, "deny")


def test_short_term_post_hospitalization_once_per_lifetime(open_reference):
    rows = [past("H0044-U3", "2025-02-01", "2025-02-20", units=20, allowed="2160.00")]
    result = run(
        claim(line("H0044", "U3", start="2026-11-01", end="2026-11-05", units="5", cost="108.00")), open_reference, rows
    )
    finding = next(f for f in result.findings if f.rule == "max_days_lifetime")
    assert "once per lifetime" in finding.message


# 001: "T2033-U6 = Recuperative Care; per diem = $204, no more than 90 days' continuous duration"
def test_recuperative_care_90_continuous_days(open_reference):
    rows = [
        past("T2033-U6", "2026-08-10", "2026-09-30", units=52, allowed="10608.00"),
        past("T2033-U6", "2026-10-01", "2026-10-31", units=31, allowed="6324.00"),
    ]
    seven_more = run(
        claim(line("T2033", "U6", start="2026-11-01", end="2026-11-07", units="7", cost="204.00")), open_reference, rows
    )
    assert seven_more.disposition == "CLEAN", seven_more.findings  # 52 + 31 + 7 = 90
    eight_more = run(
        claim(line("T2033", "U6", start="2026-11-01", end="2026-11-08", units="8", cost="204.00")), open_reference, rows
    )
    assert "max_continuous_days" in rules(eight_more, "deny")
    after_a_break = run(
        claim(line("T2033", "U6", start="2026-11-03", end="2026-11-10", units="8", cost="204.00")), open_reference, rows
    )
    assert "max_continuous_days" not in rules(after_a_break)


# 001: "S5170-U6 = Home delivered medically supportive meals, up 2 meals/day, up to 12 weeks"
def test_meals_two_a_day(open_reference):
    result = run(
        claim(line("S5170", "U6", start="2026-11-02", end="2026-11-08", units="15", cost="10.00")), open_reference
    )
    assert "max_units_per_day" in rules(result, "deny")
    ok = run(claim(line("S5170", "U6", start="2026-11-02", end="2026-11-08", units="14", cost="10.00")), open_reference)
    assert ok.disposition == "CLEAN", ok.findings


def test_meals_twelve_weeks_from_the_first(open_reference):
    rows = [past("S5170-U6", "2026-08-10", "2026-08-16", units=14, allowed="140.00")]
    inside = run(claim(line("S5170", "U6", start="2026-11-01", units="2", cost="10.00")), open_reference, rows)
    assert inside.disposition == "CLEAN", inside.findings  # 08/10 + 12 weeks = through 11/01
    outside = run(claim(line("S5170", "U6", start="2026-11-02", units="2", cost="10.00")), open_reference, rows)
    assert "max_weeks_from_first" in rules(outside, "deny")


# 001 CS TAR Tips: "Medically tailored meals cannot be requested in combination with grocery box"
def test_meals_and_grocery_box_not_together(open_reference):
    rows = [past("S9977-U6", "2026-10-26", allowed="66.00")]
    result = run(claim(line("S5170", "U6", start="2026-11-02", units="2", cost="10.00")), open_reference, rows)
    assert "not_together" in rules(result, "deny")


# 001: "T2040-U6 / T2041-U6 ... maximum 2 units of service per month" (either code)
def test_tenancy_two_units_a_month_across_both_codes(open_reference):
    rows = [past("T2041-U6", "2026-11-02", allowed="222.00")]
    ok = run(claim(line("T2040", "U6", start="2026-11-16", cost="222.00")), open_reference, rows)
    assert ok.disposition == "CLEAN", ok.findings
    over = run(claim(line("T2040", "U6", start="2026-11-16", units="2", cost="222.00")), open_reference, rows)
    assert "max_units_per_month_group" in rules(over, "deny")


# 001: "T2020-U6 = Day Habilitation; 1 unit at $7.00 maximum per day is 8 units of service"
def test_day_habilitation_eight_units_a_day(open_reference):
    rows = [past("T2020-U6", "2026-11-04", "2026-11-06", units=15, allowed="105.00")]  # 5 a day
    result = run(claim(line("T2020", "U6", units="4", cost="7.00")), open_reference, rows)
    assert "max_units_per_day" in rules(result, "deny")
    ok = run(claim(line("T2020", "U6", units="3", cost="7.00")), open_reference, rows)
    assert ok.disposition == "CLEAN", ok.findings
    assert "max_units_per_day" in rules(run(claim(line("T2020", "U6", units="9", cost="7.00")), open_reference))


# 003 footnotes 8, 9, 11: per-15-minute and per-diem alternatives never both for one individual on the same day
def test_per_15_minute_and_per_diem_not_on_the_same_day(open_reference):
    rows = [past("T2050-U6", "2026-11-05", allowed="100.00")]
    result = run(claim(line("T2040", "U6", cost="222.00"), plan="khs"), open_reference, rows, plan="khs")
    assert "not_same_day" in rules(result, "deny")


# 001: "H0043-U6 or H2016-U6 ... $386 per member per month; Do not bill with a date span"
def test_no_date_span_on_pmpm_codes(open_reference):
    result = run(claim(line("H0043", "U6", start="2026-11-01", end="2026-11-30", cost="386.00")), open_reference)
    finding = next(f for f in result.findings if f.rule == "no_date_span")
    assert finding.category == "date_span" and result.disposition == "DENIED"


# 000 ECM Outreach and Core Services: first instance at the contract rate, subsequent at $.01
def test_kaiser_subsequent_core_in_a_month_paid_a_penny(open_reference):
    result = run(
        claim(line("G9012", "U2", start="2026-11-20", cost="450.00"), plan="kp"),
        open_reference,
        [past("G9008-U1", "2026-11-03", allowed="450.00")],
        plan="kp",
    )
    assert result.disposition == "CLEAN" and str(result.allowed_total) == "0.01"
    assert "ecm_subsequent_in_month" in rules(result, "warning")


def test_kaiser_subsequent_outreach_paid_a_penny(open_reference):
    result = run(
        claim(
            line("G9012", "U8", start="2026-10-03", cost="50.00"),
            line("G9012", "U8-GQ", start="2026-10-09", cost="50.00"),
            plan="kp",
        ),
        open_reference,
        plan="kp",
    )
    assert [str(l.allowed_amount) for l in result.lines] == ["50.00", "0.01"]


# 000: "Both Core and Outreach ... The first core service is billed at the contract rate. All subsequent core and all outreach at $.01"
def test_kaiser_core_and_outreach_in_one_month(open_reference):
    result = run(
        claim(
            line("G9012", "U8", start="2026-10-03", cost="50.00"),
            line("G9012", "U2", start="2026-10-20", cost="450.00"),
            plan="kp",
        ),
        open_reference,
        plan="kp",
    )
    assert [str(l.allowed_amount) for l in result.lines] == ["0.01", "450.00"]
    paid_before = run(
        claim(line("G9012", "U2", start="2026-10-20", cost="450.00"), plan="kp"),
        open_reference,
        [past("G9012-U8", "2026-10-03", allowed="50.00")],
        plan="kp",
    )
    assert str(paid_before.allowed_total) == "400.00"  # core rate only: the outreach already paid is deducted


def test_partnership_has_no_penny_rule(open_reference):
    result = run(
        claim(
            line("G9012", "U8", start="2026-10-03", cost="5.00"), line("G9012", "U8", start="2026-10-09", cost="5.00")
        ),
        open_reference,
    )
    assert [str(l.allowed_amount) for l in result.lines] == ["5.00", "5.00"]


# 001: "Multidisciplinary Team Conference = Informational Services. The services are not reimbursable"
def test_g9007_reported_not_reimbursed(open_reference):
    result = run(claim(line("G9007", "", units="4", cost="0.01")), open_reference)
    assert result.disposition == "CLEAN" and str(result.allowed_total) == "0.00"
    assert "not_reimbursable" in rules(result, "warning")


# 001 Community Support Services: "Rates shown are standard rates"; allowed = the lesser of billed and rate
def test_partnership_pays_its_standard_rate(open_reference):
    result = run(
        claim(line("T2033", "U6", start="2026-11-01", end="2026-11-03", units="3", cost="250.00")), open_reference
    )
    assert str(result.allowed_total) == "612.00"  # 3 x $204
    assert "billed_at_plan_rate" in rules(result, "warning")


def test_every_limit_in_plans_yaml_has_a_check():
    from claims_intake.check.rules_history import LIMITS

    for plan in ("kp", "phc", "khs"):
        for limit in plan_profile(plan).all_limits():
            assert limit["rule"] in LIMITS, limit

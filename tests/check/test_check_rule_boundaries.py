"""Rules of the source documents on both sides of their boundaries, where the other test files check one side
or one path only: the ICD-10-CM fiscal-year change on October 1 as the check decides it, rolling windows and
per-member-per-month limits counted across the claims of one file (check_extract), contract-rate start dates,
Kaiser's split short-term post-hospitalization stays, and every text of the three letters."""

from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from claims_intake.check import check_claim, check_extract
from claims_intake.model import ExtractResult, SourceInfo
from claims_intake.reference import ContractRate, InMemoryHistory, InMemoryReference

from .builders import RECEIVED, claim, line
from .test_check_rules_history import NPI, past, rules, run

KEYS = ("000", "001", "003", "004")


def check_file(claims, reference, plan="phc", history_rows=()):
    extracted = ExtractResult(source=SourceInfo(file="upload.xlsx", kind="xlsx"), claims=list(claims))
    return check_extract(extracted, plan, reference, InMemoryHistory(list(history_rows)), received=RECEIVED)


def one_line_claims(code, modifiers, days, plan="phc", cost="5.00"):
    """One claim per day, each its own invoice (as a provider billing every service separately)."""
    return [
        claim(line(code, modifiers, start=day, cost=cost), plan=plan, invoice=f"INV-{number}")
        for number, day in enumerate(days, start=1)
    ]


# ---- ICD-10-CM: the release in force changes on October 1 ----------------------------------------


@pytest.mark.parametrize(
    "start, rejected",
    [("2025-09-30", False), ("2025-10-01", True)],  # FY2026 split Z59.86 into Z59.861, Z59.868 and Z59.869
)
def test_diagnosis_checked_by_the_release_of_the_date_of_service(open_reference, start, rejected):
    result = check_claim(
        claim(line("G9008", "U1", start=start, dx="Z59.86"), tar="T-0"),
        "phc",
        open_reference,
        InMemoryHistory(),
        received=date.fromisoformat(start),
    )
    found = [f.message for f in result.findings if f.rule == "diagnosis_codes_billable"]
    assert bool(found) is rejected
    if rejected:
        assert "Z59.86 is a category" in found[0] and "bill Z59.861, Z59.868 or Z59.869" in found[0]
        assert result.disposition == "REJECTED"


# ---- Partnership outreach: 5 per rolling 30 days, counted across the claims of one file -----------

OUTREACH_DAYS = [f"2026-10-{day}" for day in (20, 21, 22, 23, 24)]


EARLY_DAYS = [f"2026-10-0{day}" for day in (1, 2, 3, 4, 5)]  # the member enrolls in ECM on 11/01 (conftest)


@pytest.mark.parametrize(
    "five, sixth, denied",
    [
        (OUTREACH_DAYS, "2026-10-10", True),  # the example: billed after, dated before -> six in 10/10-11/08
        (OUTREACH_DAYS, "2026-09-24", False),  # 26 days before the first: no 30-day period holds all six
        (OUTREACH_DAYS, "2026-09-25", True),
        (EARLY_DAYS, "2026-10-30", True),  # dated after: 10/01-10/30 holds six
        (EARLY_DAYS, "2026-10-31", False),  # 10/02-10/31 holds five (this one and four)
    ],
)
def test_outreach_window_counts_earlier_claims_of_the_file_both_ways(open_reference, five, sixth, denied):
    results = check_file(one_line_claims("G9012", "U8", [*five, sixth]), open_reference)
    assert [r.disposition.value for r in results[:5]] == ["CLEAN"] * 5
    assert ("max_per_rolling_days" in rules(results[5], "deny")) is denied
    assert results[5].disposition.value == ("DENIED" if denied else "CLEAN")


def test_outreach_window_counts_history_and_the_file_together(open_reference):
    history = [past("G9012-U8", day, allowed="5.00") for day in OUTREACH_DAYS[:3]]
    three_and_two = check_file(
        one_line_claims("G9012", "U8", [*OUTREACH_DAYS[3:], "2026-10-10"]), open_reference, history_rows=history
    )
    assert "max_per_rolling_days" in rules(three_and_two[2], "deny")
    three_and_one = check_file(
        one_line_claims("G9012", "U8", [OUTREACH_DAYS[3], "2026-10-10"]), open_reference, history_rows=history
    )
    assert "max_per_rolling_days" not in rules(three_and_one[1])


# ---- per member per month, within one file --------------------------------------------------------


@pytest.mark.parametrize(
    "plan, first, second, days, denied",
    [
        ("kp", "H2016-U6", "H0043-U6", ("2026-11-05", "2026-11-20"), True),  # one service, two codes, one month
        ("kp", "H2016-U6", "H2016-U6", ("2026-10-31", "2026-11-01"), False),  # two months
        ("kp", "T2040-U6", "T2041-U6", ("2026-11-01", "2026-11-19"), True),
        ("phc", "H0043-U6", "H0043-U6", ("2026-11-02", "2026-11-19"), True),  # Partnership $386 PMPM
        ("phc", "H0043-U6", "H0043-U6", ("2026-10-31", "2026-11-01"), False),
    ],
)
def test_per_member_per_month_across_the_claims_of_one_file(open_reference, plan, first, second, days, denied):
    rated = InMemoryReference(
        open_reference.eligibility_spans,
        open_reference.authorization_list,
        open_reference.providers,
        [ContractRate(NPI, "kp", combo, Decimal("386.00"), date(2026, 1, 1)) for combo in (first, second)],
    )
    claims = [
        claim(line(*combo.split("-"), start=day, cost="386.00"), plan=plan, invoice=f"INV-{number}")
        for number, (combo, day) in enumerate(zip((first, second), days, strict=True), start=1)
    ]
    results = check_file(claims, rated, plan)
    assert results[0].disposition == "CLEAN"
    assert results[1].disposition == ("DENIED" if denied else "CLEAN")
    assert ("per_member_per_month" in rules(results[1], "deny")) is denied


def test_per_member_per_month_two_lines_of_one_claim(open_reference):
    lines = [line("H0043", "U6", start=day, cost="386.00") for day in ("2026-11-02", "2026-11-19")]
    result = run(claim(*lines), open_reference)
    assert [r.disposition.value for r in result.lines] == ["PAYABLE", "DENIED"]


# ---- contract rates: the start of the rate's period ----------------------------------------------


@pytest.mark.parametrize("start, disposition", [("2026-10-31", "REVIEW"), ("2026-11-01", "CLEAN")])
def test_contract_rate_starts_on_its_start_date(open_reference, start, disposition):
    rated = InMemoryReference(
        open_reference.eligibility_spans,
        open_reference.authorization_list,
        open_reference.providers,
        [ContractRate(NPI, "kp", "T2033-U6", Decimal("200.00"), date(2026, 11, 1))],
    )
    result = run(claim(line("T2033", "U6", start=start, cost="210.00"), plan="kp"), rated, plan="kp")
    assert result.disposition == disposition
    if disposition == "CLEAN":
        assert result.allowed_total == Decimal("200.00")


def test_contract_rate_equal_to_the_bill_pays_the_bill(open_reference):
    rated = InMemoryReference(
        open_reference.eligibility_spans,
        open_reference.authorization_list,
        open_reference.providers,
        [ContractRate(NPI, "kp", "T2033-U6", Decimal("200.00"), date(2026, 1, 1))],
    )
    result = run(
        claim(line("T2033", "U6", start="2026-11-01", end="2026-11-02", units="2", cost="200.00"), plan="kp"),
        rated,
        plan="kp",
    )
    assert result.disposition == "CLEAN" and result.allowed_total == Decimal("400.00")


# ---- short-term post-hospitalization: Kaiser 180 days in any stays, Partnership one stay ----------


def _second_stay(plan, open_reference, days):
    first = [past("H0044-U3", "2026-03-01", "2026-05-29", units=90, allowed="9720.00")]  # 90 days
    end = date(2026, 11, 1).toordinal() + days - 1
    second = line(
        "H0044", "U3", start="2026-11-01", end=date.fromordinal(end).isoformat(), units=str(days), cost="108.00"
    )
    rated = InMemoryReference(
        open_reference.eligibility_spans,
        open_reference.authorization_list,
        open_reference.providers,
        [ContractRate(NPI, "kp", "H0044-U3", Decimal("108.00"), date(2026, 1, 1))],
    )
    return run(claim(second, plan=plan), rated, first, plan=plan)


def test_kaiser_stays_may_be_split_within_180_days(open_reference):
    assert "max_days_lifetime" not in rules(_second_stay("kp", open_reference, 30))  # 90 + 30 = 120
    assert "max_days_lifetime" in rules(_second_stay("kp", open_reference, 91), "deny")  # 90 + 91 = 181


def test_partnership_offers_one_stay_per_lifetime(open_reference):
    finding = [f for f in _second_stay("phc", open_reference, 30).findings if f.rule == "max_days_lifetime"]
    assert finding and "once per lifetime" in finding[0].message


# ---- citations: every text of the three letters names documents, never internal keys -------------


def _texts(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts(item)


def test_no_internal_source_key_in_any_letter(open_reference):
    from claims_intake.letters.compose import denial_notice, rejection_letter, rfi_letter

    rejected = run(claim(line("G9008", "U1", dx="Z59.0")), open_reference)
    deposit = claim(line("H0044", "U2", start="2026-11-10", cost="1500.00"), plan="kp")
    no_tars = InMemoryReference(
        open_reference.eligibility_spans,
        [t for t in open_reference.authorization_list if t.code not in ("H2016", "H0043")],
        open_reference.providers,
        open_reference.rates,
    )
    asked = run(deposit, no_tars, plan="kp")
    denied = run(claim(line("G9008", "U1", start="2026-10-22")), open_reference, [past("G9008-U1", "2026-10-08")])
    assert (rejected.disposition, asked.disposition, denied.disposition) == ("REJECTED", "RFI", "DENIED")
    letters = [
        rejection_letter(rejected, "c-1", date(2026, 11, 30)),
        rfi_letter(asked, "c-2", date(2026, 11, 30), datetime(2026, 12, 30, tzinfo=UTC)),
        denial_notice(denied, "c-3", date(2026, 11, 30)),
    ]
    for letter in letters:
        texts = list(_texts(asdict(letter)))
        assert any("Kaiser Permanente Claims Guidance" in t or "Partnership HealthPlan" in t for t in texts)
        for text in texts:
            words = {word.strip(":;,()'\"") for word in text.split()}
            assert not words & set(KEYS) and "seed" not in text.lower(), text


def _cites(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if "cite" in str(key) and isinstance(item, str):
                yield item
            else:
                yield from _cites(item)
    elif isinstance(value, list):
        for item in value:
            yield from _cites(item)


@pytest.mark.parametrize("name", ["plans.yaml", "dhcs_catalog.yaml", "letters.yaml", "business_calendar.yaml"])
def test_every_citation_of_the_data_reads_as_document_titles(name):
    """The data cite by key; what people read (citations.for_people) names documents, never keys or 'seeds'."""
    from importlib import resources

    import yaml

    from claims_intake.citations import for_people

    data = yaml.safe_load(resources.files("claims_intake").joinpath(f"data/{name}").read_text("utf-8"))
    cites = list(_cites(data))
    assert cites
    for cite in cites:
        shown = for_people(cite)
        words = {word.strip(":;,()'\"") for word in shown.split()}
        assert not words & set(KEYS) and "seed" not in shown.lower(), shown


# ---- Kaiser date spans: per diem spans one unit a day, per-member-per-month codes never span ------


@pytest.mark.parametrize("units, denied", [("3", False), ("4", True)])
def test_kaiser_per_diem_span_pays_one_unit_a_day(open_reference, units, denied):
    spanned = line("T2033", "U6", start="2026-11-01", end="2026-11-03", units=units, cost="200.00")
    result = run(claim(spanned, plan="kp"), open_reference, plan="kp")
    assert ("per_diem_units" in rules(result, "deny")) is denied
    assert "no_date_span" not in rules(result)


@pytest.mark.parametrize("end, denied", [("2026-11-05", False), ("2026-11-06", True)])
def test_kaiser_monthly_code_billed_for_one_date_only(open_reference, end, denied):
    result = run(
        claim(line("H2016", "U6", start="2026-11-05", end=end, cost="386.00"), plan="kp"), open_reference, plan="kp"
    )
    assert ("no_date_span" in rules(result, "deny")) is denied

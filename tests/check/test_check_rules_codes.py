"""Code sets (ICD-10-CM by date of service, CMS place of service), rendering licence type, contract rates,
minimum charges, two-way rolling windows, per-member-per-month limits and the readings of docs/rules.md.
Each rule on both sides of its boundary."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from claims_intake.check import check_claim
from claims_intake.citations import for_people
from claims_intake.codesets import Icd10cm, icd10cm
from claims_intake.reference import Authorization, ContractRate, InMemoryHistory, InMemoryReference, Provider

from .builders import RECEIVED, claim, line
from .test_check_rules_history import MEMBER, NPI, past, run

CLINICAL, NON_CLINICAL = "1987600115", "1987600123"  # the sample roster's rendering staff


def rules(result, severity=None):
    return {f.rule for f in result.findings if severity is None or f.severity == severity}


def messages(result, rule):
    return [f.message for f in result.findings if f.rule == rule]


# ---- ICD-10-CM -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, start, status",
    [
        ("Z59.0", "2021-09-30", "billable"),  # FY2021: Z59.0 still a code
        ("Z59.0", "2023-10-01", "category"),  # FY2024: Z59.00-Z59.02 only
        ("Z59.1", "2024-09-30", "category"),  # FY2024 made Z59.1 a category (Z59.10-Z59.19)
        ("Z59.1", "2021-09-30", "billable"),
        ("Z59.01", "2026-11-05", "billable"),  # after the last release: judged by it
        ("Z99.99", "2026-11-05", "unknown"),
        ("Z59.86", "2025-09-30", "billable"),  # FY2025: Z59.86 billable ...
        ("Z59.86", "2025-10-01", "category"),  # ... FY2026 split it into Z59.861/868/869
        ("Z59.0", "2022-06-01", "undetermined"),  # FY2022: no release on file, FY2021 and FY2024 disagree
        ("Z60.2", "2022-06-01", "billable"),  # the same in both releases around the gap: decided
    ],
)
def test_icd10cm_verdict_by_date_of_service(code, start, status):
    assert icd10cm().verdict(code, date.fromisoformat(start)).status == status


def test_category_names_its_billable_children():
    verdict = icd10cm().verdict("Z590", date(2026, 11, 5))
    assert verdict.children == ("Z59.00", "Z59.01", "Z59.02")


def test_category_z590_rejected_with_the_codes_to_bill(open_reference):
    result = run(claim(line("G9008", "U1", dx="Z59.0"), tar="T-0"), open_reference)
    assert result.disposition == "REJECTED"
    expected = (
        "Z59.0 is a category, not a billable ICD-10-CM code on 11/05/2026 (FY2026 code set): bill Z59.00, "
        "Z59.01 or Z59.02."
    )
    assert expected in messages(result, "diagnosis_codes_billable")[0]


def test_billable_code_passes_and_unknown_code_rejected(open_reference):
    assert "diagnosis_codes_billable" not in rules(run(claim(line("G9008", "U1", dx="Z59.01")), open_reference))
    result = run(claim(line("G9008", "U1", dx="Z99.99")), open_reference)
    assert "Z99.99 is not an ICD-10-CM code" in messages(result, "diagnosis_codes_billable")[0]
    assert result.disposition == "REJECTED"


def test_z591_rejected_after_october_2023_on_a_cs_line(open_reference):
    result = run(claim(line("H0043", "U6", start="2026-11-05", cost="386.00", dx="Z59.1")), open_reference)
    assert "bill Z59.10, Z59.11, Z59.12 or Z59.19" in messages(result, "diagnosis_codes_billable")[0]


def test_gap_year_disagreement_goes_to_staff_review(open_reference):
    code_set = Icd10cm.from_text(
        "#release\t0\tA\t2020-10-01\t2021-09-30\tx\n"
        "#release\t1\tB\t2023-10-01\t2024-09-30\tx\n"
        "1\tZ590\n2\tZ5900 Z5901\n"
    )
    assert code_set.verdict("Z59.0", date(2022, 5, 1)).status == "undetermined"
    assert code_set.verdict("Z59.0", date(2021, 5, 1)).status == "billable"
    assert code_set.verdict("Z59.0", date(2024, 5, 1)).children == ("Z59.00", "Z59.01")


def test_many_children_listed_by_subcategory():
    verdict = icd10cm().verdict("Z59", date(2026, 11, 5))
    assert verdict.status == "category" and "Z59.0" in verdict.children and "Z59.00" not in verdict.children
    assert not verdict.children_billable


def test_a_three_character_category_asks_for_a_complete_code(open_reference):
    result = run(claim(line("G9008", "U1", dx="Z59")), open_reference)
    assert "Z59 is a category" in messages(result, "diagnosis_codes_billable")[0]
    assert "bill a complete code under Z59.0, Z59.1," in messages(result, "diagnosis_codes_billable")[0]


# ---- place of service ----------------------------------------------------------------------------


def _pos(code, start="2026-11-05"):
    item = line("G9008", "U1", start=start)
    item.place_of_service = code
    return item


@pytest.mark.parametrize(
    "code, start, found",
    [
        ("12", "2026-11-05", False),
        ("04", "2026-11-05", False),
        ("27", "2026-11-05", False),
        ("90", "2026-11-05", True),
        ("28", "2026-11-05", True),
        ("27", "2023-09-30", True),
        ("27", "2023-10-01", False),  # Outreach Site/Street from 10/01/2023
    ],
)
def test_place_of_service_code_set(open_reference, code, start, found):
    received = {"received": date(2026, 11, 30)}
    result = check_claim(claim(_pos(code, start)), "phc", open_reference, InMemoryHistory(), **received)
    assert ("place_of_service_in_code_set" in rules(result, "reject")) is found


# ---- rendering provider licence type (DHCS footnotes 4-6) ----------------------------------------


@pytest.fixture
def licence_reference(open_reference):
    staff = [
        Provider(CLINICAL, "941234501", "Ana Torres, RN", (), licence_type="clinical"),
        Provider(NON_CLINICAL, "941234501", "Luis Fernandez, CHW", (), licence_type="non_clinical"),
        Provider("1456700123", "941234501", "Unknown Licence", ()),
    ]
    return InMemoryReference(
        open_reference.eligibility_spans,
        open_reference.authorization_list,
        [*open_reference.providers, *staff],
        open_reference.rates,
    )


def _rendered(code, modifiers, npi, **kw):
    item = line(code, modifiers, **kw)
    item.rendering_provider_npi = npi
    return item


@pytest.mark.parametrize(
    "code, modifiers, npi, denied, instead",
    [
        ("G9008", "U1", NON_CLINICAL, True, "G9012-U2"),
        ("G9008", "U1", CLINICAL, False, None),
        ("G9012", "U2", CLINICAL, True, "G9008-U1"),
        ("G9012", "U2", NON_CLINICAL, False, None),
        ("G9008", "U1-GQ", NON_CLINICAL, True, "G9012-U2-GQ"),
        ("G9008", "U1", "1456700123", False, None),  # licence type not on the roster: nothing to hold against anyone
    ],
)
def test_rendering_licence_matches_code(licence_reference, code, modifiers, npi, denied, instead):
    result = run(claim(_rendered(code, modifiers, npi), tar="T-0"), licence_reference)
    found = messages(result, "rendering_licence_matches_code")
    assert bool(found) is denied
    if denied:
        assert f"rebill as {instead}" in found[0] and result.disposition == "DENIED"


# ---- contract rates (Kaiser, Kern) ---------------------------------------------------------------


def _rated(open_reference, *rates):
    return InMemoryReference(
        open_reference.eligibility_spans, open_reference.authorization_list, open_reference.providers, list(rates)
    )


def test_contract_rate_times_units_never_more_than_billed(open_reference):
    reference = _rated(open_reference, ContractRate(NPI, "kp", "T2033-U6", Decimal("200.00"), date(2026, 1, 1)))
    below = run(
        claim(line("T2033", "U6", start="2026-11-01", end="2026-11-03", units="3", cost="210.00"), plan="kp"),
        reference,
        plan="kp",
    )
    assert below.disposition == "CLEAN" and below.allowed_total == Decimal("600.00")
    above = run(
        claim(line("T2033", "U6", start="2026-11-01", end="2026-11-03", units="3", cost="150.00"), plan="kp"),
        reference,
        plan="kp",
    )
    assert above.allowed_total == Decimal("450.00")  # the billed amount, less than the contract rate x units


def test_no_contract_rate_on_file_goes_to_review(open_reference):
    result = run(
        claim(line("T2033", "U6", start="2026-11-01", cost="210.00"), plan="kp"), _rated(open_reference), plan="kp"
    )
    assert result.disposition == "REVIEW" and "contract_rate_on_file" in rules(result, "review")


def test_no_rate_needed_for_a_line_that_pays_nothing(open_reference):
    not_eligible = InMemoryReference(
        [s for s in open_reference.eligibility_spans if s.plan != "kp"],
        open_reference.authorization_list,
        open_reference.providers,
    )
    result = run(claim(line("G9012", "U2", cost="450.00"), plan="kp"), not_eligible, plan="kp")
    assert result.disposition == "DENIED" and "contract_rate_on_file" not in rules(result)


def test_contract_rate_dates_bound_it(open_reference):
    reference = _rated(
        open_reference, ContractRate(NPI, "khs", "T2033-U6", Decimal("200.00"), date(2026, 1, 1), date(2026, 10, 31))
    )
    inside = run(claim(line("T2033", "U6", start="2026-10-31", cost="210.00"), plan="khs"), reference, plan="khs")
    outside = run(claim(line("T2033", "U6", start="2026-11-01", cost="210.00"), plan="khs"), reference, plan="khs")
    assert inside.disposition == "CLEAN" and inside.allowed_total == Decimal("200.00")
    assert outside.disposition == "REVIEW"


def test_cs_telehealth_line_uses_the_base_rate_and_partnership_needs_no_file(open_reference):
    reference = _rated(open_reference, ContractRate(NPI, "kp", "T2040-U6", Decimal("230.00"), date(2026, 1, 1)))
    result = run(claim(line("T2040", "U6-GQ", cost="250.00"), plan="kp"), reference, plan="kp")
    assert "contract_rate_on_file" not in rules(result) and result.allowed_total == Decimal("230.00")
    assert "contract_rate_on_file" not in rules(run(claim(line("G9008", "U1"), tar="T-0"), _rated(open_reference)))


# ---- minimum charge (Partnership G9007) -----------------------------------------------------------


@pytest.mark.parametrize("charge, found", [("0.00", True), ("0.03", True), ("0.04", False)])
def test_g9007_needs_a_charge_at_partnership(open_reference, charge, found):
    result = run(claim(line("G9007", "", units="4", cost=str(Decimal(charge) / 4), charge=charge)), open_reference)
    assert ("charge_at_least_minimum" in rules(result)) is found


# ---- two-way rolling windows ---------------------------------------------------------------------


def test_late_outreach_counts_against_the_attempts_after_it(open_reference):
    later = [past("G9012-U8", f"2026-10-{day}", allowed="5.00") for day in (20, 21, 22, 23, 24)]
    late = run(claim(line("G9012", "U8", start="2026-10-10", cost="5.00")), open_reference, later)
    assert "max_per_rolling_days" in rules(late, "deny")
    assert "10/10/2026-11/08/2026" in messages(late, "max_per_rolling_days")[0]
    four = run(claim(line("G9012", "U8", start="2026-10-10", cost="5.00")), open_reference, later[:4])
    assert "max_per_rolling_days" not in rules(four)


def test_outreach_30_days_apart_is_outside_the_window(open_reference):
    later = [past("G9012-U8", f"2026-10-{day}", allowed="5.00") for day in (20, 21, 22, 23, 24)]
    assert "max_per_rolling_days" not in rules(
        run(claim(line("G9012", "U8", start="2026-09-24", cost="5.00")), open_reference, later)
    )
    assert "max_per_rolling_days" in rules(
        run(claim(line("G9012", "U8", start="2026-09-25", cost="5.00")), open_reference, later)
    )


def test_lines_of_the_same_file_count_both_ways(open_reference):
    lines = [line("G9012", "U8", start=f"2026-10-{day}", cost="5.00") for day in (20, 21, 22, 23, 24, 10)]
    result = run(claim(*lines), open_reference)
    denied = [r.line_number for r in result.lines if r.disposition == "DENIED"]
    assert denied == [6]


# ---- per member per month ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "plan, code, prior, found",
    [
        ("kp", "H2016-U6", "H0043-U6", True),  # the same service (Housing Transition/Navigation) twice in November
        ("kp", "H2016-U6", None, False),
        ("kp", "T2041-U6", "T2040-U6", True),
        ("kp", "T2038-U4", "T2038-U4", True),
        ("phc", "H0043-U6", "H2016-U6", True),  # Partnership: $386 per member per month
        ("phc", "H0043-U6", None, False),
    ],
)
def test_per_member_per_month_against_history(open_reference, plan, code, prior, found):
    history = [past(prior, "2026-11-02", allowed="386.00")] if prior else []
    base, modifier = code.split("-")
    result = run(
        claim(line(base, modifier, start="2026-11-20", cost="386.00"), plan=plan), open_reference, history, plan=plan
    )
    assert ("per_member_per_month" in rules(result, "deny")) is found


def test_per_member_per_month_previous_month_and_later_history(open_reference):
    october = run(
        claim(line("H2016", "U6", start="2026-11-20", cost="386.00"), plan="kp"),
        open_reference,
        [past("H2016-U6", "2026-10-31", allowed="386.00")],
        plan="kp",
    )
    assert "per_member_per_month" not in rules(october)
    billed_late = run(
        claim(line("H2016", "U6", start="2026-11-01", cost="386.00"), plan="kp"),
        open_reference,
        [past("H2016-U6", "2026-11-25", allowed="386.00")],
        plan="kp",
    )
    assert "per_member_per_month" in rules(billed_late, "deny")


def test_per_member_per_month_two_units_on_one_line(open_reference):
    result = run(
        claim(line("H2016", "U6", start="2026-11-20", units="2", cost="386.00"), plan="kp"), open_reference, plan="kp"
    )
    assert "per_member_per_month" in rules(result, "deny")


# ---- readings of docs/rules.md as plan settings --------------------------------------------------


@pytest.mark.parametrize("plan", ["kp", "phc"])
def test_second_grocery_box_within_a_week(open_reference, plan):
    first = [past("S9977-U6", "2026-11-02", allowed="66.00")]
    six_days = run(
        claim(line("S9977", "U6", start="2026-11-08", cost="66.00"), plan=plan), open_reference, first, plan=plan
    )
    seven_days = run(
        claim(line("S9977", "U6", start="2026-11-09", cost="66.00"), plan=plan), open_reference, first, plan=plan
    )
    assert "max_per_rolling_days" in rules(six_days, "deny")
    assert "max_per_rolling_days" not in rules(seven_days)


def test_kaiser_deposit_needs_housing_navigation(open_reference):
    no_tars = InMemoryReference(
        open_reference.eligibility_spans,
        [t for t in open_reference.authorization_list if t.code not in ("H2016", "H0043")],
        open_reference.providers,
        open_reference.rates,
    )
    deposit = claim(line("H0044", "U2", start="2026-11-10", cost="1500.00"), plan="kp")
    without = run(deposit, no_tars, plan="kp")
    assert without.disposition == "RFI" and "requires_service_in_progress" in rules(without, "rfi")
    navigating = run(deposit, no_tars, [past("H2016-U6", "2026-10-01", allowed="390.00")], plan="kp")
    assert "requires_service_in_progress" not in rules(navigating)
    long_ago = run(deposit, no_tars, [past("H2016-U6", "2026-05-13", allowed="390.00")], plan="kp")  # 181 days before
    assert "requires_service_in_progress" in rules(long_ago)
    assert "requires_service_in_progress" not in rules(run(deposit, open_reference, plan="kp"))  # a navigation TAR
    partnership = claim(line("H0044", "U2", start="2026-11-10", cost="1500.00"))
    assert "requires_service_in_progress" not in rules(run(partnership, no_tars))  # Partnership states no such rule


def test_tar_listing_gq_still_authorizes_the_service(open_reference):
    tar = Authorization("T-GQ", MEMBER, NPI, "phc", "G9008", ("U1", "GQ"), date(2026, 1, 1), date(2026, 12, 31))
    reference = InMemoryReference(open_reference.eligibility_spans, [tar], open_reference.providers)
    assert "authorized" not in rules(run(claim(line("G9008", "U1-GQ"), tar="T-GQ"), reference))
    assert "authorized" not in rules(run(claim(line("G9008", "U1"), tar="T-GQ"), reference))
    other = replace(tar, number="T-U2", code="G9012", modifiers=("U2", "GQ"))
    reference = InMemoryReference(open_reference.eligibility_spans, [other], open_reference.providers)
    assert "authorized" in rules(run(claim(line("G9008", "U1"), tar="T-U2"), reference), "deny")


# ---- citations for people ------------------------------------------------------------------------


def test_findings_cite_documents_by_title(open_reference):
    result = run(claim(line("G9008", "U1", dx="Z59.0")), open_reference)
    for finding in result.findings:
        assert not any(key in finding.cite.split() for key in ("000", "001", "003", "004")), finding.cite
    tips = "Partnership HealthPlan ECM/CS Billing Tips"
    assert for_people("001 ECM Services: once per month") == f"{tips} — ECM Services: once per month"
    assert for_people("approved up to $5,000 (001)") == f"approved up to $5,000 ({tips})"
    assert RECEIVED  # the builders' received date is the one these dates are chosen around


def test_letters_cite_documents_by_title(open_reference):
    from claims_intake.letters.compose import denial_notice, rejection_letter

    rejected = run(claim(line("G9008", "U1", dx="Z59.0")), open_reference)
    letter = rejection_letter(rejected, "c-1", date(2026, 11, 30))
    denied = run(claim(line("G9008", "U1", start="2026-10-22")), open_reference, [past("G9008-U1", "2026-10-08")])
    notice = denial_notice(denied, "c-2", date(2026, 11, 30))
    texts = [*letter.cites, *(item.cite for item in letter.items), *notice.cites]
    assert any("Kaiser Permanente Claims Guidance" in text for text in letter.cites)
    assert any("Partnership HealthPlan ECM/CS Billing Tips" in text for text in notice.cites)
    for text in texts:
        assert not any(word.strip(":;,()") in ("000", "001", "003", "004") for word in text.split()), text


def test_a_category_read_with_doubt_goes_to_staff_not_to_the_provider(open_reference):
    from .builders import low_confidence

    item = low_confidence(line("G9008", "U1", dx="Z59.0"), "diagnosis_codes", 0.41, raw="Z59.0")
    result = run(claim(item, tar="T-0"), open_reference)
    finding = next(f for f in result.findings if f.rule == "diagnosis_codes_billable")
    assert finding.severity == "review" and finding.would_be == "reject"
    assert {(v.element, v.line) for v in finding.rests_on} == {("diagnosis_codes", 1), ("service_start_date", 1)}

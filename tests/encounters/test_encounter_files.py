"""Every encounter file passes pyx12 (X222A1 map, JSON errors) with 0 errors and the encounter checks.

The claims come from a generator wider than the samples (claims_intake_dev.testdata.decided). Seeds 0-2 were
used while building the writer; seeds 1000-1002 are held out (never looked at while tuning).
"""

from datetime import date, datetime
from decimal import Decimal

import pytest

from claims_intake.catalog import plan_profile
from claims_intake.check.result import LineDisposition
from claims_intake.encounters import (
    NotEncodable,
    NothingToReport,
    build_encounter,
    check_encounter_file,
    line_policy,
    write_encounters,
)
from claims_intake.encounters.build import REPLACEMENT
from claims_intake_dev.testdata.decided import decided_results
from claims_intake_dev.x12_validation import validate_x12

DECIDED_ON = date(2026, 11, 2)
TUNING_SEEDS = [0, 1, 2]
HELD_OUT_SEEDS = [1000, 1001, 1002]


class Numbers:
    def __init__(self, first: int = 1):
        self.next = first

    def take(self, count):
        block = list(range(self.next, self.next + count))
        self.next += count
        return block


def encounters_of(count, seed):
    built = []
    for result in decided_results(count, seed):
        try:
            built.append(build_encounter(result, decided_on=DECIDED_ON))
        except NotEncodable:
            continue
    return built


def write(encounters, first=1):
    return write_encounters(encounters, Numbers(first), created=datetime(2026, 11, 2, 9, 0))


@pytest.mark.parametrize("seed", TUNING_SEEDS + HELD_OUT_SEEDS)
def test_generated_claims_make_files_that_pass_pyx12_and_the_encounter_checks(seed):
    encounters = encounters_of(150, seed)
    assert len(encounters) > 80  # most generated claims are encodable: the file is not trivially small
    written = write(encounters)
    validation = validate_x12(written.text)
    assert validation.errors == [], validation.errors[:5]
    assert validation.valid
    assert check_encounter_file(written.text) == []
    assert written.text.count("CLM*") == len(encounters)
    assert set(written.claim_ids) == {e.claim_id for e in encounters}


def test_each_plan_gets_its_own_group_and_submitter():
    encounters = encounters_of(60, 3)
    written = write(encounters)
    plans = sorted({e.plan for e in encounters})
    assert sorted(written.group_control_numbers) == plans
    groups = [line for line in written.text.splitlines() if line.startswith("GS*")]
    assert len(groups) == len(plans)
    for plan in plans:
        submitter = plan_profile(plan).data["encounters"]["submitter_id"]
        assert any(line.split("*")[2] == submitter for line in groups)
    assert all(line.endswith("*RP~") for line in written.text.splitlines() if line.startswith("BHT*"))  # encounters


def test_which_lines_go_follows_the_plan_setting():
    results = decided_results(200, 11)
    for result in results:
        policy = line_policy(plan_profile(result.plan))
        try:
            encounter = build_encounter(result, decided_on=DECIDED_ON)
        except NothingToReport:
            assert (
                policy == "payable" and all(d.disposition is LineDisposition.DENIED for d in result.lines)
            ) or not _dhcs_lines(result)
            continue
        except NotEncodable:
            continue
        paid = [line.adjudication.paid for line in encounter.claim.lines]
        if policy == "payable":
            assert len(encounter.claim.lines) == sum(
                1 for line, d in _pairs(result) if d.disposition is LineDisposition.PAYABLE and _in_dhcs(line)
            )
        else:
            assert len(encounter.claim.lines) == sum(1 for line, _ in _pairs(result) if _in_dhcs(line))
        assert encounter.claim.other_payer.paid == sum(paid, Decimal("0"))


def test_a_denied_line_goes_as_a_denied_encounter_with_its_reason_when_the_plan_reports_all_lines():
    result = next(r for r in decided_results(300, 12) if r.plan == "kp" and _denied_dhcs_line(r))
    encounter = build_encounter(result, decided_on=DECIDED_ON)
    line, _ = _denied_dhcs_line(result)
    carried = next(
        sent for sent in encounter.claim.lines if sent.code == line.procedure_code and sent.charge == line.charge_amount
    )
    assert carried.adjudication.paid == 0
    (adjustment,) = carried.adjudication.adjustments
    assert adjustment.group == "CO" and adjustment.amount == line.charge_amount and adjustment.reason.isalnum()


def test_partnership_only_g9012_never_goes_to_dhcs():
    results = [r for r in decided_results(400, 13) if r.plan == "phc"]
    lonely = [r for r in results if any(line.combination == "G9012" for line in r.claim.lines)]
    assert lonely
    for result in lonely:
        try:
            encounter = build_encounter(result, decided_on=DECIDED_ON)
        except NotEncodable:
            continue
        assert all(line.modifiers for line in encounter.claim.lines if line.code == "G9012")


def test_a_claim_with_a_diagnosis_that_is_not_billable_is_held_for_staff():
    result = decided_results(1, 5)[0]
    result.claim.lines[0].diagnosis_codes = ["Z9119"]  # a category with subcodes: not billable
    with pytest.raises(NotEncodable, match="Z9119 is not a billable ICD-10-CM code"):
        build_encounter(result, decided_on=DECIDED_ON)


def test_a_replacement_carries_frequency_7_and_the_original_reference():
    result = next(r for r in decided_results(20, 6) if r.claim.member_address)
    encounter = build_encounter(
        result, decided_on=DECIDED_ON, frequency=REPLACEMENT, original_reference=result.claim.claim_id
    )
    text = write([encounter]).text
    assert ":B:7*" in text and f"REF*F8*{result.claim.claim_id}~" in text
    assert validate_x12(text).errors == []


def _bad_npi(text):
    start = text.index("*XX*") + 4
    npi = text[start : start + 10]
    wrong = npi[:9] + str((int(npi[9]) + 1) % 10)
    return text[:start] + wrong + text[start + 10 :]


def _first_clm_total(text, total):
    start = text.index("CLM*")
    parts = text[start:].split("*", 3)
    return text[:start] + "*".join([parts[0], parts[1], total, parts[3]])


@pytest.mark.parametrize(
    "corrupt, problem",
    [
        (_bad_npi, "wrong check digit"),
        (lambda t: _first_clm_total(t, "0.01"), "is not the sum of its SV102"),
        (lambda t: t.replace("SV1*HC:", "SV1*HC:A9999:", 1), "not a DHCS ECM/CS code"),
        (lambda t: t.replace("HI*ABK:", "HI*ABK:Z9119*ABF:", 1), "not a billable code"),
        (lambda t: t.replace(":B:1*", ":B:Q*", 1), "frequency code 'Q'"),
    ],
)
def test_the_encounter_checks_find_what_pyx12_does_not(corrupt, problem):
    text = write(encounters_of(10, 8)).text
    broken = corrupt(text)
    assert broken != text
    problems = check_encounter_file(broken)
    assert any(problem in p for p in problems), problems


def _pairs(result):
    decided = {line.line_number: line for line in result.lines}
    return [(line, decided[line.line_number]) for line in result.claim.lines]


def _in_dhcs(line):
    from claims_intake.catalog import dhcs_catalog

    return dhcs_catalog().lookup(line.procedure_code, line.procedure_modifiers)[0] is not None


def _dhcs_lines(result):
    return [line for line, _ in _pairs(result) if _in_dhcs(line)]


def _denied_dhcs_line(result):
    denied = [(line, d) for line, d in _pairs(result) if d.disposition is LineDisposition.DENIED and _in_dhcs(line)]
    return denied[0] if denied else None

"""OCR confidence calibration: the reader's signals per value -> P(value right), fitted as data."""

import itertools
import json
from datetime import date
from decimal import Decimal
from importlib import resources

import numpy as np
import pytest
import yaml

from claims_intake.catalog import plans_data
from claims_intake.check.doubt import thresholds
from claims_intake.cms1500 import places
from claims_intake.model import Claim, Provenance, ServiceLine
from claims_intake.ocr import calibration
from claims_intake.spreadsheet.headers import synonyms
from claims_intake.validators import npi_check_digit
from claims_intake_dev.calibrate import fit, fit_isotonic, fit_logistic, jobs_for, value_records
from claims_intake_dev.calibrate import own_check_ceiling as fit_ceiling

NPI = "123456789" + npi_check_digit("123456789")


def _scanned_claim(npi: str = NPI, npi_confidence: float = 0.6, repaired: str | None = None) -> Claim:
    claim = Claim(source_kind="scan", pages=[1])
    claim.set_raw("billing_provider_npi", npi, Provenance(box="33a", confidence=npi_confidence, repaired=repaired))
    claim.set_raw("invoice_amount", "30.00", Provenance(box="28", confidence=0.9))
    line = ServiceLine(line_number=1)
    line.set_raw("charge_amount", "30.00", Provenance(box="24F line 1", confidence=0.4))
    line.set_raw("service_start_date", "2025-03-04", Provenance(box="24A line 1", confidence=0.95))
    line.set_raw("service_end_date", "2025-03-04", Provenance(box="24A line 1", confidence=0.95))
    claim.lines.append(line)
    claim.extras[calibration.REGISTRATION_EXTRA] = {"score": 0.7, "coverage": 0.9}
    return claim


def _signals(claim: Claim, key: str, line: int | None = None) -> dict[str, float]:
    ref = next(r for r in calibration.scanned_values(claim) if r.key == key and r.line == line)
    return dict(zip(calibration.feature_names(), calibration.value_signals(claim, ref), strict=True))


def test_signals_name_the_group_the_reader_confidence_and_the_cross_checks():
    signals = _signals(_scanned_claim(), "billing_provider_npi")
    assert signals["npi:intercept"] == 1.0
    assert signals["npi:logit_confidence"] == pytest.approx(np.log(0.6 / 0.4))
    assert signals["npi:check_agrees"] == 1.0 and signals["npi:check_fails"] == 0.0  # the check digit holds
    assert signals["date:intercept"] == 0.0  # only the value's own group is set
    assert signals["registration_score"] == 0.7 and signals["registration_coverage"] == 0.9


def test_a_coarse_scan_is_a_signal_that_grows_as_the_resolution_falls():
    claim = _scanned_claim()
    assert _signals(claim, "billing_provider_npi")["npi:coarse_scan"] == 0.0  # stored before the signal: full detail
    levels = {}
    for dpi in (600.0, 300.0, 200.0, 98.0):
        claim.extras[calibration.REGISTRATION_EXTRA]["resolution"] = dpi
        levels[dpi] = _signals(claim, "billing_provider_npi")["npi:coarse_scan"]
    assert levels[600.0] == levels[300.0] == 0.0
    assert 0.0 < levels[200.0] < levels[98.0] <= 1.01


def test_a_failing_check_digit_and_an_unconfirmed_repair_are_signals():
    bad = NPI[:-1] + str((int(NPI[-1]) + 1) % 10)
    signals = _signals(_scanned_claim(bad, repaired="one digit changed"), "billing_provider_npi")
    assert signals["npi:check_fails"] == 1.0
    assert signals["npi:repaired"] == 1.0 and signals["repair_confirmed"] == 0.0
    confirmed = _signals(
        _scanned_claim(repaired="letters read as digits, confirmed by the NPI check digit"), "billing_provider_npi"
    )
    assert confirmed["npi:repaired"] == 0.0 and confirmed["repair_confirmed"] == 1.0


def test_box_28_agreeing_with_the_lines_is_a_signal_for_every_amount():
    claim = _scanned_claim()
    assert _signals(claim, "invoice_amount")["money:check_agrees"] == 1.0
    assert _signals(claim, "charge_amount", line=1)["money:check_agrees"] == 1.0
    claim.lines[0].charge_amount = Decimal("31.00")
    assert _signals(claim, "charge_amount", line=1)["money:check_fails"] == 1.0


def test_service_dates_out_of_order_disagree():
    claim = _scanned_claim()
    claim.lines[0].service_end_date = date(2025, 3, 1)
    assert _signals(claim, "service_start_date", line=1)["date:check_fails"] == 1.0


def test_box_31_is_vouched_for_only_by_service_dates_that_rest_on_no_unconfirmed_repair():
    claim = _scanned_claim()
    claim.set_raw("invoice_date", "2025-03-10", Provenance(box="31", confidence=0.7))
    assert _signals(claim, "invoice_date")["date:check_agrees"] == 1.0
    # the line's dates only the fax reader read, for staff to verify: nothing vouches for box 31
    for key in ("service_start_date", "service_end_date"):
        claim.lines[0].provenance[key] = Provenance(box="24A line 1", confidence=0.3, repaired="read by the fax reader")
    signals = _signals(claim, "invoice_date")
    assert signals["date:check_agrees"] == 0.0 and signals["date:check_fails"] == 0.0
    claim.lines[0].provenance["service_end_date"] = Provenance(
        box="24A line 1", confidence=0.9, repaired="read by the fax reader, confirmed by box 28 total"
    )
    assert _signals(claim, "invoice_date")["date:check_agrees"] == 1.0


@pytest.mark.parametrize(
    ("start", "end", "fails"), [(date(2025, 8, 13), date(2025, 9, 13), 1.0), (date(2025, 3, 1), date(2025, 3, 31), 0.0)]
)
def test_service_dates_one_confusable_digit_apart_disagree(start, end, fails):
    claim = _scanned_claim()
    claim.lines[0].service_start_date, claim.lines[0].service_end_date = start, end
    # 08/13 to 09/13 is most likely one day with a month cell misread; 03/01 to 03/31 is a month of service
    assert _signals(claim, "service_start_date", line=1)["date:check_fails"] == fails


@pytest.mark.parametrize(
    ("units", "charge", "fails"),
    [
        ("3", "407.25", 0.0),  # 135.75 a unit
        ("43", "407.25", 1.0),  # a speck read as a leading 4: no whole-cent rate
        ("0", "407.25", 1.0),  # a charge on no units
        ("1.5", "18.50", 0.0),  # 12.33 an hour for an hour and a half, rounded to the cent
        ("7", "30.00", 1.0),
    ],
)
def test_units_that_no_whole_cent_rate_turns_into_the_charge_disagree(units, charge, fails):
    claim = _scanned_claim()
    line = claim.lines[0]
    line.set_raw("unit_count", units, Provenance(box="24G line 1", confidence=0.99))
    line.charge_amount = Decimal(charge)
    assert _signals(claim, "unit_count", line=1)["cell:check_fails"] == fails
    assert _signals(claim, "unit_count", line=1)["cell:check_agrees"] == 0.0


def test_units_off_the_rate_the_claims_other_lines_bill_for_the_service_disagree():
    claim = _scanned_claim()
    for number, (units, charge) in enumerate((("1", "135.75"), ("2", "271.50"), ("4", "135.75")), start=1):
        line = claim.lines[0] if number == 1 else ServiceLine(line_number=number)
        line.procedure_code, line.charge_amount = "H0043", Decimal(charge)
        line.set_raw("unit_count", units, Provenance(box=f"24G line {number}", confidence=0.99))
        if number > 1:
            claim.lines.append(line)
    # 135.75 divides by 4, but lines 1 and 2 bill 135.75 a unit: line 3's `4` was a `1`
    assert _signals(claim, "unit_count", line=3)["cell:check_fails"] == 1.0
    assert _signals(claim, "unit_count", line=2)["cell:check_fails"] == 0.0


def _table(weights: dict[str, float], knots_x=(0.0, 1.0), knots_y=(0.0, 1.0)) -> calibration.Calibration:
    return calibration.Calibration.from_table(
        {"weights": weights, "isotonic": {"x": list(knots_x), "y": list(knots_y)}}
    )


def test_calibrate_claims_replaces_confidences_and_lists_what_staff_verify():
    # A model that trusts a value exactly as far as its NPI check digit and the reader's score say.
    model = _table({f"{g}:logit_confidence": 1.0 for g in calibration.GROUPS} | {"npi:check_agrees": 6.0})
    claim = _scanned_claim(npi_confidence=0.6)
    calibration.calibrate_claims([claim], model)
    assert claim.provenance["billing_provider_npi"].confidence > 0.99  # the check digit vouches for it
    assert claim.lines[0].provenance["charge_amount"].confidence == pytest.approx(0.4, abs=0.01)
    threshold = calibration.review_threshold()
    flagged = claim.extras["needs_verification"]
    assert "lines[1].charge_amount" in flagged and "billing_provider_npi" not in flagged
    assert all(claim.lines[0].provenance[k.split(".")[1]].confidence < threshold for k in flagged if "." in k)


def test_a_sure_repair_is_listed_for_staff_unless_a_check_confirmed_it():
    # However sure the calibration is of it, a value the reader changed is the intake's guess until
    # another box confirms the change.
    model = _table({"npi:intercept": 8.0})
    guessed = _scanned_claim(repaired="one digit changed")
    calibration.calibrate_claims([guessed], model)
    assert guessed.provenance["billing_provider_npi"].confidence >= calibration.review_threshold()
    assert "billing_provider_npi" in guessed.extras["needs_verification"]
    confirmed = _scanned_claim(repaired="one digit changed, confirmed by the ZIP code table")
    calibration.calibrate_claims([confirmed], model)
    assert "billing_provider_npi" not in confirmed.extras.get("needs_verification", [])


def test_calibration_keeps_the_repair_mark():
    model = _table({"npi:intercept": 8.0})
    claim = _scanned_claim(repaired="one digit changed")
    calibration.calibrate_claims([claim], model)
    assert claim.provenance["billing_provider_npi"].repaired == "one digit changed"  # the check still doubts it


def test_isotonic_map_is_non_decreasing_and_matches_shares():
    scores = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    right = np.array([0, 1, 0, 1, 1, 1])
    knots_x, knots_y = fit_isotonic(scores, right, prior=0.0)  # the plain shares
    assert all(a <= b for a, b in itertools.pairwise(knots_y))
    assert np.interp(0.6, knots_x, knots_y) == 1.0 and np.interp(0.1, knots_x, knots_y) == 0.0
    assert np.interp(0.25, knots_x, knots_y) == pytest.approx(0.5)  # 0.2 and 0.3 pooled: one of two right


def test_isotonic_shares_are_smoothed_so_a_small_block_is_not_overstated():
    scores = np.linspace(0.0, 1.0, 148)
    right = np.array([0] * 50 + [1] * 2 + [0] * 2 + [1] * 94)  # the last block: 94 right of 94
    knots_x, knots_y = fit_isotonic(scores, right)
    assert all(a <= b for a, b in itertools.pairwise(knots_y))
    assert np.interp(1.0, knots_x, knots_y) == pytest.approx(95 / 96, abs=1e-6)  # Laplace: (94 + 1) / (94 + 2)
    assert np.interp(0.0, knots_x, knots_y) > 0.0  # never a certainty from a finite sample
    few = fit_isotonic(np.array([0.1, 0.2, 0.3]), np.array([1, 1, 1]))
    assert max(few[1]) == pytest.approx(4 / 5)  # three right of three is not 1.0


def test_logistic_fit_recovers_a_known_model():
    rng = np.random.default_rng(3)
    x = np.column_stack([np.ones(4000), rng.normal(size=4000)])
    y = (rng.random(4000) < 1 / (1 + np.exp(-(1.0 + 2.0 * x[:, 1])))).astype(float)
    weights = fit_logistic(x, y, ridge=0.01)
    assert weights == pytest.approx([1.0, 2.0], abs=0.25)


def test_fit_on_collected_forms_orders_right_values_above_wrong_ones():
    forms = []
    for seed in range(40):
        claim = _scanned_claim(npi_confidence=0.5 + seed / 100)
        wrong_charge = seed % 4 == 0
        forms.append(
            {
                "profile": "synthetic",
                "seed": seed,
                "claim": claim.to_output(),
                "right": {
                    "billing_provider_npi": True,
                    "invoice_amount": True,
                    "lines[1].charge_amount": not wrong_charge,
                }
                | {"lines[1].service_start_date": True, "lines[1].service_end_date": True},
            }
        )
    records = value_records(forms)
    assert len(records) == 40 * 5
    table = fit(records)
    model = calibration.Calibration.from_table(table)
    probabilities = model.probability(np.array([r["signals"] for r in records]))
    right = np.array([r["right"] for r in records])
    assert probabilities[right].mean() > probabilities[~right].mean()


def test_the_shipped_table_fits_the_signals_of_this_code():
    """A change to the signals without a refit (make calibrate) fails here, not silently in production."""
    table = json.loads(resources.files("claims_intake").joinpath(calibration.TABLE).read_text("utf-8"))
    assert table["features"] == calibration.feature_names()
    assert set(table["weights"]) == set(calibration.feature_names())
    knots = table["isotonic"]["y"]
    assert all(a <= b for a, b in itertools.pairwise(knots)) and knots[0] >= 0 and knots[-1] <= 1
    assert calibration.fitted() is not None


def test_one_source_for_each_doubt_threshold():
    check = plans_data()["check"]
    assert synonyms().review_below == thresholds().match_score == float(check["match_score_threshold"])
    assert calibration.review_threshold() == thresholds().confidence == float(check["ocr_confidence_threshold"])
    for data, key in (("header_synonyms.yaml", "review_below"), ("ocr.yaml", "review_confidence")):
        text = resources.files("claims_intake").joinpath(f"data/{data}").read_text("utf-8")
        assert key not in yaml.safe_load(text)


def test_marks_the_parse_dropped_from_an_amount_are_noise_for_every_amount():
    claim = _scanned_claim()
    assert _signals(claim, "invoice_amount")["raw_noise"] == 0.0
    claim.lines[0].provenance["charge_amount"] = (
        claim.lines[0]
        .provenance["charge_amount"]
        .model_copy(
            update={"raw": "3= 00"}  # a last dollar digit lost against the dollars/cents rule
        )
    )
    assert _signals(claim, "charge_amount", line=1)["raw_noise"] == 1.0
    assert _signals(claim, "invoice_amount")["raw_noise"] == 1.0  # box 28 agreeing with a lost digit proves nothing
    assert _signals(claim, "billing_provider_npi")["raw_noise"] == 0.0


@pytest.mark.parametrize(("raw", "noisy"), [("(11/26/2026", True), ("01/26/2026 |", True), ("01/26/2026", False)])
def test_a_parenthesis_or_a_bar_beside_a_dates_digits_is_noise(raw, noisy):
    claim = _scanned_claim()
    claim.set_raw("invoice_date", "2025-03-26", Provenance(box="31", confidence=0.9, raw=raw))
    assert _signals(claim, "invoice_date")["raw_noise"] == float(noisy)
    claim.set_raw("billing_provider_address", "(12 OAK AVE)", Provenance(box="33", confidence=0.9, raw="(12 OAK AVE)"))
    assert _signals(claim, "billing_provider_address")["raw_noise"] == 0.0  # free text may hold parentheses


def test_dot_matrix_print_is_a_signal():
    claim = _scanned_claim()
    assert _signals(claim, "billing_provider_npi")["dotted_print"] == 0.0  # stored before the signal: solid
    claim.extras[calibration.REGISTRATION_EXTRA]["solid_print"] = 0.0
    assert _signals(claim, "billing_provider_npi")["dotted_print"] == 1.0


def _with_text(claim: Claim, key: str, value: str, raw: str | None = None, item: Claim | ServiceLine | None = None):
    (item or claim).set_raw(key, value, Provenance(box="33", confidence=0.9, raw=raw or value))
    return claim


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("billing_provider_address", "611 EL. CAMINO REAL"),  # a speck read as a period after a word
        ("billing_provider_name", "KERN COMMUNITY. HEALTH PARTNERS"),
        ("billing_provider_name", "VALLEY RE:SPITE CENTER"),  # a mark inside a word
        ("billing_provider_address", "$89 SONOMA AVE"),  # a 4 read as '$'
        ("member_address", "6]2 EL CAMINO REAL"),
        ("invoice_number", "ECM.-2026-76961"),  # two marks together
        ("medical_record_number", "CS~2025-61058"),
        ("billing_provider_address", "2664 PINE S1"),  # a street's suffix misread
        ("billing_provider_address", "323) PINE ST"),  # a parenthesis never opened: a 1 that lost its foot
        ("billing_provider_name", "VALLEY (RESPITE CENTER"),
    ],
)
def test_a_mark_the_value_grammar_does_not_allow_is_word_noise(key, value):
    claim = _with_text(_scanned_claim(), key, value)
    assert _signals(claim, key)["word_noise"] == 1.0


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("billing_provider_address", "1200 N. MAIN ST."),  # an initial and a USPS abbreviation
        ("billing_provider_address", "P.O. BOX 4410"),
        ("billing_provider_name", "O'BRIEN & SONS MEDICAL GROUP, INC."),
        ("member_address", "12 1/2 OAK AVE #3"),
        ("invoice_number", "ECM-2026-76961"),
        ("authorization_number", "TAR696456781"),
        ("billing_provider_name", "VALLEY CARE S1"),  # the street grammar is for streets only
        ("billing_provider_name", "SMITH (DBA ACME CARE)"),
    ],
)
def test_ordinary_names_addresses_and_numbers_are_not_word_noise(key, value):
    claim = _with_text(_scanned_claim(), key, value)
    assert _signals(claim, key)["word_noise"] == 0.0


def test_word_noise_is_only_for_free_text_and_identifiers():
    claim = _scanned_claim()
    assert _signals(claim, "billing_provider_npi")["word_noise"] == 0.0


def test_a_zip_outside_the_state_read_beside_it_fails_its_own_check():
    claim = _with_text(_scanned_claim(), "billing_provider_state", "CA", "OAKLAND CA 04612")
    _with_text(claim, "billing_provider_zip", "04612", "OAKLAND CA 04612")  # 046: Maine, not California
    signals = _signals(claim, "billing_provider_zip")
    assert signals["text:check_fails"] == 1.0 and signals["own_check_fails"] == 1.0
    state = _signals(claim, "billing_provider_state")  # either may be the one misread: both go to staff
    assert state["text:check_fails"] == 1.0 and state["own_check_fails"] == 1.0
    _with_text(claim, "billing_provider_zip", "94612", "OAKLAND CA 94612")
    assert _signals(claim, "billing_provider_zip")["own_check_fails"] == 0.0
    assert _signals(claim, "billing_provider_state")["own_check_fails"] == 0.0
    _with_text(claim, "billing_provider_state", "GA", "EUREKA GA 94612")  # a C read as G
    assert _signals(claim, "billing_provider_state")["text:check_fails"] == 1.0
    _with_text(claim, "billing_provider_state", "UA", "NAPA UA 94612")  # no such state code
    assert _signals(claim, "billing_provider_state")["own_check_fails"] == 1.0
    _with_text(claim, "billing_provider_state", "AP", "FPO AP 96612")  # a military code: not in the table
    assert _signals(claim, "billing_provider_state")["own_check_fails"] == 0.0
    _with_text(claim, "billing_provider_zip", "9461", "OAKLAND CA 9461")
    assert _signals(claim, "billing_provider_zip")["own_check_fails"] == 1.0  # not a ZIP at all


def test_box_5_zip_is_checked_against_the_box_5_state():
    claim = _with_text(_scanned_claim(), "member_zip", "04612")
    assert _signals(claim, "member_zip")["text:check_fails"] == 0.0  # no state read: nothing to check against
    claim.extras["member_state"] = "CA"
    assert _signals(claim, "member_zip")["text:check_fails"] == 1.0
    claim.extras["member_state"] = "ME"
    assert _signals(claim, "member_zip")["text:check_fails"] == 0.0


def test_the_zip_prefix_table_covers_california_and_every_state_once():
    prefixes = places.zip_prefixes()
    assert prefixes["CA"] == ((900, 961),)
    assert prefixes["AP"] == ()  # listed as a code, no prefixes checked
    owners: dict[int, str] = {}
    for state, spans in prefixes.items():
        for low, high in spans:
            for prefix in range(low, high + 1):
                assert prefix not in owners, f"{prefix:03d} in {owners.get(prefix)} and {state}"
                owners[prefix] = state


def test_a_phone_number_without_ten_digits_fails_its_own_check():
    claim = _with_text(_scanned_claim(), "billing_provider_phone", "916120148", "916 $12-0148")
    assert _signals(claim, "billing_provider_phone")["own_check_fails"] == 1.0
    _with_text(claim, "billing_provider_phone", "9165120148", "916 512-0148")
    assert _signals(claim, "billing_provider_phone")["own_check_fails"] == 0.0


def test_a_phone_that_does_not_parse_fails_its_own_check():
    claim = _scanned_claim()
    assert claim.set_raw("billing_provider_phone", "916 512 O148", Provenance(box="33", confidence=0.99))
    assert _signals(claim, "billing_provider_phone")["own_check_fails"] == 1.0


@pytest.mark.parametrize(
    ("phone", "state", "agrees", "own_fails"),
    [
        ("5305382508", "CA", 1.0, 0.0),
        ("4305382508", "CA", -1.0, 0.0),  # a California 530 read 430, a Texas area code: weighed, not capped
        ("8005551234", "CA", 1.0, 0.0),  # toll-free: any state
        ("7071994520", "CA", -1.0, 1.0),  # no exchange starts with 1
        ("9994974382", "CA", -1.0, 1.0),  # no such area code
        ("5305382508", None, 0.0, 0.0),
    ],
)
def test_the_phone_is_checked_against_the_area_codes_and_the_state_read_in_box_33(phone, state, agrees, own_fails):
    claim = _scanned_claim()
    claim.set_raw("billing_provider_phone", phone, Provenance(box="33", confidence=0.99))
    if state:
        claim.set_raw("billing_provider_state", state, Provenance(box="33", confidence=0.99))
    signals = _signals(claim, "billing_provider_phone")
    assert signals["text:check_agrees"] - signals["text:check_fails"] == agrees
    assert signals["own_check_fails"] == own_fails


def test_the_area_code_table_names_california_and_toll_free_codes():
    states = calibration.area_code_states()
    assert {states[npa] for npa in (209, 213, 415, 530, 916, 951)} == {"CA"}
    assert states[800] == states[888] == "other" and states[212] == "NY" and 123 not in states


def test_the_same_box_21_code_twice_in_a_line_fails_its_check():
    claim = _scanned_claim()
    line = claim.lines[0]
    line.set_raw("diagnosis_codes", ["F329", "F329"], Provenance(box="24E line 1", confidence=0.9, raw="Cc"))
    signals = _signals(claim, "diagnosis_codes", line=1)
    assert signals["diagnosis:check_fails"] == 1.0 and signals["own_check_fails"] == 1.0
    line.set_raw("diagnosis_codes", ["F329", "Z5900"], Provenance(box="24E line 1", confidence=0.9, raw="CA"))
    assert _signals(claim, "diagnosis_codes", line=1)["diagnosis:check_agrees"] == 1.0


def test_a_box_21_code_the_code_set_does_not_know_fails_its_check():
    claim = _scanned_claim()
    line = claim.lines[0]
    line.set_raw("diagnosis_codes", ["B1020"], Provenance(box="24E line 1", confidence=0.9, raw="A"))  # no such code
    assert _signals(claim, "diagnosis_codes", line=1)["own_check_fails"] == 1.0
    line.set_raw("diagnosis_codes", ["B1001"], Provenance(box="24E line 1", confidence=0.9, raw="A"))  # billable
    assert _signals(claim, "diagnosis_codes", line=1)["own_check_fails"] == 0.0


def test_a_box_21_category_fails_its_cross_check():
    claim = _scanned_claim()
    line = claim.lines[0]
    line.set_raw("diagnosis_codes", ["T329"], Provenance(box="24E line 1", confidence=0.9, raw="A"))  # F32.9's F as T
    signals = _signals(claim, "diagnosis_codes", line=1)
    assert signals["diagnosis:check_fails"] == 1.0
    assert signals["own_check_fails"] == 0.0  # a provider may write one: weighed by the fit, not capped


def test_a_value_failing_its_own_check_never_rises_above_the_fitted_ceiling():
    table = {"weights": {"npi:intercept": 8.0}, "isotonic": {"x": [0.0, 1.0], "y": [0.0, 1.0]}}
    model = calibration.Calibration.from_table(table | {"ceilings": {"own_check_fails": 0.06}})
    bad = NPI[:-1] + str((int(NPI[-1]) + 1) % 10)
    failing, passing = _scanned_claim(bad), _scanned_claim()
    calibration.calibrate_claims([failing, passing], model)
    assert failing.provenance["billing_provider_npi"].confidence == pytest.approx(0.06)
    assert passing.provenance["billing_provider_npi"].confidence > 0.99
    uncapped = calibration.Calibration.from_table(table)  # an older table without the ceiling: no cap
    claim = _scanned_claim(bad)
    calibration.calibrate_claims([claim], uncapped)
    assert claim.provenance["billing_provider_npi"].confidence > 0.99


def test_the_fit_sets_the_ceiling_to_the_share_right_of_values_failing_their_own_check():
    names = calibration.feature_names()
    x = np.zeros((10, len(names)))
    x[:, names.index("npi:intercept")] = 1.0
    x[:4, names.index("own_check_fails")] = 1.0
    y = np.array([0, 0, 0, 1, 1, 1, 1, 1, 1, 1], dtype=float)
    assert fit_ceiling(x, y) == pytest.approx((1 + 1) / (4 + 2))


def test_page_doubt_is_the_share_of_the_other_values_read_badly():
    clean = _scanned_claim()
    assert {_signals(clean, key)["page_doubt"] for key in ("billing_provider_npi", "invoice_amount")} == {0.0}
    smudged = _scanned_claim(npi="1234567890")  # the NPI fails its check digit: one sign among five values
    assert _signals(smudged, "invoice_amount")["page_doubt"] == pytest.approx(1 / 4)
    assert _signals(smudged, "billing_provider_npi")["page_doubt"] == 0.0  # its own sign is not counted


def test_page_doubt_of_a_lone_value_is_zero():
    claim = Claim(source_kind="scan", pages=[1])
    claim.set_raw("billing_provider_npi", "1234567890", Provenance(box="33a", confidence=0.6))
    refs, vectors = calibration.claim_signals(claim)
    assert len(refs) == 1 and vectors[0, calibration.feature_names().index("page_doubt")] == 0.0


def test_the_profiles_read_wrong_most_often_get_more_forms_from_the_same_seed_range():
    jobs = jobs_for(2, False, ["office", "fax_standard"], more=["fax_standard"], more_forms=3)
    assert [seed for profile, seed in jobs if profile == "office"] == [30000, 30001]
    assert [seed for profile, seed in jobs if profile == "fax_standard"] == [30000, 30001, 30002, 30003, 30004]
    assert jobs[:2] == [("office", 30000), ("fax_standard", 30000)]  # round-robin: any prefix covers every profile

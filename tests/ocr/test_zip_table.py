"""A scanned city, state and ZIP checked against the ZIP code table: agreement, disagreement, the repairs and
their flags (cms1500/places.py, mapping.check_address, the calibration's cross-check)."""

import pytest

from claims_intake.cms1500 import mapping, parse, places
from claims_intake.model import Claim, Provenance
from claims_intake.ocr import calibration
from claims_intake_dev.testdata import scans


def test_a_city_state_and_zip_of_one_place_agree():
    assert places.agreement("BAKERSFIELD", "CA", "93301") == 1
    assert places.agreement("Bakersfield", "ca", "93301-1234") == 1  # case and a ZIP+4 do not matter
    assert places.agreement("SN LUIS OBISP", "CA", "93401") == 1  # a name USPS accepts beside the primary one
    assert places.agreement("PIEDMONT", "CA", "94620") == places.agreement("OAKLAND", "CA", "94620") == 1


def test_a_zip_of_another_place_another_state_or_none_disagrees():
    assert places.agreement("BAKERSFIELD", "CA", "93401") == -1  # San Luis Obispo's ZIP
    assert places.agreement("BAKERSFIELD", "GA", "93301") == -1  # a C read as G
    assert places.agreement("DELANO", "CA", "94215") == -1  # no such ZIP
    assert places.agreement("BAKERSFIELI", "CA", "93301") == -1  # no such name of the ZIP


def test_what_the_table_cannot_judge_is_neither_agreement_nor_disagreement():
    assert places.agreement(None, "CA", "93301") == 0
    assert places.agreement("BAKERSFIELD", "CA", "9330") == 0  # malformed: the ZIP's own check fails it
    assert places.agreement("KESWICK", "CA", "96001") == 0  # a name USPS knows for the ZIP but does not accept


def test_a_city_a_letter_or_two_off_a_name_of_the_zip_read_is_repaired_and_confirmed_by_the_table():
    for read, city, zip_code in (("BAKERSFIELI", "BAKERSFIELD", "93301"), ("LURLKA", "EUREKA", "95501")):
        found = places.repair(read, "CA", zip_code)
        assert found is not None and (found.city, found.state, found.zip_code) == (city, "CA", zip_code)
        assert found.changed == ("city",) and found.confirmed
        assert places.CONFIRMED_BY_TABLE in found.note and read in found.note


def test_a_state_misread_is_repaired_when_city_and_zip_name_one_place():
    found = places.repair("EUREKA", "GA", "95501")
    assert found is not None and found.state == "CA" and found.changed == ("state",) and found.confirmed


def test_a_zip_one_digit_off_one_of_the_citys_is_repaired_for_staff_never_confirmed():
    found = places.repair("BAKERSFIELD", "CA", "93401")
    assert found is not None and found.zip_code == "93301" and found.changed == ("zip",)
    assert not found.confirmed and places.CONFIRMED_BY_TABLE not in found.note
    found = places.repair("DELANO", "CA", "94215")
    assert found is not None and found.zip_code == "93215" and not found.confirmed


def test_no_repair_when_nothing_or_more_than_one_place_is_within_reach():
    assert places.repair("BAKERSFIELD", "CA", "93301") is None  # they agree: nothing to repair
    assert places.repair("ZZZZTOWN", "CA", "93301") is None  # no name near
    assert places.repair("BAKERSFIELD", "CA", "93310") is None  # 93301, 93311, 93312, ... all Bakersfield's
    assert places.repair("BAKERSFIELD", "NV", "93401") is None  # no Bakersfield in the state read


def _address_claim(city: str, state: str, zip_code: str, confidence: float = 0.98) -> Claim:
    claim = Claim(source_kind="scan", pages=[1])
    raw = f"{city} {state} {zip_code}"
    for key, value in (
        ("billing_provider_city", city),
        ("billing_provider_state", state),
        ("billing_provider_zip", zip_code),
    ):
        claim.set_raw(key, value, Provenance(box="33", raw=raw, confidence=confidence))
    return claim


def test_the_mapping_flags_an_unconfirmed_repair_for_staff():
    claim = _address_claim("BAKERSFIELD", "CA", "93401")
    mapping.check_address(claim, *places.ADDRESSES[1])
    assert claim.billing_provider_zip == "93301"
    source = claim.provenance["billing_provider_zip"]
    assert source.repaired and "93401" in source.repaired and source.confidence <= mapping.REPAIRED_CONFIDENCE
    assert claim.provenance["billing_provider_city"].repaired is None  # the city was read as it is


def test_the_mapping_keeps_a_confirmed_repair_above_the_floor_and_says_what_confirmed_it():
    claim = _address_claim("Santa Roba", "CA", "95404-1234", confidence=0.5)
    mapping.check_address(claim, *places.ADDRESSES[1])
    assert claim.billing_provider_city == "SANTA ROSA"  # as USPS writes it
    assert claim.provenance["billing_provider_zip"].repaired is None  # the ZIP+4 stays as read
    source = claim.provenance["billing_provider_city"]
    assert source.confidence >= 0.9 and "confirmed by the ZIP code table" in (source.repaired or "")


def test_box_5s_state_read_for_the_extras_is_repaired_there():
    claim = Claim(source_kind="scan", pages=[1])
    claim.set_raw("member_city", "DELANO", Provenance(box="5", confidence=0.9))
    claim.set_raw("member_zip", "93215", Provenance(box="5", confidence=0.9))
    claim.extras["member_state"] = "GA"
    mapping.check_address(claim, *places.ADDRESSES[0])
    assert claim.extras["member_state"] == "CA" and claim.extras["member_state_read"] == "GA"


def _signals(claim: Claim, key: str) -> dict[str, float]:
    ref = next(r for r in calibration.scanned_values(claim) if r.key == key)
    return dict(zip(calibration.feature_names(), calibration.value_signals(claim, ref), strict=True))


def test_the_calibration_counts_agreement_and_disagreement_for_all_three_values():
    agreeing = _address_claim("EUREKA", "CA", "95501")
    for key in places.ADDRESSES[1]:
        assert _signals(agreeing, key)["text:check_agrees"] == 1.0
    disagreeing = _address_claim("EUREKA", "CA", "95404")  # Santa Rosa's ZIP: one of the two was misread
    for key in places.ADDRESSES[1]:
        signals = _signals(disagreeing, key)
        assert signals["text:check_fails"] == 1.0 and signals["own_check_fails"] == 1.0  # all three to staff


def test_a_zip_no_table_knows_fails_its_own_check():
    assert _signals(_address_claim("DELANO", "CA", "94215"), "billing_provider_zip")["own_check_fails"] == 1.0


def test_values_the_table_chose_get_no_agreement_from_it_and_a_confirmed_one_counts_as_confirmed():
    claim = _address_claim("BAKERSFIELD", "CA", "93401")
    mapping.check_address(claim, *places.ADDRESSES[1])
    for key in places.ADDRESSES[1]:  # the ZIP was chosen to fit the city: no independent agreement left
        assert _signals(claim, key)["text:check_agrees"] == 0.0
    assert _signals(claim, "billing_provider_zip")["text:repaired"] == 1.0
    confirmed = _address_claim("LURLKA", "CA", "95501")
    mapping.check_address(confirmed, *places.ADDRESSES[1])
    signals = _signals(confirmed, "billing_provider_city")
    assert signals["repair_confirmed"] == 1.0 and signals["text:repaired"] == 0.0


def test_the_generator_draws_real_places_from_many_cities():
    assert len({city for city, _ in scans.places_of("CA")}) > 800
    drawn = [scans.sample_claim(seed).expected["elements"] for seed in range(1, 41)]
    cities = {e["billing_provider_city"] for e in drawn} | {e["member_city"] for e in drawn}
    assert len(cities) > 30
    for e in drawn:
        state, zip_code = e["billing_provider_state"], e["billing_provider_zip"]
        assert places.agreement(e["billing_provider_city"], state, zip_code) == 1


def test_the_table_is_loaded_on_the_first_look_up_never_at_import():
    import subprocess
    import sys

    probe = "import sys, claims_intake.extract, claims_intake.ocr.calibration, claims_intake.cms1500.mapping; "
    probe += "print('zipcodes' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_a_zip_read_with_a_digit_lost_or_doubled_is_repaired_when_one_zip_of_the_city_fits():
    lost = places.repair("EUREKA", "CA", "9551")
    assert lost is not None and lost.zip_code == "95501" and not lost.confirmed
    doubled = places.repair("EUREKA", "CA", "955011")
    assert doubled is not None and doubled.zip_code == "95501"
    assert places.repair("SANTA ANA", "CA", "9270") is None  # 92701, 92702, 92703 ... all Santa Ana's


def test_the_mapping_repairs_a_zip_read_with_a_digit_lost():
    claim = _address_claim("EUREKA", "CA", "9551")
    mapping.check_address(claim, *places.ADDRESSES[1])
    assert claim.billing_provider_zip == "95501" and "billing_provider_zip" not in claim.invalid
    assert claim.provenance["billing_provider_zip"].confidence <= mapping.REPAIRED_CONFIDENCE


def test_names_of_one_zip_near_the_reading_are_one_place_not_a_tie():
    found = places.repair("SAN LUIS OBISPO", "CA", "93110")  # Santa Barbara's; 93410 has SLO and SN LUIS OBISP
    assert found is not None and (found.city, found.zip_code) == ("SAN LUIS OBISPO", "93410")


def test_with_no_zip_read_the_city_is_checked_against_the_states_places():
    assert places.agreement("APTOS", "CA", None) == places.agreement("APTOS", "CA", "USOtH") == 0
    assert places.agreement("NAN JOSE", "CA", None) == -1  # no place of California
    found = places.repair("NAN JOSE", "CA", "05E26")
    assert found is not None and found.city == "SAN JOSE" and found.changed == ("city",) and not found.confirmed
    assert places.CHOSEN_BY_TABLE in found.note
    assert places.repair("ORANGA", "CA", None) is None  # ORANGE, TOPANGA, MORAGA, ORINDA as near: no choice


def test_a_repaired_city_keeps_capitals_when_a_misreading_left_a_small_letter_among_them():
    claim = Claim(source_kind="scan", pages=[1])
    claim.set_raw("member_city", "SClO", Provenance(box="5", confidence=0.9))  # SCIO with its I read as l
    claim.set_raw("member_zip", "97374", Provenance(box="5", confidence=0.9))
    claim.extras["member_state"] = "OR"
    mapping.check_address(claim, *places.ADDRESSES[0])
    assert claim.member_city == "SCIO"


@pytest.mark.parametrize(
    ("line", "split"),
    [
        ("FONTANA (\u2018A 92337", ("FONTANA", "(\u2018A", "92337")),  # CA read as a mark and an A
        ("LOS MOLINOS (A 96055", ("LOS MOLINOS", "(A", "96055")),
        ("OAKLAND CA 94607", ("OAKLAND", "CA", "94607")),
    ],
)
def test_a_line_whose_state_read_as_a_mark_and_a_letter_still_splits(line, split):
    assert parse.split_city_state_zip(line) == split
    assert parse.split_city_state_zip("A (B 92337") is None  # no city of two letters or more


def test_a_state_read_as_no_state_is_taken_from_the_zip_when_the_city_is_one_of_its_names():
    for read in ("A", "UN"):
        found = places.repair("FONTANA", read, "92337")
        assert found is not None and found.state == "CA" and found.changed == ("state",) and found.confirmed
    assert places.repair("FONTANA", "NV", "92337") is None  # a real state two letters off: not this place


def test_a_zip_one_digit_off_is_looked_for_in_a_state_a_letter_off_when_the_state_read_has_none():
    found = places.repair("ROSEVILLE", "GA", "95078")
    assert found is not None and (found.state, found.zip_code) == ("CA", "95678")
    assert found.changed == ("state", "zip") and not found.confirmed


def test_the_mapping_takes_a_state_read_as_a_mark_from_the_zip_confirmed():
    claims, _ = mapping.claims_from_pages(
        "f.tif",
        [
            mapping.FormPage(
                1, {"doc_location": mapping.Reading("FONTANA (A 92337", 0.6), "cpt1": mapping.Reading("G9008")}
            )
        ],
        source_kind="scan",
        claim_id_prefix="t",
        review_confidence=0.8,
    )
    claim = claims[0]
    assert (claim.billing_provider_city, claim.billing_provider_state, claim.billing_provider_zip) == (
        "FONTANA",
        "CA",
        "92337",
    )
    assert places.CONFIRMED_BY_TABLE in claim.provenance["billing_provider_state"].repaired

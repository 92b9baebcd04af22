"""Names, addresses and account numbers: the punctuation their grammar allows, and a speck's period dropped."""

import pytest

from claims_intake.cms1500 import parse, text_grammar


@pytest.mark.parametrize(
    ("read", "taken", "word"),
    [
        ("611 EL. CAMINO REAL", "611 EL CAMINO REAL", "'EL.'"),
        ("KERN COMMUNITY. HEALTH PARTNERS", "KERN COMMUNITY HEALTH PARTNERS", "'COMMUNITY.'"),
    ],
)
def test_a_period_no_abbreviation_explains_is_dropped_as_a_flagged_repair(read, taken, word):
    fixed = parse.fix_address(read)
    assert fixed.text == taken
    assert fixed.repaired and word in fixed.repaired and "speck" in fixed.repaired
    assert fixed.factor < 1.0


@pytest.mark.parametrize(
    "read",
    [
        "1200 N. MAIN ST. STE. 4",  # an initial and USPS abbreviations
        "P.O. BOX 4410",
        "ST. HELENA HOSPITAL INC.",
        "VALLEY RESPITE CENTER",
        "12 1/2 OAK AVE",
    ],
)
def test_periods_an_abbreviation_or_initial_explains_stay(read):
    fixed = parse.fix_address(read)
    assert fixed.text == read.rstrip(".") and fixed.repaired is None  # fix_text strips a last period, as before


def test_a_period_at_the_end_is_stripped_as_before_without_a_repair():
    fixed = parse.fix_address("KERN COMMUNITY.")
    assert fixed.text == "KERN COMMUNITY" and fixed.repaired is None


def test_a_period_after_digits_is_not_taken_for_a_speck():
    assert parse.fix_address("STE 12. OAK AVE").repaired is None  # a number may end a sentence-like run


@pytest.mark.parametrize(
    ("value", "noisy"),
    [
        ("$89 SONOMA AVE", True),
        ("VALLEY RE:SPITE CENTER", True),
        ("EL. CAMINO REAL", True),
        ("O'BRIEN & SONS, INC.", False),
        ("1200 N. MAIN ST", False),
        ("KERN COMMUNI'TY HEALTH PARTNERS", True),  # an apostrophe no English word has there
        ("ST. MARY'S RESPITE", False),
        ("D'ANGELO CARE", False),
        ("WE'LL CARE", False),
        ("HORT COAST nJuSinG Seis VIC IS", True),  # capitals read as a mixture of letters and lookalikes
        ("McDonald Family Services", False),
        ("DeLEON RESPITE", False),
        ("North Coast Housing", False),
        ("3ROWN", True),  # a B read as a 3
        ("1200 S0NOMA AVE", True),
        ("211 21ST AVE APT 12B", False),
        ("4TH STREET RESPITE", False),
        ("1 11TH ST", False),
        ("REDWOOD ECM PARTNERS poe yee", True),  # rule remnants read as small letters
        ("HOUSE of HOPE", False),
        ("Maria de la Cruz", False),
        ("NORTH COASTHOUSINGSERVICES", True),  # the spaces lost
        ("NEURODEVELOPMENTAL SERVICES", False),
    ],
)
def test_text_noise(value, noisy):
    assert text_grammar.text_noise(value) is noisy


@pytest.mark.parametrize(
    ("value", "noisy"), [("ECM.-2026-76961", True), ("CS~2025-61058", True), ("ECM-2026-76961", False)]
)
def test_identifier_noise(value, noisy):
    assert text_grammar.identifier_noise(value) is noisy


@pytest.mark.parametrize(
    ("street", "noisy"),
    [
        ("2664 PINE S1", True),  # ST read as S1
        ("385 OAK AVF", True),
        ("2617 FOURTH 51", True),
        ("4454 MAIN NT", True),
        ("2664 PINE ST", False),
        ("1766 TRUXTUN AVE.", False),
        ("9786 EL CAMINO REAL", False),
        ("500 BROADWAY", False),
        ("12 OAK AVE APT 4", False),
        ("12 OAK AVE STE 110", False),
        ("12 OAK AVE # 3", False),
        ("12 OAK AVE #3", False),
        ("40 MAIN ST N", False),
    ],
)
def test_a_street_ends_with_its_suffix_a_long_word_or_a_unit(street, noisy):
    assert text_grammar.street_end_noise(street) is noisy


@pytest.mark.parametrize(
    ("read", "taken"),
    [
        ("\u2018GOLDEN STATE MEAL SERVICES", "GOLDEN STATE MEAL SERVICES"),  # a speck read as a quote
        ("\u00abKERN COMMUNITY HEALTH PARTNERS", "KERN COMMUNITY HEALTH PARTNERS"),
        ("\u2018989 FOURTH ST", "989 FOURTH ST"),
        ("SOLAN\u00aeO CARE LINK", "SOLANO CARE LINK"),  # a mark no name holds, inside a word
    ],
)
def test_marks_no_name_or_address_holds_are_dropped_as_a_flagged_repair(read, taken):
    fixed = parse.fix_address(read)
    assert fixed.text == taken
    assert fixed.repaired and read in fixed.repaired and fixed.factor < 1.0


@pytest.mark.parametrize("read", ["SMITH (DBA ACME)", "#12 MAIN ST", "O'BRIEN & SONS", "614% UNIVERSITY AVE"])
def test_marks_a_name_may_hold_and_a_mark_touching_a_digit_stay(read):
    fixed = parse.fix_address(read)
    assert fixed.text == read and fixed.repaired is None  # '614%': a digit misread, not a speck to drop


@pytest.mark.parametrize(
    ("read", "taken"),
    [
        ("4889 SONOMA AVI", "4889 SONOMA AVE"),
        ("385 OAK AVF", "385 OAK AVE"),
        ("2615 MISSION SI", "2615 MISSION ST"),
        ("4404 MAIN $7", "4404 MAIN ST"),
        ("{039 SONOMA AVE", "1039 SONOMA AVE"),  # a 1 whose serifs the fax kept
        ("11] MARKET ST", "111 MARKET ST"),
    ],
)
def test_a_street_suffix_or_house_number_a_misreading_off_is_repaired_for_staff(read, taken):
    fixed = parse.fix_street(read)
    assert fixed.text == taken and fixed.repaired and fixed.factor < 1.0


@pytest.mark.parametrize(
    "read",
    [
        "100 MAIN ST",
        "12 OAK ST APT 4",  # a unit's number
        "5 BROADWAY",
        "9 MAIN ST N",  # a directional
        "6912 MARKET SP",  # ST and SQ equally near: no one suffix
        "4454 MAIN NT",  # ST, CT, PT equally near; MT stands before a name, not at the end
    ],
)
def test_a_street_line_no_one_suffix_explains_is_left_as_read(read):
    fixed = parse.fix_street(read)
    assert fixed.text == read and fixed.repaired is None


def test_the_suffixes_a_reading_is_taken_for_are_usps_standard_abbreviations_that_end_a_line():
    suffixes = text_grammar.suffixes_to_snap()
    assert {"ST", "AVE", "BLVD", "RD", "DR", "WAY"} <= suffixes
    assert not suffixes & {"MT", "FT", "INC", "LLC", "APT"}
    assert text_grammar.street_suffixes() <= text_grammar.grammar()[0]  # a period may end each of them

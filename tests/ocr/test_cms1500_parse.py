"""Per-box rules of the CMS-1500 reader: OCR confusions corrected with domain knowledge."""

from decimal import Decimal

import pytest

from claims_intake.cms1500 import mapping, parse
from claims_intake.cms1500.mapping import FormPage, Reading, claims_from_pages
from claims_intake.validators import is_valid_npi, npi_check_digit


def test_icd10_leading_digit_becomes_letter():
    # OCR confuses Z and 2: '2590' read in box 21 is Z590.
    assert parse.fix_icd10("2590").text == "Z590"
    assert parse.fix_icd10("259.01").text == "Z5901"
    assert parse.fix_icd10("Z59.01").factor == 1.0
    assert parse.fix_icd10("2590").factor < 1.0


def test_hcpcs_is_a_letter_and_four_digits():
    assert parse.fix_hcpcs("69008").text == "G9008"
    assert parse.fix_hcpcs("$9470").text == "S9470"
    assert parse.fix_hcpcs("T2O33").text == "T2033"
    assert parse.fix_hcpcs("HO0044").text == "H0044"  # doubled O/0: the one catalog code that fits
    assert parse.fix_hcpcs("99213").text == "99213"  # a CPT code stays as written


def test_npi_single_digit_repaired_by_check_digit_only_when_unambiguous():
    nine = "123456789"
    npi = nine + npi_check_digit(nine)
    assert is_valid_npi(parse.fix_npi(npi).text)
    assert npi[7] == "8"
    garbled = npi[:7] + "B" + npi[8:]  # OCR read the 8 as a B
    assert parse.fix_npi(garbled).text == npi
    wrong_digit = npi[:-1] + str((int(npi[-1]) + 5) % 10)
    fixed = parse.fix_npi(wrong_digit)
    assert fixed.factor < 1.0  # repaired or flagged, never silently trusted
    assert is_valid_npi(fixed.text) or fixed.note == "NPI check digit fails"


def test_an_npi_read_with_digits_beside_it_is_the_one_run_of_ten_that_passes_for_staff():
    npi = "1966750147"
    assert is_valid_npi(npi)
    fixed = parse.fix_npi(npi + "000")  # a rule's remnant read after it
    assert fixed.text == npi and fixed.repaired and fixed.factor < 1.0 and fixed.floor < parse.CONFIRMED
    assert parse.fix_npi("1234567890123").text == "1234567890123"  # no run passes: kept as read, failing


def test_money_dollars_and_cents():
    assert parse.fix_money("125 00").text == "125.00"
    assert parse.fix_money("1,250  50").text == "1250.50"
    assert parse.fix_money("125").text == "125.00"
    assert parse.fix_money("12S 5O").text == "125.50"


def test_pointers_and_dates():
    assert parse.fix_pointers("A B").text == "AB"
    assert parse.fix_pointers("12").text == "AB"  # numeric pointers of the old 08/05 form
    assert parse.date_from_cells("03", "05", "26").text == "03/05/2026"
    assert parse.date_from_cells("04", "17", "61", birth=True).text == "04/17/1961"
    assert parse.fix_date("O3/31/2026").text == "03/31/2026"


def test_a_pointer_letter_read_twice_is_kept_once_and_doubted():
    # each 24E pointer names a box-21 code once: 'Cc' is one C read twice, not the same code billed twice
    fixed = parse.fix_pointers("Cc")
    assert fixed.text == "C" and fixed.factor < 1.0 and "repeated" in fixed.repaired
    assert parse.fix_pointers("AB").repaired is None


def test_a_character_no_pointer_is_dropped_from_24e_for_staff():
    # 'AS' (B read as S): the S names no box-21 letter; dropping it changes what was read, so staff verify it
    fixed = parse.fix_pointers("As")
    assert fixed.text == "A" and fixed.factor < 1.0 and "'S' names no box-21 letter" in fixed.repaired
    assert parse.fix_pointers("A, B").repaired is None  # separators are no characters of the pointers


def test_a_repeated_pointer_is_not_confirmed_by_box_21():
    line = {**_line(1), "diag1": "AA"}
    claims, _ = claims_from_pages(
        "f.pdf", [_page(1, **HEADER, **line)], source_kind="scan", claim_id_prefix="x", review_confidence=0.8
    )
    source = claims[0].lines[0].provenance["diagnosis_codes"]
    assert claims[0].lines[0].diagnosis_codes == ["Z5901"]
    assert source.confidence < parse.CONFIRMED and "repeated" in source.repaired


def test_an_icd10_category_is_kept_as_read_not_snapped_to_a_billable_neighbour():
    # E11 (a category: E11.9 and others are billable) is what a provider may well have written: the
    # check tells the provider; the reader must not turn it into E41, another disease one character away
    assert parse.fix_icd10("E11").text == "E11"
    # ... but staff look first: E41 is one misread away, and the check would reject the category
    assert "kept as read" in parse.fix_icd10("E11").repaired and "E41" in parse.fix_icd10("E11").repaired
    # a category no billable code is one misread from stays as read, for the check to judge
    assert parse.fix_icd10("S90.1").repaired is None and not parse.billable_icd10("S901")
    # a reading one confusion away from a billable code and from no category is still snapped, for staff
    assert parse.fix_icd10("Z5944").text == "Z5941" and parse.fix_icd10("Z5944").repaired


def test_city_state_zip_and_names():
    assert parse.split_city_state_zip("SANTA ROSA CA 95404") == ("SANTA ROSA", "CA", "95404")
    assert parse.split_city_state_zip("Oakland, CA 94607-1234") == ("Oakland", "CA", "946071234")
    assert parse.split_city_state_zip("SANTA ROSA CA 95404.") == ("SANTA ROSA", "CA", "95404")  # a speck after
    assert parse.split_city_state_zip("\u201cSANTA ROSA CA'95404") == ("SANTA ROSA", "CA", "95404")
    # a digit lost from the ZIP keeps the city and state, and the ZIP is marked, not passed on as read
    assert parse.split_city_state_zip("EUREKA CA 9551") == ("EUREKA", "CA", "9551")
    assert parse.fix_zip("9551").factor == parse.INVALID and parse.fix_zip("95501").factor == 1.0
    assert parse.fix_zip("955011234").factor == 1.0
    # a letter or a mark inside the ZIP, or noise after it: the line still splits, the letters are marked
    assert parse.split_city_state_zip("AZJSA CA 9L7/02") == ("AZJSA", "CA", "9L702")
    assert parse.fix_zip("9L702").text == "91702" and parse.fix_zip("9L702").repaired
    assert parse.split_city_state_zip("MARIPOSA CA 953 38 _ oe ee") == ("MARIPOSA", "CA", "95338")
    # a ZIP read as letters after a state in capitals: the city and state are kept, the ZIP is the junk read
    assert parse.split_city_state_zip("APTOS CA USOtH") == ("APTOS", "CA", "USOtH")
    assert parse.split_city_state_zip("CHANDA A 9)") is None  # no state: the line stays unsplit
    # a rule the line was typed across, read as dashes between the words; a ZIP+4's own dash stays
    assert parse.split_city_state_zip("HOLTVILLE -CA-92250") == ("HOLTVILLE", "CA", "92250")
    assert parse.split_city_state_zip("HOLTVILLE_CA_92250-1234") == ("HOLTVILLE", "CA", "922501234")
    assert parse.split_person_name("GARCIA, MARIA, L") == ("GARCIA", "MARIA", "L")
    # the comma before the middle initial left out or lost on a fax: the lone letter is the initial
    assert parse.split_person_name("MARTINEZ, WILLIAM F") == ("MARTINEZ", "WILLIAM", "F")
    assert parse.split_person_name("MARTINEZ, WILLIAM F.") == ("MARTINEZ", "WILLIAM", "F")
    assert parse.split_person_name("LE, AN") == ("LE", "AN", "")
    assert parse.split_person_name("DE LA CRUZ, MARIA JOSE") == ("DE LA CRUZ", "MARIA JOSE", "")
    assert parse.fix_text("3908 SONOMA AVE ,").text == "3908 SONOMA AVE"


def _page(number, **fields):
    return FormPage(number, {name: Reading(value, 0.95) for name, value in fields.items()})


def _line(n, code="G9008", charge="100 00"):
    return {
        f"sv{n}_mm_from": "03",
        f"sv{n}_dd_from": f"{n:02d}",
        f"sv{n}_yy_from": "26",
        f"place{n}": "12",
        f"cpt{n}": code,
        f"mod{n}": "U1",
        f"diag{n}": "A",
        f"ch{n}": charge,
        f"day{n}": "1",
    }


HEADER = {
    "insurance_id": "91234567A",
    "pt_name": "DOE, JANE",
    "pin": "1234567893",
    "tax_id": "941234567",
    "diagnosis1": "Z59.01",
    "pt_account": "INV-1",
}


def test_pointers_resolve_to_box_21_and_homeless_is_derived():
    claims, errors = claims_from_pages(
        "f.pdf",
        [_page(1, **HEADER, **_line(1), t_charge="100 00")],
        source_kind="scan",
        claim_id_prefix="x",
        review_confidence=0.8,
    )
    assert not errors
    claim = claims[0]
    assert claim.lines[0].diagnosis_codes == ["Z5901"]
    assert claim.member_homeless_indicator is True
    assert "Z5901" in claim.provenance["member_homeless_indicator"].derived
    assert claim.lines[0].unit_cost == Decimal("100.00")
    assert claim.lines[0].service_name.startswith("ECM In-Person")


def test_no_homeless_evidence_leaves_it_missing():
    header = {**HEADER, "diagnosis1": "F32.9"}
    claims, _ = claims_from_pages(
        "f.pdf", [_page(1, **header, **_line(1))], source_kind="scan", claim_id_prefix="x", review_confidence=0.8
    )
    assert claims[0].member_homeless_indicator is None


def test_seven_lines_continue_on_the_next_page():
    first = {**HEADER}
    for n in range(1, 7):
        first.update(_line(n))
    second = {**HEADER, **_line(1), "t_charge": "700 00"}
    claims, _ = claims_from_pages(
        "f.pdf", [_page(1, **first), _page(2, **second)], source_kind="scan", claim_id_prefix="x", review_confidence=0.8
    )
    assert len(claims) == 1
    assert len(claims[0].lines) == 7 and claims[0].pages == [1, 2]
    assert claims[0].invoice_amount == Decimal("700.00")
    assert "total_mismatch" not in claims[0].extras


def test_total_mismatch_lowers_confidence_and_low_confidence_is_marked():
    page = _page(1, **HEADER, **_line(1), t_charge="999 00")
    claims, _ = claims_from_pages("f.pdf", [page], source_kind="scan", claim_id_prefix="x", review_confidence=0.8)
    claim = claims[0]
    assert "total_mismatch" in claim.extras
    assert claim.confidence("invoice_amount") <= 0.5
    assert "invoice_amount" in claim.extras["needs_verification"]


@pytest.mark.parametrize("fields", [{}, {"pt_state": ""}])
def test_empty_page_is_an_error_not_a_claim(fields):
    claims, errors = claims_from_pages(
        "f.pdf", [_page(3, **fields)], source_kind="scan", claim_id_prefix="x", review_confidence=0.8
    )
    assert claims == [] and errors[0].code == "no_data" and errors[0].page == 3


def test_authorization_number_digits_after_a_prefix():
    assert parse.fix_authorization("TARO80827881").text == "TAR080827881"
    assert parse.fix_authorization("71494197924").text == "71494197924"


def test_authorization_number_letters_among_its_digits_are_digits_for_staff():
    fixed = parse.fix_authorization("TAROO1124853")  # two O's after the prefix: 7 digits of the 9 after it
    assert fixed.text == "TAR001124853" and fixed.repaired and fixed.factor < 1


def test_authorization_number_separators_are_dropped_unflagged():
    fixed = parse.fix_authorization("TAR-0808 27881")
    assert fixed.text == "TAR080827881" and fixed.repaired is None


def test_authorization_number_marks_dropped_or_read_as_digits_are_repairs():
    bar = parse.fix_authorization("4969430859 |")  # the last '1' lost its foot
    assert bar.text == "49694308591" and "'|'" in bar.repaired and bar.factor < 1
    speck = parse.fix_authorization("~71494197924")
    assert speck.text == "71494197924" and "'~'" in speck.repaired


def test_confirmed_values_get_a_confidence_floor():
    nine = "123456789"
    assert parse.fix_npi(nine + npi_check_digit(nine)).floor == parse.CONFIRMED


def test_hcpcs_letter_misread_as_digit_resolved_by_the_catalog():
    assert parse.fix_hcpcs("11019").text == "T1019"
    assert parse.fix_hcpcs("I2038").text == "T2038"


def test_text_and_identifier_cleanup():
    assert parse.fix_text("WASHINGTON, MEi, W").text == "WASHINGTON, MEI, W"
    assert parse.fix_text("Maria Lopez").text == "Maria Lopez"
    assert parse.fix_text("NORTH COAST HOUSING SERVICES /").text == "NORTH COAST HOUSING SERVICES"
    assert parse.fix_identifier("INV-2026-501 11").text == "INV-2026-50111"
    assert parse.fix_hcpcs("Gg008").text == "G9008"


@pytest.mark.parametrize(
    ("read", "payer"),
    [
        ("KALSER PERMANENTE", "KAISER PERMANENTE"),
        ("KERN HRALITH SYS'TEMS", "KERN HEALTH SYSTEMS"),
        ("KERN HEALTH SYS'TEMS", "KERN HEALTH SYSTEMS"),
        ("Kaisr Permanente", "Kaiser Permanente"),
        ("PARTNERSHIP HEALTHPLAN OF CALIFORNLA", "PARTNERSHIP HEALTHPLAN OF CALIFORNIA"),
    ],
)
def test_a_payer_name_a_letter_or_two_off_one_plan_is_taken_as_that_plan_flagged(read, payer):
    fixed = parse.fix_payer(read, mapping.payer_names())
    assert fixed.text == payer
    assert fixed.repaired and fixed.factor < 1.0 and fixed.confirmed_by is None


@pytest.mark.parametrize("read", ["KAISER PERMANENTE", "ANTHEM BLUE CROSS", "KAISER PLRMANLNTI", "KERN", "KHX"])
def test_a_payer_name_read_right_far_from_every_plan_or_too_short_stays_as_read(read):
    fixed = parse.fix_payer(read, mapping.payer_names())
    assert fixed.text == read and not fixed.repaired


def test_a_payer_name_between_two_plans_stays_as_read():
    names = {"NORTH VALLEY HEALTH": "one", "NORTH VALLEY WEALTH": "two"}
    assert parse.fix_payer("NORTH VALLEY HEALTX", names).text == "NORTH VALLEY HEALTX"
    assert parse.fix_payer("NORTH VALLEY HEALTX", {"NORTH VALLEY HEALTH": "one"}).text == "NORTH VALLEY HEALTH"

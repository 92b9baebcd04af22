"""What faxes and copies do to punctuation: a comma read as '.', a '1' read as '|'. Each repair is
flagged (below the review threshold, `repaired` says what changed); typed fillable-PDF values are
never repaired."""

from claims_intake.cms1500 import parse
from claims_intake.cms1500.mapping import FormPage, Reading, claims_from_pages

REVIEW = 0.80


def _claim(readings: dict[str, str], source_kind: str = "scan", confidence: float = 0.92):
    base = {"cpt1": "G9008", "mod1": "U1", "ch1": "100 00", "day1": "1"}
    page = FormPage(1, {name: Reading(text, confidence) for name, text in {**base, **readings}.items()})
    claims, errors = claims_from_pages(
        "f.pdf", [page], source_kind=source_kind, claim_id_prefix="t", review_confidence=REVIEW
    )
    assert not errors
    return claims[0]


def test_a_period_where_box_2_has_its_comma_splits_the_name_and_is_flagged():
    claim = _claim({"pt_name": "DAVIS. FATIMA, A"})
    assert (claim.member_last_name, claim.member_first_name) == ("DAVIS", "FATIMA")
    for key in ("member_last_name", "member_first_name"):
        assert claim.provenance[key].repaired and claim.provenance[key].confidence < REVIEW


def test_a_name_with_its_commas_is_not_repaired():
    claim = _claim({"pt_name": "DAVIS, FATIMA, A."})
    assert (claim.member_last_name, claim.member_first_name) == ("DAVIS", "FATIMA")
    assert not claim.provenance["member_last_name"].repaired


def test_a_typed_name_is_never_re_punctuated():
    claim = _claim({"pt_name": "DAVIS. FATIMA, A"}, source_kind="fillable_pdf", confidence=1.0)
    assert not claim.provenance["member_last_name"].repaired


def test_a_bar_beside_the_digits_of_an_account_number_is_a_flagged_one():
    fixed = parse.fix_identifier("CS-2026-2468 |")
    assert fixed.text == "CS-2026-24681" and fixed.repaired
    claim = _claim({"pt_account": "CS-2026-2468 |"})
    assert claim.invoice_number == "CS-2026-24681"
    assert claim.provenance["invoice_number"].repaired and claim.confidence("invoice_number") < REVIEW


def test_an_account_number_without_a_bar_is_untouched():
    assert parse.fix_identifier("INV-2026-501 11") == parse.Fixed("INV-2026-50111")


def test_a_modifier_no_combination_uses_is_doubted_on_a_scan_only():
    claim = _claim({"mod1": "YL"})  # G9008 has U1 and U8 (each two characters from YL): no one nearest
    assert claim.lines[0].procedure_modifiers == ["YL"]
    assert claim.lines[0].confidence("procedure_modifiers") < REVIEW
    typed = _claim({"mod1": "YL"}, source_kind="fillable_pdf", confidence=1.0)
    assert typed.lines[0].confidence("procedure_modifiers") == 1.0

"""24F against box 28 and against 24G units x a known rate: evidence that chooses between readings.

A repair the evidence confirms carries `repaired` (what changed and what confirmed it) and keeps a
confirmed confidence; one it cannot confirm is not made (staff read it)."""

from decimal import Decimal

from claims_intake.cms1500.mapping import FormPage, Reading, claims_from_pages

REVIEW = 0.80
PARTNERSHIP = "PARTNERSHIP HEALTHPLAN"  # plans.yaml: Partnership publishes G9008-U1 at 400.00, G9012 at 150.00


def _line(n: int, code: str, modifier: str, charge: str, units: str) -> dict[str, str]:
    cells = {
        f"sv{n}_mm_from": "03",
        f"sv{n}_dd_from": f"{n + 3:02d}",
        f"sv{n}_yy_from": "26",
        f"cpt{n}": code,
        f"ch{n}": charge,
        f"day{n}": units,
        f"diag{n}": "A",
    }
    if modifier:
        cells[f"mod{n}"] = modifier
    return cells


def _claim(readings: dict[str, str], confidence: float = 0.75):
    base = {"pt_name": "DOE, JANE", "diagnosis1": "Z59.01", "physician_date": "03/20/2026"}
    page = FormPage(1, {name: Reading(text, confidence) for name, text in {**base, **readings}.items()})
    claims, errors = claims_from_pages(
        "f.pdf", [page], source_kind="scan", claim_id_prefix="t", review_confidence=REVIEW
    )
    assert not errors
    return claims[0]


def test_blank_units_are_filled_from_a_confirmed_charge_and_the_plan_rate():
    claim = _claim({"insurance_name": PARTNERSHIP, **_line(1, "G9008", "U1", "400 00", ""), "t_charge": "400 00"})
    line = claim.lines[0]
    assert line.unit_count == Decimal("1")
    source = line.provenance["unit_count"]
    assert "rate 400.00" in source.repaired and "confirmed" in source.repaired
    assert source.confidence >= 0.9


def test_units_read_are_not_changed_by_the_plan_rate_alone():
    # Partnership pays 400.00 for G9008-U1, but a provider bills its own charge: 4 units at 100.00 stand.
    claim = _claim({"insurance_name": PARTNERSHIP, **_line(1, "G9008", "U1", "400 00", "4"), "t_charge": "400 00"})
    line = claim.lines[0]
    assert line.unit_count == Decimal("4") and not line.provenance["unit_count"].repaired


def test_units_are_left_as_read_without_a_known_rate():
    claim = _claim(
        {"insurance_name": "SOME OTHER PLAN", **_line(1, "G9008", "U1", "400 00", "4"), "t_charge": "400 00"}
    )
    line = claim.lines[0]
    assert line.unit_count == Decimal("4") and not line.provenance["unit_count"].repaired


def test_units_are_not_repaired_when_the_charge_itself_is_unconfirmed():
    # box 28 disagrees with 24F: the charge is doubtful, so it cannot vouch for a different unit count
    claim = _claim({"insurance_name": PARTNERSHIP, **_line(1, "G9008", "U1", "400 00", "4"), "t_charge": "900 00"})
    line = claim.lines[0]
    assert line.unit_count == Decimal("4") and not line.provenance["unit_count"].repaired
    assert line.provenance["unit_count"].confidence < REVIEW


def test_a_charge_equal_to_units_times_the_rate_confirms_both():
    claim = _claim({"insurance_name": PARTNERSHIP, **_line(1, "G9008", "U1", "800 00", "2")})
    line = claim.lines[0]
    assert line.confidence("unit_count") >= 0.9 and line.confidence("charge_amount") >= 0.9
    assert not line.provenance["unit_count"].repaired


def test_two_readings_fit_the_total_and_the_rate_chooses():
    # Read: 450.00 + 150.00 = 600.00 against box 28 550.00. Two one-digit repairs fit the total
    # (line 1 -> 400.00, or line 2 -> 100.00); only the first equals units x Partnership's rate.
    claim = _claim(
        {
            "insurance_name": PARTNERSHIP,
            **_line(1, "G9008", "U1", "450 00", "1"),
            **_line(2, "G9012", "", "150 00", "1"),
            "t_charge": "550 00",
        }
    )
    first, second = claim.lines
    assert first.charge_amount == Decimal("400.00") and second.charge_amount == Decimal("150.00")
    assert "box 28 total and 24G units x the rate" in first.provenance["charge_amount"].repaired


def test_two_readings_fit_the_total_and_no_rate_leaves_both_to_staff():
    claim = _claim(
        {
            "insurance_name": "SOME OTHER PLAN",
            **_line(1, "G9008", "U1", "450 00", "1"),
            **_line(2, "G9012", "", "150 00", "1"),
            "t_charge": "550 00",
        }
    )
    first, second = claim.lines
    assert first.charge_amount == Decimal("450.00") and second.charge_amount == Decimal("150.00")
    assert first.confidence("charge_amount") < REVIEW and claim.extras["total_mismatch"]


def test_a_rate_the_claims_other_lines_agree_on_is_a_known_rate():
    # No plan rate: two other G9008-U1 lines billed at 250.00 a unit make 250.00 the known rate.
    claim = _claim(
        {
            "insurance_name": "SOME OTHER PLAN",
            **_line(1, "G9008", "U1", "250 00", "1"),
            **_line(2, "G9008", "U1", "500 00", "2"),
            **_line(3, "G9008", "U1", "250 00", "4"),
            "t_charge": "1000 00",
        }
    )
    assert claim.lines[2].unit_count == Decimal("1")
    assert "rate 250.00" in claim.lines[2].provenance["unit_count"].repaired


def test_fillable_pdf_values_are_never_repaired_by_rate():
    page = FormPage(
        1,
        {
            name: Reading(text, 1.0)
            for name, text in {
                "pt_name": "DOE, JANE",
                "diagnosis1": "Z59.01",
                "insurance_name": PARTNERSHIP,
                **_line(1, "G9008", "U1", "400 00", "4"),
                "t_charge": "400 00",
            }.items()
        },
    )
    claims, _ = claims_from_pages(
        "f.pdf", [page], source_kind="fillable_pdf", claim_id_prefix="t", review_confidence=REVIEW
    )
    assert claims[0].lines[0].unit_count == Decimal("4")


def _claim_with_total_read(total: str, total_confidence: float, charge_confidence: float = 0.95):
    cells = {**_line(1, "G9008", "U1", "208 75", "1"), **_line(2, "G9012", "", "193 50", "1")}
    readings = {name: Reading(text, charge_confidence) for name, text in cells.items()}
    readings |= {"pt_name": Reading("DOE, JANE", 0.95), "diagnosis1": Reading("Z59.01", 0.95)}
    readings["t_charge"] = Reading(total, total_confidence)
    claims, _ = claims_from_pages(
        "f.pdf", [FormPage(1, readings)], source_kind="scan", claim_id_prefix="t", review_confidence=REVIEW
    )
    return claims[0]


def test_a_total_far_less_sure_than_every_charge_is_taken_from_their_sum_for_staff():
    # '294 87' is no single misread of the charges' sum, 402.25: the erase took typing that crossed box 28's print
    claim = _claim_with_total_read("294 87", total_confidence=0.1)
    assert claim.invoice_amount == Decimal("402.25")
    source = claim.provenance["invoice_amount"]
    assert "sum of the 24F charges" in source.repaired and "confirmed" not in source.repaired
    assert source.confidence < REVIEW
    # a total made from the charges vouches for none of them
    assert all(line.confidence("charge_amount") == 0.95 for line in claim.lines)
    assert "total_mismatch" not in claim.extras


def test_a_total_about_as_sure_as_the_charges_is_left_as_read_for_staff():
    claim = _claim_with_total_read("294 87", total_confidence=0.8)
    assert claim.invoice_amount == Decimal("294.87") and not claim.provenance["invoice_amount"].repaired
    assert "total_mismatch" in claim.extras


def test_a_one_the_dollars_cents_rule_left_before_the_cents_is_dropped_where_box_28_confirms():
    # the dashed rule kept beside the typing reads as a '1' before the cents: '2241 50' for 224.50 on two lines
    lines = {**_line(1, "G9008", "U1", "2241 50", "1"), **_line(2, "G9012", "", "1831 00", "1")}
    claim = _claim({**lines, "t_charge": "407 50"})
    assert [line.charge_amount for line in claim.lines] == [Decimal("224.50"), Decimal("183.00")]
    for line in claim.lines:
        source = line.provenance["charge_amount"]
        assert "dollars/cents rule" in source.repaired and "confirmed by box 28 total" in source.repaired
    assert claim.invoice_amount == Decimal("407.50") and not claim.provenance["invoice_amount"].repaired


def test_a_dollar_amount_ending_in_one_is_kept_when_the_amounts_add_up_or_nothing_else_fits():
    adds_up = _claim({**_line(1, "G9008", "U1", "2241 50", "1"), "t_charge": "2241 50"})
    assert adds_up.lines[0].charge_amount == Decimal("2241.50")
    assert not adds_up.lines[0].provenance["charge_amount"].repaired
    no_fit = _claim({**_line(1, "G9008", "U1", "2241 50", "1"), "t_charge": "300 00"})
    assert no_fit.lines[0].charge_amount == Decimal("2241.50")
    assert "dollars/cents rule" not in (no_fit.lines[0].provenance["charge_amount"].repaired or "")


def test_box_28_chooses_among_every_line_s_reading_with_and_without_a_final_one():
    # five charges whose dollars end in '1' as read, two of them the rule's; 32 choices, one adds up
    read = ["2241 50", "1831 00", "151 00", "301 00", "121 00"]
    cells = {
        key: value for n, charge in enumerate(read, 1) for key, value in _line(n, "G9012", "", charge, "1").items()
    }
    claim = _claim({**cells, "t_charge": "980 50"})
    assert [line.charge_amount for line in claim.lines] == [
        Decimal(v) for v in ("224.50", "183.00", "151", "301", "121")
    ]
    assert [bool(line.provenance["charge_amount"].repaired) for line in claim.lines] == [
        True,
        True,
        False,
        False,
        False,
    ]

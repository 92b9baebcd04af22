"""The code catalog (seed 003 v1.2) and plan profiles (seeds 000, 001, 004) as data."""

import json
from decimal import Decimal

import pytest

from claims_intake.catalog import dhcs_catalog, plan_profile
from claims_intake.cli import main


def test_catalog_has_the_43_dhcs_combinations():
    catalog = dhcs_catalog()
    assert len(catalog.combinations) == 43
    assert len(catalog.by_key) == 43  # no duplicates
    assert all(c.cite.startswith("003") for c in catalog.combinations)


@pytest.mark.parametrize(
    "key",
    [
        "G9007",
        "T1016-U8",
        "T1016-U8-GQ",
        "H0043-U3",
        "H0044-U3",
        "H2022-U5",
        "T2040-U6",
        "T2050-U6",
        "T2041-U6",
        "T2051-U6",
        "H2014-U6",
        "H2038-U6",
    ],
)
def test_catalog_carries_the_seed_003_specifics(key):
    assert key in dhcs_catalog().by_key


def test_per_15_minute_and_per_diem_alternatives_share_a_group():
    by_key = dhcs_catalog().by_key
    for fifteen, diem in [("T2040-U6", "T2050-U6"), ("T2041-U6", "T2051-U6"), ("H2014-U6", "H2038-U6")]:
        assert by_key[fifteen].unit == "per_15_minutes" and by_key[diem].unit == "per_diem"
        assert by_key[fifteen].service_group == by_key[diem].service_group


def test_gq_only_as_additional_modifier():
    catalog = dhcs_catalog()
    combo, telehealth = catalog.lookup("H0043", ["U6", "GQ"])
    assert combo.key == "H0043-U6" and telehealth
    assert catalog.lookup("H0043", ["GQ", "U6"]) == (None, False)
    assert catalog.lookup("G9008", ["U1", "GQ"])[0].key == "G9008-U1-GQ"
    assert catalog.lookup("G9008", []) == (None, False)  # G9008 alone defines no ECM service (003)


def test_housing_outreach_is_reportable_not_reimbursable():
    assert not dhcs_catalog().by_key["T1016-U8"].reimbursable


def test_partnership_profile_rates_and_conflicts():
    phc = plan_profile("phc")
    assert phc.rate("G9008-U1") == Decimal("400.00")
    assert phc.rate("T2033-U6") == Decimal("204.00")
    assert phc.lookup("G9012", [])[0].category == "ecm_engagement"  # 001: successful engagement, no modifier
    assert any(c["combination"] == "G9012" for c in phc.conflicts_with_dhcs)


def test_kern_invoices_only_for_stph_bed_holds():
    khs = plan_profile("khs")
    assert khs.accepts_invoice_for("H0043-U3") and not khs.accepts_invoice_for("T2033-U6")
    assert khs.accepts("T2050-U6")  # DHCS codes per 004 IV.A


def test_kaiser_penny_rule_and_t1002_conflict():
    kp = plan_profile("kp")
    assert kp.ecm_monthly_payment["subsequent_amount"] == "0.01"
    assert any(c["combination"] == "T1002-U6" for c in kp.conflicts_with_dhcs)
    assert not kp.accepts("T1002-U6")


def test_every_limit_cites_a_seed():
    for plan in ("kp", "phc", "khs"):
        for limit in plan_profile(plan).all_limits():
            assert limit["cite"][:3] in {"000", "001", "003", "004"}, limit


def test_cli_catalog_json_lists_all_combinations(capsys):
    assert main(["catalog", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["count"] == 43 and {"code", "modifiers", "program", "unit", "reimbursable", "cite"} <= set(
        data["combinations"][0]
    )


@pytest.mark.parametrize("plan", ["kp", "phc", "khs"])
def test_cli_catalog_plan_profile(plan, capsys):
    assert main(["catalog", "--plan", plan, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["plan"] == plan
    assert main(["catalog", "--plan", plan]) == 0
    assert "Combination" in capsys.readouterr().out

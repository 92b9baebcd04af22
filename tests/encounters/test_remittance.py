"""835 remittance advice (005010X221A1): one per provider per payment run, 0 pyx12 errors, and it balances."""

import io
import json
from contextlib import redirect_stdout
from datetime import date, datetime
from pathlib import Path

import pytest

from claims_intake.cli import main
from claims_intake.encounters import check_remittance_file, write_remittances
from claims_intake_dev.testdata.decided import decided_results
from claims_intake_dev.x12_validation import validate_x12

from .test_encounter_files import HELD_OUT_SEEDS, TUNING_SEEDS, Numbers

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "samples" / "reference"


def remittances(count, seed):
    results = decided_results(count, seed)
    return results, *write_remittances(
        results, Numbers(), paid_on=date(2026, 11, 25), created=datetime(2026, 11, 25, 8, 0)
    )


@pytest.mark.parametrize("seed", TUNING_SEEDS[:1] + HELD_OUT_SEEDS[:2])
def test_generated_payment_runs_pass_pyx12_and_balance(seed):
    results, files, left_out = remittances(40, seed)
    assert not left_out and files
    for remittance in files:
        assert validate_x12(remittance.text).errors == []
        assert check_remittance_file(remittance.text) == []
    assert sorted(c for f in files for c in f.claim_ids) == sorted(r.claim.claim_id for r in results)


def test_one_file_per_provider_and_plan_and_every_billed_line_reported():
    results, files, _ = remittances(30, 41)
    assert len(files) == len({(r.plan, r.claim.billing_provider_npi) for r in results})
    for remittance in files:
        payees = {line.rstrip("~").split("*")[4] for line in remittance.text.splitlines() if line.startswith("N1*PE*")}
        assert payees == {remittance.payee_npi}
    lines = sum(len(r.claim.lines) for r in results)
    assert sum(f.text.count("SVC*") for f in files) == lines  # the remittance reports denied lines too


def test_a_remittance_that_does_not_balance_is_caught():
    _, files, _ = remittances(10, 42)
    text = files[0].text
    start = text.index("BPR*I*") + len("BPR*I*")
    broken = text[:start] + "1" + text[start:]
    assert any("BPR02" in problem for problem in check_remittance_file(broken))


def test_the_cli_writes_the_835_of_an_upload(tmp_path):
    stdout = io.StringIO()
    with redirect_stdout(stdout):
        code = main(
            [
                "remittance",
                str(ROOT / "samples/uploads/1456700016/phc/solano-ccn-2026-11.xlsx"),
                "--reference",
                str(REFERENCE),
                "--history",
                str(REFERENCE / "history.csv"),
                "--received",
                "2026-11-20",
                "--out",
                str(tmp_path / "solano.835"),
                "--control-numbers",
                str(tmp_path / "counter"),
                "--format",
                "json",
            ]
        )
    report = json.loads(stdout.getvalue())
    assert code == 0 and len(report["files"]) == 1
    text = (tmp_path / "solano.835").read_text("ascii")
    assert validate_x12(text).errors == [] and check_remittance_file(text) == []
    assert "CAS*CO*" in text  # the denied lines say why

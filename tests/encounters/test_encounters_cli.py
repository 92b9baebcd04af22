"""`claims-intake encounters FILE --reference DIR --out FILE.837` on the sample uploads."""

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

from claims_intake.cli import main
from claims_intake.encounters import check_encounter_file
from claims_intake_dev.x12_validation import validate_x12

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "samples" / "reference"
SOLANO = ROOT / "samples" / "uploads" / "1456700016" / "phc" / "solano-ccn-2026-11.xlsx"
VALLEY = ROOT / "samples" / "uploads" / "1456700032" / "kp" / "valley-lead-2026-10.csv"


def run(*args):
    stdout = io.StringIO()
    with redirect_stdout(stdout):
        code = main(["encounters", *map(str, args), "--format", "json"])
    return code, json.loads(stdout.getvalue())


def test_the_cli_writes_the_decided_claims_of_an_upload_as_a_valid_837(tmp_path):
    out = tmp_path / "solano.837"
    code, report = run(
        SOLANO,
        "--reference",
        REFERENCE,
        "--history",
        REFERENCE / "history.csv",
        "--received",
        "2026-11-20",
        "--out",
        out,
        "--control-numbers",
        tmp_path / "counter",
    )
    assert code == 0
    text = out.read_text("ascii")
    assert validate_x12(text).errors == [] and check_encounter_file(text) == []
    assert text.count("CLM*") == len(report["claims"]) >= 1
    assert "SCCN-2026-1107" in {item["invoice_number"] for item in report["left_out"]}  # DENIED, payable lines only


def test_two_runs_never_reuse_a_control_number(tmp_path):
    counter = tmp_path / "counter"
    common = [
        "--reference",
        REFERENCE,
        "--history",
        REFERENCE / "history.csv",
        "--received",
        "2026-11-20",
        "--control-numbers",
        counter,
    ]
    _, first = run(VALLEY, *common, "--out", tmp_path / "a.837")
    _, second = run(VALLEY, *common, "--out", tmp_path / "b.837")
    numbers = [first["control_number"], *first["groups"].values(), second["control_number"], *second["groups"].values()]
    assert len(numbers) == len(set(numbers))
    isa = [(tmp_path / name).read_text().split("*")[13] for name in ("a.837", "b.837")]
    assert isa[0] != isa[1]


def test_a_file_with_no_decided_claim_writes_nothing(tmp_path):
    rejected = tmp_path / "claims.json"
    claims = {"claims": [{"claim_id": "C-1", "elements": {"invoice_number": "X-1"}, "lines": []}]}
    rejected.write_text(json.dumps(claims))
    code, report = run(
        rejected, "--reference", REFERENCE, "--out", tmp_path / "none.837", "--control-numbers", tmp_path / "counter"
    )
    assert code == 1 and report["out"] is None and not (tmp_path / "none.837").exists()
    assert report["left_out"][0]["disposition"] == "REJECTED"

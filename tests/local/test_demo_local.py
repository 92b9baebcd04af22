"""`claims-intake demo` end to end on the embedded stack: its summary matches samples/uploads/expected.json.

The demo uploads samples/reference/*.csv (the loader Lambda loads them) and samples/uploads/** (the S3
notifications drive intake and the claim flow); nothing is called directly. Every disposition must appear.
"""

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from claims_intake.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = json.loads((ROOT / "samples" / "uploads" / "expected.json").read_text())
ALL_DISPOSITIONS = {"CLEAN", "PARTIAL", "DENIED", "REJECTED", "RFI", "REVIEW"}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    stdout = io.StringIO()
    with redirect_stdout(stdout):
        code = main(["demo", "--format", "json", "--out", str(out), "--timeout", "300"])
    assert code == 0
    return json.loads(stdout.getvalue()), out


def test_the_samples_cover_every_disposition():
    expected = {claim["expected"] for sample in EXPECTED for claim in sample["claims"]}
    assert expected == ALL_DISPOSITIONS


def test_summary_matches_the_expected_dispositions(demo_run):
    summary, _ = demo_run
    by_file = {entry["file"]: entry for entry in summary}
    assert set(by_file) == {Path(sample["key"]).name for sample in EXPECTED}
    for sample in EXPECTED:
        entry = by_file[Path(sample["key"]).name]
        got = [(claim["invoice_number"], claim["disposition"]) for claim in entry["claims"]]
        want = [(claim["invoice_number"], claim["expected"]) for claim in sample["claims"]]
        assert sorted(got, key=str) == sorted(want, key=str), (sample["key"], entry)


def test_every_unclean_claim_says_why(demo_run):
    summary, _ = demo_run
    for entry in summary:
        for claim in entry["claims"]:
            if claim["disposition"] != "CLEAN":
                assert claim["findings"], claim
                assert all(f["message"] and f["cite"] for f in claim["findings"])


def test_letters_are_written_for_rejected_and_rfi_claims(demo_run):
    summary, out = demo_run
    letters = sorted(path.name for path in out.glob("*.pdf"))
    for entry in summary:
        for claim in entry["claims"]:
            if claim["disposition"] in ("REJECTED", "RFI"):
                label = claim["invoice_number"]
                assert any(name.startswith(label) for name in letters), (label, letters)
    for path in out.glob("*.pdf"):
        assert path.read_bytes().startswith(b"%PDF"), path
    assert (out / "lambda.log").stat().st_size > 0  # the functions' log lines go there, not to the summary


def test_the_daily_encounter_run_writes_one_valid_837_into_out(demo_run):
    from claims_intake.encounters import check_encounter_file
    from claims_intake_dev.x12_validation import validate_x12

    summary, out = demo_run
    (encounter_file,) = out.glob("*.837")
    text = encounter_file.read_text("ascii")
    assert validate_x12(text).errors == [] and check_encounter_file(text) == []
    closed = {
        claim["invoice_number"]
        for entry in summary
        for claim in entry["claims"]
        if claim["disposition"] in ("CLEAN", "PARTIAL")
    }
    carried = {line.split("*")[1] for line in text.splitlines() if line.startswith("CLM*")}
    assert closed <= carried  # every paid claim is reported; denied ones as the plan's setting says

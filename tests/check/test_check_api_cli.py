"""Public API (check_extract, history_lines, loaders) and the `claims-intake check` command."""

import json

import pytest

from claims_intake.check import check_claim, check_extract, history_lines
from claims_intake.cli import main
from claims_intake.model import ExtractResult, SourceInfo
from claims_intake.reference import (
    ReferenceDataError,
    load_history_csv,
    load_reference_dir,
    parse_authorization_row,
    parse_eligibility_row,
    parse_provider_row,
)

from .builders import RECEIVED, SAMPLES, claim, line
from .scenarios import scenario_file, scenarios


def test_two_identical_claims_in_one_upload_are_caught(reference, empty_history):
    upload = ExtractResult(
        source=SourceInfo(file="u.xlsx", kind="xlsx"),
        claims=[claim(line("G9008", "U1"), invoice="A-1"), claim(line("G9008", "U1"), invoice="A-1")],
    )
    upload.claims[1].claim_id = "second"
    first, second = check_extract(upload, "phc", reference, empty_history, received=RECEIVED)
    assert first.disposition == "CLEAN" and second.disposition == "DENIED"
    assert {f.rule for f in second.findings} >= {"duplicate_service"}
    assert len(empty_history) == 0  # the stored history is not written to


def test_history_lines_after_a_decision(reference, empty_history):
    result = check_claim(
        claim(line("G9008", "U1"), line("G9008", "U1", start="2026-11-12"), invoice="B-1"),
        "phc",
        reference,
        empty_history,
        received=RECEIVED,
    )
    rows = history_lines(result)
    assert [(r.combination, r.status, str(r.allowed)) for r in rows] == [
        ("G9008-U1", "PAYABLE", "400.00"),
        ("G9008-U1", "DENIED", "0.00"),
    ]
    assert rows[0].member_cin == "90000001A" and rows[0].invoice_number == "B-1"


def test_history_lines_pending_and_rejected(reference, empty_history):
    rfi = check_claim(claim(line("G9008", "U1"), tar="NOPE-1"), "phc", reference, empty_history, received=RECEIVED)
    assert [r.status for r in history_lines(rfi)] == ["PENDING"]
    rejected = check_claim(
        claim(line("G9008", "U1"), member_dob=None), "phc", reference, empty_history, received=RECEIVED
    )
    assert history_lines(rejected) == []


def test_sample_reference_files_load():
    reference = load_reference_dir(SAMPLES)
    assert reference.authorization("tar-phc-1003").documents_on_file is False
    assert reference.authorization("TARPHC1003") is reference.authorization(
        "TAR-PHC-1003"
    )  # box 23 OCR drops the dashes
    assert {p for span in reference.eligibility_spans for p in [span.plan]} == {"kp", "phc", "khs"}
    assert len(load_history_csv(SAMPLES / "history.csv")) >= 10


def test_row_parsers_name_the_bad_column():
    with pytest.raises(ReferenceDataError, match="end_date"):
        parse_eligibility_row(
            {"member_cin": "90000001A", "plan": "phc", "start_date": "2026-01-01", "end_date": "soon"}
        )
    with pytest.raises(ReferenceDataError, match="procedure_code"):
        parse_authorization_row(
            {
                "tar_number": "T",
                "member_cin": "90000001A",
                "provider_npi": "1",
                "plan": "phc",
                "start_date": "2026-01-01",
                "end_date": "2026-02-01",
            }
        )
    provider = parse_provider_row(
        {"npi": "1456700016", "tin": "941234501", "name": "X", "plans": "phc;kp", "contracted": "T2033-u6; ecm_core"}
    )
    assert provider.plans == ("phc", "kp") and provider.contracted == ("T2033-U6", "ecm_core")
    span = parse_eligibility_row({"member_cin": "90000001a", "plan": "PHC", "start_date": "01/01/2026", "dsnp": "Y"})
    assert span.member_cin == "90000001A" and span.dsnp and span.end is None


def test_bad_reference_row_reports_file_and_row(tmp_path):
    (tmp_path / "providers.csv").write_text("npi,tin,name\n1456700016,941234501,Ok\n1456700024,,Missing TIN\n")
    with pytest.raises(ReferenceDataError, match=r"providers\.csv row 3: column 'tin'"):
        load_reference_dir(tmp_path)


def test_scenario_file_is_in_sync_with_the_builders():
    committed = json.loads((SAMPLES / "scenario-claims.json").read_text())
    assert committed == json.loads(json.dumps(scenario_file().to_output()))


def test_cli_check_json_covers_every_disposition(capsys):
    code = main(
        [
            "check",
            str(SAMPLES / "scenario-claims.json"),
            "--reference",
            str(SAMPLES),
            "--history",
            str(SAMPLES / "history.csv"),
            "--received",
            "2026-11-30",
            "--format",
            "json",
        ]
    )
    assert code == 0
    output = json.loads(capsys.readouterr().out)
    got = [c["disposition"] for c in output["claims"]]
    assert got == [c["extras"]["expected_disposition"] for c in output["claims"]]
    assert set(got) == {"CLEAN", "PARTIAL", "DENIED", "REJECTED", "RFI", "REVIEW"}
    first = output["claims"][0]
    assert first["elements"]["member_cin"] == "90000001A"  # the extract output is kept
    assert [(l["disposition"], l["allowed_amount"]) for l in first["lines"]] == [
        ("PAYABLE", "400.00"),
        ("PAYABLE", "386.00"),
    ]
    assert len(scenarios()) == len(got)


def test_cli_check_table_and_inferred_plan(capsys):
    code = main(
        ["check", str(SAMPLES / "scenario-claims.json"), "--reference", str(SAMPLES), "--received", "2026-11-30"]
    )
    out = capsys.readouterr().out
    assert code == 0 and "Disposition" in out and "CLEAN" in out and "Findings" in out


def test_cli_check_bad_input_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "x.json"
    bad.write_text('{"nothing": 1}')
    assert main(["check", str(bad), "--reference", str(SAMPLES)]) == 2
    assert "no 'claims' list" in capsys.readouterr().err
    assert main(["check", str(bad), "--reference", str(tmp_path)]) == 2


def test_cli_check_unreadable_upload_reports_the_intake_error(tmp_path, capsys):
    empty = tmp_path / "invoice.xlsx"
    empty.write_bytes(b"")
    assert main(["check", str(empty), "--reference", str(SAMPLES), "--format", "json"]) == 2
    assert json.loads(capsys.readouterr().out)["errors"][0]["code"] == "empty_file"


def test_check_encounters_and_remittance_take_the_same_check_options(tmp_path):
    """The three verbs built on read_and_check declare FILE, --reference, --plan, --history and --received once
    (check_cmd.add_check_options), so they parse them alike; the two X12 verbs share --control-numbers."""
    from claims_intake.cli import build_parser

    common = ["up.xlsx", "--reference", "ref", "--plan", "phc", "--history", "h.csv", "--received", "2026-11-30"]
    out = ["--out", str(tmp_path / "x"), "--control-numbers", str(tmp_path / "n")]
    parsed = {
        verb: build_parser().parse_args([verb, *common, *(out if verb != "check" else [])])
        for verb in ("check", "encounters", "remittance")
    }
    for verb, args in parsed.items():
        read = (args.file, args.reference, args.plan, args.history, str(args.received))
        assert read == ("up.xlsx", "ref", "phc", "h.csv", "2026-11-30"), verb
    assert parsed["encounters"].control_numbers == parsed["remittance"].control_numbers == tmp_path / "n"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["remittance", "up.xlsx", "--out", "x"])  # --reference stays required

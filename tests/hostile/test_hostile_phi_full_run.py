"""PHI never reaches a log line over a whole demo-like run on the embedded local stack: reference files
loaded by the loader Lambda, every sample upload (spreadsheets and CMS-1500 scans) through intake, the
claim flow and its letters, plus unreadable uploads whose file names carry a member's name and CIN.
Everything logged is scanned: the functions' log file (Powertools JSON lines and EMF metrics), this
process's stdout/stderr, and every log record of any logger with its extra fields."""

import csv
import logging
import re
from pathlib import Path

import pytest

from claims_intake_dev.local.demo import load_reference, sample_files, store_for, upload_files, wait_for_files
from claims_intake_dev.local.stack import LocalStack

ROOT = Path(__file__).resolve().parents[2]
ELIGIBILITY = ROOT / "samples" / "reference" / "eligibility.csv"


def member_phi() -> list[str]:
    """Names, CINs and dates of birth of every sample member (DOB as ISO and as MM/DD/YYYY)."""
    values = set()
    with ELIGIBILITY.open(newline="") as handle:
        for row in csv.DictReader(handle):
            year, month, day = row["dob"].split("-")
            values |= {row["first_name"], row["last_name"], row["member_cin"], row["dob"], f"{month}/{day}/{year}"}
    return sorted(values)


def leaks(text: str, values: list[str]) -> list[str]:
    return [value for value in values if re.search(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])", text)]


@pytest.mark.slow
def test_a_full_run_logs_no_phi(tmp_path, capfd, caplog):
    caplog.set_level(logging.INFO)  # the functions' level (POWERTOOLS_LOG_LEVEL); botocore's DEBUG logs bodies
    function_log = tmp_path / "lambda.log"
    hostile_named = [
        ("uploads/1456700016/Lopez Maria 90000001A 04-12-1968.pdf", b"%PDF-1.7\n garbage"),
        ("uploads/1456700024/reyes_daniel_90000006F.xlsx", b""),
    ]
    with LocalStack(function_log=function_log) as stack:
        load_reference(stack, timeout=300)
        files = upload_files(stack, sample_files())
        for key, data in hostile_named:
            stack.client("s3").put_object(Bucket=stack.bucket(), Key=key, Body=data)
        store = store_for(stack)
        from claims_intake_dev.local.demo import FileProgress

        files += [FileProgress(key) for key, _ in hostile_named]
        wait_for_files(stack, store, files, timeout=900)
        statuses = {item.key: item.upload.status for item in files}
    assert set(statuses.values()) == {"PROCESSED", "QUARANTINED"}
    assert all(statuses[key] == "QUARANTINED" for key, _ in hostile_named)

    out, err = capfd.readouterr()
    logged_by_functions = function_log.read_text("utf-8")
    elsewhere = sorted(
        {
            f"{r.name} (level {logging.getLogger(r.name).getEffectiveLevel()})"
            for r in caplog.records
            if r.getMessage() == "upload processed"
        }
    )
    assert '"upload processed"' in logged_by_functions and '"upload quarantined"' in logged_by_functions, (
        f"intake's lines are not in the function log; logged through: {elsewhere}"
    )
    assert "CloudWatchMetrics" in logged_by_functions  # EMF metrics are scanned too
    records = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    everything = "\n".join([logged_by_functions, out, err, records])
    phi = member_phi()
    assert len(phi) > 50
    found = leaks(everything, phi)
    assert found == [], f"PHI in the logs: {found[:10]}; e.g. " + next(
        (line[:300] for line in everything.splitlines() if found and found[0] in line), ""
    )

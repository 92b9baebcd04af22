"""What a newcomer meets in the first hour with the command line: --version, exit codes that say what
happened, plain messages for a missing file or a missing Tesseract, no traceback on `| head` or Ctrl-C,
and `serve` refusing a busy port instead of hanging."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from claims_intake.cli import main

ROOT = Path(__file__).resolve().parents[2]
CSV_SAMPLE = ROOT / "samples" / "uploads" / "1456700032" / "kp" / "valley-lead-2026-10.csv"
SCAN_SAMPLE = ROOT / "samples" / "uploads" / "1456700016" / "phc" / "reyes-recuperative-care.pdf"
CLI = [sys.executable, "-m", "claims_intake"]


def run(*args, env=None, timeout=120):
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT, env={**os.environ, **(env or {})}
    )


def without_column(tmp_path, word):
    rows = list(csv.reader(CSV_SAMPLE.open()))
    drop = next(i for i, header in enumerate(rows[0]) if word in header)
    path = tmp_path / f"without-{word}.csv"
    with path.open("w", newline="") as out:
        csv.writer(out).writerows([c for i, c in enumerate(row) if i != drop] for row in rows)
    return path


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("claims-intake 0.")


def test_extract_exit_codes_read_read_with_problems_unreadable(tmp_path, capsys):
    assert main(["extract", str(CSV_SAMPLE), "--format", "json"]) == 0
    assert main(["extract", str(without_column(tmp_path, "CIN")), "--format", "json"]) == 1  # claims, and a problem
    assert "no column for the required element" in capsys.readouterr().out
    garbage = tmp_path / "notes.csv"
    garbage.write_text("what,ever\n1,2\n")
    assert main(["extract", str(garbage)]) == 2  # nothing could be read


def test_a_missing_history_file_is_named_plainly(capsys):
    assert (
        main(
            [
                "check",
                str(CSV_SAMPLE),
                "--reference",
                str(ROOT / "samples" / "reference"),
                "--history",
                "/missing/history.csv",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert err.strip() == "claims-intake check: /missing/history.csv: no such file or folder"
    assert "Errno" not in err


def test_json_piped_into_head_ends_quietly():
    command = (
        f"{sys.executable} -m claims_intake check {CSV_SAMPLE} --reference samples/reference --format json | head -2"
    )
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.stdout.startswith("{")
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_without_tesseract_extract_says_how_to_install_it(tmp_path):
    # Tesseract is linked in-process (tesserocr), so a PATH without the CLI no longer matters; what can be
    # missing is its English model: this run points Tesseract at an empty folder.
    done = run("extract", str(SCAN_SAMPLE), env={"TESSDATA_PREFIX": str(tmp_path)})
    assert done.returncode == 3
    assert "Tesseract OCR is not installed" in done.stderr and "make setup" in done.stderr
    assert "tesseract-ocr-eng" in done.stderr and "Traceback" not in done.stderr
    assert shutil.which("tesseract")  # the machine itself has it: only this run's model folder is empty


def busy_port():
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    return holder, holder.getsockname()[1]


def test_serve_on_a_busy_port_says_so_and_exits(tmp_path):
    holder, port = busy_port()
    with holder:
        started = time.monotonic()
        done = run(
            "serve",
            "--once",
            "--no-reference",
            "--port",
            str(port),
            "--web-port",
            "0",
            "--logs",
            str(tmp_path / "log"),
            timeout=60,
        )
        assert done.returncode == 2 and f"port {port} on 127.0.0.1 is in use" in done.stderr
        done = run(
            "serve",
            "--once",
            "--no-reference",
            "--port",
            "0",
            "--web-port",
            str(port),
            "--logs",
            str(tmp_path / "log"),
            timeout=60,
        )
        assert done.returncode == 2 and "--web-port" in done.stderr
        assert time.monotonic() - started < 60


def test_serve_stops_on_ctrl_c_and_a_second_ctrl_c_prints_no_traceback(tmp_path):
    server = subprocess.Popen(
        [*CLI, "serve", "--no-reference", "--port", "0", "--web-port", "0", "--logs", str(tmp_path / "log")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        seen = ""
        while "Watching uploads" not in seen and time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            seen += line
        assert "Watching uploads" in seen, seen
        server.send_signal(signal.SIGINT)
        time.sleep(0.05)
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=180)  # the teardown on a loaded 2-core machine (the full suite)
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode == 0
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert "stopping" in out

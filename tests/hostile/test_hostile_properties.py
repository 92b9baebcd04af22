"""Runs the property-based tests of tests/hostile/capped/properties.py (Hypothesis, over the readers and
the staff API) in a subprocess whose address space is capped at 1.5 GiB (resource.setrlimit): what a
hostile input could make a reader allocate is bounded by the process, not by the machine."""

import os
import resource
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

ROOT = Path(__file__).resolve().parents[2]
CAP = 3 << 29  # 1.5 GiB of address space: 1 GiB for any file, the rest for pytest, moto and Hypothesis


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


@pytest.mark.slow
def test_properties_hold_under_a_memory_cap(tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT}:{ROOT / 'shared'}:{ROOT / 'devkit'}",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "HYPOTHESIS_STORAGE_DIRECTORY": str(tmp_path / "hypothesis"),
    }
    report = tmp_path / "properties.xml"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-x",
            "-p",
            "no:cacheprovider",
            f"--junitxml={report}",
            str(ROOT / "tests" / "hostile" / "capped" / "properties.py"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        preexec_fn=_cap,
        timeout=1800,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    suite = ElementTree.parse(report).getroot().find("testsuite")
    assert int(suite.get("tests")) >= 8 and suite.get("failures") == suite.get("errors") == suite.get("skipped") == "0"

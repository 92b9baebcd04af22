"""template.yaml stays valid: `sam validate --lint` (cfn-lint underneath)."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_sam_validate_lint():
    sam = shutil.which("sam", path=str(Path(sys.executable).parent)) or shutil.which("sam")
    result = subprocess.run(
        [sam, "validate", "--lint", "--region", "us-west-2", "--template-file", str(ROOT / "template.yaml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr

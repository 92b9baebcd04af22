"""`sam build` builds the functions and the shared layer, and the built handlers import from the built layer.

Slow (the layer's wheels are resolved for the Lambda platform: 2-3 min cold, ~20 s when .aws-sam/
holds the previous build and its dependency cache), so it is marked slow; `make test` still runs it.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = {"IntakeFunction": "functions/intake", "ReferenceLoaderFunction": "functions/reference_loader"}


@pytest.mark.slow
def test_sam_build_builds_functions_and_layer(tmp_path):
    sam = shutil.which("sam", path=str(Path(sys.executable).parent)) or shutil.which("sam")
    build = ROOT / ".aws-sam" / "test-build"  # kept between runs: sam's cache checks hashes stored beside it
    result = subprocess.run(
        [sam, "build", "--template-file", str(ROOT / "template.yaml"), "--build-dir", str(build),
         "--cache-dir", str(ROOT / ".aws-sam" / "cache"), "--cached"],
        cwd=ROOT, capture_output=True, text=True, timeout=900, env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    built = yaml.load((build / "template.yaml").read_text(), Loader=Loader)["Resources"]
    for name in FUNCTIONS:
        assert (build / built[name]["Properties"]["CodeUri"] / "app.py").exists()
    layer = build / "SharedLayer" / "python"
    for package in ("claims_intake", "pydantic", "aws_lambda_powertools", "openpyxl", "python_calamine"):
        assert (layer / package).exists(), package
    assert (layer / "claims_intake" / "data" / "dhcs_catalog.yaml").exists()

    # The built handlers import with only the built layer (Lambda's /opt/python) and what the Python
    # runtime itself provides (boto3) on the path, on the runtime's CPython minor version and platform,
    # so the layer's compiled wheels load too.
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    for package in ("boto3", "s3transfer"):
        module = __import__(package)
        (runtime / package).symlink_to(Path(module.__file__).parent)
    for name in FUNCTIONS:
        code = build / built[name]["Properties"]["CodeUri"]
        check = subprocess.run(
            [sys.executable, "-S", "-c", "import sys; sys.path[:0] = sys.argv[1:]; import app; "
             "assert callable(app.lambda_handler); print(app.__file__)", str(code), str(layer), str(runtime)],
            capture_output=True, text=True, timeout=120,
            env={"AWS_DEFAULT_REGION": "us-west-2", "PATH": os.environ.get("PATH", "")},
        )
        assert check.returncode == 0, check.stderr[-3000:]

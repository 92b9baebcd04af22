"""`sam build` builds the zip functions and the shared layer; the built handlers import from the built layer, the
layer holds the runtime package only (no development kit) within its size budget, and the intake function's
image recipe copies what its handler imports.

The intake function is a container image (functions/intake/Dockerfile), which `sam build` builds with Docker;
this machine has neither Docker nor a registry to pull the base image from, so the build here runs on a copy
of template.yaml whose intake function is a zip function on the same layer (what the image holds less OpenCV,
SciPy and Tesseract). Slow (the layer's wheels are resolved for the Lambda platform: 2-3 min cold, ~20 s when
.aws-sam/ holds the previous build and its dependency cache), so it is marked slow; `make test` still runs it.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from samcli.yamlhelper import parse_yaml_file, yaml_dump

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = {
    "IntakeFunction": "functions/intake",
    "ReferenceLoaderFunction": "functions/reference_loader",
    "ApiFunction": "functions/api",
    "FlowTasksFunction": "functions/flow_tasks",
    "RfiUploadFunction": "functions/rfi_upload",
}
LAYER_BUDGET = 60 * 1024 * 1024  # unpacked: leaves the zip functions most of Lambda's 250 MB
NOT_IN_THE_LAYER = ("claims_intake_dev", "moto", "rich", "werkzeug", "pytest", "samcli", "boto3")


def zip_template(build: Path) -> Path:
    """template.yaml with the intake function as a zip function on the shared layer (no Docker here)."""
    template = parse_yaml_file(str(ROOT / "template.yaml"))
    intake = template["Resources"]["IntakeFunction"]
    intake.pop("Metadata", None)
    properties = intake["Properties"]
    for key in ("PackageType", "ImageConfig"):
        properties.pop(key)
    properties.update(
        CodeUri="functions/intake/", Handler="app.lambda_handler", Runtime="python3.11", Layers=[{"Ref": "SharedLayer"}]
    )
    build.mkdir(parents=True, exist_ok=True)
    path = build.parent / "zip-template.yaml"
    path.write_text(yaml_dump(template))
    return path


def tree_bytes(path: Path) -> int:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file() and not item.is_symlink())


@pytest.mark.slow
def test_sam_build_builds_functions_and_layer(tmp_path):
    sam = shutil.which("sam", path=str(Path(sys.executable).parent)) or shutil.which("sam")
    build = ROOT / ".aws-sam" / "test-build"  # kept between runs: sam's cache checks hashes stored beside it
    result = subprocess.run(
        [
            sam,
            "build",
            "--template-file",
            str(zip_template(build)),
            "--base-dir",
            str(ROOT),
            "--build-dir",
            str(build),
            "--cache-dir",
            str(ROOT / ".aws-sam" / "cache"),
            "--cached",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    built = yaml.load((build / "template.yaml").read_text(), Loader=Loader)["Resources"]
    for name in FUNCTIONS:
        assert (build / built[name]["Properties"]["CodeUri"] / "app.py").exists()
    layer = build / "SharedLayer" / "python"
    documents = build / "DocumentsLayer" / "python"
    for package in ("claims_intake", "pydantic", "aws_lambda_powertools", "rapidfuzz", "holidays"):
        assert (layer / package).exists(), package
    for package in ("PIL", "pypdf", "pypdfium2", "reportlab"):
        assert (documents / package).exists(), package
    assert (layer / "claims_intake" / "data" / "dhcs_catalog.yaml").exists()
    assert not [package for package in NOT_IN_THE_LAYER if (layer / package).exists()]
    for name in ("SharedLayer", "DocumentsLayer"):
        size = tree_bytes(build / name)
        assert size <= LAYER_BUDGET, f"{name} unpacks to {size / 1048576:.1f} MiB"

    # The built handlers import with only their built layers (Lambda's /opt/python) and what the Python
    # runtime itself provides (boto3, botocore and their dependencies) on the path, on the runtime's CPython minor version and platform,
    # so the layer's compiled wheels load too.
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    for package in ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six"):
        module = __import__(package)
        source = Path(module.__file__)
        (runtime / (source.parent.name if source.name == "__init__.py" else source.name)).symlink_to(
            source.parent if source.name == "__init__.py" else source
        )
    for name in FUNCTIONS:
        code = build / built[name]["Properties"]["CodeUri"]
        layers = [str(layer)] + ([str(documents)] if name in ("ApiFunction", "FlowTasksFunction") else [])
        check = subprocess.run(
            [
                sys.executable,
                "-S",
                "-c",
                "import sys; sys.path[:0] = sys.argv[1:]; import app; "
                "assert callable(app.lambda_handler); print(app.__file__)",
                str(code),
                *layers,
                str(runtime),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={"AWS_DEFAULT_REGION": "us-west-2", "PATH": os.environ.get("PATH", "")},
        )
        assert check.returncode == 0, check.stderr[-3000:]


def test_the_intake_image_copies_the_handler_the_runtime_package_and_both_requirements():
    text = (ROOT / "functions" / "intake" / "Dockerfile").read_text()
    for needed in (
        "shared/requirements.txt",
        "shared/requirements-intake.txt",
        "shared/claims_intake",
        "functions/intake/app.py",
        "awslambdaric",
        "tesseract-ocr-eng",
        'CMD ["app.lambda_handler"]',
    ):
        assert needed in text, needed
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignored[1:2] == ["*"] and "!shared/claims_intake" in ignored and "!functions/intake/app.py" in ignored

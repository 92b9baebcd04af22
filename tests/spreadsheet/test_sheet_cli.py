"""`claims-intake extract` works on every sample spreadsheet the maker writes, as JSON and as a table."""

import json

import pytest

from claims_intake.cli import main
from claims_intake_dev.testdata.invoices import SAMPLE_SET, write_samples


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    return write_samples(tmp_path_factory.mktemp("uploads"), seed=5)


@pytest.mark.parametrize("index", range(len(SAMPLE_SET)))
def test_extract_json_on_every_sample(samples, capsys, index):
    code = main(["extract", str(samples[index]), "--format", "json"])
    output = json.loads(capsys.readouterr().out)
    assert code == (1 if output["errors"] else 0)  # 1: read, with problems (README, exit codes)
    assert set(output) == {"source", "claims", "errors"}
    assert len(output["claims"]) == 2 and all(len(claim["lines"]) == 3 for claim in output["claims"])
    line = output["claims"][0]["lines"][0]
    assert isinstance(line["procedure_modifiers"], list) and isinstance(line["diagnosis_codes"], list)
    assert "." not in "".join(line["diagnosis_codes"]) and line["charge_amount"].count(".") == 1
    assert [e for e in output["errors"] if e["code"] != "missing_column"] == []


@pytest.mark.parametrize("index", range(len(SAMPLE_SET)))
def test_extract_table_on_every_sample(samples, capsys, index):
    assert main(["extract", str(samples[index])]) in (0, 1)
    out = capsys.readouterr().out
    assert ("error" in out) == (main(["extract", str(samples[index]), "--format", "json"]) == 1)
    assert out.count("line(s)") == 2 and "Code" in out

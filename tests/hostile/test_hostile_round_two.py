"""Hostile input and faults, round two: what a careless or hostile provider and a failing cloud were found
to do (memory and time, spoofing, half-loads, crashes), each as a regression test. The files come from
claims_intake_dev.testdata.hostile (the refused ones are also run by test_hostile_extract and
test_hostile_pipeline); these tests add the memory cap, the time budget, the uploader binding and the
all-or-nothing writes."""

import dataclasses
import io
import json
import os
import subprocess
import sys
import time
import zipfile
from datetime import date

import pytest
from moto import mock_aws

from claims_intake.budget import budget_spent, time_budget
from claims_intake.extract import IntakeError, extract_bytes
from claims_intake.limits import default_limits
from claims_intake.model import Claim, ExtractResult, Provenance, SourceInfo
from claims_intake.normalize import normalize
from claims_intake.pipeline.intake import check_billing_npi
from claims_intake.pipeline.objects import MAX_KEY_BYTES, S3Object, quarantine_key
from claims_intake.validators import is_valid_cin, is_valid_npi
from claims_intake_dev.testdata import hostile
from tests.pipeline.invoices import PROVIDER, three_claim_invoice
from tests.pipeline.stack import BUCKET, ROOT, build_stack, load_handler

from .conftest import hostile_bytes

ONE_GIB = 1 << 30
PROBE_CASES = [
    "xlsx_far_cell",
    "xlsx_wide_area",
    "png_strip",
    "png_line",
    "pdf_huge_page",
    "pdf_launch",
    "pdf_page_javascript",
    "pdf_link_javascript",
    "pdf_javascript_chain",
    "csv_named_exe",
    "csv_nul_late",
    "image_bomb",
    "xlsx_zip_bomb",
    "xlsx_million_rows",
    "csv_mixed_encoding",
]

# ---- memory and time ---------------------------------------------------------------------------

CAPPED = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
from claims_intake_dev.testdata import hostile
from claims_intake.extract import IntakeError, extract_bytes
answers = {{}}
for name in sys.argv[1:]:
    case = hostile.CASES[name]
    try:
        answers[name] = ("read", len(extract_bytes(case.build(), case.filename).claims))
    except IntakeError as error:
        answers[name] = (error.code, 0)
print(json.dumps(answers))
"""


def test_every_probe_file_is_answered_inside_one_gib():
    """Before: a 6 KB workbook allocated ~10 GB, a 160-byte PNG 3.5-7 GB, a 1.4 KB PDF 5.7 GB. Each now
    gets its answer in a process that cannot map more than 1 GiB."""
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'shared'}:{ROOT / 'devkit'}",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
    }
    run = subprocess.run(
        [sys.executable, "-c", CAPPED.format(cap=ONE_GIB), *PROBE_CASES],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    answers = json.loads(run.stdout.strip().splitlines()[-1])
    for name in PROBE_CASES:
        case = hostile.CASES[name]
        expected = ("read", 2) if not case.refused else (case.code, 0)
        assert tuple(answers[name]) == expected, name


def test_a_stray_cell_is_refused_before_the_reader_allocates_its_grid():
    error = _error("xlsx_far_cell")
    assert error.code == "too_many_columns" and "column 16,384" in error.message
    assert "19,000 rows x 200 columns" in _error("xlsx_wide_area").message


def test_a_worksheet_stored_outside_worksheets_is_measured_too():
    """The reader finds sheets through workbook.xml.rels, wherever they are in the zip."""

    def move(name, data):
        if name.endswith(".rels") or name == "[Content_Types].xml":
            return data.replace(b"worksheets/sheet1.xml", b"elsewhere/data.xml")
        return data

    moved = hostile.rewrite_zip(hostile.xlsx_far_cell(), move)
    source = zipfile.ZipFile(io.BytesIO(moved))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            name = "xl/elsewhere/data.xml" if info.filename == "xl/worksheets/sheet1.xml" else info.filename
            target.writestr(name, source.read(info))
    with pytest.raises(IntakeError) as error:
        extract_bytes(buffer.getvalue(), "invoice.xlsx")
    assert error.value.code == "too_many_columns"


@pytest.mark.parametrize(
    "name,shape",
    [("png_strip", "20000 x 20 pixel"), ("png_line", "1 x 39999999 pixel"), ("pdf_huge_page", "200.0 x 200.0 in")],
)
def test_a_page_of_no_paper_shape_is_refused_from_its_header(name, shape):
    error = _error(name)  # the 1 GiB cap test above shows nothing was decoded
    assert error.code == "page_size" and shape in error.message


def test_the_hard_time_budget_stops_a_reader_that_runs_too_long(monkeypatch):
    import claims_intake.spreadsheet.reader as spreadsheet

    def slow(*args):
        time.sleep(30)

    monkeypatch.setattr(spreadsheet, "read_spreadsheet", slow)
    limits = dataclasses.replace(default_limits(), max_seconds_per_file=1)
    with pytest.raises(IntakeError) as error:  # the reader would sleep 30 s: only the timer ends it this way
        extract_bytes(hostile.good_invoice_csv(), "invoice.csv", limits)
    assert error.value.code == "time_limit" and "1 s budget" in error.value.message


def test_past_the_soft_budget_no_new_page_is_rendered(monkeypatch):
    """Pages after the budget are reported, not rendered (rendering and OCR are where the time goes)."""
    from claims_intake.ocr import pages

    data = hostile.pdf_500_pages()
    monkeypatch.setattr(pages, "budget_spent", lambda: True)
    with time_budget(60, "claims.pdf"):
        rendered = list(pages.pdf_pages(data, "claims.pdf", default_limits()))
    assert len(rendered) == 500 and all(p.image is None and "time budget" in p.problem for p in rendered)
    assert not budget_spent()  # outside a file there is no budget


# ---- what a value may be -------------------------------------------------------------------------


def test_only_ascii_digits_are_digits():
    arabic = "٩٠٠٠٠٠٠١A"  # Arabic-Indic digits: \\d and str.isdigit() take them
    assert not is_valid_cin(arabic) and is_valid_cin("90000001A")
    assert not is_valid_npi("١٤٥٦٧٠٠٠١٦") and is_valid_npi("1456700016")
    with pytest.raises(ValueError, match="digits 0-9"):
        normalize("billing_provider_npi", "١٤٥٦٧٠٠٠١٦")


def test_control_characters_never_reach_a_name_and_a_huge_value_is_refused():
    assert normalize("member_last_name", "SMI\x00TH\x1b") == "SMITH"
    claim = Claim()
    assert "20,000 characters" in claim.set_raw("member_last_name", "A" * 20_000)
    assert len(claim.invalid["member_last_name"]) <= default_limits().max_value_chars


def test_a_utf8_file_with_one_windows_row_keeps_both_rows_right():
    result = extract_bytes(hostile_bytes("csv_mixed_encoding"), "invoice.csv")
    assert sorted(c.member_last_name for c in result.claims) == ["NUÑEZ", "PEÑA"]
    assert any("Windows-1252 on line(s) 3" in note for note in result.source.column_map["notes"])


def test_an_owner_password_only_pdf_is_opened():
    from claims_intake.ocr.pages import pdf_reader

    reader = pdf_reader(hostile.pdf_owner_password_only(), "claim.pdf")
    assert len(reader.pages) == 1
    with pytest.raises(IntakeError) as error:
        pdf_reader(hostile.pdf_encrypted(), "claim.pdf")
    assert error.value.code == "pdf_encrypted"


def test_the_cms_own_fillable_form_with_its_field_scripts_is_not_refused():
    from pypdf import PdfReader

    from claims_intake.page_guard import check_pdf_actions

    form = ROOT.parent.parent / "shared" / "forms" / "cms1500-02-12-fillable.pdf"
    form = form if form.exists() else __import__("pathlib").Path("/work/shared/forms/cms1500-02-12-fillable.pdf")
    if not form.exists():
        pytest.skip("the CMS-1500 fillable PDF is not in this checkout")
    check_pdf_actions(PdfReader(io.BytesIO(form.read_bytes())), "form.pdf")  # no exception


# ---- the uploader is the billing provider -----------------------------------------------------------


def _result(*npis, confidence=None) -> ExtractResult:
    claims = []
    for npi in npis:
        claim = Claim(billing_provider_npi=npi)
        claim.provenance["billing_provider_npi"] = Provenance(raw=npi, confidence=confidence)
        claims.append(claim)
    return ExtractResult(source=SourceInfo(file="f", kind="csv"), claims=claims)


def test_a_file_billing_another_npi_is_refused_whole():
    with pytest.raises(IntakeError) as error:
        check_billing_npi(_result("1456700016", "1245319599"), "1456700016", "invoice.csv")
    assert error.value.code == "npi_mismatch" and "1245319599" in error.value.message
    check_billing_npi(_result("1456700016", None), "1456700016", "invoice.csv")  # blank: the uploader's


def test_an_unsure_ocr_npi_goes_to_staff_not_back_to_the_provider():
    result = _result("1245319599", confidence=0.62)  # another valid NPI, read unsure
    check_billing_npi(result, "1456700016", "claim.pdf")
    claim = result.claims[0]
    assert claim.billing_provider_npi == "1456700016"
    assert claim.provenance["billing_provider_npi"].confidence <= 0.5
    assert "1245319599" in claim.provenance["billing_provider_npi"].repaired
    with pytest.raises(IntakeError):  # read sure: another provider's claim
        check_billing_npi(_result("1245319599", confidence=0.97), "1456700016", "claim.pdf")


def test_an_npi_that_fails_its_check_digit_is_left_for_the_check_to_reject():
    result = _result("1456700017", confidence=0.97)  # a typo belongs to no provider
    check_billing_npi(result, "1456700016", "claim.pdf")
    assert result.claims[0].billing_provider_npi == "1456700017"


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer garbage", "Bearer a.b.c", "dev-staff", "Bearer dev-provider-12ab", "Basic ZGV2LXN0YWZm"],
)
def test_the_local_api_gateway_knows_only_the_development_tokens(authorization):
    from claims_intake_dev.local.api_gateway import token_claims

    assert token_claims(authorization) == {}  # no claims: the staff API answers 401
    assert token_claims("Bearer dev-staff")["cognito:groups"] == "staff"
    assert token_claims("Bearer dev-provider-1456700016")["custom:provider_npi"] == "1456700016"


def test_a_quarantine_key_fits_s3s_limit_and_keeps_the_extension():
    long_name = "é" * 700 + ".pdf"
    key = quarantine_key(S3Object("b", f"uploads/{PROVIDER}/{long_name}", "v1"))
    assert len(key.encode()) <= MAX_KEY_BYTES and key.endswith("~.pdf")
    key = quarantine_key(S3Object("b", "uploads/" + "9" * 900 + "/x.csv", "v1"))
    assert len(key.encode()) <= MAX_KEY_BYTES


@pytest.fixture
def pipeline(monkeypatch):
    with mock_aws():
        stack = build_stack(monkeypatch)
        for path in sorted((ROOT / "samples" / "reference").glob("*.csv")):
            stack.upload(f"reference/{path.name}", path.read_bytes())
        stack.poll("reference", load_handler("reference_loader").lambda_handler)
        yield stack, load_handler("intake")


def _uploads(stack):
    return {u.key: u for u in stack.store.list_uploads(limit=1000)[0]}


def test_a_file_in_another_providers_folder_or_in_none_is_quarantined_never_filed(pipeline):
    stack, intake = pipeline
    stack.upload("uploads/1245319599/theirs.csv", three_claim_invoice())  # bills PROVIDER, not 1245319599
    stack.upload("uploads/orphan.csv", three_claim_invoice("-X"))
    stack.poll("intake", intake.lambda_handler)
    uploads = _uploads(stack)
    assert uploads["uploads/1245319599/theirs.csv"].error_code == "npi_mismatch"
    assert uploads["uploads/orphan.csv"].error_code == "no_provider_folder"
    assert not stack.executions() and not stack.store.list_uploads(provider=PROVIDER)[0]
    assert all(u.status == "QUARANTINED" and not u.claim_ids for u in uploads.values() if u.key.startswith("uploads/"))


def test_the_same_event_without_its_version_id_is_the_same_upload(pipeline):
    stack, intake = pipeline
    put = stack.upload(f"uploads/{PROVIDER}/again.csv", three_claim_invoice("-V"))
    stack.poll("intake", intake.lambda_handler)
    record = {
        "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": BUCKET}, "object": {"key": f"uploads/{PROVIDER}/again.csv", "size": 10}},
    }  # no versionId, no eTag: a replay tool's event
    stack.sqs.send_message(QueueUrl=stack.queues["intake"], MessageBody=json.dumps({"Records": [record]}))
    stack.poll("intake", intake.lambda_handler)
    uploads = [u for u in stack.store.list_uploads(provider=PROVIDER)[0] if u.key.endswith("again.csv")]
    assert len(uploads) == 1 and uploads[0].version_id == put["VersionId"]
    assert len(stack.executions()) == 3  # one flow per claim, not two


# ---- all or nothing -------------------------------------------------------------------------------


def test_a_reference_file_with_repeated_rows_loads_whole_or_not_at_all(pipeline):
    stack, _ = pipeline
    loader = load_handler("reference_loader")
    lines = (ROOT / "samples" / "reference" / "eligibility.csv").read_text().splitlines()
    header, rows = lines[0], [line for line in lines[1:] if line.strip()]
    many = [header] + [row.replace(row.split(",")[0], f"9{n:07d}Z", 1) for n, row in enumerate(rows * 5)]
    stack.upload("reference/phc-eligibility.csv", ("\n".join([*many[:30], many[29], *many[30:]]) + "\n").encode())
    stack.poll("reference", loader.lambda_handler)  # an identical repeat: written once, every row loaded
    loaded = [u for u in stack.store.list_uploads(status="PROCESSED")[0] if u.key == "reference/phc-eligibility.csv"]
    assert loaded
    from claims_intake.store import DynamoReference

    reference = DynamoReference(client=stack.dynamodb)
    assert all(reference.eligibility(row.split(",")[0]) for row in many[1:])
    changed = many[29].split(",")
    changed[4] = "Other County"  # same member, plan and start: the same record, another value
    conflicting = [*many[:30], ",".join(changed), *many[30:]]
    stack.upload("reference/phc-eligibility.csv", ("\n".join(conflicting) + "\n").encode())
    stack.poll("reference", loader.lambda_handler)
    rejected = [
        u for u in stack.store.list_uploads(status="QUARANTINED")[0] if u.key == "reference/phc-eligibility.csv"
    ]
    assert rejected and "rows 30 and 31" in rejected[0].error_message
    assert all(DynamoReference(client=stack.dynamodb).eligibility(row.split(",")[0]) for row in many[1:])


def test_a_reload_that_would_drop_most_records_is_refused(pipeline):
    stack, _ = pipeline
    lines = (ROOT / "samples" / "reference" / "eligibility.csv").read_text().splitlines()
    stack.upload("reference/eligibility.csv", ("\n".join(lines[:2]) + "\n").encode())
    stack.poll("reference", load_handler("reference_loader").lambda_handler)
    rejected = [u for u in stack.store.list_uploads(status="QUARANTINED")[0] if u.key == "reference/eligibility.csv"]
    assert rejected and "would remove" in rejected[0].error_message and "replace=all" in rejected[0].error_message
    from claims_intake.store import DynamoReference

    reference = DynamoReference(client=stack.dynamodb)
    assert all(reference.eligibility(line.split(",")[0]) for line in lines[1:] if line.strip())


def test_a_failed_write_leaves_the_previous_reference_data_in_use(pipeline, monkeypatch):
    from claims_intake.reference import EligibilitySpan
    from claims_intake.store import DynamoReference, ReferenceWriter

    stack, _ = pipeline
    writer = ReferenceWriter(client=stack.dynamodb)
    first = [EligibilitySpan(f"9{n:07d}Y", "phc", date(2026, 1, 1), None) for n in range(60)]
    writer.load("reference/x-eligibility.csv", first)
    calls = {"n": 0}
    real = writer._write_batch

    def failing(table, requests, attempts=8):
        calls["n"] += 1
        if calls["n"] == 2:  # the second batch of 25: the load is half written
            raise RuntimeError("DynamoDB is down")
        return real(table, requests, attempts)

    monkeypatch.setattr(writer, "_write_batch", failing)
    ended = [dataclasses.replace(span, end=date(2026, 3, 31)) for span in first]
    with pytest.raises(RuntimeError):
        writer.load("reference/x-eligibility.csv", ended)
    reference = DynamoReference(client=stack.dynamodb)
    assert [reference.eligibility(span.member_cin)[0].end for span in first] == [None] * 60  # none half-changed


def test_a_claim_naming_no_plan_gets_a_letter_and_a_huge_name_fits_the_page():
    """Before: `unknown plan ''` stopped the flow (no letter, the staff page 502); a 20,000-character name
    made a table cell taller than the page (LayoutError, claim ERROR)."""
    from pypdf import PdfReader

    from claims_intake.check import check_claim
    from claims_intake.letters import rejection_letter, render_pdf
    from claims_intake.reference import InMemoryReference

    claim = Claim(claim_id="C-1", billing_provider_npi="1456700016", member_cin="90000001A")
    claim.__dict__["member_last_name"] = "N" * 20_000  # as a stored claim from before the value bound holds it
    claim.__dict__["billing_provider_name"] = "P" * 20_000
    result = check_claim(claim, None, InMemoryReference([], [], []), None, received=date(2026, 11, 2))
    assert result.plan == "" and result.disposition.value == "REJECTED"
    pdf = render_pdf(rejection_letter(result, "C-1", date(2026, 11, 2)))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Claims Intake" in text and "payer" in text.lower()
    assert "N" * 300 not in text  # cut to what fits a cell


def _error(name: str) -> IntakeError:
    case = hostile.CASES[name]
    with pytest.raises(IntakeError) as error:
        extract_bytes(hostile_bytes(name), case.filename)
    return error.value

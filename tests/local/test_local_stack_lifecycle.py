"""Stacks started and stopped in one process: the environment comes back, handlers are imported afresh
(module-level clients belong to one stack), `serve --once` prints what a user needs. One LocalStack at a
time per process: these tests run after test_local_stack.py's module stack is stopped."""

import os
import time
from pathlib import Path

from claims_intake_dev.local.stack import LocalStack

FIXTURE = Path(__file__).parent / "fixtures" / "stack" / "template.yaml"


def test_environment_is_restored_and_a_second_stack_gets_fresh_handlers(tmp_path):
    before = os.environ.get("AWS_ENDPOINT_URL")
    for run in range(2):
        log = tmp_path / f"lambda-{run}.log"
        with LocalStack(FIXTURE, function_log=log) as running:
            assert os.environ["AWS_ENDPOINT_URL"] == running.endpoint
            running.client("s3").put_object(
                Bucket=running.bucket("UploadBucket"), Key=f"uploads/acme/{run}.pdf", Body=b"x"
            )
            table = running.client("dynamodb")
            deadline = time.monotonic() + 20
            item = None
            while item is None and time.monotonic() < deadline:
                item = table.get_item(
                    TableName=running.physical_name("ItemsTable"),
                    Key={"pk": {"S": f"uploads/acme/{run}.pdf"}, "sk": {"S": "seen"}},
                ).get("Item")
                time.sleep(0.1)
            assert item, f"run {run}: the handler did not reach this stack's table"
        assert os.environ.get("AWS_ENDPOINT_URL") == before
        assert f"uploads/acme/{run}.pdf" in log.read_text()  # the handler's own log line, in this stack's log


def test_serve_prints_the_endpoint_bucket_and_an_upload_command(capsys):
    from claims_intake.cli import main

    assert main(["serve", "--template", str(FIXTURE), "--port", "0", "--no-reference", "--once"]) == 0
    out = capsys.readouterr().out
    assert "Local AWS endpoint: http://127.0.0.1:" in out
    assert "fixture-uploads-123456789012-dev" in out
    assert "--endpoint-url http://127.0.0.1:" in out and "s3://fixture-uploads-123456789012-dev/uploads/" in out
    assert "/api/items/{pk}" in out  # the template's API is served on the web port

"""PHI never reaches a log line: run the pipeline (reference load, good file, bad file, failing record)
and scan everything logged: the Powertools JSON log lines (all fields), every log record of any logger
with its extra fields, and whatever reached stdout/stderr (EMF metrics included)."""

import io
import json
import logging
import os

from .invoices import PHI, PROVIDER, three_claim_invoice


def test_nothing_logged_contains_phi(reference_loaded, intake_app, capfd, caplog, monkeypatch):
    caplog.set_level(logging.INFO)
    json_lines = io.StringIO()
    for handler in _powertools_handlers():
        monkeypatch.setattr(handler, "stream", json_lines)  # bound at import time, maybe by an earlier test

    stack = reference_loaded
    stack.upload(f"uploads/{PROVIDER}/november.csv", three_claim_invoice())
    stack.upload(f"uploads/{PROVIDER}/Lopez Maria 90000001A.pdf", b"not a pdf at all \x00\x01")  # PHI in the name
    good = stack.receive("intake", 1)[0]
    body = json.loads(good["Body"])
    body["Records"][0]["s3"]["object"].update(key="uploads/1456700016/Reyes+Daniel.csv", versionId="missing")
    stack.sqs.send_message(QueueUrl=stack.queues["intake"], MessageBody=json.dumps(body))
    stack.sqs.change_message_visibility(
        QueueUrl=stack.queues["intake"], ReceiptHandle=good["ReceiptHandle"], VisibilityTimeout=0
    )
    stack.poll("intake", intake_app.lambda_handler)

    uploads = stack.store.list_uploads(provider=PROVIDER)[0]
    assert {u.status for u in uploads} == {"PROCESSED", "QUARANTINED", "FAILED"}  # every path ran
    out, err = capfd.readouterr()
    lines = json_lines.getvalue()
    # A module's child logger whose service logger was never set up (first imported by an earlier test under
    # another service name) reaches the root logger: its lines are caplog's records.
    messages = lines + "\n".join(json.dumps(record.getMessage()) for record in caplog.records)
    assert '"upload processed"' in messages and '"upload quarantined"' in messages and '"upload failed' in messages
    assert '"DispositionClean"' in out  # the EMF metrics were written and are scanned too
    records = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    logged = "\n".join([lines, out, err, records])
    leaked = [value for value in PHI if value in logged]
    assert leaked == [], f"PHI in the logs: {leaked}"


def _powertools_handlers() -> list[logging.StreamHandler]:
    """The handlers of every service logger: a module's child logger belongs to the service it was first
    imported under (this test's, an earlier test's local stack function, or an earlier test's own)."""
    names = [os.environ["POWERTOOLS_SERVICE_NAME"]] + [
        name
        for name, logger in logging.root.manager.loggerDict.items()
        if name.startswith("claims-intake") or getattr(logger, "powertools_handler", None) is not None
    ]
    return [
        handler
        for name in dict.fromkeys(names)
        for handler in logging.getLogger(name).handlers
        if isinstance(handler, logging.StreamHandler)
    ]

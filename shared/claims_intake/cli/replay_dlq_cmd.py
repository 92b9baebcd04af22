"""`claims-intake replay-dlq DLQ [--source QUEUE] [--max N] [--dry-run] [--endpoint-url URL] [--format json]`.

Moves the messages of a dead-letter queue back to the queue they failed from (found from its redrive
policy unless --source is given), after the cause of the failures is fixed. Works against AWS (the
usual credentials and region) and the local stack (`--endpoint-url http://127.0.0.1:PORT`, which takes
any credentials: without any configured, placeholder ones are used, and the stack's region us-west-2).
`--dry-run` receives nothing: it says how many messages wait and where they would go.
"""

from __future__ import annotations

import sys
from typing import Any

from ..dlq import ReplayError, replay_dlq
from .output import print_json, print_table

EXIT_FAILED = 2
LOCAL_STACK_REGION = "us-west-2"  # claims_intake_dev.local.stack.DEFAULT_REGION (the runtime cannot import it)


def register(verbs) -> None:
    parser = verbs.add_parser("replay-dlq", help="move dead-letter queue messages back to their source queue")
    parser.add_argument("dlq", metavar="DLQ", help="the dead-letter queue: name or URL")
    parser.add_argument("--source", metavar="QUEUE", help="queue to send them to (default: the DLQ's redrive source)")
    parser.add_argument("--max", type=int, metavar="N", help="move at most N messages (default: all)")
    parser.add_argument(
        "--dry-run", action="store_true", help="count the messages and name their queue; receive nothing"
    )
    parser.add_argument("--endpoint-url", metavar="URL", help="SQS endpoint (the local stack), default AWS")
    parser.add_argument("--region", help="AWS region (default: from the environment or profile)")
    parser.add_argument("--format", choices=["table", "json"], default="table", help="output format (default: table)")
    parser.set_defaults(run=run)


def run(args) -> int:
    import boto3

    if args.max is not None and args.max < 1:
        return _fail(args, "bad_argument", "--max must be 1 or more")
    sqs = boto3.client("sqs", **client_settings(boto3.Session(), args.endpoint_url, args.region))
    try:
        summary = replay_dlq(sqs, args.dlq, args.source, max_messages=args.max, dry_run=args.dry_run)
    except ReplayError as problem:
        return _fail(args, "queue_not_found", str(problem))
    if args.format == "json":
        print_json(summary.to_dict())
    elif summary.dry_run:
        print(f"{summary.dlq_url} -> {summary.source_url}")
        print(
            f"would move {summary.would_move} message(s); {summary.waiting} waiting in the DLQ"
            + (f", {summary.in_flight} received by someone else right now" if summary.in_flight else "")
        )
    else:
        print_table(
            f"{summary.dlq_url} -> {summary.source_url}",
            ["Message", "Receives", "Sent", "Uploads"],
            [(m.message_id, m.receive_count, m.sent, " ".join(m.uploads)) for m in summary.messages],
        )
        print(
            f"moved {summary.moved} message(s)"
            + (f"; {summary.failed} could not be sent and stay in the DLQ" if summary.failed else "")
        )
    return EXIT_FAILED if summary.failed else 0


def client_settings(session: Any, endpoint_url: str | None, region: str | None) -> dict[str, Any]:
    """boto3 client arguments: AWS as configured; a local endpoint also without configured credentials or region."""
    settings: dict[str, Any] = {"endpoint_url": endpoint_url, "region_name": region}
    if endpoint_url:
        settings["region_name"] = region or session.region_name or LOCAL_STACK_REGION
        if session.get_credentials() is None:
            settings.update(aws_access_key_id="local", aws_secret_access_key="local")
    return settings


def _fail(args, code: str, message: str) -> int:
    if args.format == "json":
        print_json({"errors": [{"code": code, "message": message}]})
    else:
        print(f"error: {message}", file=sys.stderr)
    return EXIT_FAILED

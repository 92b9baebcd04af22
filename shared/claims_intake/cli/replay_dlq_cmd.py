"""`claims-intake replay-dlq DLQ [--source QUEUE] [--max N] [--dry-run] [--endpoint-url URL] [--format json]`.

Moves the messages of a dead-letter queue back to the queue they failed from (found from its redrive
policy unless --source is given), after the cause of the failures is fixed. Works against AWS (the
usual credentials and region) and the local stack (`--endpoint-url http://127.0.0.1:PORT`).
"""

from __future__ import annotations

import sys

from ..dlq import ReplayError, replay_dlq
from .output import print_json, print_table

EXIT_FAILED = 2


def register(verbs) -> None:
    parser = verbs.add_parser("replay-dlq", help="move dead-letter queue messages back to their source queue")
    parser.add_argument("dlq", metavar="DLQ", help="the dead-letter queue: name or URL")
    parser.add_argument("--source", metavar="QUEUE", help="queue to send them to (default: the DLQ's redrive source)")
    parser.add_argument("--max", type=int, metavar="N", help="move at most N messages (default: all)")
    parser.add_argument("--dry-run", action="store_true", help="list the messages; move nothing")
    parser.add_argument("--endpoint-url", metavar="URL", help="SQS endpoint (the local stack), default AWS")
    parser.add_argument("--region", help="AWS region (default: from the environment or profile)")
    parser.add_argument("--format", choices=["table", "json"], default="table", help="output format (default: table)")
    parser.set_defaults(run=run)


def run(args) -> int:
    import boto3

    if args.max is not None and args.max < 1:
        return _fail(args, "bad_argument", "--max must be 1 or more")
    sqs = boto3.client("sqs", endpoint_url=args.endpoint_url, region_name=args.region)
    try:
        summary = replay_dlq(sqs, args.dlq, args.source, max_messages=args.max, dry_run=args.dry_run)
    except ReplayError as problem:
        return _fail(args, "queue_not_found", str(problem))
    if args.format == "json":
        print_json(summary.to_dict())
    else:
        verb = "would move" if summary.dry_run else "moved"
        print_table(f"{summary.dlq_url} -> {summary.source_url}", ["Message", "Receives", "Sent", "Uploads"],
                    [(m.message_id, m.receive_count, m.sent, " ".join(m.uploads)) for m in summary.messages])
        count = len(summary.messages) if summary.dry_run else summary.moved
        print(f"{verb} {count} message(s)" + (f"; {summary.failed} could not be sent and stay in the DLQ" if summary.failed else ""))
    return EXIT_FAILED if summary.failed else 0


def _fail(args, code: str, message: str) -> int:
    if args.format == "json":
        print_json({"errors": [{"code": code, "message": message}]})
    else:
        print(f"error: {message}", file=sys.stderr)
    return EXIT_FAILED

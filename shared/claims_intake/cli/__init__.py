"""`claims-intake` command line: one module per verb, each with `register(subparsers)`."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from . import catalog_cmd, check_cmd, demo_cmd, extract_cmd, publish_page_cmd, replay_dlq_cmd, serve_cmd
from .output import print_json

COMMANDS = [catalog_cmd, extract_cmd, check_cmd, demo_cmd, serve_cmd, publish_page_cmd, replay_dlq_cmd]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="claims-intake",
        description="Medi-Cal ECM and Community Supports claims intake: catalog, extract, check, demo, serve.",
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for command in COMMANDS:
        command.register(verbs)
    return parser


EXIT_INTERNAL = 3


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its repair notes are not the provider's business
    try:
        return args.run(args) or 0
    except Exception as error:  # never a traceback for a user; CLAIMS_INTAKE_DEBUG=1 shows it
        if os.environ.get("CLAIMS_INTAKE_DEBUG"):
            raise
        message = f"{args.verb} failed: {type(error).__name__}: {error}".splitlines()[0][:500]
        if getattr(args, "format", None) == "json":
            print_json({"errors": [{"code": "internal_error", "message": message}]})
        else:
            print(f"error: {message}", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())

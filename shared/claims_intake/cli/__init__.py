"""`claims-intake` command line: one module per verb, each with `register(subparsers)`.

The runtime package carries the verbs that work on files (catalog, extract, check) and operations
(publish-page, replay-dlq). Verbs that need the development kit (demo, serve: the local AWS stack) are
found through the `claims_intake.commands` entry point group, so they are there when the development
package is installed and absent from what Lambda ships.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from importlib.metadata import entry_points
from types import ModuleType

from . import catalog_cmd, check_cmd, encounters_cmd, extract_cmd, publish_page_cmd, remittance_cmd, replay_dlq_cmd
from .output import print_json

RUNTIME_COMMANDS: list[ModuleType] = [catalog_cmd, extract_cmd, check_cmd, encounters_cmd, remittance_cmd,
                                      publish_page_cmd, replay_dlq_cmd]
COMMAND_GROUP = "claims_intake.commands"


def commands() -> list[ModuleType]:
    """The runtime verbs, then those installed packages add (sorted by entry point name)."""
    added = sorted(entry_points(group=COMMAND_GROUP), key=lambda point: point.name)
    return RUNTIME_COMMANDS + [point.load() for point in added]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="claims-intake",
        description="Medi-Cal ECM and Community Supports claims intake: catalog, extract, check, demo, serve.",
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for command in commands():
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
